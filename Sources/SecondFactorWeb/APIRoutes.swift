import AccountIdentity
import Foundation
import GuardProxy
import HTTPTypes
import Hummingbird
import NIOCore
import SecondFactor

/// The JSON API for scripts and tests (docs/API.md): the same flows and rules as the pages.
package struct APIRoutes: Sendable {
    let routes: StepUpRoutes

    package init(routes: StepUpRoutes) { self.routes = routes }
    var stepUp: StepUp { self.routes.stepUp }

    /// An API failure: HTTP status, a stable code, and a sentence in the caller's language.
    package struct Failure: Error {
        let status: HTTPResponse.Status
        let code: String
        let korean: String
        let english: String
        var lockedUntil: Date? = nil
        /// The body field the failure is about, when it is about one.
        var field: String? = nil

        package init(status: HTTPResponse.Status, code: String, korean: String, english: String, lockedUntil: Date? = nil,
                     field: String? = nil) {
            self.status = status
            self.code = code
            self.korean = korean
            self.english = english
            self.lockedUntil = lockedUntil
            self.field = field
        }
    }

    struct ErrorBody: Encodable {
        let error: String
        let message: String
        let lockedUntil: Date?
        let verifyURL: String?
        var field: String? = nil
        enum CodingKeys: String, CodingKey {
            case error, message, lockedUntil = "locked_until", verifyURL = "verify_url", field
        }
    }

    struct SessionBody: Encodable {
        let account: String
        let registered: Bool
        let channel: String?
        let verified: Bool
        let clientIP: String
        let verifiedAt: Date?
        let idleExpiresAt: Date?
        let cycleExpiresAt: Date?
        let lockedUntil: Date?
        enum CodingKeys: String, CodingKey {
            case account, registered, channel, verified, clientIP = "client_ip", verifiedAt = "verified_at"
            case idleExpiresAt = "idle_expires_at", cycleExpiresAt = "cycle_expires_at", lockedUntil = "locked_until"
        }
    }

    struct EnrollBody: Encodable {
        struct TOTPBody: Encodable {
            let uri: String
            let secret: String
            let qrSVG: String
            enum CodingKeys: String, CodingKey { case uri, secret, qrSVG = "qr_svg" }
        }
        let status = "pending"
        let channel: String
        let totp: TOTPBody?
        let codesSentTo: [String]
        let confirmURL = "/__guard/api/enroll/confirm"
        enum CodingKeys: String, CodingKey { case status, channel, totp, codesSentTo = "codes_sent_to", confirmURL = "confirm_url" }
    }

    struct ChallengeBody: Encodable {
        let channel: String
        let fallbackReason: String?
        let expiresInSeconds: Int
        enum CodingKeys: String, CodingKey { case channel, fallbackReason = "fallback_reason", expiresInSeconds = "expires_in_seconds" }
    }

    func register(on group: RouterGroup<GuardRequestContext>) {
        group.get("api/session") { request, context in
            await self.call(request, context, changesState: false) { visit, _ in try await self.session(visit) }
        }
        group.post("api/enroll") { request, context in
            await self.call(request, context) { visit, body in try await self.enroll(visit, body) }
        }
        group.post("api/enroll/confirm") { request, context in
            await self.call(request, context) { visit, body in
                let input = try self.parse(body, APIBodies.confirm)
                // The proof goes to a new session id (against fixation); the answer sets its cookie.
                let renewed = visit.renewingSession()
                do {
                    try await self.stepUp.service.completeEnrollment(
                        account: visit.account!, emailCode: StepUpRoutes.digits(input.emailCode),
                        channelCode: StepUpRoutes.digits(input.channelCode), clientAddress: visit.client.description,
                        now: visit.now, session: ProofSession(sessionHash: renewed.session.hash, site: visit.site),
                        replacing: visit.previousProofSession)
                    self.stepUp.verdicts.forget(account: visit.account!, site: visit.site)
                } catch SecondFactorError.noEnrollment {
                    throw Failure(status: .conflict, code: "no_enrollment", korean: "진행 중인 등록이 없습니다. 등록을 처음부터 시작해 주세요.",
                                  english: "No registration is in progress; start with POST /__guard/api/enroll.")
                }
                return try await self.session(renewed)
            }
        }
        group.post("api/challenge") { request, context in
            await self.call(request, context) { visit, body in
                let input = try self.parse(body, APIBodies.challenge)
                let (channel, fallback) = try await self.stepUp.service.sendVerificationCode(
                    account: visit.account!, clientAddress: visit.client.description, emergency: input.emergency ?? false,
                    now: visit.now)
                return StepUpRoutes.json(ChallengeBody(
                    channel: channel, fallbackReason: fallback,
                    expiresInSeconds: channel == "totp" ? 30 : Int(self.stepUp.codeValidity.components.seconds)), status: .ok)
            }
        }
        group.post("api/verify") { request, context in
            await self.call(request, context) { visit, body in
                let input = try self.parse(body, APIBodies.verify)
                let renewed = visit.renewingSession()
                try await self.stepUp.service.verify(
                    account: visit.account!, sessionHash: renewed.session.hash, site: visit.site,
                    clientAddress: visit.client.description, code: StepUpRoutes.digits(input.code), now: visit.now,
                    replacing: visit.previousProofSession?.sessionHash)
                self.stepUp.verdicts.forget(account: visit.account!, site: visit.site)
                return try await self.session(renewed)
            }
        }
        group.post("api/settings") { request, context in
            await self.call(request, context) { visit, body in
                // The range is checked here, before the account is read and before any arithmetic on the number.
                let cycleSeconds = try self.parse(body) { data throws(APIBodyError) in
                    try APIBodies.settings(data, longestCycleMinutes: self.longestCycleMinutes)
                }
                guard try await self.stepUp.service.registration(account: visit.account!, now: visit.now) != nil else {
                    throw Self.failure(for: .notRegistered)
                }
                guard try await self.routes.proofIsValid(visit, account: visit.account!) else { throw self.proofRequired(visit) }
                try await self.stepUp.service.setCycle(
                    account: visit.account!, cycle: cycleSeconds.map { .seconds($0) },
                    clientAddress: visit.client.description, now: visit.now)
                self.stepUp.verdicts.forget(account: visit.account!, site: visit.site)
                return try await self.session(visit)
            }
        }
        self.registerMethodErrors(on: group)
        group.post("api/logout") { request, context in
            await self.call(request, context) { visit, _ in
                try await self.stepUp.service.endProof(session: ProofSession(sessionHash: visit.session.hash, site: visit.site))
                self.stepUp.verdicts.forget(account: visit.account!, site: visit.site)
                return try await self.session(visit)
            }
        }
    }

    /// A wrong method on an API path gets 405 with `Allow` and the usual JSON error, not an empty 404.
    func registerMethodErrors(on group: RouterGroup<GuardRequestContext>) {
        let postOnly = ["api/enroll", "api/enroll/confirm", "api/challenge", "api/verify", "api/settings", "api/logout"]
        for path in postOnly {
            for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
                group.on(RouterPath(path), method: method) { request, _ in Self.wrongMethod(request, allow: "POST") }
            }
        }
        for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
            group.on("api/session", method: method) { request, _ in Self.wrongMethod(request, allow: "GET") }
        }
    }

    static func wrongMethod(_ request: Request, allow: String) -> Response {
        let english = ErrorPage.prefersEnglish(request.headers[.acceptLanguage])
        return StepUpRoutes.json(ErrorBody(
            error: "method_not_allowed",
            message: english ? "Use \(allow) for this endpoint; see docs/API.md." : "이 주소는 \(allow) 방식으로만 호출할 수 있습니다. docs/API.md를 참고하세요.",
            lockedUntil: nil, verifyURL: nil), status: .methodNotAllowed, headers: [.allow: allow])
    }

    // MARK: Handlers

    /// The session's state as JSON; a new or renewed session's cookie is set here, so the answer to a call that
    /// granted a proof carries the id it was granted to.
    func session(_ visit: StepUpRoutes.Visit) async throws -> Response {
        let account = visit.account!
        let registration = try await self.stepUp.service.registration(account: account, now: visit.now)
        // A renewed session is new to the browser yet may hold the proof just granted, so it is always read.
        let status = try await self.stepUp.service.proofStatus(
            account: account, session: ProofSession(sessionHash: visit.session.hash, site: visit.site), now: visit.now)
        let verified = status?.isValid(from: visit.client.description, at: visit.now) ?? false
        let locked = try await self.stepUp.service.lockedUntil(account: account, clientAddress: visit.client.description,
                                                               now: visit.now)
        return StepUpRoutes.json(SessionBody(
            account: account, registered: registration != nil, channel: registration?.channel.rawValue,
            verified: verified, clientIP: visit.client.description,
            verifiedAt: verified ? status?.verifiedAt : nil, idleExpiresAt: verified ? status?.idleExpiresAt : nil,
            cycleExpiresAt: verified ? status?.cycleExpiresAt : nil, lockedUntil: locked), status: .ok,
            headers: visit.session.isNew ? [.setCookie: visit.session.setCookie] : [:])
    }

    func enroll(_ visit: StepUpRoutes.Visit, _ body: ByteBuffer) async throws -> Response {
        let input = try self.parse(body, APIBodies.enroll)
        guard let channel = FactorChannel(rawValue: input.channel), self.stepUp.channels.contains(channel) else {
            let offered = self.stepUp.channels.map(\.rawValue).joined(separator: ", ")
            throw Failure(status: .badRequest, code: "channel_unavailable",
                          korean: "쓸 수 없는 인증 수단입니다. 가능한 값: \(offered)",
                          english: "That channel is not offered here; use one of: \(offered)")
        }
        let account = visit.account!
        if try await self.stepUp.service.registration(account: account, now: visit.now) != nil,
            try !(await self.routes.proofIsValid(visit, account: account)) {
            throw self.proofRequired(visit)
        }
        let provisioning = try await self.stepUp.service.beginEnrollment(
            account: account, accountEmail: visit.accountEmail, channel: channel,
            phone: channel == .totp ? nil : input.phone, emergencyEmail: input.emergencyEmail,
            clientAddress: visit.client.description, now: visit.now)
        var sentTo = ["email"]
        if channel != .totp { sentTo.append(channel.rawValue) }
        return StepUpRoutes.json(EnrollBody(
            channel: channel.rawValue,
            totp: provisioning.map {
                .init(uri: $0.uri, secret: $0.groupedSecret.replacingOccurrences(of: " ", with: ""), qrSVG: $0.qrSVG)
            },
            codesSentTo: sentTo), status: .ok)
    }

    // MARK: Plumbing

    func proofRequired(_ visit: StepUpRoutes.Visit) -> Failure {
        Failure(status: .unauthorized, code: "second_factor_required",
                korean: "등록 정보를 바꾸려면 먼저 추가 인증을 해야 합니다.",
                english: "Verify with your current second factor before changing it.")
    }

    /// The guard's cycle in whole minutes: the longest an account may choose.
    var longestCycleMinutes: Int { Int(self.stepUp.proofPolicy.cycle.components.seconds / 60) }

    /// Runs one of `APIBodies`' parsers (the code the fuzzer runs) on a collected body; a refusal becomes the API's
    /// `400` naming the field.
    package func parse<T>(_ body: ByteBuffer, _ parse: (Data) throws(APIBodyError) -> T) throws(Failure) -> T {
        do {
            return try parse(Data(body.readableBytesView))
        } catch {
            throw Failure(status: .badRequest, code: error.code, korean: error.korean, english: error.english,
                          field: error.field)
        }
    }

    /// Runs a handler with the API's rules: JSON in and out, same-origin for state changes, the session cookie set
    /// when new, every failure as `{"error", "message"}` with a fitting status.
    package func call(_ request: Request, _ context: GuardRequestContext, changesState: Bool = true,
              _ handler: (StepUpRoutes.Visit, ByteBuffer) async throws -> Response) async -> Response {
        let english = ErrorPage.prefersEnglish(request.headers[.acceptLanguage])
        func fail(_ failure: Failure, _ visit: StepUpRoutes.Visit?) -> Response {
            var headers: HTTPFields = [:]
            if let visit, visit.session.isNew { headers[.setCookie] = visit.session.setCookie }
            if let until = failure.lockedUntil {
                headers[.retryAfter] = String(max(1, Int(until.timeIntervalSinceNow.rounded(.up))))
            }
            return StepUpRoutes.json(ErrorBody(
                error: failure.code, message: english ? failure.english : failure.korean, lockedUntil: failure.lockedUntil,
                verifyURL: failure.code == "second_factor_required" ? "/__guard/verify" : nil, field: failure.field),
                status: failure.status,
                headers: headers)
        }
        if changesState {
            let type = request.headers[.contentType]?.lowercased() ?? ""
            guard type.hasPrefix("application/json") else {
                return fail(Failure(status: .unsupportedMediaType, code: "json_required",
                                    korean: "Content-Type: application/json 으로 보내 주세요.",
                                    english: "Send the body as Content-Type: application/json."), nil)
            }
            guard StepUpRoutes.sameOrigin(request) else {
                return fail(Failure(status: .forbidden, code: "cross_origin",
                                    korean: "다른 사이트에서 보낸 요청은 받지 않습니다.",
                                    english: "Requests from another origin are refused."), nil)
            }
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 64 * 1024)
        } catch {
            return fail(Failure(status: .contentTooLarge, code: "body_too_large", korean: "요청 본문이 너무 큽니다.",
                                english: "The request body is too large."), nil)
        }
        guard let visit = await self.routes.visit(request, context) else {
            return ErrorPage.response(.policyUnavailable, requestID: context.requestID, request: request.headers)
        }
        switch visit.identity {
        case .anonymous:
            return fail(Failure(status: .unauthorized, code: "not_logged_in", korean: "먼저 판매자 센터에 로그인해 주세요.",
                                english: "Log in to the seller admin first."), visit)
        case .unavailable:
            return fail(Failure(status: .serviceUnavailable, code: "protection_unavailable",
                                korean: "로그인 정보를 확인할 수 없습니다. 잠시 후 다시 시도해 주세요.",
                                english: "Your login cannot be checked right now; try again in a moment."), visit)
        case .known: break
        }
        do {
            var response = try await handler(visit, body)
            // A handler that renewed the session has set the new id's cookie: that one wins.
            if visit.session.isNew, response.headers[.setCookie] == nil {
                response.headers[.setCookie] = visit.session.setCookie
            }
            return response
        } catch let failure as Failure {
            return fail(failure, visit)
        } catch let error as RegistrationError {
            return fail(Failure(status: .badRequest, code: error.code.rawValue, korean: error.korean, english: error.english), visit)
        } catch let error as SecondFactorError {
            return fail(Self.failure(for: error), visit)
        } catch {
            self.stepUp.logger.error("second-factor API failed", metadata: ["error.type": "\(type(of: error))"])
            return fail(Failure(status: .serviceUnavailable, code: "protection_unavailable",
                                korean: "추가 인증 정보를 읽을 수 없습니다. 잠시 후 다시 시도해 주세요.",
                                english: "Second-factor records cannot be read right now; try again in a moment."), visit)
        }
    }

    static func failure(for error: SecondFactorError) -> Failure {
        switch error {
        case .notRegistered:
            Failure(status: .conflict, code: "not_registered", korean: "추가 인증 수단이 등록되어 있지 않습니다.",
                    english: "No second factor is registered for this account; enrol first.")
        case .noEnrollment:
            Failure(status: .conflict, code: "no_enrollment", korean: "진행 중인 등록이 없습니다.",
                    english: "No registration is in progress.")
        case .wrongCode:
            Failure(status: .unprocessableContent, code: "wrong_code", korean: "인증번호가 맞지 않거나 시간이 지났습니다.",
                    english: "The code is wrong or has expired.")
        case .locked(let until):
            Failure(status: .tooManyRequests, code: "locked",
                    korean: "시도가 너무 많아 \(Pages.kst(until))까지 잠겼습니다.",
                    english: "Too many attempts: locked until \(Pages.kst(until)).", lockedUntil: until)
        case .deliveryFailed:
            Failure(status: .badGateway, code: "delivery_failed", korean: "인증번호를 보내지 못했습니다.",
                    english: "The code could not be sent.")
        case .invalidCycle(let longest):
            Failure(status: .badRequest, code: "invalid_cycle",
                    korean: "인증 주기는 10분 이상 \(longest.components.seconds / 60)분 이하로 정해 주세요.",
                    english: "The cycle must be between 10 and \(longest.components.seconds / 60) minutes.")
        }
    }
}
