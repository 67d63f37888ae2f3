import CompressNIO
import NIOCore
import PIIMasking

/// Undoes and redoes a response's `Content-Encoding` around the masking stage, streaming.
///
/// gzip and deflate only: the proxy asks upstreams for nothing else (`Accept-Encoding`), and anything else that comes
/// back is refused rather than passed on unread. HTTP `deflate` is meant to be zlib-wrapped but some servers send raw
/// deflate: the first two bytes decide, and the body goes back out in the same form. Decoded size is capped
/// (`maxDecodedBytes`) against decompression bombs.
final class ContentCoding {
    enum Coding: Equatable { case gzip, deflate }

    let coding: Coding
    private var decompressor: (any NIODecompressor)?
    private var compressor: (any NIOCompressor)?
    /// Bytes of a deflate body seen before the form (zlib or raw) is known.
    private var sniffed: [UInt8] = []
    private var decoded: Int = 0
    let maxDecodedBytes: Int

    static let window = 64 * 1024

    init?(contentEncoding: String, maxDecodedBytes: Int = 1 << 30) throws(MaskingError) {
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
    func decode(_ chunk: ByteBuffer) throws(MaskingError) -> [UInt8] {
        var input = chunk
        if self.decompressor == nil {
            // deflate: zlib (RFC 1950) when the header checks out, raw (RFC 1951) otherwise.
            self.sniffed.append(contentsOf: input.readableBytesView)
            guard self.sniffed.count >= 2 else { return [] }
            let cmf = self.sniffed[0]
            let flg = self.sniffed[1]
            let zlib = cmf & 0x0f == 8 && (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0
            try self.start(zlib ? .zlib() : .deflate(), zlib ? .zlib() : .deflate())
            input = ByteBuffer(bytes: self.sniffed)
            self.sniffed = []
        }
        var output: [UInt8] = []
        do {
            try input.decompressStream(with: self.decompressor!) { window in
                output.append(contentsOf: window.readableBytesView)
            }
        } catch {
            throw MaskingError(.decompression, "the \(self.coding) body is corrupt")
        }
        self.decoded += output.count
        guard self.decoded <= self.maxDecodedBytes else {
            throw MaskingError(.tooLarge, "the decoded body passes \(self.maxDecodedBytes) bytes")
        }
        return output
    }

    /// Ends decoding: a body cut short is an error (its tail was never seen, so it cannot have been masked).
    func finishDecoding() throws(MaskingError) -> [UInt8] {
        if self.decompressor == nil {
            guard self.sniffed.isEmpty else { throw MaskingError(.decompression, "the deflate body is truncated") }
            return []
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
