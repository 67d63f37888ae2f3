import Foundation

/// Finds and masks personal data in one text unit under a profile.
///
/// Every content scanner (HTML, JSON, CSV, text, chat frames) hands it the units it cuts out of a body, with the
/// field's label when the structure has one. It runs the detectors the profile enables, resolves overlaps (the
/// earliest, then the longest detection wins), drops allow-listed values, and replaces each value with its masked
/// form (`MaskStyle`), counting what it masked by kind. Pure and `Sendable`: one per profile, shared by all requests.
public struct TextMasker: Sendable {
    public let profile: MaskingProfile
    let detectors: [any Detector]
    /// `detectors` as the per-unit loop calls them (see `DetectorSlot`).
    let slots: [DetectorSlot]
    /// The number slot when `slots` are exactly the standard four (numbers, e-mail, name, address — every kind on, no
    /// custom detector, the usual profile): then the per-unit code calls them one after the other without the loop.
    let standardNumbers: NumberDetectors?
    /// By `PIIKind.slot`: the index in `slots` of the first slot whose detectors find that kind, or -1 — the slot a
    /// unit labelled with the kind asks first (see `detections(in:hint:into:)`).
    let leadSlots: [Int]
    /// Sees every masked value (kind, detector, where, masked form): `pii-guard mask --explain`. Nil in the proxy.
    public var observer: DetectionObserver?
    let style: MaskStyle
    /// Context words by normalized form.
    let exactWords: [String: PIIKind]
    /// The Hangul ones, longest first (so `이메일주소` wins over `주소`).
    let hangulWords: [(word: String, kind: PIIKind)]
    let labels: LabelCache
    /// `profile.kinds` as bits.
    let enabledKinds: PIIKinds
    /// Whether `profile.allowList` has any value.
    let hasAllowList: Bool
    /// The kinds the profile masks in the `full` style (the others are `standard`), as bits: asked per masked value.
    let fullyMaskedKinds: PIIKinds
    /// The byte table behind `TextTraits.of`, held so each unit reads it directly.
    private let traitTable = TraitTable.shared
    /// The name detector's word tables, held for the same reason.
    private let nameTables = NameTables.shared
    /// The menu's subject-key rules (`rules/menus.yaml`): what the access records name the data subjects by.
    public var subjectRules: [SubjectKeyRule] = []

    public init(profile: MaskingProfile, detectors: [any Detector], subjectRules: [SubjectKeyRule] = []) {
        self.subjectRules = subjectRules
        self.profile = profile
        let enabled = profile.kinds
        self.detectors = (detectors + profile.customDetectors.map { $0 as any Detector })
            .filter { !$0.kinds.isDisjoint(with: enabled) }
        self.slots = DetectorSlot.slots(for: self.detectors)
        self.standardNumbers = DetectorSlot.standardNumbers(self.slots)
        self.leadSlots = DetectorSlot.leadSlots(for: self.detectors, slots: self.slots)
        self.style = MaskStyle(maskCharacter: profile.maskCharacter)
        var exact: [String: PIIKind] = [:]
        for (word, kind) in profile.contextWords { exact[ContextWords.normalize(word)] = kind }
        self.exactWords = exact
        self.hangulWords = exact.filter { $0.key.count >= 2 && $0.key.unicodeScalars.contains { $0.value >= 0xAC00 && $0.value <= 0xD7A3 } }
            .map { (word: $0.key, kind: $0.value) }
            .sorted { $0.word.count != $1.word.count ? $0.word.count > $1.word.count : $0.word < $1.word }
        self.labels = LabelCache()
        self.enabledKinds = PIIKinds(enabled)
        self.hasAllowList = !profile.allowList.isEmpty
        self.fullyMaskedKinds = PIIKinds(Set(PIIKind.allCases.filter { profile.style(for: $0) == .full }))
    }

    /// The kind a field label names, if any: the whole normalized label, else the longest context word that ends the
    /// label on a word boundary (`receiverPhoneNumber`, `receiver_phone` → `phone`…; `hotel` is not `tel`), else —
    /// for Hangul labels, which have no such boundaries — the longest Hangul context word it ends with or contains
    /// (`배송주소` → address). Answers are cached per label: a JSON body asks the same few keys thousands of times.
    public func kind(forLabel label: String?) -> PIIKind? {
        guard let label, !label.isEmpty else { return nil }
        if let cached = self.labels.lookup(label) { return cached.kind }
        let kind = self.resolve(label).flatMap(self.enabled)
        self.labels.store(label, kind)
        return kind
    }

    func resolve(_ label: String) -> PIIKind? {
        let normalized = ContextWords.normalize(label)
        guard !normalized.isEmpty else { return nil }
        if let exact = self.exact(normalized) { return exact }
        // Word-boundary suffixes of the label as written: tokens split at case changes, `_`, `-`, spaces, dots.
        let tokens = ContextWords.tokens(label)
        if tokens.count > 1 {
            for start in 1..<tokens.count {
                if let kind = self.exact(tokens[start...].joined()) { return kind }
            }
        }
        // Hangul: no boundaries to go by; a Hangul context word (two syllables or more) at the end, then inside.
        if normalized.unicodeScalars.contains(where: { $0.value >= 0xAC00 && $0.value <= 0xD7A3 }) {
            if let word = self.hangulWords.first(where: { normalized.hasSuffix($0.word) }) { return word.kind }
            if let word = self.hangulWords.first(where: { normalized.contains($0.word) }) { return word.kind }
        }
        return nil
    }

    /// A context word, also in the plural an array's key has (`names`, `phones`, `addresses`, `phoneList`).
    func exact(_ word: String) -> PIIKind? {
        if let kind = self.exactWords[word] { return kind }
        for ending in ["list", "es", "s"] where word.hasSuffix(ending) && word.count > ending.count + 2 {
            if let kind = self.exactWords[String(word.dropLast(ending.count))] { return kind }
        }
        return nil
    }

    func enabled(_ kind: PIIKind) -> PIIKind? { self.profile.kinds.contains(kind) ? kind : nil }

    /// The values to mask in `text`, sorted, not overlapping, of enabled kinds, not allow-listed.
    public func detections(in text: UnsafeBufferPointer<UInt8>, context: FieldContext) -> [Detection] {
        self.detections(in: text, hint: self.kind(forLabel: context.label))
    }

    /// `detections(in:context:)` with the label already resolved to the kind it names (`kind(forLabel:)`): scanners
    /// resolve a column's or key's label once, not once per cell.
    func detections(in text: UnsafeBufferPointer<UInt8>, hint: PIIKind?) -> [Detection] {
        var found: [Detection] = []
        self.detections(in: text, hint: hint, into: &found)
        return found
    }

    /// `detections(in:hint:)` into `found` (empty on entry): scanners keep one array for all their units instead of
    /// allocating one per unit with a value.
    ///
    /// A labelled unit (`hint`) first asks the slot that finds the label's kind. When that slot finds the whole unit
    /// to be one value of that kind (and it is not allow-listed), that is the unit's only detection and no other
    /// detector reads it: nothing else can lie outside the value, and a detection of another kind over exactly the same
    /// bytes — the only one that could have won against it — loses to what the label says. Otherwise every other slot
    /// runs as for an unlabelled unit.
    func detections(in text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into found: inout [Detection]) {
        self.observer?.unitStarted()
        let traits = TextTraits.of(text, table: self.traitTable)
        var lead = -1
        if let hint, self.enabledKinds.contains(hint) {
            lead = self.leadSlots[hint.slot]
            if lead >= 0 {
                self.runSlot(lead, text, traits: traits, hint: hint, stopAtWhole: true, into: &found)
                switch self.wholeValue(of: hint, in: text, found: &found) {
                case .kept: return
                case .none: break
                case .allowed:
                    // The lead may have stopped at the value: its slot again, whole, for what the rest finds.
                    while !found.isEmpty { found.removeLast() }
                    self.runSlot(lead, text, traits: traits, hint: hint, stopAtWhole: false, into: &found)
                }
            }
        }
        if let numbers = self.standardNumbers {
            // The standard detectors (`slots` is numbers, e-mail, name, address): called in that order, directly.
            if lead != 0 { numbers.detect(text, traits: traits, hint: hint, into: &found) }
            if lead != 1 {
                DetectorSlot.email.detect(text, traits: traits, hint: hint, detectors: self.detectors,
                                          nameTables: self.nameTables, into: &found)
            }
            if lead != 2 {
                DetectorSlot.name.detect(text, traits: traits, hint: hint, detectors: self.detectors,
                                         nameTables: self.nameTables, into: &found)
            }
            if lead != 3 {
                DetectorSlot.address.detect(text, traits: traits, hint: hint, detectors: self.detectors,
                                            nameTables: self.nameTables, into: &found)
            }
        } else {
            self.slots.withUnsafeBufferPointer { slots in
                for index in slots.indices where index != lead {
                    slots[index].detect(text, traits: traits, hint: hint, detectors: self.detectors,
                                        nameTables: self.nameTables, into: &found)
                }
            }
        }
        guard !found.isEmpty else { return }
        let kinds = self.enabledKinds
        // One detection (the usual case when there is any): nothing to sort or resolve; the array is returned as is.
        // The allow list is only read when the profile has one (reading it copies the set).
        if found.count == 1 {
            let only = found[0]
            guard kinds.contains(only.kind), only.start >= 0, only.end <= text.count, only.start < only.end,
                !self.hasAllowList || !Self.isAllowed(only, in: text, self.profile.allowList)
            else {
                found.removeAll(keepingCapacity: true)
                return
            }
            return
        }
        let allowList = self.profile.allowList
        found.removeAll { !kinds.contains($0.kind) || $0.start < 0 || $0.end > text.count || $0.start >= $0.end }
        found.sort {
            if $0.start != $1.start { return $0.start < $1.start }
            if $0.length != $1.length { return $0.length > $1.length }
            if $0.kind != $1.kind { return $0.kind.rawValue < $1.kind.rawValue }
            return $0.detectorName < $1.detectorName  // a total order: the same input always keeps the same detection
        }
        // Earliest, then longest wins: kept detections are compacted to the front of `found` (no second array).
        var kept = 0
        var end = 0
        for index in found.indices where found[index].start >= end {
            if !allowList.isEmpty && Self.isAllowed(found[index], in: text, allowList) { continue }
            end = found[index].end
            if kept != index { found[kept] = found[index] }
            kept += 1
        }
        found.removeLast(found.count - kept)
    }

    /// Runs `slots[index]` on one unit.
    @inline(__always)
    private func runSlot(_ index: Int, _ text: UnsafeBufferPointer<UInt8>, traits: TextTraits, hint: PIIKind,
                         stopAtWhole: Bool, into found: inout [Detection]) {
        self.slots.withUnsafeBufferPointer {
            $0[index].detect(text, traits: traits, hint: hint, stopAtWhole: stopAtWhole, detectors: self.detectors,
                             nameTables: self.nameTables, into: &found)
        }
    }

    /// What the label's own slot found (see `wholeValue(of:in:found:)`).
    private enum WholeValue { case kept, none, allowed }

    /// Whether `found` (what the label's own slot found) has one detection of `kind` over the whole of `text`:
    /// `kept` (then `found` holds only it), `allowed` when that value is allow-listed, else `none`.
    @inline(__always)
    private func wholeValue(of kind: PIIKind, in text: UnsafeBufferPointer<UInt8>, found: inout [Detection]) -> WholeValue {
        var whole = -1
        for index in found.indices where found[index].start == 0 && found[index].end == text.count
            && found[index].kind == kind {
            whole = index
            break
        }
        guard whole >= 0 else { return .none }
        if self.hasAllowList && Self.isAllowed(found[whole], in: text, self.profile.allowList) { return .allowed }
        if found.count > 1 {
            let value = found[whole]
            while !found.isEmpty { found.removeLast() }
            found.append(value)
        }
        return .kept
    }

    /// Whether the value of `detection` is on the profile's allow list.
    static func isAllowed(_ detection: Detection, in text: UnsafeBufferPointer<UInt8>, _ allowList: Set<String>) -> Bool {
        let value = String(decoding: UnsafeBufferPointer(rebasing: text[detection.start..<detection.end]), as: UTF8.self)
        return allowList.contains(AllowList.normalize(value))
    }

    /// `text` with every detected value masked; adds to `tally`.
    public func mask(_ text: [UInt8], context: FieldContext, tally: inout MaskTally) -> [UInt8] {
        text.withUnsafeBufferPointer { buffer in
            let detections = self.detections(in: buffer, context: context)
            guard !detections.isEmpty else { return text }
            return self.apply(detections, to: buffer, tally: &tally)
        }
    }

    /// Convenience for tests and tools.
    public func mask(_ text: String, label: String? = nil) -> String {
        var tally = MaskTally()
        return String(decoding: self.mask(Array(text.utf8), context: FieldContext(label: label), tally: &tally), as: UTF8.self)
    }

    /// Replaces each detection with its masked form.
    public func apply(_ detections: [Detection], to text: UnsafeBufferPointer<UInt8>, tally: inout MaskTally) -> [UInt8] {
        var output = ByteOutput(capacity: text.count + 16)
        var position = 0
        for detection in detections {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position..<detection.start]))
            self.appendMasked(UnsafeBufferPointer(rebasing: text[detection.start..<detection.end]), detection: detection,
                              into: &output)
            tally.add(detection.kind)
            position = detection.end
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position...]))
        return output.array()
    }

    /// `appendMasked(_:detection:into:)` onto an array (tests, and values split over joined HTML text nodes).
    func appendMasked(_ value: UnsafeBufferPointer<UInt8>, detection: Detection, into output: inout [UInt8]) {
        var masked = ByteOutput(capacity: value.count + 8)
        self.appendMasked(value, detection: detection, into: &masked)
        masked.withUnsafeBufferPointer { output.append(contentsOf: $0) }
    }

    /// Appends the masked form of one detected value (`value` is its bytes; `detection` says its kind and where it
    /// was found, for the observer). Bytes in, bytes out for ASCII and Hangul values; `Character`s otherwise.
    func appendMasked(_ value: UnsafeBufferPointer<UInt8>, detection: Detection, into output: inout ByteOutput) {
        MaskWriter.appendMasked(value, detection: detection, style: self.style, fullyMasked: self.fullyMaskedKinds,
                                observer: self.observer, into: &output)
    }

    public func masked(_ value: String, as kind: PIIKind) -> String {
        MaskWriter.masked(value, as: kind, style: self.style, fullyMasked: self.fullyMaskedKinds)
    }

    /// What writes this masker's masked forms, for a scanner to keep (see `MaskWriter`).
    func makeWriter() -> MaskWriter {
        MaskWriter(style: self.style, fullyMaskedKinds: self.fullyMaskedKinds, observer: self.observer)
    }
}

/// Writes the masked forms of one masker's detected values: `TextMasker.appendMasked` for the scanners.
///
/// Why a class of its own: a scanner renders thousands of values per body, and reaching `appendMasked` through the
/// `TextMasker` its `ScanContext` holds made the compiler copy the whole masker (some 200 bytes) onto the stack for
/// every rendered unit. The writer holds only what masking needs — the style, the fully masked kinds (the profile's
/// style per kind), the observer — and is reached through a reference.
final class MaskWriter: Sendable {
    let style: MaskStyle
    let fullyMaskedKinds: PIIKinds
    let observer: DetectionObserver?

    init(style: MaskStyle, fullyMaskedKinds: PIIKinds, observer: DetectionObserver?) {
        self.style = style
        self.fullyMaskedKinds = fullyMaskedKinds
        self.observer = observer
    }

    /// `TextMasker.appendMasked(_:detection:into:)`.
    @inline(__always)
    func appendMasked(_ value: UnsafeBufferPointer<UInt8>, detection: Detection, into output: inout ByteOutput) {
        Self.appendMasked(value, detection: detection, style: self.style, fullyMasked: self.fullyMaskedKinds,
                          observer: self.observer, into: &output)
    }

    /// Whether `escaping` rewrites a byte of the mask character.
    func maskIsRewritten(by escaping: Escaping) -> Bool {
        if let byte = self.style.maskByte { return escaping.rewrites(byte) }
        return self.style.maskCharacter.utf8.contains(where: escaping.rewrites)
    }

    @inline(__always)
    static func appendMasked(_ value: UnsafeBufferPointer<UInt8>, detection: Detection, style: MaskStyle,
                             fullyMasked: PIIKinds, observer: DetectionObserver?, into output: inout ByteOutput) {
        let start = output.count
        let fast = fullyMasked.contains(detection.kind)
            ? style.appendFullyMasked(value, into: &output)
            : style.appendMasked(value, as: detection.kind, into: &output)
        if !fast { Self.appendMaskedCharacters(value, kind: detection.kind, style: style, fullyMasked: fullyMasked, into: &output) }
        if let observer { Self.report(detection, output: output, from: start, to: observer) }
    }

    /// The masked form of a value outside the byte paths, through `Character`s (rare: kept out of the byte path's
    /// frame).
    @inline(never)
    static func appendMaskedCharacters(_ value: UnsafeBufferPointer<UInt8>, kind: PIIKind, style: MaskStyle,
                                       fullyMasked: PIIKinds, into output: inout ByteOutput) {
        output.append(contentsOf: Self.masked(String(decoding: value, as: UTF8.self), as: kind, style: style,
                                              fullyMasked: fullyMasked).utf8)
    }

    @inline(never)
    static func report(_ detection: Detection, output: borrowing ByteOutput, from start: Int, to observer: DetectionObserver) {
        observer.saw(detection, masked: String(decoding: output.bytes(from: start), as: UTF8.self))
    }

    /// The masked form of `value` as a string: the `full` style for the fully masked kinds (every character but
    /// ` -.,()@/:` hidden), else the standard one.
    static func masked(_ value: String, as kind: PIIKind, style: MaskStyle, fullyMasked: PIIKinds) -> String {
        if fullyMasked.contains(kind) {
            return String(value.map { " -.,()@/:".contains($0) ? $0 : style.maskCharacter })
        }
        return style.mask(value, as: kind)
    }
}

/// How many values of each kind a response had masked: for the audit trail, never the values.
///
/// Counted in one slot per kind (every masked value adds to it; a dictionary keyed by kind hashed the kind's name for
/// each); `counts` is the dictionary view of the kinds counted at least once.
public struct MaskTally: Sendable, Equatable {
    /// By `PIIKind.slot`.
    private var slots: (Int, Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// The kinds added so far (`PIIKind.bit`), even with a count of 0, as the dictionary had them.
    private var added: UInt16 = 0
    /// The data subjects the response named, by the menu's subject-key rules (order numbers…).
    public var subjects = SubjectKeys()
    public init() {}

    public var counts: [PIIKind: Int] {
        var counts: [PIIKind: Int] = [:]
        for kind in PIIKind.allCases where self.added & kind.bit != 0 { counts[kind] = self.count(kind) }
        return counts
    }

    private func count(_ kind: PIIKind) -> Int {
        withUnsafeBytes(of: self.slots) { $0.load(fromByteOffset: kind.slot * MemoryLayout<Int>.stride, as: Int.self) }
    }

    public mutating func add(_ kind: PIIKind, _ count: Int = 1) {
        let total = self.count(kind) + count
        withUnsafeMutableBytes(of: &self.slots) {
            $0.storeBytes(of: total, toByteOffset: kind.slot * MemoryLayout<Int>.stride, as: Int.self)
        }
        self.added |= kind.bit
    }

    public mutating func merge(_ other: MaskTally) {
        for kind in PIIKind.allCases where other.added & kind.bit != 0 { self.add(kind, other.count(kind)) }
        self.subjects.merge(other.subjects)
    }

    public var total: Int { PIIKind.allCases.reduce(0) { $0 + self.count($1) } }

    public static func == (lhs: MaskTally, rhs: MaskTally) -> Bool {
        lhs.added == rhs.added && lhs.subjects == rhs.subjects
            && PIIKind.allCases.allSatisfy { lhs.count($0) == rhs.count($0) }
    }
}

/// Collects what a masker masked, for explaining a run to the person tuning the rules. Holds masked forms only.
public final class DetectionObserver: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        /// Which text unit (1-based, in the order the scanner handed them over) and the byte offset in it.
        public let unit: Int
        public let offset: Int
        public let kind: PIIKind
        public let detector: String
        public let masked: String
    }

    private let lock = NSLock()
    private var stored: [Entry] = []
    private var units = 0

    public init() {}

    public var entries: [Entry] { self.lock.withLock { self.stored } }

    func unitStarted() { self.lock.withLock { self.units += 1 } }

    func saw(_ detection: Detection, masked: String) {
        self.lock.withLock {
            self.stored.append(Entry(unit: max(1, self.units), offset: detection.start, kind: detection.kind,
                                     detector: detection.detector, masked: masked))
        }
    }
}

/// Label → kind answers of one masker, bounded (labels come from upstream bodies, so their number is not ours to
/// choose).
final class LabelCache: @unchecked Sendable {
    struct Answer { let kind: PIIKind? }
    private let lock = NSLock()
    private var answers: [String: Answer] = [:]
    static let limit = 4_096

    func lookup(_ label: String) -> Answer? { self.lock.withLock { self.answers[label] } }

    func store(_ label: String, _ kind: PIIKind?) {
        self.lock.withLock {
            if self.answers.count >= Self.limit { self.answers.removeAll(keepingCapacity: true) }
            self.answers[label] = Answer(kind: kind)
        }
    }
}

/// One detector as `TextMasker.detections(in:hint:)` calls it, once per detector and text unit.
///
/// The built-in detectors hold no state (their `name` is a constant), so a slot names one by a plain tag and the call
/// is direct on a fresh value (and `mayDetect` inlined) instead of going through an `any Detector` box, which the
/// compiler copies and destroys around every call — measurable with tens of thousands of units and nine detectors.
/// The tag is a trivial value: reading it copies nothing. Custom detectors (`rules/masking.yaml`) and any other
/// `Detector` go through the protocol as before (`other` is their index in `TextMasker.detectors`). Same detectors,
/// same order, same detections.
///
/// The six number detectors share one slot (`numbers`, where the first of them stood): one walk over the digit runs
/// for all of them (see `NumberDetectors`).
enum DetectorSlot: Sendable {
    case phone, email, residentNumber, cardNumber, bankAccount, ipAddress, birthDate, name, address
    case numbers(NumberDetectors)
    case other(Int)

    /// The slots for `detectors`, in their order, the number detectors joined into one.
    static func slots(for detectors: [any Detector]) -> [DetectorSlot] {
        var slots: [DetectorSlot] = []
        var numbersSlot: Int?
        var members: UInt8 = 0
        for (index, detector) in detectors.enumerated() {
            // A second instance of the same number detector (same detections) keeps a slot of its own.
            if let member = NumberDetectors.member(detector), members & member.rawValue == 0 {
                members |= member.rawValue
                if numbersSlot == nil {
                    numbersSlot = slots.count
                    slots.append(.numbers(NumberDetectors(members: 0)))
                }
                continue
            }
            slots.append(DetectorSlot(detector, at: index))
        }
        if let numbersSlot { slots[numbersSlot] = .numbers(NumberDetectors(members: members)) }
        return slots
    }

    /// By `PIIKind.slot`: the index in `slots` (`slots(for: detectors)`) of the first slot with a detector of that
    /// kind, or -1.
    static func leadSlots(for detectors: [any Detector], slots: [DetectorSlot]) -> [Int] {
        var lead = [Int](repeating: -1, count: PIIKind.allCases.count)
        for kind in PIIKind.allCases {
            // The detector that finds `kind` first; its slot is the one it stands in (the number slot for all six).
            guard let index = detectors.firstIndex(where: { $0.kinds.contains(kind) }) else { continue }
            let detector = detectors[index]
            lead[kind.slot] = slots.firstIndex { slot in
                switch slot {
                case .numbers(let numbers): NumberDetectors.member(detector).map { numbers.members & $0.rawValue != 0 } ?? false
                case .other(let other): other == index
                default: slot.isSlot(of: detector)
                }
            } ?? -1
        }
        return lead
    }

    /// Whether this built-in slot is the one `DetectorSlot(detector, at:)` makes for `detector`.
    func isSlot(of detector: any Detector) -> Bool {
        switch (self, DetectorSlot(detector, at: -1)) {
        case (.phone, .phone), (.email, .email), (.residentNumber, .residentNumber), (.cardNumber, .cardNumber),
            (.bankAccount, .bankAccount), (.ipAddress, .ipAddress), (.birthDate, .birthDate), (.name, .name),
            (.address, .address): true
        default: false
        }
    }

    /// The number slot of `slots` when they are exactly numbers, e-mail, name and address, in that order.
    static func standardNumbers(_ slots: [DetectorSlot]) -> NumberDetectors? {
        guard slots.count == 4, case .numbers(let numbers) = slots[0], case .email = slots[1], case .name = slots[2],
            case .address = slots[3]
        else { return nil }
        return numbers
    }

    init(_ detector: any Detector, at index: Int) {
        switch detector {
        case is PhoneDetector: self = .phone
        case is EmailDetector: self = .email
        case is ResidentNumberDetector: self = .residentNumber
        case is CardNumberDetector: self = .cardNumber
        case is BankAccountDetector: self = .bankAccount
        case is IPAddressDetector: self = .ipAddress
        case is BirthDateDetector: self = .birthDate
        case is NameDetector: self = .name
        case is AddressDetector: self = .address
        default: self = .other(index)
        }
    }

    /// `detect` when `mayDetect` says the unit can hold something. The name detector also gets its word tables
    /// (`nameTables`, held by the masker) and whether the unit is one line (`traits`).
    @inline(__always)
    func detect(_ text: UnsafeBufferPointer<UInt8>, traits: TextTraits, hint: PIIKind?, stopAtWhole: Bool = false,
                detectors: [any Detector], nameTables: NameTables, into found: inout [Detection]) {
        switch self {
        case .phone: Self.run(PhoneDetector(), text, traits, hint, &found)
        case .email: Self.run(EmailDetector(), text, traits, hint, &found)
        case .residentNumber: Self.run(ResidentNumberDetector(), text, traits, hint, &found)
        case .cardNumber: Self.run(CardNumberDetector(), text, traits, hint, &found)
        case .bankAccount: Self.run(BankAccountDetector(), text, traits, hint, &found)
        case .ipAddress: Self.run(IPAddressDetector(), text, traits, hint, &found)
        case .birthDate: Self.run(BirthDateDetector(), text, traits, hint, &found)
        case .name:
            let names = NameDetector()
            if names.mayDetect(in: traits, hint: hint) {
                names.detect(text, hint: hint, tables: nameTables, singleLine: !traits.contains(.lineBreak), into: &found)
            }
        case .address: Self.run(AddressDetector(), text, traits, hint, &found)
        case .numbers(let numbers): numbers.detect(text, traits: traits, hint: hint, stopAtWhole: stopAtWhole, into: &found)
        case .other(let index):
            let detector = detectors[index]
            if detector.mayDetect(in: traits, hint: hint) { detector.detect(text, hint: hint, into: &found) }
        }
    }

    @inline(__always)
    private static func run<D: Detector>(_ detector: D, _ text: UnsafeBufferPointer<UInt8>, _ traits: TextTraits,
                                         _ hint: PIIKind?, _ found: inout [Detection]) {
        if detector.mayDetect(in: traits, hint: hint) { detector.detect(text, hint: hint, into: &found) }
    }
}
