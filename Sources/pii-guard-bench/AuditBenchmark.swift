import AuditTrail
import Foundation
import GuardStore

// pii-guard-bench audit N [APPENDERS=32] [normal|full]
//
// Appends N access records through `AuditWriter` into a fresh `audit.sqlite` (WAL, synchronous=NORMAL unless `full`)
// from APPENDERS concurrent tasks, each waiting for its record to be committed before the next, as the proxy's
// requests do. Records have realistic field sizes: 20 order numbers as subjects, a browser user agent, a request id,
// a session hash, masked counts. Chaining, append seals, periodic checkpoints (every 1,000) and the external checkpoint
// file are on, as in production. Prints records/s, append latency, transactions, checkpoints, file size; then
// verifies the log and prints its rate.

/// Runs the audit-append benchmark (see above) and prints its figures; exits the process on a usage error or failure.
func auditBenchmark(_ arguments: [String]) {
    guard let count = arguments.first.flatMap(Int.init), count > 0 else {
        FileHandle.standardError.write(Data("usage: pii-guard-bench audit N [APPENDERS] [normal|full]\n".utf8))
        exit(2)
    }
    let appenders = arguments.dropFirst().first.flatMap(Int.init) ?? 32
    let synchronous: SQLiteAuditLog.Synchronous = arguments.dropFirst(2).first == "full" ? .full : .normal
    let done = DispatchSemaphore(value: 0)
    // The main thread waits here, so the work must not run on the main actor.
    Task.detached {
        do {
            try await AuditAppendBenchmark(count: count, appenders: max(1, appenders), synchronous: synchronous).run()
        } catch {
            print("audit benchmark failed: \(error)")
            exit(1)
        }
        done.signal()
    }
    done.wait()
}

struct AuditAppendBenchmark {
    let count: Int
    let appenders: Int
    let synchronous: SQLiteAuditLog.Synchronous

    func run() async throws {
        let folder = NSTemporaryDirectory() + "pii-guard-audit-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = try SQLiteAuditLog(dataDirectory: folder, synchronous: self.synchronous)
        let signer = AuditSigner.ephemeral()
        let external = ExternalCheckpointFile(path: folder + "/audit-checkpoints.jsonl")
        let writer = AuditWriter(log: log, signer: signer, externalCheckpoints: external)

        print("pii-guard audit append — \(self.count) records, \(self.appenders) concurrent appenders, "
            + "synchronous=\(self.synchronous.rawValue), 20 subjects each")
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
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
        print(String(format: "  appended %d records in %.2f s = %.0f records/s (append latency p50 %.2f ms, p99 %.2f ms, max %.1f ms)",
                     statistics.records, elapsed, Double(statistics.records) / elapsed, percentile(0.5), percentile(0.99),
                     (latencies.last ?? 0) * 1000))
        print(String(format: "  %d transactions (%.1f records each, largest %d), %d checkpoints written (incl. shutdown), %d failed",
                     statistics.batches, Double(statistics.records) / Double(max(1, statistics.batches)),
                     statistics.largestBatch, statistics.checkpoints, statistics.failedBatches + statistics.failedCheckpoints))
        print(String(format: "  audit.sqlite + WAL: %.1f MB (%.0f bytes per record)", Double(size) / 1_048_576,
                     Double(size) / Double(max(1, statistics.records))))

        let verifyStart = ContinuousClock.now
        let report = try await AuditVerifier.verify(log: log, publicKey: signer.publicKey,
                                                    externalCheckpoints: URL(fileURLWithPath: external.path))
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
