import AccountIdentity
import Crypto
import Foundation
import GuardProxy
import HTTPTypes
import Logging
import SecondFactor

/// Everything the second factor's web side needs, built once by the composition (`PIIGuard`).
///
/// The gate (`StepUpGate`) and the pages and JSON API (`StepUpRoutes`) share it. It holds no per-request state.
public struct StepUp: Sendable {
    /// Keys derived from the guard's master key; never stored on their own.
    public struct Keys: Sendable {
        /// Signs CSRF tokens.
        public let csrf: SymmetricKey
        /// Signs the identity headers to the upstream; `nil`: the headers are not sent.
        public let identityHeaders: SymmetricKey?
        public init(csrf: SymmetricKey, identityHeaders: SymmetricKey?) {
            self.csrf = csrf
            self.identityHeaders = identityHeaders
        }
    }

    public let service: SecondFactorService
    /// The identity source of each site, by site name.
    public let identities: [String: IdentityResolver]
    /// The site serving a `Host`, by name.
    public let siteForHost: @Sendable (String) -> String?
    /// The personal-information menu a path belongs to on a site (its display name), or `nil`.
    public let protectedMenu: @Sendable (_ site: String, _ path: String) -> String?
    public let trustedProxies: [IPAddressRange]
    public let keys: Keys
    /// Channels a person may register (the app always; SMS and messenger when a gateway or the dev outbox exists).
    public let channels: [FactorChannel]
    public let outbox: DevOutbox?
    /// The guard's idle timeout and cycle, for the pages.
    public let proofPolicy: ProofPolicy
    public let codeValidity: Duration
    public let clock: @Sendable () -> Date
    public let logger: Logger
    /// Recent valid verdicts (`VerdictCache`), shared by the gate and the pages that change proofs.
    public let verdicts: VerdictCache

    public init(service: SecondFactorService, identities: [String: IdentityResolver],
                siteForHost: @escaping @Sendable (String) -> String?,
                protectedMenu: @escaping @Sendable (String, String) -> String?, trustedProxies: [IPAddressRange],
                keys: Keys, channels: [FactorChannel], outbox: DevOutbox?, proofPolicy: ProofPolicy,
                codeValidity: Duration, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger,
                verdictCache: Duration = .seconds(1)) {
        self.service = service
        self.identities = identities
        self.siteForHost = siteForHost
        self.protectedMenu = protectedMenu
        self.trustedProxies = trustedProxies
        self.keys = keys
        self.channels = channels
        self.outbox = outbox
        self.proofPolicy = proofPolicy
        self.codeValidity = codeValidity
        self.clock = clock
        self.logger = logger
        self.verdicts = VerdictCache(ttl: verdictCache)
    }

    /// Who is logged in to the admin, asked with the browser's cookies minus the guard's own.
    func identity(site: String, headers: HTTPFields, peer: IPAddress?) async -> IdentityResult {
        guard let resolver = self.identities[site] else { return .unavailable(reason: "no identity source for the site") }
        var fields = headers
        HeaderPolicy.removeGuardCookies(&fields)
        var lines: [(name: String, value: String)] = []
        for field in fields {
            lines.append((field.name.canonicalName, field.value))
        }
        // HTTP/2 splits cookies; the who-am-I call wants them as one header.
        let cookies = lines.filter { $0.name == "cookie" }.map(\.value)
        lines.removeAll { $0.name == "cookie" }
        if !cookies.isEmpty { lines.append(("cookie", cookies.joined(separator: "; "))) }
        return await resolver.resolve(headers: lines, peer: peer)
    }

    /// The path a `next` parameter may name: same-origin, absolute path, not the guard's own pages' POST targets.
    /// Anything else (a full URL, `//host`, a backslash trick, control characters) becomes `/`.
    public static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.count <= 2048,
            !next.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f || $0 == "\\" })
        else { return "/" }
        return next
    }

    package static func query(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }

    /// `/__guard/verify?next=…&reason=…`
    package static func verifyURL(next: String, reason: String? = nil) -> String {
        var items = [("next", next)]
        if let reason { items.append(("reason", reason)) }
        return "/__guard/verify?" + self.query(items)
    }
}
