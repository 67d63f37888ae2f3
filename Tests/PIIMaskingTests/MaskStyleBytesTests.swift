import Testing

@testable import PIIMasking

/// The byte path of the masking convention must give exactly what the `Character` path gives, or decline.
@Suite("MaskStyle: the byte path agrees with the Character path")
struct MaskStyleBytesTests {
    /// Realistic values of every kind, in the shapes the detectors report them.
    static let samples: [(PIIKind, String)] = [
        (.name, "홍길동"), (.name, "홍길"), (.name, "남궁민수"), (.name, "김수한무"), (.name, "황보"), (.name, "선우재덕"),
        (.name, "김"), (.name, ""), (.name, "John Smith"), (.name, "이 서연"),
        (.phone, "010-1234-5678"), (.phone, "01012345678"), (.phone, "+82 10 1234 5678"), (.phone, "+821012345678"),
        (.phone, "02-123-4567"), (.phone, "0212345678"), (.phone, "(02) 123-4567"), (.phone, "050-1234-5678"),
        (.phone, "05012345678"), (.phone, "0501-234-5678"), (.phone, "1588-1234"), (.phone, "15881234"),
        (.phone, "080-123-4567"), (.phone, "070 1234 5678"), (.phone, " +82-10-1234-5678"), (.phone, "821012345678"),
        (.phone, "010.1234.5678"), (.phone, "031)123-4567"), (.phone, "12"),
        (.address, "서울특별시 강남구 테헤란로 152 강남파이낸스센터 10층"), (.address, "부산광역시 해운대구 우동 1411-1"),
        (.address, "경기도 성남시 분당구 중앙로 1275번길 12 (정자동, 푸른마을)"), (.address, "101동 1203호"),
        (.address, "서울 강남구"), (.address, "경기 수원시 팔달구 효원로 1"), (.address, "인천 남동구 구월3동 1130-2, 2층"),
        (.address, "세종특별자치시 도움3로 33길 10"), (.address, "서울 중구 을지로2가 5"), (.address, "  서울  "),
        (.address, "강남파이낸스센터 10층"), (.address, "대전광역시 서구 둔산로 100, 3층(둔산동)"), (.address, "경기도 양평군 양서면 ..."),
        (.email, "minjun.kim@example.com"), (.email, "ab@x.kr"), (.email, "a@x.kr"), (.email, "@x.kr"), (.email, "noat"),
        (.residentNumber, "900101-1234567"), (.residentNumber, "9001011234567"), (.residentNumber, "010203-5123456"),
        (.cardNumber, "4123-4567-8901-2345"), (.cardNumber, "4123456789012345"), (.cardNumber, "3782 822463 10005"),
        (.bankAccount, "110-123-456789"), (.bankAccount, "1002123456789"), (.bankAccount, "12"),
        (.ipAddress, "123.123.45.123"), (.ipAddress, "2001:db8::1"), (.ipAddress, "::ffff:192.0.2.1"), (.ipAddress, "fe80::"),
        (.ipAddress, "1.2.3"), (.birthDate, "1990-07-14"), (.birthDate, "19900714"), (.birthDate, "1990년 7월 14일"),
    ]

    @Test func everySampleAgrees() {
        for character in ["*", "x", "#"] as [Character] {
            let style = MaskStyle(maskCharacter: character)
            for (kind, value) in Self.samples {
                let (fast, took) = Self.fast(style, value, kind)
                #expect(took, "the byte path declined \(kind) \(value)")
                #expect(fast == style.mask(value, as: kind), "\(kind) \(value) with \(character)")
            }
        }
    }

    /// Random text from an alphabet of the characters values are made of, under every kind: agree or decline.
    @Test(arguments: 0..<8)
    func randomTextAgreesOrDeclines(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let alphabet: [Character] = Array("0123456789-.,()@/: +#abcAZ_홍길동남궁로길동리가번층호시구군읍면") + ["\u{1100}", "é", "\r\n", "😀", "\u{301}"]
        let style = MaskStyle()
        var declined = 0
        for _ in 0..<3_000 {
            let length = Int(random.next() % 24)
            let value = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            for kind in PIIKind.allCases {
                let (fast, took) = Self.fast(style, value, kind)
                if took {
                    #expect(fast == style.mask(value, as: kind), "\(kind) \(value.unicodeScalars.map { String($0.value, radix: 16) })")
                } else {
                    declined += 1
                }
            }
        }
        #expect(declined > 0, "the alphabet has characters outside the byte path, so some values must decline")
    }

    @Test func fullStyleAgrees() {
        let masker = TextMasker(profile: MaskingProfile(styles: Dictionary(uniqueKeysWithValues: PIIKind.allCases.map { ($0, .full) })),
                                detectors: [])
        for (kind, value) in Self.samples {
            var output: [UInt8] = []
            var copy = value
            copy.withUTF8 { masker.appendMasked($0, detection: Detection(start: 0, end: $0.count, kind: kind, detector: "t"), into: &output) }
            #expect(String(decoding: output, as: UTF8.self) == masker.masked(value, as: kind), "\(kind) \(value)")
        }
    }

    @Test func aNonASCIIMaskCharacterTakesTheCharacterPath() {
        let style = MaskStyle(maskCharacter: "●")
        #expect(Self.fast(style, "홍길동", .name).took == false)
        let masker = TextMasker(profile: MaskingProfile(maskCharacter: "●"), detectors: [])
        var output: [UInt8] = []
        var value = "홍길동"
        value.withUTF8 { masker.appendMasked($0, detection: Detection(start: 0, end: $0.count, kind: .name, detector: "t"), into: &output) }
        #expect(String(decoding: output, as: UTF8.self) == "홍●동")
    }

    static func fast(_ style: MaskStyle, _ value: String, _ kind: PIIKind) -> (String, took: Bool) {
        var output: [UInt8] = [0x7C]  // appends after what is there
        var copy = value
        let took = copy.withUTF8 { style.appendMasked($0, as: kind, into: &output) }
        if !took { #expect(output == [0x7C], "a declining call must leave the output as it was") }
        return (String(decoding: output.dropFirst(), as: UTF8.self), took)
    }
}

/// A small seeded generator (SplitMix64), so every run tries the same values.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { self.state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `Detector.mayDetect` is a shortcut: it may never skip a unit in which the detector finds something.
@Suite("Detector traits never skip a value")
struct DetectorTraitsTests {
    @Test(arguments: 0..<4)
    func noDetectorIsSkippedWhereItWouldFind(seed: Int) {
        var random = SplitMix(seed: UInt64(1_000 + seed))
        let pieces = ["010-1234-5678", "홍길동 고객님", "minjun@example.com", "서울 강남구 테헤란로 152", "900101-1234567",
                      "4123-4567-8901-2345", "110-123-456789", "192.168.0.1", "fe80::1", "1990-07-14", "생년월일", "계좌",
                      "이름", "주소", " ", ":", "@", "abc", "김", "님", "저는 ", "입니다", "\n", "12", "-", "."]
        var checked = 0
        for _ in 0..<2_000 {
            let text = (0..<Int(random.next() % 6 + 1)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            for hint in [nil] + PIIKind.allCases.map(Optional.some) {
                var copy = text
                copy.withUTF8 { bytes in
                    let traits = TextTraits.of(bytes)
                    for detector in StandardDetectors.all {
                        var found: [Detection] = []
                        detector.detect(bytes, hint: hint, into: &found)
                        if !found.isEmpty {
                            checked += 1
                            #expect(detector.mayDetect(in: traits, hint: hint), "\(detector.name) would skip \(text)")
                        }
                    }
                }
            }
        }
        #expect(checked > 1_000)
    }
}

/// `TextTraits.of` reads eight non-ASCII bytes in one step: it must give what classifying every byte gives.
@Suite("Text traits agree with a byte-by-byte reading")
struct TextTraitsTests {
    static func reference(_ bytes: [UInt8]) -> TextTraits {
        var traits: TextTraits = []
        for byte in bytes {
            switch byte {
            case 0x30...0x39: traits.insert(.digit)
            case 0x40: traits.insert(.atSign)
            case 0x3A: traits.insert(.colon)
            case 0x41...0x5A, 0x61...0x7A: traits.insert(.letter)
            case 0x80...0xFF: traits.insert(.nonASCII)
            case 0x0A: traits.insert(.lineBreak)
            default: break
            }
        }
        return traits
    }

    @Test func everyByteAtEveryPlace() {
        // Each byte alone, and at each place of a 1–20 byte unit of Hangul and ASCII filler (where the word step and
        // the byte steps meet).
        let fillers: [[UInt8]] = [Array("가나다라마바사아자차".utf8), Array(repeating: 0x20, count: 24), Array(repeating: 0xEA, count: 24)]
        for byte in 0...255 {
            #expect([UInt8(byte)].withUnsafeBufferPointer { TextTraits.of($0) } == Self.reference([UInt8(byte)]))
            for filler in fillers {
                for length in 1...20 {
                    for place in 0..<length {
                        var unit = Array(filler.prefix(length))
                        unit[place] = UInt8(byte)
                        let traits = unit.withUnsafeBufferPointer { TextTraits.of($0) }
                        #expect(traits == Self.reference(unit), "byte \(byte) at \(place) of \(length)")
                    }
                }
            }
        }
    }

    @Test(arguments: 0..<4)
    func randomUnits(seed: Int) {
        var random = SplitMix(seed: UInt64(2_000 + seed))
        let pieces: [[UInt8]] = ["홍길동", "서울 강남구", "010-1234-5678", "a@b", "fe80::1", "x", "\u{1F600}", " ", "é"].map { Array($0.utf8) }
        for _ in 0..<5_000 {
            let unit = (0..<Int(random.next() % 8)).flatMap { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
            #expect(unit.withUnsafeBufferPointer { TextTraits.of($0) } == Self.reference(unit))
        }
    }
}

/// Subject keys: what the access records name the data subjects by.
@Suite("Subject keys from the menu's rules")
struct SubjectKeyTests {
    static let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all,
                                   subjectRules: [try! SubjectKeyRule(name: "order_no", pattern: "20[0-9]{14}")])

    @Test func everyScannerCollectsDistinctKeysInOrder() throws {
        let html = Array("<table><tr><th>주문번호</th><th>구매자</th></tr><tr><td><a href=\"/o/2026112300000002\">2026112300000002</a></td><td>홍길동</td></tr><tr><td>2026112300000001</td><td>김민준</td></tr><tr><td>2026112300000002</td><td>x</td></tr></table><p>송장 602612345678901234</p>".utf8)
        let scanner = HTMLBodyMasker(masker: Self.masker)
        _ = try scanner.maskWhole(html, chunkSizes: [5, 17])
        #expect(scanner.tally.subjects.keys == ["2026112300000002", "2026112300000001"])
        #expect(scanner.tally.counts[.name] == 2, "masking goes on as before")

        let json = JSONBodyMasker(masker: Self.masker)
        _ = try json.maskWhole(Array(#"{"orders":[{"orderNo":"2026112300000007","buyerPhone":"010-1234-5678"}],"note":"x20261123000000089"}"#.utf8))
        #expect(json.tally.subjects.keys == ["2026112300000007"], "a key glued to other characters is not one")

        let csv = DelimitedBodyMasker(masker: Self.masker, separator: UInt8(ascii: ","))
        _ = try csv.maskWhole(Array("주문번호,이름\r\n2026112300000003,홍길동\r\n".utf8), chunkSizes: [3])
        #expect(csv.tally.subjects.keys == ["2026112300000003"])

        let text = TextBodyMasker(masker: Self.masker)
        _ = try text.maskWhole(Array("주문번호 2026112300000004 배송지 변경 부탁드립니다".utf8))
        #expect(text.tally.subjects.keys == ["2026112300000004"])
    }

    @Test func keysAreBounded() {
        var keys = SubjectKeys()
        for n in 0..<(SubjectKeys.limit + 10) { keys.add("k\(n)") }
        keys.add("k1")
        #expect(keys.keys.count == SubjectKeys.limit)
        #expect(keys.dropped == 10)
    }
}
