import Foundation
import GuardTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import DemoAdmin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tests against the real server (`makeApplication`, HTTP/1.1 with WebSocket upgrade) over TCP.
@Suite struct LiveTests {
    static func application(onPort: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "demo-admin-test")
        logger.logLevel = .warning
        return DemoAdmin.makeApplication(configuration: TestSupport.configuration(), logger: logger, onServerRunning: onPort)
    }

    @Test func reportsBoundPortAndServesPages() async throws {
        let reported = Mutex<Int?>(nil)
        try await Self.application(onPort: { port in reported.withLock { $0 = port } }).test(.live) { client in
            #expect(reported.withLock { $0 } == client.port)
            #expect((client.port ?? 0) > 0)
            let cookie = try await TestSupport.login(client)
            let r = try await client.execute(uri: "/sales/orders", method: .get, headers: [.cookie: cookie, .acceptEncoding: "gzip"])
            #expect(r.status == .ok)
            #expect(r.headers[.contentEncoding] == "gzip")
            #expect(String(buffer: try TestSupport.gunzip(r.body)).contains("주문관리"))
        }
    }

    @Test func chatWebSocketSendsCustomerMessagesAndEchoes() async throws {
        try await Self.application().test(.live) { client in
            let cookie = try await TestSupport.login(client)
            let port = try #require(client.port)
            let frames = try await RawWebSocket.run(port: port, cookie: cookie, send: #"{"room":"r1001","text":"확인했습니다"}"#)
            let decoded = frames.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let customer = try #require(decoded.first { $0["from"] as? String == "customer" })
            #expect(customer["type"] as? String == "message")
            #expect((customer["text"] as? String)?.isEmpty == false)
            #expect((customer["name"] as? String)?.isEmpty == false)
            #expect((customer["at"] as? String)?.hasSuffix("+09:00") == true)
            let seller = try #require(decoded.first { $0["from"] as? String == "seller" })
            #expect(seller["text"] as? String == "확인했습니다")
            #expect(seller["room"] as? String == "r1001")
            #expect(seller["name"] as? String == "김서연")

            // Without a session the upgrade is refused (the upgrader answers 400 when the route declines).
            let refused = try await RawWebSocket.handshakeStatus(port: port, cookie: nil)
            #expect(refused.hasPrefix("HTTP/1.1 4"))
            #expect(!refused.contains("101"))
        }
    }

    @Test(.enabled(if: Python.has("openpyxl"), "python3 with openpyxl is not installed"))
    func openpyxlReadsTheExport() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            let total = try TestSupport.json(try await client.execute(uri: "/api/cancels", method: .get, headers: [.cookie: cookie]).body)["total"] as? Int
            let r = try await client.execute(uri: "/sales/cancels/export.xlsx", method: .get, headers: [.cookie: cookie])
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("demo-cancels-\(UInt32.random(in: 0...UInt32.max)).xlsx").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(buffer: r.body).write(to: URL(fileURLWithPath: path))
            let script = """
                import json, sys, openpyxl
                wb = openpyxl.load_workbook(sys.argv[1])
                ws = wb.active
                rows = list(ws.iter_rows(values_only=True))
                print(json.dumps({"title": ws.title, "rows": len(rows), "header": list(rows[0]), "first": [str(type(v).__name__) for v in rows[1]]}))
                """
            let output = try Python.output(script, arguments: [path])
            let json = try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            #expect(json["title"] as? String == "취소관리")
            #expect(json["rows"] as? Int == (total ?? -1) + 1)
            #expect(json["header"] as? [String] == OrderList.cancels.header)
            let types = try #require(json["first"] as? [String])
            #expect(types[OrderList.cancels.header.firstIndex(of: "수량")!] == "int")
            #expect(types[OrderList.cancels.header.firstIndex(of: "우편번호")!] == "str")
        }
    }
}

/// A deliberately tiny WebSocket client on blocking POSIX sockets (the test target has no
/// WebSocket client dependency). Runs on its own thread so it never blocks the test executor.
enum RawWebSocket {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }

    static func connect(port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo("localhost", String(port), &hints, &list) == 0 else { throw Failure(description: "getaddrinfo") }
        defer { freeaddrinfo(list) }
        var cursor = list
        while let info = cursor {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    var timeout = timeval(tv_sec: 10, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    return fd
                }
                close(fd)
            }
            cursor = info.pointee.ai_next
        }
        throw Failure(description: "connect failed")
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send failed") }
            offset += n
        }
    }

    static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = out[offset...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "connection closed or timed out") }
            offset += n
        }
        return out
    }

    /// Sends the upgrade request and returns the response head.
    static func handshake(_ fd: Int32, port: Int, cookie: String?) throws -> String {
        var request = "GET /chat/ws HTTP/1.1\r\nHost: localhost:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        request += "\r\n"
        try sendAll(fd, Array(request.utf8))
        var head: [UInt8] = []
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            head += try readExactly(fd, 1)
            if head.count > 16_384 { throw Failure(description: "response head too long") }
        }
        return String(decoding: head, as: UTF8.self)
    }

    static func handshakeStatus(port: Int, cookie: String?) async throws -> String {
        try await onThread {
            let fd = try connect(port: port)
            defer { close(fd) }
            return try handshake(fd, port: port, cookie: cookie)
        }
    }

    /// Reads frames until one customer message arrived, sends `send` (masked, as a browser does),
    /// then reads until the echo arrived. Returns the text payloads received.
    static func run(port: Int, cookie: String, send text: String) async throws -> [String] {
        try await onThread {
            let fd = try connect(port: port)
            defer { close(fd) }
            let head = try handshake(fd, port: port, cookie: cookie)
            guard head.hasPrefix("HTTP/1.1 101") else { throw Failure(description: "no upgrade: \(head)") }
            var texts: [String] = []
            var sent = false
            for _ in 0..<20 {
                let header = try readExactly(fd, 2)
                let opcode = header[0] & 0x0F
                var length = Int(header[1] & 0x7F)
                if length == 126 {
                    let b = try readExactly(fd, 2)
                    length = Int(b[0]) << 8 | Int(b[1])
                } else if length == 127 {
                    length = try readExactly(fd, 8).reduce(0) { $0 << 8 | Int($1) }
                }
                let payload = try readExactly(fd, length)
                guard opcode == 1 else { continue }
                let message = String(decoding: payload, as: UTF8.self)
                texts.append(message)
                if !sent {
                    let bytes = Array(text.utf8)
                    let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
                    var frame: [UInt8] = [0x81]
                    if bytes.count < 126 {
                        frame.append(0x80 | UInt8(bytes.count))
                    } else {
                        frame += [0x80 | 126, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)]
                    }
                    frame += mask
                    frame += bytes.enumerated().map { $0.element ^ mask[$0.offset % 4] }
                    try sendAll(fd, frame)
                    sent = true
                } else if message.contains(#""from":"seller""#) {
                    try sendAll(fd, [0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xE8 ^ 2])  // close 1000
                    return texts
                }
            }
            throw Failure(description: "no echo among \(texts.count) frames")
        }
    }
}
