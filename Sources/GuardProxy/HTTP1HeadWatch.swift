import HummingbirdWebSocket
import NIOCore
import NIOHTTP1

/// The two handlers that tell `HeaderReadTimeoutHandler` what the HTTP/1.1 decoder made of the bytes.
///
/// Hummingbird's HTTP/1.1 pipeline (with the WebSocket upgrade stage) is built by the library; these go in beside
/// it once it stands:
///
///     TLS → HeaderReadTimeoutHandler → encoder → decoder → DecodedPartSignal → upgrade stage → RequestBoundaries → …
///
/// `DecodedPartSignal` sits right behind the decoder and never looks inside what passes (after a WebSocket upgrade
/// the decoder is gone and raw frames pass it): any part means a head is complete, and a decoder error comes to it
/// first. `RequestBoundaries` sits behind the upgrade stage, so it sees the upgrade's completion event before any
/// WebSocket byte, and typed request and response parts before that; it tells where one request ends and counts the
/// responses, so an error answer is never written into another response.
enum HTTP1HeadWatch {
    /// Installs both handlers behind the decoder and the upgrade stage that `HTTP1WebSocketUpgradeChannel.setup`
    /// added, and switches `clock` to HTTP/1.1 mode. Throws if the pipeline is not shaped as expected (a library
    /// update): the connection then fails to set up and is closed, rather than run unwatched.
    static func install(on channel: any Channel, clock: HeaderReadTimeoutHandler) throws {
        let sync = channel.pipeline.syncOperations
        let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try sync.addHandler(DecodedPartSignal(clock: clock), position: .after(decoder))
        let upgrade = try sync.handler(
            type: NIOTypedHTTPServerUpgradeHandler<HTTP1WebSocketUpgradeChannel.UpgradeResult>.self)
        try sync.addHandler(RequestBoundaries(clock: clock), position: .after(upgrade))
        clock.watchHTTP1()
    }
}

/// Right behind the decoder: a decoded part means a complete head; a decoder error is answered and closes.
final class DecodedPartSignal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never  // never unwrapped: parts pass untouched, whatever their type

    private let clock: HeaderReadTimeoutHandler

    init(clock: HeaderReadTimeoutHandler) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.clock.partDecoded()
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // Answered and closed here; the handlers further on would leave the connection open.
        switch parserError {
        case .headerOverflow: self.clock.refuse(.headTooLarge)
        default: self.clock.refuse(.malformed)
        }
    }
}

/// Behind the upgrade stage: where a request ends, how many responses ended, and the WebSocket upgrade.
final class RequestBoundaries: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart

    private let clock: HeaderReadTimeoutHandler

    init(clock: HeaderReadTimeoutHandler) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head: self.clock.headParsed()
        case .body: break
        case .end: self.clock.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) { self.clock.responseEnded() }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is HTTPServerUpgradeEvents {
            // Fired before the first WebSocket byte is passed on: from here on nothing here is HTTP.
            self.clock.stopWatching()
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
