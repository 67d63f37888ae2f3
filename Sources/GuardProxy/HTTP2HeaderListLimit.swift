import HTTPTypes
import NIOCore
import NIOHTTP2
import NIOHTTPTypes

/// `limits.max_header_size` on HTTP/2: advertised to the client and enforced per stream.
///
/// Hummingbird builds the HTTP/2 handler with NIO's default settings (a 16 KiB header list, whatever the
/// configuration says). `advertise` sends a SETTINGS frame with `SETTINGS_MAX_HEADER_LIST_SIZE` right after the
/// connection preface; once the client acknowledges it, NIO's decoder refuses a larger header block as a connection
/// error (GOAWAY). Before that acknowledgement NIO's decoder keeps its fixed 16 KiB, so `Enforcer` checks every
/// stream's head as well and answers 431 when it is over the limit: the limit holds from the first request.
enum HTTP2HeaderListLimit {
    /// The SETTINGS frame that announces `limit` (bytes, counted as HPACK does: name + value + 32 per field).
    static func settingsFrame(limit: Int) -> HTTP2Frame {
        let value = max(0, min(limit, Int(UInt32.max)))
        return HTTP2Frame(streamID: .rootStream, payload: .settings(.settings([
            HTTP2Setting(parameter: .maxHeaderListSize, value: value),
        ])))
    }

    /// A header list's size as RFC 9113 §6.5.2 counts it, pseudo-header fields included.
    static func size(of request: HTTPRequest) -> Int {
        var total = 0
        var fields: [HTTPField] = [request.pseudoHeaderFields.method]
        fields += [request.pseudoHeaderFields.scheme, request.pseudoHeaderFields.authority,
                   request.pseudoHeaderFields.path, request.pseudoHeaderFields.extendedConnectProtocol]
            .compactMap { $0 }
        for field in fields + Array(request.headerFields) {
            total += field.name.rawName.utf8.count + field.value.utf8.count + 32
        }
        return total
    }

    /// In each HTTP/2 stream, behind the frame-to-HTTP codec: a head over the limit is answered 431 and the stream
    /// closed; nothing of it reaches the router.
    final class Enforcer: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart

        private let limit: Int
        private var refused = false

        init(limit: Int) { self.limit = limit }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !self.refused else { return }
            if case .head(let request) = self.unwrapInboundIn(data), HTTP2HeaderListLimit.size(of: request) > self.limit {
                self.refused = true
                let text = RefusalAnswer.headTooLarge.text
                var body = context.channel.allocator.buffer(capacity: text.utf8.count)
                body.writeString(text)
                let response = HTTPResponse(status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"),
                                            headerFields: [.contentType: "text/plain; charset=utf-8",
                                                           .cacheControl: "no-store",
                                                           .contentLength: "\(body.readableBytes)"])
                context.write(self.wrapOutboundOut(.head(response)), promise: nil)
                context.write(self.wrapOutboundOut(.body(body)), promise: nil)
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                    loopBound.value.close(promise: nil)
                }
                return
            }
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            guard !self.refused else {
                promise?.fail(ChannelError.ioOnClosedChannel)
                return
            }
            context.write(data, promise: promise)
        }
    }
}
