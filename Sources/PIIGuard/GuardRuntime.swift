import Foundation
import GuardProxy
import Hummingbird
import Logging
import SecondFactor
import ServiceLifecycle
import UnixSignals

/// Builds every part from a loaded configuration and runs them as one service group.
///
/// SIGTERM/SIGINT shut down gracefully: the listener stops accepting, in-flight requests finish (up to the
/// configured grace), then the upstream pool closes. SIGHUP reloads certificates without dropping connections; a
/// reload that fails leaves the running certificates in place and says why.
public struct GuardRuntime: Sendable {
    public let loaded: LoadedConfiguration
    public let logger: Logger

    public init(loaded: LoadedConfiguration, logger: Logger) {
        self.loaded = loaded
        self.logger = logger
    }

    /// Runs until a shutdown signal.
    /// - Parameters:
    ///   - before: services started before the proxy and stopped after it (the demo admin).
    ///   - onProxyRunning: called with the bound port once the proxy accepts connections.
    ///   - devOutbox: show codes at `/__guard/dev/outbox` and hand them to `printOutbox` instead of sending them
    ///     through unconfigured channels (the demo); `nil`: as the configuration says.
    public func run(
        before: [any Service] = [],
        devOutbox: Bool? = nil,
        printOutbox: @escaping @Sendable (DevOutbox.Message) -> Void = { _ in },
        onProxyRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try FileManager.default.createDirectory(atPath: self.loaded.dataDirectory, withIntermediateDirectories: true)
        let proxyConfiguration = try self.loaded.proxyConfiguration()
        try await ListenCheck.ensureAvailable(
            host: proxyConfiguration.listenHost, port: proxyConfiguration.listenPort, purpose: "the guard (listen.port)")
        let certificates = try CertificateLoader.load(self.loaded, logger: self.logger)
        let loaded = self.loaded
        let secondFactor: SecondFactorAssembly? = loaded.configuration.secondFactor.enabled
            ? try SecondFactorAssembly.build(loaded, logger: self.logger, devOutbox: devOutbox, printOutbox: printOutbox)
            : nil
        if secondFactor == nil {
            self.logger.warning("second_factor.enabled is false: personal-information menus open without a second factor")
        }
        let hooks = ProxyHooks(routeLabel: { site, path in loaded.routeLabel(site: site, path: path) },
                               gate: secondFactor?.gate ?? OpenGate())
        let started = Date()
        let proxy = GuardProxyServer(
            configuration: proxyConfiguration, certificates: certificates, hooks: hooks, logger: self.logger
        ) { group in
            secondFactor?.routes(group)
            group.get("status") { _, _ in
                let settings = loaded.configuration.secondFactor
                let status = GuardStatus(
                    version: PIIGuardVersion.current,
                    startedAt: ISO8601DateFormatter().string(from: started),
                    sites: loaded.configuration.sites.map { .init(name: $0.name, hosts: $0.hosts, menus: $0.menus) },
                    secondFactor: .init(
                        enabled: secondFactor != nil, channels: secondFactor?.stepUp.channels.map(\.rawValue) ?? [],
                        devOutbox: secondFactor?.outbox != nil,
                        idleTimeoutSeconds: settings.idleTimeout.components.seconds,
                        cycleSeconds: settings.cycle.components.seconds))
                return try JSONResponse(status)
            }
        }
        let application = try proxy.makeApplication(onServerRunning: onProxyRunning)
        let reloader = ReloadOnHangup(loaded: self.loaded, certificates: certificates, logger: self.logger)
        let group = ServiceGroup(
            configuration: .init(
                services: before.map { .init(service: $0) } + (secondFactor.map { [.init(service: $0.client)] } ?? []) + [
                    .init(service: application),
                    .init(service: reloader),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            ))
        try await group.run()
    }
}

/// What `/__guard/status` tells an operator: no personal data, no secrets.
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
    let version: String
    let startedAt: String
    let sites: [Site]
    let secondFactor: SecondFactor
    enum CodingKeys: String, CodingKey { case version, startedAt, sites, secondFactor = "second_factor" }
}

/// A small JSON response helper for the guard's own routes.
struct JSONResponse: ResponseGenerator {
    let body: Data
    init(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        self.body = try encoder.encode(value)
    }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: self.body)))
    }
}

/// Reloads certificates on SIGHUP.
struct ReloadOnHangup: Service {
    let loaded: LoadedConfiguration
    let certificates: TLSCertificateStore
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                do {
                    let fresh = try LoadedConfiguration.load(path: self.loaded.file)
                    try CertificateLoader.reload(fresh, into: self.certificates, logger: self.logger)
                    self.logger.notice("reloaded certificates on SIGHUP")
                } catch {
                    self.logger.error("reload rejected; the running certificates stay active",
                                      metadata: ["reason": "\(error)"])
                }
            }
        } onGracefulShutdown: {}
    }
}

/// The version string shown by `--version` and `/__guard/status`.
public enum PIIGuardVersion {
    public static let current = "0.1.0"
}
