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
    /// Media types that pass a menu unmasked (images, fonts): exact types or `type/*`. Every other type that is not
    /// masked is refused.
    public let passThroughTypes: [String]

    /// Images and fonts: binary, and never personal data as text. SVG is not among them: it is XML text, masked.
    public static let defaultPassThroughTypes = [
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/x-icon", "image/vnd.microsoft.icon",
        "font/*", "application/font-woff",
    ]

    public init(menuForPath: @escaping @Sendable (String, String) -> String?, maskers: [String: TextMasker],
                passThroughTypes: [String] = MaskingRules.defaultPassThroughTypes) {
        self.menuForPath = menuForPath
        self.maskers = maskers
        self.passThroughTypes = passThroughTypes
    }

    /// Whether `mediaType` (lower-case, no parameters) may pass a menu unmasked.
    public func passesThrough(_ mediaType: String) -> Bool {
        Self.matches(mediaType, self.passThroughTypes)
    }

    static func matches(_ mediaType: String, _ patterns: [String]) -> Bool {
        guard !mediaType.isEmpty else { return false }
        for pattern in patterns {
            if pattern == mediaType { return true }
            if pattern.hasSuffix("/*"), mediaType.hasPrefix(pattern.dropLast()) { return true }
        }
        return false
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
/// Default deny on a menu: a body is masked (HTML, JSON, CSV/TSV, and as plain text every other text type, scripts and
/// JSONP, XML and SVG, or no type at all), or its type is on the rules' pass-through list (images, fonts), or it is
/// refused: `application/octet-stream`, PDFs, archives and any type nobody listed never leave a menu unread. A partial
/// answer (206) is refused too; the gate strips `Range` from menu requests so an honest admin never sends one.
/// Outside the menus it returns nil and the body passes untouched.
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

    /// How a media type (lower-case, no parameters) is masked on a menu, or nil if it is not text.
    public static func contentKind(_ mediaType: String) -> ContentKind? {
        switch mediaType {
        case "text/html", "application/xhtml+xml": return .html
        case "application/json", "application/x-ndjson", "application/ld+json", "text/json": return .json
        case "text/csv", "application/csv": return .csv
        case "text/tab-separated-values": return .tsv
        case "", "application/javascript", "application/x-javascript", "application/ecmascript", "application/xml":
            return .text  // no type at all is read as text: what cannot be read as text is refused there
        default:
            if mediaType.hasSuffix("+json") { return .json }
            if mediaType.hasPrefix("text/") || mediaType.hasSuffix("+xml") { return .text }
            return nil
        }
    }

    public func makeTransform(for response: ResponseDescription) throws -> (any ResponseBodyTransform)? {
        let rules = self.rules()
        guard let menu = rules.menuForPath(response.siteName, response.path), let masker = rules.maskers[menu] else {
            return nil
        }
        guard response.method != .head, response.status != .noContent, response.status != .notModified else { return nil }
        let report = self.report
        if response.status == .partialContent {
            report.record(MaskingRefusal(site: response.siteName, menu: menu, contentKind: "partial", reason: .partialContent))
            throw MaskingError(.partialContent, "a 206 answer on a personal-information menu")
        }
        guard let kind = Self.contentKind(response.mediaType) else {
            if rules.passesThrough(response.mediaType) { return nil }
            report.record(MaskingRefusal(site: response.siteName, menu: menu, contentKind: "other", reason: .unmaskableType))
            throw MaskingError(.unmaskableType, "a media type that is neither masked nor listed in pass_through_types")
        }
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
