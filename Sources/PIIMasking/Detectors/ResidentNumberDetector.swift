/// Resident (주민등록번호) and foreigner (외국인등록번호) registration numbers: `YYMMDD-GSSSSSS`.
///
/// The most sensitive value an admin can show (it identifies a person for life), so it is found in free text, not
/// only in labelled fields. Accepted: six digits that are a real month and day (29 February allowed, the century is
/// unknown), then the sex/century digit G 1–8 (1–4 citizens, 5–8 foreigners), then six digits — with a hyphen, or
/// as a run of exactly 13 digits. The last digit is not checked: numbers issued since October 2020 have no checksum.
/// Not reported: a 13-digit run that is part of a longer one, glued to ASCII letters, or a date that is not one.
///
/// In a field labelled as a bank account it reports nothing (there a 13-digit value is the account).
public struct ResidentNumberDetector: Detector {
    public var name: String { "resident_number" }
    public var kinds: Set<PIIKind> { [.residentNumber] }

    public init() {}

    /// Every value of this kind has digits.
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { traits.contains(.digit) }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        if hint == .bankAccount { return }
        Bytes.forEachDigitRun(in: text) { start, end in Self.run(text, start, end, into: &detections) }
    }

    /// One digit run of the walk (see `PhoneDetector.run`).
    @inline(__always)
    static func run(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into detections: inout [Detection])
        -> Int
    {
        guard let found = Self.match(text, runStart: start, runEnd: end) else { return end }
        detections.append(
            Detection(start: found.lowerBound, end: found.upperBound, kind: .residentNumber, by: "resident_number"))
        return found.upperBound
    }

    /// The registration number starting at the digit run `start..<end`, if it is one.
    static func match(_ text: UnsafeBufferPointer<UInt8>, runStart start: Int, runEnd end: Int) -> Range<Int>? {
        let length = end - start
        guard length == 13 || length == 6, !Bytes.isGluedBefore(text, start), Bytes.isShortDate(text, at: start) else {
            return nil
        }
        switch length {
        case 13:
            guard self.isSexDigit(text[start + 6]), !Bytes.isGluedAfter(text, end) else { return nil }
            return start..<end
        case 6:
            guard Bytes.at(text, end) == Bytes.hyphen, Bytes.isDigit(Bytes.at(text, end + 1)) else { return nil }
            let serialEnd = Bytes.digitRunEnd(in: text, from: end + 1)
            guard serialEnd - end - 1 == 7, self.isSexDigit(text[end + 1]), !Bytes.isGluedAfter(text, serialEnd) else {
                return nil
            }
            return start..<serialEnd
        default:
            return nil
        }
    }

    @inline(__always) static func isSexDigit(_ byte: UInt8) -> Bool { byte >= 0x31 && byte <= 0x38 }
}
