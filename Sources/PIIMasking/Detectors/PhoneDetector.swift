/// Korean personal phone numbers: mobile, landline, 070 and 050X, written any way people write them.
///
/// Phone numbers are the personal data an order screen shows most (buyer, receiver, chat), so this detector must
/// find every spelling — `010-1234-5678`, `010.1234.5678`, `010 1234 5678`, `01012345678`, `(02) 123-4567`,
/// `02)123-4567`, `+82 10 1234 5678`, `+82-10-…`, `+821012345678`, `+82 (0)10 …` — and nothing else: the admin is
/// full of digits (order numbers, tracking numbers, option codes, dates, prices) that must stay readable.
///
/// Accepted prefixes (libphonenumber's KR metadata, MASKING.md): mobile 010, 011, 016–019; area 02, 031–033,
/// 041–044, 051–055, 061–064; 070; 050X. A number is the prefix, a 3–4 digit middle and a 4 digit last block, with
/// `-`, `.` or a space between blocks (or nothing). Not reported: business numbers 15xx/16xx/18xx and 080 (not
/// personal), anything else starting with 0 (060, 030, …), a number that is part of a longer digit run or glued to an
/// ASCII letter or digit, or followed by more `-`/`.`-joined digits (`010-1234-5678-9` is some other code).
///
/// In a field labelled as a bank account (`hint == .bankAccount`) it reports nothing: there every number is the
/// account (some banks use the phone number as the account number), and `BankAccountDetector` masks it as one.
public struct PhoneDetector: Detector {
    public var name: String { "phone" }
    public var kinds: Set<PIIKind> { [.phone] }

    public init() {}

    /// Every value of this kind has digits.
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { traits.contains(.digit) }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        if hint == .bankAccount { return }
        Bytes.forEachDigitRun(in: text) { start, end in Self.run(text, start, end, into: &detections) }
    }

    /// One digit run of the walk (`Bytes.forEachDigitRun`, or `NumberDetectors`' shared walk): appends the number
    /// starting there, if any; returns where this detector goes on from.
    @inline(__always)
    static func run(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into detections: inout [Detection])
        -> Int
    {
        guard let found = Self.match(text, runStart: start, runEnd: end) else { return end }
        detections.append(Detection(start: found.lowerBound, end: found.upperBound, kind: .phone, by: "phone"))
        return found.upperBound
    }

    /// `DigitGroups.mask(Bytes.hyphen, Bytes.dot, Bytes.space)` spelled as a constant (see
    /// `CardNumberDetector.separators`).
    static let separators: UInt64 = 1 << 0x2D | 1 << 0x2E | 1 << 0x20

    /// The phone number whose digits start at `start` (a run of digits ending at `runEnd`); the match may begin at a
    /// `+` or `(` just before it.
    static func match(_ text: UnsafeBufferPointer<UInt8>, runStart start: Int, runEnd: Int) -> Range<Int>? {
        let previous = Bytes.at(text, start - 1)
        let first = text[start]
        if previous == Bytes.plus {
            // +82: the country code must stand alone (not `a+82…`).
            guard first == 0x38, Bytes.at(text, start + 1) == 0x32, !Bytes.isAlphanumeric(text, at: start - 2) else {
                return nil
            }
            return self.international(text, plus: start - 1)
        }
        guard first == Bytes.zero else { return nil }
        // A prefix closed by a parenthesis has one right after the run: other runs skip that reading.
        let closed = Bytes.at(text, runEnd) == Bytes.closeParenthesis
        if closed, previous == Bytes.openParenthesis, let end = self.closedPrefix(text, prefixStart: start, prefixEnd: runEnd) {
            return (start - 1)..<end
        }
        guard !Bytes.isGluedBefore(text, start) else { return nil }
        let end = (closed ? self.closedPrefix(text, prefixStart: start, prefixEnd: runEnd) : nil)
            ?? self.national(text, from: start, firstRunEnd: runEnd, virtualZero: false)
        return end.map { start..<$0 }
    }

    /// `match(_:runStart:runEnd:)` where the run's end is not known yet.
    static func match(_ text: UnsafeBufferPointer<UInt8>, runStart start: Int) -> Range<Int>? {
        self.match(text, runStart: start, runEnd: Bytes.digitRunEnd(in: text, from: start))
    }

    /// `+82 10 1234 5678`, `+82-2-123-4567`, `+821012345678`, `+82 (0)10 1234 5678`, `+82 010-1234-5678`.
    static func international(_ text: UnsafeBufferPointer<UInt8>, plus: Int) -> Range<Int>? {
        var position = plus + 3
        let afterCode = Bytes.at(text, position)
        if afterCode == Bytes.space || afterCode == Bytes.hyphen || afterCode == Bytes.dot {
            position += 1
        }
        // "(0)": the trunk zero some people keep in parentheses.
        if Bytes.at(text, position) == Bytes.openParenthesis && Bytes.at(text, position + 1) == Bytes.zero
            && Bytes.at(text, position + 2) == Bytes.closeParenthesis
        {
            position += 3
            let next = Bytes.at(text, position)
            if next == Bytes.space || next == Bytes.hyphen { position += 1 }
        }
        guard Bytes.isDigit(Bytes.at(text, position)) else { return nil }
        let virtualZero = text[position] != Bytes.zero
        let firstRunEnd = Bytes.digitRunEnd(in: text, from: position)
        guard let end = self.national(text, from: position, firstRunEnd: firstRunEnd, virtualZero: virtualZero) else {
            return nil
        }
        return plus..<end
    }

    /// `(02) 123-4567`, `(031)123-4567`, `02)123-4567`, `031) 123-4567`: the prefix alone, closed by a parenthesis
    /// (opened or not); returns the end of the number. `prefixEnd` ends the digit run at `prefixStart`.
    static func closedPrefix(_ text: UnsafeBufferPointer<UInt8>, prefixStart: Int, prefixEnd: Int) -> Int? {
        guard Bytes.at(text, prefixEnd) == Bytes.closeParenthesis else { return nil }
        let prefix = self.prefixLength(text, start: prefixStart, length: prefixEnd - prefixStart, virtualZero: false)
        guard prefix > 0, prefix == prefixEnd - prefixStart else { return nil }
        var position = prefixEnd + 1
        let next = Bytes.at(text, position)
        if next == Bytes.space || next == Bytes.hyphen { position += 1 }
        guard Bytes.isDigit(Bytes.at(text, position)) else { return nil }
        let groups = DigitGroups(text, from: position, separators: self.separators, limit: 3)
        var used = min(groups.count, 2)
        while used >= 1 {
            if used < groups.count && groups.separator(after: used - 1) != Bytes.space { return nil }
            if self.isValid(prefix: prefix, firstGroup: prefix, groups: groups, used: used, offset: 1) {
                let end = groups.end(used - 1)
                return Bytes.isAlphanumeric(text, at: end) ? nil : end
            }
            used -= 1
        }
        return nil
    }

    /// A national number whose first digit group starts at `start` (its leading 0 missing after +82 when
    /// `virtualZero`); returns its end. `firstRunEnd` ends the digit run at `start`.
    static func national(_ text: UnsafeBufferPointer<UInt8>, from start: Int, firstRunEnd: Int, virtualZero: Bool) -> Int? {
        // The prefix first, on the first digit run (the groups' first group): most runs starting with 0 are parts of
        // dates and times (`05:40`), which no prefix fits, and reading the groups costs more.
        let firstRun = firstRunEnd - start
        let prefix = self.prefixLength(text, start: start, length: firstRun, virtualZero: virtualZero)
        guard prefix > 0 else { return nil }
        let groups = DigitGroups(text, from: start, firstEnd: firstRunEnd, separators: self.separators, limit: 4)
        let firstLength = groups.length(0) + (virtualZero ? 1 : 0)
        var used = min(groups.count, 3)
        while used >= 1 {
            // Dropping a group is fine after a space (`010 1234 5678 2개`), not after `-`/`.` (a longer code).
            if used < groups.count && groups.separator(after: used - 1) != Bytes.space { return nil }
            if self.isValid(prefix: prefix, firstGroup: firstLength, groups: groups, used: used, offset: 0) {
                let end = groups.end(used - 1)
                return Bytes.isAlphanumeric(text, at: end) ? nil : end
            }
            used -= 1
        }
        return nil
    }

    /// Length of the personal-number prefix the digits at `start` begin with (with a virtual leading 0 after +82),
    /// or 0 when they begin with none: 2 for 02, 4 for 050X, 3 for the others.
    static func prefixLength(_ text: UnsafeBufferPointer<UInt8>, start: Int, length: Int, virtualZero: Bool) -> Int {
        // National digit `index`, or 0xFF past the group.
        func digit(_ index: Int) -> UInt8 {
            let offset = virtualZero ? index - 1 : index
            if offset < 0 { return 0 }
            return offset < length ? text[start + offset] &- Bytes.zero : 0xFF
        }
        guard digit(0) == 0 else { return 0 }
        let second = digit(1)
        let third = digit(2)
        switch second {
        case 2: return 2
        case 1: return third == 0 || third == 1 || (third >= 6 && third <= 9) ? 3 : 0
        case 3: return third >= 1 && third <= 3 ? 3 : 0
        case 4: return third >= 1 && third <= 4 ? 3 : 0
        case 5:
            if third == 0 { return digit(3) <= 9 ? 4 : 0 }
            return third >= 1 && third <= 5 ? 3 : 0
        case 6: return third >= 1 && third <= 4 ? 3 : 0
        case 7: return third == 0 ? 3 : 0
        default: return 0
        }
    }

    /// Whether prefix + middle (3–4) + last (4) fit the first `used` groups (from group `offset` on; the first of
    /// them `firstGroup` national digits long): `P-MMMM-LLLL`, `P-MMMMLLLL`, `PMMMM-LLLL`, `PMMMMLLLL`.
    static func isValid(prefix: Int, firstGroup: Int, groups: DigitGroups, used: Int, offset: Int) -> Bool {
        let total = used + offset
        let rest = firstGroup - prefix
        switch total {
        case 3:
            let middle = groups.length(1 - offset)
            return rest == 0 && (middle == 3 || middle == 4) && groups.length(2 - offset) == 4
        case 2:
            let second = groups.length(1 - offset)
            return (rest == 0 && (second == 7 || second == 8)) || ((rest == 3 || rest == 4) && second == 4)
        case 1:
            return rest == 7 || rest == 8
        default:
            return false
        }
    }
}
