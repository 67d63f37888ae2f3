import Foundation

/// Why a person downloads personal data: asked before every export and kept in its record.
///
/// 개인정보의 안전성 확보조치 기준 asks that a personal-information download be checked for its reason. The fixed
/// choices cover what sellers export for; `other` carries the person's own words (bounded, single line).
public enum ExportReason: Sendable, Hashable, Codable {
    case shipping
    case exchangeOrReturn
    case customerInquiry
    case settlement
    case other(String)

    /// The form and API codes, in the order the page offers them.
    public static let codes = ["shipping", "exchange_return", "customer_inquiry", "settlement", "other"]
    /// Longest accepted free text, in characters.
    public static let maxOtherLength = 200

    /// Parses a code and, for `other`, the person's text. Throws with a message for the page or API.
    public init(code: String, text: String?) throws(ExportPolicyError) {
        switch code {
        case "shipping": self = .shipping
        case "exchange_return": self = .exchangeOrReturn
        case "customer_inquiry": self = .customerInquiry
        case "settlement": self = .settlement
        case "other":
            let cleaned = (text ?? "").split(whereSeparator: { $0.isNewline || $0 == "\t" }).joined(separator: " ")
                .trimmingCharacters(in: .whitespaces)
            guard cleaned.count >= 2 else { throw ExportPolicyError(.reasonMissing) }
            guard cleaned.count <= Self.maxOtherLength else { throw ExportPolicyError(.reasonTooLong) }
            self = .other(cleaned)
        case "": throw ExportPolicyError(.reasonMissing)
        default: throw ExportPolicyError(.reasonUnknown)
        }
    }

    public var code: String {
        switch self {
        case .shipping: "shipping"
        case .exchangeOrReturn: "exchange_return"
        case .customerInquiry: "customer_inquiry"
        case .settlement: "settlement"
        case .other: "other"
        }
    }

    /// 배송 처리, 교환·반품 처리, …: how pages and the access records show it.
    public var korean: String {
        switch self {
        case .shipping: "배송 처리"
        case .exchangeOrReturn: "교환·반품 처리"
        case .customerInquiry: "고객 문의 대응"
        case .settlement: "정산"
        case .other(let text): "기타: " + text
        }
    }

    public var english: String {
        switch self {
        case .shipping: "Shipping"
        case .exchangeOrReturn: "Exchange or return"
        case .customerInquiry: "Customer inquiry"
        case .settlement: "Settlement"
        case .other(let text): "Other: " + text
        }
    }

    /// The free text of `other`, nil for the fixed reasons.
    public var text: String? {
        if case .other(let text) = self { return text }
        return nil
    }
}

/// A download request the export policy refuses: which rule, in words for the person at the page or the script.
public struct ExportPolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case reasonMissing = "reason_missing"
        case reasonTooLong = "reason_too_long"
        case reasonUnknown = "reason_unknown"
        case passwordTooWeak = "password_too_weak"
        case passwordMismatch = "password_mismatch"
        case passwordTooLong = "password_too_long"
    }

    public let code: Code
    /// For `passwordTooWeak`: the policy's own words.
    public let detail: String

    public init(_ code: Code, detail: String = "") {
        self.code = code
        self.detail = detail
    }

    public var korean: String {
        switch self.code {
        case .reasonMissing: "다운로드 사유를 선택해 주세요. ‘기타’는 사유를 2자 이상 적어 주세요."
        case .reasonTooLong: "사유는 \(ExportReason.maxOtherLength)자 이내로 적어 주세요."
        case .reasonUnknown: "알 수 없는 다운로드 사유입니다."
        case .passwordTooWeak: "파일 비밀번호가 규칙에 맞지 않습니다: " + self.detail
        case .passwordMismatch: "두 번 입력한 파일 비밀번호가 다릅니다."
        case .passwordTooLong: "파일 비밀번호는 \(PasswordPolicy.maxLength)자 이내로 정해 주세요."
        }
    }

    public var english: String {
        switch self.code {
        case .reasonMissing: "Choose a download reason; for “Other”, describe it in at least 2 characters."
        case .reasonTooLong: "Keep the reason within \(ExportReason.maxOtherLength) characters."
        case .reasonUnknown: "Unknown download reason."
        case .passwordTooWeak: "The file password does not meet the policy: " + self.detail
        case .passwordMismatch: "The two file passwords differ."
        case .passwordTooLong: "Keep the file password within \(PasswordPolicy.maxLength) characters."
        }
    }

    public var description: String { self.english }
}
