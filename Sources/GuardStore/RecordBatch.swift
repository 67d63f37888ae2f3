import Foundation

/// Where one record lives: its collection and key.
public struct RecordKey: Hashable, Sendable, CustomStringConvertible {
    public let collection: String
    public let key: String

    public init(_ collection: String, _ key: String) {
        self.collection = collection
        self.key = key
    }

    /// The collection only: keys may be account names, which must not reach logs or errors.
    public var description: String { "a record in '\(self.collection)'" }
}

/// The records of one multi-record `update` (`RecordStore.update(_:now:_:)`), as the body sees and changes them.
///
/// A decision that spans records (a lockout counted for an account *and* its client address, and the code it
/// compares) must read and write them in one transaction: decided record by record, a concurrent attempt slips in
/// between the check and the count. The batch holds exactly the records asked for; naming another one is refused,
/// so the body cannot read outside the transaction by mistake.
public struct RecordBatch: Sendable {
    public let keys: [RecordKey]
    let original: [Data?]
    var values: [Data?]

    /// For store backends: the records as read, before the body changes them.
    package init(keys: [RecordKey], values: [Data?]) {
        self.keys = keys
        self.original = values
        self.values = values
    }

    /// The stored bytes of `key` (nil: absent or expired).
    public func data(_ key: RecordKey) throws(StoreError) -> Data? { self.values[try self.index(key)] }

    /// Sets (nil: deletes) the bytes of `key`, written when the body returns.
    public mutating func setData(_ key: RecordKey, _ value: Data?) throws(StoreError) {
        self.values[try self.index(key)] = value
    }

    /// The typed value of `key` in `records`' collection.
    public func get<Value>(_ records: Records<Value>, _ key: String) throws(StoreError) -> Value? {
        let data = try self.data(RecordKey(records.collection, key))
        guard let data else { return nil }
        return try Records<Value>.decode(data, collection: records.collection)
    }

    /// Sets (nil: deletes) the typed value of `key` in `records`' collection.
    public mutating func set<Value>(_ records: Records<Value>, _ key: String, _ value: Value?) throws(StoreError) {
        var data: Data? = nil
        if let value { data = try Records<Value>.encode(value) }
        try self.setData(RecordKey(records.collection, key), data)
    }

    /// Forgets every change made so far: the update then writes nothing (a body that refuses after changing
    /// records, without throwing).
    public mutating func discardChanges() {
        self.values = self.original
    }

    /// The records whose bytes the body changed (only these are written).
    package var changes: [(key: RecordKey, value: Data?)] {
        self.keys.indices.compactMap { index in
            self.values[index] == self.original[index] ? nil : (self.keys[index], self.values[index])
        }
    }

    private func index(_ key: RecordKey) throws(StoreError) -> Int {
        guard let index = self.keys.firstIndex(of: key) else {
            throw StoreError(.failed, "\(key) was not part of the update that asked for it (a bug in pii-guard)")
        }
        return index
    }

    /// Refuses an empty or repeated list of keys before any transaction starts.
    package static func check(_ keys: [RecordKey]) throws(StoreError) {
        guard !keys.isEmpty, Set(keys).count == keys.count else {
            throw StoreError(.failed, "a multi-record update needs distinct records (a bug in pii-guard)")
        }
    }
}

extension Records {
    /// Where `key` of this collection lives, for a multi-record update.
    public func key(_ key: String) -> RecordKey { RecordKey(self.collection, key) }
}
