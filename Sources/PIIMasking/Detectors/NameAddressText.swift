/// Byte-level Hangul helpers shared by `NameDetector`, `AddressDetector`, `Surnames` and `Gazetteer`.
///
/// The detectors see UTF-8 bytes and must stay fast on text that holds no name or address at all, so they never
/// build `String`s in their scan loops. A Hangul syllable (U+AC00–U+D7A3) is three bytes in UTF-8 with a lead byte
/// 0xEA–0xED; these helpers decode one to its index 0..<11172 (`가` = 0), test syllables against bit sets, and pack
/// short runs of syllables into one `UInt64` so that word lists are `Set<UInt64>` look-ups without allocation.
enum NameAddressText {
    static let syllableCount = 11172
    static let firstSyllable: UInt32 = 0xAC00

    /// The syllable index of the Hangul syllable starting at byte `i`, or -1.
    @inline(__always)
    static func syllable(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        guard i >= 0, i &+ 2 < text.count else { return -1 }
        let b0 = text[i]
        guard b0 &- 0xEA < 4 else { return -1 }
        let b1 = text[i &+ 1], b2 = text[i &+ 2]
        // Both continuation bytes (10xxxxxx) at once, and the index's two bounds as one unsigned compare.
        let index = ((Int(b0 & 0x0F) << 12) | (Int(b1 & 0x3F) << 6) | Int(b2 & 0x3F)) &- 0xAC00
        guard (b1 ^ 0x80) | (b2 ^ 0x80) < 0x40, UInt(bitPattern: index) < UInt(syllableCount) else { return -1 }
        return index
    }

    /// The syllable index of the Hangul syllable that ends right before byte `end`, or -1.
    @inline(__always)
    static func syllable(_ text: UnsafeBufferPointer<UInt8>, endingAt end: Int) -> Int {
        end >= 3 ? self.syllable(text, end &- 3) : -1
    }

    /// Start of the run of Hangul syllables that ends at `end` (`end` itself when no syllable ends there).
    @inline(__always)
    static func runStart(_ text: UnsafeBufferPointer<UInt8>, endingAt end: Int, limit: Int = 12) -> Int {
        var start = end
        var count = 0
        while count < limit, self.syllable(text, endingAt: start) >= 0 {
            start -= 3
            count += 1
        }
        return start
    }

    /// End of the run of Hangul syllables that starts at `start` (`start` itself when none starts there).
    @inline(__always)
    static func runEnd(_ text: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int = 12) -> Int {
        var end = start
        var count = 0
        while count < limit, self.syllable(text, end) >= 0 {
            end += 3
            count += 1
        }
        return end
    }

    /// The syllable indices of a string of Hangul syllables (other characters are dropped).
    static func syllables(_ string: String) -> [Int] {
        string.unicodeScalars.compactMap { scalar in
            let index = Int(scalar.value) - 0xAC00
            return index >= 0 && index < syllableCount ? index : nil
        }
    }

    static func syllable(_ character: Unicode.Scalar) -> Int { Int(character.value) - 0xAC00 }

    /// One to four syllables packed with their count: equal keys mean equal words.
    static func key(_ syllables: some Collection<Int>) -> UInt64 {
        precondition(syllables.count <= 4, "keys hold at most four syllables")
        var key = UInt64(syllables.count) << 56
        var shift: UInt64 = 42
        for syllable in syllables {
            key |= UInt64(syllable) << shift
            shift &-= 14
        }
        return key
    }

    /// The key of a word of one to four syllables.
    static func key(_ word: String) -> UInt64 { self.key(self.syllables(word)) }

    /// The key of `count` (1...4) syllables starting at byte `start` (all must be syllables; callers checked).
    @inline(__always)
    static func key(_ text: UnsafeBufferPointer<UInt8>, start: Int, count: Int) -> UInt64 {
        var key = UInt64(count) << 56
        var shift: UInt64 = 42
        var i = start
        for _ in 0..<count {
            key |= UInt64(self.syllable(text, i)) << shift
            shift &-= 14
            i += 3
        }
        return key
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    @inline(__always) static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }

    /// First index ≥ `i` whose byte is not ASCII (or `text.count`), eight bytes at a time.
    @inline(__always)
    static func skipASCII(_ text: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        guard let base = text.baseAddress else { return text.count }
        var i = i
        let n = text.count
        while i &+ 8 <= n {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            i &+= 8
        }
        while i < n, text[i] < 0x80 { i &+= 1 }
        return i
    }

    /// First index ≥ `i` holding an ASCII digit (or `text.count`), eight bytes at a time.
    @inline(__always)
    static func findDigit(in text: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        guard let base = text.baseAddress else { return text.count }
        var i = i
        let n = text.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        while i &+ 8 <= n {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            // Bytes b < 0x80 with 0x2F < b < 0x3A (bit-twiddling "has between").
            let low = word & (ones &* 127)
            let digits = ((ones &* (127 &+ 0x3A)) &- low) & ~word & (low &+ ones &* (127 &- 0x2F)) & 0x8080_8080_8080_8080
            if digits != 0 { return i &+ digits.trailingZeroBitCount >> 3 }
            i &+= 8
        }
        while i < n, !self.isDigit(text[i]) { i &+= 1 }
        return i
    }

    /// Up to eight bytes at `i`, little-endian, zero past the end: compared with a pattern's masked prefix.
    @inline(__always)
    static func word(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt64 {
        guard let base = text.baseAddress else { return 0 }
        if i &+ 8 <= text.count { return UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) }
        var word: UInt64 = 0
        var k = text.count &- 1
        while k >= i {
            word = word << 8 | UInt64(text[k])
            k &-= 1
        }
        return word
    }

    /// A pattern's first eight bytes as `word` would load them, and the mask of the bytes it has.
    static func prefix(_ bytes: [UInt8]) -> (value: UInt64, mask: UInt64) {
        var value: UInt64 = 0
        var mask: UInt64 = 0
        for (k, byte) in bytes.prefix(8).enumerated() {
            value |= UInt64(byte) << UInt64(k * 8)
            mask |= 0xFF << UInt64(k * 8)
        }
        return (value, mask)
    }

    /// Does `bytes` occur at `i`?
    @inline(__always)
    static func matches(_ text: UnsafeBufferPointer<UInt8>, at i: Int, _ bytes: [UInt8]) -> Bool {
        guard i >= 0, i + bytes.count <= text.count else { return false }
        for k in 0..<bytes.count where text[i + k] != bytes[k] { return false }
        return true
    }

}

/// A set of Hangul syllables as a bit set (1.4 KB): one test per syllable in the scan loops.
struct SyllableSet: Sendable {
    private var words: [UInt64]

    init(_ characters: String) {
        self.words = Array(repeating: 0, count: (NameAddressText.syllableCount + 63) / 64)
        for syllable in NameAddressText.syllables(characters) { self.insert(syllable) }
    }

    init(syllables: some Sequence<Int>) {
        self.words = Array(repeating: 0, count: (NameAddressText.syllableCount + 63) / 64)
        for syllable in syllables { self.insert(syllable) }
    }

    mutating func insert(_ syllable: Int) {
        self.words[syllable >> 6] |= 1 << UInt64(syllable & 63)
    }

    @inline(__always)
    func contains(_ syllable: Int) -> Bool {
        syllable >= 0 && self.words[syllable >> 6] & (1 << UInt64(syllable & 63)) != 0
    }

    /// A copy of the bits that lives as long as the process, for tables read through one `static let`
    /// (`NameCheckTables`): `bits[s >> 6] & (1 << (s & 63))` for a syllable index `s`.
    func permanentBits() -> UnsafePointer<UInt64> {
        let pointer = UnsafeMutablePointer<UInt64>.allocate(capacity: self.words.count)
        pointer.initialize(from: self.words, count: self.words.count)
        return UnsafePointer(pointer)
    }
}
