import Foundation

/// Why registration input was refused, in words for the person typing it (Korean and English).
public struct RegistrationError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case phoneFormat = "phone_format"
        case phoneNotMobile = "phone_not_mobile"
        case emailFormat = "email_format"
        case emailSameAsAccount = "email_same_as_account"
    }

    public let code: Code
    public let korean: String
    public let english: String

    public var description: String { "\(self.code.rawValue): \(self.english)" }
}

/// A phone number codes can be sent to: a Korean mobile number, or any international number in E.164.
///
/// Sellers type numbers every way there is (`010-1234-5678`, `01012345678`, `+82 10 1234 5678`); the guard keeps one
/// canonical E.164 form (`+821012345678`) so that a number is one number, and shows it the Korean way.
public struct PhoneNumber: Sendable, Codable, Hashable {
    /// `+821012345678`
    public let e164: String

    static let koreanMobilePrefixes = ["10", "11", "16", "17", "18", "19"]

    public init(parsing text: String) throws(RegistrationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let allowed = Set("0123456789+-. ()")
        guard !trimmed.isEmpty, trimmed.allSatisfy({ allowed.contains($0) }),
            trimmed.dropFirst().allSatisfy({ $0 != "+" })
        else { throw Self.formatError }
        let digits = trimmed.filter(\.isNumber)
        var national: String
        if trimmed.hasPrefix("+") || trimmed.hasPrefix("00") {
            let international = trimmed.hasPrefix("00") ? String(digits.dropFirst(2)) : digits
            guard international.count >= 8, international.count <= 15, international.first != "0" else {
                throw Self.formatError
            }
            guard international.hasPrefix("82") else {
                self.e164 = "+" + international
                return
            }
            national = String(international.dropFirst(2))
            if national.hasPrefix("0") { national.removeFirst() }  // +82 010-… is common
        } else {
            guard digits.hasPrefix("0") else { throw Self.formatError }
            national = String(digits.dropFirst())
        }
        // Korean: a mobile prefix then 7 (old 01x) or 8 digits.
        guard let prefix = Self.koreanMobilePrefixes.first(where: { national.hasPrefix($0) }) else {
            throw RegistrationError(
                code: .phoneNotMobile,
                korean: "휴대전화 번호만 등록할 수 있습니다 (010 등). 유선 번호로는 인증번호를 받을 수 없습니다.",
                english: "Only mobile numbers can receive codes (010 and so on); landlines cannot.")
        }
        let subscriber = national.dropFirst(prefix.count)
        let valid = prefix == "10" ? subscriber.count == 8 : (7...8).contains(subscriber.count)
        guard valid else { throw Self.formatError }
        self.e164 = "+82" + national
    }

    static let formatError = RegistrationError(
        code: .phoneFormat,
        korean: "휴대전화 번호 형식이 올바르지 않습니다. 예: 010-1234-5678, 해외 번호는 +1 415 555 0100처럼 국가번호와 함께 입력해 주세요.",
        english: "That is not a phone number we can use. Example: 010-1234-5678; numbers abroad with their country code, like +1 415 555 0100.")

    public var isKorean: Bool { self.e164.hasPrefix("+82") }

    /// `010-1234-5678` for Korean numbers, the E.164 form otherwise.
    public var display: String {
        guard self.isKorean else { return self.e164 }
        let national = "0" + self.e164.dropFirst(3)
        let head = national.prefix(3)
        let rest = national.dropFirst(3)
        let middle = rest.dropLast(4)
        return "\(head)-\(middle)-\(rest.suffix(4))"
    }
}

/// An e-mail address for emergency codes. It must not be the account's own address: if the account is taken over,
/// its own mailbox may be too (the registration page says so).
public struct EmailAddress: Sendable, Codable, Hashable {
    /// Local part as typed, domain lower-cased.
    public let address: String

    public init(parsing text: String) throws(RegistrationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty, local.count <= 64,
            trimmed.count <= 254, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
            !domain.contains(".."), !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
            trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f }),
            !trimmed.contains(where: { "()<>[]\\,;:\"".contains($0) }),
            domain.split(separator: ".").allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") })
        else {
            throw RegistrationError(
                code: .emailFormat, korean: "이메일 주소 형식이 올바르지 않습니다. 예: name@example.com",
                english: "That is not an e-mail address. Example: name@example.com")
        }
        self.address = "\(local)@\(domain.lowercased())"
    }

    /// Throws when this is the account's own address (compared without regard to case).
    public func ensureDiffers(fromAccountEmail accountEmail: String) throws(RegistrationError) {
        if self.address.lowercased() == accountEmail.trimmingCharacters(in: .whitespaces).lowercased() {
            throw RegistrationError(
                code: .emailSameAsAccount,
                korean: "비상 연락용 이메일은 계정 이메일과 달라야 합니다. 계정이 도용되면 계정 이메일도 함께 노출될 수 있기 때문입니다.",
                english: "The emergency e-mail must differ from the account's own e-mail: if the account is taken over, its mailbox may be too.")
        }
    }
}
