import Foundation

/// `exports:` in `pii-guard.yaml`: the file-password policy, how long a stated reason waits for its download, and the
/// largest export read.
///
/// Defaults follow the Korean guidance for passwords that protect personal data (10 characters, or 8 with three
/// kinds) and leave ten minutes between the reason page and the download.
public struct ExportConfiguration: Decodable, Sendable {
    public var passwordMinimumLength = 10
    public var passwordMinimumLengthWithKinds = 8
    public var passwordKindsForShorter = 3
    public var generatedPasswordLength = 16
    /// How long a ticket (reason + password) waits for its one download.
    public var ticketLifetime: Duration = .seconds(600)
    /// Largest upstream export read, in megabytes (larger: refused with a message).
    public var maxMegabytes = 512

    enum CodingKeys: String, CodingKey, CaseIterable {
        case password, ticketLifetime = "ticket_lifetime", maxMegabytes = "max_megabytes"
    }

    enum PasswordKeys: String, CodingKey, CaseIterable {
        case minLength = "min_length", minLengthWithKinds = "min_length_with_kinds", kindsForShorter = "kinds_for_shorter"
        case generatedLength = "generated_length"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.password) {
            let p = try c.nestedContainer(keyedBy: PasswordKeys.self, forKey: .password)
            try c.superDecoder(forKey: .password).rejectUnknownKeys(PasswordKeys.self)
            // Lengths beyond 255 could never be typed (PasswordPolicy.maxLength): refused here, before any use.
            self.passwordMinimumLength = try p.positive(.minLength, atMost: 255) ?? self.passwordMinimumLength
            self.passwordMinimumLengthWithKinds = try p.positive(.minLengthWithKinds, atMost: 255)
                ?? self.passwordMinimumLengthWithKinds
            self.passwordKindsForShorter = try p.positive(.kindsForShorter, atMost: 4) ?? self.passwordKindsForShorter
            self.generatedPasswordLength = try p.positive(.generatedLength, atMost: 255) ?? self.generatedPasswordLength
            guard self.passwordKindsForShorter <= 4 else {
                throw DecodingError.dataCorruptedError(forKey: .kindsForShorter, in: p,
                    debugDescription: "there are 4 kinds of characters (upper, lower, digits, symbols)")
            }
            guard self.generatedPasswordLength >= max(self.passwordMinimumLength, 8), self.generatedPasswordLength <= 255 else {
                throw DecodingError.dataCorruptedError(forKey: .generatedLength, in: p,
                    debugDescription: "generated passwords must meet the policy: at least min_length (\(self.passwordMinimumLength)), at most 255")
            }
        }
        self.ticketLifetime = try c.duration(.ticketLifetime) ?? self.ticketLifetime
        // At most 64 GiB: `maxMegabytes << 20` must stay a meaningful limit.
        self.maxMegabytes = try c.positive(.maxMegabytes, atMost: 65_536) ?? self.maxMegabytes
    }
}
