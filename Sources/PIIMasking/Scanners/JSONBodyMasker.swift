#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Masks a JSON response body (RFC 8259, also a whitespace-separated sequence of JSON values: JSON Lines / NDJSON)
/// as it streams.
///
/// Why it exists: the admin's APIs and exports return orders, buyers and chat history as JSON; every string value can
/// hold a name, phone or address, and the key names (`buyerName`, `receiver.phone`, `주소`) are the strongest hint of
/// what a value is. Each string value is one unit, labelled by its **innermost key** (for `{"receiver": {"phone": …}}`
/// the label is `phone`; for an array element, the key the array is the value of). Keys are not masked. Numbers,
/// `true`/`false`/`null` and all structure pass through byte for byte (a phone typed as a number, without its leading
/// zero, is not a phone). Escapes (`\uD55C`, surrogate pairs, `\n`, `\"`) are decoded before detection; a string with
/// nothing to mask is released exactly as it came, a masked one keeps every byte outside the masked values and
/// writes those JSON-escaped. Malformed JSON throws `MaskingError(.malformed)` with the byte offset.
public final class JSONBodyMasker: BodyMasker {
    private var core: JSONCore
    private var validator = UTF8Validator()
    private var carry = OutputCarry()
    private var counts = MaskTally()
    private let context: ScanContext

    /// What was masked so far, by kind, and the subject keys seen.
    public var tally: MaskTally { self.context.tally(self.counts) }

    public init(masker: TextMasker) {
        let context = ScanContext(masker)
        self.context = context
        self.core = JSONCore(masker: context, strict: true, inScript: false)
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
            try self.validator.validate(bytes, format: "JSON")
            _ = try self.core.feed(bytes, into: &output, tally: &self.counts)
            self.carry.hold(&output)
        }
    }

    public func finish() throws(MaskingError) -> [UInt8] {
        var output = ByteOutput()
        self.carry.start(&output)
        try self.validator.finish(format: "JSON")
        try self.core.finish(into: &output, tally: &self.counts)
        return output.array()
    }

    /// Bytes held back (the string value being read, a partial escape, a partial UTF-8 sequence of the output).
    var heldBytes: Int { self.core.heldBytes + self.carry.carry.count }
}

/// The JSON state machine, shared by `JSONBodyMasker`, `<script type="application/json">` islands in HTML and
/// WebSocket messages. Strict mode throws on malformed input; lenient mode (script islands) reports where it failed
/// so the caller can carry on with the JavaScript scanner.
struct JSONCore {
    private struct Frame {
        var isArray: Bool
        /// Objects: the kind the current key names (nil: none). Arrays: the kind their elements get (that of the key
        /// the array is the value of).
        var hint: PIIKind?
    }

    private enum NumberState { case minus, zero, integer, dot, fraction, exponentMark, exponentSign, exponent }

    private enum State {
        case start
        case byteOrderMark(Int)
        case top
        case value
        case valueOrClose
        case keyOrClose
        case key
        case colon
        case afterValue
        case string(isKey: Bool)
        case escape(isKey: Bool)
        case unicode(isKey: Bool, digits: Int)
        case afterHighSurrogate(isKey: Bool)
        case afterHighSurrogateBackslash(isKey: Bool)
        case number(NumberState)
        case literal(which: UInt8, index: Int)
    }

    static let maxDepth = 4096

    let masker: ScanContext
    let strict: Bool
    let inScript: Bool
    private var frames: [Frame] = []
    private var state: State = .start
    /// Offset of the current chunk's first byte in the body.
    private var offset = 0
    private var unit = TextUnit()
    private var key: [UInt8] = []
    private var escape: [UInt8] = []
    private var escapeValue: UInt32 = 0
    private var highSurrogate: (raw: [UInt8], value: UInt32)?
    /// `escapedValue`'s scratch memory, made on the first escaped value.
    private var escapeScratch: EscapeScratch?

    private static let stringStops = StopSet([UInt8(ascii: "\""), UInt8(ascii: "\\")], withControls: true)
    // Copies of the stop sets above, read from `self`: a `static let` is reached through `swift_once` at every
    // use, and the scanning loops use one per run of text, string or tag.
    private let stringStops = JSONCore.stringStops
    private static let literals: [UInt8: [UInt8]] = [
        UInt8(ascii: "t"): Array("true".utf8), UInt8(ascii: "f"): Array("false".utf8), UInt8(ascii: "n"): Array("null".utf8),
    ]

    init(masker: ScanContext, strict: Bool, inScript: Bool) {
        self.masker = masker
        self.strict = strict
        self.inScript = inScript
    }

    var heldBytes: Int { self.unit.rawCount + self.escape.count + (self.highSurrogate?.raw.count ?? 0) }

    /// Whether the machine is between values (nothing open), e.g. to accept the end of input.
    var isComplete: Bool {
        switch self.state {
        case .start, .top: true
        case .number(let number): self.frames.isEmpty && Self.numberCanEnd(number)
        default: false
        }
    }

    private static func numberCanEnd(_ state: NumberState) -> Bool {
        switch state {
        case .zero, .integer, .fraction, .exponent: true
        default: false
        }
    }

    /// Consumes `bytes`. Strict: throws on malformed input. Lenient: returns the index where the input stopped being
    /// JSON (everything before it has been released; nothing is held), or nil.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally)
        throws(MaskingError) -> Int?
    {
        let count = bytes.count
        var index = 0
        defer { self.offset += count }
        while index < count {
            let byte = bytes[index]
            switch self.state {
            case .string(let isKey):
                let stop = self.stringStops.firstStop(in: bytes, from: index, end: count)
                if !isKey && self.unit.isEmpty && stop < count && bytes[stop] == UInt8(ascii: "\"")
                    && stop - index < maxUnitBytes
                {
                    // The whole string in this chunk, without escapes: straight from the input.
                    self.renderValue(UnsafeBufferPointer(rebasing: bytes[index..<stop]), tally: &tally, into: &output)
                    output.append(UInt8(ascii: "\""))
                    self.valueCompleted()
                    index = stop + 1
                    continue
                }
                if isKey && self.key.isEmpty && stop < count && bytes[stop] == UInt8(ascii: "\"") {
                    // A whole key without escapes in this chunk: released with its closing quote in one piece, its
                    // label looked up on the input (cut as `appendLabel` cuts it).
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index...stop]))
                    if !self.frames.isEmpty {
                        var end = min(stop, index + maxLabelBytes)
                        if end < stop { while end > index && bytes[end] & 0xC0 == 0x80 { end -= 1 } }
                        self.frames[self.frames.count - 1].hint = self.masker.hint(
                            forKey: UnsafeBufferPointer(rebasing: bytes[index..<end]), readable: count - index)
                    }
                    self.state = .colon
                    index = stop + 1
                    continue
                }
                if stop > index {
                    let run = UnsafeBufferPointer(rebasing: bytes[index..<stop])
                    if isKey {
                        output.append(contentsOf: run)
                        appendLabel(run, to: &self.key)
                    } else {
                        self.unit.appendVerbatim(run)
                        self.cutIfLong(into: &output, tally: &tally)
                    }
                    index = stop
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    if isKey {
                        output.append(byte)
                        if !self.frames.isEmpty {
                            self.frames[self.frames.count - 1].hint = self.key.withUnsafeBufferPointer {
                                self.masker.hint(forKey: $0, readable: $0.count)
                            }
                        }
                        self.state = .colon
                    } else {
                        self.flushUnit(into: &output, tally: &tally)
                        output.append(byte)
                        self.valueCompleted()
                    }
                } else if byte == UInt8(ascii: "\\") {
                    if !isKey && self.highSurrogate == nil && self.unit.rawCount < maxUnitBytes / 2,
                        Self.unicodeEscape(bytes, at: index) != nil
                    {
                        // A run of `\uXXXX` escapes and plain bytes in one step (the unit cannot reach `maxUnitBytes`
                        // inside it, so cuts happen exactly where they did escape by escape); a longer string takes
                        // several runs.
                        index = self.unit.appendJSONEscapes(bytes, from: index, rawLimit: TextUnit.maxEscapeRun)
                        continue
                    }
                    if let scalar = Self.unicodeEscape(bytes, at: index) {
                        // `\uXXXX` (not a surrogate) whole in this chunk: what the escape states would do, in one step.
                        self.emitSpecial(raw: UnsafeBufferPointer(rebasing: bytes[index..<(index + 6)]), scalar: scalar,
                                         isKey: isKey, into: &output, tally: &tally)
                        index += 6
                        continue
                    }
                    self.escape.removeAll(keepingCapacity: true)
                    self.escape.append(byte)
                    self.state = .escape(isKey: isKey)
                } else {
                    // A control character inside a string.
                    if self.strict { throw self.error(index, "control character inside a string") }
                    self.emitVerbatim(byte, isKey: isKey, into: &output, tally: &tally)
                }
                index += 1

            case .escape(let isKey):
                self.escape.append(byte)
                var decoded: UInt8?
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = byte
                case UInt8(ascii: "b"): decoded = 0x08
                case UInt8(ascii: "f"): decoded = 0x0C
                case UInt8(ascii: "n"): decoded = 0x0A
                case UInt8(ascii: "r"): decoded = 0x0D
                case UInt8(ascii: "t"): decoded = 0x09
                case UInt8(ascii: "u"):
                    self.escapeValue = 0
                    self.state = .unicode(isKey: isKey, digits: 0)
                default:
                    if self.strict { throw self.error(index, "invalid escape in a string") }
                    // Lenient: an unknown escape stands for its character; a control character ends nothing.
                    self.escape.removeLast()
                    self.emitSpecial(raw: self.escape, decoded: [], isKey: isKey, into: &output, tally: &tally)
                    self.state = .string(isKey: isKey)
                    continue  // reprocess the byte as string content
                }
                if let decoded {
                    self.emitSpecial(raw: self.escape, decoded: [decoded], isKey: isKey, into: &output, tally: &tally)
                    self.state = .string(isKey: isKey)
                }
                index += 1

            case .unicode(let isKey, let digits):
                guard let hex = ByteClass.hexValue(byte) else {
                    if self.strict { throw self.error(index, "invalid \\u escape in a string") }
                    self.flushHighSurrogate(isKey: isKey, into: &output, tally: &tally)
                    self.emitSpecial(raw: self.escape, decoded: [], isKey: isKey, into: &output, tally: &tally)
                    self.state = .string(isKey: isKey)
                    continue
                }
                self.escape.append(byte)
                self.escapeValue = self.escapeValue << 4 | hex
                index += 1
                guard digits == 3 else {
                    self.state = .unicode(isKey: isKey, digits: digits + 1)
                    continue
                }
                let value = self.escapeValue
                if let high = self.highSurrogate {
                    if value >= 0xDC00 && value <= 0xDFFF {
                        self.highSurrogate = nil
                        var decoded: [UInt8] = []
                        appendUTF8(0x10000 + ((high.value - 0xD800) << 10) + (value - 0xDC00), to: &decoded)
                        self.emitSpecial(raw: high.raw + self.escape, decoded: decoded, isKey: isKey, into: &output, tally: &tally)
                        self.state = .string(isKey: isKey)
                        continue
                    }
                    self.flushHighSurrogate(isKey: isKey, into: &output, tally: &tally)
                }
                if value >= 0xD800 && value <= 0xDBFF {
                    self.highSurrogate = (self.escape, value)
                    self.state = .afterHighSurrogate(isKey: isKey)
                } else {
                    var decoded: [UInt8] = []
                    appendUTF8(value, to: &decoded)
                    self.emitSpecial(raw: self.escape, decoded: decoded, isKey: isKey, into: &output, tally: &tally)
                    self.state = .string(isKey: isKey)
                }

            case .afterHighSurrogate(let isKey):
                if byte == UInt8(ascii: "\\") {
                    self.escape.removeAll(keepingCapacity: true)
                    self.escape.append(byte)
                    self.state = .afterHighSurrogateBackslash(isKey: isKey)
                    index += 1
                } else {
                    self.flushHighSurrogate(isKey: isKey, into: &output, tally: &tally)
                    self.state = .string(isKey: isKey)
                }

            case .afterHighSurrogateBackslash(let isKey):
                if byte == UInt8(ascii: "u") {
                    self.escape.append(byte)
                    self.escapeValue = 0
                    self.state = .unicode(isKey: isKey, digits: 0)
                    index += 1
                } else {
                    self.flushHighSurrogate(isKey: isKey, into: &output, tally: &tally)
                    self.state = .escape(isKey: isKey)
                }

            case .number(let number):
                var next: NumberState? = nil
                let isDigit = ByteClass.isDigit(byte)
                switch number {
                case .minus: next = byte == 0x30 ? .zero : isDigit ? .integer : nil
                case .zero: next = byte == UInt8(ascii: ".") ? .dot : (byte | 0x20) == UInt8(ascii: "e") ? .exponentMark : nil
                case .integer:
                    next = isDigit ? .integer : byte == UInt8(ascii: ".") ? .dot : (byte | 0x20) == UInt8(ascii: "e") ? .exponentMark : nil
                case .dot: next = isDigit ? .fraction : nil
                case .fraction: next = isDigit ? .fraction : (byte | 0x20) == UInt8(ascii: "e") ? .exponentMark : nil
                case .exponentMark: next = isDigit ? .exponent : (byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")) ? .exponentSign : nil
                case .exponentSign: next = isDigit ? .exponent : nil
                case .exponent: next = isDigit ? .exponent : nil
                }
                if let next {
                    // Digits run on: take them in one go.
                    var end = index + 1
                    if next == .integer || next == .fraction || next == .exponent {
                        while end < count && ByteClass.isDigit(bytes[end]) { end += 1 }
                    }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                    self.state = .number(next)
                    index = end
                } else {
                    guard Self.numberCanEnd(number) else {
                        if self.strict { throw self.error(index, "malformed number") }
                        return self.fail(at: index)
                    }
                    self.valueCompleted()  // reprocess the byte
                }

            case .literal(let which, let literalIndex):
                let expected = Self.literals[which]!
                guard byte == expected[literalIndex] else {
                    if self.strict { throw self.error(index, "malformed literal") }
                    return self.fail(at: index)
                }
                output.append(byte)
                index += 1
                if literalIndex + 1 == expected.count { self.valueCompleted() }
                else { self.state = .literal(which: which, index: literalIndex + 1) }

            case .start:
                if byte == 0xEF {
                    output.append(byte)
                    self.state = .byteOrderMark(1)
                    index += 1
                } else {
                    self.state = .top
                }

            case .byteOrderMark(let matched):
                guard byte == (matched == 1 ? 0xBB : 0xBF) else {
                    if self.strict { throw self.error(index, "unexpected byte") }
                    return self.fail(at: index)
                }
                output.append(byte)
                index += 1
                self.state = matched == 1 ? .byteOrderMark(2) : .top

            case .top, .value, .valueOrClose, .keyOrClose, .key, .colon, .afterValue:
                let next = self.runStructure(bytes, from: index, tally: &tally, into: &output)
                if next > index {
                    index = next
                    continue
                }
                if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                    var end = index + 1
                    while end < count, bytes[end] == 0x20 || bytes[end] == 0x0A || bytes[end] == 0x0D || bytes[end] == 0x09 { end += 1 }
                    // Mostly one space (`", "`, `": "`): a byte append costs far less than a slice append.
                    if end == index + 1 {
                        output.append(byte)
                    } else {
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                    }
                    index = end
                    continue
                }
                if self.commonStructural(byte) {
                    output.append(byte)
                    index += 1
                    continue
                }
                if let failure = try self.structural(byte, at: index, into: &output) { return failure }
                index += 1
            }
        }
        return nil
    }

    /// The common run of a document in one loop: whitespace, structure, keys and string values whole in the chunk
    /// without escapes, integers and literals, from `start` in one of the structural states. Returns where it
    /// stopped (the state there set): at the end of the chunk, or at a byte it leaves to the byte-by-byte machine
    /// above (a string or number not whole in the chunk, an escape, anything malformed), which takes it in the same
    /// state as if this loop had never run.
    ///
    /// Why: a dense body is short keys and values; taking each structural byte, key and value through the state
    /// machine and appending each piece to the output cost more than detecting the values. Here everything released
    /// as it came (structure, keys, numbers, values with nothing to mask) is appended as one run, when something
    /// else must be written or the loop stops.
    private mutating func runStructure(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, tally: inout MaskTally,
                                       into output: inout ByteOutput) -> Int {
        guard let base = bytes.baseAddress, var state = Structure(self.state) else { return start }
        let count = bytes.count
        var index = start
        /// Input before it has been released (or replaced by what was released for it).
        var released = start
        // The innermost frame, as the loop reads it (its hint written to `frames` when a frame opens inside it and
        // when the loop stops).
        var isArray = self.frames.last?.isArray ?? false
        var hint = self.currentHint
        let keyHints = self.masker.keyHints
        scan: while index < count {
            let byte = base[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                index += 1
                continue
            }
            switch state {
            case .key, .keyOrClose:
                if byte == UInt8(ascii: "\"") {
                    let keyStart = index + 1
                    let stop = Self.stringStop(base, from: keyStart, end: count)
                    guard stop < count, base[stop] == UInt8(ascii: "\"") else { break scan }
                    // The label is cut as `appendLabel` cuts it.
                    var end = min(stop, keyStart + maxLabelBytes)
                    if end < stop { while end > keyStart && base[end] & 0xC0 == 0x80 { end -= 1 } }
                    // Written to the frame when another opens inside it or the loop stops.
                    let key = UnsafeBufferPointer(start: base + keyStart, count: end - keyStart)
                    if let known = keyHints.lookup(key, readable: count - keyStart) {
                        hint = known
                    } else {
                        hint = self.masker.resolveHint(forKey: key, readable: count - keyStart)
                    }
                    index = stop + 1
                    // Mostly `": "` follows: taken here, not byte by byte through the loop.
                    if index < count && base[index] == UInt8(ascii: ":") {
                        index += 1
                        if index < count && base[index] == 0x20 { index += 1 }
                        state = .value
                    } else {
                        state = .colon
                    }
                    continue scan
                }
                guard byte == UInt8(ascii: "}"), state == .keyOrClose else { break scan }
                index += 1
            case .colon:
                guard byte == UInt8(ascii: ":") else { break scan }
                state = .value
                index += 1
                continue scan
            case .afterValue:
                index += 1
                if byte == UInt8(ascii: ",") {
                    state = isArray ? .value : .key
                    continue scan
                }
                guard byte == (isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")) else {
                    index -= 1
                    break scan
                }
            case .value, .valueOrClose, .top:
                switch byte {
                case UInt8(ascii: "\""):
                    let valueStart = index + 1
                    let stop = Self.stringStop(base, from: valueStart, end: count)
                    if stop < count && base[stop] == UInt8(ascii: "\\") {
                        guard let end = self.escapedValue(base, from: valueStart, firstEscape: stop, count: count,
                                                          hint: hint, released: &released, tally: &tally,
                                                          into: &output)
                        else { break scan }
                        index = end + 1
                        break
                    }
                    guard stop < count, base[stop] == UInt8(ascii: "\""), stop - valueStart < maxUnitBytes else { break scan }
                    let text = UnsafeBufferPointer(start: base + valueStart, count: stop - valueStart)
                    if TextUnit.mayHoldValue(text) {
                        let detections = self.masker.detections(in: text, hint: hint)
                        if !detections.isEmpty {
                            output.append(contentsOf: UnsafeBufferPointer(start: base + released, count: valueStart - released))
                            // Read up to the first `"`, `\\` or control character: nothing JSON escapes but `<`.
                            renderVerbatim(text, detections: detections, masker: self.masker,
                                           escaping: .json(inScript: self.inScript), plain: !self.inScript,
                                           tally: &tally, into: &output)
                            released = stop
                        }
                    }
                    index = stop + 1
                case 0x2D, 0x30...0x39:
                    // A number whose end is in the chunk, with no fraction or exponent.
                    var end = byte == 0x2D ? index + 1 : index
                    guard end < count else { break scan }
                    if base[end] == 0x30 {
                        end += 1
                    } else if base[end] &- 0x31 < 9 {
                        end += 1
                        while end < count && base[end] &- 0x30 < 10 { end += 1 }
                    } else {
                        break scan
                    }
                    guard end < count else { break scan }
                    let after = base[end]
                    guard after &- 0x30 >= 10, after != UInt8(ascii: "."), after | 0x20 != UInt8(ascii: "e") else { break scan }
                    index = end
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard self.frames.count < Self.maxDepth else { break scan }
                    if !self.frames.isEmpty { self.frames[self.frames.count - 1].hint = hint }
                    isArray = byte == UInt8(ascii: "[")
                    if !isArray { hint = nil }
                    self.frames.append(Frame(isArray: isArray, hint: hint))
                    index += 1
                    state = isArray ? .valueOrClose : .keyOrClose
                    continue scan
                case UInt8(ascii: "]"):
                    guard state == .valueOrClose else { break scan }
                    index += 1
                    self.closeFrame(isArray: &isArray, hint: &hint)
                    state = self.frames.isEmpty ? .top : .afterValue
                    continue scan
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    let literal: StaticString = byte == UInt8(ascii: "t") ? "true" : byte == UInt8(ascii: "f") ? "false" : "null"
                    let length = literal.utf8CodeUnitCount
                    guard index + length <= count, memcmp(base + index, literal.utf8Start, length) == 0 else { break scan }
                    index += length
                default:
                    break scan
                }
                state = self.frames.isEmpty ? .top : .afterValue
                // Mostly `, ` follows a member: taken here, not byte by byte through the loop.
                if state == .afterValue && index < count && base[index] == UInt8(ascii: ",") {
                    index += 1
                    if index < count && base[index] == 0x20 { index += 1 }
                    state = isArray ? .value : .key
                }
                continue scan
            }
            // `}` or `]` closing the innermost container (`index` is past it).
            self.closeFrame(isArray: &isArray, hint: &hint)
            state = self.frames.isEmpty ? .top : .afterValue
        }
        output.append(contentsOf: UnsafeBufferPointer(start: base + released, count: index - released))
        if !self.frames.isEmpty { self.frames[self.frames.count - 1].hint = hint }
        self.state = state.state
        return index
    }

    /// Longest string with escapes `escapedValue` takes (raw bytes between the quotes); longer ones, far below
    /// `maxUnitBytes`, are collected in the `TextUnit`.
    static let maxEscapedValue = 1024

    /// A string value with escapes whole in the chunk (`\\uXXXX` other than surrogates, and the one-letter escapes),
    /// decoded into scratch memory, detected and released as `flushUnit` releases the `TextUnit` the byte-by-byte
    /// machine would have collected for it: untouched when nothing is masked (then it stays in the run of released
    /// input), else with each value's raw bytes replaced by its masked form, JSON-escaped. Returns the index of the
    /// closing quote, or nil (nothing done) for anything else: the machine takes the string then.
    ///
    /// Why: many encoders write all non-ASCII as `\\uXXXX`; such values went through the state machine, three
    /// arrays of the unit and its general rendering.
    private mutating func escapedValue(_ base: UnsafePointer<UInt8>, from valueStart: Int, firstEscape: Int, count: Int,
                                       hint: PIIKind?, released: inout Int, tally: inout MaskTally,
                                       into output: inout ByteOutput) -> Int? {
        let limit = min(count, valueStart + Self.maxEscapedValue)
        guard firstEscape < limit else { return nil }
        let scratch: EscapeScratch
        if let existing = self.escapeScratch {
            scratch = existing
        } else {
            scratch = EscapeScratch(capacity: Self.maxEscapedValue)
            self.escapeScratch = scratch
        }
        let decodedBase = scratch.decoded
        let spans = scratch.spans
        var index = firstEscape
        var decodedCount = firstEscape - valueStart
        decodedBase.update(from: base + valueStart, count: decodedCount)
        var spanCount = 0
        while true {
            guard index < limit else { return nil }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte != UInt8(ascii: "\\") {
                guard byte >= 0x20 else { return nil }
                let stop = Self.stringStop(base, from: index, end: limit)
                (decodedBase + decodedCount).update(from: base + index, count: stop - index)
                decodedCount += stop - index
                index = stop
                continue
            }
            guard index + 1 < limit else { return nil }
            let decodedStart = decodedCount
            var rawLength = 2
            switch base[index + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                decodedBase[decodedCount] = base[index + 1]
                decodedCount += 1
            case UInt8(ascii: "b"): decodedBase[decodedCount] = 0x08; decodedCount += 1
            case UInt8(ascii: "f"): decodedBase[decodedCount] = 0x0C; decodedCount += 1
            case UInt8(ascii: "n"): decodedBase[decodedCount] = 0x0A; decodedCount += 1
            case UInt8(ascii: "r"): decodedBase[decodedCount] = 0x0D; decodedCount += 1
            case UInt8(ascii: "t"): decodedBase[decodedCount] = 0x09; decodedCount += 1
            case UInt8(ascii: "u"):
                // Pairs of surrogates are left to the machine.
                guard index + 6 <= limit, let scalar = jsonEscapedScalar(base, at: index) else { return nil }
                decodedCount += storeUTF8(scalar, at: decodedBase + decodedCount)
                rawLength = 6
            default:
                return nil
            }
            spans[spanCount] = EscapeSpan(rawStart: index - valueStart, rawEnd: index - valueStart + rawLength,
                                          decodedStart: decodedStart, decodedEnd: decodedCount)
            spanCount += 1
            index += rawLength
        }
        let text = UnsafeBufferPointer(start: decodedBase, count: decodedCount)
        guard TextUnit.mayHoldValue(text) else { return index }
        let detections = self.masker.detections(in: text, hint: hint)
        guard !detections.isEmpty else { return index }
        let escapes = UnsafeBufferPointer(start: spans, count: spanCount)
        let raw = UnsafeBufferPointer(start: base + valueStart, count: index - valueStart)
        output.append(contentsOf: UnsafeBufferPointer(start: base + released, count: valueStart - released))
        var rawPosition = 0
        for detection in detections {
            let start = EscapeSpan.rawStart(forDecoded: detection.start, escapes)
            let end = EscapeSpan.rawEnd(forDecoded: detection.end, escapes)
            guard start >= rawPosition, end >= start else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: raw[rawPosition..<start]))
            tally.add(detection.kind)
            appendMasked(UnsafeBufferPointer(rebasing: text[detection.start..<detection.end]), detection: detection,
                         masker: self.masker, escaping: .json(inScript: self.inScript), into: &output)
            rawPosition = end
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: raw[rawPosition...]))
        released = index
        return index
    }

    /// Pops the innermost frame; `isArray` and `hint` become those of the one around it.
    @inline(__always)
    private mutating func closeFrame(isArray: inout Bool, hint: inout PIIKind?) {
        self.frames.removeLast()
        isArray = self.frames.last?.isArray ?? false
        hint = self.currentHint
    }

    /// The states `runStructure` works in, as one byte (the `State` enum with payloads switched slowly).
    private enum Structure: UInt8 {
        case top, value, valueOrClose, key, keyOrClose, colon, afterValue

        init?(_ state: State) {
            switch state {
            case .top: self = .top
            case .value: self = .value
            case .valueOrClose: self = .valueOrClose
            case .key: self = .key
            case .keyOrClose: self = .keyOrClose
            case .colon: self = .colon
            case .afterValue: self = .afterValue
            default: return nil
            }
        }

        var state: State {
            switch self {
            case .top: .top
            case .value: .value
            case .valueOrClose: .valueOrClose
            case .key: .key
            case .keyOrClose: .keyOrClose
            case .colon: .colon
            case .afterValue: .afterValue
            }
        }
    }

    /// The first `"`, `\\` or control character in `from..<end`, or `end`: eight bytes at a time (`StopSet` went
    /// byte by byte through a table).
    @inline(__always)
    static func stringStop(_ base: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
        var index = from
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        while index + 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            // XOR 0x02 maps `"` to 0x20 and keeps control characters below 0x20: both are the bytes below 0x21 of
            // `low`. Those and the zero bytes of `backslash` are flagged; the lowest flagged byte is exact.
            let low = word ^ (ones &* 0x02)
            let backslash = word ^ (ones &* 0x5C)
            let found = ((low &- ones &* 0x21) & ~low | (backslash &- ones) & ~backslash) & high
            if found != 0 { return index + found.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < end {
            let byte = base[index]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 { return index }
            index += 1
        }
        return end
    }

    /// One structural byte outside strings and numbers. Returns a lenient failure index.
    /// The transitions between a key and its value and between members (`"` opening a key or a value, `:`, `,`),
    /// which `structural` makes the same way: here without its call and error paths (most bytes it saw were these).
    @inline(__always)
    private mutating func commonStructural(_ byte: UInt8) -> Bool {
        switch (self.state, byte) {
        case (.value, UInt8(ascii: "\"")), (.valueOrClose, UInt8(ascii: "\"")), (.top, UInt8(ascii: "\"")):
            self.state = .string(isKey: false)
        case (.key, UInt8(ascii: "\"")), (.keyOrClose, UInt8(ascii: "\"")):
            self.key.removeAll(keepingCapacity: true)
            self.state = .string(isKey: true)
        case (.colon, UInt8(ascii: ":")):
            self.state = .value
        case (.afterValue, UInt8(ascii: ",")):
            self.state = self.frames[self.frames.count - 1].isArray ? .value : .key
        default:
            return false
        }
        return true
    }

    private mutating func structural(_ byte: UInt8, at index: Int, into output: inout ByteOutput) throws(MaskingError) -> Int? {
        switch self.state {
        case .top, .value, .valueOrClose:
            if byte == UInt8(ascii: "]"), case .valueOrClose = self.state {
                output.append(byte)
                self.frames.removeLast()
                self.valueCompleted()
                return nil
            }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard self.frames.count < Self.maxDepth else {
                    if self.strict { throw MaskingError(.tooLarge, "JSON: nesting deeper than \(Self.maxDepth) at byte offset \(self.offset + index)") }
                    return self.fail(at: index)
                }
                let isArray = byte == UInt8(ascii: "[")
                self.frames.append(Frame(isArray: isArray, hint: isArray ? self.currentHint : nil))
                self.state = isArray ? .valueOrClose : .keyOrClose
            case UInt8(ascii: "\""):
                self.state = .string(isKey: false)
            case UInt8(ascii: "-"):
                self.state = .number(.minus)
            case 0x30:
                self.state = .number(.zero)
            case 0x31...0x39:
                self.state = .number(.integer)
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                self.state = .literal(which: byte, index: 1)
            default:
                if self.strict { throw self.error(index, "expected a value") }
                return self.fail(at: index)
            }
        case .keyOrClose, .key:
            if byte == UInt8(ascii: "\"") {
                self.key.removeAll(keepingCapacity: true)
                self.state = .string(isKey: true)
            } else if byte == UInt8(ascii: "}"), case .keyOrClose = self.state {
                self.frames.removeLast()
                output.append(byte)
                self.valueCompleted()
                return nil
            } else {
                if self.strict { throw self.error(index, "expected a key") }
                return self.fail(at: index)
            }
        case .colon:
            guard byte == UInt8(ascii: ":") else {
                if self.strict { throw self.error(index, "expected ':'") }
                return self.fail(at: index)
            }
            self.state = .value
        case .afterValue:
            let isArray = self.frames[self.frames.count - 1].isArray
            if byte == UInt8(ascii: ",") {
                self.state = isArray ? .value : .key
            } else if byte == (isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")) {
                self.frames.removeLast()
                output.append(byte)
                self.valueCompleted()
                return nil
            } else {
                if self.strict { throw self.error(index, "expected ',' or the end of a container") }
                return self.fail(at: index)
            }
        default:
            break
        }
        output.append(byte)
        return nil
    }

    private mutating func valueCompleted() {
        self.state = self.frames.isEmpty ? .top : .afterValue
    }

    private var currentHint: PIIKind? { self.frames.last?.hint ?? nil }

    private mutating func fail(at index: Int) -> Int {
        self.state = .top
        self.frames.removeAll()
        return index
    }

    private func error(_ index: Int, _ what: String) -> MaskingError {
        MaskingError(.malformed, "JSON: \(what) at byte offset \(self.offset + index)")
    }

    private mutating func emitVerbatim(_ byte: UInt8, isKey: Bool, into output: inout ByteOutput, tally: inout MaskTally) {
        if isKey {
            output.append(byte)
            if self.key.count < maxLabelBytes { self.key.append(byte) }
        } else {
            self.unit.appendVerbatim(byte: byte)
            self.cutIfLong(into: &output, tally: &tally)
        }
    }

    private mutating func emitSpecial(raw: [UInt8], decoded: [UInt8], isKey: Bool, into output: inout ByteOutput,
                                      tally: inout MaskTally) {
        if isKey {
            output.append(contentsOf: raw)
            appendLabel(decoded, to: &self.key)
        } else {
            self.unit.appendSpecial(raw: raw, decoded: decoded)
            self.cutIfLong(into: &output, tally: &tally)
        }
    }

    /// `emitSpecial` for a `\uXXXX` escape standing for `scalar`, without arrays.
    private mutating func emitSpecial(raw: UnsafeBufferPointer<UInt8>, scalar: UInt32, isKey: Bool,
                                      into output: inout ByteOutput, tally: inout MaskTally) {
        if isKey {
            output.append(contentsOf: raw)
            withUTF8(of: scalar) { appendLabel($0, to: &self.key) }
        } else {
            self.unit.appendSpecial(raw: raw, scalar: scalar)
            self.cutIfLong(into: &output, tally: &tally)
        }
    }

    /// The scalar of a `\uXXXX` escape at `index` when all six bytes are in `bytes` and it is not a surrogate (those
    /// pair up, or stand alone, across escapes: left to the escape states).
    @inline(__always)
    private static func unicodeEscape(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32? {
        guard index + 6 <= bytes.count, bytes[index + 1] == UInt8(ascii: "u") else { return nil }
        var value: UInt32 = 0
        for offset in 2..<6 {
            guard let hex = ByteClass.hexValue(bytes[index + offset]) else { return nil }
            value = value << 4 | hex
        }
        return value >= 0xD800 && value <= 0xDFFF ? nil : value
    }

    /// A high surrogate not followed by a low one stands alone (decoded as U+FFFD for detection, kept as written).
    private mutating func flushHighSurrogate(isKey: Bool, into output: inout ByteOutput, tally: inout MaskTally) {
        guard let high = self.highSurrogate else { return }
        self.highSurrogate = nil
        self.emitSpecial(raw: high.raw, decoded: [0xEF, 0xBF, 0xBD], isKey: isKey, into: &output, tally: &tally)
    }

    private mutating func cutIfLong(into output: inout ByteOutput, tally: inout MaskTally) {
        while self.unit.rawCount >= maxUnitBytes {
            let head = self.unit.cut(limit: maxUnitBytes)
            self.render(head, tally: &tally, into: &output)
        }
    }

    private mutating func flushUnit(into output: inout ByteOutput, tally: inout MaskTally) {
        guard !self.unit.isEmpty else { return }
        self.cutIfLong(into: &output, tally: &tally)
        self.render(self.unit, tally: &tally, into: &output)
        self.unit.removeAll()
    }

    /// A collected string value (or a cut piece of one), labelled by the current key's kind.
    private func render(_ unit: TextUnit, tally: inout MaskTally, into output: inout ByteOutput) {
        let hint = self.currentHint
        let detections = unit.withText { text in
            TextUnit.mayHoldValue(text) ? self.masker.detections(in: text, hint: hint) : []
        }
        unit.render(masker: self.masker, label: nil, escaping: .json(inScript: self.inScript), tally: &tally,
                    into: &output, detections: detections)
    }

    /// A whole string value without escapes, straight from the input (the bytes between its quotes, read up to the
    /// first `"`, `\\` or control character).
    @inline(__always)
    private func renderValue(_ text: UnsafeBufferPointer<UInt8>, tally: inout MaskTally, into output: inout ByteOutput) {
        if TextUnit.mayHoldValue(text) {
            let detections = self.masker.detections(in: text, hint: self.currentHint)
            if !detections.isEmpty {
                renderVerbatim(text, detections: detections, masker: self.masker,
                               escaping: .json(inScript: self.inScript), plain: !self.inScript, tally: &tally,
                               into: &output)
                return
            }
        }
        output.append(contentsOf: text)
    }

    /// The end of the input. Strict: anything left open is malformed. Lenient: what is held is released.
    mutating func finish(into output: inout ByteOutput, tally: inout MaskTally) throws(MaskingError) {
        if self.strict {
            guard self.isComplete else {
                throw MaskingError(.malformed, "JSON: unexpected end of the body at byte offset \(self.offset)")
            }
            return
        }
        switch self.state {
        case .string(let isKey), .escape(let isKey), .unicode(let isKey, _), .afterHighSurrogate(let isKey),
             .afterHighSurrogateBackslash(let isKey):
            self.flushHighSurrogate(isKey: isKey, into: &output, tally: &tally)
            if case .string = self.state {} else if !self.escape.isEmpty {
                if isKey { output.append(contentsOf: self.escape) } else { self.unit.appendSpecial(raw: self.escape, decoded: []) }
            }
            self.flushUnit(into: &output, tally: &tally)
        default:
            break
        }
        self.escape.removeAll()
        self.state = .top
        self.frames.removeAll()
    }
}

/// Scratch memory for `JSONCore.escapedValue`: a value's decoded bytes and its escapes, made once per core (as
/// temporary allocations per value, the 16 KiB of spans went to the heap and back for every escaped value). Owned by
/// one core; copies of the core share it, never at the same time (nothing reenters `escapedValue`).
final class EscapeScratch {
    let decoded: UnsafeMutablePointer<UInt8>
    let spans: UnsafeMutablePointer<EscapeSpan>

    init(capacity: Int) {
        self.decoded = .allocate(capacity: capacity)
        self.spans = .allocate(capacity: capacity / 2)
    }

    deinit {
        self.decoded.deallocate()
        self.spans.deallocate()
    }
}

/// One escape of a string value in `JSONCore.escapedValue`: where it is in the raw bytes and what it decoded to,
/// offsets from the value's start. Maps detections on the decoded text back to raw bytes as `TextUnit` does.
struct EscapeSpan {
    var rawStart: Int
    var rawEnd: Int
    var decodedStart: Int
    var decodedEnd: Int

    /// `TextUnit.rawStart(forDecoded:)`: where a value starting at decoded offset `d` starts in the raw bytes (an
    /// offset inside an escape rounds down to the escape's start).
    static func rawStart(forDecoded d: Int, _ spans: UnsafeBufferPointer<EscapeSpan>) -> Int {
        // Number of spans with decodedEnd <= d.
        var low = 0
        var high = spans.count
        while low < high {
            let mid = (low + high) / 2
            if spans[mid].decodedEnd <= d { low = mid + 1 } else { high = mid }
        }
        if low < spans.count && spans[low].decodedStart < d { return spans[low].rawStart }
        if low == 0 { return d }
        let previous = spans[low - 1]
        return previous.rawEnd + (d - previous.decodedEnd)
    }

    /// `TextUnit.rawEnd(forDecoded:)`: where a value ending at decoded offset `d` ends in the raw bytes (an offset
    /// inside an escape rounds up to the escape's end).
    static func rawEnd(forDecoded d: Int, _ spans: UnsafeBufferPointer<EscapeSpan>) -> Int {
        // Number of spans with decodedStart < d.
        var low = 0
        var high = spans.count
        while low < high {
            let mid = (low + high) / 2
            if spans[mid].decodedStart < d { low = mid + 1 } else { high = mid }
        }
        if low == 0 { return d }
        let previous = spans[low - 1]
        if previous.decodedEnd > d { return previous.rawEnd }
        return previous.rawEnd + (d - previous.decodedEnd)
    }
}
