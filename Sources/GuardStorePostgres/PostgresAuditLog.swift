import GuardStore
import Foundation
import PostgresNIO

/// `AuditLog` on the shared PostgreSQL database: one chain however many guards append to it.
///
/// `append` and `purge` run in a transaction that first takes the chain's advisory lock (`AdvisoryLock.auditHead`),
/// then reads the head. In READ COMMITTED every statement sees what was committed before it started, so the head read
/// after the lock is the last committed row: each writer continues the chain from where the previous one ended, on
/// this instance or another, and the rows stay one gapless, linked sequence. The lock is released by the commit (or
/// by the server when a guard dies mid-append), so a crashed instance cannot block the others.
///
/// The tables mirror the SQLite log (see `SQLiteAuditLog` for why subjects live in a side table); the chain's rules
/// stay in `AuditTrail`.
public final class PostgresAuditLog: AuditLog {
    public let database: PostgresDatabase
    static let what = "the audit log"

    static let schema = PostgresSchema(component: "audit", steps: [
        .init(name: "1-audit-log", statements: [
            """
            CREATE TABLE audit_records (
                sequence BIGINT PRIMARY KEY,
                at_ms BIGINT NOT NULL,
                kind TEXT NOT NULL,
                action TEXT NOT NULL,
                account TEXT NOT NULL,
                client_address TEXT NOT NULL,
                site TEXT NOT NULL,
                menu_id TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                payload BYTEA NOT NULL,
                seal TEXT
            )
            """,
            "CREATE INDEX audit_records_at ON audit_records (at_ms)",
            "CREATE INDEX audit_records_account ON audit_records (account, at_ms)",
            "CREATE INDEX audit_records_menu ON audit_records (menu_id, at_ms)",
            "CREATE INDEX audit_records_client ON audit_records (client_address, at_ms)",
            "CREATE INDEX audit_records_kind_action ON audit_records (kind, action, at_ms)",
            """
            CREATE TABLE audit_subjects (
                sequence BIGINT NOT NULL,
                subject TEXT NOT NULL,
                PRIMARY KEY (sequence, subject)
            )
            """,
            "CREATE INDEX audit_subjects_subject ON audit_subjects (subject)",
            """
            CREATE TABLE audit_checkpoints (
                id BIGSERIAL PRIMARY KEY,
                sequence BIGINT NOT NULL,
                hash TEXT NOT NULL,
                at_ms BIGINT NOT NULL,
                kind TEXT NOT NULL,
                key_id TEXT NOT NULL,
                signature TEXT NOT NULL
            )
            """,
            "CREATE INDEX audit_checkpoints_sequence ON audit_checkpoints (sequence)",
            """
            CREATE TABLE audit_floor (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                sequence BIGINT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
        ]),
    ])

    /// Opens the log and brings its schema up to date (`.schemaTooNew` when a newer pii-guard migrated it;
    /// `.unavailable` when the database cannot be reached).
    public static func open(_ database: PostgresDatabase) async throws(StoreError) -> PostgresAuditLog {
        try await self.schema.apply(on: database, what: self.what)
        return PostgresAuditLog(database: database)
    }

    init(database: PostgresDatabase) {
        self.database = database
    }

    // MARK: - Appending

    public func append(_ make: @escaping @Sendable (AuditLogHead) throws -> [AuditLogRow]) async throws(StoreError)
        -> [AuditLogRow]
    {
        let logger = self.database.logger
        return try await self.database.transaction(Self.what) { connection in
            try await connection.query(AdvisoryLock.auditHead.query, logger: logger)
            let head = try await Self.head(connection, logger: logger)
            let rows = try head.rows(from: make)
            try await Self.insert(rows, connection, logger: logger)
            return rows
        }
    }

    /// Parameters per statement, under the protocol's 65,535.
    static let maxBinds = 60_000

    /// Inserts the rows and their subjects. A batch (what `AuditWriter` commits at once: tens of records with tens of
    /// subjects each) goes in ONE statement, the subjects' INSERT riding on the records' as a data-modifying CTE: one
    /// round trip fewer inside the chain's lock, which every guard waits on. A batch too large for one statement's
    /// parameters is written in slices.
    static func insert(_ rows: [AuditLogRow], _ connection: PostgresConnection, logger: Logger) async throws {
        var pairs: [(Int64, String)] = []
        for row in rows {
            var seen: Set<String> = []
            for subject in row.subjects where seen.insert(subject).inserted { pairs.append((row.sequence, subject)) }
        }
        if rows.count * 12 + pairs.count * 2 <= self.maxBinds {
            var binds = PostgresBindings(capacity: rows.count * 12 + pairs.count * 2)
            let records = try self.recordValues(rows[...], &binds)
            var sql = "INSERT INTO audit_records (\(self.insertColumns)) VALUES \(records)"
            if !pairs.isEmpty {
                sql = "WITH inserted AS (\(sql) RETURNING 1) INSERT INTO audit_subjects (sequence, subject) VALUES "
                    + self.subjectValues(pairs[...], &binds)
            }
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            return
        }
        var start = 0
        while start < rows.count {
            let slice = rows[start..<min(start + self.maxBinds / 12, rows.count)]
            var binds = PostgresBindings(capacity: slice.count * 12)
            let values = try self.recordValues(slice, &binds)
            try await connection.query(PostgresQuery(
                unsafeSQL: "INSERT INTO audit_records (\(self.insertColumns)) VALUES \(values)", binds: binds), logger: logger)
            start += slice.count
        }
        start = 0
        while start < pairs.count {
            let slice = pairs[start..<min(start + self.maxBinds / 2, pairs.count)]
            var binds = PostgresBindings(capacity: slice.count * 2)
            let values = self.subjectValues(slice, &binds)
            try await connection.query(PostgresQuery(
                unsafeSQL: "INSERT INTO audit_subjects (sequence, subject) VALUES \(values)", binds: binds), logger: logger)
            start += slice.count
        }
    }

    static let insertColumns = "sequence, at_ms, kind, action, account, client_address, site, menu_id, previous_hash, hash, "
        + "payload, seal"

    /// `($n, …), (…)` for `rows`, their values appended to `binds`.
    static func recordValues(_ rows: ArraySlice<AuditLogRow>, _ binds: inout PostgresBindings) throws -> String {
        var values: [String] = []
        values.reserveCapacity(rows.count)
        for row in rows {
            let base = binds.count
            values.append("(" + (1...12).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            binds.append(row.sequence)
            binds.append(self.milliseconds(row.at))
            binds.append(row.kind)
            binds.append(row.action)
            binds.append(row.account)
            binds.append(row.clientAddress)
            binds.append(row.site)
            binds.append(row.menuID)
            binds.append(row.previousHash)
            binds.append(row.hash)
            try binds.append(row.payload)
            binds.append(row.seal)
        }
        return values.joined(separator: ", ")
    }

    static func subjectValues(_ pairs: ArraySlice<(Int64, String)>, _ binds: inout PostgresBindings) -> String {
        var values: [String] = []
        values.reserveCapacity(pairs.count)
        for (sequence, subject) in pairs {
            values.append("($\(binds.count + 1), $\(binds.count + 2))")
            binds.append(sequence)
            binds.append(subject)
        }
        return values.joined(separator: ", ")
    }

    static func head(_ connection: PostgresConnection, logger: Logger) async throws -> AuditLogHead {
        let last = try await connection.query(
            "SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1", logger: logger)
        for try await (sequence, hash) in last.decode((Int64, String).self) {
            return AuditLogHead(sequence: sequence, hash: hash)
        }
        let floor = try await connection.query("SELECT sequence, hash FROM audit_floor WHERE id = 1", logger: logger)
        for try await (sequence, hash) in floor.decode((Int64, String).self) {
            return AuditLogHead(sequence: sequence, hash: hash)
        }
        return .empty
    }

    public func head() async throws(StoreError) -> AuditLogHead {
        let logger = self.database.logger
        return try await self.database.connection(Self.what) { connection in try await Self.head(connection, logger: logger) }
    }

    // MARK: - Reading

    public func rows(from sequence: Int64, limit: Int) async throws(StoreError) -> [AuditLogRow] {
        let logger = self.database.logger
        let limit = Int64(max(0, limit))
        return try await self.database.transaction(Self.what) { connection in
            // One snapshot for the rows and their subjects.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            var rows = try await Self.records(connection, PostgresQuery(
                "SELECT \(unescaped: Self.columns) FROM audit_records WHERE sequence >= \(sequence) ORDER BY sequence LIMIT \(limit)"),
                logger: logger)
            guard let first = rows.first?.sequence, let last = rows.last?.sequence else { return [] }
            let subjects = try await Self.subjects(connection, PostgresQuery("""
                SELECT sequence, subject FROM audit_subjects WHERE sequence BETWEEN \(first) AND \(last)
                ORDER BY sequence, subject
                """), logger: logger)
            for index in rows.indices { rows[index].subjects = subjects[rows[index].sequence] ?? [] }
            return rows
        }
    }

    public func query(_ filter: AuditLogFilter, limit: Int) async throws(StoreError) -> [AuditLogRow] {
        let logger = self.database.logger
        var (condition, binds) = Self.condition(filter)
        let order = filter.newestFirst ? "DESC" : "ASC"
        binds.append(Int64(max(0, limit)))
        let sql = "SELECT \(Self.columns) FROM audit_records WHERE \(condition) ORDER BY sequence \(order) LIMIT $\(binds.count)"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await self.database.transaction(Self.what) { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            var rows = try await Self.records(connection, query, logger: logger)
            guard !rows.isEmpty else { return [] }
            let subjects = try await Self.subjects(connection, PostgresQuery("""
                SELECT sequence, subject FROM audit_subjects WHERE sequence = ANY(\(rows.map(\.sequence)))
                ORDER BY sequence, subject
                """), logger: logger)
            for index in rows.indices { rows[index].subjects = subjects[rows[index].sequence] ?? [] }
            return rows
        }
    }

    public func count(_ filter: AuditLogFilter) async throws(StoreError) -> Int {
        let logger = self.database.logger
        let (condition, binds) = Self.condition(filter)
        let query = PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM audit_records WHERE \(condition)", binds: binds)
        return try await self.database.connection(Self.what) { connection in
            let rows = try await connection.query(query, logger: logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    public func firstSequence(notBefore date: Date) async throws(StoreError) -> Int64? {
        let logger = self.database.logger
        let at = Self.milliseconds(date)
        return try await self.database.connection(Self.what) { connection in
            let rows = try await connection.query(
                "SELECT sequence FROM audit_records WHERE at_ms >= \(at) ORDER BY sequence LIMIT 1", logger: logger)
            for try await sequence in rows.decode(Int64.self) { return sequence }
            return nil
        }
    }

    /// The WHERE clause of a filter (always non-empty) and its arguments, numbered from $1.
    static func condition(_ filter: AuditLogFilter) -> (String, PostgresBindings) {
        var clauses: [String] = []
        var binds = PostgresBindings()
        for (sql, value) in filter.conditions {
            switch value {
            case .text(let text): binds.append(text)
            case .integer(let number): binds.append(number)
            }
            clauses.append(sql.replacingOccurrences(of: "?", with: "$\(binds.count)"))
        }
        return (clauses.isEmpty ? "TRUE" : clauses.joined(separator: " AND "), binds)
    }

    /// The columns `records` reads, by position.
    static let columns = "sequence, at_ms, kind, action, account, client_address, site, menu_id, previous_hash, hash, "
        + "payload, seal"

    static func records(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [AuditLogRow] {
        var rows: [AuditLogRow] = []
        let stream = try await connection.query(query, logger: logger)
        for try await (sequence, at, kind, action, account, client, site, menu, previous, hash, payload, seal) in stream.decode(
            (Int64, Int64, String, String, String, String, String, String, String, String, Data, String?).self)
        {
            rows.append(AuditLogRow(
                sequence: sequence, at: self.date(at), kind: kind, action: action, account: account, clientAddress: client,
                site: site, menuID: menu, subjects: [], previousHash: previous, hash: hash, payload: payload, seal: seal))
        }
        return rows
    }

    static func subjects(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [Int64: [String]] {
        var subjects: [Int64: [String]] = [:]
        let stream = try await connection.query(query, logger: logger)
        for try await (sequence, subject) in stream.decode((Int64, String).self) {
            subjects[sequence, default: []].append(subject)
        }
        return subjects
    }

    // MARK: - Checkpoints and retention

    public func checkpoints() async throws(StoreError) -> [AuditCheckpointRow] {
        let logger = self.database.logger
        return try await self.database.connection(Self.what) { connection in
            try await Self.checkpoints(connection, "SELECT \(unescaped: Self.checkpointColumns) FROM audit_checkpoints ORDER BY id",
                                       logger: logger)
        }
    }

    public func lastCheckpoint() async throws(StoreError) -> AuditCheckpointRow? {
        let logger = self.database.logger
        return try await self.database.connection(Self.what) { connection in
            try await Self.checkpoints(connection, """
                SELECT \(unescaped: Self.checkpointColumns) FROM audit_checkpoints ORDER BY sequence DESC, id DESC LIMIT 1
                """, logger: logger).first
        }
    }

    @discardableResult
    public func appendCheckpoint(_ checkpoint: AuditCheckpointRow) async throws(StoreError) -> AuditCheckpointRow {
        let logger = self.database.logger
        return try await self.database.connection(Self.what) { connection in
            try await Self.insert(checkpoint, connection, logger: logger)
        }
    }

    static func insert(_ checkpoint: AuditCheckpointRow, _ connection: PostgresConnection, logger: Logger) async throws
        -> AuditCheckpointRow
    {
        let rows = try await connection.query("""
            INSERT INTO audit_checkpoints (sequence, hash, at_ms, kind, key_id, signature)
            VALUES (\(checkpoint.sequence), \(checkpoint.hash), \(self.milliseconds(checkpoint.at)), \(checkpoint.kind),
            \(checkpoint.keyID), \(checkpoint.signature)) RETURNING id
            """, logger: logger)
        var stored = checkpoint
        for try await id in rows.decode(Int64.self) { stored.id = id }
        return stored
    }

    @discardableResult
    public func purge(through sequence: Int64, checkpoint: AuditCheckpointRow) async throws(StoreError) -> Int {
        guard checkpoint.sequence == sequence else {
            throw StoreError(.failed, "a purge through record \(sequence) needs a checkpoint naming record \(sequence), "
                + "not \(checkpoint.sequence)")
        }
        let logger = self.database.logger
        return try await self.database.transaction(Self.what) { connection in
            try await connection.query(AdvisoryLock.auditHead.query, logger: logger)
            var stored: String?
            for try await hash in try await connection.query(
                "SELECT hash FROM audit_records WHERE sequence = \(sequence)", logger: logger).decode(String.self)
            {
                stored = hash
            }
            guard let hash = stored else {
                throw StoreError(.failed, "cannot purge through record \(sequence): it is not in the audit log")
            }
            guard hash == checkpoint.hash else {
                throw StoreError(.failed, "cannot purge through record \(sequence): the checkpoint names another "
                    + "hash than the one stored")
            }
            try await connection.query("DELETE FROM audit_subjects WHERE sequence <= \(sequence)", logger: logger)
            var deleted = 0
            for try await _ in try await connection.query(
                "DELETE FROM audit_records WHERE sequence <= \(sequence) RETURNING sequence", logger: logger).decode(Int64.self)
            {
                deleted += 1
            }
            _ = try await Self.insert(checkpoint, connection, logger: logger)
            try await connection.query("""
                INSERT INTO audit_floor (id, sequence, hash) VALUES (1, \(sequence), \(hash))
                ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash
                """, logger: logger)
            return deleted
        }
    }

    static let checkpointColumns = "id, sequence, hash, at_ms, kind, key_id, signature"

    static func checkpoints(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws
        -> [AuditCheckpointRow]
    {
        var checkpoints: [AuditCheckpointRow] = []
        for try await (id, sequence, hash, at, kind, keyID, signature) in try await connection.query(query, logger: logger)
            .decode((Int64, Int64, String, Int64, String, String, String).self)
        {
            checkpoints.append(AuditCheckpointRow(id: id, sequence: sequence, hash: hash, at: self.date(at), kind: kind,
                                                  keyID: keyID, signature: signature))
        }
        return checkpoints
    }

    // MARK: - Helpers

    static func milliseconds(_ date: Date) -> Int64 { AuditLogTime.milliseconds(date) }
    static func date(_ milliseconds: Int64) -> Date { AuditLogTime.date(milliseconds) }
}
