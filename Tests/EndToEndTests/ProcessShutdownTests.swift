import DemoAdmin
import Foundation
import GuardTestSupport
import Logging
import Testing

/// SIGTERM must end a real `pii-guard serve` process within `shutdown_grace` (plus a small margin) every time, with
/// requests in flight: a guard that ignores SIGTERM breaks rolling restarts.
///
/// `serve` with a tiny configuration (SQLite, no second factor, `shutdown_grace: 2s`) in front of the demo admin,
/// started and stopped `PII_GUARD_SHUTDOWN_RUNS` times (100 by default); at each stop a few curl requests through
/// the guard are under way.
@Suite("Shutdown of the real process", .serialized)
struct ProcessShutdownTests {
    static let grace: Duration = .seconds(2)
    /// Stores closed, process left: what a stop may take beyond the grace before the test calls it a hang.
    static let margin: Duration = .seconds(3)

    @Test func sigtermEndsTheGuardWithinTheGraceEveryTime() async throws {
        let runs = Int(ProcessInfo.processInfo.environment["PII_GUARD_SHUTDOWN_RUNS"] ?? "") ?? 100
        let folder = NSTemporaryDirectory() + "pii-guard-stop-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var logger = Logger(label: "e2e-stop")
        logger.logLevel = .critical
        var adminConfiguration = DemoAdminConfiguration()
        adminConfiguration.port = 0
        let adminPortBox = PortBox()
        let admin = DemoAdmin.makeApplication(configuration: adminConfiguration, logger: logger) { await adminPortBox.set($0) }
        try await TestServices.run(admin, port: adminPortBox) { adminPort in
            var stops: [Duration] = []
            for run in 1...runs {
                let guardProcess = try StoppableGuard(folder: folder, adminPort: adminPort)
                try await guardProcess.start()
                let inFlight = (0..<4).map { index in
                    Task { try? await Browser.curl(["-s", "-o", "/dev/null", "--max-time", "10", "--cacert",
                                                    Harness.certificates.paths.caCertificate,
                                                    guardProcess.base + (index % 2 == 0 ? "/" : "/login")]) }
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...60)))
                let stopped = await guardProcess.terminate(within: Self.grace + Self.margin)
                for task in inFlight { _ = await task.value }
                guard let (status, took) = stopped else {
                    Issue.record("run \(run): still running \(Self.grace + Self.margin) after SIGTERM (killed); log: \(guardProcess.log.suffix(2000))")
                    return
                }
                #expect(status == 0, "run \(run): exit status \(status); log: \(guardProcess.log.suffix(1500))")
                stops.append(took)
            }
            let sorted = stops.sorted()
            print("shutdown: \(runs) stops, median \(sorted[sorted.count / 2]), slowest \(sorted.last ?? .zero)")
        }
    }
}

/// One `pii-guard serve` process on a fresh port with its own data folder.
final class StoppableGuard: @unchecked Sendable {
    let port: Int
    private let configurationFile: String
    private let logFile: String
    private let process = Process()
    private let exited = Locked<(status: Int32, at: ContinuousClock.Instant)?>(nil)

    var base: String { "https://127.0.0.1:\(self.port)" }
    var log: String { (try? String(contentsOfFile: self.logFile, encoding: .utf8)) ?? "" }

    init(folder: String, adminPort: Int) throws {
        self.port = try LoopbackPort.free()
        self.configurationFile = "\(folder)/guard.yaml"
        self.logFile = "\(folder)/guard.log"
        let certificates = Harness.certificates.paths
        try """
            listen: {host: 127.0.0.1, port: \(self.port)}
            data_dir: \(folder)/data
            rules_dir: \(SecondFactorHarness.repositoryRoot)/rules
            tls:
              certificate: \(certificates.certificate)
              private_key: \(certificates.privateKey)
            timeouts: {shutdown_grace: \(ProcessShutdownTests.grace.components.seconds)s}
            logging: {level: warning}
            second_factor: {enabled: false}
            sites:
              - name: seller-admin
                hosts: [127.0.0.1, localhost]
                upstream: http://127.0.0.1:\(adminPort)
                menus: [sales, chat, account]
            """.write(toFile: self.configurationFile, atomically: true, encoding: .utf8)
    }

    /// Starts the process and waits until it answers `/__guard/health`.
    func start() async throws {
        self.process.executableURL = URL(fileURLWithPath: try GuardInstance.binary())
        self.process.arguments = ["serve", "--config", self.configurationFile]
        _ = FileManager.default.createFile(atPath: self.logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: self.logFile))
        self.process.standardOutput = log
        self.process.standardError = log
        self.process.standardInput = FileHandle.nullDevice
        let exited = self.exited
        self.process.terminationHandler = { finished in exited.withLock { $0 = (finished.terminationStatus, .now) } }
        try self.process.run()
        let started = ContinuousClock.now
        while started.duration(to: .now) < .seconds(60) {
            if let status = self.exited.withLock({ $0?.status }) {
                throw TestProcessError(description: "the guard exited with \(status): \(self.log.suffix(2000))")
            }
            let (code, output) = try await Browser.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                                         "--cacert", Harness.certificates.paths.caCertificate,
                                                         self.base + "/__guard/health"])
            if code == 0, output == "200" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestProcessError(description: "the guard did not answer within 60 s: \(self.log.suffix(2000))")
    }

    /// SIGTERM; the exit status and how long the stop took, or nil (then SIGKILL) if it did not end within `limit`.
    func terminate(within limit: Duration) async -> (Int32, Duration)? {
        let signalled = ContinuousClock.now
        kill(self.process.processIdentifier, SIGTERM)
        while signalled.duration(to: .now) < limit {
            if let (status, at) = self.exited.withLock({ $0 }) { return (status, signalled.duration(to: at)) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(self.process.processIdentifier, SIGKILL)
        return nil
    }
}
