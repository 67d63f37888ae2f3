import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238, on HOTP from RFC 4226), as authenticator apps compute them.
///
/// Sellers abroad, or without a Korean phone, verify with an app; nothing crosses a phone network. Verification
/// accepts the current time step and one step either side (clock drift, RFC 6238 §5.2), and never accepts a step
/// that was already used (§5.2: "MUST NOT accept the second attempt of the same OTP").
public struct TOTP: Sendable {
    public enum Algorithm: String, Sendable, Codable, CaseIterable {
        case sha1 = "SHA1", sha256 = "SHA256", sha512 = "SHA512"
    }

    public let secret: [UInt8]
    public let algorithm: Algorithm
    public let digits: Int
    /// Seconds per step.
    public let period: Int64

    public init(secret: [UInt8], algorithm: Algorithm = .sha1, digits: Int = 6, period: Int64 = 30) {
        precondition((6...8).contains(digits) && period > 0)
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
    }

    /// A new random secret of 20 bytes (160 bits, RFC 4226 §4's recommendation).
    public static func generateSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The time step containing `date`.
    public func step(at date: Date) -> Int64 {
        Int64(floor(date.timeIntervalSince1970)) / self.period
    }

    /// The code for one time step (HOTP with the step as counter).
    public func code(forStep step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let key = SymmetricKey(data: self.secret)
        let mac: [UInt8]
        switch self.algorithm {
        case .sha1: mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: mac = Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
        // Dynamic truncation (RFC 4226 §5.3).
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<self.digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: self.digits - value.count) + value
    }

    public func code(at date: Date) -> String { self.code(forStep: self.step(at: date)) }

    /// The step `code` belongs to, if it is the code of the current step or one either side and that step is later
    /// than `lastUsedStep`. Every candidate is compared, in constant time, so timing says nothing about which matched.
    public func verify(_ code: String, at date: Date, lastUsedStep: Int64?) -> Int64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == self.digits, typed.allSatisfy(\.isASCII), typed.allSatisfy(\.isNumber) else { return nil }
        let now = self.step(at: date)
        var matched: Int64? = nil
        for step in (now - 1)...(now + 1) {
            let equal = ConstantTime.equal(Array(self.code(forStep: step).utf8), Array(typed.utf8))
            if equal, step > (lastUsedStep ?? .min), matched == nil { matched = step }
        }
        return matched
    }

    /// The `otpauth://` URI authenticator apps import (Google's Key Uri Format), for the QR code and for copying.
    public func provisioningURI(account: String, issuer: String) -> String {
        let label = Self.percentEncode(issuer) + ":" + Self.percentEncode(account)
        return "otpauth://totp/\(label)?secret=\(Base32.encode(self.secret))&issuer=\(Self.percentEncode(issuer))"
            + "&algorithm=\(self.algorithm.rawValue)&digits=\(self.digits)&period=\(self.period)"
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Comparisons whose time does not depend on where the inputs differ.
public enum ConstantTime {
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
