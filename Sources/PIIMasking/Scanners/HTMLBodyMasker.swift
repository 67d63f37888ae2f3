import Foundation

/// Masks an HTML response body as it streams: a tokenizer over bytes that releases markup byte for byte and masks
/// the text the admin shows.
///
/// Why it exists: the seller admin's screens are server-rendered HTML, and personal data hides in text nodes,
/// attribute values, inline JSON and JavaScript, `<textarea>`, `<title>` and comments, often written with character
/// references (`&#54861;`) or split by inline tags (`<b>홍</b>길동`). What it masks:
/// - **Text runs**: consecutive text nodes separated only by inline tags (`a`, `b`, `span`, `em`, … see
///   `inlineElements`) are joined into one unit; a value found across them is masked in place, each node keeping as
///   many (masked) characters as it had, the tags untouched.
/// - **Attribute values**, except structural and URL-ish ones (`href`, `src`, `class`, `id`, `style`, `name`, `type`,
///   … see `unmaskedAttributes`).
/// - `<textarea>` and `<title>` content, comments, `<script>` content: JSON types with the JSON scanner (labels from
///   keys; if the island turns out not to be JSON, the rest is scanned as JavaScript), other scripts' string literals
///   with the JavaScript scanner, unknown script types (templates) as plain text. `<style>` passes untouched.
/// - Character references (`&#54861;`, `&#xD64D;`, `&amp;`, common named ones) are decoded before detection.
///
/// Labels come from the page's structure: a row's `<th>` labels the `<td>`s after it (when it names a kind; else the
/// column's header does), a header row (in `<thead>`, or a row of only `<th>`) labels its column; `<dt>` labels the
/// next `<dd>`; `<label>` text labels the next text or form field; an `<input>`'s `name` (or `id`) labels its
/// `value`; `<meta name=…>` labels its `content`; `data-x-y` is labelled `x-y`. The tokenizer follows the HTML
/// tokenizer states closely enough for real admin markup (uppercase, unquoted attributes, unclosed cells, `<br>`,
/// self-closing syntax) and never rejects markup.
///
/// A unit with nothing detected is released exactly as it came. In a unit with detections only the detected values
/// change: each is replaced by its masked form, escaped for where it stands (`&`, `<`, `>`, and quotes in attribute
/// values), while every other byte — character references included — stays as written. Chunking does not matter:
/// units end and are cut only at content events, and the fast paths for whole tags and text runs inside one chunk
/// give exactly what the byte-by-byte state machine gives.
public final class HTMLBodyMasker: BodyMasker {
    private var core: HTMLCore
    private var validator = UTF8Validator()
    private var carry = OutputCarry()
    private var counts = MaskTally()
    private let context: ScanContext

    /// What was masked so far, by kind, and the subject keys seen.
    public var tally: MaskTally { self.context.tally(self.counts) }

    public init(masker: TextMasker) {
        let context = ScanContext(masker)
        self.context = context
        self.core = HTMLCore(masker: context)
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
            try self.validator.validate(bytes, format: "HTML")
            self.core.feed(bytes, into: &output, tally: &self.counts)
            self.carry.hold(&output)
        }
    }

    public func finish() throws(MaskingError) -> [UInt8] {
        var output = ByteOutput()
        self.carry.start(&output)
        try self.validator.finish(format: "HTML")
        self.core.finish(into: &output, tally: &self.counts)
        return output.array()
    }

    /// Bytes held back: the text run being joined, the tag being read, partial references and end tags.
    var heldBytes: Int { self.core.heldBytes + self.carry.carry.count }
}

/// Inline elements whose tags do not break a text run.
let inlineElements: Set<[UInt8]> = Set(["a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font",
                                        "i", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
                                        "time", "u", "var", "wbr"].map { Array($0.utf8) })

/// Attributes whose values are never masked: URLs, identifiers, styling, form mechanics, sizes and flags.
let unmaskedAttributes: Set<[UInt8]> = Set([
    "href", "src", "srcset", "action", "formaction", "class", "id", "style", "type", "name", "for", "rel", "rev",
    "method", "target", "lang", "dir", "role", "width", "height", "colspan", "rowspan", "charset", "http-equiv",
    "enctype", "accept", "accept-charset", "autocomplete", "tabindex", "maxlength", "minlength", "size", "min", "max",
    "step", "pattern", "integrity", "crossorigin", "referrerpolicy", "loading", "async", "defer", "hidden", "disabled",
    "checked", "selected", "readonly", "required", "multiple", "media", "sizes", "poster", "data", "cite",
    "background", "formmethod", "formtarget", "formenctype", "formnovalidate", "form", "list", "headers", "scope",
    "align", "valign", "bgcolor", "color", "border", "cellpadding", "cellspacing", "nonce", "slot", "is", "itemtype",
    "itemid", "itemscope", "itemref", "itemprop", "property", "manifest", "codebase", "longdesc", "usemap", "ping",
    "hreflang", "as", "sandbox", "allow", "span", "start", "reversed", "wrap", "cols", "rows", "shape", "coords",
    "frameborder", "scrolling", "marginwidth", "marginheight", "part", "exportparts", "inputmode", "enterkeyhint",
    "draggable", "spellcheck", "contenteditable", "translate", "accesskey", "autofocus", "novalidate", "open", "kind",
    "srclang", "download", "xmlns", "viewbox", "d", "fill", "stroke", "points", "transform", "x", "y", "cx", "cy",
    "r", "rx", "ry", "x1", "x2", "y1", "y2", "stroke-width", "fill-rule", "clip-rule", "version", "datetime",
].map { Array($0.utf8) })

/// `aria-*` attributes that hold text (the others hold ids, states and numbers).
let maskedAriaAttributes: Set<[UInt8]> = Set(["aria-label", "aria-valuetext", "aria-description", "aria-placeholder",
                                              "aria-roledescription"].map { Array($0.utf8) })

/// A lowercased ASCII name of up to 8 bytes packed into an integer (cheap to look up); 0 for longer names.
@inline(__always)
func packedName(_ name: [UInt8]) -> UInt64 {
    guard name.count <= 8 else { return 0 }
    var value: UInt64 = 0
    for byte in name { value = value << 8 | UInt64(byte) }
    return value
}

/// What an element means to the scanner.
enum Element: UInt8 {
    case other, inline, table, thead, tbody, tfoot, tr, th, td, dt, dd, dl, label, select, script, passThrough, textarea,
         title, input, button

    /// By name (lowercased).
    init(name: [UInt8]) {
        self.init(packed: packedName(name))
    }

    /// By packed lowercased name (`packedName`; 0 for names longer than 8 bytes).
    init(packed: UInt64) {
        self = TagNameBytes.shared.element(packed)
    }

    /// The elements the scanner tells apart, by name; every other name is `other`. (`inlineElements` spelled out;
    /// a test keeps them equal.)
    static let byName: [(name: String, element: Element)] =
        ["a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark", "q", "s",
         "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"].map { ($0, .inline) }
        + [("table", .table), ("thead", .thead), ("tbody", .tbody), ("tfoot", .tfoot), ("tr", .tr), ("th", .th),
           ("td", .td), ("dt", .dt), ("dd", .dd), ("dl", .dl), ("label", .label), ("select", .select),
           ("script", .script), ("style", .passThrough), ("xmp", .passThrough), ("iframe", .passThrough),
           ("noembed", .passThrough), ("noframes", .passThrough), ("textarea", .textarea), ("title", .title),
           ("input", .input), ("button", .button)]
}

/// What an attribute's value is to the scanner: not masked (and possibly needed: `name`, `id`, …), or masked with
/// a label rule.
enum AttributeRole: UInt8 {
    case unmasked, name, id, type, colspan, property, itemprop, klass
    case free, value, content, data

    var isMasked: Bool { self.rawValue >= AttributeRole.free.rawValue }

    static let byPackedName: [UInt64: AttributeRole] = {
        var table: [UInt64: AttributeRole] = [:]
        for name in unmaskedAttributes where name.count <= 8 { table[packedName(name)] = .unmasked }
        let named: [(String, AttributeRole)] = [
            ("name", .name), ("id", .id), ("type", .type), ("colspan", .colspan), ("property", .property),
            ("itemprop", .itemprop), ("value", .value), ("content", .content), ("class", .klass),
        ]
        for (name, role) in named { table[packedName(Array(name.utf8))] = role }
        return table
    }()

    init(name: [UInt8]) {
        if name.isEmpty { self = .unmasked; return }
        if name.count > 5 && name.starts(with: "data-".utf8) { self = .data; return }
        if name.starts(with: "aria-".utf8) { self = maskedAriaAttributes.contains(name) ? .free : .unmasked; return }
        if name.starts(with: "xmlns".utf8) || name.starts(with: "xml:".utf8) { self = .unmasked; return }
        let packed = packedName(name)
        guard packed != 0 else {
            self = unmaskedAttributes.contains(name) ? .unmasked : .free
            return
        }
        self.init(packed: packed)
    }

    /// A name of up to 8 bytes without the `data-`, `aria-`, `xml` prefixes; the common ones without hashing.
    init(packed: UInt64) {
        switch packed {
        case 0x6E616D65: self = .name  // name
        case 0x6964: self = .id  // id
        case 0x74797065: self = .type  // type
        case 0x636F6C7370616E: self = .colspan  // colspan
        case 0x70726F7065727479: self = .property  // property
        case 0x6974656D70726F70: self = .itemprop  // itemprop
        case 0x76616C7565: self = .value  // value
        case 0x636F6E74656E74: self = .content  // content
        case 0x636C617373: self = .klass  // class: not masked, but it may name the field (`customer-name`)
        case 0x68726566: self = .unmasked  // href
        case 0x7374796C65: self = .unmasked  // style
        case 0x737263: self = .unmasked  // src
        case 0x7469746C65: self = .free  // title
        case 0x616C74: self = .free  // alt
        case 0x666F72: self = .unmasked  // for
        case 0x72656C: self = .unmasked  // rel
        case 0x616374696F6E: self = .unmasked  // action
        case 0x6D6574686F64: self = .unmasked  // method
        case 0x746172676574: self = .unmasked  // target
        case 0x7769647468: self = .unmasked  // width
        case 0x686569676874: self = .unmasked  // height
        case 0x63686172736574: self = .unmasked  // charset
        case 0x6C616E67: self = .unmasked  // lang
        case 0x726F6C65: self = .unmasked  // role
        case 0x636865636B6564: self = .unmasked  // checked
        case 0x64697361626C6564: self = .unmasked  // disabled
        case 0x73656C6563746564: self = .unmasked  // selected
        case 0x726561646F6E6C79: self = .unmasked  // readonly
        default: self = Self.byPackedName[packed] ?? .free
        }
    }
}

/// Elements whose content is not markup.
private enum RawTextKind {
    /// `<style>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>`: passed through.
    case passThrough
    /// `<textarea>`, `<title>`: text with character references.
    case rcdata(hint: PIIKind?)
    /// `<script>` with a JSON type.
    case json
    /// `<script>` with a JavaScript type (or none).
    case javaScript
    /// `<script>` of another type (templates): one plain text unit.
    case plain
}

private enum ReferenceContext {
    case data
    case rcdata
    case attribute
}

/// The HTML state machine behind `HTMLBodyMasker` (a value type, so its hot loop pays no class access checks).
struct HTMLCore {
    private enum State {
        case data
        case characterReference
        case tagOpen
        case endTagOpen
        case tagName
        case beforeAttributeName
        case attributeName
        case afterAttributeName
        case beforeAttributeValue
        case attributeValue(quote: UInt8)
        case afterAttributeValueQuoted
        case selfClosingStartTag
        case markupDeclarationOpen(dashes: Int)
        case comment
        case bogusComment
        case rawText
    }

    private struct Attribute {
        var name: [UInt8] = []
        var quote: UInt8 = 0
        var hasValue = false
        var complete = false
        var role: AttributeRole = .unmasked
        var value = TextUnit()

        mutating func reset() {
            self.name.removeAll(keepingCapacity: true)
            self.quote = 0
            self.hasValue = false
            self.complete = false
            self.role = .unmasked
            self.value.removeAll()
        }
    }

    /// Values of the attributes labels and script types come from (the first of each, as browsers read them): `name`,
    /// `id`, `type`, `colspan`, `property`, `itemprop`, `class` (the `AttributeRole`s below `free`).
    ///
    /// Kept as ranges of one byte buffer that is reused from tag to tag: most tags have such an attribute (a class,
    /// an id), and an array per value and seven optional arrays to reset per tag were a good part of the tag cost.
    private struct KnownValues {
        private var bytes: [UInt8] = []
        /// Where each role's value stands in `bytes` (start << 32 | end), by role; 0 when the tag had none.
        private var spans: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        /// Which roles have a value, one bit per role (what most checks need, without reading `spans`).
        private var present: UInt8 = 0

        var isEmpty: Bool { self.present == 0 }

        private func span(_ role: AttributeRole) -> UInt64 {
            withUnsafeBytes(of: self.spans) { $0.load(fromByteOffset: Int(role.rawValue) * 8, as: UInt64.self) }
        }

        @inline(__always)
        func has(_ role: AttributeRole) -> Bool { self.present & (1 << role.rawValue) != 0 }

        /// Keeps `value` (cut to `maxLabelBytes`, as `appendLabel` cuts) for `role` unless the tag had one already.
        mutating func setIfAbsent(_ role: AttributeRole, _ value: UnsafeBufferPointer<UInt8>) {
            guard role.rawValue > 0, role.rawValue < 8, !self.has(role) else { return }
            let start = self.bytes.count
            appendLabel(value, to: &self.bytes, limit: start + maxLabelBytes)
            // `start + 1` so that an empty value is still "present".
            let span = UInt64(start + 1) << 32 | UInt64(self.bytes.count + 1)
            withUnsafeMutableBytes(of: &self.spans) { $0.storeBytes(of: span, toByteOffset: Int(role.rawValue) * 8, as: UInt64.self) }
            self.present |= 1 << role.rawValue
        }

        /// Called for every tag and most have no such attribute: the test inline, the reset out of line.
        @inline(__always)
        mutating func removeAll() {
            if !self.isEmpty { self.reset() }
        }

        @inline(never)
        private mutating func reset() {
            self.bytes.removeAll(keepingCapacity: true)
            self.spans = (0, 0, 0, 0, 0, 0, 0, 0)
            self.present = 0
        }

        /// `body` with the value of the first of `roles` the tag had, or nil when it had none of them.
        func first<R>(_ a: AttributeRole, _ b: AttributeRole? = nil, _ c: AttributeRole? = nil,
                      _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
            guard self.present != 0 else { return nil }
            var span = self.span(a)
            if span == 0, let b { span = self.span(b) }
            if span == 0, let c { span = self.span(c) }
            guard span != 0 else { return nil }
            let start = Int(span >> 32) - 1
            let end = Int(span & 0xFFFF_FFFF) - 1
            return self.bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
        }

        /// The value of `role` as a string (script types, spans).
        func string(_ role: AttributeRole) -> String? { self.first(role) { String(decoding: $0, as: UTF8.self) } }
    }

    /// The tag being read: markup and attribute values, released when it ends (or in parts when it is huge). Its
    /// storage is reused from tag to tag.
    private struct Tag {
        var isEnd = false
        var name: [UInt8] = []
        var element: Element = .other
        /// Markup read so far; `segments` say where attribute values stand in it.
        var markup: [UInt8] = []
        /// Each value follows `markup[previous end ..< end]`.
        var segments: [(end: Int, attribute: Int)] = []
        var attributes: [Attribute] = []
        var attributeCount = 0
        var selfClosing = false
        /// Bytes held in segments and markup (not the value being read).
        var size = 0
        /// Too large to stand inside a joined text run, or partly released already.
        var detached = false
        var known = KnownValues()

        mutating func reset(isEnd: Bool) {
            self.isEnd = isEnd
            if !self.name.isEmpty { self.name.removeAll(keepingCapacity: true) }
            self.element = .other
            if !self.markup.isEmpty { self.markup.removeAll(keepingCapacity: true) }
            self.markup.append(UInt8(ascii: "<"))
            if isEnd { self.markup.append(UInt8(ascii: "/")) }
            if !self.segments.isEmpty { self.segments.removeAll(keepingCapacity: true) }
            self.attributeCount = 0
            self.selfClosing = false
            self.size = self.markup.count
            self.detached = false
            self.known.removeAll()
        }

        /// Index of the attribute being read.
        var last: Int { self.attributeCount - 1 }

        mutating func addAttribute() {
            if self.attributeCount < self.attributes.count {
                self.attributes[self.attributeCount].reset()
            } else {
                self.attributes.append(Attribute())
            }
            self.attributeCount += 1
        }

        var currentValueSize: Int {
            guard self.attributeCount > 0 else { return 0 }
            let attribute = self.attributes[self.attributeCount - 1]
            return attribute.hasValue && !attribute.complete ? attribute.value.rawCount : 0
        }
    }

    private enum Cell {
        case none
        case header(Int)
        case data
    }

    /// Labels here are the kinds they name (nil where the text names none; `ScanContext.kind(forKey:)`), resolved
    /// once where they are read: cells carry a kind, not a `String`.
    private struct Table {
        var columnHeaders: [PIIKind?] = []
        var rowHeaders: [PIIKind?] = []
        var nextColumn = 0
        var inRow = false
        var rowHasData = false
        var rowLabel: PIIKind?
        var inHead = false
        var cell: Cell = .none
        var cellLabel: PIIKind?

        /// A table with room for the headers of a typical admin table (one allocation each instead of growing one
        /// column at a time).
        static func new() -> Table {
            var table = Table()
            table.columnHeaders.reserveCapacity(16)
            table.rowHeaders.reserveCapacity(16)
            return table
        }

        /// Back to a new table's state, keeping the header arrays' storage.
        mutating func clear() {
            if !self.columnHeaders.isEmpty { self.columnHeaders.removeAll(keepingCapacity: true) }
            if !self.rowHeaders.isEmpty { self.rowHeaders.removeAll(keepingCapacity: true) }
            self.nextColumn = 0
            self.inRow = false
            self.rowHasData = false
            self.rowLabel = nil
            self.inHead = false
            self.cell = .none
            self.cellLabel = nil
        }
    }

    private enum Capture {
        case header
        case term
        case label
    }

    /// Tags larger than this do not join a text run.
    static let maxInlineTagBytes = 4096
    static let maxTableDepth = 32
    /// Attributes of one tag held before it is released in parts.
    static let maxHeldAttributes = 1024

    let masker: ScanContext
    private var state: State = .data
    /// The text unit being read: a joined text run, a comment, `<textarea>`/`<title>` content, a plain script.
    private var unit = TextUnit()
    private var tag = Tag()
    private var reference: [UInt8] = []
    private var referenceContext: ReferenceContext = .data
    private var commentDashes = 0
    private var commentBang = false
    private var commentAtStart = false
    private var rawTextName: [UInt8] = []
    private var rawTextKind: RawTextKind = .passThrough
    private var endMatch: [UInt8] = []
    /// Reused buffer for an inline tag joining a text run.
    private var scratch: [UInt8] = []
    /// Values to mask of the tag `fastTag` is reading.
    private var fastValues: [FastValue] = []
    /// Input of the chunk being fed that is released as it is but not appended yet (see `PendingInput`).
    private var pending = PendingInput(base: nil)
    private var json: JSONCore
    private var javaScript: JavaScriptCore

    // Labels.
    /// The innermost open table, kept out of `outerTables` so that the cells' bookkeeping reaches it directly (no
    /// array access, no copy-on-write check per cell). Meaningful while `tableDepth` is `1...maxTableDepth`.
    private var table = Table.new()
    /// The open tables around `table`, outermost first.
    private var outerTables: [Table] = []
    /// Open tables; those past `maxTableDepth` are only counted (and the structure is not followed inside them).
    private var tableDepth = 0
    private var capture: Capture?
    private var captureText = LabelText()
    /// Label texts in which nothing was found, this body (`ScanContext.findsAny(inLabel:readable:quiet:)`).
    private let quietLabels = KeyHints()
    private var termLabel: PIIKind?
    private var inDefinition = false
    private var pendingLabel: PIIKind?
    private var selectLabel: PIIKind?

    private static let lessThan = StopSet([UInt8(ascii: "<")])
    private static let rcdataStops = StopSet([UInt8(ascii: "<"), UInt8(ascii: "&")])
    private static let doubleQuotedStops = StopSet([UInt8(ascii: "\""), UInt8(ascii: "&")])
    private static let singleQuotedStops = StopSet([UInt8(ascii: "'"), UInt8(ascii: "&")])
    private static let unquotedStops = StopSet([UInt8(ascii: "&"), UInt8(ascii: ">"), 0x20, 0x09, 0x0A, 0x0C, 0x0D])
    private static let nameStops = StopSet([UInt8(ascii: "/"), UInt8(ascii: ">"), 0x20, 0x09, 0x0A, 0x0C, 0x0D])
    private static let attributeNameStops = StopSet([UInt8(ascii: "/"), UInt8(ascii: ">"), UInt8(ascii: "="), 0x20, 0x09, 0x0A, 0x0C, 0x0D])
    private static let commentStops = StopSet([UInt8(ascii: "-")])
    private static let greaterThan = StopSet([UInt8(ascii: ">")])
    // Copies of the stop sets above, read from `self`: a `static let` is reached through `swift_once` at every
    // use, and the scanning loops use one per run of text, string or tag.
    private let lessThan = HTMLCore.lessThan
    private let rcdataStops = HTMLCore.rcdataStops
    private let doubleQuotedStops = HTMLCore.doubleQuotedStops
    private let singleQuotedStops = HTMLCore.singleQuotedStops
    private let unquotedStops = HTMLCore.unquotedStops
    private let nameStops = HTMLCore.nameStops
    private let attributeNameStops = HTMLCore.attributeNameStops
    private let commentStops = HTMLCore.commentStops
    private let greaterThan = HTMLCore.greaterThan
    private let tagNameBytes = TagNameBytes.shared

    init(masker: ScanContext) {
        self.masker = masker
        self.json = JSONCore(masker: masker, strict: false, inScript: true)
        self.javaScript = JavaScriptCore(masker: masker)
    }

    var heldBytes: Int {
        let tagBytes = self.tag.size + self.tag.currentValueSize
        return self.unit.rawCount + tagBytes + self.reference.count + self.endMatch.count + self.commentDashes
            + self.json.heldBytes + self.javaScript.heldBytes
    }

    // MARK: the tokenizer

    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally) {
        let count = bytes.count
        var index = 0
        self.pending = PendingInput(base: bytes.baseAddress)
        defer {
            self.flushPending(into: &output)
            self.pending = PendingInput(base: nil)
        }
        while index < count {
            let byte = bytes[index]
            switch self.state {
            case .data, .tagOpen, .endTagOpen:
                break  // their fast paths add to the pending input; the other branches flush it
            default:
                self.flushPending(into: &output)
            }
            switch self.state {
            case .data:
                let next = self.dataRun(bytes, from: index, into: &output, tally: &tally)
                if next != index {
                    index = next
                    continue
                }
                // At a `<` that `fastTag` left to the state machine, or a `&`.
                if byte != UInt8(ascii: "<") { self.flushPending(into: &output) }
                index += 1
                if byte == UInt8(ascii: "<") {
                    self.state = .tagOpen
                } else {
                    self.startReference(byte)
                    self.referenceContext = .data
                    self.state = .characterReference
                }

            case .characterReference:
                if self.referenceStep(byte, into: &output, tally: &tally) { index += 1 }

            case .tagOpen:
                if ByteClass.isASCIILetter(byte) {
                    if let end = self.fastTag(bytes, nameStart: index, isEnd: false, into: &output, tally: &tally) {
                        index = end
                        continue
                    }
                    self.flushPending(into: &output)
                    self.startTag(isEnd: false)
                    self.state = .tagName
                } else if byte == UInt8(ascii: "/") {
                    index += 1
                    self.state = .endTagOpen
                } else if byte == UInt8(ascii: "!") {
                    self.flushPending(into: &output)
                    index += 1
                    self.state = .markupDeclarationOpen(dashes: 0)
                } else if byte == UInt8(ascii: "?") {
                    self.flushPending(into: &output)
                    self.flushRun(into: &output, tally: &tally)
                    output.append(UInt8(ascii: "<"))
                    self.state = .bogusComment
                } else {
                    // A `<` that starts no tag is text.
                    self.flushPending(into: &output)
                    self.unit.appendVerbatim(byte: UInt8(ascii: "<"))
                    self.state = .data
                }

            case .endTagOpen:
                if ByteClass.isASCIILetter(byte) {
                    if let end = self.fastTag(bytes, nameStart: index, isEnd: true, into: &output, tally: &tally) {
                        index = end
                        continue
                    }
                    self.flushPending(into: &output)
                    self.startTag(isEnd: true)
                    self.state = .tagName
                } else {
                    self.flushPending(into: &output)
                    self.flushRun(into: &output, tally: &tally)
                    output.append(contentsOf: [UInt8(ascii: "<"), UInt8(ascii: "/")])
                    if byte == UInt8(ascii: ">") {
                        output.append(byte)
                        index += 1
                        self.state = .data
                    } else {
                        self.state = .bogusComment
                    }
                }

            case .tagName:
                let stop = self.nameStops.firstStop(in: bytes, from: index, end: count)
                if stop > index {
                    let run = UnsafeBufferPointer(rebasing: bytes[index..<stop])
                    for character in run where self.tag.name.count < 32 { self.tag.name.append(ByteClass.lowercased(character)) }
                    index += self.appendMarkup(run, into: &output, tally: &tally)
                    continue
                }
                index += 1
                self.appendMarkup(byte, into: &output, tally: &tally)
                self.afterNameByte(byte, into: &output, tally: &tally)

            case .beforeAttributeName:
                if ByteClass.isASCIIWhitespace(byte) {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                } else if byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">") {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                    self.afterNameByte(byte, into: &output, tally: &tally)
                } else {
                    self.tag.addAttribute()
                    self.attributeAdded(into: &output, tally: &tally)
                    self.state = .attributeName
                    // The first byte of a name may be `=` (a parse error that makes it part of the name).
                    if byte == UInt8(ascii: "=") {
                        index += 1
                        self.tag.attributes[self.tag.last].name.append(byte)
                        self.appendMarkup(byte, into: &output, tally: &tally)
                    }
                }

            case .attributeName:
                let stop = self.attributeNameStops.firstStop(in: bytes, from: index, end: count)
                if stop > index {
                    let run = UnsafeBufferPointer(rebasing: bytes[index..<stop])
                    let last = self.tag.last
                    for character in run where self.tag.attributes[last].name.count < 64 {
                        self.tag.attributes[last].name.append(ByteClass.lowercased(character))
                    }
                    index += self.appendMarkup(run, into: &output, tally: &tally)
                    continue
                }
                index += 1
                self.appendMarkup(byte, into: &output, tally: &tally)
                if byte == UInt8(ascii: "=") {
                    self.state = .beforeAttributeValue
                } else if ByteClass.isASCIIWhitespace(byte) {
                    self.state = .afterAttributeName
                } else {
                    self.afterNameByte(byte, into: &output, tally: &tally)
                }

            case .afterAttributeName:
                if ByteClass.isASCIIWhitespace(byte) {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                } else if byte == UInt8(ascii: "=") {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                    self.state = .beforeAttributeValue
                } else if byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">") {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                    self.afterNameByte(byte, into: &output, tally: &tally)
                } else {
                    self.tag.addAttribute()
                    self.attributeAdded(into: &output, tally: &tally)
                    self.state = .attributeName
                }

            case .beforeAttributeValue:
                if ByteClass.isASCIIWhitespace(byte) {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                } else if byte == UInt8(ascii: ">") {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                    self.tagEnded(into: &output, tally: &tally)
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                    self.startValue(quote: byte)
                } else {
                    self.startValue(quote: 0)
                }

            case .attributeValue(let quote):
                let stops = quote == UInt8(ascii: "\"") ? self.doubleQuotedStops
                    : quote == UInt8(ascii: "'") ? self.singleQuotedStops : self.unquotedStops
                let stop = stops.firstStop(in: bytes, from: index, end: count)
                let last = self.tag.last
                if stop > index {
                    self.tag.attributes[last].value.appendVerbatim(UnsafeBufferPointer(rebasing: bytes[index..<stop]))
                    self.valueAppended(into: &output, tally: &tally)
                    index = stop
                    continue
                }
                index += 1
                if byte == UInt8(ascii: "&") {
                    self.startReference(byte)
                    self.referenceContext = .attribute
                    self.state = .characterReference
                    continue
                }
                self.endValue(into: &output, tally: &tally)
                self.appendMarkup(byte, into: &output, tally: &tally)
                if quote != 0 {
                    self.state = .afterAttributeValueQuoted
                } else if byte == UInt8(ascii: ">") {
                    self.tagEnded(into: &output, tally: &tally)
                } else {
                    self.state = .beforeAttributeName
                }

            case .afterAttributeValueQuoted:
                if ByteClass.isASCIIWhitespace(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">") {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                    self.afterNameByte(byte, into: &output, tally: &tally)
                } else {
                    self.state = .beforeAttributeName
                }

            case .selfClosingStartTag:
                if byte == UInt8(ascii: ">") {
                    index += 1
                    self.appendMarkup(byte, into: &output, tally: &tally)
                    self.tag.selfClosing = true
                    self.tagEnded(into: &output, tally: &tally)
                } else {
                    self.state = .beforeAttributeName
                }

            case .markupDeclarationOpen(let dashes):
                if byte == UInt8(ascii: "-") && dashes == 0 {
                    index += 1
                    self.state = .markupDeclarationOpen(dashes: 1)
                } else if byte == UInt8(ascii: "-") {
                    index += 1
                    self.flushRun(into: &output, tally: &tally)
                    output.append(contentsOf: "<!--".utf8)
                    self.commentDashes = 0
                    self.commentBang = false
                    self.commentAtStart = true
                    self.state = .comment
                } else {
                    self.flushRun(into: &output, tally: &tally)
                    output.append(contentsOf: dashes == 0 ? Array("<!".utf8) : Array("<!-".utf8))
                    self.state = .bogusComment
                }

            case .comment:
                index += self.commentStep(bytes, from: index, into: &output, tally: &tally)

            case .bogusComment:
                // `<!DOCTYPE …>`, `<?…>`, `</ …>`: content up to `>` is masked like a comment's.
                let stop = self.greaterThan.firstStop(in: bytes, from: index, end: count)
                if stop > index {
                    self.unit.appendVerbatim(UnsafeBufferPointer(rebasing: bytes[index..<stop]))
                    self.cutUnitIfLong(into: &output, tally: &tally)
                }
                index = stop
                if stop < count {
                    self.flushComment(into: &output, tally: &tally)
                    output.append(bytes[stop])
                    index += 1
                    self.state = .data
                }

            case .rawText:
                index += self.rawTextStep(bytes, from: index, into: &output, tally: &tally)
            }
        }
    }

    /// The data state's common path: text runs and whole tags one after the other without going back to the state
    /// switch (a page is mostly these, and a turn of the switch per `<`, per name and per run cost more than the
    /// tags themselves). Returns where the state machine takes over: the end of the chunk, a `&`, a `<` that
    /// `fastTag` leaves to it, or the state a tag entered (raw text); the start index when it took nothing.
    private mutating func dataRun(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into output: inout ByteOutput,
                                  tally: inout MaskTally) -> Int {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return start }
        let tagNames = self.tagNameBytes
        var index = start
        while index < count {
            let stop = firstMarkup(base, from: index, end: count)
            // The tag after the run when `endsRun` read it whole as a bare name: not read again below.
            var bare: BareTag? = nil
            if stop > index {
                if self.unit.isEmpty && stop - index < maxUnitBytes
                    && Self.endsRun(bytes, at: stop, names: tagNames, bare: &bare)
                {
                    // A whole text run in this chunk (markup that ends runs follows): straight from the input, and
                    // with nothing to mask not even copied yet (it joins the pending input).
                    let text = UnsafeBufferPointer(rebasing: bytes[index..<stop])
                    // `runLabel` and the text's `mayHoldValue` check in one, made once.
                    let mayHoldValue = TextUnit.mayHoldValue(text)
                    var label: PIIKind? = nil
                    let isLabel = self.capture != nil
                    if isLabel {
                        self.captureLabelText(text)
                    } else if mayHoldValue {
                        label = self.contextLabel(consume: true)
                    }
                    if !mayHoldValue
                        || !(isLabel ? self.masker.findsAny(inLabel: text, readable: count - index, quiet: self.quietLabels)
                             : self.masker.findsAny(in: text, hint: label))
                    {
                        self.addPending(from: index, to: stop, into: &output)
                    } else {
                        self.flushPending(into: &output)
                        self.masker.renderLastDetections(text, escaping: .htmlText, tally: &tally, into: &output)
                    }
                } else {
                    self.flushPending(into: &output)
                    self.unit.appendVerbatim(UnsafeBufferPointer(rebasing: bytes[index..<stop]))
                    self.cutUnitIfLong(into: &output, tally: &tally)
                }
                index = stop
                guard index < count else { return index }
            }
            if let tag = bare, self.unit.isEmpty,
                let end = self.bareTag(open: index, end: tag.end, element: tag.element, isEnd: tag.isEnd, into: &output)
            {
                index = end
                continue
            }
            // A numeric character reference whole in the chunk (`&#54889;`, names written as references): decoded
            // into the text run here; other references are left to the state machine.
            if bytes[index] == UInt8(ascii: "&") {
                guard let end = self.numericReference(bytes, at: index, into: &output, tally: &tally) else { return index }
                index = end
                continue
            }
            // A `<` that starts a tag `fastTag` reads whole.
            guard bytes[index] == UInt8(ascii: "<") else { return index }
            var nameStart = index + 1
            guard nameStart < count else { return index }
            if bytes[nameStart] == UInt8(ascii: "!") {
                // `<!DOCTYPE html>` and other declarations whole in the chunk; comments are left to the state machine.
                guard let end = self.declaration(bytes, at: index, into: &output, tally: &tally) else { return index }
                index = end
                continue
            }
            let isEnd = bytes[nameStart] == UInt8(ascii: "/")
            if isEnd {
                nameStart += 1
                guard nameStart < count else { return index }
            }
            guard ByteClass.isASCIILetter(bytes[nameStart]) else { return index }
            if self.unit.isEmpty,
                let end = self.bareTag(bytes, open: index, nameStart: nameStart, isEnd: isEnd, names: tagNames, into: &output)
            {
                index = end
                continue
            }
            guard let end = self.fastTag(bytes, nameStart: nameStart, isEnd: isEnd, into: &output, tally: &tally) else {
                return index
            }
            index = end
            if case .rawText = self.state, let after = self.wholeRawText(bytes, from: index, into: &output, tally: &tally) {
                index = after
                continue
            }
            guard case .data = self.state else { return index }
        }
        return index
    }

    /// A raw text element's content and plain end tag whole in the chunk, right after its start tag (`<title>주문
    /// 목록</title>`, a script without `<` in it): what the raw text state does with them — the content masked as its
    /// kind says, the end tag read by `fastTag` — without leaving the fast loop. Returns the index after the end tag,
    /// or nil to leave the content to the state machine (a JSON island, a `<` or `&` in the content, anything past
    /// the chunk).
    private mutating func wholeRawText(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into output: inout ByteOutput,
                                       tally: inout MaskTally) -> Int? {
        guard self.endMatch.isEmpty, self.unit.isEmpty else { return nil }
        let count = bytes.count
        switch self.rawTextKind {
        case .rcdata, .plain:
            // Text: `<title>` and `<textarea>` (references, a label, HTML escaping) or a template script (none).
            var hint: PIIKind? = nil
            var isRCDATA = false
            if case .rcdata(let label) = self.rawTextKind { (hint, isRCDATA) = (label, true) }
            let stop = (isRCDATA ? self.rcdataStops : self.lessThan).firstStop(in: bytes, from: start, end: count)
            guard stop < count, stop - start < maxUnitBytes, self.isPlainEndTag(bytes, at: stop) else { return nil }
            self.releaseText(UnsafeBufferPointer(rebasing: bytes[start..<stop]), from: start, hint: hint,
                                escaping: isRCDATA ? .htmlText : .none, into: &output, tally: &tally)
            return self.endRawText(bytes, at: stop, into: &output, tally: &tally)
        case .passThrough:
            let stop = self.lessThan.firstStop(in: bytes, from: start, end: count)
            guard stop < count, self.isPlainEndTag(bytes, at: stop) else { return nil }
            self.addPending(from: start, to: stop, into: &output)
            return self.endRawText(bytes, at: stop, into: &output, tally: &tally)
        case .javaScript:
            let stop = self.lessThan.firstStop(in: bytes, from: start, end: count)
            guard stop < count, self.isPlainEndTag(bytes, at: stop) else { return nil }
            self.flushPending(into: &output)
            self.javaScript.feed(UnsafeBufferPointer(rebasing: bytes[start..<stop]), into: &output, tally: &tally)
            self.javaScript.finish(into: &output, tally: &tally)
            return self.endRawText(bytes, at: stop, into: &output, tally: &tally)
        case .json:
            return nil
        }
    }

    /// Text from the chunk (raw text content, a declaration's) released as a unit of it renders: joining the pending
    /// input when there is nothing to mask, else masked after the pending input.
    private mutating func releaseText(_ content: UnsafeBufferPointer<UInt8>, from start: Int, hint: PIIKind?,
                                         escaping: Escaping, into output: inout ByteOutput, tally: inout MaskTally) {
        if !TextUnit.mayHoldValue(content) || !self.masker.findsAny(in: content, hint: hint) {
            self.addPending(from: start, to: start + content.count, into: &output)
        } else {
            self.flushPending(into: &output)
            self.masker.renderLastDetections(content, escaping: escaping, tally: &tally, into: &output)
        }
    }

    /// The plain end tag at `index` (`isPlainEndTag`), the raw text over: read by `fastTag` as in text.
    private mutating func endRawText(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, into output: inout ByteOutput,
                                     tally: inout MaskTally) -> Int {
        self.state = .data
        guard let end = self.fastTag(bytes, nameStart: index + 2, isEnd: true, into: &output, tally: &tally) else {
            preconditionFailure("fastTag reads a plain end tag whole")
        }
        return end
    }

    /// `<!` and content up to `>`, not a comment (`<!--`), whole in the chunk while no text run is held: what the
    /// bogus-comment state does with it — the content masked as a comment's (no label, no escaping), the markup as
    /// it is. Returns the index after the `>`, or nil to leave it to the state machine.
    private mutating func declaration(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, into output: inout ByteOutput,
                                      tally: inout MaskTally) -> Int? {
        let contentStart = index + 2
        guard self.unit.isEmpty, contentStart < bytes.count, bytes[contentStart] != UInt8(ascii: "-") else { return nil }
        let close = self.greaterThan.firstStop(in: bytes, from: contentStart, end: bytes.count)
        guard close < bytes.count, close - contentStart < maxUnitBytes else { return nil }
        self.addPending(from: index, to: contentStart, into: &output)
        self.releaseText(UnsafeBufferPointer(rebasing: bytes[contentStart..<close]), from: contentStart, hint: nil,
                         escaping: .none, into: &output, tally: &tally)
        self.addPending(from: close, to: close + 1, into: &output)
        return close + 1
    }

    /// `&#` and 1–7 decimal digits, or `&#x` and 1–6 hex digits, then `;`, at `index` and whole in the chunk: added to
    /// the text run as the scalar it stands for (`referenceScalar`, as `decodeReference` reads it). Returns the index
    /// after the `;`, or nil for any other `&`.
    private mutating func numericReference(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, into output: inout ByteOutput,
                                           tally: inout MaskTally) -> Int? {
        let count = bytes.count
        guard index + 3 < count, bytes[index + 1] == UInt8(ascii: "#") else { return nil }
        let isHex = bytes[index + 2] | 0x20 == UInt8(ascii: "x")
        var position = index + (isHex ? 3 : 2)
        let digitsStart = position
        let maxDigits = isHex ? 6 : 7
        while position < count && position - digitsStart < maxDigits
            && (isHex ? ByteClass.hexValue(bytes[position]) != nil : ByteClass.isDigit(bytes[position]))
        {
            position += 1
        }
        guard position < count, bytes[position] == UInt8(ascii: ";"),
            let scalar = Self.referenceScalar(UnsafeBufferPointer(rebasing: bytes[digitsStart..<position]), hex: isHex)
        else { return nil }
        let end = position + 1
        self.flushPending(into: &output)
        self.unit.appendSpecial(raw: UnsafeBufferPointer(rebasing: bytes[index..<end]), scalar: scalar)
        self.cutUnitIfLong(into: &output, tally: &tally)
        return end
    }

    /// A tag of only a name of up to 8 letters and digits (`<td>`, `</tr>`, `<b>`: most of a page's tags) while no
    /// text run is held: what `fastTag` and `tagEnded` do for it, without their general steps — the structure is
    /// updated (only for the elements that carry labels) and the tag joins the pending input. Returns the index after
    /// the tag, or nil for any other tag (and for the start tags of raw text elements).
    @inline(__always)
    private mutating func bareTag(_ bytes: UnsafeBufferPointer<UInt8>, open: Int, nameStart: Int, isEnd: Bool,
                                  names: TagNameBytes, into output: inout ByteOutput) -> Int? {
        let limit = min(bytes.count, nameStart + 9)
        var index = nameStart
        var packed: UInt64 = 0
        while true {
            guard index < limit else { return nil }
            let mapped = names.map(bytes[index])
            if mapped <= TagNameBytes.end {
                guard mapped == TagNameBytes.end else { return nil }
                break
            }
            packed = packed << 8 | UInt64(mapped)
            index += 1
        }
        return self.bareTag(open: open, end: index + 1, element: names.element(packed), isEnd: isEnd, into: &output)
    }

    /// `bareTag` for a tag whose name is read (`end`: the index after its `>`): the structure is updated and the tag
    /// joins the pending input; nil for the start tags of raw text elements.
    @inline(__always)
    private mutating func bareTag(open: Int, end: Int, element: Element, isEnd: Bool,
                                  into output: inout ByteOutput) -> Int? {
        switch element {
        case .other, .inline:
            // No structure to update: `startElement` would only look at a class, `endElement` at nothing.
            break
        case .script, .passThrough, .textarea, .title:
            // Their start tags are left to `fastTag` (raw text follows); a stray end tag updates nothing (as in
            // `endElement`).
            guard isEnd else { return nil }
        case .td where isEnd, .th where isEnd:
            // `</td>`, `</th>`: only the cell ends (what `endElement` does for them).
            self.endCell()
        case .td, .th:
            // `<td>`, `<th>`: no class, no `colspan` (what `startElement` does for them).
            self.startCell(isHeader: element == .th, span: 1)
        case .dd where isEnd:
            self.inDefinition = false
        case .dt, .dd:
            self.definitionTag(isTerm: element == .dt, isEnd: isEnd)
        case .tr:
            // `<tr>`, `</tr>`: the row before ends (what `startElement` and `endElement` do for them).
            self.endRow()
            if !isEnd && self.tableActive { self.table.inRow = true }
        default:
            self.tag.known.removeAll()
            self.tag.isEnd = isEnd
            self.tag.element = element
            self.tag.detached = false
            if isEnd { self.endElement() } else { self.startElement() }
        }
        self.addPending(from: open, to: end, into: &output)
        return end
    }

    // MARK: pending input

    /// Appends the pending input (call before writing anything else to `output`).
    @inline(__always)
    private mutating func flushPending(into output: inout ByteOutput) {
        guard self.pending.end > self.pending.start, let base = self.pending.base else { return }
        output.append(contentsOf: UnsafeBufferPointer(start: base + self.pending.start, count: self.pending.end - self.pending.start))
        self.pending.start = 0
        self.pending.end = 0
    }

    /// `addPending` for the chunk's bytes `from..<to`, given by offsets (`dataRun`'s runs and tags: no pointer
    /// arithmetic). Only while `feed` runs (the pending input's base is the chunk).
    @inline(__always)
    private mutating func addPending(from start: Int, to end: Int, into output: inout ByteOutput) {
        if self.pending.end > self.pending.start && self.pending.end == start {
            self.pending.end = end
        } else {
            self.flushPending(into: &output)
            self.pending.start = start
            self.pending.end = end
        }
    }

    /// `piece` (a part of the chunk being fed) is released as it is: it joins the pending input when it follows it
    /// directly, else the pending input is appended and `piece` becomes it.
    @inline(__always)
    private mutating func addPending(_ piece: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput) {
        guard let base = self.pending.base, let start = piece.baseAddress.map({ base.distance(to: $0) }) else {
            output.append(contentsOf: piece)
            return
        }
        if self.pending.end > self.pending.start && self.pending.end == start {
            self.pending.end += piece.count
        } else {
            self.flushPending(into: &output)
            self.pending.start = start
            self.pending.end = start + piece.count
        }
    }

    // MARK: tags

    /// A whole tag inside the chunk whose attributes hold nothing to mask (most tags: `<td>`, `</tr>`,
    /// `<td class="num">`): the structure is updated and the tag released straight from the chunk, exactly as the
    /// state machine would do it. Returns the index after the tag, or nil to let the state machine read it (the tag
    /// runs past the chunk, is long, or has a value to mask or decode).
    private mutating func fastTag(_ bytes: UnsafeBufferPointer<UInt8>, nameStart: Int, isEnd: Bool,
                                  into output: inout ByteOutput, tally: inout MaskTally) -> Int? {
        let limit = min(bytes.count, nameStart + 3000)
        var index = nameStart
        var packed: UInt64 = 0
        if !self.fastValues.isEmpty { self.fastValues.removeAll(keepingCapacity: true) }
        while index < limit {
            let byte = bytes[index]
            if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || ByteClass.isASCIIWhitespace(byte) { break }
            if index - nameStart < 8 { packed = packed << 8 | UInt64(ByteClass.lowercased(byte)) }
            index += 1
        }
        let nameEnd = index
        let element: Element = nameEnd - nameStart <= 8 ? self.tagNameBytes.element(packed) : .other
        // Values are kept straight in the tag (the state machine starts the tag afresh when this returns nil).
        self.tag.known.removeAll()
        attributes: while true {
            guard index < limit else { return nil }
            let byte = bytes[index]
            if ByteClass.isASCIIWhitespace(byte) || byte == UInt8(ascii: "/") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: ">") {
                index += 1
                break
            }
            // An attribute name (its first byte may be `=`).
            let attributeStart = index
            index += 1
            while index < limit {
                let current = bytes[index]
                if ByteClass.isASCIIWhitespace(current) || current == UInt8(ascii: "/") || current == UInt8(ascii: ">")
                    || current == UInt8(ascii: "=")
                {
                    break
                }
                index += 1
            }
            let attributeEnd = index
            while index < limit && ByteClass.isASCIIWhitespace(bytes[index]) { index += 1 }
            guard index < limit else { return nil }
            guard bytes[index] == UInt8(ascii: "=") else { continue attributes }
            index += 1
            while index < limit && ByteClass.isASCIIWhitespace(bytes[index]) { index += 1 }
            guard index < limit else { return nil }
            let first = bytes[index]
            if first == UInt8(ascii: ">") {
                index += 1
                break
            }
            let valueStart: Int
            let valueEnd: Int
            if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
                valueStart = index + 1
                var close = valueStart
                while close < limit && bytes[close] != first { close += 1 }
                guard close < limit else { return nil }
                valueEnd = close
                index = close + 1
            } else {
                valueStart = index
                while index < limit && !ByteClass.isASCIIWhitespace(bytes[index]) && bytes[index] != UInt8(ascii: ">") {
                    index += 1
                }
                guard index < limit else { return nil }
                valueEnd = index
            }
            if isEnd { continue }
            guard let role = Self.fastRole(bytes, attributeStart, attributeEnd) else { return nil }
            guard role != .unmasked else { continue }
            let value = UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            if value.contains(UInt8(ascii: "&")) { return nil }
            if role.isMasked {
                // Released by `tagEnded` once the whole tag (and so every label source) is known.
                self.fastValues.append(FastValue(start: valueStart - nameStart, end: valueEnd - nameStart, role: role,
                                                 nameStart: attributeStart - nameStart, nameEnd: attributeEnd - nameStart,
                                                 quote: first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") ? first : 0))
                continue
            }
            self.tag.known.setIfAbsent(role, value)
        }
        // Values to mask inside a joined text run are left to the state machine.
        if !self.fastValues.isEmpty && element == .inline && !self.unit.isEmpty { return nil }
        self.tag.isEnd = isEnd
        self.tag.element = element
        self.tag.detached = false
        switch element {
        case .script, .passThrough, .textarea, .title:
            self.tag.name.removeAll(keepingCapacity: true)
            for byte in UnsafeBufferPointer(rebasing: bytes[nameStart..<min(nameEnd, nameStart + 32)]) {
                self.tag.name.append(ByteClass.lowercased(byte))
            }
        default:
            break
        }
        // The tag from its `<` when that is in this chunk too (most tags): released in one piece.
        let opening = isEnd ? 2 : 1
        let whole = nameStart >= opening ? UnsafeBufferPointer(rebasing: bytes[(nameStart - opening)..<index]) : nil
        self.tagEnded(raw: UnsafeBufferPointer(rebasing: bytes[nameStart..<index]), whole: whole, into: &output, tally: &tally)
        return index
    }

    /// A value to mask that `fastTag` found, by offsets from the tag name's start.
    struct FastValue {
        var start: Int
        var end: Int
        var role: AttributeRole
        var nameStart: Int
        var nameEnd: Int
        var quote: UInt8
    }

    /// `fastTag`'s values released (masked) between the markup around them, as `renderTag` would.
    private mutating func renderFastValues(_ raw: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally) {
        var position = 0
        for index in 0..<self.fastValues.count {
            let value = self.fastValues[index]
            output.append(contentsOf: UnsafeBufferPointer(rebasing: raw[position..<value.start]))
            let label: PIIKind?
            switch value.role {
            case .data:
                var name: [UInt8] = []
                for byte in UnsafeBufferPointer(rebasing: raw[(value.nameStart + 5)..<min(value.nameEnd, value.nameStart + 64)]) {
                    name.append(ByteClass.lowercased(byte))
                }
                label = self.masker.kind(forKey: name)
            case .value:
                label = self.formFieldLabel(consume: self.tag.element == .input || self.tag.element == .button)
            case .content:
                label = self.tag.known.first(.name, .property, .itemprop) { self.masker.kind(forKey: $0) } ?? nil
            default:
                label = nil
            }
            renderVerbatim(UnsafeBufferPointer(rebasing: raw[value.start..<value.end]), masker: self.masker, hint: label,
                           escaping: .htmlAttribute(quote: value.quote), tally: &tally, into: &output)
            position = value.end
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: raw[position...]))
        self.fastValues.removeAll(keepingCapacity: true)
    }

    /// `AttributeRole(name:)` for a name in the chunk, or nil where the fast path leaves it to the state machine
    /// (prefixed and long names).
    private static func fastRole(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> AttributeRole? {
        let length = end - start
        if length > 5 && ByteClass.lowercased(bytes[start]) == UInt8(ascii: "d") && ByteClass.lowercased(bytes[start + 1]) == UInt8(ascii: "a")
            && ByteClass.lowercased(bytes[start + 2]) == UInt8(ascii: "t") && ByteClass.lowercased(bytes[start + 3]) == UInt8(ascii: "a")
            && bytes[start + 4] == UInt8(ascii: "-")
        {
            return .data
        }
        guard length <= 8 else { return nil }
        var packed: UInt64 = 0
        for index in start..<end { packed = packed << 8 | UInt64(ByteClass.lowercased(bytes[index])) }
        if length >= 4 {
            let head = packed >> UInt64((length - 4) * 8)
            // "data", "aria", "xmln", "xml:" prefixes.
            if head == 0x6461_7461 || head == 0x6172_6961 || head == 0x786D_6C6E || head == 0x786D_6C3A { return nil }
        }
        return AttributeRole(packed: packed)
    }

    private mutating func startTag(isEnd: Bool) {
        self.tag.reset(isEnd: isEnd)
    }

    /// After `/`, `>` or whitespace that ends a name or value.
    private mutating func afterNameByte(_ byte: UInt8, into output: inout ByteOutput, tally: inout MaskTally) {
        switch byte {
        case UInt8(ascii: ">"): self.tagEnded(into: &output, tally: &tally)
        case UInt8(ascii: "/"): self.state = .selfClosingStartTag
        default: self.state = .beforeAttributeName
        }
    }

    /// Appends markup to the tag, at most up to the tag's limit (so the limit is reached at the same byte whatever
    /// the chunking); returns how many bytes were taken.
    @discardableResult
    private mutating func appendMarkup(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally) -> Int {
        let room = maxUnitBytes - self.tag.size
        let take = min(bytes.count, max(room, 0))
        self.tag.markup.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<take]))
        self.tag.size += take
        self.tagGrew(into: &output, tally: &tally)
        if self.tag.size >= maxUnitBytes { self.releaseTagPart(into: &output, tally: &tally) }
        return take
    }

    private mutating func appendMarkup(_ byte: UInt8, into output: inout ByteOutput, tally: inout MaskTally) {
        self.tag.markup.append(byte)
        self.tag.size += 1
        self.tagGrew(into: &output, tally: &tally)
        if self.tag.size >= maxUnitBytes { self.releaseTagPart(into: &output, tally: &tally) }
    }

    /// A tag with very many attributes is released in parts too (at an attribute's start: a content event).
    private mutating func attributeAdded(into output: inout ByteOutput, tally: inout MaskTally) {
        if self.tag.attributeCount > Self.maxHeldAttributes { self.releaseTagPart(into: &output, tally: &tally) }
    }

    /// A tag too large for a text run ends the run before it.
    @inline(__always)
    private mutating func tagGrew(into output: inout ByteOutput, tally: inout MaskTally) {
        if !self.tag.detached && self.tag.size + self.tag.currentValueSize > Self.maxInlineTagBytes {
            self.tag.detached = true
            self.flushRun(into: &output, tally: &tally)
        }
    }

    private mutating func startValue(quote: UInt8) {
        if self.tag.attributeCount == 0 { self.tag.addAttribute() }
        let index = self.tag.last
        self.tag.attributes[index].hasValue = true
        self.tag.attributes[index].quote = quote
        self.tag.attributes[index].role = AttributeRole(name: self.tag.attributes[index].name)
        self.state = .attributeValue(quote: quote)
    }

    private mutating func valueAppended(into output: inout ByteOutput, tally: inout MaskTally) {
        self.tagGrew(into: &output, tally: &tally)
        guard self.tag.attributes[self.tag.last].value.rawCount >= maxUnitBytes else { return }
        // A huge value: release the tag so far, then the value in content-determined pieces.
        self.releaseTagPart(into: &output, tally: &tally)
        let current = self.tag.last
        let masks = !self.tag.isEnd && self.tag.attributes[current].role.isMasked
        let escaping = Escaping.htmlAttribute(quote: self.tag.attributes[current].quote)
        while self.tag.attributes[current].value.rawCount >= maxUnitBytes {
            let head = self.tag.attributes[current].value.cut(limit: maxUnitBytes)
            if masks {
                let label = self.attributeLabel(current)
                head.render(masker: self.masker, hint: label, escaping: escaping, tally: &tally, into: &output)
            } else {
                head.appendRaw(to: &output)
            }
        }
    }

    private mutating func endValue(into output: inout ByteOutput, tally: inout MaskTally) {
        let last = self.tag.last
        self.tag.attributes[last].complete = true
        let role = self.tag.attributes[last].role
        if !role.isMasked && role != .unmasked {
            if !self.tag.known.has(role) {
                let value = self.tag.attributes[last].value.textPrefix(maxLabelBytes)
                value.withUnsafeBufferPointer { self.tag.known.setIfAbsent(role, $0) }
            }
        }
        self.tag.segments.append((self.tag.markup.count, last))
        self.tag.size += self.tag.attributes[last].value.rawCount
        if self.tag.size >= maxUnitBytes { self.releaseTagPart(into: &output, tally: &tally) }
    }

    /// Releases what is held of a huge tag (segments and markup read so far).
    private mutating func releaseTagPart(into output: inout ByteOutput, tally: inout MaskTally) {
        if !self.tag.detached {
            self.tag.detached = true
            self.flushRun(into: &output, tally: &tally)
        }
        self.renderTag(into: &output, tally: &tally)
        self.tag.size = 0
        // Released attributes are forgotten (label values are in `known`); the one being read stays.
        if self.tag.attributeCount > 1 {
            self.tag.attributes.swapAt(0, self.tag.last)
            self.tag.attributeCount = 1
        }
    }

    /// Releases the tag's markup and the values read so far.
    private mutating func renderTag(into output: inout ByteOutput, tally: inout MaskTally) {
        var position = 0
        for (end, index) in self.tag.segments {
            output.append(contentsOf: self.tag.markup[position..<end])
            position = end
            if !self.tag.isEnd && self.tag.attributes[index].role.isMasked {
                let label = self.attributeLabel(index)
                let quote = self.tag.attributes[index].quote
                self.tag.attributes[index].value.render(masker: self.masker, hint: label,
                                                        escaping: .htmlAttribute(quote: quote), tally: &tally, into: &output)
            } else {
                self.tag.attributes[index].value.appendRaw(to: &output)
            }
            self.tag.attributes[index].value.removeAll()
        }
        output.append(contentsOf: self.tag.markup[position...])
        if !self.tag.segments.isEmpty { self.tag.segments.removeAll(keepingCapacity: true) }
        self.tag.markup.removeAll(keepingCapacity: true)
    }

    /// The kind the label of a masked attribute's value names.
    private mutating func attributeLabel(_ index: Int) -> PIIKind? {
        switch self.tag.attributes[index].role {
        case .data:
            return self.masker.kind(forKey: Array(self.tag.attributes[index].name.dropFirst(5)))
        case .value:
            let consumes = self.tag.element == .input || self.tag.element == .button
            return self.formFieldLabel(consume: consumes)
        case .content:
            return self.tag.known.first(.name, .property, .itemprop) { self.masker.kind(forKey: $0) } ?? nil
        default:
            return nil
        }
    }

    /// The tag is complete: update the structure (labels), then release the tag (into the text run when inline).
    /// `raw`: the tag as written after `<` or `</`, when `fastTag` read it whole (else the tag buffer is released).
    /// `whole`: the same tag with its `<` or `</`, when `fastTag` had those in the chunk too.
    private mutating func tagEnded(raw: UnsafeBufferPointer<UInt8>? = nil, whole: UnsafeBufferPointer<UInt8>? = nil,
                                   into output: inout ByteOutput, tally: inout MaskTally) {
        // A whole tag from the chunk with nothing to mask, no text run held: it only joins the pending input.
        // Anything else writes output, after the pending input.
        let defers = whole != nil && self.fastValues.isEmpty && self.unit.isEmpty && self.pending.base != nil
        if !defers { self.flushPending(into: &output) }
        if raw == nil { self.tag.element = Element(name: self.tag.name) }
        let inline = self.tag.element == .inline
        if !inline && !self.unit.isEmpty { self.flushRun(into: &output, tally: &tally) }
        if self.tag.isEnd { self.endElement() } else { self.startElement() }
        if inline && !self.tag.detached && !self.unit.isEmpty {
            var bytes = self.scratch
            self.scratch = []
            bytes.removeAll(keepingCapacity: true)
            if let raw {
                bytes.append(UInt8(ascii: "<"))
                if self.tag.isEnd { bytes.append(UInt8(ascii: "/")) }
                bytes.append(contentsOf: raw)
            } else {
                var rendered = ByteOutput()
                self.renderTag(into: &rendered, tally: &tally)
                rendered.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
            }
            self.unit.appendGap(bytes)
            self.scratch = bytes
            self.cutUnitIfLong(into: &output, tally: &tally)
        } else if let whole, self.fastValues.isEmpty {
            if defers { self.addPending(whole, into: &output) } else { output.append(contentsOf: whole) }
        } else if let raw {
            output.append(UInt8(ascii: "<"))
            if self.tag.isEnd { output.append(UInt8(ascii: "/")) }
            if self.fastValues.isEmpty {
                output.append(contentsOf: raw)
            } else {
                self.renderFastValues(raw, into: &output, tally: &tally)
            }
        } else {
            self.renderTag(into: &output, tally: &tally)
        }
        self.state = .data
        if !self.tag.isEnd {
            switch self.tag.element {
            case .script, .passThrough, .textarea, .title: self.enterRawTextIfNeeded()
            default: break
            }
        }
    }

    private mutating func enterRawTextIfNeeded() {
        let kind: RawTextKind
        switch self.tag.element {
        case .script:
            // Most scripts have no type: JavaScript, without reading one.
            let type = self.tag.known.has(.type) ? self.tag.known.string(.type)?.lowercased() ?? "" : ""
            let essence = type.isEmpty ? "" : type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if !essence.isEmpty && (essence.hasSuffix("json") || essence == "importmap" || essence == "speculationrules") {
                kind = .json
                self.json = JSONCore(masker: self.masker, strict: false, inScript: true)
            } else if essence.isEmpty || essence == "module" || essence.hasSuffix("javascript") || essence.hasSuffix("ecmascript")
                || essence == "text/jscript" || essence == "text/babel" || essence == "text/jsx"
            {
                kind = .javaScript
                self.javaScript.reset()
            } else {
                kind = .plain
            }
        case .passThrough:
            kind = .passThrough
        case .textarea:
            kind = .rcdata(hint: self.formFieldLabel(consume: true))
        case .title:
            kind = .rcdata(hint: nil)
        default:
            return
        }
        if !self.rawTextName.isEmpty { self.rawTextName.removeAll(keepingCapacity: true) }
        self.rawTextName.append(contentsOf: self.tag.name)
        self.rawTextKind = kind
        if !self.endMatch.isEmpty { self.endMatch.removeAll(keepingCapacity: true) }
        self.state = .rawText
    }

    // MARK: structure and labels

    private mutating func startElement() {
        if self.tag.known.has(.klass) { self.classLabel() }
        switch self.tag.element {
        case .table:
            self.startTable()
        case .thead:
            self.endRow()
            if self.tableActive { self.table.inHead = true }
        case .tbody, .tfoot:
            self.endRow()
            if self.tableActive { self.table.inHead = false }
        case .tr:
            self.endRow()
            if self.tableActive { self.table.inRow = true }
        case .th, .td:
            self.startCell(isHeader: self.tag.element == .th, span: self.tag.known.has(.colspan) ? self.columnSpan() : 1)
        case .dt:
            self.definitionTag(isTerm: true, isEnd: false)
        case .dd:
            self.definitionTag(isTerm: false, isEnd: false)
        case .label:
            self.startCapture(.label)
        case .select:
            self.selectLabel = self.selectFieldLabel()
        default:
            break
        }
    }

    /// `<dt>`, `</dt>`, `<dd>`, `</dd>`: a term's text is captured; it labels the descriptions after it.
    private mutating func definitionTag(isTerm: Bool, isEnd: Bool) {
        switch (isTerm, isEnd) {
        case (true, false):
            self.inDefinition = false
            self.startCapture(.term)
        case (true, true):
            if case .term = self.capture { self.termLabel = self.finishCapture() }
        case (false, false):
            if case .term = self.capture { self.termLabel = self.finishCapture() }
            self.inDefinition = true
        case (false, true):
            self.inDefinition = false
        }
    }

    /// A `<td>` or `<th>` spanning `span` columns (1 to 1000).
    private mutating func startCell(isHeader: Bool, span: Int) {
        self.endCell()
        guard self.tableDepth > 0 else { return }
        if self.tableActive {
            self.table.inRow = true
            let column = self.table.nextColumn
            self.table.nextColumn += span
            if isHeader {
                self.table.cell = .header(column)
            } else {
                self.table.cell = .data
                self.table.rowHasData = true
                // The row's own header when it names a kind, else the column's.
                self.table.cellLabel = self.table.rowLabel
                    ?? (column < self.table.columnHeaders.count ? self.table.columnHeaders[column] : nil)
            }
        }
        if isHeader { self.startCapture(.header) }
    }

    // The rarer steps of `startElement`, out of line: they need closures and strings, and inlined they made every
    // call pay a larger frame.

    @inline(never)
    private mutating func startTable() {
        if self.tableDepth == 0 {
            self.table.clear()
        } else if self.tableDepth < Self.maxTableDepth {
            self.outerTables.append(self.table)
            self.table = Table.new()
        }
        self.tableDepth += 1
    }

    /// A cell's `colspan`, 1 to 1000.
    @inline(never)
    private func columnSpan() -> Int {
        let span = self.tag.known.string(.colspan).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 1
        return min(max(span, 1), 1000)
    }

    @inline(never)
    private func selectFieldLabel() -> PIIKind? {
        self.tag.known.first(.name, .id) { self.masker.kind(forKey: $0) } ?? nil
    }

    /// Admins' class names often say what a field is (`customer-name`, `buyer_phone`, `addr`): a class token that
    /// names a kind labels the element's text, as a <label> would.
    /// Tokens are looked up in place: most tags have a class, most class tokens are remembered keys.
    @inline(never)
    private mutating func classLabel() {
        let masker = self.masker
        let label: PIIKind? = self.tag.known.first(.klass) { klass -> PIIKind? in
            var start = 0
            while start < klass.count {
                var end = start
                while end < klass.count && klass[end] != 0x20 && klass[end] != 0x09 && klass[end] != 0x0A { end += 1 }
                if end > start && end - start <= 64,
                    let label = masker.kind(forKey: UnsafeBufferPointer(rebasing: klass[start..<end]), readable: klass.count - start)
                {
                    return label
                }
                start = end + 1
            }
            return nil
        } ?? nil
        if let label { self.pendingLabel = label }
    }

    private mutating func endElement() {
        switch self.tag.element {
        case .th, .td:
            self.endCell()
        case .tr:
            self.endRow()
        case .thead:
            self.endRow()
            if self.tableActive { self.table.inHead = false }
        case .table:
            self.endRow()
            if self.tableDepth > 1 && self.tableDepth <= Self.maxTableDepth {
                self.table = self.outerTables.removeLast()
            }
            if self.tableDepth > 0 { self.tableDepth -= 1 }
        case .dt:
            self.definitionTag(isTerm: true, isEnd: true)
        case .dd:
            self.definitionTag(isTerm: false, isEnd: true)
        case .dl:
            self.inDefinition = false
            self.termLabel = nil
        case .label:
            if case .label = self.capture { self.pendingLabel = self.finishCapture() }
        case .select:
            self.selectLabel = nil
        default:
            break
        }
    }

    /// Whether the structure of `table` is followed (a table is open, not nested too deep).
    private var tableActive: Bool { self.tableDepth > 0 && self.tableDepth <= Self.maxTableDepth }

    /// Called for every cell tag: the checks inline, the header's bookkeeping out of line.
    @inline(__always)
    private mutating func endCell() {
        guard self.tableActive else { return }
        // Between cells (`</td>` then `<td>` both end the cell): nothing to reset, no write to the table.
        switch self.table.cell {
        case .none:
            if self.table.cellLabel == nil { return }
        case .header(let column):
            self.endHeaderCell(column)
        case .data:
            break
        }
        self.table.cell = .none
        self.table.cellLabel = nil
    }

    @inline(never)
    private mutating func endHeaderCell(_ column: Int) {
        var text: PIIKind?
        if case .header = self.capture { text = self.finishCapture() }
        if column < 1000 {
            while self.table.rowHeaders.count <= column { self.table.rowHeaders.append(nil) }
            self.table.rowHeaders[column] = text
        }
        self.table.rowLabel = text
    }

    private mutating func endRow() {
        self.endCell()
        guard self.tableActive && self.table.inRow else { return }
        if !self.table.rowHeaders.isEmpty && (self.table.inHead || !self.table.rowHasData) {
            while self.table.columnHeaders.count < self.table.rowHeaders.count { self.table.columnHeaders.append(nil) }
            for column in 0..<self.table.rowHeaders.count where self.table.rowHeaders[column] != nil {
                self.table.columnHeaders[column] = self.table.rowHeaders[column]
            }
        }
        if !self.table.rowHeaders.isEmpty { self.table.rowHeaders.removeAll(keepingCapacity: true) }
        self.table.nextColumn = 0
        self.table.inRow = false
        self.table.rowHasData = false
        self.table.rowLabel = nil
    }

    private mutating func startCapture(_ capture: Capture) {
        self.capture = capture
        self.captureText.clear()
    }

    /// The kind the captured label text names.
    private mutating func finishCapture() -> PIIKind? {
        self.capture = nil
        defer { self.captureText.clear() }
        let masker = self.masker
        return self.captureText.withBytes { masker.kind(forKey: $0, readable: maxLabelBytes) }
    }

    /// The kind the label of a form field's value names: its own `name` (or `id`), else the `<label>` it stands in,
    /// else the context (a preceding `<label>`, its cell or `<dd>`).
    private mutating func formFieldLabel(consume: Bool) -> PIIKind? {
        let own = self.tag.known.first(.name, .id) { self.masker.kind(forKey: $0) } ?? nil
        if let own { return own }
        if case .label = self.capture, let text = self.captureText.withBytes({ self.masker.kind(forKey: $0, readable: maxLabelBytes) }) { return text }
        return self.contextLabel(consume: consume)
    }

    /// The kind the label of the field the current text or form value belongs to.
    private mutating func contextLabel(consume: Bool) -> PIIKind? {
        if let pending = self.pendingLabel {
            if consume { self.pendingLabel = nil }
            return pending
        }
        if self.inDefinition, let term = self.termLabel { return term }
        if self.tableActive, case .data = self.table.cell { return self.table.cellLabel }
        return self.selectLabel
    }

    // MARK: text units

    /// The label of a text run (or a cut part of one), given its decoded text; feeds a label being captured.
    private mutating func runLabel(_ text: UnsafeBufferPointer<UInt8>) -> PIIKind? {
        if self.capture != nil {
            self.captureLabelText(text)
            return nil
        }
        return TextUnit.mayHoldValue(text) ? self.contextLabel(consume: true) : nil
    }

    private mutating func captureLabelText(_ text: UnsafeBufferPointer<UInt8>) {
        self.captureText.appendRun(text)
    }

    private mutating func renderRun(_ run: TextUnit, into output: inout ByteOutput, tally: inout MaskTally) {
        let label = run.withText { self.runLabel($0) }
        run.render(masker: self.masker, hint: label, escaping: .htmlText, tally: &tally, into: &output)
    }

    /// Ends the text run (at markup that is not inline, a comment, the end of the body).
    private mutating func flushRun(into output: inout ByteOutput, tally: inout MaskTally) {
        guard !self.unit.isEmpty else { return }
        self.cutUnitIfLong(into: &output, tally: &tally)
        // The label without copying the unit (a copy would make clearing it reallocate).
        var label: PIIKind? = nil
        if self.capture != nil {
            let prefix = self.unit.textPrefix(maxLabelBytes)
            prefix.withUnsafeBufferPointer { self.captureLabelText($0) }
        } else if TextUnit.mayHoldValueCheap(self.unit) {
            label = self.contextLabel(consume: true)
        }
        self.unit.render(masker: self.masker, hint: label, escaping: .htmlText, tally: &tally, into: &output)
        self.unit.removeAll()
    }

    private mutating func startReference(_ byte: UInt8) {
        self.reference.removeAll(keepingCapacity: true)
        self.reference.append(byte)
    }

    /// Whether the `<` at `index` starts markup that ends a text run (a tag that is not inline, `</…`, `<!`, `<?`),
    /// as far as this chunk shows (false when it cannot tell). A tag of only a name of up to 8 letters and digits
    /// (what `bareTag` takes) is given in `bare`, so that its name is not read twice.
    /// (Static, with the tables given: a method reading `self` made the compiler copy the whole core per call.)
    private static func endsRun(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, names: TagNameBytes,
                                bare: inout BareTag?) -> Bool {
        guard index < bytes.count && bytes[index] == UInt8(ascii: "<") else { return false }
        var position = index + 1
        guard position < bytes.count else { return false }
        var first = bytes[position]
        if first == UInt8(ascii: "!") || first == UInt8(ascii: "?") { return true }
        let isEnd = first == UInt8(ascii: "/")
        if isEnd {
            position += 1
            guard position < bytes.count else { return false }
            first = bytes[position]
            if !ByteClass.isASCIILetter(first) { return true }
        }
        guard ByteClass.isASCIILetter(first) else { return false }
        var packed: UInt64 = 0
        var length = 0
        var onlyName = true
        while position < bytes.count {
            let byte = bytes[position]
            // Letters and digits in one load (`map` lowercases them); the other bytes as they are.
            var mapped = names.map(byte)
            if mapped <= TagNameBytes.end {
                if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || ByteClass.isASCIIWhitespace(byte) {
                    let element = names.element(packed)
                    if onlyName && mapped == TagNameBytes.end {
                        bare = BareTag(end: position + 1, element: element, isEnd: isEnd)
                    }
                    return element != .inline
                }
                mapped = byte
                onlyName = false
            }
            length += 1
            if length > 8 { return true }
            packed = packed << 8 | UInt64(mapped)
            position += 1
        }
        return false
    }

    /// Releases content-determined parts of the current unit while it is at its limit.
    private mutating func cutUnitIfLong(into output: inout ByteOutput, tally: inout MaskTally) {
        while self.unit.rawCount >= maxUnitBytes {
            let head = self.unit.cut(limit: maxUnitBytes)
            self.renderUnitPart(head, into: &output, tally: &tally)
        }
    }

    private mutating func renderUnitPart(_ part: TextUnit, into output: inout ByteOutput, tally: inout MaskTally) {
        switch self.state {
        case .comment, .bogusComment:
            part.render(masker: self.masker, hint: nil, escaping: .none, tally: &tally, into: &output)
        case .rawText:
            self.renderRawTextUnit(part, into: &output, tally: &tally)
        default:
            self.renderRun(part, into: &output, tally: &tally)
        }
    }

    /// (Mutating though it changes nothing: see `isPlainEndTag`.)
    private mutating func renderRawTextUnit(_ part: TextUnit, into output: inout ByteOutput, tally: inout MaskTally) {
        switch self.rawTextKind {
        case .rcdata(let label):
            part.render(masker: self.masker, hint: label, escaping: .htmlText, tally: &tally, into: &output)
        default:
            part.render(masker: self.masker, hint: nil, escaping: .none, tally: &tally, into: &output)
        }
    }

    // MARK: character references

    /// One byte of a character reference; returns whether the byte was consumed (else it is read again in the state
    /// the reference returned to).
    private mutating func referenceStep(_ byte: UInt8, into output: inout ByteOutput, tally: inout MaskTally) -> Bool {
        let count = self.reference.count
        var accept = false
        if byte == UInt8(ascii: ";") && count >= 2 {
            self.reference.append(byte)
            self.finishReference(decoded: Self.decodeReference(self.reference), into: &output, tally: &tally)
            return true
        }
        if count < 32 {
            if count == 1 {
                accept = byte == UInt8(ascii: "#") || ByteClass.isASCIILetter(byte)
            } else if self.reference[1] == UInt8(ascii: "#") {
                if count == 2 {
                    accept = ByteClass.isDigit(byte) || byte == UInt8(ascii: "x") || byte == UInt8(ascii: "X")
                } else if self.reference[2] == UInt8(ascii: "x") || self.reference[2] == UInt8(ascii: "X") {
                    accept = ByteClass.hexValue(byte) != nil
                } else {
                    accept = ByteClass.isDigit(byte)
                }
            } else {
                accept = ByteClass.isASCIILetter(byte) || ByteClass.isDigit(byte)
            }
        }
        if accept {
            self.reference.append(byte)
            return true
        }
        self.finishReference(decoded: nil, into: &output, tally: &tally)
        return false
    }

    /// Adds the reference to its unit (decoded, or as plain text) and returns to the state it was read in.
    private mutating func finishReference(decoded: [UInt8]?, into output: inout ByteOutput, tally: inout MaskTally) {
        switch self.referenceContext {
        case .data, .rcdata:
            if let decoded {
                self.unit.appendSpecial(raw: self.reference, decoded: decoded)
            } else {
                self.unit.appendVerbatim(self.reference)
            }
            self.reference.removeAll(keepingCapacity: true)
            self.state = self.referenceContext == .data ? .data : .rawText
            self.cutUnitIfLong(into: &output, tally: &tally)
        case .attribute:
            let last = self.tag.last
            if let decoded {
                self.tag.attributes[last].value.appendSpecial(raw: self.reference, decoded: decoded)
            } else {
                self.tag.attributes[last].value.appendVerbatim(self.reference)
            }
            self.reference.removeAll(keepingCapacity: true)
            self.state = .attributeValue(quote: self.tag.attributes[last].quote)
            self.valueAppended(into: &output, tally: &tally)
        }
    }

    private static let namedReferences: [[UInt8]: [UInt8]] = {
        let table: [String: String] = [
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "middot": "·", "hellip": "…",
            "ndash": "–", "mdash": "—", "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "laquo": "«",
            "raquo": "»", "copy": "©", "reg": "®", "trade": "™", "times": "×", "bull": "•", "euro": "€", "yen": "¥",
            "deg": "°", "sim": "∼", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓", "emsp": "\u{2003}",
            "ensp": "\u{2002}", "thinsp": "\u{2009}", "zwj": "\u{200D}", "zwnj": "\u{200C}", "lrm": "\u{200E}",
            "rlm": "\u{200F}", "shy": "\u{AD}", "AMP": "&", "LT": "<", "GT": ">", "QUOT": "\"",
        ]
        var result: [[UInt8]: [UInt8]] = [:]
        for (name, value) in table { result[Array(name.utf8)] = Array(value.utf8) }
        return result
    }()

    /// `&…;` → its UTF-8, or nil when not a reference this scanner knows.
    static func decodeReference(_ reference: [UInt8]) -> [UInt8]? {
        let body = reference[1..<(reference.count - 1)]
        guard let first = body.first else { return nil }
        if first == UInt8(ascii: "#") {
            let isHex = body.count > 1 && (body[body.startIndex + 1] | 0x20) == UInt8(ascii: "x")
            guard let value = Self.referenceScalar(body.dropFirst(isHex ? 2 : 1), hex: isHex) else { return nil }
            var decoded: [UInt8] = []
            appendUTF8(value, to: &decoded)
            return decoded
        }
        return Self.namedReferences[Array(body)]
    }

    /// The scalar a numeric reference's digits stand for (hex or decimal), or nil when there are none or one is not a
    /// digit: 0 becomes U+FFFD, and a value past U+10FFFF stays past it (`appendUTF8` writes U+FFFD for it).
    static func referenceScalar<Digits: Collection<UInt8>>(_ digits: Digits, hex: Bool) -> UInt32? {
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            let next = hex ? ByteClass.hexValue(digit) : (ByteClass.isDigit(digit) ? UInt32(digit - 0x30) : nil)
            guard let next else { return nil }
            value = value > 0x10FFFF ? value : value * (hex ? 16 : 10) + next
        }
        return value == 0 ? 0xFFFD : value
    }

    // MARK: comments

    /// Comment content up to `-->` (also `--!>`, and `<!-->` / `<!--->`). Returns bytes consumed.
    private mutating func commentStep(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into output: inout ByteOutput,
                                      tally: inout MaskTally) -> Int {
        let byte = bytes[start]
        if byte == UInt8(ascii: "-") {
            if self.commentBang {
                self.unit.appendVerbatim(Array(repeating: UInt8(ascii: "-"), count: self.commentDashes) + [UInt8(ascii: "!")])
                self.commentDashes = 0
                self.commentBang = false
                self.commentAtStart = false
            }
            self.commentDashes += 1
            if self.commentDashes > 2 {
                self.unit.appendVerbatim(byte: byte)
                self.commentDashes = 2
                self.commentAtStart = false
                self.cutUnitIfLong(into: &output, tally: &tally)
            }
            return 1
        }
        if byte == UInt8(ascii: ">") && (self.commentDashes >= 2 || self.commentAtStart) {
            self.flushComment(into: &output, tally: &tally)
            output.append(contentsOf: Array(repeating: UInt8(ascii: "-"), count: self.commentDashes))
            if self.commentBang { output.append(UInt8(ascii: "!")) }
            output.append(byte)
            self.commentDashes = 0
            self.commentBang = false
            self.state = .data
            return 1
        }
        if byte == UInt8(ascii: "!") && self.commentDashes >= 2 && !self.commentBang {
            self.commentBang = true
            return 1
        }
        if self.commentDashes > 0 || self.commentBang {
            self.unit.appendVerbatim(Array(repeating: UInt8(ascii: "-"), count: self.commentDashes)
                                     + (self.commentBang ? [UInt8(ascii: "!")] : []))
            self.commentDashes = 0
            self.commentBang = false
        }
        self.commentAtStart = false
        let stop = self.commentStops.firstStop(in: bytes, from: start + 1, end: bytes.count)
        self.unit.appendVerbatim(UnsafeBufferPointer(rebasing: bytes[start..<stop]))
        self.cutUnitIfLong(into: &output, tally: &tally)
        return stop - start
    }

    /// Releases a comment's content (cut first if long).
    private mutating func flushComment(into output: inout ByteOutput, tally: inout MaskTally) {
        self.cutUnitIfLong(into: &output, tally: &tally)
        self.unit.render(masker: self.masker, hint: nil, escaping: .none, tally: &tally, into: &output)
        self.unit.removeAll()
    }

    // MARK: raw text

    /// Content of `<script>`, `<style>`, `<textarea>`, `<title>`…: up to `</name` followed by whitespace, `/` or `>`.
    private mutating func rawTextStep(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into output: inout ByteOutput,
                                      tally: inout MaskTally) -> Int {
        let count = bytes.count
        if self.endMatch.isEmpty {
            let isRCDATA: Bool
            if case .rcdata = self.rawTextKind { isRCDATA = true } else { isRCDATA = false }
            let stop = (isRCDATA ? self.rcdataStops : self.lessThan).firstStop(in: bytes, from: start, end: count)
            if stop > start { self.rawContent(UnsafeBufferPointer(rebasing: bytes[start..<stop]), into: &output, tally: &tally) }
            guard stop < count else { return stop - start }
            if bytes[stop] == UInt8(ascii: "&") {
                self.startReference(UInt8(ascii: "&"))
                self.referenceContext = .rcdata
                self.state = .characterReference
            } else if self.isPlainEndTag(bytes, at: stop) {
                // `</script>` whole in the chunk (the usual end): the content ends, and the end tag is read as in
                // text, by `fastTag` — what the byte-by-byte match below and the tag states would do with it.
                self.finishRawText(into: &output, tally: &tally)
                return self.endRawText(bytes, at: stop, into: &output, tally: &tally) - start
            } else {
                self.endMatch.removeAll(keepingCapacity: true)
                self.endMatch.append(UInt8(ascii: "<"))
            }
            return stop - start + 1
        }
        let byte = bytes[start]
        let matched = self.endMatch.count
        let nameLength = self.rawTextName.count
        var matches: Bool
        if matched == 1 {
            matches = byte == UInt8(ascii: "/")
        } else if matched < 2 + nameLength {
            matches = ByteClass.lowercased(byte) == self.rawTextName[matched - 2]
        } else {
            // The whole name matched: an end tag if followed by whitespace, `/` or `>`.
            if ByteClass.isASCIIWhitespace(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">") {
                self.finishRawText(into: &output, tally: &tally)
                self.tag.reset(isEnd: true)
                self.tag.name.append(contentsOf: self.rawTextName)
                self.tag.markup.removeAll(keepingCapacity: true)
                self.tag.markup.append(contentsOf: self.endMatch)
                self.tag.size = self.endMatch.count
                self.endMatch.removeAll(keepingCapacity: true)
                self.tag.detached = true
                self.state = .beforeAttributeName
                return 0
            }
            matches = false
        }
        if matches {
            self.endMatch.append(byte)
            return 1
        }
        // Not the end tag: what was held is content (the buffer swapped out while it is read, then kept).
        var held: [UInt8] = []
        swap(&held, &self.endMatch)
        held.withUnsafeBufferPointer { self.rawContent($0, into: &output, tally: &tally) }
        held.removeAll(keepingCapacity: true)
        self.endMatch = held
        return 0
    }

    /// Whether `bytes[index...]` starts with `</`, the raw text element's name (any case) and `>`, all in the chunk.
    /// (Mutating though it changes nothing: a non-mutating method made the compiler copy the whole core per call.)
    private mutating func isPlainEndTag(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let name = self.rawTextName
        let close = index + 2 + name.count
        guard !name.isEmpty, close < bytes.count, bytes[index + 1] == UInt8(ascii: "/"), bytes[close] == UInt8(ascii: ">") else {
            return false
        }
        for offset in 0..<name.count where ByteClass.lowercased(bytes[index + 2 + offset]) != name[offset] { return false }
        return true
    }

    private mutating func rawContent(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput, tally: inout MaskTally) {
        switch self.rawTextKind {
        case .passThrough:
            output.append(contentsOf: bytes)
        case .rcdata, .plain:
            self.unit.appendVerbatim(bytes)
            self.cutUnitIfLong(into: &output, tally: &tally)
        case .javaScript:
            self.javaScript.feed(bytes, into: &output, tally: &tally)
        case .json:
            // Lenient: where the island stops being JSON, the rest is read as JavaScript.
            let failure = (try? self.json.feed(bytes, into: &output, tally: &tally)) ?? nil
            if let failure {
                self.rawTextKind = .javaScript
                self.javaScript = JavaScriptCore(masker: self.masker)
                self.javaScript.feed(UnsafeBufferPointer(rebasing: bytes[failure...]), into: &output, tally: &tally)
            }
        }
    }

    private mutating func finishRawText(into output: inout ByteOutput, tally: inout MaskTally) {
        switch self.rawTextKind {
        case .passThrough:
            break
        case .rcdata, .plain:
            self.cutUnitIfLong(into: &output, tally: &tally)
            self.renderRawTextUnit(self.unit, into: &output, tally: &tally)
            self.unit.removeAll()
        case .javaScript:
            self.javaScript.finish(into: &output, tally: &tally)
        case .json:
            try? self.json.finish(into: &output, tally: &tally)
        }
    }

    // MARK: the end

    mutating func finish(into output: inout ByteOutput, tally: inout MaskTally) {
        switch self.state {
        case .data:
            break
        case .characterReference:
            self.finishReference(decoded: nil, into: &output, tally: &tally)
            return self.finish(into: &output, tally: &tally)
        case .tagOpen:
            self.unit.appendVerbatim(byte: UInt8(ascii: "<"))
        case .endTagOpen:
            self.unit.appendVerbatim([UInt8(ascii: "<"), UInt8(ascii: "/")])
        case .markupDeclarationOpen(let dashes):
            self.flushRun(into: &output, tally: &tally)
            output.append(contentsOf: dashes == 0 ? Array("<!".utf8) : Array("<!-".utf8))
        case .tagName, .beforeAttributeName, .attributeName, .afterAttributeName, .beforeAttributeValue,
             .attributeValue, .afterAttributeValueQuoted, .selfClosingStartTag:
            // A tag cut off by the end of the body: released as it came, values masked.
            self.flushRun(into: &output, tally: &tally)
            if case .attributeValue = self.state { self.endValue(into: &output, tally: &tally) }
            self.renderTag(into: &output, tally: &tally)
            self.tag.reset(isEnd: false)
        case .comment:
            self.unit.appendVerbatim(Array(repeating: UInt8(ascii: "-"), count: self.commentDashes)
                                     + (self.commentBang ? [UInt8(ascii: "!")] : []))
            self.commentDashes = 0
            self.commentBang = false
            self.flushComment(into: &output, tally: &tally)
        case .bogusComment:
            self.flushComment(into: &output, tally: &tally)
        case .rawText:
            let held = self.endMatch
            self.endMatch.removeAll()
            held.withUnsafeBufferPointer { self.rawContent($0, into: &output, tally: &tally) }
            self.finishRawText(into: &output, tally: &tally)
        }
        self.flushRun(into: &output, tally: &tally)
        self.state = .data
    }
}

/// Index of the first `<` or `&` in `base[from..<end]`, or `end`: the data state's scan, eight bytes at a time (a
/// page's text is mostly Hangul, where a byte table pays a load and a branch per byte).
@inline(__always)
func firstMarkup(_ base: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    var index = from
    while index + 8 <= end {
        let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
        let lessThan = word ^ 0x3C3C_3C3C_3C3C_3C3C
        let ampersand = word ^ 0x2626_2626_2626_2626
        // A zero byte of `lessThan` or `ampersand` is a stop; the lowest flagged byte is always a real one (the
        // borrow of the subtraction only flags bytes above a real zero).
        let found = ((lessThan &- ones) & ~lessThan | (ampersand &- ones) & ~ampersand) & highs
        if found != 0 { return index + found.trailingZeroBitCount >> 3 }
        index += 8
    }
    while index < end && base[index] != UInt8(ascii: "<") && base[index] != UInt8(ascii: "&") { index += 1 }
    return index
}

/// Tables for reading tag names fast. Allocated once, for the process (plain pointers: no reference counting, and
/// read from a copy in `HTMLCore` so that the scanning loop pays no `swift_once` either).
/// - Name bytes for `HTMLCore.bareTag`, mapped in one load: letters lowercased, digits kept, `>` to `end`, every
///   other byte to 0 (a name `bareTag` leaves to the general path).
/// - `Element`s by packed name: a multiplicative hash into 128 slots, perfect for `Element.byName` (checked when
///   the table is built), one multiplication and one comparison instead of a search through the names.
/// A bare tag (`<td>`, `</tr>`) that `HTMLCore.endsRun` read whole: the index after its `>`, its element, whether
/// it is an end tag. Handed on to `bareTag` so the name is read once.
struct BareTag {
    var end: Int
    var element: Element
    var isEnd: Bool
}

struct TagNameBytes: @unchecked Sendable {
    static let end: UInt8 = 1
    static let shared = TagNameBytes()
    private let table: UnsafeMutablePointer<UInt8>
    private let elementKeys: UnsafeMutablePointer<UInt64>
    private let elements: UnsafeMutablePointer<Element>
    private static let multiplier: UInt64 = 0x5142_1F0C_7EB5_02ED
    private static let slotShift: UInt64 = 57

    private init() {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        table.initialize(repeating: 0, count: 256)
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") {
            table[Int(byte)] = byte
            table[Int(byte - 0x20)] = byte
        }
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = byte }
        table[Int(UInt8(ascii: ">"))] = Self.end
        self.table = table
        let slots = 1 << (64 - Int(Self.slotShift))
        // Key 0 (no name) in the empty slots: `packedName` gives 0 only for names no element has.
        self.elementKeys = .allocate(capacity: slots)
        self.elementKeys.initialize(repeating: 0, count: slots)
        self.elements = .allocate(capacity: slots)
        self.elements.initialize(repeating: .other, count: slots)
        for (name, element) in Element.byName {
            let packed = packedName(Array(name.utf8))
            let slot = Self.slot(packed)
            precondition(self.elementKeys[slot] == 0, "element names collide in TagNameBytes")
            self.elementKeys[slot] = packed
            self.elements[slot] = element
        }
    }

    @inline(__always)
    private static func slot(_ packed: UInt64) -> Int { Int(truncatingIfNeeded: (packed &* Self.multiplier) >> Self.slotShift) }

    @inline(__always)
    func map(_ byte: UInt8) -> UInt8 { self.table[Int(byte)] }

    /// The element of a packed lowercased name (`other` for names it does not know).
    @inline(__always)
    func element(_ packed: UInt64) -> Element {
        let slot = Self.slot(packed)
        return self.elementKeys[slot] == packed ? self.elements[slot] : .other
    }
}

/// The part of the chunk being fed that `HTMLCore` has decided to release as it is (text runs with nothing to mask
/// and whole tags, one after the other) but not yet appended: one append for all of it instead of one per run and
/// per tag (most of a page is such runs and tags, and an append costs about as much as a short run's scan).
/// Offsets into the chunk; `base` is set only while `feed` runs (and the pending input is appended before it returns
/// and before anything else is written to the output).
struct PendingInput {
    var base: UnsafePointer<UInt8>?
    var start = 0
    var end = 0
}
