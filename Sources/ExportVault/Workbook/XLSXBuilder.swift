import Foundation
import ZIPFoundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one-sheet Office Open XML workbooks (.xlsx) row by row, with memory that does not grow with the rows.
///
/// Why it exists: an export turned into a workbook must keep what a CSV opened in Excel loses (leading zeros of
/// phones, postal codes and order numbers; long digit strings shown as 2.02611E+15), and it may hold a hundred
/// thousand rows, so it cannot be built in memory.
///
/// How: the first `widthSampleRows` data rows are held to size the columns (`<cols>` must come before
/// `<sheetData>`); from then on every row is written straight to an unnamed temporary file (created 0600 and
/// unlinked at once, so personal data is never left behind on disk, even after a crash); `finish` deflates that
/// file into the archive with ZIPFoundation, reading it back in chunks.
///
/// Cells are inline strings (`t="inlineStr"`), not a shared-strings table: a shared-strings table must be complete
/// before it is written and be looked up while rows are written, so it would hold every distinct value in memory,
/// and an export's values (names, phones, addresses, order numbers) are nearly all distinct, so it would save
/// almost nothing in the (deflated) file either.
///
/// Content: the header row bold, frozen and with an autofilter; column widths from the widest value (Hangul,
/// CJK and full-width characters count double, capped); a value is a number only when it is a plain integer or
/// decimal without a leading zero and at most 15 significant digits (Excel's precision), and its column is not an
/// identifier column (phone, postal code, order, tracking or account number, by header keyword); everything else
/// is text with the "@" format. Line breaks in cells become LF (Excel's own), characters XML 1.0 forbids are
/// dropped.
public struct XLSXBuilder: ~Copyable, Sendable {
    /// Choices a caller may change; the defaults suit Korean seller-admin exports.
    public struct Options: Sendable {
        /// A column whose header contains one of these (ignoring case, spaces, `_`, `-` and `.`) is always text.
        public var textColumnKeywords: [String]
        /// Data rows looked at to size the columns (and held in memory until then).
        public var widthSampleRows: Int
        /// Widest column, in Excel's width units (about one Latin character each).
        public var maxColumnWidth: Double
        /// Where the temporary sheet file lives; the system's temporary directory when nil.
        public var temporaryDirectory: URL?
        /// `dc:creator` of the workbook's properties.
        public var creator: String
        /// Creation date in the properties and the archive; now when nil.
        public var created: Date?
        /// Sees each row before `WorkbookConverter` writes it (0: the header), and may change its cells: the proxy
        /// notes which columns hold which kinds of personal data and applies a rule's column masking here.
        public var rowTransform: (@Sendable (_ row: inout [String], _ index: Int) -> Void)?

        /// Identifier columns of Korean admin exports (and their English spellings).
        public static let defaultTextColumnKeywords: [String] = [
            "연락처", "전화", "휴대폰", "핸드폰", "휴대전화", "우편번호", "우편", "주문번호", "송장번호", "운송장", "계좌",
            "사업자", "주민", "카드번호", "상품번호", "상품코드", "바코드", "번호", "코드",
            "phone", "mobile", "zip", "postal", "postcode", "order no", "order number", "order id", "tracking",
            "account", "invoice", "barcode", "sku",
        ]

        public init(
            textColumnKeywords: [String] = Options.defaultTextColumnKeywords, widthSampleRows: Int = 1000,
            maxColumnWidth: Double = 60, temporaryDirectory: URL? = nil, creator: String = "pii-guard", created: Date? = nil
        ) {
            self.textColumnKeywords = textColumnKeywords
            self.widthSampleRows = max(0, widthSampleRows)
            self.maxColumnWidth = max(4, maxColumnWidth)
            self.temporaryDirectory = temporaryDirectory
            self.creator = creator
            self.created = created
        }
    }

    /// Rows a worksheet holds.
    public static let maxRows = 1_048_576
    /// Columns a worksheet holds (XFD).
    public static let maxColumns = 16_384
    /// Characters (UTF-16 code units) a cell holds.
    public static let maxCellCharacters = 32_767

    /// The sheet's name as written: `sanitizedSheetName` of the name asked for.
    public let sheetName: String
    private let options: Options
    private let keywords: [String]
    private var fd: Int32
    private var written: Int64 = 0
    private var buffer: [UInt8] = []
    private var header: [String]?
    private var textColumns: [Bool] = []
    private var sample: [[String]] = []
    private var headWritten = false
    private var dimensionOffset: Int64 = 0
    private var sheetRow = 0
    private var dataRows = 0
    private var widestRow = 0
    private var columnRefs: [[UInt8]] = []
    private var finished = false

    private static let flushSize = 1 << 20
    private static let dimensionSpace = 32

    /// Opens the temporary sheet file. `sheetName` is made valid for Excel (`sanitizedSheetName`).
    public init(sheetName: String, options: Options = Options()) throws(WorkbookError) {
        self.sheetName = Self.sanitizedSheetName(sheetName)
        self.options = options
        self.keywords = options.textColumnKeywords.map(Self.normalizedHeader).filter { !$0.isEmpty }
        let directory = options.temporaryDirectory ?? FileManager.default.temporaryDirectory
        var template = Array(directory.appendingPathComponent("pii-guard-sheet-XXXXXX").path.utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw WorkbookError(.ioFailure("cannot create a temporary file in \(directory.path): \(Self.systemError())"))
        }
        // Unnamed from now on: the file vanishes with the descriptor, whatever happens.
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        self.fd = fd
        self.buffer.reserveCapacity(Self.flushSize + 64 * 1024)
    }

    deinit {
        if self.fd >= 0 { close(self.fd) }
    }

    /// Sets the header row (sheet row 1: bold, frozen, filtered; its names choose the text columns). Call it
    /// before the first `append`, or never for a sheet without a header.
    public mutating func setHeader(_ header: [String]) throws(WorkbookError) {
        guard !self.finished else { throw WorkbookError(.alreadyFinished) }
        precondition(self.header == nil && self.dataRows == 0, "XLSXBuilder.setHeader must come before the rows, once")
        try self.check(header, row: 1)
        self.header = header
        self.textColumns = header.map { self.isTextColumn($0) }
    }

    /// Appends one data row; cells beyond the header's width are kept (untyped columns), missing ones are empty.
    public mutating func append(_ row: [String]) throws(WorkbookError) {
        guard !self.finished else { throw WorkbookError(.alreadyFinished) }
        let rowNumber = (self.header == nil ? 0 : 1) + self.dataRows + 1
        guard rowNumber <= Self.maxRows else { throw WorkbookError(.tooManyRows(limit: Self.maxRows)) }
        try self.check(row, row: rowNumber)
        self.dataRows += 1
        self.widestRow = max(self.widestRow, row.count)
        if self.headWritten {
            self.writeRow(row, header: false)
            if self.buffer.count >= Self.flushSize { try self.flush() }
        } else {
            self.sample.append(row)
            if self.sample.count >= self.options.widthSampleRows { try self.writeHead() }
        }
    }

    /// Data rows appended so far.
    public var rowCount: Int { self.dataRows }

    /// Completes the workbook at `url` (replacing a file there) and returns what it holds. The file appears only
    /// when complete (written beside it, then renamed) and is created readable by its owner only.
    public mutating func finish(to url: URL) throws(WorkbookError) -> ConversionSummary {
        guard !self.finished else { throw WorkbookError(.alreadyFinished) }
        self.finished = true
        defer { self.closeFile() }
        try self.completeSheet()
        let directory = url.deletingLastPathComponent()
        let partial = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        do throws(WorkbookError) {
            try self.writeArchive(at: partial)
            guard rename(partial.path, url.path) == 0 else {
                throw WorkbookError(.ioFailure("cannot move the workbook into place at \(url.path): \(Self.systemError())"))
            }
        } catch {
            unlink(partial.path)
            throw error
        }
        return self.summary
    }

    /// Completes the workbook and returns its bytes (for small exports: the whole file is in memory).
    public mutating func finishData() throws(WorkbookError) -> (data: Data, summary: ConversionSummary) {
        let directory = self.options.temporaryDirectory ?? FileManager.default.temporaryDirectory
        let url = directory.appendingPathComponent("pii-guard-workbook-\(UUID().uuidString).xlsx")
        let summary = try self.finish(to: url)
        defer { unlink(url.path) }
        do {
            return (try Data(contentsOf: url), summary)
        } catch {
            throw WorkbookError(.ioFailure("cannot read back the workbook at \(url.path): \(error.localizedDescription)"))
        }
    }

    private var summary: ConversionSummary {
        ConversionSummary(
            rowCount: self.dataRows, columnCount: max(self.header?.count ?? 0, self.widestRow), header: self.header ?? [],
            sheetName: self.sheetName, encoding: nil)
    }

    private mutating func closeFile() {
        if self.fd >= 0 {
            close(self.fd)
            self.fd = -1
        }
        self.buffer = []
        self.sample = []
    }

    // MARK: - Checks

    private func check(_ row: [String], row number: Int) throws(WorkbookError) {
        guard row.count <= Self.maxColumns else { throw WorkbookError(.tooManyColumns(row: number, limit: Self.maxColumns)) }
        for (column, value) in row.enumerated() where value.utf8.count > Self.maxCellCharacters {
            if value.utf16.count > Self.maxCellCharacters {
                throw WorkbookError(.cellTooLong(row: number, column: column + 1, limit: Self.maxCellCharacters))
            }
        }
    }

    // MARK: - Sheet XML

    private mutating func writeHead() throws(WorkbookError) {
        self.headWritten = true
        self.put("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")
        self.put("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" ")
        self.put("xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">")
        // The used range is known only at the end: room is kept here and overwritten then.
        self.dimensionOffset = self.written + Int64(self.buffer.count)
        self.buffer.append(contentsOf: Self.dimension(columns: 1, rows: 1))
        self.put("<sheetViews><sheetView workbookViewId=\"0\" tabSelected=\"1\">")
        if self.header != nil {
            self.put("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>")
            self.put("<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/>")
        }
        self.put("</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"16.5\"/>")
        let widths = self.columnWidths()
        if widths.contains(where: { $0 != nil }) {
            self.put("<cols>")
            for (index, width) in widths.enumerated() {
                guard let width else { continue }
                let formatted = String(format: "%.2f", width)
                self.buffer.append(contentsOf: "<col min=\"\(index + 1)\" max=\"\(index + 1)\" width=\"\(formatted)\" customWidth=\"1\"/>".utf8)
            }
            self.put("</cols>")
        }
        self.put("<sheetData>")
        if let header = self.header { self.writeRow(header, header: true) }
        let sample = self.sample
        self.sample = []
        for row in sample {
            self.writeRow(row, header: false)
            if self.buffer.count >= Self.flushSize { try self.flush() }
        }
    }

    private mutating func completeSheet() throws(WorkbookError) {
        if !self.headWritten { try self.writeHead() }
        self.put("</sheetData>")
        let columns = max(self.header?.count ?? 0, self.widestRow)
        if let header = self.header, !header.isEmpty {
            let range = "A1:\(ColumnName.letters(header.count - 1))\(self.sheetRow)"
            self.buffer.append(contentsOf: "<autoFilter ref=\"\(range)\"/>".utf8)
        }
        self.put("<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>")
        if columns > 0, self.sheetRow > 0 {
            // Phones and postal codes are text on purpose: no "number stored as text" warning on every cell.
            let range = "A1:\(ColumnName.letters(columns - 1))\(self.sheetRow)"
            self.buffer.append(contentsOf: "<ignoredErrors><ignoredError sqref=\"\(range)\" numberStoredAsText=\"1\"/></ignoredErrors>".utf8)
        }
        self.put("</worksheet>")
        try self.flush()
        let dimension = Self.dimension(columns: max(columns, 1), rows: max(self.sheetRow, 1))
        let status = dimension.withUnsafeBytes { pwrite(self.fd, $0.baseAddress, $0.count, off_t(self.dimensionOffset)) }
        guard status == dimension.count else {
            throw WorkbookError(.ioFailure("cannot write the temporary sheet file: \(Self.systemError())"))
        }
    }

    /// `<dimension ref="A1:O100001"/>` padded with spaces to a fixed size.
    private static func dimension(columns: Int, rows: Int) -> [UInt8] {
        let ref = columns == 1 && rows == 1 ? "A1" : "A1:\(ColumnName.letters(columns - 1))\(rows)"
        var bytes = Array("<dimension ref=\"\(ref)\"/>".utf8)
        bytes.append(contentsOf: repeatElement(0x20, count: max(0, dimensionSpace - bytes.count)))
        return bytes
    }

    private func columnWidths() -> [Double?] {
        var units: [Int] = []
        func measure(_ row: [String], extra: Int) {
            if units.count < row.count { units.append(contentsOf: repeatElement(0, count: row.count - units.count)) }
            for (index, value) in row.enumerated() where !value.isEmpty {
                units[index] = max(units[index], Self.displayWidth(value) + extra)
            }
        }
        // The header's filter button takes about two characters.
        if let header = self.header { measure(header, extra: 2) }
        for row in self.sample { measure(row, extra: 0) }
        return units.map { $0 == 0 ? nil : min(Double($0) + 1.7, self.options.maxColumnWidth) }
    }

    @inline(__always)
    private mutating func put(_ text: StaticString) {
        self.buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func columnRef(_ index: Int) -> [UInt8] {
        while self.columnRefs.count <= index {
            self.columnRefs.append(Array(ColumnName.letters(self.columnRefs.count).utf8))
        }
        return self.columnRefs[index]
    }

    /// Styles (see `stylesXML`): 1 header, 2 text, 3 long integer ("0"), 4 text with line breaks (wrapped).
    private mutating func writeRow(_ row: [String], header: Bool) {
        self.sheetRow += 1
        guard row.contains(where: { !$0.isEmpty }) else { return }
        var digits: [UInt8] = []
        var n = self.sheetRow
        while n > 0 {
            digits.append(UInt8(0x30 + n % 10))
            n /= 10
        }
        digits.reverse()
        self.put("<row r=\"")
        self.buffer.append(contentsOf: digits)
        self.put("\">")
        for (index, value) in row.enumerated() where !value.isEmpty {
            let ref = self.columnRef(index)
            var value = value
            value.withUTF8 { bytes in
                self.put("<c r=\"")
                self.buffer.append(contentsOf: ref)
                self.buffer.append(contentsOf: digits)
                if !header, !(index < self.textColumns.count && self.textColumns[index]), let number = Self.numberKind(bytes) {
                    self.put(number == .longInteger ? "\" s=\"3\"><v>" : "\"><v>")
                    self.buffer.append(contentsOf: bytes)
                    self.put("</v></c>")
                    return
                }
                if header {
                    self.put("\" s=\"1\" t=\"inlineStr\"><is>")
                } else if bytes.contains(0x0A) || bytes.contains(0x0D) {
                    self.put("\" s=\"4\" t=\"inlineStr\"><is>")
                } else {
                    self.put("\" s=\"2\" t=\"inlineStr\"><is>")
                }
                let edge: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
                if edge(bytes[0]) || edge(bytes[bytes.count - 1]) {
                    self.put("<t xml:space=\"preserve\">")
                } else {
                    self.put("<t>")
                }
                Self.appendEscaped(bytes, to: &self.buffer)
                self.put("</t></is></c>")
            }
        }
        self.put("</row>")
    }

    /// XML text: `&`, `<`, `>` escaped; CRLF and CR as LF; characters XML 1.0 forbids (control characters but tab
    /// and LF, U+FFFE, U+FFFF) dropped; a literal `_xHHHH_` protected as `_x005F_xHHHH_` (Excel would read it as an
    /// escaped character).
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let count = bytes.count
        var runStart = 0
        var index = 0
        while index < count {
            let byte = bytes[index]
            let special = byte < 0x20 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || byte == 0xEF || byte == UInt8(ascii: "_")
            if !special {
                index += 1
                continue
            }
            if index > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            var skip = 1
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
            case UInt8(ascii: "<"): out.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
            case UInt8(ascii: ">"): out.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
            case 0x09, 0x0A: out.append(byte)
            case 0x0D:
                out.append(0x0A)
                if index + 1 < count, bytes[index + 1] == 0x0A { skip = 2 }
            case 0xEF:
                if index + 2 < count, bytes[index + 1] == 0xBF, bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF {
                    skip = 3
                } else {
                    out.append(byte)
                }
            case UInt8(ascii: "_"):
                if isEscapeLookalike(bytes, at: index) { out.append(contentsOf: Array("_x005F".utf8)) }
                out.append(byte)
            default:
                break  // other control characters: not allowed in XML 1.0
            }
            index += skip
            runStart = index
        }
        if count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
    }

    /// `_x` + four hex digits + `_` at `index`.
    private static func isEscapeLookalike(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"), bytes[index + 6] == UInt8(ascii: "_") else { return false }
        for i in (index + 2)...(index + 5) {
            let b = bytes[i] | 0x20
            guard (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) else { return false }
        }
        return true
    }

    private mutating func flush() throws(WorkbookError) {
        guard !self.buffer.isEmpty else { return }
        let fd = self.fd
        let ok = self.buffer.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        guard ok else { throw WorkbookError(.ioFailure("cannot write the temporary sheet file: \(Self.systemError())")) }
        self.written += Int64(self.buffer.count)
        self.buffer.removeAll(keepingCapacity: true)
    }

    // MARK: - Archive

    private func writeArchive(at url: URL) throws(WorkbookError) {
        // An empty archive (just the end-of-central-directory record), created owner-only before any data goes in.
        let out = open(url.path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard out >= 0 else { throw WorkbookError(.ioFailure("cannot create the workbook at \(url.path): \(Self.systemError())")) }
        let empty: [UInt8] = [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)
        let wrote = empty.withUnsafeBytes { write(out, $0.baseAddress, $0.count) }
        close(out)
        guard wrote == empty.count else { throw WorkbookError(.ioFailure("cannot write the workbook at \(url.path): \(Self.systemError())")) }

        let date = self.options.created ?? Date()
        let sheetSize = self.written
        let fd = self.fd
        do {
            let archive = try Archive(url: url, accessMode: .update)
            func add(_ path: String, _ text: String) throws {
                let data = Data(text.utf8)
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date,
                    compressionMethod: .deflate
                ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
            }
            try add("[Content_Types].xml", WorkbookParts.contentTypes)
            try add("_rels/.rels", WorkbookParts.rootRelationships)
            try add("docProps/core.xml", WorkbookParts.core(creator: self.options.creator, date: date))
            try add("docProps/app.xml", WorkbookParts.app)
            try add("xl/workbook.xml", WorkbookParts.workbook(sheetName: self.sheetName, filter: self.filterRange))
            try add("xl/_rels/workbook.xml.rels", WorkbookParts.workbookRelationships)
            try add("xl/styles.xml", WorkbookParts.styles)
            try archive.addEntry(
                with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: sheetSize, modificationDate: date,
                compressionMethod: .deflate, bufferSize: 256 * 1024
            ) { position, size in
                var chunk = Data(count: size)
                let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, off_t(position)) }
                guard read == size else { throw WorkbookError(.ioFailure("cannot read back the temporary sheet file: \(Self.systemError())")) }
                return chunk
            }
        } catch let error as WorkbookError {
            throw error
        } catch {
            throw WorkbookError(.ioFailure("cannot write the workbook at \(url.path): \(error)"))
        }
    }

    /// The autofilter's range for the workbook's hidden `_FilterDatabase` name, nil without a header.
    private var filterRange: String? {
        guard let header = self.header, !header.isEmpty else { return nil }
        let last = ColumnName.letters(header.count - 1)
        return "$A$1:$\(last)$\(self.sheetRow)"
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }

    // MARK: - Rules (public so callers and tests can see the same decisions)

    /// A name Excel accepts for a sheet: `[ ] : * ? / \` replaced, control characters dropped, no apostrophe at
    /// either end, at most 31 characters, not empty ("Sheet1"), not the reserved "History".
    public static func sanitizedSheetName(_ name: String) -> String {
        var cleaned = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "/", "\\", ":": cleaned.unicodeScalars.append("-")
            case "[": cleaned.unicodeScalars.append("(")
            case "]": cleaned.unicodeScalars.append(")")
            case "*", "?": cleaned.unicodeScalars.append("_")
            default:
                if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) || scalar.value == 0xFFFE
                    || scalar.value == 0xFFFF
                {
                    continue
                }
                cleaned.unicodeScalars.append(scalar)
            }
        }
        cleaned = cleaned.workbookTrimmed()
        while cleaned.hasPrefix("'") { cleaned.removeFirst() }
        while cleaned.hasSuffix("'") { cleaned.removeLast() }
        var limited = ""
        for character in cleaned {
            guard limited.utf16.count + character.utf16.count <= 31 else { break }
            limited.append(character)
        }
        while limited.hasSuffix("'") || limited.hasSuffix(" ") { limited.removeLast() }
        if limited.isEmpty { return "Sheet1" }
        if limited.lowercased() == "history" { return limited + "_" }
        return limited
    }

    /// Whether a header names an identifier column (always text) under `keywords`.
    public static func isTextColumn(header: String, keywords: [String] = Options.defaultTextColumnKeywords) -> Bool {
        let name = normalizedHeader(header)
        return keywords.contains { keyword in
            let k = normalizedHeader(keyword)
            return !k.isEmpty && name.contains(k)
        }
    }

    private func isTextColumn(_ header: String) -> Bool {
        let name = Self.normalizedHeader(header)
        return self.keywords.contains { name.contains($0) }
    }

    private static func normalizedHeader(_ text: String) -> String {
        String(String.UnicodeScalarView(text.lowercased().unicodeScalars.filter {
            !$0.properties.isWhitespace && $0 != "_" && $0 != "-" && $0 != "."
        }))
    }

    /// Whether a value is written as a number (outside identifier columns): `-?(0|[1-9][0-9]*)(\.[0-9]+)?` with at
    /// most 15 significant digits, and not a negative zero.
    public static func isPlainNumber(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { numberKind($0) != nil }
    }

    enum NumberKind { case number, longInteger }

    /// `.longInteger` for integers of 12 digits or more, which Excel's General format would show as 1.23457E+11.
    static func numberKind(_ bytes: UnsafeBufferPointer<UInt8>) -> NumberKind? {
        var index = 0
        let count = bytes.count
        guard count > 0, count <= 40 else { return nil }
        if bytes[0] == UInt8(ascii: "-") { index = 1 }
        let integerStart = index
        while index < count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        let integerDigits = index - integerStart
        guard integerDigits > 0 else { return nil }
        if integerDigits > 1, bytes[integerStart] == 0x30 { return nil }  // leading zero: 010…, 06236
        var fractionDigits = 0
        if index < count {
            guard bytes[index] == UInt8(ascii: ".") else { return nil }
            index += 1
            let fractionStart = index
            while index < count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            fractionDigits = index - fractionStart
            guard fractionDigits > 0, index == count else { return nil }
        }
        // Significant digits: all digits without the leading zeros (0.000123 has 3).
        var significant = 0
        var leading = true
        var allZero = true
        for i in integerStart..<count where bytes[i] != UInt8(ascii: ".") {
            if bytes[i] != 0x30 { allZero = false }
            if leading, bytes[i] == 0x30 { continue }
            leading = false
            significant += 1
        }
        guard significant <= 15 else { return nil }
        if allZero, integerStart == 1 { return nil }  // "-0" would lose its sign
        return fractionDigits == 0 && integerDigits >= 12 ? .longInteger : .number
    }

    /// Width of a value in Excel's units: its longest line, Hangul, CJK and full-width characters counting 2.
    public static func displayWidth(_ value: String) -> Int {
        var widest = 0
        var current = 0
        for scalar in value.unicodeScalars {
            let v = scalar.value
            if v == 0x0A {
                widest = max(widest, current)
                current = 0
                continue
            }
            switch v {
            case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: continue  // combining, zero width
            case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
                0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
                0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
                current += 2
            default:
                current += 1
            }
        }
        return max(widest, current)
    }
}

/// The fixed parts of the package and the few that name the sheet.
enum WorkbookParts {
    static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
        <Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
        </Types>
        """

    static let rootRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>\
        </Relationships>
        """

    static let workbookRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        </Relationships>
        """

    /// cellXfs: 0 General, 1 header (bold, shaded, text), 2 text ("@"), 3 integer ("0"), 4 text wrapped.
    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="2"><font><sz val="11"/><name val="맑은 고딕"/><family val="2"/><charset val="129"/></font>\
        <font><b/><sz val="11"/><name val="맑은 고딕"/><family val="2"/><charset val="129"/></font></fonts>\
        <fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
        <fill><patternFill patternType="solid"><fgColor rgb="FFF2F2F2"/><bgColor indexed="64"/></patternFill></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1"/>\
        <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyAlignment="1">\
        <alignment vertical="top" wrapText="1"/></xf></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """

    static func workbook(sheetName: String, filter: String?) -> String {
        var names = ""
        if let filter {
            let quoted = "'" + sheetName.replacingOccurrences(of: "'", with: "''") + "'!" + filter
            names = "<definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">"
                + xmlEscaped(quoted) + "</definedName></definedNames>"
        }
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <bookViews><workbookView activeTab="0"/></bookViews>\
            <sheets><sheet name="\(xmlEscaped(sheetName))" sheetId="1" r:id="rId1"/></sheets>\(names)</workbook>
            """
    }

    static func core(creator: String, date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let stamp = formatter.string(from: date)
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
            xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
            <dc:creator>\(xmlEscaped(creator))</dc:creator>\
            <dcterms:created xsi:type="dcterms:W3CDTF">\(stamp)</dcterms:created>\
            <dcterms:modified xsi:type="dcterms:W3CDTF">\(stamp)</dcterms:modified>\
            </cp:coreProperties>
            """
    }

    static let app = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
        <Application>pii-guard</Application></Properties>
        """

    static func xmlEscaped(_ text: String) -> String {
        var out: [UInt8] = []
        var text = text
        text.withUTF8 { XLSXBuilder.appendEscaped($0, to: &out) }
        return String(decoding: out, as: UTF8.self).replacingOccurrences(of: "\"", with: "&quot;")
    }
}
