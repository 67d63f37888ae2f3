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
