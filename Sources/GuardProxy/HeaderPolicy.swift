import HTTPTypes

/// The header rules of a reverse proxy (RFC 9110 §7.6.1, RFC 7239's de-facto `X-Forwarded-*`), in one place.
///
/// Hop-by-hop fields describe one connection and must not cross the proxy; forwarding fields describe the client and
/// must not be believed from anyone but a trusted proxy, because the admin (and our own audit trail) uses them.
public enum HeaderPolicy {
    /// Fields that belong to one connection (RFC 9110 §7.6.1 and common practice).
    public static let hopByHop: Set<HTTPField.Name> = [
        .connection, .init("Keep-Alive")!, .init("Proxy-Connection")!, .te, .trailer, .transferEncoding,
        .upgrade, .proxyAuthenticate, .proxyAuthorization,
    ]

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let forwardedPort = HTTPField.Name("X-Forwarded-Port")!
    static let forwarded = HTTPField.Name("Forwarded")!
    static let realIP = HTTPField.Name("X-Real-IP")!
    /// The request id we give each request, sent upstream and back to the browser.
    public static let requestID = HTTPField.Name("X-Request-ID")!
    /// Request fields under this (lower-case) prefix belong to the guard: whatever the browser sends under it is
    /// dropped, and only the policy's gate sets them (the verified account, signed).
    public static let guardFieldPrefix = "x-pii-guard-"
    /// Cookies whose name starts with this are the guard's own (its session cookie) and never go upstream.
    public static let guardCookiePrefix = "__Host-pii-guard"

    /// Response fields that name the upstream's software and version (testssl.sh and every scanner report them as a
    /// banner). They tell an attacker which admin release to aim at and tell the browser nothing it needs.
    public static let bannerFields: Set<HTTPField.Name> = [
        .server, .init("X-Powered-By")!, .init("X-AspNet-Version")!, .init("X-AspNetMvc-Version")!,
    ]

    /// Whether a request field the browser sent is dropped before the upstream sees it.
    ///
    /// - The guard's namespace (`X-PII-Guard-*`): only the gate sets these. Compared case-insensitively and with
    ///   `_` read as `-`, because CGI, WSGI, PHP and Rack turn both `X-PII-Guard-Account` and `X_PII_GUARD_ACCOUNT`
    ///   into the same `HTTP_X_PII_GUARD_ACCOUNT` variable.
    /// - Every name with an `_`: the same folding lets `X_Forwarded_For`, `X_Real_IP` or `X_Request_ID` stand in
    ///   for the fields this proxy replaces, and an SSO header the admin trusts could be forged the same way. Names
    ///   with `_` are not used by browsers; nginx (`underscores_in_headers off`) and Apache (for CGI) drop them by
    ///   default, so an admin that worked behind either never relied on them.
    public static func isDroppedFromBrowser(_ name: HTTPField.Name) -> Bool {
        let lower = name.canonicalName.lowercased()
        if lower.utf8.contains(UInt8(ascii: "_")) { return true }
        return lower.hasPrefix(self.guardFieldPrefix)
    }

    /// Whether a `Set-Cookie` value from the upstream names one of the guard's cookies (`__Host-pii-guard…`).
    ///
    /// Cookie prefixes are matched case-insensitively by browsers (RFC 6265bis §5.7), and a pair without `=` is a
    /// cookie with an empty name whose value the browser may read as the name, so both spellings count.
    static func setsGuardCookie(_ value: String) -> Bool {
        let pair = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        let prefix = self.guardCookiePrefix.lowercased()
        if trimmed.lowercased().hasPrefix(prefix) { return true }
        // `=__Host-pii-guard=x` or a value only: browsers have read such cookies as named by their value.
        let rest = pair.drop { $0 == " " || $0 == "\t" || $0 == "=" }.lowercased()
        return rest.hasPrefix(prefix)
    }

    /// `Secure` added to an upstream cookie that lacks it: the browser only ever talks HTTPS to the guard, and a
    /// cookie without it would also be sent to any plain-HTTP listener on the same host name.
    static func addingSecure(_ value: String) -> String {
        let attributes = value.split(separator: ";", omittingEmptySubsequences: false).dropFirst()
        if attributes.contains(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == "secure" }) { return value }
        return value + "; Secure"
    }

    /// Removes the guard's own cookies from the `Cookie` fields (and a field left empty).
    public static func removeGuardCookies(_ fields: inout HTTPFields) {
        let values = fields[values: .cookie]
        guard values.contains(where: { $0.contains(self.guardCookiePrefix) }) else { return }
        let kept = values.compactMap { value -> String? in
            let pairs = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix(self.guardCookiePrefix) }
            return pairs.isEmpty ? nil : pairs.joined(separator: "; ")
        }
        fields[values: .cookie] = kept
    }

    /// Content codings the proxy lets the upstream use: the ones its own stages can decode (gzip, deflate), so
    /// that a body can always be inspected. `br` and `zstd` are never offered upstream.
    static let decodableCodings: Set<String> = ["gzip", "deflate", "identity", "x-gzip"]

    /// Removes hop-by-hop fields, including those the `Connection` field names.
    public static func removeHopByHop(_ fields: inout HTTPFields) {
        var named = Set<HTTPField.Name>()
        for value in fields[values: .connection] {
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingCharacters(in: .whitespaces)
                if let name = HTTPField.Name(trimmed) { named.insert(name) }
            }
        }
        fields = HTTPFields(fields.filter { !self.hopByHop.contains($0.name) && !named.contains($0.name) })
    }

    /// The client address for this request: the peer, or — when the peer is a trusted proxy — the right-most
    /// address in `X-Forwarded-For` that is not itself a trusted proxy.
    public static func clientAddress(peer: IPAddress?, headers: HTTPFields, trusted: [IPAddressRange]) -> IPAddress? {
        guard let peer else { return nil }
        guard self.isTrusted(peer, trusted) else { return peer }
        let chain = headers[values: self.forwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for entry in chain.reversed() {
            guard let address = IPAddress(entry) else { return peer }  // garbage in the chain: trust only the peer
            if !self.isTrusted(address, trusted) { return address }
        }
        return peer
    }

    static func isTrusted(_ address: IPAddress, _ trusted: [IPAddressRange]) -> Bool {
        trusted.contains { $0.contains(address) }
    }

    /// Builds the header fields sent upstream.
    /// - Parameters:
    ///   - incoming: the browser's fields (HTTP/1.1 or HTTP/2; pseudo-fields are not in here).
    ///   - peer: the socket peer.
    ///   - client: the client address from `clientAddress(peer:headers:trusted:)`.
    ///   - publicHost: the `Host`/`:authority` the browser used.
    ///   - upstream: where the request goes.
    ///   - requestID: our id for this request.
    public static func upstreamRequestFields(
        incoming: HTTPFields,
        peer: IPAddress?,
        client: IPAddress?,
        trusted: [IPAddressRange],
        publicHost: String,
        publicPort: Int,
        upstream: UpstreamOrigin,
        requestID: String
    ) -> HTTPFields {
        var fields = incoming
        self.removeHopByHop(&fields)
        let peerTrusted = peer.map { self.isTrusted($0, trusted) } ?? false
        let priorChain = peerTrusted ? fields[values: self.forwardedFor].joined(separator: ", ") : ""
        let priorProto = peerTrusted ? fields[self.forwardedProto] : nil
        let priorHost = peerTrusted ? fields[self.forwardedHost] : nil
        for name in [self.forwardedFor, self.forwardedProto, self.forwardedHost, self.forwardedPort, self.forwarded,
                     self.realIP, self.requestID, HTTPField.Name("Host")!] {
            fields[name] = nil
        }
        // The guard's own namespace (signed identity headers) and `_` spellings: see `isDroppedFromBrowser`.
        fields = HTTPFields(fields.filter { !self.isDroppedFromBrowser($0.name) })
        self.removeGuardCookies(&fields)
        // Only codings our own stages can decode; the browser's preference order is kept.
        if let accept = fields[.acceptEncoding] {
            let kept = accept.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                let coding = $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                return coding.map { self.decodableCodings.contains($0) } ?? false
            }
            fields[.acceptEncoding] = kept.isEmpty ? "identity" : kept.joined(separator: ", ")
        }
        let hop = (peer ?? client).map(\.description) ?? "unknown"
        fields[self.forwardedFor] = priorChain.isEmpty ? hop : "\(priorChain), \(hop)"
        fields[self.forwardedProto] = priorProto ?? "https"
        fields[self.forwardedHost] = priorHost ?? publicHost
        fields[self.forwardedPort] = String(publicPort)
        if let client { fields[self.realIP] = client.description }
        fields[self.requestID] = requestID
        return fields
    }

    /// The fields as HTTP/1.1 header lines for the upstream. HTTP/2 may split cookies into several fields
    /// (RFC 9113 §8.2.3), and `HTTPFields` keeps them split; an HTTP/1.1 server wants one `Cookie` line (RFC 6265 §5.4).
    public static func http1Lines(_ fields: HTTPFields) -> [(String, String)] {
        var lines: [(String, String)] = []
        var cookies: [String] = []
        for field in fields {
            if field.name == .cookie {
                cookies.append(field.value)
            } else {
                lines.append((field.name.canonicalName, field.value))
            }
        }
        if !cookies.isEmpty { lines.append(("Cookie", cookies.joined(separator: "; "))) }
        return lines
    }

    /// Filters and rewrites the upstream's response fields for the browser: hop-by-hop and banner fields
    /// (`bannerFields`) dropped, links and cookies pointed at the guard's origin, every cookie `Secure`, and a
    /// `Set-Cookie` for one of the guard's own cookies dropped (the admin must never set, replace or clear the guard's
    /// session: a chosen session id would be a fixation).
    public static func downstreamResponseFields(
        upstream fields: HTTPFields,
        rewriter: OriginRewriter,
        hstsMaxAge: Int,
        requestID: String
    ) -> HTTPFields {
        var fields = fields
        self.removeHopByHop(&fields)
        var rewritten = HTTPFields()
        for field in fields where !self.bannerFields.contains(field.name) {
            switch field.name {
            case .location, .contentLocation, .init("Refresh")!:
                rewritten.append(HTTPField(name: field.name, value: rewriter.rewriteURL(field.value)))
            case .setCookie:
                guard !self.setsGuardCookie(field.value) else { continue }
                rewritten.append(HTTPField(name: field.name,
                                           value: self.addingSecure(rewriter.rewriteSetCookie(field.value))))
            default:
                rewritten.append(field)
            }
        }
        if hstsMaxAge > 0 {
            rewritten[.strictTransportSecurity] = "max-age=\(hstsMaxAge)"
        }
        rewritten[self.requestID] = requestID
        return rewritten
    }
}
