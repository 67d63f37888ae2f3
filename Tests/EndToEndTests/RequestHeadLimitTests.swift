import AsyncHTTPClient
import Foundation
import GuardProxy
import GuardTestSupport
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// Request heads the guard must not wait for or accept: too large, or too slow. Real TLS sockets to a real guard;
/// the client here writes raw bytes (curl and AsyncHTTPClient would not send a head this broken or this slowly).
@Suite("Request head limits", .serialized)
struct RequestHeadLimitTests {
    static let bigValue = String(repeating: "a", count: 40_000)

    @Test func anOversizedHTTP1HeadIsAnswered431AndClosed() async throws {
        try await Harness.run { harness in
            let connection = try await RawTLSConnection.open(port: harness.proxyPort, caFile: harness.caFile)
            let sent = ContinuousClock.now
            try? await connection.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(Self.bigValue)\r\n\r\n")
            let closedAfter = await connection.waitForClose(within: .seconds(10))
            #expect(connection.text.hasPrefix("HTTP/1.1 431 "), "\(connection.text.prefix(200))")
            #expect(closedAfter != nil, "the connection stayed open")
            if let closedAfter { #expect(sent.duration(to: .now) < .seconds(3), "closed after \(closedAfter)") }
        }
    }

    @Test func anOversizedSecondHeadOnAKeptAliveConnectionIsAnswered431AndClosed() async throws {
        try await Harness.run { harness in
            let connection = try await RawTLSConnection.open(port: harness.proxyPort, caFile: harness.caFile)
            try await connection.send("GET /__guard/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await connection.waitForText(containing: "{\"status\":\"ok\"}", within: .seconds(10))
            let sent = ContinuousClock.now
            try? await connection.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(Self.bigValue)\r\n\r\n")
            let closedAfter = await connection.waitForClose(within: .seconds(10))
            #expect(closedAfter != nil, "the connection stayed open")
            if closedAfter != nil { #expect(sent.duration(to: .now) < .seconds(3), "closed after \(sent.duration(to: .now))") }
            #expect(connection.text.contains("HTTP/1.1 431 "), "\(connection.text.suffix(300))")
        }
    }

    @Test func aHeadJustUnderTheLimitPassesOnBothProtocolsAndJustOverIsRefused() async throws {
        try await Harness.run(limits: ProxyLimits(maxHeaderBytes: 8 * 1024)) { harness in
            let under = String(repeating: "b", count: 7_000)
            let over = String(repeating: "c", count: 9_000)
            for version in ["--http1.1", "--http2"] {
                let passed = try await Self.curlStatus(harness, version, header: under)
                #expect(passed.code == 0 && passed.status == "200", "\(version) under the limit: \(passed)")
                let refused = try await Self.curlStatus(harness, version, header: over)
                // HTTP/1.1: 431. HTTP/2: 431 from the stream check, or the connection refused (GOAWAY) once the client
                // has acknowledged the guard's SETTINGS_MAX_HEADER_LIST_SIZE.
                let refusedOK = refused.status == "431" || (refused.code != 0 && refused.status == "000")
                #expect(refusedOK, "\(version) over the limit: \(refused)")
                if version == "--http1.1" { #expect(refused.status == "431") }
            }
        }
    }

    @Test func anOversizedHTTP2HeaderListIsRefused() async throws {
        try await Harness.run { harness in
            let refused = try await Self.curlStatus(harness, "--http2", header: Self.bigValue)
            #expect(refused.status == "431" || (refused.code != 0 && refused.status == "000"), "\(refused)")
            // The same client on HTTP/2 with an ordinary head still gets its page.
            let fine = try await Self.curlStatus(harness, "--http2", header: "small")
            #expect(fine.code == 0 && fine.status == "200", "\(fine)")
        }
    }

    @Test func aSlowFirstHeadIsClosedAtTheDeadline() async throws {
        try await Harness.run(timeouts: ProxyTimeouts(headerRead: .seconds(1))) { harness in
            let connection = try await RawTLSConnection.open(port: harness.proxyPort, caFile: harness.caFile)
            let opened = ContinuousClock.now
            try await connection.send("GET /__guard/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let closedAt = await connection.drip(every: .milliseconds(200), upTo: .seconds(8))
            let elapsed = closedAt.map { opened.duration(to: $0) }
            #expect(elapsed != nil, "a head that never ends kept the connection open for 8 s")
            if let elapsed { #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(4), "closed after \(elapsed)") }
            #expect(connection.text.isEmpty)
        }
    }

    @Test func aSlowSecondHeadIsClosedAtTheDeadlineButAnIdleKeepAliveIsNot() async throws {
        try await Harness.run(timeouts: ProxyTimeouts(headerRead: .seconds(1))) { harness in
            let connection = try await RawTLSConnection.open(port: harness.proxyPort, caFile: harness.caFile)
            try await connection.send("GET /__guard/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await connection.waitForText(containing: "{\"status\":\"ok\"}", within: .seconds(10))
            // Idle between requests, longer than header_read: the keep-alive timeout's business, not the head's.
            try await Task.sleep(for: .milliseconds(2_500))
            #expect(!connection.isClosed, "an idle kept-alive connection was closed at header_read")
            try await connection.send("GET /__guard/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await connection.waitForText(containing: "{\"status\":\"ok\"}", occurrences: 2, within: .seconds(10))
            // The third head never ends.
            let started = ContinuousClock.now
            try await connection.send("GET /__guard/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let closedAt = await connection.drip(every: .milliseconds(200), upTo: .seconds(8))
            let elapsed = closedAt.map { started.duration(to: $0) }
            #expect(elapsed != nil, "a slow head on a kept-alive connection kept it open for 8 s")
            if let elapsed { #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(4), "closed after \(elapsed)") }
        }
    }

    /// curl's exit code and the status it saw (`000` when none), sending `X-Big: header`.
    static func curlStatus(_ harness: Harness, _ version: String, header: String) async throws -> (code: Int32, status: String) {
        let (code, output) = try await Browser.curl([
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", version, "--cacert", harness.caFile,
            "-H", "X-Big: \(header)", harness.proxyBase + "/__guard/health",
        ])
        return (code, output)
    }
}

/// What a `RawTLSConnection` received, and when the server closed it.
struct Seen: Sendable {
    var text = ""
    var closedAt: ContinuousClock.Instant?
}

/// A TLS connection that writes raw bytes and records what comes back and when the server closes it.
final class RawTLSConnection: Sendable {
    private let channel: any Channel
    private let state: Locked<Seen>

    private init(channel: any Channel, state: Locked<Seen>) {
        self.channel = channel
        self.state = state
    }

    var text: String { self.state.withLock { $0.text } }
    var isClosed: Bool { self.state.withLock { $0.closedAt != nil } }

    static func open(port: Int, caFile: String) async throws -> RawTLSConnection {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(caFile)
        tls.applicationProtocols = ["http/1.1"]
        let context = try NIOSSLContext(configuration: tls)
        let state = Locked<Seen>(Seen())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(Recorder(state: state))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawTLSConnection(channel: channel, state: state)
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// How long until the server closed the connection, or nil if it is still open after `limit`.
    func waitForClose(within limit: Duration) async -> Duration? {
        let start = ContinuousClock.now
        while start.duration(to: .now) < limit {
            if let closedAt = self.state.withLock({ $0.closedAt }) { return start.duration(to: closedAt) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        try? await self.channel.close()
        return nil
    }

    func waitForText(containing needle: String, occurrences: Int = 1, within limit: Duration) async throws {
        let start = ContinuousClock.now
        while start.duration(to: .now) < limit {
            if self.text.components(separatedBy: needle).count - 1 >= occurrences { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("no \(needle) within \(limit): \(self.text.prefix(300))")
    }

    /// Sends one more header line every `interval` until the server closes the connection; when it closed, or nil
    /// if it was still open after `limit` (then it is closed here).
    func drip(every interval: Duration, upTo limit: Duration) async -> ContinuousClock.Instant? {
        let start = ContinuousClock.now
        var line = 0
        while start.duration(to: .now) < limit {
            if let closedAt = self.state.withLock({ $0.closedAt }) { return closedAt }
            line += 1
            try? await self.send("X-Slow-\(line): x\r\n")
            try? await Task.sleep(for: interval)
        }
        try? await self.channel.close()
        return nil
    }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let state: Locked<Seen>
        init(state: Locked<Seen>) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: self.unwrapInboundIn(data))
            self.state.withLock { $0.text += text }
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.state.withLock { $0.closedAt = .now }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // An unclean TLS shutdown after the server's close is still a close.
            context.close(promise: nil)
        }
    }
}

