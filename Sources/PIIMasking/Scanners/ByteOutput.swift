/// The bytes a scanner writes while it masks one chunk: a growable buffer of our own instead of `[UInt8]`.
///
/// Why: every byte the scanners release is appended, one tag, text run, separator or mask character at a time, and
/// each `Array.append` on an `inout` array checks that the storage is uniquely referenced (a runtime call) and has
/// room before it writes. The scanners own their output outright, so here an append is a capacity check and a store.
/// Non-copyable: exactly one owner, no aliasing of the memory, freed when the owner is done. `releasing(capacity:_:)`
/// writes a chunk's output straight into the storage of the `[UInt8]` the `BodyMasker` API returns (no copy unless
/// the output outgrows the room it was given); `array()` hands the bytes over as a copy.
struct ByteOutput: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// Whether `base` is ours to free: false while writing into memory lent by `releasing(capacity:_:)`.
    private var owned: Bool

    init(capacity: Int = 64) {
        self.capacity = max(capacity, 16)
        self.base = .allocate(capacity: self.capacity)
        self.owned = true
    }

    /// Writes into `capacity` bytes at `base` that someone else owns and frees; a `grow` moves to memory of our own.
    private init(lent base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
        self.owned = false
    }

    deinit { if self.owned { self.base.deallocate() } }

    /// What `body` writes, as an array whose storage it wrote into directly: `capacity` bytes of room are lent to it
    /// (an array's uninitialized storage); only if it writes more is its output copied once at the end.
    static func releasing(
        capacity: Int, _ body: (inout ByteOutput) throws(MaskingError) -> Void
    ) throws(MaskingError) -> [UInt8] {
        var failure: MaskingError?
        var spilled: [UInt8]?
        let written = [UInt8](unsafeUninitializedCapacity: max(capacity, 16)) { buffer, initialized in
            initialized = 0
            guard let start = buffer.baseAddress else { return }
            var output = ByteOutput(lent: start, capacity: buffer.count)
            do throws(MaskingError) {
                try body(&output)
            } catch {
                failure = error
                return
            }
            if output.owned { spilled = output.array() } else { initialized = output.count }
        }
        if let failure { throw failure }
        return spilled ?? written
    }

    var isEmpty: Bool { self.count == 0 }

    /// Makes room for `extra` more bytes (at least doubling, so appends stay amortized O(1)).
    @inline(never)
    private mutating func grow(_ extra: Int) {
        let capacity = max(self.capacity * 2, self.count + extra)
        let base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        base.update(from: self.base, count: self.count)
        if self.owned { self.base.deallocate() }
        self.base = base
        self.capacity = capacity
        self.owned = true
    }

    mutating func reserveCapacity(_ total: Int) {
        if total > self.capacity { self.grow(total - self.count) }
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if self.count == self.capacity { self.grow(1) }
        self.base[self.count] = byte
        self.count += 1
    }

    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        let length = bytes.count
        guard length > 0, let source = bytes.baseAddress else { return }
        if self.capacity - self.count < length { self.grow(length) }
        (self.base + self.count).update(from: source, count: length)
        self.count += length
    }

    /// Appends what `body` writes straight into the buffer: room for `maximum` bytes at the pointer it is given; it
    /// returns how many it wrote. For loops that write byte by byte (masked values): one capacity check, not one
    /// per byte.
    @inline(__always)
    mutating func append(upTo maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if self.capacity - self.count < maximum { self.grow(maximum) }
        let written = body(self.base + self.count)
        precondition(written >= 0 && written <= maximum, "ByteOutput.append(upTo:) wrote beyond its room")
        self.count += written
    }

    mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { self.append(contentsOf: $0) }
    }

    mutating func append(contentsOf bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBufferPointer { self.append(contentsOf: $0) }
    }

    /// For the rare callers with another sequence (a `String`'s UTF-8 view).
    mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 {
        for byte in bytes { self.append(byte) }
    }

    subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < self.count, "ByteOutput index out of range")
        return self.base[index]
    }

    mutating func removeLast(_ n: Int) {
        precondition(n >= 0 && n <= self.count, "ByteOutput.removeLast beyond its start")
        self.count -= n
    }

    mutating func removeAll() { self.count = 0 }

    /// The written bytes, read in place.
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: self.base, count: self.count))
    }

    /// The bytes from `start` on, as a new array.
    func bytes(from start: Int) -> [UInt8] {
        precondition(start >= 0 && start <= self.count, "ByteOutput start out of range")
        return Array(UnsafeBufferPointer(start: self.base + start, count: self.count - start))
    }

    /// The written bytes as an array (a copy).
    func array() -> [UInt8] { self.bytes(from: 0) }
}
