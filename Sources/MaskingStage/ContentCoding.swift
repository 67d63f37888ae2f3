import CompressNIO
import NIOCore
import PIIMasking

/// Undoes and redoes a response's `Content-Encoding` around the masking stage, streaming.
///
/// gzip and deflate only: the proxy asks upstreams for nothing else (`Accept-Encoding`), and anything else that comes
/// back is refused rather than passed on unread. HTTP `deflate` is meant to be zlib-wrapped but some servers send raw
/// deflate: the first two bytes decide, and the body goes back out in the same form. Decoded size is capped
/// (`maxDecodedBytes`) against decompression bombs.
package final class ContentCoding {
    enum Coding: Equatable { case gzip, deflate }

    let coding: Coding
    private var decompressor: (any NIODecompressor)?
    private var compressor: (any NIOCompressor)?
    /// Bytes of a deflate body seen before the form (zlib or raw) is known.
    private var sniffed: [UInt8] = []
    private var decoded: Int = 0
    let maxDecodedBytes: Int
    /// The last 8 bytes of compressed input seen: gzip's trailer (CRC-32, size) or zlib's (Adler-32).
    private var tail: [UInt8] = []
    private var crc = CRC32()
    private var adler = Adler32()
    /// zlib-wrapped (true) or raw (false) deflate, once known.
    private var zlibWrapped = false

    static let window = 64 * 1024

    package init?(contentEncoding: String, maxDecodedBytes: Int = 1 << 30) throws(MaskingError) {
        switch contentEncoding {
        case "identity", "": return nil
        case "gzip", "x-gzip": self.coding = .gzip
        case "deflate": self.coding = .deflate
        default:
            throw MaskingError(.unsupportedEncoding, "content coding '\(contentEncoding)' cannot be decoded for masking")
        }
        self.maxDecodedBytes = maxDecodedBytes
        if self.coding == .gzip { try self.start(.gzip(), .gzip()) }
    }

    private func start(_ decoding: CompressionAlgorithm, _ encoding: CompressionAlgorithm) throws(MaskingError) {
        let decompressor = decoding.decompressor
        let compressor = encoding.compressor
        decompressor.window = ByteBufferAllocator().buffer(capacity: Self.window)
        compressor.window = ByteBufferAllocator().buffer(capacity: Self.window)
        do {
            try decompressor.startStream()
            try compressor.startStream()
        } catch {
            throw MaskingError(.decompression, "cannot start the \(self.coding) stream")
        }
        self.decompressor = decompressor
        self.compressor = compressor
    }

    /// Decodes the next compressed chunk.
    package func decode(_ chunk: ByteBuffer) throws(MaskingError) -> [UInt8] {
        var input = chunk
        if self.decompressor == nil {
            // deflate: zlib (RFC 1950) when the header checks out, raw (RFC 1951) otherwise.
            self.sniffed.append(contentsOf: input.readableBytesView)
            guard self.sniffed.count >= 2 else { return [] }
            let cmf = self.sniffed[0]
            let flg = self.sniffed[1]
            let zlib = cmf & 0x0f == 8 && (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0
            try self.start(zlib ? .zlib() : .deflate(), zlib ? .zlib() : .deflate())
            self.zlibWrapped = zlib
            input = ByteBuffer(bytes: self.sniffed)
            self.sniffed = []
        }
        self.tail.append(contentsOf: input.readableBytesView.suffix(8))
        if self.tail.count > 8 { self.tail.removeFirst(self.tail.count - 8) }
        var output: [UInt8] = []
        do {
            try input.decompressStream(with: self.decompressor!) { window in
                output.append(contentsOf: window.readableBytesView)
            }
        } catch {
            throw MaskingError(.decompression, "the \(self.coding) body is corrupt")
        }
        self.decoded += output.count
        switch self.coding {
        case .gzip: self.crc.update(output)
        case .deflate: if self.zlibWrapped { self.adler.update(output) }
        }
        guard self.decoded <= self.maxDecodedBytes else {
            throw MaskingError(.tooLarge, "the decoded body passes \(self.maxDecodedBytes) bytes")
        }
        return output
    }

    /// Ends decoding. A body cut short or corrupted is an error: its trailer must match what was decoded (gzip: CRC-32
    /// and size; zlib: Adler-32). zlib's own end-of-stream status is not visible through CompressNIO, so the trailers
    /// are checked here. Raw deflate has no trailer; its end cannot be verified.
    package func finishDecoding() throws(MaskingError) -> [UInt8] {
        if self.decompressor == nil {
            guard self.sniffed.isEmpty else { throw MaskingError(.decompression, "the deflate body is truncated") }
            return []
        }
        switch self.coding {
        case .gzip:
            guard self.tail.count == 8 else { throw MaskingError(.decompression, "the gzip body is truncated") }
            let crc = UInt32(self.tail[0]) | UInt32(self.tail[1]) << 8 | UInt32(self.tail[2]) << 16 | UInt32(self.tail[3]) << 24
            let size = UInt32(self.tail[4]) | UInt32(self.tail[5]) << 8 | UInt32(self.tail[6]) << 16 | UInt32(self.tail[7]) << 24
            guard crc == self.crc.value, size == UInt32(truncatingIfNeeded: self.decoded) else {
                throw MaskingError(.decompression, "the gzip body is truncated or corrupt (its trailer does not match)")
            }
        case .deflate where self.zlibWrapped:
            guard self.tail.count >= 4 else { throw MaskingError(.decompression, "the deflate body is truncated") }
            let trailer = self.tail.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard trailer == self.adler.value else {
                throw MaskingError(.decompression, "the deflate body is truncated or corrupt (its Adler-32 does not match)")
            }
        case .deflate:
            break
        }
        do {
            try self.decompressor!.finishStream()
        } catch {
            throw MaskingError(.decompression, "the \(self.coding) body is truncated")
        }
        return []
    }

    /// Encodes masked bytes, flushing so the browser gets them now.
    func encode(_ bytes: [UInt8]) throws(MaskingError) -> ByteBuffer {
        guard let compressor = self.compressor else {
            // A deflate body whose first two bytes have not arrived: nothing to encode yet.
            precondition(bytes.isEmpty, "masked output before the coding is known")
            return ByteBuffer()
        }
        var input = ByteBuffer(bytes: bytes)
        var output = ByteBuffer()
        guard !bytes.isEmpty else { return output }
        do {
            try input.compressStream(with: compressor, flush: .sync) { window in
                var copy = window
                output.writeBuffer(&copy)
            }
        } catch {
            throw MaskingError(.decompression, "cannot re-encode the masked body")
        }
        return output
    }

    /// The encoded stream's end.
    func finishEncoding(_ bytes: [UInt8]) throws(MaskingError) -> ByteBuffer {
        guard let compressor = self.compressor else { return ByteBuffer() }
        var input = ByteBuffer(bytes: bytes)
        var output = ByteBuffer()
        do {
            try input.compressStream(with: compressor, flush: .finish) { window in
                var copy = window
                output.writeBuffer(&copy)
            }
            try compressor.finishStream()
        } catch {
            throw MaskingError(.decompression, "cannot finish the re-encoded body")
        }
        return output
    }
}

/// CRC-32 (IEEE 802.3, as gzip uses it), table-driven.
struct CRC32 {
    static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }
    private var state: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: [UInt8]) {
        var state = self.state
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes { state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8) }
        }
        self.state = state
    }

    var value: UInt32 { self.state ^ 0xFFFF_FFFF }
}

/// Adler-32 (RFC 1950), zlib's trailer.
struct Adler32 {
    private var a: UInt32 = 1
    private var b: UInt32 = 0

    mutating func update(_ bytes: [UInt8]) {
        var start = 0
        while start < bytes.count {
            // 5552 bytes keep the sums below 2^32 before the modulo (zlib's NMAX).
            let end = min(bytes.count, start + 5552)
            for index in start..<end {
                self.a &+= UInt32(bytes[index])
                self.b &+= self.a
            }
            self.a %= 65521
            self.b %= 65521
            start = end
        }
    }

    var value: UInt32 { self.b << 16 | self.a }
}
