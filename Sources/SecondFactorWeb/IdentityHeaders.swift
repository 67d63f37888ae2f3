import Crypto
import Foundation
import HTTPTypes

/// The verified account, told to the upstream in headers it can trust.
///
/// Sent on every request that passed the second factor: `X-PII-Guard-Account` (percent-encoded UTF-8),
/// `X-PII-Guard-Verified-At` (Unix seconds of the proof) and `X-PII-Guard-Signature: v1=<hex>`, an HMAC-SHA256 over
/// `v1\n<account header>\n<verified-at>\n<X-Request-ID>` with a key the operator shares with the admin. Tying the
/// signature to the request id means a header set copied from one request does not fit another's id. Browsers cannot
/// set these: the proxy drops every incoming `X-PII-Guard-*` field. See docs/API.md for the admin's side.
public struct IdentityHeaders: Sendable {
    public static let account = HTTPField.Name("X-PII-Guard-Account")!
    public static let verifiedAt = HTTPField.Name("X-PII-Guard-Verified-At")!
    public static let signature = HTTPField.Name("X-PII-Guard-Signature")!

    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    public func fields(account: String, verifiedAt: Date, requestID: String) -> HTTPFields {
        let encoded = Self.encode(account)
        let seconds = String(Int64(verifiedAt.timeIntervalSince1970))
        var fields = HTTPFields()
        fields[Self.account] = encoded
        fields[Self.verifiedAt] = seconds
        fields[Self.signature] = "v1=" + self.signature(account: encoded, verifiedAt: seconds, requestID: requestID)
        return fields
    }

    /// Hex HMAC over the signed string; what the admin recomputes.
    public func signature(account: String, verifiedAt: String, requestID: String) -> String {
        let message = "v1\n\(account)\n\(verifiedAt)\n\(requestID)"
        return HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: self.key)
            .map { String(format: "%02x", $0) }.joined()
    }

    static func encode(_ account: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        // Only ASCII letters and digits stay as they are.
        return account.unicodeScalars.map { scalar -> String in
            if scalar.isASCII, allowed.contains(scalar) { return String(scalar) }
            return String(scalar).utf8.map { String(format: "%%%02X", $0) }.joined()
        }.joined()
    }
}
