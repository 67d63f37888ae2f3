#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The character encodings a Korean seller admin's exports come in.
///
/// Why it exists: admins export either UTF-8 (often with the byte order mark Excel wants) or the legacy Korean
/// EUC-KR, which Windows servers actually send as its superset CP949 (also labelled `ks_c_5601-1987`). Everything
/// downstream works on UTF-8, so the readers decode one of these two, either as declared by the caller (the
/// `charset` of the Content-Type) or sniffed from the bytes.
public enum TableTextEncoding: String, Sendable, Hashable, CaseIterable {
    case utf8 = "UTF-8"
    /// EUC-KR and its superset CP949 (Unified Hangul Code); decoded as CP949, which reads both.
    case cp949 = "CP949"

    /// For messages: "UTF-8" or "EUC-KR/CP949".
    public var displayName: String {
        switch self {
        case .utf8: return "UTF-8"
        case .cp949: return "EUC-KR/CP949"
        }
    }

    /// The encoding a charset label names (`utf-8`, `euc-kr`, `cp949`, `ks_c_5601-1987`, …), case-insensitive;
    /// `us-ascii` counts as UTF-8. Nil for labels this module does not read.
    public init?(label: String) {
        let value = label.workbookTrimmed().trimmingQuotes().lowercased()
        switch value {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "us-ascii", "ascii":
            self = .utf8
        case "euc-kr", "euckr", "cp949", "ks_c_5601-1987", "ks_c_5601-1989", "ks_c_5601", "ksc5601", "korean",
            "csksc56011987", "iso-ir-149", "x-windows-949", "windows-949", "ms949", "uhc", "csEUCKR".lowercased():
            self = .cp949
        default:
            return nil
        }
    }

    /// The encoding declared by the `charset` parameter of a Content-Type value, nil when there is none (or it
    /// names an encoding this module does not read): the readers then sniff.
    public static func declared(inContentType contentType: String?) -> TableTextEncoding? {
        guard let contentType else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, String(pair[0]).workbookTrimmed().lowercased() == "charset" else { continue }
            return TableTextEncoding(label: String(pair[1]))
        }
        return nil
    }
}

extension String {
    func workbookTrimmed() -> String {
        let scalars = self.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }

    fileprivate func trimmingQuotes() -> String {
        var s = Substring(self)
        while let f = s.first, f == "\"" || f == "'" { s = s.dropFirst() }
        while let l = s.last, l == "\"" || l == "'" { s = s.dropLast() }
        return String(s)
    }
}

/// Turns the bytes of an export into UTF-8 as they stream, for the table readers.
///
/// Why it exists: the readers parse UTF-8 only; this is where a declared or sniffed encoding is applied, with a
/// clear failure point so the reader can name the row holding the bad bytes. A UTF-8 byte order mark is dropped and
/// wins over a declared encoding (as in browsers: admins declare `euc-kr` out of habit and send UTF-8 with BOM).
///
/// Sniffing: ASCII is the same in both encodings and passes straight through. From the first non-ASCII byte on,
/// `sniffWindow` bytes are held; if they are valid UTF-8 the input is UTF-8, otherwise CP949 (Korean CP949 text of
/// more than a few characters is practically never valid UTF-8). The decision reads exactly those bytes, so it does
/// not depend on how the input was cut into chunks.
struct TableByteDecoder: Sendable {
    static let sniffWindow = 4096
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The encoding in use; nil while sniffing (only ASCII seen so far).
    private(set) var encoding: TableTextEncoding?
    private var started = false
    private var startBytes: [UInt8] = []
    private var window: [UInt8] = []
    private var utf8 = UTF8Check()
    private var cp949Lead: UInt8 = 0

    init(encoding: TableTextEncoding?) {
        self.encoding = encoding
    }

    /// Appends the UTF-8 form of `input` to `output`. Returns false when `input` holds bytes that are not valid in
    /// the encoding: `output` then ends just before them and the decoder must not be used again.
    mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) throws(WorkbookError) -> Bool {
        var input = input[...]
        if !self.started {
            while let byte = input.first, !self.started {
                self.startBytes.append(byte)
                input = input.dropFirst()
                if self.startBytes == Self.byteOrderMark {
                    self.encoding = .utf8
                    self.started = true
                    self.startBytes = []
                } else if !Self.byteOrderMark.starts(with: self.startBytes) {
                    self.started = true
                }
            }
            if self.started, !self.startBytes.isEmpty {
                let held = self.startBytes
                self.startBytes = []
                guard try held.withUnsafeBufferPointer({ (b) throws(WorkbookError) in try self.process(b[...], into: &output) }) else {
                    return false
                }
            }
            if !self.started { return true }
        }
        return try self.process(input, into: &output)
    }

    /// Flushes what is held at the end of the input. Returns false when the input ends inside a character or the
    /// held bytes are invalid.
    mutating func finish(into output: inout [UInt8]) throws(WorkbookError) -> Bool {
        if !self.started {
            self.started = true
            let held = self.startBytes
            self.startBytes = []
            guard try held.withUnsafeBufferPointer({ (b) throws(WorkbookError) in try self.process(b[...], into: &output) }) else {
                return false
            }
        }
        if self.encoding == nil, !self.window.isEmpty {
            guard try self.decide(final: true, into: &output) else { return false }
        }
        switch self.encoding {
        case .utf8: return self.utf8.pending == 0
        case .cp949: return self.cp949Lead == 0
        case nil: return true
        }
    }

    private mutating func process(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, into output: inout [UInt8]) throws(WorkbookError) -> Bool {
        switch self.encoding {
        case .utf8:
            return self.decodeUTF8(bytes, into: &output)
        case .cp949:
            return try self.decodeCP949(bytes, into: &output)
        case nil:
            var rest = bytes
            if self.window.isEmpty {
                guard let firstNonASCII = rest.firstIndex(where: { $0 >= 0x80 }) else {
                    output.append(contentsOf: rest)
                    return true
                }
                output.append(contentsOf: rest[..<firstNonASCII])
                rest = rest[firstNonASCII...]
            }
            self.window.append(contentsOf: rest)
            if self.window.count >= Self.sniffWindow {
                return try self.decide(final: false, into: &output)
            }
            return true
        }
    }

    /// Chooses the encoding from the first `sniffWindow` held bytes, then decodes everything held.
    private mutating func decide(final: Bool, into output: inout [UInt8]) throws(WorkbookError) -> Bool {
        let sample = self.window.prefix(Self.sniffWindow)
        var check = UTF8Check()
        var valid = true
        for byte in sample where !check.accept(byte) {
            valid = false
            break
        }
        // A character cut by the end of the sample is fine, unless the sample is the whole input.
        if valid, check.pending != 0, final, sample.count == self.window.count { valid = false }
        self.encoding = valid ? .utf8 : .cp949
        let held = self.window
        self.window = []
        return try held.withUnsafeBufferPointer { (b) throws(WorkbookError) in try self.process(b[...], into: &output) }
    }

    private mutating func decodeUTF8(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, into output: inout [UInt8]) -> Bool {
        var index = bytes.startIndex
        let end = bytes.endIndex
        let base = bytes.base
        while index < end {
            if self.utf8.pending == 0 {
                // Runs of ASCII are the common case.
                while index < end, base[index] < 0x80 { index += 1 }
                if index == end { break }
            }
            if !self.utf8.accept(base[index]) {
                output.append(contentsOf: bytes[bytes.startIndex..<index])
                return false
            }
            index += 1
        }
        output.append(contentsOf: bytes)
        return true
    }

    private mutating func decodeCP949(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, into output: inout [UInt8]) throws(WorkbookError) -> Bool {
        guard let table = CP949Table.shared else { throw WorkbookError(.encodingUnavailable("CP949")) }
        output.reserveCapacity(output.count + bytes.count + bytes.count / 2)
        var index = bytes.startIndex
        let end = bytes.endIndex
        let base = bytes.base
        while index < end {
            let byte = base[index]
            if self.cp949Lead != 0 {
                guard let scalar = table.scalar(lead: self.cp949Lead, trail: byte) else { return false }
                self.cp949Lead = 0
                UTF8Check.append(scalar, to: &output)
                index += 1
            } else if byte < 0x80 {
                var runEnd = index + 1
                while runEnd < end, base[runEnd] < 0x80 { runEnd += 1 }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: base[index..<runEnd]))
                index = runEnd
            } else if byte >= 0x81, byte <= 0xFE {
                self.cp949Lead = byte
                index += 1
            } else {
                return false
            }
        }
        return true
    }
}

/// A streaming UTF-8 well-formedness check (no overlongs, no surrogates, nothing above U+10FFFF).
struct UTF8Check: Sendable {
    /// Continuation bytes still expected by the current character.
    private(set) var pending = 0
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    @inline(__always)
    mutating func accept(_ byte: UInt8) -> Bool {
        if self.pending == 0 {
            switch byte {
            case 0x00...0x7F: return true
            case 0xC2...0xDF: self.pending = 1
            case 0xE0: (self.pending, self.low) = (2, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: self.pending = 2
            case 0xED: (self.pending, self.high) = (2, 0x9F)
            case 0xF0: (self.pending, self.low) = (3, 0x90)
            case 0xF1...0xF3: self.pending = 3
            case 0xF4: (self.pending, self.high) = (3, 0x8F)
            default: return false
            }
            return true
        }
        guard byte >= self.low, byte <= self.high else { return false }
        self.pending -= 1
        (self.low, self.high) = (0x80, 0xBF)
        return true
    }

    /// Appends the UTF-8 bytes of a scalar value (BMP or above).
    @inline(__always)
    static func append(_ value: UInt32, to output: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            output.append(UInt8(value))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (value >> 6)))
            output.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (value >> 12)))
            output.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (value & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (value >> 18)))
            output.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (value & 0x3F)))
        }
    }
}

/// CP949 double-byte characters → Unicode, read once from the system's iconv.
///
/// Why a table and not iconv per call: an iconv handle is a mutable C resource (not `Sendable`, not copyable
/// state), and converting cell by cell would cost a call each. Asking iconv once for every lead/trail pair (about
/// 24,000 two-byte sequences, a few milliseconds at first use) gives an immutable 48 KB table: the decoder stays a
/// plain value type, knows exactly which byte is invalid, and runs at memory speed. Every CP949 character lies in
/// the BMP, so 16 bits suffice; 0 marks an invalid pair.
struct CP949Table: Sendable {
    private static let leads: ClosedRange<UInt8> = 0x81...0xFE
    private static let trails: ClosedRange<UInt8> = 0x41...0xFE
    private let values: [UInt16]

    /// Nil when this system's iconv cannot convert CP949.
    static let shared: CP949Table? = CP949Table()

    @inline(__always)
    func scalar(lead: UInt8, trail: UInt8) -> UInt32? {
        guard trail >= Self.trails.lowerBound, trail <= Self.trails.upperBound else { return nil }
        let index = Int(lead - Self.leads.lowerBound) * Self.trails.count + Int(trail - Self.trails.lowerBound)
        let value = self.values[index]
        return value == 0 ? nil : UInt32(value)
    }

    private init?() {
        guard let converter = iconv_open("UTF-8", "CP949"), converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var values = [UInt16](repeating: 0, count: Self.leads.count * Self.trails.count)
        var input = [CChar](repeating: 0, count: 2)
        var output = [CChar](repeating: 0, count: 8)
        var index = 0
        for lead in Self.leads {
            for trail in Self.trails {
                defer { index += 1 }
                input[0] = CChar(bitPattern: lead)
                input[1] = CChar(bitPattern: trail)
                var produced = 0
                let status = input.withUnsafeMutableBufferPointer { inBuffer in
                    output.withUnsafeMutableBufferPointer { outBuffer in
                        var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                        var inLeft = 2
                        var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                        var outLeft = outBuffer.count
                        let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                        produced = outBuffer.count - outLeft
                        return status == -1 || inLeft != 0 ? -1 : 0
                    }
                }
                guard status == 0, produced > 0 else {
                    _ = iconv(converter, nil, nil, nil, nil)
                    continue
                }
                let bytes = output[0..<produced].map { UInt8(bitPattern: $0) }
                let scalars = String(decoding: bytes, as: UTF8.self).unicodeScalars
                guard scalars.count == 1, let scalar = scalars.first, scalar.value <= 0xFFFF, scalar.value > 0 else { continue }
                values[index] = UInt16(scalar.value)
            }
        }
        guard values.contains(where: { $0 != 0 }) else { return nil }
        self.values = values
    }
}

/// Runs `body` on the bytes of any collection as one buffer: in place when they are contiguous (arrays, `Data`,
/// NIO views), else on a copy.
func withWorkbookInput<R>(
    _ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(WorkbookError) -> R
) throws(WorkbookError) -> R {
    var failure: WorkbookError?
    let direct = bytes.withContiguousStorageIfAvailable { buffer -> R? in
        do throws(WorkbookError) { return try body(buffer) } catch { failure = error; return nil }
    }
    if let failure { throw failure }
    if let direct, let value = direct { return value }
    return try Array(bytes).withUnsafeBufferPointer { (buffer) throws(WorkbookError) in try body(buffer) }
}
