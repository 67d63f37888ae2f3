import Foundation

/// Time limits of the data path.
///
/// A reverse proxy in front of an admin must not let one slow party hold resources for ever: a client that
/// never finishes its request head, a keep-alive connection nobody uses, an upstream that never accepts or never
/// answers. Every limit has a default that suits an interactive admin; `pii-guard.yaml` may change each one.
public struct ProxyTimeouts: Sendable, Equatable {
    /// From accepting a connection to a complete first request head, TLS handshake included (slow-loris guard).
    public var headerRead: Duration
    /// How long an idle keep-alive connection (HTTP/1.1 or HTTP/2) stays open.
    public var idleKeepAlive: Duration
    /// Connecting to the upstream (TCP, and TLS when the upstream is `https`).
    public var upstreamConnect: Duration
    /// From the end of the request body to the upstream's response head. Exceeded: 504.
    public var upstreamFirstByte: Duration
    /// Longest silence between two reads of the upstream's response body.
    public var upstreamRead: Duration
    /// On shutdown, how long in-flight requests may take to finish before connections are closed.
    public var shutdownGrace: Duration

    public init(
        headerRead: Duration = .seconds(10),
        idleKeepAlive: Duration = .seconds(75),
        upstreamConnect: Duration = .seconds(5),
        upstreamFirstByte: Duration = .seconds(30),
        upstreamRead: Duration = .seconds(60),
        shutdownGrace: Duration = .seconds(20)
    ) {
        self.headerRead = headerRead
        self.idleKeepAlive = idleKeepAlive
        self.upstreamConnect = upstreamConnect
        self.upstreamFirstByte = upstreamFirstByte
        self.upstreamRead = upstreamRead
        self.shutdownGrace = shutdownGrace
    }
}

/// Size limits of the data path, so that one request cannot exhaust memory or the upstream.
public struct ProxyLimits: Sendable, Equatable {
    /// Largest request head (request line and all header fields). Larger on HTTP/1.1: 431 and the connection is
    /// closed; on HTTP/2 it is the header list limit (SETTINGS_MAX_HEADER_LIST_SIZE, a larger head is answered 431 or
    /// the connection refused).
    public var maxHeaderBytes: Int
    /// Largest request body, streamed or declared. Larger: 413.
    public var maxRequestBodyBytes: Int64
    /// Keep-alive HTTP/1.1 connections kept per upstream host.
    public var upstreamConnectionsPerHost: Int
    /// Largest WebSocket message relayed in either direction.
    public var maxWebSocketMessageBytes: Int

    public init(
        maxHeaderBytes: Int = 32 * 1024,
        maxRequestBodyBytes: Int64 = 100 * 1024 * 1024,
        upstreamConnectionsPerHost: Int = 64,
        maxWebSocketMessageBytes: Int = 1 << 20
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.upstreamConnectionsPerHost = upstreamConnectionsPerHost
        self.maxWebSocketMessageBytes = maxWebSocketMessageBytes
    }
}

/// Where a site's admin really lives: scheme, host, port and an optional base path.
///
/// The proxy sends each request to this origin and rewrites answers that name it (`Location`, cookie `Domain` and
/// `Path`, absolute links) back to the address the browser used, so the admin never has to know about the proxy.
public struct UpstreamOrigin: Sendable, Hashable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int
    /// Base path the admin is mounted at, without a trailing slash ("" for the root).
    public let basePath: String

    /// Parses `http://host:port[/base]` or `https://…`.
    public init(url: String) throws(ProxyConfigurationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ProxyConfigurationError("upstream URL '\(url)' is not an absolute http:// or https:// URL")
        }
        if components.query != nil || components.fragment != nil || components.user != nil {
            throw ProxyConfigurationError("upstream URL '\(url)' must not contain a query, fragment or user info")
        }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        self.basePath = path
    }

    /// `host` in the form used inside URLs (IPv6 literals in brackets).
    public var hostForURL: String { self.host.contains(":") ? "[\(self.host)]" : self.host }

    /// `scheme://host:port`, always with the port.
    public var origin: String { "\(self.scheme)://\(self.hostForURL):\(self.port)" }

    /// The origin as a browser or an admin most likely writes it: without the default port.
    public var shortOrigin: String {
        let isDefault = (self.scheme == "http" && self.port == 80) || (self.scheme == "https" && self.port == 443)
        return isDefault ? "\(self.scheme)://\(self.hostForURL)" : self.origin
    }

    /// The `Host` header value the upstream expects.
    public var hostHeader: String {
        let isDefault = (self.scheme == "http" && self.port == 80) || (self.scheme == "https" && self.port == 443)
        return isDefault ? self.hostForURL : "\(self.hostForURL):\(self.port)"
    }

    public var description: String { self.shortOrigin + self.basePath }
}

/// One admin system the guard fronts: the host names browsers use for it and where it really lives.
public struct ProxySite: Sendable {
    /// Short name used in logs and status pages (never personal data).
    public let name: String
    /// Host names (lower-cased, without port) that select this site, by SNI for the certificate and by `Host`
    /// (`:authority` in HTTP/2) for the request.
    public let hostNames: [String]
    public let upstream: UpstreamOrigin
    /// How this site's admin reads paths, which the canonical request target follows (`RequestTarget.Rules`).
    public let targetRules: RequestTarget.Rules

    public init(name: String, hostNames: [String], upstream: UpstreamOrigin, targetRules: RequestTarget.Rules = .init()) {
        self.name = name
        self.hostNames = hostNames.map { $0.lowercased() }
        self.upstream = upstream
        self.targetRules = targetRules
    }
}

/// Everything the data path needs to run: where to listen, which sites to serve, limits and trust.
public struct ProxyConfiguration: Sendable {
    public var listenHost: String
    /// 0 picks a free port (tests); the bound port is reported by `GuardProxyServer`'s `onServerRunning`.
    public var listenPort: Int
    public var sites: [ProxySite]
    public var timeouts: ProxyTimeouts
    public var limits: ProxyLimits
    /// Peers whose `X-Forwarded-*` headers are believed (a load balancer in front). Everyone else's are dropped.
    public var trustedProxies: [IPAddressRange]
    /// `Strict-Transport-Security` max-age in seconds; 0 sends no header.
    public var hstsMaxAge: Int

    public init(
        listenHost: String = "127.0.0.1",
        listenPort: Int = 8443,
        sites: [ProxySite],
        timeouts: ProxyTimeouts = .init(),
        limits: ProxyLimits = .init(),
        trustedProxies: [IPAddressRange] = [],
        hstsMaxAge: Int = 31_536_000
    ) {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.sites = sites
        self.timeouts = timeouts
        self.limits = limits
        self.trustedProxies = trustedProxies
        self.hstsMaxAge = hstsMaxAge
    }

    /// The site serving `host` (a `Host` header or SNI value, port allowed), or nil: the request gets 421.
    /// The value is read strictly (`RequestAuthority`): `localhost:@evil.example` names no site.
    public func site(forHost host: String) -> ProxySite? {
        guard let authority = RequestAuthority.parse(host) else { return nil }
        return self.site(for: authority)
    }

    /// The site whose host names include `authority`'s host.
    public func site(for authority: RequestAuthority) -> ProxySite? {
        self.sites.first { $0.hostNames.contains(authority.host) }
    }
}

/// A configuration value the data path cannot work with; the message says which and why.
public struct ProxyConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
