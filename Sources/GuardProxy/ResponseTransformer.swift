import HTTPTypes
import NIOCore

/// What a transformer is told about the response it is about to see.
public struct ResponseDescription: Sendable {
    /// The site the request was for.
    public let siteName: String
    /// Request method and path (no query: it may hold personal data).
    public let method: HTTPRequest.Method
    public let path: String
    /// The upstream's status and (already filtered) header fields.
    public let status: HTTPResponse.Status
    public let headers: HTTPFields

    /// What the request gates attached when they let the request through (empty for most requests).
    public let attachments: [any GateAttachment]

    public init(siteName: String, method: HTTPRequest.Method, path: String, status: HTTPResponse.Status, headers: HTTPFields,
                attachments: [any GateAttachment] = []) {
        self.attachments = attachments
        self.siteName = siteName
        self.method = method
        self.path = path
        self.status = status
        self.headers = headers
    }

    /// The media type without parameters, lower-cased (`text/html`), or "" when absent.
    public var mediaType: String {
        guard let value = self.headers[.contentType] else { return "" }
        return value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// The content coding (`gzip`, `deflate`, …), lower-cased; "identity" when absent.
    public var contentEncoding: String {
        self.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased() ?? "identity"
    }
}

/// The seam through which policy (masking, export protection) sees and rewrites response bodies.
///
/// The data path streams: the upstream's body arrives as `ByteBuffer`s, each goes through `process(_:)` and whatever
/// comes out is written to the browser; `finish()` flushes what the transformer held back (a value that might continue
/// in the next chunk). Either may throw: the proxy then fails closed. Before the response head is sent, a failure
/// gives the browser an error page; after it, the connection is cut so that no unprocessed byte goes out.
///
/// One instance serves one response and is used from one task, so it need not be `Sendable`.
public protocol ResponseBodyTransform: AnyObject {
    /// Transforms the next chunk. May return fewer or more bytes, or none.
    func process(_ chunk: ByteBuffer) throws -> ByteBuffer
    /// The end of the body: returns the bytes still held back.
    func finish() throws -> ByteBuffer
    /// Adjusts the response head before it is sent (the proxy has already removed `Content-Length` unless
    /// `preservesLength` is true).
    func adjust(headers: inout HTTPFields)
    /// True when output length always equals input length, so `Content-Length` may be kept.
    var preservesLength: Bool { get }
    /// True when the transform releases its output only at `finish()` (a file converted whole, such as an encrypted
    /// export): the proxy then reads the whole body through it before sending the head, so any failure is still an
    /// error page. Such a transform must bound what it holds itself.
    var deliversAtFinish: Bool { get }
    /// For a transform that delivers at finish: the status to answer with instead of the upstream's (a download
    /// replaced by a redirect to the page that must come first). Read after `finish()`.
    var replacementStatus: HTTPResponse.Status? { get }
    /// What the transform found, for the access records (masking counts and subject keys…); read after `finish()`.
    var report: (any Sendable)? { get }
}

extension ResponseBodyTransform {
    public func adjust(headers: inout HTTPFields) {}
    public var preservesLength: Bool { false }
    public var deliversAtFinish: Bool { false }
    public var replacementStatus: HTTPResponse.Status? { nil }
    public var report: (any Sendable)? { nil }

    /// A whole body in one call: `process` then `finish`.
    public func processWhole(_ body: ByteBuffer) throws -> ByteBuffer {
        var out = try self.process(body)
        var tail = try self.finish()
        out.writeBuffer(&tail)
        return out
    }
}

/// Chooses the transform for a response, by route and content type. Policy modules implement this.
public protocol ResponseTransformer: Sendable {
    /// A new transform for this response, or nil to pass the body through untouched.
    func makeTransform(for response: ResponseDescription) throws -> (any ResponseBodyTransform)?
}

/// Passes every body through untouched. The default until policy plugs in.
public struct IdentityTransformer: ResponseTransformer {
    public init() {}
    public func makeTransform(for response: ResponseDescription) throws -> (any ResponseBodyTransform)? { nil }
}

/// Runs several transforms one after the other (for example: link rewriting, then masking).
final class ChainedTransform: ResponseBodyTransform {
    let stages: [any ResponseBodyTransform]

    init(_ stages: [any ResponseBodyTransform]) { self.stages = stages }

    func process(_ chunk: ByteBuffer) throws -> ByteBuffer {
        var buffer = chunk
        for stage in self.stages { buffer = try stage.process(buffer) }
        return buffer
    }

    func finish() throws -> ByteBuffer {
        // Each stage's tail goes through the stages after it, then those stages finish in turn.
        var carry = ByteBuffer()
        for stage in self.stages {
            var out = try stage.process(carry)
            var tail = try stage.finish()
            out.writeBuffer(&tail)
            carry = out
        }
        return carry
    }

    func adjust(headers: inout HTTPFields) {
        for stage in self.stages { stage.adjust(headers: &headers) }
    }

    var preservesLength: Bool { self.stages.allSatisfy(\.preservesLength) }
    var deliversAtFinish: Bool { self.stages.contains(where: \.deliversAtFinish) }
    var replacementStatus: HTTPResponse.Status? { self.stages.lazy.compactMap(\.replacementStatus).last }
    var report: (any Sendable)? { self.stages.lazy.compactMap(\.report).last }
}
