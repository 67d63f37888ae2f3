import Foundation

/// Byte-level helpers shared by the number, e-mail and address-of-machine detectors.
///
/// The detectors run on every text unit of every response, so they work on UTF-8 bytes with no `String`, no
/// `Character` and no regular expression in the hot path. Everything here is ASCII-only on purpose: a byte ≥ 0x80 is
/// part of a multi-byte character (Hangul in practice) and is never a digit, a letter or a separator, so a value
/// found between such bytes always starts and ends on a character boundary.
enum Bytes {
    static let hyphen: UInt8 = 0x2D  // -
    static let dot: UInt8 = 0x2E  // .
    static let space: UInt8 = 0x20
    static let slash: UInt8 = 0x2F  // /
    static let colon: UInt8 = 0x3A  // :
    static let plus: UInt8 = 0x2B  // +
    static let atSign: UInt8 = 0x40  // @
    static let openParenthesis: UInt8 = 0x28
    static let closeParenthesis: UInt8 = 0x29
    static let zero: UInt8 = 0x30

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    @inline(__always) static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20) &- 0x61 < 6 }
    @inline(__always) static func value(_ byte: UInt8) -> Int { Int(byte &- 0x30) }
    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 { isLetter(byte) ? byte | 0x20 : byte }

    /// The byte at `index`, or 0 outside the text (0 is never a digit, letter or separator).
    @inline(__always) static func at(_ text: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt8 {
        // Both bounds in one unsigned compare (a negative index is a huge unsigned one).
        UInt(bitPattern: index) < UInt(bitPattern: text.count) ? text[index] : 0
    }

    /// Whether the byte at `index` is an ASCII letter or digit (false outside the text).
    @inline(__always) static func isAlphanumeric(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        isAlphanumeric(at(text, index))
    }

    /// Whether a value starting at `start` is glued to what comes before: an ASCII letter or digit right before it, or
    /// a `-`/`.` right after a digit (the value would be the tail of a longer code like `2022-010-…` or `1.2.3.4.5`).
    @inline(__always) static func isGluedBefore(_ text: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        let previous = at(text, start - 1)
        if isAlphanumeric(previous) { return true }
        return (previous == hyphen || previous == dot) && isDigit(at(text, start - 2))
    }

    /// Whether a value ending at `end` is glued to what follows: an ASCII letter or digit, or a `-`/`.` followed by a
    /// digit.
    @inline(__always) static func isGluedAfter(_ text: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        let next = at(text, end)
        if isAlphanumeric(next) { return true }
        return (next == hyphen || next == dot) && isDigit(at(text, end + 1))
    }

    /// Index of the first ASCII digit at or after `start`, or `text.count`. Eight bytes at a time: Hangul and markup
    /// are skipped at memory speed.
    @inline(__always) static func firstDigit(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = max(start, 0)
        let count = text.count
        guard index < count, let base = text.baseAddress else { return count }
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7: UInt64 = ones &* 0x7F
        let high: UInt64 = ones &* 0x80
        while index + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // "has byte between 0x2F and 0x3A" (exclusive), exact per byte (Bit Twiddling Hacks, hasbetween).
            let x = word & low7
            let found = ((ones &* (127 + 0x3A)) &- x) & ~word & (x &+ ones &* (127 - 0x2F)) & high
            if found != 0 { return index + found.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < count {
            if isDigit(base[index]) { return index }
            index += 1
        }
        return count
    }

    /// Index of the first `byte` at or after `start`, or `text.count` (memchr).
    static func first(_ byte: UInt8, in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard start < text.count, let base = text.baseAddress else { return text.count }
        guard let found = memchr(base + start, Int32(byte), text.count - start) else { return text.count }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// End of the run of ASCII digits starting at `start`. Eight bytes at a time: order numbers, card and account
    /// numbers are long runs, and every number detector reads them.
    @inline(__always) static func digitRunEnd(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        let count = text.count
        if index >= 0, let base = text.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            while index &+ 8 <= count {
                // Per byte t = byte ^ 0x30 (a digit is 0...9): the high bit of ((t & 0x7F) + 0x76) | t is set exactly
                // where t > 9, with no carry between bytes.
                let t = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ (ones &* 0x30)
                let other = (((t & (ones &* 0x7F)) &+ ones &* 0x76) | t) & (ones &* 0x80)
                if other != 0 { return index &+ other.trailingZeroBitCount >> 3 }
                index &+= 8
            }
        }
        while index < count && isDigit(text[index]) { index += 1 }
        return index
    }

    /// Calls `body(start, end)` for every maximal run of ASCII digits, in order; `body` returns where to go on from
    /// (at least `end`; more to skip a value it took).
    @inline(__always) static func forEachDigitRun(in text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Int) {
        var index = firstDigit(in: text, from: 0)
        while index < text.count {
            let end = digitRunEnd(in: text, from: index)
            let next = max(body(index, end), end)
            index = firstDigit(in: text, from: next)
            // A value taken by `body` may end just before more digits: never start inside a run.
            while index > 0 && index < text.count && isDigit(text[index - 1]) {
                index = firstDigit(in: text, from: digitRunEnd(in: text, from: index))
            }
        }
    }

    /// The decimal number written in `text[start..<end]` (digits only, at most 18 of them).
    @inline(__always) static func number(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var result = 0
        for index in start..<end { result = result * 10 + value(text[index]) }
        return result
    }

    /// Whether year/month/day is a real calendar day (29 February only in leap years; `year` nil: allowed).
    static func isDate(year: Int?, month: Int, day: Int) -> Bool {
        guard month >= 1 && month <= 12 && day >= 1 else { return false }
        switch month {
        case 2:
            guard let year else { return day <= 29 }
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return day <= (leap ? 29 : 28)
        case 4, 6, 9, 11: return day <= 30
        default: return day <= 31
        }
    }

    /// Whether the eight digits at `start` are a `yyyyMMdd` date of 1900–2099 (order numbers start like this).
    static func startsWithDate(_ text: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard start + 8 <= text.count else { return false }
        let year = number(text, start, start + 4)
        guard year >= 1900 && year <= 2099 else { return false }
        return isDate(year: year, month: number(text, start + 4, start + 6), day: number(text, start + 6, start + 8))
    }

    /// Whether the six digits at `start` are a `yyMMdd` date (any century).
    static func isShortDate(_ text: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard start + 6 <= text.count else { return false }
        return isDate(year: nil, month: number(text, start + 2, start + 4), day: number(text, start + 4, start + 6))
    }

    /// Luhn check over the digits of `text[start..<end]` (other bytes, the separators, are skipped).
    static func isLuhnValid(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var sum = 0
        var double = false
        var index = end - 1
        while index >= start {
            let byte = text[index]
            if isDigit(byte) {
                var digit = value(byte)
                if double {
                    digit *= 2
                    if digit > 9 { digit -= 9 }
                }
                sum += digit
                double.toggle()
            }
            index -= 1
        }
        return sum % 10 == 0
    }

    /// Where the `characters` characters before `index` start (UTF-8 continuation bytes are not counted).
    static func windowStart(in text: UnsafeBufferPointer<UInt8>, before index: Int, characters: Int) -> Int {
        var position = index
        var counted = 0
        while position > 0 && counted < characters {
            position -= 1
            if text[position] & 0xC0 != 0x80 { counted += 1 }
        }
        return position
    }
}

/// Up to eight runs of digits joined by single separators (`010-1234-5678`, `4123 4567 8901 2345`), without
/// allocating: detectors read one at every candidate, so it lives on the stack.
struct DigitGroups {
    private var starts: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var ends: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// The separator after each group (0 after the last).
    private var separators: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
    private(set) var count = 0
    /// Digits in all groups read (`digitCount(count)` without walking the groups again).
    private(set) var totalDigits = 0
    static let capacity = 8
    private static let stride = MemoryLayout<Int>.stride

    /// Reads groups from `start` (a digit): a digit run, then while there is room, one byte of `separators` (bit `b`
    /// set for byte `b` < 64) followed by a digit starts the next group.
    @inline(__always)
    init(_ text: UnsafeBufferPointer<UInt8>, from start: Int, separators allowed: UInt64, limit: Int = capacity) {
        self.init(text, from: start, firstEnd: Bytes.digitRunEnd(in: text, from: start), separators: allowed, limit: limit)
    }

    /// `init(_:from:separators:limit:)` where the caller has the first run's end already (the number walk does).
    @inline(__always)
    init(_ text: UnsafeBufferPointer<UInt8>, from start: Int, firstEnd: Int, separators allowed: UInt64,
         limit: Int = capacity) {
        var position = start
        let limit = min(limit, Self.capacity)
        var end = firstEnd
        while self.count < limit {
            if self.count > 0 { end = Bytes.digitRunEnd(in: text, from: position) }
            guard end > position else { break }
            self.set(self.count, start: position, end: end)
            self.count += 1
            self.totalDigits += end - position
            let separator = Bytes.at(text, end)
            guard separator < 64, allowed & (1 << UInt64(separator)) != 0, Bytes.isDigit(Bytes.at(text, end + 1))
            else { break }
            self.setSeparator(self.count - 1, separator)
            position = end + 1
        }
    }

    static func mask(_ bytes: UInt8...) -> UInt64 { bytes.reduce(0) { $0 | (1 << UInt64($1)) } }

    private mutating func set(_ index: Int, start: Int, end: Int) {
        let offset = index * Self.stride
        withUnsafeMutableBytes(of: &self.starts) { $0.storeBytes(of: start, toByteOffset: offset, as: Int.self) }
        withUnsafeMutableBytes(of: &self.ends) { $0.storeBytes(of: end, toByteOffset: offset, as: Int.self) }
    }

    private mutating func setSeparator(_ index: Int, _ byte: UInt8) {
        withUnsafeMutableBytes(of: &self.separators) { $0[index] = byte }
    }

    func start(_ index: Int) -> Int {
        withUnsafeBytes(of: self.starts) { $0.load(fromByteOffset: index * Self.stride, as: Int.self) }
    }
    func end(_ index: Int) -> Int {
        withUnsafeBytes(of: self.ends) { $0.load(fromByteOffset: index * Self.stride, as: Int.self) }
    }
    func length(_ index: Int) -> Int { self.end(index) - self.start(index) }
    /// The separator after group `index`, 0 after the last group read.
    func separator(after index: Int) -> UInt8 { withUnsafeBytes(of: self.separators) { $0[index] } }

    /// Digits in the first `groups` groups.
    func digitCount(_ groups: Int) -> Int {
        var total = 0
        for index in 0..<groups { total += self.length(index) }
        return total
    }

    /// Whether the first `groups` groups are joined by one and the same separator.
    func sameSeparator(_ groups: Int) -> Bool {
        guard groups > 2 else { return true }
        let first = self.separator(after: 0)
        for index in 1..<(groups - 1) where self.separator(after: index) != first { return false }
        return true
    }
}

/// A few context words (계좌, 은행, 생년월일, `birth`…) looked for in the short window before a candidate value.
///
/// Checked only for candidates that passed every other test, but those can be frequent (every 10–16 digit value for
/// the account detector), so the search compares the first three bytes of each character in the window with the
/// words' first three bytes before comparing whole words. ASCII letters compare case-insensitively.
struct Keywords: Sendable {
    private let words: [[UInt8]]
    /// The length of the shortest word: a window shorter than that holds none.
    private let shortest: Int
    private let keys: [UInt32]
    /// One bit per key hash: most characters in a window are rejected by one test.
    private let filter: UInt64

    init(_ words: [String]) {
        self.words = words.map { Array($0.utf8).map(Bytes.lowercased) }
        precondition(self.words.allSatisfy { $0.count >= 3 }, "context words are at least three bytes")
        self.shortest = self.words.map(\.count).min() ?? 0
        self.keys = self.words.map { UInt32($0[0]) | UInt32($0[1]) << 8 | UInt32($0[2]) << 16 }
        self.filter = self.keys.reduce(0) { $0 | Self.bit($1) }
    }

    @inline(__always) private static func bit(_ key: UInt32) -> UInt64 { 1 << ((key &* 0x9E37_79B1) >> 26) }

    /// Whether one of the words occurs in `text[start..<end]`.
    func occur(in text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard end - start >= 3 else { return false }
        return self.keys.withUnsafeBufferPointer { keys in
            for position in start...(end - 3) where text[position] & 0xC0 != 0x80 {
                let key = UInt32(Bytes.lowercased(text[position])) | UInt32(Bytes.lowercased(text[position + 1])) << 8
                    | UInt32(Bytes.lowercased(text[position + 2])) << 16
                guard self.filter & Self.bit(key) != 0 else { continue }
                for index in 0..<keys.count where keys[index] == key && self.matches(index, text, position, end) {
                    return true
                }
            }
            return false
        }
    }

    /// Whether one of the words ends exactly at `end` (and starts at or after `start`).
    func end(in text: UnsafeBufferPointer<UInt8>, at end: Int, notBefore start: Int) -> Bool {
        guard end - self.shortest >= start else { return false }
        for word in self.words where end - word.count >= start {
            var matched = true
            for (offset, byte) in word.enumerated() where Bytes.lowercased(text[end - word.count + offset]) != byte {
                matched = false
                break
            }
            if matched { return true }
        }
        return false
    }

    private func matches(_ index: Int, _ text: UnsafeBufferPointer<UInt8>, _ position: Int, _ end: Int) -> Bool {
        let word = self.words[index]
        guard position + word.count <= end else { return false }
        for offset in 3..<word.count where Bytes.lowercased(text[position + offset]) != word[offset] { return false }
        return true
    }
}
