import HTTPTypes

/// A request resolved once, before any decision: its site, its authority and its canonical target.
///
/// `SiteMiddleware` (ordinary requests) and `WebSocketRelay` (upgrades) both resolve through here, and hand every
/// later stage a request whose `Host`/`:authority` and path are these values: the gate, masking, exports, the access
/// record and the upstream URL cannot read the request differently from one another.
public struct CanonicalRequest: Sendable {
    public let site: ProxySite
    public let authority: RequestAuthority
    public let target: RequestTarget

    /// Why a request was not resolved.
    public enum Refusal: Error, Sendable, Equatable {
        /// No site serves this host name (421).
        case unknownHost
        /// The host or the target could be read in more than one way (400); the kind, never the value.
        case malformed(String)
        /// `OPTIONS *`: the guard answers it itself; nothing about it concerns a site's upstream.
        case serverOptions

        public var errorKind: ProxyErrorKind {
            switch self {
            case .unknownHost: .misdirected
            case .malformed, .serverOptions: .badRequest
            }
        }
    }

    /// `Host` as a field: HTTPTypes keeps it as `authority`, but an HTTP/2 request may also carry a `host` field.
    static let hostField = HTTPField.Name("host")!  // a valid literal token: cannot fail

    /// Resolves `head` against the configured sites.
    public static func resolve(_ head: HTTPRequest, configuration: ProxyConfiguration) -> Result<CanonicalRequest, Refusal> {
        guard let rawAuthority = head.authority, let authority = RequestAuthority.parse(rawAuthority) else {
            return .failure(head.authority == nil ? .unknownHost : .malformed("host"))
        }
        // HTTP/2 may carry `host` beside `:authority`; HTTP/1.1 may carry a second Host. Two names: refused.
        for host in head.headerFields[values: Self.hostField] where RequestAuthority.parse(host) != authority {
            return .failure(.malformed("host"))
        }
        guard let site = configuration.site(for: authority) else { return .failure(.unknownHost) }
        let raw = head.path ?? ""
        if raw == "*" {
            return .failure(head.method == .options ? .serverOptions : .malformed(RequestTarget.Refusal.asterisk.rawValue))
        }
        let result = RequestTarget.canonicalize(raw, rules: site.targetRules) { written in
            guard let named = RequestAuthority.parse(written) else { return false }
            return site.hostNames.contains(named.host)
        }
        switch result {
        case .failure(let refusal): return .failure(.malformed(refusal.rawValue))
        case .success(let target): return .success(CanonicalRequest(site: site, authority: authority, target: target))
        }
    }

    /// `head` with exactly the canonical authority and target: what every later stage reads.
    public func applied(to head: HTTPRequest) -> HTTPRequest {
        var head = head
        head.authority = self.authority.text
        head.path = self.target.originForm
        head.headerFields[Self.hostField] = nil
        return head
    }
}
