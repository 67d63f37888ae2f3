import ExportVault
import Foundation
import GuardProxy
import HTTPTypes
import Hummingbird
import NIOCore
import SecondFactorWeb
import TextEscaping

/// The download-reason pages and API under `/__guard/`: `export` (the form), `export/ready` (the download, and a
/// generated password shown once) and `api/export` for scripts (docs/API.md).
///
/// Both need a valid second-factor proof for this session and address, like the menu the file comes from. They
/// check the reason and the password policy, then issue a ticket (`ExportTickets`) for exactly one download of that
/// address; the gate redeems it and the transformer encrypts the file with the password.
public struct ExportRoutes: Sendable {
    let routes: StepUpRoutes
    let tickets: ExportTickets
    let route: @Sendable (_ site: String, _ path: String) -> ExportRoute?
    let passwordPolicy: PasswordPolicy

    public init(stepUp: StepUp, tickets: ExportTickets, route: @escaping @Sendable (String, String) -> ExportRoute?,
                passwordPolicy: PasswordPolicy) {
        self.routes = StepUpRoutes(stepUp: stepUp)
        self.tickets = tickets
        self.route = route
        self.passwordPolicy = passwordPolicy
    }

    static let banner = (ko: "개인정보 파일 보호 다운로드", en: "Protected personal-data download")

    public func register(on group: RouterGroup<GuardRequestContext>) {
        group.get("export") { request, context in
            try await self.routes.page(request, context) { visit, _ in try await self.formPage(visit) }
        }
        group.post("export") { request, context in
            try await self.routes.form(request, context) { visit, fields in try await self.submit(visit, fields) }
        }
        group.get("export/ready") { request, context in
            try await self.routes.page(request, context) { visit, _ in
                try await self.readyPage(visit, ticketID: ExportTickets.ticketID(in: request.headers))
            }
        }
        group.post("api/export") { request, context in
            await APIRoutes(routes: self.routes).call(request, context) { visit, body in try await self.api(visit, body) }
        }
    }

    // MARK: Pages

    /// Where the visit's `next` stands: its menu, or a page explaining it is not a protected download.
    func target(_ visit: StepUpRoutes.Visit) -> (path: String, route: ExportRoute)? {
        let path = String(visit.next.split(separator: "?", maxSplits: 1).first ?? "/")
        guard visit.next != "/", let route = self.route(visit.site, path) else { return nil }
        return (path, route)
    }

    func formPage(_ visit: StepUpRoutes.Visit, values: [String: String] = [:], error: String? = nil,
                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let t = visit.language.t
        guard let (_, route) = self.target(visit) else { return self.notAnExport(visit) }
        guard try await self.routes.proofIsValid(visit, account: visit.account!) else {
            return self.routes.redirect(StepUp.verifyURL(next: ExportGate.reasonURL(target: visit.next)), visit)
        }
        let common = self.routes.common(visit)
        let reasons: [(String, String)] = [
            ("shipping", t("배송 처리", "Shipping")), ("exchange_return", t("교환·반품 처리", "Exchange or return")),
            ("customer_inquiry", t("고객 문의 대응", "Customer inquiry")), ("settlement", t("정산", "Settlement")),
            ("other", t("기타", "Other")),
        ]
        let chosen = values["reason"] ?? ""
        let radios = reasons.map { code, label in
            "<label><input type=\"radio\" name=\"reason\" value=\"\(code)\"\(chosen == code ? " checked" : "") required> \(Escape.markup(label))</label>"
        }.joined()
        let mode = values["password_mode"] ?? "typed"
        let rule = visit.language == .ko ? self.passwordPolicy.rule(.ko) : self.passwordPolicy.rule(.en)
        let body = """
            <p>\(Escape.markup(t("‘\(route.menu)’ 메뉴의 파일에는 고객 개인정보가 담겨 있습니다. 내려받는 사유를 남기고, 파일을 열 때 쓸 비밀번호를 정해 주세요. 파일은 비밀번호로 암호화된 엑셀(.xlsx)로만 받을 수 있습니다.", "This file from ‘\(route.menu)’ holds customers’ personal data. State why you download it and set the password that will open it; it is delivered only as a password-encrypted Excel workbook (.xlsx).")))</p>
            \(Pages.alert(error))
            \(Pages.formHeader("/__guard/export", common))
            <fieldset><legend>\(t("다운로드 사유", "Download reason"))</legend>\(radios)
            <label for="reason_text">\(t("기타 사유 (기타를 고른 경우)", "Other reason (when “Other”)"))</label>
            <input type="text" id="reason_text" name="reason_text" maxlength="\(ExportReason.maxOtherLength)" value="\(Escape.markup(values["reason_text"] ?? ""))">
            </fieldset>
            <fieldset><legend>\(t("파일 비밀번호", "File password"))</legend>
            <label><input type="radio" name="password_mode" value="typed"\(mode == "typed" ? " checked" : "")> \(t("직접 정하기", "Set my own"))</label>
            <label for="password">\(t("비밀번호", "Password"))</label>
            <input type="password" id="password" name="password" autocomplete="new-password" maxlength="\(PasswordPolicy.maxLength)">
            <label for="password_confirm">\(t("비밀번호 확인", "Password again"))</label>
            <input type="password" id="password_confirm" name="password_confirm" autocomplete="new-password" maxlength="\(PasswordPolicy.maxLength)">
            <p class="hint">\(Escape.markup(t("규칙: ", "Rule: ") + rule))</p>
            <label><input type="radio" name="password_mode" value="generated"\(mode == "generated" ? " checked" : "")> \(t("자동으로 만들기 (다음 화면에 한 번만 보여 드립니다)", "Generate one for me (shown once, on the next page)"))</label>
            </fieldset>
            <button type="submit">\(t("암호화된 파일 준비", "Prepare the encrypted file"))</button>
            </form>
            <p class="hint">\(Escape.markup(t("사유와 다운로드 기록(계정, 시각, 접속 IP, 행 수, 파일 지문)은 개인정보 접속기록으로 보관됩니다. 비밀번호는 기록되지 않습니다.", "The reason and the download (account, time, IP address, row count, file fingerprint) are kept in the access records. The password is not.")))</p>
            """
        return self.routes.html(Pages.layout(visit.language, title: t("다운로드 사유와 파일 비밀번호", "Download reason and file password"),
                                             account: visit.account, body: body, banner: Self.banner), visit, status: status)
    }

    func submit(_ visit: StepUpRoutes.Visit, _ fields: [String: String]) async throws -> Response {
        guard let (_, route) = self.target(visit) else { return self.notAnExport(visit) }
        guard try await self.routes.proofIsValid(visit, account: visit.account!) else {
            return self.routes.redirect(StepUp.verifyURL(next: ExportGate.reasonURL(target: visit.next)), visit)
        }
        let language = visit.language
        do {
            let generated = fields["password_mode"] == "generated"
            let (issued, _, _) = try await self.issue(
                visit, target: visit.next, route: route, reasonCode: fields["reason"] ?? "", reasonText: fields["reason_text"],
                password: generated ? nil : fields["password"] ?? "", confirmation: fields["password_confirm"] ?? "")
            var response = self.routes.redirect("/__guard/export/ready", visit)
            response.headers.append(HTTPField(name: .setCookie, value: ExportTickets.setCookie(
                issued.id, maxAge: Int(self.tickets.lifetime.components.seconds))))
            return response
        } catch let error as ExportPolicyError {
            var values = fields
            values["password"] = nil
            values["password_confirm"] = nil
            return try await self.formPage(visit, values: values, error: language == .ko ? error.korean : error.english,
                                           status: .badRequest)
        }
    }

    /// The one way the page and the API issue a ticket: the reason and the password checked (or a password generated
    /// when `password` is nil; a form's second entry must match), then stored for exactly `target`.
    func issue(_ visit: StepUpRoutes.Visit, target: String, route: ExportRoute, reasonCode: String, reasonText: String?,
               password typed: String?, confirmation: String?) async throws -> (ExportTickets.Issued, ExportReason, String) {
        let reason = try ExportReason(code: reasonCode, text: reasonText)
        let password: String
        if let typed {
            try self.passwordPolicy.check(typed)
            if let confirmation, confirmation != typed { throw ExportPolicyError(.passwordMismatch) }
            password = typed
        } else {
            password = self.passwordPolicy.generate()
        }
        let issued = try await self.tickets.issue(
            site: visit.site, account: visit.account!, sessionHash: visit.session.hash, clientAddress: visit.client.description,
            target: target, menuID: route.menuID, menu: route.menu, reason: reason, password: password,
            generated: typed == nil, now: visit.now)
        return (issued, reason, password)
    }

    func readyPage(_ visit: StepUpRoutes.Visit, ticketID: String?) async throws -> Response {
        let t = visit.language.t
        guard let ticketID, !visit.session.isNew,
              let (ticket, password) = try await self.tickets.showOnce(
                  id: ticketID, sessionHash: visit.session.hash, clientAddress: visit.client.description, now: visit.now)
        else {
            return self.routes.html(Pages.layout(visit.language, title: t("준비된 다운로드가 없습니다", "No download is waiting"),
                account: visit.account, body: Pages.alert(t("다운로드 준비가 끝났거나 시간이 지났습니다(준비 후 \(self.minutes)분, 한 번만 받을 수 있습니다). 메뉴에서 다시 ‘엑셀 다운로드’를 눌러 주세요.", "The download was already taken or has expired (it can be taken once, within \(self.minutes) minutes). Use the download button in the menu again.")) + "<p><a class=\"button secondary\" href=\"/\">\(t("판매자 센터로", "Seller admin"))</a></p>", banner: Self.banner),
                visit, status: .notFound)
        }
        let reason = visit.language == .ko ? ticket.reason.korean : ticket.reason.english
        var body = "<dl><dt>\(t("메뉴", "Menu"))</dt><dd>\(Escape.markup(ticket.menu))</dd><dt>\(t("사유", "Reason"))</dt><dd>\(Escape.markup(reason))</dd><dt>\(t("받을 수 있는 시각", "Available until"))</dt><dd>\(Escape.markup(Pages.kst(ticket.expiresAt))) (\(t("한 번", "once")))</dd></dl>"
        if let password {
            body += """
                <div class="info" role="status"><p>\(t("파일 비밀번호", "File password")): <span class="secret">\(Escape.markup(password))</span></p>
                <p class="hint">\(t("이 비밀번호는 지금 한 번만 보여 드립니다. 안전한 곳에 적어 두세요. pii-guard도 판매자 센터도 다시 알려 드릴 수 없습니다.", "This password is shown only now. Keep it somewhere safe: neither pii-guard nor the seller admin can show it again."))</p></div>
                """
        } else if ticket.passwordGenerated {
            body += Pages.alert(t("자동으로 만든 비밀번호는 이미 한 번 보여 드렸습니다.", "The generated password was already shown once."))
        } else {
            body += "<p>\(t("파일은 직접 정하신 비밀번호로 열립니다.", "The file opens with the password you set."))</p>"
        }
        body += "<p><a class=\"button\" href=\"\(Escape.markup(ticket.target))\">\(t("암호화된 엑셀 파일 받기", "Download the encrypted workbook"))</a></p>"
        return self.routes.html(Pages.layout(visit.language, title: t("다운로드 준비가 끝났습니다", "Your download is ready"),
                                             account: visit.account, body: body, banner: Self.banner), visit)
    }

    func notAnExport(_ visit: StepUpRoutes.Visit) -> Response {
        let t = visit.language.t
        return self.routes.html(Pages.message(
            visit.language, title: t("보호된 다운로드가 아닙니다", "Not a protected download"),
            detail: t("이 주소는 개인정보 메뉴의 파일이 아닙니다.", "This address is not a file of a personal-information menu."),
            link: ("/", t("판매자 센터로", "Seller admin"))), visit, status: .badRequest)
    }

    var minutes: Int { Int(self.tickets.lifetime.components.seconds / 60) }

    // MARK: API

    struct ExportTicketBody: Encodable {
        let ticket: String
        let downloadURL: String
        let header: String
        let expiresAt: Date
        let password: String?
        let reason: String
        enum CodingKeys: String, CodingKey {
            case ticket, downloadURL = "download_url", header, expiresAt = "expires_at", password, reason
        }
    }

    func api(_ visit: StepUpRoutes.Visit, _ body: ByteBuffer) async throws -> Response {
        let api = APIRoutes(routes: self.routes)
        let input = try api.parse(body, APIBodies.export)
        let target = StepUp.safeNext(input.path)
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "/")
        guard target != "/", let route = self.route(visit.site, path) else {
            throw APIRoutes.Failure(status: .badRequest, code: "not_an_export",
                                    korean: "이 경로는 개인정보 메뉴의 파일이 아닙니다.", english: "The path is not a file of a personal-information menu.")
        }
        guard try await self.routes.proofIsValid(visit, account: visit.account!) else {
            throw APIRoutes.Failure(status: .unauthorized, code: "second_factor_required",
                                    korean: "추가 인증이 필요합니다.", english: "Verify with your second factor first.")
        }
        do {
            let generated = input.generatePassword ?? (input.password == nil)
            let (issued, reason, password) = try await self.issue(
                visit, target: target, route: route, reasonCode: input.reason, reasonText: input.reasonText,
                password: generated ? nil : input.password ?? "", confirmation: nil)
            return StepUpRoutes.json(ExportTicketBody(
                ticket: issued.id, downloadURL: target, header: ExportTickets.headerName.rawName, expiresAt: issued.expiresAt,
                password: generated ? password : nil, reason: reason.code), status: .created)
        } catch let error as ExportPolicyError {
            throw APIRoutes.Failure(status: .badRequest, code: error.code.rawValue, korean: error.korean, english: error.english)
        }
    }
}
