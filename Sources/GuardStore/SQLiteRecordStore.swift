import Foundation
import GRDB

/// `RecordStore` on one SQLite file (GRDB, WAL mode): the embedded default.
///
/// Several processes may open the same file (two guards on one host): `update` runs in a `BEGIN IMMEDIATE`
/// transaction, which SQLite grants to one writer at a time across processes, and waits up to `busyTimeout` for it.
public final class SQLiteRecordStore: RecordStore {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// Throws `.schemaTooNew` when the file was migrated by a newer pii-guard than this one.
    public init(path: String, busyTimeout: TimeInterval = 5) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "pii-guard"
        self.pool = try Self.openPool(path: path, configuration: configuration, what: "the database '\(path)'")
        try Self.migrate(self.pool, path: path)
    }

    /// Opens (creating its folder if needed) a WAL pool on the file at `path`; shared by every SQLite file the guard
    /// keeps. `what` names the file in the error.
    static func openPool(path: String, configuration: Configuration, what: String) throws(StoreError) -> DatabasePool {
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            return try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.unavailable, "cannot open \(what): \(Self.describe(error))")
        }
    }

    /// The schema, one migration per change; identifiers are never renamed or reordered.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-records") { db in
            try db.execute(sql: """
                CREATE TABLE records (
                    collection TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value BLOB NOT NULL,
                    expires_at REAL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (collection, key)
                ) WITHOUT ROWID;
                CREATE INDEX records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL;
                """)
        }
        return migrator
    }

    static func migrate(_ pool: DatabasePool, path: String) throws(StoreError) {
        try Self.apply(self.migrator, to: pool, what: "the database '\(path)'")
    }

    /// Brings a file's schema up to date with `migrator`; refuses one written by a newer pii-guard (`.schemaTooNew`,
    /// naming the steps this version does not know). Shared by every SQLite file the guard keeps.
    static func apply(_ migrator: DatabaseMigrator, to pool: DatabasePool, what: String) throws(StoreError) {
        do {
            let superseded = try pool.read { try migrator.hasBeenSuperseded($0) }
            if superseded {
                let applied = try pool.read { try migrator.appliedIdentifiers($0) }
                throw StoreError.schemaTooNew(what, unknownSteps: applied.subtracting(migrator.migrations))
            }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot prepare \(what): \(Self.describe(error))")
        }
    }

    public func get(_ collection: String, _ key: String, now: Date) async throws(StoreError) -> Data? {
        try await self.run { pool in
            try await pool.read { db in
                try Data.fetchOne(db, sql: """
                    SELECT value FROM records WHERE collection = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)
                    """, arguments: [collection, key, now.timeIntervalSince1970])
            }
        }
    }

    public func put(_ collection: String, _ key: String, _ value: Data, expiresAt: Date?) async throws(StoreError) {
        try await self.run { pool in
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO records (collection, key, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
                    updated_at = excluded.updated_at
                    """, arguments: [collection, key, value, expiresAt?.timeIntervalSince1970, Date().timeIntervalSince1970])
            }
        }
    }

    public func delete(_ collection: String, _ key: String) async throws(StoreError) {
        try await self.run { pool in
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM records WHERE collection = ? AND key = ?", arguments: [collection, key])
            }
        }
    }

    public func update<Result: Sendable>(
        _ collection: String, _ key: String, now: Date, expiresAt: Date?,
        _ body: @escaping @Sendable (inout Data?) throws -> Result
    ) async throws(StoreError) -> Result {
        try await self.run { pool in
            try await pool.writeWithoutTransaction { db in
                var result: Result?
                try db.inTransaction(.immediate) {
                    let row = try Self.liveRow(db, collection: collection, key: key, now: now)
                    var value: Data? = row?["value"]
                    // A live record keeps its expiry unless a new one is given.
                    let keptExpiry: Double? = row?["expires_at"]
                    result = try body(&value)
                    try Self.write(db, collection: collection, key: key, value: value,
                                   expiresAt: expiresAt?.timeIntervalSince1970 ?? keptExpiry, now: now)
                    return .commit
                }
                return result!
            }
        }
    }

    /// The live row (value and expiry) of one record, inside a transaction.
    private static func liveRow(_ db: Database, collection: String, key: String, now: Date) throws -> Row? {
        try Row.fetchOne(db, sql: """
            SELECT value, expires_at FROM records
            WHERE collection = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)
            """, arguments: [collection, key, now.timeIntervalSince1970])
    }

    /// Writes one record's new value (nil deletes it), inside a transaction.
    private static func write(_ db: Database, collection: String, key: String, value: Data?, expiresAt: Double?,
                              now: Date) throws {
        if let value {
            try db.execute(sql: """
                INSERT INTO records (collection, key, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value,
                expires_at = excluded.expires_at, updated_at = excluded.updated_at
                """, arguments: [collection, key, value, expiresAt, now.timeIntervalSince1970])
        } else {
            try db.execute(sql: "DELETE FROM records WHERE collection = ? AND key = ?", arguments: [collection, key])
        }
    }

    /// All records in one `BEGIN IMMEDIATE` transaction: SQLite's single writer lock covers every record at once,
    /// so there is no order to keep.
    public func update<Result: Sendable>(
        _ keys: [RecordKey], now: Date, _ body: @escaping @Sendable (inout RecordBatch) throws -> Result
    ) async throws(StoreError) -> Result {
        try RecordBatch.check(keys)
        return try await self.run { pool in
            try await pool.writeWithoutTransaction { db in
                var result: Result?
                try db.inTransaction(.immediate) {
                    var values: [Data?] = []
                    var keptExpiry: [RecordKey: Double?] = [:]
                    for key in keys {
                        let row = try Self.liveRow(db, collection: key.collection, key: key.key, now: now)
                        values.append(row?["value"])
                        keptExpiry[key] = row?["expires_at"]
                    }
                    var batch = RecordBatch(keys: keys, values: values)
                    result = try body(&batch)
                    for (key, value) in batch.changes {
                        try Self.write(db, collection: key.collection, key: key.key, value: value,
                                       expiresAt: keptExpiry[key] ?? nil, now: now)
                    }
                    return .commit
                }
                guard let result else { throw StoreError(.failed, "the update on '\(self.path)' ended without a result") }
                return result
            }
        }
    }

    public func purgeExpired(now: Date) async throws(StoreError) -> Int {
        try await self.run { pool in
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?",
                               arguments: [now.timeIntervalSince1970])
                return db.changesCount
            }
        }
    }

    /// Runs a database operation, turning GRDB's errors into `StoreError`s (errors thrown by callers pass through).
    private func run<T: Sendable>(_ operation: (DatabasePool) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await operation(self.pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(.failed, "database error on '\(self.path)': \(Self.describe(error))")
        } catch {
            throw StoreError(.failed, "\(error)")
        }
    }

    /// A database error without its SQL arguments (which may hold record values).
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite \(error.resultCode)" + (error.message.map { ": \($0)" } ?? "")
        }
        return String(describing: type(of: error))
    }
}
