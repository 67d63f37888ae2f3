import Foundation
import GRDB
import Testing

@testable import GuardStore

/// The behaviour every `RecordStore` backend must show; run against each backend.
enum RecordStoreSuite {
    struct Counter: Codable, Sendable, Equatable { var count: Int; var note: String }

    static func basics(_ store: any RecordStore) async throws {
        let records = Records<Counter>(store, collection: "counters")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await records.get("a", now: now) == nil)
        try await records.put("a", Counter(count: 1, note: "첫 번째"))
        #expect(try await records.get("a", now: now) == Counter(count: 1, note: "첫 번째"))
        try await records.put("a", Counter(count: 2, note: "two"))
        #expect(try await records.get("a", now: now)?.count == 2)
        // Collections are separate namespaces.
        #expect(try await Records<Counter>(store, collection: "other").get("a", now: now) == nil)
        try await records.delete("a")
        #expect(try await records.get("a", now: now) == nil)
    }

    static func expiry(_ store: any RecordStore) async throws {
        let records = Records<Counter>(store, collection: "expiring")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await records.put("soon", Counter(count: 1, note: ""), expiresAt: now.addingTimeInterval(60))
        try await records.put("later", Counter(count: 2, note: ""), expiresAt: now.addingTimeInterval(3600))
        try await records.put("never", Counter(count: 3, note: ""))
        #expect(try await records.get("soon", now: now.addingTimeInterval(59)) != nil)
        #expect(try await records.get("soon", now: now.addingTimeInterval(60)) == nil)
        // An expired record is absent for update too: it starts again from nothing.
        let seen = try await records.update("soon", now: now.addingTimeInterval(61)) { value -> Int? in
            let before = value?.count
            value = Counter(count: 10, note: "renewed")
            return before
        }
        #expect(seen == nil)
        #expect(try await store.purgeExpired(now: now.addingTimeInterval(4000)) == 1)  // "later"; "soon" was renewed forever
        #expect(try await records.get("never", now: now.addingTimeInterval(1e9)) != nil)
        #expect(try await records.get("soon", now: now.addingTimeInterval(1e9))?.count == 10)
        // Updating a live record without a new expiry keeps its expiry (a used code must still expire).
        try await records.put("code", Counter(count: 0, note: ""), expiresAt: now.addingTimeInterval(180))
        try await records.update("code", now: now.addingTimeInterval(10)) { value in value?.count = 1 }
        #expect(try await records.get("code", now: now.addingTimeInterval(179))?.count == 1)
        #expect(try await records.get("code", now: now.addingTimeInterval(180)) == nil)
        try await records.update("code", now: now.addingTimeInterval(170), expiresAt: now.addingTimeInterval(600)) { value in
            value?.count = 2
        }
        #expect(try await records.get("code", now: now.addingTimeInterval(599))?.count == 2)
    }

    static func updateIsAtomicAndCanDelete(_ stores: [any RecordStore]) async throws {
        let perStore = 100
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                for _ in 0..<perStore {
                    group.addTask {
                        _ = try await Records<Counter>(store, collection: "atomic").update("shared") { value in
                            value = Counter(count: (value?.count ?? 0) + 1, note: "")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await Records<Counter>(stores[0], collection: "atomic").get("shared")?.count == perStore * stores.count)
        try await Records<Counter>(stores[0], collection: "atomic").update("shared") { value in value = nil }
        #expect(try await Records<Counter>(stores[0], collection: "atomic").get("shared") == nil)
    }

    static func failingUpdateChangesNothing(_ store: any RecordStore) async throws {
        struct Refused: Error {}
        let records = Records<Counter>(store, collection: "rollback")
        try await records.put("k", Counter(count: 1, note: "kept"))
        await #expect(throws: StoreError.self) {
            try await records.update("k") { value in
                value = Counter(count: 99, note: "must not be written")
                throw Refused()
            }
        }
        #expect(try await records.get("k") == Counter(count: 1, note: "kept"))
    }
}

@Suite("SQLite record store")
struct SQLiteRecordStoreTests {
    func databasePath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)/guard.sqlite").path
    }

    @Test func basics() async throws { try await RecordStoreSuite.basics(try SQLiteRecordStore(path: self.databasePath())) }
    @Test func expiry() async throws { try await RecordStoreSuite.expiry(try SQLiteRecordStore(path: self.databasePath())) }
    @Test func failingUpdateChangesNothing() async throws {
        try await RecordStoreSuite.failingUpdateChangesNothing(try SQLiteRecordStore(path: self.databasePath()))
    }

    /// Two stores on one file stand for two guard processes: every increment counts exactly once.
    @Test func updatesFromTwoOpenersOfOneFileSerialise() async throws {
        let path = self.databasePath()
        let first = try SQLiteRecordStore(path: path)
        let second = try SQLiteRecordStore(path: path)
        try await RecordStoreSuite.updateIsAtomicAndCanDelete([first, second])
    }

    @Test func aSchemaFromANewerVersionIsRefusedClearly() async throws {
        let path = self.databasePath()
        _ = try SQLiteRecordStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9-from-the-future')")
        }
        try queue.close()
        let error = #expect(throws: StoreError.self) { try SQLiteRecordStore(path: path) }
        #expect(error?.kind == .schemaTooNew)
        #expect(error?.message.contains("9-from-the-future") == true)
        #expect(error?.message.contains(path) == true)
    }

    @Test func anUnopenablePathIsReportedWithThePath() {
        let error = #expect(throws: StoreError.self) { try SQLiteRecordStore(path: "/proc/version/guard.sqlite") }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains("/proc/version/guard.sqlite") == true)
    }
}
