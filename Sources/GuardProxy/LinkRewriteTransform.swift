import NIOCore

/// Streams a text body, replacing absolute links to the upstream origin with the proxy's origin.
///
/// Runs on uncompressed textual bodies (HTML, CSS, JavaScript, JSON, XML, plain text). A spelling of the upstream
/// origin may be split across two chunks, so the last `longest - 1` bytes of every chunk are held back until the
/// next one arrives: the output is the same for every chunking of the body, and memory stays bounded.
final class LinkRewriteTransform: ResponseBodyTransform {
    private let patterns: [(from: [UInt8], to: [UInt8])]
    private let holdBack: Int
    private var pending: [UInt8] = []

    init(rewriter: OriginRewriter) {
        self.patterns = rewriter.upstreamSpellings.map { (Array($0.utf8), Array(rewriter.replacement(for: $0).utf8)) }
        self.holdBack = max(0, rewriter.longestSpelling - 1)
    }

    /// Media types whose bodies may hold absolute links.
    static func applies(to mediaType: String) -> Bool {
        mediaType.hasPrefix("text/") || mediaType == "application/json" || mediaType.hasSuffix("+json")
            || mediaType == "application/javascript" || mediaType == "application/xml" || mediaType.hasSuffix("+xml")
            || mediaType == "application/xhtml+xml"
    }

    func process(_ chunk: ByteBuffer) throws -> ByteBuffer {
        self.pending.append(contentsOf: chunk.readableBytesView)
        return self.drain(final: false)
    }

    func finish() throws -> ByteBuffer { self.drain(final: true) }

    /// Replaces every complete match in `pending` and emits everything that can no longer start a match.
    private func drain(final: Bool) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(self.pending.count)
        let count = self.pending.count
        let safeEnd = final ? count : max(0, count - self.holdBack)
        var index = 0
        var literalStart = 0
        self.pending.withUnsafeBufferPointer { bytes in
            scan: while index < count {
                // Only a match that starts before safeEnd may be taken; it may extend into the held-back tail.
                if index >= safeEnd { break scan }
                if bytes[index] == UInt8(ascii: "h") || bytes[index] == UInt8(ascii: "w") {
                    for pattern in self.patterns where index + pattern.from.count <= count {
                        if bytes[index..<(index + pattern.from.count)].elementsEqual(pattern.from) {
                            out.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[literalStart..<index]))
                            out.writeBytes(pattern.to)
                            index += pattern.from.count
                            literalStart = index
                            continue scan
                        }
                    }
                }
                index += 1
            }
            let emitEnd = max(literalStart, min(index, safeEnd))
            out.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[literalStart..<emitEnd]))
            literalStart = emitEnd
        }
        self.pending.removeFirst(literalStart)
        return out
    }
}
