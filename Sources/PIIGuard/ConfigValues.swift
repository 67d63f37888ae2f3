import Foundation

/// A duration written the way operators write one: `500ms`, `10s`, `30m`, `12h`, `7d` (a bare number is seconds).
public struct ConfigDuration: Decodable, Sendable, Equatable, CustomStringConvertible {
    public let duration: Duration
    let text: String

    public init(_ duration: Duration, text: String) {
        self.duration = duration
        self.text = text
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self).trimmingCharacters(in: .whitespaces)
        guard let duration = Self.parse(text) else {
            throw decoder.invalid("'\(text)' is not a duration; write e.g. 500ms, 10s, 30m, 12h or 7d")
        }
        guard duration <= Self.longest else {
            throw decoder.invalid("'\(text)' is longer than \(Self.longestText), the longest duration pii-guard accepts")
        }
        self.init(duration, text: text)
    }

    /// The longest duration any setting takes: ten years. Everything downstream (dates, `TimeAmount` nanoseconds,
    /// seconds as `Int`) stays far from overflowing below it, so no setting needs its own guard against that.
    public static let longest: Duration = .seconds(3650 * 86_400)
    static let longestText = "3650d"

    /// The duration `text` writes, or nil when it is not one or its number does not fit (never an overflow trap).
    static func parse(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        if let seconds = Int64(text), seconds >= 0 { return .seconds(seconds) }
        for (suffix, millis) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            // "ms" must not be read as "m" + "s".
            if suffix == "s", number.hasSuffix("m") { continue }
            guard let value = Int64(number), value >= 0 else { return nil }
            let (total, overflow) = value.multipliedReportingOverflow(by: millis)
            return overflow ? nil : .milliseconds(total)
        }
        return nil
    }

    public var description: String { self.text }
}

/// A size written as `512`, `32KiB`, `100MiB`, `2GiB` (also `KB`/`MB`/`GB`, read as powers of 1024).
public struct ByteSize: Decodable, Sendable, Equatable {
    public let bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            guard number >= 0 else { throw decoder.invalid("a size cannot be negative") }
            guard number <= Self.largest else { throw decoder.invalid(Self.tooLarge("\(number)")) }
            self.bytes = number
            return
        }
        let text = try container.decode(String.self).trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1 << 10),
                                        ("MB", 1 << 20), ("GB", 1 << 30), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let value = Int64(number), value >= 0 {
                // Checked before multiplying: `99999999999GiB` is an error, not an overflow trap.
                guard value <= Self.largest / factor else { throw decoder.invalid(Self.tooLarge(text)) }
                self.bytes = value * factor
                return
            }
        }
        throw decoder.invalid("'\(text)' is not a size; write e.g. 32KiB, 100MiB or a number of bytes")
    }

    /// The largest size any setting takes (1 TiB); each setting may allow less.
    public static let largest: Int64 = 1 << 40

    static func tooLarge(_ text: String) -> String { "'\(text)' is larger than 1024GiB, the largest size pii-guard accepts" }
}
