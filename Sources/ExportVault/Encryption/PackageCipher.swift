import Foundation

/// The plaintext package being encrypted: bytes already in memory, or a file read a megabyte at a time.
enum PackageSource {
    case memory(UnsafeRawBufferPointer)
    case file(FileHandle, path: String, size: Int)

    static let fileChunkSize = 1 << 20

    var size: Int {
        switch self {
        case .memory(let bytes): bytes.count
        case .file(_, _, let size): size
        }
    }

    /// Passes the whole package to `body` in order, in pieces of any size.
    func forEachPiece(_ body: (UnsafeRawBufferPointer) throws(VaultCryptoError) -> Void) throws(VaultCryptoError) {
        switch self {
        case .memory(let bytes):
            if !bytes.isEmpty { try body(bytes) }
        case .file(let handle, let path, let size):
            var remaining = size
            while remaining > 0 {
                let data: Data?
                do {
                    data = try handle.read(upToCount: min(Self.fileChunkSize, remaining))
                } catch {
                    throw VaultCryptoError(.fileAccess, "cannot read \(path): \(error.localizedDescription)")
                }
                guard let data, !data.isEmpty else {
                    throw VaultCryptoError(.fileAccess, "\(path) became shorter while it was being encrypted")
                }
                remaining -= data.count
                let result: Result<Void, VaultCryptoError> = data.withUnsafeBytes { raw in
                    Result { () throws(VaultCryptoError) in try body(raw) }
                }
                try result.get()
            }
            let extra = try? handle.read(upToCount: 1)
            guard extra?.isEmpty ?? true else {
                throw VaultCryptoError(.fileAccess, "\(path) grew while it was being encrypted")
            }
        }
    }
}

/// Encrypts and decrypts the EncryptedPackage stream ([MS-OFFCRYPTO] 2.3.4.4, 2.3.4.15) and derives the keys of
/// agile encryption. Internal: ``AgileEncryption`` is the public face.
enum PackageCipher {
    static let segmentSize = 4096

    /// The size of the EncryptedPackage stream for a package of `plainSize` bytes: the 8-byte size, then the data
    /// padded to whole AES blocks.
    static func encryptedStreamSize(plainSize: Int) -> Int {
        8 + (plainSize + 15) / 16 * 16
    }

    // MARK: - Encryption

    /// Writes the complete compound file for `source` into `sink`.
    static func encrypt(
        _ source: PackageSource, password: String, spinCount: Int, into sink: ByteSink
    ) throws(VaultCryptoError) {
        try validate(password: password)
        guard (1...AgileEncryptionInfo.maxSpinCount).contains(spinCount) else {
            throw VaultCryptoError(.invalidInput, "the spin count must be between 1 and \(AgileEncryptionInfo.maxSpinCount)")
        }
        let plainSize = source.size
        let streamSize = encryptedStreamSize(plainSize: plainSize)
        guard streamSize <= CompoundFile.version3MaxStreamSize else {
            throw VaultCryptoError(.invalidInput, "packages larger than 2 GiB cannot be stored in an encrypted Office document")
        }

        var info = AgileEncryptionInfo()
        info.spinCount = spinCount
        let hash = info.keyData.hashAlgorithm
        let blockSize = info.keyData.blockSize
        info.passwordKey.salt = secureRandomBytes(info.passwordKey.saltSize)
        info.keyData.salt = secureRandomBytes(info.keyData.saltSize)
        let packageKey = secureRandomBytes(info.keyData.keyBytes)
        let verifier = secureRandomBytes(info.passwordKey.saltSize)
        let hmacKey = secureRandomBytes(info.keyData.hashSize)

        // The password key encryptor.
        let passwordHash = info.passwordKey.hashAlgorithm.iteratedPasswordHash(
            password: password, salt: info.passwordKey.salt, spinCount: spinCount
        )
        let passwordIV = AgileCrypto.fit(info.passwordKey.salt, to: info.passwordKey.blockSize)
        func passwordKeyFor(_ blockKey: [UInt8]) -> [UInt8] {
            AgileCrypto.derivedKey(
                passwordHash: passwordHash, blockKey: blockKey,
                hash: info.passwordKey.hashAlgorithm, keyBytes: info.passwordKey.keyBytes
            )
        }
        info.encryptedVerifierHashInput = Array(try AgileCrypto.encryptCBC(
            AgileCrypto.zeroPadded(verifier), key: passwordKeyFor(AgileBlockKey.verifierHashInput), iv: passwordIV
        ))
        info.encryptedVerifierHashValue = Array(try AgileCrypto.encryptCBC(
            AgileCrypto.zeroPadded(info.passwordKey.hashAlgorithm.hash(verifier)),
            key: passwordKeyFor(AgileBlockKey.verifierHashValue), iv: passwordIV
        ))
        info.encryptedKeyValue = Array(try AgileCrypto.encryptCBC(
            AgileCrypto.zeroPadded(packageKey), key: passwordKeyFor(AgileBlockKey.encryptedKeyValue), iv: passwordIV
        ))

        // The HMAC key is known now; the HMAC value only once the package is encrypted. Both have fixed sizes, so
        // the size of the EncryptionInfo stream is known before its content.
        info.encryptedHmacKey = Array(try AgileCrypto.encryptCBC(
            AgileCrypto.zeroPadded(hmacKey), key: packageKey,
            iv: AgileCrypto.iv(salt: info.keyData.salt, blockKey: AgileBlockKey.hmacKey, hash: hash, blockSize: blockSize)
        ))
        info.encryptedHmacValue = [UInt8](repeating: 0, count: (hash.digestSize + 15) / 16 * 16)
        let infoSize = info.bytes().count

        final class IntegrityState {
            var hmac: IncrementalHMAC
            var value: [UInt8]?
            init(_ hmac: IncrementalHMAC) { self.hmac = hmac }
        }
        let integrity = IntegrityState(hash.makeHMAC(key: hmacKey))
        let keyDataSalt = info.keyData.salt
        let descriptor = info

        let writer = try container(packageStreamSize: streamSize, infoSize: infoSize) { output throws(VaultCryptoError) in
            var header: [UInt8] = []
            header.appendLE64(UInt64(plainSize))
            try output.write(header)
            integrity.hmac.update(header)
            var segments = SegmentEncryptor(key: packageKey, salt: keyDataSalt, hash: hash, blockSize: blockSize)
            let emit = { (encrypted: Data) throws(VaultCryptoError) in
                try output.write(encrypted)
                encrypted.withUnsafeBytes { integrity.hmac.update($0) }
            }
            try source.forEachPiece { piece throws(VaultCryptoError) in try segments.add(piece, emit: emit) }
            try segments.finish(emit: emit)
            integrity.value = integrity.hmac.finalize()
        } info: { output throws(VaultCryptoError) in
            guard let value = integrity.value else {
                throw VaultCryptoError(.invalidInput, "internal error: EncryptionInfo written before EncryptedPackage")
            }
            var finished = descriptor
            finished.encryptedHmacValue = Array(try AgileCrypto.encryptCBC(
                AgileCrypto.zeroPadded(value), key: packageKey,
                iv: AgileCrypto.iv(salt: keyDataSalt, blockKey: AgileBlockKey.hmacValue, hash: hash, blockSize: blockSize)
            ))
            try output.write(finished.bytes())
        }
        sink.reserve(writer.fileSize())
        try writer.write(to: sink)
    }

    /// The compound file of an encrypted document: EncryptedPackage first (its producer runs first and computes
    /// the HMAC), then EncryptionInfo, then the `\x06DataSpaces` storage.
    static func container(
        packageStreamSize: Int, infoSize: Int,
        package: @escaping CompoundFileWriter.Producer, info: @escaping CompoundFileWriter.Producer
    ) throws(VaultCryptoError) -> CompoundFileWriter {
        var writer = CompoundFileWriter(version: .v3)
        try writer.addStream(["EncryptedPackage"], size: packageStreamSize, producer: package)
        try writer.addStream(["EncryptionInfo"], size: infoSize, producer: info)
        for stream in DataSpaces.streams {
            try writer.addStream(stream.path, bytes: stream.bytes)
        }
        return writer
    }

    /// The size of the EncryptionInfo stream this module writes (all its fields have fixed sizes).
    static func encryptionInfoSize(spinCount: Int) -> Int {
        var info = AgileEncryptionInfo()
        info.spinCount = spinCount
        info.passwordKey.salt = [UInt8](repeating: 0, count: info.passwordKey.saltSize)
        info.keyData.salt = [UInt8](repeating: 0, count: info.keyData.saltSize)
        info.encryptedVerifierHashInput = [UInt8](repeating: 0, count: 16)
        info.encryptedVerifierHashValue = [UInt8](repeating: 0, count: 64)
        info.encryptedKeyValue = [UInt8](repeating: 0, count: 32)
        info.encryptedHmacKey = [UInt8](repeating: 0, count: 64)
        info.encryptedHmacValue = [UInt8](repeating: 0, count: 64)
        return info.bytes().count
    }

    /// Office refuses empty passwords (an empty password means "not encrypted") and passwords over 255 characters.
    static func validate(password: String) throws(VaultCryptoError) {
        let length = password.utf16.count
        guard length > 0 else { throw VaultCryptoError(.invalidInput, "the password is empty") }
        guard length <= 255 else {
            throw VaultCryptoError(.invalidInput, "the password has \(length) characters; Office accepts at most 255")
        }
    }

    /// Cuts the package into 4096-byte segments and encrypts each with its own IV; the last segment is padded with
    /// zero bytes to a whole AES block.
    struct SegmentEncryptor {
        let key: [UInt8]
        let salt: [UInt8]
        let hash: AgileHashAlgorithm
        let blockSize: Int
        private var staging: [UInt8] = []
        private var index = 0

        init(key: [UInt8], salt: [UInt8], hash: AgileHashAlgorithm, blockSize: Int) {
            self.key = key
            self.salt = salt
            self.hash = hash
            self.blockSize = blockSize
            staging.reserveCapacity(PackageCipher.segmentSize)
        }

        mutating func add(
            _ piece: UnsafeRawBufferPointer, emit: (Data) throws(VaultCryptoError) -> Void
        ) throws(VaultCryptoError) {
            var offset = 0
            let segmentSize = PackageCipher.segmentSize
            while offset < piece.count {
                if staging.isEmpty && piece.count - offset >= segmentSize {
                    try emit(encryptSegment(UnsafeRawBufferPointer(rebasing: piece[offset..<(offset + segmentSize)])))
                    offset += segmentSize
                } else {
                    let take = min(segmentSize - staging.count, piece.count - offset)
                    staging.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[offset..<(offset + take)]))
                    offset += take
                    if staging.count == segmentSize {
                        let segment = staging
                        staging.removeAll(keepingCapacity: true)
                        try emit(segment.withBytes { raw throws(VaultCryptoError) in try encryptSegment(raw) })
                    }
                }
            }
        }

        mutating func finish(emit: (Data) throws(VaultCryptoError) -> Void) throws(VaultCryptoError) {
            guard !staging.isEmpty else { return }
            let segment = AgileCrypto.zeroPadded(staging, blockSize: blockSize)
            staging.removeAll()
            try emit(segment.withBytes { raw throws(VaultCryptoError) in try encryptSegment(raw) })
        }

        private mutating func encryptSegment(_ plaintext: UnsafeRawBufferPointer) throws(VaultCryptoError) -> Data {
            let iv = AgileCrypto.segmentIV(salt: salt, index: index, hash: hash, blockSize: blockSize)
            index += 1
            return try AgileCrypto.encryptCBC(plaintext, key: key, iv: iv)
        }
    }

    // MARK: - Decryption

    /// Opens the compound file in `file`, checks the password, decrypts the package into `sink` and verifies the
    /// HMAC over the EncryptedPackage stream. On any error the sink's content must be discarded.
    static func decrypt(
        _ file: UnsafeRawBufferPointer, password: String, into sink: ByteSink
    ) throws(VaultCryptoError) {
        let reader = try CompoundFileReader(file)
        guard let infoEntry = try reader.entry(at: ["EncryptionInfo"]), infoEntry.type == .stream else {
            throw VaultCryptoError(.notEncrypted, "no EncryptionInfo stream")
        }
        guard let packageEntry = try reader.entry(at: ["EncryptedPackage"]), packageEntry.type == .stream else {
            throw VaultCryptoError(.notEncrypted, "no EncryptedPackage stream")
        }
        let info = try AgileEncryptionInfo(stream: reader.read(infoEntry, limit: AgileEncryptionInfo.maxStreamSize))
        let packageKey = try unlockPackageKey(info, password: password)

        let keyData = info.keyData
        let hmacKey = try AgileCrypto.decryptCBC(
            info.encryptedHmacKey, key: packageKey,
            iv: AgileCrypto.iv(salt: keyData.salt, blockKey: AgileBlockKey.hmacKey, hash: keyData.hashAlgorithm, blockSize: keyData.blockSize)
        )
        let expectedHMAC = try AgileCrypto.decryptCBC(
            info.encryptedHmacValue, key: packageKey,
            iv: AgileCrypto.iv(salt: keyData.salt, blockKey: AgileBlockKey.hmacValue, hash: keyData.hashAlgorithm, blockSize: keyData.blockSize)
        )
        guard hmacKey.count >= keyData.hashSize, expectedHMAC.count >= keyData.hashSize else {
            throw .corrupt("the encrypted HMAC key or value is too short")
        }
        var hmac = keyData.hashAlgorithm.makeHMAC(key: Array(hmacKey.prefix(keyData.hashSize)))

        guard packageEntry.size >= 8 else { throw .corrupt("the EncryptedPackage stream is too short") }
        guard packageEntry.size <= file.count else { throw .corrupt("the EncryptedPackage stream is larger than the file") }
        var decryptor = SegmentDecryptor(
            key: packageKey, salt: keyData.salt, hash: keyData.hashAlgorithm,
            blockSize: keyData.blockSize, streamSize: packageEntry.size
        )
        try reader.forEachPiece(of: packageEntry) { piece throws(VaultCryptoError) in
            hmac.update(piece)
            try decryptor.add(piece, sink: sink)
        }
        try decryptor.finish(sink: sink)
        guard constantTimeEquals(hmac.finalize(), Array(expectedHMAC.prefix(keyData.hashSize))) else {
            throw VaultCryptoError(.integrityCheckFailed, "the HMAC of the EncryptedPackage stream does not match")
        }
    }

    /// Derives the password keys, checks the verifier and decrypts the package key.
    static func unlockPackageKey(_ info: AgileEncryptionInfo, password: String) throws(VaultCryptoError) -> [UInt8] {
        let parameters = info.passwordKey
        let hash = parameters.hashAlgorithm
        let passwordHash = hash.iteratedPasswordHash(password: password, salt: parameters.salt, spinCount: info.spinCount)
        let iv = AgileCrypto.fit(parameters.salt, to: parameters.blockSize)
        func key(_ blockKey: [UInt8]) -> [UInt8] {
            AgileCrypto.derivedKey(passwordHash: passwordHash, blockKey: blockKey, hash: hash, keyBytes: parameters.keyBytes)
        }
        let verifierInput = try AgileCrypto.decryptCBC(
            info.encryptedVerifierHashInput, key: key(AgileBlockKey.verifierHashInput), iv: iv
        )
        let verifierHash = try AgileCrypto.decryptCBC(
            info.encryptedVerifierHashValue, key: key(AgileBlockKey.verifierHashValue), iv: iv
        )
        guard verifierInput.count >= parameters.saltSize, verifierHash.count >= parameters.hashSize else {
            throw .corrupt("the password verifier is too short")
        }
        let actual = hash.hash(Array(verifierInput.prefix(parameters.saltSize)))
        guard constantTimeEquals(actual, Array(verifierHash.prefix(parameters.hashSize))) else {
            throw VaultCryptoError(.wrongPassword)
        }
        let packageKey = try AgileCrypto.decryptCBC(info.encryptedKeyValue, key: key(AgileBlockKey.encryptedKeyValue), iv: iv)
        guard packageKey.count >= info.keyData.keyBytes else { throw .corrupt("the encrypted package key is too short") }
        return Array(packageKey.prefix(info.keyData.keyBytes))
    }

    /// Reads the 8-byte size, then decrypts 4096-byte segments as the stream arrives and writes exactly the
    /// declared number of bytes.
    struct SegmentDecryptor {
        let key: [UInt8]
        let salt: [UInt8]
        let hash: AgileHashAlgorithm
        let blockSize: Int
        let streamSize: Int
        private var header: [UInt8] = []
        private var remaining = 0
        private var staging: [UInt8] = []
        private var index = 0

        init(key: [UInt8], salt: [UInt8], hash: AgileHashAlgorithm, blockSize: Int, streamSize: Int) {
            self.key = key
            self.salt = salt
            self.hash = hash
            self.blockSize = blockSize
            self.streamSize = streamSize
            staging.reserveCapacity(PackageCipher.segmentSize)
        }

        mutating func add(_ piece: UnsafeRawBufferPointer, sink: ByteSink) throws(VaultCryptoError) {
            var offset = 0
            if header.count < 8 {
                let take = min(8 - header.count, piece.count)
                header.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[0..<take]))
                offset = take
                if header.count == 8 {
                    let declared = header.withUnsafeBytes { $0.le64(0) }
                    let capacity = UInt64(streamSize - 8)
                    guard declared <= capacity else {
                        throw .corrupt("the EncryptedPackage stream declares \(declared) bytes but holds only \(capacity)")
                    }
                    remaining = Int(declared)
                    sink.reserve(remaining)
                }
            }
            let segmentSize = PackageCipher.segmentSize
            while offset < piece.count {
                if staging.isEmpty && piece.count - offset >= segmentSize {
                    try decryptSegment(UnsafeRawBufferPointer(rebasing: piece[offset..<(offset + segmentSize)]), sink: sink)
                    offset += segmentSize
                } else {
                    let take = min(segmentSize - staging.count, piece.count - offset)
                    staging.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[offset..<(offset + take)]))
                    offset += take
                    if staging.count == segmentSize {
                        let segment = staging
                        staging.removeAll(keepingCapacity: true)
                        try segment.withBytes { raw throws(VaultCryptoError) in try decryptSegment(raw, sink: sink) }
                    }
                }
            }
        }

        mutating func finish(sink: ByteSink) throws(VaultCryptoError) {
            guard header.count == 8 else { throw .corrupt("the EncryptedPackage stream is too short") }
            if !staging.isEmpty {
                let segment = staging
                staging.removeAll()
                try segment.withBytes { raw throws(VaultCryptoError) in try decryptSegment(raw, sink: sink) }
            }
            guard remaining == 0 else { throw .corrupt("the EncryptedPackage stream is truncated") }
        }

        /// Decrypts as much of `ciphertext` as the declared size still needs (whole blocks) and writes it.
        private mutating func decryptSegment(_ ciphertext: UnsafeRawBufferPointer, sink: ByteSink) throws(VaultCryptoError) {
            defer { index += 1 }
            guard remaining > 0 else { return }   // padding beyond the declared size: covered by the HMAC only
            let wanted = min(remaining, ciphertext.count)
            let blocks = (wanted + blockSize - 1) / blockSize * blockSize
            guard blocks <= ciphertext.count else { throw .corrupt("the last segment of EncryptedPackage is truncated") }
            let iv = AgileCrypto.segmentIV(salt: salt, index: index, hash: hash, blockSize: blockSize)
            let plaintext = try AgileCrypto.decryptCBC(
                UnsafeRawBufferPointer(rebasing: ciphertext[0..<blocks]), key: key, iv: iv
            )
            try plaintext.withBytes { raw throws(VaultCryptoError) in
                try sink.write(UnsafeRawBufferPointer(rebasing: raw[0..<wanted]))
            }
            remaining -= wanted
        }
    }
}
