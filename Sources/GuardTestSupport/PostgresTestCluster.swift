import Foundation
import Synchronization

/// A real PostgreSQL server for the tests, on a loopback port, in a folder of its own.
///
/// The store tests run the same suite on SQLite and on PostgreSQL; the multi-instance tests need a server they can
/// stop and start. Both use this: `shared()` is the server `.ci/run` started (`PII_GUARD_TEST_POSTGRES`, a
/// `postgres://` URL with a superuser) or, when that is not set, one this test process starts for itself;
/// `start()` makes a private one (initdb in a temporary folder) that a test may stop. Each test gets a database of
/// its own (`createDatabase()`), so tests running in parallel never see each other's rows.
///
/// The server binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`). A test that
/// needs PostgreSQL fails with how to install it when they are missing: it is never skipped. PostgreSQL refuses to
/// run as root, so under root (CI) the server runs as the `postgres` user the package creates.
public final class PostgresTestCluster: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    public let user: String
    public let password: String
    /// The cluster's folder (nil for a server this process did not start).
    public let folder: String?
    let binaries: String?
    let running = Mutex(true)

    init(port: Int, user: String, password: String, folder: String?, binaries: String?) {
        self.port = port
        self.user = user
        self.password = password
        self.folder = folder
        self.binaries = binaries
    }

    /// `postgres://user:password@127.0.0.1:port/database` for a database of this server.
    public func url(database: String) -> String {
        "postgres://\(self.user):\(self.password)@\(self.host):\(self.port)/\(database)?sslmode=disable"
    }

    // MARK: - The shared server

    private static let sharedServer = SharedServer()

    /// The server every store test uses: `.ci/run`'s, or one started for this process (stopped when it exits).
    public static func shared() async throws -> PostgresTestCluster {
        try await self.sharedServer.get()
    }

    private actor SharedServer {
        var cluster: PostgresTestCluster?
        var starting: Task<PostgresTestCluster, any Error>?

        func get() async throws -> PostgresTestCluster {
            if let cluster { return cluster }
            if let starting { return try await starting.value }
            let task = Task { () throws -> PostgresTestCluster in
                if let url = ProcessInfo.processInfo.environment["PII_GUARD_TEST_POSTGRES"], !url.isEmpty {
                    return try PostgresTestCluster.external(url: url)
                }
                let cluster = try await PostgresTestCluster.start()
                PostgresTestCluster.stopAtExit(cluster)
                return cluster
            }
            self.starting = task
            let cluster = try await task.value
            self.cluster = cluster
            return cluster
        }
    }

    static func external(url: String) throws -> PostgresTestCluster {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw TestProcessError(description: "PII_GUARD_TEST_POSTGRES is not a postgres:// URL")
        }
        let cluster = PostgresTestCluster(
            port: components.port ?? 5432, user: components.user ?? "postgres", password: components.password ?? "",
            folder: nil, binaries: try? self.findBinaries())
        guard host == "127.0.0.1" || host == "localhost" || host == "::1" else {
            throw TestProcessError(description: "PII_GUARD_TEST_POSTGRES must point at a loopback address")
        }
        return cluster
    }

    private static let atExit = Mutex<[PostgresTestCluster]>([])

    static func stopAtExit(_ cluster: PostgresTestCluster) {
        let first = self.atExit.withLock { clusters in
            clusters.append(cluster)
            return clusters.count == 1
        }
        if first {
            atexit {
                for cluster in PostgresTestCluster.atExit.withLock({ $0 }) { cluster.stopNow() }
            }
        }
    }

    // MARK: - A private server

    /// Starts a new server: initdb in a temporary folder (password authentication), then `pg_ctl start` on a free
    /// loopback port with durability traded for speed (fsync off: a test server's data may be lost on a power cut).
    public static func start() async throws -> PostgresTestCluster {
        let binaries = try self.findBinaries()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pii-guard-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let password = "pg-" + UUID().uuidString
        try password.write(toFile: folder + "/pwfile", atomically: true, encoding: .utf8)
        if getuid() == 0 {
            // initdb and postgres refuse root: the folder and its server belong to the package's `postgres` user.
            try await TestProcess.check("/bin/chown", ["-R", "postgres:postgres", folder])
        }
        try await self.asServerUser(binaries + "/initdb", [
            "-D", folder + "/data", "-U", "postgres", "--auth=scram-sha-256", "--pwfile=" + folder + "/pwfile",
            "-E", "UTF8", "--locale=C", "--no-sync",
        ])
        let cluster = PostgresTestCluster(port: try self.freePort(), user: "postgres", password: password, folder: folder,
                                          binaries: binaries)
        try await cluster.startServer()
        return cluster
    }

    /// Starts (again) the server of a cluster made by `start()`, on the same port and data.
    ///
    /// `pg_ctl` runs under a python3 `subprocess` that closes every inherited descriptor above 2: Foundation's
    /// `Process` learns that a child ended when the last copy of a socket it hands the child closes, and the server
    /// `pg_ctl` leaves running would otherwise hold that copy for as long as it runs.
    public func startServer() async throws {
        guard let folder, let binaries else { throw TestProcessError(description: "this server was not started by the test") }
        try await Self.asServerUser(detached: true, binaries + "/pg_ctl", [
            "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "-o",
            "-c listen_addresses=127.0.0.1 -p \(self.port) -k \(folder) -c fsync=off -c full_page_writes=off "
                + "-c max_connections=200 -c shared_buffers=64MB",
            "start",
        ])
        self.running.withLock { $0 = true }
    }

    /// Stops the server at once (`pg_ctl stop -m fast`: sessions are cut, as in an outage).
    public func stopServer() async throws {
        guard let folder, let binaries else { throw TestProcessError(description: "this server was not started by the test") }
        try await Self.asServerUser(binaries + "/pg_ctl", ["-D", folder + "/data", "-m", "fast", "-w", "stop"])
        self.running.withLock { $0 = false }
    }

    /// Stops the server and deletes its folder.
    public func remove() async {
        if self.running.withLock({ $0 }) { try? await self.stopServer() }
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// At process exit: stop without waiting for Swift concurrency.
    func stopNow() {
        guard let folder, let binaries, self.running.withLock({ $0 }) else { return }
        let process = Process()
        let command = [binaries + "/pg_ctl", "-D", folder + "/data", "-m", "immediate", "stop"]
        if getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--"] + command
        } else {
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }

    // MARK: - Databases

    /// A new, empty database on this server; returns its name.
    public func createDatabase(prefix: String = "t") async throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try await self.psql("postgres", "CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL with `psql` on `database`; returns what it printed (unaligned, tuples only).
    @discardableResult
    public func psql(_ database: String, _ sql: String) async throws -> String {
        let psql = (self.binaries.map { $0 + "/psql" }).flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
            ?? "/usr/bin/psql"
        return try await TestProcess.check(
            psql, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", "\(self.port)", "-U", self.user,
                   "-d", database, "-c", sql],
            environment: ["PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "5"])
    }

    // MARK: - Helpers

    /// The newest `/usr/lib/postgresql/<version>/bin` holding initdb.
    static func findBinaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        throw TestProcessError(description: """
            PostgreSQL's server programs were not found in \(root)/<version>/bin. The PostgreSQL store tests need a real \
            server: install it with `apt-get install -y postgresql` (what .ci/run does), or set PII_GUARD_TEST_POSTGRES \
            to a postgres:// URL of a loopback server with a superuser.
            """)
    }

    static func asServerUser(detached: Bool = false, _ executable: String, _ arguments: [String]) async throws {
        var command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments
            : [executable] + arguments
        if detached {
            command = ["/usr/bin/env", "python3", "-c",
                       "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:], close_fds=True))"] + command
        }
        try await TestProcess.check(command[0], Array(command.dropFirst()))
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestProcessError(description: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestProcessError(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
