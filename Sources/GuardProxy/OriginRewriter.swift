import NIOCore

/// Rewrites what names the upstream origin back to the origin the browser used.
///
/// An admin behind a proxy still thinks it lives at `http://10.0.0.5:9080/seller`: it redirects there, scopes
/// cookies to that host and path, and writes absolute links to it. The browser must only ever see the proxy's origin,
/// or it would leave the guard (and the admin's cookie would not come back through it).
public struct OriginRewriter: Sendable {
    public let upstream: UpstreamOrigin
    /// `https://host[:port]` as the browser addressed the proxy.
    public let publicOrigin: String
    /// The spellings of the upstream origin that get replaced, longest first.
    let upstreamSpellings: [String]

    public init(upstream: UpstreamOrigin, publicOrigin: String) {
        self.upstream = upstream
        self.publicOrigin = publicOrigin
        var spellings = Set([upstream.origin + upstream.basePath, upstream.shortOrigin + upstream.basePath])
        // Protocol-relative and WebSocket forms of the same origin.
        let wsScheme = upstream.scheme == "https" ? "wss" : "ws"
        spellings.insert("\(wsScheme)://\(upstream.hostHeader)\(upstream.basePath)")
        spellings.insert("\(wsScheme)://\(upstream.hostForURL):\(upstream.port)\(upstream.basePath)")
        self.upstreamSpellings = spellings.sorted { $0.count > $1.count }
    }

    /// The longest upstream spelling, in bytes: how much look-behind a streaming link rewriter needs.
    public var longestSpelling: Int { self.upstreamSpellings.map { $0.utf8.count }.max() ?? 0 }

    /// The replacement for one upstream spelling (WebSocket spellings become `wss://`).
    func replacement(for spelling: String) -> String {
        if spelling.hasPrefix("ws://") || spelling.hasPrefix("wss://") {
            return self.publicOrigin.replacingPrefix("https://", with: "wss://")
        }
        return self.publicOrigin
    }

    /// Rewrites an absolute URL naming the upstream (a `Location`, say); a relative one keeps its path but loses the
    /// upstream base path.
    public func rewriteURL(_ value: String) -> String {
        for spelling in self.upstreamSpellings where value.hasPrefix(spelling) {
            let rest = value.dropFirst(spelling.count)
            if rest.isEmpty || rest.hasPrefix("/") || rest.hasPrefix("?") || rest.hasPrefix("#") {
                return self.replacement(for: spelling) + (rest.isEmpty ? "/" : String(rest))
            }
        }
        if !self.upstream.basePath.isEmpty, value.hasPrefix(self.upstream.basePath + "/") || value == self.upstream.basePath {
            let rest = value.dropFirst(self.upstream.basePath.count)
            return rest.isEmpty ? "/" : String(rest)
        }
        return value
    }

    /// Rewrites a `Set-Cookie` value: a `Domain` naming the upstream is removed (the cookie becomes host-only for the
    /// proxy's host) and a `Path` under the upstream base path is moved to the proxy's root.
    public func rewriteSetCookie(_ value: String) -> String {
        var parts = value.split(separator: ";", omittingEmptySubsequences: false).map { String($0) }
        guard !parts.isEmpty else { return value }
        var kept = [parts.removeFirst()]
        for part in parts {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            let lower = trimmed.lowercased()
            if lower.hasPrefix("domain=") {
                var domain = String(trimmed.dropFirst("domain=".count)).lowercased()
                if domain.hasPrefix(".") { domain.removeFirst() }
                if domain == self.upstream.host || self.upstream.host.hasSuffix("." + domain) { continue }
                kept.append(" " + trimmed)
            } else if lower.hasPrefix("path="), !self.upstream.basePath.isEmpty {
                let path = String(trimmed.dropFirst("path=".count))
                kept.append(" Path=" + self.rewriteURL(path))
            } else {
                kept.append(part)
            }
        }
        return kept.joined(separator: ";")
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        self.hasPrefix(prefix) ? replacement + self.dropFirst(prefix.count) : self
    }

    func trimmingCharacters(in set: WhitespaceSet) -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" { view.removeLast() }
        return String(view)
    }
}

extension Substring {
    func trimmingCharacters(in set: WhitespaceSet) -> String { String(self).trimmingCharacters(in: set) }
}

/// Spaces and tabs: the only white space HTTP field values use (RFC 9110 §5.6.3). Keeps Foundation out of here.
enum WhitespaceSet { case whitespaces }
