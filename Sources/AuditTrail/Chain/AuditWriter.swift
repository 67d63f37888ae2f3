import Foundation
import GuardStore
import Logging
import Synchronization

/// Appends access records to the chain, each caller waiting until its record is committed (fail closed), and writes
/// the checkpoints the policy asks for.
///
/// One transaction per record would cap the guard at the disk's commit rate. Instead appends are group-committed:
/// callers queue their record and wait; one drain task takes everything queued, links it to the head inside ONE
/// `AuditLog.append` transaction (sealing the last row), and resumes every caller with its sealed record, or with the
/// error (the proxy then refuses the request). While that transaction runs, the next callers queue up and go together
/// in the next one, so throughput grows with concurrency while each record is still durable before its caller goes
/// on. Several writers (several guard processes) on one log stay one chain because the head is read inside each
/// transaction.
///
/// Checkpoints: one for every record whose sequence is a multiple of `checkpointEvery` (so each names the same
/// records whichever process wrote them), one for the head when `checkpointInterval` passed since the last (after a
/// batch, or from `run()` when no records come), and one on `close()`. A checkpoint that cannot be written is logged
/// and retried with the next batch; it never fails the records, which are already committed.
public final class AuditWriter: Sendable {
    /// When checkpoints are written and how large one transaction may grow.
    public struct Policy: Sendable, Hashable {
        /// A periodic checkpoint names every record whose sequence is a multiple of this (default 1,000).
        public var checkpointEvery: Int64
        /// And the head, when this long passed since the last checkpoint (default 5 minutes).
        public var checkpointInterval: Duration
        /// Records per transaction at most (default 2,000); more wait for the next.
        public var maxBatch: Int

        public init(checkpointEvery: Int64 = 1000, checkpointInterval: Duration = .seconds(300), maxBatch: Int = 2000) {
            precondition(checkpointEvery > 0 && maxBatch > 0, "checkpointEvery and maxBatch are positive")
            self.checkpointEvery = checkpointEvery
            self.checkpointInterval = checkpointInterval
            self.maxBatch = maxBatch
        }
    }

    /// Counts since the writer was made.
    public struct Statistics: Sendable, Hashable {
        public var records = 0
        /// Transactions committed.
        public var batches = 0
        public var largestBatch = 0
        public var failedBatches = 0
        public var checkpoints = 0
        public var failedCheckpoints = 0
    }

    private struct Pending: Sendable {
        var record: AuditRecord
        var continuation: CheckedContinuation<Result<AuditRecord, AuditTrailError>, Never>
    }

    private struct State: Sendable {
        var pending: [Pending] = []
        var draining = false
        var closed = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        var lastCheckpointAt: Date
        var lastCheckpointSequence: Int64 = 0
        var statistics = Statistics()
    }

    /// Carries the linked records out of the append transaction.
    private final class Linked: Sendable {
        let records = Mutex<[AuditRecord]>([])
    }

    public let log: any AuditLog
    public let signer: AuditSigner
    public let policy: Policy
    public let externalCheckpoints: ExternalCheckpointFile?
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let state: Mutex<State>

    /// - Parameters:
    ///   - externalCheckpoints: where each checkpoint is also appended (nil: the database only).
    ///   - clock: the time checkpoints carry and the interval is measured with (tests move it).
    public init(log: any AuditLog, signer: AuditSigner, policy: Policy = Policy(),
                externalCheckpoints: ExternalCheckpointFile? = nil, clock: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "pii-guard.audit")) {
        self.log = log
        self.signer = signer
        self.policy = policy
        self.externalCheckpoints = externalCheckpoints
        self.clock = clock
        self.logger = logger
        self.state = Mutex(State(lastCheckpointAt: clock()))
    }

    /// Appends `record` (its sequence, hashes and time precision are set here) and returns it as sealed, once it is
    /// committed. Throws `.store` when the log could not take it, `.closed` after `close()`.
    public func append(_ record: AuditRecord) async throws(AuditTrailError) -> AuditRecord {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<AuditRecord, AuditTrailError>, Never>) in
            let start: Bool? = self.state.withLock { state in
                if state.closed { return nil }
                state.pending.append(Pending(record: record, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            switch start {
            case nil:
                continuation.resume(returning: .failure(AuditTrailError(.closed, "the audit writer is closed (the guard "
                    + "is shutting down); the request cannot be recorded")))
            case true?:
                Task { await self.drain() }
            case false?:
                break
            }
        }
        return try result.get()
    }

    /// Counts so far.
    public var statistics: Statistics { self.state.withLock { $0.statistics } }

    /// Writes time-based checkpoints while nothing is appended; returns when the task is cancelled. Run it beside the
    /// proxy (a service) so the last records before a quiet period are signed within `checkpointInterval`.
    public func run() async {
        let seconds = Self.seconds(self.policy.checkpointInterval)
        let step = Duration.milliseconds(Int64(max(1, min(seconds / 4, 60)) * 1000))
        while !Task.isCancelled {
            do { try await Task.sleep(for: step) } catch { return }
            await self.checkpointIfDue()
        }
    }

    /// Writes a periodic checkpoint for the head if the interval has passed and the head moved since the last one.
    public func checkpointIfDue() async {
        let interval = Self.seconds(self.policy.checkpointInterval)
        let now = self.clock()
        let due = self.state.withLock { now.timeIntervalSince($0.lastCheckpointAt) >= interval }
        guard due else { return }
        do {
            let head = try await self.log.head()
            let last = try await self.log.lastCheckpoint()
            guard head.sequence > 0, head.sequence > (last?.sequence ?? 0) else {
                self.state.withLock { $0.lastCheckpointAt = now }
                return
            }
            _ = try await self.writeCheckpoint(sequence: head.sequence, hash: head.hash, kind: .periodic)
        } catch {
            self.logger.error("audit checkpoint not written", metadata: ["reason": "\(error)"])
        }
    }

    /// Refuses new records, waits for those queued, and signs a shutdown checkpoint for the head (nil when the log is
    /// empty). Throws when that checkpoint cannot be written.
    @discardableResult
    public func close() async throws(AuditTrailError) -> AuditCheckpoint? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = self.state.withLock { state in
                state.closed = true
                if state.draining { state.idleWaiters.append(continuation) }
                return state.draining
            }
            if !wait { continuation.resume() }
        }
        let head: AuditLogHead
        do throws(StoreError) { head = try await self.log.head() } catch { throw AuditTrailError(store: error) }
        guard head.sequence > 0 else { return nil }
        return try await self.writeCheckpoint(sequence: head.sequence, hash: head.hash, kind: .shutdown)
    }

    // MARK: - Group commit

    private func drain() async {
        while true {
            let (batch, waiters): ([Pending], [CheckedContinuation<Void, Never>]) = self.state.withLock { state in
                if state.pending.isEmpty {
                    state.draining = false
                    defer { state.idleWaiters = [] }
                    return ([], state.idleWaiters)
                }
                if state.pending.count <= self.policy.maxBatch {
                    defer { state.pending = [] }
                    return (state.pending, [])
                }
                let batch = Array(state.pending.prefix(self.policy.maxBatch))
                state.pending.removeFirst(self.policy.maxBatch)
                return (batch, [])
            }
            if batch.isEmpty {
                for waiter in waiters { waiter.resume() }
                return
            }
            await self.write(batch)
        }
    }

    private func write(_ batch: [Pending]) async {
        let records = batch.map(\.record)
        let signer = self.signer
        let linked = Linked()
        let rows: [AuditLogRow]
        do throws(StoreError) {
            rows = try await self.log.append { head in
                let link = try AuditChain.link(records, after: head, signer: signer)
                linked.records.withLock { $0 = link.records }
                return link.rows
            }
        } catch {
            let failure = AuditTrailError(store: error)
            self.state.withLock { $0.statistics.failedBatches += 1 }
            for pending in batch { pending.continuation.resume(returning: .failure(failure)) }
            return
        }
        let sealed = linked.records.withLock { $0 }
        for (pending, record) in zip(batch, sealed) { pending.continuation.resume(returning: .success(record)) }
        self.state.withLock { state in
            state.statistics.records += rows.count
            state.statistics.batches += 1
            state.statistics.largestBatch = max(state.statistics.largestBatch, rows.count)
        }
        await self.checkpoint(after: rows)
    }

    /// The checkpoints due once `rows` are committed.
    private func checkpoint(after rows: [AuditLogRow]) async {
        guard let last = rows.last else { return }
        for row in rows where row.sequence % self.policy.checkpointEvery == 0 {
            _ = try? await self.writeCheckpoint(sequence: row.sequence, hash: row.hash, kind: .periodic)
        }
        // A checkpoint just written reset the interval.
        let interval = Self.seconds(self.policy.checkpointInterval)
        let now = self.clock()
        if self.state.withLock({ now.timeIntervalSince($0.lastCheckpointAt) >= interval }) {
            _ = try? await self.writeCheckpoint(sequence: last.sequence, hash: last.hash, kind: .periodic)
        }
    }

    private func writeCheckpoint(sequence: Int64, hash: String, kind: AuditCheckpoint.Kind)
        async throws(AuditTrailError) -> AuditCheckpoint
    {
        do throws(AuditTrailError) {
            let checkpoint = try AuditCheckpoint.signed(sequence: sequence, hash: hash, at: self.clock(), kind: kind,
                                                        by: self.signer)
            do throws(StoreError) {
                try await self.log.appendCheckpoint(checkpoint.row)
            } catch {
                throw AuditTrailError(store: error)
            }
            try self.externalCheckpoints?.append(checkpoint)
            self.state.withLock { state in
                state.lastCheckpointAt = checkpoint.at
                state.lastCheckpointSequence = max(state.lastCheckpointSequence, sequence)
                state.statistics.checkpoints += 1
            }
            return checkpoint
        } catch {
            // Retried with the next batch: the interval counts as passed.
            self.state.withLock { state in
                state.lastCheckpointAt = .distantPast
                state.statistics.failedCheckpoints += 1
            }
            self.logger.error("audit checkpoint not written", metadata: [
                "sequence": "\(sequence)", "kind": "\(kind.rawValue)", "reason": "\(error.message)",
            ])
            throw error
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
