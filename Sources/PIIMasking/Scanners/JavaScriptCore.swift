/// Masks the string literals of inline JavaScript (`<script>` without a JSON type) as it streams.
///
/// Not a parser: a tokenizer that knows strings (`'…'`, `"…"`, `` `…` ``), comments and regular-expression literals
/// well enough that a quote inside a comment or a regex does not start a string. Each string literal is one unit; its
/// label is the nearest preceding identifier or key that was assigned or given a value (`buyerName: "…"`,
/// `"phone": "…"`, `var receiver = "…"`, `phones: ["…", "…"]`); `;`, `(`, `)`, `{` and `}` end a label's reach. A
/// string right after `{` or `,` and followed by `:` is a key: not masked, it labels what follows. Known gaps: `${…}`
/// inside template literals is treated as part of the literal, and a surrogate pair written as two `\u` escapes is
/// decoded as two replacement characters (the bytes are kept as written unless inside a masked value).
struct JavaScriptCore {
    private enum State {
        case code
        case slash
        case lineComment
        case blockComment(star: Bool)
        case regex(inClass: Bool, escaped: Bool)
        case string(quote: UInt8)
        case stringEscape(quote: UInt8)
        case stringHex(quote: UInt8, digits: Int, needed: Int)
        case stringBraceUnicode(quote: UInt8)
        case afterCandidateKey(quote: UInt8)
    }

    let masker: ScanContext
    private var state: State = .code
    private var unit = TextUnit()
    private var escape: [UInt8] = []
    private var escapeValue: UInt32 = 0
    /// The identifier being read (first bytes), and whether one is being read.
    private var identifier: [UInt8] = []
    private var inIdentifier = false
    private var inNumber = false
    /// The last identifier or string key (its own storage: `endWord` swaps it with `identifier`, so neither is
    /// copied nor shared), and whether it is the last token.
    private var lastWord: [UInt8] = []
    private var lastTokenIsWord = false
    /// The kind named by the label in reach (nil: no label, or one that names no kind), looked up once when the
    /// label is given (`:` or `=`) rather than for every string in its reach.
    private var label: PIIKind?
    /// The last significant code byte (`a` after an identifier, `0` after a number, `"` after a string; 0 at the start).
    private var previous: UInt8 = 0
    private var stringIsCandidateKey = false
    /// The kind of the label in reach when the current string began.
    private var stringLabel: PIIKind?
    private var candidateWhitespace: [UInt8] = []

    private static let doubleStops = StopSet([UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D])
    private static let singleStops = StopSet([UInt8(ascii: "'"), UInt8(ascii: "\\"), 0x0A, 0x0D])
    private static let templateStops = StopSet([UInt8(ascii: "`"), UInt8(ascii: "\\")])
    // Copies of the stop sets above, read from `self`: a `static let` is reached through `swift_once` at every
    // use, and the scanning loops use one per run of text, string or tag.
    private let doubleStops = JavaScriptCore.doubleStops
    private let singleStops = JavaScriptCore.singleStops
    private let templateStops = JavaScriptCore.templateStops
    /// Keywords after which `/` starts a regular expression (`isRegexKeyword` tells them; a test keeps the two equal).
    static let regexKeywords: Set<[UInt8]> = Set(["return", "typeof", "case", "do", "else", "in", "of", "new",
                                                  "delete", "void", "throw", "instanceof", "yield", "await"].map { Array($0.utf8) })
    /// Whitespace after a possible key before it is taken for a value.
    private static let maxKeyWhitespace = 1024

    init(masker: ScanContext) {
        self.masker = masker
    }

    var heldBytes: Int { self.unit.rawCount + self.escape.count + self.candidateWhitespace.count }

    @inline(__always)
    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || ByteClass.isASCIILetter(byte) || ByteClass.isDigit(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "$")
    }

    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally) {
        let count = bytes.count
        var index = 0
        while index < count {
            let byte = bytes[index]
            switch self.state {
            case .code:
                var end = index
                while end < count {
                    let current = bytes[end]
                    if Self.isIdentifierByte(current) {
                        if !self.inIdentifier && !self.inNumber {
                            if ByteClass.isDigit(current) { self.inNumber = true } else {
                                self.inIdentifier = true
                                self.identifier.removeAll(keepingCapacity: true)
                            }
                        }
                        // The rest of the word in this chunk, then its first 64 bytes kept at once.
                        var wordEnd = end + 1
                        while wordEnd < count && Self.isIdentifierByte(bytes[wordEnd]) { wordEnd += 1 }
                        if self.inIdentifier && self.identifier.count < 64 {
                            let take = min(wordEnd - end, 64 - self.identifier.count)
                            self.identifier.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[end..<(end + take)]))
                        }
                        end = wordEnd
                        continue
                    }
                    self.endWord()
                    if current == UInt8(ascii: "\"") || current == UInt8(ascii: "'") || current == UInt8(ascii: "`")
                        || current == UInt8(ascii: "/")
                    {
                        break
                    }
                    end += 1
                    if ByteClass.isASCIIWhitespace(current) { continue }
                    switch current {
                    case UInt8(ascii: ":"), UInt8(ascii: "="):
                        if self.lastTokenIsWord { self.label = self.masker.kind(forKey: self.lastWord) }
                    case UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                        self.label = nil
                    default:
                        break
                    }
                    self.previous = current
                    self.lastTokenIsWord = false
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                index = end
                guard index < count else { break }
                let stop = bytes[index]
                output.append(stop)
                index += 1
                if stop == UInt8(ascii: "/") {
                    self.state = .slash
                } else {
                    self.stringIsCandidateKey = stop != UInt8(ascii: "`")
                        && (self.previous == UInt8(ascii: "{") || self.previous == UInt8(ascii: ","))
                    self.stringLabel = self.label
                    self.state = .string(quote: stop)
                }

            case .slash:
                if byte == UInt8(ascii: "/") {
                    output.append(byte)
                    index += 1
                    self.state = .lineComment
                } else if byte == UInt8(ascii: "*") {
                    output.append(byte)
                    index += 1
                    self.state = .blockComment(star: false)
                } else if self.regexAllowed {
                    self.state = .regex(inClass: false, escaped: false)
                } else {
                    self.previous = UInt8(ascii: "/")
                    self.lastTokenIsWord = false
                    self.state = .code
                }

            case .lineComment:
                var end = index
                while end < count && bytes[end] != 0x0A { end += 1 }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                index = end
                if end < count { self.state = .code }

            case .blockComment(let star):
                var end = index
                var sawStar = star
                var closed = false
                while end < count {
                    let current = bytes[end]
                    end += 1
                    if sawStar && current == UInt8(ascii: "/") { closed = true; break }
                    sawStar = current == UInt8(ascii: "*")
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                index = end
                self.state = closed ? .code : .blockComment(star: sawStar)

            case .regex(var inClass, var escaped):
                var end = index
                var closed = false
                while end < count {
                    let current = bytes[end]
                    end += 1
                    if escaped { escaped = false; continue }
                    if current == UInt8(ascii: "\\") { escaped = true }
                    else if current == UInt8(ascii: "[") { inClass = true }
                    else if current == UInt8(ascii: "]") { inClass = false }
                    else if current == 0x0A || (current == UInt8(ascii: "/") && !inClass) { closed = true; break }
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                index = end
                if closed {
                    self.previous = UInt8(ascii: ")")
                    self.lastTokenIsWord = false
                    self.state = .code
                } else {
                    self.state = .regex(inClass: inClass, escaped: escaped)
                }

            case .string(let quote):
                let stops = quote == UInt8(ascii: "\"") ? self.doubleStops : quote == UInt8(ascii: "'") ? self.singleStops : self.templateStops
                let stop = stops.firstStop(in: bytes, from: index, end: count)
                if self.unit.isEmpty && stop < count && bytes[stop] == quote && stop - index < maxUnitBytes,
                    let next = self.wholeString(bytes, from: index, closingQuote: stop, into: &output, tally: &tally)
                {
                    index = next
                    continue
                }
                if stop > index {
                    self.unit.appendVerbatim(UnsafeBufferPointer(rebasing: bytes[index..<stop]))
                    self.cutIfLong(quote: quote, into: &output, tally: &tally)
                    index = stop
                    continue
                }
                if byte == quote {
                    index += 1
                    if self.stringIsCandidateKey {
                        self.candidateWhitespace.removeAll(keepingCapacity: true)
                        self.state = .afterCandidateKey(quote: quote)
                    } else {
                        self.flushString(quote: quote, into: &output, tally: &tally)
                        output.append(quote)
                        self.stringEnded()
                    }
                } else if byte == UInt8(ascii: "\\") {
                    self.escape.removeAll(keepingCapacity: true)
                    self.escape.append(byte)
                    index += 1
                    self.state = .stringEscape(quote: quote)
                } else {
                    // A line break ends an unterminated string.
                    self.flushString(quote: quote, into: &output, tally: &tally)
                    self.stringEnded()
                }

            case .stringEscape(let quote):
                switch byte {
                case UInt8(ascii: "x"):
                    self.escape.append(byte)
                    self.escapeValue = 0
                    self.state = .stringHex(quote: quote, digits: 0, needed: 2)
                    index += 1
                case UInt8(ascii: "u"):
                    self.escape.append(byte)
                    self.escapeValue = 0
                    self.state = .stringHex(quote: quote, digits: 0, needed: 4)
                    index += 1
                case 0x0A, 0x0D:
                    // Line continuation.
                    self.escape.append(byte)
                    self.unit.appendSpecial(raw: self.escape, decoded: [])
                    self.state = .string(quote: quote)
                    index += 1
                case 0x80...:
                    self.unit.appendSpecial(raw: self.escape, decoded: [])
                    self.state = .string(quote: quote)
                default:
                    self.escape.append(byte)
                    let decoded: UInt8 = switch byte {
                    case UInt8(ascii: "n"): 0x0A
                    case UInt8(ascii: "t"): 0x09
                    case UInt8(ascii: "r"): 0x0D
                    case UInt8(ascii: "b"): 0x08
                    case UInt8(ascii: "f"): 0x0C
                    case UInt8(ascii: "v"): 0x0B
                    case UInt8(ascii: "0"): 0x00
                    default: byte
                    }
                    self.unit.appendSpecial(raw: self.escape, decoded: [decoded])
                    self.state = .string(quote: quote)
                    index += 1
                }
                self.cutIfLong(quote: quote, into: &output, tally: &tally)

            case .stringHex(let quote, let digits, let needed):
                if digits == 0 && needed == 4 && byte == UInt8(ascii: "{") {
                    self.escape.append(byte)
                    self.state = .stringBraceUnicode(quote: quote)
                    index += 1
                } else if let hex = ByteClass.hexValue(byte) {
                    self.escape.append(byte)
                    self.escapeValue = self.escapeValue << 4 | hex
                    index += 1
                    if digits + 1 == needed {
                        var decoded: [UInt8] = []
                        appendUTF8(self.escapeValue, to: &decoded)
                        self.unit.appendSpecial(raw: self.escape, decoded: decoded)
                        self.state = .string(quote: quote)
                        self.cutIfLong(quote: quote, into: &output, tally: &tally)
                    } else {
                        self.state = .stringHex(quote: quote, digits: digits + 1, needed: needed)
                    }
                } else {
                    self.unit.appendSpecial(raw: self.escape, decoded: [])
                    self.state = .string(quote: quote)
                    self.cutIfLong(quote: quote, into: &output, tally: &tally)
                }

            case .stringBraceUnicode(let quote):
                if let hex = ByteClass.hexValue(byte), self.escape.count < 10 {
                    self.escape.append(byte)
                    self.escapeValue = self.escapeValue << 4 | hex
                    index += 1
                } else {
                    var decoded: [UInt8] = []
                    if byte == UInt8(ascii: "}") {
                        self.escape.append(byte)
                        appendUTF8(self.escapeValue, to: &decoded)
                        index += 1
                    }
                    self.unit.appendSpecial(raw: self.escape, decoded: decoded)
                    self.state = .string(quote: quote)
                    self.cutIfLong(quote: quote, into: &output, tally: &tally)
                }

            case .afterCandidateKey(let quote):
                if ByteClass.isASCIIWhitespace(byte) && self.candidateWhitespace.count < Self.maxKeyWhitespace {
                    self.candidateWhitespace.append(byte)
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: ":") {
                    // A key: released as written; it labels what follows.
                    self.lastWord.removeAll(keepingCapacity: true)
                    self.lastWord.append(contentsOf: self.unit.textPrefix(maxLabelBytes))
                    self.unit.appendRaw(to: &output)
                    self.unit.removeAll()
                    output.append(quote)
                    output.append(contentsOf: self.candidateWhitespace)
                    self.candidateWhitespace.removeAll(keepingCapacity: true)
                    self.previous = UInt8(ascii: "\"")
                    self.lastTokenIsWord = true
                } else {
                    self.flushString(quote: quote, into: &output, tally: &tally)
                    output.append(quote)
                    output.append(contentsOf: self.candidateWhitespace)
                    self.candidateWhitespace.removeAll(keepingCapacity: true)
                    self.stringEnded()
                }
                self.state = .code
            }
        }
    }

    /// A string literal whole in the chunk, without escapes (its text is `bytes[start..<quoteIndex]`, the closing quote
    /// at `quoteIndex`): what the state machine does with it, read where it stands — a key's text becomes the last
    /// word, a value is masked straight from the chunk (`TextUnit.render` of the same bytes, without copying them into
    /// the unit). Returns where to go on, or nil (nothing written) when a possible key's `:` would lie past the chunk:
    /// the machine reads the string then.
    private mutating func wholeString(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, closingQuote quoteIndex: Int,
                                      into output: inout ByteOutput, tally: inout MaskTally) -> Int? {
        let count = bytes.count
        let quote = bytes[quoteIndex]
        let text = UnsafeBufferPointer(rebasing: bytes[start..<quoteIndex])
        let after = quoteIndex + 1
        // What `afterCandidateKey` would read: whitespace (up to `maxKeyWhitespace` bytes), then the byte that decides.
        var decider = after
        if self.stringIsCandidateKey {
            while decider < count && decider - after < Self.maxKeyWhitespace && ByteClass.isASCIIWhitespace(bytes[decider]) {
                decider += 1
            }
            guard decider < count else { return nil }
            if bytes[decider] == UInt8(ascii: ":") {
                // A key: released as written; it labels what follows (`textPrefix` of the same text).
                self.lastWord.removeAll(keepingCapacity: true)
                appendLabel(text, to: &self.lastWord)
                output.append(contentsOf: text)
                output.append(quote)
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[after..<decider]))
                self.previous = UInt8(ascii: "\"")
                self.lastTokenIsWord = true
                self.state = .code
                return decider
            }
        }
        renderVerbatim(text, masker: self.masker, hint: self.labelKind(), escaping: .javaScript(quote: quote), tally: &tally,
                       into: &output)
        output.append(quote)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[after..<decider]))
        self.stringEnded()
        return decider
    }

    /// Whether `word` is one of `regexKeywords` (after which `/` starts a regular expression): by packed bytes,
    /// without hashing the word.
    static func isRegexKeyword(_ word: [UInt8]) -> Bool {
        switch word.count {
        case 2...8:
            switch packedName(word) {
            case 0x72657475726E, 0x747970656F66, 0x63617365, 0x646F, 0x656C7365, 0x696E, 0x6F66, 0x6E6577,
                 0x64656C657465, 0x766F6964, 0x7468726F77, 0x7969656C64, 0x6177616974:
                return true  // return typeof case do else in of new delete void throw yield await
            default:
                return false
            }
        case 10:
            return word.elementsEqual("instanceof".utf8)
        default:
            return false
        }
    }

    private mutating func endWord() {
        if self.inIdentifier {
            self.inIdentifier = false
            if Self.isRegexKeyword(self.identifier) {
                self.previous = UInt8(ascii: "(")
                self.lastTokenIsWord = false
            } else {
                swap(&self.lastWord, &self.identifier)
                self.previous = UInt8(ascii: "a")
                self.lastTokenIsWord = true
            }
        } else if self.inNumber {
            self.inNumber = false
            self.previous = UInt8(ascii: "0")
            self.lastTokenIsWord = false
        }
    }

    private var regexAllowed: Bool {
        switch self.previous {
        case 0, UInt8(ascii: "("), UInt8(ascii: ","), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "["),
             UInt8(ascii: "!"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "?"), UInt8(ascii: "{"),
             UInt8(ascii: "}"), UInt8(ascii: ";"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"),
             UInt8(ascii: "%"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "~"), UInt8(ascii: "^"):
            true
        default:
            false
        }
    }

    private mutating func stringEnded() {
        self.previous = UInt8(ascii: "\"")
        self.lastTokenIsWord = false
        self.state = .code
    }

    /// The kind the string's label names (nil: none), looked up from its bytes when the label was given.
    private func labelKind() -> PIIKind? {
        self.stringLabel
    }

    private mutating func cutIfLong(quote: UInt8, into output: inout ByteOutput, tally: inout MaskTally) {
        while self.unit.rawCount >= maxUnitBytes {
            // A string this long is no key.
            self.stringIsCandidateKey = false
            let head = self.unit.cut(limit: maxUnitBytes)
            let hint = self.labelKind()
            head.render(masker: self.masker, hint: hint, escaping: .javaScript(quote: quote), tally: &tally, into: &output)
        }
    }

    private mutating func flushString(quote: UInt8, into output: inout ByteOutput, tally: inout MaskTally) {
        guard !self.unit.isEmpty else { return }
        self.cutIfLong(quote: quote, into: &output, tally: &tally)
        let hint = self.labelKind()
        self.unit.render(masker: self.masker, hint: hint, escaping: .javaScript(quote: quote), tally: &tally, into: &output)
        self.unit.removeAll()
    }

    /// The end of the script: an open string is released as a unit.
    mutating func finish(into output: inout ByteOutput, tally: inout MaskTally) {
        switch self.state {
        case .string(let quote):
            self.flushString(quote: quote, into: &output, tally: &tally)
        case .stringEscape(let quote), .stringHex(let quote, _, _), .stringBraceUnicode(let quote):
            self.unit.appendSpecial(raw: self.escape, decoded: [])
            self.flushString(quote: quote, into: &output, tally: &tally)
        case .afterCandidateKey(let quote):
            self.flushString(quote: quote, into: &output, tally: &tally)
            output.append(quote)
            output.append(contentsOf: self.candidateWhitespace)
        default:
            break
        }
        self.reset()
    }

    /// Back to the state of a new scanner for the next script, keeping the buffers' storage (a page has a script
    /// or more per record, and building a scanner anew freed and allocated every buffer each time).
    mutating func reset() {
        self.state = .code
        if !self.unit.isEmpty { self.unit.removeAll() }
        if !self.escape.isEmpty { self.escape.removeAll(keepingCapacity: true) }
        self.escapeValue = 0
        if !self.identifier.isEmpty { self.identifier.removeAll(keepingCapacity: true) }
        self.inIdentifier = false
        self.inNumber = false
        if !self.lastWord.isEmpty { self.lastWord.removeAll(keepingCapacity: true) }
        self.lastTokenIsWord = false
        self.label = nil
        self.previous = 0
        self.stringIsCandidateKey = false
        self.stringLabel = nil
        if !self.candidateWhitespace.isEmpty { self.candidateWhitespace.removeAll(keepingCapacity: true) }
    }
}

extension TextUnit {
    func appendRaw(to bytes: inout ByteOutput) { bytes.append(contentsOf: self.raw) }
}
