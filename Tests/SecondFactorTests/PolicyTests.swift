import Crypto
import Foundation
import Testing

@testable import SecondFactor

@Suite("One-time codes")
struct OneTimeCodeTests {
    let codes = OneTimeCodes(key: SymmetricKey(size: .bits256))
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func codesAreSixDigitsStoredOnlyAsAKeyedHash() {
        let (code, record) = self.codes.issue(account: "seller-a", purpose: .verify, now: self.now)
        #expect(code.count == 6 && code.allSatisfy(\.isNumber))
        #expect(record.hash.count == 32)
        #expect(!String(decoding: record.hash, as: UTF8.self).contains(code))
        #expect(self.codes.matches(code, record: record, now: self.now.addingTimeInterval(179)))
        #expect(self.codes.matches(String(code.prefix(3)) + " " + String(code.suffix(3)), record: record, now: self.now))
    }

    @Test func wrongExpiredUsedOrForeignCodesFail() {
        let (code, record) = self.codes.issue(account: "seller-a", purpose: .verify, now: self.now)
        let wrong = String(code.map { $0 == "9" ? "0" : Character(String(Int(String($0))! + 1)) })
        #expect(!self.codes.matches(wrong, record: record, now: self.now))
        #expect(!self.codes.matches(code, record: record, now: self.now.addingTimeInterval(180)))
        var used = record
        used.used = true
        #expect(!self.codes.matches(code, record: used, now: self.now))
        // The same digits under another account or purpose hash differently.
        #expect(self.codes.hash(code, account: "seller-b", purpose: .verify) != record.hash)
        #expect(self.codes.hash(code, account: "seller-a", purpose: .confirmEmail) != record.hash)
        // Another key cannot check it.
        let other = OneTimeCodes(key: SymmetricKey(size: .bits256))
        #expect(!other.matches(code, record: record, now: self.now))
    }

    @Test func codesAreSpreadOverAllDigits() {
        var seen = Set<Character>()
        for _ in 0..<200 { seen.formUnion(self.codes.issue(account: "a", purpose: .verify, now: self.now).code) }
        #expect(seen.count == 10)
    }
}

@Suite("Lockout")
struct LockoutTests {
    let policy = LockoutPolicy()
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theFifthWrongCodeInThirtyMinutesLocksForTwoHours() {
        var log = AttemptLog()
        for minute in 0..<4 {
            #expect(log.record(.failure, at: self.start.addingTimeInterval(Double(minute) * 60), policy: self.policy) == .allowed)
        }
        let fifth = self.start.addingTimeInterval(29 * 60)
        #expect(log.record(.failure, at: fifth, policy: self.policy) == .locked(until: fifth.addingTimeInterval(7200)))
        #expect(log.status(at: fifth.addingTimeInterval(7199)) == .locked(until: fifth.addingTimeInterval(7200)))
        #expect(log.status(at: fifth.addingTimeInterval(7200)) == .allowed)
        // Attempts while locked do not extend it.
        #expect(log.record(.failure, at: fifth.addingTimeInterval(3600), policy: self.policy)
                == .locked(until: fifth.addingTimeInterval(7200)))
    }

    @Test func failuresOutsideTheWindowDoNotCount() {
        var log = AttemptLog()
        for minute in [0, 10, 20, 30] {
            log.record(.failure, at: self.start.addingTimeInterval(Double(minute) * 60), policy: self.policy)
        }
        // The first (minute 0) has left the 30-minute window by minute 31.
        #expect(log.record(.failure, at: self.start.addingTimeInterval(31 * 60), policy: self.policy) == .allowed)
        #expect(log.record(.failure, at: self.start.addingTimeInterval(32 * 60), policy: self.policy) != .allowed)
    }

    @Test func fiveSendsAreAllowedASixthLocks() {
        var log = AttemptLog()
        for index in 0..<5 {
            #expect(log.record(.send, at: self.start.addingTimeInterval(Double(index)), policy: self.policy) == .allowed)
        }
        #expect(log.record(.send, at: self.start.addingTimeInterval(10), policy: self.policy) != .allowed)
    }

    @Test func successClearsFailuresAndUnlockLiftsALock() {
        var log = AttemptLog()
        for index in 0..<4 { log.record(.failure, at: self.start.addingTimeInterval(Double(index)), policy: self.policy) }
        log.recordSuccess()
        #expect(log.record(.failure, at: self.start.addingTimeInterval(10), policy: self.policy) == .allowed)
        for index in 0..<5 { log.record(.failure, at: self.start.addingTimeInterval(20 + Double(index)), policy: self.policy) }
        #expect(log.status(at: self.start.addingTimeInterval(60)) != .allowed)
        log.unlock()
        #expect(log.status(at: self.start.addingTimeInterval(60)) == .allowed)
    }
}

@Suite("Proof policy")
struct ProofPolicyTests {
    let policy = ProofPolicy()
    let verified = Date(timeIntervalSince1970: 1_800_000_000)
    var proof: Proof { Proof(sessionHash: "h", account: "seller-a", site: "admin", clientAddress: "127.0.0.5", verifiedAt: self.verified) }

    @Test func aProofHoldsForItsSessionAddressIdleTimeAndCycle() {
        var proof = self.proof
        #expect(self.policy.evaluate(nil, clientAddress: "127.0.0.5", now: self.verified, latestVerification: nil) == .missing)
        #expect(self.policy.evaluate(proof, clientAddress: "127.0.0.5", now: self.verified.addingTimeInterval(60),
                                     latestVerification: self.verified) == .valid)
        #expect(self.policy.evaluate(proof, clientAddress: "127.0.0.6", now: self.verified.addingTimeInterval(60),
                                     latestVerification: self.verified) == .addressChanged)
        #expect(self.policy.evaluate(proof, clientAddress: "127.0.0.5", now: self.verified.addingTimeInterval(30 * 60),
                                     latestVerification: self.verified) == .idle)
        // Active all along, still ends at the 12-hour cycle, or earlier when the account shortened it.
        proof.lastSeenAt = self.verified.addingTimeInterval(12 * 3600 - 60)
        #expect(self.policy.evaluate(proof, clientAddress: "127.0.0.5", now: self.verified.addingTimeInterval(12 * 3600 - 30),
                                     latestVerification: self.verified) == .valid)
        #expect(self.policy.evaluate(proof, clientAddress: "127.0.0.5", now: self.verified.addingTimeInterval(12 * 3600),
                                     latestVerification: self.verified) == .cycleEnded)
        proof.lastSeenAt = self.verified.addingTimeInterval(3 * 3600)
        #expect(self.policy.evaluate(proof, clientAddress: "127.0.0.5", now: self.verified.addingTimeInterval(4 * 3600),
                                     latestVerification: self.verified, accountCycle: .seconds(4 * 3600)) == .cycleEnded)
    }

    @Test func onASharedAccountOnlyTheLatestProofCounts() {
        let later = self.verified.addingTimeInterval(120)
        #expect(self.policy.evaluate(self.proof, clientAddress: "127.0.0.5", now: later.addingTimeInterval(1),
                                     latestVerification: later) == .superseded(by: later))
        var relaxed = self.policy
        relaxed.latestOnly = false
        #expect(relaxed.evaluate(self.proof, clientAddress: "127.0.0.5", now: later.addingTimeInterval(1),
                                 latestVerification: later) == .valid)
    }
}
