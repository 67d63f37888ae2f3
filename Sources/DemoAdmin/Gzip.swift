import CompressNIO
import Hummingbird
import NIOCore

/// Compresses HTML, JSON and CSV responses with gzip when the client accepts it.
///
/// The proxy in front must decode, mask and re-encode compressed bodies, so the demo admin
/// compresses like a production server does. Bodies are compressed as they stream, so the
/// large CSV export keeps flat memory. Spreadsheets and the bulk file are left alone.
struct GzipMiddleware: RouterMiddleware {
    typealias Context = DemoRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard let type = response.headers[.contentType], Self.isCompressible(type),
            response.headers[.contentEncoding] == nil
        else {
            return response
        }
        // The representation depends on Accept-Encoding whether or not this response is compressed.
        if let vary = response.headers[.vary] {
            if !vary.lowercased().contains("accept-encoding") { response.headers[.vary] = vary + ", Accept-Encoding" }
        } else {
            response.headers[.vary] = "Accept-Encoding"
        }
        guard Self.acceptsGzip(request.headers[values: .acceptEncoding]),
            request.method != .head,
            response.status != .noContent, response.status != .notModified,
            response.body.contentLength != 0
        else {
            return response
        }
        response.headers[.contentEncoding] = "gzip"
        response.headers[.contentLength] = nil
        let body = response.body
        response.body = ResponseBody { writer in
            try await body.write(GzipBodyWriter(parent: writer))
        }
        return response
    }

    static func isCompressible(_ contentType: String) -> Bool {
        let t = contentType.lowercased()
        return t.hasPrefix("text/html") || t.hasPrefix("application/json") || t.hasPrefix("text/csv")
            || t.hasPrefix("text/plain")
    }

    /// True if some `Accept-Encoding` value lists gzip (or `*`) with a non-zero quality.
    static func acceptsGzip(_ values: [String]) -> Bool {
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
                let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                if q > 0 { return true }
            }
        }
        return false
    }
}

/// A response body writer that gzips everything written through it and forwards the output.
struct GzipBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let compressor: ZlibCompressor
    var window: ByteBuffer

    init(parent: any ResponseBodyWriter) throws {
        self.parent = parent
        self.compressor = try ZlibCompressor(algorithm: .gzip, configuration: ZlibConfiguration())
        self.window = ByteBufferAllocator().buffer(capacity: 64 * 1024)
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        var input = buffer
        while input.readableBytes > 0 {
            try deflate(&input, flush: .no)
        }
        if window.readableBytes > 0 {
            try await parent.write(window)
            window = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        var empty = ByteBuffer()
        while true {
            if window.writableBytes < 1024 {
                window.reserveCapacity(minimumWritableBytes: 64 * 1024)
            }
            do {
                try compressor.deflate(from: &empty, to: &window, flush: .finish)
                break
            } catch let error as CompressNIOError where error == .bufferOverflow {
                try await parent.write(window)
                window = ByteBufferAllocator().buffer(capacity: 64 * 1024)
            }
        }
        if window.readableBytes > 0 {
            try await parent.write(window)
        }
        try await parent.finish(trailingHeaders)
    }

    /// Deflates as much of `input` as fits in the window; grows the window when full.
    private mutating func deflate(_ input: inout ByteBuffer, flush: CompressNIOFlush) throws {
        if window.writableBytes < 1024 {
            window.reserveCapacity(minimumWritableBytes: 64 * 1024)
        }
        do {
            try compressor.deflate(from: &input, to: &window, flush: flush)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            window.reserveCapacity(minimumWritableBytes: 64 * 1024)
        }
    }
}
