/// Bank account numbers, found by context only.
///
/// Korean account numbers have no common shape (10–16 digits, hyphenated per bank: `110-123-456789`,
/// `3333-01-1234567`, `123401-04-567890`), so the number alone would match order numbers, tracking numbers and
/// codes. This detector therefore needs evidence: the field's label names an account (`hint == .bankAccount`: 계좌,
/// 환불계좌, `refundAccount`…) — then every 10–16 digit value, digits optionally joined by hyphens, is an account —
/// or, in free text, one of 계좌, 입금, 은행, 예금주 or a bank's name (신한, 농협, 카카오뱅크, 토스뱅크, SC제일, …)
/// within the 15 characters before the number. Bank names that are everyday words or places (국민, 우리, 하나, 기업,
/// 우체국, 부산, 대구, 광주, 전북, 경남, 제주) count only right before the number.
///
/// In free text it leaves values to the detector that knows them better: a valid phone number, a resident
/// registration number, a Luhn-valid card number, or an ungrouped run that starts with a `yyyyMMdd` date (an order
/// number after "입금 확인").
public struct BankAccountDetector: Detector {
    public var name: String { "bank_account" }
    public var kinds: Set<PIIKind> { [.bankAccount] }

    public init() {}

    /// Words that say a number within the window is an account (ASCII compared case-insensitively).
    static let contextWords = Keywords([
        "계좌", "입금", "은행", "예금주", "신한", "농협", "카카오뱅크", "토스뱅크", "케이뱅크", "SC제일", "씨티", "새마을", "수협",
    ])
    /// Bank names that are also everyday words or places (우리 "we", 하나 "one", 기업 "company", 우체국택배, 부산…):
    /// they count only right before the number, with nothing but spaces or punctuation between (`국민 123-45-678901`).
    /// "우리 가게 상품코드 1234567890123" is not an account; "국민은행 …" has 은행 anyway.
    static let adjacentNames = Keywords(["국민", "우리", "하나", "기업", "우체국", "부산", "대구", "광주", "전북", "경남", "제주"])
    /// How far before the number (in characters) a context word counts.
    static let window = 15

    /// Every value of this kind has digits.
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { traits.contains(.digit) }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        Bytes.forEachDigitRun(in: text) { start, end in Self.run(text, start, end, hint: hint, into: &detections) }
    }

    /// One digit run of the walk (see `PhoneDetector.run`).
    @inline(__always)
    static func run(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, hint: PIIKind?,
                    into detections: inout [Detection]) -> Int {
        let labelled = hint == .bankAccount
        // Fewer than ten digits and no hyphen after them: cannot be an account.
        guard end - start >= 10 || Bytes.at(text, end) == Bytes.hyphen, !Bytes.isGluedBefore(text, start) else {
            return end
        }
        let groups = DigitGroups(text, from: start, firstEnd: end, separators: Self.separators)
        let valueEnd = groups.end(groups.count - 1)
        let digits = groups.totalDigits
        guard digits >= 10 && digits <= 16, !Bytes.isGluedAfter(text, valueEnd) else { return valueEnd }
        if !labelled {
            // An order number (after "입금 확인") first: cheapest, and common.
            if groups.count == 1 && Bytes.startsWithDate(text, at: start) { return valueEnd }
            // The context words next (a short window): most numbers have none, and then asking the phone, resident
            // number and card detectors whether the number is theirs is not needed. Every test here only rejects,
            // and a rejected number goes on from `valueEnd` whichever test rejected it.
            let from = Bytes.windowStart(in: text, before: start, characters: Self.window)
            let nameEnd = Self.skippingPunctuation(text, before: start)
            guard Self.contextWords.occur(in: text, from: from, to: start)
                || Self.adjacentNames.end(in: text, at: nameEnd, notBefore: from)
            else { return valueEnd }
            guard !Self.belongsElsewhere(text, start: start, end: valueEnd, groups: groups) else { return valueEnd }
        }
        detections.append(Detection(start: start, end: valueEnd, kind: .bankAccount, by: "bank_account"))
        return valueEnd
    }

    /// `DigitGroups.mask(Bytes.hyphen)` spelled as a constant (see `CardNumberDetector.separators`).
    static let separators: UInt64 = 1 << 0x2D

    /// Where the spaces and punctuation right before `index` begin (`국민: (`, `우리 / `).
    static func skippingPunctuation(_ text: UnsafeBufferPointer<UInt8>, before index: Int) -> Int {
        var position = index
        while position > 0 && index - position < 8 {
            switch text[position - 1] {
            case Bytes.space, 0x09, Bytes.colon, 0x2C, Bytes.slash, Bytes.openParenthesis, Bytes.closeParenthesis, 0x5B,
                0x5D, Bytes.hyphen:
                position -= 1
            default:
                return position
            }
        }
        return position
    }

    /// Whether another detector reports exactly this value.
    static func belongsElsewhere(_ text: UnsafeBufferPointer<UInt8>, start: Int, end: Int, groups: DigitGroups)
        -> Bool
    {
        let runEnd = groups.end(0)
        return PhoneDetector.match(text, runStart: start, runEnd: runEnd) == start..<end
            || ResidentNumberDetector.match(text, runStart: start, runEnd: runEnd) == start..<end
            || CardNumberDetector.match(text, runStart: start, runEnd: runEnd, labelled: false) == start..<end
    }
}
