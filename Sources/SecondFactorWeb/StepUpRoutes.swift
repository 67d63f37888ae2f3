import AccountIdentity
import Foundation
import GuardProxy
import HTTPTypes
import Hummingbird
import NIOCore
import SecondFactor

/// The second factor's pages and JSON API under `/__guard/`.
///
/// Pages: `verify`, `challenge`, `enroll`, `enroll/confirm`, `settings`, `settings/cycle`, `logout`, `superseded`, and
/// `dev/outbox` in the demo. API (docs/API.md): `api/session`, `api/enroll`, `api/enroll/confirm`, `api/challenge`,
/// `api/verify`, `api/settings`, `api/logout`. Both run the same `SecondFactorService` flows. Every state-changing page
/// request needs the session's CSRF token; every state-changing API call must be JSON (which a cross-site form
/// cannot send without a CORS preflight the guard never grants) and, when the browser names an origin, same-origin.
public struct StepUpRoutes: Sendable {
    package let stepUp: StepUp

    public init(stepUp: StepUp) { self.stepUp = stepUp }

    /// What every handler needs to know about the request.
    package struct Visit {
        package let site: String
        package let language: PageLanguage
        package let session: GuardSession
        package let client: IPAddress
        package let identity: IdentityResult
        package let next: String
        package let now: Date

        package var account: String? {
            if case .known(let identity) = self.identity { return identity.account }
            return nil
        }
        var accountEmail: String? {
            if case .known(let identity) = self.identity { return identity.email }
            return nil
        }

        /// The same visit under a new session id, for a request that grants a proof (`GuardSession.renewed()`):
        /// the proof goes to the new id, the answer sets its cookie (`html`, `redirect` and the API do when the
        /// session `isNew`), and the CSRF token of the pages that follow derives from it.
        package func renewingSession() -> Visit {
            Visit(site: self.site, language: self.language, session: self.session.renewed(), client: self.client,
                  identity: self.identity, next: self.next, now: self.now)
        }

        /// The session this visit came with, when the browser sent one: its proof ends when a renewed one is granted.
        package var previousProofSession: ProofSession? {
            self.session.isNew ? nil : ProofSession(sessionHash: self.session.hash, site: self.site)
        }
    }

    public func register(on group: RouterGroup<GuardRequestContext>) {
        group.get("verify") { request, context in try await self.page(request, context) { try await self.verifyPage($0, $1) } }
        group.post("verify") { request, context in try await self.form(request, context) { try await self.verifySubmit($0, $1) } }
        group.post("challenge") { request, context in try await self.form(request, context) { try await self.challengeSubmit($0, $1) } }
        group.get("enroll") { request, context in try await self.page(request, context) { try await self.enrollPage($0, $1) } }
        group.post("enroll") { request, context in try await self.form(request, context) { try await self.enrollSubmit($0, $1) } }
        group.get("enroll/confirm") { request, context in try await self.page(request, context) { try await self.confirmPage($0, $1) } }
        group.post("enroll/confirm") { request, context in try await self.form(request, context) { try await self.confirmSubmit($0, $1) } }
        group.post("enroll/resend") { request, context in try await self.form(request, context) { try await self.resendSubmit($0, $1) } }
        group.get("settings") { request, context in try await self.page(request, context) { try await self.settingsPage($0, $1) } }
        group.post("settings/cycle") { request, context in try await self.form(request, context) { try await self.cycleSubmit($0, $1) } }
        group.post("logout") { request, context in try await self.form(request, context) { try await self.logoutSubmit($0, $1) } }
        group.get("superseded") { request, context in try await self.page(request, context) { visit, _ in
            self.html(Pages.superseded(self.common(visit)), visit)
        } }
        if let outbox = self.stepUp.outbox {
            group.get("dev/outbox") { request, _ -> Response in
                if ErrorPage.prefersJSON(request.headers[.accept]) {
                    let items = outbox.messages.map {
                        OutboxJSON(kind: $0.kind.rawValue, at: $0.at, account: $0.account, channel: $0.channel,
                                   destination: $0.destination, code: $0.code)
                    }
                    return Self.json(items, status: .ok)
                }
                return Self.htmlResponse(Pages.outbox(outbox.messages), status: .ok)
            }
        }
        APIRoutes(routes: self).register(on: group)
    }

    // MARK: Request plumbing

    /// Builds the visit; pages without a logged-in admin user, or with the identity source down, end here.
    package func visit(_ request: Request, _ context: GuardRequestContext, fields: [String: String] = [:]) async -> Visit? {
        guard let site = self.stepUp.siteForHost(request.head.authority ?? "") else { return nil }
        let client = HeaderPolicy.clientAddress(peer: context.peer, headers: request.headers,
                                                trusted: self.stepUp.trustedProxies)
        guard let client else { return nil }
        let identity = await self.stepUp.identity(site: site, headers: request.headers, peer: client)
        let language: PageLanguage = ErrorPage.prefersEnglish(request.headers[.acceptLanguage]) ? .en : .ko
        let next = StepUp.safeNext(fields["next"] ?? request.uri.queryParameters["next"].map(String.init))
        return Visit(site: site, language: language, session: GuardSession.from(request.headers), client: client,
                     identity: identity, next: next, now: self.stepUp.clock())
    }

    package func page(_ request: Request, _ context: GuardRequestContext,
              _ handler: (Visit, [String: String]) async throws -> Response) async throws -> Response {
        guard let visit = await self.visit(request, context) else {
            return ErrorPage.response(.policyUnavailable, requestID: context.requestID, request: request.headers)
        }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where query[String(name)] == nil {
            query[String(name)] = String(value)
        }
        return try await self.guarded(visit, context: context, request: request) { try await handler(visit, query) }
    }

    package func form(_ request: Request, _ context: GuardRequestContext,
              _ handler: (Visit, [String: String]) async throws -> Response) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let fields = FormFields.parse(String(buffer: body))
        guard let visit = await self.visit(request, context, fields: fields) else {
            return ErrorPage.response(.policyUnavailable, requestID: context.requestID, request: request.headers)
        }
        guard Self.sameOrigin(request), visit.session.acceptsCSRF(fields["csrf"], key: self.stepUp.keys.csrf) else {
            let t = visit.language.t
            return self.html(Pages.message(
                visit.language, title: t("요청을 처리할 수 없습니다", "The form has expired"),
                detail: t("보안 확인 값이 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
                          "The form’s security check did not match. Reload the page and try again."),
                link: (StepUp.verifyURL(next: visit.next), t("다시 시도", "Try again"))), visit, status: .forbidden)
        }
        return try await self.guarded(visit, context: context, request: request) { try await handler(visit, fields) }
    }

    /// Identity checks every page shares, and the store failing closed.
    package func guarded(_ visit: Visit, context: GuardRequestContext, request: Request,
                 _ body: () async throws -> Response) async throws -> Response {
        switch visit.identity {
        case .anonymous: return self.html(Pages.loginFirst(visit.language, next: "/"), visit, status: .unauthorized)
        case .unavailable:
            return ErrorPage.response(.policyUnavailable, requestID: context.requestID, request: request.headers)
        case .known: break
        }
        do {
            return try await body()
        } catch let error as SecondFactorError {
            if case .locked(let until) = error {
                let scopes = (try? await self.stepUp.service.lockStatus(
                    account: visit.account ?? "", clientAddress: visit.client.description, now: visit.now))??.scopes ?? [.account]
                return self.html(Pages.locked(visit.language, until: until, scopes: scopes, account: visit.account,
                                              clientAddress: visit.client.description), visit,
                                 status: .tooManyRequests, retryAfter: until.timeIntervalSince(visit.now))
            }
            throw error
        } catch {
            self.stepUp.logger.error("second-factor page failed", metadata: ["error.type": "\(type(of: error))"])
            return ErrorPage.response(.policyUnavailable, requestID: context.requestID, request: request.headers)
        }
    }

    package static func sameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" { return false }
        guard let origin = request.headers[.origin] else { return true }
        return origin == "https://\(request.head.authority ?? "")"
    }

    package func common(_ visit: Visit) -> Pages.Common {
        Pages.Common(language: visit.language, csrf: visit.session.csrfToken(key: self.stepUp.keys.csrf), next: visit.next,
                     account: visit.account)
    }

    package func html(_ page: String, _ visit: Visit, status: HTTPResponse.Status = .ok, retryAfter: TimeInterval? = nil) -> Response {
        var response = Self.htmlResponse(page, status: status)
        if visit.session.isNew { response.headers[.setCookie] = visit.session.setCookie }
        if let retryAfter { response.headers[.retryAfter] = String(max(1, Int(retryAfter.rounded(.up)))) }
        return response
    }

    package static func htmlResponse(_ page: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: Self.pageHeaders, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    package static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
    ]

    package func redirect(_ location: String, _ visit: Visit) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        if visit.session.isNew { response.headers[.setCookie] = visit.session.setCookie }
        return response
    }

    var minutes: Int { Int(self.stepUp.codeValidity.components.seconds / 60) }

    /// The lock's length in words: `2시간`, `90분` / `2 hours`, `90 minutes`.
    func lockText(_ language: PageLanguage) -> String {
        let minutes = Int(self.stepUp.service.lockout.lockDuration.components.seconds / 60)
        if minutes % 60 == 0 {
            let hours = minutes / 60
            return language == .ko ? "\(hours)시간" : "\(hours) hour\(hours == 1 ? "" : "s")"
        }
        return language == .ko ? "\(minutes)분" : "\(minutes) minutes"
    }

    package func proofIsValid(_ visit: Visit, account: String) async throws -> Bool {
        guard !visit.session.isNew else { return false }
        let verdict = try await self.stepUp.service.check(
            account: account, sessionHash: visit.session.hash, site: visit.site, clientAddress: visit.client.description,
            now: visit.now)
        return verdict == .valid
    }

    // MARK: Verify

    func verifyPage(_ visit: Visit, _ fields: [String: String], notice: String? = nil, error: String? = nil,
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let account = visit.account!
        guard let registration = try await self.stepUp.service.registration(account: account, now: visit.now) else {
            return self.redirect("/__guard/enroll?" + StepUp.query([("next", visit.next)]), visit)
        }
        if let until = try await self.stepUp.service.lockedUntil(account: account, clientAddress: visit.client.description,
                                                                now: visit.now) {
            throw SecondFactorError.locked(until: until)
        }
        if notice == nil, error == nil, fields["sent"] == nil, fields["error"] == nil,
            try await self.proofIsValid(visit, account: account) {
            return self.redirect(visit.next, visit)
        }
        let t = visit.language.t
        var notice = notice
        var error = error
        if notice == nil, let sent = fields["sent"], ["sms", "messenger", "email"].contains(sent) {
            notice = t("새 인증번호를 \(Pages.sentTo(sent, registration: registration, .ko))(으)로 보냈습니다. \(self.minutes)분 안에 입력해 주세요. 전에 받은 인증번호는 이제 쓸 수 없습니다.",
                       "We sent a new code to \(Pages.sentTo(sent, registration: registration, .en)). Enter it within \(self.minutes) minutes; codes sent before no longer work.")
            if fields["fallback"] == "1" {
                notice = t("메신저로 보낼 수 없어(수신 번호 변경 또는 미가입) 비상 이메일로 보냈습니다. ",
                           "The messenger could not deliver (number changed or not a user), so we used your emergency e-mail. ") + notice!
            }
        }
        if error == nil, let code = fields["error"] {
            switch code {
            case "wrong_code":
                let left = try await self.stepUp.service.remainingAttempts(
                    account: account, clientAddress: visit.client.description, now: visit.now)
                error = t("인증번호가 맞지 않거나 시간이 지났습니다. 다시 입력하거나 새 인증번호를 받아 주세요. \(left)번 더 틀리면 \(self.lockText(.ko)) 동안 잠깁니다.",
                          "That code is wrong or has expired. Type it again or ask for a new one. \(left) more wrong code\(left == 1 ? " locks" : "s lock") verification for \(self.lockText(.en)).")
            case "delivery_failed":
                error = t("인증번호를 보내지 못했습니다. 잠시 후 다시 시도하거나 비상 이메일로 받아 주세요.",
                          "The code could not be sent. Try again in a moment, or have it e-mailed.")
            default: break
            }
        }
        let reason = notice == nil && error == nil ? fields["reason"] : nil
        let nextPath = String(visit.next.split(separator: "?", maxSplits: 1).first ?? "/")
        let menuHint = self.stepUp.protectedMenu(visit.site, nextPath).map {
            visit.language.t("인증하면 ‘\($0)’ 메뉴로 돌아갑니다.", "After verifying you return to ‘\($0)’.")
        }
        let page = Pages.verify(self.common(visit), registration: registration, menuHint: menuHint, reason: reason,
                                notice: notice, error: error, minutes: self.minutes)
        return self.html(page, visit, status: status)
    }

    func verifySubmit(_ visit: Visit, _ fields: [String: String]) async throws -> Response {
        let code = (fields["code"] ?? "").filter { !$0.isWhitespace && $0 != "-" }
        do {
            // The proof goes to a new session id (against fixation); the redirect sets its cookie.
            let renewed = visit.renewingSession()
            try await self.stepUp.service.verify(
                account: visit.account!, sessionHash: renewed.session.hash, site: visit.site,
                clientAddress: visit.client.description, code: code, now: visit.now,
                replacing: visit.previousProofSession?.sessionHash)
            self.stepUp.verdicts.forget(account: visit.account!, site: visit.site)
            return self.redirect(renewed.next, renewed)
        } catch SecondFactorError.wrongCode {
            // Post/redirect/get: reloading the answer must not submit the wrong code again.
            return self.redirect("/__guard/verify?" + StepUp.query([("next", visit.next), ("error", "wrong_code")]), visit)
        } catch SecondFactorError.notRegistered {
            return self.redirect("/__guard/enroll?" + StepUp.query([("next", visit.next)]), visit)
        }
    }

    func challengeSubmit(_ visit: Visit, _ fields: [String: String]) async throws -> Response {
        let emergency = fields["emergency"] == "1"
        guard try await self.stepUp.service.registration(account: visit.account!, now: visit.now) != nil else {
            return self.redirect("/__guard/enroll?" + StepUp.query([("next", visit.next)]), visit)
        }
        // Post/redirect/get: reloading the page that says "sent" must not send another code.
        do {
            let (channel, fallback) = try await self.stepUp.service.sendVerificationCode(
                account: visit.account!, clientAddress: visit.client.description, emergency: emergency, now: visit.now)
            var items = [("next", visit.next), ("sent", channel)]
            if fallback != nil { items.append(("fallback", "1")) }
            return self.redirect("/__guard/verify?" + StepUp.query(items), visit)
        } catch SecondFactorError.deliveryFailed {
            return self.redirect("/__guard/verify?" + StepUp.query([("next", visit.next), ("error", "delivery_failed")]), visit)
        }
    }

    // MARK: Enrol

    func enrollPage(_ visit: Visit, _ fields: [String: String], values: Pages.EnrollValues = .init(), error: String? = nil,
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let account = visit.account!
        let registered = try await self.stepUp.service.registration(account: account, now: visit.now) != nil
        if registered, try !(await self.proofIsValid(visit, account: account)) {
            // Changing registered information needs a fresh proof.
            return self.redirect(StepUp.verifyURL(next: "/__guard/enroll?" + StepUp.query([("next", visit.next)])), visit)
        }
        let page = Pages.enroll(self.common(visit), channels: self.stepUp.channels, values: values, isChange: registered,
                                error: error)
        return self.html(page, visit, status: status)
    }

    func enrollSubmit(_ visit: Visit, _ fields: [String: String]) async throws -> Response {
        let account = visit.account!
        let t = visit.language.t
        let values = Pages.EnrollValues(channel: fields["channel"].flatMap(FactorChannel.init(rawValue:)),
                                        phone: fields["phone"] ?? "", email: fields["email"] ?? "")
        guard let channel = values.channel, self.stepUp.channels.contains(channel) else {
            return try await self.enrollPage(visit, fields, values: values,
                                             error: t("인증 수단을 골라 주세요.", "Choose how you verify."), status: .badRequest)
        }
        if try await self.stepUp.service.registration(account: account, now: visit.now) != nil,
            try !(await self.proofIsValid(visit, account: account)) {
            return self.redirect(StepUp.verifyURL(next: "/__guard/enroll"), visit)
        }
        do {
            _ = try await self.stepUp.service.beginEnrollment(
                account: account, accountEmail: visit.accountEmail, channel: channel,
                phone: channel == .totp ? nil : values.phone, emergencyEmail: values.email,
                clientAddress: visit.client.description, now: visit.now)
        } catch let error as RegistrationError {
            return try await self.enrollPage(visit, fields, values: values,
                                             error: visit.language == .ko ? error.korean : error.english, status: .badRequest)
        } catch SecondFactorError.deliveryFailed {
            return try await self.enrollPage(visit, fields, values: values, error: t(
                "확인 코드를 보내지 못했습니다. 번호와 이메일을 확인하고 잠시 후 다시 시도해 주세요.",
                "The confirmation code could not be sent. Check the number and e-mail and try again in a moment."),
                status: .badGateway)
        }
        return self.redirect("/__guard/enroll/confirm?" + StepUp.query([("next", visit.next)]), visit)
    }

    func confirmPage(_ visit: Visit, _ fields: [String: String], error: String? = nil,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let (registration, provisioning, emailConfirmed) = try await self.stepUp.service.pendingEnrollment(
            account: visit.account!, now: visit.now)
        else {
            return self.redirect("/__guard/enroll?" + StepUp.query([("next", visit.next)]), visit)
        }
        let t = visit.language.t
        var error = error
        if error == nil, fields["error"] == "delivery_failed" {
            error = t("코드를 보내지 못했습니다. 잠시 후 다시 시도해 주세요.", "The codes could not be sent. Try again in a moment.")
        }
        if error == nil, fields["error"] == "wrong_code" {
            let left = try await self.stepUp.service.remainingAttempts(
                account: visit.account!, clientAddress: visit.client.description, now: visit.now)
            error = t("입력한 코드 중 맞지 않는 것이 있습니다. 이메일 코드가 맞았다면 그 코드는 기억해 두었습니다. \(left)번 더 틀리면 \(self.lockText(.ko)) 동안 잠깁니다.",
                      "One of the codes is wrong. If the e-mail code was right, it is remembered. \(left) more wrong code\(left == 1 ? " locks" : "s lock") registration for \(self.lockText(.en)).")
        }
        let notice: String? = switch fields["sent"] {
        case "1": t("확인 코드를 다시 보냈습니다. 전에 받은 코드는 이제 쓸 수 없습니다.", "We sent the codes again; earlier ones no longer work.")
        case "none": t("이메일 코드는 이미 확인되었으므로 다시 보내지 않았습니다. 인증 앱의 숫자만 입력하세요.",
                       "Your e-mail code was already confirmed, so nothing was sent; just type the number from your app.")
        default: nil
        }
        let page = Pages.enrollConfirm(self.common(visit), registration: registration, provisioning: provisioning,
                                       emailConfirmed: emailConfirmed, minutes: self.minutes, notice: notice, error: error)
        return self.html(page, visit, status: status)
    }

    func confirmSubmit(_ visit: Visit, _ fields: [String: String]) async throws -> Response {
        let t = visit.language.t
        do {
            // As in `verifySubmit`: the proof this grants goes to a new session id.
            let renewed = visit.renewingSession()
            try await self.stepUp.service.completeEnrollment(
                account: visit.account!, emailCode: Self.digits(fields["email_code"]),
                channelCode: Self.digits(fields["channel_code"]), clientAddress: visit.client.description,
                now: visit.now, session: ProofSession(sessionHash: renewed.session.hash, site: visit.site),
                replacing: visit.previousProofSession)
            self.stepUp.verdicts.forget(account: visit.account!, site: visit.site)
            return self.redirect(renewed.next, renewed)
        } catch SecondFactorError.wrongCode {
            return self.redirect("/__guard/enroll/confirm?" + StepUp.query([("next", visit.next), ("error", "wrong_code")]), visit)
        } catch SecondFactorError.noEnrollment {
            return self.redirect("/__guard/enroll?" + StepUp.query([("next", visit.next)]), visit)
        }
    }

    func resendSubmit(_ visit: Visit, _ fields: [String: String]) async throws -> Response {
        do {
            let sent = try await self.stepUp.service.resendEnrollmentCodes(
                account: visit.account!, clientAddress: visit.client.description, now: visit.now)
            if !sent {
                return self.redirect("/__guard/enroll/confirm?" + StepUp.query([("next", visit.next), ("sent", "none")]), visit)
            }
        } catch SecondFactorError.noEnrollment {
            return self.redirect("/__guard/enroll?" + StepUp.query([("next", visit.next)]), visit)
        } catch SecondFactorError.deliveryFailed {
            return self.redirect("/__guard/enroll/confirm?" + StepUp.query([("next", visit.next), ("error", "delivery_failed")]), visit)
        }
        return self.redirect("/__guard/enroll/confirm?" + StepUp.query([("next", visit.next), ("sent", "1")]), visit)
    }

    static func digits(_ text: String?) -> String { (text ?? "").filter { !$0.isWhitespace && $0 != "-" } }

    // MARK: Settings

    func settingsPage(_ visit: Visit, _ fields: [String: String], notice: String? = nil, error: String? = nil) async throws
        -> Response
    {
        let account = visit.account!
        guard let registration = try await self.stepUp.service.registration(account: account, now: visit.now) else {
            return self.redirect("/__guard/enroll?" + StepUp.query([("next", "/__guard/settings")]), visit)
        }
        guard try await self.proofIsValid(visit, account: account) else {
            return self.redirect(StepUp.verifyURL(next: "/__guard/settings"), visit)
        }
        let status = try await self.stepUp.service.proofStatus(
            account: account, session: ProofSession(sessionHash: visit.session.hash, site: visit.site), now: visit.now)
        let t = visit.language.t
        let notice = notice ?? (fields["saved"] == "cycle"
            ? t("인증 주기를 저장했습니다. 등록된 비상 이메일로 변경 알림을 보냈습니다.", "Cycle saved. Your emergency e-mail was told of the change.")
            : nil)
        let error = error ?? (fields["error"] == "cycle" ? t("고를 수 없는 인증 주기입니다.", "That cycle is not allowed.") : nil)
        let page = Pages.settings(self.common(visit), registration: registration, status: status,
                                  guardCycle: self.stepUp.proofPolicy.cycle, notice: notice, error: error)
        return self.html(page, visit)
    }

    func cycleSubmit(_ visit: Visit, _ fields: [String: String]) async throws -> Response {
        guard try await self.proofIsValid(visit, account: visit.account!) else {
            return self.redirect(StepUp.verifyURL(next: "/__guard/settings"), visit)
        }
        let choice = fields["cycle"] ?? "default"
        // The same range check as the API, before the number is multiplied (a hand-made form may send any digits).
        var cycle: Duration? = nil
        if choice != "default" {
            guard let minutes = Int(choice),
                  let seconds = try? APIBodies.cycleSeconds(minutes: minutes, longestCycleMinutes: APIRoutes(routes: self).longestCycleMinutes)
            else { return self.redirect("/__guard/settings?error=cycle", visit) }
            cycle = .seconds(seconds)
        }
        do {
            try await self.stepUp.service.setCycle(account: visit.account!, cycle: cycle,
                                                   clientAddress: visit.client.description, now: visit.now)
            self.stepUp.verdicts.forget(account: visit.account!, site: visit.site)
        } catch SecondFactorError.invalidCycle {
            return self.redirect("/__guard/settings?error=cycle", visit)
        }
        return self.redirect("/__guard/settings?saved=cycle", visit)
    }

    func logoutSubmit(_ visit: Visit, _ fields: [String: String]) async throws -> Response {
        try await self.stepUp.service.endProof(session: ProofSession(sessionHash: visit.session.hash, site: visit.site))
        self.stepUp.verdicts.forget(account: visit.account!, site: visit.site)
        return self.redirect("/", visit)
    }

    // MARK: JSON

    struct OutboxJSON: Encodable {
        let kind: String
        let at: Date
        let account: String
        let channel: String
        let destination: String
        let code: String?
    }

    package static func json(_ value: some Encodable, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{\"error\":\"internal_error\"}".utf8)
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `application/x-www-form-urlencoded` bodies and GET-form queries (`+` is a space; the first value of a name wins).
package enum FormFields {
    package static func parse(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = parts.first else { continue }
            let name = self.decode(rawName)
            let value = parts.count > 1 ? self.decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    static func decode(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }
}
