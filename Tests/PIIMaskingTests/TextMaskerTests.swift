import Testing

@testable import PIIMasking

/// A detector for tests: reports every occurrence of fixed strings as a kind.
struct FixedDetector: Detector {
    let name = "fixed"
    let values: [(String, PIIKind)]
    var kinds: Set<PIIKind> { Set(self.values.map(\.1)) }

    func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        let bytes = Array(text)
        for (value, kind) in self.values {
            let needle = Array(value.utf8)
            guard needle.count <= bytes.count else { continue }
            for start in 0...(bytes.count - needle.count) where Array(bytes[start..<start + needle.count]) == needle {
                detections.append(Detection(start: start, end: start + needle.count, kind: kind, detector: "fixed"))
            }
        }
    }
}

@Suite("TextMasker: labels, overlaps, profiles")
struct TextMaskerTests {
    let masker = TextMasker(profile: MaskingProfile(), detectors: [])

    @Test(arguments: [
        ("buyerName", PIIKind.name), ("buyer_name", .name), ("Buyer Name", .name), ("receiverPhoneNumber", .phone),
        ("receiver.phone", .phone), ("receiver_phone", .phone), ("address1", .address), ("배송주소", .address),
        ("받는분 주소", .address), ("주문자 이름", .name), ("은행계좌", .bankAccount), ("고객생일", .birthDate),
        ("이메일주소", .email), ("수취인 연락처", .phone), ("구매자", .name), ("accountNumber", .bankAccount),
    ])
    func labelsNameKinds(label: String, kind: PIIKind) {
        #expect(self.masker.kind(forLabel: label) == kind, "\(label)")
        #expect(self.masker.kind(forLabel: label) == kind, "cached answer for \(label)")
    }

    @Test(arguments: ["hotel", "orderNo", "상품명", "주문번호", "status", "total", "memo"])
    func otherLabelsNameNothing(label: String) {
        #expect(self.masker.kind(forLabel: label) == nil, "\(label)")
    }

    /// A chat message that opens a later line with a name and a copula: the whole masker (which tells the name scan
    /// whether a unit has line feeds) finds it on every line, and on a single line.
    @Test func leadingIntroductionsOnEveryLine() {
        let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all)
        #expect(masker.mask("홍길동입니다. 주문 문의드려요") == "홍*동입니다. 주문 문의드려요")
        #expect(masker.mask("안녕하세요\n홍길동입니다. 주문 문의드려요") == "안녕하세요\n홍*동입니다. 주문 문의드려요")
        #expect(masker.mask("확인 부탁드려요\r\n\n  이하은입니다\n감사합니다") == "확인 부탁드려요\r\n\n  이*은입니다\n감사합니다")
    }

    @Test func overlapsKeepTheEarliestThenTheLongestAndTiesAreStable() {
        let detector = FixedDetector(values: [("010-1234", .phone), ("010-1234-5678", .phone), ("1234-5678", .bankAccount),
                                              ("홍길동", .name), ("홍길동", .address)])
        let masker = TextMasker(profile: MaskingProfile(), detectors: [detector])
        var tally = MaskTally()
        let found = Array("전화 010-1234-5678 홍길동".utf8).withUnsafeBufferPointer { masker.detections(in: $0, context: .none) }
        #expect(found.map(\.kind) == [.phone, .address])  // same span: kinds ordered by name, address first
        #expect(found.first?.length == 13)
        _ = masker.mask(Array("010-1234-5678".utf8), context: .none, tally: &tally)
        #expect(tally.counts == [.phone: 1])
    }

    @Test func profilesSwitchKindsStylesAndAllowValues() {
        let detector = FixedDetector(values: [("010-1234-5678", .phone), ("1588-0000", .phone), ("4111-1111-1111-1111", .cardNumber)])
        let profile = MaskingProfile(kinds: [.phone, .cardNumber], styles: [.cardNumber: .full], allowList: ["1588 0000"])
        let masker = TextMasker(profile: profile, detectors: [detector])
        #expect(masker.mask("010-1234-5678 / 1588-0000 / 4111-1111-1111-1111")
                == "010-****-5678 / 1588-0000 / ****-****-****-****")
        let off = TextMasker(profile: MaskingProfile(kinds: [.email]), detectors: [detector])
        #expect(off.mask("010-1234-5678") == "010-1234-5678")
    }

    @Test func customDetectorsNeedTheirContextUnlessTheLabelNamesTheKind() throws {
        let member = try CustomDetector(name: "member-no", kind: .name, pattern: "M[0-9]{8}", contextWords: ["회원번호"])
        let masker = TextMasker(profile: MaskingProfile(customDetectors: [member]), detectors: [])
        #expect(masker.mask("회원번호 M12345678 확인") == "회원번호 M*******8 확인")
        #expect(masker.mask("상품 M12345678") == "상품 M12345678")
        #expect(masker.mask("M12345678", label: "구매자") == "M*******8")
        #expect(throws: CustomDetector.PatternError.self) { try CustomDetector(name: "x", kind: .name, pattern: "M[0-9") }
    }

    @Test func theObserverSeesMaskedFormsOnly() {
        var masker = TextMasker(profile: MaskingProfile(), detectors: [FixedDetector(values: [("010-1234-5678", .phone)])])
        let observer = DetectionObserver()
        masker.observer = observer
        _ = masker.mask("a 010-1234-5678")
        #expect(observer.entries == [.init(unit: 1, offset: 2, kind: .phone, detector: "fixed", masked: "010-****-5678")])
    }

    @Test func ipv6AndMappedIPv4AreMaskedByTheConvention() {
        let style = MaskStyle()
        #expect(style.mask("::ffff:192.0.2.1", as: .ipAddress) == "::ffff:192.0.***.1")
        #expect(style.mask("2001:db8::8a2e:370:7334", as: .ipAddress) == "2001:db8::8a2e:370:****")
    }

    @Test(arguments: [
        ("서울특별시 강남구 역삼1동 123-4", "서울특별시 강남구 역삼1동 ***-*"),
        ("부산광역시 해운대구 중앙로 1275번길 38-10", "부산광역시 해운대구 중앙로 1275번길 **-**"),
        ("101동 1203호", "**** *****"),
        ("강남파이낸스센터 10층", "******** ***"),
        ("경기도 성남시 분당구 불정로 6 (정자동)", "경기도 성남시 분당구 불정로 * (***)"),
        ("서울 강남구 래미안아파트 102동", "서울 강남구 ****** ****"),
    ])
    func addressesKeepRoadOrNeighbourhoodAndHideTheRest(value: String, masked: String) {
        #expect(MaskStyle().mask(value, as: .address) == masked)
    }

    @Test func aClassThatNamesAFieldLabelsItsText() throws {
        let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all)
        let scanner = HTMLBodyMasker(masker: masker)
        let page = """
            <ul class="rooms"><li><a href="/chat/?room=r1"><b class="customer-name">김현주</b></a><br>\
            <div class="meta"><span class="customer-name">박서연</span> · 2026-11-23 10:23</div>\
            <span class="product-title">고구마 5kg</span></li></ul>
            """
        let out = String(decoding: try scanner.process(Array(page.utf8)) + scanner.finish(), as: UTF8.self)
        #expect(out.contains(">김*주<"))
        #expect(out.contains(">박*연</span> · 2026-11-23 10:23"))
        #expect(out.contains(">고구마 5kg<"), "a class that names no kind labels nothing")
    }
}

/// `Detection` keeps its detector's name as a plain `DetectorName`: literals and interned names must behave as the
/// strings they spell.
@Suite("Detector names")
struct DetectorNameTests {
    @Test func literalAndInternedNamesAreTheSameName() {
        let literal: DetectorName = "name.honorific"
        let interned = DetectorName(interning: "name." + "honorific")
        #expect(literal == interned)
        #expect(literal.hashValue == interned.hashValue)
        #expect(interned.string == "name.honorific")
        #expect(DetectorName(interning: "phone") != "phone2")
        #expect(DetectorName(interning: "custom:회원번호").string == "custom:회원번호")
        #expect(DetectorName(interning: "") == DetectorName(interning: ""))
    }

    @Test func namesOrderAsTheirStrings() {
        let names = ["phone", "address.road", "address.lot", "custom:b", "custom:a", "name.field", "custom:회원", "ip_address"]
        let sorted = names.map { DetectorName(interning: $0) }.sorted().map(\.string)
        #expect(sorted == names.sorted())
    }

    @Test func detectionsCarryTheirDetectorsName() throws {
        var detection = Detection(start: 0, end: 3, kind: .name, detector: "fixed")
        #expect(detection.detector == "fixed")
        #expect(detection == Detection(start: 0, end: 3, kind: .name, by: "fixed"))
        detection.detector = "other"
        #expect(detection.detectorName == "other")
        let custom = try CustomDetector(name: "member-no", kind: .name, pattern: "M[0-9]{6}")
        #expect(custom.detect(in: "회원 M123456").map(\.detector) == ["custom:member-no"])
        #expect(PhoneDetector().detect(in: "010-1234-5678").map(\.detector) == [PhoneDetector().name])
    }
}

/// A labelled unit asks the label's own detector first; when it finds the whole unit to be one value of that kind,
/// that value is the unit's only detection (`TextMasker.detections(in:hint:into:)`).
@Suite("TextMasker: the label's detector first")
struct LabelFirstTests {
    /// A phone number that a second detector also claims whole, as an address (a kind that sorts before `phone`).
    let both = FixedDetector(values: [("010-1234-5678", .address)])

    @Test func aWholeValueOfTheLabelsKindIsThatKind() throws {
        let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all + [self.both])
        // Unlabelled, the two detections cover the same bytes and the tie goes to the kind that sorts first.
        #expect(self.kinds(masker, "010-1234-5678", label: nil) == [.address])
        // Labelled as a phone, the phone detector's whole-value match is the answer.
        #expect(self.kinds(masker, "010-1234-5678", label: "연락처") == [.phone])
        #expect(masker.mask("010-1234-5678", label: "연락처") == "010-****-5678")
        // Labelled as an address, the fixed detector (the address slot comes first for that label) wins.
        #expect(self.kinds(masker, "010-1234-5678", label: "배송지") == [.address])
    }

    @Test func aWholeValueOfAnotherKindIsNotTheLabelsAnswer() {
        // The phone label's first detector also finds names; here it finds the whole unit, but as a name.
        let lead = FixedDetector(values: [("0000", .phone), ("abcdef", .name)])
        let masker = TextMasker(profile: MaskingProfile(), detectors: [lead, FixedDetector(values: [("abcdef", .address)])])
        #expect(self.kinds(masker, "abcdef", label: "연락처") == [.address])
        #expect(self.kinds(masker, "0000", label: "연락처") == [.phone])
    }

    @Test func anythingLessThanTheWholeUnitLetsEveryDetectorRun() {
        let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all)
        // The phone does not cover the unit: the name after it is still found.
        #expect(masker.mask("010-1234-5678 홍길동님", label: "연락처") == "010-****-5678 홍*동님")
        // A name label on a unit that is not only a name: the phone in it is still masked.
        #expect(masker.mask("홍길동 010-1234-5678", label: "구매자") == "홍*동 010-****-5678")
    }

    @Test func anAllowListedWholeValueFallsBackToEveryDetector() {
        let detector = FixedDetector(values: [("1588-0000", .phone), ("1588", .cardNumber)])
        let masker = TextMasker(profile: MaskingProfile(styles: [.cardNumber: .full], allowList: ["1588-0000"]),
                                detectors: [detector])
        // The whole value is allowed, so it is not the unit's answer: the other detections are resolved as usual.
        #expect(masker.mask("1588-0000", label: "연락처") == "****-0000")
    }

    /// The label-first path gives what running every detector gives, with the documented rule on top, for random
    /// units under every label, with the standard detectors (their direct calls), with a custom one (the loop) and
    /// with an allow list.
    @Test(arguments: 0..<3)
    func matchesEveryDetectorOneByOne(seed: Int) throws {
        let pieces = [
            "홍길동", "김민준", "님", " 고객님", "010-1234-5678", "02-123-4567", "서울특별시 강남구 테헤란로 123", " ", ", ",
            "101동 1203호", "seoyeon@naver.example", "900101-1234567", "4111 1111 1111 1111", "하나 ", "110-123-456789",
            "1990-07-14", "123.45.67.89", "(역삼동)", "주문번호", "이번", "2026082160951092", "M12345678", "x",
        ]
        let custom = try CustomDetector(name: "member-no", kind: .name, pattern: "M[0-9]{8}")
        let maskers = [
            TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all),
            TextMasker(profile: MaskingProfile(customDetectors: [custom]), detectors: StandardDetectors.all),
            // Allow-listed whole values: the label's slot runs again in full (it may have stopped at the value).
            TextMasker(profile: MaskingProfile(allowList: ["010-1234-5678", "900101-1234567", "4111 1111 1111 1111",
                                                           "1990-07-14", "123.45.67.89", "홍길동"]),
                       detectors: StandardDetectors.all),
        ]
        var random = SplitMix(seed: UInt64(0x1EAD_0000 + seed))
        var wholeAnswers = 0
        for _ in 0..<1_500 {
            var text = ""
            for _ in 0..<(1 + Int(random.next() % 4)) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            for masker in maskers {
                for hint in [nil] + PIIKind.allCases.map(Optional.some) {
                    var copy = text
                    copy.withUTF8 { bytes in
                        let expected = Self.oneByOne(masker, bytes, hint: hint)
                        if hint != nil, expected.count == 1, expected[0].start == 0, expected[0].end == bytes.count {
                            wholeAnswers += 1
                        }
                        #expect(masker.detections(in: bytes, hint: hint).map(Self.key) == expected.map(Self.key),
                                "\(text) [\(String(describing: hint))]")
                    }
                }
            }
        }
        #expect(wholeAnswers > 500)
    }

    /// Every detector of `masker` on its own, then: the label's whole value if its kind's detectors find one, else
    /// the earliest, then longest detection.
    static func oneByOne(_ masker: TextMasker, _ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?) -> [Detection] {
        let traits = TextTraits.of(text)
        func allowed(_ detection: Detection) -> Bool {
            !masker.profile.allowList.isEmpty && TextMasker.isAllowed(detection, in: text, masker.profile.allowList)
        }
        func run(_ detectors: [any Detector]) -> [Detection] {
            var found: [Detection] = []
            for detector in detectors where detector.mayDetect(in: traits, hint: hint) {
                detector.detect(text, hint: hint, into: &found)
            }
            return found.filter { masker.profile.kinds.contains($0.kind) && $0.start >= 0 && $0.end <= text.count && $0.start < $0.end }
        }
        if let hint, masker.profile.kinds.contains(hint),
            let lead = masker.detectors.first(where: { $0.kinds.contains(hint) })
        {
            // The detectors that share the lead's slot: all six number detectors, or the lead alone.
            let slot = NumberDetectors.member(lead) != nil ? masker.detectors.filter { NumberDetectors.member($0) != nil } : [lead]
            if let whole = run(slot).first(where: { $0.start == 0 && $0.end == text.count && $0.kind == hint }),
                !allowed(whole)
            {
                return [whole]
            }
        }
        let sorted = run(masker.detectors).sorted {
            ($0.start, -$0.length, $0.kind.rawValue, $0.detector) < ($1.start, -$1.length, $1.kind.rawValue, $1.detector)
        }
        var kept: [Detection] = []
        for detection in sorted where detection.start >= (kept.last?.end ?? 0) && !allowed(detection) {
            kept.append(detection)
        }
        return kept
    }

    static func key(_ detection: Detection) -> String {
        "\(detection.start)-\(detection.end)-\(detection.kind)-\(detection.detector)"
    }

    func kinds(_ masker: TextMasker, _ text: String, label: String?) -> [PIIKind] {
        var copy = text
        return copy.withUTF8 { masker.detections(in: $0, context: FieldContext(label: label)).map(\.kind) }
    }
}
