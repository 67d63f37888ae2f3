import Crypto
import Foundation
import GuardStore
import GuardStorePostgres
import GuardTestSupport
import Logging
import SealedSecrets
import Synchronization
import Testing

@testable import SecondFactor

/// The backends the store-backed second-factor tests run on (as `Tests/GuardStoreTests` do).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { self.rawValue }
}

/// One shared store and one or more guards on it: each guard is a `SecondFactorService` over its own opener of the
/// store (its own SQLite pool on the file, its own PostgreSQL pool on the database), with the keys every guard
/// derives from the one master key, as `SecondFactorAssembly` gives them.
final class SharedStoreGuards: Sendable {
    let backend: Backend
    let guards: [SecondFactorService]
    let delivery: RecordingDelivery
    let events: InMemoryEventSink
    private let folder: String
    private let databases: [PostgresDatabase]

    private init(backend: Backend, guards: [SecondFactorService], folder: String, databases: [PostgresDatabase],
                 delivery: RecordingDelivery, events: InMemoryEventSink) {
        self.backend = backend
        self.guards = guards
        self.folder = folder
        self.databases = databases
        self.delivery = delivery
        self.events = events
    }

    /// Runs `body` with `count` guards on a fresh store, closing every connection afterwards.
    static func with(_ backend: Backend, guards count: Int, lockout: LockoutPolicy = .init(),
                     _ body: (SharedStoreGuards) async throws -> Void) async throws {
        let folder = NSTemporaryDirectory() + "pii-guard-sf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var stores: [any RecordStore] = []
        var databases: [PostgresDatabase] = []
        switch backend {
        case .sqlite:
            for _ in 0..<count { stores.append(try SQLiteRecordStore(path: folder + "/guard.sqlite")) }
        case .postgres:
            let cluster = try await PostgresTestCluster.shared()
            let name = try await cluster.createDatabase(prefix: "sf")
            var settings = try PostgresSettings.parse(url: cluster.url(database: name))
            settings.maxConnections = 8
            // Two cores shared by the whole suite: these tests check counting, not deadlines.
            settings.operationTimeout = .seconds(60)
            settings.connectTimeout = .seconds(10)
            var logger = Logger(label: "second-factor-test")
            logger.logLevel = .critical
            for _ in 0..<count {
                let database = try PostgresDatabase(settings: settings, logger: logger)
                databases.append(database)
                stores.append(try await PostgresRecordStore.open(database))
            }
        }
        let secrets = SecretBox(key: SymmetricKey(size: .bits256))
        let codeKey = SymmetricKey(size: .bits256)
        let delivery = RecordingDelivery()
        let events = InMemoryEventSink(limit: 100_000)
        let guards = stores.map { store in
            SecondFactorService(store: store, secrets: secrets, codeKey: codeKey, delivery: delivery, events: events,
                                settings: .init(lockout: lockout))
        }
        let shared = SharedStoreGuards(backend: backend, guards: guards, folder: folder, databases: databases,
                                       delivery: delivery, events: events)
        do {
            try await body(shared)
        } catch {
            await shared.close()
            throw error
        }
        await shared.close()
    }

    func close() async {
        for database in self.databases { await database.close() }
        try? FileManager.default.removeItem(atPath: self.folder)
    }
}

/// What one attempt in a burst was told.
enum AttemptAnswer: Sendable, Equatable {
    case accepted
    case wrongCode
    case locked
    case other(String)
}

extension SharedStoreGuards {
    /// Registers `account` with an authenticator app through the first guard; returns the person's app.
    func enrollTOTP(_ account: String, at now: Date, from address: String) async throws -> TOTP {
        let service = self.guards[0]
        let provisioning = try #require(try await service.beginEnrollment(
            account: account, accountEmail: "\(account)@demo-shop.example", channel: .totp, phone: nil,
            emergencyEmail: "\(account).backup@mail.example", clientAddress: address, now: now))
        let app = TOTP(secret: try #require(Base32.decode(provisioning.groupedSecret)))
        try await service.completeEnrollment(
            account: account, emailCode: try #require(self.delivery.lastEmailCode()), channelCode: app.code(at: now),
            clientAddress: address, now: now)
        return app
    }

    /// Six digits the app does not accept at `now` (neither the current step nor its neighbours).
    static func wrongCode(for app: TOTP, at now: Date) -> String {
        let near = Set([-30.0, 0, 30].map { app.code(at: now.addingTimeInterval($0)) })
        return ["000000", "111111", "222222", "333333"].first { !near.contains($0) } ?? "444444"
    }

    /// How many events of `kind` the access records got for `account`.
    func count(_ kind: SecondFactorEvent.Kind, for account: String) -> Int {
        self.events.events.filter { $0.kind == kind && $0.account == account }.count
    }

    /// Fires every code at once (one task each, spread over the guards in turn) for `account` from `address`; a code
    /// with `after` set starts only once that many wrong codes of the account have been told to the person (the
    /// budget is spent while the rest of the burst is still in flight). The answers, in the order of `codes`.
    func burst(account: String, address: String, codes: [(code: String, after: Int?)], now: Date) async -> [AttemptAnswer] {
        await withTaskGroup(of: (Int, AttemptAnswer).self) { group in
            for (index, attempt) in codes.enumerated() {
                let service = self.guards[index % self.guards.count]
                group.addTask {
                    if let after = attempt.after {
                        let deadline = ContinuousClock.now + .seconds(60)
                        while self.count(.failed, for: account) < after, ContinuousClock.now < deadline {
                            try? await Task.sleep(for: .milliseconds(1))
                        }
                    }
                    do {
                        try await service.verify(account: account, sessionHash: "burst-\(index)", site: "admin",
                                                 clientAddress: address, code: attempt.code, now: now)
                        return (index, .accepted)
                    } catch SecondFactorError.wrongCode {
                        return (index, .wrongCode)
                    } catch SecondFactorError.locked {
                        return (index, .locked)
                    } catch {
                        return (index, .other("\(error)"))
                    }
                }
            }
            var answers = [AttemptAnswer](repeating: .other("not run"), count: codes.count)
            for await (index, answer) in group { answers[index] = answer }
            return answers
        }
    }
}

/// Issue 16 (3/4): a burst of concurrent codes cannot outrun the lockout. Every attempt is decided in one store
/// update (lock check, comparison, count), on SQLite and on PostgreSQL, with one guard or two sharing the store.
@Suite("Lockout under concurrent attempts, on each backend")
struct LockoutRaceTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let guardCounts = [1, 2]

    /// 50 wrong codes and the right one, all at once from one address, several rounds. Whatever order the store
    /// decides them in, exactly `maxFailures` failures are counted and lock, every later attempt is refused as locked
    /// without being counted, and the right code is accepted only if it was decided before the lock. (A right code
    /// clears the account's count but not the address's, so with equal budgets the address locks at the
    /// `maxFailures`-th wrong code either way; the account too unless the right code came after some.) In the first
    /// rounds the right code is added to the burst last (usually decided after the lock: refused), in the others
    /// first (usually decided before it: accepted); the test prints how each round went.
    @Test(arguments: Backend.allCases, Self.guardCounts)
    func fiftyWrongCodesAndTheRightOneAtOnceSpendExactlyTheBudget(_ backend: Backend, guards: Int) async throws {
        let rounds = 6
        let limit = LockoutPolicy().maxFailures
        try await SharedStoreGuards.with(backend, guards: guards) { shared in
            var refused: [Bool: Int] = [:]
            for round in 0..<rounds {
                let rightFirst = round >= rounds / 2
                let account = "burst-\(round)"
                let address = "10.1.\(round).1"
                // Enrolment counts a code request against its address: one address per round keeps within maxSends.
                let app = try await shared.enrollTOTP(account, at: self.start, from: "10.9.\(round).9")
                let now = self.start.addingTimeInterval(120)
                let wrong = SharedStoreGuards.wrongCode(for: app, at: now)
                let wrongs = Array(repeating: (code: wrong, after: Int?.none), count: 50)
                let right = (code: app.code(at: now), after: Int?.none)
                var answers = await shared.burst(account: account, address: address,
                                                 codes: rightFirst ? [right] + wrongs : wrongs + [right], now: now)
                if rightFirst { answers.append(answers.removeFirst()) }  // the right code's answer last, as below

                #expect(!answers.contains { if case .other = $0 { true } else { false } }, "\(answers)")
                let told = answers.filter { $0 == .wrongCode }.count
                let rightAccepted = answers.last == .accepted
                #expect(answers.dropLast().allSatisfy { $0 != .accepted })  // no wrong code ever passes
                // Every counted failure was told "wrong code", except the one whose count locked.
                #expect(shared.count(.failed, for: account) == told + 1)
                #expect(shared.count(.locked, for: account) == 1)
                #expect(told == limit - 1)
                #expect(shared.count(.failed, for: account) == limit)
                #expect(answers.filter { $0 == .locked }.count == 51 - (limit - 1) - (rightAccepted ? 1 : 0))
                let status = try await shared.guards[0].lockStatus(account: account, clientAddress: address, now: now)
                #expect(status?.until == now.addingTimeInterval(7200))
                if rightAccepted {
                    #expect(shared.count(.verified, for: account) == 1)
                    #expect(status?.scopes.contains(.address) == true)
                } else {
                    refused[rightFirst, default: 0] += 1
                    #expect(answers.last == .locked)
                    #expect(shared.count(.verified, for: account) == 0)
                    #expect(status?.scopes == [.account, .address])
                }
                #expect(try await shared.guards[0].remainingAttempts(account: account, clientAddress: address, now: now) == 0)
            }
            print("lockout race [\(backend), \(guards) guard(s)]: the right code was refused in "
                + "\(refused[false, default: 0]) of \(rounds / 2) rounds where it was fired last, "
                + "\(refused[true, default: 0]) of \(rounds / 2) where it was fired first")
        }
    }

    /// The right code fired inside the burst once the budget is spent (the `maxFailures`-th wrong code has been
    /// told), while the other wrong codes are still in flight on both guards: refused as locked, and the lock's
    /// reason is exactly `maxFailures` failures.
    @Test(arguments: Backend.allCases, Self.guardCounts)
    func theRightCodeInsideTheBurstAfterTheBudgetIsSpentIsRefused(_ backend: Backend, guards: Int) async throws {
        let limit = LockoutPolicy().maxFailures
        try await SharedStoreGuards.with(backend, guards: guards) { shared in
            for round in 0..<3 {
                let account = "spent-\(round)"
                let address = "10.2.\(round).1"
                let app = try await shared.enrollTOTP(account, at: self.start, from: "10.9.\(round).9")
                let now = self.start.addingTimeInterval(120)
                let wrong = SharedStoreGuards.wrongCode(for: app, at: now)
                let codes = Array(repeating: (code: wrong, after: Int?.none), count: 50) + [(app.code(at: now), limit)]
                let answers = await shared.burst(account: account, address: address, codes: codes, now: now)
                #expect(answers.last == .locked)
                #expect(!answers.contains(.accepted))
                #expect(answers.filter { $0 == .wrongCode }.count == limit - 1)
                #expect(answers.filter { $0 == .locked }.count == 51 - (limit - 1))
                #expect(shared.count(.failed, for: account) == limit)
                #expect(shared.count(.locked, for: account) == 1)
                // The code was not used up by the refused attempt: after an unlock of both, it still works.
                try await shared.guards[0].unlock(account: account, now: now)
                try await shared.guards[0].unlock(clientAddress: address, now: now)
                try await shared.guards[guards - 1].verify(account: account, sessionHash: "after", site: "admin",
                                                           clientAddress: address, code: app.code(at: now), now: now)
            }
        }
    }

    /// Semantics below and at the limit: 40 concurrent wrong codes with room for 100 count exactly 40; with a limit
    /// of 5 they count exactly 5 (the fifth locks) and the other 35 are refused as locked, not counted.
    @Test(arguments: Backend.allCases)
    func fortyConcurrentWrongCodesCountOncePerAttempt(_ backend: Backend) async throws {
        let roomy = LockoutPolicy(maxFailures: 100)
        try await SharedStoreGuards.with(backend, guards: 2, lockout: roomy) { shared in
            let app = try await shared.enrollTOTP("forty", at: self.start, from: "10.9.9.9")
            let now = self.start.addingTimeInterval(120)
            let wrong = SharedStoreGuards.wrongCode(for: app, at: now)
            let answers = await shared.burst(account: "forty", address: "10.3.0.1",
                                             codes: Array(repeating: (wrong, nil), count: 40), now: now)
            #expect(answers == Array(repeating: .wrongCode, count: 40))
            #expect(shared.count(.failed, for: "forty") == 40)
            #expect(try await shared.guards[1].remainingAttempts(account: "forty", clientAddress: "10.3.0.1", now: now) == 60)
            #expect(try await shared.guards[0].lockStatus(account: "forty", clientAddress: "10.3.0.1", now: now) == nil)
        }
        try await SharedStoreGuards.with(backend, guards: 2) { shared in
            let app = try await shared.enrollTOTP("forty", at: self.start, from: "10.9.9.9")
            let now = self.start.addingTimeInterval(120)
            let wrong = SharedStoreGuards.wrongCode(for: app, at: now)
            let answers = await shared.burst(account: "forty", address: "10.3.0.1",
                                             codes: Array(repeating: (wrong, nil), count: 40), now: now)
            #expect(answers.filter { $0 == .wrongCode }.count == 4)
            #expect(answers.filter { $0 == .locked }.count == 36)
            #expect(shared.count(.failed, for: "forty") == 5)
            #expect(shared.count(.locked, for: "forty") == 1)
        }
    }

    /// The address budget is counted in the same update as the account's: ten accounts sprayed at once from one
    /// address, one wrong code each, count exactly five against the address; the other five are refused.
    @Test(arguments: Backend.allCases)
    func aConcurrentSprayAcrossAccountsSpendsTheAddressBudgetExactly(_ backend: Backend) async throws {
        try await SharedStoreGuards.with(backend, guards: 2) { shared in
            let now = self.start.addingTimeInterval(120)
            var wrong: [String: String] = [:]
            for index in 0..<10 {
                let app = try await shared.enrollTOTP("spray-\(index)", at: self.start, from: "10.9.9.\(index)")
                wrong["spray-\(index)"] = SharedStoreGuards.wrongCode(for: app, at: now)
            }
            let answers = await withTaskGroup(of: AttemptAnswer.self) { group in
                for index in 0..<10 {
                    let service = shared.guards[index % 2]
                    let code = wrong["spray-\(index)"] ?? "000000"
                    group.addTask {
                        do {
                            try await service.verify(account: "spray-\(index)", sessionHash: "s", site: "admin",
                                                     clientAddress: "10.4.0.1", code: code, now: now)
                            return .accepted
                        } catch SecondFactorError.wrongCode {
                            return .wrongCode
                        } catch SecondFactorError.locked {
                            return .locked
                        } catch {
                            return .other("\(error)")
                        }
                    }
                }
                var answers: [AttemptAnswer] = []
                for await answer in group { answers.append(answer) }
                return answers
            }
            #expect(answers.filter { $0 == .wrongCode }.count == 4)
            #expect(answers.filter { $0 == .locked }.count == 6)
            #expect(shared.events.events.filter { $0.kind == .failed }.count == 5)
            #expect(shared.events.events.filter { $0.kind == .locked }.count == 1)
            let status = try await shared.guards[0].lockStatus(account: "someone-else", clientAddress: "10.4.0.1", now: now)
            #expect(status?.scopes == [.address])
        }
    }

    /// Code requests spend the send budget the same way: 20 at once over two guards, after the one the enrolment
    /// sent, deliver exactly `maxSends - 1` codes; the request past the budget locks, the rest are refused.
    @Test(arguments: Backend.allCases)
    func concurrentCodeRequestsSpendTheSendBudgetExactly(_ backend: Backend) async throws {
        let limit = LockoutPolicy().maxSends
        try await SharedStoreGuards.with(backend, guards: 2) { shared in
            _ = try await shared.enrollTOTP("sender", at: self.start, from: "10.5.0.1")
            let now = self.start.addingTimeInterval(120)
            let answers = await withTaskGroup(of: AttemptAnswer.self) { group in
                for index in 0..<20 {
                    let service = shared.guards[index % 2]
                    group.addTask {
                        do {
                            _ = try await service.sendVerificationCode(account: "sender", clientAddress: "10.5.0.1",
                                                                       emergency: true, now: now)
                            return .accepted
                        } catch SecondFactorError.locked {
                            return .locked
                        } catch {
                            return .other("\(error)")
                        }
                    }
                }
                var answers: [AttemptAnswer] = []
                for await answer in group { answers.append(answer) }
                return answers
            }
            #expect(answers.filter { $0 == .accepted }.count == limit - 1)
            #expect(answers.filter { $0 == .locked }.count == 20 - (limit - 1))
            #expect(shared.delivery.sent.withLock { $0.filter { $0.account == "sender" }.count } == limit)  // with enrolment's
            #expect(shared.count(.locked, for: "sender") == 1)
        }
    }
}
