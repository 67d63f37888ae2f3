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
/// HTTP/1.1 by ALPN, where HTTP/1.1 connections may upgrade to a WebSocket.
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
        self.http2 = HTTP2Channel(
            responder: responder,
            configuration: .init(
                idleTimeout: timeouts.idleKeepAlive,
                gracefulCloseTimeout: timeouts.shutdownGrace,
                maxAgeTimeout: nil,
                streamConfiguration: http1Configuration
            )
        )
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLServerHandler(context: self.sslContext))
            try sync.addHandler(HeaderReadTimeoutHandler(timeout: self.headerReadTimeout))
            let alpn = NIOTypedApplicationProtocolNegotiationHandler<NIONegotiatedHTTPVersion<HTTP1Value, HTTP2Value>> {
                result in
                switch result {
                case .negotiated("h2"):
                    return self.http2.setup(channel: channel, logger: logger).map { .http2($0) }
                case .negotiated("http/1.1"), .fallback:
                    return self.http1.setup(channel: channel, logger: logger).map { .http1_1($0) }
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
