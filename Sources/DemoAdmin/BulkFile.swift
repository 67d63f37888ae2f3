import Hummingbird
import NIOCore

/// The large download used by the proxy benchmarks: N MiB of deterministic bytes in 64 KiB
/// chunks with a Content-Length, written from one shared buffer so memory stays flat.
enum BulkFile {
    static let chunkSize = 64 * 1024

    static func pattern(seed: UInt64) -> ByteBuffer {
        var rng = SplitMix64(seed: seed, stream: 40, index: 0)
        var buffer = ByteBufferAllocator().buffer(capacity: chunkSize)
        for _ in 0..<(chunkSize / 8) {
            buffer.writeInteger(rng.next(), endianness: .little)
        }
        return buffer
    }

    static func response(mebibytes: Int, pattern: ByteBuffer) -> Response {
        let total = mebibytes * 1024 * 1024
        let body = ResponseBody(contentLength: total) { writer in
            var remaining = total
            while remaining > 0 {
                let n = min(remaining, chunkSize)
                try await writer.write(n == chunkSize ? pattern : pattern.getSlice(at: pattern.readerIndex, length: n)!)
                remaining -= n
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/octet-stream",
                .contentDisposition: "attachment; filename=\"bulk-\(mebibytes)mb.bin\"",
                .cacheControl: "no-store",
            ],
            body: body)
    }
}

/// 64-bit FNV-1a, an incremental checksum so uploads can be verified without buffering them
/// (and without pulling a crypto library into the demo).
struct FNV1a64: Sendable {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var h = value
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        value = h
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
