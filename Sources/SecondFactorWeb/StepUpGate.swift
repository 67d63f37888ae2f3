import AccountIdentity
import Foundation
import GuardProxy
import HTTPTypes
import Hummingbird
import NIOCore
import SecondFactor

/// Who passed the step-up gate: the access record's account and hashed session.
public struct VerifiedAccess: GateAttachment {
    public let account: String
    /// SHA-256 of the guard session id (never the id).
    public let sessionHash: String
    public let verifiedAt: Date?
}

/// The request gate of the personal-information menus: a fresh second-factor proof for this session and this client
/// address, or no way upstream.
///
/// Outside the menus everything passes (the admin's own login page must work), and so does a request from someone not
/// logged in to the admin. Inside, a page request without a valid proof is sent to `/__guard/verify` (or to
/// registration, or to the page that explains a shared account), and a script's request gets 401 JSON naming the
/// verify URL. If the account cannot be learnt or the store cannot be read, the answer is 503: fail closed.
public struct StepUpGate: RequestGate {
    let stepUp: StepUp
    var cache: VerdictCache { self.stepUp.verdicts }

    public init(stepUp: StepUp) { self.stepUp = stepUp }

    public func admit(_ request: GateRequest) async -> GateDecision {
        guard self.stepUp.protectedMenu(request.siteName, request.path) != nil else { return .pass(adding: [:]) }
        let english = ErrorPage.prefersEnglish(request.headers[.acceptLanguage])
        guard let client = request.clientAddress else { return .respond(self.unavailable(request, english: english)) }
        let identity = await self.stepUp.identity(site: request.siteName, headers: request.headers, peer: client)
        let account: String
        switch identity {
        case .anonymous:
            return .pass(adding: [:], removing: Self.strippedOnMenus)
        case .unavailable:
            self.stepUp.logger.warning("protected menu refused: identity unavailable", metadata: ["site": "\(request.siteName)"])
            return .respond(self.unavailable(request, english: english))
        case .known(let known):
            account = known.account
        }
        var target = request.path
        if let query = request.query, !query.isEmpty { target += "?" + query }
        let next = StepUp.safeNext(target)
        let now = self.stepUp.clock()
        let session = GuardSession.existing(in: request.headers)
        let cacheKey = session.map {
            VerdictCache.key(site: request.siteName, sessionHash: $0.hash, account: account, client: client.description)
        }
        if let cacheKey, let verifiedAt = self.cache.validProof(cacheKey, now: now) {
            return self.pass(account: account, verifiedAt: verifiedAt, request: request)
        }
        do {
            var verdict = ProofPolicy.Verdict.missing
            var verifiedAt: Date? = nil
            if let session {
                (verdict, verifiedAt) = try await self.stepUp.service.checkProof(
                    account: account, sessionHash: session.hash, site: request.siteName, clientAddress: client.description,
                    now: now)
            }
            if verdict != .valid && verdict != .missing {
                // The store just revoked this session's proof: no cached verdict of it may outlive that.
                self.cache.forget(account: account, site: request.siteName)
            }
            switch verdict {
            case .valid:
                if let cacheKey, let verifiedAt {
                    self.cache.remember(cacheKey, site: request.siteName, account: account, verifiedAt: verifiedAt, now: now)
                }
                return self.pass(account: account, verifiedAt: verifiedAt, request: request)
            case .missing:
                guard try await self.stepUp.service.registration(account: account, now: now) != nil else {
                    return .respond(self.redirect(request, to: "/__guard/enroll?" + StepUp.query([("next", next)]),
                                                  reason: "not_registered", english: english))
                }
                return .respond(self.redirect(request, to: StepUp.verifyURL(next: next), reason: "missing", english: english))
            case .addressChanged:
                return .respond(self.redirect(request, to: StepUp.verifyURL(next: next, reason: "ip_changed"),
                                              reason: "ip_changed", english: english))
            case .idle:
                return .respond(self.redirect(request, to: StepUp.verifyURL(next: next, reason: "idle"),
                                              reason: "idle_expired", english: english))
            case .cycleEnded:
                return .respond(self.redirect(request, to: StepUp.verifyURL(next: next, reason: "cycle"),
                                              reason: "cycle_expired", english: english))
            case .superseded:
                return .respond(self.redirect(request, to: "/__guard/superseded?" + StepUp.query([("next", next)]),
                                              reason: "superseded", english: english))
            }
        } catch {
            self.stepUp.logger.error("protected menu refused: second-factor store failed",
                                     metadata: ["error.type": "\(type(of: error))"])
            return .respond(self.unavailable(request, english: english))
        }
    }

    /// An open channel on a menu goes on only while the same account still holds a valid proof for this session and
    /// address; one opened without an account (not logged in to the admin) only while that is still so.
    public func stillAdmits(_ request: GateRequest, admitted attachments: [any GateAttachment]) async -> Bool {
        guard case .pass(_, let now, _) = await self.admit(request) else { return false }
        guard let before = attachments.first(VerifiedAccess.self) else { return now.first(VerifiedAccess.self) == nil }
        return now.first(VerifiedAccess.self)?.account == before.account
    }

    func pass(account: String, verifiedAt: Date?, request: GateRequest) -> GateDecision {
        let verified: [any GateAttachment] = [VerifiedAccess(
            account: account, sessionHash: GuardSession.existing(in: request.headers)?.hash ?? "", verifiedAt: verifiedAt)]
        guard let key = self.stepUp.keys.identityHeaders, let verifiedAt else {
            return .pass(adding: [:], attachments: verified, removing: Self.strippedOnMenus)
        }
        return .pass(adding: IdentityHeaders(key: key).fields(account: account, verifiedAt: verifiedAt,
                                                              requestID: request.requestID), attachments: verified,
                     removing: Self.strippedOnMenus)
    }

    /// Request fields never forwarded on a menu: a range answer (206) starts mid-table, with values cut from their
    /// labels, so masking could not read it; the masking stage refuses a 206 there in any case.
    static let strippedOnMenus: [HTTPField.Name] = [.range, .ifRange]

    /// A page navigation is sent to the page; anything else (XHR, fetch, a form POST, a WebSocket) gets 401 JSON.
    func redirect(_ request: GateRequest, to location: String, reason: String, english: Bool) -> Response {
        if Self.isPageNavigation(request) {
            return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        }
        let body = """
            {"error":"second_factor_required","reason":"\(reason)","verify_url":"\(location)",\
            "message":"\(english ? "Verify with your second factor to open this menu." : "이 메뉴를 열려면 추가 인증이 필요합니다.")"}
            """
        return Response(status: .unauthorized,
                        headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// GET/HEAD that asks for HTML and is not marked as a script's request.
    package static func isPageNavigation(_ request: GateRequest) -> Bool {
        guard !request.isWebSocket, request.method == .get || request.method == .head else { return false }
        if let requestedWith = request.headers[HTTPField.Name("X-Requested-With")!], !requestedWith.isEmpty { return false }
        if let mode = request.headers[HTTPField.Name("Sec-Fetch-Mode")!], mode != "navigate" { return false }
        guard let accept = request.headers[.accept] else { return false }
        return accept.contains("text/html")
    }

    func unavailable(_ request: GateRequest, english: Bool) -> Response {
        ErrorPage.response(.policyUnavailable, requestID: request.requestID, request: request.headers)
    }
}
