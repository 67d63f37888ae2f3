import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Forwards one request to its site's upstream and streams the answer back through the chosen transform.
///
/// Bodies stream both ways with backpressure (the upstream client reads only as fast as the browser takes bytes, and
/// the request body is pulled only as fast as the upstream accepts it), so memory stays flat for any body size.
/// Every failure becomes one of the proxy's own error pages; nothing from an error (addresses, paths, queries) is
/// shown to the user or logged beyond its kind.
public struct ProxyHandler: Sendable {
    let configuration: ProxyConfiguration
    let client: HTTPClient
    let hooks: ProxyHooks
    let logger: Logger

    public init(configuration: ProxyConfiguration, client: HTTPClient, hooks: ProxyHooks, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.hooks = hooks
        self.logger = logger
    }

    /// Responses with a declared length up to this are read whole before the head is sent; longer or unknown-length
    /// ones stream. `AccessLogMiddleware` relies on this: a body of known length within the limit is one buffer.
    public static let bufferedBodyLimit = 256 * 1024

    /// What went wrong on the way to or from the upstream.
    enum Failure: Error {
        case bodyTooLarge
        case timeout
        case unavailable
    }

    public func handle(_ request: Request, context: GuardRequestContext, site: ProxySite) async throws -> Response {
        let requestID = context.requestID
        let publicHost = request.head.authority ?? site.hostNames.first ?? "localhost"
        let declaredLength = request.headers[.contentLength].flatMap { Int64($0) }
        if let declaredLength, declaredLength > self.configuration.limits.maxRequestBodyBytes {
            return ErrorPage.response(.bodyTooLarge, requestID: requestID, request: request.headers)
        }
        let client = HeaderPolicy.clientAddress(
            peer: context.peer, headers: request.headers, trusted: self.configuration.trustedProxies)

        // Policy first: nothing reaches the upstream without the gate's leave.
        let decision = await self.hooks.gate.admit(GateRequest(
            siteName: site.name, method: request.method, path: request.uri.path, query: request.uri.query,
            headers: request.headers,
            clientAddress: client, isWebSocket: false, requestID: requestID))
        let gateFields: HTTPFields
        let attachments: [any GateAttachment]
        let removedFields: [HTTPField.Name]
        switch decision {
        case .respond(var response):
            // The gate's answer is the guard's own: it carries our request id and HSTS like every other.
            response.headers[HeaderPolicy.requestID] = requestID
            if self.configuration.hstsMaxAge > 0 {
                response.headers[.strictTransportSecurity] = "max-age=\(self.configuration.hstsMaxAge)"
            }
            return response
        case .pass(let adding, let attached, let removing):
            gateFields = adding
            attachments = attached
            removedFields = removing
        }

        // The upstream request.
        let target = site.upstream.origin + site.upstream.basePath + (request.head.path ?? "/")
        var upstreamRequest = HTTPClientRequest(url: target)
        upstreamRequest.method = NIOHTTP1.HTTPMethod(rawValue: request.method.rawValue)
        var fields = HeaderPolicy.upstreamRequestFields(
            incoming: request.headers, peer: context.peer, client: client,
            trusted: self.configuration.trustedProxies, publicHost: publicHost,
            publicPort: Self.port(of: publicHost), upstream: site.upstream, requestID: requestID)
        for name in Set(gateFields.map(\.name)) { fields[values: name] = gateFields[values: name] }
        for name in removedFields { fields[name] = nil }
        upstreamRequest.headers = HTTPHeaders(HeaderPolicy.http1Lines(fields))
        upstreamRequest.headers.replaceOrAdd(name: "Host", value: site.upstream.hostHeader)

        let bodyDone = AsyncStream<Never>.makeStream()
        let hasBody: Bool
        if let declaredLength {
            hasBody = declaredLength > 0
        } else {
            hasBody = !(request.method == .get || request.method == .head)
        }
        if hasBody {
            let limited = LimitedBody(
                base: request.body, limit: self.configuration.limits.maxRequestBodyBytes, done: bodyDone.continuation)
            upstreamRequest.body = .stream(limited, length: declaredLength.map { .known($0) } ?? .unknown)
        } else {
            bodyDone.continuation.finish()
        }

        // Send, with the first-byte clock starting once the request body is through.
        let response: HTTPClientResponse
        do {
            response = try await self.execute(upstreamRequest, hasBody: hasBody, bodyDone: bodyDone.stream)
        } catch {
            let kind = Self.classify(error)
            self.logger.notice(
                "upstream request failed",
                metadata: ["request.id": "\(requestID)", "site": "\(site.name)", "failure": "\(kind)",
                           "error.type": "\(Self.errorKind(error))"])
            switch kind {
            case .bodyTooLarge: return ErrorPage.response(.bodyTooLarge, requestID: requestID, request: request.headers)
            case .timeout: return ErrorPage.response(.upstreamTimeout, requestID: requestID, request: request.headers)
            case .unavailable: return ErrorPage.response(.upstreamUnavailable, requestID: requestID, request: request.headers)
            }
        }

        // The answer.
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        var upstreamFields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { upstreamFields.append(HTTPField(name: name, value: header.value)) }
        }
        let rewriter = OriginRewriter(upstream: site.upstream, publicOrigin: "https://\(publicHost)")
        var headers = HeaderPolicy.downstreamResponseFields(
            upstream: upstreamFields, rewriter: rewriter, hstsMaxAge: self.configuration.hstsMaxAge, requestID: requestID)

        let description = ResponseDescription(
            siteName: site.name, method: request.method, path: request.uri.path, status: status, headers: headers,
            attachments: attachments)
        var stages: [any ResponseBodyTransform] = []
        if description.contentEncoding == "identity", LinkRewriteTransform.applies(to: description.mediaType) {
            stages.append(LinkRewriteTransform(rewriter: rewriter))
        }
        do {
            if let policy = try self.hooks.responseTransformer.makeTransform(for: description) { stages.append(policy) }
        } catch {
            self.logger.error("response transform refused the response",
                              metadata: ["request.id": "\(requestID)", "error.type": "\(Self.errorKind(error))"])
            return ErrorPage.response(.responseRejected, requestID: requestID, request: request.headers)
        }
        let transform: (any ResponseBodyTransform)? =
            stages.isEmpty ? nil : (stages.count == 1 ? stages[0] : ChainedTransform(stages))
        // The access record, written once the body has passed the transform and before the response completes.
        let recorder = self.hooks.recorder
        let userAgent = request.headers[.userAgent]
        let record: @Sendable (HTTPResponse.Status, HTTPFields, (any Sendable)?) async throws -> Void = { answer, sent, report in
            try await recorder.record(CompletedResponse(
                response: ResponseDescription(siteName: site.name, method: request.method, path: request.uri.path,
                                              status: answer, headers: sent, attachments: attachments),
                requestID: requestID, clientAddress: client, userAgent: userAgent, transformReport: report))
        }
        let body = UpstreamBody(response.body)
        let declaredResponseLength = request.method == .head ? nil : headers[.contentLength].flatMap(Int.init)
        // Small bodies of known length are read whole: the browser then gets head and body in one write (one TLS
        // record, one syscall), and a transform failure anywhere in the body is still an error page.
        if let length = declaredResponseLength, length <= Self.bufferedBodyLimit {
            do {
                var whole = try await body.collect(upTo: Self.bufferedBodyLimit)
                var answer = status
                if let transform {
                    whole = try await Self.offCooperativePool(transform.deliversAtFinish) { try transform.processWhole(whole) }
                    if !transform.preservesLength { headers[.contentLength] = nil }
                    transform.adjust(headers: &headers)
                    answer = transform.replacementStatus ?? status
                }
                do {
                    try await record(answer, headers, transform?.report)
                } catch {
                    return self.unrecorded(error, requestID: requestID, request: request)
                }
                return Response(status: answer, headers: headers, body: .init(byteBuffer: whole))
            } catch {
                return self.rejected(error, requestID: requestID, request: request)
            }
        }
        guard let transform else {
            let sent = headers
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: declaredResponseLength) { writer in
                try await body.pump(into: &writer, transform: nil) { try await record(status, sent, nil) }
            })
        }
        if !transform.preservesLength { headers[.contentLength] = nil }
        if transform.deliversAtFinish {
            // The whole body first (the transform keeps it bounded), then the head: any failure is an error page.
            do {
                let whole = try await body.transformWhole(by: transform)
                transform.adjust(headers: &headers)
                let answer = transform.replacementStatus ?? status
                do {
                    try await record(answer, headers, transform.report)
                } catch {
                    return self.unrecorded(error, requestID: requestID, request: request)
                }
                return Response(status: answer, headers: headers, body: .init(byteBuffer: whole))
            } catch {
                return self.rejected(error, requestID: requestID, request: request)
            }
        }
        transform.adjust(headers: &headers)
        // Fail closed before the head goes out: the first chunk passes the transform first.
        let first: ByteBuffer
        do {
            first = try await body.firstTransformed(by: transform)
        } catch {
            return self.rejected(error, requestID: requestID, request: request)
        }
        let box = TransformBox(transform)
        let logger = self.logger
        let sent = headers
        return Response(status: status, headers: headers, body: ResponseBody { writer in
            do {
                if first.readableBytes > 0 { try await writer.write(first) }
                try await body.pump(into: &writer, transform: box.transform) {
                    try await record(status, sent, box.transform.report)
                }
            } catch {
                // Head already sent: cut the connection rather than send a byte the transform has not passed.
                logger.error("response aborted mid-body",
                             metadata: ["request.id": "\(requestID)", "error.type": "\(Self.errorKind(error))"])
                throw error
            }
        })
    }

    /// Runs `work` on a thread of its own when `offload` is set: a whole-file transform (converting and encrypting an
    /// export: seconds of CPU for a large one) must not hold one of the few threads every connection shares.
    static func offCooperativePool<T>(_ offload: Bool, _ work: @escaping () throws -> T) async throws -> T {
        guard offload else { return try work() }
        let box = UncheckedBox(work)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UncheckedBox<T>, any Error>) in
            Thread.detachNewThread {
                do { continuation.resume(returning: UncheckedBox(try box.value())) } catch { continuation.resume(throwing: error) }
            }
        }.value
    }

    /// The answer when the access record could not be written: the response is refused (fail closed).
    private func unrecorded(_ error: any Error, requestID: String, request: Request) -> Response {
        self.logger.error("response refused: its access record could not be written",
                          metadata: ["request.id": "\(requestID)", "error.type": "\(Self.errorKind(error))"])
        return ErrorPage.response(.policyUnavailable, requestID: requestID, request: request.headers)
    }

    /// The answer when a body could not be read or passed the transform before the head was sent: an error page
    /// (504 if the upstream went silent, 502 otherwise), never the body.
    private func rejected(_ error: any Error, requestID: String, request: Request) -> Response {
        self.logger.error("response body rejected before the head was sent",
                          metadata: ["request.id": "\(requestID)", "error.type": "\(Self.errorKind(error))"])
        return ErrorPage.response(Self.classify(error) == .timeout ? .upstreamTimeout : .responseRejected,
                                  requestID: requestID, request: request.headers)
    }

    /// Runs the upstream request; `Failure.timeout` if no response head arrives within the first-byte timeout after
    /// the request body finished.
    private func execute(_ request: HTTPClientRequest, hasBody: Bool, bodyDone: AsyncStream<Never>) async throws
        -> HTTPClientResponse
    {
        let firstByte = self.configuration.timeouts.upstreamFirstByte
        let client = self.client
        guard hasBody else {
            // Nothing to send first: the client's own deadline is the first-byte clock (it ends at the head).
            return try await client.execute(request, deadline: .now() + firstByte.timeAmount)
        }
        return try await withThrowingTaskGroup(of: HTTPClientResponse?.self) { group in
            group.addTask {
                try await client.execute(request, deadline: .distantFuture)
            }
            group.addTask {
                for await _ in bodyDone {}
                try await EventLoopSleep.sleep(for: firstByte, on: client.eventLoopGroup.any())
                throw Failure.timeout
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let response = next { return response }
            }
            throw Failure.unavailable
        }
    }

    /// The port in a `Host` value, 443 when none is written.
    static func port(of host: String) -> Int {
        guard let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") else { return 443 }
        return Int(host[host.index(after: colon)...]) ?? 443
    }

    static func classify(_ error: any Error) -> Failure {
        if let failure = error as? Failure { return failure }
        if error is BodyTooLargeError { return .bodyTooLarge }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded, .writeTimeout, .connectTimeout: return .timeout
            default: return .unavailable
            }
        }
        return .unavailable
    }

    /// The kind of an error for logs: its type, and the case name for client errors. Never its message, which may
    /// carry a URL with a query.
    static func errorKind(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "HTTPClientError.\(error.shortDescription)" }
        return String(describing: type(of: error))
    }
}

extension HTTPClientError {
    /// `HTTPClientError`'s description without associated values.
    var shortDescription: String {
        let text = String(describing: self)
        let name = text.split(separator: ".").last.map(String.init) ?? text
        return name.split(separator: "(").first.map(String.init) ?? name
    }
}

/// Thrown when an upstream sends more body than its `Content-Length` said.
struct ResponseTooLongError: Error {}

/// Thrown when a streamed request body passes `maxRequestBodyBytes`.
struct BodyTooLargeError: Error {}

/// The request body, counted on the way through; finishing `done` starts the first-byte clock.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int64
    let done: AsyncStream<Never>.Continuation

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int64
        let done: AsyncStream<Never>.Continuation
        var count: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await self.base.next() else {
                self.done.finish()
                return nil
            }
            self.count += Int64(buffer.readableBytes)
            if self.count > self.limit {
                self.done.finish()
                throw BodyTooLargeError()
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: self.base.makeAsyncIterator(), limit: self.limit, done: self.done)
    }
}

/// The upstream's response body, read once by whoever writes the response.
///
/// Wraps the iterator so the first chunk can be pulled (and transformed) before the response head is committed and
/// the rest streamed later from the response writer. Only one task touches it at a time.
final class UpstreamBody: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ body: HTTPClientResponse.Body) { self.iterator = body.makeAsyncIterator() }

    /// The whole body, which the caller knows to be at most `limit` bytes (from its `Content-Length`).
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        var whole = ByteBuffer()
        while var chunk = try await self.iterator.next() {
            guard whole.readableBytes + chunk.readableBytes <= limit else { throw ResponseTooLongError() }
            whole.writeBuffer(&chunk)
        }
        self.finished = true
        return whole
    }

    /// The transform's output for the first non-empty chunk (or its tail, for an empty body).
    func firstTransformed(by transform: any ResponseBodyTransform) async throws -> ByteBuffer {
        while let chunk = try await self.iterator.next() {
            let out = try transform.process(chunk)
            if out.readableBytes > 0 { return out }
        }
        self.finished = true
        return try transform.finish()
    }

    /// Every chunk through `transform`, then its `finish()`: the output of a transform that delivers at finish.
    func transformWhole(by transform: any ResponseBodyTransform) async throws -> ByteBuffer {
        var whole = ByteBuffer()
        while let chunk = try await self.iterator.next() {
            var out = try transform.process(chunk)
            whole.writeBuffer(&out)
        }
        self.finished = true
        var tail = try await ProxyHandler.offCooperativePool(true) { try transform.finish() }
        whole.writeBuffer(&tail)
        return whole
    }

    /// True once the whole body has been read and the transform finished.
    private var finished = false

    /// Streams the rest of the body through `transform`. The last piece is held back until `beforeFinish` (the access
    /// record) has run: if it throws, the response never completes — the connection is cut short of its end, so no
    /// browser holds a whole answer that has no record.
    func pump(into writer: inout any ResponseBodyWriter, transform: (any ResponseBodyTransform)?,
              beforeFinish: () async throws -> Void = {}) async throws {
        if self.finished {
            try await beforeFinish()
            try await writer.finish(nil)
            return
        }
        var held: ByteBuffer? = nil
        while let chunk = try await self.iterator.next() {
            let out = try transform?.process(chunk) ?? chunk
            guard out.readableBytes > 0 else { continue }
            if let previous = held { try await writer.write(previous) }
            held = out
        }
        if let transform {
            let tail = try transform.finish()
            if tail.readableBytes > 0 {
                if let previous = held { try await writer.write(previous) }
                held = tail
            }
        }
        try await beforeFinish()
        if let held { try await writer.write(held) }
        try await writer.finish(nil)
    }
}

/// Carries a value across a thread hop whose two sides never touch it at the same time.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Carries a per-response transform into the response writer's closure; used by one task at a time.
final class TransformBox: @unchecked Sendable {
    let transform: any ResponseBodyTransform
    init(_ transform: any ResponseBodyTransform) { self.transform = transform }
}
