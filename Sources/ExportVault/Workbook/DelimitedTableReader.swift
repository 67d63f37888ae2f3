/// Reads a CSV or TSV export as it streams, chunk by chunk, into rows of cells.
///
/// Why it exists: seller admins' 엑셀 다운로드 is very often a CSV (UTF-8 with BOM, or EUC-KR/CP949 from older
/// systems) that arrives in arbitrary body chunks; the workbook writer needs whole rows, in order, without holding the
/// export in memory. The result is the same however the input is cut (one byte at a time or all at once).
///
/// Format: RFC 4180 quoting (a quoted cell may hold delimiters, line breaks and doubled quotes); rows end with CRLF,
/// LF or a lone CR. Broken quoting inside the input is read the way Excel reads it (a stray quote in an unquoted cell
/// is kept; text after a closing quote is appended), but a quote still open at the end of the input is an error,
/// since the rest of the export would have vanished into one cell. Empty lines are skipped. Rows may have different
/// numbers of cells ("ragged"); they are returned as they are.
///
/// Row numbers in errors count records (the header is row 1, a quoted line break does not start a new row) and
/// lines count the file's physical lines, so both can be found in an editor.
public struct DelimitedTableReader: Sendable {
    /// The character between cells.
    public enum Delimiter: Sendable, Hashable, CaseIterable {
        case comma, tab, semicolon

        public var byte: UInt8 {
            switch self {
            case .comma: return UInt8(ascii: ",")
            case .tab: return 0x09
            case .semicolon: return UInt8(ascii: ";")
            }
        }

        /// Tab for `text/tab-separated-values` (and its `text/tsv` spelling); nil otherwise (sniff).
        public static func declared(inContentType contentType: String?) -> Delimiter? {
            guard let contentType else { return nil }
            let type = contentType.split(separator: ";").first.map { String($0).workbookTrimmed().lowercased() } ?? ""
            return ["text/tab-separated-values", "text/tsv", "text/x-tsv"].contains(type) ? .tab : nil
        }
    }

    /// A cell longer than a worksheet cell can hold is refused; this also bounds the memory of a quote left open.
    public static let maxCellCharacters = 32_767
    /// Columns a worksheet holds (XFD).
    public static let maxColumns = 16_384
    /// Bytes read at most to find the end of the first row when the delimiter is sniffed.
    static let sniffLimit = 64 * 1024

    private enum State: Sendable {
        case fieldStart, unquoted, quoted, quoteInQuoted
    }

    private var decoder: TableByteDecoder
    private var separator: UInt8?
    private var state: State = .fieldStart
    private var cell: [UInt8] = []
    private var row: [String] = []
    /// Whether the current record has any byte (an empty line is skipped).
    private var recordStarted = false
    private var finished = false
    /// The first error; every later call throws it again (the rows after it would be wrong or missing).
    private var failure: WorkbookError?
    /// Records returned so far; the record being read is `rowCount + 1`.
    public private(set) var rowCount = 0
    /// The physical line being read (1-based).
    private var line = 1
    private var previousWasCR = false
    /// Where the open quote started, for the error.
    private var quoteRow = 0
    private var quoteLine = 0
    // Delimiter sniffing: decoded bytes held until the first row's end.
    private var sniffBuffer: [UInt8] = []
    private var sniffScanned = 0
    private var sniffInQuotes = false
    private var sniffCounts: [Delimiter: Int] = [:]
    private var decoded: [UInt8] = []

    /// - Parameters:
    ///   - encoding: the export's encoding (from the Content-Type's charset), nil to sniff (valid UTF-8 → UTF-8,
    ///     else CP949). A UTF-8 byte order mark always means UTF-8.
    ///   - delimiter: nil to sniff it from the first row (the most frequent of tab, comma and semicolon outside
    ///     quotes; comma when there is none).
    public init(encoding: TableTextEncoding? = nil, delimiter: Delimiter? = nil) {
        self.decoder = TableByteDecoder(encoding: encoding)
        self.separator = delimiter?.byte
    }

    /// Encoding and delimiter from a Content-Type value (`text/csv; charset=euc-kr`, `text/tab-separated-values`).
    public init(contentType: String?) {
        self.init(encoding: TableTextEncoding.declared(inContentType: contentType),
                  delimiter: Delimiter.declared(inContentType: contentType))
    }

    /// The encoding in use: declared, or sniffed once non-ASCII bytes were seen (nil while only ASCII was).
    public var encoding: TableTextEncoding? { self.decoder.encoding }

    /// The delimiter in use: given, or sniffed once the first row ended (nil before).
    public var delimiter: Delimiter? {
        guard let separator else { return nil }
        return Delimiter.allCases.first { $0.byte == separator }
    }

    /// Reads the next bytes of the export and returns the rows completed by them (possibly none). While the
    /// delimiter or the encoding is still being sniffed, rows are held (at most the first row, or the first 4 KiB
    /// after the first non-ASCII byte) and come out with a later call.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(WorkbookError) -> [[String]] {
        guard !self.finished else { throw WorkbookError(.alreadyFinished) }
        if let failure = self.failure { throw failure }
        do throws(WorkbookError) {
            return try self.read(bytes)
        } catch {
            self.failure = error
            throw error
        }
    }

    private mutating func read(_ bytes: some Collection<UInt8>) throws(WorkbookError) -> [[String]] {
        var rows: [[String]] = []
        self.decoded.removeAll(keepingCapacity: true)
        let valid = try withWorkbookInput(bytes) { (b) throws(WorkbookError) in try self.decoder.decode(b, into: &self.decoded) }
        try self.parseDecoded(into: &rows, final: false)
        if !valid { throw self.encodingError() }
        return rows
    }

    /// Ends the input: returns the last row (one without a final line break) and checks that nothing is left open.
    public mutating func finish() throws(WorkbookError) -> [[String]] {
        guard !self.finished else { throw WorkbookError(.alreadyFinished) }
        self.finished = true
        if let failure = self.failure { throw failure }
        do throws(WorkbookError) {
            return try self.readEnd()
        } catch {
            self.failure = error
            throw error
        }
    }

    private mutating func readEnd() throws(WorkbookError) -> [[String]] {
        var rows: [[String]] = []
        self.decoded.removeAll(keepingCapacity: true)
        let valid = try self.decoder.finish(into: &self.decoded)
        try self.parseDecoded(into: &rows, final: true)
        if !valid { throw self.encodingError() }
        switch self.state {
        case .quoted:
            throw WorkbookError(.unterminatedQuote(row: self.quoteRow, line: self.quoteLine))
        case .fieldStart, .unquoted, .quoteInQuoted:
            if self.recordStarted { try self.endRecord(into: &rows) }
        }
        return rows
    }

    private func encodingError() -> WorkbookError {
        WorkbookError(.invalidEncoding(row: self.rowCount + 1, line: self.line, encoding: self.decoder.encoding ?? .utf8))
    }

    /// Runs the decoded bytes through the delimiter sniffer (until it has decided) and the parser.
    private mutating func parseDecoded(into rows: inout [[String]], final: Bool) throws(WorkbookError) {
        if self.separator == nil {
            self.sniffBuffer.append(contentsOf: self.decoded)
            self.decoded.removeAll(keepingCapacity: true)
            guard self.sniffDelimiter(final: final) else { return }
            swap(&self.decoded, &self.sniffBuffer)
            self.sniffBuffer = []
        }
        guard !self.decoded.isEmpty else { return }
        let bytes = self.decoded
        try bytes.withUnsafeBufferPointer { (b) throws(WorkbookError) in try self.parse(b, into: &rows) }
    }

    /// Scans the held bytes for the end of the first row outside quotes; decides there, at `sniffLimit`, or at
    /// the end of the input. Returns whether the delimiter is now known.
    private mutating func sniffDelimiter(final: Bool) -> Bool {
        let limit = min(self.sniffBuffer.count, Self.sniffLimit)
        var index = self.sniffScanned
        var ended = false
        while index < limit {
            let byte = self.sniffBuffer[index]
            index += 1
            if byte == UInt8(ascii: "\"") {
                self.sniffInQuotes.toggle()
            } else if !self.sniffInQuotes {
                if byte == 0x0A || byte == 0x0D {
                    ended = true
                    break
                }
                for delimiter in Delimiter.allCases where delimiter.byte == byte {
                    self.sniffCounts[delimiter, default: 0] += 1
                }
            }
        }
        self.sniffScanned = index
        guard ended || final || index >= Self.sniffLimit else { return false }
        // Most frequent wins; ties go to comma, then tab, then semicolon (the order of `allCases`).
        var best = Delimiter.comma
        for delimiter in Delimiter.allCases where self.sniffCounts[delimiter, default: 0] > self.sniffCounts[best, default: 0] {
            best = delimiter
        }
        self.separator = best.byte
        return true
    }

    private mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, into rows: inout [[String]]) throws(WorkbookError) {
        let separator = self.separator!
        let quote = UInt8(ascii: "\"")
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            // Physical lines: CR, LF and CRLF each end one.
            if byte == 0x0A {
                if !self.previousWasCR { self.line += 1 }
                self.previousWasCR = false
            } else if byte == 0x0D {
                self.line += 1
                self.previousWasCR = true
            } else {
                self.previousWasCR = false
            }
            switch self.state {
            case .fieldStart:
                if byte == quote {
                    self.state = .quoted
                    self.recordStarted = true
                    self.quoteRow = self.rowCount + 1
                    self.quoteLine = self.line
                } else if byte == separator {
                    self.recordStarted = true
                    try self.endCell()
                } else if byte == 0x0A || byte == 0x0D {
                    // The LF of a CRLF arrives here after the CR ended the record: nothing to end.
                    if self.recordStarted { try self.endRecord(into: &rows) }
                } else {
                    self.recordStarted = true
                    self.cell.append(byte)
                    self.state = .unquoted
                }
                index += 1

            case .unquoted:
                // Fast path: copy the run of plain bytes at once.
                var runEnd = index
                while runEnd < count {
                    let b = bytes[runEnd]
                    if b == separator || b == 0x0A || b == 0x0D { break }
                    runEnd += 1
                }
                if runEnd > index {
                    self.cell.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<runEnd]))
                    try self.checkCellLength()
                    // The line counter already saw `byte`; the rest of the run holds no line breaks.
                    index = runEnd
                    continue
                }
                if byte == separator {
                    try self.endCell()
                    self.state = .fieldStart
                } else {
                    try self.endRecord(into: &rows)
                }
                index += 1

            case .quoted:
                if byte == quote {
                    self.state = .quoteInQuoted
                    index += 1
                } else {
                    var runEnd = index + 1
                    while runEnd < count {
                        let b = bytes[runEnd]
                        if b == quote || b == 0x0A || b == 0x0D { break }
                        runEnd += 1
                    }
                    self.cell.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<runEnd]))
                    try self.checkCellLength()
                    index = runEnd
                }

            case .quoteInQuoted:
                if byte == quote {
                    self.cell.append(quote)
                    self.state = .quoted
                } else if byte == separator {
                    try self.endCell()
                    self.state = .fieldStart
                } else if byte == 0x0A || byte == 0x0D {
                    try self.endRecord(into: &rows)
                } else {
                    // `"abc"def`: not RFC 4180; Excel keeps the text after the quote.
                    self.cell.append(byte)
                    self.state = .unquoted
                }
                index += 1
            }
        }
    }

    @inline(__always)
    private mutating func checkCellLength() throws(WorkbookError) {
        // More bytes than 4 per character means more characters than a cell holds.
        if self.cell.count > 4 * Self.maxCellCharacters {
            throw WorkbookError(.cellTooLong(row: self.rowCount + 1, column: self.row.count + 1, limit: Self.maxCellCharacters))
        }
    }

    private mutating func endCell() throws(WorkbookError) {
        guard self.row.count < Self.maxColumns else {
            throw WorkbookError(.tooManyColumns(row: self.rowCount + 1, limit: Self.maxColumns))
        }
        // The decoder has validated the bytes: this is a plain copy.
        self.row.append(String(decoding: self.cell, as: UTF8.self))
        self.cell.removeAll(keepingCapacity: true)
    }

    private mutating func endRecord(into rows: inout [[String]]) throws(WorkbookError) {
        try self.endCell()
        rows.append(self.row)
        self.row = []
        self.row.reserveCapacity(rows.last!.count)
        self.rowCount += 1
        self.recordStarted = false
        self.state = .fieldStart
    }
}
