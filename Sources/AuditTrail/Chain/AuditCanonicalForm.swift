import Crypto
import Foundation

/// The exact bytes of an `AuditRecord` that the chain hashes, and the hash itself.
///
/// A hash chain is only as good as the agreement on what was hashed: an auditor re-computing a hash years later, with
/// another build of Foundation or another language, must get the same bytes. So the form is written by hand, not by
/// `JSONEncoder` (whose escaping of `/` and number formatting differ between platforms and versions):
///
/// - one JSON object, keys in byte order, no whitespace, a format version `"v":1`;
/// - strings as their UTF-8 bytes, escaping only `"`, `\` and control characters (`\n`, `\r`, `\t`, `\b`, `\f`, else
///   `\u00XX`, lowercase hex); no Unicode normalisation;
/// - integers in decimal; a missing export row count is `null`; `maskedCounts` an object with keys in byte order;
/// - the time as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds): records are stored to the millisecond, so no
///   floating-point value is ever hashed;
/// - every field of the record except `hash` (which is what is computed).
///
/// `hash = SHA-256(previous ‖ canonical)`, where `previous` is the previous record's hash as 32 bytes (32 zero bytes
/// for the first record of a log), written as lowercase hex.
public enum AuditCanonicalForm {
    /// The format version written as `"v"`; a new form gets a new number, and readers keep the old ones.
    public static let version = 1

    /// The canonical bytes of `record` (its `hash` field is left out). `at` is written to the millisecond.
    public static func encode(_ record: AuditRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(768 + record.subjects.count * 24)
        out.append(UInt8(ascii: "{"))
        self.key(&out, "account", first: true)
        self.string(&out, record.account)
        self.key(&out, "action")
        self.string(&out, record.action.rawValue)
        self.key(&out, "at")
        self.string(&out, self.timestamp(milliseconds: self.milliseconds(record.at)))
        self.key(&out, "clientAddress")
        self.string(&out, record.clientAddress)
        self.key(&out, "event")
        self.string(&out, record.event)
        self.key(&out, "exportReason")
        self.string(&out, record.exportReason)
        self.key(&out, "exportRows")
        if let rows = record.exportRows { self.integer(&out, Int64(rows)) } else { out.append(contentsOf: "null".utf8) }
        self.key(&out, "fileSHA256")
        self.string(&out, record.fileSHA256)
        self.key(&out, "kind")
        self.string(&out, record.kind.rawValue)
        self.key(&out, "maskedCounts")
        out.append(UInt8(ascii: "{"))
        for (index, entry) in record.maskedCounts.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
            .enumerated()
        {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            self.string(&out, entry.key)
            out.append(UInt8(ascii: ":"))
            self.integer(&out, Int64(entry.value))
        }
        out.append(UInt8(ascii: "}"))
        self.key(&out, "menuID")
        self.string(&out, record.menuID)
        self.key(&out, "menuName")
        self.string(&out, record.menuName)
        self.key(&out, "method")
        self.string(&out, record.method)
        self.key(&out, "path")
        self.string(&out, record.path)
        self.key(&out, "previousHash")
        self.string(&out, record.previousHash)
        self.key(&out, "requestID")
        self.string(&out, record.requestID)
        self.key(&out, "sequence")
        self.integer(&out, record.sequence)
        self.key(&out, "sessionHash")
        self.string(&out, record.sessionHash)
        self.key(&out, "site")
        self.string(&out, record.site)
        self.key(&out, "status")
        self.integer(&out, Int64(record.status))
        self.key(&out, "subjects")
        out.append(UInt8(ascii: "["))
        for (index, subject) in record.subjects.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            self.string(&out, subject)
        }
        out.append(UInt8(ascii: "]"))
        self.key(&out, "userAgent")
        self.string(&out, record.userAgent)
        self.key(&out, "v")
        self.integer(&out, Int64(self.version))
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Reads canonical bytes back into a record (`hash` left empty). Throws `.encoding` when the bytes are not a
    /// record of a known version, or are not in canonical form (a payload edited by hand, even to equivalent JSON).
    ///
    /// A strict reader of exactly the form `encode` writes (keys in order, only its escapes), several times faster than
    /// `JSONDecoder` on the verifier's path; writing the record back must give the same bytes.
    public static func decode(_ bytes: some Collection<UInt8>) throws(AuditTrailError) -> AuditRecord {
        let bytes = Array(bytes)
        var reader = CanonicalReader(bytes)
        guard let record = reader.record() else {
            if let version = CanonicalReader.trailingVersion(bytes), version != self.version {
                throw AuditTrailError(.encoding, "a stored audit record has format version \(version), which this "
                    + "version of pii-guard does not know (it reads version \(self.version)); verify with the newer version")
            }
            throw AuditTrailError(.encoding, "a stored audit record is not in the canonical record format (edited "
                + "outside pii-guard)")
        }
        guard self.encode(record) == bytes else {
            throw AuditTrailError(.encoding, "a stored audit record is not in canonical form (edited outside pii-guard)")
        }
        return record
    }

    /// `SHA-256(previous ‖ canonical)` in lowercase hex; nil when `previousHash` is neither empty nor 64 hex digits.
    public static func hash(previousHash: String, canonical: some DataProtocol) -> String? {
        let previous: [UInt8]
        if previousHash.isEmpty {
            previous = [UInt8](repeating: 0, count: 32)
        } else {
            guard let bytes = Hex.decode(previousHash), bytes.count == 32 else { return nil }
            previous = bytes
        }
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: canonical)
        return Hex.encode(hasher.finalize())
    }

    // MARK: - Time

    /// Milliseconds since 1970, rounded: the precision records are stored and hashed at.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The date of a millisecond count (exact: converting back gives the same count).
    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// `2026-11-23T07:04:05.123Z` for a millisecond count (UTC, years 0000–9999).
    public static func timestamp(milliseconds: Int64) -> String {
        let (days, inDay) = Self.floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = CivilDays.civil(days: days)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var value = value
            for _ in 0..<count {
                out.append(UInt8(ascii: "0") + UInt8((value / divisor) % 10))
                value %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        out.append(UInt8(ascii: "-"))
        digits(month, 2)
        out.append(UInt8(ascii: "-"))
        digits(day, 2)
        out.append(UInt8(ascii: "T"))
        digits(inDay / 3_600_000, 2)
        out.append(UInt8(ascii: ":"))
        digits(inDay / 60_000 % 60, 2)
        out.append(UInt8(ascii: ":"))
        digits(inDay / 1000 % 60, 2)
        out.append(UInt8(ascii: "."))
        digits(inDay % 1000, 3)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The millisecond count of a timestamp written by `timestamp(milliseconds:)`; nil for any other text.
    public static func milliseconds(timestamp: String) -> Int64? {
        let bytes = Array(timestamp.utf8)
        guard bytes.count == 24 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), let millisecond = number(20..<23),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = CivilDays.days(year: year, month: month, day: day)
        let value = days * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
        // Strict: only the exact text this form writes (separators, no 31 February).
        return self.timestamp(milliseconds: value) == timestamp ? value : nil
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }

    // MARK: - Writing

    static func key(_ out: inout [UInt8], _ name: StaticString, first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    static func string(_ out: inout [UInt8], _ value: String) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(Hex.digits[Int(byte >> 4)])
                out.append(Hex.digits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func integer(_ out: inout [UInt8], _ value: Int64) {
        out.append(contentsOf: String(value).utf8)
    }
}

/// Lowercase hexadecimal, the way hashes are written in records and checkpoints.
enum Hex {
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(self.digits[Int(byte >> 4)])
            out.append(self.digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lowercase only (what this code writes); nil for anything else.
    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

/// Reads the canonical form back, accepting nothing else: every key in its place, strings with only the escapes
/// `AuditCanonicalForm` writes, integers without signs or leading zeros. Any deviation gives nil.
private struct CanonicalReader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func record() -> AuditRecord? {
        guard self.literal("{\"account\":"), let account = self.string(),
            self.literal(",\"action\":"), let action = self.string().flatMap(AuditRecord.Action.init(rawValue:)),
            self.literal(",\"at\":"), let at = self.string().flatMap(AuditCanonicalForm.milliseconds(timestamp:)),
            self.literal(",\"clientAddress\":"), let clientAddress = self.string(),
            self.literal(",\"event\":"), let event = self.string(),
            self.literal(",\"exportReason\":"), let exportReason = self.string(),
            self.literal(",\"exportRows\":"), let exportRows = self.optionalInteger(),
            self.literal(",\"fileSHA256\":"), let fileSHA256 = self.string(),
            self.literal(",\"kind\":"), let kind = self.string().flatMap(AuditRecord.Kind.init(rawValue:)),
            self.literal(",\"maskedCounts\":"), let maskedCounts = self.counts(),
            self.literal(",\"menuID\":"), let menuID = self.string(),
            self.literal(",\"menuName\":"), let menuName = self.string(),
            self.literal(",\"method\":"), let method = self.string(),
            self.literal(",\"path\":"), let path = self.string(),
            self.literal(",\"previousHash\":"), let previousHash = self.string(),
            self.literal(",\"requestID\":"), let requestID = self.string(),
            self.literal(",\"sequence\":"), let sequence = self.integer(),
            self.literal(",\"sessionHash\":"), let sessionHash = self.string(),
            self.literal(",\"site\":"), let site = self.string(),
            self.literal(",\"status\":"), let status = self.integer(),
            self.literal(",\"subjects\":"), let subjects = self.strings(),
            self.literal(",\"userAgent\":"), let userAgent = self.string(),
            self.literal(",\"v\":"), self.integer() == Int64(AuditCanonicalForm.version), self.literal("}"),
            self.index == self.bytes.count, let statusValue = Int(exactly: status)
        else { return nil }
        var rows: Int?
        if let exportRows {
            guard let value = Int(exactly: exportRows) else { return nil }
            rows = value
        }
        return AuditRecord(
            sequence: sequence, at: AuditCanonicalForm.date(milliseconds: at), kind: kind, action: action,
            account: account, clientAddress: clientAddress, site: site, menuID: menuID, menuName: menuName,
            method: method, path: path, status: statusValue, subjects: subjects, maskedCounts: maskedCounts,
            event: event, exportReason: exportReason, exportRows: rows, fileSHA256: fileSHA256,
            requestID: requestID, sessionHash: sessionHash, userAgent: userAgent, previousHash: previousHash)
    }

    /// The `N` of a trailing `,"v":N}`, to tell a newer format from damage.
    static func trailingVersion(_ bytes: [UInt8]) -> Int? {
        guard bytes.last == UInt8(ascii: "}"), let start = bytes.lastIndex(of: UInt8(ascii: ":")),
            Array(bytes[..<start].suffix(4)) == Array(",\"v\"".utf8)
        else { return nil }
        return Int(String(decoding: bytes[(start + 1)..<(bytes.count - 1)], as: UTF8.self))
    }

    mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { return false }
        let matches = text.withUTF8Buffer { expected in
            self.bytes.withUnsafeBufferPointer { actual in
                memcmp(actual.baseAddress! + self.index, expected.baseAddress!, count) == 0
            }
        }
        if matches { self.index += count }
        return matches
    }

    mutating func string() -> String? {
        guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else { return nil }
        self.index += 1
        var out: [UInt8] = []
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard self.index < self.bytes.count else { return nil }
                let escaped = self.bytes[self.index]
                self.index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(escaped)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard self.index + 4 <= self.bytes.count, self.bytes[self.index] == UInt8(ascii: "0"),
                        self.bytes[self.index + 1] == UInt8(ascii: "0"),
                        let value = Hex.decode(
                            String(decoding: self.bytes[(self.index + 2)..<(self.index + 4)], as: UTF8.self)),
                        value[0] < 0x20
                    else { return nil }
                    out.append(value[0])
                    self.index += 4
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                out.append(byte)
            }
        }
        return nil
    }

    mutating func integer() -> Int64? {
        let start = self.index
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        let digits = self.index
        while self.index < self.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self.bytes[self.index]) {
            self.index += 1
        }
        guard self.index > digits, self.index - digits < 20 else { return nil }
        return Int64(String(decoding: self.bytes[start..<self.index], as: UTF8.self))
    }

    /// `null` or an integer; nil when neither.
    mutating func optionalInteger() -> Int64?? {
        if self.literal("null") { return .some(nil) }
        return self.integer().map { .some($0) }
    }

    mutating func counts() -> [String: Int]? {
        guard self.literal("{") else { return nil }
        var counts: [String: Int] = [:]
        if self.literal("}") { return counts }
        repeat {
            guard let key = self.string(), self.literal(":"), let value = self.integer().flatMap({ Int(exactly: $0) }),
                counts.updateValue(value, forKey: key) == nil
            else { return nil }
        } while self.literal(",")
        return self.literal("}") ? counts : nil
    }

    mutating func strings() -> [String]? {
        guard self.literal("[") else { return nil }
        var strings: [String] = []
        if self.literal("]") { return strings }
        repeat {
            guard let value = self.string() else { return nil }
            strings.append(value)
        } while self.literal(",")
        return self.literal("]") ? strings : nil
    }
}
