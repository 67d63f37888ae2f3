/// The kinds of personal data the guard masks (../shared/MASKING.md; security teams turn kinds on and off per menu).
public enum PIIKind: String, Sendable, Codable, CaseIterable, Hashable {
    case name
    case phone
    case address
    case email
    case residentNumber = "resident_number"
    case cardNumber = "card_number"
    case bankAccount = "bank_account"
    case ipAddress = "ip_address"
    case birthDate = "birth_date"
}
