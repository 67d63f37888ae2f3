import AsyncHTTPClient
import Foundation
import GuardTestSupport
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Several `pii-guard` processes on one PostgreSQL database act as one guard: proofs, lockouts and one audit chain
/// are shared, and a database outage closes the protected menus without losing a record.
@Suite("Guards sharing one PostgreSQL database", .serialized)
struct SharedStoreEndToEndTests {
    /// The menu API every load request reads: small, masked, recorded.
    static let menuPath = "/api/account"

    static func requirePythonTools() throws {
        try #require(Python.has("pyotp", "aiosmtpd"), "install pyotp and aiosmtpd (pip install pyotp aiosmtpd; .ci/run does)")
    }

    @Test("A proof from one guard works on the other; wrong codes on both reach the lockout; 10,000 requests over both leave one chain")
    func twoGuardsActAsOne() async throws {
        try Self.requirePythonTools()
        try await SharedStoreHarness.run(instances: 2) { harness in
            let (first, second) = (harness.instances[0], harness.instances[1])

            // A proof earned through the first guard opens the menu on the second.
            let seller = harness.browser()
            seller.use(first.base)
            try await seller.login("seller-a")
            _ = try await seller.enrollTOTP("seller-a")
            #expect(try await seller.api("GET", Self.menuPath).status == 200)
            seller.use(second.base)
            #expect(try await seller.api("GET", Self.menuPath).status == 200)
            // A session without a proof is still sent to verify, on either guard.
            let stranger = harness.browser()
            stranger.use(second.base)
            try await stranger.login("seller-a")
            let refused = try await stranger.api("GET", Self.menuPath)
            #expect(refused.status == 401)
            #expect(refused.json["error"] as? String == "second_factor_required")

            // Wrong codes alternating between the guards: the fifth locks the account on both.
            let owner = harness.browser(from: "127.0.0.2")
            owner.use(first.base)
            try await owner.login("seller-b")
            let secret = try await owner.enrollTOTP("seller-b")
            let intruder = harness.browser(from: "127.0.0.3")
            intruder.use(second.base)
            try await intruder.login("seller-b")
            for attempt in 1...5 {
                intruder.use(attempt % 2 == 1 ? first.base : second.base)
                let answer = try await intruder.api("POST", "/__guard/api/verify", #"{"code":"000000"}"#)
                #expect(answer.status == (attempt < 5 ? 422 : 429), "attempt \(attempt) on guard \(attempt % 2 == 1 ? "A" : "B")")
            }
            for guardInstance in [first, second] {
                intruder.use(guardInstance.base)
                let locked = try await intruder.api("POST", "/__guard/api/verify",
                                                    #"{"code":"\#(try harness.pyotpCode(secret, offset: 0))"}"#)
                #expect(locked.status == 429, "guard \(guardInstance.name) must honour the lock")
                #expect(locked.json["locked_until"] is String)
            }

            // 10,000 requests spread over both guards, 16 at a time: every one answered and recorded, one chain.
            let before = try await Self.accessRecords(harness, account: "seller-a")
            let statuses = try await Self.load(harness, cookie: seller.cookieHeader, requests: 10_000, concurrency: 16,
                                               bases: [first.base, second.base])
            #expect(statuses == [200: 10_000], "statuses: \(statuses)")
            let after = try await Self.accessRecords(harness, account: "seller-a")
            #expect(after - before == 10_000)
            let verify = try await harness.command(["audit", "verify", "--config", first.configurationFile])
            #expect(verify.status == 0, "audit verify: \(verify.output)")
            #expect(verify.output.contains("intact"))
            // One signing key for both guards' checkpoints and seals.
            let keys = try await harness.cluster.psql(harness.database, "SELECT count(DISTINCT key_id) FROM audit_checkpoints")
            #expect(keys.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
            // Both guards wrote into it: each connected under its own application name.
            let writers = try await harness.cluster.psql(harness.database, """
                SELECT count(DISTINCT application_name) FROM pg_stat_activity WHERE application_name LIKE 'pii-guard-%'
                """)
            #expect(writers.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        }
    }

    @Test("PostgreSQL stops mid-run: protected menus answer 503, other paths work, service resumes, no record lost or broken")
    func anOutageClosesTheMenusAndLosesNothing() async throws {
        try Self.requirePythonTools()
        try await SharedStoreHarness.run(instances: 1) { harness in
            let guardInstance = harness.instances[0]
            let seller = harness.browser()
            try await seller.login("seller-a")
            _ = try await seller.enrollTOTP("seller-a")
            #expect(try await seller.api("GET", Self.menuPath).status == 200)
            let before = try await Self.accessRecords(harness, account: "seller-a")

            // Load runs through the whole outage; every status is counted.
            let counts = Locked<[Int: Int]>([:])
            let stop = Locked(false)
            let client = Harness.makeClient(caFile: harness.caFile)
            let cookie = seller.cookieHeader
            let load = Task {
                while !stop.withLock({ $0 }) {
                    let status = (try? await Self.get(client, guardInstance.base + Self.menuPath, cookie: cookie)) ?? 0
                    counts.withLock { $0[status, default: 0] += 1 }
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }

            try await Task.sleep(for: .seconds(1))
            try await harness.cluster.stopServer()
            // Within the verdict cache's second and the store's deadline, the menu closes.
            var page = try await seller.open("/account/")
            let closing = ContinuousClock.now
            while page.status != 503, closing.duration(to: .now) < .seconds(15) {
                try await Task.sleep(for: .milliseconds(250))
                page = try await seller.open("/account/")
            }
            #expect(page.status == 503)
            #expect(page.body.contains("개인정보 메뉴를 잠시 열 수 없습니다"))
            let api = try await seller.api("GET", Self.menuPath)
            #expect(api.status == 503)
            // Paths outside the menus still work, and the status page says the store is unreachable.
            #expect(try await seller.open("/login").status == 200)
            let status = try await seller.api("GET", "/__guard/status")
            #expect(status.status == 200)
            #expect((status.json["store"] as? [String: Any])?["reachable"] as? Bool == false)
            try await Task.sleep(for: .seconds(2))

            try await harness.cluster.startServer()
            let back = ContinuousClock.now
            var reopened = try await seller.api("GET", Self.menuPath)
            while reopened.status != 200, back.duration(to: .now) < .seconds(20) {
                try await Task.sleep(for: .milliseconds(250))
                reopened = try await seller.api("GET", Self.menuPath)
            }
            #expect(reopened.status == 200, "the menu must reopen without a restart")
            try await Task.sleep(for: .seconds(1))
            stop.withLock { $0 = true }
            await load.value
            try await client.shutdown()

            let seen = counts.withLock { $0 }
            let ok = seen[200, default: 0]
            let refused = seen.filter { $0.key != 200 }.values.reduce(0, +)
            #expect(ok > 0 && refused > 0, "statuses under load: \(seen)")
            #expect(Set(seen.keys).isSubset(of: [200, 503]), "statuses under load: \(seen)")
            // Every answered request has its record (the reopening request and the load's); a refused one may have
            // one too only if its commit landed while the answer was lost.
            let recorded = try await Self.accessRecords(harness, account: "seller-a") - before
            #expect(recorded >= ok + 1)
            #expect(recorded <= ok + 1 + refused)
            let verify = try await harness.command(["audit", "verify", "--config", guardInstance.configurationFile])
            #expect(verify.status == 0, "audit verify: \(verify.output)")
        }
    }

    // MARK: - Helpers

    static func accessRecords(_ harness: SharedStoreHarness, account: String) async throws -> Int {
        let text = try await harness.cluster.psql(harness.database, """
            SELECT count(*) FROM audit_records WHERE kind = 'access' AND account = '\(account)' AND menu_id = 'account'
            """)
        return try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    static func get(_ client: HTTPClient, _ url: String, cookie: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Cookie", value: cookie)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// `requests` GETs of the menu API, round-robin over `bases`, `concurrency` at a time; how many got each status.
    static func load(_ harness: SharedStoreHarness, cookie: String, requests: Int, concurrency: Int, bases: [String])
        async throws -> [Int: Int]
    {
        let client = Harness.makeClient(caFile: harness.caFile, http1Only: true)
        let counts = Locked<[Int: Int]>([:])
        let next = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index: Int? = next.withLock { value in
                            guard value < requests else { return nil }
                            defer { value += 1 }
                            return value
                        }
                        guard let index else { return }
                        let status = (try? await Self.get(client, bases[index % bases.count] + Self.menuPath, cookie: cookie)) ?? 0
                        counts.withLock { $0[status, default: 0] += 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await client.shutdown()
        return counts.withLock { $0 }
    }
}
