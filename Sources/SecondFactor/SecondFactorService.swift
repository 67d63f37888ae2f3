import Crypto
import Foundation
import GuardStore
import SealedSecrets

/// The second factor's flows over storage and channels: enrol, send a code, verify, check a proof, unlock.
///
/// Everything it decides comes from the pure rules beside it (`TOTP`, `OneTimeCodes`, `AttemptLog`,
/// `ProofPolicy`); everything it keeps goes through `RecordStore`, whose atomic update makes counters and proofs
/// correct when several guard instances share one database. Pages and the JSON API call this; it knows nothing of
/// HTTP. Failures that must be shown to a person come back as `SecondFactorError` with Korean and English text.
public struct SecondFactorService: Sendable {
    public struct Settings: Sendable {
        public var issuer: String
        public var lockout: LockoutPolicy
        public var proof: ProofPolicy
        public var codeValidity: Duration
        public var enrollmentValidity: Duration

        public init(issuer: String = "pii-guard", lockout: LockoutPolicy = .init(), proof: ProofPolicy = .init(),
                    codeValidity: Duration = .seconds(180), enrollmentValidity: Duration = .seconds(15 * 60)) {
            self.issuer = issuer
            self.lockout = lockout
            self.proof = proof
            self.codeValidity = codeValidity
            self.enrollmentValidity = enrollmentValidity
        }
    }

    let settings: Settings
    let codes: OneTimeCodes
    let secrets: SecretBox
    let delivery: any CodeDelivery
    let events: any SecondFactorEventSink
    let registrations: Records<Registration>
    let pending: Records<PendingEnrollment>
    let issued: Records<IssuedCode>
    let proofs: Records<Proof>
    let latest: Records<Date>
    let attempts: Records<AttemptLog>

    public init(store: any RecordStore, secrets: SecretBox, codeKey: SymmetricKey, delivery: any CodeDelivery,
                events: any SecondFactorEventSink, settings: Settings = .init()) {
        self.settings = settings
        self.codes = OneTimeCodes(key: codeKey, validity: settings.codeValidity)
        self.secrets = secrets
        self.delivery = delivery
        self.events = events
        self.registrations = Records(store, collection: "sf.registration")
        self.pending = Records(store, collection: "sf.pending")
        self.issued = Records(store, collection: "sf.code")
        self.proofs = Records(store, collection: "sf.proof")
        self.latest = Records(store, collection: "sf.latest")
        self.attempts = Records(store, collection: "sf.attempts")
    }

    // MARK: Enrolment

    /// Starts (or restarts) registration: checks the contacts, seals a new TOTP seed if the channel is the app,
    /// and sends a confirmation code to the emergency e-mail (and, for SMS/messenger, to the phone).
    public func beginEnrollment(account: String, accountEmail: String?, channel: FactorChannel, phone: String?,
                                emergencyEmail: String, clientAddress: String, now: Date) async throws -> TOTPProvisioning? {
        let email = try EmailAddress(parsing: emergencyEmail)
        if let accountEmail { try email.ensureDiffers(fromAccountEmail: accountEmail) }
        var phoneNumber: PhoneNumber? = nil
        if channel != .totp {
            guard let phone else { throw PhoneNumber.formatError }
            phoneNumber = try PhoneNumber(parsing: phone)
        }
        try await self.ensureNotLocked(account: account, clientAddress: clientAddress, now: now)
        var registration = Registration(
            account: account, channel: channel, phone: phoneNumber, sealedTOTPSecret: nil, lastTOTPStep: nil,
            emergencyEmail: email, cycleSeconds: nil, createdAt: now, updatedAt: now)
        var provisioning: TOTPProvisioning? = nil
        if channel == .totp {
            let totp = TOTP(secret: TOTP.generateSecret())
            registration.sealedTOTPSecret = try self.secrets.seal(totp.secret, context: "totp:\(account)")
            let uri = totp.provisioningURI(account: account, issuer: self.settings.issuer)
            provisioning = TOTPProvisioning(
                uri: uri, groupedSecret: Base32.grouped(Base32.encode(totp.secret)),
                qrSVG: try QRCode(text: uri).svg(moduleSize: 4, label: "QR code for the authenticator app"))
        }
        try await self.pending.put(
            account, PendingEnrollment(registration: registration, emailConfirmed: false),
            expiresAt: now.addingTimeInterval(Self.seconds(self.settings.enrollmentValidity)))
        try await self.send(.confirmEmail, account: account, to: .email(email), clientAddress: clientAddress, now: now)
        if let phoneNumber {
            let destination: CodeDestination = channel == .sms ? .sms(phoneNumber) : .messenger(phoneNumber)
            // One registration is one request, however many codes it sends.
            try await self.send(.confirmPhone, account: account, to: destination, clientAddress: clientAddress, now: now,
                                countAsSend: false)
        }
        return provisioning
    }

    /// Confirms the emergency e-mail code and the channel code (the app's current code, or the code sent to the
    /// phone); when both are proven the registration becomes active and replaces any previous one.
    ///
    /// When `session` is given, the person has just proven the channel from this session, so it also gets a proof
    /// (as `verify` would give) and need not type a second code right away.
    ///
    /// The lock check, both comparisons, the count of a wrong code and the new registration are one store update
    /// (`attempt`), so a burst of guesses cannot outrun the lock.
    ///
    /// `replacing`: the session id the browser came with, when `session` is a new one issued for this proof (the
    /// web pages always issue one, against session fixation); its proof, if any, is ended.
    public func completeEnrollment(account: String, emailCode: String, channelCode: String, clientAddress: String,
                                   now: Date, session: ProofSession? = nil,
                                   replacing previousSession: ProofSession? = nil) async throws {
        let (pending, issued, registrations, codes) = (self.pending, self.issued, self.registrations, self.codes)
        let emailKey = Self.codeKey(account, .confirmEmail)
        let phoneKey = Self.codeKey(account, .confirmPhone)
        let outcome = try await self.attempt(
            account: account, clientAddress: clientAddress,
            records: [pending.key(account), issued.key(emailKey), issued.key(phoneKey), registrations.key(account)],
            clearsFailures: session != nil, now: now
        ) { batch -> Enrolled? in
            guard var enrollment = try batch.get(pending, account) else { throw SecondFactorError.noEnrollment }
            if !enrollment.emailConfirmed {
                guard try Self.consume(emailCode, key: emailKey, in: &batch, issued: issued, codes: codes, now: now) else {
                    return nil
                }
                // Remembered (the record keeps its expiry), so a wrong channel code does not make the person wait
                // for another e-mail.
                enrollment.emailConfirmed = true
                try batch.set(pending, account, enrollment)
            }
            var registration = enrollment.registration
            switch registration.channel {
            case .totp:
                let totp = try self.totp(for: registration)
                guard let step = totp.verify(channelCode, at: now, lastUsedStep: nil) else { return nil }
                registration.lastTOTPStep = step
            case .sms, .messenger:
                guard try Self.consume(channelCode, key: phoneKey, in: &batch, issued: issued, codes: codes, now: now) else {
                    return nil
                }
            }
            let previous = try batch.get(registrations, account)
            registration.createdAt = previous?.createdAt ?? now
            registration.updatedAt = now
            registration.cycleSeconds = previous?.cycleSeconds
            try batch.set(registrations, account, registration)
            try batch.set(pending, account, nil)
            return Enrolled(previous: previous)
        }
        let previous = try await self.settle(outcome, account: account, clientAddress: clientAddress, site: nil,
                                             now: now).previous
        if let previous {
            // Any change of registered information is told to the e-mail registered before it.
            await self.delivery.notifyRegistrationChanged(to: previous.emergencyEmail, account: account)
        }
        await self.events.record(.init(.registrationChanged, account: account, clientAddress: clientAddress,
                                       site: session?.site, at: now))
        if let session {
            try await self.grantProof(account: account, session: session, replacing: previousSession,
                                      clientAddress: clientAddress, now: now)
        }
    }

    /// Sets (or, with `nil`, clears) the account's own verification cycle (인증 주기). It may only be shorter than
    /// the guard's cycle and no shorter than 10 minutes. The registered e-mail is told of the change.
    /// The lockout policy in force (the pages say how long a lock lasts).
    public var lockout: LockoutPolicy { self.settings.lockout }

    public func setCycle(account: String, cycle: Duration?, clientAddress: String, now: Date) async throws {
        if let cycle, cycle < Self.shortestCycle || cycle > self.settings.proof.cycle {
            throw SecondFactorError.invalidCycle(longest: self.settings.proof.cycle)
        }
        let seconds = cycle.map { Int(Self.seconds($0)) }
        let previous = try await self.registrations.update(account, now: now) { stored -> Registration? in
            guard var current = stored else { return nil }
            let before = current
            current.cycleSeconds = seconds
            current.updatedAt = now
            stored = current
            return before
        }
        guard let previous else { throw SecondFactorError.notRegistered }
        if previous.cycleSeconds != seconds {
            await self.delivery.notifyRegistrationChanged(to: previous.emergencyEmail, account: account)
            await self.events.record(.init(.registrationChanged, account: account, clientAddress: clientAddress,
                                           detail: "cycle", at: now))
        }
    }

    /// The shortest cycle an account may choose.
    public static let shortestCycle: Duration = .seconds(10 * 60)

    /// The cycle that applies to the account: its own, if shorter, else the guard's.
    public func effectiveCycle(for registration: Registration) -> Duration { self.cycle(for: registration) }

    /// The registration being set up, as the confirmation page shows it again (after a wrong code, or a reload): the
    /// channel, the phone, and for an authenticator app the same QR code and secret.
    public func pendingEnrollment(account: String, now: Date) async throws
        -> (registration: Registration, provisioning: TOTPProvisioning?, emailConfirmed: Bool)?
    {
        guard let pending = try await self.pending.get(account, now: now) else { return nil }
        var provisioning: TOTPProvisioning? = nil
        if pending.registration.channel == .totp {
            let totp = try self.totp(for: pending.registration)
            let uri = totp.provisioningURI(account: account, issuer: self.settings.issuer)
            provisioning = TOTPProvisioning(
                uri: uri, groupedSecret: Base32.grouped(Base32.encode(totp.secret)),
                qrSVG: try QRCode(text: uri).svg(moduleSize: 4, label: "QR code for the authenticator app"))
        }
        return (pending.registration, provisioning, pending.emailConfirmed)
    }

    public func registration(account: String, now: Date = Date()) async throws -> Registration? {
        try await self.registrations.get(account, now: now)
    }

    // MARK: Codes and verification

    /// Sends a verification code by the registered channel, or to the emergency e-mail when asked ("인증번호를
    /// 받으실 수 없나요?") or when the messenger says it cannot deliver. Returns where it went and, for a fallback, why.
    public func sendVerificationCode(account: String, clientAddress: String, emergency: Bool, now: Date) async throws
        -> (channel: String, fallbackReason: String?)
    {
        guard let registration = try await self.registrations.get(account, now: now) else { throw SecondFactorError.notRegistered }
        try await self.ensureNotLocked(account: account, clientAddress: clientAddress, now: now)
        if registration.channel == .totp && !emergency { return ("totp", nil) }
        let destination: CodeDestination
        if emergency || registration.phone == nil {
            destination = .email(registration.emergencyEmail)
        } else {
            destination = registration.channel == .sms ? .sms(registration.phone!) : .messenger(registration.phone!)
        }
        let outcome = try await self.send(.verify, account: account, to: destination, clientAddress: clientAddress, now: now)
        if case .undeliverable(let reason) = outcome {
            try await self.send(.verify, account: account, to: .email(registration.emergencyEmail),
                                clientAddress: clientAddress, now: now, countAsSend: false)
            return ("email", reason)
        }
        return (destination.channelName, nil)
    }

    /// Verifies a code for this session on this site from this address. On success the session gets a proof (and,
    /// on a shared account, every older proof stops counting); on failure the attempt counts toward the lockout.
    ///
    /// The lock check, the comparison (the sent code, else the app's code past the last one used) and the count are
    /// one store update (`attempt`): concurrent attempts on any guard are decided one after another, so a locked
    /// account refuses the right code too, and no attempt after the `maxFailures`-th wrong one can succeed.
    ///
    /// `replacing`: the hash of the session id the browser came with, when `sessionHash` belongs to a new id issued
    /// for this proof (against session fixation: an id someone else chose or saw must not be the one that gets the
    /// proof). Its proof, if any, is ended, so the old id opens nothing.
    public func verify(account: String, sessionHash: String, site: String, clientAddress: String, code: String,
                       now: Date, replacing previousSessionHash: String? = nil) async throws {
        let (issued, registrations, codes) = (self.issued, self.registrations, self.codes)
        let codeKey = Self.codeKey(account, .verify)
        let outcome = try await self.attempt(
            account: account, clientAddress: clientAddress, records: [issued.key(codeKey), registrations.key(account)],
            clearsFailures: true, now: now
        ) { batch -> Bool? in
            guard var registration = try batch.get(registrations, account) else { throw SecondFactorError.notRegistered }
            if try Self.consume(code, key: codeKey, in: &batch, issued: issued, codes: codes, now: now) { return true }
            guard registration.channel == .totp else { return nil }
            let totp = try self.totp(for: registration)
            guard let step = totp.verify(code, at: now, lastUsedStep: registration.lastTOTPStep) else { return nil }
            registration.lastTOTPStep = step
            try batch.set(registrations, account, registration)
            return true
        }
        _ = try await self.settle(outcome, account: account, clientAddress: clientAddress, site: site, now: now)
        try await self.grantProof(account: account, session: ProofSession(sessionHash: sessionHash, site: site),
                                  replacing: previousSessionHash.map { ProofSession(sessionHash: $0, site: site) },
                                  clientAddress: clientAddress, now: now)
    }

    /// Gives the session a proof; on a shared account, every older proof on this site stops counting. The proof of
    /// `previous` (the id this session replaces) is ended first: if that fails nothing is granted (fail closed).
    private func grantProof(account: String, session: ProofSession, replacing previous: ProofSession? = nil,
                            clientAddress: String, now: Date) async throws {
        if let previous, previous != session {
            try await self.proofs.delete("\(previous.site):\(previous.sessionHash)")
        }
        let registration = try await self.registrations.get(account, now: now)
        let proof = Proof(sessionHash: session.sessionHash, account: account, site: session.site,
                          clientAddress: clientAddress, verifiedAt: now)
        let cycle = registration.map(self.cycle(for:)) ?? self.settings.proof.cycle
        try await self.proofs.put("\(session.site):\(session.sessionHash)", proof,
                                  expiresAt: Self.keepUntil(proof, cycle: cycle))
        try await self.latest.put("\(session.site):\(account)", now)
        // The account's failures were cleared by the attempt that earned this proof, in the same store update.
        await self.events.record(.init(.verified, account: account, clientAddress: clientAddress, site: session.site, at: now))
    }

    /// Ends this session's proof (the guard's logout). The admin's own session is untouched.
    public func endProof(session: ProofSession) async throws {
        try await self.proofs.delete("\(session.site):\(session.sessionHash)")
    }

    /// What the session's proof looks like now, without touching its idle clock: for `GET /__guard/api/session`.
    public func proofStatus(account: String, session: ProofSession, now: Date) async throws -> ProofStatus? {
        guard let proof = try await self.proofs.get("\(session.site):\(session.sessionHash)", now: now),
            proof.account == account
        else { return nil }
        let registration = try await self.registrations.get(account, now: now)
        let cycle = registration.map(self.cycle(for:)) ?? self.settings.proof.cycle
        let latest = try await self.latest.get("\(session.site):\(account)", now: now)
        return ProofStatus(
            verifiedAt: proof.verifiedAt, clientAddress: proof.clientAddress,
            idleExpiresAt: proof.lastSeenAt.addingTimeInterval(Self.seconds(self.settings.proof.idleTimeout)),
            cycleExpiresAt: proof.verifiedAt.addingTimeInterval(Self.seconds(cycle)),
            superseded: self.settings.proof.latestOnly && (latest.map { $0 > proof.verifiedAt } ?? false))
    }

    /// Whether this session may open a protected menu now. Refreshes the idle clock on success; revokes the proof
    /// when the address changed; records why a proof ended.
    public func check(account: String, sessionHash: String, site: String, clientAddress: String, now: Date) async throws
        -> ProofPolicy.Verdict
    {
        try await self.checkProof(account: account, sessionHash: sessionHash, site: site, clientAddress: clientAddress,
                                  now: now).verdict
    }

    /// `check`, also returning when the valid proof was earned (for the signed identity headers).
    public func checkProof(account: String, sessionHash: String, site: String, clientAddress: String, now: Date)
        async throws -> (verdict: ProofPolicy.Verdict, verifiedAt: Date?)
    {
        let key = "\(site):\(sessionHash)"
        let proof = try await self.proofs.get(key, now: now)
        guard let proof, proof.account == account else { return (.missing, nil) }
        let registration = try await self.registrations.get(account, now: now)
        var policy = self.settings.proof
        if let registration { policy.cycle = self.cycle(for: registration) }
        let latest = try await self.latest.get("\(site):\(account)", now: now)
        let verdict = policy.evaluate(proof, clientAddress: clientAddress, now: now, latestVerification: latest)
        switch verdict {
        case .valid:
            // The idle clock is refreshed at most every `touchInterval`: a page load sends dozens of requests, and a
            // write for each would make the store the proxy's bottleneck. Idle ends at most that much early.
            if now.timeIntervalSince(proof.lastSeenAt) >= Self.touchInterval(policy.idleTimeout) {
                try await self.proofs.update(key, now: now, expiresAt: Self.keepUntil(proof, cycle: policy.cycle)) {
                    stored in stored?.lastSeenAt = now
                }
            }
        case .addressChanged, .idle, .cycleEnded, .superseded:
            try await self.proofs.delete(key)
            let kind: SecondFactorEvent.Kind = switch verdict {
            case .addressChanged: .ipChanged
            case .idle: .idleExpired
            case .cycleEnded: .cycleExpired
            default: .superseded
            }
            await self.events.record(.init(kind, account: account, clientAddress: clientAddress, site: site, at: now))
        case .missing:
            break
        }
        return (verdict, verdict == .valid ? proof.verifiedAt : nil)
    }

    /// `pii-guard users unlock ACCOUNT`.
    public func unlock(account: String, now: Date) async throws {
        try await self.attempts.update("account:\(account)", now: now) { log in log = nil }
        await self.events.record(.init(.unlocked, account: account, at: now))
    }

    /// Lifts the lock of a client address (`pii-guard users unlock ACCOUNT --ip ADDRESS`).
    public func unlock(clientAddress: String, now: Date) async throws {
        try await self.attempts.update("ip:\(clientAddress)", now: now) { log in log = nil }
    }

    /// When the account (or this address) is locked, until when.
    public func lockedUntil(account: String, clientAddress: String, now: Date) async throws -> Date? {
        try await self.lockStatus(account: account, clientAddress: clientAddress, now: now)?.until
    }

    /// Whether the account or this address is locked: until when (the later of the two), and whose locks they are
    /// (the lock page says which, so the administrator knows whether `users unlock` needs `--ip`).
    public func lockStatus(account: String, clientAddress: String, now: Date) async throws -> (until: Date, scopes: Set<LockScope>)? {
        var until: Date? = nil
        var scopes: Set<LockScope> = []
        for (key, scope) in [("account:\(account)", LockScope.account), ("ip:\(clientAddress)", .address)] {
            if case .locked(let end) = (try await self.attempts.get(key, now: now) ?? AttemptLog()).status(at: now) {
                scopes.insert(scope)
                until = max(until ?? end, end)
            }
        }
        return until.map { ($0, scopes) }
    }

    /// Wrong codes this account may still type from this address before a lock (the smaller of the two budgets).
    public func remainingAttempts(account: String, clientAddress: String, now: Date) async throws -> Int {
        let byAccount = (try await self.attempts.get("account:\(account)", now: now) ?? AttemptLog())
            .remainingFailures(at: now, policy: self.settings.lockout)
        let byAddress = (try await self.attempts.get("ip:\(clientAddress)", now: now) ?? AttemptLog())
            .remainingFailures(at: now, policy: self.settings.lockout.forAddress)
        return min(byAccount, byAddress)
    }

    /// Sends the registration's codes again (the e-mail code unless already confirmed, and the phone code), keeping
    /// the same authenticator secret, so an app entry the person already added stays good.
    /// Returns false when there was nothing to send (an app registration whose e-mail is already confirmed).
    @discardableResult
    public func resendEnrollmentCodes(account: String, clientAddress: String, now: Date) async throws -> Bool {
        try await self.ensureNotLocked(account: account, clientAddress: clientAddress, now: now)
        guard let enrollment = try await self.pending.get(account, now: now) else { throw SecondFactorError.noEnrollment }
        var counted = false
        if !enrollment.emailConfirmed {
            try await self.send(.confirmEmail, account: account, to: .email(enrollment.registration.emergencyEmail),
                                clientAddress: clientAddress, now: now)
            counted = true
        }
        if let phone = enrollment.registration.phone {
            let destination: CodeDestination = enrollment.registration.channel == .sms ? .sms(phone) : .messenger(phone)
            try await self.send(.confirmPhone, account: account, to: destination, clientAddress: clientAddress, now: now,
                                countAsSend: !counted)
            counted = true
        }
        return counted
    }

    // MARK: Internals

    private func ensureNotLocked(account: String, clientAddress: String, now: Date) async throws {
        if let until = try await self.lockedUntil(account: account, clientAddress: clientAddress, now: now) {
            throw SecondFactorError.locked(until: until)
        }
    }

    /// Issues, stores (hashed) and delivers one code; counts the send toward the lockout.
    @discardableResult
    private func send(_ purpose: IssuedCode.Purpose, account: String, to destination: CodeDestination,
                      clientAddress: String, now: Date, countAsSend: Bool = true) async throws -> DeliveryOutcome {
        if countAsSend { try await self.countSend(account: account, clientAddress: clientAddress, now: now) }
        let (code, record) = self.codes.issue(account: account, purpose: purpose, now: now)
        try await self.issued.put(Self.codeKey(account, purpose), record, expiresAt: record.expiresAt)
        let minutes = Int(Self.seconds(self.settings.codeValidity) / 60)
        let outcome = await self.delivery.deliver(code: code, minutes: minutes, to: destination, account: account)
        // What became of it, never the code or the address: "sms", "messenger undeliverable", "email failed".
        let result: String = switch outcome {
        case .sent: destination.channelName
        case .undeliverable: "\(destination.channelName) undeliverable"
        case .failed: "\(destination.channelName) failed"
        }
        await self.events.record(.init(.codeSent, account: account, clientAddress: clientAddress, detail: result, at: now))
        if case .failed = outcome { throw SecondFactorError.deliveryFailed }
        return outcome
    }

    /// Where the code issued to `account` for `purpose` is kept.
    static func codeKey(_ account: String, _ purpose: IssuedCode.Purpose) -> String { "\(account):\(purpose.rawValue)" }

    /// What a completed registration replaced (its e-mail is told).
    struct Enrolled: Sendable { let previous: Registration? }

    private func totp(for registration: Registration) throws -> TOTP {
        guard let sealed = registration.sealedTOTPSecret else { throw SecondFactorError.notRegistered }
        return TOTP(secret: try self.secrets.open(sealed, context: "totp:\(registration.account)"))
    }

    private func cycle(for registration: Registration) -> Duration {
        guard let seconds = registration.cycleSeconds else { return self.settings.proof.cycle }
        return min(self.settings.proof.cycle, .seconds(seconds))
    }

    static func seconds(_ duration: Duration) -> Double { ProofPolicy.seconds(duration) }

    /// How stale a proof's idle clock may get before a request refreshes it: a thirtieth of the idle timeout, at most
    /// 30 seconds (1 minute of a 30-minute timeout would be 30 s).
    static func touchInterval(_ idleTimeout: Duration) -> TimeInterval { min(30, self.seconds(idleTimeout) / 30) }

    /// Proof records outlive their cycle by a day, so that a late request is told *why* (cycle ended, an event for
    /// the audit trail) rather than finding nothing; the store purges them after that.
    static func keepUntil(_ proof: Proof, cycle: Duration) -> Date {
        proof.verifiedAt.addingTimeInterval(self.seconds(cycle) + 86_400)
    }
}

/// What a person is told when a second-factor step fails.
public enum SecondFactorError: Error, Equatable, Sendable {
    case notRegistered
    case noEnrollment
    case wrongCode
    case locked(until: Date)
    case deliveryFailed
    /// The chosen cycle is outside 10 minutes … the guard's own cycle.
    case invalidCycle(longest: Duration)
}

/// The browser session a proof belongs to: the hash of the guard cookie's id, and the site.
public struct ProofSession: Sendable, Equatable, Hashable {
    public let sessionHash: String
    public let site: String
    public init(sessionHash: String, site: String) {
        self.sessionHash = sessionHash
        self.site = site
    }
}

/// A proof as the session API shows it.
public struct ProofStatus: Sendable, Equatable {
    public let verifiedAt: Date
    public let clientAddress: String
    /// When the proof ends without further requests.
    public let idleExpiresAt: Date
    /// When the proof ends however active (인증 주기).
    public let cycleExpiresAt: Date
    /// Someone else verified on this account later (shared account).
    public let superseded: Bool

    /// Whether a request from `clientAddress` at `now` would pass with this proof.
    public func isValid(from clientAddress: String, at now: Date) -> Bool {
        !self.superseded && self.clientAddress == clientAddress && now < self.idleExpiresAt && now < self.cycleExpiresAt
    }
}
