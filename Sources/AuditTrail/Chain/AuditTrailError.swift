import GuardStore

/// Why an audit operation failed, with a message an operator can act on.
///
/// Messages name files, sequence numbers and what to do; never an account, an address or a data subject, since they
/// end up in the guard's log and in error pages.
public struct AuditTrailError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The audit log could not be read or written (the proxy then refuses the request: fail closed).
        case store
        /// The signing key file is missing, unreadable, too open, or sealed under another master key.
        case signingKey = "signing_key"
        /// The external checkpoint file cannot be written or read.
        case externalCheckpoints = "external_checkpoints"
        /// A stored payload or checkpoint line is not in the format this version writes.
        case encoding
        /// The writer was closed (the guard is shutting down).
        case closed
        /// A retention purge was refused (the records it would delete do not verify).
        case retention
        /// A public key given for verification is not an Ed25519 key.
        case publicKey = "public_key"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// A storage failure, kept with the store's own message (which never holds record contents).
    public init(store error: StoreError) {
        self.init(.store, error.message)
    }

    public var description: String { self.message }
}
