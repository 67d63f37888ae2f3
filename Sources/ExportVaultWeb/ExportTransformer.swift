import ExportVault
import Foundation
import GuardProxy
import HTTPTypes
import MaskingStage
import NIOCore
import PIIMasking
import TextEscaping

/// How exports are made right now (from `pii-guard.yaml` and `rules/`; replaced whole on reload).
public struct ExportSettings: Sendable {
    public var limits: ExportPackager.Limits
    public var encryption: AgileEncryptionParameters
    /// Finds the personal-data kinds of a column (header and sample values) for the record, per menu id.
    public var masker: @Sendable (_ menuID: String) -> TextMasker?
    /// The profile whose masking is applied to the cells before encryption, per menu; nil (the default): none,
    /// since shipping needs the full data.
    public var columnMasking: @Sendable (_ menuID: String) -> TextMasker?

    public init(limits: ExportPackager.Limits = .init(), encryption: AgileEncryptionParameters = .init(),
                masker: @escaping @Sendable (String) -> TextMasker? = { _ in nil },
                columnMasking: @escaping @Sendable (String) -> TextMasker? = { _ in nil }) {
        self.limits = limits
        self.encryption = encryption
        self.masker = masker
        self.columnMasking = columnMasking
    }
}

/// The proxy's response transformer with exports first: a download with a ticket becomes an encrypted workbook, a
/// download without one becomes a redirect to the reason page, and everything else goes to `inner` (masking).
public struct ExportTransformer: ResponseTransformer {
    let inner: any ResponseTransformer
    let settings: @Sendable () -> ExportSettings
    let sink: any ExportRecordSink

    public init(inner: any ResponseTransformer, settings: @escaping @Sendable () -> ExportSettings, sink: any ExportRecordSink) {
        self.inner = inner
        self.settings = settings
        self.sink = sink
    }

    public func makeTransform(for response: ResponseDescription) throws -> (any ResponseBodyTransform)? {
        if let order = response.attachments.first(ExportOrder.self) {
            guard response.method == .get, (200..<300).contains(response.status.code), response.status != .noContent,
                  response.status != .partialContent
            else {
                // The admin answered with something else (its login page, an error): not a file; mask it as usual.
                return try self.inner.makeTransform(for: response)
            }
            return try ExportBodyTransform(order: order, response: response, settings: self.settings(), sink: self.sink)
        }
        if let watch = response.attachments.first(DownloadWatch.self), Self.isDownload(response) {
            return ReasonFirstTransform(watch: watch)
        }
        return try self.inner.makeTransform(for: response)
    }

    /// Spreadsheet and CSV media types.
    static let spreadsheetTypes: Set<String> = [
        "text/csv", "application/csv", "text/x-csv", "application/x-csv", "text/comma-separated-values",
        "text/tab-separated-values", "application/vnd.ms-excel", "application/x-msexcel", "application/excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.oasis.opendocument.spreadsheet",
    ]

    /// A spreadsheet or CSV download: a spreadsheet/CSV type, or `Content-Disposition: attachment` for a table-like
    /// or untyped body or a file named like a spreadsheet.
    public static func isDownload(_ response: ResponseDescription) -> Bool {
        guard (200..<300).contains(response.status.code) else { return false }
        let type = response.mediaType
        if Self.spreadsheetTypes.contains(type) { return true }
        guard let disposition = response.headers[.contentDisposition]?.lowercased(),
              disposition.trimmingCharacters(in: .whitespaces).hasPrefix("attachment")
        else { return false }
        if type.isEmpty || type == "application/octet-stream" || type.hasPrefix("text/") { return true }
        let name = ContentDisposition.fileName(response.headers[.contentDisposition] ?? "")?.lowercased() ?? ""
        return [".csv", ".tsv", ".xls", ".xlsx", ".ods"].contains { name.hasSuffix($0) }
    }
}

/// One export response: decode its coding, convert and encrypt (`ExportPackager`), record, deliver.
final class ExportBodyTransform: ResponseBodyTransform {
    let order: ExportOrder
    let response: ResponseDescription
    let sink: any ExportRecordSink
    let coding: ContentCoding?
    let packager: ExportPackager
    let inspector: ColumnInspector
    let fileName: String
    let asciiFileName: String?
    var result: ExportPackager.Result?
    /// The export's record once delivered (also given to the sink): the access record's reason, rows and hash.
    var record: ExportRecord?
    var report: (any Sendable)? { self.record }

    init(order: ExportOrder, response: ResponseDescription, settings: ExportSettings, sink: any ExportRecordSink) throws {
        self.order = order
        self.response = response
        self.sink = sink
        do {
            self.coding = try ContentCoding(contentEncoding: response.contentEncoding, maxDecodedBytes: settings.limits.maxInputBytes)
        } catch {
            sink.record(ExportRefusal(at: order.at, site: order.site, account: order.account, menu: order.menu, path: order.path,
                                      reason: "unsupported_encoding"))
            throw error
        }
        let upstreamName = ContentDisposition.fileName(response.headers[.contentDisposition] ?? "")
        self.fileName = ContentDisposition.workbookName(upstream: upstreamName, path: response.path)
        // The upstream's own ASCII `filename=` (취소관리_….csv → cancels_….csv), as .xlsx, for old browsers.
        self.asciiFileName = ContentDisposition.plainFileName(response.headers[.contentDisposition] ?? "")
            .map { ContentDisposition.workbookName(upstream: $0, path: response.path) }
        let sheet = (self.fileName as NSString).deletingPathExtension
        self.inspector = ColumnInspector(masker: settings.masker(order.menuID), columnMasking: settings.columnMasking(order.menuID))
        var options = XLSXBuilder.Options()
        let inspector = self.inspector
        options.rowTransform = { row, index in inspector.see(&row, index: index) }
        self.packager = ExportPackager(
            contentType: response.headers[.contentType], fileName: upstreamName, sheetName: sheet, password: order.password,
            parameters: settings.encryption, limits: settings.limits, options: options)
    }

    var deliversAtFinish: Bool { true }

    func refuse<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            let code = (error as? ExportError)?.code.rawValue ?? "unreadable"
            self.sink.record(ExportRefusal(at: self.order.at, site: self.order.site, account: self.order.account,
                                           menu: self.order.menu, path: self.order.path, reason: code))
            throw error
        }
    }

    func process(_ chunk: ByteBuffer) throws -> ByteBuffer {
        try self.refuse {
            if let coding = self.coding {
                try self.packager.feed(try coding.decode(chunk))
            } else {
                try self.packager.feed(chunk.readableBytesView)
            }
        }
        return ByteBuffer()
    }

    func finish() throws -> ByteBuffer {
        let result = try self.refuse { () throws -> ExportPackager.Result in
            if let coding = self.coding { try self.packager.feed(try coding.finishDecoding()) }
            return try self.packager.finish()
        }
        self.result = result
        let record = ExportRecord(
            at: self.order.at, site: self.order.site, account: self.order.account, clientAddress: self.order.clientAddress,
            menu: self.order.menu, path: self.order.path, reason: self.order.reason, sourceFormat: result.sourceFormat,
            rowCount: result.rowCount, columns: self.inspector.columns(header: result.header), sha256: result.sha256,
            bytes: result.file.count, fileName: self.fileName, passwordGenerated: self.order.passwordGenerated)
        self.record = record
        self.sink.record(record)
        return ByteBuffer(bytes: result.file)
    }

    func adjust(headers: inout HTTPFields) {
        for name in [HTTPField.Name.contentEncoding, .contentLength, .eTag, .lastModified, .contentRange, .acceptRanges,
                     .contentLanguage, HTTPField.Name("Content-MD5")!] {
            headers[name] = nil
        }
        headers[.contentType] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        headers[.contentDisposition] = ContentDisposition.attachment(self.fileName, asciiFallback: self.asciiFileName)
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if let result { headers[.contentLength] = String(result.file.count) }
        headers.append(HTTPField(name: .setCookie, value: ExportTickets.clearCookie))
    }
}

/// A download the rules did not name, asked for without a reason: the body is dropped unread and the browser sent to
/// the reason page for the same address (a GET), or refused with a page (other methods: they cannot be repeated).
final class ReasonFirstTransform: ResponseBodyTransform {
    let watch: DownloadWatch

    init(watch: DownloadWatch) { self.watch = watch }

    var deliversAtFinish: Bool { true }
    var replacementStatus: HTTPResponse.Status? { self.watch.isGet ? .seeOther : .forbidden }

    func process(_ chunk: ByteBuffer) throws -> ByteBuffer { ByteBuffer() }

    func finish() throws -> ByteBuffer {
        let link = Escape.markup(ExportGate.reasonURL(target: self.watch.target))
        let page = self.watch.isGet
            ? "<!doctype html><meta charset=\"utf-8\"><title>다운로드 사유 입력</title><p><a href=\"\(link)\">다운로드 사유와 파일 비밀번호를 먼저 정해 주세요 · State a download reason and file password first</a></p>"
            : "<!doctype html><meta charset=\"utf-8\"><title>다운로드할 수 없습니다</title><p>개인정보가 담긴 이 파일은 보호된 내보내기로 설정되지 않아 내려받을 수 없습니다. 보안 담당자에게 rules/menus.yaml의 exports에 추가해 달라고 요청해 주세요.</p><p>This file holds personal data and is not set up as a protected export; ask your security team to add it to exports in rules/menus.yaml.</p>"
        return ByteBuffer(string: page)
    }

    func adjust(headers: inout HTTPFields) {
        for name in [HTTPField.Name.contentEncoding, .contentLength, .contentDisposition, .eTag, .lastModified, .contentRange,
                     .acceptRanges] {
            headers[name] = nil
        }
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        if self.watch.isGet { headers[.location] = ExportGate.reasonURL(target: self.watch.target) }
    }
}

/// Finds which personal-data kinds each column holds (by its header and the first rows' values) and applies the
/// optional column masking; used from the conversion's row callback.
final class ColumnInspector: @unchecked Sendable {
    static let sampleRows = 200
    let masker: TextMasker?
    let columnMasking: TextMasker?
    private var header: [String] = []
    private var headerKinds: [PIIKind?] = []
    private var kinds: [Int: Set<PIIKind>] = [:]
    private var masked: Set<Int> = []

    init(masker: TextMasker?, columnMasking: TextMasker?) {
        self.masker = masker
        self.columnMasking = columnMasking
    }

    /// Sees row `index` (0: the header) before it is written; may mask its cells.
    func see(_ row: inout [String], index: Int) {
        if index == 0 {
            self.header = row
            self.headerKinds = row.map { self.masker?.kind(forLabel: $0) }
            for (column, kind) in self.headerKinds.enumerated() { if let kind { self.kinds[column, default: []].insert(kind) } }
            return
        }
        if index <= Self.sampleRows, let masker = self.masker {
            for (column, cell) in row.enumerated() where !cell.isEmpty {
                var copy = cell
                let found = copy.withUTF8 { masker.detections(in: $0, context: FieldContext(label: self.label(column))) }
                for detection in found { self.kinds[column, default: []].insert(detection.kind) }
            }
        }
        if let columnMasking = self.columnMasking {
            for column in row.indices {
                let maskedCell = columnMasking.mask(row[column], label: self.label(column))
                if maskedCell != row[column] {
                    row[column] = maskedCell
                    self.masked.insert(column)
                }
            }
        }
    }

    func label(_ column: Int) -> String? { column < self.header.count ? self.header[column] : nil }

    func columns(header: [String]) -> [ExportRecord.Column] {
        let names = header.isEmpty ? self.header : header
        let count = max(names.count, (self.kinds.keys.max() ?? -1) + 1)
        return (0..<count).map { column in
            ExportRecord.Column(index: column, header: column < names.count ? names[column] : "",
                                kinds: (self.kinds[column] ?? []).map(\.rawValue).sorted(), masked: self.masked.contains(column))
        }
    }
}

/// RFC 6266 `Content-Disposition`: reading the upstream's file name, writing ours.
enum ContentDisposition {
    /// The file name a `Content-Disposition` names (`filename*` UTF-8 first, then `filename`).
    static func fileName(_ value: String) -> String? {
        var plain: String?
        for part in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let lower = part.lowercased()
            if lower.hasPrefix("filename*=") {
                let encoded = part.dropFirst("filename*=".count)
                let pieces = encoded.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if pieces.count == 3, let decoded = String(pieces[2]).removingPercentEncoding, !decoded.isEmpty {
                    return Self.safe(decoded)
                }
            } else if lower.hasPrefix("filename=") {
                var name = String(part.dropFirst("filename=".count))
                if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
                plain = name.replacingOccurrences(of: "\\\"", with: "\"")
            }
        }
        return plain.map(Self.safe).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The plain `filename=` value alone (the ASCII fallback an admin sends beside `filename*`).
    static func plainFileName(_ value: String) -> String? {
        for part in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
        where part.lowercased().hasPrefix("filename=") {
            var name = String(part.dropFirst("filename=".count))
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            let safe = Self.safe(name)
            return safe.isEmpty || !safe.unicodeScalars.allSatisfy(\.isASCII) ? nil : safe
        }
        return nil
    }

    /// A name without directories or control characters.
    static func safe(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
    }

    /// The delivered name: the upstream's (or the path's last segment) with `.xlsx` for its extension.
    static func workbookName(upstream: String?, path: String) -> String {
        var base = upstream ?? Self.safe(String(path.split(separator: "/").last ?? ""))
        if base.isEmpty { base = "export" }
        let stem = (base as NSString).deletingPathExtension
        return (stem.isEmpty ? "export" : stem) + ".xlsx"
    }

    /// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded`.
    static func attachment(_ name: String, asciiFallback: String? = nil) -> String {
        let ascii = String((asciiFallback ?? name).unicodeScalars.map {
            $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_"
        })
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(0x80)))
        allowed.insert(charactersIn: "!#$&+-.^_`|~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
