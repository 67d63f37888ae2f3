import Foundation

/// The access-record log as storage sees it: an append-only sequence of rows, the signed checkpoints beside it, and
/// the queries auditors ask. No rules of the chain live here.
///
/// `AuditTrail` computes every hash and signature; this protocol only promises that appends are serialised across
/// every process sharing the log (so the rows stay one chain), that a batch is stored whole or not at all, and that a
/// retention purge and its checkpoint land together. Columns a query filters on are stored beside the record's
/// canonical payload; the payload is what the chain covers, the columns are there to be found fast.
public protocol AuditLog: Sendable {
    /// Appends rows in ONE exclusive write transaction: reads the head (last sequence and hash), calls `make` with it,
    /// checks the rows continue the head (`head.sequence + 1`, `+ 2`…, the first row's `previousHash` equal to the
    /// head's hash), inserts them and commits. Returns the rows as stored. Other writers, in this process or another,
    /// wait for the transaction; `make` must be quick and must not touch the log. An error thrown by `make` aborts the
    /// transaction and comes back as a `StoreError` (its own kind when it is one, `.failed` otherwise). `make` is
    /// escaping because a backend may give up waiting on a transaction it cannot interrupt (a database gone silent):
    /// the caller is answered when the deadline passes, and the abandoned transaction ends on its own.
    func append(_ make: @escaping @Sendable (AuditLogHead) throws -> [AuditLogRow]) async throws(StoreError) -> [AuditLogRow]

    /// The last row's sequence and hash; after a purge that removed every row, the purge point; `.empty` when the log
    /// has never held a row.
    func head() async throws(StoreError) -> AuditLogHead

    /// Up to `limit` rows with `sequence >= from`, in sequence order: the page a verifier walks.
    func rows(from sequence: Int64, limit: Int) async throws(StoreError) -> [AuditLogRow]

    /// Rows matching every condition of `filter`, up to `limit`, in sequence order (or newest first).
    func query(_ filter: AuditLogFilter, limit: Int) async throws(StoreError) -> [AuditLogRow]

    /// How many rows match `filter` (`AuditLogFilter()` counts them all).
    func count(_ filter: AuditLogFilter) async throws(StoreError) -> Int

    /// The first sequence whose time is at or after `date` (nil when none is): where a retention purge must stop, as
    /// rows are purged as a prefix of the chain.
    func firstSequence(notBefore date: Date) async throws(StoreError) -> Int64?

    /// Every checkpoint, in the order stored.
    func checkpoints() async throws(StoreError) -> [AuditCheckpointRow]

    /// The checkpoint naming the highest sequence (nil when there is none).
    func lastCheckpoint() async throws(StoreError) -> AuditCheckpointRow?

    /// Stores a checkpoint; returns it with its `id`.
    @discardableResult
    func appendCheckpoint(_ checkpoint: AuditCheckpointRow) async throws(StoreError) -> AuditCheckpointRow

    /// Deletes every row with `sequence <= sequence` and stores `checkpoint` (which must name that sequence and the
    /// hash stored for it) in the same transaction; the purged sequence and hash become the head if no row is left.
    /// Returns how many rows were deleted.
    @discardableResult
    func purge(through sequence: Int64, checkpoint: AuditCheckpointRow) async throws(StoreError) -> Int
}

extension AuditLog {
    /// How many rows the log holds.
    public func count() async throws(StoreError) -> Int {
        try await self.count(AuditLogFilter())
    }
}

/// Where the chain ends: the sequence and hash the next append continues from.
public struct AuditLogHead: Sendable, Hashable, CustomStringConvertible {
    /// What every backend does inside its exclusive append transaction once it has read the head: asks `make` for
    /// the rows (an error from it comes back as a `StoreError`: its own when it is one, `.failed` otherwise) and
    /// refuses rows that would not continue the chain from this head.
    public func rows(from make: (AuditLogHead) throws -> [AuditLogRow]) throws(StoreError) -> [AuditLogRow] {
        let rows: [AuditLogRow]
        do {
            rows = try make(self)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.failed, "the audit records to append could not be prepared: \(error)")
        }
        try self.checkContinued(by: rows)
        return rows
    }

    /// Refuses rows that would not continue the chain from this head (a caller that computed them from a stale
    /// head).
    func checkContinued(by rows: [AuditLogRow]) throws(StoreError) {
        guard let first = rows.first else { return }
        guard first.previousHash == self.hash else {
            throw StoreError(.failed, "audit rows to append do not link to the head (record \(self.sequence)); "
                + "they must be built from the head given to `make`")
        }
        for (offset, row) in rows.enumerated() where row.sequence != self.sequence + 1 + Int64(offset) {
            throw StoreError(.failed, "audit rows to append must continue at sequence \(self.sequence + 1) without gaps "
                + "(row \(offset) has \(row.sequence))")
        }
    }

    /// The last sequence (0 when the log has never held a row).
    public var sequence: Int64
    /// The last record's hash, hex (empty when the log has never held a row).
    public var hash: String

    public static let empty = AuditLogHead(sequence: 0, hash: "")

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    public var description: String { "head \(self.sequence)" }
}

/// One stored access record: the columns queries filter on, and the canonical payload the chain hashes.
///
/// The columns repeat what the payload says so a query need not decode every record; a verifier compares them with
/// the payload, so a column changed in the database is found like a changed payload.
public struct AuditLogRow: Sendable, Hashable {
    /// Position in the chain, 1-based, without gaps.
    public var sequence: Int64
    /// When the access happened (stored to the millisecond).
    public var at: Date
    public var kind: String
    public var action: String
    public var account: String
    public var clientAddress: String
    public var site: String
    public var menuID: String
    /// Data-subject keys (order numbers…), kept in a side table for exact-key lookups; read back without duplicates,
    /// sorted (the payload keeps the order they were seen in).
    public var subjects: [String]
    /// Hex hash of the previous row (empty for the first row of a log never purged).
    public var previousHash: String
    /// Hex hash of this row, over the previous hash and the payload.
    public var hash: String
    /// The record's canonical form, as hashed.
    public var payload: Data
    /// A signature over this row's sequence and hash, on the last row of each append (nil on the others): an
    /// appended forgery after the last sealed row cannot carry one.
    public var seal: String?

    public init(sequence: Int64, at: Date, kind: String, action: String, account: String, clientAddress: String,
                site: String, menuID: String, subjects: [String], previousHash: String, hash: String, payload: Data,
                seal: String? = nil) {
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.action = action
        self.account = account
        self.clientAddress = clientAddress
        self.site = site
        self.menuID = menuID
        self.subjects = subjects
        self.previousHash = previousHash
        self.hash = hash
        self.payload = payload
        self.seal = seal
    }
}

/// A signed statement that the record at `sequence` had `hash` at `at`, stored beside the log.
///
/// Storage keeps the fields and the signature as given; what is signed and how it is checked is `AuditTrail`'s.
public struct AuditCheckpointRow: Sendable, Hashable {
    /// Assigned by the store (0 before it is stored).
    public var id: Int64
    public var sequence: Int64
    public var hash: String
    public var at: Date
    /// `periodic`, `retention` or `shutdown`.
    public var kind: String
    /// Which key signed it (a fingerprint of the public key).
    public var keyID: String
    /// Base64 signature.
    public var signature: String

    public init(id: Int64 = 0, sequence: Int64, hash: String, at: Date, kind: String, keyID: String, signature: String) {
        self.id = id
        self.sequence = sequence
        self.hash = hash
        self.at = at
        self.kind = kind
        self.keyID = keyID
        self.signature = signature
    }
}

/// The conditions of an audit query: every non-nil field must match.
///
/// Times are half-open (`from` inclusive, `until` exclusive) so consecutive months never overlap. `afterSequence` and
/// `beforeSequence` page through large answers without OFFSET.
public struct AuditLogFilter: Sendable, Hashable {
    public var account: String?
    public var from: Date?
    public var until: Date?
    public var menuID: String?
    public var action: String?
    public var clientAddress: String?
    /// One data-subject key, matched exactly (records whose subjects contain it).
    public var subject: String?
    public var kind: String?
    public var site: String?
    public var afterSequence: Int64?
    public var beforeSequence: Int64?
    /// Newest first instead of oldest first.
    public var newestFirst: Bool

    public init(account: String? = nil, from: Date? = nil, until: Date? = nil, menuID: String? = nil,
                action: String? = nil, clientAddress: String? = nil, subject: String? = nil, kind: String? = nil,
                site: String? = nil, afterSequence: Int64? = nil, beforeSequence: Int64? = nil, newestFirst: Bool = false) {
        self.account = account
        self.from = from
        self.until = until
        self.menuID = menuID
        self.action = action
        self.clientAddress = clientAddress
        self.subject = subject
        self.kind = kind
        self.site = site
        self.afterSequence = afterSequence
        self.beforeSequence = beforeSequence
        self.newestFirst = newestFirst
    }
}

extension AuditLogFilter {
    /// A value a condition compares with.
    public enum Value: Sendable, Hashable {
        case text(String)
        case integer(Int64)
    }

    /// The filter as SQL conditions over the shared schema (`audit_records`, `audit_subjects`), each with one `?` for
    /// its value, in a fixed order: every backend builds its WHERE clause from this one list, writing the placeholder
    /// its driver wants.
    public var conditions: [(sql: String, value: Value)] {
        var conditions: [(sql: String, value: Value)] = []
        func add(_ sql: String, _ value: String?) { if let value { conditions.append((sql, .text(value))) } }
        func add(_ sql: String, _ value: Int64?) { if let value { conditions.append((sql, .integer(value))) } }
        add("account = ?", self.account)
        add("at_ms >= ?", self.from.map(AuditLogTime.milliseconds))
        add("at_ms < ?", self.until.map(AuditLogTime.milliseconds))
        add("menu_id = ?", self.menuID)
        add("action = ?", self.action)
        add("client_address = ?", self.clientAddress)
        add("sequence IN (SELECT sequence FROM audit_subjects WHERE subject = ?)", self.subject)
        add("kind = ?", self.kind)
        add("site = ?", self.site)
        add("sequence > ?", self.afterSequence)
        add("sequence < ?", self.beforeSequence)
        return conditions
    }
}

/// How every backend stores an access record's time: integer milliseconds since 1970 (UTC), exact, ordered, and equal
/// to what the chain hashes.
public enum AuditLogTime {
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
