import Foundation
import GuardProxy
import Hummingbird
import SecondFactorWeb

/// `GET /__guard/status`: up or down for anyone (load balancers' health checks), the details for the operator.
///
/// The details name the rules folder, the store's files or database, the sites and their host names, the version
/// and the channels: a map for an attacker, who should learn nothing more than whether the guard runs. So they are
/// shown only to a client on the guard's own machine (the operator's `curl` on loopback; a trusted proxy's
/// `X-Forwarded-For` is followed, so a balancer on the same machine does not make every browser "local") or to an
/// auditor (an account holding one of `audit.auditor_roles`) with a valid second-factor proof for this session and
/// address. Everyone else gets `{"status":"up"}`, or `"down"` while the store cannot be reached (the personal
/// information menus then answer 503). Both answer 200, so a balancer keeps the guard in rotation: the store is
/// shared, and everything outside the menus still works (docs/OPERATIONS.md).
public struct GuardStatusRoute: Sendable {
    let loaded: LoadedConfiguration
    let rules: LiveRules
    let secondFactor: SecondFactorAssembly?
    let started: Date
    let storeLocation: String
    let storeReachable: @Sendable () -> Bool
    let trustedProxies: [IPAddressRange]
    let auditorRoles: Set<String>

    /// Clients that count as the guard's own machine.
    static let loopback = [IPAddressRange("127.0.0.0/8")!, IPAddressRange("::1/128")!]

    /// - Parameters:
    ///   - secondFactor: when nil (second factor off) only loopback clients see the details.
    ///   - storeLocation: files or database, never a password (`StoreAssembly`).
    ///   - storeReachable: false while the store's operations fail.
    public init(loaded: LoadedConfiguration, rules: LiveRules, secondFactor: SecondFactorAssembly?, started: Date,
                storeLocation: String, storeReachable: @escaping @Sendable () -> Bool) {
        self.loaded = loaded
        self.rules = rules
        self.secondFactor = secondFactor
        self.started = started
        self.storeLocation = storeLocation
        self.storeReachable = storeReachable
        self.trustedProxies = loaded.configuration.trustedProxies.compactMap(IPAddressRange.init)
        self.auditorRoles = Set(loaded.configuration.audit.auditorRoles)
    }

    public func register(on group: RouterGroup<GuardRequestContext>) {
        group.get("status") { request, context -> Response in
            if await self.mayReadDetails(request, context) {
                return try JSONResponse(self.details()).response(from: request, context: context)
            }
            return try JSONResponse(PublicStatus(status: self.storeReachable() ? "up" : "down"))
                .response(from: request, context: context)
        }
    }

    /// Loopback, or an auditor with a valid proof. Anything that cannot be checked (no guard session, the identity
    /// source or the store failing) counts as no.
    func mayReadDetails(_ request: Request, _ context: GuardRequestContext) async -> Bool {
        let client = HeaderPolicy.clientAddress(peer: context.peer, headers: request.headers, trusted: self.trustedProxies)
        if let client, Self.loopback.contains(where: { $0.contains(client) }) { return true }
        // Without the guard's session there can be no proof: no call to the identity source for a health check.
        guard let secondFactor = self.secondFactor, !self.auditorRoles.isEmpty,
              GuardSession.existing(in: request.headers) != nil
        else { return false }
        let routes = StepUpRoutes(stepUp: secondFactor.stepUp)
        guard let visit = await routes.visit(request, context), case .known(let identity) = visit.identity,
              !self.auditorRoles.isDisjoint(with: identity.roles)
        else { return false }
        return (try? await routes.proofIsValid(visit, account: identity.account)) ?? false
    }

    func details() -> GuardStatus {
        let settings = self.loaded.configuration.secondFactor
        let formatter = ISO8601DateFormatter()
        let reachable = self.storeReachable()
        return GuardStatus(
            status: reachable ? "up" : "down",
            version: PIIGuardVersion.current,
            startedAt: formatter.string(from: self.started),
            sites: self.loaded.configuration.sites.map { .init(name: $0.name, hosts: $0.hosts, menus: $0.menus) },
            secondFactor: .init(
                enabled: self.secondFactor != nil,
                channels: self.secondFactor?.stepUp.channels.map(\.rawValue) ?? [],
                devOutbox: self.secondFactor?.outbox != nil,
                idleTimeoutSeconds: settings.idleTimeout.components.seconds,
                cycleSeconds: settings.cycle.components.seconds),
            rules: .init(directory: self.loaded.rulesDirectory, loadedAt: formatter.string(from: self.rules.loadedAt),
                         profiles: self.rules.current.profiles.keys.sorted(), lastReloadError: self.rules.lastError),
            store: .init(backend: self.loaded.configuration.store.backend.rawValue, location: self.storeLocation,
                         reachable: reachable))
    }
}

/// What anyone may learn from `/__guard/status`.
struct PublicStatus: Encodable {
    /// `up`, or `down` while the store cannot be reached.
    let status: String
}

/// What `/__guard/status` tells the operator and auditors: no personal data, no secrets.
struct GuardStatus: Encodable {
    struct Site: Encodable { let name: String; let hosts: [String]; let menus: [String] }
    struct SecondFactor: Encodable {
        let enabled: Bool
        /// Channels a person may register.
        let channels: [String]
        let devOutbox: Bool
        let idleTimeoutSeconds: Int64
        let cycleSeconds: Int64
        enum CodingKeys: String, CodingKey {
            case enabled, channels, devOutbox = "dev_outbox", idleTimeoutSeconds = "idle_timeout_seconds"
            case cycleSeconds = "cycle_seconds"
        }
    }
    struct Rules: Encodable {
        let directory: String
        let loadedAt: String
        let profiles: [String]
        /// Why the last reload was rejected (the rules loaded at `loadedAt` stay in force), or nil.
        let lastReloadError: String?
        enum CodingKeys: String, CodingKey {
            case directory, loadedAt = "loaded_at", profiles, lastReloadError = "last_reload_error"
        }
    }
    struct Store: Encodable {
        /// `sqlite` or `postgres`.
        let backend: String
        /// Files or database (never a password).
        let location: String
        /// False while operations on the database fail (protected menus answer 503 meanwhile).
        let reachable: Bool
    }
    /// As in `PublicStatus`.
    let status: String
    let version: String
    let startedAt: String
    let sites: [Site]
    let secondFactor: SecondFactor
    let rules: Rules
    let store: Store
    enum CodingKeys: String, CodingKey { case status, version, startedAt, sites, secondFactor = "second_factor", rules, store }
}
