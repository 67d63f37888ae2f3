import Crypto
import Foundation
import SealedSecrets

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The guard's Ed25519 signing key for checkpoints and append seals.
///
/// A hash chain alone shows a record was changed only if nobody recomputed the hashes after it; signatures by a key
/// the database does not hold make a rewrite show. The key is created on first run and kept in a file under the data
/// folder, sealed (AES-GCM via `SecretBox`) with a key the caller derives from the master key, so the database, a
/// backup or the key file alone cannot sign. Auditors check with the public key alone (`publicKeyPEM`), which the
/// security team should keep apart from the guard: someone who controls the host could make a new key and re-sign a
/// rewritten log, but not with the key the auditors hold.
public struct AuditSigner: Sendable {
    /// The label to derive the sealing key with (`derive(masterKey, AuditSigner.sealingKeyLabel)`).
    public static let sealingKeyLabel = "audit-signing"
    /// The key file's name inside the data folder.
    public static let defaultFileName = "audit-signing.key"
    /// The AAD the private key is sealed under, so a sealed value from another slot does not open as this key.
    static let sealContext = "audit-signing-key/ed25519"
    static let fileHeader = "pii-guard audit signing key v1"

    let privateKey: Curve25519.Signing.PrivateKey
    /// What verifiers need.
    public let publicKey: AuditPublicKey

    /// A signer with a given key (tests, or a key kept elsewhere).
    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        self.publicKey = AuditPublicKey(privateKey.publicKey)
    }

    /// A new key held only in memory, for benchmarks and tests; a guard uses `loadOrCreate(at:sealingKey:)` so its
    /// checkpoints stay verifiable after a restart.
    public static func ephemeral() -> AuditSigner {
        AuditSigner(privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The signing key sealed in the file at `path` (mode 0600), created there on first use.
    ///
    /// Two processes starting together get the same key: the file is written aside and linked into place, which only
    /// one of them can do; the other reads the winner's.
    public static func loadOrCreate(at path: String, sealingKey: SymmetricKey) throws(AuditTrailError) -> AuditSigner {
        let box = SecretBox(key: sealingKey)
        if FileManager.default.fileExists(atPath: path) {
            return try self.load(path, box)
        }
        let key = Curve25519.Signing.PrivateKey()
        let sealed: [UInt8]
        do {
            sealed = try box.seal(Array(key.rawRepresentation), context: self.sealContext)
        } catch {
            throw AuditTrailError(.signingKey, "cannot seal a new audit signing key: \(error.description)")
        }
        let text = "\(self.fileHeader)\n\(Data(sealed).base64EncodedString())\n"
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        } catch {
            throw AuditTrailError(.signingKey, "cannot create the folder for the audit signing key '\(directory)'")
        }
        let temporary = path + ".new-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw AuditTrailError(.signingKey, "cannot create the audit signing key file next to '\(path)' "
                + "(check that the data folder is writable by the guard)")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        defer { unlink(temporary) }
        guard written == bytes.count, synced else {
            throw AuditTrailError(.signingKey, "cannot write the audit signing key file '\(path)' (disk full?)")
        }
        // link() never replaces an existing file: if another process created the key meanwhile, use theirs.
        if link(temporary, path) != 0 {
            guard errno == EEXIST else {
                throw AuditTrailError(.signingKey, "cannot put the audit signing key file in place at '\(path)'")
            }
            return try self.load(path, box)
        }
        return AuditSigner(privateKey: key)
    }

    static func load(_ path: String, _ box: SecretBox) throws(AuditTrailError) -> AuditSigner {
        let manager = FileManager.default
        guard let attributes = try? manager.attributesOfItem(atPath: path),
            let permissions = attributes[.posixPermissions] as? NSNumber
        else { throw AuditTrailError(.signingKey, "cannot read the audit signing key file '\(path)'") }
        guard permissions.intValue & 0o077 == 0 else {
            throw AuditTrailError(.signingKey, "the audit signing key file '\(path)' is open to others (mode "
                + String(permissions.intValue, radix: 8) + "); run: chmod 600 \(path)")
        }
        guard let data = manager.contents(atPath: path) else {
            throw AuditTrailError(.signingKey, "cannot read the audit signing key file '\(path)'")
        }
        return try self.unseal(String(decoding: data, as: UTF8.self), box, source: "the audit signing key file '\(path)'")
    }

    /// A new key in its sealed text form (what the key file holds), for a guard that keeps it elsewhere (the shared
    /// database of several guards).
    public static func sealedNew(sealingKey: SymmetricKey) throws(AuditTrailError) -> String {
        let key = Curve25519.Signing.PrivateKey()
        do {
            let sealed = try SecretBox(key: sealingKey).seal(Array(key.rawRepresentation), context: self.sealContext)
            return "\(self.fileHeader)\n\(Data(sealed).base64EncodedString())\n"
        } catch {
            throw AuditTrailError(.signingKey, "cannot seal a new audit signing key: \(error.description)")
        }
    }

    /// The signer whose key is sealed in `sealed` (the key file's text); `source` names where it came from in errors.
    public static func unseal(_ sealed: String, sealingKey: SymmetricKey, source: String) throws(AuditTrailError) -> AuditSigner {
        try self.unseal(sealed, SecretBox(key: sealingKey), source: source)
    }

    static func unseal(_ text: String, _ box: SecretBox, source: String) throws(AuditTrailError) -> AuditSigner {
        let lines = text.split(whereSeparator: \.isNewline)
        guard lines.count == 2, lines[0] == self.fileHeader, let sealed = Data(base64Encoded: String(lines[1])) else {
            throw AuditTrailError(.signingKey, "\(source) is damaged or not a signing key; "
                + "restore it from a backup (a new key would not match the checkpoints already signed)")
        }
        do {
            let raw = try box.open(Array(sealed), context: self.sealContext)
            return AuditSigner(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        } catch let error as SecretBoxError {
            throw AuditTrailError(.signingKey, "\(source) does not open: \(error.description); "
                + "is this the guard's own master key?")
        } catch {
            throw AuditTrailError(.signingKey, "\(source) does not hold an Ed25519 key")
        }
    }

    /// Signs `statement`; base64 of the 64-byte Ed25519 signature.
    public func sign(_ statement: [UInt8]) throws(AuditTrailError) -> String {
        do {
            return try self.privateKey.signature(for: statement).base64EncodedString()
        } catch {
            throw AuditTrailError(.signingKey, "the audit signing key could not sign (\(type(of: error)))")
        }
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo): what auditors keep.
    public var publicKeyPEM: String { self.publicKey.pem }
    /// A short fingerprint of the public key, stored with each checkpoint.
    public var keyID: String { self.publicKey.keyID }
}

/// An Ed25519 public key that checkpoints and seals are verified with, as auditors hold it.
///
/// Readable from PEM (SubjectPublicKeyInfo, what `openssl pkey -pubout` writes and `openssl pkeyutl -verify` reads)
/// or the bare base64 of the 32 key bytes, so a key handed over in either form can be used.
public struct AuditPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    let key: Curve25519.Signing.PublicKey
    /// The 32 key bytes.
    public var rawRepresentation: Data { self.key.rawRepresentation }

    public init(_ key: Curve25519.Signing.PublicKey) {
        self.key = key
    }

    /// Reads PEM or base64 text. Throws `.publicKey` with what was wrong.
    public init(text: String) throws(AuditTrailError) {
        let body = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body) else {
            throw AuditTrailError(.publicKey, "the audit public key is neither PEM nor base64")
        }
        let raw: Data
        if der.count == 32 {
            raw = der
        } else if der.count == 44, Array(der.prefix(12)) == Self.spkiPrefix {
            raw = der.suffix(32)
        } else {
            throw AuditTrailError(.publicKey, "the audit public key is not an Ed25519 key (expected a 44-byte "
                + "SubjectPublicKeyInfo or 32 raw bytes, got \(der.count) bytes)")
        }
        do {
            self.key = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        } catch {
            throw AuditTrailError(.publicKey, "the audit public key is not a valid Ed25519 key")
        }
    }

    public var pem: String {
        let base64 = Data(Self.spkiPrefix + Array(self.rawRepresentation)).base64EncodedString()
        return "-----BEGIN PUBLIC KEY-----\n\(base64)\n-----END PUBLIC KEY-----\n"
    }

    /// The first 8 bytes of SHA-256 over the key bytes, hex: names the key in checkpoints.
    public var keyID: String { Hex.encode(SHA256.hash(data: self.rawRepresentation).prefix(8)) }

    public var description: String { "Ed25519 key \(self.keyID)" }

    /// Whether `signature` (base64) is this key's signature over `statement`.
    public func isValidSignature(_ signature: String, for statement: [UInt8]) -> Bool {
        guard let bytes = Data(base64Encoded: signature), bytes.count == 64 else { return false }
        return self.key.isValidSignature(bytes, for: statement)
    }

    public static func == (left: AuditPublicKey, right: AuditPublicKey) -> Bool {
        left.rawRepresentation == right.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.rawRepresentation)
    }
}
