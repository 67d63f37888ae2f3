import Foundation
import GuardStore
import Testing

@testable import AuditTrail

@Suite struct CanonicalFormTests {
    static let record = AuditRecord(
        sequence: 7, at: Date(timeIntervalSince1970: 1_795_000_000.5), kind: .export, action: .download,
        account: "seller-a", clientAddress: "203.0.113.7", site: "shop", menuID: "sales", menuName: "판매관리",
        method: "GET", path: "/orders/export", status: 200, subjects: ["2026111800000001", "2026111800000002"],
        maskedCounts: ["phone": 2, "name": 2], event: "delivered", exportReason: "CS: 배송 문의 \"긴급\"\n\u{01}",
        exportRows: 2, requestID: "r-1", sessionHash: "s", userAgent: "UA/1.0",
        previousHash: String(repeating: "a", count: 64))

    /// The bytes and hash were produced independently by Python:
    /// `json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=False)` and
    /// `hashlib.sha256(bytes.fromhex(previous) + canonical)`: an auditor's script gets the same.
    @Test func bytesAndHashMatchAnIndependentImplementation() {
        let canonical = AuditCanonicalForm.encode(Self.record)
        #expect(String(decoding: canonical, as: UTF8.self) == #"""
            {"account":"seller-a","action":"download","at":"2026-11-18T11:06:40.500Z","clientAddress":"203.0.113.7","event":"delivered","exportReason":"CS: 배송 문의 \"긴급\"\n\u0001","exportRows":2,"fileSHA256":"","kind":"export","maskedCounts":{"name":2,"phone":2},"menuID":"sales","menuName":"판매관리","method":"GET","path":"/orders/export","previousHash":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","requestID":"r-1","sequence":7,"sessionHash":"s","site":"shop","status":200,"subjects":["2026111800000001","2026111800000002"],"userAgent":"UA/1.0","v":1}
            """#)
        #expect(AuditCanonicalForm.hash(previousHash: Self.record.previousHash, canonical: canonical)
            == "b0ed44cb7402e5479ac07e4c62cfdd9bbc2e452039207dec6a4bc97684ac9ede")
        // The first record hashes after 32 zero bytes.
        let first = AuditChain.link(Self.record, after: .empty).record
        #expect(first.sequence == 1 && first.previousHash == "")
        #expect(first.hash == "19f192cd92a9206a520e88c45187698d810e7e1aa80a9a6837717c4b02908574")
    }

    @Test func keysAreInByteOrder() throws {
        let object = try JSONSerialization.jsonObject(with: Data(AuditCanonicalForm.encode(Self.record))) as? [String: Any]
        let keys = try #require(object).keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let text = String(decoding: AuditCanonicalForm.encode(Self.record), as: UTF8.self)
        let positions = keys.map { text.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(keys.count == 23)
    }

    @Test func readsBackWhatItWrites() throws {
        var unusual = Self.record
        unusual.exportRows = nil
        unusual.maskedCounts = [:]
        unusual.subjects = ["a\"b", "c\\d", "e\tf", "😀", "\u{7F}", "e\u{301}"]
        unusual.userAgent = "</script>\u{2028}"
        for record in [Self.record, unusual] {
            let canonical = AuditCanonicalForm.encode(record)
            #expect(try AuditCanonicalForm.decode(canonical) == record)
        }
        // Unicode is kept byte for byte: é composed and decomposed are different records.
        var composed = unusual
        composed.subjects = ["\u{E9}"]
        var decomposed = unusual
        decomposed.subjects = ["e\u{301}"]
        #expect(AuditCanonicalForm.encode(composed) != AuditCanonicalForm.encode(decomposed))
    }

    @Test func refusesNonCanonicalPayloads() {
        let text = String(decoding: AuditCanonicalForm.encode(Self.record), as: UTF8.self)
        for edited in [
            text.replacingOccurrences(of: "\"v\":1}", with: "\"v\":1 }"),
            text.replacingOccurrences(of: "\"status\":200", with: "\"status\":2e2"),
            text.replacingOccurrences(of: "\"v\":1", with: "\"v\":2"),
            text.replacingOccurrences(of: ".500Z", with: ".5Z"),
            "{}",
        ] {
            #expect(throws: AuditTrailError.self) { try AuditCanonicalForm.decode(Array(edited.utf8)) }
        }
        // A newer format is told apart from damage.
        let newer = #expect(throws: AuditTrailError.self) {
            try AuditCanonicalForm.decode(Array(text.replacingOccurrences(of: "\"v\":1}", with: ",\"x\":0,\"v\":2}").utf8))
        }
        #expect(newer?.message.contains("format version 2") == true)
    }

    @Test func timestamps() {
        #expect(AuditCanonicalForm.timestamp(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(AuditCanonicalForm.timestamp(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(AuditCanonicalForm.timestamp(milliseconds: 1_835_481_599_999) == "2028-02-29T23:59:59.999Z")
        #expect(AuditCanonicalForm.timestamp(milliseconds: 253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
        for value: Int64 in [0, -1, 1_835_481_599_999, 1_795_000_000_123, 951_782_400_000] {
            #expect(AuditCanonicalForm.milliseconds(timestamp: AuditCanonicalForm.timestamp(milliseconds: value)) == value)
        }
        for bad in ["2026-02-31T00:00:00.000Z", "2026-11-18 11:06:40.500Z", "2026-11-18T24:00:00.000Z",
                    "2026-11-18T11:06:40.500+09", "2026-11-18T11:06:40Z"] {
            #expect(AuditCanonicalForm.milliseconds(timestamp: bad) == nil)
        }
        // Dates are hashed to the millisecond, rounded.
        #expect(AuditCanonicalForm.milliseconds(Date(timeIntervalSince1970: 1.0006)) == 1001)
        #expect(AuditCanonicalForm.milliseconds(Date(timeIntervalSince1970: 1.0004)) == 1000)
    }

    @Test func hashRefusesMalformedPreviousHashes() {
        let canonical = AuditCanonicalForm.encode(Self.record)
        #expect(AuditCanonicalForm.hash(previousHash: "xyz", canonical: canonical) == nil)
        #expect(AuditCanonicalForm.hash(previousHash: String(repeating: "A", count: 64), canonical: canonical) == nil)
        #expect(AuditCanonicalForm.hash(previousHash: String(repeating: "a", count: 62), canonical: canonical) == nil)
    }
}
