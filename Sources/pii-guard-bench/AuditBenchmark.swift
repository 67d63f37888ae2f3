import AuditTrail
import Crypto
import Foundation
import GuardStore
import GuardStorePostgres
import Logging

// pii-guard-bench audit N [APPENDERS=32] [normal|full]
// pii-guard-bench audit N [APPENDERS=32] postgres URL [SEED] [no-verify]
//
// Appends N access records through `AuditWriter` from APPENDERS concurrent tasks, each waiting for its record to be
// committed before the next, as the proxy's requests do: into a fresh `audit.sqlite` (WAL, synchronous=NORMAL unless
// `full`), or into the PostgreSQL database at URL (`postgres://user:password@127.0.0.1:5432/db`; the password may
// come from PGPASSWORD instead). Records have realistic field sizes: 20 order numbers as subjects, a browser user
// agent, a request id, a session hash, masked counts. Chaining, append seals, periodic checkpoints (every 1,000) and
// the external checkpoint file are on, as in production. Prints records/s, append latency, transactions, checkpoints,
// file size; then verifies the log and prints its rate.
//
// Several processes on one database stand for several guards: give them the same SEED (their signing key is derived
// from it, as guards share theirs through the database) and `no-verify`, then verify once with
// `pii-guard-bench audit-verify URL SEED` when all are done (Benchmarks/audit-append-postgres.sh).

/// Runs the audit-append benchmark (see above) and prints its figures; exits the process on a usage error or failure.
func auditBenchmark(_ arguments: [String]) {
    guard let count = arguments.first.flatMap(Int.init), count > 0 else {
        FileHandle.standardError.write(Data("""
            usage: pii-guard-bench audit N [APPENDERS] [normal|full]
                   pii-guard-bench audit N [APPENDERS] postgres URL [SEED] [no-verify]

            """.utf8))
        exit(2)
    }
    let appenders = arguments.dropFirst().first.flatMap(Int.init) ?? 32
    let rest = Array(arguments.dropFirst(2))
    let backend: AuditAppendBenchmark.Backend
    if rest.first == "postgres" {
        guard rest.count >= 2 else { usage() }
        backend = .postgres(url: rest[1], seed: rest.count >= 3 ? rest[2] : UUID().uuidString, verify: !rest.contains("no-verify"))
    } else {
        backend = .sqlite(rest.first == "full" ? .full : .normal)
    }
    runDetached { try await AuditAppendBenchmark(count: count, appenders: max(1, appenders), backend: backend).run() }
}

/// pii-guard-bench audit-verify URL SEED: verifies the chain several benchmark processes appended to.
func auditVerifyBenchmark(_ arguments: [String]) {
    guard arguments.count == 2 else { usage() }
    runDetached {
        let database = try AuditAppendBenchmark.database(url: arguments[0])
        let log = try await PostgresAuditLog.open(database)
        try await AuditAppendBenchmark.verify(log: log, signer: AuditAppendBenchmark.signer(seed: arguments[1]), external: nil)
        await database.close()
    }
}

/// Runs `work` off the main thread (which waits), exiting 1 with the error when it fails.
func runDetached(_ work: @escaping @Sendable () async throws -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do {
            try await work()
        } catch {
            print("audit benchmark failed: \(error)")
            exit(1)
        }
        done.signal()
    }
    done.wait()
}

struct AuditAppendBenchmark {
    enum Backend {
        case sqlite(SQLiteAuditLog.Synchronous)
        case postgres(url: String, seed: String, verify: Bool)
    }

    let count: Int
    let appenders: Int
    let backend: Backend

    /// The same key in every process given the same seed: guards sharing a database share their signing key.
    static func signer(seed: String) throws -> AuditSigner {
        AuditSigner(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: Array(SHA256.hash(data: Data(seed.utf8)))))
    }

    static func database(url: String) throws -> PostgresDatabase {
        var settings = try PostgresSettings.parse(url: url)
        if settings.password == nil { settings.password = ProcessInfo.processInfo.environment["PGPASSWORD"] }
        settings.maxConnections = 8
        settings.operationTimeout = .seconds(30)
        settings.applicationName = "pii-guard-bench"
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        return try PostgresDatabase(settings: settings, logger: logger)
    }

    func run() async throws {
        let folder = NSTemporaryDirectory() + "pii-guard-audit-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log: any AuditLog
        let signer: AuditSigner
        var database: PostgresDatabase?
        let label: String
        switch self.backend {
        case .sqlite(let synchronous):
            log = try SQLiteAuditLog(dataDirectory: folder, synchronous: synchronous)
            signer = AuditSigner.ephemeral()
            label = "SQLite, synchronous=\(synchronous.rawValue)"
        case .postgres(let url, let seed, _):
            let opened = try Self.database(url: url)
            database = opened
            log = try await PostgresAuditLog.open(opened)
            signer = try Self.signer(seed: seed)
            label = "PostgreSQL \(opened.settings.target)"
        }
        let external = ExternalCheckpointFile(path: folder + "/audit-checkpoints.jsonl")
        let writer = AuditWriter(log: log, signer: signer, externalCheckpoints: external)

        print("pii-guard audit append — \(self.count) records, \(self.appenders) concurrent appenders, "
            + "\(label), 20 subjects each")
        let start = ContinuousClock.now
        let count = self.count
        let appenders = self.appenders
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(count / appenders + 1)
                    var index = appender
                    while index < count {
                        let record = Self.record(index)
                        let began = ContinuousClock.now
                        _ = try await writer.append(record)
                        latencies.append(Self.seconds(ContinuousClock.now - began))
                        index += appenders
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = Self.seconds(ContinuousClock.now - start)
        try await writer.close()
        let statistics = writer.statistics
        let size = ["audit.sqlite", "audit.sqlite-wal"].reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size] as? Int) ?? 0)
        }
        let isSQLite = database == nil
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
        print(String(format: "  appended %d records in %.2f s = %.0f records/s (append latency p50 %.2f ms, p99 %.2f ms, max %.1f ms)",
                     statistics.records, elapsed, Double(statistics.records) / elapsed, percentile(0.5), percentile(0.99),
                     (latencies.last ?? 0) * 1000))
        print(String(format: "  %d transactions (%.1f records each, largest %d), %d checkpoints written (incl. shutdown), %d failed",
                     statistics.batches, Double(statistics.records) / Double(max(1, statistics.batches)),
                     statistics.largestBatch, statistics.checkpoints, statistics.failedBatches + statistics.failedCheckpoints))
        if isSQLite {
            print(String(format: "  audit.sqlite + WAL: %.1f MB (%.0f bytes per record)", Double(size) / 1_048_576,
                         Double(size) / Double(max(1, statistics.records))))
        }
        if case .postgres(_, _, false) = self.backend {
            await database?.close()
            return
        }
        try await Self.verify(log: log, signer: signer,
                              external: isSQLite ? URL(fileURLWithPath: external.path) : nil)
        await database?.close()
    }

    /// Verifies the chain and prints its rate; exits 1 when it is not intact.
    static func verify(log: any AuditLog, signer: AuditSigner, external: URL?) async throws {
        let verifyStart = ContinuousClock.now
        let report = try await AuditVerifier.verify(log: log, publicKey: signer.publicKey, externalCheckpoints: external)
        let verifySeconds = Self.seconds(ContinuousClock.now - verifyStart)
        print(String(format: "  verify: %d records, %d seals, %d checkpoints in %.2f s = %.0f records/s — %@",
                     report.recordsChecked, report.sealsChecked, report.checkpointsChecked, verifySeconds,
                     Double(report.recordsChecked) / verifySeconds, report.isValid ? "intact" : "FAILED"))
        if !report.isValid {
            print(report)
            exit(1)
        }
    }

    static let userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        + "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
    static let sessionHash = String(repeating: "5f0c9e2ab417d3e8", count: 4)

    /// An order-list view as the proxy records it: 20 order numbers seen, counts of what was masked.
    static func record(_ index: Int) -> AuditRecord {
        let first = 2_026_112_300_000_000 + index * 20
        return AuditRecord(
            at: Date(), kind: .access, action: index % 50 == 0 ? .download : .view, account: "seller-admin-\(index % 40)",
            clientAddress: "203.0.113.\(index % 200 + 1)", site: "shop.example.co.kr", menuID: "sales",
            menuName: "판매관리", method: "GET", path: "/orders", status: 200,
            subjects: (0..<20).map { String(first + $0) },
            maskedCounts: ["address": 20, "name": 40, "phone": 40], requestID: UUID().uuidString,
            sessionHash: self.sessionHash, userAgent: self.userAgent)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
