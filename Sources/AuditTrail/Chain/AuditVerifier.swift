import Foundation
import GuardStore

/// Checks that the audit log is the one pii-guard wrote: every record unchanged, in order, none missing, none added,
/// and nothing cut from its end.
///
/// It walks the log in pages (memory stays flat however long the log) and, for each record, re-computes the hash from
/// the stored content and the previous hash, checks sequence continuity and the link to the previous record, compares
/// the searchable columns with the content, and checks every append seal. Then it holds every signed checkpoint —
/// those in the database and, when given, those in the external file — against the records they name: a checkpoint
/// naming a hash the record no longer has shows a rewrite; one naming a sequence past the end shows a truncation.
/// After a retention purge the chain starts at the newest retention checkpoint, whose hash the first remaining record
/// must link to.
///
/// Verify with the public key the auditors hold, not one read from the guard's data folder.
public struct AuditVerifier: Sendable {
    public let log: any AuditLog
    public let publicKey: AuditPublicKey
    /// Records read per query.
    public var pageSize: Int
    /// Problems kept at most (the report says when there were more).
    public var maxProblems: Int

    public init(log: any AuditLog, publicKey: AuditPublicKey, pageSize: Int = 2000, maxProblems: Int = 1000) {
        self.log = log
        self.publicKey = publicKey
        self.pageSize = max(1, pageSize)
        self.maxProblems = max(1, maxProblems)
    }

    /// Verifies `log` against `publicKey` and, when given, the external checkpoint file.
    /// Throws only when the log or the file cannot be read; damage is reported, not thrown.
    public static func verify(log: any AuditLog, publicKey: AuditPublicKey, externalCheckpoints: URL? = nil)
        async throws(AuditTrailError) -> VerificationReport
    {
        try await AuditVerifier(log: log, publicKey: publicKey).verify(externalCheckpoints: externalCheckpoints)
    }

    public func verify(externalCheckpoints: URL? = nil) async throws(AuditTrailError) -> VerificationReport {
        try await self.verify(externalCheckpoints: externalCheckpoints, through: nil)
    }

    /// With `through`, only the records up to that sequence are walked (and checkpoints up to it checked), and the end
    /// of the log is not judged: what retention checks before it purges.
    func verify(externalCheckpoints: URL?, through: Int64?) async throws(AuditTrailError) -> VerificationReport {
        var walk = Walk(key: self.publicKey, maxProblems: self.maxProblems)

        // Checkpoints first: each was written after the record it names was committed, so every record they name must
        // be found by the walk that follows.
        let stored: [AuditCheckpointRow]
        do throws(StoreError) { stored = try await self.log.checkpoints() } catch { throw AuditTrailError(store: error) }
        for row in stored { walk.admit(row) }
        if let externalCheckpoints {
            let contents = try ExternalCheckpointFile.read(at: externalCheckpoints.path)
            walk.admit(contents, file: externalCheckpoints.lastPathComponent, stored: stored)
        }
        walk.begin()

        var cursor = Int64.min
        paging: while true {
            let page: [AuditLogRow]
            do throws(StoreError) {
                page = try await self.log.rows(from: cursor, limit: self.pageSize)
            } catch {
                throw AuditTrailError(store: error)
            }
            for row in page {
                if let through, row.sequence > through { break paging }
                walk.visit(row)
            }
            guard let last = page.last, page.count == self.pageSize else { break }
            cursor = last.sequence + 1
        }
        return walk.finish(judgingEnd: through == nil, through: through)
    }
}

/// The verifier's state while it walks the chain.
private struct Walk {
    let key: AuditPublicKey
    let maxProblems: Int
    var problems: [VerificationProblem] = []
    var moreProblems = false

    /// Checkpoints whose signature verifies, with where they were found.
    var trusted: [(checkpoint: AuditCheckpoint, source: String)] = []
    var checkpointsChecked = 0
    var externalCheckpointsChecked = 0
    /// Sequences a trusted checkpoint names, and the hash the walk found there.
    var named: Set<Int64> = []
    var found: [Int64: String] = [:]

    /// The chain starts after this retention checkpoint (nil: at record 1).
    var retention: AuditCheckpoint?
    var start: Int64 = 1
    var expected: Int64 = 1
    var previousHash = ""
    /// Whether the previous record carried a valid seal (it then cannot be the one replaced).
    var previousSealed = false
    var lastValidSeal: Int64?
    var lastHasSeal = false
    var sealsChecked = 0

    var recordsChecked = 0
    var first: Int64?
    var last: Int64?
    var unpurged: (from: Int64, to: Int64)?

    init(key: AuditPublicKey, maxProblems: Int) {
        self.key = key
        self.maxProblems = maxProblems
    }

    mutating func report(_ sequence: Int64?, _ reason: VerificationProblem.Reason, _ message: String) {
        guard self.problems.count < self.maxProblems else {
            self.moreProblems = true
            return
        }
        self.problems.append(VerificationProblem(sequence: sequence, reason: reason, message: message))
    }

    // MARK: Checkpoints

    mutating func admit(_ row: AuditCheckpointRow) {
        self.checkpointsChecked += 1
        guard let checkpoint = AuditCheckpoint(row: row) else {
            self.report(nil, .badCheckpoint, "checkpoint \(row.sequence) in the database has an unknown kind; it was "
                + "not written by pii-guard")
            return
        }
        self.admit(checkpoint, source: "in the database")
    }

    mutating func admit(_ contents: ExternalCheckpointFile.Contents, file: String, stored: [AuditCheckpointRow]) {
        for line in contents.malformedLines {
            self.report(nil, .externalFile, "line \(line) of the external checkpoint file '\(file)' is not a checkpoint")
        }
        let inDatabase = Set(stored.map { "\($0.sequence) \($0.hash) \($0.kind) \($0.signature)" })
        for entry in contents.entries {
            self.externalCheckpointsChecked += 1
            let checkpoint = entry.checkpoint
            guard self.admit(checkpoint, source: "in '\(file)' line \(entry.line)") else { continue }
            let key = "\(checkpoint.sequence) \(checkpoint.hash) \(checkpoint.kind.rawValue) \(checkpoint.signature)"
            if !inDatabase.contains(key) {
                self.report(nil, .checkpointMissing, "\(checkpoint.label) in '\(file)' line "
                    + "\(entry.line) is missing from the database: checkpoints were deleted")
            }
        }
    }

    @discardableResult
    mutating func admit(_ checkpoint: AuditCheckpoint, source: String) -> Bool {
        guard checkpoint.keyID == self.key.keyID else {
            self.report(nil, .badCheckpoint, "\(checkpoint.label) \(source) was signed by key \(checkpoint.keyID), "
                + "not by the given key \(self.key.keyID)")
            return false
        }
        guard checkpoint.isSigned(by: self.key) else {
            self.report(nil, .badCheckpoint, "\(checkpoint.label) \(source): its signature does not verify (forged or "
                + "altered)")
            return false
        }
        self.trusted.append((checkpoint, source))
        self.named.insert(checkpoint.sequence)
        return true
    }

    mutating func begin() {
        self.retention = self.trusted.map(\.checkpoint).filter { $0.kind == .retention }.max { $0.sequence < $1.sequence }
        if let retention = self.retention {
            self.start = retention.sequence + 1
            self.previousHash = retention.hash
            // The retention checkpoint stands for the purged record: it is signed, so it counts as sealed.
            self.previousSealed = true
        }
        self.expected = self.start
    }

    // MARK: Records

    mutating func visit(_ row: AuditLogRow) {
        self.recordsChecked += 1
        let sequence = row.sequence
        if sequence < self.start {
            self.unpurged = (self.unpurged?.from ?? sequence, sequence)
            return
        }
        if self.first == nil { self.first = sequence }
        self.last = sequence
        self.lastHasSeal = false
        var linkReported = false
        if sequence > self.expected {
            self.reportGap(to: sequence)
            linkReported = true
        }
        guard let record = try? AuditCanonicalForm.decode(row.payload) else {
            self.report(sequence, .unreadable, "record \(sequence): content is not a readable record (changed in the "
                + "database)")
            return self.advance(row, sealed: false)
        }
        guard record.sequence == sequence else {
            self.report(sequence, .outOfOrder, "record \(sequence): out of order (it holds record \(record.sequence))")
            return self.advance(row, sealed: false)
        }
        guard AuditCanonicalForm.hash(previousHash: record.previousHash, canonical: row.payload) == row.hash else {
            self.report(sequence, .contentChanged, "record \(sequence): content changed (hash mismatch)")
            return self.advance(row, sealed: false)
        }
        if !linkReported, record.previousHash != self.previousHash {
            if sequence == self.start, let retention = self.retention {
                self.report(sequence, .notLinked, "record \(sequence): does not link to the retention checkpoint "
                    + "\(retention.sequence) (replaced, or the records before it were rewritten)")
            } else if sequence == 1 {
                self.report(sequence, .notLinked, "record 1: names a previous record, but the log has no retention "
                    + "checkpoint (replaced)")
            } else if self.previousSealed {
                self.report(sequence, .notLinked, "record \(sequence): replaced (it does not link to record "
                    + "\(sequence - 1), which is sealed)")
            } else {
                self.report(sequence - 1, .notLinked, "record \(sequence - 1): content changed (its hash was "
                    + "recomputed; record \(sequence) still links to the original)")
            }
        }
        if let column = Self.differingColumn(row, record) {
            self.report(sequence, .columnChanged, "record \(sequence): the stored column '\(column)' differs from the "
                + "hashed content (changed in the database; searches would mislead)")
        }
        var sealed = false
        if let seal = row.seal {
            self.sealsChecked += 1
            self.lastHasSeal = true
            if self.key.isValidSignature(seal, for: AuditChain.sealStatement(sequence: sequence, hash: row.hash)) {
                sealed = true
                self.lastValidSeal = sequence
            } else {
                let from = (self.lastValidSeal ?? (self.start - 1)) + 1
                let range = from == sequence ? "record \(sequence)" : "records \(from)–\(sequence)"
                self.report(from, .rewritten, "\(range): rewritten (the seal on record \(sequence) does not match its "
                    + "hash; a record since the previous valid seal was changed and the hashes recomputed)")
            }
        }
        if self.named.contains(sequence) { self.found[sequence] = row.hash }
        self.advance(row, sealed: sealed)
    }

    mutating func reportGap(to sequence: Int64) {
        let from = self.expected
        let to = sequence - 1
        let which = from == to ? "record \(from) missing" : "records \(from)–\(to) missing"
        if from == self.start {
            if let retention = self.retention {
                self.report(from, .missing, "\(which) (the log starts at \(sequence), after retention checkpoint "
                    + "\(retention.sequence))")
            } else {
                self.report(from, .missing, "\(which) (the log starts at \(sequence) without a retention checkpoint)")
            }
        } else {
            self.report(from, .missing, "\(which) (sequence jumps \(from - 1)→\(sequence))")
        }
    }

    mutating func advance(_ row: AuditLogRow, sealed: Bool) {
        self.expected = row.sequence + 1
        self.previousHash = row.hash
        self.previousSealed = sealed
    }

    /// The first searchable column that disagrees with the hashed record.
    static func differingColumn(_ row: AuditLogRow, _ record: AuditRecord) -> String? {
        if AuditCanonicalForm.milliseconds(row.at) != AuditCanonicalForm.milliseconds(record.at) { return "at" }
        if row.kind != record.kind.rawValue { return "kind" }
        if row.action != record.action.rawValue { return "action" }
        if row.account != record.account { return "account" }
        if row.clientAddress != record.clientAddress { return "client_address" }
        if row.site != record.site { return "site" }
        if row.menuID != record.menuID { return "menu_id" }
        if row.previousHash != record.previousHash { return "previous_hash" }
        if Set(row.subjects) != Set(record.subjects) { return "subjects" }
        return nil
    }

    // MARK: End

    mutating func finish(judgingEnd: Bool, through: Int64?) -> VerificationReport {
        if let unpurged = self.unpurged {
            let range = unpurged.from == unpurged.to
                ? "record \(unpurged.from) is" : "records \(unpurged.from)–\(unpurged.to) are"
            self.report(unpurged.from, .notPurged, "\(range) older than retention checkpoint \(self.start - 1) but "
                + "still in the log (put back after the purge)")
        }
        let end = self.last ?? (self.start - 1)
        var truncated = false
        var reported: Set<Int64> = []
        for (checkpoint, source) in self.trusted.sorted(by: { $0.checkpoint.sequence > $1.checkpoint.sequence }) {
            let sequence = checkpoint.sequence
            if let through, sequence > through { continue }
            if sequence > end {
                // Only the furthest one: it says how much is gone.
                if judgingEnd, !truncated {
                    truncated = true
                    self.report(end + 1, .truncated, "a record after the last checkpoint is missing: the log ends at "
                        + "\(end) but a checkpoint signed \(sequence) (\(checkpoint.label) \(source))")
                }
                continue
            }
            guard !reported.contains(sequence) else { continue }
            if sequence == self.start - 1 {
                if checkpoint.hash != self.retention?.hash {
                    reported.insert(sequence)
                    self.report(sequence, .rewritten, "\(checkpoint.label) \(source) disagrees with the retention "
                        + "checkpoint the log starts after: the records before it were rewritten")
                }
            } else if sequence >= self.start, let hash = self.found[sequence], hash != checkpoint.hash {
                reported.insert(sequence)
                self.report(sequence, .rewritten, "record \(sequence): differs from \(checkpoint.label) \(source): the "
                    + "chain was rewritten at or before record \(sequence)")
            }
        }
        if judgingEnd, !truncated, self.last != nil, !self.lastHasSeal {
            let from = (self.lastValidSeal ?? (self.start - 1)) + 1
            let range = from == end ? "record \(end)" : "records \(from)–\(end)"
            self.report(from, .unsealed, "\(range): not sealed (added outside pii-guard, or the records after \(end) "
                + "were deleted)")
        }
        let sorted = self.problems.enumerated().sorted { left, right in
            let l = left.element.sequence ?? .max
            let r = right.element.sequence ?? .max
            return l != r ? l < r : left.offset < right.offset
        }.map(\.element)
        return VerificationReport(
            problems: sorted, moreProblems: self.moreProblems, recordsChecked: self.recordsChecked,
            firstSequence: self.first, lastSequence: self.last, startsAfter: self.retention?.sequence,
            checkpointsChecked: self.checkpointsChecked, externalCheckpointsChecked: self.externalCheckpointsChecked,
            sealsChecked: self.sealsChecked)
    }
}
