import Foundation
import GuardStore

/// A signed statement that the record at `sequence` had `hash` at time `at`.
///
/// Checkpoints pin the chain: a record changed and every later hash recomputed no longer matches the hash a checkpoint
/// signed, and a log cut short no longer reaches the sequence one names. They are written every N records, every M
/// minutes, on shutdown, and when retention purges old records (the chain then starts at that checkpoint). Each is also
/// appended to an external file when one is configured, so a database that lost its tail and its checkpoints can still
/// be held against them.
///
/// The signed text is `pii-guard-audit-checkpoint/1 sequence=… hash=… at=… kind=…` (UTF-8, no newline): with the PEM
/// public key, `openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in statement -sigfile signature` checks it.
public struct AuditCheckpoint: Sendable, Hashable {
    /// Why the checkpoint was written.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Every N records or M minutes.
        case periodic
        /// The last record a retention purge removed: the chain starts after it.
        case retention
        /// The last record when the guard stopped.
        case shutdown
    }

    public var sequence: Int64
    /// Hex hash of the record at `sequence`.
    public var hash: String
    /// When it was signed (to the millisecond).
    public var at: Date
    public var kind: Kind
    /// The fingerprint of the key that signed it.
    public var keyID: String
    /// Base64 Ed25519 signature over `statement`.
    public var signature: String

    /// Signs a checkpoint for the record at `sequence` with `hash`.
    public static func signed(sequence: Int64, hash: String, at: Date, kind: Kind, by signer: AuditSigner)
        throws(AuditTrailError) -> AuditCheckpoint
    {
        let at = AuditCanonicalForm.date(milliseconds: AuditCanonicalForm.milliseconds(at))
        var checkpoint = AuditCheckpoint(sequence: sequence, hash: hash, at: at, kind: kind, keyID: signer.keyID,
                                         signature: "")
        checkpoint.signature = try signer.sign(checkpoint.statement)
        return checkpoint
    }

    public init(sequence: Int64, hash: String, at: Date, kind: Kind, keyID: String, signature: String) {
        self.sequence = sequence
        self.hash = hash
        self.at = at
        self.kind = kind
        self.keyID = keyID
        self.signature = signature
    }

    /// A stored checkpoint; nil when its kind is not one this version writes.
    public init?(row: AuditCheckpointRow) {
        guard let kind = Kind(rawValue: row.kind) else { return nil }
        self.init(sequence: row.sequence, hash: row.hash, at: row.at, kind: kind, keyID: row.keyID,
                  signature: row.signature)
    }

    /// The row that stores it.
    public var row: AuditCheckpointRow {
        AuditCheckpointRow(sequence: self.sequence, hash: self.hash, at: self.at, kind: self.kind.rawValue,
                           keyID: self.keyID, signature: self.signature)
    }

    /// The exact bytes signed.
    public var statement: [UInt8] {
        let at = AuditCanonicalForm.timestamp(milliseconds: AuditCanonicalForm.milliseconds(self.at))
        let text = "pii-guard-audit-checkpoint/1 sequence=\(self.sequence) hash=\(self.hash) at=\(at) "
            + "kind=\(self.kind.rawValue)"
        return Array(text.utf8)
    }

    /// Whether `key` signed exactly this statement.
    public func isSigned(by key: AuditPublicKey) -> Bool {
        key.isValidSignature(self.signature, for: self.statement)
    }

    /// How reports name it: `checkpoint 2000 (periodic, 2026-11-23T07:04:05.123Z)`.
    public var label: String {
        "checkpoint \(self.sequence) (\(self.kind.rawValue), "
            + AuditCanonicalForm.timestamp(milliseconds: AuditCanonicalForm.milliseconds(self.at)) + ")"
    }
}
