import Foundation

/// The monthly review of the access records (개인정보 접속기록 월간 점검): the figures a reviewer checks, as a printable
/// HTML page (`html()`) and as JSON (`json()`).
///
/// Exists because 개인정보의 안전성 확보조치 기준 제8조 asks that access records be reviewed at least once a month and
/// that personal-information downloads be checked for their reasons. The report gathers what a reviewer must look
/// at: who accessed how much, what happened outside office hours, from which new addresses, which days an account
/// looked up unusually many data subjects, every download with its stated reason, refused exports and second-factor
/// failures. It holds counts of data subjects, never their keys. Both outputs are rendered from this one value, so
/// they cannot disagree.
public struct AuditReport: Sendable, Hashable, Codable {
    /// `2026-10`
    public var month: String
    public var period: Period
    /// The rules the figures were computed with.
    public var basis: Basis
    /// Records of the month (all kinds).
    public var totalRecords: Int
    public var recordsByKind: KindCounts
    /// Records given to `make` that fall outside the month on the review's clock; not counted anywhere else.
    public var recordsOutsideMonth: Int
    /// One row per account seen in the month (the empty account, for requests without one, included), by name.
    public var accounts: [AccountSummary]
    public var offHours: OffHoursSection
    /// An account's client address that is not in the history and appears this month, by first time.
    public var firstSeenAddresses: [FirstSeenAddress]
    /// Days on which an account saw more distinct data subjects than the threshold, by day then account.
    public var massLookups: [MassLookup]
    /// Every delivered download of the month, by time. Never capped.
    public var downloads: [Download]
    /// Exports that were refused, by time.
    public var refusedExports: [RefusedExport]
    public var secondFactor: SecondFactorSummary
    /// Records per day, every day of the month.
    public var daily: [DailyVolume]

    // MARK: Parts

    /// The month's boundaries, in UTC and on the review's clock.
    public struct Period: Sendable, Hashable, Codable {
        /// First moment of the month (inclusive).
        public var start: Date
        /// First moment of the next month (exclusive).
        public var end: Date
        public var startKST: String
        public var endKST: String
        public var days: Int
    }

    /// The settings the figures depend on, as the reviewer reads them.
    public struct Basis: Sendable, Hashable, Codable {
        /// `KST`
        public var timeZone: String
        /// `+09:00`
        public var utcOffset: String
        /// `09:00`, inclusive.
        public var officeStart: String
        /// `19:00`, exclusive.
        public var officeEnd: String
        public var officeDays: [Weekday]
        /// Configured holidays inside the month.
        public var holidaysInMonth: [CalendarDay]
        /// A mass lookup is more than this many distinct data subjects per account per day.
        public var massLookupThreshold: Int
        public var offHoursListLimit: Int
    }

    /// Records by kind.
    public struct KindCounts: Sendable, Hashable, Codable {
        public var access: Int
        public var secondFactor: Int
        public var export: Int
    }

    /// One account's month.
    public struct AccountSummary: Sendable, Hashable, Codable {
        /// The account (empty: requests without one).
        public var account: String
        /// Records of every kind.
        public var records: Int
        /// Records of kind `access`.
        public var accesses: Int
        /// Accesses outside office hours.
        public var offHoursAccesses: Int
        /// Distinct data subjects over the month (accesses and exports). A record keeps at most
        /// `AuditRecord.maxSubjects`, so this is a lower bound when a page showed more.
        public var distinctSubjects: Int
        /// Delivered downloads.
        public var downloads: Int
        /// Rows in those downloads (those whose row count is known).
        public var downloadedRows: Int
        public var refusedExports: Int
        /// Distinct client addresses.
        public var distinctAddresses: Int
        /// Of which not in the history.
        public var firstSeenAddresses: Int
        public var secondFactorFailures: Int
        public var secondFactorLocks: Int
        /// Days with a mass lookup.
        public var massLookupDays: Int
    }

    /// Accesses outside office hours: the count of all and the first `basis.offHoursListLimit` one by one.
    public struct OffHoursSection: Sendable, Hashable, Codable {
        public var total: Int
        public var listed: [OffHoursAccess]
        /// `total - listed.count`
        public var notListed: Int
    }

    /// One access outside office hours.
    public struct OffHoursAccess: Sendable, Hashable, Codable {
        public var sequence: Int64
        public var at: Date
        public var atKST: String
        public var account: String
        public var site: String
        public var menuID: String
        public var menuName: String
        public var action: AuditRecord.Action
        public var clientAddress: String
        public var reason: OffHoursReason
    }

    /// An address an account used for the first time.
    public struct FirstSeenAddress: Sendable, Hashable, Codable {
        public var account: String
        public var clientAddress: String
        public var firstAt: Date
        public var firstAtKST: String
        /// Records from this address this month.
        public var records: Int
        /// Whether the account itself is new (absent from the history): then all its addresses are first seen.
        public var newAccount: Bool
    }

    /// A day on which one account saw more distinct data subjects than the threshold.
    public struct MassLookup: Sendable, Hashable, Codable {
        public var account: String
        public var day: CalendarDay
        public var weekday: Weekday
        public var distinctSubjects: Int
        /// Accesses of the account that day.
        public var accesses: Int
    }

    /// A delivered download (kind `export`, action `download`).
    public struct Download: Sendable, Hashable, Codable {
        public var sequence: Int64
        public var at: Date
        public var atKST: String
        public var account: String
        public var site: String
        public var menuID: String
        public var menuName: String
        /// The stated reason as recorded.
        public var reason: String
        /// The reason's code when the record starts with one of `AuditReport.reasonCodes` (`shipping`, `other`…).
        public var reasonCode: String?
        /// The reason without its code (`배송 처리`, `기타: …`).
        public var reasonText: String
        public var rows: Int?
        /// SHA-256 of the delivered file, hex; the HTML shows its first 12 digits.
        public var fileSHA256: String
        public var clientAddress: String
        /// Why it was outside office hours, if it was.
        public var offHours: OffHoursReason?
    }

    /// An export that did not happen (kind `export`, event `refused:…`).
    public struct RefusedExport: Sendable, Hashable, Codable {
        public var sequence: Int64
        public var at: Date
        public var atKST: String
        public var account: String
        public var site: String
        public var menuID: String
        public var menuName: String
        /// What follows `refused:` (`too_large`, `legacy_xls`…).
        public var refusal: String
        /// The stated reason, if the person gave one.
        public var reason: String
        public var clientAddress: String
    }

    /// Second-factor events: failed codes, locks and unlocks, in all and per account.
    public struct SecondFactorSummary: Sendable, Hashable, Codable {
        public var failures: Int
        public var locks: Int
        public var unlocks: Int
        public var verified: Int
        /// Accounts with at least one failure, lock or unlock, by name.
        public var byAccount: [SecondFactorAccount]
        /// Every lock, by time.
        public var lockEvents: [SecondFactorLock]
    }

    /// One account's second-factor trouble: wrong codes, locks, unlocks (and its successful verifications, for scale).
    public struct SecondFactorAccount: Sendable, Hashable, Codable {
        public var account: String
        public var failures: Int
        public var locks: Int
        public var unlocks: Int
        public var verified: Int
    }

    /// A lock of an account's second factor: someone kept entering wrong codes, the reviewer asks who.
    public struct SecondFactorLock: Sendable, Hashable, Codable {
        public var sequence: Int64
        public var at: Date
        public var atKST: String
        public var account: String
        public var clientAddress: String
        /// Failed codes of the account on the same day before the lock.
        public var failuresBefore: Int
    }

    /// One day's volume.
    public struct DailyVolume: Sendable, Hashable, Codable {
        public var day: CalendarDay
        public var weekday: Weekday
        /// Weekend or holiday (off-hours all day).
        public var dayOff: Bool
        public var holiday: Bool
        public var records: Int
        public var accesses: Int
        public var offHoursAccesses: Int
        public var downloads: Int
    }

    /// Download reason codes (as `ExportReason.codes`) and how they read in Korean.
    public static let reasonCodes: [String: String] = [
        "shipping": "배송 처리", "exchange_return": "교환·반품 처리", "customer_inquiry": "고객 문의 대응",
        "settlement": "정산", "other": "기타",
    ]

    /// Splits a recorded reason into its code and its text when it starts with a known code followed by ` · `, `: `,
    /// `|`, a space or nothing (`shipping · 배송 처리`, `other: 기타: 세무 자료`, `shipping`); otherwise no code and the
    /// whole text.
    public static func splitReason(_ raw: String) -> (code: String?, text: String) {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let head = trimmed.prefix { $0.isASCII && ($0.isLetter || $0 == "_") }
        guard let korean = self.reasonCodes[String(head)] else { return (nil, trimmed) }
        var rest = trimmed.dropFirst(head.count)
        guard rest.isEmpty || rest.first == " " || rest.first == ":" || rest.first == "|" || rest.first == "·" else {
            return (nil, trimmed)
        }
        rest = rest.drop { $0 == " " || $0 == ":" || $0 == "|" || $0 == "·" }
        return (String(head), rest.isEmpty ? korean : String(rest))
    }

    /// Second-factor event names that count as a failed code (`failed` is `SecondFactorEvent.Kind.failed`).
    public static let failureEvents: Set<String> = ["wrong_code", "failed"]

    // MARK: Making

    /// The UTC range of `month` on the settings' clock: where to read the month's records from.
    public static func interval(month: String, settings: ReviewSettings = ReviewSettings()) throws(AuditReportError) -> DateInterval {
        try ReviewMonth(month).interval(utcOffsetSeconds: settings.utcOffsetSeconds)
    }

    /// Computes the review of `month` (`YYYY-MM` on the settings' clock, KST by default) from the month's records.
    ///
    /// Records outside the month are skipped and counted in `recordsOutsideMonth`. The order of `records` does not
    /// matter. `history` tells which addresses each account used before the month.
    public static func make(month: String, records: some Sequence<AuditRecord>, history: AuditHistory,
                            settings: ReviewSettings = ReviewSettings()) throws(AuditReportError) -> AuditReport {
        let reviewMonth = try ReviewMonth(month)
        var builder = Builder(month: reviewMonth, settings: settings, history: history)
        for record in records { builder.add(record) }
        return builder.finish()
    }

    /// Sorted keys, pretty-printed; times as ISO 8601 in UTC next to their KST text.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Every part is plain data: encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    /// Reads what `json()` wrote.
    public static func decode(json data: Data) throws -> AuditReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(AuditReport.self, from: data)
    }
}

// MARK: - Builder

/// One pass over the month's records.
private struct Builder {
    struct AccountDay: Hashable {
        let account: String
        let ordinal: Int
    }

    struct AccountAddress: Hashable {
        let account: String
        let address: String
    }

    struct Tally {
        var records = 0
        var accesses = 0
        var offHoursAccesses = 0
        var subjects: Set<String> = []
        var downloads = 0
        var downloadedRows = 0
        var refused = 0
        var addresses: Set<String> = []
        var failures = 0
        var locks = 0
        var unlocks = 0
        var verified = 0
    }

    struct FirstSeen {
        var first: AuditRecord
        var records: Int
    }

    let month: ReviewMonth
    let settings: ReviewSettings
    let history: AuditHistory
    let days: [CalendarDay]
    let firstOrdinal: Int

    var total = 0
    var outside = 0
    var kinds = AuditReport.KindCounts(access: 0, secondFactor: 0, export: 0)
    var tallies: [String: Tally] = [:]
    var daySubjects: [AccountDay: Set<String>] = [:]
    var dayAccesses: [AccountDay: Int] = [:]
    var dayFailures: [AccountDay: [Date]] = [:]
    var firstSeen: [AccountAddress: FirstSeen] = [:]
    var offHours: [AuditReport.OffHoursAccess] = []
    var downloads: [AuditReport.Download] = []
    var refused: [AuditReport.RefusedExport] = []
    var locks: [AuditRecord] = []
    var daily: [AuditReport.DailyVolume]

    init(month: ReviewMonth, settings: ReviewSettings, history: AuditHistory) {
        self.month = month
        self.settings = settings
        self.history = history
        self.days = month.days
        self.firstOrdinal = month.first.ordinal
        self.daily = self.days.map {
            AuditReport.DailyVolume(day: $0, weekday: $0.weekday, dayOff: settings.isDayOff($0),
                                    holiday: settings.holidays.contains($0), records: 0, accesses: 0,
                                    offHoursAccesses: 0, downloads: 0)
        }
    }

    mutating func add(_ record: AuditRecord) {
        let local = self.settings.local(record.at)
        guard self.month.contains(local.day) else {
            self.outside += 1
            return
        }
        let dayIndex = local.day.ordinal - self.firstOrdinal
        let accountDay = AccountDay(account: record.account, ordinal: local.day.ordinal)
        self.total += 1
        self.daily[dayIndex].records += 1

        var tally = self.tallies[record.account] ?? Tally()
        tally.records += 1
        if !record.clientAddress.isEmpty {
            tally.addresses.insert(record.clientAddress)
            if !record.account.isEmpty, !self.history.hasSeen(account: record.account, address: record.clientAddress) {
                let key = AccountAddress(account: record.account, address: record.clientAddress)
                if var seen = self.firstSeen[key] {
                    seen.records += 1
                    if Self.earlier(record, than: seen.first) { seen.first = record }
                    self.firstSeen[key] = seen
                } else {
                    self.firstSeen[key] = FirstSeen(first: record, records: 1)
                }
            }
        }
        if !record.subjects.isEmpty {
            tally.subjects.formUnion(record.subjects)
            self.daySubjects[accountDay, default: []].formUnion(record.subjects)
        }

        switch record.kind {
        case .access:
            self.kinds.access += 1
            tally.accesses += 1
            self.daily[dayIndex].accesses += 1
            self.dayAccesses[accountDay, default: 0] += 1
            if let reason = local.offHours {
                tally.offHoursAccesses += 1
                self.daily[dayIndex].offHoursAccesses += 1
                self.offHours.append(AuditReport.OffHoursAccess(
                    sequence: record.sequence, at: record.at, atKST: local.iso, account: record.account,
                    site: record.site, menuID: record.menuID, menuName: record.menuName, action: record.action,
                    clientAddress: record.clientAddress, reason: reason))
            }
        case .export:
            self.kinds.export += 1
            if record.event.hasPrefix("refused") {
                tally.refused += 1
                let refusal = record.event.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
                self.refused.append(AuditReport.RefusedExport(
                    sequence: record.sequence, at: record.at, atKST: local.iso, account: record.account,
                    site: record.site, menuID: record.menuID, menuName: record.menuName,
                    refusal: refusal.trimmingCharacters(in: .whitespaces), reason: record.exportReason,
                    clientAddress: record.clientAddress))
            } else if record.action == .download {
                let reason = AuditReport.splitReason(record.exportReason)
                tally.downloads += 1
                tally.downloadedRows += max(0, record.exportRows ?? 0)
                self.daily[dayIndex].downloads += 1
                self.downloads.append(AuditReport.Download(
                    sequence: record.sequence, at: record.at, atKST: local.iso, account: record.account,
                    site: record.site, menuID: record.menuID, menuName: record.menuName, reason: record.exportReason,
                    reasonCode: reason.code, reasonText: reason.text, rows: record.exportRows, fileSHA256: record.fileSHA256, clientAddress: record.clientAddress,
                    offHours: local.offHours))
            }
        case .secondFactor:
            self.kinds.secondFactor += 1
            switch record.event {
            case _ where AuditReport.failureEvents.contains(record.event):
                tally.failures += 1
                self.dayFailures[accountDay, default: []].append(record.at)
            case "locked":
                tally.locks += 1
                self.locks.append(record)
            case "unlocked":
                tally.unlocks += 1
            case "verified":
                tally.verified += 1
            default:
                break
            }
        }
        self.tallies[record.account] = tally
    }

    static func earlier(_ a: AuditRecord, than b: AuditRecord) -> Bool {
        (a.at, a.sequence) < (b.at, b.sequence)
    }

    func finish() -> AuditReport {
        let settings = self.settings
        let interval = self.month.interval(utcOffsetSeconds: settings.utcOffsetSeconds)
        let period = AuditReport.Period(
            start: interval.start, end: interval.end, startKST: settings.local(interval.start).iso,
            endKST: settings.local(interval.end).iso, days: self.days.count)
        let basis = AuditReport.Basis(
            timeZone: settings.timeZoneName, utcOffset: settings.offsetText, officeStart: settings.officeStartText,
            officeEnd: settings.officeEndText, officeDays: settings.officeDays.sorted(),
            holidaysInMonth: settings.holidays.filter { self.month.contains($0) }.sorted(),
            massLookupThreshold: settings.massLookupThreshold, offHoursListLimit: settings.offHoursListLimit)

        let massLookups = self.daySubjects.compactMap { key, subjects -> AuditReport.MassLookup? in
            guard subjects.count > settings.massLookupThreshold else { return nil }
            let day = CalendarDay(ordinal: key.ordinal)
            return AuditReport.MassLookup(account: key.account, day: day, weekday: day.weekday,
                                          distinctSubjects: subjects.count, accesses: self.dayAccesses[key] ?? 0)
        }.sorted { ($0.day, $0.account) < ($1.day, $1.account) }

        let firstSeen = self.firstSeen.map { key, seen in
            AuditReport.FirstSeenAddress(account: key.account, clientAddress: key.address, firstAt: seen.first.at,
                                         firstAtKST: settings.local(seen.first.at).iso, records: seen.records,
                                         newAccount: !self.history.knows(account: key.account))
        }.sorted { ($0.firstAt, $0.account, $0.clientAddress) < ($1.firstAt, $1.account, $1.clientAddress) }

        let accounts = self.tallies.map { account, tally in
            AuditReport.AccountSummary(
                account: account, records: tally.records, accesses: tally.accesses,
                offHoursAccesses: tally.offHoursAccesses, distinctSubjects: tally.subjects.count,
                downloads: tally.downloads, downloadedRows: tally.downloadedRows, refusedExports: tally.refused,
                distinctAddresses: tally.addresses.count,
                firstSeenAddresses: firstSeen.count { $0.account == account },
                secondFactorFailures: tally.failures, secondFactorLocks: tally.locks,
                massLookupDays: massLookups.count { $0.account == account })
        }.sorted { $0.account < $1.account }

        let offHours = self.offHours.sorted { ($0.at, $0.sequence, $0.account) < ($1.at, $1.sequence, $1.account) }
        let listed = Array(offHours.prefix(settings.offHoursListLimit))

        let secondFactorAccounts = self.tallies.compactMap { account, tally -> AuditReport.SecondFactorAccount? in
            guard tally.failures + tally.locks + tally.unlocks > 0 else { return nil }
            return AuditReport.SecondFactorAccount(account: account, failures: tally.failures, locks: tally.locks,
                                                   unlocks: tally.unlocks, verified: tally.verified)
        }.sorted { $0.account < $1.account }
        let lockEvents = self.locks.sorted(by: Self.earlier).map { record in
            let local = settings.local(record.at)
            let failures = self.dayFailures[AccountDay(account: record.account, ordinal: local.day.ordinal)] ?? []
            return AuditReport.SecondFactorLock(
                sequence: record.sequence, at: record.at, atKST: local.iso, account: record.account,
                clientAddress: record.clientAddress, failuresBefore: failures.count { $0 <= record.at })
        }
        let tallies = self.tallies.values
        let secondFactor = AuditReport.SecondFactorSummary(
            failures: tallies.reduce(0) { $0 + $1.failures }, locks: tallies.reduce(0) { $0 + $1.locks },
            unlocks: tallies.reduce(0) { $0 + $1.unlocks }, verified: tallies.reduce(0) { $0 + $1.verified },
            byAccount: secondFactorAccounts, lockEvents: lockEvents)

        return AuditReport(
            month: self.month.description, period: period, basis: basis, totalRecords: self.total,
            recordsByKind: self.kinds, recordsOutsideMonth: self.outside, accounts: accounts,
            offHours: AuditReport.OffHoursSection(total: offHours.count, listed: listed,
                                                  notListed: offHours.count - listed.count),
            firstSeenAddresses: firstSeen, massLookups: massLookups,
            downloads: self.downloads.sorted { ($0.at, $0.sequence) < ($1.at, $1.sequence) },
            refusedExports: self.refused.sorted { ($0.at, $0.sequence) < ($1.at, $1.sequence) },
            secondFactor: secondFactor, daily: self.daily)
    }
}
