import AsyncHTTPClient
import DemoAdmin
import Foundation
import GuardProxy
import GuardTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Testing

/// Headers the proxy adds or owns; every other header must arrive as the upstream sent it.
let proxyOwnedHeaders: Set<String> = ["date", "x-request-id", "strict-transport-security", "content-length",
                                      "connection", "keep-alive", "transfer-encoding"]

/// Headers that name the upstream's software: the proxy drops them (`HeaderPolicy.bannerFields`).
let bannerHeaders: Set<String> = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"]

func endToEndHeaders(_ headers: HTTPHeaders) -> [String] {
    headers.filter { !proxyOwnedHeaders.contains($0.name.lowercased()) }
        .map { "\($0.name.lowercased()): \($0.value)" }.sorted()
}

/// Compares a response through the guard with the same request made directly to the admin.
func expectSame(_ harness: Harness, _ path: String, method: HTTPMethod = .GET, headers: [(String, String)],
                body: ByteBuffer? = nil) async throws -> (direct: Fetched, proxied: Fetched)
{
    let direct = try await harness.fetch(harness.adminBase + path, method: method, headers: headers, body: body)
    let proxied = try await harness.fetch(harness.proxyBase + path, method: method, headers: headers, body: body)
    #expect(proxied.status == direct.status, "\(path)")
    let expected = endToEndHeaders(direct.headers).filter { line in !bannerHeaders.contains { line.hasPrefix($0 + ":") } }
    #expect(endToEndHeaders(proxied.headers) == expected, "\(path)")
    #expect(!proxied.headers.contains { bannerHeaders.contains($0.name.lowercased()) }, "\(path)")
    #expect(proxied.body == direct.body, "\(path): \(proxied.body.readableBytes) vs \(direct.body.readableBytes) bytes")
    if let length = proxied.headers.first(name: "content-length") {
        #expect(Int(length) == proxied.body.readableBytes)
    }
    #expect(proxied.headers.first(name: "strict-transport-security")?.hasPrefix("max-age=") == true)
    #expect(proxied.headers.first(name: "x-request-id") != nil)
    return (direct, proxied)
}

@Suite("Through the guard equals direct", .serialized)
struct ProxyEndToEndTests {
    @Test func htmlJsonGzipAndPostMatchTheAdmin() async throws {
        try await Harness.run { harness in
            let cookie = try await harness.login()
            let html = try await expectSame(harness, "/sales/orders?page=2", headers: [("Cookie", cookie)])
            #expect(html.proxied.headers.first(name: "content-type")?.hasPrefix("text/html") == true)
            #expect(html.proxied.text.contains("주문번호"))

            let json = try await expectSame(harness, "/api/orders?page=1&size=20",
                                            headers: [("Cookie", cookie), ("Accept", "application/json")])
            #expect(json.proxied.headers.first(name: "content-type")?.contains("json") == true)

            let gzip = try await expectSame(harness, "/sales/orders", headers: [("Cookie", cookie), ("Accept-Encoding", "gzip")])
            #expect(gzip.proxied.headers.first(name: "content-encoding") == "gzip")
            #expect(gzip.proxied.body.getBytes(at: 0, length: 2) == [0x1f, 0x8b])

            let orders = try await harness.fetch(harness.adminBase + "/api/orders?page=1&size=1", headers: [("Cookie", cookie)])
            let orderNo = try #require(
                (try JSONSerialization.jsonObject(with: Data(orders.body.readableBytesView)) as? [String: Any])
                    .flatMap { $0["orders"] as? [[String: Any]] }?.first?["orderNo"] as? String)
            let memo = ByteBuffer(string: #"{"memo":"부재 시 경비실에 맡겨 주세요"}"#)
            let post = try await expectSame(harness, "/api/orders/\(orderNo)/memo", method: .POST,
                                            headers: [("Cookie", cookie), ("Content-Type", "application/json")], body: memo)
            #expect(post.proxied.status == 200)
            #expect(post.proxied.text.contains("경비실"))
        }
    }

    @Test func http2IsNegotiatedByALPN() async throws {
        try await Harness.run { harness in
            let cookie = try await harness.login()
            let response = try await harness.fetch(harness.proxyBase + "/sales/orders", headers: [("Cookie", cookie)])
            #expect(response.version == .http2)
            #expect(response.status == 200)
            let viaHTTP1 = try await harness.withHTTP1Client { http1 in
                try await harness.fetch(harness.proxyBase + "/sales/orders", headers: [("Cookie", cookie)], client: http1)
            }
            #expect(viaHTTP1.version == .http1_1)
            #expect(viaHTTP1.body == response.body)
        }
    }

    @Test func aLargeUploadStreamsThroughIntact() async throws {
        try await Harness.run { harness in
            let cookie = try await harness.login()
            var payload = ByteBuffer()
            var seed: UInt64 = 42
            for _ in 0..<(8 << 20) / 8 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                payload.writeInteger(seed)
            }
            let direct = try await harness.fetch(harness.adminBase + "/api/upload", method: .POST,
                                                 headers: [("Cookie", cookie)], body: payload)
            let proxied = try await harness.fetch(harness.proxyBase + "/api/upload", method: .POST,
                                                  headers: [("Cookie", cookie)], body: payload)
            #expect(direct.status == 200)
            #expect(proxied.text == direct.text)
            #expect(proxied.text.contains("\(8 << 20)"))
        }
    }

    @Test func tooLargeARequestBodyIsRefusedWith413() async throws {
        try await Harness.run(limits: ProxyLimits(maxRequestBodyBytes: 1024)) { harness in
            let response = try await harness.fetch(harness.proxyBase + "/api/upload", method: .POST,
                                                   body: ByteBuffer(repeating: 0x41, count: 4096))
            #expect(response.status == 413)
            #expect(response.text.contains("업로드 용량"))
        }
    }

    @Test func theChatWebSocketRelaysLiveMessages() async throws {
        try await Harness.run { harness in
            let cookie = try await harness.login()
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(harness.caFile)
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders[.cookie] = cookie
            configuration.sniHostname = "localhost"
            let received = MessageBox()
            var logger = Logger(label: "ws-test")
            logger.logLevel = .warning
            try await WebSocketClient.connect(
                url: "wss://127.0.0.1:\(harness.proxyPort)/chat/ws", configuration: configuration,
                tlsConfiguration: tls, logger: logger
            ) { inbound, outbound, _ in
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                if case .text(let first) = try await iterator.next() { await received.add(first) }
                try await outbound.write(.text("배송 출발했습니다"))
                // The echo of our own message comes back through the relay too (after any live messages).
                for _ in 0..<20 {
                    guard case .text(let text) = try await iterator.next() else { break }
                    await received.add(text)
                    if text.contains("배송 출발했습니다") { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            let messages = await received.all
            #expect(messages.first?.contains("\"type\"") == true)
            #expect(messages.contains { $0.contains("배송 출발했습니다") })
        }
    }
}

@Suite("Failures and rewriting", .serialized)
struct ProxyFailureTests {
    @Test func upstreamDownGives502AndStalledUpstreamGives504() async throws {
        try await TestUpstream.run { port in
            let closedPort = try await freePort()
            try await Harness.run(
                timeouts: ProxyTimeouts(upstreamFirstByte: .seconds(2)),
                extraSites: [("stalled", ["localhost"], "http://127.0.0.1:\(port)"),
                             ("down", ["down.localhost"], "http://127.0.0.1:\(closedPort)")],
                demoHosts: ["127.0.0.1"]
            ) { harness in
                try await harness.withHTTP1Client { http1 in
                    let down = try await harness.fetch(harness.proxyBase + "/", headers: [("Host", "down.localhost")], client: http1)
                    #expect(down.status == 502)
                    #expect(down.text.contains("관리자 서비스에 연결할 수 없습니다"))
                    #expect(!down.text.contains(String(closedPort)))

                    let english = try await harness.fetch(harness.proxyBase + "/", headers: [("Host", "down.localhost"),
                                                          ("Accept-Language", "en-US,en;q=0.9")], client: http1)
                    #expect(english.text.contains("cannot be reached"))

                    let start = ContinuousClock.now
                    let stalled = try await harness.fetch(harness.proxyBase + "/stall", headers: [("Host", "localhost")], client: http1)
                    #expect(stalled.status == 504)
                    #expect(ContinuousClock.now - start < .seconds(10))

                    let unknown = try await harness.fetch(harness.proxyBase + "/", headers: [("Host", "nobody.example")], client: http1)
                    #expect(unknown.status == 421)

                    // Two sites on one listener, chosen by Host.
                    let second = try await harness.fetch(harness.proxyBase + "/site", headers: [("Host", "localhost")], client: http1)
                    #expect(second.text == "second site")
                    let first = try await harness.fetch(harness.proxyBase + "/login", headers: [("Host", "127.0.0.1")], client: http1)
                    #expect(first.status == 200)
                    #expect(first.text.contains("<form"))

                    // Redirects, cookies and links that name the upstream come back naming the guard.
                    let absolute = try await harness.fetch(harness.proxyBase + "/absolute", headers: [("Host", "localhost:\(harness.proxyPort)")], client: http1)
                    #expect(absolute.headers.first(name: "location") == "https://localhost:\(harness.proxyPort)/landing?x=1")
                    #expect(absolute.headers.first(name: "set-cookie") == "t=1; Path=/; HttpOnly; Secure")
                    #expect(absolute.text == "<a href=\"https://localhost:\(harness.proxyPort)/next\">next</a>")

                    // Client-sent forwarding headers are not believed from an untrusted peer.
                    let echoed = try await harness.fetch(harness.proxyBase + "/echo-headers", headers: [
                        ("Host", "localhost"), ("X-Forwarded-For", "203.0.113.66"), ("X-Forwarded-Host", "evil.example"),
                        ("Connection", "keep-alive, X-Hop"), ("X-Hop", "secret"),
                    ], client: http1)
                    #expect(echoed.text.contains("x-forwarded-for: 127.0.0.1"))
                    #expect(!echoed.text.contains("203.0.113.66"))
                    #expect(echoed.text.contains("x-forwarded-host: localhost"))
                    #expect(echoed.text.contains("x-forwarded-proto: https"))
                    #expect(!echoed.text.contains("x-hop"))
                }
        }
        }
    }
}

/// A policy stand-in that refuses any body containing "FORBIDDEN": the seam's fail-closed contract under test.
struct RefusingTransformer: ResponseTransformer {
    struct Refused: Error {}
    /// Like a real masker, it looks across chunk boundaries: the last 8 bytes of the previous chunk are kept.
    final class Transform: ResponseBodyTransform {
        var previousTail = ""
        func process(_ chunk: ByteBuffer) throws -> ByteBuffer {
            let text = String(buffer: chunk)
            if (self.previousTail + text).contains("FORBIDDEN") { throw Refused() }
            self.previousTail = String((self.previousTail + text).suffix(8))
            return chunk
        }
        func finish() throws -> ByteBuffer { ByteBuffer() }
    }
    func makeTransform(for response: ResponseDescription) throws -> (any ResponseBodyTransform)? {
        response.mediaType.hasPrefix("text/plain") ? Transform() : nil
    }
}

@Suite("Fail closed", .serialized)
struct FailClosedTests {
    @Test func aRefusedBodyNeverReachesTheBrowser() async throws {
        try await TestUpstream.run { port in
            try await Harness.run(extraSites: [("marked", ["localhost"], "http://127.0.0.1:\(port)")],
                                  demoHosts: ["127.0.0.1"],
                                  hooks: ProxyHooks(responseTransformer: RefusingTransformer())) { harness in
                try await harness.withHTTP1Client { http1 in
                    // Small body (read whole): an error page instead, nothing of the body.
                    let small = try await harness.fetch(harness.proxyBase + "/small-marked", headers: [("Host", "localhost")], client: http1)
                    #expect(small.status == 502)
                    #expect(!small.text.contains("harmless"))
                    #expect(small.text.contains("응답을 안전하게 표시할 수 없습니다"))

                    // Long streamed body: the head is out before the marker arrives, so the connection is cut; the bytes
                    // from the refused chunk on never arrive.
                    var request = HTTPClientRequest(url: harness.proxyBase + "/long-marked")
                    request.headers.add(name: "Host", value: "localhost")
                    var received = ByteBuffer()
                    var failed = false
                    do {
                        let response = try await http1.execute(request, timeout: .seconds(10))
                        #expect(response.status == .ok)
                        for try await var chunk in response.body { received.writeBuffer(&chunk) }
                    } catch {
                        failed = true
                }
                #expect(failed, "the connection must be cut, not ended cleanly")
                #expect(received.readableBytes <= 40 * 16_384)
                #expect(!String(buffer: received).contains("FORBIDDEN"))
                #expect(!String(buffer: received).contains("y"))
                }
        }
        }
    }
}

/// A policy stand-in for the request gate: refuses one menu, vouches for everything else with a header, and
/// refuses WebSocket upgrades.
struct TestGate: RequestGate {
    func admit(_ request: GateRequest) async -> GateDecision {
        if request.isWebSocket { return .respond(Response(status: .forbidden)) }
        if request.path.hasPrefix("/account") {
            return .respond(Response(status: .forbidden, headers: [.contentType: "text/plain"],
                                     body: .init(byteBuffer: ByteBuffer(string: "blocked by the gate"))))
        }
        return .pass(adding: [HTTPField.Name("X-Guard-Verified")!: "yes"])
    }
}

@Suite("Request gate", .serialized)
struct RequestGateTests {
    @Test func theGateDecidesBeforeAnythingReachesTheUpstream() async throws {
        try await TestUpstream.run { port in
            try await Harness.run(extraSites: [("echo", ["localhost"], "http://127.0.0.1:\(port)")],
                                  demoHosts: ["127.0.0.1"], hooks: ProxyHooks(gate: TestGate())) { harness in
                try await harness.withHTTP1Client { http1 in
                    let blocked = try await harness.fetch(harness.proxyBase + "/account/", headers: [("Host", "127.0.0.1")], client: http1)
                    #expect(blocked.status == 403)
                    #expect(blocked.text == "blocked by the gate")
                    // The gate's header replaces one the browser forged.
                    let echoed = try await harness.fetch(harness.proxyBase + "/echo-headers",
                                                         headers: [("Host", "localhost"), ("X-Guard-Verified", "forged")], client: http1)
                    #expect(echoed.text.contains("x-guard-verified: yes"))
                    #expect(!echoed.text.contains("forged"))
                }

                let cookie = try await harness.login()
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .file(harness.caFile)
                var configuration = WebSocketClientConfiguration()
                configuration.additionalHeaders[.cookie] = cookie
                configuration.sniHostname = "localhost"
                var logger = Logger(label: "ws-test")
                logger.logLevel = .critical
                await #expect(throws: (any Error).self) {
                    try await WebSocketClient.connect(url: "wss://127.0.0.1:\(harness.proxyPort)/chat/ws",
                                                      configuration: configuration, tlsConfiguration: tls, logger: logger) { _, _, _ in }
                }
            }
        }
    }
}

/// Vouches for every request with the guard's own identity header, as the second factor's gate does.
struct AccountGate: RequestGate {
    func admit(_ request: GateRequest) async -> GateDecision {
        .pass(adding: [HTTPField.Name("X-PII-Guard-Account")!: "verified-by-the-gate"])
    }
}

@Suite("Header hygiene", .serialized)
struct HeaderHygieneEndToEndTests {
    /// Fields a browser forges in the spellings CGI/WSGI fold into the guard's and the proxy's own.
    static let forged = [("X_PII_GUARD_ACCOUNT", "forged-account"), ("x_pii_guard_signature", "v1=forged"),
                         ("X-PII-Guard_Verified-At", "forged-time"), ("X_Forwarded_For", "6.6.6.6"),
                         ("X_Real_IP", "6.6.6.6"), ("X-PII-Guard-Account", "forged-account")]

    @Test func underscoreSpellingsNeverReachTheUpstreamOverHTTP1OrHTTP2() async throws {
        try await TestUpstream.run { port in
            try await Harness.run(extraSites: [("echo", ["127.0.0.1"], "http://127.0.0.1:\(port)")],
                                  demoHosts: ["localhost"], hooks: ProxyHooks(gate: AccountGate())) { harness in
                let http2 = try await harness.fetch(harness.proxyBase + "/echo-headers", headers: Self.forged)
                #expect(http2.version == .http2)
                let http1 = try await harness.withHTTP1Client { client in
                    try await harness.fetch(harness.proxyBase + "/echo-headers", headers: Self.forged, client: client)
                }
                #expect(http1.version == .http1_1)
                for answer in [http2, http1] {
                    let lines = answer.text.split(separator: "\n").map(String.init)
                    #expect(answer.status == 200)
                    #expect(lines.contains("x-pii-guard-account: verified-by-the-gate"), "\(lines)")
                    #expect(!lines.contains { $0.split(separator: ":").first?.contains("_") == true }, "\(lines)")
                    #expect(!answer.text.contains("forged") && !answer.text.contains("6.6.6.6"), "\(lines)")
                }
            }
        }
    }

    @Test func theUpstreamCannotSetTheGuardsCookiesNorNameItsSoftware() async throws {
        try await TestUpstream.run { port in
            try await Harness.run(extraSites: [("echo", ["127.0.0.1"], "http://127.0.0.1:\(port)")],
                                  demoHosts: ["localhost"]) { harness in
                let http2 = try await harness.fetch(harness.proxyBase + "/banner-and-cookies")
                let http1 = try await harness.withHTTP1Client { client in
                    try await harness.fetch(harness.proxyBase + "/banner-and-cookies", client: client)
                }
                #expect(http2.version == .http2 && http1.version == .http1_1)
                for answer in [http2, http1] {
                    #expect(answer.status == 200)
                    #expect(answer.headers["Set-Cookie"] == ["admin_sid=abc; Path=/; HttpOnly; Secure"])
                    for banner in ["Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"] {
                        #expect(answer.headers[banner].isEmpty, "\(banner): \(answer.headers[banner])")
                    }
                }
            }
        }
    }
}

@Suite("Shutdown", .serialized)
struct ShutdownTests {
    @Test func gracefulShutdownLetsInFlightRequestsFinish() async throws {
        try await TestUpstream.run { port in
            try await Harness.run(extraSites: [("slow", ["localhost"], "http://127.0.0.1:\(port)")],
                                  demoHosts: ["127.0.0.1"]) { harness in
                try await harness.withHTTP1Client { http1 in
                    let inFlight = Task { try await harness.fetch(harness.proxyBase + "/slow", headers: [("Host", "localhost")], client: http1) }
                    try await Task.sleep(for: .milliseconds(400))
                    await harness.shutdownProxy()
                    let response = try await inFlight.value
                    #expect(response.status == 200)
                    #expect(response.text == "finished")
                }
            }
        }
    }
}

/// A loopback port nobody listens on.
func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

actor MessageBox {
    var all: [String] = []
    func add(_ text: String) { self.all.append(text) }
}
