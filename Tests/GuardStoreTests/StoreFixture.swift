import Foundation
import GRDB
import GuardStorePostgres
import GuardTestSupport
import Logging
import Synchronization
import Testing

@testable import GuardStore

/// The backends the store suites run on: each test runs once on each.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { self.rawValue }
}

/// Fresh storage for one test on one backend. Each `recordStore()`/`auditLog()` is a new opener of the same storage
/// (a second SQLite connection pool on the file, a second PostgreSQL connection pool on the database): what a second
/// guard instance sharing it would be.
final class StoreFixture: Sendable {
    let backend: Backend
    let folder: String
    let database: String?
    let cluster: PostgresTestCluster?
    private let opened = Mutex<[PostgresDatabase]>([])

    private init(backend: Backend, folder: String, database: String?, cluster: PostgresTestCluster?) {
        self.backend = backend
        self.folder = folder
        self.database = database
        self.cluster = cluster
    }

    static func make(_ backend: Backend) async throws -> StoreFixture {
        let folder = NSTemporaryDirectory() + "pii-guard-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        switch backend {
        case .sqlite:
            return StoreFixture(backend: backend, folder: folder, database: nil, cluster: nil)
        case .postgres:
            let cluster = try await PostgresTestCluster.shared()
            let database = try await cluster.createDatabase(prefix: "store")
            return StoreFixture(backend: backend, folder: folder, database: database, cluster: cluster)
        }
    }

    /// Runs `body` with a fresh fixture and closes every connection it opened afterwards.
    static func with(_ backend: Backend, _ body: (StoreFixture) async throws -> Void) async throws {
        let fixture = try await self.make(backend)
        do {
            try await body(fixture)
        } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    var settings: PostgresSettings {
        get throws {
            let cluster = try #require(self.cluster)
            var settings = try PostgresSettings.parse(url: cluster.url(database: try #require(self.database)))
            settings.maxConnections = 8
            // The whole test suite shares two cores: these suites test behaviour, not the deadline (PostgresDatabaseTests
            // do), so an operation starved of CPU for a while must not fail them.
            settings.operationTimeout = .seconds(60)
            settings.connectTimeout = .seconds(10)
            return settings
        }
    }

    func postgres(_ settings: PostgresSettings? = nil) throws -> PostgresDatabase {
        var logger = Logger(label: "store-test")
        logger.logLevel = .critical
        let database = try PostgresDatabase(settings: try settings ?? self.settings, logger: logger)
        self.opened.withLock { $0.append(database) }
        return database
    }

    func recordStore() async throws -> any RecordStore {
        switch self.backend {
        case .sqlite: return try SQLiteRecordStore(path: self.folder + "/guard.sqlite")
        case .postgres: return try await PostgresRecordStore.open(try self.postgres())
        }
    }

    func auditLog() async throws -> any AuditLog {
        switch self.backend {
        case .sqlite: return try SQLiteAuditLog(dataDirectory: self.folder)
        case .postgres: return try await PostgresAuditLog.open(try self.postgres())
        }
    }

    /// Records a schema step this version does not know, as a newer pii-guard would have.
    func addFutureStep(_ name: String, audit: Bool) async throws {
        switch self.backend {
        case .sqlite:
            let queue = try DatabaseQueue(path: self.folder + (audit ? "/audit.sqlite" : "/guard.sqlite"))
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [name])
            }
            try queue.close()
        case .postgres:
            let cluster = try #require(self.cluster)
            try await cluster.psql(try #require(self.database), """
                INSERT INTO pii_guard_schema (component, step) VALUES ('\(audit ? "audit" : "records")', '\(name)')
                """)
        }
    }

    func close() async {
        for database in self.opened.withLock({ $0 }) { await database.close() }
        try? FileManager.default.removeItem(atPath: self.folder)
    }
}
