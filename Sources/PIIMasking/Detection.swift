import Foundation

/// One personal-data value a detector found in a text unit.
///
/// Offsets are UTF-8 byte offsets into the unit the detector was given (a text node, a JSON string, a CSV cell, a
/// line of text), half-open: `text[start..<end]` is the value. Byte offsets keep the scanners fast and free of
/// `String.Index` arithmetic; every detector must put `start` and `end` on UTF-8 character boundaries.
///
/// A plain value (no reference counted part): scanners keep, sort and drop detections by the thousand per body,
/// and a `String` field made every copy and every removal retain or release it.
public struct Detection: Sendable, Equatable, Hashable {
    public var start: Int
    public var end: Int
    public var kind: PIIKind
    /// Which detector found it, as a `DetectorName`.
    public var detectorName: DetectorName

    /// Which detector found it (`phone`, `name.honorific`, `custom:member-no`): for `--explain` and tuning, never
    /// logged with the value.
    public var detector: String {
        get { self.detectorName.string }
        set { self.detectorName = DetectorName(interning: newValue) }
    }

    /// A detection named by a `String` (detectors outside this module): the name is interned, so it should come from
    /// a fixed set (a detector's own name), never from the text.
    public init(start: Int, end: Int, kind: PIIKind, detector: String) {
        self.init(start: start, end: end, kind: kind, by: DetectorName(interning: detector))
    }

    /// The built-in detectors' form: their names are literals, read in place.
    public init(start: Int, end: Int, kind: PIIKind, by detector: DetectorName) {
        self.start = start
        self.end = end
        self.kind = kind
        self.detectorName = detector
    }

    public var length: Int { self.end - self.start }
}

/// The name of a detector, as UTF-8 bytes that live as long as the process: a plain two-word value that copies
/// without reference counting, so `Detection` does too.
///
/// A literal (`"phone"`, the built-in detectors' names) is read where the compiler put it. A name made at run time
/// (a custom detector's `custom:…` from the rules) is interned: its bytes are allocated once per distinct name and
/// kept for the life of the process, a few bytes per name the rules have ever used.
public struct DetectorName: @unchecked Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    private let bytes: UnsafePointer<UInt8>
    private let count: Int

    public init(stringLiteral literal: StaticString) {
        if literal.hasPointerRepresentation {
            self.bytes = literal.utf8Start
            self.count = literal.utf8CodeUnitCount
        } else {
            self = DetectorName(interning: literal.description)
        }
    }

    /// The name for `name`, its bytes interned (see the type's comment).
    public init(interning name: String) {
        self = DetectorNameRegistry.shared.name(for: name)
    }

    fileprivate init(bytes: UnsafePointer<UInt8>, count: Int) {
        self.bytes = bytes
        self.count = count
    }

    private var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: self.bytes, count: self.count) }

    /// The name as a `String`.
    public var string: String { String(decoding: self.buffer, as: UTF8.self) }
    public var description: String { self.string }

    public static func == (a: DetectorName, b: DetectorName) -> Bool {
        a.count == b.count && (a.bytes == b.bytes || memcmp(a.bytes, b.bytes, a.count) == 0)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: UnsafeRawBufferPointer(self.buffer))
    }

    /// The order of the names as `String`s (`TextMasker`'s total order of detections ends with it).
    public static func < (a: DetectorName, b: DetectorName) -> Bool { a.string < b.string }
}

/// Where names made at run time get their process-lifetime bytes (`DetectorName(interning:)`).
private final class DetectorNameRegistry: @unchecked Sendable {
    static let shared = DetectorNameRegistry()
    private let lock = NSLock()
    private var names: [String: DetectorName] = [:]

    func name(for name: String) -> DetectorName {
        self.lock.withLock {
            if let known = self.names[name] { return known }
            let utf8 = Array(name.utf8)
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(utf8.count, 1))
            bytes.initialize(from: utf8, count: utf8.count)
            let interned = DetectorName(bytes: UnsafePointer(bytes), count: utf8.count)
            self.names[name] = interned
            return interned
        }
    }
}

/// What the structure around a text unit says about it: the label of its field.
///
/// The scanners know structure, not meaning: an HTML scanner passes the `<th>`/`<label>`/`<dt>` text or the input's
/// `name`, a JSON scanner the key, a CSV scanner the column header. `TextMasker` turns the label into a kind with the
/// profile's context words (`이름`, `buyerName` → name), so security teams tune the mapping in `rules/`, not in code.
public struct FieldContext: Sendable, Equatable, Hashable {
    /// The field's label as written (a key, a header, a label text), or nil in free text.
    public var label: String?

    public init(label: String? = nil) { self.label = label }

    public static let none = FieldContext()
}

/// Finds values of one or more kinds in a text unit.
///
/// Detectors are pure: same text and hint, same detections. They run on UTF-8 bytes and report byte ranges.
/// `hint` is the kind the field's label names (nil in free text); a detector may use it to accept what it would
/// not accept in free text (a bank account number, a birth date, a bare name).
public protocol Detector: Sendable {
    /// Short stable name, the prefix of `Detection.detector`.
    var name: String { get }
    /// The kinds it can report (a profile with all of them switched off skips it).
    var kinds: Set<PIIKind> { get }
    func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection])
    /// Whether a unit with these traits can hold anything this detector finds (false skips `detect` for the unit).
    /// Must never be false where `detect` would report something: it is a shortcut, not a rule.
    func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool
}

extension Detector {
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { true }
}

/// Which classes of bytes a text unit has, found in one pass before the detectors run.
///
/// Most units of an admin page cannot hold most kinds: a name cell has no digit, a phone cell no Hangul, and only
/// an e-mail has `@`. Nine detectors scanning every unit for their first byte cost more than the one pass that
/// tells them not to start.
public struct TextTraits: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// An ASCII digit.
    public static let digit = TextTraits(rawValue: 1)
    /// `@`.
    public static let atSign = TextTraits(rawValue: 2)
    /// `:` (IPv6).
    public static let colon = TextTraits(rawValue: 4)
    /// A byte of a non-ASCII character (Hangul and everything else).
    public static let nonASCII = TextTraits(rawValue: 8)
    /// An ASCII letter.
    public static let letter = TextTraits(rawValue: 16)
    /// A line feed: a unit without one is a single line.
    public static let lineBreak = TextTraits(rawValue: 32)

    /// The traits of `text`.
    public static func of(_ text: UnsafeBufferPointer<UInt8>) -> TextTraits {
        Self.of(text, table: TraitTable.shared)
    }

    /// `of(_:)` with the byte table in hand: `TextMasker` keeps the process-lifetime table, so a unit's traits cost
    /// no lazy-global check. Eight bytes that are all non-ASCII (the middle of Hangul text) are taken in one step.
    @inline(__always)
    static func of(_ text: UnsafeBufferPointer<UInt8>, table: TraitTable) -> TextTraits {
        guard let base = text.baseAddress else { return [] }
        let count = text.count
        var bits: UInt8 = 0
        var index = 0
        while index &+ 8 <= count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 == 0x8080_8080_8080_8080 {
                bits |= Self.nonASCII.rawValue
            } else {
                for offset in 0..<8 { bits |= table[base[index &+ offset]] }
            }
            index &+= 8
        }
        while index < count {
            bits |= table[base[index]]
            index &+= 1
        }
        return TextTraits(rawValue: bits)
    }
}

/// Each byte's `TextTraits` bits, in memory that lives as long as the process.
///
/// A `static let` array would be read through a lazy-global check on every unit; holders of this value (the
/// `TextMasker`) read the table directly.
struct TraitTable: @unchecked Sendable {
    private let bits: UnsafeMutablePointer<UInt8>

    static let shared = TraitTable()

    private init() {
        let bits = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for byte in 0..<256 {
            bits[byte] = switch byte {
            case 0x30...0x39: TextTraits.digit.rawValue
            case 0x40: TextTraits.atSign.rawValue
            case 0x3A: TextTraits.colon.rawValue
            case 0x41...0x5A, 0x61...0x7A: TextTraits.letter.rawValue
            case 0x80...0xFF: TextTraits.nonASCII.rawValue
            case 0x0A: TextTraits.lineBreak.rawValue
            default: 0
            }
        }
        self.bits = bits
    }

    @inline(__always)
    subscript(byte: UInt8) -> UInt8 { self.bits[Int(byte)] }
}

extension Detector {
    /// Convenience for tests and tools: detections in a Swift string.
    public func detect(in text: String, hint: PIIKind? = nil) -> [Detection] {
        var detections: [Detection] = []
        var copy = text
        copy.withUTF8 { self.detect($0, hint: hint, into: &detections) }
        return detections
    }
}
