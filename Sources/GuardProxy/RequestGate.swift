import HTTPTypes
import Hummingbird

/// What a gate is told about a request before it may go upstream.
public struct GateRequest: Sendable {
    public let siteName: String
    public let method: HTTPRequest.Method
    /// Path without the query.
    public let path: String
    /// The query, without `?` (for a gate that sends the browser elsewhere and back).
    public let query: String?
    public let headers: HTTPFields
    /// The client address (the peer, or what a trusted proxy said).
    public let clientAddress: IPAddress?
    /// True for a WebSocket upgrade (the gate cannot answer it with a page; refusing closes it).
    public let isWebSocket: Bool
    public let requestID: String

    public init(siteName: String, method: HTTPRequest.Method, path: String, query: String? = nil, headers: HTTPFields,
                clientAddress: IPAddress?, isWebSocket: Bool, requestID: String) {
        self.siteName = siteName
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.clientAddress = clientAddress
        self.isWebSocket = isWebSocket
        self.requestID = requestID
    }
}

/// What a gate learned about a request that the response's transformer or recorder needs (the verified account, the
/// export's reason and file password). The data path only carries them from `GateDecision.pass` to
/// `ResponseDescription` and `CompletedResponse`; policy modules define the concrete types and look them up by type.
public protocol GateAttachment: Sendable {}

extension Array where Element == any GateAttachment {
    /// The first attachment of type `T`.
    public func first<T: GateAttachment>(_ type: T.Type) -> T? {
        for element in self { if let match = element as? T { return match } }
        return nil
    }
}

/// A gate's verdict.
public enum GateDecision: Sendable {
    /// Go upstream, with these extra fields (e.g. the verified account as a signed header). Fields the gate sets
    /// replace any the browser sent under the same names.
    /// `removing` names request fields that must not reach the upstream for this request (the step-up gate strips
    /// `Range` and `If-Range` on the menus: a partial answer would cut labels from their values).
    case pass(adding: HTTPFields, attachments: [any GateAttachment] = [], removing: [HTTPField.Name] = [])
    /// Answer in the proxy's place (a redirect to the second-factor page, a 401 JSON, a lock page).
    case respond(Response)
}

/// The seam through which policy decides, before anything reaches the upstream, whether a request may go there.
///
/// The second factor (is this session verified for this menu, from this address?) and the audit trail plug in
/// here. The data path only asks and obeys; a gate that throws or cannot decide must answer `.respond`, never pass.
public protocol RequestGate: Sendable {
    func admit(_ request: GateRequest) async -> GateDecision
    /// Whether an exchange the gate admitted and that is still open (a WebSocket) may go on; asked every few seconds
    /// with the request as it was admitted and what the gate attached then. False closes it: a chat must not keep
    /// streaming after the proof behind it ended (logout, idle, another device's proof on a shared account).
    func stillAdmits(_ request: GateRequest, admitted attachments: [any GateAttachment]) async -> Bool
}

extension RequestGate {
    /// By default: the gate would admit the same request now.
    public func stillAdmits(_ request: GateRequest, admitted attachments: [any GateAttachment]) async -> Bool {
        if case .pass = await self.admit(request) { return true }
        return false
    }
}

/// Lets everything through unchanged: the default until policy plugs in.
public struct OpenGate: RequestGate {
    public init() {}
    public func admit(_ request: GateRequest) async -> GateDecision { .pass(adding: [:]) }
}
