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

extension PIIKind {
    /// One bit per kind: sets of kinds tested per detection without hashing (see `PIIKinds`).
    /// 0…8, for tables by kind.
    @inline(__always) var slot: Int { self.bit.trailingZeroBitCount }

    @inline(__always) var bit: UInt16 {
        switch self {
        case .name: 1
        case .phone: 2
        case .address: 4
        case .email: 8
        case .residentNumber: 16
        case .cardNumber: 32
        case .bankAccount: 64
        case .ipAddress: 128
        case .birthDate: 256
        }
    }
}

/// A set of kinds as bits: `Set<PIIKind>.contains` hashes the kind's string raw value, and `TextMasker` asks for every
/// detection.
struct PIIKinds: Sendable {
    let bits: UInt16
    init(_ kinds: Set<PIIKind>) { self.bits = kinds.reduce(0) { $0 | $1.bit } }
    @inline(__always) func contains(_ kind: PIIKind) -> Bool { self.bits & kind.bit != 0 }
}
