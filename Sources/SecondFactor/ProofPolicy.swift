import Foundation

/// A second-factor proof: this browser session passed verification from this client address at this time.
///
/// Proofs belong to one site's session; the registration they were earned with belongs to the account.
public struct Proof: Sendable, Codable, Equatable {
    /// Hash of the guard cookie's random id (the id itself is never stored).
    public let sessionHash: String
    public let account: String
    public let site: String
    /// The client address the proof was earned from, in canonical text form.
    public let clientAddress: String
    public let verifiedAt: Date
    public var lastSeenAt: Date

    public init(sessionHash: String, account: String, site: String, clientAddress: String, verifiedAt: Date) {
        self.sessionHash = sessionHash
        self.account = account
        self.site = site
        self.clientAddress = clientAddress
        self.verifiedAt = verifiedAt
        self.lastSeenAt = verifiedAt
    }
}

/// When a proof stops counting.
public struct ProofPolicy: Sendable, Equatable {
    /// No request for this long ends the proof (default 30 minutes).
    public var idleTimeout: Duration
    /// 인증 주기: a proof never outlives this, however active (default 12 hours; an account may shorten it).
    public var cycle: Duration
    /// On a shared account, only the latest proof stays valid.
    public var latestOnly: Bool

    public init(idleTimeout: Duration = .seconds(30 * 60), cycle: Duration = .seconds(12 * 60 * 60),
                latestOnly: Bool = true) {
        self.idleTimeout = idleTimeout
        self.cycle = cycle
        self.latestOnly = latestOnly
    }

    /// Why a request must verify again, or `.valid`.
    public enum Verdict: Sendable, Equatable {
        case valid
        case missing
        /// The request comes from another address than the proof was earned from: the proof is revoked.
        case addressChanged
        case idle
        case cycleEnded
        /// Someone else verified on this account later (shared account, `latestOnly`).
        case superseded(by: Date)
    }

    /// Judges `proof` for a request from `clientAddress` at `now`.
    /// - Parameters:
    ///   - latestVerification: the account's most recent proof time across all sessions on this site.
    ///   - accountCycle: the account's own, shorter cycle, if it set one.
    public func evaluate(_ proof: Proof?, clientAddress: String, now: Date, latestVerification: Date?,
                         accountCycle: Duration? = nil) -> Verdict {
        guard let proof else { return .missing }
        if proof.clientAddress != clientAddress { return .addressChanged }
        let cycle = min(self.cycle, accountCycle ?? self.cycle)
        if now.timeIntervalSince(proof.verifiedAt) >= Self.seconds(cycle) { return .cycleEnded }
        if now.timeIntervalSince(proof.lastSeenAt) >= Self.seconds(self.idleTimeout) { return .idle }
        if self.latestOnly, let latest = latestVerification, latest > proof.verifiedAt { return .superseded(by: latest) }
        return .valid
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
