import Foundation
import GuardStore

/// How one attempt at a code ended. Decided in one store update (`SecondFactorService.attempt`), so the answer is
/// the one a strict one-after-another order of all attempts, on every guard sharing the store, would give.
enum AttemptOutcome<Accepted: Sendable>: Sendable {
    /// The code was right and is used up; what the comparison produced.
    case accepted(Accepted)
    /// The code was wrong and counted against both budgets; no lock (yet).
    case wrong
    /// The code was wrong and counted, and this count locked the account or the address (until the later end).
    case lockedByThisAttempt(until: Date)
    /// The account or the address was already locked: refused before any comparison, nothing counted or used.
    case refusedLocked(until: Date)
    /// Refused before a decision for another reason (not registered, no enrolment, a secret that cannot be
    /// opened): nothing counted, nothing changed.
    case refused(any Error)
}

/// The two lockout budgets an attempt spends — the account's and its client address's (`LockoutPolicy.forAddress`,
/// against spraying across accounts) — read and written inside a multi-record update.
struct AttemptBudgets: Sendable {
    let attempts: Records<AttemptLog>
    let policy: LockoutPolicy
    let accountKey: String
    let addressKey: String

    init(_ attempts: Records<AttemptLog>, policy: LockoutPolicy, account: String, clientAddress: String) {
        self.attempts = attempts
        self.policy = policy
        self.accountKey = "account:\(account)"
        self.addressKey = "ip:\(clientAddress)"
    }

    /// The two logs' records ("account:" and "ip:" keys never coincide).
    var keys: [RecordKey] { [self.attempts.key(self.accountKey), self.attempts.key(self.addressKey)] }

    /// When either subject is locked now: until when (the later end).
    func lockedUntil(in batch: RecordBatch, now: Date) throws(StoreError) -> Date? {
        Self.latestLock([try self.account(in: batch).status(at: now), try self.address(in: batch).status(at: now)])
    }

    /// Counts a wrong code or a code request against both budgets; when this count locked either, until when.
    func count(_ event: AttemptLog.Event, in batch: inout RecordBatch, now: Date) throws(StoreError) -> Date? {
        var byAccount = try self.account(in: batch)
        var byAddress = try self.address(in: batch)
        let decisions = [byAccount.record(event, at: now, policy: self.policy),
                         byAddress.record(event, at: now, policy: self.policy.forAddress)]
        try batch.set(self.attempts, self.accountKey, byAccount)
        try batch.set(self.attempts, self.addressKey, byAddress)
        return Self.latestLock(decisions)
    }

    /// A right code clears the account's failures (the address keeps its count: spraying is counted across accounts).
    func clearAccountFailures(in batch: inout RecordBatch) throws(StoreError) {
        var byAccount = try self.account(in: batch)
        byAccount.recordSuccess()
        try batch.set(self.attempts, self.accountKey, byAccount)
    }

    private func account(in batch: RecordBatch) throws(StoreError) -> AttemptLog {
        try batch.get(self.attempts, self.accountKey) ?? AttemptLog()
    }

    private func address(in batch: RecordBatch) throws(StoreError) -> AttemptLog {
        try batch.get(self.attempts, self.addressKey) ?? AttemptLog()
    }

    static func latestLock(_ decisions: [AttemptLog.Decision]) -> Date? {
        decisions.reduce(nil) { latest, decision in
            guard case .locked(let until) = decision else { return latest }
            return max(latest ?? until, until)
        }
    }
}

extension SecondFactorService {
    /// One attempt at a code: the lock check, the comparison and the count in ONE store update, over both attempt
    /// logs and the records the comparison reads (`records`). `compare` returns nil for a wrong code; for a right one
    /// it marks the code used in the batch and returns what the caller needs. It may throw to refuse (nothing is
    /// then written, nothing counted).
    ///
    /// Order inside the update: a locked account or address refuses before the code is looked at (so the right code
    /// is refused too, and the attempt is not counted and does not extend the lock); otherwise the code is compared;
    /// a wrong one is counted against both budgets at once, a right one is used up and (with `clearsFailures`)
    /// clears the account's failures. Because every attempt, on every guard sharing the store, runs this one
    /// transaction, concurrent attempts are decided one after another:
    /// - N concurrent wrong codes below the limit count exactly N (no lost update);
    /// - at the limit, the attempt whose count reaches `maxFailures` locks; every later one — wrong or right, same
    ///   burst or not — is refused as locked and not counted, so the lock's reason is exactly `maxFailures` failures
    ///   and nothing after it can succeed. (Counting the refused ones too would say nothing more and would let a
    ///   burst push the address's count for other accounts past what the attacker actually tried.)
    /// - a right code accepted inside a burst was decided before the limit was reached, as it would have been typed
    ///   alone; the wrong codes after it start a new count.
    func attempt<Accepted: Sendable>(
        account: String, clientAddress: String, records: [RecordKey], clearsFailures: Bool, now: Date,
        compare: @escaping @Sendable (inout RecordBatch) throws -> Accepted?
    ) async throws(StoreError) -> AttemptOutcome<Accepted> {
        let budgets = AttemptBudgets(self.attempts, policy: self.settings.lockout, account: account,
                                     clientAddress: clientAddress)
        return try await self.attempts.store.update(budgets.keys + records, now: now) { batch -> AttemptOutcome<Accepted> in
            if let until = try budgets.lockedUntil(in: batch, now: now) { return .refusedLocked(until: until) }
            let accepted: Accepted?
            do {
                accepted = try compare(&batch)
            } catch {
                batch.discardChanges()
                return .refused(error)
            }
            if let accepted {
                if clearsFailures { try budgets.clearAccountFailures(in: &batch) }
                return .accepted(accepted)
            }
            if let until = try budgets.count(.failure, in: &batch, now: now) { return .lockedByThisAttempt(until: until) }
            return .wrong
        }
    }

    /// Tells the access records what a refused attempt was and throws what the person is told; returns what a
    /// right code produced.
    func settle<Accepted>(_ outcome: AttemptOutcome<Accepted>, account: String, clientAddress: String, site: String?,
                          now: Date) async throws -> Accepted {
        switch outcome {
        case .accepted(let value):
            return value
        case .refusedLocked(let until):
            throw SecondFactorError.locked(until: until)
        case .refused(let error):
            throw error
        case .wrong:
            await self.events.record(.init(.failed, account: account, clientAddress: clientAddress, site: site, at: now))
            throw SecondFactorError.wrongCode
        case .lockedByThisAttempt(let until):
            await self.events.record(.init(.failed, account: account, clientAddress: clientAddress, site: site, at: now))
            await self.events.record(.init(.locked, account: account, clientAddress: clientAddress, site: site, at: now))
            throw SecondFactorError.locked(until: until)
        }
    }

    /// Counts a code request against both budgets in one store update: refused (not counted) while either is
    /// locked; the request past `maxSends` is counted, locks, and is refused. Only a lock set by this request is an
    /// event.
    func countSend(account: String, clientAddress: String, now: Date) async throws {
        let budgets = AttemptBudgets(self.attempts, policy: self.settings.lockout, account: account,
                                     clientAddress: clientAddress)
        let (until, lockedNow) = try await self.attempts.store.update(budgets.keys, now: now) { batch -> (Date?, Bool) in
            if let until = try budgets.lockedUntil(in: batch, now: now) { return (until, false) }
            let until = try budgets.count(.send, in: &batch, now: now)
            return (until, until != nil)
        }
        guard let until else { return }
        if lockedNow {
            await self.events.record(.init(.locked, account: account, clientAddress: clientAddress, at: now))
        }
        throw SecondFactorError.locked(until: until)
    }

    /// Inside an attempt: whether `typed` is the live code at `key`; if so, marks it used (single use).
    static func consume(_ typed: String, key: String, in batch: inout RecordBatch, issued: Records<IssuedCode>,
                        codes: OneTimeCodes, now: Date) throws(StoreError) -> Bool {
        guard var record = try batch.get(issued, key), codes.matches(typed, record: record, now: now) else { return false }
        record.used = true
        try batch.set(issued, key, record)
        return true
    }
}
