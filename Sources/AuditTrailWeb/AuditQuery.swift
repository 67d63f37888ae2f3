import AuditTrail
import Foundation
import SecondFactorWeb
import GuardStore

/// The records list's filters as its GET form sends them, and how they become an `AuditLogFilter`.
///
/// Same meaning as `pii-guard audit query`: every given condition must match, values match exactly, and dates are
/// KST days with `until` exclusive (`from=2026-11-01&until=2026-12-01` is November). `before` pages back through the
/// newest-first list without OFFSET.
struct AuditQuery: Sendable, Equatable {
    var account = ""
    var from = ""
    var until = ""
    var menu = ""
    var action = ""
    var ip = ""
    var subject = ""
    var kind = ""
    /// The page below this sequence (nil: the newest page).
    var before = ""

    /// Longest value kept from a field; anything longer cannot match a stored column anyway.
    static let maxValueLength = 256

    init(values: [String: String]) {
        func value(_ name: String) -> String {
            String((values[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(Self.maxValueLength))
        }
        self.account = value("account")
        self.from = value("from")
        self.until = value("until")
        self.menu = value("menu")
        self.action = value("action")
        self.ip = value("ip")
        self.subject = value("subject")
        self.kind = value("kind")
        self.before = value("before")
    }

    /// Why a form cannot be searched, in both languages.
    struct Problem: Error, Sendable, Equatable {
        let korean: String
        let english: String
    }

    /// The conditions, without paging: what `count` is asked and what each page adds `beforeSequence` to.
    func filter() throws(Problem) -> AuditLogFilter {
        var filter = AuditLogFilter(newestFirst: true)
        filter.account = self.account.isEmpty ? nil : self.account
        filter.from = try Self.day(self.from, field: ("시작일", "From"))
        filter.until = try Self.day(self.until, field: ("종료일", "Until"))
        filter.menuID = self.menu.isEmpty ? nil : self.menu
        if !self.action.isEmpty {
            guard AuditRecord.Action(rawValue: self.action) != nil else {
                throw Problem(korean: "알 수 없는 행위입니다: \(self.action)", english: "Unknown action: \(self.action)")
            }
            filter.action = self.action
        }
        filter.clientAddress = self.ip.isEmpty ? nil : self.ip
        filter.subject = self.subject.isEmpty ? nil : self.subject
        if !self.kind.isEmpty {
            guard AuditRecord.Kind(rawValue: self.kind) != nil else {
                throw Problem(korean: "알 수 없는 기록 종류입니다: \(self.kind)", english: "Unknown kind: \(self.kind)")
            }
            filter.kind = self.kind
        }
        return filter
    }

    /// The sequence to page below, when the form names a valid one.
    func beforeSequence() throws(Problem) -> Int64? {
        guard !self.before.isEmpty else { return nil }
        guard let sequence = Int64(self.before), sequence > 0 else {
            throw Problem(korean: "잘못된 페이지 번호입니다.", english: "Invalid page.")
        }
        return sequence
    }

    /// The non-empty conditions, in form order: the query of links that keep them.
    var items: [(String, String)] {
        [("account", self.account), ("from", self.from), ("until", self.until), ("menu", self.menu),
         ("action", self.action), ("ip", self.ip), ("subject", self.subject), ("kind", self.kind)]
            .filter { !$0.1.isEmpty }
    }

    /// Midnight KST at the start of `text` (`YYYY-MM-DD`), nil when empty.
    static func day(_ text: String, field: (ko: String, en: String)) throws(Problem) -> Date? {
        guard !text.isEmpty else { return nil }
        guard let day = CalendarDay(text), let date = AuditTime.midnight(day) else {
            throw Problem(korean: "\(field.ko)는 YYYY-MM-DD 형식의 날짜여야 합니다: \(text)",
                          english: "\(field.en) must be a date, YYYY-MM-DD: \(text)")
        }
        return date
    }

    /// A GET form's query as names and values (the second factor's form reader: `+` is a space, the first value
    /// of a name wins).
    static func values(_ query: String?) -> [String: String] { FormFields.parse(query ?? "") }
}

/// How the auditors' view shows a data subject's key: enough to tell keys apart and match a complaint, never the key.
///
/// At most the first and the last four characters stay, and never more than half of the key (a short key keeps
/// fewer); every other character becomes `*`: `2026112300000006` → `2026********0006`.
enum SubjectMask {
    static func mask(_ key: String) -> String {
        let characters = Array(key)
        let keep = min(4, characters.count / 4)
        return String(characters.prefix(keep)) + String(repeating: "*", count: characters.count - 2 * keep)
            + String(characters.suffix(keep))
    }

    /// `text` with every occurrence of a key replaced by its masked form (a path like `/sales/orders/2026…`).
    static func mask(_ text: String, keys: [String]) -> String {
        var text = text
        for key in Set(keys).sorted(by: { $0.count > $1.count }) where !key.isEmpty {
            text = text.replacingOccurrences(of: key, with: self.mask(key))
        }
        return text
    }
}
