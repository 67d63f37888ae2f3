/// Payment card numbers (PAN): 13–19 digits, grouped or not, that pass the Luhn check.
///
/// A card number shown in full is both personal data and a PCI DSS finding, and it turns up in free text (payment
/// memos, chat) as well as in card fields. Accepted in free text: a first digit of 2–6 or 9 (international brands
/// and Korean domestic cards), a Luhn-valid number, written as 4-4-4-4, 4-4-4-4-3, 4-6-5 (Amex) or 4-6-4 (Diners)
/// groups joined by one and the same separator (space or hyphen), or as a run of exactly 13–19 digits. An ungrouped
/// run that starts with a `yyyyMMdd` date is an order number (`2022052520140906`, Luhn-valid one time in ten), and
/// an ungrouped 13-digit run that reads as a resident registration number is left to `ResidentNumberDetector` (also
/// in a card field: 13-digit cards are all but gone, resident numbers are not).
///
/// In a field labelled as a card (`hint == .cardNumber`) the label is the evidence: the same shapes are accepted
/// without the Luhn and first-digit checks (test and dummy numbers are masked too). In a field labelled as a bank
/// account a value of up to 16 digits is left to `BankAccountDetector`.
public struct CardNumberDetector: Detector {
    public var name: String { "card_number" }
    public var kinds: Set<PIIKind> { [.cardNumber] }

    public init() {}

    /// Every value of this kind has digits.
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { traits.contains(.digit) }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        Bytes.forEachDigitRun(in: text) { start, end in Self.run(text, start, end, hint: hint, into: &detections) }
    }

    /// One digit run of the walk (see `PhoneDetector.run`).
    @inline(__always)
    static func run(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, hint: PIIKind?,
                    into detections: inout [Detection]) -> Int {
        guard let found = Self.match(text, runStart: start, runEnd: end, labelled: hint == .cardNumber) else { return end }
        if hint == .bankAccount && Self.digitCount(text, found) <= 16 { return found.upperBound }
        detections.append(
            Detection(start: found.lowerBound, end: found.upperBound, kind: .cardNumber, by: "card_number"))
        return found.upperBound
    }

    /// `DigitGroups.mask(Bytes.space, Bytes.hyphen)` spelled as a constant: a computed `static let` costs a
    /// `swift_once` at every use, and this one is read for every candidate run (a test checks both agree).
    static let separators: UInt64 = 1 << 0x20 | 1 << 0x2D
    /// Group lengths of the grouped forms, longest first.
    static let layouts: [[Int]] = [[4, 4, 4, 4, 3], [4, 4, 4, 4], [4, 6, 5], [4, 6, 4]]

    /// The card number starting at the digit run `start..<end`, if it is one.
    static func match(_ text: UnsafeBufferPointer<UInt8>, runStart start: Int, runEnd end: Int, labelled: Bool)
        -> Range<Int>?
    {
        let length = end - start
        guard length == 4 || length >= 13, !Bytes.isGluedBefore(text, start) else { return nil }
        let first = text[start]
        guard labelled || (first >= 0x32 && first <= 0x36) || first == 0x39 else { return nil }
        if length >= 13 {
            guard length <= 19, !Bytes.isGluedAfter(text, end) else { return nil }
            if length == 13 && ResidentNumberDetector.match(text, runStart: start, runEnd: end) != nil { return nil }
            if labelled { return start..<end }
            // The date test first: order numbers start with one, and it reads 8 digits where Luhn reads them all.
            guard !Bytes.startsWithDate(text, at: start), Bytes.isLuhnValid(text, start, end) else { return nil }
            return start..<end
        }
        guard length == 4 else { return nil }
        // Every layout's second group (after one separator byte) has four digits or more: dates (`2024-05-01`) and
        // times stop here without reading their groups.
        guard Bytes.isDigit(Bytes.at(text, end + 1)), Bytes.isDigit(Bytes.at(text, end + 2)),
              Bytes.isDigit(Bytes.at(text, end + 3)), Bytes.isDigit(Bytes.at(text, end + 4))
        else { return nil }
        // Every layout begins 4-4-4-4 or 4-6: where neither beginning is written (tracking numbers `6891-9123-4818`,
        // account-like `1234-56-…`), no layout fits and the groups are not read.
        guard Self.fourGroupsOfFour(text, afterFirst: end)
            || (Bytes.isDigit(Bytes.at(text, end + 5)) && Bytes.isDigit(Bytes.at(text, end + 6)))
        else { return nil }
        let groups = DigitGroups(text, from: start, firstEnd: end, separators: self.separators, limit: 6)
        for layout in self.layouts where groups.count >= layout.count && groups.sameSeparator(layout.count) {
            var fits = true
            for (index, size) in layout.enumerated() where groups.length(index) != size {
                fits = false
                break
            }
            guard fits else { continue }
            // More digits joined by a hyphen: a longer code, not a card.
            if groups.count > layout.count && groups.separator(after: layout.count - 1) != Bytes.space { return nil }
            let valueEnd = groups.end(layout.count - 1)
            guard !Bytes.isAlphanumeric(text, at: valueEnd) else { return nil }
            guard labelled || Bytes.isLuhnValid(text, start, valueEnd) else { return nil }
            return start..<valueEnd
        }
        return nil
    }

    /// Whether the three groups after a first group of four (ending at `end`) are written as four digits each, one
    /// separator byte before each: what the 4-4-4-4 layouts need (the separators themselves are checked with the
    /// groups).
    @inline(__always)
    static func fourGroupsOfFour(_ text: UnsafeBufferPointer<UInt8>, afterFirst end: Int) -> Bool {
        for group in 0..<3 {
            let first = end + 1 + group * 5
            guard Bytes.isDigit(Bytes.at(text, first)), Bytes.isDigit(Bytes.at(text, first + 1)),
                  Bytes.isDigit(Bytes.at(text, first + 2)), Bytes.isDigit(Bytes.at(text, first + 3)),
                  !Bytes.isDigit(Bytes.at(text, first + 4)) || group == 2
            else { return false }
        }
        return true
    }

    static func digitCount(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var count = 0
        for index in range where Bytes.isDigit(text[index]) { count += 1 }
        return count
    }
}
