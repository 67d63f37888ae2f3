import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The guard's HTTPS listener: picks the site, answers `/__guard/` itself and proxies the rest.
///
/// This is the data path's front door. It knows sites, upstreams, limits and certificates; it learns what to do with
/// bodies and which routes to add under `/__guard/` from its caller, so policy can change without touching it.
public struct GuardProxyServer: Sendable {
    public let configuration: ProxyConfiguration
    public let certificates: TLSCertificateStore
    public let hooks: ProxyHooks
    public let logger: Logger
    /// Adds the policy's own pages under `/__guard/` (second factor, status, audit); called once at start.
    let guardRoutes: @Sendable (RouterGroup<GuardRequestContext>) -> Void

    public init(
        configuration: ProxyConfiguration,
        certificates: TLSCertificateStore,
        hooks: ProxyHooks = .init(),
        logger: Logger,
        guardRoutes: @escaping @Sendable (RouterGroup<GuardRequestContext>) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.certificates = certificates
        self.hooks = hooks
        self.logger = logger
        self.guardRoutes = guardRoutes
    }

    /// The Hummingbird application: run it as a service (it drains in-flight requests on graceful shutdown).
    /// - Parameter onServerRunning: called with the bound port once the listener accepts connections.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws
        -> some ApplicationProtocol
    {
        let upstream = UpstreamClient(timeouts: self.configuration.timeouts, limits: self.configuration.limits)
        let handler = ProxyHandler(
            configuration: self.configuration, client: upstream.http, hooks: self.hooks, logger: self.logger)
        let configuration = self.configuration
        let hooks = self.hooks

        let router = Router(context: GuardRequestContext.self)
        router.add(middleware: AccessLogMiddleware(logger: self.logger) { request, context in
            // The same resolution `SiteMiddleware` makes, so the log names the route the request really took.
            switch CanonicalRequest.resolve(request.head, configuration: configuration) {
            case .failure(.unknownHost): return "unknown-host"
            case .failure: return "refused-target"
            case .success(let canonical):
                let path = canonical.target.path
                if path == "/__guard" || path.hasPrefix("/__guard/") {
                    return context.coreContext.endpointPath.value ?? "/__guard/*"
                }
                return hooks.routeLabel(canonical.site, path)
            }
        })
        router.add(middleware: SiteMiddleware(configuration: configuration, handler: handler))
        let guardGroup = router.group("__guard")
        guardGroup.get("health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        self.guardRoutes(guardGroup)

        let relay = WebSocketRelay(configuration: configuration, hooks: hooks, logger: self.logger)
        let tls = self.certificates.makeServerConfiguration()
        let timeouts = configuration.timeouts
        let limits = configuration.limits
        let server = HTTPServerBuilder { responder in
            try GuardListenerChannel(
                tlsConfiguration: tls, timeouts: timeouts, limits: limits, responder: responder,
                shouldUpgrade: { head, channel, _ in await relay.shouldUpgrade(head, channel: channel) })
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(
                address: .hostname(configuration.listenHost, port: configuration.listenPort),
                serverName: nil,
                reuseAddress: true
            ),
            services: [upstream],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.listenPort) },
            logger: self.logger
        )
    }
}

/// Routes each request to its site (421 for an unknown host), and `/__guard/` to the guard's own routes.
struct SiteMiddleware: RouterMiddleware {
    typealias Context = GuardRequestContext
    let configuration: ProxyConfiguration
    let handler: ProxyHandler

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let canonical: CanonicalRequest
        switch CanonicalRequest.resolve(request.head, configuration: self.configuration) {
        case .success(let resolved):
            canonical = resolved
        case .failure(.serverOptions):
            return Response(status: .noContent, headers: [.allow: "OPTIONS, GET, HEAD, POST, PUT, PATCH, DELETE"])
        case .failure(let refusal):
            if case .malformed(let kind) = refusal {
                context.logger.notice("request refused: malformed target or host", metadata: ["kind": "\(kind)"])
            }
            return ErrorPage.response(refusal.errorKind, requestID: context.requestID, request: request.headers)
        }
        // From here on every stage reads the canonical request: the router, the gate, masking, exports, the record
        // and the upstream URL.
        let request = Request(head: canonical.applied(to: request.head), body: request.body)
        let site = canonical.site
        let path = request.uri.path
        if path == "/__guard" || path.hasPrefix("/__guard/") {
            var response = try await next(request, context)
            response.headers[HeaderPolicy.requestID] = context.requestID
            if self.configuration.hstsMaxAge > 0 {
                response.headers[.strictTransportSecurity] = "max-age=\(self.configuration.hstsMaxAge)"
            }
            return response
        }
        do {
            return try await self.handler.handle(request, context: context, site: site)
        } catch {
            // Never Hummingbird's default error text: our page, and the kind of error in the log.
            context.logger.error("proxy handler failed", metadata: ["error.type": "\(type(of: error))"])
            return ErrorPage.response(.internalError, requestID: context.requestID, request: request.headers)
        }
    }
}
