import Foundation

/// One thing found wrong with the audit log: which record (when one can be named), what kind of damage, and a
/// sentence an auditor can put in a report.
public struct VerificationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The kinds of damage the verifier tells apart.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The stored content no longer hashes to the stored hash.
        case contentChanged = "content_changed"
        /// A searchable column disagrees with the hashed content (edited in the database; queries would mislead).
        case columnChanged = "column_changed"
        /// The stored content is not a record at all.
        case unreadable
        /// Sequence numbers jump: records were deleted.
        case missing
        /// A record sits at another record's position.
        case outOfOrder = "out_of_order"
        /// A record does not link to the one before it: one of them was replaced with a recomputed hash.
        case notLinked = "not_linked"
        /// A seal or checkpoint no longer matches the records it signed: the chain was rewritten.
        case rewritten
        /// The last records carry no seal: appended outside pii-guard, or the records after them were removed.
        case unsealed
        /// A signed checkpoint names a record beyond the end of the log: its tail was cut off.
        case truncated
        /// A checkpoint's signature does not verify, it names another key, or its kind is unknown.
        case badCheckpoint = "bad_checkpoint"
        /// A checkpoint in the external file is no longer in the database.
        case checkpointMissing = "checkpoint_missing"
        /// Records older than the retention checkpoint are present although they were purged.
        case notPurged = "not_purged"
        /// A line of the external checkpoint file is not a checkpoint.
        case externalFile = "external_file"
    }

    /// The first record concerned (nil when the problem is not about one record).
    public let sequence: Int64?
    public let reason: Reason
    /// E.g. `record 1234: content changed (hash mismatch)`.
    public let message: String

    public init(sequence: Int64?, reason: Reason, message: String) {
        self.sequence = sequence
        self.reason = reason
        self.message = message
    }

    public var description: String { self.message }
}

/// What a verification found: the problems (the first bad record first) and what was covered.
///
/// A report with no problems says the records from `firstSequence` to `lastSequence` are the ones pii-guard wrote, in
/// order, unchanged, and that no signed checkpoint (in the database or the external file) names a record the log no
/// longer has.
public struct VerificationReport: Sendable, Hashable, CustomStringConvertible {
    /// Sorted by sequence; problems about no particular record last.
    public var problems: [VerificationProblem]
    /// More problems were found than kept (`AuditVerifier.maxProblems`).
    public var moreProblems: Bool
    public var recordsChecked: Int
    public var firstSequence: Int64?
    public var lastSequence: Int64?
    /// The retention checkpoint the chain starts after (nil: the log was never purged).
    public var startsAfter: Int64?
    public var checkpointsChecked: Int
    public var externalCheckpointsChecked: Int
    public var sealsChecked: Int

    public var isValid: Bool { self.problems.isEmpty }
    /// The first bad record (or other problem).
    public var firstProblem: VerificationProblem? { self.problems.first }

    /// One paragraph for the command line and the report page.
    public var description: String {
        let range = self.firstSequence.map { "\($0)–\(self.lastSequence ?? $0)" } ?? "none"
        var text = "\(self.recordsChecked) records (\(range))"
        if let start = self.startsAfter { text += ", starting after retention checkpoint \(start)" }
        text += ", \(self.checkpointsChecked) checkpoints, \(self.externalCheckpointsChecked) external checkpoints, "
            + "\(self.sealsChecked) seals: "
        if self.isValid { return text + "intact" }
        let count = self.problems.count
        text += "\(count)\(self.moreProblems ? "+" : "") problem\(count == 1 ? "" : "s")"
        for problem in self.problems.prefix(20) { text += "\n  " + problem.message }
        if count > 20 || self.moreProblems { text += "\n  …" }
        return text
    }
}
