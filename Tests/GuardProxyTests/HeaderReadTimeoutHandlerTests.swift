import NIOCore
import NIOEmbedded
import Testing

@testable import GuardProxy

@Suite("Header read timeout")
struct HeaderReadTimeoutHandlerTests {
    @Test func closesAConnectionThatNeverFinishesItsHead() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: HeaderReadTimeoutHandler(timeout: .seconds(10)), loop: loop)
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n"))
        loop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func stepsAsideOnceTheHeadIsCompleteEvenWhenSplit() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: HeaderReadTimeoutHandler(timeout: .seconds(10)), loop: loop)
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n\r"))
        try channel.writeInbound(ByteBuffer(string: "\n"))
        loop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "GET / HTTP/1.1\r\nHost: a\r\n\r")
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "\n")
        _ = try channel.finish()
    }
}
