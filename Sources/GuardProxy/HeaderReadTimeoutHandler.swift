import NIOCore

/// Closes a connection that has not delivered a complete first request head in time.
///
/// Sits right after the TLS handler, so its clock covers the handshake too. It watches the decrypted bytes for the
/// blank line that ends an HTTP/1.1 head (the HTTP/2 connection preface ends with one as well) and removes itself
/// once it has seen it; later requests on a kept-alive connection fall under the idle timeout.
final class HeaderReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// The last up-to-3 bytes of the previous chunk, to find a `\r\n\r\n` split across chunks.
    private var tail: [UInt8] = []
    private var done = false

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: self.timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !self.done {
            let buffer = self.unwrapInboundIn(data)
            if self.containsHeadEnd(buffer) {
                self.done = true
                self.timer?.cancel()
                self.timer = nil
                context.fireChannelRead(data)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
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
