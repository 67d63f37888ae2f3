#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Shared machinery of the streaming scanners: UTF-8 validation across chunks, the text unit with its map from
// decoded text back to the original bytes, content-determined cutting of long units, and escaping of masked values.
//
// The rule every scanner follows for chunk invariance: decisions that change output (where a unit starts and ends,
// where a long unit is cut, which label it gets) are taken only at content events (a byte seen in a given state, a
// unit reaching `maxUnitBytes`), never at the end of a chunk. The end of a chunk only releases what is decided.

/// What the scanners of one body share: the text masker, and which field labels name a kind.
///
/// `TextMasker` uses a field's label only to look up the kind it names (`kind(forLabel:)`), a lookup that costs far
/// more than scanning a unit; most labels (`orderNo`, `amount`, `상품명`) name none. A label found to name no kind is
/// passed as no label at all — the same detections, without the lookup for every unit. Scanners resolve labels with
/// `effective` or `label(forKey:)` where they set them and hand only effective labels to `TextUnit.render`; the JSON,
/// CSV and HTML scanners go one step further and keep the kind itself (`hint(forKey:readable:)`, a column's kind;
/// `kind(forKey:)`, a cell's or field's) for `detections(in:hint:)`. One per body (not shared).
final class ScanContext {
    let textMasker: TextMasker
    private var labelNamesKind: [String: Bool] = [:]
    static let maxRememberedLabels = 1024

    init(_ textMasker: TextMasker) {
        self.textMasker = textMasker
        self.found = .allocate(capacity: 1)
        self.found.initialize(to: [])
        self.detect = { [textMasker] text, hint, found in textMasker.detections(in: text, hint: hint, into: &found) }
        self.writer = textMasker.makeWriter()
        // Remembering is exact only when a unit's detections are all a look-up would skip: no subject keys to
        // collect from it and no observer counting units (`--explain`).
        self.remembersQuietLabels = textMasker.subjectRules.isEmpty && textMasker.observer == nil
    }

    /// Writes masked forms (the masker's style and observer, reached without copying the masker).
    let writer: MaskWriter

    /// `textMasker.detections(in:hint:into:)` as a closure holding its own copy of the masker: called on the
    /// property, the whole struct (160 bytes) was copied onto the stack for every unit.
    private let detect: (UnsafeBufferPointer<UInt8>, PIIKind?, inout [Detection]) -> Void

    deinit {
        self.found.deinitialize(count: 1)
        self.found.deallocate()
    }

    /// Whether `label` names a kind the profile masks (remembered per label).
    func namesKind(_ label: String?) -> Bool {
        guard let label else { return false }
        if let known = self.labelNamesKind[label] { return known }
        if self.labelNamesKind.count >= Self.maxRememberedLabels { self.labelNamesKind.removeAll(keepingCapacity: true) }
        let names = self.textMasker.kind(forLabel: label) != nil
        self.labelNamesKind[label] = names
        return names
    }

    /// `label` if it names a kind, else nil: what scanners hand to `render` (same detections, no lookup per unit).
    func effective(_ label: String?) -> String? {
        self.namesKind(label) ? label : nil
    }

    /// Recent keys and their effective labels, by a cheap hash (keys repeat row after row), two ways per set. 1024
    /// slots: with 256, a page's few hundred class names, keys and header texts collided often enough that a fifth
    /// of the look-ups missed and resolved their label again; direct-mapped in 1024, still one in twelve.
    private let keySlots = Slots<(key: [UInt8], label: String?, hint: PIIKind?)>(count: ScanContext.keySlotCount)
    static let keySlotCount = 1024

    /// The effective label of a key or label text given as bytes (JSON keys, JavaScript names), remembered.
    func label(forKey bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { self.keyEntry(bytes: $0, array: bytes).label }
    }

    /// `label(forKey:)` for bytes in place: an array is made only when the key is not remembered.
    func label(forKey bytes: UnsafeBufferPointer<UInt8>) -> String? {
        self.keyEntry(bytes: bytes, array: nil).label
    }

    /// The kind a key or label text names (the kind of its effective label; nil: none), remembered like
    /// `label(forKey:)` but for keys of any length. The HTML scanner keeps labels as kinds: a cell or field carries
    /// its kind, and its text units go to `detections(in:hint:)` with no `String` to retain or look up.
    func kind(forKey bytes: UnsafeBufferPointer<UInt8>) -> PIIKind? {
        // A short key through `keyHints` (the same kind `keyEntry` would give: it resolves it there too).
        guard bytes.count > KeyHints.maxKeyBytes else { return self.hint(forKey: bytes, readable: bytes.count) }
        return self.keyEntry(bytes: bytes, array: nil).hint
    }

    /// `kind(forKey:)` for a key with `readable` bytes from its start that may be read (at least its length): a key
    /// of up to 24 bytes is found through `keyHints` (with 24 readable, three word loads and no byte loop).
    func kind(forKey bytes: UnsafeBufferPointer<UInt8>, readable: Int) -> PIIKind? {
        guard bytes.count <= KeyHints.maxKeyBytes else { return self.kind(forKey: bytes) }
        return self.hint(forKey: bytes, readable: readable)
    }

    /// `kind(forKey:)` for bytes in an array.
    func kind(forKey bytes: [UInt8]) -> PIIKind? {
        bytes.withUnsafeBufferPointer { self.kind(forKey: $0) }
    }

    private func keyEntry(bytes: UnsafeBufferPointer<UInt8>, array: [UInt8]?) -> (label: String?, hint: PIIKind?) {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let slot = Int((hash ^ hash >> 16) & UInt32(Self.keySlotCount - 2))
        if let entry = self.keySlots.entries[slot], sameBytes(entry.key, bytes) { return (entry.label, entry.hint) }
        // Two ways per set (`slot`, always even, and the next): a key also looks in the second, where the key it
        // displaced went (direct-mapped, a page's keys that shared a slot pushed each other out and resolved their
        // label again and again).
        let neighbour = slot + 1
        if let entry = self.keySlots.entries[neighbour], sameBytes(entry.key, bytes) { return (entry.label, entry.hint) }
        let key = array ?? Array(bytes)
        // The label when it names a kind (what `effective` gives), found through the byte-keyed kinds: no
        // dictionary look-up by `String`, and no `String` at all for the many keys that name none. The kind is the
        // label's own (`hint(forKey:)` resolves the same `labelString`).
        let hint = self.hint(forKey: bytes, readable: bytes.count)
        let label = hint == nil ? nil : labelString(key)
        self.keySlots.entries[neighbour] = self.keySlots.entries[slot]
        self.keySlots.entries[slot] = (key, label, hint)
        return (label, hint)
    }

    /// Keys seen lately and the kind each names, by their bytes (see `KeyHints`).
    let keyHints = KeyHints()

    /// The kind a key names (a JSON key as written, already cut to `maxLabelBytes`): what `label(forKey:)` followed
    /// by the label's kind gives, remembered per key without making a `String` or an array for it.
    @inline(__always)
    func hint(forKey bytes: UnsafeBufferPointer<UInt8>, readable: Int) -> PIIKind? {
        if let known = self.keyHints.lookup(bytes, readable: readable) { return known }
        return self.resolveHint(forKey: bytes, readable: readable)
    }

    /// `hint(forKey:readable:)` for a key not remembered (scanning loops look `keyHints` up themselves, then call
    /// this).
    @inline(never)
    func resolveHint(forKey bytes: UnsafeBufferPointer<UInt8>, readable: Int) -> PIIKind? {
        let hint = self.textMasker.kind(forLabel: labelString(Array(bytes)))
        self.keyHints.store(bytes, readable: readable, hint)
        return hint
    }

    /// Labels resolved lately, by identity: units come column by column and key by key, and the scanners hand over
    /// the very `String` they resolved for the column or key, so most units find their label here without hashing
    /// its bytes.
    private let labelsByIdentity = LabelIdentityCache()
    /// More labels resolved lately, direct-mapped by a hash of their bytes: a table row alternates between its
    /// labelled columns (name, phone, address, …), and asking `TextMasker.kind(forLabel:)` — a shared cache behind a
    /// lock, a string hash — for every cell costs more than hashing a short label here.
    private let recentLabels = Slots<(label: String, hint: PIIKind?)>(count: ScanContext.recentLabelCount)
    static let recentLabelCount = 64

    /// Whether `escaping` rewrites a byte of the mask character.
    func maskIsRewritten(by escaping: Escaping) -> Bool {
        self.writer.maskIsRewritten(by: escaping)
    }

    /// The subject keys seen in this body's units (by the menu's rules).
    var subjects = SubjectKeys()

    /// A scanner's counts with this body's subject keys: what `BodyMasker.tally` reports.
    func tally(_ counts: MaskTally) -> MaskTally {
        var tally = counts
        tally.subjects = self.subjects
        return tally
    }

    /// Detections in a unit; `label` is an effective label (see `effective`). Also collects the unit's subject keys.
    func detections(in text: UnsafeBufferPointer<UInt8>, label: String?) -> [Detection] {
        self.detections(in: text, hint: self.hint(for: label))
    }

    /// The kind `label` names (nil: none), remembered by the label's identity.
    func hint(for label: String?) -> PIIKind? {
        guard let label else { return nil }
        if let known = self.labelsByIdentity.hint(label) { return known }
        let hint = self.hint(forLabel: label)
        self.labelsByIdentity.store(label, hint)
        return hint
    }

    /// Detections in a unit whose label was resolved to the kind it names (`hint(forKey:)`; nil: none). Also
    /// collects the unit's subject keys.
    func detections(in text: UnsafeBufferPointer<UInt8>, hint: PIIKind?) -> [Detection] {
        self.detect(in: text, hint: hint)
        return self.found.pointee
    }

    /// `detections(in:hint:)` without handing the array over: whether anything was found, the detections then in
    /// `lastDetections`. Most units have none, and returning the array cost a retain and a release for each.
    func findsAny(in text: UnsafeBufferPointer<UInt8>, hint: PIIKind?) -> Bool {
        self.detect(in: text, hint: hint)
        return !self.found.pointee.isEmpty
    }

    /// `findsAny(in:hint: nil)` for the text of a label (a header cell, a term, a `<label>`), remembering texts in
    /// which nothing was found: a page repeats its few labels in every table and detail, and the same bytes with no
    /// label always give the same (empty) answer. Labels longer than `KeyHints.maxKeyBytes` are not remembered.
    /// `readable`: how many bytes from the text's start may be read (see `KeyHints.lookup`). `quiet`: the scanner's
    /// memory of them (one per body).
    func findsAny(inLabel text: UnsafeBufferPointer<UInt8>, readable: Int, quiet: KeyHints) -> Bool {
        guard self.remembersQuietLabels else { return self.findsAny(in: text, hint: nil) }
        if quiet.lookup(text, readable: readable) != nil {
            while !self.found.pointee.isEmpty { self.found.pointee.removeLast() }
            return false
        }
        guard self.findsAny(in: text, hint: nil) else {
            quiet.store(text, readable: readable, nil)
            return false
        }
        return true
    }

    /// Whether `findsAny(inLabel:readable:quiet:)` remembers.
    private let remembersQuietLabels: Bool

    /// The detections of the last `findsAny` (or `detections(in:…)`); valid until the next unit is asked about.
    var lastDetections: [Detection] { self.found.pointee }

    /// `renderVerbatim` of `text` with the last `findsAny`'s detections, read in place: handing `lastDetections`
    /// over cost a retain and a release per unit. Rendering only masks values (`TextMasker.appendMasked`) and asks
    /// about no unit, so the array is not changed while it is read.
    func renderLastDetections(_ text: UnsafeBufferPointer<UInt8>, escaping: Escaping, tally: inout MaskTally,
                              into output: inout ByteOutput) {
        self.found.pointee.withUnsafeBufferPointer { found in
            renderVerbatim(text, detections: found, masker: self, escaping: escaping, tally: &tally, into: &output)
        }
    }

    /// Finds a unit's detections into `found`, collecting its subject keys.
    @inline(__always)
    private func detect(in text: UnsafeBufferPointer<UInt8>, hint: PIIKind?) {
        if !self.textMasker.subjectRules.isEmpty {
            for rule in self.textMasker.subjectRules {
                for key in rule.keys(in: text) { self.subjects.add(key) }
            }
        }
        // The same array unit after unit: callers are done with the previous answer when they ask again, so its
        // storage is unique again and reused. Most units had nothing: then there is nothing to remove either; the
        // others had one or two, removed one by one (`removeAll(keepingCapacity:)` goes through the general
        // `replaceSubrange`, several times the cost).
        while !self.found.pointee.isEmpty { self.found.pointee.removeLast() }
        self.detect(text, hint, &self.found.pointee)
    }

    /// The storage of the last answer of `detections(in:label:)`, in memory of its own: changed in place through a
    /// constant pointer (as a property of the class it was moved out and back for each unit, a retain and a release
    /// more).
    private let found: UnsafeMutablePointer<[Detection]>
}

/// The kinds of a few labels, found by the label's identity: its two machine words (a small string's bytes, or a
/// large string's count, flags and storage object). Equal words mean the same text as long as the storage cannot be
/// freed and reused, so each slot keeps its `String` alive. A miss (an equal label built anew) only means the caller
/// resolves it by its bytes. Owned by one `ScanContext`, used by it alone.
final class LabelIdentityCache {
    static let count = 32
    private let words: UnsafeMutablePointer<(UInt64, UInt64)>
    /// The kind each slot's label names (nil: none); read only where `words` matched.
    private let hints: UnsafeMutablePointer<PIIKind?>
    /// Keeps each slot's storage alive (see above).
    private let labels: UnsafeMutablePointer<String?>

    init() {
        self.words = .allocate(capacity: Self.count)
        self.words.initialize(repeating: (0, 0), count: Self.count)
        self.hints = .allocate(capacity: Self.count)
        self.hints.initialize(repeating: nil, count: Self.count)
        self.labels = .allocate(capacity: Self.count)
        self.labels.initialize(repeating: nil, count: Self.count)
    }

    deinit {
        self.words.deallocate()
        self.hints.deallocate()
        self.labels.deinitialize(count: Self.count)
        self.labels.deallocate()
    }

    @inline(__always) private static func words(_ label: String) -> (UInt64, UInt64) {
        unsafeBitCast(label, to: (UInt64, UInt64).self)
    }

    @inline(__always) private static func slot(_ words: (UInt64, UInt64)) -> Int {
        let mixed = (words.0 ^ (words.1 &* 0x9E37_79B9_7F4A_7C15)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 59)  // 32 slots
    }

    /// Two machine words are a `String` on 64-bit platforms; elsewhere the cache stays empty (callers resolve by bytes).
    @inline(__always) static var isUsable: Bool { MemoryLayout<String>.size == 16 }

    /// The stored answer for `label` (`.some(nil)`: the label names no kind), or nil when not stored.
    @inline(__always) func hint(_ label: String) -> PIIKind?? {
        guard Self.isUsable else { return nil }
        let words = Self.words(label)
        let slot = Self.slot(words)
        // (0, 0) marks an empty slot: no `String` has those words (even the empty one has its discriminator bits).
        guard words != (0, 0), self.words[slot] == words else { return nil }
        return .some(self.hints[slot])
    }

    func store(_ label: String, _ hint: PIIKind?) {
        guard Self.isUsable else { return }
        let words = Self.words(label)
        guard words != (0, 0) else { return }
        let slot = Self.slot(words)
        self.labels[slot] = label
        self.words[slot] = words
        self.hints[slot] = hint
    }
}

/// Keys of up to 24 bytes and the kind each names, by a hash of their bytes held in three words (two ways per set).
///
/// Why: a JSON body repeats the same few keys row after row, and resolving a key through `label(forKey:)` cost a
/// byte-by-byte hash, an array compare and a `String` per look-up. Here a key is three word loads (or, near the end of
/// a buffer, a byte loop), a multiply and a compare of four words. Longer keys are not stored (they resolve each
/// time). Owned by one `ScanContext`, used by it alone.
final class KeyHints {
    struct Entry {
        var words: (UInt64, UInt64, UInt64)
        /// -1: empty slot.
        var length: Int
        var hint: PIIKind?
    }

    static let count = 1024
    static let maxKeyBytes = 24
    private let entries: UnsafeMutablePointer<Entry>
    /// For each key length 0…24, the three words' masks of the bytes that belong to the key (a table: the masks
    /// computed per look-up took about as much as the rest of `words`).
    private let masks: UnsafeMutablePointer<UInt64>

    init() {
        self.entries = .allocate(capacity: Self.count)
        self.entries.initialize(repeating: Entry(words: (0, 0, 0), length: -1, hint: nil), count: Self.count)
        self.masks = .allocate(capacity: 3 * (Self.maxKeyBytes + 1))
        for length in 0...Self.maxKeyBytes {
            for word in 0..<3 {
                let valid = length - 8 * word
                let mask: UInt64 = valid >= 8 ? ~0 : valid <= 0 ? 0 : (1 << UInt64(valid * 8)) &- 1
                (self.masks + 3 * length + word).initialize(to: mask)
            }
        }
    }

    deinit {
        self.entries.deallocate()
        self.masks.deallocate()
    }

    /// The key's bytes (at most `maxKeyBytes`) as three little-endian words, zero past its end. `readable`: how many
    /// bytes from the key's start may be read (at least its length); with 24 or more, three loads.
    @inline(__always)
    private func words(_ bytes: UnsafeBufferPointer<UInt8>, readable: Int) -> (UInt64, UInt64, UInt64) {
        let length = bytes.count
        guard let base = bytes.baseAddress, length > 0 else { return (0, 0, 0) }
        if readable >= 24 {
            let raw = UnsafeRawPointer(base)
            let masks = self.masks + 3 * length
            return (UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) & masks[0],
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) & masks[1],
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) & masks[2])
        }
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &words) { words in
            for index in 0..<length { words[index] = base[index] }
        }
        return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1), UInt64(littleEndian: words.2))
    }

    /// The first slot of the key's set (an even slot; the set is it and the next one).
    @inline(__always)
    private static func slot(_ words: (UInt64, UInt64, UInt64), _ length: Int) -> Int {
        let mixed = ((words.0 &* 0x9E37_79B9_7F4A_7C15) ^ words.1 ^ (words.2 &* 31) ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 54) & ~1  // 1024 slots
    }

    /// The stored answer (`.some(nil)`: the key names no kind), or nil when not stored.
    @inline(__always)
    func lookup(_ bytes: UnsafeBufferPointer<UInt8>, readable: Int) -> PIIKind?? {
        guard bytes.count <= Self.maxKeyBytes else { return nil }
        let words = self.words(bytes, readable: readable)
        let slot = Self.slot(words, bytes.count)
        let entry = self.entries[slot]
        if entry.length == bytes.count && entry.words == words { return .some(entry.hint) }
        // The other way of the set (see `store`).
        let other = self.entries[slot ^ 1]
        if other.length == bytes.count && other.words == words { return .some(other.hint) }
        return nil
    }

    /// Stores in the first slot of the key's set; what was there moves to the second (two ways per set, the latest
    /// first). Two keys of one set are both kept (the slot was once the hash's own, odd or even, and a key stored in
    /// the odd slot pushed its even neighbour's key out of the set: two labels of a page could evict each other at
    /// every look-up).
    func store(_ bytes: UnsafeBufferPointer<UInt8>, readable: Int, _ hint: PIIKind?) {
        guard bytes.count <= Self.maxKeyBytes else { return }
        let words = self.words(bytes, readable: readable)
        let slot = Self.slot(words, bytes.count)
        self.entries[slot ^ 1] = self.entries[slot]
        self.entries[slot] = Entry(words: words, length: bytes.count, hint: hint)
    }
}

/// A cache's slots, in memory of their own: read and written through a constant pointer, so each look-up pays no
/// dynamic exclusivity check (as an array property of the context it did, about as much as the look-up itself).
/// Owned by one `ScanContext`, used by it alone.
final class Slots<Entry> {
    let entries: UnsafeMutablePointer<Entry?>
    private let count: Int

    init(count: Int) {
        self.count = count
        self.entries = .allocate(capacity: count)
        self.entries.initialize(repeating: nil, count: count)
    }

    deinit {
        self.entries.deinitialize(count: self.count)
        self.entries.deallocate()
    }
}

extension ScanContext {
    /// `textMasker.kind(forLabel:)`, remembered for the last few labels.
    fileprivate func hint(forLabel label: String) -> PIIKind? {
        var hash: UInt32 = 2_166_136_261
        var copy = label
        copy.withUTF8 { bytes in
            for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        }
        let slot = Int((hash ^ hash >> 16) & UInt32(Self.recentLabelCount - 1))
        if let entry = self.recentLabels.entries[slot], sameBytes(entry.label, label) { return entry.hint }
        let hint = self.textMasker.kind(forLabel: label)
        self.recentLabels.entries[slot] = (label, hint)
        return hint
    }
}

/// Whether two labels have the same UTF-8 bytes. `==` on strings compares by canonical equivalence, which for
/// non-ASCII (Hangul) labels walks normalization tables even to tell two different labels apart; the label caches
/// only need "surely the same" (a miss just resolves the label again, with `==` semantics).
@inline(__always)
func sameBytes(_ a: String, _ b: String?) -> Bool {
    guard let b, a.utf8.count == b.utf8.count else { return false }
    let same = a.utf8.withContiguousStorageIfAvailable { a in
        b.utf8.withContiguousStorageIfAvailable { b in
            a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
        }
    }
    return (same ?? nil) ?? a.utf8.elementsEqual(b.utf8)
}

/// Whether `key` holds exactly `bytes` (memcmp; the generic `elementsEqual` walks byte by byte).
@inline(__always)
func sameBytes(_ key: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard key.count == bytes.count else { return false }
    guard let other = bytes.baseAddress, !key.isEmpty else { return true }
    return key.withUnsafeBufferPointer { memcmp($0.baseAddress!, other, key.count) == 0 }
}

/// Validates UTF-8 across chunk boundaries: a sequence split between two chunks is carried, not rejected.
struct UTF8Validator {
    /// Continuation bytes the current sequence still needs.
    private var need = 0
    /// Allowed range of the next continuation byte (narrower after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    /// Bytes validated so far (for error offsets).
    private(set) var offset = 0

    /// Checks `bytes`; throws with the byte offset of the first invalid byte.
    mutating func validate(_ bytes: UnsafeBufferPointer<UInt8>, format: String) throws(MaskingError) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var index = 0
        while index < count {
            if self.need == 0 {
                fast: while true {
                    // Eight bytes in view: ASCII up to the first other byte in one step, then two whole
                    // three-byte characters (Hangul) in one step, or one.
                    while index + 8 <= count {
                        let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                        let high = word & 0x8080_8080_8080_8080
                        if high == 0 {
                            index += 8
                            // A longer ASCII stretch (markup, keys, numbers): 16 bytes a step.
                            while index + 16 <= count {
                                let block = UnsafeRawPointer(base + index)
                                let any = block.loadUnaligned(as: UInt64.self)
                                    | block.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                                guard any & 0x8080_8080_8080_8080 == 0 else { break }
                                index += 16
                            }
                            continue
                        }
                        let ascii = high.trailingZeroBitCount >> 3
                        if ascii > 0 {
                            index += ascii
                            continue
                        }
                        let lead = UInt8(truncatingIfNeeded: word)
                        let second = UInt8(truncatingIfNeeded: word >> 8)
                        // Bytes 0 and 3 `1110xxxx`, bytes 1, 2, 4, 5 `10xxxxxx`: two three-byte sequences, taken here
                        // when both are valid. Only two leads restrict the second byte: E0 needs A0–BF (not an
                        // overlong form), ED needs 80–9F (not a surrogate); both are told by the second byte's 0x20
                        // bit. A lead's low nibble XOR (that bit ? D : 0) is zero exactly for an invalid pair, and
                        // adding F to each such nibble sets its 0x10 bit exactly when it is not zero.
                        if word & 0x0000_C0C0_F0C0_C0F0 == 0x0000_8080_E080_80E0 {
                            let nibbles = word & 0x0F00_000F
                            let flips = (word >> 13) & 0x0100_0001
                            if ((nibbles ^ (flips &* 0xD)) &+ 0x0F00_000F) & 0x1000_0010 == 0x1000_0010 {
                                index += 6
                                continue
                            }
                        }
                        guard lead &- 0xE1 < 15, second & 0xC0 == 0x80, UInt8(truncatingIfNeeded: word >> 16) & 0xC0 == 0x80,
                            lead != 0xED || second < 0xA0
                        else { break fast }
                        index += 3
                    }
                    // With fewer than eight bytes left: whole three-byte characters (Hangul, E1–EF leads with two
                    // continuation bytes; ED only up to 9F, no surrogates) in one step, and ASCII byte by byte;
                    // anything else takes the byte path below.
                    while index + 3 <= count {
                        let lead = base[index]
                        if lead < 0x80 {
                            index += 1
                            continue fast
                        }
                        let second = base[index + 1]
                        guard lead &- 0xE1 < 15, second & 0xC0 == 0x80, base[index + 2] & 0xC0 == 0x80,
                            lead != 0xED || second < 0xA0
                        else { break fast }
                        index += 3
                    }
                    break
                }
                guard index < count else { break }
                let byte = base[index]
                switch byte {
                case 0x00...0x7F: break
                case 0xC2...0xDF: self.need = 1; self.lower = 0x80; self.upper = 0xBF
                case 0xE0: self.need = 2; self.lower = 0xA0; self.upper = 0xBF
                case 0xE1...0xEC, 0xEE, 0xEF: self.need = 2; self.lower = 0x80; self.upper = 0xBF
                case 0xED: self.need = 2; self.lower = 0x80; self.upper = 0x9F
                case 0xF0: self.need = 3; self.lower = 0x90; self.upper = 0xBF
                case 0xF1...0xF3: self.need = 3; self.lower = 0x80; self.upper = 0xBF
                case 0xF4: self.need = 3; self.lower = 0x80; self.upper = 0x8F
                default: throw self.error(at: index, format: format)
                }
            } else {
                let byte = base[index]
                guard byte >= self.lower && byte <= self.upper else { throw self.error(at: index, format: format) }
                self.need -= 1
                self.lower = 0x80
                self.upper = 0xBF
            }
            index += 1
        }
        self.offset += count
    }

    /// At the end of the body: a sequence still open is truncated.
    func finish(format: String) throws(MaskingError) {
        if self.need != 0 {
            throw MaskingError(.invalidUTF8, "\(format): truncated UTF-8 sequence at the end of the body (byte offset \(self.offset))")
        }
    }

    private func error(at index: Int, format: String) -> MaskingError {
        MaskingError(.invalidUTF8, "\(format): invalid UTF-8 at byte offset \(self.offset + index)")
    }
}

/// Holds back an incomplete UTF-8 sequence at the end of a released output, so every `process` result is valid UTF-8
/// on its own (pass-through regions such as JSON keys or CSV headers stream before they are complete).
struct OutputCarry {
    private(set) var carry: [UInt8] = []

    /// Prepends the carried bytes of the previous release.
    mutating func start(_ output: inout ByteOutput) {
        if !self.carry.isEmpty {
            output.append(contentsOf: self.carry)
            self.carry.removeAll(keepingCapacity: true)
        }
    }

    /// Moves an incomplete trailing sequence of `output` into the carry; the rest of `output` can be released.
    mutating func hold(_ output: inout ByteOutput) {
        let count = output.count
        var back = 1
        while back <= min(3, count) {
            let byte = output[count - back]
            if byte & 0xC0 != 0x80 {
                // A lead byte (or ASCII): complete if its sequence length fits in what follows it.
                let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                if length > back {
                    self.carry.append(contentsOf: output.bytes(from: count - back))
                    output.removeLast(back)
                }
                break
            }
            back += 1
        }
    }
}

/// One text unit being collected: its original bytes, and (once an escape, entity or joined tag occurs) its decoded
/// text with a map between the two.
///
/// The raw bytes are what the body had; the decoded text is what detectors see. Everything between `specials` is
/// verbatim (raw and decoded bytes are the same). A special is an escape or entity (raw → decoded scalar) or a gap
/// (markup inside a joined HTML text run: raw bytes, no decoded text). Rendering keeps every byte outside a detected
/// value as it was, so a unit with nothing to mask is released byte for byte.
struct TextUnit {
    struct Special {
        var rawStart: Int
        var rawEnd: Int
        var decodedStart: Int
        var decodedEnd: Int
        var isGap: Bool
    }

    private(set) var raw: [UInt8] = []
    /// Valid only when `specials` is not empty (otherwise the decoded text is `raw`).
    private(set) var decoded: [UInt8] = []
    private(set) var specials: [Special] = []
    /// How many specials are gaps (most units have none).
    private var gapCount = 0

    var isEmpty: Bool { self.raw.isEmpty }
    var rawCount: Int { self.raw.count }

    mutating func appendVerbatim(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.raw.append(contentsOf: bytes)
        if !self.specials.isEmpty { self.decoded.append(contentsOf: bytes) }
    }

    mutating func appendVerbatim(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { self.appendVerbatim($0) }
    }

    mutating func appendVerbatim(byte: UInt8) {
        self.raw.append(byte)
        if !self.specials.isEmpty { self.decoded.append(byte) }
    }

    /// An escape or entity: `raw` as written, `decoded` what it stands for (never longer than `raw`).
    mutating func appendSpecial(raw: [UInt8], decoded: [UInt8]) {
        if self.specials.isEmpty { self.decoded = self.raw }
        self.specials.append(Special(rawStart: self.raw.count, rawEnd: self.raw.count + raw.count,
                                     decodedStart: self.decoded.count, decodedEnd: self.decoded.count + decoded.count,
                                     isGap: false))
        self.raw.append(contentsOf: raw)
        self.decoded.append(contentsOf: decoded)
    }

    /// `appendSpecial(raw:decoded:)` for an escape standing for one scalar, without a temporary array.
    mutating func appendSpecial(raw: UnsafeBufferPointer<UInt8>, scalar: UInt32) {
        if self.specials.isEmpty { self.decoded = self.raw }
        let decodedStart = self.decoded.count
        appendUTF8(scalar, to: &self.decoded)
        self.specials.append(Special(rawStart: self.raw.count, rawEnd: self.raw.count + raw.count,
                                     decodedStart: decodedStart, decodedEnd: self.decoded.count, isGap: false))
        self.raw.append(contentsOf: raw)
    }

    /// A run of a JSON string from `start` (a `\\uXXXX` escape) in one step: `\\uXXXX` escapes of non-surrogates and
    /// the plain bytes between them (not `"`, `\\`, controls), at most `rawLimit` bytes; returns where the run ends.
    ///
    /// Why: strings written all in escapes (`"\\ud45c\\ud558\\ub9b0"`, what many JSON encoders emit for Hangul) took
    /// three array appends per character here and a trip through the JSON state machine; the run is appended with
    /// one append per array. Same unit as `appendSpecial(raw:scalar:)` and `appendVerbatim` byte by byte.
    ///
    /// Runs are at most `maxEscapeRun` bytes so that their scratch memory stays on the stack.
    mutating func appendJSONEscapes(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, rawLimit: Int) -> Int {
        let end = min(bytes.count, start + rawLimit)
        guard end > start, let base = bytes.baseAddress else { return start }
        if self.specials.isEmpty { self.decoded = self.raw }
        let rawStart = self.raw.count
        let decodedStart = self.decoded.count
        // Decoded text is never longer than the raw run; at most one special per six raw bytes.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: end - start) { decoded in
            withUnsafeTemporaryAllocation(of: Special.self, capacity: (end - start) / 6 + 1) { specials in
                guard let decodedBase = decoded.baseAddress else { return start }
                var index = start
                var decodedCount = 0
                var specialCount = 0
                while index < end {
                    let byte = base[index]
                    if byte == UInt8(ascii: "\\") {
                        guard index + 6 <= end, base[index + 1] == UInt8(ascii: "u"),
                            let scalar = jsonEscapedScalar(base, at: index)
                        else { break }
                        let at = decodedCount
                        decodedCount += storeUTF8(scalar, at: decodedBase + decodedCount)
                        specials.initializeElement(at: specialCount, to: Special(
                            rawStart: rawStart + index - start, rawEnd: rawStart + index + 6 - start,
                            decodedStart: decodedStart + at, decodedEnd: decodedStart + decodedCount, isGap: false))
                        specialCount += 1
                        index += 6
                    } else if byte == UInt8(ascii: "\"") || byte < 0x20 {
                        break
                    } else {
                        decoded[decodedCount] = byte
                        decodedCount += 1
                        index += 1
                    }
                }
                self.raw.append(contentsOf: UnsafeBufferPointer(start: base + start, count: index - start))
                self.decoded.append(contentsOf: UnsafeBufferPointer(start: decoded.baseAddress, count: decodedCount))
                self.specials.append(contentsOf: UnsafeBufferPointer(start: specials.baseAddress, count: specialCount))
                return index
            }
        }
    }

    static let maxEscapeRun = 144

    /// Markup inside a joined text run: released as given, invisible to detectors.
    mutating func appendGap(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if self.specials.isEmpty { self.decoded = self.raw }
        self.specials.append(Special(rawStart: self.raw.count, rawEnd: self.raw.count + bytes.count,
                                     decodedStart: self.decoded.count, decodedEnd: self.decoded.count, isGap: true))
        self.gapCount += 1
        self.raw.append(contentsOf: bytes)
    }

    /// Removes a last verbatim byte (a `\r` before a line's `\n`).
    mutating func removeLastVerbatimByte() {
        guard let lastSpecial = self.specials.last else {
            self.raw.removeLast()
            return
        }
        guard lastSpecial.rawEnd < self.raw.count else { return }
        self.raw.removeLast()
        self.decoded.removeLast()
    }

    mutating func removeAll() {
        if !self.raw.isEmpty { self.raw.removeAll(keepingCapacity: true) }
        if !self.specials.isEmpty {
            self.decoded.removeAll(keepingCapacity: true)
            self.specials.removeAll(keepingCapacity: true)
            self.gapCount = 0
        }
    }

    /// Calls `body` with the decoded text.
    func withText<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        self.specials.isEmpty ? self.raw.withUnsafeBufferPointer(body) : self.decoded.withUnsafeBufferPointer(body)
    }

    /// The first `limit` bytes of the decoded text (for labels).
    func textPrefix(_ limit: Int) -> [UInt8] {
        let text = self.specials.isEmpty ? self.raw : self.decoded
        guard text.count > limit else { return text }
        var end = limit
        while end > 0 && text[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(text[0..<end])
    }

    // MARK: cutting

    /// Splits off the first part of a unit that reached `limit` raw bytes, at a point that depends only on the first
    /// `limit` bytes: just after the last ASCII whitespace there (outside escapes and markup), else at the last
    /// character or escape boundary before the limit. Returns the first part; `self` keeps the rest.
    mutating func cut(limit: Int) -> TextUnit {
        let position = self.cutPosition(limit: min(limit, self.raw.count))
        return self.split(atRaw: position)
    }

    private func cutPosition(limit: Int) -> Int {
        // The last special starting before the limit (it may straddle the limit).
        var last = self.specials.count - 1
        while last >= 0 && self.specials[last].rawStart >= limit { last -= 1 }
        // 1. Just after the last whitespace in verbatim bytes before the limit.
        var regionEnd = limit
        var index = last
        while true {
            let regionStart = index >= 0 ? self.specials[index].rawEnd : 0
            if regionStart < regionEnd {
                var position = regionEnd - 1
                while position >= regionStart {
                    if ByteClass.isASCIIWhitespace(self.raw[position]) { return position + 1 }
                    position -= 1
                }
            }
            if index < 0 { break }
            regionEnd = self.specials[index].rawStart
            index -= 1
        }
        // 2. The last boundary at or before the limit: not inside an escape, not inside a character.
        if last >= 0 && self.specials[last].rawEnd > limit {
            let special = self.specials[last]
            return special.rawStart > 0 ? special.rawStart : special.rawEnd
        }
        let regionStart = last >= 0 ? self.specials[last].rawEnd : 0
        var position = limit
        while position > regionStart && position < self.raw.count && self.raw[position] & 0xC0 == 0x80 { position -= 1 }
        return position > 0 ? position : max(1, limit)
    }

    /// Splits at a raw position that is not inside a special: returns the part before it, keeps the rest.
    mutating func split(atRaw position: Int) -> TextUnit {
        var head = TextUnit()
        guard position < self.raw.count else {
            head = self
            self.removeAll()
            return head
        }
        if self.specials.isEmpty {
            head.raw = Array(self.raw[0..<position])
            self.raw.removeFirst(position)
            return head
        }
        let decodedPosition = self.decodedOffset(forRaw: position)
        let splitIndex = self.specials.firstIndex { $0.rawStart >= position } ?? self.specials.count
        head.raw = Array(self.raw[0..<position])
        if splitIndex > 0 {
            head.decoded = Array(self.decoded[0..<decodedPosition])
            head.specials = Array(self.specials[0..<splitIndex])
            head.gapCount = head.specials.reduce(0) { $0 + ($1.isGap ? 1 : 0) }
        }
        var rest = TextUnit()
        rest.raw = Array(self.raw[position...])
        if splitIndex < self.specials.count {
            rest.decoded = Array(self.decoded[decodedPosition...])
            rest.specials = self.specials[splitIndex...].map {
                Special(rawStart: $0.rawStart - position, rawEnd: $0.rawEnd - position,
                        decodedStart: $0.decodedStart - decodedPosition, decodedEnd: $0.decodedEnd - decodedPosition,
                        isGap: $0.isGap)
            }
            rest.gapCount = self.gapCount - head.gapCount
        }
        self = rest
        return head
    }

    private func decodedOffset(forRaw position: Int) -> Int {
        var last: Special?
        for special in self.specials {
            if special.rawEnd <= position { last = special } else { break }
        }
        guard let last else { return position }
        return last.decodedEnd + (position - last.rawEnd)
    }

    // MARK: mapping decoded offsets back to raw offsets

    /// Raw offset where a value starting at decoded offset `d` starts (after any markup at `d`; an offset inside an
    /// escape rounds down to the escape's start).
    func rawStart(forDecoded d: Int) -> Int {
        guard !self.specials.isEmpty else { return d }
        // Number of specials with decodedEnd <= d.
        var low = 0
        var high = self.specials.count
        while low < high {
            let mid = (low + high) / 2
            if self.specials[mid].decodedEnd <= d { low = mid + 1 } else { high = mid }
        }
        if low < self.specials.count && self.specials[low].decodedStart < d { return self.specials[low].rawStart }
        if low == 0 { return d }
        let previous = self.specials[low - 1]
        return previous.rawEnd + (d - previous.decodedEnd)
    }

    /// Raw offset where a value ending at decoded offset `d` ends (before any markup at `d`; an offset inside an
    /// escape rounds up to the escape's end).
    func rawEnd(forDecoded d: Int) -> Int {
        guard !self.specials.isEmpty else { return d }
        // Number of specials with decodedStart < d.
        var low = 0
        var high = self.specials.count
        while low < high {
            let mid = (low + high) / 2
            if self.specials[mid].decodedStart < d { low = mid + 1 } else { high = mid }
        }
        if low == 0 { return d }
        let previous = self.specials[low - 1]
        if previous.decodedEnd > d { return previous.rawEnd }
        return previous.rawEnd + (d - previous.decodedEnd)
    }

    /// Decoded offsets of markup strictly inside `start..<end` (where a detected value spans joined text nodes).
    func gapOffsets(inside start: Int, _ end: Int) -> [Int] {
        guard self.gapCount > 0 else { return [] }
        // First special with decodedStart > start.
        var low = 0
        var high = self.specials.count
        while low < high {
            let mid = (low + high) / 2
            if self.specials[mid].decodedStart <= start { low = mid + 1 } else { high = mid }
        }
        var offsets: [Int] = []
        while low < self.specials.count && self.specials[low].decodedStart < end {
            let special = self.specials[low]
            if special.isGap && offsets.last != special.decodedStart { offsets.append(special.decodedStart) }
            low += 1
        }
        return offsets
    }

    // MARK: rendering

    /// Appends the unit to `output`: byte for byte when nothing is detected, else with each detected value replaced
    /// by its masked form (escaped for where it stands). Returns whether anything was masked.
    @discardableResult
    func render(masker: ScanContext, label: String?, escaping: Escaping, tally: inout MaskTally,
                into output: inout ByteOutput, detections known: [Detection]? = nil) -> Bool {
        let detections: [Detection] = known ?? self.withText { text in
            guard Self.mayHoldValue(text) else { return [] }
            return masker.detections(in: text, label: label)
        }
        return self.render(masker: masker, hint: nil, escaping: escaping, tally: &tally, into: &output,
                           detections: detections)
    }

    /// `render(masker:label:…)` with the label resolved to the kind it names (nil: none).
    @discardableResult
    func render(masker: ScanContext, hint: PIIKind?, escaping: Escaping, tally: inout MaskTally,
                into output: inout ByteOutput, detections known: [Detection]? = nil) -> Bool {
        let detections: [Detection] = known ?? self.withText { text in
            guard Self.mayHoldValue(text) else { return [] }
            return masker.detections(in: text, hint: hint)
        }
        guard !detections.isEmpty else {
            output.append(contentsOf: self.raw)
            return false
        }
        self.withText { text in
            self.raw.withUnsafeBufferPointer { raw in
                var rawPosition = 0
                for detection in detections {
                    let start = self.rawStart(forDecoded: detection.start)
                    let end = self.rawEnd(forDecoded: detection.end)
                    guard start >= rawPosition, end >= start else { continue }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: raw[rawPosition..<start]))
                    let value = UnsafeBufferPointer(rebasing: text[detection.start..<detection.end])
                    tally.add(detection.kind)
                    let gaps = self.gapOffsets(inside: detection.start, detection.end)
                    if gaps.isEmpty {
                        appendMasked(value, detection: detection, masker: masker, escaping: escaping, into: &output)
                    } else {
                        var masked: [UInt8] = []
                        masked.reserveCapacity(value.count)
                        masker.textMasker.appendMasked(value, detection: detection, into: &masked)
                        // The value spans joined text nodes: hand each node as many masked characters as it had.
                        masked.withUnsafeBufferPointer { maskedBytes in
                            var maskedPosition = 0
                            var partStart = detection.start
                            for (index, gap) in (gaps + [detection.end]).enumerated() {
                                let isLast = index == gaps.count
                                var take = maskedBytes.count - maskedPosition
                                if !isLast {
                                    let characters = Self.scalarCount(UnsafeBufferPointer(rebasing: text[partStart..<gap]))
                                    take = Self.byteCount(ofScalars: characters, in: maskedBytes, from: maskedPosition)
                                }
                                escaping.append(UnsafeBufferPointer(rebasing: maskedBytes[maskedPosition..<(maskedPosition + take)]),
                                                into: &output)
                                maskedPosition += take
                                if !isLast {
                                    output.append(contentsOf: UnsafeBufferPointer(
                                        rebasing: raw[self.rawEnd(forDecoded: gap)..<self.rawStart(forDecoded: gap)]))
                                    partStart = gap
                                }
                            }
                        }
                    }
                    rawPosition = end
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: raw[rawPosition...]))
            }
        }
        return true
    }

    /// Whether a text can hold a value at all: it has an ASCII letter or digit or a non-ASCII character (units of
    /// only whitespace and punctuation, common between tags, skip the detectors).
    /// Tested on the byte itself rather than with a table of byte classes: the answer is nearly always found at the
    /// first byte, and reaching a static table cost a `swift_once` per unit.
    @inline(__always)
    static func mayHoldValue(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in text where byte >= 0x80 || byte &- 0x30 < 10 || (byte | 0x20) &- 0x61 < 26 { return true }
        return false
    }

    /// `mayHoldValue` on a unit's decoded text.
    static func mayHoldValueCheap(_ unit: TextUnit) -> Bool {
        unit.withText { TextUnit.mayHoldValue($0) }
    }

    static func scalarCount(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in text where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// Bytes taken by the next `scalars` scalars of `text` from `start` (or to its end).
    static func byteCount(ofScalars scalars: Int, in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        var remaining = scalars
        while index < text.count && remaining > 0 {
            index += 1
            while index < text.count && text[index] & 0xC0 == 0x80 { index += 1 }
            remaining -= 1
        }
        return index - start
    }
}

/// A unit with no escapes, straight from the input (the whole unit inside one chunk): detected on the input itself
/// and released as it is unless something is masked. Same result as collecting it in a `TextUnit` and rendering it
/// (with no escapes or markup, decoded and raw offsets are the same), without copying the unit into one.
@discardableResult
func renderVerbatim(_ text: UnsafeBufferPointer<UInt8>, masker: ScanContext, label: String?, escaping: Escaping,
                    tally: inout MaskTally, into output: inout ByteOutput) -> Bool {
    renderVerbatim(text, masker: masker, hint: masker.hint(for: label), escaping: escaping, tally: &tally, into: &output)
}

/// `renderVerbatim(_:masker:label:…)` with the label resolved to the kind it names (nil: none).
@discardableResult
func renderVerbatim(_ text: UnsafeBufferPointer<UInt8>, masker: ScanContext, hint: PIIKind?, escaping: Escaping,
                    tally: inout MaskTally, into output: inout ByteOutput) -> Bool {
    // The detections are read where `findsAny` left them (no array handed over per value).
    guard TextUnit.mayHoldValue(text), masker.findsAny(in: text, hint: hint) else {
        output.append(contentsOf: text)
        return false
    }
    masker.renderLastDetections(text, escaping: escaping, tally: &tally, into: &output)
    return true
}

/// `renderVerbatim` with its detections found (not empty).
///
/// `plain`: the caller knows `escaping` rewrites no byte of `text` (a JSON string read up to its first `"`, `\\` or
/// control character). A masked form is made of the value's own characters and the mask character, so then it
/// needs escaping only when the mask character does, and the check of every masked value is skipped.
func renderVerbatim(_ text: UnsafeBufferPointer<UInt8>, detections: [Detection], masker: ScanContext,
                    escaping: Escaping, plain: Bool = false, tally: inout MaskTally, into output: inout ByteOutput) {
    detections.withUnsafeBufferPointer { detections in
        renderVerbatim(text, detections: detections, masker: masker, escaping: escaping, plain: plain, tally: &tally,
                       into: &output)
    }
}

/// `renderVerbatim` over detections in a buffer (`ScanContext.renderLastDetections` reads them in place).
func renderVerbatim(_ text: UnsafeBufferPointer<UInt8>, detections: UnsafeBufferPointer<Detection>, masker: ScanContext,
                    escaping: Escaping, plain: Bool = false, tally: inout MaskTally, into output: inout ByteOutput) {
    let escaping = plain && !masker.maskIsRewritten(by: escaping) ? .none : escaping
    var position = 0
    for detection in detections {
        guard detection.start >= position, detection.end >= detection.start else { continue }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position..<detection.start]))
        tally.add(detection.kind)
        appendMasked(UnsafeBufferPointer(rebasing: text[detection.start..<detection.end]), detection: detection,
                     masker: masker, escaping: escaping, into: &output)
        position = detection.end
    }
    output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position...]))
}

/// Appends the masked form of `value`, escaped for where it stands. The masked form is written straight into
/// `output` and, in the rare case that it has a byte `escaping` rewrites, moved out and appended escaped: no
/// temporary array per value.
@inline(__always)
func appendMasked(_ value: UnsafeBufferPointer<UInt8>, detection: Detection, masker: ScanContext, escaping: Escaping,
                  into output: inout ByteOutput) {
    let start = output.count
    masker.writer.appendMasked(value, detection: detection, into: &output)
    if case .none = escaping { return }
    let needsEscaping = output.withUnsafeBufferPointer { all in
        escaping.rewritesAny(UnsafeBufferPointer(rebasing: all[start...]))
    }
    guard needsEscaping else { return }
    let masked = output.bytes(from: start)
    output.removeLast(output.count - start)
    escaping.append(masked, into: &output)
}

/// How a masked value is written back where it stands.
enum Escaping {
    /// Plain text, CSV cells that need no quoting.
    case none
    /// HTML text: `&`, `<`, `>`.
    case htmlText
    /// HTML attribute value with its quote (0 when unquoted: then whitespace, `=`, quotes and backquote too).
    case htmlAttribute(quote: UInt8)
    /// Inside a JSON string; `inScript` also hides `<` (so `</script` cannot appear).
    case json(inScript: Bool)
    /// Inside a JavaScript string literal delimited by `quote`.
    case javaScript(quote: UInt8)
    /// Inside a double-quoted CSV cell.
    case csvQuoted

    func append(_ bytes: [UInt8], into output: inout ByteOutput) {
        bytes.withUnsafeBufferPointer { self.append($0, into: &output) }
    }

    /// Whether `append` writes `byte` as something else than itself (mirrors the cases of `append` below).
    /// Whether `append` rewrites any byte of `bytes`: `rewrites` with the case chosen once, not once per byte (asked
    /// for every masked value).
    func rewritesAny(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .none:
            return false
        case .htmlText:
            return Self.anyByte(in: bytes, words: { Self.has($0, 0x26) | Self.has($0, 0x3C) | Self.has($0, 0x3E) }) {
                $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            }
        case .json(let inScript):
            let lessThan: UInt64 = inScript ? 0x3C : 0x22  // a second test for `"` when `<` needs no escape
            return Self.anyByte(in: bytes, words: {
                Self.has($0, 0x22) | Self.has($0, 0x5C) | Self.has($0, lessThan) | Self.hasBelow0x20($0)
            }) {
                $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 || (inScript && $0 == UInt8(ascii: "<"))
            }
        case .csvQuoted:
            for byte in bytes where byte == UInt8(ascii: "\"") { return true }
            return false
        case .htmlAttribute, .javaScript:
            return bytes.contains(where: self.rewrites)
        }
    }

    /// Whether a byte of `bytes` passes `test`: eight bytes at a time with `words` (nonzero when a byte of the
    /// little-endian word passes; exact, no false positives), the tail byte by byte. Masked values are a few dozen
    /// bytes, nearly always without any such byte.
    @inline(__always)
    private static func anyByte(in bytes: UnsafeBufferPointer<UInt8>, words: (UInt64) -> UInt64,
                                _ test: (UInt8) -> Bool) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index + 8 <= bytes.count {
            if words(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))) != 0 { return true }
            index += 8
        }
        while index < bytes.count {
            if test(base[index]) { return true }
            index += 1
        }
        return false
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Nonzero when a byte of `word` is `byte` (a zero byte of `word ^ byte…`; Bit Twiddling Hacks, haszero).
    @inline(__always) private static func has(_ word: UInt64, _ byte: UInt64) -> UInt64 {
        let x = word ^ (ones &* byte)
        return (x &- ones) & ~x & highBits
    }

    /// Nonzero when a byte of `word` is below 0x20 (hasless).
    @inline(__always) private static func hasBelow0x20(_ word: UInt64) -> UInt64 {
        (word &- ones &* 0x20) & ~word & highBits
    }

    func rewrites(_ byte: UInt8) -> Bool {
        switch self {
        case .none:
            return false
        case .htmlText:
            return byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
        case .htmlAttribute(let quote):
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"): return true
            default:
                return quote == 0 && (ByteClass.isASCIIWhitespace(byte) || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "`"))
            }
        case .json(let inScript):
            return byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || (inScript && byte == UInt8(ascii: "<"))
        case .javaScript(let quote):
            switch byte {
            case UInt8(ascii: "\\"), 0x0A, 0x0D, UInt8(ascii: "<"), quote: return true
            case UInt8(ascii: "$"): return quote == UInt8(ascii: "`")
            default: return false
            }
        case .csvQuoted:
            return byte == UInt8(ascii: "\"")
        }
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput) {
        switch self {
        case .none:
            output.append(contentsOf: bytes)
        case .htmlText:
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
                default: output.append(byte)
                }
            }
        case .htmlAttribute(let quote):
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): output.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): output.append(contentsOf: "&#39;".utf8)
                default:
                    if quote == 0 && (ByteClass.isASCIIWhitespace(byte) || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "`")) {
                        output.append(contentsOf: "&#\(byte);".utf8)
                    } else {
                        output.append(byte)
                    }
                }
            }
        case .json(let inScript):
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
                case 0x0A: output.append(contentsOf: "\\n".utf8)
                case 0x0D: output.append(contentsOf: "\\r".utf8)
                case 0x09: output.append(contentsOf: "\\t".utf8)
                case 0x00..<0x20: output.append(contentsOf: Self.unicodeEscape(byte))
                case UInt8(ascii: "<") where inScript: output.append(contentsOf: "\\u003c".utf8)
                default: output.append(byte)
                }
            }
        case .javaScript(let quote):
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
                case 0x0A: output.append(contentsOf: "\\n".utf8)
                case 0x0D: output.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "<"): output.append(contentsOf: "\\x3c".utf8)
                case UInt8(ascii: "$") where quote == UInt8(ascii: "`"): output.append(contentsOf: "\\$".utf8)
                case quote: output.append(UInt8(ascii: "\\")); output.append(byte)
                default: output.append(byte)
                }
            }
        case .csvQuoted:
            for byte in bytes {
                if byte == UInt8(ascii: "\"") { output.append(byte) }
                output.append(byte)
            }
        }
    }

    static func unicodeEscape(_ byte: UInt8) -> [UInt8] {
        let hex = Array("0123456789abcdef".utf8)
        return Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
    }
}

/// Byte classes the scanners test on single bytes (whitespace, letters, digits, hex digits).
enum ByteClass {
    static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C
    }

    static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}

/// A table of "stop" bytes for scanning: `firstStop` finds the next byte in the set (memchr for one byte).
///
/// Only for `static let`s: the 256-byte table is allocated once and lives as long as the process (a plain pointer,
/// so scanning loops pay no reference counting).
struct StopSet: @unchecked Sendable {
    private let table: UnsafeMutablePointer<Bool>
    private let single: UInt8?

    init(_ bytes: [UInt8], withControls: Bool = false) {
        let table = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
        table.initialize(repeating: false, count: 256)
        for byte in bytes { table[Int(byte)] = true }
        if withControls { for byte in 0..<0x20 { table[byte] = true } }
        self.table = table
        self.single = bytes.count == 1 && !withControls ? bytes[0] : nil
    }

    /// Index of the first stop byte in `from..<end`, or `end`.
    @inline(__always)
    func firstStop(in bytes: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int {
        guard from < end, let base = bytes.baseAddress else { return end }
        if let single = self.single {
            guard let found = memchr(base + from, Int32(single), end - from) else { return end }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        var index = from
        while index < end && !self.table[Int(base[index])] { index += 1 }
        return index
    }
}

/// The scalar the `\\uXXXX` escape at `index` stands for (the caller has checked the `u` and that the four digits
/// are in the buffer), or nil when a digit is not hex or the escape is half of a surrogate pair (which the JSON
/// scanners leave to their byte-by-byte path). Shared by `TextUnit.appendJSONEscapes` and `JSONCore.escapedValue`.
@inline(__always)
func jsonEscapedScalar(_ base: UnsafePointer<UInt8>, at index: Int) -> UInt32? {
    guard let h0 = ByteClass.hexValue(base[index + 2]), let h1 = ByteClass.hexValue(base[index + 3]),
        let h2 = ByteClass.hexValue(base[index + 4]), let h3 = ByteClass.hexValue(base[index + 5])
    else { return nil }
    let scalar = h0 << 12 | h1 << 8 | h2 << 4 | h3
    return scalar >= 0xD800 && scalar <= 0xDFFF ? nil : scalar
}

/// Writes the UTF-8 encoding of `scalar` (below U+10000, not a surrogate: what `jsonEscapedScalar` returns) at
/// `target`, which has room for three bytes; returns how many it wrote.
@inline(__always)
func storeUTF8(_ scalar: UInt32, at target: UnsafeMutablePointer<UInt8>) -> Int {
    if scalar < 0x80 {
        target[0] = UInt8(scalar)
        return 1
    }
    if scalar < 0x800 {
        target[0] = UInt8(0xC0 | (scalar >> 6))
        target[1] = UInt8(0x80 | (scalar & 0x3F))
        return 2
    }
    target[0] = UInt8(0xE0 | (scalar >> 12))
    target[1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
    target[2] = UInt8(0x80 | (scalar & 0x3F))
    return 3
}

/// Appends the UTF-8 encoding of `scalar` (U+FFFD for surrogates and values out of range).
func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
    var value = scalar
    if value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF) { value = 0xFFFD }
    switch value {
    case 0..<0x80:
        bytes.append(UInt8(value))
    case 0x80..<0x800:
        bytes.append(UInt8(0xC0 | (value >> 6)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    case 0x800..<0x10000:
        bytes.append(UInt8(0xE0 | (value >> 12)))
        bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    default:
        bytes.append(UInt8(0xF0 | (value >> 18)))
        bytes.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (value & 0x3F)))
    }
}

/// Calls `body` with the UTF-8 encoding of `scalar` (as `appendUTF8` writes it), from the stack.
@inline(__always)
func withUTF8<R>(of scalar: UInt32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    var value = scalar
    if value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF) { value = 0xFFFD }
    var storage: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
    return withUnsafeMutableBytes(of: &storage) { buffer in
        let count: Int
        switch value {
        case 0..<0x80:
            buffer[0] = UInt8(value)
            count = 1
        case 0x80..<0x800:
            buffer[0] = UInt8(0xC0 | (value >> 6))
            buffer[1] = UInt8(0x80 | (value & 0x3F))
            count = 2
        case 0x800..<0x10000:
            buffer[0] = UInt8(0xE0 | (value >> 12))
            buffer[1] = UInt8(0x80 | ((value >> 6) & 0x3F))
            buffer[2] = UInt8(0x80 | (value & 0x3F))
            count = 3
        default:
            buffer[0] = UInt8(0xF0 | (value >> 18))
            buffer[1] = UInt8(0x80 | ((value >> 12) & 0x3F))
            buffer[2] = UInt8(0x80 | ((value >> 6) & 0x3F))
            buffer[3] = UInt8(0x80 | (value & 0x3F))
            count = 4
        }
        return body(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count))
    }
}

/// A label from captured bytes: trimmed, nil when empty.
func labelString(_ bytes: [UInt8]) -> String? {
    var start = 0
    var end = bytes.count
    while start < end && (ByteClass.isASCIIWhitespace(bytes[start]) || bytes[start] == 0xC2 && start + 1 < end && bytes[start + 1] == 0xA0) {
        start += bytes[start] == 0xC2 ? 2 : 1
    }
    while end > start && ByteClass.isASCIIWhitespace(bytes[end - 1]) { end -= 1 }
    guard start < end else { return nil }
    return String(decoding: bytes[start..<end], as: UTF8.self)
}

/// Most bytes of a label kept (labels are words; a longer one is cut at a character boundary).
let maxLabelBytes = 128

/// Appends to a label buffer up to `maxLabelBytes`.
func appendLabel(_ bytes: UnsafeBufferPointer<UInt8>, to label: inout [UInt8]) {
    appendLabel(bytes, to: &label, limit: maxLabelBytes)
}

/// Label text being captured (a header cell's, a term's, a `<label>`'s): at most `maxLabelBytes` bytes, in storage of
/// that size made once. Scanners clear and fill it for every captured text run; an array cleared with
/// `removeAll(keepingCapacity:)` and grown with `append(contentsOf:)` went through the general `replaceSubrange` and
/// a capacity check each time.
struct LabelText: Sendable {
    private var storage = [UInt8](repeating: 0, count: maxLabelBytes)
    private(set) var count = 0

    var isEmpty: Bool { self.count == 0 }

    mutating func clear() { self.count = 0 }

    /// Appends a text run as `appendLabel` does, first a space when the text so far does not end in whitespace
    /// (runs split by block markup inside a label: words kept apart). Nothing once `maxLabelBytes` are held.
    mutating func appendRun(_ text: UnsafeBufferPointer<UInt8>) {
        var count = self.count
        guard count < maxLabelBytes else { return }
        self.storage.withUnsafeMutableBufferPointer { storage in
            if count > 0 && !ByteClass.isASCIIWhitespace(storage[count - 1]) {
                storage[count] = 0x20
                count += 1
            }
            guard count < maxLabelBytes, let source = text.baseAddress, let target = storage.baseAddress else { return }
            var take = min(text.count, maxLabelBytes - count)
            if take < text.count { while take > 0 && text[take] & 0xC0 == 0x80 { take -= 1 } }
            (target + count).update(from: source, count: take)
            count += take
        }
        self.count = count
    }

    /// The text held. Its storage holds `maxLabelBytes` bytes from the text's start (bytes past the text are left
    /// over from earlier text): that many may be read, as `ScanContext.kind(forKey:readable:)` does.
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        self.storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<self.count])) }
    }
}

/// Appends to a buffer until it holds `limit` bytes (cut at a character boundary).
func appendLabel(_ bytes: UnsafeBufferPointer<UInt8>, to label: inout [UInt8], limit: Int) {
    guard label.count < limit else { return }
    var take = min(bytes.count, limit - label.count)
    if take < bytes.count { while take > 0 && bytes[take] & 0xC0 == 0x80 { take -= 1 } }
    label.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<take]))
}

func appendLabel(_ bytes: [UInt8], to label: inout [UInt8]) {
    bytes.withUnsafeBufferPointer { appendLabel($0, to: &label) }
}
