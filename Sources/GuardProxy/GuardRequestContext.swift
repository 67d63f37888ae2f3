import Hummingbird
import NIOCore

/// Per-request context of the guard's listener: who is on the other end of the socket, and our request id.
public struct GuardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The socket peer (a browser, or a trusted load balancer).
    public let peer: IPAddress?
    /// Our id for this request: logged, sent upstream and returned in `X-Request-ID`.
    public let requestID: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peer = source.channel.remoteAddress?.ipAddress.flatMap(IPAddress.init)
        self.requestID = RequestIdentifier.make()
    }
}

/// Random request ids: 96 bits, hex. Not derived from anything about the user.
enum RequestIdentifier {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt32
        let text = String(high, radix: 16) + String(low, radix: 16)
        return String(repeating: "0", count: max(0, 24 - text.count)) + text
    }
}
