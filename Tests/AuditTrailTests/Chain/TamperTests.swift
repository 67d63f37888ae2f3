import Foundation
import GRDB
import GuardStore
import Testing

@testable import AuditTrail

/// Someone with access to the host edits `audit.sqlite` directly; `verify` must name the record each time.
///
/// Each test writes 2,500 records through `AuditWriter` (checkpoints at 1000 and 2000, a shutdown checkpoint at 2500,
/// each also in the external file), then damages the file with plain SQL.
@Suite struct TamperTests {
    static func makeLog() async throws -> ChainFixture {
        let fixture = try ChainFixture(checkpointEvery: 1000)
        try await fixture.fill(2500)
        #expect(try await fixture.writer.close()?.sequence == 2500)
        return fixture
    }

    @Test func untouchedLogVerifies() async throws {
        let fixture = try await Self.makeLog()
        let report = try await fixture.verify()
        #expect(report.isValid, "\(report)")
        #expect(report.recordsChecked == 2500)
        #expect(report.firstSequence == 1 && report.lastSequence == 2500)
        #expect(report.checkpointsChecked == 3)
        #expect(report.externalCheckpointsChecked == 3)
        #expect(report.sealsChecked >= 2500 / AuditWriter.Policy().maxBatch)
        // Small pages walk the same chain.
        let paged = try await AuditVerifier(log: fixture.log, publicKey: fixture.signer.publicKey, pageSize: 7)
            .verify(externalCheckpoints: fixture.externalURL)
        #expect(paged.isValid, "\(paged)")
        #expect(paged.recordsChecked == 2500)
    }

    @Test func changedContentIsNamed() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper("""
            UPDATE audit_records SET payload = CAST(replace(CAST(payload AS TEXT), '"status":200', '"status":404') AS BLOB)
            WHERE sequence = 1234
            """)
        let report = try await fixture.verify()
        #expect(!report.isValid)
        #expect(report.firstProblem?.sequence == 1234)
        #expect(report.firstProblem?.reason == .contentChanged)
        #expect(report.firstProblem?.message == "record 1234: content changed (hash mismatch)")
        #expect(report.problems.count == 1, "\(report)")
    }

    @Test func changedColumnIsNamed() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper("UPDATE audit_records SET account = 'nobody' WHERE sequence = 1234")
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 1234)
        #expect(report.firstProblem?.reason == .columnChanged)
        #expect(report.firstProblem?.message.contains("'account'") == true)
    }

    @Test func changedSubjectIsNamed() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper("""
            UPDATE audit_subjects SET subject = 'someone-else'
            WHERE sequence = 77 AND subject = (SELECT MIN(subject) FROM audit_subjects WHERE sequence = 77)
            """)
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 77)
        #expect(report.firstProblem?.reason == .columnChanged)
        #expect(report.firstProblem?.message.contains("'subjects'") == true)
    }

    @Test func deletedRecordIsNamed() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper("DELETE FROM audit_records WHERE sequence = 57")
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 57)
        #expect(report.firstProblem?.reason == .missing)
        #expect(report.firstProblem?.message == "record 57 missing (sequence jumps 56→58)")
        #expect(report.problems.count == 1, "\(report)")
    }

    @Test func deletedFirstRecordsAreNamed() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper("DELETE FROM audit_records WHERE sequence <= 10")
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 1)
        #expect(report.firstProblem?.message == "records 1–10 missing (the log starts at 11 without a retention checkpoint)")
    }

    @Test func forgedRowWithAnInventedHashIsNamed() async throws {
        let fixture = try await Self.makeLog()
        let head = try await fixture.log.head()
        var forged = AuditChain.link(ChainSamples.record(9999), after: head).row
        forged.hash = String(repeating: "0", count: 64)
        try Self.insert(forged, into: fixture)
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 2501)
        #expect(report.firstProblem?.message == "record 2501: content changed (hash mismatch)")
    }

    @Test func forgedRowWithACorrectHashIsNamed() async throws {
        // Someone who knows the hash rule appends a well-linked record: it cannot carry a seal.
        let fixture = try await Self.makeLog()
        let head = try await fixture.log.head()
        try Self.insert(AuditChain.link(ChainSamples.record(9999), after: head).row, into: fixture)
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 2501)
        #expect(report.firstProblem?.reason == .unsealed)
        #expect(report.firstProblem?.message.hasPrefix("record 2501: not sealed") == true, "\(report)")
        // A forged seal does not help.
        try fixture.tamper("UPDATE audit_records SET seal = (SELECT seal FROM audit_records WHERE sequence = 2500) WHERE sequence = 2501")
        let again = try await fixture.verify()
        #expect(again.firstProblem?.sequence == 2501)
        #expect(again.firstProblem?.reason == .rewritten)
    }

    @Test func replacedRowInTheMiddleIsNamed() async throws {
        // A record swapped for a forged one linked to its predecessor, its seal dropped: the next record no longer
        // links to it.
        let fixture = try await Self.makeLog()
        let previous = try #require(try await fixture.log.rows(from: 1499, limit: 1).first)
        var forged = AuditChain.link(ChainSamples.record(9999), after: AuditLogHead(sequence: 1499, hash: previous.hash)).row
        forged.seal = nil
        try fixture.tamper("DELETE FROM audit_subjects WHERE sequence = 1500")
        try fixture.tamper("DELETE FROM audit_records WHERE sequence = 1500")
        try Self.insert(forged, into: fixture)
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 1500, "\(report)")
        #expect(report.firstProblem?.reason == .notLinked)
        #expect(report.firstProblem?.message == "record 1500: content changed (its hash was recomputed; record 1501 still links to the original)")
    }

    @Test func swappedRowsAreNamed() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE audit_records SET sequence = -1 WHERE sequence = 90")
            try db.execute(sql: "UPDATE audit_records SET sequence = 90 WHERE sequence = 91")
            try db.execute(sql: "UPDATE audit_records SET sequence = 91 WHERE sequence = -1")
        }
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 90)
        #expect(report.firstProblem?.reason == .outOfOrder)
        #expect(report.firstProblem?.message == "record 90: out of order (it holds record 91)")
    }

    @Test func truncatedTailIsNamed() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper("DELETE FROM audit_records WHERE sequence >= 2000")
        let report = try await fixture.verify(external: false)
        #expect(report.firstProblem?.sequence == 2000)
        #expect(report.firstProblem?.reason == .truncated)
        #expect(report.firstProblem?.message.hasPrefix(
            "a record after the last checkpoint is missing: the log ends at 1999 but a checkpoint signed 2500") == true,
            "\(report)")
    }

    @Test func truncatedTailWithItsCheckpointsIsNamedByTheExternalFile() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper { db in
            try db.execute(sql: "DELETE FROM audit_records WHERE sequence >= 2000")
            try db.execute(sql: "DELETE FROM audit_checkpoints WHERE sequence >= 2000")
        }
        let report = try await fixture.verify()
        #expect(report.firstProblem?.sequence == 2000)
        #expect(report.firstProblem?.reason == .truncated)
        #expect(report.firstProblem?.message.contains("the log ends at 1999 but a checkpoint signed 2500") == true)
        #expect(report.firstProblem?.message.contains("checkpoints.jsonl") == true)
        #expect(report.problems.filter { $0.reason == .checkpointMissing }.count == 2)
    }

    @Test func rewrittenChainIsNamed() async throws {
        // Records from 1500 on rewritten with every hash recomputed and the seals dropped: the checkpoints at 2000
        // and 2500 no longer match, and the tail is unsealed from the last intact seal.
        let fixture = try await Self.makeLog()
        let rows = try await fixture.log.rows(from: 1499, limit: 1002)
        var head = AuditLogHead(sequence: 1499, hash: rows[0].hash)
        var rewritten: [AuditLogRow] = []
        for row in rows.dropFirst() {
            var record = try AuditRecord(row: row)
            if row.sequence == 1500 { record.status = 404 }
            var link = AuditChain.link(record, after: head).row
            link.seal = nil
            head = AuditLogHead(sequence: link.sequence, hash: link.hash)
            rewritten.append(link)
        }
        let rows2 = rewritten
        try fixture.tamper { db in
            for row in rows2 {
                try db.execute(sql: "UPDATE audit_records SET payload = ?, previous_hash = ?, hash = ?, seal = NULL WHERE sequence = ?",
                               arguments: [row.payload, row.previousHash, row.hash, row.sequence])
            }
        }
        let report = try await fixture.verify()
        #expect(!report.isValid)
        let first = try #require(report.firstProblem)
        #expect(first.sequence! <= 1500 && first.sequence! > 1500 - Int64(AuditWriter.Policy().maxBatch), "\(report)")
        #expect(report.problems.contains { $0.reason == .rewritten && $0.sequence == 2000 })
    }

    @Test func forgedCheckpointsAreNamed() async throws {
        let fixture = try await Self.makeLog()
        try fixture.tamper("UPDATE audit_checkpoints SET hash = ? WHERE sequence = 1000",
                           arguments: [String(repeating: "0", count: 64)])
        let report = try await fixture.verify()
        #expect(report.problems.contains { $0.reason == .badCheckpoint && $0.message.contains("does not verify") })
        // A line added by hand to the external file.
        var line = try String(contentsOfFile: fixture.external.path, encoding: .utf8)
        line += #"{"at":"2026-11-18T00:00:00.000Z","hash":"00","keyID":"\#(fixture.signer.keyID)","kind":"periodic","sequence":3000,"signature":"AAAA"}"# + "\n"
        try line.write(toFile: fixture.external.path, atomically: false, encoding: .utf8)
        let again = try await fixture.verify()
        #expect(again.problems.contains { $0.reason == .badCheckpoint && $0.message.contains("checkpoints.jsonl' line 4") })
        // Another key's checkpoints are not trusted.
        let stranger = AuditSigner(privateKey: .init())
        let other = try await AuditVerifier.verify(log: fixture.log, publicKey: stranger.publicKey)
        #expect(other.problems.contains { $0.reason == .badCheckpoint && $0.message.contains("not by the given key") })
    }

    static func insert(_ row: AuditLogRow, into fixture: ChainFixture) throws {
        try fixture.tamper { db in
            try db.execute(sql: """
                INSERT INTO audit_records (sequence, at_ms, kind, action, account, client_address, site, menu_id,
                previous_hash, hash, payload, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [row.sequence, AuditCanonicalForm.milliseconds(row.at), row.kind, row.action, row.account,
                                 row.clientAddress, row.site, row.menuID, row.previousHash, row.hash, row.payload, row.seal])
            for subject in Set(row.subjects) {
                try db.execute(sql: "INSERT INTO audit_subjects (sequence, subject) VALUES (?, ?)",
                               arguments: [row.sequence, subject])
            }
        }
    }
}
