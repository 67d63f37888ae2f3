import Foundation
import GRDB
import Testing

@testable import GuardStore

/// The audit log as storage, on each backend: serialised appends that must continue the head, queries, purge, schema
/// guard. (The chain's rules are tested in AuditTrailTests.)
@Suite struct AuditLogTests {
    static let base = Date(timeIntervalSince1970: 1_795_000_000)

    final class Folder: Sendable {
        let path = NSTemporaryDirectory() + "pii-guard-auditlog-\(UUID().uuidString)"
        deinit { try? FileManager.default.removeItem(atPath: self.path) }
    }

    /// Rows with stand-in hashes (`h<sequence>`): storage does not judge them.
    static func rows(after head: AuditLogHead, count: Int, account: (Int64) -> String = { "seller-\($0 % 3)" })
        -> [AuditLogRow]
    {
        var previous = head.hash
        return (1...Int64(count)).map { offset in
            let sequence = head.sequence + offset
            defer { previous = "h\(sequence)" }
            return AuditLogRow(
                sequence: sequence, at: self.base.addingTimeInterval(Double(sequence) * 60), kind: "access",
                action: sequence % 4 == 0 ? "download" : "view", account: account(sequence),
                clientAddress: "10.0.0.\(sequence % 2)", site: "shop", menuID: sequence % 2 == 0 ? "sales" : "members",
                subjects: ["order-\(sequence)", "order-\(sequence + 1)", "order-\(sequence)"], previousHash: previous,
                hash: "h\(sequence)", payload: Data("{\"sequence\":\(sequence)}".utf8))
        }
    }

    @Test(arguments: Backend.allCases) func appendsContinueTheHead(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { try await Self.appendsContinueTheHead(try await $0.auditLog()) }
    }

    static func appendsContinueTheHead(_ log: any AuditLog) async throws {
        #expect(try await log.head() == .empty)
        let stored = try await log.append { head in Self.rows(after: head, count: 3) }
        #expect(stored.map(\.sequence) == [1, 2, 3])
        #expect(try await log.head() == AuditLogHead(sequence: 3, hash: "h3"))
        // Rows that skip a sequence, or do not link to the head, are refused and nothing is stored.
        await #expect(throws: StoreError.self) {
            try await log.append { head in
                var rows = Self.rows(after: head, count: 2)
                rows[1].sequence += 1
                return rows
            }
        }
        await #expect(throws: StoreError.self) {
            try await log.append { _ in Self.rows(after: AuditLogHead(sequence: 3, hash: "other"), count: 1) }
        }
        // An error thrown while making the rows aborts the append.
        struct Refused: Error {}
        let error = await #expect(throws: StoreError.self) { try await log.append { _ in throw Refused() } }
        #expect(error?.kind == .failed)
        #expect(try await log.count() == 3)
        // Read back with subjects from the side table, without duplicates.
        let row = try #require(try await log.rows(from: 2, limit: 10).first)
        #expect(row.sequence == 2)
        #expect(row.subjects == ["order-2", "order-3"])
        #expect(row.payload == Data("{\"sequence\":2}".utf8))
        #expect(row.at == Self.base.addingTimeInterval(120))
    }

    /// Three openers stand for three guard instances appending at once: one gapless, linked chain.
    @Test(arguments: Backend.allCases) func writersOnOneLogQueueUp(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            var logs: [any AuditLog] = []
            for _ in 0..<3 { logs.append(try await fixture.auditLog()) }
            try await Self.writersQueueUp(logs)
        }
    }

    static func writersQueueUp(_ logs: [any AuditLog]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for log in logs {
                for _ in 0..<10 {
                    group.addTask { _ = try await log.append { head in Self.rows(after: head, count: 5) } }
                }
            }
            try await group.waitForAll()
        }
        let rows = try await logs[0].rows(from: 1, limit: 1000)
        #expect(rows.map(\.sequence) == Array(1...150))
        for (previous, row) in zip(rows, rows.dropFirst()) { #expect(row.previousHash == previous.hash) }
    }

    @Test(arguments: Backend.allCases) func queries(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { try await Self.queries(try await $0.auditLog()) }
    }

    static func queries(_ log: any AuditLog) async throws {
        _ = try await log.append { head in Self.rows(after: head, count: 100) }
        #expect(try await log.count(AuditLogFilter(account: "seller-1")) == 34)
        #expect(try await log.query(AuditLogFilter(subject: "order-42"), limit: 10).map(\.sequence) == [41, 42])
        #expect(try await log.query(AuditLogFilter(subject: "order-4"), limit: 10).map(\.sequence) == [3, 4])
        #expect(try await log.count(AuditLogFilter(action: "download")) == 25)
        #expect(try await log.count(AuditLogFilter(clientAddress: "10.0.0.1")) == 50)
        #expect(try await log.count(AuditLogFilter(menuID: "sales", action: "download")) == 25)
        #expect(try await log.count(AuditLogFilter(kind: "second_factor")) == 0)
        // Half-open time range: minutes 10 to 19.
        let range = AuditLogFilter(from: Self.base.addingTimeInterval(600), until: Self.base.addingTimeInterval(1200))
        #expect(try await log.query(range, limit: 100).map(\.sequence) == Array(10...19))
        // Paging newest first.
        let page1 = try await log.query(AuditLogFilter(account: "seller-0", newestFirst: true), limit: 5)
        #expect(page1.map(\.sequence) == [99, 96, 93, 90, 87])
        let page2 = try await log.query(AuditLogFilter(account: "seller-0", beforeSequence: 87, newestFirst: true), limit: 2)
        #expect(page2.map(\.sequence) == [84, 81])
        #expect(page2[0].subjects == ["order-84", "order-85"])
        #expect(try await log.firstSequence(notBefore: Self.base.addingTimeInterval(600)) == 10)
        #expect(try await log.firstSequence(notBefore: Self.base.addingTimeInterval(1e6)) == nil)
    }

    @Test func filtersUseIndexes() async throws {
        let folder = Folder()
        let log = try SQLiteAuditLog(dataDirectory: folder.path)
        _ = try await log.append { head in Self.rows(after: head, count: 10) }
        let filters: [(AuditLogFilter, String)] = [
            (AuditLogFilter(subject: "order-4"), "audit_subjects_subject"),
            (AuditLogFilter(account: "seller-1"), "audit_records_account"),
            (AuditLogFilter(clientAddress: "10.0.0.1"), "audit_records_client"),
            (AuditLogFilter(menuID: "sales"), "audit_records_menu"),
            (AuditLogFilter(from: Self.base), "audit_records_at"),
            (AuditLogFilter(from: Self.base, until: Self.base.addingTimeInterval(60), action: "view"), "audit_records_at"),
            (AuditLogFilter(account: "seller-1", from: Self.base), "audit_records_account"),
            (AuditLogFilter(kind: "export"), "audit_records_kind_action"),
        ]
        for (filter, index) in filters {
            let (condition, arguments) = SQLiteAuditLog.condition(filter)
            let table = SQLiteAuditLog.table(filter)
            let plan = try await log.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM \(table) WHERE \(condition) ORDER BY sequence",
                                 arguments: arguments).map { $0["detail"] as String }.joined(separator: "; ")
            }
            #expect(plan.contains(index), "\(index): \(plan)")
        }
        // Paging through a window walks from the cursor instead.
        #expect(SQLiteAuditLog.table(AuditLogFilter(from: Self.base, afterSequence: 5)) == "audit_records")
    }

    @Test(arguments: Backend.allCases) func purgeDeletesAPrefixWithItsCheckpoint(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { try await Self.purgeDeletesAPrefix(try await $0.auditLog()) }
    }

    static func purgeDeletesAPrefix(_ log: any AuditLog) async throws {
        _ = try await log.append { head in Self.rows(after: head, count: 20) }
        let checkpoint = AuditCheckpointRow(sequence: 12, hash: "h12", at: Self.base, kind: "retention", keyID: "k",
                                            signature: "s")
        // The checkpoint must name the sequence purged and the hash stored for it.
        await #expect(throws: StoreError.self) { try await log.purge(through: 11, checkpoint: checkpoint) }
        var wrong = checkpoint
        wrong.hash = "h11"
        await #expect(throws: StoreError.self) { try await log.purge(through: 12, checkpoint: wrong) }
        #expect(try await log.purge(through: 12, checkpoint: checkpoint) == 12)
        #expect(try await log.count() == 8)
        #expect(try await log.query(AuditLogFilter(subject: "order-5"), limit: 10).isEmpty)
        #expect(try await log.checkpoints().map(\.sequence) == [12])
        #expect(try await log.lastCheckpoint()?.kind == "retention")
        // Everything gone: the head stays where the chain was.
        let last = AuditCheckpointRow(sequence: 20, hash: "h20", at: Self.base, kind: "retention", keyID: "k", signature: "s")
        #expect(try await log.purge(through: 20, checkpoint: last) == 8)
        #expect(try await log.head() == AuditLogHead(sequence: 20, hash: "h20"))
        let next = try await log.append { head in Self.rows(after: head, count: 1) }
        #expect(next[0].sequence == 21)
    }

    /// A batch larger than one statement's parameters (50 records naming 700 subjects each) is stored whole.
    @Test(arguments: Backend.allCases) func aLargeBatchIsStoredWhole(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let log = try await fixture.auditLog()
            let stored = try await log.append { head in
                Self.rows(after: head, count: 50).map { row in
                    var row = row
                    row.subjects = (0..<700).map { "order-\(row.sequence)-\($0)" }
                    return row
                }
            }
            #expect(stored.count == 50)
            #expect(try await log.count() == 50)
            let last = try #require(try await log.rows(from: 50, limit: 1).first)
            #expect(last.subjects.count == 700)
            #expect(try await log.query(AuditLogFilter(subject: "order-37-699"), limit: 5).map(\.sequence) == [37])
        }
    }

    @Test(arguments: Backend.allCases) func refusesANewerSchema(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            _ = try await fixture.auditLog()
            try await fixture.addFutureStep("9-future", audit: true)
            let error = await #expect(throws: StoreError.self) { _ = try await fixture.auditLog() }
            #expect(error?.kind == .schemaTooNew)
            #expect(error?.message.contains("9-future") == true)
        }
    }

    @Test func theSQLiteLogLivesInTheDataFolder() throws {
        let folder = Folder()
        let log = try SQLiteAuditLog(dataDirectory: folder.path)
        #expect(log.path == folder.path + "/audit.sqlite")
    }
}
