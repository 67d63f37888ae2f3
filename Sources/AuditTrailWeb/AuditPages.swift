import AuditTrail
import Foundation
import GuardStore
import SecondFactorWeb
import TextEscaping

/// The auditors' pages as HTML fragments for `Pages.layout`: the records list with its filter form, one record in
/// full. Every value from the log is escaped; data-subject keys are shown masked (detail) or only counted (list).
enum AuditPages {
    static let banner = (ko: "개인정보 접속기록 감사", en: "Access-record audit")

    /// One row of the list: the decoded record, or the stored columns when the content cannot be read.
    enum Entry {
        case record(AuditRecord)
        case unreadable(AuditLogRow)

        var sequence: Int64 {
            switch self {
            case .record(let record): record.sequence
            case .unreadable(let row): row.sequence
            }
        }
    }

    // MARK: Names

    static func kindName(_ kind: AuditRecord.Kind, _ language: PageLanguage) -> String {
        switch kind {
        case .access: language.t("메뉴 접속", "Menu access")
        case .secondFactor: language.t("추가 인증", "Second factor")
        case .export: language.t("파일 다운로드", "Export")
        }
    }

    static func actionName(_ action: AuditRecord.Action, _ language: PageLanguage) -> String {
        language.t(action.korean, action.rawValue)
    }

    static func recordURL(_ sequence: Int64) -> String { "/__guard/audit/record/\(sequence)" }
    static func reportURL(_ month: String) -> String { "/__guard/audit/report?" + StepUp.query([("month", month)]) }
    static func listURL(_ items: [(String, String)]) -> String {
        items.isEmpty ? "/__guard/audit" : "/__guard/audit?" + StepUp.query(items)
    }

    // MARK: Chain status and reports

    static func chainStatus(_ report: VerificationReport, _ language: PageLanguage) -> String {
        let t = language.t
        if report.isValid {
            let text = t("체인 무결성: 이상 없음 — 기록 \(report.recordsChecked)건, 체크포인트 \(report.checkpointsChecked)개",
                         "Chain intact: \(report.recordsChecked) records, \(report.checkpointsChecked) checkpoints")
            return "<div class=\"notice\" role=\"status\">\(Escape.markup(text))</div>"
        }
        let count = "\(report.problems.count)\(report.moreProblems ? "+" : "")"
        let first = report.firstProblem?.message ?? ""
        var html = Pages.alert(t("체인 무결성 문제 \(count)건 (기록 \(report.recordsChecked)건 검사). 첫 번째 문제: \(first)",
                                 "Chain damaged: \(count) problem(s) in \(report.recordsChecked) records checked. First: \(first)"))
        if let sequence = report.firstProblem?.sequence {
            html += "<p><a href=\"\(Escape.markup(self.recordURL(sequence)))\">\(Escape.markup(t("문제가 처음 발견된 기록 #\(sequence) 보기", "Open record #\(sequence), where the first problem is")))</a></p>"
        }
        return html
    }

    static func reportLinks(now: Date, _ language: PageLanguage) -> String {
        let t = language.t
        let links = (0..<3).map { back -> String in
            let month = AuditTime.month(of: now, monthsBack: back)
            return "<a href=\"\(Escape.markup(self.reportURL(month)))\">\(Escape.markup(month))</a>"
        }
        return "<p>\(Escape.markup(t("월간 점검 보고서", "Monthly review"))): \(links.joined(separator: " · "))</p>"
    }

    // MARK: List

    static func filterForm(_ query: AuditQuery, _ language: PageLanguage) -> String {
        let t = language.t
        func text(_ name: String, _ label: String, _ value: String, type: String = "text", hint: String? = nil) -> String {
            let hintHTML = hint.map { "<p class=\"hint\" id=\"f-\(name)-hint\">\(Escape.markup($0))</p>" } ?? ""
            let described = hint == nil ? "" : " aria-describedby=\"f-\(name)-hint\""
            let style = type == "date" ? " style=\"width:100%;font:inherit;padding:.5rem .7rem;border:1px solid #6b7280;border-radius:.4rem\"" : ""
            return "<div><label for=\"f-\(name)\">\(Escape.markup(label))</label><input type=\"\(type)\" id=\"f-\(name)\" name=\"\(name)\" value=\"\(Escape.markup(value))\" maxlength=\"\(AuditQuery.maxValueLength)\"\(described)\(style)>\(hintHTML)</div>"
        }
        func select(_ name: String, _ label: String, _ value: String, _ options: [(String, String)]) -> String {
            let all = [("", t("전체", "All"))] + options
            let html = all.map { code, title in
                "<option value=\"\(Escape.markup(code))\"\(code == value ? " selected" : "")>\(Escape.markup(title))</option>"
            }.joined()
            return "<div><label for=\"f-\(name)\">\(Escape.markup(label))</label><select id=\"f-\(name)\" name=\"\(name)\">\(html)</select></div>"
        }
        let actions = AuditRecord.Action.allCases.map { ($0.rawValue, "\($0.korean) (\($0.rawValue))") }
        let kinds = AuditRecord.Kind.allCases.map { ($0.rawValue, self.kindName($0, language)) }
        return """
            <form method="get" action="/__guard/audit" role="search" aria-label="\(Escape.markup(t("접속기록 검색", "Search the records")))">
            <div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:0 1rem">
            \(text("account", t("계정", "Account"), query.account))
            \(text("from", t("시작일 (KST, 포함)", "From (KST, inclusive)"), query.from, type: "date"))
            \(text("until", t("종료일 (KST, 이 날 제외)", "Until (KST, exclusive)"), query.until, type: "date"))
            \(text("menu", t("메뉴 ID", "Menu id"), query.menu, hint: t("예: sales, chat, account", "e.g. sales, chat, account")))
            \(select("action", t("행위", "Action"), query.action, actions))
            \(text("ip", t("접속 IP", "Client IP"), query.ip))
            \(text("subject", t("정보주체 키", "Data-subject key"), query.subject, hint: t("주문번호 등, 정확히 일치", "Order number etc., exact match")))
            \(select("kind", t("종류", "Kind"), query.kind, kinds))
            </div>
            <button type="submit">\(Escape.markup(t("검색", "Search")))</button>
            <a class="button secondary" href="/__guard/audit">\(Escape.markup(t("조건 지우기", "Clear")))</a>
            </form>
            """
    }

    static func table(_ entries: [Entry], _ language: PageLanguage) -> String {
        let t = language.t
        let headers = [t("순번", "Seq"), t("시각 (KST)", "Time (KST)"), t("계정", "Account"), t("접속 IP", "IP"),
                       t("메뉴", "Menu"), t("행위", "Action"), t("상태", "Status"), t("정보주체 수", "Subjects"),
                       t("마스킹 수", "Masked"), t("이벤트 / 다운로드 사유", "Event / export reason")]
        var html = "<div style=\"overflow-x:auto\"><table><caption class=\"hint\" style=\"text-align:left\">"
            + Escape.markup(t("최신 기록부터. 정보주체는 건수만 보이며, 순번을 누르면 기록 전체(마스킹된 키)를 봅니다.",
                              "Newest first. Data subjects are counted only; open a record by its sequence for the full record (keys masked)."))
            + "</caption><thead><tr>"
            + headers.map { "<th scope=\"col\">\(Escape.markup($0))</th>" }.joined() + "</tr></thead><tbody>"
        for entry in entries {
            html += self.row(entry, language)
        }
        return html + "</tbody></table></div>"
    }

    static func row(_ entry: Entry, _ language: PageLanguage) -> String {
        let t = language.t
        func cell(_ text: String) -> String { "<td>\(Escape.markup(text))</td>" }
        let link = "<td><a href=\"\(Escape.markup(self.recordURL(entry.sequence)))\">\(entry.sequence)</a></td>"
        switch entry {
        case .record(let r):
            let menu = r.menuName.isEmpty ? (r.menuID.isEmpty ? "-" : r.menuID)
                : (r.menuID.isEmpty ? r.menuName : "\(r.menuName) · \(r.menuID)")
            let masked = r.maskedCounts.values.reduce(0, +)
            let note = [r.event, r.exportReason].filter { !$0.isEmpty }.joined(separator: " — ")
            return "<tr>" + link + cell(AuditTime.text(r.at)) + cell(r.account.isEmpty ? "-" : r.account)
                + cell(r.clientAddress.isEmpty ? "-" : r.clientAddress) + cell(menu) + cell(self.actionName(r.action, language))
                + cell(r.status == 0 ? "-" : String(r.status)) + cell(String(r.subjects.count)) + cell(String(masked))
                + cell(note.isEmpty ? "-" : note) + "</tr>"
        case .unreadable(let row):
            let action = AuditRecord.Action(rawValue: row.action).map { self.actionName($0, language) } ?? row.action
            return "<tr style=\"background:#fef2f2\">" + link + cell(AuditTime.text(row.at)) + cell(row.account.isEmpty ? "-" : row.account)
                + cell(row.clientAddress.isEmpty ? "-" : row.clientAddress) + cell(row.menuID.isEmpty ? "-" : row.menuID)
                + cell(action) + cell("-") + cell(String(row.subjects.count)) + cell("-")
                + "<td><strong>\(Escape.markup(t("내용을 읽을 수 없음 (변경 의심)", "Content unreadable (changed?)")))</strong></td></tr>"
        }
    }

    // MARK: Detail

    static func detail(_ record: AuditRecord, _ language: PageLanguage) -> String {
        let t = language.t
        var items: [(String, String)] = []
        func add(_ label: String, _ value: String) { items.append((label, value)) }
        func text(_ value: String) -> String { value.isEmpty ? "-" : Escape.markup(value) }
        func code(_ value: String) -> String { value.isEmpty ? "-" : "<code>\(Escape.markup(value))</code>" }

        add(t("순번", "Sequence"), String(record.sequence))
        add(t("시각", "Time"), Escape.markup(AuditTime.text(record.at, milliseconds: true) + " KST") + " <span class=\"hint\">("
            + Escape.markup(AuditTime.utc(record.at)) + ")</span>")
        add(t("종류", "Kind"), Escape.markup("\(self.kindName(record.kind, language)) (\(record.kind.rawValue))"))
        add(t("행위", "Action"), Escape.markup("\(record.action.korean) (\(record.action.rawValue))"))
        add(t("계정", "Account"), record.account.isEmpty ? Escape.markup(t("(없음)", "(none)")) : Escape.markup(record.account))
        add(t("접속 IP", "Client IP"), text(record.clientAddress))
        add(t("사이트", "Site"), text(record.site))
        let menu = [record.menuName, record.menuID.isEmpty ? "" : "(\(record.menuID))"].filter { !$0.isEmpty }.joined(separator: " ")
        add(t("메뉴", "Menu"), text(menu))
        let request = [record.method, SubjectMask.mask(record.path, keys: record.subjects)].filter { !$0.isEmpty }.joined(separator: " ")
        add(t("요청", "Request"), code(request))
        add(t("응답 상태", "Status"), record.status == 0 ? "-" : String(record.status))

        var subjects = Escape.markup(t("\(record.subjects.count)명", "\(record.subjects.count)"))
        if !record.subjects.isEmpty {
            subjects += " <span class=\"hint\">" + Escape.markup(t("(가운데를 가린 키)", "(keys with their middle hidden)")) + "</span><br>"
                + record.subjects.map { "<code>\(Escape.markup(SubjectMask.mask($0)))</code>" }.joined(separator: ", ")
        }
        add(t("정보주체", "Data subjects"), subjects)
        let counts = record.maskedCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        let total = record.maskedCounts.values.reduce(0, +)
        add(t("마스킹 건수", "Masked values"), counts.isEmpty ? "0" : Escape.markup(counts.joined(separator: ", ") + t(" (합계 \(total))", " (total \(total))")))
        add(t("이벤트", "Event"), text(record.event))
        add(t("다운로드 사유", "Export reason"), text(record.exportReason))
        add(t("다운로드 행 수", "Export rows"), record.exportRows.map(String.init) ?? "-")
        add(t("파일 SHA-256", "File SHA-256"), code(record.fileSHA256))
        add(t("요청 ID", "Request id"), code(record.requestID))
        add(t("세션 (해시)", "Session (hashed)"), code(record.sessionHash))
        add(t("브라우저 (User-Agent)", "User agent"), text(record.userAgent))
        add(t("이전 해시", "Previous hash"), code(record.previousHash))
        add(t("해시", "Hash"), code(record.hash))
        return "<dl>" + items.map { "<dt>\(Escape.markup($0.0))</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
    }

    /// What is known of a record whose content does not decode: the searchable columns (keys masked).
    static func unreadable(_ row: AuditLogRow, _ language: PageLanguage) -> String {
        let t = language.t
        var html = Pages.alert(t("이 기록의 내용을 읽을 수 없습니다. 데이터베이스에서 변경되었을 수 있습니다. 아래는 검색용으로 저장된 항목이며, 위 목록의 무결성 검사 결과를 확인하세요.",
                                 "This record's content cannot be read: it may have been changed in the database. Below are the stored search columns; check the chain status on the list."))
        let items: [(String, String)] = [
            (t("순번", "Sequence"), String(row.sequence)),
            (t("시각", "Time"), AuditTime.text(row.at, milliseconds: true) + " KST"),
            (t("종류", "Kind"), row.kind), (t("행위", "Action"), row.action),
            (t("계정", "Account"), row.account), (t("접속 IP", "Client IP"), row.clientAddress),
            (t("사이트", "Site"), row.site), (t("메뉴 ID", "Menu id"), row.menuID),
            (t("정보주체", "Data subjects"), row.subjects.map(SubjectMask.mask).joined(separator: ", ")),
            (t("이전 해시", "Previous hash"), row.previousHash), (t("해시", "Hash"), row.hash),
        ]
        html += "<dl>" + items.map { "<dt>\(Escape.markup($0.0))</dt><dd>\(Escape.markup($0.1.isEmpty ? "-" : $0.1))</dd>" }.joined() + "</dl>"
        return html
    }
}
