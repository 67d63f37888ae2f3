import Crypto
import Foundation
import GRDB
import GuardStore
import Synchronization

@testable import AuditTrail

/// A folder under /tmp for one test, removed when the test lets go of it.
final class ChainFolder: Sendable {
    let path: String

    init(_ name: String = "audit") {
        self.path = NSTemporaryDirectory() + "pii-guard-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { self.path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: self.path) }
}

/// A clock tests move by hand.
final class ChainClock: Sendable {
    private let now: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { self.now = Mutex(start) }

    func callAsFunction() -> Date { self.now.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { self.now.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

enum ChainSamples {
    static let base = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18

    /// A realistic access record: an order-list view with 20 order numbers as subjects.
    static func record(_ index: Int, at: Date? = nil, account: String? = nil, subjects: Int = 20) -> AuditRecord {
        AuditRecord(
            at: at ?? self.base.addingTimeInterval(Double(index)), kind: .access, action: index % 7 == 0 ? .download : .view,
            account: account ?? "seller-\(index % 5)", clientAddress: "203.0.113.\(index % 250)", site: "shop",
            menuID: "sales", menuName: "판매관리", method: "GET", path: "/orders",
            status: 200, subjects: (0..<subjects).map { "20261118\(String(format: "%08d", index * 100 + $0))" },
            maskedCounts: ["name": 20, "phone": 40, "address": 20], requestID: UUID().uuidString,
            sessionHash: String(repeating: "ab", count: 32),
            userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
    }
}

/// An audit log on a fresh file, filled through `AuditWriter`, with its signer and external checkpoint file.
struct ChainFixture: Sendable {
    let folder: ChainFolder
    let log: SQLiteAuditLog
    let signer: AuditSigner
    let external: ExternalCheckpointFile
    let writer: AuditWriter

    var path: String { self.log.path }
    var externalURL: URL { URL(fileURLWithPath: self.external.path) }

    init(checkpointEvery: Int64 = 1000, interval: Duration = .seconds(3600), clock: ChainClock = ChainClock()) throws {
        self.folder = ChainFolder()
        self.log = try SQLiteAuditLog(dataDirectory: self.folder.path)
        self.signer = AuditSigner(privateKey: Curve25519.Signing.PrivateKey())
        self.external = ExternalCheckpointFile(path: self.folder.file("checkpoints.jsonl"))
        self.writer = AuditWriter(
            log: self.log, signer: self.signer,
            policy: AuditWriter.Policy(checkpointEvery: checkpointEvery, checkpointInterval: interval),
            externalCheckpoints: self.external, clock: { clock() })
    }

    /// Appends `count` records from `tasks` concurrent appenders; returns them as sealed.
    @discardableResult
    func fill(_ count: Int, tasks: Int = 8, from start: Int = 0) async throws -> [AuditRecord] {
        try await withThrowingTaskGroup(of: [AuditRecord].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var sealed: [AuditRecord] = []
                    var index = start + task
                    while index < start + count {
                        sealed.append(try await self.writer.append(ChainSamples.record(index)))
                        index += tasks
                    }
                    return sealed
                }
            }
            var all: [AuditRecord] = []
            for try await part in group { all += part }
            return all.sorted { $0.sequence < $1.sequence }
        }
    }

    func verify(external: Bool = true) async throws -> VerificationReport {
        try await AuditVerifier.verify(log: self.log, publicKey: self.signer.publicKey,
                                       externalCheckpoints: external ? self.externalURL : nil)
    }

    /// Changes the database file directly, as someone with access to the host could.
    func tamper(_ sql: String, arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: self.path)
        try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
        try queue.close()
    }

    func tamper(_ body: @escaping @Sendable (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: self.path)
        try queue.write { db in try body(db) }
        try queue.close()
    }
}
