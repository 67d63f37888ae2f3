import Foundation

/// How many wrong codes or code requests are tolerated, and for how long an account (or a client address) is then
/// locked. Defaults follow 개인정보의 안전성 확보조치 기준 제5조⑥ practice: 5 within 30 minutes, then 2 hours.
public struct LockoutPolicy: Sendable, Equatable {
    public var maxFailures: Int
    public var maxSends: Int
    public var window: Duration
    public var lockDuration: Duration
    /// The same counts for one client address across all accounts (against spraying). An office behind one NAT
    /// address shares this budget, so operators may raise it; the default is the account's.
    public var addressMaxFailures: Int
    public var addressMaxSends: Int

    public init(maxFailures: Int = 5, maxSends: Int = 5, window: Duration = .seconds(30 * 60),
                lockDuration: Duration = .seconds(2 * 60 * 60), addressMaxFailures: Int? = nil,
                addressMaxSends: Int? = nil) {
        self.maxFailures = maxFailures
        self.maxSends = maxSends
        self.window = window
        self.lockDuration = lockDuration
        self.addressMaxFailures = addressMaxFailures ?? maxFailures
        self.addressMaxSends = addressMaxSends ?? maxSends
    }

    /// The policy as it applies to a client address.
    public var forAddress: LockoutPolicy {
        var policy = self
        policy.maxFailures = self.addressMaxFailures
        policy.maxSends = self.addressMaxSends
        return policy
    }
}

/// Whose lock it is: the account's, or the client address's (too many tries across accounts from one place).
public enum LockScope: String, Sendable, Equatable {
    case account
    case address
}

/// The attempt history of one subject (an account, or a client address against spraying across accounts).
///
/// A value type: the store loads it, `record` decides, the store saves it back (in one transaction, so that several
/// guard instances count together).
public struct AttemptLog: Sendable, Codable, Equatable {
    public enum Event: String, Sendable, Codable { case failure, send }

    public private(set) var failures: [Date] = []
    public private(set) var sends: [Date] = []
    public private(set) var lockedUntil: Date?

    public init() {}

    public enum Decision: Sendable, Equatable {
        case allowed
        /// Locked until this time (the lock page says so).
        case locked(until: Date)
    }

    /// Whether the subject is locked now.
    public func status(at now: Date) -> Decision {
        if let until = self.lockedUntil, now < until { return .locked(until: until) }
        return .allowed
    }

    /// Records a wrong code or a code request and says whether the subject is (now) locked: the `maxFailures`-th
    /// wrong code within the window locks; `maxSends` codes may be sent within the window, asking for one more
    /// locks (and is refused). An event while locked does not extend the lock.
    @discardableResult
    public mutating func record(_ event: Event, at now: Date, policy: LockoutPolicy) -> Decision {
        if case .locked = self.status(at: now) { return self.status(at: now) }
        let windowStart = now.addingTimeInterval(-Double(policy.window.components.seconds))
        self.failures.removeAll { $0 <= windowStart }
        self.sends.removeAll { $0 <= windowStart }
        switch event {
        case .failure: self.failures.append(now)
        case .send: self.sends.append(now)
        }
        if self.failures.count >= policy.maxFailures || self.sends.count > policy.maxSends {
            let until = now.addingTimeInterval(Double(policy.lockDuration.components.seconds))
            self.lockedUntil = until
            self.failures = []
            self.sends = []
            return .locked(until: until)
        }
        return .allowed
    }

    /// Wrong codes still allowed in the window before the lock.
    public func remainingFailures(at now: Date, policy: LockoutPolicy) -> Int {
        if case .locked = self.status(at: now) { return 0 }
        let windowStart = now.addingTimeInterval(-Double(policy.window.components.seconds))
        return max(0, policy.maxFailures - self.failures.filter { $0 > windowStart }.count)
    }

    /// A successful verification clears the failures (sends still count toward the window).
    public mutating func recordSuccess() {
        self.failures = []
    }

    /// `pii-guard users unlock ACCOUNT`.
    public mutating func unlock() {
        self = AttemptLog()
    }
}
