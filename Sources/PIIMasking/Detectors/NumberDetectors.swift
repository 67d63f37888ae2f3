/// The six number detectors (phone, resident number, card, bank account, IPv4, birth date) in one walk over a
/// unit's digit runs.
///
/// Why: each of them looks at the maximal runs of ASCII digits in the unit and nothing else, and on an admin page
/// almost every unit has digits. Six separate walks found the same runs six times (a sixth of the HTML scanner's
/// time). The shared walk finds each run once and offers it to every detector, each keeping its own resume point —
/// exactly what its own `Bytes.forEachDigitRun` would do: a detector sees a run when the run starts at or after
/// where it went on from (after a value it took, the rest of that value's runs are skipped). Same detections; only
/// their order in the array differs, and `TextMasker` sorts them by a total order.
struct NumberDetectors: Sendable {
    /// Which of the six are on (the profile's kinds), as `Member` bits.
    let members: UInt8

    enum Member: UInt8, CaseIterable {
        case phone = 1, residentNumber = 2, cardNumber = 4, bankAccount = 8, ipAddress = 16, birthDate = 32
    }

    init(members: UInt8) { self.members = members }

    /// The member a built-in detector is, or nil for any other detector.
    static func member(_ detector: any Detector) -> Member? {
        switch detector {
        case is PhoneDetector: .phone
        case is ResidentNumberDetector: .residentNumber
        case is CardNumberDetector: .cardNumber
        case is BankAccountDetector: .bankAccount
        case is IPAddressDetector: .ipAddress
        case is BirthDateDetector: .birthDate
        default: nil
        }
    }

    @inline(__always) private func has(_ member: Member) -> Bool { self.members & member.rawValue != 0 }

    /// Whether the last detection is one `kind` value over the whole unit (`count` bytes).
    @inline(__always)
    private static func endsWithWhole(_ kind: PIIKind, _ found: [Detection], _ count: Int) -> Bool {
        guard let last = found.last else { return false }
        return last.start == 0 && last.end == count && last.kind == kind
    }

    /// Every member's detections in `text`; `traits` and `hint` as the detectors' own `mayDetect` and `detect` take
    /// them.
    ///
    /// `stopAtWhole`: as the label's own slot (`TextMasker.detections(in:hint:into:)`), the walk stops once the member of
    /// the hint's kind has found the whole unit to be one value: that is then the unit's answer, whatever the rest of
    /// the walk would add.
    func detect(_ text: UnsafeBufferPointer<UInt8>, traits: TextTraits, hint: PIIKind?, stopAtWhole: Bool = false,
                into found: inout [Detection]) {
        // Every value of the six kinds has a digit (an IPv6 address too: `IPAddressDetector.ipv6` wants one).
        guard traits.contains(.digit) else {
            if self.has(.ipAddress) && traits.contains(.colon) { IPAddressDetector().detectIPv6(text, into: &found) }
            return
        }
        let notAccount = hint != .bankAccount
        let phone = self.has(.phone) && notAccount
        let resident = self.has(.residentNumber) && notAccount
        let card = self.has(.cardNumber)
        // Outside their labelled fields, an account needs a Hangul context word or bank name before it
        // (`BankAccountDetector.contextWords`, `adjacentNames`: all Hangul), a birth date 생년월일, 생일 or `birth`
        // (`BirthDateDetector.contextWords`): a unit without those bytes (a phone, card or tracking number cell) has
        // neither, and its runs are not offered to them.
        let account = self.has(.bankAccount) && (hint == .bankAccount || traits.contains(.nonASCII))
        let ip = self.has(.ipAddress)
        let birth = self.has(.birthDate)
            && (hint == .birthDate || traits.contains(.nonASCII) || traits.contains(.letter))
        let cardLabelled = hint == .cardNumber
        var ipv6 = 0..<0
        // An IPv6 address has a colon: units without one (most) skip its search.
        if ip && traits.contains(.colon) {
            let first = found.count
            IPAddressDetector().detectIPv6(text, into: &found)
            ipv6 = first..<found.count
        }
        // The kind whose whole-unit value ends the walk (none: the walk goes to the end).
        let whole: PIIKind? = stopAtWhole ? hint : nil
        let count = text.count
        // Where each detector goes on from (a run starting before it is not offered to it).
        var nextPhone = 0, nextResident = 0, nextCard = 0, nextAccount = 0, nextIP = 0, nextBirth = 0
        var start = Bytes.firstDigit(in: text, from: 0)
        while start < text.count {
            let end = Bytes.digitRunEnd(in: text, from: start)
            // Each detector is offered only the runs its first test can pass (the test repeated here, on what the
            // walk knows: the run's length, first digit and neighbours). A detector whose first test fails goes on
            // from the run's end, which is what skipping it does. Most runs — order numbers, dates, prices — are for
            // one detector or none.
            let length = end - start
            let first = text[start]
            let after = Bytes.at(text, end)
            // A run no detector's first test below can pass — shorter than ten digits, not 4, 6 or 8 long, not starting
            // with 0 or after a `+`, not followed by `-` or `.` (times, prices, quantities: most runs) — is passed over.
            if length < 10 && (0b1_0101_0000 as UInt) >> UInt(length) & 1 == 0 && first != Bytes.zero
                && after != Bytes.hyphen && after != Bytes.dot && Bytes.at(text, start - 1) != Bytes.plus
            {
                start = Bytes.firstDigit(in: text, from: end)
                continue
            }
            // A run of ten digits or more that starts with a `yyyyMMdd` date and is not joined to more digits by a
            // hyphen is an order number to both the card and the account detector (unlabelled): each would read it,
            // find the date and go on from its end. Found once here, neither is asked.
            if length >= 10 && after != Bytes.hyphen && !cardLabelled && notAccount && Bytes.startsWithDate(text, at: start) {
                if card && start >= nextCard { nextCard = end }
                if account && start >= nextAccount { nextAccount = end }
            }
            // A national number's prefix (`PhoneDetector.prefixLength`) is read on its first run: three digits or more,
            // or the two of 02 (the `05`, `01` of dates and times have none). After a `+` the run is the country code.
            if phone && start >= nextPhone
                && (first == Bytes.zero ? length >= 3 || (length == 2 && text[start + 1] == 0x32)
                    : Bytes.at(text, start - 1) == Bytes.plus)
            {
                nextPhone = max(PhoneDetector.run(text, start, end, into: &found), end)
                if nextPhone == count && whole == .phone && Self.endsWithWhole(.phone, found, count) { return }
            }
            if resident && start >= nextResident && (length == 13 || length == 6) {
                nextResident = max(ResidentNumberDetector.run(text, start, end, into: &found), end)
                if nextResident == count && whole == .residentNumber && Self.endsWithWhole(.residentNumber, found, count) { return }
            }
            // A card of four-digit groups needs a space or hyphen after the first group (every layout has three
            // groups or more), and an unlabelled card begins with 2–6 or 9 (`CardNumberDetector.match`).
            if card && start >= nextCard && (length >= 13 || (length == 4 && (after == Bytes.space || after == Bytes.hyphen)))
                && (cardLabelled || (first &- 0x32 < 5 || first == 0x39))
            {
                nextCard = max(CardNumberDetector.run(text, start, end, hint: hint, into: &found), end)
                if nextCard == count && whole == .cardNumber && Self.endsWithWhole(.cardNumber, found, count) { return }
            }
            if account && start >= nextAccount && (length >= 10 || after == Bytes.hyphen) {
                nextAccount = max(BankAccountDetector.run(text, start, end, hint: hint, into: &found), end)
                if nextAccount == count && whole == .bankAccount && Self.endsWithWhole(.bankAccount, found, count) { return }
            }
            if ip && start >= nextIP && length <= 3 && after == Bytes.dot {
                nextIP = max(IPAddressDetector.run(text, start, end, ipv6: ipv6, into: &found), end)
                if nextIP == count && whole == .ipAddress && Self.endsWithWhole(.ipAddress, found, count) { return }
            }
            // A birth date's year is 1900–2099 (`BirthDateDetector.date`).
            if birth && start >= nextBirth && (length == 4 || length == 8) && (first == 0x31 || first == 0x32) {
                nextBirth = max(BirthDateDetector.run(text, start, end, hint: hint, into: &found), end)
                if nextBirth == count && whole == .birthDate && Self.endsWithWhole(.birthDate, found, count) { return }
            }
            start = Bytes.firstDigit(in: text, from: end)
        }
    }
}
