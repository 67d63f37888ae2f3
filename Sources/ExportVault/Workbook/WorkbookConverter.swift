import Foundation

/// What a finished workbook holds, for the caller's log, audit record or response headers (never cell values:
/// the header names are column titles, not personal data).
public struct ConversionSummary: Sendable, Hashable {
    /// Data rows, the header row not counted.
    public var rowCount: Int
    /// The widest row's cells (header included).
    public var columnCount: Int
    /// The header row's names; empty when the sheet has no header.
    public var header: [String]
    /// The sheet's name as written (after `XLSXBuilder.sanitizedSheetName`).
    public var sheetName: String
    /// The input's encoding as declared or sniffed; nil when the input was plain ASCII or is not text.
    public var encoding: TableTextEncoding?

    public init(rowCount: Int, columnCount: Int, header: [String], sheetName: String, encoding: TableTextEncoding?) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.header = header
        self.sheetName = sheetName
        self.encoding = encoding
    }
}

/// Turns an export's body, fed chunk by chunk as it arrives, into a workbook: a reader for its format and an
/// `XLSXBuilder`.
///
/// Why it exists: the proxy sees an upstream export as a stream of body chunks with a Content-Type; this is the one
/// object it keeps per response: `feed` each chunk, `finish` at the end. Memory stays bounded whatever the export's
/// size (see `XLSXBuilder`). The first row is the header unless told otherwise (an HTML table's own header row,
/// when it has one, is that first row).
public struct WorkbookConverter: ~Copyable, Sendable {
    /// The export's format.
    public enum Source: Sendable, Hashable {
        /// CSV or TSV; the delimiter is sniffed from the first row when nil.
        case delimited(DelimitedTableReader.Delimiter?)
        /// An HTML page or "Excel" export that is an HTML table.
        case html

        /// The format a Content-Type names: `text/csv` (and `application/csv`, `text/plain`),
        /// `text/tab-separated-values`, `text/html`, `application/xhtml+xml`, `application/vnd.ms-excel` (which
        /// admins use for HTML tables). For `application/octet-stream` and unknown types the file name's extension
        /// decides (`.csv`, `.tsv`, `.txt`, `.html`, `.htm`, `.xls`). Nil when neither says.
        public init?(contentType: String?, fileName: String? = nil) {
            let type = contentType?.split(separator: ";").first.map { String($0).workbookTrimmed().lowercased() } ?? ""
            switch type {
            case "text/csv", "application/csv", "text/comma-separated-values", "text/x-csv", "application/x-csv":
                self = .delimited(nil)
            case "text/tab-separated-values", "text/tsv", "text/x-tsv":
                self = .delimited(.tab)
            case "text/plain":
                self = .delimited(nil)
            case "text/html", "application/xhtml+xml", "application/vnd.ms-excel", "application/x-msexcel", "application/excel":
                self = .html
            default:
                let ext = fileName.map { ($0 as NSString).pathExtension.lowercased() } ?? ""
                switch ext {
                case "csv", "txt": self = .delimited(nil)
                case "tsv", "tab": self = .delimited(.tab)
                case "html", "htm", "xls": self = .html
                default: return nil
                }
            }
        }
    }

    private var delimited: DelimitedTableReader?
    private var html: HTMLTableReader?
    private var builder: XLSXBuilder
    private let firstRowIsHeader: Bool
    private var sawFirstRow = false
    private let rowTransform: (@Sendable (inout [String], Int) -> Void)?
    private var rowsSeen = 0
    private var failure: WorkbookError?

    /// - Parameters:
    ///   - source: the export's format.
    ///   - encoding: its charset (from the Content-Type), nil to sniff.
    ///   - sheetName: the sheet's name (made valid for Excel).
    ///   - firstRowIsHeader: whether the first row is the header (bold, frozen, filtered, names the text columns).
    ///   - options: the workbook's options.
    public init(
        source: Source, encoding: TableTextEncoding? = nil, sheetName: String, firstRowIsHeader: Bool = true,
        options: XLSXBuilder.Options = .init()
    ) throws(WorkbookError) {
        switch source {
        case .delimited(let delimiter):
            self.delimited = DelimitedTableReader(encoding: encoding, delimiter: delimiter)
        case .html:
            self.html = HTMLTableReader(encoding: encoding)
        }
        self.firstRowIsHeader = firstRowIsHeader
        self.rowTransform = options.rowTransform
        self.builder = try XLSXBuilder(sheetName: sheetName, options: options)
    }

    /// Format and charset from a response's Content-Type (and its file name, for `application/octet-stream`).
    public init(
        contentType: String?, fileName: String? = nil, sheetName: String, options: XLSXBuilder.Options = .init()
    ) throws(WorkbookError) {
        guard let source = Source(contentType: contentType, fileName: fileName) else {
            throw WorkbookError(.unsupportedFormat("content type \(Self.printable(contentType ?? "(none)"))"))
        }
        try self.init(
            source: source, encoding: TableTextEncoding.declared(inContentType: contentType), sheetName: sheetName,
            options: options)
    }

    /// Reads the next chunk of the export and writes the rows it completes. After an error every later call
    /// throws it again: a workbook missing rows is never produced.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(WorkbookError) {
        if let failure = self.failure { throw failure }
        do throws(WorkbookError) {
            let rows: [[String]]
            if self.delimited != nil {
                rows = try self.delimited!.feed(chunk)
            } else {
                rows = try self.html!.feed(chunk)
            }
            try self.write(rows)
        } catch {
            self.failure = error
            throw error
        }
    }

    /// Ends the export and completes the workbook at `url` (see `XLSXBuilder.finish(to:)`).
    public mutating func finish(to url: URL) throws(WorkbookError) -> ConversionSummary {
        if let failure = self.failure { throw failure }
        do throws(WorkbookError) {
            let encoding = try self.drain()
            var summary = try self.builder.finish(to: url)
            summary.encoding = encoding
            return summary
        } catch {
            self.failure = error
            throw error
        }
    }

    /// Ends the export and returns the workbook's bytes (small exports).
    public mutating func finishData() throws(WorkbookError) -> (data: Data, summary: ConversionSummary) {
        if let failure = self.failure { throw failure }
        do throws(WorkbookError) {
            let encoding = try self.drain()
            var (data, summary) = try self.builder.finishData()
            summary.encoding = encoding
            return (data, summary)
        } catch {
            self.failure = error
            throw error
        }
    }

    private mutating func drain() throws(WorkbookError) -> TableTextEncoding? {
        if self.delimited != nil {
            try self.write(try self.delimited!.finish())
            return self.delimited!.encoding
        }
        try self.write(try self.html!.finish())
        return self.html!.encoding
    }

    private mutating func write(_ rows: [[String]]) throws(WorkbookError) {
        for var row in rows {
            if let transform = self.rowTransform {
                transform(&row, self.rowsSeen)
                self.rowsSeen += 1
            }
            if !self.sawFirstRow {
                self.sawFirstRow = true
                if self.firstRowIsHeader {
                    try self.builder.setHeader(row)
                    continue
                }
            }
            try self.builder.append(row)
        }
    }

    private static func printable(_ text: String) -> String {
        "\"" + String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }).prefix(80)) + "\""
    }
}

/// One-call conversions of a whole export into a workbook file or bytes.
///
/// Why it exists: tests, tools and the proxy's simple paths want "this export → that .xlsx" without driving a
/// `WorkbookConverter` by hand. All of them stream: memory does not grow with the export.
public enum ExportConversion {
    static let readSize = 256 * 1024

    /// A CSV/TSV file → a workbook at `output`.
    public static func xlsx(
        fromCSV input: URL, encoding: TableTextEncoding? = nil, delimiter: DelimitedTableReader.Delimiter? = nil,
        sheetName: String, to output: URL, options: XLSXBuilder.Options = .init()
    ) throws(WorkbookError) -> ConversionSummary {
        var converter = try WorkbookConverter(source: .delimited(delimiter), encoding: encoding, sheetName: sheetName, options: options)
        try self.readChunks(input) { (chunk) throws(WorkbookError) in try converter.feed(chunk) }
        return try converter.finish(to: output)
    }

    /// An HTML table file (or an "Excel" export that is HTML) → a workbook at `output`.
    public static func xlsx(
        fromHTML input: URL, encoding: TableTextEncoding? = nil, sheetName: String, to output: URL,
        options: XLSXBuilder.Options = .init()
    ) throws(WorkbookError) -> ConversionSummary {
        var converter = try WorkbookConverter(source: .html, encoding: encoding, sheetName: sheetName, options: options)
        try self.readChunks(input) { (chunk) throws(WorkbookError) in try converter.feed(chunk) }
        return try converter.finish(to: output)
    }

    /// Byte chunks (any sequence of byte collections) → a workbook at `output`.
    public static func xlsx<Chunks: Sequence>(
        from chunks: Chunks, source: WorkbookConverter.Source, encoding: TableTextEncoding? = nil, sheetName: String,
        to output: URL, options: XLSXBuilder.Options = .init()
    ) throws(WorkbookError) -> ConversionSummary where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        var converter = try WorkbookConverter(source: source, encoding: encoding, sheetName: sheetName, options: options)
        for chunk in chunks { try converter.feed(chunk) }
        return try converter.finish(to: output)
    }

    /// An asynchronous stream of byte chunks (an HTTP body) → a workbook at `output`. Errors of the stream are
    /// rethrown as they are; conversion errors are `WorkbookError`s.
    public static func xlsx<Chunks: AsyncSequence>(
        from chunks: Chunks, source: WorkbookConverter.Source, encoding: TableTextEncoding? = nil, sheetName: String,
        to output: URL, options: XLSXBuilder.Options = .init()
    ) async throws -> ConversionSummary where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        var converter = try WorkbookConverter(source: source, encoding: encoding, sheetName: sheetName, options: options)
        for try await chunk in chunks { try converter.feed(chunk) }
        return try converter.finish(to: output)
    }

    /// A whole (small) export in memory → the workbook's bytes.
    public static func xlsxData(
        from bytes: some Collection<UInt8>, source: WorkbookConverter.Source, encoding: TableTextEncoding? = nil,
        sheetName: String, options: XLSXBuilder.Options = .init()
    ) throws(WorkbookError) -> (data: Data, summary: ConversionSummary) {
        var converter = try WorkbookConverter(source: source, encoding: encoding, sheetName: sheetName, options: options)
        try converter.feed(bytes)
        return try converter.finishData()
    }

    /// Reads a file in chunks with plain POSIX calls (no `FileHandle` buffering surprises, typed errors).
    private static func readChunks(_ url: URL, _ body: (ArraySlice<UInt8>) throws(WorkbookError) -> Void) throws(WorkbookError) {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw WorkbookError(.ioFailure("cannot open \(url.path): \(String(cString: strerror(errno)))"))
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: self.readSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw WorkbookError(.ioFailure("cannot read \(url.path): \(String(cString: strerror(errno)))"))
            }
            if n == 0 { return }
            try body(buffer[0..<n])
        }
    }
}
