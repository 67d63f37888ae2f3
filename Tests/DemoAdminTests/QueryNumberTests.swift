import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DemoAdmin

/// The admin's numeric query parameters are range-checked before any arithmetic: `page=Int.max` once reached
/// `(page - 1) * size` and stopped the process. Out of range or not a whole number: 400 naming the parameter.
@Suite struct QueryNumberTests {
    static let hostile = [
        "9223372036854775807", "-9223372036854775808", "-1", "1e308", "-1e308", "1.5", "%2260%22", "null", "true",
        "12345678901234567890", String(repeating: "9", count: 400), "+5", "%200", "0x10",
    ]

    @Test func pagingAndFileSizesRefuseHostileNumbersByName() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            for (path, name) in [("/api/orders", "page"), ("/api/orders", "size"), ("/api/returns", "page"),
                                 ("/sales/orders", "page"), ("/sales/cancels", "size"), ("/files/bulk", "mb")] {
                let beyond = ["page": ["0", "1000001"], "size": ["0", "501"], "mb": ["2049"]][name] ?? []
                for value in Self.hostile + beyond {
                    let response = try await client.execute(uri: "\(path)?\(name)=\(value)", method: .get, headers: [.cookie: cookie])
                    #expect(response.status == .badRequest, "\(path)?\(name)=\(value.prefix(24))")
                    if path.hasPrefix("/api/") {
                        let json = try TestSupport.json(response.body)
                        #expect(json["error"] as? String == "invalid_query")
                        #expect(json["field"] as? String == name)
                    } else {
                        #expect(String(buffer: response.body).contains(name))
                    }
                }
            }
            // The bounds themselves are served, and the admin still answers.
            let last = try TestSupport.json(try await client.execute(uri: "/api/orders?page=1000000&size=500", method: .get,
                                                                     headers: [.cookie: cookie]).body)
            #expect(last["page"] as? Int == 1_000_000)
            #expect((last["orders"] as? [Any])?.isEmpty == true)
            #expect(try await client.execute(uri: "/files/bulk?mb=0", method: .get, headers: [.cookie: cookie]).status == .ok)
            #expect(try await client.execute(uri: "/sales/orders?page=&size=", method: .get, headers: [.cookie: cookie]).status == .ok)
        }
    }
}
