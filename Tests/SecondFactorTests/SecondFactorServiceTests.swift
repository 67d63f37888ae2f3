import Crypto
import Foundation
import GuardStore
import SealedSecrets
import Synchronization
import Testing

@testable import SecondFactor

/// Captures what the channels were asked to send; can play an undeliverable messenger or a broken gateway.
final class RecordingDelivery: CodeDelivery {
    struct Sent: Sendable { let code: String; let destination: CodeDestination; let account: String }
    let sent = Mutex<[Sent]>([])
    let notices = Mutex<[String]>([])
    /// When set, the messenger answers that the recipient cannot be reached (their number changed).
    let messengerUndeliverable = Mutex(false)

    func deliver(code: String, minutes: Int, to destination: CodeDestination, account: String) async -> DeliveryOutcome {
        if case .messenger = destination, self.messengerUndeliverable.withLock({ $0 }) {
            return .undeliverable(reason: "result=RECIPIENT_CHANGED")
        }
        self.sent.withLock { $0.append(Sent(code: code, destination: destination, account: account)) }
        return .sent
    }

    func notifyRegistrationChanged(to email: EmailAddress, account: String) async {
        self.notices.withLock { $0.append(email.address) }
    }

    func lastCode(to match: (CodeDestination) -> Bool) -> String? {
        self.sent.withLock { $0.last { match($0.destination) }?.code }
    }

    func lastEmailCode() -> String? { self.lastCode { if case .email = $0 { true } else { false } } }
    func lastPhoneCode() -> String? { self.lastCode { if case .email = $0 { false } else { true } } }
}

struct Fixture {
    let service: SecondFactorService
    let delivery: RecordingDelivery
    let events: InMemoryEventSink
    let databasePath: String

    init(proof: ProofPolicy = .init()) throws {
        self.databasePath = FileManager.default.temporaryDirectory
            .appendingPathComponent("sf-\(UUID().uuidString)/guard.sqlite").path
        self.delivery = RecordingDelivery()
        self.events = InMemoryEventSink()
        self.service = SecondFactorService(
            store: try SQLiteRecordStore(path: self.databasePath), secrets: SecretBox(key: SymmetricKey(size: .bits256)),
            codeKey: SymmetricKey(size: .bits256), delivery: self.delivery, events: self.events,
            settings: .init(proof: proof))
    }

    /// Registers `account` with an authenticator app; returns the TOTP as the person's app would compute it.
    func enrollTOTP(_ account: String, at now: Date, from address: String = "127.0.0.1") async throws -> TOTP {
        let provisioning = try #require(try await self.service.beginEnrollment(
            account: account, accountEmail: "\(account)@demo-shop.example", channel: .totp, phone: nil,
            emergencyEmail: "\(account).backup@mail.example", clientAddress: address, now: now))
        #expect(provisioning.uri.hasPrefix("otpauth://totp/"))
        #expect(provisioning.qrSVG.hasPrefix("<svg"))
        let app = TOTP(secret: try #require(Base32.decode(provisioning.groupedSecret)))
        try await self.service.completeEnrollment(
            account: account, emailCode: try #require(self.delivery.lastEmailCode()), channelCode: app.code(at: now),
            clientAddress: address, now: now)
        return app
    }
}

@Suite("Second-factor flows")
struct SecondFactorServiceTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anAuthenticatorAppRegistersAndItsCodesOpenTheMenuOnce() async throws {
        let fixture = try Fixture()
        let app = try await fixture.enrollTOTP("seller-a", at: self.start)
        #expect(try await fixture.service.registration(account: "seller-a")?.channel == .totp)

        let now = self.start.addingTimeInterval(60)
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s1", site: "admin",
                                                clientAddress: "127.0.0.1", now: now) == .missing)
        try await fixture.service.verify(account: "seller-a", sessionHash: "s1", site: "admin", clientAddress: "127.0.0.1",
                                         code: app.code(at: now), now: now)
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s1", site: "admin",
                                                clientAddress: "127.0.0.1", now: now.addingTimeInterval(5)) == .valid)
        // The same code again (another session) is a replay.
        await #expect(throws: SecondFactorError.wrongCode) {
            try await fixture.service.verify(account: "seller-a", sessionHash: "s2", site: "admin", clientAddress: "127.0.0.1",
                                             code: app.code(at: now), now: now.addingTimeInterval(1))
        }
        // A proof belongs to its site.
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s1", site: "account-center",
                                                clientAddress: "127.0.0.1", now: now) == .missing)
        #expect(fixture.events.events.map(\.kind).contains(.verified))
    }

    @Test func aProofEarnedFromOneAddressDoesNotOpenTheMenuFromAnother() async throws {
        let fixture = try Fixture()
        let app = try await fixture.enrollTOTP("seller-a", at: self.start)
        let now = self.start.addingTimeInterval(60)
        try await fixture.service.verify(account: "seller-a", sessionHash: "s1", site: "admin", clientAddress: "127.0.0.1",
                                         code: app.code(at: now), now: now)
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s1", site: "admin",
                                                clientAddress: "127.0.0.2", now: now) == .addressChanged)
        // Revoked: back at the first address it is gone too.
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s1", site: "admin",
                                                clientAddress: "127.0.0.1", now: now) == .missing)
        #expect(fixture.events.events.contains { $0.kind == .ipChanged })
    }

    @Test func proofsEndWhenIdleAndAtTheCycle() async throws {
        let fixture = try Fixture(proof: ProofPolicy(idleTimeout: .seconds(600), cycle: .seconds(3600)))
        let app = try await fixture.enrollTOTP("seller-a", at: self.start)
        var now = self.start.addingTimeInterval(60)
        try await fixture.service.verify(account: "seller-a", sessionHash: "s1", site: "admin", clientAddress: "127.0.0.1",
                                         code: app.code(at: now), now: now)
        // Active every 9 minutes: still valid until the cycle ends.
        for _ in 0..<6 {
            now = now.addingTimeInterval(540)
            #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s1", site: "admin",
                                                    clientAddress: "127.0.0.1", now: now) == .valid)
        }
        now = now.addingTimeInterval(540)  // 63 minutes after verification
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s1", site: "admin",
                                                clientAddress: "127.0.0.1", now: now) == .cycleEnded)

        now = now.addingTimeInterval(60)
        try await fixture.service.verify(account: "seller-a", sessionHash: "s2", site: "admin", clientAddress: "127.0.0.1",
                                         code: app.code(at: now), now: now)
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s2", site: "admin",
                                                clientAddress: "127.0.0.1", now: now.addingTimeInterval(601)) == .idle)
    }

    @Test func onASharedAccountOnlyTheLastPersonToPassStaysIn() async throws {
        let fixture = try Fixture()
        let app = try await fixture.enrollTOTP("shop", at: self.start)
        let first = self.start.addingTimeInterval(60)
        try await fixture.service.verify(account: "shop", sessionHash: "browser-a", site: "admin", clientAddress: "127.0.0.1",
                                         code: app.code(at: first), now: first)
        let second = first.addingTimeInterval(60)
        try await fixture.service.verify(account: "shop", sessionHash: "browser-b", site: "admin", clientAddress: "127.0.0.2",
                                         code: app.code(at: second), now: second)
        #expect(try await fixture.service.check(account: "shop", sessionHash: "browser-b", site: "admin",
                                                clientAddress: "127.0.0.2", now: second) == .valid)
        #expect(try await fixture.service.check(account: "shop", sessionHash: "browser-a", site: "admin",
                                                clientAddress: "127.0.0.1", now: second) == .superseded(by: second))
    }

    @Test func aProofGrantedToARenewedSessionEndsTheOldSessionsProof() async throws {
        // latest_only off, so only the renewal (not the shared-account rule) can end the old id's proof.
        let fixture = try Fixture(proof: .init(latestOnly: false))
        let app = try await fixture.enrollTOTP("seller-a", at: self.start)
        let first = self.start.addingTimeInterval(60)
        try await fixture.service.verify(account: "seller-a", sessionHash: "planted", site: "admin",
                                         clientAddress: "127.0.0.1", code: app.code(at: first), now: first)
        let second = first.addingTimeInterval(60)
        try await fixture.service.verify(account: "seller-a", sessionHash: "renewed", site: "admin",
                                         clientAddress: "127.0.0.1", code: app.code(at: second), now: second,
                                         replacing: "planted")
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "renewed", site: "admin",
                                                clientAddress: "127.0.0.1", now: second) == .valid)
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "planted", site: "admin",
                                                clientAddress: "127.0.0.1", now: second) == .missing)
        // A wrong code renews nothing: the session it came from keeps its proof.
        await #expect(throws: SecondFactorError.wrongCode) {
            try await fixture.service.verify(account: "seller-a", sessionHash: "third", site: "admin",
                                             clientAddress: "127.0.0.1", code: "000000", now: second, replacing: "renewed")
        }
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "renewed", site: "admin",
                                                clientAddress: "127.0.0.1", now: second) == .valid)
    }

    @Test func fiveWrongCodesLockTheAccountForTwoHoursUntilUnlocked() async throws {
        let fixture = try Fixture()
        let app = try await fixture.enrollTOTP("seller-a", at: self.start)
        let now = self.start.addingTimeInterval(60)
        for attempt in 1...5 {
            let error = await #expect(throws: SecondFactorError.self) {
                try await fixture.service.verify(account: "seller-a", sessionHash: "s", site: "admin",
                                                 clientAddress: "127.0.0.1", code: "000000", now: now.addingTimeInterval(Double(attempt)))
            }
            #expect(attempt < 5 ? error == .wrongCode : error == .locked(until: now.addingTimeInterval(5 + 7200)))
        }
        // Even the right code is refused while locked, from any address.
        await #expect(throws: SecondFactorError.locked(until: now.addingTimeInterval(5 + 7200))) {
            try await fixture.service.verify(account: "seller-a", sessionHash: "s", site: "admin", clientAddress: "127.0.0.9",
                                             code: app.code(at: now.addingTimeInterval(30)), now: now.addingTimeInterval(30))
        }
        try await fixture.service.unlock(account: "seller-a", now: now.addingTimeInterval(60))
        // The address that sprayed is still locked; another address gets in.
        let later = now.addingTimeInterval(90)
        try await fixture.service.verify(account: "seller-a", sessionHash: "s", site: "admin", clientAddress: "127.0.0.9",
                                         code: app.code(at: later), now: later)
        #expect(fixture.events.events.contains { $0.kind == .locked })
        #expect(fixture.events.events.contains { $0.kind == .unlocked })
    }

    @Test func oneAddressSprayingAcrossAccountsIsLocked() async throws {
        let fixture = try Fixture()
        for index in 0..<5 { _ = try await fixture.enrollTOTP("seller-\(index)", at: self.start, from: "127.0.0.50") }
        let now = self.start.addingTimeInterval(60)
        for index in 0..<4 {
            await #expect(throws: SecondFactorError.wrongCode) {
                try await fixture.service.verify(account: "seller-\(index)", sessionHash: "s", site: "admin",
                                                 clientAddress: "127.0.0.66", code: "000000", now: now)
            }
        }
        await #expect(throws: SecondFactorError.locked(until: now.addingTimeInterval(7200))) {
            try await fixture.service.verify(account: "seller-4", sessionHash: "s", site: "admin",
                                             clientAddress: "127.0.0.66", code: "000000", now: now)
        }
    }

    @Test func smsCodesAndTheEmergencyEmailWork() async throws {
        let fixture = try Fixture()
        _ = try await fixture.service.beginEnrollment(
            account: "seller-b", accountEmail: "seller-b@demo-shop.example", channel: .sms, phone: "010-2345-6789",
            emergencyEmail: "park.backup@mail.example", clientAddress: "127.0.0.1", now: self.start)
        let emailCode = try #require(fixture.delivery.lastEmailCode())
        // A wrong phone code: the e-mail stays confirmed, the right phone code then completes.
        await #expect(throws: SecondFactorError.wrongCode) {
            try await fixture.service.completeEnrollment(account: "seller-b", emailCode: emailCode, channelCode: "000000",
                                                         clientAddress: "127.0.0.1", now: self.start)
        }
        try await fixture.service.completeEnrollment(
            account: "seller-b", emailCode: "", channelCode: try #require(fixture.delivery.lastPhoneCode()),
            clientAddress: "127.0.0.1", now: self.start)
        #expect(try await fixture.service.registration(account: "seller-b")?.phone?.e164 == "+821023456789")

        let now = self.start.addingTimeInterval(120)
        let sent = try await fixture.service.sendVerificationCode(account: "seller-b", clientAddress: "127.0.0.1",
                                                                  emergency: false, now: now)
        #expect(sent.channel == "sms")
        let emergency = try await fixture.service.sendVerificationCode(account: "seller-b", clientAddress: "127.0.0.1",
                                                                       emergency: true, now: now)
        #expect(emergency.channel == "email")
        // The newest code is the one that counts; it expires after 3 minutes and is good for one use.
        let expired = try #require(fixture.delivery.lastEmailCode())
        await #expect(throws: SecondFactorError.wrongCode) {
            try await fixture.service.verify(account: "seller-b", sessionHash: "x", site: "admin", clientAddress: "127.0.0.1",
                                             code: expired, now: now.addingTimeInterval(181))
        }
        let fresh = now.addingTimeInterval(200)
        _ = try await fixture.service.sendVerificationCode(account: "seller-b", clientAddress: "127.0.0.1", emergency: false, now: fresh)
        let code = try #require(fixture.delivery.lastPhoneCode())
        try await fixture.service.verify(account: "seller-b", sessionHash: "x", site: "admin", clientAddress: "127.0.0.1",
                                         code: code, now: fresh.addingTimeInterval(10))
        await #expect(throws: SecondFactorError.wrongCode) {
            try await fixture.service.verify(account: "seller-b", sessionHash: "y", site: "admin", clientAddress: "127.0.0.1",
                                             code: code, now: fresh.addingTimeInterval(15))
        }
    }

    @Test func anUndeliverableMessengerFallsBackToTheEmergencyEmailAndSaysWhy() async throws {
        let fixture = try Fixture()
        _ = try await fixture.service.beginEnrollment(
            account: "seller-c", accountEmail: nil, channel: .messenger, phone: "01098765432",
            emergencyEmail: "c.backup@mail.example", clientAddress: "127.0.0.1", now: self.start)
        try await fixture.service.completeEnrollment(
            account: "seller-c", emailCode: try #require(fixture.delivery.lastEmailCode()),
            channelCode: try #require(fixture.delivery.lastPhoneCode()), clientAddress: "127.0.0.1", now: self.start)
        // Later the person changes their number: the messenger can no longer reach them.
        fixture.delivery.messengerUndeliverable.withLock { $0 = true }
        let emailsBefore = fixture.delivery.sent.withLock { $0.filter { if case .email = $0.destination { true } else { false } }.count }
        let sent = try await fixture.service.sendVerificationCode(account: "seller-c", clientAddress: "127.0.0.1",
                                                                  emergency: false, now: self.start.addingTimeInterval(60))
        #expect(sent.channel == "email")
        #expect(sent.fallbackReason == "result=RECIPIENT_CHANGED")
        let emailsAfter = fixture.delivery.sent.withLock { $0.filter { if case .email = $0.destination { true } else { false } }.count }
        #expect(emailsAfter == emailsBefore + 1)
        try await fixture.service.verify(account: "seller-c", sessionHash: "s", site: "admin", clientAddress: "127.0.0.1",
                                         code: try #require(fixture.delivery.lastEmailCode()), now: self.start.addingTimeInterval(70))
    }

    @Test func aSixthCodeRequestWithinTheWindowLocks() async throws {
        let fixture = try Fixture()
        _ = try await fixture.enrollTOTP("seller-a", at: self.start)  // enrolment sent one code (the e-mail check)
        var now = self.start.addingTimeInterval(10)
        for _ in 0..<4 {
            now = now.addingTimeInterval(10)
            _ = try await fixture.service.sendVerificationCode(account: "seller-a", clientAddress: "127.0.0.1", emergency: true, now: now)
        }
        now = now.addingTimeInterval(10)
        await #expect(throws: SecondFactorError.locked(until: now.addingTimeInterval(7200))) {
            _ = try await fixture.service.sendVerificationCode(account: "seller-a", clientAddress: "127.0.0.1", emergency: true, now: now)
        }
    }

    @Test func changingTheEmergencyEmailTellsThePreviousOne() async throws {
        let fixture = try Fixture()
        _ = try await fixture.enrollTOTP("seller-a", at: self.start)
        let later = self.start.addingTimeInterval(3600)
        let provisioning = try #require(try await fixture.service.beginEnrollment(
            account: "seller-a", accountEmail: "seller-a@demo-shop.example", channel: .totp, phone: nil,
            emergencyEmail: "new.backup@mail.example", clientAddress: "127.0.0.1", now: later))
        let app = TOTP(secret: try #require(Base32.decode(provisioning.groupedSecret)))
        try await fixture.service.completeEnrollment(
            account: "seller-a", emailCode: try #require(fixture.delivery.lastEmailCode()), channelCode: app.code(at: later),
            clientAddress: "127.0.0.1", now: later)
        #expect(fixture.delivery.notices.withLock { $0 } == ["seller-a.backup@mail.example"])
    }

    @Test func theEmergencyEmailMustDifferFromTheAccountEmail() async throws {
        let fixture = try Fixture()
        await #expect(throws: RegistrationError.self) {
            _ = try await fixture.service.beginEnrollment(
                account: "seller-a", accountEmail: "seller-a@demo-shop.example", channel: .totp, phone: nil,
                emergencyEmail: "Seller-A@Demo-Shop.example", clientAddress: "127.0.0.1", now: self.start)
        }
    }

    @Test func theStoreHoldsNoCodeAndNoSecretInClear() async throws {
        let fixture = try Fixture()
        let app = try await fixture.enrollTOTP("seller-a", at: self.start)
        _ = try await fixture.service.sendVerificationCode(account: "seller-a", clientAddress: "127.0.0.1", emergency: true,
                                                           now: self.start.addingTimeInterval(30))
        let code = try #require(fixture.delivery.lastEmailCode())
        let folder = (fixture.databasePath as NSString).deletingLastPathComponent
        var bytes = Data()
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) {
            bytes.append(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))
        }
        #expect(bytes.range(of: Data(code.utf8)) == nil)
        #expect(bytes.range(of: Data(app.secret)) == nil)
        #expect(bytes.range(of: Data(Base32.encode(app.secret).utf8)) == nil)
        #expect(!fixture.events.events.contains { ($0.detail ?? "").contains(code) })
    }

    @Test func finishingRegistrationFromASessionGivesThatSessionAProof() async throws {
        let fixture = try Fixture()
        let provisioning = try #require(try await fixture.service.beginEnrollment(
            account: "seller-a", accountEmail: nil, channel: .totp, phone: nil,
            emergencyEmail: "seller-a.backup@mail.example", clientAddress: "127.0.0.1", now: self.start))
        // The confirmation page can be shown again with the same QR code and secret.
        let again = try #require(try await fixture.service.pendingEnrollment(account: "seller-a", now: self.start))
        #expect(again.provisioning == provisioning)
        let app = TOTP(secret: try #require(Base32.decode(provisioning.groupedSecret)))
        let session = ProofSession(sessionHash: "session-1", site: "admin")
        try await fixture.service.completeEnrollment(
            account: "seller-a", emailCode: try #require(fixture.delivery.lastEmailCode()), channelCode: app.code(at: self.start),
            clientAddress: "127.0.0.1", now: self.start, session: session)
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "session-1", site: "admin",
                                                clientAddress: "127.0.0.1", now: self.start.addingTimeInterval(60)) == .valid)
        let status = try #require(try await fixture.service.proofStatus(account: "seller-a", session: session,
                                                                        now: self.start.addingTimeInterval(60)))
        #expect(status.isValid(from: "127.0.0.1", at: self.start.addingTimeInterval(61)))
        #expect(!status.isValid(from: "127.0.0.2", at: self.start.addingTimeInterval(61)))
        #expect(status.cycleExpiresAt == self.start.addingTimeInterval(12 * 3600))
        #expect(try await fixture.service.pendingEnrollment(account: "seller-a", now: self.start) == nil)
        try await fixture.service.endProof(session: session)
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "session-1", site: "admin",
                                                clientAddress: "127.0.0.1", now: self.start.addingTimeInterval(90)) == .missing)
    }

    @Test func anAccountMayShortenItsCycleButNotLengthenItAndTheEmailIsTold() async throws {
        let fixture = try Fixture()
        let app = try await fixture.enrollTOTP("seller-a", at: self.start)
        await #expect(throws: SecondFactorError.invalidCycle(longest: .seconds(12 * 3600))) {
            try await fixture.service.setCycle(account: "seller-a", cycle: .seconds(13 * 3600), clientAddress: "127.0.0.1",
                                               now: self.start)
        }
        await #expect(throws: SecondFactorError.invalidCycle(longest: .seconds(12 * 3600))) {
            try await fixture.service.setCycle(account: "seller-a", cycle: .seconds(60), clientAddress: "127.0.0.1",
                                               now: self.start)
        }
        try await fixture.service.setCycle(account: "seller-a", cycle: .seconds(3600), clientAddress: "127.0.0.1", now: self.start)
        #expect(fixture.delivery.notices.withLock { $0 } == ["seller-a.backup@mail.example"])
        let later = self.start.addingTimeInterval(60)
        try await fixture.service.verify(account: "seller-a", sessionHash: "s", site: "admin", clientAddress: "127.0.0.1",
                                         code: app.code(at: later), now: later)
        for minutes in [20.0, 40, 59] {
            #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s", site: "admin", clientAddress: "127.0.0.1",
                                                    now: later.addingTimeInterval(minutes * 60)) == .valid)
        }
        #expect(try await fixture.service.check(account: "seller-a", sessionHash: "s", site: "admin", clientAddress: "127.0.0.1",
                                                now: later.addingTimeInterval(3600)) == .cycleEnded)
        await #expect(throws: SecondFactorError.notRegistered) {
            try await fixture.service.setCycle(account: "nobody", cycle: nil, clientAddress: "127.0.0.1", now: self.start)
        }
    }

    @Test func aLockedAccountCannotAskForAChallengeEvenWithAnApp() async throws {
        let fixture = try Fixture()
        _ = try await fixture.enrollTOTP("seller-a", at: self.start)
        for _ in 0..<5 {
            _ = try? await fixture.service.verify(account: "seller-a", sessionHash: "s", site: "admin",
                                                  clientAddress: "127.0.0.9", code: "000000", now: self.start)
        }
        await #expect(throws: SecondFactorError.self) {
            _ = try await fixture.service.sendVerificationCode(account: "seller-a", clientAddress: "127.0.0.8",
                                                               emergency: false, now: self.start)
        }
        try await fixture.service.unlock(account: "seller-a", now: self.start)
        // The address that sprayed stays locked until its own lock is lifted.
        #expect(try await fixture.service.lockedUntil(account: "seller-a", clientAddress: "127.0.0.9", now: self.start) != nil)
        try await fixture.service.unlock(clientAddress: "127.0.0.9", now: self.start)
        #expect(try await fixture.service.lockedUntil(account: "seller-a", clientAddress: "127.0.0.9", now: self.start) == nil)
    }

    @Test func theDevOutboxAndTheEventSinkKeepOnlyTheLatest() async throws {
        let printed = Mutex(0)
        let outbox = DevOutbox(limit: 3, printer: { _ in printed.withLock { $0 += 1 } })
        let phone = try PhoneNumber(parsing: "010-1234-5678")
        for index in 0..<5 {
            _ = await outbox.deliver(code: String(format: "%06d", index), minutes: 3, to: .sms(phone), account: "a")
        }
        #expect(outbox.messages.map(\.code) == ["000004", "000003", "000002"])
        #expect(outbox.messages.first?.destination == "010-1234-5678")
        #expect(printed.withLock { $0 } == 5)
        let sink = InMemoryEventSink(limit: 2)
        for kind in [SecondFactorEvent.Kind.failed, .locked, .unlocked] { await sink.record(.init(kind, account: "a", at: self.start)) }
        #expect(sink.events.map(\.kind) == [.locked, .unlocked])
    }
}
