#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif
import NIOCore

/// Streams a text body, replacing absolute links to the upstream origin with the proxy's origin.
///
/// Runs on uncompressed textual bodies (HTML, CSS, JavaScript, JSON, XML, plain text). A spelling of the upstream
/// origin may be split across two chunks, so the last `longest - 1` bytes of every chunk are held back until the
/// next one arrives: the output is the same for every chunking of the body, and memory stays bounded.
///
/// It is on the path of every admin page, so it scans with `memchr` for the first byte of each spelling and compares
/// with `memcmp`; only the held-back tail is ever copied.
final class LinkRewriteTransform: ResponseBodyTransform {
    private let patterns: [(from: [UInt8], to: [UInt8])]
    /// The distinct first bytes of the patterns ("h" for http…, "w" for ws…).
    private let firstBytes: [UInt8]
    private let holdBack: Int
    private var pending = ByteBuffer()

    init(rewriter: OriginRewriter) {
        self.patterns = rewriter.upstreamSpellings.map { (Array($0.utf8), Array(rewriter.replacement(for: $0).utf8)) }
        self.firstBytes = Array(Set(self.patterns.compactMap(\.from.first))).sorted()
        self.holdBack = max(0, rewriter.longestSpelling - 1)
    }

    /// Media types whose bodies may hold absolute links.
    static func applies(to mediaType: String) -> Bool {
        mediaType.hasPrefix("text/") || mediaType == "application/json" || mediaType.hasSuffix("+json")
            || mediaType == "application/javascript" || mediaType == "application/xml" || mediaType.hasSuffix("+xml")
    }

    func process(_ chunk: ByteBuffer) throws -> ByteBuffer {
        if self.pending.readableBytes == 0 {
            return self.rewrite(chunk, final: false)
        }
        var work = self.pending
        var chunk = chunk
        work.writeBuffer(&chunk)
        return self.rewrite(work, final: false)
    }

    func finish() throws -> ByteBuffer {
        let work = self.pending
        return self.rewrite(work, final: true)
    }

    /// Replaces every match that starts before the held-back tail; keeps the tail in `pending`.
    private func rewrite(_ input: ByteBuffer, final: Bool) -> ByteBuffer {
        input.withUnsafeReadableBytes { raw -> ByteBuffer in
            let count = raw.count
            let safeEnd = final ? count : max(0, count - self.holdBack)
            guard let base = raw.baseAddress, count > 0 else {
                self.pending.clear()
                return ByteBuffer()
            }
            var out = ByteBuffer()
            out.reserveCapacity(count + 64)
            var literalStart = 0
            var index = 0
            // Next candidate position for each first byte (count = none left).
            var next = self.firstBytes.map { self.find($0, in: base, from: 0, to: safeEnd) }
            while true {
                guard let candidate = next.min(), candidate < safeEnd else { break }
                index = candidate
                var matched: (from: [UInt8], to: [UInt8])? = nil
                for pattern in self.patterns where index + pattern.from.count <= count {
                    let equal = pattern.from.withUnsafeBytes { memcmp(base + index, $0.baseAddress!, $0.count) == 0 }
                    if equal {
                        matched = pattern
                        break
                    }
                }
                if let matched {
                    out.writeBytes(UnsafeRawBufferPointer(start: base + literalStart, count: index - literalStart))
                    out.writeBytes(matched.to)
                    index += matched.from.count
                    literalStart = index
                } else {
                    index += 1
                }
                for slot in next.indices where next[slot] < index {
                    next[slot] = self.find(self.firstBytes[slot], in: base, from: index, to: safeEnd)
                }
            }
            let emitEnd = max(literalStart, safeEnd)
            out.writeBytes(UnsafeRawBufferPointer(start: base + literalStart, count: emitEnd - literalStart))
            self.pending.clear()
            if emitEnd < count {
                self.pending.writeBytes(UnsafeRawBufferPointer(start: base + emitEnd, count: count - emitEnd))
            }
            return out
        }
    }

    /// Position of `byte` in `base[from..<to]`, or `to` when absent.
    private func find(_ byte: UInt8, in base: UnsafeRawPointer, from: Int, to: Int) -> Int {
        guard from < to, let hit = memchr(base + from, Int32(byte), to - from) else { return to }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}
