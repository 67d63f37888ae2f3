import Foundation

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Little-endian helpers, the output sink and the file plumbing shared by the compound-file writer and reader
// and by the package encryptor/decryptor. Everything here is internal.

extension Array where Element == UInt8 {
    mutating func appendLE16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func appendLE32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendLE64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A UTF-16LE string preceded by its byte length as a 32-bit integer and zero-padded to a multiple of four
    /// (the UNICODE-LENGTH-PREFIXED-PADDED string of MS-OFFCRYPTO 2.1.2).
    mutating func appendUnicodeLengthPrefixedPadded(_ string: String) {
        let units = [UInt16](string.utf16)
        appendLE32(UInt32(units.count * 2))
        for unit in units { appendLE16(unit) }
        let padding = (4 - (units.count * 2) % 4) % 4
        append(contentsOf: repeatElement(0, count: padding))
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a little-endian integer at `offset`; the caller has checked the bounds.
    func le16(_ offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    func le32(_ offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(self[offset + index]) << UInt32(8 * index) }
        return value
    }

    func le64(_ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(self[offset + index]) << UInt64(8 * index) }
        return value
    }
}

extension Array where Element == UInt8 {
    func le32(_ offset: Int) -> UInt32 {
        withUnsafeBytes { $0.le32(offset) }
    }

    /// `withUnsafeBytes` for a body that throws ``VaultCryptoError`` (the standard one only rethrows untyped).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(VaultCryptoError) -> R) throws(VaultCryptoError) -> R {
        let result: Result<R, VaultCryptoError> = withUnsafeBytes { raw in
            Result { () throws(VaultCryptoError) in try body(raw) }
        }
        return try result.get()
    }
}

/// `count` bytes from the system's cryptographically secure generator.
func secureRandomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: count)
    var index = 0
    while index < count {
        var word = generator.next()
        for _ in 0..<8 where index < count {
            bytes[index] = UInt8(truncatingIfNeeded: word)
            word >>= 8
            index += 1
        }
    }
    return bytes
}

/// Compares two byte sequences without an early exit on the first difference.
func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
}

/// Where the bytes of a compound file or of a decrypted package go: an array in memory or a file written through
/// a buffer of about a megabyte, so that file-to-file operations never hold a whole document.
final class ByteSink {
    private enum Target {
        case memory
        case file(FileHandle, path: String)
    }

    private static let flushThreshold = 1 << 20

    private let target: Target
    /// The bytes written so far (memory sinks) or not yet flushed (file sinks).
    private(set) var buffer: [UInt8] = []
    /// Everything written, flushed or not.
    private(set) var count = 0

    /// A sink that keeps everything in memory; `expectedSize` reserves the capacity once.
    init(expectedSize: Int) {
        target = .memory
        buffer.reserveCapacity(expectedSize)
    }

    /// A sink that appends to an open file.
    init(file handle: FileHandle, path: String) {
        target = .file(handle, path: path)
        buffer.reserveCapacity(Self.flushThreshold + 8192)
    }

    /// Reserves room for `total` bytes in a memory sink; file sinks ignore it.
    func reserve(_ total: Int) {
        if case .memory = target { buffer.reserveCapacity(total) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(VaultCryptoError) {
        buffer.append(contentsOf: bytes)
        count += bytes.count
        try flushIfNeeded()
    }

    func write(_ bytes: [UInt8]) throws(VaultCryptoError) {
        buffer.append(contentsOf: bytes)
        count += bytes.count
        try flushIfNeeded()
    }

    func write(_ data: Data) throws(VaultCryptoError) {
        buffer.append(contentsOf: data)
        count += data.count
        try flushIfNeeded()
    }

    func writeRepeating(_ byte: UInt8, count repeats: Int) throws(VaultCryptoError) {
        guard repeats > 0 else { return }
        buffer.append(contentsOf: repeatElement(byte, count: repeats))
        count += repeats
        try flushIfNeeded()
    }

    /// Writes out whatever a file sink still buffers. Memory sinks keep their bytes in ``buffer``.
    func flush() throws(VaultCryptoError) {
        guard case .file(let handle, let path) = target, !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw VaultCryptoError(.fileAccess, "cannot write \(path): \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Hands over the bytes of a memory sink.
    func takeBytes() -> [UInt8] {
        precondition({ if case .memory = target { return true } else { return false } }(), "not a memory sink")
        let bytes = buffer
        buffer = []
        return bytes
    }

    private func flushIfNeeded() throws(VaultCryptoError) {
        if case .file = target, buffer.count >= Self.flushThreshold { try flush() }
    }
}

/// A file being written under a temporary name next to its destination and renamed into place only when complete,
/// so that a failed encryption leaves no half-written document and a failed decryption leaves no unverified
/// plaintext behind. The file is created readable and writable by its owner only.
final class AtomicOutputFile {
    let destination: URL
    let temporaryURL: URL
    let handle: FileHandle
    private var finished = false

    init(destination: URL) throws(VaultCryptoError) {
        self.destination = destination
        let directory = destination.deletingLastPathComponent()
        temporaryURL = directory.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial")
        let created = FileManager.default.createFile(
            atPath: temporaryURL.path, contents: nil, attributes: [.posixPermissions: 0o600]
        )
        guard created, let handle = FileHandle(forWritingAtPath: temporaryURL.path) else {
            throw VaultCryptoError(.fileAccess, "cannot create a file in \(directory.path)")
        }
        self.handle = handle
    }

    /// Closes the file and renames it to the destination, replacing any file there.
    func commit() throws(VaultCryptoError) {
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            discard()
            throw VaultCryptoError(.fileAccess, "cannot write \(destination.path): \(error.localizedDescription)")
        }
        guard rename(temporaryURL.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw VaultCryptoError(.fileAccess, "cannot move the finished file to \(destination.path): \(reason)")
        }
        finished = true
    }

    /// Closes and deletes the temporary file.
    func discard() {
        guard !finished else { return }
        finished = true
        try? handle.close()
        try? FileManager.default.removeItem(at: temporaryURL)
    }

    deinit { discard() }
}

/// Opens `url` for reading and returns the handle and the file's size.
func openForReading(_ url: URL) throws(VaultCryptoError) -> (FileHandle, Int) {
    let handle: FileHandle
    do {
        handle = try FileHandle(forReadingFrom: url)
    } catch {
        throw VaultCryptoError(.fileAccess, "cannot open \(url.path): \(error.localizedDescription)")
    }
    do {
        let end = try handle.seekToEnd()
        try handle.seek(toOffset: 0)
        guard end <= UInt64(Int.max) else { throw VaultCryptoError(.invalidInput, "\(url.path) is too large") }
        return (handle, Int(end))
    } catch let error as VaultCryptoError {
        throw error
    } catch {
        throw VaultCryptoError(.fileAccess, "cannot read \(url.path): \(error.localizedDescription)")
    }
}
