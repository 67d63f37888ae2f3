import Foundation
import GuardProxy
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SecondFactorWeb

/// Where a path stands for exports: its personal-information menu and whether `rules/menus.yaml` marks it an export.
public struct ExportRoute: Sendable, Hashable {
    /// The menu's id (`sales`) and display name (판매관리).
    public let menuID: String
    public let menu: String
    public let isExport: Bool

    public init(menuID: String, menu: String, isExport: Bool) {
        self.menuID = menuID
        self.menu = menu
        self.isExport = isExport
    }
}

/// The request gate of protected exports, after the second factor's gate.
///
/// A request the inner gate refuses stays refused. On a personal-information menu, an export path (`exports` in
/// `rules/menus.yaml`) goes upstream only with a ticket from the reason page — its reason and password ride along to
/// the response transformer as an `ExportOrder` — and without one, a page navigation is sent to `/__guard/export`
/// and a script gets 403 JSON naming the API. Other requests on the menus pass with a `DownloadWatch`, so a download
/// the rules did not name is still caught when its response shows it is one.
public struct ExportGate: RequestGate {
    let inner: any RequestGate
    let tickets: ExportTickets
    let route: @Sendable (_ site: String, _ path: String) -> ExportRoute?
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(inner: any RequestGate, tickets: ExportTickets,
                route: @escaping @Sendable (String, String) -> ExportRoute?, clock: @escaping @Sendable () -> Date = { Date() },
                logger: Logger) {
        self.inner = inner
        self.tickets = tickets
        self.route = route
        self.clock = clock
        self.logger = logger
    }

    public func stillAdmits(_ request: GateRequest, admitted attachments: [any GateAttachment]) async -> Bool {
        await self.inner.stillAdmits(request, admitted: attachments)
    }

    public func admit(_ request: GateRequest) async -> GateDecision {
        let decision = await self.inner.admit(request)
        guard case .pass(let fields, let attached, let removing) = decision, !request.isWebSocket,
              let route = self.route(request.siteName, request.path)
        else { return decision }
        let target = Self.target(request)
        if let id = ExportTickets.ticketID(in: request.headers), let session = GuardSession.existing(in: request.headers),
           let client = request.clientAddress
        {
            do {
                if let order = try await self.tickets.redeem(
                    id: id, site: request.siteName, sessionHash: session.hash, clientAddress: client.description,
                    target: target, now: self.clock())
                {
                    return .pass(adding: fields, attachments: attached + [order], removing: removing)
                }
            } catch {
                self.logger.error("export ticket could not be read", metadata: ["error.type": "\(type(of: error))"])
                return .respond(ErrorPage.response(.policyUnavailable, requestID: request.requestID, request: request.headers))
            }
        }
        guard route.isExport else {
            return .pass(adding: fields, attachments: attached + [DownloadWatch(target: target, menu: route.menu,
                                                                               isGet: request.method == .get)], removing: removing)
        }
        return .respond(Self.reasonRequired(request, target: target))
    }

    /// The path and query the browser asked for (the ticket names exactly this).
    static func target(_ request: GateRequest) -> String {
        guard let query = request.query, !query.isEmpty else { return request.path }
        return request.path + "?" + query
    }

    static func reasonURL(target: String) -> String {
        "/__guard/export?" + StepUp.query([("next", StepUp.safeNext(target))])
    }

    /// A page navigation goes to the reason page; anything else gets 403 JSON saying how to ask for the file.
    static func reasonRequired(_ request: GateRequest, target: String) -> Response {
        let location = Self.reasonURL(target: target)
        if StepUpGate.isPageNavigation(request) || request.method == .get && request.headers[.accept] == nil {
            return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        }
        let english = ErrorPage.prefersEnglish(request.headers[.acceptLanguage])
        let message = english
            ? "This download holds personal data: state a reason and a file password first (POST /__guard/api/export)."
            : "개인정보가 담긴 파일입니다. 먼저 다운로드 사유와 파일 비밀번호를 정해 주세요 (POST /__guard/api/export)."
        let body = "{\"error\":\"export_reason_required\",\"export_url\":\"\(location)\",\"api\":\"/__guard/api/export\",\"message\":\"\(message)\"}"
        return Response(status: .forbidden, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
