/// Masks one response body of one content type as it streams through, chunk by chunk.
///
/// One instance per response (not shared, not `Sendable`). Implementations cut the body into text units (text nodes,
/// attribute values, JSON strings, CSV cells, lines), hand each to `TextMasker` with its field label, and pass all
/// structure through byte for byte. Two promises every implementation keeps and tests:
/// - **Chunking does not matter**: any split of the same body gives byte-identical output (a value split across
///   chunks is still masked). Units are held back until complete.
/// - **Bounded memory**: a unit longer than `maxUnitBytes` is cut at a boundary that depends only on its content
///   (never on chunking), so a body of any size streams with memory bounded by a few units.
/// Input that cannot be parsed (invalid UTF-8, broken JSON) throws `MaskingError`: the proxy then fails closed.
public protocol BodyMasker: AnyObject {
    /// The next chunk; returns what can be released now (possibly nothing).
    func process(_ chunk: [UInt8]) throws(MaskingError) -> [UInt8]
    /// The same for a chunk in memory the caller owns (read during the call only): no array to build for it.
    func process(contentsOf chunk: UnsafeBufferPointer<UInt8>) throws(MaskingError) -> [UInt8]
    /// The end of the body: everything held back.
    func finish() throws(MaskingError) -> [UInt8]
    /// What was masked so far, by kind.
    var tally: MaskTally { get }
}

extension BodyMasker {
    /// For maskers with no pointer path of their own: the chunk copied into an array.
    public func process(contentsOf chunk: UnsafeBufferPointer<UInt8>) throws(MaskingError) -> [UInt8] {
        try self.process(Array(chunk))
    }

    /// A whole body fed in chunks of `chunkSizes` bytes (cycled; empty: one chunk), then `finish()`: how the tools, the
    /// fuzzer and the tests drive a scanner the way the proxy does. `eachRelease` sees every piece released.
    public func maskWhole(_ body: [UInt8], chunkSizes: [Int] = [], eachRelease: ([UInt8]) -> Void = { _ in })
        throws(MaskingError) -> [UInt8]
    {
        var output: [UInt8] = []
        output.reserveCapacity(body.count + body.count / 8)
        try body.withUnsafeBufferPointer { (whole: UnsafeBufferPointer<UInt8>) throws(MaskingError) in
            var position = 0
            var step = 0
            while position < whole.count {
                let size = chunkSizes.isEmpty ? whole.count : max(chunkSizes[step % chunkSizes.count], 1)
                let end = min(whole.count, position + size)
                let piece = try self.process(contentsOf: UnsafeBufferPointer(rebasing: whole[position..<end]))
                eachRelease(piece)
                output.append(contentsOf: piece)
                position = end
                step += 1
            }
        }
        let tail = try self.finish()
        eachRelease(tail)
        output.append(contentsOf: tail)
        return output
    }
}

/// Why a body could not be masked (and so must not be passed on).
public struct MaskingError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidUTF8 = "invalid_utf8"
        case malformed
        case tooLarge = "too_large"
        case unsupportedEncoding = "unsupported_encoding"
        case decompression
        /// A body on a personal-information menu whose media type is neither masked nor allowed to pass
        /// (`pass_through_types` in rules/menus.yaml): refused, never passed unread.
        case unmaskableType = "unmaskable_type"
        /// A partial body (206) on a menu: a range cuts labels from their values, so it cannot be masked safely.
        case partialContent = "partial_content"
    }
    public let kind: Kind
    /// What and where, never the body's content.
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(self.kind.rawValue): \(self.detail)" }
}

/// Upper bound of one text unit before it is cut (64 KiB): far above any name, phone or address, small enough that
/// a body of any size streams in flat memory.
public let maxUnitBytes = 64 * 1024
