import Foundation

/// How an account receives or computes its codes.
public enum FactorChannel: String, Sendable, Codable, CaseIterable {
    case sms
    /// An 알림톡-style messenger message through the gateway.
    case messenger
    /// An authenticator app (TOTP); needs no phone network.
    case totp
}

/// An account's second-factor registration. It belongs to the account across every site the guard fronts.
///
/// The TOTP seed is kept sealed (`SealedSecrets`, context `totp:<account>`), never in clear.
public struct Registration: Sendable, Codable, Equatable {
    public var account: String
    public var channel: FactorChannel
    public var phone: PhoneNumber?
    public var sealedTOTPSecret: [UInt8]?
    /// The last TOTP step accepted: a code is never accepted twice.
    public var lastTOTPStep: Int64?
    public var emergencyEmail: EmailAddress
    /// The account's own, shorter verification cycle (seconds), if it set one.
    public var cycleSeconds: Int?
    public var createdAt: Date
    public var updatedAt: Date
}

/// A registration being set up: active only once the emergency e-mail and the channel are proven.
public struct PendingEnrollment: Sendable, Codable, Equatable {
    public var registration: Registration
    /// The emergency e-mail's code was right (kept across a wrong channel code).
    public var emailConfirmed: Bool
}

/// What the person setting up an authenticator app needs to see (shown once, never logged).
public struct TOTPProvisioning: Sendable, Equatable {
    public let uri: String
    /// The secret in groups of four, for typing.
    public let groupedSecret: String
    public let qrSVG: String
}
