import Foundation
import GuardTestSupport
import Testing

/// Issue 16, numbers: a verified user, through the real guard and demo admin, sends every hostile number to every
/// field of every JSON API under `/__guard/api/` and to the numeric query parameters of the admin and the audit
/// pages. Every answer is a 4xx naming the field (or the documented result for a value that fits the field), and the
/// guard still answers and still knows the session afterwards: no request can trap the process through a number.
@Suite("End to end: hostile numbers never trap the guard", .serialized)
struct NumericInputEndToEndTests {
    static let hostile = [
        "9223372036854775807", "-9223372036854775808", "-1", "0", "1e308", "-1e308", "1.5", "\"60\"", "null", "true",
        "12345678901234567890", String(repeating: "9", count: 400),
    ]

    /// A valid body per endpoint (docs/API.md); each field then gets each hostile value.
    static let bodies: [(String, [String: String])] = [
        ("enroll", ["channel": "\"no-such-channel\"", "phone": "\"010-9876-5432\"", "emergency_email": "\"a@b.example\""]),
        ("enroll/confirm", ["email_code": "\"200909\"", "channel_code": "\"647227\""]),
        ("challenge", ["emergency": "false"]),
        ("verify", ["code": "\"000000\""]),
        ("settings", ["cycle_minutes": "60"]),
        ("export", ["path": "\"/sales/cancels/export.csv\"", "reason": "\"settlement\"", "generate_password": "true"]),
    ]
    static let optional: Set<String> = ["phone", "emergency", "cycle_minutes", "generate_password"]
    static let booleans: Set<String> = ["emergency", "generate_password"]

    static func fits(_ field: String, _ value: String) -> Bool {
        (value == "null" && Self.optional.contains(field)) || (value == "true" && Self.booleans.contains(field))
            || (value == "\"60\"" && !Self.booleans.contains(field) && field != "cycle_minutes")
    }

    /// Query values: the same numbers as they arrive in an address.
    static var hostileQuery: [String] {
        Self.hostile.map { $0.replacingOccurrences(of: "\"", with: "%22") }
    }

    @Test func everyNumericFieldAnswers4xxAndTheGuardKeepsServing() async throws {
        // Sends and wrong codes are counted; room for the few valid bodies this test sends.
        let lockout = "  lockout:\n    max_failures: 100\n    max_sends: 100\n    ip_max_failures: 100\n    ip_max_sends: 100\n"
        try await SecondFactorHarness.run(secondFactor: lockout) { harness in
            let browser = harness.browser()
            try await browser.login("seller-a")
            _ = try await browser.enrollTOTP("seller-a")
            let before = try await browser.api("GET", "/__guard/api/session")
            #expect(before.json["verified"] as? Bool == true)

            for (endpoint, body) in Self.bodies {
                for field in body.keys.sorted() {
                    for value in Self.hostile {
                        var changed = body
                        changed[field] = value
                        let json = "{" + changed.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
                            .joined(separator: ",") + "}"
                        let answer = try await browser.api("POST", "/__guard/api/" + endpoint, json)
                        let what = "\(endpoint) \(field)=\(value.prefix(24)): \(answer.status) \(answer.body.prefix(200))"
                        if Self.fits(field, value) {
                            #expect(answer.status < 500, "\(what)")
                        } else {
                            #expect(answer.status == 400, "\(what)")
                            #expect(answer.json["field"] as? String == field, "\(what)")
                        }
                    }
                }
            }

            // The guard still answers, the session is still verified, and no hostile cycle was stored.
            let after = try await browser.api("GET", "/__guard/api/session")
            #expect(after.status == 200)
            #expect(after.json["verified"] as? Bool == true)
            let set = try await browser.api("POST", "/__guard/api/settings", #"{"cycle_minutes":60}"#)
            #expect(set.status == 200)
            #expect(try await browser.open("/sales/orders").status == 200)

            // The demo admin's numbers, through the guard: refused by name, never an overflow.
            for path in ["/api/orders", "/api/cancels", "/sales/orders"] {
                for name in ["page", "size"] {
                    for value in Self.hostileQuery {
                        let answer = try await browser.request("GET", "\(path)?\(name)=\(value)")
                        #expect(answer.status == 400, "\(path)?\(name)=\(value.prefix(24)): \(answer.status)")
                        if path.hasPrefix("/api/") {
                            #expect(answer.json["field"] as? String == name, "\(path)?\(name)=\(value.prefix(24))")
                        }
                    }
                }
            }
            #expect(try await browser.request("GET", "/api/orders?page=1000000&size=500").status == 200)
            #expect(try await browser.open("/sales/orders?page=2").status == 200)
        }
    }

    @Test func theAuditPagesNumbersAreRangeChecked() async throws {
        try await SecondFactorHarness.run { harness in
            let auditor = harness.browser()
            try await auditor.login("auditor-a")
            _ = try await auditor.enrollTOTP("auditor-a")
            #expect(try await auditor.open("/__guard/audit").status == 200)
            // The last possible sequence has no record and no "next" link (its `+ 1` used to be unguarded).
            for value in ["9223372036854775807", "-9223372036854775808", "0", "-1", "1e308", "1.5", "12345678901234567890",
                          String(repeating: "9", count: 400)] {
                #expect(try await auditor.open("/__guard/audit/record/\(value)").status == 404, "record \(value.prefix(24))")
            }
            #expect(try await auditor.open("/__guard/audit?before=9223372036854775807").status == 200)
            for value in ["0", "-1", "-9223372036854775808", "1e308", "1.5", "12345678901234567890", String(repeating: "9", count: 400)] {
                #expect(try await auditor.open("/__guard/audit?before=\(value)").status == 400, "before=\(value.prefix(24))")
            }
            for value in ["99999-01", "2026-13", "2026-00", "-2026-01", "9223372036854775807-01"] {
                #expect(try await auditor.open("/__guard/audit/report?month=\(value)").status == 400, "month=\(value)")
            }
            for value in ["9223372036854775807-01-01", "2026-02-30", "0000-01-01"] {
                #expect(try await auditor.open("/__guard/audit?from=\(value)").status == 400, "from=\(value)")
            }
            #expect(try await auditor.open("/__guard/audit").status == 200)
        }
    }
}
