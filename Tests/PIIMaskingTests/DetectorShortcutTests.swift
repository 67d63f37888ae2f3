import Testing

@testable import PIIMasking

/// The detectors' shortcuts answer exactly what the longer way answers: the keys built from decoded syllables, the
/// byte masks, the IPv6 pre-test.
@Suite("Detector shortcuts")
struct DetectorShortcutTests {
    /// `CandidateSyllables` builds the same word-list keys as `NameAddressText.key` over the bytes.
    @Test(arguments: ["홍길", "홍길동", "남궁민수", "제갈공명님", "가힣", "힣힣힣힣힣"])
    func candidateKeysMatchByteKeys(_ word: String) throws {
        var copy = word
        copy.withUTF8 { text in
            let count = text.count / 3
            guard let syllables = CandidateSyllables(text, start: 0, count: count) else {
                Issue.record("\(word) is all syllables")
                return
            }
            for length in 1...min(count, 4) {
                #expect(syllables.key(length) == NameAddressText.key(text, start: 0, count: length))
            }
            #expect(syllables.lastTwoKey == NameAddressText.key(text, start: (count - 2) * 3, count: 2))
        }
    }

    /// The syllable decoder's combined tests answer as the byte-by-byte reading does, for every three bytes.
    @Test func syllableDecoderMatchesByteByByteReading() {
        func reference(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) -> Int {
            guard b0 >= 0xEA, b0 <= 0xED, b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return -1 }
            let index = (Int(b0 & 0x0F) << 12 | Int(b1 & 0x3F) << 6 | Int(b2 & 0x3F)) - 0xAC00
            return index >= 0 && index < 11172 ? index : -1
        }
        var mismatches = 0
        var bytes: [UInt8] = [0, 0, 0]
        for b0 in 0...255 {
            for b1 in 0...255 {
                for b2 in 0...255 {
                    bytes[0] = UInt8(b0); bytes[1] = UInt8(b1); bytes[2] = UInt8(b2)
                    let decoded = bytes.withUnsafeBufferPointer { NameAddressText.syllable($0, 0) }
                    if decoded != reference(UInt8(b0), UInt8(b1), UInt8(b2)) { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
        bytes = [0xEA, 0xB0]
        #expect(bytes.withUnsafeBufferPointer { NameAddressText.syllable($0, 0) } == -1)
    }

    /// A candidate with a position that is no syllable is left to the decoding path.
    @Test func candidateWithoutSyllablesIsNil() {
        var copy = "홍a동"
        copy.withUTF8 { #expect(CandidateSyllables($0, start: 0, count: 2) == nil) }
    }

    /// The e-mail byte masks agree with the character classes they stand for, for every byte.
    @Test func emailMasksMatchCharacterClasses() {
        for value in 0...255 {
            let byte = UInt8(value)
            let label = Bytes.isAlphanumeric(byte) || byte == Bytes.hyphen
            let local = label || byte == Bytes.dot || byte == 0x5F || byte == Bytes.plus
            #expect(EmailDetector.isLabel(byte) == label)
            #expect(EmailDetector.isLocal(byte) == local)
        }
    }

    /// The IPv6 pre-test never rejects a unit the full search finds an address in.
    @Test(arguments: ["2001:db8::1", "fe80::1%eth0", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1", "12:30:45", "a:b"])
    func ipv6PreTestKeepsAddresses(_ text: String) {
        var copy = text
        copy.withUTF8 { buffer in
            var found: [Detection] = []
            IPAddressDetector().detectIPv6(buffer, into: &found)
            if !found.isEmpty { #expect(IPAddressDetector.mayHoldIPv6(buffer)) }
        }
    }

    /// File-extension TLDs are still refused, in any case, and real TLDs still accepted.
    @Test(arguments: [("logo@2x.png", false), ("a@b.PNG", false), ("kim@example.com", true), ("x@y.woff2", false),
                      ("me@mail.co.kr", true)])
    func emailFileExtensions(_ text: String, _ isAddress: Bool) {
        #expect(!EmailDetector().detect(in: text).isEmpty == isAddress)
    }

    /// `CardNumberDetector.match` skips reading the groups where neither a 4-4-4-4 nor a 4-6 beginning is written: it
    /// must answer what reading every layout answers, here reimplemented from the detector's description.
    @Test(arguments: 0..<4)
    func cardGroupsShortcutMatchesReadingEveryLayout(seed: Int) {
        func reference(_ text: [UInt8], labelled: Bool) -> Range<Int>? {
            func digit(_ i: Int) -> Bool { i >= 0 && i < text.count && text[i] >= 0x30 && text[i] <= 0x39 }
            // Unlabelled, a card begins with 2–6 or 9.
            guard labelled || (text[0] >= 0x32 && text[0] <= 0x36) || text[0] == 0x39 else { return nil }
            // Groups: digit runs joined by one space or hyphen, at most six.
            var groups: [(start: Int, end: Int)] = []
            var separators: [UInt8] = []
            var position = 0
            while groups.count < 6 {
                var end = position
                while digit(end) { end += 1 }
                groups.append((position, end))
                guard end < text.count, text[end] == 0x20 || text[end] == 0x2D, digit(end + 1) else { break }
                separators.append(text[end])
                position = end + 1
            }
            for layout in [[4, 4, 4, 4, 3], [4, 4, 4, 4], [4, 6, 5], [4, 6, 4]] where groups.count >= layout.count {
                guard Set(separators.prefix(layout.count - 1)).count <= 1 else { continue }
                guard zip(groups, layout).allSatisfy({ $0.end - $0.start == $1 }) else { continue }
                if groups.count > layout.count && separators[layout.count - 1] != 0x20 { return nil }
                let end = groups[layout.count - 1].end
                if end < text.count, text[end] < 0x80, (text[end] | 0x20) >= 0x61 && (text[end] | 0x20) <= 0x7A || digit(end) {
                    return nil
                }
                guard labelled || text[..<end].filter({ $0 != 0x20 && $0 != 0x2D }).withUnsafeBufferPointer({
                    Bytes.isLuhnValid($0, 0, $0.count)
                }) else { return nil }
                return 0..<end
            }
            return nil
        }
        var random = SplitMix(seed: UInt64(0xCA4D_0000 + seed))
        func next(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        let separators: [[UInt8]] = [[0x20], [0x2D], [0x2E], [0x20, 0x20], [0x2F]]
        var found = 0
        for _ in 0..<40_000 {
            var text: [UInt8] = [[0x32, 0x34, 0x35, 0x39, 0x36, 0x31][next(6)]]
            text += (0..<3).map { _ in UInt8(0x30 + next(10)) }
            for _ in 0..<next(6) {
                text += separators[next(4) == 0 ? next(separators.count) : next(2)]
                text += (0..<[4, 4, 4, 6, 5, 3, 1, 7][next(8)]).map { _ in UInt8(0x30 + next(10)) }
            }
            if next(4) == 0 { text += [[0x61], [0x20, 0x61], [0x2D], [0xEA, 0xB0, 0x80]][next(4)] }
            for labelled in [true, false] {
                let answer = text.withUnsafeBufferPointer { CardNumberDetector.match($0, runStart: 0, runEnd: 4, labelled: labelled) }
                #expect(answer == reference(text, labelled: labelled), "\(String(decoding: text, as: UTF8.self)) labelled \(labelled)")
                if answer != nil { found += 1 }
            }
        }
        #expect(found > 400)
    }
}
