import AsyncHTTPClient
import DemoAdmin
import Foundation
import GuardProxy
import GuardTestSupport
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import PIIGuard
import ServiceLifecycle

/// Starts real servers on loopback ports: the demo admin, optional extra upstreams, and the guard in front, with
/// development certificates in a temporary folder; hands the test a client that trusts them.
struct Harness {
    let proxyPort: Int
    let adminPort: Int
    let caFile: String
    let client: HTTPClient
    /// Starts the guard's graceful shutdown (as SIGTERM would).
    let shutdownProxy: @Sendable () async -> Void

    var proxyBase: String { "https://127.0.0.1:\(self.proxyPort)" }
    var adminBase: String { "http://127.0.0.1:\(self.adminPort)" }

    static let certificates: (paths: DevCertificates.Paths, store: TLSCertificateStore) = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pii-guard-e2e-certs").path
        let (paths, _) = try! DevCertificates.ensure(in: folder)
        let key = try! CertifiedKey.load(certificatePath: paths.certificate, keyPath: paths.privateKey)
        return (paths, TLSCertificateStore(fallback: key))
    }()

    static func makeClient(caFile: String, http1Only: Bool = false) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(caFile)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     decompression: .disabled)
        configuration.httpVersion = http1Only ? .http1Only : .automatic
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs `body` with the demo admin (and `extraUpstreams`) behind a guard configured by `configure`.
    static func run(
        timeouts: ProxyTimeouts = .init(),
        limits: ProxyLimits = .init(),
        extraSites: [(name: String, hosts: [String], upstream: String)] = [],
        demoHosts: [String] = ["localhost", "127.0.0.1", "::1"],
        hooks: ProxyHooks = .init(),
        _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        var logger = Logger(label: "e2e")
        logger.logLevel = .warning
        var adminConfiguration = DemoAdminConfiguration()
        adminConfiguration.port = 0
        adminConfiguration.chatMessageInterval = .milliseconds(200)
        let adminPort = PortBox()
        let admin = DemoAdmin.makeApplication(configuration: adminConfiguration, logger: logger) { port in
            await adminPort.set(port)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let adminGroup = ServiceGroup(services: [admin], logger: logger)
            group.addTask { try await adminGroup.run() }
            let upstreamPort = await adminPort.wait()
            let sites = [ProxySite(name: "seller-admin", hostNames: demoHosts,
                                   upstream: try UpstreamOrigin(url: "http://127.0.0.1:\(upstreamPort)"))]
                + extraSites.map { ProxySite(name: $0.name, hostNames: $0.hosts, upstream: try! UpstreamOrigin(url: $0.upstream)) }
            let configuration = ProxyConfiguration(listenHost: "127.0.0.1", listenPort: 0, sites: sites,
                                                   timeouts: timeouts, limits: limits)
            let proxyPort = PortBox()
            let proxy = try GuardProxyServer(configuration: configuration, certificates: Self.certificates.store,
                                             hooks: hooks, logger: logger).makeApplication { port in await proxyPort.set(port) }
            let proxyGroup = ServiceGroup(services: [proxy], logger: logger)
            group.addTask { try await proxyGroup.run() }
            let port = await proxyPort.wait()
            let client = Self.makeClient(caFile: Self.certificates.paths.caCertificate)
            let harness = Harness(proxyPort: port, adminPort: upstreamPort, caFile: Self.certificates.paths.caCertificate,
                                  client: client, shutdownProxy: { await proxyGroup.triggerGracefulShutdown() })
            do {
                try await body(harness)
            } catch {
                try? await client.shutdown()
                await proxyGroup.triggerGracefulShutdown()
                await adminGroup.triggerGracefulShutdown()
                throw error
            }
            try await client.shutdown()
            await proxyGroup.triggerGracefulShutdown()
            await adminGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// Runs `body` with an extra client that speaks HTTP/1.1 only, and always shuts it down (an HTTPClient that is
    /// dropped without `shutdown()` stops the whole test process).
    func withHTTP1Client<Result: Sendable>(_ body: (HTTPClient) async throws -> Result) async throws -> Result {
        let client = Self.makeClient(caFile: self.caFile, http1Only: true)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Logs in to the demo admin directly and returns the session cookie (`name=value`).
    func login(account: String = "seller-a") async throws -> String {
        let password = DemoAdmin.accounts.first { $0.account == account }!.password
        var request = HTTPClientRequest(url: self.adminBase + "/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "account=\(account)&password=\(password.formEncoded)"))
        let response = try await self.client.execute(request, timeout: .seconds(10))
        let cookie = response.headers["Set-Cookie"].first.flatMap { $0.split(separator: ";").first }.map(String.init)
        guard let cookie else { throw HarnessError("login as \(account) gave no cookie (status \(response.status.code))") }
        return cookie
    }

    /// Fetches a URL; returns status, headers and the raw body bytes (no decompression).
    func fetch(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: ByteBuffer? = nil,
               client: HTTPClient? = nil) async throws -> Fetched
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await (client ?? self.client).execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 256 << 20)
        return Fetched(status: Int(response.status.code), headers: response.headers, body: bytes, version: response.version)
    }
}

struct Fetched: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: ByteBuffer
    let version: HTTPVersion
    var text: String { String(buffer: self.body) }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    var formEncoded: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return self.addingPercentEncoding(withAllowedCharacters: allowed) ?? self
    }
}

/// A small upstream for what the demo admin does not do: stall, echo headers, redirect absolutely.
enum TestUpstream {
    /// Runs `body` with the test upstream listening on a free loopback port, then stops it.
    static func run(_ body: @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "upstream")
        logger.logLevel = .warning
        let port = PortBox()
        try await TestServices.run(Self.make(logger: logger) { await port.set($0) }, port: port, body)
    }

    static func make(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("stall") { _, _ -> String in
            // Longer than the tests' 2 s first-byte timeout; short enough not to hold up the upstream's shutdown long.
            try await Task.sleep(for: .seconds(5))
            return "too late"
        }
        router.get("echo-headers") { request, _ -> Response in
            var lines: [String] = []
            for field in request.headers { lines.append("\(field.name.canonicalName.lowercased()): \(field.value)") }
            return Response(status: .ok, headers: [.contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: lines.sorted().joined(separator: "\n"))))
        }
        router.get("absolute") { request, _ -> Response in
            let origin = "http://\(request.head.authority ?? "")"
            var headers: HTTPFields = [.location: "\(origin)/landing?x=1", .contentType: "text/html; charset=utf-8"]
            headers.append(HTTPField(name: .setCookie, value: "t=1; Domain=127.0.0.1; Path=/; HttpOnly"))
            return Response(status: .found, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: "<a href=\"\(origin)/next\">next</a>")))
        }
        router.get("site") { _, _ in "second site" }
        // An admin that names its software and tries to set (and clear) the guard's own cookies.
        router.get("banner-and-cookies") { _, _ -> Response in
            var headers: HTTPFields = [.server: "Apache/2.4.41 (Ubuntu)", .init("X-Powered-By")!: "PHP/7.4.3",
                                       .init("X-AspNet-Version")!: "4.0.30319", .init("X-AspNetMvc-Version")!: "5.2",
                                       .contentType: "text/plain"]
            for cookie in ["__Host-pii-guard=chosen-by-the-admin-aaaaaaaaaaaaaaaaaaaaaaaaaa; Path=/; Secure; HttpOnly",
                           "__Host-pii-guard-export=; Max-Age=0; Path=/; Secure", "admin_sid=abc; Path=/; HttpOnly"] {
                headers.append(HTTPField(name: .setCookie, value: cookie))
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        // For the masking stage: a JSON body with personal data, a broken one, and one in a coding it cannot read.
        router.get("pii-json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"buyerName":"홍길동","buyerPhone":"010-1234-5678"}"#)))
        }
        router.get("broken-json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"buyerPhone":"010-1234-5678", "oops"#)))
        }
        router.get("brotli") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/html", .contentEncoding: "br"],
                     body: .init(byteBuffer: ByteBuffer(string: "<p>홍길동 고객님</p>")))
        }
        // A small body and a long streamed one, each with a marker the fail-closed tests' transform refuses.
        router.get("small-marked") { _, _ in "harmless start FORBIDDEN harmless end" }
        router.get("long-marked") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody { writer in
                for index in 0..<64 {
                    let text = index == 40 ? "FORBIDDEN" + String(repeating: "y", count: 16_375) : String(repeating: "x", count: 16_384)
                    try await writer.write(ByteBuffer(string: text))
                }
                try await writer.finish(nil)
            })
        }
        router.get("slow") { _, _ -> String in
            try await Task.sleep(for: .milliseconds(1500))
            return "finished"
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { await onRunning($0.localAddress?.port ?? 0) }, logger: logger)
    }
}
