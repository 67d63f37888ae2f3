import HTTPTypes
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS

/// The listener's per-connection pipeline: TLS with SNI certificates, a header-read deadline, then HTTP/2 or
/// HTTP/1.1 by ALPN, where HTTP/1.1 connections may upgrade to a WebSocket. `limits.max_header_size` holds on both:
/// the HTTP/1.1 decoder's limit (a larger head is answered 431 and closed, `HTTP1HeadWatch`), the HTTP/2 header list
/// limit (`HTTP2HeaderListLimit`).
///
/// Hummingbird ships TLS+HTTP/2 and HTTP/1.1+WebSocket as separate channel types; a proxy for an admin with a live
/// chat needs both on one port (browsers open WebSockets on an HTTP/1.1 connection), so this type joins them.
struct GuardListenerChannel: HTTPChannelHandler {
    typealias HTTP1Value = HTTP1WebSocketUpgradeChannel.Value
    typealias HTTP2Value = HTTP2Channel.Value

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<NIONegotiatedHTTPVersion<HTTP1Value, HTTP2Value>>
        let channel: any Channel
    }

    let sslContext: NIOSSLContext
    let headerReadTimeout: TimeAmount
    /// `limits.max_header_size`: the HTTP/1.1 decoder's limit, and the HTTP/2 header list limit.
    let maxHeaderBytes: Int
    let http1: HTTP1WebSocketUpgradeChannel
    let http2: HTTP2Channel
    let responder: Responder

    init(
        tlsConfiguration: TLSConfiguration,
        timeouts: ProxyTimeouts,
        limits: ProxyLimits,
        responder: @escaping Responder,
        shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel, Logger) async throws
            -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    ) throws {
        self.sslContext = try NIOSSLContext(configuration: tlsConfiguration)
        self.responder = responder
        self.headerReadTimeout = .nanoseconds(Int64(timeouts.headerRead.nanoseconds))
        let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
            maxHeaderFieldSize: limits.maxHeaderBytes,
            maxHeaderListSize: limits.maxHeaderBytes,
            maxHeaderFieldCount: 200
        )
        let http1Configuration = HTTP1Channel.Configuration(
            idleTimeout: .nanoseconds(Int64(timeouts.idleKeepAlive.nanoseconds)),
            httpDecoderConfiguration: decoder
        )
        self.http1 = HTTP1WebSocketUpgradeChannel(
            responder: responder,
            configuration: .init(
                http1: http1Configuration,
                ws: .init(maxFrameSize: limits.maxWebSocketMessageBytes, autoPing: .enabled(timePeriod: .seconds(30)))
            ),
            shouldUpgrade: shouldUpgrade
        )
        // HTTP/2 streams have no HTTP/1.1 decoder: the header list limit is checked on each stream's head instead.
        let maxHeaderBytes = limits.maxHeaderBytes
        let streamConfiguration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [HTTP2HeaderListLimit.Enforcer(limit: maxHeaderBytes)],
            idleTimeout: .nanoseconds(Int64(timeouts.idleKeepAlive.nanoseconds))
        )
        self.maxHeaderBytes = maxHeaderBytes
        self.http2 = HTTP2Channel(
            responder: responder,
            configuration: .init(
                idleTimeout: timeouts.idleKeepAlive,
                gracefulCloseTimeout: timeouts.shutdownGrace,
                maxAgeTimeout: nil,
                streamConfiguration: streamConfiguration
            )
        )
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLServerHandler(context: self.sslContext))
            let headClock = HeaderReadTimeoutHandler(timeout: self.headerReadTimeout)
            try sync.addHandler(headClock)
            let maxHeaderBytes = self.maxHeaderBytes
            let alpn = NIOTypedApplicationProtocolNegotiationHandler<NIONegotiatedHTTPVersion<HTTP1Value, HTTP2Value>> {
                result in
                switch result {
                case .negotiated("h2"):
                    return self.http2.setup(channel: channel, logger: logger).map { value in
                        // Right behind NIO's own SETTINGS in the preface: the configured header list limit.
                        channel.writeAndFlush(HTTP2HeaderListLimit.settingsFrame(limit: maxHeaderBytes), promise: nil)
                        return .http2(value)
                    }
                case .negotiated("http/1.1"), .fallback:
                    return self.http1.setup(channel: channel, logger: logger).assumeIsolated().map { value in
                        // Runs on the event loop before the first request byte reaches the decoder (ALPN holds
                        // them until this future completes). If the watchers cannot go in (the connection is
                        // already closing), close it, but still hand the value on: Hummingbird must finish the
                        // channel it built, or its writer traps when dropped.
                        do {
                            try HTTP1HeadWatch.install(on: channel, clock: headClock)
                        } catch {
                            channel.close(promise: nil)
                        }
                        return .http1_1(value)
                    }.nonisolated()
                case .negotiated:
                    return channel.close().flatMap { channel.eventLoop.makeFailedFuture(NIOHTTP2Errors.invalidALPNToken()) }
                }
            }
            try sync.addHandler(alpn)
            return Value(negotiated: alpn.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1_1(let http1):
                await self.http1.handle(value: http1, logger: logger)
            case .http2(let http2):
                await self.http2.handle(value: http2, logger: logger)
            }
        } catch {
            // A failed handshake or a closed connection: nothing to answer. Log the kind only.
            logger.debug("connection ended before HTTP", metadata: ["error.type": "\(type(of: error))"])
        }
    }
}
