import Foundation

/// A day of the week, as the review's office hours and charts name it.
///
/// Exists so office days are configured and reported by name (`monday`…) rather than by a calendar's numbering.
public enum Weekday: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    /// 월, 화, …: how the report's tables and charts show it.
    public var korean: String {
        switch self {
        case .monday: "월"
        case .tuesday: "화"
        case .wednesday: "수"
        case .thursday: "목"
        case .friday: "금"
        case .saturday: "토"
        case .sunday: "일"
        }
    }

    /// Mon, Tue, …
    public var english: String { self.rawValue.prefix(1).uppercased() + self.rawValue.dropFirst(1).prefix(2) }

    public var isWeekend: Bool { self == .saturday || self == .sunday }

    /// 0 for Monday … 6 for Sunday.
    var index: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.index < rhs.index }
}

/// A date on the review's wall clock (KST), without a time: the unit of daily volume, mass lookups and holidays.
///
/// Exists because the review counts by Korean calendar days while records are stored in UTC: a record at
/// 2026-10-31T16:00Z belongs to 2026-11-01. Written and read as `YYYY-MM-DD`.
public struct CalendarDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A valid Gregorian date, or nil.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Self.daysIn(year: year, month: month)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Days since 1970-01-01 (negative before).
    init(ordinal: Int) {
        let (y, m, d) = Self.civil(fromOrdinal: ordinal)
        self.year = y
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01.
    var ordinal: Int { Self.ordinal(year: self.year, month: self.month, day: self.day) }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (index 3 counting from Monday).
        let index = ((self.ordinal + 3) % 7 + 7) % 7
        return Weekday.allCases[index]
    }

    /// `2026-10-03`
    public var description: String {
        Self.pad(self.year, 4) + "-" + Self.pad(self.month, 2) + "-" + Self.pad(self.day, 2)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = CalendarDay(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected YYYY-MM-DD"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.description)
    }

    // MARK: Proleptic Gregorian arithmetic (H. Hinnant's days_from_civil / civil_from_days)

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func ordinal(year: Int, month: Int, day: Int) -> Int {
        Int(CivilDays.days(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    static func civil(fromOrdinal ordinal: Int) -> (Int, Int, Int) {
        let (year, month, day) = CivilDays.civil(days: Int64(ordinal))
        return (Int(year), Int(month), Int(day))
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// The calendar month a review covers, on the review's wall clock (`2026-10` in KST).
///
/// Exists so the report and the store that feeds it agree on the same boundaries: `interval(utcOffsetSeconds:)` is
/// the UTC range to read records from.
public struct ReviewMonth: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    /// Parses `YYYY-MM`.
    public init(_ text: String) throws(AuditReportError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), (1...9999).contains(y), (1...12).contains(m) else {
            throw AuditReportError.invalidMonth(text)
        }
        self.year = y
        self.month = m
    }

    public var first: CalendarDay { CalendarDay(year: self.year, month: self.month, day: 1)! }

    /// Every day of the month, in order.
    public var days: [CalendarDay] {
        (1...CalendarDay.daysIn(year: self.year, month: self.month)).map { CalendarDay(year: self.year, month: self.month, day: $0)! }
    }

    public func contains(_ day: CalendarDay) -> Bool { day.year == self.year && day.month == self.month }

    /// From the first midnight of the month to the first midnight of the next, on a clock `utcOffsetSeconds` ahead of
    /// UTC (KST: 32,400).
    public func interval(utcOffsetSeconds: Int = ReviewSettings.kstOffsetSeconds) -> DateInterval {
        let start = self.first.ordinal
        let end = start + self.days.count
        return DateInterval(start: Date(timeIntervalSince1970: TimeInterval(start * 86_400 - utcOffsetSeconds)),
                            end: Date(timeIntervalSince1970: TimeInterval(end * 86_400 - utcOffsetSeconds)))
    }

    /// `2026-10`
    public var description: String { CalendarDay.pad(self.year, 4) + "-" + CalendarDay.pad(self.month, 2) }

    public static func < (lhs: ReviewMonth, rhs: ReviewMonth) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try ReviewMonth(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected YYYY-MM"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.description)
    }
}

/// Why a report could not be made.
public enum AuditReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The month is not `YYYY-MM`.
    case invalidMonth(String)

    public var description: String {
        switch self {
        case .invalidMonth(let text): "invalid month \"\(text)\": expected YYYY-MM (e.g. 2026-10)"
        }
    }
}

/// What the monthly review treats as normal: office hours, office days, public holidays, the mass-lookup threshold.
///
/// Exists because 제8조 asks the review to look for what stands out, and what stands out depends on how a seller
/// works: the defaults are 09:00–19:00 KST Monday to Friday, Korean public holidays off, more than 300 distinct data
/// subjects per account per day a mass lookup. Holidays are a list of dates the operator extends each year.
public struct ReviewSettings: Sendable, Hashable {
    /// KST: UTC+9, no daylight saving time.
    public static let kstOffsetSeconds = 9 * 3600

    /// Office hours start, in minutes after midnight (inclusive): 09:00 is office time, 08:59:59 is not.
    public var officeStartMinute: Int
    /// Office hours end, in minutes after midnight (exclusive): 18:59:59 is office time, 19:00 is not.
    public var officeEndMinute: Int
    /// Working days; other days are off-hours all day.
    public var officeDays: Set<Weekday>
    /// Days off although their weekday is an office day (public holidays, substitute holidays, company days off).
    public var holidays: Set<CalendarDay>
    /// A day on which an account saw more than this many distinct data subjects is listed as a mass lookup.
    public var massLookupThreshold: Int
    /// The wall clock's distance from UTC in seconds (KST: 32,400).
    public var utcOffsetSeconds: Int
    /// Name of the wall clock in the report (`KST`).
    public var timeZoneName: String
    /// At most this many off-hours accesses are listed one by one; the count always covers all of them.
    public var offHoursListLimit: Int

    public init(officeStartMinute: Int = 9 * 60, officeEndMinute: Int = 19 * 60,
                officeDays: Set<Weekday> = [.monday, .tuesday, .wednesday, .thursday, .friday],
                holidays: Set<CalendarDay> = ReviewSettings.koreanPublicHolidays, massLookupThreshold: Int = 300,
                utcOffsetSeconds: Int = ReviewSettings.kstOffsetSeconds, timeZoneName: String = "KST",
                offHoursListLimit: Int = 200) {
        self.officeStartMinute = max(0, min(officeStartMinute, 24 * 60))
        self.officeEndMinute = max(0, min(officeEndMinute, 24 * 60))
        self.officeDays = officeDays
        self.holidays = holidays
        self.massLookupThreshold = max(0, massLookupThreshold)
        self.utcOffsetSeconds = utcOffsetSeconds
        self.timeZoneName = timeZoneName
        self.offHoursListLimit = max(0, offHoursListLimit)
    }

    /// Korean public holidays (공휴일, substitute holidays and election days) of 2025 and 2026 on weekdays and
    /// weekends alike, as published by 인사혁신처. Add later years through configuration.
    public static let koreanPublicHolidays: Set<CalendarDay> = Set([
        // 2025
        "2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-03-01", "2025-03-03",
        "2025-05-05", "2025-05-06", "2025-06-03", "2025-06-06", "2025-08-15", "2025-10-03", "2025-10-05",
        "2025-10-06", "2025-10-07", "2025-10-08", "2025-10-09", "2025-12-25",
        // 2026
        "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-03-01", "2026-03-02", "2026-05-05",
        "2026-05-24", "2026-05-25", "2026-06-03", "2026-06-06", "2026-08-15", "2026-08-17", "2026-09-24",
        "2026-09-25", "2026-09-26", "2026-10-03", "2026-10-05", "2026-10-09", "2026-12-25",
    ].compactMap(CalendarDay.init))

    /// `09:00`
    var officeStartText: String { Self.clock(self.officeStartMinute) }
    /// `19:00`
    var officeEndText: String { Self.clock(self.officeEndMinute) }

    /// `+09:00`
    var offsetText: String {
        let sign = self.utcOffsetSeconds < 0 ? "-" : "+"
        let minutes = abs(self.utcOffsetSeconds) / 60
        return sign + CalendarDay.pad(minutes / 60, 2) + ":" + CalendarDay.pad(minutes % 60, 2)
    }

    static func clock(_ minute: Int) -> String { CalendarDay.pad(minute / 60, 2) + ":" + CalendarDay.pad(minute % 60, 2) }

    /// Where a moment falls on the review's wall clock.
    func local(_ date: Date) -> LocalTime {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + self.utcOffsetSeconds
        let ordinal = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
        let secondOfDay = seconds - ordinal * 86_400
        let day = CalendarDay(ordinal: ordinal)
        let offHours: OffHoursReason?
        if self.holidays.contains(day) {
            offHours = .holiday
        } else if !self.officeDays.contains(day.weekday) {
            offHours = .dayOff
        } else if secondOfDay < self.officeStartMinute * 60 {
            offHours = .beforeHours
        } else if secondOfDay >= self.officeEndMinute * 60 {
            offHours = .afterHours
        } else {
            offHours = nil
        }
        return LocalTime(day: day, secondOfDay: secondOfDay, offHours: offHours, offsetText: self.offsetText)
    }

    /// The moment `secondOfDay` seconds after midnight of `day` on the review's wall clock.
    func date(_ day: CalendarDay, secondOfDay: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(day.ordinal * 86_400 + secondOfDay - self.utcOffsetSeconds))
    }

    /// Whether the whole day is off (day off or holiday).
    func isDayOff(_ day: CalendarDay) -> Bool { self.holidays.contains(day) || !self.officeDays.contains(day.weekday) }
}

/// Why a moment is outside office hours.
public enum OffHoursReason: String, Sendable, Hashable, Codable {
    /// Before office hours start on an office day.
    case beforeHours = "before_hours"
    /// At or after office hours end on an office day.
    case afterHours = "after_hours"
    /// Not an office day (weekend, by default).
    case dayOff = "day_off"
    /// A public holiday (or other configured day off).
    case holiday

    public var korean: String {
        switch self {
        case .beforeHours: "업무 시작 전"
        case .afterHours: "업무 종료 후"
        case .dayOff: "주말·휴무일"
        case .holiday: "공휴일"
        }
    }

    public var english: String {
        switch self {
        case .beforeHours: "before hours"
        case .afterHours: "after hours"
        case .dayOff: "day off"
        case .holiday: "holiday"
        }
    }
}

/// A moment on the review's wall clock.
struct LocalTime: Sendable, Hashable {
    let day: CalendarDay
    let secondOfDay: Int
    let offHours: OffHoursReason?
    let offsetText: String

    /// `2026-10-03 08:59:59`
    var text: String {
        self.day.description + " " + CalendarDay.pad(self.secondOfDay / 3600, 2) + ":"
            + CalendarDay.pad(self.secondOfDay / 60 % 60, 2) + ":" + CalendarDay.pad(self.secondOfDay % 60, 2)
    }

    /// `2026-10-03T08:59:59+09:00`
    var iso: String { self.text.replacingOccurrences(of: " ", with: "T") + self.offsetText }
}
