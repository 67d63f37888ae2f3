import HTTPTypes
import Hummingbird
import Logging

/// One log line per request: method, route label, status, bytes sent, duration, request id.
///
/// Bodies that stream are counted as they are written and logged when they end (or abort); a body of known length
/// up to `ProxyHandler.bufferedBodyLimit` is a single buffer and is logged when the response is handed over.
///
/// Never the path or the query: in an admin they carry order numbers, names typed into search boxes and phone
/// numbers. The route label comes from the policy (`ProxyHooks.routeLabel`) or names a `/__guard/` route.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = GuardRequestContext
    let logger: Logger
    let label: @Sendable (Request, GuardRequestContext) -> String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        let route = self.label(request, context)
        let requestID = context.requestID
        let logger = self.logger
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            Self.log(logger, method, route, status, 0, start, requestID, aborted: false)
            throw error
        }
        let status = response.status.code
        if let length = response.body.contentLength, length <= ProxyHandler.bufferedBodyLimit {
            // One buffer, written with the head in one go: log now and leave the body as it is, so Hummingbird
            // keeps its single-write path.
            Self.log(logger, method, route, status, length, start, requestID, aborted: false)
            return response
        }
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            let total = ByteCount()
            do {
                try await body.write(CountingWriter(base: writer, total: total))
            } catch {
                Self.log(logger, method, route, status, total.value, start, requestID, aborted: true)
                throw error
            }
            Self.log(logger, method, route, status, total.value, start, requestID, aborted: false)
        }
        return response
    }

    static func log(_ logger: Logger, _ method: String, _ route: String, _ status: Int, _ bytes: Int,
                    _ start: ContinuousClock.Instant, _ requestID: String, aborted: Bool)
    {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info(
            "request",
            metadata: [
                "method": "\(method)", "route": "\(route)", "status": "\(status)", "bytes": "\(bytes)",
                "duration_ms": "\((milliseconds * 10).rounded() / 10)", "request.id": "\(requestID)",
                "aborted": aborted ? "true" : nil,
            ].compactMapValues { $0 })
    }
}

/// A byte counter the counting writer updates (the writer itself is consumed by `finish`); one task at a time.
final class ByteCount: @unchecked Sendable {
    var value = 0
}

/// Counts the bytes of a response body on their way to the real writer.
struct CountingWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    let total: ByteCount

    mutating func write(_ buffer: ByteBuffer) async throws {
        self.total.value += buffer.readableBytes
        try await self.base.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await self.base.finish(trailingHeaders)
    }
}
