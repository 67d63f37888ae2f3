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

    /// Multi-record updates from every opener, half naming the records in the opposite order, racing single-record
    /// updates of one of them: every increment of every record counts exactly once, and nothing deadlocks (two
    /// PostgreSQL transactions locking {a, b} in opposite orders would, without the fixed order).
    static func multiRecordUpdatesCountEveryRecordOnce(_ stores: [any RecordStore]) async throws {
        let perStore = 40
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                let records = Records<Counter>(store, collection: "multi")
                let other = Records<Counter>(store, collection: "multi-other")
                for index in 0..<perStore {
                    group.addTask {
                        var keys = [records.key("a"), other.key("b"), records.key("c")]
                        if index % 2 == 1 { keys.reverse() }
                        try await store.update(keys, now: now) { batch in
                            for (collection, key) in [(records, "a"), (records, "c")] {
                                let value = try batch.get(collection, key)
                                try batch.set(collection, key, Counter(count: (value?.count ?? 0) + 1, note: ""))
                            }
                            let value = try batch.get(other, "b")
                            try batch.set(other, "b", Counter(count: (value?.count ?? 0) + 1, note: ""))
                        }
                    }
                    group.addTask {
                        try await records.update("a", now: now) { value in
                            value = Counter(count: (value?.count ?? 0) + 1000, note: "")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = perStore * stores.count
        #expect(try await Records<Counter>(stores[0], collection: "multi").get("a", now: now)?.count == total * 1001)
        #expect(try await Records<Counter>(stores[0], collection: "multi-other").get("b", now: now)?.count == total)
        #expect(try await Records<Counter>(stores[0], collection: "multi").get("c", now: now)?.count == total)
    }

    /// A multi-record update writes only what its body changed, keeps each record's expiry, writes nothing when
    /// the body throws or discards its changes, and refuses records it was not given or given twice.
    static func multiRecordUpdateRules(_ store: any RecordStore) async throws {
        struct Refused: Error {}
        let records = Records<Counter>(store, collection: "batch")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await records.put("code", Counter(count: 1, note: "expiring"), expiresAt: now.addingTimeInterval(180))
        try await records.put("gone", Counter(count: 1, note: "to delete"))
        let keys = [records.key("code"), records.key("gone"), records.key("new")]
        let seen = try await store.update(keys, now: now.addingTimeInterval(10)) { batch -> Int? in
            let before = try batch.get(records, "code")?.count
            try batch.set(records, "code", Counter(count: 2, note: "used"))
            try batch.set(records, "gone", nil)
            try batch.set(records, "new", Counter(count: 3, note: "fresh"))
            return before
        }
        #expect(seen == 1)
        #expect(try await records.get("code", now: now.addingTimeInterval(179))?.count == 2)
        #expect(try await records.get("code", now: now.addingTimeInterval(180)) == nil)  // kept its expiry
        #expect(try await records.get("gone", now: now) == nil)
        #expect(try await records.get("new", now: now.addingTimeInterval(1e9))?.note == "fresh")

        await #expect(throws: StoreError.self) {
            try await store.update(keys, now: now) { batch in
                try batch.set(records, "new", Counter(count: 99, note: "must not be written"))
                throw Refused()
            }
        }
        try await store.update(keys, now: now) { batch in
            try batch.set(records, "new", Counter(count: 98, note: "must not be written"))
            batch.discardChanges()
        }
        #expect(try await records.get("new", now: now)?.note == "fresh")

        let outside = await #expect(throws: StoreError.self) {
            try await store.update([records.key("new")], now: now) { batch in _ = try batch.get(records, "code") }
        }
        #expect(outside?.message.contains("code") == false)  // a key may be an account name: never in the message
        await #expect(throws: StoreError.self) {
            try await store.update([records.key("new"), records.key("new")], now: now) { _ in }
        }
        await #expect(throws: StoreError.self) { try await store.update([], now: now) { _ in } }
    }
}

/// The suite above on every backend: the same behaviour on SQLite and on PostgreSQL.
@Suite("Record store, on each backend")
struct RecordStoreTests {
    @Test(arguments: Backend.allCases) func basics(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { try await RecordStoreSuite.basics(try await $0.recordStore()) }
    }

    @Test(arguments: Backend.allCases) func expiry(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { try await RecordStoreSuite.expiry(try await $0.recordStore()) }
    }

    @Test(arguments: Backend.allCases) func failingUpdateChangesNothing(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { try await RecordStoreSuite.failingUpdateChangesNothing(try await $0.recordStore()) }
    }

    /// Two openers stand for two guard processes: every increment counts exactly once.
    @Test(arguments: Backend.allCases) func updatesFromTwoOpenersSerialise(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await RecordStoreSuite.updateIsAtomicAndCanDelete([try await fixture.recordStore(), try await fixture.recordStore()])
        }
    }

    @Test(arguments: Backend.allCases) func multiRecordUpdatesFromTwoOpenersSerialise(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await RecordStoreSuite.multiRecordUpdatesCountEveryRecordOnce(
                [try await fixture.recordStore(), try await fixture.recordStore()])
        }
    }

    @Test(arguments: Backend.allCases) func multiRecordUpdateRules(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { try await RecordStoreSuite.multiRecordUpdateRules(try await $0.recordStore()) }
    }

    /// A write by one opener is what the other reads next, and a put does not slip between another opener's read and
    /// write.
    @Test(arguments: Backend.allCases) func writesAreSeenAcrossOpeners(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let first = Records<RecordStoreSuite.Counter>(try await fixture.recordStore(), collection: "shared")
            let second = Records<RecordStoreSuite.Counter>(try await fixture.recordStore(), collection: "shared")
            try await first.put("proof", .init(count: 1, note: "A"))
            #expect(try await second.get("proof")?.note == "A")
            try await second.delete("proof")
            #expect(try await first.get("proof") == nil)
            // Puts on one opener racing read-modify-writes on the other: each update sees the last put or update.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        if index % 2 == 0 {
                            try await first.put("race", .init(count: 1000 + index, note: "put"))
                        } else {
                            try await second.update("race") { value in value = .init(count: (value?.count ?? 0) + 1, note: "update") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let final = try #require(try await first.get("race"))
            #expect(final.count >= 1000)
        }
    }

    @Test(arguments: Backend.allCases) func aSchemaFromANewerVersionIsRefusedClearly(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            _ = try await fixture.recordStore()
            try await fixture.addFutureStep("9-from-the-future", audit: false)
            let error = await #expect(throws: StoreError.self) { _ = try await fixture.recordStore() }
            #expect(error?.kind == .schemaTooNew)
            #expect(error?.message.contains("9-from-the-future") == true)
            #expect(error?.message.contains("newer pii-guard") == true)
        }
    }

    @Test func anUnopenablePathIsReportedWithThePath() {
        let error = #expect(throws: StoreError.self) { try SQLiteRecordStore(path: "/proc/version/guard.sqlite") }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains("/proc/version/guard.sqlite") == true)
    }
}
