/// A tiny, fully specified pseudo-random generator (SplitMix64).
///
/// The demo data must be identical on every machine and every Swift version, so the
/// generator is written out here instead of relying on the standard library's algorithms.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private(set) var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    /// A generator for one item of a family: the same `(seed, stream, index)` always gives the same sequence.
    init(seed: UInt64, stream: UInt64, index: UInt64) {
        self.state = SplitMix64.hash(seed ^ SplitMix64.hash(stream &+ 0x632B_E59B_D9B4_E019) ^ SplitMix64.hash(index &* 0x9E37_79B9_7F4A_7C15 &+ 1))
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.finalize(state)
    }

    /// The SplitMix64 output function, usable as a stateless 64-bit hash.
    static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func hash(_ value: UInt64) -> UInt64 {
        finalize(value &+ 0x9E37_79B9_7F4A_7C15)
    }

    /// A uniformly distributed integer in `0 ..< bound` (bias is negligible for the small bounds used here).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    mutating func pick<T>(_ values: [T]) -> T {
        values[below(values.count)]
    }

    /// True with probability `percent` / 100.
    mutating func percent(_ percent: Int) -> Bool {
        below(100) < percent
    }

    /// Picks from `(value, weight)` pairs.
    mutating func weighted<T>(_ values: [(T, Int)]) -> T {
        let total = values.reduce(0) { $0 + $1.1 }
        var roll = below(total)
        for (value, weight) in values {
            if roll < weight { return value }
            roll -= weight
        }
        return values[values.count - 1].0
    }

    /// `count` decimal digits, leading zeros allowed.
    mutating func digits(_ count: Int) -> String {
        var s = ""
        for _ in 0..<count { s.append(Character(Unicode.Scalar(UInt8(48 + below(10))))) }
        return s
    }
}
