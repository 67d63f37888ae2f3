import AuditTrail
import Foundation
import GuardStore
import GuardTestSupport
import Testing

/// The auditors' web view (`/__guard/audit`) through the real composition: only an account with the auditor role and a
/// valid second-factor proof reads it; the list shows who accessed which menu with data subjects counted only, filters
/// narrow it, a record's page shows its subject keys masked, the chain's status is shown, and the monthly review renders.
@Suite("Auditors' web view end to end", .serialized)
struct AuditWebEndToEndTests {
    /// `/__guard/audit/record/N` sequences linked from a page, in page order.
    static func linkedSequences(_ html: String) -> [Int64] {
        html.matches(of: /\/__guard\/audit\/record\/([0-9]+)/).compactMap { Int64(String($0.output.1)) }
    }

    /// As the view masks a 16-character key: first and last four characters kept.
    static func masked(_ key: String) -> String {
        String(key.prefix(4)) + String(repeating: "*", count: key.count - 8) + String(key.suffix(4))
    }

    static func kstMonth(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }

    @Test("Auditors only, verified: records list with filters, masked record detail, chain status, monthly review")
    func auditorsReadTheRecords() async throws {
        guard Python.has("pyotp") else { return }
        try await SecondFactorHarness.run { harness in
            // A seller opens 판매관리: an access record naming the orders on the page.
            let seller = try await MaskingEndToEndTests.verifiedBrowser(harness, "seller-a")
            let direct = try await seller.direct("/sales/orders")
            let orders = try await seller.open("/sales/orders")
            #expect(orders.status == 200)
            let shown = Set(direct.matches(of: /2026[0-9]{12}/).map { String($0.output) })
            #expect(shown.count >= 20)
            let records = try await harness.audit.log.query(AuditLogFilter(), limit: 1_000).map { try AuditRecord(row: $0) }
            let access = try #require(records.last { $0.kind == .access && $0.account == "seller-a" && $0.path == "/sales/orders" })
            #expect(Set(access.subjects) == shown)
            let month = Self.kstMonth(harness.clock.now())

            // Not logged in: the plumbing asks to log in.
            let anonymous = try await harness.browser().open("/__guard/audit")
            #expect(anonymous.status == 401)

            // The seller is verified but no auditor: 403 on every page.
            let refused = try await seller.open("/__guard/audit")
            #expect(refused.status == 403)
            #expect(refused.body.contains("감사 담당자만 볼 수 있습니다"))
            #expect(!refused.body.contains(access.hash))
            #expect(try await seller.open("/__guard/audit/record/\(access.sequence)").status == 403)
            #expect(try await seller.open("/__guard/audit/report?month=\(month)").status == 403)

            // The auditor without a proof is sent to verify, and back here afterwards.
            let unverified = harness.browser()
            try await unverified.login("auditor-a")
            let redirected = try await unverified.open("/__guard/audit?account=seller-a")
            #expect(redirected.status == 303)
            let location = try #require(redirected.location)
            #expect(location.hasPrefix("/__guard/verify?next="))
            let next = String(location.dropFirst("/__guard/verify?next=".count)).removingPercentEncoding
            #expect(next == "/__guard/audit?account=seller-a")

            // The auditor, verified: the list.
            let auditor = try await MaskingEndToEndTests.verifiedBrowser(harness, "auditor-a")
            let list = try await auditor.open("/__guard/audit")
            #expect(list.status == 200)
            #expect(list.header("cache-control") == "no-store")
            #expect(list.header("content-security-policy")?.contains("default-src 'none'") == true)
            let total = try await harness.audit.log.count()
            #expect(list.body.contains("체인 무결성: 이상 없음 — 기록 \(total)건"), "the chain status, intact")
            let views = try await harness.audit.log.query(AuditLogFilter(account: "auditor-a", menuID: "audit"), limit: 10)
            #expect(views.contains { $0.action == "view" }, "an auditor's own view of the records is a record too")
            let listed = Self.linkedSequences(list.body)
            #expect(listed.contains(access.sequence), "the seller's record is listed and links to its page")
            #expect(listed == listed.sorted(by: >), "newest first")
            #expect(list.body.contains("<td>seller-a</td>") && list.body.contains("<td>auditor-a</td>"))
            #expect(list.body.contains("판매관리 · sales") && list.body.contains("조회"))
            #expect(list.body.contains("/__guard/audit/report?month=\(month)"), "links to this month's review")
            for key in shown { #expect(!list.body.contains(key), "the list counts data subjects, never shows them") }

            // A filter by account narrows it to that account's records.
            let filtered = try await auditor.open("/__guard/audit?account=seller-a")
            #expect(filtered.status == 200)
            let sellers = try await harness.audit.log.query(AuditLogFilter(account: "seller-a", newestFirst: true), limit: 100)
            #expect(Self.linkedSequences(filtered.body) == sellers.map(\.sequence))
            #expect(sellers.count < total)
            #expect(!filtered.body.contains("<td>auditor-a</td>"))
            #expect(filtered.body.contains("value=\"seller-a\""), "the form keeps the condition")
            let byMenu = try await auditor.open("/__guard/audit?menu=sales&kind=access&action=view")
            #expect(Self.linkedSequences(byMenu.body).contains(access.sequence))
            let bySubject = try await auditor.open("/__guard/audit?subject=\(try #require(shown.first))")
            #expect(Self.linkedSequences(bySubject.body).contains(access.sequence))
            let elsewhere = try await auditor.open("/__guard/audit?ip=192.0.2.1")
            #expect(Self.linkedSequences(elsewhere.body).isEmpty)
            let badDate = try await auditor.open("/__guard/audit?from=2026-13-01")
            #expect(badDate.status == 400)

            // One record in full, with its subject keys masked.
            let detail = try await auditor.open("/__guard/audit/record/\(access.sequence)")
            #expect(detail.status == 200)
            for key in access.subjects {
                #expect(!detail.body.contains(key), "never the full order number")
                #expect(detail.body.contains(Self.masked(key)))
            }
            #expect(detail.body.contains(access.hash) && detail.body.contains(access.previousHash))
            #expect(detail.body.contains(access.requestID) && detail.body.contains(access.sessionHash))
            #expect(detail.body.contains("GET /sales/orders") && detail.body.contains("127.0.0.1"))
            #expect(try await auditor.open("/__guard/audit/record/\(total + 1000)").status == 404)
            #expect(try await auditor.open("/__guard/audit/record/abc").status == 404)

            // The monthly review.
            let report = try await auditor.open("/__guard/audit/report?month=\(month)")
            #expect(report.status == 200)
            #expect(report.body.contains("접속기록 점검"))
            #expect(report.body.contains("seller-a"))
            #expect(report.header("cache-control") == "no-store")
            #expect(report.header("content-security-policy")?.contains("default-src 'none'") == true)
            for key in shown { #expect(!report.body.contains(key)) }
            let badMonth = try await auditor.open("/__guard/audit/report?month=2026-13")
            #expect(badMonth.status == 400)
            #expect(!badMonth.body.contains("접속기록 점검 보고서"))

            // Read-only.
            let posted = try await auditor.request("POST", "/__guard/audit", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "account=x")
            #expect(posted.status != 200)
        }
    }
}
