import Crypto
import Foundation
import GuardStore
import Synchronization
import Testing

@testable import AuditTrail

@Suite struct WriterTests {
    @Test func concurrentAppendsStayOneChain() async throws {
        let fixture = try ChainFixture(checkpointEvery: 500)
        let sealed = try await fixture.fill(3000, tasks: 64)
        // Every caller got its own sequence, 1…3000, each linked to the one before.
        #expect(sealed.map(\.sequence) == Array(1...3000))
        for (previous, record) in zip(sealed, sealed.dropFirst()) { #expect(record.previousHash == previous.hash) }
        #expect(sealed[0].previousHash == "")
        // What a caller got back is what was stored.
        let stored = try await fixture.log.rows(from: 1234, limit: 1)[0]
        #expect(try AuditRecord(row: stored) == sealed[1233])
        let statistics = fixture.writer.statistics
        #expect(statistics.records == 3000)
        #expect(statistics.batches < 3000, "group commit batches concurrent appends")
        #expect(statistics.checkpoints == 6)
        #expect(try await fixture.log.checkpoints().map(\.sequence) == [500, 1000, 1500, 2000, 2500, 3000])
        let report = try await fixture.verify()
        #expect(report.isValid, "\(report)")
    }

    @Test func twoLogsOnOneFileStayOneChain() async throws {
        // Two `SQLiteAuditLog`s on one file, each with its own writer: two guard processes sharing the log.
        let folder = ChainFolder()
        let signer = AuditSigner(privateKey: .init())
        let external = ExternalCheckpointFile(path: folder.file("checkpoints.jsonl"))
        let logs = try [SQLiteAuditLog(dataDirectory: folder.path), SQLiteAuditLog(dataDirectory: folder.path)]
        let writers = logs.map {
            AuditWriter(log: $0, signer: signer, policy: .init(checkpointEvery: 250), externalCheckpoints: external)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, writer) in writers.enumerated() {
                for task in 0..<16 {
                    group.addTask {
                        for item in 0..<50 {
                            _ = try await writer.append(ChainSamples.record(index * 10_000 + task * 100 + item))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await logs[0].count() == 1600)
        #expect(try await logs[1].head().sequence == 1600)
        #expect(writers[0].statistics.records + writers[1].statistics.records == 1600)
        #expect(writers[0].statistics.records > 0 && writers[1].statistics.records > 0)
        for writer in writers { try await writer.close() }
        let checkpoints = try await logs[0].checkpoints().map(\.sequence)
        #expect(checkpoints.filter { $0 % 250 == 0 }.sorted() == [250, 500, 750, 1000, 1250, 1500])
        let report = try await AuditVerifier.verify(log: logs[1], publicKey: signer.publicKey,
                                                    externalCheckpoints: URL(fileURLWithPath: external.path))
        #expect(report.isValid, "\(report)")
        #expect(report.recordsChecked == 1600)
    }

    @Test func storeErrorsReachEveryWaitingCaller() async throws {
        let log = FailingAuditLog()
        let writer = AuditWriter(log: log, signer: AuditSigner(privateKey: .init()))
        let failures = try await withThrowingTaskGroup(of: AuditTrailError?.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do throws(AuditTrailError) {
                        _ = try await writer.append(ChainSamples.record(index))
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var failures: [AuditTrailError] = []
            for try await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        #expect(failures.count == 20)
        #expect(failures.allSatisfy { $0.kind == .store && $0.message.contains("disk I/O error") })
        #expect(writer.statistics.failedBatches >= 1)
        // Once the log recovers, appends go through again.
        log.failing.withLock { $0 = false }
        #expect(try await writer.append(ChainSamples.record(1)).sequence == 1)
    }

    @Test func closeWritesAShutdownCheckpointAndRefusesMore() async throws {
        let fixture = try ChainFixture()
        try await fixture.fill(10, tasks: 2)
        let checkpoint = try #require(try await fixture.writer.close())
        #expect(checkpoint.kind == .shutdown)
        #expect(checkpoint.sequence == 10)
        #expect(checkpoint.isSigned(by: fixture.signer.publicKey))
        let refused = await #expect(throws: AuditTrailError.self) { try await fixture.writer.append(ChainSamples.record(11)) }
        #expect(refused?.kind == .closed)
        let external = try ExternalCheckpointFile.read(at: fixture.external.path)
        #expect(external.entries.map(\.checkpoint) == [checkpoint])
    }

    @Test func timeBasedCheckpoints() async throws {
        let clock = ChainClock()
        let fixture = try ChainFixture(checkpointEvery: 1000, interval: .seconds(300), clock: clock)
        try await fixture.fill(5, tasks: 1)
        #expect(try await fixture.log.checkpoints().isEmpty)
        // Nothing due yet.
        await fixture.writer.checkpointIfDue()
        #expect(try await fixture.log.checkpoints().isEmpty)
        clock.advance(301)
        await fixture.writer.checkpointIfDue()
        #expect(try await fixture.log.checkpoints().map(\.sequence) == [5])
        // The head has not moved: no second checkpoint for it.
        clock.advance(301)
        await fixture.writer.checkpointIfDue()
        #expect(try await fixture.log.checkpoints().count == 1)
        // After the interval, the next append brings one for its batch.
        clock.advance(301)
        try await fixture.fill(1, tasks: 1, from: 5)
        #expect(try await fixture.log.checkpoints().map(\.sequence) == [5, 6])
        #expect(try await fixture.log.checkpoints().allSatisfy { $0.kind == "periodic" })
        #expect(try await fixture.verify().isValid)
    }

    @Test func recordsAreStoredToTheMillisecond() async throws {
        let fixture = try ChainFixture()
        var record = ChainSamples.record(1)
        record.at = Date(timeIntervalSince1970: 1_795_000_000.123_456_7)
        let sealed = try await fixture.writer.append(record)
        #expect(AuditCanonicalForm.milliseconds(sealed.at) == 1_795_000_000_123)
        #expect(sealed.at.timeIntervalSince1970 == 1_795_000_000.123)
        let stored = try await fixture.log.rows(from: 1, limit: 1)[0]
        #expect(stored.at == sealed.at)
        #expect(try AuditRecord(row: stored) == sealed)
    }
}

/// A log whose appends fail like a full disk, until told otherwise.
final class FailingAuditLog: AuditLog {
    let failing = Mutex(true)
    let inner: SQLiteAuditLog
    let folder = ChainFolder()

    init() {
        self.inner = try! SQLiteAuditLog(dataDirectory: self.folder.path)
    }

    func append(_ make: @escaping @Sendable (AuditLogHead) throws -> [AuditLogRow]) async throws(StoreError) -> [AuditLogRow] {
        if self.failing.withLock({ $0 }) {
            try? await Task.sleep(for: .milliseconds(5))
            throw StoreError(.failed, "database error on the audit log: SQLite SQLITE_IOERR: disk I/O error")
        }
        return try await self.inner.append(make)
    }

    func head() async throws(StoreError) -> AuditLogHead { try await self.inner.head() }
    func rows(from sequence: Int64, limit: Int) async throws(StoreError) -> [AuditLogRow] {
        try await self.inner.rows(from: sequence, limit: limit)
    }
    func query(_ filter: AuditLogFilter, limit: Int) async throws(StoreError) -> [AuditLogRow] {
        try await self.inner.query(filter, limit: limit)
    }
    func count(_ filter: AuditLogFilter) async throws(StoreError) -> Int { try await self.inner.count(filter) }
    func firstSequence(notBefore date: Date) async throws(StoreError) -> Int64? {
        try await self.inner.firstSequence(notBefore: date)
    }
    func checkpoints() async throws(StoreError) -> [AuditCheckpointRow] { try await self.inner.checkpoints() }
    func lastCheckpoint() async throws(StoreError) -> AuditCheckpointRow? { try await self.inner.lastCheckpoint() }
    func appendCheckpoint(_ checkpoint: AuditCheckpointRow) async throws(StoreError) -> AuditCheckpointRow {
        try await self.inner.appendCheckpoint(checkpoint)
    }
    func purge(through sequence: Int64, checkpoint: AuditCheckpointRow) async throws(StoreError) -> Int {
        try await self.inner.purge(through: sequence, checkpoint: checkpoint)
    }
}
