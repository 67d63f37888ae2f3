/// Why a spreadsheet export could not be read or turned into a workbook.
///
/// Why it exists: the conversion runs on exports full of personal data, so its errors must say *where* the input is
/// broken (row, line, column numbers) and *what to do*, without ever quoting a cell. Every message is built from
/// numbers and fixed text only; nothing from the input ends up in `description`.
public struct WorkbookError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, with the numbers needed to find it in the input.
    public enum Code: Sendable, Hashable {
        /// A quoted CSV/TSV cell is still open at the end of the input. `row` is the record it starts in (the header
        /// is row 1), `line` the physical line of the file where the quote opened.
        case unterminatedQuote(row: Int, line: Int)
        /// Bytes that are not valid in `encoding`. `row` is the record (or table row) they appear in, the header
        /// being row 1; `line` the physical line of the file.
        case invalidEncoding(row: Int, line: Int, encoding: TableTextEncoding)
        /// The HTML holds no `<table>` with at least one row.
        case noTable
        /// A row has more columns than a worksheet can hold.
        case tooManyColumns(row: Int, limit: Int)
        /// The input has more rows than a worksheet can hold.
        case tooManyRows(limit: Int)
        /// A cell is longer than the reader or a worksheet accepts (`limit` characters or bytes, see description).
        case cellTooLong(row: Int, column: Int, limit: Int)
        /// The content type names a format that is not a table export (neither CSV/TSV nor HTML).
        case unsupportedFormat(String)
        /// This system cannot decode the named legacy charset (its iconv lacks CP949).
        case encodingUnavailable(String)
        /// Reading or writing a file failed; the text names the operation and the system's reason.
        case ioFailure(String)
        /// Input was given after `finish` (or `finish` was called again): a programming error, reported rather
        /// than trapped because it happens inside a server.
        case alreadyFinished
    }

    public let code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public var description: String {
        switch self.code {
        case .unterminatedQuote(let row, let line):
            return "row \(row) (line \(line)): a quoted cell starts here and its closing quote never comes; "
                + "the export is cut short or a quote inside a cell is not doubled (\"\")"
        case .invalidEncoding(let row, let line, let encoding):
            return "row \(row) (line \(line)): bytes that are not valid \(encoding.displayName); "
                + "give the export's real charset (e.g. charset=euc-kr or utf-8 in the Content-Type)"
        case .noTable:
            return "the HTML export holds no <table> with rows; download it as CSV, or check that the session "
                + "was still logged in (a login page has no table)"
        case .tooManyColumns(let row, let limit):
            return "row \(row) has more than \(limit) columns, more than a worksheet holds; "
                + "check the delimiter (comma, tab, semicolon) of the export"
        case .tooManyRows(let limit):
            return "the export has more than \(limit) rows, more than a worksheet holds; export a shorter period"
        case .cellTooLong(let row, let column, let limit):
            return "row \(row), column \(column) (\(ColumnName.letters(column - 1))): the cell is longer than "
                + "\(limit) characters, more than a worksheet cell holds; a quote left open can cause this"
        case .unsupportedFormat(let contentType):
            return "content type \(Self.printable(contentType)) is not a table export; expected CSV, TSV "
                + "or an HTML table (text/csv, text/tab-separated-values, text/html, application/vnd.ms-excel)"
        case .encodingUnavailable(let name):
            return "this system's iconv cannot decode \(Self.printable(name)); install glibc's gconv modules "
                + "or export as UTF-8"
        case .ioFailure(let what):
            return what
        case .alreadyFinished:
            return "the conversion was already finished; start a new one for another export"
        }
    }

    /// Content types and charset labels come from headers, not cells; still keep them short and printable.
    private static func printable(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }))
        return "\"" + String(cleaned.prefix(80)) + "\""
    }
}

/// Column letters of a worksheet (0 → A, 25 → Z, 26 → AA), for cell references and for error messages.
enum ColumnName {
    static func letters(_ index: Int) -> String {
        var n = index + 1
        var bytes: [UInt8] = []
        while n > 0 {
            let r = (n - 1) % 26
            bytes.append(UInt8(65 + r))
            n = (n - 1) / 26
        }
        return String(decoding: bytes.reversed(), as: UTF8.self)
    }
}
