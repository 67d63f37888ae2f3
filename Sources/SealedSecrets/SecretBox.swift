import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Seals secrets the guard must keep at rest — TOTP seeds, the code-hashing key, signing keys — with AES-256-GCM.
///
/// The database or a backup alone reveals nothing: the master key lives in a separate file (mode 0600) or in the
/// environment. Each sealed value is bound to a context string (`totp:seller-a`) as additional authenticated
/// data, so a value copied into another row does not open there.
public struct SecretBox: Sendable {
    /// Format version of sealed values, first byte; lets the format change without guessing.
    static let version: UInt8 = 1
    /// The environment variable that may carry the master key (base64 of 32 bytes) instead of a file.
    public static let environmentVariable = "PII_GUARD_MASTER_KEY"

    let key: SymmetricKey

    public init(key: SymmetricKey) {
        precondition(key.bitCount == 256, "the master key is 256 bits")
        self.key = key
    }

    /// The master key from `PII_GUARD_MASTER_KEY`, else from `path`, created there (32 random bytes, mode 0600)
    /// when the file does not exist yet.
    public static func loadOrCreateKey(at path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(SecretBoxError) -> SymmetricKey
    {
        if let encoded = environment[self.environmentVariable] {
            guard let bytes = Data(base64Encoded: encoded.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
                throw SecretBoxError("\(self.environmentVariable) must be the base64 of exactly 32 bytes")
            }
            return SymmetricKey(data: bytes)
        }
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            guard let attributes = try? manager.attributesOfItem(atPath: path),
                let permissions = attributes[.posixPermissions] as? NSNumber
            else { throw SecretBoxError("cannot read the master key file '\(path)'") }
            guard permissions.intValue & 0o077 == 0 else {
                throw SecretBoxError("the master key file '\(path)' is readable by others (mode "
                    + String(permissions.intValue, radix: 8) + "); run: chmod 600 \(path)")
            }
            guard let data = manager.contents(atPath: path) else { throw SecretBoxError("cannot read the master key file '\(path)'") }
            guard data.count == 32 else {
                throw SecretBoxError("the master key file '\(path)' holds \(data.count) bytes, not 32; it is damaged or not a key")
            }
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        } catch {
            throw SecretBoxError("cannot create the folder for the master key '\(directory)'")
        }
        let bytes = key.withUnsafeBytes { Data($0) }
        // Created with 0600 from the start, and never over an existing file (O_EXCL).
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw SecretBoxError("cannot create the master key file '\(path)'") }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        Glibc.close(descriptor)
        guard written == 32, synced else { throw SecretBoxError("cannot write the master key file '\(path)'") }
        return key
    }

    public func seal(_ plaintext: [UInt8], context: String) throws(SecretBoxError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(plaintext, using: self.key, authenticating: Array(context.utf8))
            guard let combined = box.combined else { throw SecretBoxError("sealing produced no output") }
            return [Self.version] + Array(combined)
        } catch let error as SecretBoxError {
            throw error
        } catch {
            throw SecretBoxError("cannot seal a secret (\(type(of: error)))")
        }
    }

    /// Opens a sealed value; fails if it was changed, sealed under another key, or for another context.
    public func open(_ sealed: [UInt8], context: String) throws(SecretBoxError) -> [UInt8] {
        guard sealed.first == Self.version, sealed.count > 1 + 12 + 16 else {
            throw SecretBoxError("a sealed secret has an unknown format")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst())
            return Array(try AES.GCM.open(box, using: self.key, authenticating: Array(context.utf8)))
        } catch {
            throw SecretBoxError("a sealed secret does not open with this master key and context "
                + "(wrong key, or the stored value was altered)")
        }
    }
}

public struct SecretBoxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
