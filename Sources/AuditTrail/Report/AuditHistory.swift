import Foundation

/// What a monthly review needs to know from before its month: for each account, the client addresses it was already
/// seen from.
///
/// Exists so a review of one month can tell a first-seen address (a new PC, a home line, a stolen session) from a
/// usual one without reading years of records: the store keeps this summary up to date, or builds it from the
/// records before the month with `init(records:)`.
public struct AuditHistory: Sendable, Hashable, Codable {
    /// Client addresses by account.
    public private(set) var addressesByAccount: [String: Set<String>]

    public init(addressesByAccount: [String: Set<String>] = [:]) {
        self.addressesByAccount = addressesByAccount.filter { !$0.value.isEmpty }
    }

    /// The history of these records (all of them before the month under review).
    public init(records: some Sequence<AuditRecord>) {
        self.addressesByAccount = [:]
        for record in records { self.add(record) }
    }

    /// Nothing known: every address of every account is first seen.
    public static let empty = AuditHistory()

    /// Remembers the record's account and client address (records without either teach nothing).
    public mutating func add(_ record: AuditRecord) {
        self.add(account: record.account, address: record.clientAddress)
    }

    public mutating func add(account: String, address: String) {
        guard !account.isEmpty, !address.isEmpty else { return }
        self.addressesByAccount[account, default: []].insert(address)
    }

    /// Whether `account` was seen from `address` before.
    public func hasSeen(account: String, address: String) -> Bool {
        self.addressesByAccount[account]?.contains(address) ?? false
    }

    /// Whether `account` was seen at all before.
    public func knows(account: String) -> Bool { self.addressesByAccount[account] != nil }

    /// Sorted arrays, so the same history always encodes to the same bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let sorted = Dictionary(uniqueKeysWithValues: self.addressesByAccount.map { ($0.key, $0.value.sorted()) })
        try container.encode(sorted, forKey: .addressesByAccount)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let lists = try container.decode([String: [String]].self, forKey: .addressesByAccount)
        self.init(addressesByAccount: lists.mapValues { Set($0) })
    }

    private enum CodingKeys: String, CodingKey { case addressesByAccount }
}
