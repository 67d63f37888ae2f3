import GuardStore
import Foundation
import PostgresNIO

/// `RecordStore` on the shared PostgreSQL database: proofs, codes, attempt counters and export tickets that every
/// guard instance sees.
///
/// Every write of a record (put, delete, update) takes the record's transaction-scoped advisory lock first, so a
/// read-modify-write on one instance and a write on another never interleave: a wrong code counted on two instances
/// counts twice, and a proof written on one is what the other reads next. Different records do not wait for each
/// other (the lock is per collection and key; a hash collision only makes two records share a lock). Times are
/// stored as seconds since 1970, as in the SQLite backend.
public final class PostgresRecordStore: RecordStore {
    public let database: PostgresDatabase
    static let what = "the guard's records"

    static let schema = PostgresSchema(component: "records", steps: [
        .init(name: "1-records", statements: [
            """
            CREATE TABLE guard_records (
                collection TEXT NOT NULL,
                key TEXT NOT NULL,
                value BYTEA NOT NULL,
                expires_at DOUBLE PRECISION,
                updated_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (collection, key)
            )
            """,
            "CREATE INDEX guard_records_expiry ON guard_records (expires_at) WHERE expires_at IS NOT NULL",
        ]),
    ])

    /// Opens the store and brings its schema up to date (`.schemaTooNew` when a newer pii-guard migrated it;
    /// `.unavailable` when the database cannot be reached).
    public static func open(_ database: PostgresDatabase) async throws(StoreError) -> PostgresRecordStore {
        try await self.schema.apply(on: database, what: self.what)
        return PostgresRecordStore(database: database)
    }

    init(database: PostgresDatabase) {
        self.database = database
    }

    public func get(_ collection: String, _ key: String, now: Date) async throws(StoreError) -> Data? {
        let logger = self.database.logger
        let now = now.timeIntervalSince1970
        return try await self.database.connection(Self.what) { connection in
            let rows = try await connection.query("""
                SELECT value FROM guard_records
                WHERE collection = \(collection) AND key = \(key) AND (expires_at IS NULL OR expires_at > \(now))
                """, logger: logger)
            for try await value in rows.decode(Data.self) { return value }
            return nil
        }
    }

    public func put(_ collection: String, _ key: String, _ value: Data, expiresAt: Date?) async throws(StoreError) {
        let logger = self.database.logger
        let expiry = expiresAt?.timeIntervalSince1970
        let now = Date().timeIntervalSince1970
        try await self.database.transaction(Self.what) { connection in
            try await connection.query(AdvisoryLock.record(collection: collection, key: key).query, logger: logger)
            try await Self.upsert(connection, collection, key, value, expiry: expiry, now: now, logger: logger)
        }
    }

    public func delete(_ collection: String, _ key: String) async throws(StoreError) {
        let logger = self.database.logger
        try await self.database.transaction(Self.what) { connection in
            try await connection.query(AdvisoryLock.record(collection: collection, key: key).query, logger: logger)
            try await connection.query(
                "DELETE FROM guard_records WHERE collection = \(collection) AND key = \(key)", logger: logger)
        }
    }

    public func update<Result: Sendable>(
        _ collection: String, _ key: String, now: Date, expiresAt: Date?,
        _ body: @escaping @Sendable (inout Data?) throws -> Result
    ) async throws(StoreError) -> Result {
        let logger = self.database.logger
        let nowSeconds = now.timeIntervalSince1970
        let newExpiry = expiresAt?.timeIntervalSince1970
        return try await self.database.transaction(Self.what) { connection in
            try await connection.query(AdvisoryLock.record(collection: collection, key: key).query, logger: logger)
            let rows = try await connection.query("""
                SELECT value, expires_at FROM guard_records
                WHERE collection = \(collection) AND key = \(key) AND (expires_at IS NULL OR expires_at > \(nowSeconds))
                """, logger: logger)
            var value: Data? = nil
            var keptExpiry: Double? = nil
            for try await (stored, expiry) in rows.decode((Data, Double?).self) {
                value = stored
                keptExpiry = expiry
            }
            let result = try body(&value)
            if let value {
                // A live record keeps its expiry unless a new one is given.
                try await Self.upsert(connection, collection, key, value, expiry: newExpiry ?? keptExpiry, now: nowSeconds,
                                      logger: logger)
            } else {
                try await connection.query(
                    "DELETE FROM guard_records WHERE collection = \(collection) AND key = \(key)", logger: logger)
            }
            return result
        }
    }

    /// Takes the records' advisory locks in ascending lock id (asked of the server, so they are the very locks a
    /// single-record write takes), then reads, lets `body` decide, and writes what it changed. The fixed order means
    /// two guards updating overlapping records wait for each other instead of deadlocking; two records whose hashes
    /// collide share one lock, taken once.
    public func update<Result: Sendable>(
        _ keys: [RecordKey], now: Date, _ body: @escaping @Sendable (inout RecordBatch) throws -> Result
    ) async throws(StoreError) -> Result {
        try RecordBatch.check(keys)
        let logger = self.database.logger
        let nowSeconds = now.timeIntervalSince1970
        return try await self.database.transaction(Self.what) { connection in
            for lock in try await Self.lockIDs(keys, connection: connection, logger: logger) {
                try await connection.query(AdvisoryLock.recordID(lock).query, logger: logger)
            }
            var values: [Data?] = []
            var keptExpiry: [RecordKey: Double?] = [:]
            for key in keys {
                let rows = try await connection.query("""
                    SELECT value, expires_at FROM guard_records
                    WHERE collection = \(key.collection) AND key = \(key.key)
                    AND (expires_at IS NULL OR expires_at > \(nowSeconds))
                    """, logger: logger)
                var value: Data? = nil
                for try await (stored, expiry) in rows.decode((Data, Double?).self) {
                    value = stored
                    keptExpiry[key] = expiry
                }
                values.append(value)
            }
            var batch = RecordBatch(keys: keys, values: values)
            let result = try body(&batch)
            for (key, value) in batch.changes {
                if let value {
                    try await Self.upsert(connection, key.collection, key.key, value, expiry: keptExpiry[key] ?? nil,
                                          now: nowSeconds, logger: logger)
                } else {
                    try await connection.query(
                        "DELETE FROM guard_records WHERE collection = \(key.collection) AND key = \(key.key)",
                        logger: logger)
                }
            }
            return result
        }
    }

    /// The advisory-lock ids of `keys` (the server's `hashtext`, as `AdvisoryLock.record` computes it), distinct and
    /// ascending: the one order every multi-record update locks in.
    static func lockIDs(_ keys: [RecordKey], connection: PostgresConnection, logger: Logger) async throws -> [Int32] {
        var ids: Set<Int32> = []
        for key in keys {
            let rows = try await connection.query(
                "SELECT hashtext(\(AdvisoryLock.name(collection: key.collection, key: key.key)))", logger: logger)
            for try await id in rows.decode(Int32.self) { ids.insert(id) }
        }
        guard ids.count >= 1 else { throw StoreError(.failed, "\(Self.what): the server gave no lock id") }
        return ids.sorted()
    }

    public func purgeExpired(now: Date) async throws(StoreError) -> Int {
        let logger = self.database.logger
        let now = now.timeIntervalSince1970
        return try await self.database.connection(Self.what) { connection in
            let rows = try await connection.query("""
                DELETE FROM guard_records WHERE expires_at IS NOT NULL AND expires_at <= \(now) RETURNING 1
                """, logger: logger)
            var count = 0
            for try await _ in rows.decode(Int32.self) { count += 1 }
            return count
        }
    }

    static func upsert(_ connection: PostgresConnection, _ collection: String, _ key: String, _ value: Data,
                       expiry: Double?, now: Double, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO guard_records (collection, key, value, expires_at, updated_at)
            VALUES (\(collection), \(key), \(value), \(expiry), \(now))
            ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
            updated_at = excluded.updated_at
            """, logger: logger)
    }
}
