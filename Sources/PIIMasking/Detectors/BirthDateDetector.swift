/// Birth dates, found by context only.
///
/// A date alone is not personal (order dates, delivery dates are everywhere), but a birth date is. So this detector
/// reports a date only where the field's label names a birth date (`hint == .birthDate`: 생년월일, `birthday`, `dob`)
/// or, in free text, where 생년월일, 생일 or `birth` (any case) appears within the 12 characters before it (`Birth
/// date: ` is 12). Accepted: `1990-07-14`, `1990.07.14`, `1990/07/14`, `1990. 7. 14.`, `19900714`,
/// `1990년 7월 14일` (spaces optional), with a year 1900–2099 and a real calendar day. Not reported: two-digit years
/// (`900714` would lose its month to the mask's "keep the year" rule) and dates glued to other digits or letters.
public struct BirthDateDetector: Detector {
    public var name: String { "birth_date" }
    public var kinds: Set<PIIKind> { [.birthDate] }

    public init() {}

    static let contextWords = Keywords(["생년월일", "생일", "birth"])
    /// How far before the date (in characters) a context word counts.
    static let window = 12
    static let year = Array("년".utf8)
    static let month = Array("월".utf8)
    static let day = Array("일".utf8)

    /// Every value of this kind has digits.
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { traits.contains(.digit) }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        Bytes.forEachDigitRun(in: text) { start, end in Self.run(text, start, end, hint: hint, into: &detections) }
    }

    /// One digit run of the walk (see `PhoneDetector.run`).
    @inline(__always)
    static func run(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, hint: PIIKind?,
                    into detections: inout [Detection]) -> Int {
        let labelled = hint == .birthDate
        guard end - start == 4 || end - start == 8, !Bytes.isGluedBefore(text, start) else { return end }
        // Every date here starts with a year of 1900–2099 (`date`); then the context words: most dates have none, and
        // then the rest of the date need not be read. Going on from `end` rather than from the date's end skips
        // nothing this detector would take: the rest of a date is its month and day, runs of one or two digits, and
        // it only looks at runs of four or eight.
        let year = Bytes.number(text, start, start + 4)
        guard year >= 1900 && year <= 2099 else { return end }
        if !labelled {
            let from = Bytes.windowStart(in: text, before: start, characters: Self.window)
            guard Self.contextWords.occur(in: text, from: from, to: start) else { return end }
        }
        guard let valueEnd = Self.date(text, start: start, runEnd: end) else { return end }
        detections.append(Detection(start: start, end: valueEnd, kind: .birthDate, by: "birth_date"))
        return valueEnd
    }

    /// End of the date whose year starts the digit run `start..<runEnd`, if it is one.
    static func date(_ text: UnsafeBufferPointer<UInt8>, start: Int, runEnd: Int) -> Int? {
        if runEnd - start == 8 {
            guard Bytes.startsWithDate(text, at: start), !Bytes.isGluedAfter(text, runEnd) else { return nil }
            return runEnd
        }
        let year = Bytes.number(text, start, runEnd)
        guard year >= 1900 && year <= 2099 else { return nil }
        let separator = Bytes.at(text, runEnd)
        var position = runEnd
        let month: Int
        let day: Int
        if separator == Bytes.hyphen || separator == Bytes.dot || separator == Bytes.slash {
            // 1990-07-14, 1990.07.14, 1990/07/14, 1990. 7. 14.
            position += 1
            if separator == Bytes.dot && Bytes.at(text, position) == Bytes.space { position += 1 }
            guard let (value, end) = self.smallNumber(text, at: position) else { return nil }
            month = value
            position = end
            guard Bytes.at(text, position) == separator else { return nil }
            position += 1
            if separator == Bytes.dot && Bytes.at(text, position) == Bytes.space { position += 1 }
            guard let (dayValue, dayEnd) = self.smallNumber(text, at: position) else { return nil }
            day = dayValue
            position = dayEnd
            guard !Bytes.isGluedAfter(text, position) else { return nil }
        } else {
            // 1990년 7월 14일
            guard let afterYear = self.unit(self.year, in: text, at: position),
                let (value, end) = self.smallNumber(text, at: self.spaces(text, from: afterYear)),
                let afterMonth = self.unit(self.month, in: text, at: end),
                let (dayValue, dayEnd) = self.smallNumber(text, at: self.spaces(text, from: afterMonth)),
                let afterDay = self.unit(self.day, in: text, at: dayEnd)
            else { return nil }
            month = value
            day = dayValue
            position = afterDay
        }
        guard Bytes.isDate(year: year, month: month, day: day) else { return nil }
        return position
    }

    /// A one- or two-digit number at `position` and its end.
    static func smallNumber(_ text: UnsafeBufferPointer<UInt8>, at position: Int) -> (Int, Int)? {
        let end = Bytes.digitRunEnd(in: text, from: position)
        guard end > position && end - position <= 2 else { return nil }
        return (Bytes.number(text, position, end), end)
    }

    /// After an optional space, the unit word (년, 월, 일) at `position`: the index after it.
    static func unit(_ word: [UInt8], in text: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
        var index = position
        if Bytes.at(text, index) == Bytes.space { index += 1 }
        guard index + word.count <= text.count else { return nil }
        for (offset, byte) in word.enumerated() where text[index + offset] != byte { return nil }
        return index + word.count
    }

    static func spaces(_ text: UnsafeBufferPointer<UInt8>, from position: Int) -> Int {
        var index = position
        while Bytes.at(text, index) == Bytes.space { index += 1 }
        return index
    }
}
