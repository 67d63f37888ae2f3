import Foundation

/// Keyed records in named collections, with expiry and atomic read-modify-write: what the policy modules need from
/// storage, and nothing of their rules.
///
/// The second factor keeps registrations, issued codes, proofs and attempt counters here as `Codable` values.
/// `update` is the one operation that must be serialised across every guard instance sharing the database (a
/// lockout counted on two instances must count once per attempt), so each backend implements it as one
/// transaction that excludes other writers.
public protocol RecordStore: Sendable {
    func get(_ collection: String, _ key: String, now: Date) async throws(StoreError) -> Data?
    func put(_ collection: String, _ key: String, _ value: Data, expiresAt: Date?) async throws(StoreError)
    func delete(_ collection: String, _ key: String) async throws(StoreError)
    /// Reads the record (nil if absent or expired), lets `body` change it (set it to nil to delete), writes the
    /// result, all in one exclusive transaction; returns what `body` returned. `expiresAt` sets a new expiry; `nil`
    /// keeps the record's expiry (a new record then never expires), so an update cannot make a code immortal.
    func update<Result: Sendable>(
        _ collection: String, _ key: String, now: Date, expiresAt: Date?,
        _ body: @escaping @Sendable (inout Data?) throws -> Result
    ) async throws(StoreError) -> Result
    /// Reads several records (nil where absent or expired), lets `body` change any of them through the batch, writes
    /// the ones it changed, all in one exclusive transaction; returns what `body` returned. For decisions that span
    /// records (a lockout counted for an account and its client address, with the code it compares). Each record
    /// keeps its expiry (a new one never expires); the keys must be distinct. The records are locked in one fixed
    /// order (PostgreSQL: ascending advisory-lock id), so two such updates sharing records cannot deadlock, and a
    /// single-record `update` holds one lock and waits for nothing while holding it.
    func update<Result: Sendable>(
        _ keys: [RecordKey], now: Date, _ body: @escaping @Sendable (inout RecordBatch) throws -> Result
    ) async throws(StoreError) -> Result
    /// Deletes expired records; returns how many.
    func purgeExpired(now: Date) async throws(StoreError) -> Int
}

/// A typed view of one collection: values are JSON-encoded `Codable`s.
public struct Records<Value: Codable & Sendable>: Sendable {
    public let store: any RecordStore
    public let collection: String

    public init(_ store: any RecordStore, collection: String) {
        self.store = store
        self.collection = collection
    }

    public func get(_ key: String, now: Date = Date()) async throws(StoreError) -> Value? {
        guard let data = try await self.store.get(self.collection, key, now: now) else { return nil }
        return try Self.decode(data, collection: self.collection)
    }

    public func put(_ key: String, _ value: Value, expiresAt: Date? = nil) async throws(StoreError) {
        try await self.store.put(self.collection, key, try Self.encode(value), expiresAt: expiresAt)
    }

    public func delete(_ key: String) async throws(StoreError) {
        try await self.store.delete(self.collection, key)
    }

    /// Atomic read-modify-write of one value (nil: absent; set nil to delete).
    public func update<Result: Sendable>(
        _ key: String, now: Date = Date(), expiresAt: Date? = nil,
        _ body: @escaping @Sendable (inout Value?) throws -> Result
    ) async throws(StoreError) -> Result {
        let collection = self.collection
        return try await self.store.update(collection, key, now: now, expiresAt: expiresAt) { data in
            var value: Value? = try data.map { try Self.decode($0, collection: collection) }
            let result = try body(&value)
            data = try value.map { try Self.encode($0) }
            return result
        }
    }

    static func encode(_ value: Value) throws(StoreError) -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        do { return try encoder.encode(value) } catch { throw StoreError(.encoding, "cannot encode a \(Value.self)") }
    }

    static func decode(_ data: Data, collection: String) throws(StoreError) -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(Value.self, from: data)
        } catch {
            throw StoreError(.encoding, "a record in '\(collection)' is not a valid \(Value.self)")
        }
    }
}

/// A storage failure: which kind, and a message an operator can act on (never a record's contents).
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The database cannot be opened or reached.
        case unavailable
        /// The schema was written by a newer pii-guard.
        case schemaTooNew = "schema_too_new"
        case encoding
        case failed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { self.message }

    /// `what` (a file or a database) was migrated by a newer pii-guard: it holds schema steps this binary does not
    /// know. Every backend refuses such a schema with this message.
    public static func schemaTooNew(_ what: String, unknownSteps: some Collection<String>) -> StoreError {
        StoreError(.schemaTooNew, "\(what) was written by a newer pii-guard (it has schema steps this version does not "
            + "know: \(unknownSteps.sorted().joined(separator: ", "))); run the newer version, or restore a backup made "
            + "before the upgrade")
    }
}
