import GuardStore
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// One guard's connection pool to the shared PostgreSQL database, kept usable across outages.
///
/// It exists because the stores need three things a bare `PostgresClient` does not give them:
/// - **A deadline on every operation** (`operationTimeout`): while the database is down a lease would otherwise wait
///   until the pool's circuit breaker trips (a minute), and a request on a protected menu would hang instead of
///   getting its 503 page.
/// - **Fast recovery**: a pool whose connections keep failing backs off up to a minute between attempts. After an
///   operation failed as unreachable, `run()` probes the server once a second with a single connection and, as soon
///   as one succeeds, swaps in a fresh pool, so service resumes within about a second of the database's return,
///   without a restart.
/// - **Errors that name the database and never its data**: `StoreError`s with the target (no password), the SQLSTATE
///   and the server's primary message, never a statement's arguments.
///
/// The pool starts on first use, so the CLI can use a database without a service group; a guard runs `run()` in its
/// service group (listed before the parts that use it, so it stops after them).
public final class PostgresDatabase: Service, Sendable {
    public let settings: PostgresSettings
    let logger: Logger
    private let configuration: PostgresClient.Configuration
    /// The same TLS mode for the single connection of a recovery probe.
    private let probeTLS: PostgresConnection.Configuration.TLS
    private let state = Mutex(State())

    private struct Generation: Sendable {
        let id: Int
        let client: PostgresClient
        let task: Task<Void, Never>
    }

    private struct State: Sendable {
        var current: Generation?
        var nextID = 1
        /// When an operation first failed as unreachable since the last success (nil: healthy).
        var failingSince: ContinuousClock.Instant?
        var failingGeneration = 0
        var closed = false
        var retired: [Task<Void, Never>] = []
        /// Why the last probe could not connect, and when it was asked (one probe per few seconds at most).
        var diagnosis: (at: ContinuousClock.Instant, error: StoreError?)?
    }

    /// - Throws: `PostgresSettingsError` when the TLS settings cannot be used (an unreadable CA file).
    public init(settings: PostgresSettings, logger: Logger) throws(PostgresSettingsError) {
        self.settings = settings
        // postgres-nio logs statements (with their arguments) at debug and trace: never below warning here.
        var quiet = logger
        if quiet.logLevel < .warning { quiet.logLevel = .warning }
        self.logger = quiet
        let tls: PostgresClient.Configuration.TLS
        switch settings.tls {
        case .disable:
            tls = .disable
            self.probeTLS = .disable
        case .prefer:
            // As libpq's `prefer`: encrypted when the server offers it, its certificate not checked.
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            configuration.certificateVerification = .none
            tls = .prefer(configuration)
            self.probeTLS = .prefer(try Self.context(configuration))
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let caFile = settings.caFile {
                guard FileManager.default.isReadableFile(atPath: caFile) else {
                    throw PostgresSettingsError("cannot read the database CA file '\(caFile)'")
                }
                configuration.trustRoots = .file(caFile)
            }
            tls = .require(configuration)
            self.probeTLS = .require(try Self.context(configuration))
        }
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: tls)
        configuration.options.connectTimeout = settings.connectTimeout
        configuration.options.maximumConnections = max(1, settings.maxConnections)
        configuration.options.minimumConnections = 0
        let statementTimeout = max(1, settings.operationTimeout.components.seconds * 1000
            + settings.operationTimeout.components.attoseconds / 1_000_000_000_000_000)
        configuration.options.additionalStartupParameters = [
            ("application_name", settings.applicationName),
            // The server gives up on a statement the guard has given up on, and on a transaction a dead guard left open.
            ("statement_timeout", "\(statementTimeout)"),
            ("idle_in_transaction_session_timeout", "\(statementTimeout * 2)"),
        ]
        self.configuration = configuration
    }

    // MARK: - Lifecycle

    /// Supervises the pool until the service group shuts down, then closes it.
    public func run() async throws {
        _ = self.generation()
        await withGracefulShutdownHandler {
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                try? await Task.sleep(for: .seconds(1))
                await self.recoverIfFailing()
            }
        } onGracefulShutdown: {}
        await self.close()
    }

    /// Closes every connection; operations after this fail as `.unavailable`.
    public func close() async {
        let tasks: [Task<Void, Never>] = self.state.withLock { state in
            state.closed = true
            let tasks = state.retired + (state.current.map { [$0.task] } ?? [])
            state.current = nil
            state.retired = []
            return tasks
        }
        for task in tasks {
            task.cancel()
            await task.value
        }
    }

    /// True while operations have been failing as unreachable (what `/__guard/status` shows).
    public var isFailing: Bool { self.state.withLock { $0.failingSince != nil } }

    private func generation() -> Generation? {
        self.state.withLock { state in
            if state.closed { return nil }
            if let current = state.current { return current }
            let client = PostgresClient(configuration: self.configuration, backgroundLogger: self.logger)
            let generation = Generation(id: state.nextID, client: client, task: Task { await client.run() })
            state.nextID += 1
            state.current = generation
            return generation
        }
    }

    /// After a failure, one probe connection per call; when it gets through, a fresh pool replaces the failing one.
    private func recoverIfFailing() async {
        guard let since = self.state.withLock({ $0.failingSince }), since.duration(to: .now) >= .milliseconds(500) else { return }
        guard await self.probe(what: "the database") == nil else { return }
        let retired: Generation? = self.state.withLock { state in
            guard !state.closed, state.failingSince != nil else { return nil }
            let old = state.current
            state.current = nil
            state.failingSince = nil
            if let old { state.retired.append(old.task) }
            return old
        }
        guard let retired else { return }
        _ = self.generation()
        self.logger.notice("database reachable again; reconnected", metadata: ["database": "\(self.settings.target)"])
        // The old pool's leases fail as it closes; its task ends once its connections are gone.
        retired.task.cancel()
        await retired.task.value
        self.state.withLock { state in state.retired.removeAll { $0 == retired.task } }
    }

    /// Connects once, outside the pool, and runs `SELECT 1`: nil when that works, else why not.
    private func probe(what: String) async -> StoreError? {
        let settings = self.settings
        let tls = self.probeTLS
        let logger = self.logger
        do {
            try await Deadline.run(settings.connectTimeout + settings.operationTimeout) {
                try await Self.connectOnce(settings: settings, tls: tls, logger: logger)
            }
            return nil
        } catch {
            return PostgresErrors.storeError(error, what: what, settings: self.settings)
        }
    }

    private static func connectOnce(settings: PostgresSettings, tls: PostgresConnection.Configuration.TLS,
                                    logger: Logger) async throws {
        do {
            var configuration = PostgresConnection.Configuration(
                host: settings.host, port: settings.port, username: settings.user,
                password: settings.password, database: settings.database, tls: tls)
            configuration.options.connectTimeout = .seconds(Int64(max(1, settings.connectTimeout.components.seconds)))
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            defer { Task { try? await connection.close() } }
            try await connection.query("SELECT 1", logger: logger)
        }
    }

    /// Why operations time out: the pool keeps retrying a connection that fails (a wrong password, a missing
    /// database, a refused port) and only says so when its circuit breaker trips a minute later. One probe, at most
    /// every few seconds, finds the reason for the error message.
    private func diagnose(what: String) async -> StoreError? {
        let cached: StoreError?? = self.state.withLock { state in
            guard let diagnosis = state.diagnosis, diagnosis.at.duration(to: .now) < .seconds(5) else {
                state.diagnosis = (.now, nil)
                return .none
            }
            return .some(diagnosis.error)
        }
        let reason: StoreError?
        if let cached {
            reason = cached
        } else {
            reason = await self.probe(what: "connecting")
            self.state.withLock { $0.diagnosis = (.now, reason) }
        }
        return reason.map { StoreError($0.kind, "\(what): \($0.message)") }
    }

    // MARK: - Operations

    /// Runs `body` in one transaction (BEGIN … COMMIT; ROLLBACK when it throws), within the operation deadline.
    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws(StoreError) -> T
    {
        let logger = self.logger
        return try await self.operation(what) { client in
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs `body` on a leased connection, within the operation deadline.
    func connection<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws(StoreError) -> T
    {
        try await self.operation(what) { client in
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    private func operation<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresClient) async throws -> T)
        async throws(StoreError) -> T
    {
        guard let generation = self.generation() else {
            throw StoreError(.unavailable, "\(what) in \(self.settings.target): the database connection is closed")
        }
        do {
            let client = generation.client
            let value = try await Deadline.run(self.settings.operationTimeout) { try await body(client) }
            self.state.withLock { state in
                if state.failingGeneration == generation.id { state.failingSince = nil }
            }
            return value
        } catch {
            var failure = PostgresErrors.storeError(error, what: what, settings: self.settings)
            if error is Deadline.Passed, let reason = await self.diagnose(what: what) { failure = reason }
            if failure.kind == .unavailable {
                self.state.withLock { state in
                    if state.current?.id == generation.id, state.failingSince == nil {
                        state.failingSince = .now
                        state.failingGeneration = generation.id
                    }
                }
            }
            throw failure
        }
    }
}

extension PostgresDatabase {
    static func context(_ configuration: TLSConfiguration) throws(PostgresSettingsError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw PostgresSettingsError("cannot set up TLS for the database connection: \(error)")
        }
    }
}
