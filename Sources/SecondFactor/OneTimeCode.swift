import Crypto
import Foundation

/// A code sent by SMS, messenger or e-mail, as the guard keeps it: a keyed hash, never the digits.
///
/// Codes are six random digits, valid for a few minutes, good for one use. Whoever reads the store (a backup, an
/// operator) learns nothing usable: the hash is an HMAC under a key the store does not hold, and it covers the
/// account and purpose, so a hash cannot be replayed for another account or flow.
public struct IssuedCode: Sendable, Codable, Equatable {
    public enum Purpose: String, Sendable, Codable {
        /// Step-up verification for a menu.
        case verify
        /// Proving an emergency e-mail address during registration.
        case confirmEmail = "confirm_email"
        /// Proving a phone number during registration or change.
        case confirmPhone = "confirm_phone"
    }

    public let account: String
    public let purpose: Purpose
    public let hash: [UInt8]
    public let issuedAt: Date
    public let expiresAt: Date
    public var used: Bool

    /// Unused, not expired, and not issued in the future. "The future" allows `clockSkew`: instances sharing a store
    /// may disagree by a little, and a date stored as seconds since 1970 comes back a few hundred nanoseconds off.
    public func isUsable(at now: Date) -> Bool {
        !self.used && now < self.expiresAt && now.timeIntervalSince(self.issuedAt) >= -Self.clockSkew
    }

    /// How far ahead of `now` an issue time may be.
    public static let clockSkew: TimeInterval = 5
}

/// Makes and checks `IssuedCode`s.
public struct OneTimeCodes: Sendable {
    /// The HMAC key (kept encrypted at rest by the store; 32 random bytes).
    let key: SymmetricKey
    public let digits: Int
    public let validity: Duration

    public init(key: SymmetricKey, digits: Int = 6, validity: Duration = .seconds(180)) {
        self.key = key
        self.digits = digits
        self.validity = validity
    }

    /// A new code: the digits to send, and the record to keep.
    public func issue(account: String, purpose: IssuedCode.Purpose, now: Date) -> (code: String, record: IssuedCode) {
        var generator = SystemRandomNumberGenerator()
        var limit: UInt32 = 1
        for _ in 0..<self.digits { limit *= 10 }
        // Uniform over 0..<10^digits (random(in:) rejects the biased tail).
        let value = String(UInt32.random(in: 0..<limit, using: &generator))
        let code = String(repeating: "0", count: self.digits - value.count) + value
        let seconds = Double(self.validity.components.seconds)
        let record = IssuedCode(
            account: account, purpose: purpose, hash: self.hash(code, account: account, purpose: purpose),
            issuedAt: now, expiresAt: now.addingTimeInterval(seconds), used: false)
        return (code, record)
    }

    /// Whether `typed` is the code of `record` and the record can still be used. Constant-time on the hash.
    public func matches(_ typed: String, record: IssuedCode, now: Date) -> Bool {
        let digits = typed.filter { !$0.isWhitespace && $0 != "-" }
        guard digits.count == self.digits, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        let equal = ConstantTime.equal(self.hash(digits, account: record.account, purpose: record.purpose), record.hash)
        return equal && record.isUsable(at: now)
    }

    func hash(_ code: String, account: String, purpose: IssuedCode.Purpose) -> [UInt8] {
        // Length-prefixed fields: ("a", "bc") and ("ab", "c") must not hash alike.
        var message = Data()
        for field in [purpose.rawValue, account, code] {
            let bytes = Array(field.utf8)
            var length = UInt32(bytes.count).bigEndian
            withUnsafeBytes(of: &length) { message.append(contentsOf: $0) }
            message.append(contentsOf: bytes)
        }
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: self.key))
    }
}
