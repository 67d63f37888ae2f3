import Foundation

/// `audit:` in `pii-guard.yaml`: how long access records are kept, how often the chain is signed, where checkpoints
/// are also written, and which admin roles may review the records.
///
/// Defaults follow 개인정보의 안전성 확보조치 기준 제8조: records are kept two years (the longer period, for large
/// processors), signed every 1,000 records or 5 minutes.
public struct AuditConfiguration: Decodable, Sendable {
    /// Records older than this are purged (once a day; a signed retention checkpoint keeps the rest verifiable).
    public var retentionYears: Int = 2
    /// A checkpoint for every record whose sequence is a multiple of this.
    public var checkpointEvery: Int = 1_000
    /// And one for the head when this long passed since the last.
    public var checkpointInterval: Duration = .seconds(300)
    /// An append-only file (ideally on another system) that receives every checkpoint too; nil: none.
    public var checkpointFile: String?
    /// Admin roles (from the identity source) that may open `/__guard/audit`.
    public var auditorRoles: [String] = ["auditor"]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case retentionYears = "retention_years", checkpointEvery = "checkpoint_every"
        case checkpointInterval = "checkpoint_interval", checkpointFile = "checkpoint_file", auditorRoles = "auditor_roles"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.retentionYears = try c.decodeIfPresent(Int.self, forKey: .retentionYears) ?? self.retentionYears
        guard self.retentionYears <= 100 else {
            throw DecodingError.dataCorruptedError(forKey: .retentionYears, in: c, debugDescription: "must be 1–100")
        }
        guard self.retentionYears >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .retentionYears, in: c,
                debugDescription: "keep access records at least 1 year (the rules ask for 1, or 2 for large processors)")
        }
        self.checkpointEvery = try c.positive(.checkpointEvery, atMost: 100_000_000) ?? self.checkpointEvery
        self.checkpointInterval = try c.duration(.checkpointInterval) ?? self.checkpointInterval
        self.checkpointFile = try c.decodeIfPresent(String.self, forKey: .checkpointFile)
        self.auditorRoles = try c.decodeIfPresent([String].self, forKey: .auditorRoles) ?? self.auditorRoles
    }
}
