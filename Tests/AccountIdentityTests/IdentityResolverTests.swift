import AsyncHTTPClient
import DemoAdmin
import Foundation
import GuardProxy
import GuardTestSupport
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@testable import AccountIdentity

@Suite("Identity from the admin", .serialized)
struct IdentityResolverTests {
    /// Runs the demo admin on a free port and hands its port and an HTTP client to `body`.
    func withDemoAdmin(_ body: @Sendable (Int, HTTPClient) async throws -> Void) async throws {
        var configuration = DemoAdminConfiguration()
        configuration.port = 0
        var logger = Logger(label: "demo")
        logger.logLevel = .warning
        let port = PortBox()
        let admin = DemoAdmin.makeApplication(configuration: configuration, logger: logger) { await port.set($0) }
        try await TestServices.run(admin, port: port) { port in
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
            do {
                try await body(port, client)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    func login(_ port: Int, _ client: HTTPClient, account: String) async throws -> String {
        let password = DemoAdmin.accounts.first { $0.account == account }!.password
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
        request.body = .bytes(ByteBuffer(string: "account=\(account)&password=\(encoded)"))
        let response = try await client.execute(request, timeout: .seconds(5))
        return try #require(response.headers["Set-Cookie"].first?.split(separator: ";").first.map(String.init))
    }

    @Test func theAdminsWhoAmISaysWhoIsLoggedIn() async throws {
        try await self.withDemoAdmin { port, client in
            let resolver = IdentityResolver(source: .demoDefault, upstream: try UpstreamOrigin(url: "http://127.0.0.1:\(port)"),
                                            client: client, logger: Logger(label: "identity"))
            let cookie = try await self.login(port, client, account: "seller-a")
            let found = await resolver.resolve(headers: [("Cookie", "theme=dark; " + cookie)], peer: nil)
            #expect(found == .known(Identity(account: "seller-a", roles: ["seller"], email: "seller-a@demo-shop.example")))
            let auditor = await resolver.resolve(headers: [("Cookie", try await self.login(port, client, account: "auditor-a"))], peer: nil)
            guard case .known(let identity) = auditor else { Issue.record("auditor not found: \(auditor)"); return }
            #expect(identity.roles == ["auditor"])
            #expect(await resolver.resolve(headers: [], peer: nil) == .anonymous)
            #expect(await resolver.resolve(headers: [("Cookie", "demo_session=0123456789abcdef")], peer: nil) == .anonymous)
        }
    }

    @Test func answersAreCachedBrieflyAndCanBeForgotten() async throws {
        try await self.withDemoAdmin { port, client in
            let source = IdentitySource.upstream(path: "/api/me", accountField: "account", rolesField: "roles",
                                                 emailField: "email", cacheTTL: .seconds(2))
            let resolver = IdentityResolver(source: source, upstream: try UpstreamOrigin(url: "http://127.0.0.1:\(port)"),
                                            client: client, logger: Logger(label: "identity"))
            let cookie = try await self.login(port, client, account: "seller-b")
            #expect(await resolver.resolve(headers: [("Cookie", cookie)], peer: nil) != .anonymous)
            // Log out at the admin: the cached answer stands until it expires, then the truth shows.
            var logout = HTTPClientRequest(url: "http://127.0.0.1:\(port)/logout")
            logout.method = .POST
            logout.headers.add(name: "Cookie", value: cookie)
            _ = try await client.execute(logout, timeout: .seconds(5))
            #expect(await resolver.resolve(headers: [("Cookie", cookie)], peer: nil) != .anonymous)
            try await Task.sleep(for: .milliseconds(2200))
            #expect(await resolver.resolve(headers: [("Cookie", cookie)], peer: nil) == .anonymous)

            let again = try await self.login(port, client, account: "seller-b")
            #expect(await resolver.resolve(headers: [("Cookie", again)], peer: nil) != .anonymous)
            var logoutAgain = HTTPClientRequest(url: "http://127.0.0.1:\(port)/logout")
            logoutAgain.method = .POST
            logoutAgain.headers.add(name: "Cookie", value: again)
            _ = try await client.execute(logoutAgain, timeout: .seconds(5))
            resolver.forget(cookieHeader: again)
            #expect(await resolver.resolve(headers: [("Cookie", again)], peer: nil) == .anonymous)
        }
    }

    @Test func anUnreachableAdminIsUnavailableNotAnonymous() async throws {
        // As the guard's own upstream client is configured: a refused connection fails at once.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let resolver = IdentityResolver(source: .demoDefault, upstream: try UpstreamOrigin(url: "http://127.0.0.1:9"),
                                        client: client, logger: Logger(label: "identity"))
        let result = await resolver.resolve(headers: [("Cookie", "demo_session=abc")], peer: nil)
        try await client.shutdown()
        guard case .unavailable = result else { Issue.record("expected unavailable, got \(result)"); return }
    }

    @Test func aTrustedHeaderIsBelievedOnlyFromTrustedPeers() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let resolver = IdentityResolver(
            source: .trustedHeader(accountHeader: "X-SSO-User", rolesHeader: "X-SSO-Roles", emailHeader: nil,
                                   trustedPeers: [IPAddressRange("10.0.0.0/8")!]),
            upstream: try UpstreamOrigin(url: "http://127.0.0.1:9"), client: client, logger: Logger(label: "identity"))
        let headers = [("x-sso-user", "seller-a"), ("X-SSO-Roles", "seller, exporter")]
        #expect(await resolver.resolve(headers: headers, peer: IPAddress("10.1.2.3"))
                == .known(Identity(account: "seller-a", roles: ["seller", "exporter"], email: nil)))
        let spoofed = await resolver.resolve(headers: headers, peer: IPAddress("203.0.113.9"))
        guard case .unavailable = spoofed else { Issue.record("an untrusted peer's header was believed"); return }
        #expect(await resolver.resolve(headers: [], peer: IPAddress("10.1.2.3")) == .anonymous)
        try await client.shutdown()
    }
}
