/// Masks a plain-text body or chat transcript as it streams, line by line.
///
/// Why it exists: the 1:1 chat history, memo fields and text exports are free text, where names come with honorifics
/// and addresses inline; there is no structure but lines. Each line (without its `\n` or `\r\n`, which pass as they
/// are) is one unlabelled unit — except a `label: value` line (also `label：value` with a full-width colon, and
/// `label=value`) whose label names a kind for the profile (`연락처: 010-…`, `phone=…`): then the label passes as it
/// is and the value is masked with the label as its context. A line whose "label" names no kind (`[16:37] 김민준:
/// 안녕하세요`, `주문 완료: 감사합니다`) stays one unlabelled unit, so nothing is lost by the split.
public final class TextBodyMasker: BodyMasker {
    private var core: TextCore
    private var validator = UTF8Validator()
    private var carry = OutputCarry()
    private var counts = MaskTally()
    private let context: ScanContext

    /// What was masked so far, by kind, and the subject keys seen.
    public var tally: MaskTally { self.context.tally(self.counts) }

    public init(masker: TextMasker) {
        let context = ScanContext(masker)
        self.context = context
        self.core = TextCore(masker: context)
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
            try self.validator.validate(bytes, format: "text")
            self.core.feed(bytes, into: &output, tally: &self.counts)
            self.carry.hold(&output)
        }
    }

    public func finish() throws(MaskingError) -> [UInt8] {
        var output = ByteOutput()
        self.carry.start(&output)
        try self.validator.finish(format: "text")
        self.core.finish(into: &output, tally: &self.counts)
        return output.array()
    }

    /// Bytes held back: the line being read.
    var heldBytes: Int { self.core.heldBytes + self.carry.carry.count }
}

/// The line splitter behind `TextBodyMasker`.
struct TextCore {
    let masker: ScanContext
    private var unit = TextUnit()
    /// Whether the line's first part has been released (a long line is cut), and the label its value parts get.
    private var lineStarted = false
    private var lineLabel: String?
    private static let newline = StopSet([0x0A])
    /// Most bytes before the separator of a `label: value` line.
    static let maxLabelPartBytes = 48

    init(masker: ScanContext) {
        self.masker = masker
    }

    var heldBytes: Int { self.unit.rawCount }

    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally) {
        let count = bytes.count
        var index = 0
        while index < count {
            let stop = Self.newline.firstStop(in: bytes, from: index, end: count)
            if self.unit.isEmpty && !self.lineStarted && stop < count && stop - index < maxUnitBytes {
                // A whole line in this chunk: straight from the input.
                var end = stop
                if end > index && bytes[end - 1] == 0x0D { end -= 1 }
                self.renderLine(UnsafeBufferPointer(rebasing: bytes[index..<end]), into: &output, tally: &tally)
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[end...stop]))
                index = stop + 1
                continue
            }
            if stop > index {
                self.unit.appendVerbatim(UnsafeBufferPointer(rebasing: bytes[index..<stop]))
                self.cutIfLong(into: &output, tally: &tally)
            }
            guard stop < count else { break }
            self.endLine(into: &output, tally: &tally)
            output.append(0x0A)
            index = stop + 1
        }
    }

    private mutating func cutIfLong(into output: inout ByteOutput, tally: inout MaskTally) {
        while self.unit.rawCount >= maxUnitBytes {
            let head = self.unit.cut(limit: maxUnitBytes)
            self.renderPart(head, into: &output, tally: &tally)
        }
    }

    /// One line, or the next part of a long one.
    private mutating func renderPart(_ part: TextUnit, into output: inout ByteOutput, tally: inout MaskTally) {
        if self.lineStarted {
            part.render(masker: self.masker, label: self.lineLabel, escaping: .none, tally: &tally, into: &output)
            return
        }
        self.lineStarted = true
        var rest = part
        if let (valueStart, label) = part.withText({ self.labelledValue($0) }) {
            let labelPart = rest.split(atRaw: valueStart)
            labelPart.appendRaw(to: &output)
            self.lineLabel = label
        }
        rest.render(masker: self.masker, label: self.lineLabel, escaping: .none, tally: &tally, into: &output)
    }

    /// A whole line without its line break, straight from the input (as `renderPart` would render it).
    private mutating func renderLine(_ text: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally) {
        if let (valueStart, label) = self.labelledValue(text) {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[0..<valueStart]))
            renderVerbatim(UnsafeBufferPointer(rebasing: text[valueStart...]), masker: self.masker, label: label,
                           escaping: .none, tally: &tally, into: &output)
        } else {
            renderVerbatim(text, masker: self.masker, label: nil, escaping: .none, tally: &tally, into: &output)
        }
    }

    /// Where the value of a `label: value` line starts, and its (effective) label, when the label names a kind.
    private func labelledValue(_ text: UnsafeBufferPointer<UInt8>) -> (Int, String)? {
        do {
            let limit = min(text.count, Self.maxLabelPartBytes + 3)
            var index = 0
            var hasLetter = false
            while index < limit {
                let byte = text[index]
                var separatorLength = 0
                if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "=") {
                    separatorLength = 1
                } else if byte == 0xEF && index + 2 < text.count && text[index + 1] == 0xBC && text[index + 2] == 0x9A {
                    separatorLength = 3  // ：
                }
                if separatorLength > 0 {
                    // A label is a word: without a letter it names nothing (`[16:37]`, `10:30`).
                    guard index > 0 && index <= Self.maxLabelPartBytes && hasLetter,
                          let label = labelString(Array(UnsafeBufferPointer(rebasing: text[0..<index]))),
                          self.masker.namesKind(label)
                    else { return nil }
                    return (index + separatorLength, label)
                }
                // A label is words: letters, digits, spaces and a little punctuation (no URLs, no sentences' ends).
                let allowed = byte >= 0x80 || ByteClass.isASCIILetter(byte) || ByteClass.isDigit(byte) || byte == 0x20
                    || byte == 0x09 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "[")
                    || byte == UInt8(ascii: "]")
                if !allowed { return nil }
                if byte >= 0x80 || ByteClass.isASCIILetter(byte) { hasLetter = true }
                index += 1
            }
            return nil
        }
    }

    private mutating func endLine(into output: inout ByteOutput, tally: inout MaskTally) {
        self.cutIfLong(into: &output, tally: &tally)
        var carriageReturn = false
        self.unit.withText { text in carriageReturn = text.last == 0x0D }
        if carriageReturn { self.unit.removeLastVerbatimByte() }
        if !self.unit.isEmpty || !self.lineStarted {
            let line = self.unit
            self.renderPart(line, into: &output, tally: &tally)
        }
        if carriageReturn { output.append(0x0D) }
        self.unit.removeAll()
        self.lineStarted = false
        self.lineLabel = nil
    }

    mutating func finish(into output: inout ByteOutput, tally: inout MaskTally) {
        if !self.unit.isEmpty { self.endLine(into: &output, tally: &tally) }
    }
}
