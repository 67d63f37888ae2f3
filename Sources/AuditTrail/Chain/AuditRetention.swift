import Foundation
import GuardStore

/// Deletes access records past their retention period without breaking verification.
///
/// 개인정보의 안전성 확보조치 기준 제8조 asks access records to be kept at least one year (two for large processors
/// and unique identifiers); the default here is two years. Records go as a prefix of the chain, in steps of
/// `batchSize` so the write lock is never held long (appends wait meanwhile, and the proxy fails closed after the busy
/// timeout). Each step stores a signed retention checkpoint naming the last record it removed, in the same transaction
/// as the deletion; the chain then starts at that checkpoint, whose hash the first remaining record links to.
///
/// Before deleting anything the records to go are verified: a purge must never destroy the evidence of tampering.
/// If they do not verify, nothing is deleted and the error says what was found.
public struct AuditRetention: Sendable {
    /// Years kept by default.
    public static let defaultYears = 2

    /// What a purge did.
    public struct Outcome: Sendable, Hashable {
        /// Records deleted.
        public var purged: Int
        /// The last record deleted (nil when none was).
        public var through: Int64?
        /// The retention checkpoints written, one per step.
        public var checkpoints: [AuditCheckpoint]
    }

    public let log: any AuditLog
    public let signer: AuditSigner
    public let years: Int
    public let batchSize: Int
    public let externalCheckpoints: ExternalCheckpointFile?

    public init(log: any AuditLog, signer: AuditSigner, years: Int = AuditRetention.defaultYears, batchSize: Int = 10_000,
                externalCheckpoints: ExternalCheckpointFile? = nil) {
        precondition(years >= 1, "access records are kept at least one year")
        self.log = log
        self.signer = signer
        self.years = years
        self.batchSize = max(1, batchSize)
        self.externalCheckpoints = externalCheckpoints
    }

    /// The oldest time kept at `now`: the same calendar day and time `years` ago, in Korean time.
    public func cutoff(now: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Seoul") ?? TimeZone(secondsFromGMT: 9 * 3600)!
        return calendar.date(byAdding: .year, value: -self.years, to: now) ?? now
    }

    /// Purges the records older than the retention period.
    @discardableResult
    public func purgeExpired(now: Date = Date()) async throws(AuditTrailError) -> Outcome {
        try await self.purge(olderThan: self.cutoff(now: now), now: now)
    }

    /// Purges the records from the start of the chain up to the last one before the first record at or after
    /// `cutoff` (a record written with a slightly earlier clock after a later one is kept with it).
    @discardableResult
    public func purge(olderThan cutoff: Date, now: Date = Date()) async throws(AuditTrailError) -> Outcome {
        var outcome = Outcome(purged: 0, through: nil, checkpoints: [])
        let head: AuditLogHead
        let end: Int64
        let first: AuditLogRow?
        do throws(StoreError) {
            head = try await self.log.head()
            end = try await self.log.firstSequence(notBefore: cutoff).map { $0 - 1 } ?? head.sequence
            first = try await self.log.rows(from: .min, limit: 1).first
        } catch {
            throw AuditTrailError(store: error)
        }
        guard let first, end >= first.sequence else { return outcome }

        let external = self.externalCheckpoints.flatMap {
            FileManager.default.fileExists(atPath: $0.path) ? URL(fileURLWithPath: $0.path) : nil
        }
        let report = try await AuditVerifier(log: self.log, publicKey: self.signer.publicKey)
            .verify(externalCheckpoints: external, through: min(end + 1, head.sequence))
        if let problem = report.firstProblem {
            throw AuditTrailError(.retention, "retention purge refused: the records to purge do not verify ("
                + problem.message + "); nothing was deleted. Keep the log as evidence and run `pii-guard audit verify`")
        }

        var through = first.sequence - 1
        while through < end {
            let next = min(end, through + Int64(self.batchSize))
            let row: AuditLogRow?
            do throws(StoreError) {
                row = try await self.log.rows(from: next, limit: 1).first
            } catch {
                throw AuditTrailError(store: error)
            }
            guard let row, row.sequence == next else {
                throw AuditTrailError(.retention, "retention purge stopped: record \(next) disappeared during the purge "
                    + "(another purge running?); \(outcome.purged) records were purged")
            }
            let checkpoint = try AuditCheckpoint.signed(sequence: next, hash: row.hash, at: now, kind: .retention,
                                                        by: self.signer)
            do throws(StoreError) {
                outcome.purged += try await self.log.purge(through: next, checkpoint: checkpoint.row)
            } catch {
                throw AuditTrailError(store: error)
            }
            outcome.through = next
            outcome.checkpoints.append(checkpoint)
            try self.externalCheckpoints?.append(checkpoint)
            through = next
        }
        return outcome
    }
}
