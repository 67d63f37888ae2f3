import Foundation
import GuardStore
import Testing

@testable import AuditTrail

@Suite struct RetentionTests {
    /// 1,200 records one after another: record `i` (sequence `i + 1`) happened at `base + i` seconds.
    static func makeLog() async throws -> ChainFixture {
        let fixture = try ChainFixture(checkpointEvery: 100)
        try await fixture.fill(1200, tasks: 1)
        return fixture
    }

    func retention(_ fixture: ChainFixture, batchSize: Int = 250) -> AuditRetention {
        AuditRetention(log: fixture.log, signer: fixture.signer, batchSize: batchSize, externalCheckpoints: fixture.external)
    }

    @Test func purgedLogStillVerifies() async throws {
        let fixture = try await Self.makeLog()
        let outcome = try await self.retention(fixture).purge(olderThan: ChainSamples.base.addingTimeInterval(700))
        #expect(outcome.purged == 700)
        #expect(outcome.through == 700)
        #expect(outcome.checkpoints.map(\.sequence) == [250, 500, 700])
        #expect(outcome.checkpoints.allSatisfy { $0.kind == .retention })
        #expect(try await fixture.log.count() == 500)

        let report = try await fixture.verify()
        #expect(report.isValid, "\(report)")
        #expect(report.startsAfter == 700)
        #expect(report.firstSequence == 701 && report.lastSequence == 1200)

        // The chain goes on from where it was.
        try await fixture.fill(50, tasks: 4, from: 5000)
        #expect(try await fixture.verify().isValid)

        // The first record after the purge point is held to the retention checkpoint.
        try fixture.tamper("DELETE FROM audit_records WHERE sequence = 701")
        let damaged = try await fixture.verify()
        #expect(damaged.firstProblem?.message == "record 701 missing (the log starts at 702, after retention checkpoint 700)")
    }

    @Test func purgingEverythingKeepsTheHead() async throws {
        let fixture = try await Self.makeLog()
        let head = try await fixture.log.head()
        let outcome = try await self.retention(fixture, batchSize: 10_000).purge(olderThan: .distantFuture)
        #expect(outcome.purged == 1200)
        #expect(try await fixture.log.count() == 0)
        #expect(try await fixture.log.head() == head)
        #expect(try await fixture.verify().isValid)
        let next = try await fixture.writer.append(ChainSamples.record(1))
        #expect(next.sequence == 1201)
        #expect(next.previousHash == head.hash)
        let report = try await fixture.verify()
        #expect(report.isValid, "\(report)")
        #expect(report.firstSequence == 1201)
    }

    @Test func nothingToPurge() async throws {
        let fixture = try await Self.makeLog()
        let outcome = try await self.retention(fixture).purge(olderThan: ChainSamples.base)
        #expect(outcome.purged == 0 && outcome.through == nil)
        #expect(try await fixture.log.count() == 1200)
    }

    @Test func refusesToPurgeTamperedRecords() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper("""
            UPDATE audit_records SET payload = CAST(replace(CAST(payload AS TEXT), '"status":200', '"status":500') AS BLOB)
            WHERE sequence = 10
            """)
        let error = await #expect(throws: AuditTrailError.self) {
            try await self.retention(fixture).purge(olderThan: ChainSamples.base.addingTimeInterval(700))
        }
        #expect(error?.kind == .retention)
        #expect(error?.message.contains("record 10: content changed") == true)
        #expect(try await fixture.log.count() == 1200)
        // Damage after the purge range does not hold the purge up.
        let later = try await Self.makeLog()
        try later.tamper("DELETE FROM audit_records WHERE sequence = 1100")
        #expect(try await self.retention(later).purge(olderThan: ChainSamples.base.addingTimeInterval(700)).purged == 700)
    }

    @Test func defaultPeriodIsTwoYearsInKoreanTime() {
        let retention = AuditRetention(log: FailingAuditLog(), signer: AuditSigner(privateKey: .init()))
        #expect(retention.years == 2)
        // 2026-11-18 11:06:40 UTC = 20:06:40 KST.
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(retention.cutoff(now: now) == Date(timeIntervalSince1970: 1_795_000_000 - 730 * 86_400))
        // 2028-02-29 KST, two years back: 2026-02-28.
        let leap = ISO8601DateFormatter().date(from: "2028-02-29T03:00:00Z")!
        #expect(retention.cutoff(now: leap) == ISO8601DateFormatter().date(from: "2026-02-28T03:00:00Z")!)
    }
}
