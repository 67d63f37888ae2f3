import Foundation
import GRDB

/// `AuditLog` on its own SQLite file (GRDB, WAL): the embedded default, `data_dir/audit.sqlite`.
///
/// A file of its own, apart from `guard.sqlite`, so the log has its own migrator and schema version, can be backed up,
/// copied to an auditor or kept longer than the guard's short-lived state, and a purge or a long verification never
/// holds up the second factor's writes. Several processes may open the file: `append` and `purge` run in
/// `BEGIN IMMEDIATE` transactions, which SQLite grants to one writer at a time across processes (waiting up to
/// `busyTimeout`), so every writer continues the chain from the head it reads inside its own transaction.
///
/// Data subjects live in a side table `audit_subjects(sequence, subject)` with an index on `subject`: an auditor's
/// question is "who saw order 2026112300001234?", an exact key, which the index answers with one seek however long
/// the log. A delimited text column searched with `LIKE '%…%'` could not use an index and would scan every record
/// (two years of them) per question, and could match one key inside another. The side table costs ~20 index
/// entries per record on write, which group commit absorbs (see `Benchmarks/audit-append.sh`).
public final class SQLiteAuditLog: AuditLog {
    /// How hard each commit is pushed to disk.
    public enum Synchronous: String, Sendable {
        /// `synchronous=NORMAL` (default): a commit survives the process crashing; the last commits before a power
        /// loss or kernel crash may roll back (the WAL is synced at its checkpoints, not at each commit).
        case normal = "NORMAL"
        /// `synchronous=FULL`: every commit is synced to disk before it returns.
        case full = "FULL"
    }

    /// The log's file name inside the data folder.
    public static let defaultFileName = "audit.sqlite"

    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the log `data_dir/audit.sqlite`.
    public convenience init(dataDirectory: String, synchronous: Synchronous = .normal, busyTimeout: TimeInterval = 5)
        throws(StoreError)
    {
        try self.init(path: (dataDirectory as NSString).appendingPathComponent(Self.defaultFileName),
                      synchronous: synchronous, busyTimeout: busyTimeout)
    }

    /// Opens (creating if needed) the log at `path` and brings its schema up to date.
    /// Throws `.schemaTooNew` when the file was migrated by a newer pii-guard than this one.
    public init(path: String, synchronous: Synchronous = .normal, busyTimeout: TimeInterval = 5) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "pii-guard-audit"
        let pragma = "PRAGMA synchronous = \(synchronous.rawValue)"
        configuration.prepareDatabase { db in
            try db.execute(sql: pragma)
        }
        self.pool = try SQLiteRecordStore.openPool(path: path, configuration: configuration,
                                                    what: "the audit log '\(path)'")
        try Self.migrate(self.pool, path: path)
    }

    /// The schema, one migration per change; identifiers are never renamed or reordered.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-audit-log") { db in
            try db.execute(sql: """
                CREATE TABLE audit_records (
                    sequence INTEGER PRIMARY KEY,
                    at_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    action TEXT NOT NULL,
                    account TEXT NOT NULL,
                    client_address TEXT NOT NULL,
                    site TEXT NOT NULL,
                    menu_id TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    seal TEXT
                );
                CREATE INDEX audit_records_at ON audit_records (at_ms);
                CREATE INDEX audit_records_account ON audit_records (account, at_ms);
                CREATE INDEX audit_records_menu ON audit_records (menu_id, at_ms);
                CREATE INDEX audit_records_client ON audit_records (client_address, at_ms);
                CREATE INDEX audit_records_kind_action ON audit_records (kind, action, at_ms);
                CREATE TABLE audit_subjects (
                    sequence INTEGER NOT NULL,
                    subject TEXT NOT NULL,
                    PRIMARY KEY (sequence, subject)
                ) WITHOUT ROWID;
                CREATE INDEX audit_subjects_subject ON audit_subjects (subject);
                CREATE TABLE audit_checkpoints (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sequence INTEGER NOT NULL,
                    hash TEXT NOT NULL,
                    at_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    signature TEXT NOT NULL
                );
                CREATE INDEX audit_checkpoints_sequence ON audit_checkpoints (sequence);
                CREATE TABLE audit_floor (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    sequence INTEGER NOT NULL,
                    hash TEXT NOT NULL
                );
                """)
        }
        return migrator
    }

    static func migrate(_ pool: DatabasePool, path: String) throws(StoreError) {
        try SQLiteRecordStore.apply(self.migrator, to: pool, what: "the audit log '\(path)'")
    }

    // MARK: - Appending

    public func append(_ make: @escaping @Sendable (AuditLogHead) throws -> [AuditLogRow]) async throws(StoreError)
        -> [AuditLogRow]
    {
        try await self.run { pool in
            try await pool.writeWithoutTransaction { db in
                var stored: [AuditLogRow] = []
                try db.inTransaction(.immediate) {
                    let head = try Self.head(db)
                    let rows = try head.rows(from: make)
                    try Self.insert(rows, db)
                    stored = rows
                    return .commit
                }
                return stored
            }
        }
    }

    static func insert(_ rows: [AuditLogRow], _ db: Database) throws {
        let record = try db.cachedStatement(sql: """
            INSERT INTO audit_records (sequence, at_ms, kind, action, account, client_address, site, menu_id,
            previous_hash, hash, payload, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for row in rows {
            try record.execute(arguments: [
                row.sequence, milliseconds(row.at), row.kind, row.action, row.account, row.clientAddress, row.site,
                row.menuID, row.previousHash, row.hash, row.payload, row.seal,
            ])
            // One statement per record for all its subjects: a third of the cost of one per subject.
            var seen: Set<String> = []
            let subjects = row.subjects.filter { seen.insert($0).inserted }
            var start = 0
            while start < subjects.count {
                let slice = subjects[start..<min(start + 100, subjects.count)]
                let statement = try db.cachedStatement(sql: "INSERT INTO audit_subjects (sequence, subject) VALUES "
                    + Array(repeating: "(?, ?)", count: slice.count).joined(separator: ", "))
                var arguments = StatementArguments()
                for key in slice { arguments += [row.sequence, key] }
                statement.setUncheckedArguments(arguments)
                try statement.execute()
                start += slice.count
            }
        }
    }

    static func head(_ db: Database) throws -> AuditLogHead {
        if let row = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1") {
            return AuditLogHead(sequence: row["sequence"], hash: row["hash"])
        }
        if let row = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit_floor WHERE id = 1") {
            return AuditLogHead(sequence: row["sequence"], hash: row["hash"])
        }
        return .empty
    }

    public func head() async throws(StoreError) -> AuditLogHead {
        try await self.run { pool in try await pool.read { db in try Self.head(db) } }
    }

    // MARK: - Reading

    public func rows(from sequence: Int64, limit: Int) async throws(StoreError) -> [AuditLogRow] {
        try await self.run { pool in
            try await pool.read { db in
                var rows = try Row.fetchAll(db, sql: """
                    SELECT \(Self.columns) FROM audit_records WHERE sequence >= ? ORDER BY sequence LIMIT ?
                    """, arguments: [sequence, max(0, limit)]).map(Self.record)
                guard let first = rows.first?.sequence, let last = rows.last?.sequence else { return [] }
                let subjects = try Self.subjects(db, sql: "sequence BETWEEN ? AND ?", arguments: [first, last])
                for index in rows.indices { rows[index].subjects = subjects[rows[index].sequence] ?? [] }
                return rows
            }
        }
    }

    public func query(_ filter: AuditLogFilter, limit: Int) async throws(StoreError) -> [AuditLogRow] {
        let (condition, arguments) = Self.condition(filter)
        let order = filter.newestFirst ? "DESC" : "ASC"
        let table = Self.table(filter)
        return try await self.run { pool in
            try await pool.read { db in
                var rows = try Row.fetchAll(db, sql: """
                    SELECT \(Self.columns) FROM \(table) WHERE \(condition) ORDER BY sequence \(order) LIMIT ?
                    """, arguments: arguments + [max(0, limit)]).map(Self.record)
                var subjects: [Int64: [String]] = [:]
                // Bound parameters in slices well under SQLite's limit.
                let sequences = rows.map(\.sequence)
                var start = 0
                while start < sequences.count {
                    let slice = Array(sequences[start..<min(start + 500, sequences.count)])
                    let marks = Array(repeating: "?", count: slice.count).joined(separator: ", ")
                    let found = try Self.subjects(db, sql: "sequence IN (\(marks))", arguments: StatementArguments(slice))
                    subjects.merge(found, uniquingKeysWith: { a, _ in a })
                    start += 500
                }
                for index in rows.indices { rows[index].subjects = subjects[rows[index].sequence] ?? [] }
                return rows
            }
        }
    }

    public func count(_ filter: AuditLogFilter) async throws(StoreError) -> Int {
        let (condition, arguments) = Self.condition(filter)
        let table = Self.table(filter)
        return try await self.run { pool in
            try await pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(condition)", arguments: arguments) ?? 0
            }
        }
    }

    public func firstSequence(notBefore date: Date) async throws(StoreError) -> Int64? {
        try await self.run { pool in
            try await pool.read { db in
                // Walk the chain in order and stop at the first match: the rows before it are the ones a purge
                // removes, so the cost follows the purge, not the log (the time index would visit every newer row).
                try Int64.fetchOne(db, sql: """
                    SELECT sequence FROM audit_records NOT INDEXED WHERE at_ms >= ? ORDER BY sequence LIMIT 1
                    """, arguments: [Self.milliseconds(date)])
            }
        }
    }

    /// The table clause of a query. A window of time ("this month", "the last week") with no other selective
    /// condition reads through the time index: left to itself SQLite walks the whole log in sequence order (to spare
    /// a sort), which for one month of a two-year log reads 24 times the rows it returns. Not when paging with a
    /// sequence cursor: each page would then re-read the whole window, and the walk from the cursor is the better
    /// plan.
    static func table(_ filter: AuditLogFilter) -> String {
        let selective = filter.account != nil || filter.menuID != nil || filter.clientAddress != nil
            || filter.subject != nil || filter.kind != nil
        let cursor = filter.afterSequence != nil || filter.beforeSequence != nil
        return filter.from != nil && !selective && !cursor ? "audit_records INDEXED BY audit_records_at" : "audit_records"
    }

    /// The WHERE clause of a filter (always non-empty) and its arguments.
    static func condition(_ filter: AuditLogFilter) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments = StatementArguments()
        for (sql, value) in filter.conditions {
            clauses.append(sql)
            switch value {
            case .text(let text): arguments += [text]
            case .integer(let number): arguments += [number]
            }
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }

    static func subjects(_ db: Database, sql condition: String, arguments: StatementArguments) throws -> [Int64: [String]] {
        var subjects: [Int64: [String]] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT sequence, subject FROM audit_subjects WHERE \(condition) ORDER BY sequence, subject",
            arguments: arguments)
        while let row = try rows.next() {
            subjects[row[0], default: []].append(row[1])
        }
        return subjects
    }

    /// The columns `record` reads, by position (reading by name costs more than the rest of a verifier's page).
    static let columns = "sequence, at_ms, kind, action, account, client_address, site, menu_id, previous_hash, hash, "
        + "payload, seal"

    static func record(_ row: Row) -> AuditLogRow {
        AuditLogRow(
            sequence: row[0], at: self.date(row[1]), kind: row[2], action: row[3], account: row[4], clientAddress: row[5],
            site: row[6], menuID: row[7], subjects: [], previousHash: row[8], hash: row[9], payload: row[10] ?? Data(),
            seal: row[11])
    }

    // MARK: - Checkpoints and retention

    public func checkpoints() async throws(StoreError) -> [AuditCheckpointRow] {
        try await self.run { pool in
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoints ORDER BY id").map(Self.checkpoint)
            }
        }
    }

    public func lastCheckpoint() async throws(StoreError) -> AuditCheckpointRow? {
        try await self.run { pool in
            try await pool.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM audit_checkpoints ORDER BY sequence DESC, id DESC LIMIT 1")
                    .map(Self.checkpoint)
            }
        }
    }

    @discardableResult
    public func appendCheckpoint(_ checkpoint: AuditCheckpointRow) async throws(StoreError) -> AuditCheckpointRow {
        try await self.run { pool in
            try await pool.write { db in try Self.insert(checkpoint, db) }
        }
    }

    static func insert(_ checkpoint: AuditCheckpointRow, _ db: Database) throws -> AuditCheckpointRow {
        try db.execute(sql: """
            INSERT INTO audit_checkpoints (sequence, hash, at_ms, kind, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [checkpoint.sequence, checkpoint.hash, self.milliseconds(checkpoint.at), checkpoint.kind,
                             checkpoint.keyID, checkpoint.signature])
        var stored = checkpoint
        stored.id = db.lastInsertedRowID
        return stored
    }

    @discardableResult
    public func purge(through sequence: Int64, checkpoint: AuditCheckpointRow) async throws(StoreError) -> Int {
        guard checkpoint.sequence == sequence else {
            throw StoreError(.failed, "a purge through record \(sequence) needs a checkpoint naming record \(sequence), "
                + "not \(checkpoint.sequence)")
        }
        return try await self.run { pool in
            try await pool.writeWithoutTransaction { db in
                var deleted = 0
                try db.inTransaction(.immediate) {
                    guard let hash = try String.fetchOne(db, sql: "SELECT hash FROM audit_records WHERE sequence = ?",
                                                         arguments: [sequence])
                    else {
                        throw StoreError(.failed, "cannot purge through record \(sequence): it is not in the audit log")
                    }
                    guard hash == checkpoint.hash else {
                        throw StoreError(.failed, "cannot purge through record \(sequence): the checkpoint names another "
                            + "hash than the one stored")
                    }
                    try db.execute(sql: "DELETE FROM audit_subjects WHERE sequence <= ?", arguments: [sequence])
                    try db.execute(sql: "DELETE FROM audit_records WHERE sequence <= ?", arguments: [sequence])
                    deleted = db.changesCount
                    _ = try Self.insert(checkpoint, db)
                    try db.execute(sql: """
                        INSERT INTO audit_floor (id, sequence, hash) VALUES (1, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash
                        """, arguments: [sequence, hash])
                    return .commit
                }
                return deleted
            }
        }
    }

    static func checkpoint(_ row: Row) -> AuditCheckpointRow {
        AuditCheckpointRow(id: row["id"], sequence: row["sequence"], hash: row["hash"], at: self.date(row["at_ms"]),
                           kind: row["kind"], keyID: row["key_id"], signature: row["signature"])
    }

    // MARK: - Helpers

    static func milliseconds(_ date: Date) -> Int64 { AuditLogTime.milliseconds(date) }
    static func date(_ milliseconds: Int64) -> Date { AuditLogTime.date(milliseconds) }

    /// Runs a database operation, turning GRDB's errors into `StoreError`s (errors thrown by callers pass through).
    private func run<T: Sendable>(_ operation: (DatabasePool) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await operation(self.pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError(.unavailable, "the audit log '\(self.path)' stayed locked by another writer past the busy "
                + "timeout; check for a stuck process holding it")
        } catch let error as DatabaseError {
            throw StoreError(.failed, "database error on the audit log '\(self.path)': \(SQLiteRecordStore.describe(error))")
        } catch {
            throw StoreError(.failed, "audit log '\(self.path)': \(SQLiteRecordStore.describe(error))")
        }
    }
}
