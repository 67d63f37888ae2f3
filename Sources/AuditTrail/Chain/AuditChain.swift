import Foundation
import GuardStore

/// How a record enters the chain: its sequence, time precision, previous hash and hash, and the stored row.
///
/// The one place the writer, the retention and the tests build chain links, so they cannot disagree.
public enum AuditChain {
    /// `record` as the next link after `head`: sequence `head.sequence + 1`, time to the millisecond, `previousHash`
    /// the head's hash, `hash` over the canonical form; and the row that stores it (without a seal).
    public static func link(_ record: AuditRecord, after head: AuditLogHead) -> (record: AuditRecord, row: AuditLogRow) {
        var linked = record
        linked.sequence = head.sequence + 1
        linked.at = AuditCanonicalForm.date(milliseconds: AuditCanonicalForm.milliseconds(record.at))
        linked.previousHash = head.hash
        linked.hash = ""
        let canonical = AuditCanonicalForm.encode(linked)
        // The head's hash was written by this code (or the store refused it), so it is always 64 hex digits or empty.
        linked.hash = AuditCanonicalForm.hash(previousHash: head.hash, canonical: canonical) ?? ""
        let row = AuditLogRow(
            sequence: linked.sequence, at: linked.at, kind: linked.kind.rawValue, action: linked.action.rawValue,
            account: linked.account, clientAddress: linked.clientAddress, site: linked.site, menuID: linked.menuID,
            subjects: linked.subjects, previousHash: linked.previousHash, hash: linked.hash, payload: Data(canonical))
        return (linked, row)
    }

    /// `records` linked one after another from `head`, the last row sealed by `signer`.
    public static func link(_ records: [AuditRecord], after head: AuditLogHead, signer: AuditSigner)
        throws(AuditTrailError) -> (records: [AuditRecord], rows: [AuditLogRow])
    {
        var head = head
        var linked: [AuditRecord] = []
        var rows: [AuditLogRow] = []
        linked.reserveCapacity(records.count)
        rows.reserveCapacity(records.count)
        for record in records {
            let link = self.link(record, after: head)
            head = AuditLogHead(sequence: link.record.sequence, hash: link.record.hash)
            linked.append(link.record)
            rows.append(link.row)
        }
        if let last = rows.indices.last {
            rows[last].seal = try signer.sign(self.sealStatement(sequence: rows[last].sequence, hash: rows[last].hash))
        }
        return (linked, rows)
    }

    /// What an append seal signs: that the record at `sequence` with `hash` was written by the guard. The prefix keeps
    /// a seal from passing as a checkpoint and the reverse.
    public static func sealStatement(sequence: Int64, hash: String) -> [UInt8] {
        Array("pii-guard-audit-seal/1 sequence=\(sequence) hash=\(hash)".utf8)
    }
}

extension AuditRecord {
    /// The record a stored row holds: its payload's content, with the row's `hash`. Reading does not verify; use
    /// `AuditVerifier` for that. Throws `.encoding` when the payload is not a record.
    public init(row: AuditLogRow) throws(AuditTrailError) {
        self = try AuditCanonicalForm.decode(row.payload)
        self.hash = row.hash
    }
}
