import AsyncHTTPClient
import DemoAdmin
import Foundation
import GuardTestSupport
import Logging
import NIOCore
import Synchronization

/// Guards as real `pii-guard serve` processes in front of one demo admin, sharing one PostgreSQL database: what a
/// platform runs behind a load balancer.
///
/// The database is a private server (initdb in a temporary folder) so a test can stop and start it; e-mail codes go to
/// a real SMTP server (aiosmtpd) every instance sends to. All instances get the same master key through
/// `PII_GUARD_MASTER_KEY`, as the operations guide asks.
struct SharedStoreHarness: BrowserHost {
    let cluster: PostgresTestCluster
    let database: String
    let adminPort: Int
    let smtp: TestSMTPServer
    let folder: String
    let instances: [GuardInstance]

    var caFile: String { Harness.certificates.paths.caCertificate }
    var base: String { self.instances[0].base }

    func browser(from source: String = "127.0.0.1") -> Browser { Browser(harness: self, source: source) }

    func emailCode(to address: String) throws -> String? {
        try self.smtp.messages(to: address).last.flatMap(firstCode(in:))
    }

    func pyotpCode(_ secret: String, offset: TimeInterval) throws -> String {
        let time = Int(Date().timeIntervalSince1970 + offset)
        return try Python.output("import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).at(int(sys.argv[2])))",
                                 arguments: [secret, String(time)]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `pii-guard` (the binary built beside the tests) with `arguments` and the guards' environment.
    func command(_ arguments: [String]) async throws -> TestProcess.Outcome {
        try await TestProcess.run(try GuardInstance.binary(), arguments, environment: self.environment)
    }

    /// What every instance (and the CLI) gets: the shared master key and the database password.
    var environment: [String: String] {
        ["PII_GUARD_MASTER_KEY": Self.masterKey, "PII_GUARD_TEST_DB_PASSWORD": self.cluster.password]
    }

    /// One master key for every instance of every test (base64 of 32 bytes).
    static let masterKey = Data((0..<32).map { UInt8(($0 * 37 + 11) % 256) }).base64EncodedString()

    static func run(instances count: Int, _ body: @Sendable (SharedStoreHarness) async throws -> Void) async throws {
        let folder = NSTemporaryDirectory() + "pii-guard-shared-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let cluster = try await PostgresTestCluster.start()
        let database: String
        do {
            database = try await cluster.createDatabase(prefix: "guards")
        } catch {
            await cluster.remove()
            throw error
        }
        let smtp = try TestSMTPServer(mode: "plain")
        var logger = Logger(label: "e2e-shared")
        logger.logLevel = .critical
        var adminConfiguration = DemoAdminConfiguration()
        adminConfiguration.port = 0
        let adminPortBox = PortBox()
        let admin = DemoAdmin.makeApplication(configuration: adminConfiguration, logger: logger) { await adminPortBox.set($0) }
        do {
            try await TestServices.run(admin, port: adminPortBox) { adminPort in
                var instances: [GuardInstance] = []
                do {
                    for index in 0..<count {
                        let name = String(UnicodeScalar(UInt8(65 + index)))
                        let instance = try GuardInstance(
                            name: name, folder: folder, port: try LoopbackPort.free(), adminPort: adminPort,
                            cluster: cluster, database: database, smtpPort: smtp.port)
                        instances.append(instance)
                        let harness = SharedStoreHarness(cluster: cluster, database: database, adminPort: adminPort,
                                                         smtp: smtp, folder: folder, instances: instances)
                        try await instance.start(environment: harness.environment)
                    }
                    let harness = SharedStoreHarness(cluster: cluster, database: database, adminPort: adminPort, smtp: smtp,
                                                     folder: folder, instances: instances)
                    try await body(harness)
                } catch {
                    // What the guards logged, for whoever reads the failure (the folder is removed afterwards).
                    for instance in instances {
                        print("── guard \(instance.name) log (last 3,000 characters) ──\n\(instance.log.suffix(3000))")
                    }
                    for instance in instances { await instance.stop() }
                    throw error
                }
                for instance in instances { await instance.stop() }
            }
        } catch {
            await cluster.remove()
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        await cluster.remove()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// One `pii-guard serve` process with its own port and data folder.
final class GuardInstance: @unchecked Sendable {
    let name: String
    let port: Int
    let configurationFile: String
    let logFile: String
    private let process = Process()
    private let exited = Locked<Int32?>(nil)

    var base: String { "https://127.0.0.1:\(self.port)" }

    /// `pii-guard`, built beside the test bundle by `swift build` / `swift test`.
    static func binary() throws -> String {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder.appendingPathComponent("pii-guard").path,
                          folder.deletingLastPathComponent().appendingPathComponent("pii-guard").path]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestProcessError(description: "the pii-guard binary is not beside the tests in \(folder.path): run `swift build` first")
    }

    init(name: String, folder: String, port: Int, adminPort: Int, cluster: PostgresTestCluster, database: String,
         smtpPort: Int) throws {
        self.name = name
        self.port = port
        self.configurationFile = "\(folder)/guard-\(name).yaml"
        self.logFile = "\(folder)/guard-\(name).log"
        let certificates = Harness.certificates.paths
        let yaml = """
            listen: {host: 127.0.0.1, port: \(port)}
            data_dir: \(folder)/data-\(name)
            rules_dir: \(SecondFactorHarness.repositoryRoot)/rules
            tls:
              certificate: \(certificates.certificate)
              private_key: \(certificates.privateKey)
            logging: {level: notice}
            second_factor:
              dev_outbox: false
              channels:
                email:
                  host: 127.0.0.1
                  port: \(smtpPort)
                  security: none
                  from: guard@demo-shop.example
            store:
              backend: postgres
              postgres:
                host: 127.0.0.1
                port: \(cluster.port)
                database: \(database)
                user: \(cluster.user)
                password: env:PII_GUARD_TEST_DB_PASSWORD
                tls: disable
                connect_timeout: 2s
                operation_timeout: 5s
                application_name: pii-guard-\(name)
            sites:
              - name: seller-admin
                hosts: [127.0.0.1, localhost]
                upstream: http://127.0.0.1:\(adminPort)
                menus: [sales, chat, account]
            """
        try yaml.write(toFile: self.configurationFile, atomically: true, encoding: .utf8)
    }

    /// Starts the process and waits until it answers `/__guard/status`.
    func start(environment: [String: String]) async throws {
        self.process.executableURL = URL(fileURLWithPath: try Self.binary())
        self.process.arguments = ["serve", "--config", self.configurationFile]
        self.process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        _ = FileManager.default.createFile(atPath: self.logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: self.logFile))
        self.process.standardOutput = log
        self.process.standardError = log
        self.process.standardInput = FileHandle.nullDevice
        let exited = self.exited
        self.process.terminationHandler = { finished in exited.withLock { $0 = finished.terminationStatus } }
        try self.process.run()
        let started = ContinuousClock.now
        while started.duration(to: .now) < .seconds(90) {
            if let status = self.exited.withLock({ $0 }) {
                throw TestProcessError(description: "guard \(self.name) exited with \(status): \(self.log.suffix(2000))")
            }
            let (code, output) = try await Browser.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                                         "--cacert", Harness.certificates.paths.caCertificate,
                                                         self.base + "/__guard/status"])
            if code == 0, output == "200" { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestProcessError(description: "guard \(self.name) did not answer within 90 s: \(self.log.suffix(2000))")
    }

    var log: String { (try? String(contentsOfFile: self.logFile, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits for the graceful shutdown (the chain is closed with a checkpoint).
    func stop() async {
        guard self.process.isRunning else { return }
        self.process.terminate()
        let started = ContinuousClock.now
        while self.exited.withLock({ $0 }) == nil, started.duration(to: .now) < .seconds(30) {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if self.exited.withLock({ $0 }) == nil { kill(self.process.processIdentifier, SIGKILL) }
    }
}

/// A value behind a lock that closures can share (a `Mutex` cannot be captured by an escaping closure).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { self.mutex = Mutex(value) }
    func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        try self.mutex.withLock(body)
    }
}
