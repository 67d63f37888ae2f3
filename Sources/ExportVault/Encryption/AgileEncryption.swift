import Foundation

/// Tunables of agile encryption that a caller may choose.
///
/// It exists so that the cost of the password hash is an explicit, reviewable choice: Office uses 100,000
/// rounds of SHA-512 and so do we by default. Tests may lower ``spinCount`` for speed; production code should
/// not. Everything else is fixed to what Excel 2013 and later write: AES-256-CBC, SHA-512, 16-byte salts and
/// 4096-byte segments.
public struct AgileEncryptionParameters: Sendable, Hashable {
    /// Office's spin count, and ours.
    public static let defaultSpinCount = 100_000
    /// The EncryptedPackage stream is encrypted in segments of this many bytes ([MS-OFFCRYPTO] 2.3.4.15).
    public static let segmentSize = 4096

    /// Rounds of SHA-512 over the password hash: 1 to 10,000,000.
    public var spinCount: Int

    /// Parameters with the given spin count (default 100,000).
    public init(spinCount: Int = AgileEncryptionParameters.defaultSpinCount) {
        self.spinCount = spinCount
    }
}

/// Password protection of Office Open XML packages (.xlsx, .docx, .pptx) as Excel does it: ECMA-376 Agile
/// Encryption ([MS-OFFCRYPTO] 2.3.4.10–2.3.4.15) in an OLE compound file ([MS-CFB] version 3).
///
/// It exists so that a spreadsheet of personal data leaves the service only encrypted, in a form that Excel,
/// LibreOffice and msoffcrypto-tool open with the password and nothing else. ``encrypt(package:password:parameters:)``
/// produces the whole encrypted file; ``decrypt(file:password:)`` checks the password and the HMAC of the
/// package before returning anything.
///
/// Every call derives the password key with `spinCount` rounds of SHA-512 (about 0.1 s in a release build at
/// 100,000), so call these functions off the event loop and off Swift's cooperative pool when many may run at
/// once. The password is never logged, stored, or placed in an error.
public enum AgileEncryption {
    /// Encrypts an OOXML package held in memory and returns the encrypted compound file.
    ///
    /// Memory: the package and the result, nothing more (segments are encrypted straight into the result).
    /// - Throws: ``VaultCryptoError`` with code `.invalidInput` for an empty password, one over 255 characters,
    ///   a spin count out of range, or a package over 2 GiB.
    public static func encrypt(
        package: some ContiguousBytes,
        password: String,
        parameters: AgileEncryptionParameters = AgileEncryptionParameters()
    ) throws(VaultCryptoError) -> [UInt8] {
        let result: Result<[UInt8], VaultCryptoError> = package.withUnsafeBytes { raw in
            Result { () throws(VaultCryptoError) in
                let sink = ByteSink(expectedSize: 0)
                try PackageCipher.encrypt(.memory(raw), password: password, spinCount: parameters.spinCount, into: sink)
                return sink.takeBytes()
            }
        }
        return try result.get()
    }

    /// Encrypts the package in the file at `source` into a new file at `destination`, reading and writing about a
    /// megabyte at a time, so memory use does not grow with the package.
    ///
    /// The result is written under a temporary name in the destination's directory (owner-only permissions) and
    /// renamed over `destination` only once complete; on failure nothing is left behind.
    public static func encrypt(
        packageAt source: URL,
        to destination: URL,
        password: String,
        parameters: AgileEncryptionParameters = AgileEncryptionParameters()
    ) throws(VaultCryptoError) {
        try PackageCipher.validate(password: password)
        let (input, size) = try openForReading(source)
        defer { try? input.close() }
        let output = try AtomicOutputFile(destination: destination)
        do throws(VaultCryptoError) {
            let sink = ByteSink(file: output.handle, path: destination.path)
            try PackageCipher.encrypt(
                .file(input, path: source.path, size: size),
                password: password, spinCount: parameters.spinCount, into: sink
            )
            try sink.flush()
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
    }

    /// Decrypts an encrypted OOXML document held in memory and returns the package (the .xlsx zip).
    ///
    /// The password is checked against the document's verifier first; the package is then decrypted and its HMAC
    /// verified. Nothing is returned unless both pass.
    /// - Throws: ``VaultCryptoError`` with code `.notCompoundFile`, `.notEncrypted`, `.unsupportedEncryption`
    ///   (Standard or Extensible encryption, certificates, ciphers other than AES-CBC), `.wrongPassword`,
    ///   `.integrityCheckFailed` or `.corrupt`.
    public static func decrypt(file: some ContiguousBytes, password: String) throws(VaultCryptoError) -> [UInt8] {
        let result: Result<[UInt8], VaultCryptoError> = file.withUnsafeBytes { raw in
            Result { () throws(VaultCryptoError) in
                let sink = ByteSink(expectedSize: 0)
                try PackageCipher.decrypt(raw, password: password, into: sink)
                return sink.takeBytes()
            }
        }
        return try result.get()
    }

    /// Decrypts the document at `source` into a new file at `destination` (owner-only permissions).
    ///
    /// The input is memory-mapped and the plaintext written through a small buffer under a temporary name; it is
    /// renamed to `destination` only after the HMAC has been verified, so unverified plaintext never appears there.
    public static func decrypt(fileAt source: URL, to destination: URL, password: String) throws(VaultCryptoError) {
        let data: Data
        do {
            data = try Data(contentsOf: source, options: .alwaysMapped)
        } catch {
            throw VaultCryptoError(.fileAccess, "cannot read \(source.path): \(error.localizedDescription)")
        }
        let output = try AtomicOutputFile(destination: destination)
        do throws(VaultCryptoError) {
            let sink = ByteSink(file: output.handle, path: destination.path)
            let result: Result<Void, VaultCryptoError> = data.withUnsafeBytes { raw in
                Result { () throws(VaultCryptoError) in try PackageCipher.decrypt(raw, password: password, into: sink) }
            }
            try result.get()
            try sink.flush()
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
    }
}
