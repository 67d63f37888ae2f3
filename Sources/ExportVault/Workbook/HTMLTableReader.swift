/// Reads the data table out of an HTML page or an "Excel" export that is really HTML, as it streams.
///
/// Why it exists: many admins' 엑셀 다운로드 send an HTML `<table>` labelled `application/vnd.ms-excel` (Excel opens
/// it, with a warning, and loses leading zeros); to turn it into a real workbook the table must be read back into
/// rows, from body chunks, without holding the page.
///
/// Which table: the first one with a header row (rows in `<thead>`, or a row of `<th>` cells only), with the header
/// as the first row returned (`headerDetected`); rows above the header (a title row) are dropped, and when several
/// header rows follow each other the last (most specific) one is used. A table that shows no header within its
/// first 100 rows is taken as it is. If no table has a header, the first table with rows is returned. Everything
/// after the chosen table is ignored. Rows of a table nested inside a cell belong to that inner table, not to the
/// cell.
///
/// Cells: `<th>` and `<td>` text with tags stripped, character references decoded (`&amp;`, `&#44032;`,
/// `&#xAC00;`, the common named ones), whitespace collapsed as a browser shows it (`&nbsp;` counts as a space),
/// `<br>` as a line break (and `<p>`/`<div>`/`<li>` boundaries too). `colspan` repeats as empty cells so the columns
/// stay aligned. `<script>`, `<style>` and comments are skipped. The charset is declared by the caller or sniffed
/// from the bytes like CSV (a `<meta charset>` is not consulted: it only ever chooses between the same two
/// encodings, and admins' pages often carry a stale one).
///
/// Row numbers in errors count the table rows (`<tr>`) seen so far in the page, plus one; lines are the page's.
public struct HTMLTableReader: Sendable {
    public static let maxCellCharacters = DelimitedTableReader.maxCellCharacters
    public static let maxColumns = DelimitedTableReader.maxColumns
    /// Rows of a table without a header held before the table is taken anyway.
    static let pendingRowLimit = 100
    /// Bytes of a tag kept (enough for the name and `colspan`; the rest of a huge tag is skipped).
    static let tagLimit = 4096

    private enum Lexer: Sendable, Equatable {
        case text, tagOpen, tag, comment, rawText
    }

    private struct Table: Sendable {
        let ordinal: Int
        var inHead = false
        var rowOpen = false
        var cells: [String] = []
        var onlyHeaderCells = true
        var cell: [UInt8]?
        var cellIsHeader = false
        var cellSpan = 1
        var header: [String]?
        var pending: [[String]] = []
    }

    private var decoder: TableByteDecoder
    private var decoded: [UInt8] = []
    private var lexer = Lexer.text
    private var tag: [UInt8] = []
    private var tagQuote: UInt8 = 0
    private var tagLastNonSpace: UInt8 = 0
    private var commentDashes = 0
    private var rawName: [UInt8] = []
    private var rawMatched = 0
    private var tables: [Table] = []
    private var tablesOpened = 0
    private var selected: Int?
    private var done = false
    private var fallback: [[String]]?
    private var output: [[String]] = []
    private var started = false
    private var finished = false
    /// The first error; every later call throws it again (the rows after it would be wrong or missing).
    private var failure: WorkbookError?
    private var line = 1
    /// Table rows seen anywhere in the page.
    private var rowsSeen = 0

    /// Whether the chosen table has a header row; it is then the first row returned.
    public private(set) var headerDetected = false
    /// Rows returned so far (the header included).
    public private(set) var rowCount = 0

    /// - Parameter encoding: the page's encoding (the Content-Type's charset), nil to sniff.
    public init(encoding: TableTextEncoding? = nil) {
        self.decoder = TableByteDecoder(encoding: encoding)
    }

    /// Encoding from a Content-Type value (`application/vnd.ms-excel; charset=euc-kr`).
    public init(contentType: String?) {
        self.init(encoding: TableTextEncoding.declared(inContentType: contentType))
    }

    /// The encoding in use: declared, or sniffed once non-ASCII bytes were seen.
    public var encoding: TableTextEncoding? { self.decoder.encoding }

    /// Reads the next bytes of the page and returns the chosen table's rows completed by them.
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
        guard !self.done else { return [] }
        if !self.started, !bytes.isEmpty {
            self.started = true
            try Self.refuseBinaryWorkbook(bytes)
        }
        self.decoded.removeAll(keepingCapacity: true)
        let valid = try withWorkbookInput(bytes) { (b) throws(WorkbookError) in try self.decoder.decode(b, into: &self.decoded) }
        try self.lexDecoded()
        if !valid { throw self.encodingError() }
        return self.takeOutput()
    }

    /// Ends the page: closes what is left open and returns the last rows. Throws `noTable` when the page had no
    /// table with rows.
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
        if !self.done {
            self.decoded.removeAll(keepingCapacity: true)
            let valid = try self.decoder.finish(into: &self.decoded)
            try self.lexDecoded()
            if !valid { throw self.encodingError() }
            // A page cut short (or lazily written) leaves tables open: close them, innermost first.
            while !self.tables.isEmpty, !self.done {
                try self.closeTable()
            }
        }
        if self.selected == nil {
            guard let fallback = self.fallback else { throw WorkbookError(.noTable) }
            self.emit(contentsOf: fallback)
        }
        return self.takeOutput()
    }

    private mutating func takeOutput() -> [[String]] {
        let rows = self.output
        self.output = []
        self.rowCount += rows.count
        return rows
    }

    private mutating func emit(contentsOf rows: [[String]]) {
        self.output.append(contentsOf: rows)
    }

    private func encodingError() -> WorkbookError {
        WorkbookError(.invalidEncoding(row: self.rowsSeen + 1, line: self.line, encoding: self.decoder.encoding ?? .utf8))
    }

    /// `application/vnd.ms-excel` is sometimes a real binary workbook (BIFF .xls, or an .xlsx zip), not HTML.
    private static func refuseBinaryWorkbook(_ bytes: some Collection<UInt8>) throws(WorkbookError) {
        let head = Array(bytes.prefix(4))
        if head == [0xD0, 0xCF, 0x11, 0xE0] || head == [0x50, 0x4B, 0x03, 0x04] {
            throw WorkbookError(.unsupportedFormat("a binary .xls/.xlsx workbook (not an HTML table)"))
        }
    }

    private mutating func lexDecoded() throws(WorkbookError) {
        guard !self.decoded.isEmpty else { return }
        let bytes = self.decoded
        try bytes.withUnsafeBufferPointer { (b) throws(WorkbookError) in try self.lex(b) }
    }

    // MARK: - Lexer

    private mutating func lex(_ bytes: UnsafeBufferPointer<UInt8>) throws(WorkbookError) {
        let count = bytes.count
        var index = 0
        while index < count, !self.done {
            switch self.lexer {
            case .text:
                var end = index
                while end < count, bytes[end] != UInt8(ascii: "<") { end += 1 }
                if end > index {
                    self.countLines(bytes, index, end)
                    try self.appendText(UnsafeBufferPointer(rebasing: bytes[index..<end]))
                }
                if end < count {
                    self.lexer = .tagOpen
                    end += 1
                }
                index = end

            case .tagOpen:
                let byte = bytes[index]
                if Self.isLetter(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") {
                    self.tag.removeAll(keepingCapacity: true)
                    self.tag.append(byte)
                    self.tagQuote = 0
                    self.tagLastNonSpace = byte
                    self.lexer = .tag
                    index += 1
                } else {
                    // `a < b`: a literal less-than sign; the byte is read again as text.
                    try [UInt8(ascii: "<")].withUnsafeBufferPointer { (b) throws(WorkbookError) in try self.appendText(b) }
                    self.lexer = .text
                }

            case .tag:
                while index < count {
                    let byte = bytes[index]
                    index += 1
                    if byte == 0x0A { self.line += 1 }
                    if self.tagQuote != 0 {
                        if byte == self.tagQuote { self.tagQuote = 0 }
                        if self.tag.count < Self.tagLimit { self.tag.append(byte) }
                        continue
                    }
                    if byte == UInt8(ascii: ">") {
                        self.lexer = .text
                        try self.endTag()
                        break
                    }
                    if (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")) && self.tagLastNonSpace == UInt8(ascii: "=") {
                        self.tagQuote = byte
                    }
                    if self.tag.count < Self.tagLimit { self.tag.append(byte) }
                    if !Self.isSpace(byte) { self.tagLastNonSpace = byte }
                    if self.tag.count == 3, self.tag == Array("!--".utf8) {
                        self.lexer = .comment
                        self.commentDashes = 0
                        break
                    }
                }

            case .comment:
                while index < count {
                    let byte = bytes[index]
                    index += 1
                    if byte == 0x0A { self.line += 1 }
                    if byte == UInt8(ascii: "-") {
                        self.commentDashes += 1
                    } else if byte == UInt8(ascii: ">"), self.commentDashes >= 2 {
                        self.lexer = .text
                        break
                    } else {
                        self.commentDashes = 0
                    }
                }

            case .rawText:
                // Skip to `</script` (or `</style`), then read that end tag as a tag.
                while index < count {
                    let byte = bytes[index]
                    index += 1
                    if byte == 0x0A { self.line += 1 }
                    let expected: UInt8 = switch self.rawMatched {
                    case 0: UInt8(ascii: "<")
                    case 1: UInt8(ascii: "/")
                    default: self.rawName[self.rawMatched - 2]
                    }
                    if Self.lowercased(byte) == expected {
                        self.rawMatched += 1
                        if self.rawMatched == self.rawName.count + 2 {
                            self.tag = [UInt8(ascii: "/")] + self.rawName
                            self.tagQuote = 0
                            self.tagLastNonSpace = 0
                            self.lexer = .tag
                            break
                        }
                    } else {
                        self.rawMatched = byte == UInt8(ascii: "<") ? 1 : 0
                    }
                }
            }
        }
    }

    private mutating func countLines(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        var index = start
        while index < end {
            if bytes[index] == 0x0A { self.line += 1 }
            index += 1
        }
    }

    @inline(__always)
    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }

    @inline(__always)
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C }

    @inline(__always)
    private static func lowercased(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    // MARK: - Tags

    private mutating func endTag() throws(WorkbookError) {
        guard let first = self.tag.first, first != UInt8(ascii: "!"), first != UInt8(ascii: "?") else { return }
        let closing = first == UInt8(ascii: "/")
        var index = closing ? 1 : 0
        var name: [UInt8] = []
        while index < self.tag.count, name.count < 16 {
            let b = self.tag[index]
            guard Self.isLetter(b) || (b >= 0x30 && b <= 0x39) else { break }
            name.append(Self.lowercased(b))
            index += 1
        }
        switch (String(decoding: name, as: UTF8.self), closing) {
        case ("table", false):
            self.tables.append(Table(ordinal: self.tablesOpened))
            self.tablesOpened += 1
        case ("table", true):
            if !self.tables.isEmpty { try self.closeTable() }
        case ("thead", false):
            try self.closeRow()
            self.withTop { $0.inHead = true }
        case ("thead", true), ("tbody", _), ("tfoot", _):
            try self.closeRow()
            self.withTop { $0.inHead = false }
        case ("tr", false):
            try self.closeRow()
            self.withTop { $0.rowOpen = true }
        case ("tr", true):
            try self.closeRow()
        case ("td", false), ("th", false):
            guard !self.tables.isEmpty else { return }
            try self.closeCell()
            let span = Self.colspan(in: self.tag)
            let header = name == Array("th".utf8)
            self.withTop {
                $0.rowOpen = true
                $0.cell = []
                $0.cellIsHeader = header
                $0.cellSpan = span
            }
        case ("td", true), ("th", true):
            try self.closeCell()
        case ("br", _):
            self.appendMarker(Self.hardBreak)
        case ("p", _), ("div", _), ("li", _), ("ul", _), ("ol", _), ("h1", _), ("h2", _), ("h3", _), ("h4", _),
            ("h5", _), ("h6", _), ("blockquote", _), ("pre", _), ("hr", _):
            self.appendMarker(Self.softBreak)
        case ("script", false), ("style", false):
            if self.tag.last != UInt8(ascii: "/") {
                self.rawName = name
                self.rawMatched = 0
                self.lexer = .rawText
            }
        default:
            break
        }
    }

    private mutating func withTop(_ body: (inout Table) -> Void) {
        guard !self.tables.isEmpty else { return }
        body(&self.tables[self.tables.count - 1])
    }

    /// `colspan="3"` of a cell tag; 1 when absent or invalid, at most 1000 (as browsers cap it).
    static func colspan(in tag: [UInt8]) -> Int {
        let key = Array("colspan".utf8)
        var index = 0
        while index + key.count <= tag.count {
            var matches = true
            for k in 0..<key.count where lowercased(tag[index + k]) != key[k] {
                matches = false
                break
            }
            if matches {
                var i = index + key.count
                while i < tag.count, isSpace(tag[i]) { i += 1 }
                guard i < tag.count, tag[i] == UInt8(ascii: "=") else { return 1 }
                i += 1
                while i < tag.count, isSpace(tag[i]) || tag[i] == UInt8(ascii: "\"") || tag[i] == UInt8(ascii: "'") { i += 1 }
                var value = 0
                var digits = 0
                while i < tag.count, tag[i] >= 0x30, tag[i] <= 0x39, digits < 5 {
                    value = value * 10 + Int(tag[i] - 0x30)
                    digits += 1
                    i += 1
                }
                return digits == 0 ? 1 : min(max(value, 1), 1000)
            }
            index += 1
        }
        return 1
    }

    // MARK: - Cells and rows

    private static let hardBreak: UInt8 = 0x01
    private static let softBreak: UInt8 = 0x02

    private mutating func appendMarker(_ marker: UInt8) {
        guard let last = self.tables.indices.last, self.tables[last].cell != nil else { return }
        self.tables[last].cell!.append(marker)
    }

    private mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>) throws(WorkbookError) {
        guard let last = self.tables.indices.last, self.tables[last].cell != nil else { return }
        // Control bytes (which include the break markers) never reach a cell; tab, LF, CR and FF are spaces.
        if bytes.contains(where: { $0 < 0x20 && !Self.isSpace($0) }) {
            self.tables[last].cell!.append(contentsOf: bytes.lazy.filter { $0 >= 0x20 || Self.isSpace($0) })
        } else {
            self.tables[last].cell!.append(contentsOf: bytes)
        }
        if self.tables[last].cell!.count > 4 * Self.maxCellCharacters {
            throw WorkbookError(.cellTooLong(row: self.rowsSeen + 1, column: self.tables[last].cells.count + 1, limit: Self.maxCellCharacters))
        }
    }

    private mutating func closeCell() throws(WorkbookError) {
        guard let last = self.tables.indices.last, let raw = self.tables[last].cell else { return }
        let text = Self.cellText(raw)
        let span = self.tables[last].cellSpan
        guard self.tables[last].cells.count + span <= Self.maxColumns else {
            throw WorkbookError(.tooManyColumns(row: self.rowsSeen + 1, limit: Self.maxColumns))
        }
        self.tables[last].cells.append(text)
        if span > 1 { self.tables[last].cells.append(contentsOf: repeatElement("", count: span - 1)) }
        if !self.tables[last].cellIsHeader { self.tables[last].onlyHeaderCells = false }
        self.tables[last].cell = nil
    }

    private mutating func closeRow() throws(WorkbookError) {
        guard let last = self.tables.indices.last else { return }
        try self.closeCell()
        guard self.tables[last].rowOpen else { return }
        let cells = self.tables[last].cells
        let isHeader = self.tables[last].inHead || self.tables[last].onlyHeaderCells
        self.tables[last].rowOpen = false
        self.tables[last].cells = []
        self.tables[last].onlyHeaderCells = true
        guard !cells.isEmpty else { return }
        self.rowsSeen += 1
        self.rowCompleted(cells, isHeader: isHeader, in: last)
    }

    private mutating func closeTable() throws(WorkbookError) {
        try self.closeRow()
        let table = self.tables.removeLast()
        if let selected = self.selected {
            if table.ordinal == selected { self.done = true }
            return
        }
        if let header = table.header {
            // A header and no data rows: an export of nothing, still the table asked for.
            self.select(table.ordinal, header: header, rows: [])
            self.done = true
        } else if !table.pending.isEmpty, self.fallback == nil {
            self.fallback = table.pending
        }
    }

    private mutating func rowCompleted(_ cells: [String], isHeader: Bool, in index: Int) {
        if let selected = self.selected {
            if self.tables[index].ordinal == selected { self.output.append(cells) }
            return
        }
        if isHeader {
            // Rows above it were titles; consecutive header rows: the last is the most specific.
            self.tables[index].header = cells
            self.tables[index].pending = []
        } else if let header = self.tables[index].header {
            self.select(self.tables[index].ordinal, header: header, rows: [cells])
        } else {
            self.tables[index].pending.append(cells)
            if self.tables[index].pending.count > Self.pendingRowLimit {
                let rows = self.tables[index].pending
                self.tables[index].pending = []
                self.select(self.tables[index].ordinal, header: nil, rows: rows)
            }
        }
    }

    private mutating func select(_ ordinal: Int, header: [String]?, rows: [[String]]) {
        self.selected = ordinal
        self.fallback = nil
        if let header {
            self.headerDetected = true
            self.output.append(header)
        }
        self.output.append(contentsOf: rows)
        // Other open tables' held rows are no longer needed.
        for i in self.tables.indices { self.tables[i].pending = [] }
    }

    // MARK: - Cell text

    /// The text a browser shows for a cell's raw bytes: references decoded, whitespace runs as one space, breaks as
    /// line feeds, trimmed.
    static func cellText(_ raw: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var space = false
        var index = 0
        let count = raw.count
        @inline(__always) func flushSpace() {
            if space, let last = out.last, last != 0x0A { out.append(0x20) }
            space = false
        }
        while index < count {
            let byte = raw[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                space = true
                index += 1
            case hardBreak:
                if !out.isEmpty { out.append(0x0A) }
                space = false
                index += 1
            case softBreak:
                if let last = out.last, last != 0x0A { out.append(0x0A) }
                space = false
                index += 1
            case UInt8(ascii: "&"):
                if let (value, length) = HTMLEntities.decode(raw, at: index) {
                    if value == 0xA0 || value == 0x20 || value == 0x09 || value == 0x0A || value == 0x0D || value == 0x0C {
                        space = true
                    } else if value >= 0x20 {
                        flushSpace()
                        UTF8Check.append(value, to: &out)
                    }
                    index += length
                } else {
                    flushSpace()
                    out.append(byte)
                    index += 1
                }
            case 0xC2 where index + 1 < count && raw[index + 1] == 0xA0:
                space = true
                index += 2
            default:
                flushSpace()
                out.append(byte)
                index += 1
            }
        }
        while let last = out.last, last == 0x0A || last == 0x20 { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }
}

/// HTML character references: numeric ones and the named ones an admin's table plausibly holds.
enum HTMLEntities {
    static let named: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0,
        "copy": 0xA9, "reg": 0xAE, "trade": 0x2122, "middot": 0xB7, "bull": 0x2022, "hellip": 0x2026,
        "ndash": 0x2013, "mdash": 0x2014, "lsquo": 0x2018, "rsquo": 0x2019, "ldquo": 0x201C, "rdquo": 0x201D,
        "laquo": 0xAB, "raquo": 0xBB, "times": 0xD7, "divide": 0xF7, "deg": 0xB0, "plusmn": 0xB1, "sect": 0xA7,
        "para": 0xB6, "cent": 0xA2, "pound": 0xA3, "yen": 0xA5, "euro": 0x20AC, "shy": 0xAD, "ensp": 0x2002,
        "emsp": 0x2003, "thinsp": 0x2009, "zwnj": 0x200C, "zwj": 0x200D, "lrm": 0x200E, "rlm": 0x200F,
        "larr": 0x2190, "rarr": 0x2192, "uarr": 0x2191, "darr": 0x2193, "micro": 0xB5, "frac12": 0xBD,
        "frac14": 0xBC, "frac34": 0xBE, "sup2": 0xB2, "sup3": 0xB3, "iexcl": 0xA1, "iquest": 0xBF,
    ]
    /// Named references browsers accept without the semicolon (the ones that matter here).
    static let legacy: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]
    /// `&#128;`–`&#159;` mean Windows-1252 characters (HTML's rule).
    static let windows1252: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ]

    /// The scalar value of the reference starting with `&` at `index`, and its length; nil when it is not one.
    static func decode(_ raw: [UInt8], at index: Int) -> (UInt32, Int)? {
        var i = index + 1
        let count = raw.count
        guard i < count else { return nil }
        if raw[i] == UInt8(ascii: "#") {
            i += 1
            let hex = i < count && (raw[i] | 0x20) == UInt8(ascii: "x")
            if hex { i += 1 }
            var value: UInt32 = 0
            var digits = 0
            while i < count {
                let b = raw[i]
                let digit: UInt32
                switch b {
                case 0x30...0x39: digit = UInt32(b - 0x30)
                case 0x61...0x66 where hex: digit = UInt32(b - 0x61 + 10)
                case 0x41...0x46 where hex: digit = UInt32(b - 0x41 + 10)
                default: digit = 99
                }
                if digit == 99 { break }
                if value <= 0x10FFFF { value = value * (hex ? 16 : 10) + digit }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if i < count, raw[i] == UInt8(ascii: ";") { i += 1 }
            switch value {
            case 0, 0xD800...0xDFFF, 0x110000...: value = 0xFFFD
            case 0x80...0x9F: value = windows1252[Int(value - 0x80)]
            default: break
            }
            return (value, i - index)
        }
        var name: [UInt8] = []
        while i < count, name.count <= 8, (raw[i] | 0x20) >= 0x61 && (raw[i] | 0x20) <= 0x7A || (raw[i] >= 0x30 && raw[i] <= 0x39) {
            name.append(raw[i])
            i += 1
        }
        let key = String(decoding: name, as: UTF8.self)
        guard let value = named[key] else { return nil }
        if i < count, raw[i] == UInt8(ascii: ";") { return (value, i + 1 - index) }
        return legacy.contains(key) ? (value, i - index) : nil
    }
}
