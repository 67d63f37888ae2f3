import Crypto
import _CryptoExtras
import Foundation

/// Block keys of [MS-OFFCRYPTO] 2.3.4.11–2.3.4.14: constants hashed with the password hash or the key-data salt
/// so that each use gets its own key or initialisation vector.
enum AgileBlockKey {
    static let verifierHashInput: [UInt8] = [0xFE, 0xA7, 0xD2, 0x76, 0x3B, 0x4B, 0x9E, 0x79]
    static let verifierHashValue: [UInt8] = [0xD7, 0xAA, 0x0F, 0x6D, 0x30, 0x61, 0x34, 0x4E]
    static let encryptedKeyValue: [UInt8] = [0x14, 0x6E, 0x0B, 0xE7, 0xAB, 0xAC, 0xD0, 0xD6]
    static let hmacKey: [UInt8] = [0x5F, 0xB2, 0xAD, 0x01, 0x0C, 0xB9, 0xE1, 0xF6]
    static let hmacValue: [UInt8] = [0xA0, 0x67, 0x7F, 0x02, 0xB2, 0x2C, 0x84, 0x33]
}

/// The hash algorithms an agile EncryptionInfo may name. We write SHA-512; SHA-1 (Office 2010) and the SHA-2
/// family are accepted when reading.
enum AgileHashAlgorithm: String, Sendable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha384 = "SHA384"
    case sha512 = "SHA512"

    init?(xmlName: String) {
        switch xmlName.uppercased() {
        case "SHA1", "SHA-1": self = .sha1
        case "SHA256", "SHA-256": self = .sha256
        case "SHA384", "SHA-384": self = .sha384
        case "SHA512", "SHA-512": self = .sha512
        default: return nil
        }
    }

    var digestSize: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// The digest of the concatenation of `parts`.
    func hash(_ parts: [UInt8]...) -> [UInt8] {
        switch self {
        case .sha1: Self.hash(Insecure.SHA1.self, parts)
        case .sha256: Self.hash(SHA256.self, parts)
        case .sha384: Self.hash(SHA384.self, parts)
        case .sha512: Self.hash(SHA512.self, parts)
        }
    }

    private static func hash<H: HashFunction>(_: H.Type, _ parts: [[UInt8]]) -> [UInt8] {
        var hasher = H()
        for part in parts { hasher.update(data: part) }
        return Array(hasher.finalize())
    }

    /// H0 = hash(salt ‖ UTF-16LE(password)), then `spinCount` times Hn = hash(LE32(n) ‖ Hn-1)
    /// ([MS-OFFCRYPTO] 2.3.4.11). The loop reuses one buffer so that the 100,000 rounds cost only the hashing.
    func iteratedPasswordHash(password: String, salt: [UInt8], spinCount: Int) -> [UInt8] {
        switch self {
        case .sha1: Self.iterate(Insecure.SHA1.self, password: password, salt: salt, spinCount: spinCount)
        case .sha256: Self.iterate(SHA256.self, password: password, salt: salt, spinCount: spinCount)
        case .sha384: Self.iterate(SHA384.self, password: password, salt: salt, spinCount: spinCount)
        case .sha512: Self.iterate(SHA512.self, password: password, salt: salt, spinCount: spinCount)
        }
    }

    private static func iterate<H: HashFunction>(
        _: H.Type, password: String, salt: [UInt8], spinCount: Int
    ) -> [UInt8] {
        var passwordBytes: [UInt8] = []
        passwordBytes.reserveCapacity(password.utf16.count * 2)
        for unit in password.utf16 { passwordBytes.appendLE16(unit) }
        var hasher = H()
        hasher.update(data: salt)
        hasher.update(data: passwordBytes)
        let first = hasher.finalize()
        for index in passwordBytes.indices { passwordBytes[index] = 0 }

        let digestSize = H.Digest.byteCount
        // buffer = LE32(iterator) ‖ previous digest
        var buffer = [UInt8](repeating: 0, count: 4 + digestSize)
        first.withUnsafeBytes { digest in
            buffer.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: 4).copyMemory(from: digest.baseAddress!, byteCount: digestSize) }
        }
        buffer.withUnsafeMutableBytes { raw in
            for iteration in 0..<spinCount {
                let counter = UInt32(truncatingIfNeeded: iteration)
                raw[0] = UInt8(truncatingIfNeeded: counter)
                raw[1] = UInt8(truncatingIfNeeded: counter >> 8)
                raw[2] = UInt8(truncatingIfNeeded: counter >> 16)
                raw[3] = UInt8(truncatingIfNeeded: counter >> 24)
                var round = H()
                round.update(bufferPointer: UnsafeRawBufferPointer(raw))
                let digest = round.finalize()
                digest.withUnsafeBytes { bytes in
                    raw.baseAddress!.advanced(by: 4).copyMemory(from: bytes.baseAddress!, byteCount: digestSize)
                }
            }
        }
        let result = Array(buffer[4...])
        for index in buffer.indices { buffer[index] = 0 }
        return result
    }

    /// An incremental HMAC with this hash.
    func makeHMAC(key: [UInt8]) -> IncrementalHMAC {
        let symmetricKey = SymmetricKey(data: key)
        switch self {
        case .sha1: return .sha1(HMAC(key: symmetricKey))
        case .sha256: return .sha256(HMAC(key: symmetricKey))
        case .sha384: return .sha384(HMAC(key: symmetricKey))
        case .sha512: return .sha512(HMAC(key: symmetricKey))
        }
    }
}

/// An HMAC being computed over data that arrives in pieces.
enum IncrementalHMAC {
    case sha1(HMAC<Insecure.SHA1>)
    case sha256(HMAC<SHA256>)
    case sha384(HMAC<SHA384>)
    case sha512(HMAC<SHA512>)

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .sha1(var mac): mac.update(data: bytes); self = .sha1(mac)
        case .sha256(var mac): mac.update(data: bytes); self = .sha256(mac)
        case .sha384(var mac): mac.update(data: bytes); self = .sha384(mac)
        case .sha512(var mac): mac.update(data: bytes); self = .sha512(mac)
        }
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    func finalize() -> [UInt8] {
        switch self {
        case .sha1(let mac): Array(mac.finalize())
        case .sha256(let mac): Array(mac.finalize())
        case .sha384(let mac): Array(mac.finalize())
        case .sha512(let mac): Array(mac.finalize())
        }
    }
}

/// The key-derivation and small-cipher steps of agile encryption, shared by the encryptor and the decryptor.
enum AgileCrypto {
    /// Truncates `bytes` to `count` or pads it with 0x36 ([MS-OFFCRYPTO] 2.3.4.11–2.3.4.12).
    static func fit(_ bytes: [UInt8], to count: Int) -> [UInt8] {
        bytes.count >= count ? Array(bytes.prefix(count)) : bytes + [UInt8](repeating: 0x36, count: count - bytes.count)
    }

    /// The key for one block key: hash(H ‖ blockKey), fitted to the key size.
    static func derivedKey(
        passwordHash: [UInt8], blockKey: [UInt8], hash: AgileHashAlgorithm, keyBytes: Int
    ) -> [UInt8] {
        fit(hash.hash(passwordHash, blockKey), to: keyBytes)
    }

    /// The initialisation vector hash(salt ‖ blockKey) fitted to the block size ([MS-OFFCRYPTO] 2.3.4.12).
    static func iv(salt: [UInt8], blockKey: [UInt8], hash: AgileHashAlgorithm, blockSize: Int) -> [UInt8] {
        fit(hash.hash(salt, blockKey), to: blockSize)
    }

    /// The IV of segment `index` of the EncryptedPackage stream.
    static func segmentIV(salt: [UInt8], index: Int, hash: AgileHashAlgorithm, blockSize: Int) -> [UInt8] {
        var blockKey: [UInt8] = []
        blockKey.appendLE32(UInt32(truncatingIfNeeded: index))
        return iv(salt: salt, blockKey: blockKey, hash: hash, blockSize: blockSize)
    }

    /// Pads with zero bytes to a multiple of `blockSize`.
    static func zeroPadded(_ bytes: [UInt8], blockSize: Int = 16) -> [UInt8] {
        let remainder = bytes.count % blockSize
        return remainder == 0 ? bytes : bytes + [UInt8](repeating: 0, count: blockSize - remainder)
    }

    /// AES-CBC without padding; `plaintext` must be a whole number of blocks.
    static func encryptCBC(
        _ plaintext: some DataProtocol, key: [UInt8], iv: [UInt8]
    ) throws(VaultCryptoError) -> Data {
        do {
            return try AES._CBC.encrypt(
                plaintext, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: iv), noPadding: true
            )
        } catch {
            throw VaultCryptoError(.invalidInput, "AES-CBC encryption failed: \(error)")
        }
    }

    /// AES-CBC decryption without padding removal; `ciphertext` must be a whole, non-empty number of blocks.
    static func decryptCBC(
        _ ciphertext: some DataProtocol, key: [UInt8], iv: [UInt8]
    ) throws(VaultCryptoError) -> [UInt8] {
        guard !ciphertext.isEmpty, ciphertext.count % 16 == 0 else {
            throw .corrupt("an encrypted field is not a whole number of AES blocks")
        }
        do {
            return Array(try AES._CBC.decrypt(
                ciphertext, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: iv), noPadding: true
            ))
        } catch {
            throw .corrupt("AES-CBC decryption failed")
        }
    }
}
