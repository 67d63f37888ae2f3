import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends `MailMessage`s through an SMTP server (RFC 5321), on SwiftNIO.
///
/// One connection per message: codes are rare and must not wait behind a shared queue. The conversation is
/// EHLO → (STARTTLS → EHLO) → AUTH → MAIL → RCPT… → DATA → QUIT, with every reply checked; the first unexpected
/// reply ends it with an `SMTPError` naming the stage and code. Logs carry stages and codes, never addresses.
public struct SMTPMailer: Sendable {
    public let configuration: SMTPConfiguration
    let logger: Logger

    public init(configuration: SMTPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws(SMTPError) {
        try self.configuration.validate()
        guard MailMessage.isSafeAddress(message.from), !message.to.isEmpty, message.to.allSatisfy(MailMessage.isSafeAddress)
        else { throw SMTPError(.configuration, "a sender or recipient address is not a plain local@domain address") }
        let timeout = self.configuration.timeout
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.converse(message) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw SMTPError(.timeout, "no answer within \(timeout)")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let error as SMTPError {
            self.logger.notice("mail not sent", metadata: ["stage": "\(error.stage.rawValue)", "code": "\(error.code.map(String.init) ?? "-")"])
            throw error
        } catch {
            self.logger.notice("mail not sent", metadata: ["stage": "connect", "error.type": "\(type(of: error))"])
            throw SMTPError(.connect, "cannot reach \(self.configuration.host):\(self.configuration.port) (\(type(of: error)))")
        }
    }

    private func tlsHandler() throws(SMTPError) -> NIOSSLClientHandler {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let file = self.configuration.trustRootsFile { tls.trustRoots = .file(file) }
        do {
            let context = try NIOSSLContext(configuration: tls)
            let isAddress = IPv4Address(self.configuration.host) || self.configuration.host.contains(":")
            return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : self.configuration.host)
        } catch {
            throw SMTPError(.tls, "cannot set up TLS (\(error))")
        }
    }

    private func converse(_ message: MailMessage) async throws {
        let implicitTLS = self.configuration.security == .implicitTLS
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: self.configuration.host, port: self.configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS { try channel.pipeline.syncOperations.addHandler(try self.tlsHandler()) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(lines: inbound.makeAsyncIterator(), outbound: outbound)
            try await session.expect(220, stage: .greeting)
            var extensions = try await session.hello(self.configuration.heloName)
            if self.configuration.security == .startTLS {
                guard extensions.contains("STARTTLS") else {
                    throw SMTPError(.startTLS, "the server does not offer STARTTLS; refusing to continue in clear")
                }
                try await session.command("STARTTLS", expect: [220], stage: .startTLS)
                let plain = channel.channel
                try await plain.eventLoop.submit {
                    try plain.pipeline.syncOperations.addHandler(try self.tlsHandler(), position: .first)
                }.get()
                extensions = try await session.hello(self.configuration.heloName)
            }
            if let username = self.configuration.username, let password = self.configuration.password {
                try await session.authenticate(username: username, password: password, extensions: extensions)
            }
            try await session.command("MAIL FROM:<\(message.from)>", expect: [250], stage: .sender)
            for recipient in message.to {
                try await session.command("RCPT TO:<\(recipient)>", expect: [250, 251], stage: .recipient)
            }
            try await session.command("DATA", expect: [354], stage: .data)
            let host = self.configuration.heloName
            let rendered = message.rendered(messageID: "\(UUID().uuidString.lowercased())@\(host)", date: Date())
            try await session.sendData(rendered)
            try await session.command("QUIT", expect: [221], stage: .data, ignoreFailure: true)
        }
    }
}

/// One SMTP conversation over an async channel: commands out, replies in.
struct SMTPSession {
    var lines: NIOAsyncChannelInboundStream<String>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Reads one (possibly multi-line) reply.
    mutating func reply(stage: SMTPError.Stage) async throws -> (code: Int, lines: [String]) {
        var texts: [String] = []
        while true {
            guard let line = try await self.lines.next() else {
                throw SMTPError(stage, "the server closed the connection")
            }
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(line.prefix(3))) else {
                throw SMTPError(.protocolError, "a reply line does not start with a code")
            }
            texts.append(bytes.count > 4 ? String(line.dropFirst(4)) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return (code, texts) }
            guard bytes[3] == UInt8(ascii: "-") else { throw SMTPError(.protocolError, "malformed reply line") }
        }
    }

    mutating func expect(_ code: Int, stage: SMTPError.Stage) async throws {
        let reply = try await self.reply(stage: stage)
        guard reply.code == code else { throw SMTPError(stage, "unexpected reply", code: reply.code) }
    }

    mutating func write(_ text: String) async throws {
        try await self.outbound.write(ByteBuffer(string: text + "\r\n"))
    }

    @discardableResult
    mutating func command(_ text: String, expect codes: Set<Int>, stage: SMTPError.Stage, ignoreFailure: Bool = false)
        async throws -> [String]
    {
        try await self.write(text)
        do {
            let reply = try await self.reply(stage: stage)
            guard codes.contains(reply.code) else {
                if ignoreFailure { return [] }
                throw SMTPError(stage, "the server refused", code: reply.code)
            }
            return reply.lines
        } catch where ignoreFailure {
            return []
        }
    }

    /// EHLO; returns the extension keywords (upper-cased), with AUTH mechanisms as `AUTH PLAIN` etc.
    mutating func hello(_ name: String) async throws -> Set<String> {
        let lines = try await self.command("EHLO \(name)", expect: [250], stage: .hello)
        var extensions = Set<String>()
        for line in lines.dropFirst() {
            let words = line.uppercased().split(separator: " ")
            guard let keyword = words.first else { continue }
            extensions.insert(String(keyword))
            if keyword == "AUTH" { for mechanism in words.dropFirst() { extensions.insert("AUTH \(mechanism)") } }
        }
        return extensions
    }

    mutating func authenticate(username: String, password: String, extensions: Set<String>) async throws {
        if extensions.contains("AUTH PLAIN") {
            let token = Data(("\0" + username + "\0" + password).utf8).base64EncodedString()
            try await self.command("AUTH PLAIN \(token)", expect: [235], stage: .authentication)
        } else if extensions.contains("AUTH LOGIN") {
            try await self.command("AUTH LOGIN", expect: [334], stage: .authentication)
            try await self.command(Data(username.utf8).base64EncodedString(), expect: [334], stage: .authentication)
            try await self.command(Data(password.utf8).base64EncodedString(), expect: [235], stage: .authentication)
        } else {
            throw SMTPError(.authentication, "the server offers neither AUTH PLAIN nor AUTH LOGIN")
        }
    }

    /// The message after `354`: dot-stuffed (RFC 5321 §4.5.2), then the end-of-data line.
    mutating func sendData(_ rendered: String) async throws {
        var buffer = ByteBuffer()
        for line in rendered.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix(".") { buffer.writeString(".") }
            buffer.writeString(String(line))
            buffer.writeString("\r\n")
        }
        buffer.writeString(".\r\n")
        try await self.outbound.write(buffer)
        let reply = try await self.reply(stage: .data)
        guard reply.code == 250 else { throw SMTPError(.data, "the server refused the message", code: reply.code) }
    }
}

/// Splits the server's byte stream into reply lines (CRLF or LF), bounded so a broken server cannot grow memory.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    static let maxLineLength = 4096

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLineLength { throw SMTPError(.protocolError, "a reply line is too long") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(self.wrapInboundOut(line))
        return .continue
    }
}

/// Whether text is a dotted IPv4 address (no SNI for addresses).
func IPv4Address(_ text: String) -> Bool {
    let parts = text.split(separator: ".")
    return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
}
