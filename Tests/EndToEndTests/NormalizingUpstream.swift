import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// An upstream that reads paths the lenient way common servers do, in front of the demo admin: what a guard must not
/// read differently. Every request's raw target is
/// - percent-decoded once, `%2F` included (as many frameworks do before routing);
/// - `\` taken as `/` (IIS, and browsers for http(s) URLs);
/// - stripped of `;…` in every segment (Tomcat, Spring's `UrlPathHelper`);
/// - merged (`//` → `/`, nginx's `merge_slashes`) and cleared of dot segments, clamped at the root;
/// - lower-cased when `caseInsensitive` (IIS);
/// and then forwarded to the admin with the browser's method, headers and body.
struct NormalizingUpstream: Sendable {
    let adminPort: Int
    let caseInsensitive: Bool
    let client: HTTPClient

    static func normalize(_ raw: String, caseInsensitive: Bool) -> String {
        let (path, query) = raw.firstIndex(of: "?").map { (String(raw[..<$0]), String(raw[raw.index(after: $0)...])) } ?? (raw, nil)
        var bytes: [UInt8] = []
        var source = Array(path.utf8)[...]
        while let byte = source.first {
            source = source.dropFirst()
            if byte == UInt8(ascii: "%"), source.count >= 2,
               let value = UInt8(String(decoding: source.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                source = source.dropFirst(2)
            } else {
                bytes.append(byte == UInt8(ascii: "\\") ? UInt8(ascii: "/") : byte)
            }
        }
        var segments: [String] = []
        var trailing = false  // RFC 3986 §5.2.4: a path ending in "/", "/." or "/.." names a directory
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            var name = String(decoding: segment, as: UTF8.self)
            if let semicolon = name.firstIndex(of: ";") { name = String(name[..<semicolon]) }
            if caseInsensitive { name = name.lowercased() }
            trailing = true
            switch name {
            case "", ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(name); trailing = false
            }
        }
        trailing = trailing && !segments.isEmpty
        var out = "/" + segments.joined(separator: "/") + (trailing ? "/" : "")
        out = out.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? out
        return out + (query.map { "?" + $0 } ?? "")
    }

    func application(onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: Forward(upstream: self))
        var logger = Logger(label: "normalizing-upstream")
        logger.logLevel = .critical
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { await onRunning($0.localAddress?.port ?? 0) }, logger: logger)
    }

    struct Forward: RouterMiddleware {
        typealias Context = BasicRequestContext
        let upstream: NormalizingUpstream

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            let path = NormalizingUpstream.normalize(request.head.path ?? "/", caseInsensitive: self.upstream.caseInsensitive)
            var forward = HTTPClientRequest(url: "http://127.0.0.1:\(self.upstream.adminPort)\(path)")
            forward.method = NIOHTTP1.HTTPMethod(rawValue: request.method.rawValue)
            let hopByHop: Set<String> = ["host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "upgrade"]
            for field in request.headers where !hopByHop.contains(field.name.canonicalName) {
                forward.headers.add(name: field.name.rawName, value: field.value)
            }
            var request = request
            let body = try await request.collectBody(upTo: 1 << 24)
            if body.readableBytes > 0 { forward.body = .bytes(body) }
            let response = try await self.upstream.client.execute(forward, timeout: .seconds(60))
            var fields = HTTPFields()
            for header in response.headers where !["transfer-encoding", "connection", "content-length"].contains(header.name.lowercased()) {
                if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
            }
            let whole = try await response.body.collect(upTo: 1 << 28)
            return Response(status: .init(code: Int(response.status.code)), headers: fields, body: .init(byteBuffer: whole))
        }
    }
}
