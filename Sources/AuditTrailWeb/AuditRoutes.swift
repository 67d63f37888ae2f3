import AuditTrail
import Foundation
import GuardProxy
import GuardStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SecondFactorWeb
import TextEscaping

/// The auditors' web view of the access records under `/__guard/`: `audit` (the records, newest first, with filters
/// and the chain's status), `audit/record/{sequence}` (one record in full) and `audit/report?month=YYYY-MM` (the
/// monthly review, as `pii-guard audit report` writes it).
///
/// Exists because 개인정보의 안전성 확보조치 기준 제8조 asks that access records be reviewed every month, and the
/// people who review them are auditors at a browser, not operators at the guard's command line. The pages are
/// read-only (GET only) and open only to an account holding one of `auditorRoles` with a valid second-factor proof for
/// this session and address, like a personal-information menu; others get 403, and an auditor without a proof is sent
/// to verify first. Auditors see data subjects masked: the list counts them, the record page shows each key with its
/// middle hidden. A log that cannot be read answers 503, never a partial view.
public struct AuditRoutes: Sendable {
    let routes: StepUpRoutes
    let log: any AuditLog
    let publicKey: AuditPublicKey
    let auditorRoles: Set<String>
    let logger: Logger
    /// Records an auditor's own view of the records (the access records hold IP addresses and order numbers too);
    /// nil: views are not recorded. A view that cannot be recorded is refused (503), like any other.
    let recordView: (@Sendable (AuditRecord) async throws -> Void)?

    /// Records per page of the list.
    static let pageSize = 100
    /// Records read per query while building a monthly review.
    static let reportBatch = 5_000

    /// - Parameters:
    ///   - publicKey: the key the chain status is verified with (the auditors' copy of the guard's public key).
    ///   - auditorRoles: roles (from the identity source) that may read the records; empty: nobody may.
    public init(stepUp: StepUp, log: any AuditLog, publicKey: AuditPublicKey, auditorRoles: Set<String>,
                recordView: (@Sendable (AuditRecord) async throws -> Void)? = nil) {
        self.recordView = recordView
        self.routes = StepUpRoutes(stepUp: stepUp)
        self.log = log
        self.publicKey = publicKey
        self.auditorRoles = auditorRoles
        self.logger = stepUp.logger
    }

    public func register(on group: RouterGroup<GuardRequestContext>) {
        group.get("audit") { request, context in
            try await self.routes.page(request, context) { visit, _ in
                try await self.reading(request, context) { try await self.listPage(visit, request) }
            }
        }
        group.get("audit/record/{sequence}") { request, context in
            try await self.routes.page(request, context) { visit, _ in
                try await self.reading(request, context) {
                    try await self.recordPage(visit, request, sequence: context.parameters.get("sequence") ?? "")
                }
            }
        }
        group.get("audit/report") { request, context in
            try await self.routes.page(request, context) { visit, _ in
                try await self.reading(request, context) { try await self.reportPage(visit, request) }
            }
        }
    }

    // MARK: Access

    /// nil when the visit may read the records; otherwise the answer: 403 for an account without an auditor role, a
    /// redirect to verify (and back to `here`) for an auditor without a valid proof.
    func refusal(_ visit: StepUpRoutes.Visit, here: String) async throws -> Response? {
        let t = visit.language.t
        guard case .known(let identity) = visit.identity else {
            // `StepUpRoutes.page` answers anonymous and unavailable identities before this; fail closed regardless.
            return self.routes.html(Pages.message(visit.language, title: t("로그인이 필요합니다", "Please log in"),
                                                  detail: t("먼저 판매자 센터에 로그인해 주세요.", "Please log in to the seller admin first."),
                                                  link: ("/", t("판매자 센터로", "Seller admin"))), visit, status: .unauthorized)
        }
        guard !self.auditorRoles.isDisjoint(with: identity.roles) else {
            let body = Pages.alert(t("개인정보 접속기록은 감사 담당자 역할이 있는 계정만 볼 수 있습니다. 필요하면 관리자에게 권한을 요청해 주세요.",
                                     "Only accounts with an auditor role may read the access records. Ask your administrator if you need access."))
                + "<p><a class=\"button secondary\" href=\"/\">\(Escape.markup(t("판매자 센터로", "Seller admin")))</a></p>"
            return self.routes.html(Pages.layout(visit.language, title: t("감사 담당자만 볼 수 있습니다", "For auditors only"),
                                                 account: identity.account, body: body, banner: AuditPages.banner),
                                    visit, status: .forbidden)
        }
        guard try await self.routes.proofIsValid(visit, account: identity.account) else {
            return self.routes.redirect(StepUp.verifyURL(next: here), visit)
        }
        if let recordView = self.recordView {
            // The path only: a query may name a subject key or an address the auditor searched for.
            let path = String(here.split(separator: "?", maxSplits: 1).first ?? "")
            try await recordView(AuditRecord(
                at: visit.now, kind: .access, action: .view, account: identity.account,
                clientAddress: visit.client.description, site: visit.site, menuID: "audit",
                menuName: "개인정보 접속기록 점검", method: "GET", path: path, status: 200,
                sessionHash: visit.session.hash))
        }
        return nil
    }

    /// The request's own path and query: where verifying returns to.
    static func here(_ request: Request) -> String {
        StepUp.safeNext(request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""))
    }

    /// Runs a page that reads the log; a log (or verifier) that cannot read answers 503, failing closed.
    func reading(_ request: Request, _ context: GuardRequestContext,
                 _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as StoreError {
            self.logger.error("audit log unreadable for the audit pages", metadata: ["error": "\(error)"])
        } catch let error as AuditTrailError {
            self.logger.error("audit log unreadable for the audit pages", metadata: ["error": "\(error)"])
        }
        return ErrorPage.response(.policyUnavailable, requestID: context.requestID, request: request.headers)
    }

    func page(_ visit: StepUpRoutes.Visit, title: String, body: String, status: HTTPResponse.Status = .ok) -> Response {
        self.routes.html(Pages.layout(visit.language, title: title, account: visit.account, body: body, wide: true,
                                      banner: AuditPages.banner), visit, status: status)
    }

    // MARK: Pages

    func listPage(_ visit: StepUpRoutes.Visit, _ request: Request) async throws -> Response {
        if let refusal = try await self.refusal(visit, here: Self.here(request)) { return refusal }
        let language = visit.language
        let t = language.t
        let title = t("개인정보 접속기록", "Access records")
        let query = AuditQuery(values: AuditQuery.values(request.uri.query))
        let chain = try await AuditVerifier.verify(log: self.log, publicKey: self.publicKey)
        var body = AuditPages.chainStatus(chain, language) + AuditPages.reportLinks(now: visit.now, language)
            + AuditPages.filterForm(query, language)

        let filter: AuditLogFilter
        let before: Int64?
        do {
            filter = try query.filter()
            before = try query.beforeSequence()
        } catch {
            body += Pages.alert(language == .ko ? error.korean : error.english)
            return self.page(visit, title: title, body: body, status: .badRequest)
        }
        let total = try await self.log.count(filter)
        var paged = filter
        paged.beforeSequence = before
        let rows = try await self.log.query(paged, limit: Self.pageSize + 1)
        let shown = Array(rows.prefix(Self.pageSize))
        let entries = shown.map { row -> AuditPages.Entry in
            (try? AuditRecord(row: row)).map(AuditPages.Entry.record) ?? .unreadable(row)
        }
        body += "<h2>" + Escape.markup(t("조건에 맞는 기록 \(total)건", "\(total) matching record(s)")) + "</h2>"
        if entries.isEmpty {
            body += "<p>" + Escape.markup(t("이 조건에 맞는 기록이 없습니다.", "No record matches.")) + "</p>"
        } else {
            body += AuditPages.table(entries, language)
        }
        var links: [String] = []
        if before != nil {
            links.append("<a href=\"\(Escape.markup(AuditPages.listURL(query.items)))\">\(Escape.markup(t("← 최신 기록으로", "← Newest records")))</a>")
        }
        if rows.count > Self.pageSize, let last = shown.last {
            let next = AuditPages.listURL(query.items + [("before", String(last.sequence))])
            links.append("<a href=\"\(Escape.markup(next))\">\(Escape.markup(t("이전 기록 \(Self.pageSize)건 더 보기 →", "Older \(Self.pageSize) records →")))</a>")
        }
        if !links.isEmpty { body += "<p class=\"links\">" + links.joined(separator: " · ") + "</p>" }
        return self.page(visit, title: title, body: body)
    }

    func recordPage(_ visit: StepUpRoutes.Visit, _ request: Request, sequence text: String) async throws -> Response {
        if let refusal = try await self.refusal(visit, here: Self.here(request)) { return refusal }
        let language = visit.language
        let t = language.t
        let back = "<p class=\"links\"><a href=\"/__guard/audit\">\(Escape.markup(t("← 접속기록 목록", "← All records")))</a></p>"
        guard let sequence = Int64(text), sequence > 0,
              let row = try await self.log.rows(from: sequence, limit: 1).first, row.sequence == sequence
        else {
            return self.page(visit, title: t("기록이 없습니다", "No such record"), body: Pages.alert(t(
                "이 순번의 기록이 없습니다(보존 기간이 지나 삭제되었거나 아직 없는 번호입니다).",
                "There is no record with this sequence (purged after the retention period, or not written yet).")) + back,
                status: .notFound)
        }
        var body: String
        if let record = try? AuditRecord(row: row) {
            body = AuditPages.detail(record, language)
            if !record.account.isEmpty {
                let others = AuditPages.listURL([("account", record.account)])
                body += "<p><a href=\"\(Escape.markup(others))\">\(Escape.markup(t("이 계정의 기록 모두 보기", "All records of this account")))</a></p>"
            }
        } else {
            body = AuditPages.unreadable(row, language)
        }
        var neighbours: [String] = []
        if sequence > 1 {
            neighbours.append("<a href=\"\(AuditPages.recordURL(sequence - 1))\">\(Escape.markup(t("← 앞 기록", "← Previous")))</a>")
        }
        // `sequence` comes from the address: Int64.max has no next record (and `+ 1` would trap).
        if sequence < Int64.max {
            neighbours.append("<a href=\"\(AuditPages.recordURL(sequence + 1))\">\(Escape.markup(t("다음 기록 →", "Next →")))</a>")
        }
        body += "<p class=\"links\">" + neighbours.joined(separator: " · ") + "</p>" + back
        return self.page(visit, title: t("접속기록 #\(sequence)", "Access record #\(sequence)"), body: body)
    }

    /// The monthly review of `month` (default: this month, KST), built as `pii-guard audit report` builds it: records
    /// before the month teach which addresses each account used, the month's records are reviewed.
    func reportPage(_ visit: StepUpRoutes.Visit, _ request: Request) async throws -> Response {
        if let refusal = try await self.refusal(visit, here: Self.here(request)) { return refusal }
        let t = visit.language.t
        let month = AuditQuery.values(request.uri.query)["month"].map { $0.trimmingCharacters(in: .whitespaces) }
            ?? AuditTime.month(of: visit.now)
        let back = "<p class=\"links\"><a href=\"/__guard/audit\">\(Escape.markup(t("← 접속기록 목록", "← All records")))</a></p>"
        let interval: DateInterval
        do {
            interval = try AuditReport.interval(month: month)
        } catch {
            return self.page(visit, title: t("잘못된 월입니다", "Invalid month"), body: Pages.alert(t(
                "월은 YYYY-MM 형식이어야 합니다(예: 2026-10): \(month)", "The month must be YYYY-MM (e.g. 2026-10): \(month)")) + back,
                status: .badRequest)
        }
        var history = AuditHistory.empty
        var records: [AuditRecord] = []
        var after: Int64? = nil
        while true {
            let rows = try await self.log.query(AuditLogFilter(until: interval.end, afterSequence: after), limit: Self.reportBatch)
            for row in rows {
                guard let record = try? AuditRecord(row: row) else {
                    // As the command line: a review over records that cannot be read would be a wrong review.
                    return self.page(visit, title: t("보고서를 만들 수 없습니다", "The review cannot be built"), body: Pages.alert(t(
                        "기록 #\(row.sequence)의 내용을 읽을 수 없어 \(month) 점검 보고서를 만들 수 없습니다. 목록의 무결성 검사 결과를 확인하세요.",
                        "Record #\(row.sequence) cannot be read, so the \(month) review cannot be built. Check the chain status on the list.")) + back,
                        status: .internalServerError)
                }
                if record.at < interval.start { history.add(record) } else { records.append(record) }
            }
            guard let last = rows.last, rows.count == Self.reportBatch else { break }
            after = last.sequence
        }
        let report: AuditReport
        do {
            report = try AuditReport.make(month: month, records: records, history: history)
        } catch {
            return self.page(visit, title: t("잘못된 월입니다", "Invalid month"), body: Pages.alert(error.description) + back,
                             status: .badRequest)
        }
        return self.routes.html(report.html(), visit)
    }
}
