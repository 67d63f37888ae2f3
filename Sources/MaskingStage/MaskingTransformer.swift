import Foundation
import GuardProxy
import HTTPTypes
import NIOCore
import PIIMasking

/// The rules the masking stage works with right now: which path is which menu, and each menu's masker.
///
/// Built by the composition from `rules/`; replaced whole on reload (a response keeps the rules it started with).
public struct MaskingRules: Sendable {
    /// The menu a site's path belongs to (id), or nil outside the personal-information menus.
    public let menuForPath: @Sendable (_ site: String, _ path: String) -> String?
    /// The masker of each menu.
    public let maskers: [String: TextMasker]

    public init(menuForPath: @escaping @Sendable (String, String) -> String?, maskers: [String: TextMasker]) {
        self.menuForPath = menuForPath
        self.maskers = maskers
    }
}

/// What one response had masked, for the access records (counts by kind; never values, never the path).
public struct MaskingSummary: Sendable, Equatable {
    public let site: String
    public let menu: String
    public let contentKind: String
    public let tally: MaskTally
}

/// A response the stage refused to pass on (the browser got the 502 page instead): which menu, which kind of body,
/// and why in one word. Never the body.
public struct MaskingRefusal: Sendable, Equatable {
    public let site: String
    public let menu: String
    public let contentKind: String
    public let reason: MaskingError.Kind
}

/// Where summaries and refusals go: the audit trail implements this; until then, the log (counts and kinds only).
public protocol MaskingReportSink: Sendable {
    func record(_ summary: MaskingSummary)
    func record(_ refusal: MaskingRefusal)
}

/// The proxy's `ResponseTransformer` for the personal-information menus: picks the scanner by content type, wraps
/// it in the body's charset and content coding, and fails closed on anything it cannot read.
///
/// Outside the menus, and for bodies that carry no text (images, fonts, CSS, scripts), it returns nil and the body
/// passes untouched. A text type it does not know is masked as plain text, never passed unread.
public struct MaskingTransformer: ResponseTransformer {
    let rules: @Sendable () -> MaskingRules
    let report: any MaskingReportSink

    public init(rules: @escaping @Sendable () -> MaskingRules, report: any MaskingReportSink) {
        self.rules = rules
        self.report = report
    }

    /// How a media type is masked.
    public enum ContentKind: String, Sendable {
        case html, json, csv, tsv, text
    }

    /// Media types that never hold personal data as text, and pass untouched.
    static func passesUntouched(_ mediaType: String) -> Bool {
        if mediaType.hasPrefix("image/") || mediaType.hasPrefix("font/") || mediaType.hasPrefix("audio/")
            || mediaType.hasPrefix("video/")
        {
            return true
        }
        return ["text/css", "application/javascript", "text/javascript", "application/wasm", "application/font-woff",
                "application/pdf", "application/zip", "application/octet-stream",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel"]
            .contains(mediaType)
    }

    public static func contentKind(_ mediaType: String) -> ContentKind? {
        switch mediaType {
        case "text/html", "application/xhtml+xml": return .html
        case "application/json", "application/x-ndjson", "application/ld+json", "text/json": return .json
        case "text/csv", "application/csv": return .csv
        case "text/tab-separated-values": return .tsv
        default:
            if mediaType.hasSuffix("+json") { return .json }
            if self.passesUntouched(mediaType) { return nil }
            return .text  // text/plain, unknown text types, and no type at all
        }
    }

    public func makeTransform(for response: ResponseDescription) throws -> (any ResponseBodyTransform)? {
        let rules = self.rules()
        guard let menu = rules.menuForPath(response.siteName, response.path), let masker = rules.maskers[menu] else {
            return nil
        }
        guard response.method != .head, response.status != .noContent, response.status != .notModified else { return nil }
        guard let kind = Self.contentKind(response.mediaType) else { return nil }
        let report = self.report
        let refuse: @Sendable (MaskingError.Kind) -> Void = { reason in
            report.record(MaskingRefusal(site: response.siteName, menu: menu, contentKind: kind.rawValue, reason: reason))
        }
        do {
            return try MaskingBodyTransform(
                kind: kind, masker: masker, contentType: response.headers[.contentType],
                contentEncoding: response.contentEncoding, site: response.siteName, menu: menu,
                onFinish: { tally in
                    report.record(MaskingSummary(site: response.siteName, menu: menu, contentKind: kind.rawValue, tally: tally))
                },
                onRefuse: refuse)
        } catch {
            refuse(error.kind)
            throw error
        }
    }

    /// A scanner for a content kind.
    public static func bodyMasker(_ kind: ContentKind, masker: TextMasker) -> any BodyMasker {
        switch kind {
        case .html: HTMLBodyMasker(masker: masker)
        case .json: JSONBodyMasker(masker: masker)
        case .csv: DelimitedBodyMasker(masker: masker, separator: UInt8(ascii: ","))
        case .tsv: DelimitedBodyMasker(masker: masker, separator: UInt8(ascii: "\t"))
        case .text: TextBodyMasker(masker: masker)
        }
    }
}

/// One response through the masking stage: decode (content coding, charset) → scanner → encode.
final class MaskingBodyTransform: ResponseBodyTransform {
    let scanner: any BodyMasker
    let coding: ContentCoding?
    let transcoder: Transcoder?
    let onFinish: (MaskTally) -> Void
    let onRefuse: (MaskingError.Kind) -> Void
    let menu: String
    let kind: MaskingTransformer.ContentKind
    let site: String
    /// The summary once finished: the access record's counts and subject keys.
    var summary: MaskingSummary?
    var report: (any Sendable)? { self.summary }

    init(kind: MaskingTransformer.ContentKind, masker: TextMasker, contentType: String?, contentEncoding: String,
         site: String = "", menu: String = "",
         onFinish: @escaping (MaskTally) -> Void, onRefuse: @escaping (MaskingError.Kind) -> Void) throws(MaskingError) {
        self.kind = kind
        self.site = site
        self.menu = menu
        self.scanner = MaskingTransformer.bodyMasker(kind, masker: masker)
        self.coding = try ContentCoding(contentEncoding: contentEncoding)
        self.transcoder = try Transcoder.legacyCharset(contentType).map { charset throws(MaskingError) in
            try Transcoder(charset: charset)
        }
        self.onFinish = onFinish
        self.onRefuse = onRefuse
    }

    /// Reports a refusal to the sink, then lets the proxy fail closed.
    func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MaskingError {
            self.onRefuse(error.kind)
            throw error
        }
    }

    func process(_ chunk: ByteBuffer) throws -> ByteBuffer { try self.reporting { try self.processChunk(chunk) } }

    func finish() throws -> ByteBuffer { try self.reporting { try self.finishBody() } }

    func processChunk(_ chunk: ByteBuffer) throws -> ByteBuffer {
        // Plain UTF-8 (the usual case): the scanner reads the chunk where NIO holds it, no array copy first.
        if self.coding == nil && self.transcoder == nil {
            let masked = try chunk.withUnsafeReadableBytes { raw in
                try raw.withMemoryRebound(to: UInt8.self) { try self.scanner.process(contentsOf: $0) }
            }
            return ByteBuffer(bytes: masked)
        }
        var bytes: [UInt8] = self.coding == nil ? Array(chunk.readableBytesView) : try self.coding!.decode(chunk)
        if let transcoder { bytes = try transcoder.decode(bytes, final: false) }
        var masked = try self.scanner.process(bytes)
        if let transcoder { masked = try transcoder.encode(masked) }
        if let coding { return try coding.encode(masked) }
        return ByteBuffer(bytes: masked)
    }

    func finishBody() throws -> ByteBuffer {
        var bytes: [UInt8] = try self.coding?.finishDecoding() ?? []
        if let transcoder { bytes = try transcoder.decode(bytes, final: true) }
        var masked = try self.scanner.process(bytes)
        masked += try self.scanner.finish()
        if let transcoder { masked = try transcoder.encode(masked) }
        let tally = self.scanner.tally
        self.summary = MaskingSummary(site: self.site, menu: self.menu, contentKind: self.kind.rawValue, tally: tally)
        self.onFinish(tally)
        if let coding { return try coding.finishEncoding(masked) }
        return ByteBuffer(bytes: masked)
    }

    func adjust(headers: inout HTTPFields) {
        // The body differs from what the upstream validated.
        headers[.eTag] = nil
        headers[HTTPField.Name("Content-MD5")!] = nil
        headers[.acceptRanges] = nil
    }
}

/// Keeps the latest summaries in memory (tests; the demo's status until the audit trail exists). Bounded.
public final class RecordingMaskingReport: MaskingReportSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [MaskingSummary] = []
    public let limit: Int

    public init(limit: Int = 1_000) { self.limit = limit }

    public func record(_ summary: MaskingSummary) {
        self.lock.withLock {
            self.stored.append(summary)
            if self.stored.count > self.limit { self.stored.removeFirst(self.stored.count - self.limit) }
        }
    }

    public func record(_ refusal: MaskingRefusal) {
        self.lock.withLock {
            self.refused.append(refusal)
            if self.refused.count > self.limit { self.refused.removeFirst(self.refused.count - self.limit) }
        }
    }

    private var refused: [MaskingRefusal] = []

    public var summaries: [MaskingSummary] { self.lock.withLock { self.stored } }
    public var refusals: [MaskingRefusal] { self.lock.withLock { self.refused } }
}
