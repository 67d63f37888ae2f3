import NIOCore

/// Closes a connection that does not deliver a complete request head in time, and answers a head the HTTP/1.1
/// decoder refuses (too large, malformed) before closing.
///
/// Sits right after the TLS handler, so its clock covers the handshake too, and it sees the decrypted bytes before
/// any HTTP handler. It has two modes:
///
/// - First head only (HTTP/2, and until ALPN has decided): it watches the bytes for the blank line that ends an
///   HTTP/1.1 head (the HTTP/2 connection preface ends with one as well) and removes itself once it has seen it.
/// - HTTP/1.1 (`watchHTTP1()`, called when ALPN picks HTTP/1.1 and `HTTP1HeadWatch` is installed behind the
///   decoder): the decoder tells it when a head was parsed and when a request ended. The deadline runs from the
///   first byte of every request head (for the first request: from accepting the connection) until the decoder
///   has parsed that head, so a slow-loris is closed at `header_read` on the first request and on every later one
///   of a kept-alive connection. A decoder error (`HTTPParserError`) is answered here with raw bytes, 431 for a head
///   over `limits.max_header_size`, 400 otherwise, and the connection is closed: the HTTP/1.1 stack past the decoder
///   would otherwise leave it open (Hummingbird's upgrade stage has no error path, and its later 400 only
///   half-closes).
final class HeaderReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long a refused connection keeps reading (and dropping) what the client still sends after the error
    /// answer, so closing does not reset the connection before the client has read the answer.
    static let lingerAfterRefusal: TimeAmount = .milliseconds(500)

    private enum Mode {
        case firstHead
        case http1
        /// A WebSocket upgrade (or the end of the connection): nothing left to watch.
        case done
    }

    private enum Phase {
        /// Waiting for a head; the timer runs once a byte of it has arrived (for the first head: from the start).
        case awaitingHead
        /// A head was parsed; its body and answer are under other timeouts.
        case inRequest
        /// The connection was refused; what still arrives is dropped.
        case refused
    }

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private var mode = Mode.firstHead
    private var phase = Phase.awaitingHead
    /// Requests whose head was parsed, and responses whose end was written (HTTP/1.1 mode): equal means nothing is
    /// in flight, so an error answer cannot land inside another response.
    private var requestsStarted = 0
    private var responsesEnded = 0
    /// The last up-to-3 bytes of the previous chunk, to find a `\r\n\r\n` split across chunks.
    private var tail: [UInt8] = []

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.arm(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.disarm()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (self.mode, self.phase) {
        case (_, .refused):
            return  // dropped: the answer is written, the connection is closing
        case (.firstHead, _):
            if self.containsHeadEnd(self.unwrapInboundIn(data)) {
                self.mode = .done
                self.disarm()
                context.fireChannelRead(data)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            }
        case (.http1, .awaitingHead):
            if self.timer == nil { self.arm(context: context) }
        case (.http1, .inRequest), (.done, _):
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.disarm()
        context.fireChannelInactive()
    }

    // MARK: Told by the HTTP/1.1 handlers behind the decoder (same event loop)

    /// ALPN chose HTTP/1.1 and the decoder's watchers are in place: requests are tracked from here on.
    func watchHTTP1() {
        guard case .firstHead = self.mode else { return }
        self.mode = .http1
    }

    /// The decoder produced a part: a head is complete (or the request it belongs to is under way).
    func partDecoded() {
        guard case .http1 = self.mode, case .awaitingHead = self.phase else { return }
        self.phase = .inRequest
        self.disarm()
    }

    func headParsed() {
        self.requestsStarted += 1
        self.partDecoded()
    }

    /// The request's last part was decoded: the next bytes start the next head.
    func requestEnded() {
        guard case .http1 = self.mode, case .inRequest = self.phase else { return }
        self.phase = .awaitingHead
    }

    func responseEnded() {
        self.responsesEnded += 1
    }

    /// The connection became a WebSocket: its frames are not request heads.
    func stopWatching() {
        self.mode = .done
        self.disarm()
        if let context = self.context {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    /// The decoder refused what the client sent. While no other response is under way and the error is in a head,
    /// the client gets `answer` (raw HTTP/1.1 bytes); the connection closes in any case.
    func refuse(_ answer: RefusalAnswer) {
        guard let context = self.context, !(self.phase == .refused) else { return }
        let headError = self.phase == .awaitingHead
        self.phase = .refused
        self.mode = .done
        self.disarm()
        guard headError, self.requestsStarted == self.responsesEnded else {
            context.close(promise: nil)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(self.wrapOutboundOut(answer.bytes(allocator: context.channel.allocator)))
            .whenComplete { _ in
                let context = loopBound.value
                context.eventLoop.scheduleTask(in: Self.lingerAfterRefusal) {
                    loopBound.value.close(promise: nil)
                }
            }
    }

    // MARK: -

    private func arm(context: ChannelHandlerContext) {
        self.disarm()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: self.timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func disarm() {
        self.timer?.cancel()
        self.timer = nil
    }

    private func containsHeadEnd(_ buffer: ByteBuffer) -> Bool {
        let bytes = self.tail + Array(buffer.readableBytesView)
        let end: [UInt8] = [13, 10, 13, 10]
        if bytes.count >= 4 {
            for index in 0...(bytes.count - 4) where bytes[index] == 13 {
                if bytes[index..<(index + 4)].elementsEqual(end) { return true }
            }
        }
        self.tail = Array(bytes.suffix(3))
        return false
    }
}

/// The answer to a request head the decoder refused, written as raw bytes because no HTTP handler can write it:
/// the decoder is in its error state.
enum RefusalAnswer: Sendable, Equatable {
    /// The head is larger than `limits.max_header_size` (or has too many fields): 431.
    case headTooLarge
    /// The head cannot be parsed: 400.
    case malformed

    var statusLine: String {
        switch self {
        case .headTooLarge: "431 Request Header Fields Too Large"
        case .malformed: "400 Bad Request"
        }
    }

    /// Korean first (the sellers' language), English after: no request exists to read `Accept-Language` from.
    var text: String {
        switch self {
        case .headTooLarge:
            "요청 헤더가 너무 큽니다. 쿠키를 지우고 다시 시도해 주세요.\nRequest header fields too large. Clear this site's cookies and try again.\n"
        case .malformed:
            "요청을 해석할 수 없습니다.\nThe request could not be parsed.\n"
        }
    }

    func bytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = Array(self.text.utf8)
        var buffer = allocator.buffer(capacity: 256 + body.count)
        buffer.writeString("HTTP/1.1 \(self.statusLine)\r\n")
        buffer.writeString("Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\n")
        buffer.writeString("Content-Length: \(body.count)\r\n\r\n")
        buffer.writeBytes(body)
        return buffer
    }
}
