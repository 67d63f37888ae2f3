import Foundation

/// Korean wall-clock time as the records are shown and searched: the auditors' pages and `pii-guard audit` both use
/// it, so a time typed into one matches a time read from the other.
public enum AuditTime {
    public static let offsetSeconds = ReviewSettings.kstOffsetSeconds

    public static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offsetSeconds)!
        return calendar
    }()

    /// Midnight KST at the start of `day`.
    public static func midnight(_ day: CalendarDay) -> Date? {
        self.calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
    }

    /// `2026-11-23 16:05:03`, with `.123` milliseconds when asked.
    public static func text(_ date: Date, milliseconds: Bool = false) -> String {
        let parts = self.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        var text = String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                          parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
        if milliseconds {
            let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
            text += String(format: ".%03d", (millis + 1000) % 1000)
        }
        return text
    }

    /// `2026-11` for the month `monthsBack` before the one holding `date`.
    public static func month(of date: Date, monthsBack: Int = 0) -> String {
        let parts = self.calendar.dateComponents([.year, .month], from: date)
        let index = (parts.year ?? 1970) * 12 + (parts.month ?? 1) - 1 - monthsBack
        return String(format: "%04d-%02d", index / 12, index % 12 + 1)
    }

    /// ISO 8601 in UTC with milliseconds (the record page shows it beside the KST time).
    public static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
