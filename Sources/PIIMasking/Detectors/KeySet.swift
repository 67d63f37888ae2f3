/// A fixed set of `UInt64` keys (packed syllable words, see `NameAddressText.key`) for look-ups in scan loops.
///
/// Why not `Set<UInt64>`: the standard set hashes every look-up with seeded SipHash, some hundred instructions, and
/// the name detector asks several word lists for every candidate (stop words, stop prefixes, tails, copulas). The
/// lists never change after start, so a power-of-two open-addressing table with a multiplicative hash answers in a
/// few instructions, most often with one probe.
///
/// Only for `static let`s: the table is allocated once and lives as long as the process (a plain pointer, so look-ups
/// pay no reference counting), like `StopSet`.
struct KeySet: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<UInt64>
    private let mask: Int
    private let shift: UInt64
    /// 0 marks an empty slot; whether the key 0 itself is in the set.
    private let hasZero: Bool

    init<S: Sequence<UInt64>>(_ keys: S) {
        let unique = Array(Set(keys))
        var capacity = 8
        while capacity < unique.count * 2 { capacity *= 2 }
        let slots = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        self.mask = capacity - 1
        self.shift = UInt64(64 - capacity.trailingZeroBitCount)
        var hasZero = false
        for key in unique {
            if key == 0 {
                hasZero = true
                continue
            }
            var slot = Self.slot(key, self.shift)
            while slots[slot] != 0 { slot = (slot + 1) & self.mask }
            slots[slot] = key
        }
        self.hasZero = hasZero
        self.slots = slots
    }

    @inline(__always) private static func slot(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always)
    func contains(_ key: UInt64) -> Bool {
        if key == 0 { return self.hasZero }
        var slot = Self.slot(key, self.shift)
        while true {
            let stored = self.slots[slot]
            if stored == key { return true }
            if stored == 0 { return false }
            slot = (slot + 1) & self.mask
        }
    }
}
