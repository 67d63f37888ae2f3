import HummingbirdWebSocket

/// The seam through which policy sees WebSocket messages the upstream sends to the browser (the 1:1 chat).
///
/// Called once per complete message; a throw closes both sides of the relay (fail closed: the message is not sent).
public protocol WebSocketMessageTransform: Sendable {
    func fromUpstream(_ message: WebSocketMessage) throws -> WebSocketMessage
}

/// Chooses a message transform per WebSocket connection; nil relays messages untouched.
public protocol WebSocketTransformer: Sendable {
    func makeTransform(siteName: String, path: String) throws -> (any WebSocketMessageTransform)?
}

/// Relays every message untouched: the default until policy plugs in.
public struct IdentityWebSocketTransformer: WebSocketTransformer {
    public init() {}
    public func makeTransform(siteName: String, path: String) throws -> (any WebSocketMessageTransform)? { nil }
}

/// The policy hooks of the data path. `PIIGuard` fills these in; the data path never learns what they do.
public struct ProxyHooks: Sendable {
    /// A label for the request's route in the access log, never the raw path (it may hold an order number).
    public var routeLabel: @Sendable (_ site: ProxySite, _ path: String) -> String
    public var responseTransformer: any ResponseTransformer
    public var webSocketTransformer: any WebSocketTransformer
    /// Asked before every request (and WebSocket upgrade) goes upstream.
    public var gate: any RequestGate
    /// Told of every proxied response before it completes (the access records).
    public var recorder: any ResponseRecorder

    public init(
        routeLabel: @escaping @Sendable (_ site: ProxySite, _ path: String) -> String = { site, _ in "\(site.name):upstream" },
        responseTransformer: any ResponseTransformer = IdentityTransformer(),
        webSocketTransformer: any WebSocketTransformer = IdentityWebSocketTransformer(),
        gate: any RequestGate = OpenGate(),
        recorder: any ResponseRecorder = NoRecorder()
    ) {
        self.recorder = recorder
        self.routeLabel = routeLabel
        self.responseTransformer = responseTransformer
        self.webSocketTransformer = webSocketTransformer
        self.gate = gate
    }
}
