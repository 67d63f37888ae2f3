import AuditTrailWeb
import ExportVault
import Foundation
import GuardProxy
import Hummingbird
import Logging
import MaskingStage
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
        if devOutbox == nil, let warning = try self.loaded.devOutboxUnderServe() {
            // As configured (`serve`), not the demo's own choice: said loudly, and refused beside real channels.
            self.logger.warning("\(warning)")
        }
        try FileManager.default.createDirectory(atPath: self.loaded.dataDirectory, withIntermediateDirectories: true)
        let proxyConfiguration = try self.loaded.proxyConfiguration()
        try await ListenCheck.ensureAvailable(
            host: proxyConfiguration.listenHost, port: proxyConfiguration.listenPort, purpose: "the guard (listen.port)")
        let certificates = try CertificateLoader.load(self.loaded, logger: self.logger)
        let loaded = self.loaded
        let rules = LiveRules(initial: try RuleSet.load(directory: loaded.rulesDirectory),
                              directory: loaded.rulesDirectory, configuration: loaded.configuration)
        let events = EventFanOut()
        // Proofs, codes, lockouts, tickets and the access records: files in data_dir, or the shared database.
        let stores = try await StoreAssembly.open(loaded, logger: self.logger)
        self.logger.notice("records kept in \(stores.location)")
        let secondFactor: SecondFactorAssembly?
        let audit: AuditAssembly
        do {
            secondFactor = loaded.configuration.secondFactor.enabled
                ? try SecondFactorAssembly.build(loaded, logger: self.logger, devOutbox: devOutbox, printOutbox: printOutbox,
                                                 menus: { rules.current.menus }, events: events, store: stores.records)
                : nil
            // The access records: every response of a personal-information menu is recorded before it completes.
            audit = try AuditAssembly.build(loaded, stores: stores, logger: self.logger)
        } catch {
            await stores.close()
            throw error
        }
        events.add(AuditEventSink(writer: audit.writer, logger: self.logger))
        if secondFactor == nil {
            self.logger.warning("second_factor.enabled is false: personal-information menus open without a second factor")
        }
        let exports = secondFactor.map {
            ExportAssembly.build(loaded, secondFactor: $0, rules: rules, sink: AuditExportSink(
                writer: audit.writer, next: LoggingExportRecordSink(logger: self.logger), logger: self.logger))
        }
        if secondFactor == nil {
            self.logger.warning("second_factor.enabled is false: protected exports are off too (downloads are masked, not encrypted)")
        }
        let hooks = Self.hooks(loaded: loaded, rules: rules, gate: secondFactor?.gate,
                               report: LoggingMaskingReport(logger: self.logger), exports: exports,
                               recorder: audit.recorder(rules: rules, configuration: loaded.configuration), logger: self.logger)
        let started = Date()
        let proxy = GuardProxyServer(
            configuration: proxyConfiguration, certificates: certificates, hooks: hooks, logger: self.logger
        ) { group in
            secondFactor?.routes(group)
            exports?.routes(group)
            if let secondFactor {
                let writer = audit.writer
                AuditRoutes(stepUp: secondFactor.stepUp, log: audit.log, publicKey: audit.signer.publicKey,
                            auditorRoles: Set(loaded.configuration.audit.auditorRoles),
                            recordView: { _ = try await writer.append($0) }).register(on: group)
            }
            GuardStatusRoute(loaded: loaded, rules: rules, secondFactor: secondFactor, started: started,
                             storeLocation: stores.location,
                             storeReachable: { !(stores.database?.isFailing ?? false) }).register(on: group)
        }
        let application = try proxy.makeApplication(onServerRunning: onProxyRunning)
        let reloader = ReloadOnHangup(loaded: self.loaded, certificates: certificates, rules: rules, logger: self.logger)
        let watcher = RulesWatcher(rules: rules, logger: self.logger)
        var groupConfiguration = ServiceGroupConfiguration(
                // The database first, so it stops last: the final records and checkpoint are written through it.
                services: (stores.database.map { [.init(service: $0)] } ?? []) + before.map { .init(service: $0) }
                    + (secondFactor.map { [.init(service: $0.client)] } ?? []) + [
                    // Before the proxy in the list, so it stops after it: the last requests are still recorded.
                    .init(service: audit.service),
                    .init(service: application),
                    .init(service: reloader),
                    .init(service: watcher),
                ],
                // The executable handles SIGTERM/SIGINT on a thread of its own (`ProcessSignals`, which arms the
                // watchdog first); without it (tests, library use) swift-service-lifecycle traps them.
                gracefulShutdownSignals: ProcessSignals.isInstalled ? [] : [.sigterm, .sigint],
                logger: self.logger
            )
        let grace = loaded.configuration.timeouts.values.shutdownGrace
        // Past `shutdown_grace` the services still running (a WebSocket, a request that does not finish) are
        // cancelled, so the group ends; the watchdog covers whatever does not end even then.
        groupConfiguration.maximumGracefulShutdownDuration = grace
        let group = ServiceGroup(configuration: groupConfiguration)
        ProcessSignals.register(grace: grace) { Task { await group.triggerGracefulShutdown() } }
        do {
            try await group.run()
        } catch {
            ShutdownWatchdog.shared.arm(after: Self.closingTime, reason: "closing the stores after a failed run did not end")
            await stores.close()
            throw error
        }
        ShutdownWatchdog.shared.arm(after: Self.closingTime, reason: "closing the stores after the services stopped did not end")
        await stores.close()
    }

    /// What closing the stores and leaving the process may take once the services have stopped.
    static let closingTime: Duration = .seconds(10)
}

extension GuardRuntime {
    /// The policy's hooks into the proxy: route labels, masking of bodies and chat frames by the live rules, and the
    /// second factor's gate. The runtime and the end-to-end tests build them the same way.
    public static func hooks(loaded: LoadedConfiguration, rules: LiveRules, gate: (any RequestGate)?,
                             report: any MaskingReportSink, exports: ExportAssembly? = nil,
                             recorder: any ResponseRecorder = NoRecorder(),
                             logger: Logger = Logger(label: "pii-guard")) -> ProxyHooks {
        let masking = MaskingTransformer(rules: { rules.masking }, report: report)
        let stepUp = gate ?? OpenGate()
        return ProxyHooks(
            routeLabel: { site, path in loaded.routeLabel(site: site, path: path) },
            responseTransformer: exports?.transformer(before: masking) ?? masking,
            webSocketTransformer: MaskingWebSocketTransformer(rules: { rules.masking }, report: report),
            gate: exports?.gate(after: stepUp, logger: logger) ?? stepUp,
            recorder: recorder)
    }
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

/// Reloads certificates and `rules/` on SIGHUP.
struct ReloadOnHangup: Service {
    let loaded: LoadedConfiguration
    let certificates: TLSCertificateStore
    let rules: LiveRules
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
                self.rules.reportReload(self.rules.reload(), logger: self.logger, trigger: "SIGHUP")
            }
        } onGracefulShutdown: {}
    }
}

/// The version string shown by `--version` and `/__guard/status`.
public enum PIIGuardVersion {
    public static let current = "0.1.0"
}

/// Notices edits to `rules/` (every 2 seconds) and reloads them; a broken edit is rejected and logged, the running
/// rules stay, and `/__guard/status` shows why.
struct RulesWatcher: Service {
    let rules: LiveRules
    let logger: Logger

    func run() async throws {
        var seen = self.rules.fingerprint()
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .seconds(2))
            let now = self.rules.fingerprint()
            guard now != seen else { continue }
            seen = now
            self.rules.reportReload(self.rules.reload(), logger: self.logger, trigger: "file change")
        }
    }
}

extension LiveRules {
    func reportReload(_ result: Result<RuleSet, ConfigurationError>, logger: Logger, trigger: String) {
        switch result {
        case .success(let rules):
            logger.notice("rules reloaded", metadata: ["trigger": "\(trigger)", "menus": "\(rules.menus.menus.count)",
                                                       "profiles": "\(rules.profiles.count)"])
        case .failure(let error):
            logger.error("rules reload rejected; the running rules stay active",
                         metadata: ["trigger": "\(trigger)", "reason": "\(error)"])
        }
    }
}

/// Until the access records exist: what each response had masked, as counts by kind in the debug log; refusals as
/// warnings (kind and reason, never content).
struct LoggingMaskingReport: MaskingReportSink {
    let logger: Logger
    func record(_ summary: MaskingSummary) {
        guard summary.tally.total > 0 else { return }
        self.logger.debug("masked", metadata: [
            "site": "\(summary.site)", "menu": "\(summary.menu)", "content": "\(summary.contentKind)",
            "counts": "\(summary.tally.counts.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: ","))",
            "subjects": "\(summary.tally.subjects.keys.count)",  // how many, never which
        ])
    }

    func record(_ refusal: MaskingRefusal) {
        self.logger.warning("response refused: it could not be masked", metadata: [
            "site": "\(refusal.site)", "menu": "\(refusal.menu)", "content": "\(refusal.contentKind)",
            "reason": "\(refusal.reason.rawValue)",
        ])
    }
}
