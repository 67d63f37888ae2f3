import Crypto
import Foundation
import GuardProxy
import HTTPTypes

/// The guard's own browser session: a `__Host-` cookie holding 256 random bits.
///
/// Proofs are stored under a hash of the id, so the database never holds a value that would open a session. The
/// cookie is `Secure; HttpOnly; SameSite=Lax; Path=/` without `Domain` (what the `__Host-` prefix demands), so it is
/// bound to the guard's origin and unreadable by the admin's scripts. It never goes upstream
/// (`HeaderPolicy.removeGuardCookies`).
public struct GuardSession: Sendable, Equatable {
    public static let cookieName = "__Host-pii-guard"

    /// The cookie's value: 32 random bytes, base64url without padding (43 characters).
    public let id: String
    /// True when the browser did not send this id (a new or renewed session): this response must set the cookie.
    public let isNew: Bool

    /// The session the request carries, or a new one.
    public static func from(_ headers: HTTPFields) -> GuardSession {
        if let id = self.cookieValue(in: headers) { return GuardSession(id: id, isNew: false) }
        return GuardSession(id: self.newID(), isNew: true)
    }

    /// A new id that takes this session's place when it earns a proof (`StepUpRoutes.Visit.renewingSession()`).
    ///
    /// The guard cannot tell an id it issued from one a browser was given by someone else (a planted cookie, a
    /// shared computer, an admin that set it): proofs are therefore only ever granted to a fresh id, sent in a new
    /// cookie with the answer, and the old id's proof is ended. Its CSRF token changes with it.
    public func renewed() -> GuardSession {
        GuardSession(id: Self.newID(), isNew: true)
    }

    /// The session the request carries, if any (a malformed value counts as none).
    public static func existing(in headers: HTTPFields) -> GuardSession? {
        self.cookieValue(in: headers).map { GuardSession(id: $0, isNew: false) }
    }

    static func cookieValue(in headers: HTTPFields) -> String? {
        self.randomID(inCookie: self.cookieName, of: headers)
    }

    /// The value of cookie `name` when it is one of the guard's random ids (`newID()`: 43 base64url characters);
    /// anything else counts as absent. Shared by the guard's own cookies (session, export ticket).
    package static func randomID(inCookie name: String, of headers: HTTPFields) -> String? {
        for field in headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix(name + "=") else { continue }
                let value = String(trimmed.dropFirst(name.count + 1))
                if Self.isRandomID(value) { return value }
            }
        }
        return nil
    }

    /// Whether `value` has the shape of `newID()`.
    package static func isRandomID(_ value: String) -> Bool {
        value.utf8.count == 43 && value.utf8.allSatisfy(Self.isBase64URL)
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x2D || byte == 0x5F
    }

    /// 32 random bytes from the system's CSPRNG, base64url: session and ticket ids.
    package static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Self.base64URL(bytes)
    }

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What proofs are stored under.
    public var hash: String {
        SHA256.hash(data: Data("pii-guard-session:\(self.id)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// `Set-Cookie` value for this session.
    public var setCookie: String {
        "\(Self.cookieName)=\(self.id); Path=/; Secure; HttpOnly; SameSite=Lax"
    }

    /// The CSRF token of this session: an HMAC of the session id, so it needs no storage and differs per session.
    public func csrfToken(key: SymmetricKey) -> String {
        Self.base64URL(HMAC<SHA256>.authenticationCode(for: Data("csrf:\(self.id)".utf8), using: key))
    }

    /// Constant-time check of a submitted token.
    public func acceptsCSRF(_ token: String?, key: SymmetricKey) -> Bool {
        guard let token, !self.isNew else { return false }
        let expected = Array(self.csrfToken(key: key).utf8)
        let given = Array(token.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }
}
