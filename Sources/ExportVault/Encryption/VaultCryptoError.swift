/// Why an Office-encryption operation failed, in words an operator can act on.
///
/// It exists so that callers (the export endpoint, the CLI, the tests) can branch on a stable ``code``
/// — "wrong password" is a user mistake, "integrity check failed" is tampering or corruption — while
/// the ``description`` tells a human what happened and what to try. The password never appears in
/// an error: neither in ``detail`` nor in ``description``.
public struct VaultCryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; stable, meant for `switch` and for metrics labels.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The bytes are not an OLE compound file (encrypted Office documents always are).
        case notCompoundFile
        /// A compound file, but without the streams of an encrypted OOXML document.
        case notEncrypted
        /// An encrypted document, but with a scheme this module does not implement
        /// (Standard or Extensible encryption, a certificate-only key, an unknown cipher or hash).
        case unsupportedEncryption
        /// The password does not open the document (the password verifier did not match).
        case wrongPassword
        /// The password is right but the encrypted package was altered or damaged (HMAC mismatch).
        case integrityCheckFailed
        /// The container or the encryption description is malformed.
        case corrupt
        /// The request itself cannot be honoured: an empty or over-long password, a spin count out
        /// of range, a package too large for the container format.
        case invalidInput
        /// A file named by URL could not be read or written.
        case fileAccess
    }

    /// The kind of failure.
    public let code: Code
    /// Specifics (which stream, which field, which size); never contains the password.
    public let detail: String

    /// Makes an error; `detail` must not contain secrets.
    public init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// A sentence for logs and for the operator, with advice where there is any.
    public var description: String {
        let head: String
        switch code {
        case .notCompoundFile:
            head = "the file is not an encrypted Office document (it is not an OLE compound file)"
        case .notEncrypted:
            head = "the file is not an encrypted Office document (no EncryptionInfo/EncryptedPackage stream)"
        case .unsupportedEncryption:
            head = "the document uses an encryption scheme this service does not support; "
                + "re-save it from Excel 2010 or later with File > Info > Protect Workbook > Encrypt with Password"
        case .wrongPassword:
            head = "the password is wrong for this document"
        case .integrityCheckFailed:
            head = "the encrypted document failed its integrity check: it was modified or damaged after encryption; "
                + "download it again"
        case .corrupt:
            head = "the encrypted document is damaged"
        case .invalidInput:
            head = "the encryption request is invalid"
        case .fileAccess:
            head = "a file could not be read or written"
        }
        return detail.isEmpty ? head : "\(head) (\(detail))"
    }

    static func corrupt(_ detail: String) -> VaultCryptoError { VaultCryptoError(.corrupt, detail) }
}
