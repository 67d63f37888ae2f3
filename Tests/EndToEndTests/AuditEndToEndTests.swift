import AuditTrail
import Foundation
import GuardStore
import GuardTestSupport
import Testing

/// The access records through the real composition: every response of a personal-information menu leaves a chained
/// record before it completes (who, when, from where, which menu, what, whose data), exports carry their reason and
/// file hash, second-factor events are recorded, the chain verifies, and a log that cannot be written refuses the
/// request.
@Suite("Access records end to end", .serialized)
struct AuditEndToEndTests {
    @Test("판매관리 pages, an export and the second factor leave records that verify; a closed log refuses the menus")
    func recordsAndFailClosed() async throws {
        guard Python.has("pyotp") else { return }
        try await SecondFactorHarness.run { harness in
            let browser = try await MaskingEndToEndTests.verifiedBrowser(harness)
            let direct = try await browser.direct("/sales/orders")
            let page = try await browser.open("/sales/orders")
            #expect(page.status == 200)

            let records = try await harness.audit.log.query(AuditLogFilter(), limit: 1_000).map { try AuditRecord(row: $0) }
            let access = try #require(records.last { $0.kind == .access && $0.path == "/sales/orders" })
            #expect(access.account == "seller-a")
            #expect(access.clientAddress == "127.0.0.1")
            #expect(access.menuID == "sales" && access.menuName == "판매관리")
            #expect(access.action == .view && access.status == 200)
            let shown = Set(direct.matches(of: /2026[0-9]{12}/).map { String($0.output) })
            #expect(Set(access.subjects) == shown, "whose data: the order numbers on the page")
            #expect((access.maskedCounts["phone"] ?? 0) >= 20)
            #expect(!access.sessionHash.isEmpty && access.requestID == page.header("x-request-id"))
            #expect(records.contains { $0.kind == .secondFactor && $0.event.hasPrefix("verified") && $0.account == "seller-a" },
                    "the second factor's events are records too")
            #expect(!records.contains { $0.path.hasPrefix("/login") }, "paths outside the menus are not personal-information access")

            // An export: reason and file hash in the record.
            let issued = try await browser.api("POST", "/__guard/api/export",
                                               #"{"path": "/sales/cancels/export.csv", "reason": "shipping", "generate_password": true}"#)
            let ticket = try #require(issued.json["ticket"] as? String)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("audit-export-\(UUID().uuidString).xlsx").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            let download = try await browser.request("GET", "/sales/cancels/export.csv", headers: [("X-PII-Guard-Export", ticket)],
                                                     saveBodyTo: file)
            #expect(download.status == 200)
            let exported = try await harness.audit.log.query(AuditLogFilter(kind: "export"), limit: 10).map { try AuditRecord(row: $0) }
            let export = try #require(exported.last)
            #expect(export.action == .download && export.event == "delivered")
            #expect(export.exportReason == "shipping · 배송 처리")
            #expect(export.exportRows == harness.exports.records.last?.rowCount)
            #expect(export.fileSHA256 == harness.exports.records.last?.sha256)

            // The chain verifies, with the guard's key.
            let report = try await AuditVerifier.verify(log: harness.audit.log, publicKey: harness.audit.signer.publicKey)
            #expect(report.isValid, "\(report)")
            #expect(report.recordsChecked >= 3)

            // Fail closed: with the log closed, a menu request is refused; a path outside the menus still works.
            _ = try await harness.audit.writer.close()
            let refused = try await browser.open("/sales/orders")
            #expect(refused.status == 503)
            #expect(!refused.body.contains("010-"), "no personal data in the refusal")
            let outside = try await browser.open("/login")
            #expect(outside.status == 200)
        }
    }
}
