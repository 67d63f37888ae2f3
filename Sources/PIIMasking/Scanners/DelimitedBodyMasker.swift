/// Masks a CSV or TSV body (an order export, a customer list) as it streams.
///
/// Why it exists: the admin's 엑셀 다운로드 exports are the densest personal data it serves, and their header row says
/// what every column holds. RFC 4180 quoting is followed (quoted cells with separators, line breaks and doubled
/// quotes; CRLF or LF; a lone CR also ends a row), and broken quoting is read leniently, never rejected. The first
/// row is the header: its cells are the labels of their columns and are not masked. Every other cell is one unit
/// labelled by its column's header. A leading UTF-8 byte order mark (Excel writes one) is kept. Unchanged cells are
/// released byte for byte; a masked cell keeps its quoting (an unquoted cell is quoted only if its masked form needs
/// it).
public final class DelimitedBodyMasker: BodyMasker {
    private var core: DelimitedCore
    private var validator = UTF8Validator()
    private var carry = OutputCarry()
    private var counts = MaskTally()
    private let context: ScanContext

    /// What was masked so far, by kind, and the subject keys seen.
    public var tally: MaskTally { self.context.tally(self.counts) }

    /// `separator`: `,` for CSV, `\t` for TSV (or `;` as some spreadsheets write).
    public init(masker: TextMasker, separator: UInt8) {
        let context = ScanContext(masker)
        self.context = context
        self.core = DelimitedCore(masker: context, separator: separator)
    }

    public func process(_ chunk: [UInt8]) throws(MaskingError) -> [UInt8] {
        try chunk.withUnsafeBufferPointer { (bytes: UnsafeBufferPointer<UInt8>) throws(MaskingError) in
            try self.process(contentsOf: bytes)
        }
    }

    public func process(contentsOf bytes: UnsafeBufferPointer<UInt8>) throws(MaskingError) -> [UInt8] {
        // Room for a little growth (masks, a held-back unit released) so the output is rarely copied.
        try ByteOutput.releasing(capacity: bytes.count + bytes.count / 8 + 64) {
            (output: inout ByteOutput) throws(MaskingError) in
            self.carry.start(&output)
            try self.validator.validate(bytes, format: self.core.format)
            self.core.feed(bytes, into: &output, tally: &self.counts)
            self.carry.hold(&output)
        }
    }

    public func finish() throws(MaskingError) -> [UInt8] {
        var output = ByteOutput()
        self.carry.start(&output)
        try self.validator.finish(format: self.core.format)
        self.core.finish(into: &output, tally: &self.counts)
        return output.array()
    }

    /// Bytes held back: the cell being read (and a partial byte order mark).
    var heldBytes: Int { self.core.heldBytes + self.carry.carry.count }
}

/// The CSV/TSV state machine behind `DelimitedBodyMasker`.
struct DelimitedCore {
    private enum State {
        case start
        case byteOrderMark
        case fieldStart
        case unquoted
        case quoted
        case quoteInQuoted
        case afterCarriageReturn
    }

    let masker: ScanContext
    let separator: UInt8
    private var state: State = .start
    private var row = 0
    private var column = 0
    /// Effective labels of the columns (nil where the header names no kind).
    private var headers: [String?] = []
    /// The kinds those labels name, by column (what each whole cell is detected with).
    private var headerHints: [PIIKind?] = []
    /// Whether the mask character has a byte that makes an unquoted cell need quotes (`"`, the separator, CR, LF).
    private let maskNeedsQuotes: Bool
    private var unit = TextUnit()
    /// The current cell was cut (it is longer than `maxUnitBytes`): parts are released as they come.
    private var cellWasCut = false
    private var headerCapture: [UInt8]?
    private var byteOrderMark: [UInt8] = []
    private static let quotedStops = StopSet([UInt8(ascii: "\"")])
    // Copies of the stop sets above, read from `self`: a `static let` is reached through `swift_once` at every
    // use, and the scanning loops use one per run of text, string or tag.
    private let quotedStops = DelimitedCore.quotedStops
    static let maxColumns = 4096

    var format: String { self.separator == 0x09 ? "TSV" : "CSV" }

    init(masker: ScanContext, separator: UInt8) {
        self.masker = masker
        self.separator = separator
        self.maskNeedsQuotes = masker.textMasker.style.maskCharacter.utf8.contains {
            $0 == UInt8(ascii: "\"") || $0 == separator || $0 == 0x0A || $0 == 0x0D
        }
    }

    var heldBytes: Int { self.unit.rawCount + self.byteOrderMark.count }

    @inline(__always)
    private func isDelimiterByte(_ byte: UInt8) -> Bool {
        byte == self.separator || byte == 0x0A || byte == 0x0D
    }

    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally) {
        let count = bytes.count
        var index = 0
        while index < count {
            let byte = bytes[index]
            switch self.state {
            case .start:
                if byte == 0xEF {
                    self.byteOrderMark = [byte]
                    self.state = .byteOrderMark
                    index += 1
                } else {
                    self.state = .fieldStart
                }

            case .byteOrderMark:
                let expected: UInt8 = self.byteOrderMark.count == 1 ? 0xBB : 0xBF
                if byte == expected {
                    self.byteOrderMark.append(byte)
                    index += 1
                    if self.byteOrderMark.count == 3 {
                        output.append(contentsOf: self.byteOrderMark)
                        self.byteOrderMark.removeAll()
                        self.state = .fieldStart
                    }
                } else {
                    // Not a byte order mark: the first cell's first character.
                    self.unit.appendVerbatim(self.byteOrderMark)
                    self.byteOrderMark.removeAll()
                    self.state = .unquoted
                }

            case .fieldStart:
                if byte == UInt8(ascii: "\"") {
                    output.append(byte)
                    self.state = .quoted
                    index += 1
                } else if self.isDelimiterByte(byte) {
                    self.delimiter(byte, into: &output)
                    index += 1
                } else {
                    // The cell's first byte: read on as `.unquoted` now (not in another turn of the loop).
                    self.state = .unquoted
                    fallthrough
                }

            case .unquoted:
                let stop = self.cellStop(bytes, from: index)
                if self.row > 0 && self.unit.isEmpty && stop < count && stop - index < maxUnitBytes {
                    // A whole cell in this chunk: detected straight on the input, copied only if masked.
                    let text = UnsafeBufferPointer(rebasing: bytes[index..<stop])
                    if !TextUnit.mayHoldValue(text) {
                        output.append(contentsOf: text)
                    } else {
                        let detections = self.masker.detections(in: text, hint: self.hint)
                        if detections.isEmpty {
                            output.append(contentsOf: text)
                        } else {
                            self.renderCell(text, detections: detections, tally: &tally, into: &output)
                        }
                    }
                    self.delimiter(bytes[stop], into: &output)
                    index = stop + 1
                    continue
                }
                if stop > index {
                    self.unit.appendVerbatim(UnsafeBufferPointer(rebasing: bytes[index..<stop]))
                    self.cutIfLong(quoted: false, into: &output, tally: &tally)
                    index = stop
                    continue
                }
                self.endCell(quoted: false, into: &output, tally: &tally)
                self.delimiter(byte, into: &output)
                index += 1

            case .quoted:
                let stop = self.quotedStops.firstStop(in: bytes, from: index, end: count)
                if self.row > 0 && self.unit.isEmpty && stop + 1 < count && self.isDelimiterByte(bytes[stop + 1])
                    && stop - index < maxUnitBytes
                {
                    // A whole quoted cell without doubled quotes in this chunk: straight from the input (no `"` in it,
                    // so nothing to escape but what the mask character brings).
                    let text = UnsafeBufferPointer(rebasing: bytes[index..<stop])
                    if !TextUnit.mayHoldValue(text) {
                        output.append(contentsOf: text)
                    } else {
                        let detections = self.masker.detections(in: text, hint: self.hint)
                        if detections.isEmpty {
                            output.append(contentsOf: text)
                        } else {
                            renderVerbatim(text, detections: detections, masker: self.masker, escaping: .csvQuoted,
                                           plain: true, tally: &tally, into: &output)
                        }
                    }
                    output.append(UInt8(ascii: "\""))
                    self.delimiter(bytes[stop + 1], into: &output)
                    index = stop + 2
                    continue
                }
                if stop > index {
                    self.unit.appendVerbatim(UnsafeBufferPointer(rebasing: bytes[index..<stop]))
                    self.cutIfLong(quoted: true, into: &output, tally: &tally)
                    index = stop
                    continue
                }
                self.state = .quoteInQuoted
                index += 1

            case .quoteInQuoted:
                if byte == UInt8(ascii: "\"") {
                    self.unit.appendSpecial(raw: [byte, byte], decoded: [byte])
                    self.cutIfLong(quoted: true, into: &output, tally: &tally)
                    self.state = .quoted
                    index += 1
                } else {
                    self.endCell(quoted: true, into: &output, tally: &tally)
                    output.append(UInt8(ascii: "\""))
                    if self.isDelimiterByte(byte) {
                        self.delimiter(byte, into: &output)
                        index += 1
                    } else {
                        // Text after a closing quote (lenient): read on as an unquoted part of the cell.
                        self.state = .unquoted
                    }
                }

            case .afterCarriageReturn:
                self.state = .fieldStart
                if byte == 0x0A {
                    output.append(byte)
                    index += 1
                }
            }
        }
    }

    /// The first separator, LF or CR from `from` on, or the end: eight bytes at a time (cells of an export are a
    /// few dozen bytes; byte by byte this loop was a tenth of the scanner).
    @inline(__always)
    private func cellStop(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        guard let base = bytes.baseAddress else { return from }
        let count = bytes.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let separators = ones &* UInt64(self.separator)
        var index = from
        while index + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let separator = word ^ separators
            let lineFeed = word ^ (ones &* 0x0A)
            let carriageReturn = word ^ (ones &* 0x0D)
            // Zero bytes of each: the lowest flagged byte is exact (higher ones may be borrows).
            let found = ((separator &- ones) & ~separator | (lineFeed &- ones) & ~lineFeed
                | (carriageReturn &- ones) & ~carriageReturn) & high
            if found != 0 { return index + found.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < count {
            let current = base[index]
            if current == self.separator || current == 0x0A || current == 0x0D { return index }
            index += 1
        }
        return count
    }

    /// A separator or line break after a cell.
    private mutating func delimiter(_ byte: UInt8, into output: inout ByteOutput) {
        output.append(byte)
        if byte == self.separator {
            self.column += 1
            self.state = .fieldStart
        } else {
            self.row += 1
            self.column = 0
            self.state = byte == 0x0D ? .afterCarriageReturn : .fieldStart
        }
    }

    private var label: String? {
        self.row > 0 && self.column < self.headers.count ? self.headers[self.column] : nil
    }

    /// The kind the current column's label names (`label` resolved once per column, not per cell).
    private var hint: PIIKind? {
        self.row > 0 && self.column < self.headerHints.count ? self.headerHints[self.column] : nil
    }

    /// A whole unquoted cell with something to mask, straight from the input: what `endCell` does with it collected
    /// in the unit, without collecting it. Quoted only if its masked form needs it: it can only when the cell had a
    /// `"` (a masked value may drop one) or the mask character brings one of the bytes that need quotes.
    private func renderCell(_ text: UnsafeBufferPointer<UInt8>, detections: [Detection], tally: inout MaskTally,
                            into output: inout ByteOutput) {
        let start = output.count
        renderVerbatim(text, detections: detections, masker: self.masker, escaping: .none, tally: &tally, into: &output)
        guard self.maskNeedsQuotes || text.contains(UInt8(ascii: "\"")),
            output.withUnsafeBufferPointer({ self.needsQuotes(UnsafeBufferPointer(rebasing: $0[start...]), original: text) })
        else { return }
        let rendered = output.bytes(from: start)
        output.removeLast(output.count - start)
        output.append(UInt8(ascii: "\""))
        Escaping.csvQuoted.append(rendered, into: &output)
        output.append(UInt8(ascii: "\""))
    }

    private mutating func captureHeader(_ part: TextUnit) {
        guard self.row == 0, self.headerCapture == nil else { return }
        self.headerCapture = part.textPrefix(maxLabelBytes)
    }

    private mutating func cutIfLong(quoted: Bool, into output: inout ByteOutput, tally: inout MaskTally) {
        while self.unit.rawCount >= maxUnitBytes {
            let head = self.unit.cut(limit: maxUnitBytes)
            self.cellWasCut = true
            if self.row == 0 {
                self.captureHeader(head)
                head.appendRaw(to: &output)
            } else {
                head.render(masker: self.masker, label: self.label, escaping: quoted ? .csvQuoted : .none, tally: &tally, into: &output)
            }
        }
    }

    private mutating func endCell(quoted: Bool, into output: inout ByteOutput, tally: inout MaskTally) {
        self.cutIfLong(quoted: quoted, into: &output, tally: &tally)
        defer {
            self.unit.removeAll()
            self.cellWasCut = false
        }
        if self.row == 0 {
            self.captureHeader(self.unit)
            self.unit.appendRaw(to: &output)
            // Labels for the first `maxColumns` columns (a header row of any width streams in flat memory).
            if self.column < Self.maxColumns {
                while self.headers.count < self.column {
                    self.headers.append(nil)
                    self.headerHints.append(nil)
                }
                if self.headers.count == self.column {
                    let label = self.masker.effective(labelString(self.headerCapture ?? []))
                    self.headers.append(label)
                    self.headerHints.append(label.flatMap { self.masker.textMasker.kind(forLabel: $0) })
                }
            }
            self.headerCapture = nil
            return
        }
        guard !self.unit.isEmpty else { return }
        if quoted || self.cellWasCut {
            self.unit.render(masker: self.masker, label: self.label, escaping: quoted ? .csvQuoted : .none, tally: &tally, into: &output)
            return
        }
        // Rendered straight into the output; in the rare case that the masked cell now needs quotes, moved out and
        // appended quoted (no temporary array per cell).
        let start = output.count
        let masked = self.unit.render(masker: self.masker, label: self.label, escaping: .none, tally: &tally, into: &output)
        guard masked, output.withUnsafeBufferPointer({ cell in
            self.unit.withText { self.needsQuotes(UnsafeBufferPointer(rebasing: cell[start...]), original: $0) }
        }) else { return }
        let rendered = output.bytes(from: start)
        output.removeLast(output.count - start)
        output.append(UInt8(ascii: "\""))
        Escaping.csvQuoted.append(rendered, into: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// Whether a masked unquoted cell would now read as more than one cell (`original`: the cell's text before).
    private func needsQuotes(_ cell: UnsafeBufferPointer<UInt8>, original: UnsafeBufferPointer<UInt8>) -> Bool {
        var originalQuotes = 0
        for byte in original where byte == UInt8(ascii: "\"") { originalQuotes += 1 }
        var quotes = 0
        for byte in cell {
            if byte == self.separator || byte == 0x0A || byte == 0x0D { return true }
            if byte == UInt8(ascii: "\"") { quotes += 1 }
        }
        return quotes != originalQuotes
    }

    mutating func finish(into output: inout ByteOutput, tally: inout MaskTally) {
        switch self.state {
        case .byteOrderMark:
            self.unit.appendVerbatim(self.byteOrderMark)
            self.byteOrderMark.removeAll()
            self.endCell(quoted: false, into: &output, tally: &tally)
        case .unquoted:
            self.endCell(quoted: false, into: &output, tally: &tally)
        case .quoted:
            // Unterminated quote: released without the closing quote it never had.
            self.endCell(quoted: true, into: &output, tally: &tally)
        case .quoteInQuoted:
            self.endCell(quoted: true, into: &output, tally: &tally)
            output.append(UInt8(ascii: "\""))
        case .start, .fieldStart, .afterCarriageReturn:
            break
        }
        self.state = .fieldStart
    }
}
