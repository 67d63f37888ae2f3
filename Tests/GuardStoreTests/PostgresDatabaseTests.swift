import Foundation
@testable import GuardStorePostgres
import GuardTestSupport
import Logging
import Testing

@testable import GuardStore

/// What only the PostgreSQL backend has: connection settings, migrations racing at start, and outages.
@Suite("PostgreSQL connection")
struct PostgresDatabaseTests {
    static func quietLogger() -> Logger {
        var logger = Logger(label: "postgres-test")
        logger.logLevel = .critical
        return logger
    }

    @Test func settingsFromAURL() throws {
        let settings = try PostgresSettings.parse(url: "postgres://guard%40shop:p%3Ass@db.internal:6432/pii?sslmode=require")
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6432)
        #expect(settings.user == "guard@shop")
        #expect(settings.password == "p:ss")
        #expect(settings.database == "pii")
        #expect(settings.tls == .require)
        // The password never shows where the database is named.
        #expect(settings.target == "postgres://guard@shop@db.internal:6432/pii")
        #expect(!settings.description.contains("p:ss"))
        #expect(throws: PostgresSettingsError.self) { try PostgresSettings.parse(url: "mysql://x@y/z") }
        #expect(throws: PostgresSettingsError.self) { try PostgresSettings.parse(url: "postgres://h/db?sslmode=maybe") }
        let defaults = try PostgresSettings.parse(url: "postgresql://localhost")
        #expect(defaults.port == 5432 && defaults.database == "pii_guard" && defaults.tls == .prefer)
    }

    @Test func anUnreachableDatabaseIsUnavailableWithinTheDeadline() async throws {
        var settings = PostgresSettings(host: "127.0.0.1", port: try Self.closedPort(), password: "secret-pw", tls: .disable)
        settings.connectTimeout = .seconds(1)
        settings.operationTimeout = .seconds(2)
        let database = try PostgresDatabase(settings: settings, logger: Self.quietLogger())
        let started = ContinuousClock.now
        let error = await #expect(throws: StoreError.self) { _ = try await PostgresRecordStore.open(database) }
        // Bounded by the deadline (plus slack for a loaded 2-core machine), not by the pool's one-minute circuit breaker.
        #expect(started.duration(to: .now) < .seconds(30))
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains(settings.target) == true)
        #expect(error?.message.contains("secret-pw") == false)
        await database.close()
    }

    @Test func aWrongPasswordSaysSo() async throws {
        let cluster = try await PostgresTestCluster.shared()
        var settings = try PostgresSettings.parse(url: cluster.url(database: "postgres"))
        settings.password = "not-the-password"
        let database = try PostgresDatabase(settings: settings, logger: Self.quietLogger())
        let error = await #expect(throws: StoreError.self) { _ = try await PostgresRecordStore.open(database) }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains("password") == true)
        #expect(error?.message.contains("not-the-password") == false)
        await database.close()
    }

    /// Guards starting together on an empty database: one applies the schema, the others wait for it and find it done.
    @Test func instancesStartingTogetherMigrateOnce() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let name = try await cluster.createDatabase(prefix: "race")
        var settings = try PostgresSettings.parse(url: cluster.url(database: name))
        settings.operationTimeout = .seconds(60)
        let databases = try (0..<4).map { _ in try PostgresDatabase(settings: settings, logger: Self.quietLogger()) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for database in databases {
                group.addTask {
                    _ = try await PostgresRecordStore.open(database)
                    _ = try await PostgresAuditLog.open(database)
                }
            }
            try await group.waitForAll()
        }
        let steps = try await cluster.psql(name, "SELECT component || '/' || step FROM pii_guard_schema ORDER BY 1")
        #expect(steps.split(separator: "\n") == ["audit/1-audit-log", "records/1-records"])
        for database in databases { await database.close() }
    }

    /// The server stops under a running store: operations fail as unavailable within the deadline, and work again
    /// soon after the server is back, on the same `PostgresDatabase`, with nothing written before lost.
    @Test func anOutageAndTheRecovery() async throws {
        let cluster = try await PostgresTestCluster.start()
        defer { Task { await cluster.remove() } }
        let name = try await cluster.createDatabase(prefix: "outage")
        var settings = try PostgresSettings.parse(url: cluster.url(database: name))
        settings.operationTimeout = .seconds(2)
        settings.connectTimeout = .seconds(1)
        // The schema is prepared with a generous deadline (the whole suite shares two cores); the store under test has
        // the short one.
        var preparing = settings
        preparing.operationTimeout = .seconds(60)
        let setup = try PostgresDatabase(settings: preparing, logger: Self.quietLogger())
        _ = try await PostgresRecordStore.open(setup)
        await setup.close()
        let database = try PostgresDatabase(settings: settings, logger: Self.quietLogger())
        let supervisor = Task { try await database.run() }
        let store = Records<String>(PostgresRecordStore(database: database), collection: "outage")
        var stored = false
        for _ in 0..<10 where !stored {
            stored = (try? await store.put("before", "kept")) != nil
        }
        #expect(stored)

        try await cluster.stopServer()
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let error = await #expect(throws: StoreError.self) { _ = try await store.get("before") }
            #expect(error?.kind == .unavailable)
            #expect(started.duration(to: .now) < .seconds(15))
        }
        #expect(database.isFailing)

        try await cluster.startServer()
        let back = ContinuousClock.now
        var value: String?
        while value == nil, back.duration(to: .now) < .seconds(40) {
            value = try? await store.get("before")
            if value == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(value == "kept")
        #expect(back.duration(to: .now) < .seconds(30), "service resumed \(back.duration(to: .now)) after the server returned")
        var written: String?
        for _ in 0..<10 where written == nil {
            try? await store.put("after", "written")
            written = try? await store.get("after")
        }
        #expect(written == "written")
        #expect(!database.isFailing)
        supervisor.cancel()
        await database.close()
    }

    /// The server goes silent (a partition: nothing refused, nothing closed, nothing arrives). Operations still fail as
    /// unavailable at the deadline instead of waiting for TCP to give up, and work again once bytes flow.
    @Test func aSilentDatabaseFailsAtTheDeadline() async throws {
        let cluster = try await PostgresTestCluster.shared()
        let name = try await cluster.createDatabase(prefix: "silent")
        let relay = try SilentProxy(targetPort: cluster.port)
        var settings = try PostgresSettings.parse(url: cluster.url(database: name))
        settings.port = relay.port
        var preparing = settings
        preparing.operationTimeout = .seconds(60)
        let setup = try PostgresDatabase(settings: preparing, logger: Self.quietLogger())
        _ = try await PostgresRecordStore.open(setup)
        await setup.close()
        settings.operationTimeout = .seconds(2)
        settings.connectTimeout = .seconds(1)
        let database = try PostgresDatabase(settings: settings, logger: Self.quietLogger())
        let supervisor = Task { try await database.run() }
        let store = Records<String>(PostgresRecordStore(database: database), collection: "silent")
        var stored = false
        for _ in 0..<10 where !stored { stored = (try? await store.put("before", "kept")) != nil }
        #expect(stored)

        relay.silence()
        for _ in 0..<2 {
            let started = ContinuousClock.now
            let error = await #expect(throws: StoreError.self) { _ = try await store.get("before") }
            #expect(error?.kind == .unavailable)
            #expect(started.duration(to: .now) < .seconds(15), "a silent database held the caller \(started.duration(to: .now))")
        }
        relay.speak()
        let back = ContinuousClock.now
        var value: String?
        while value == nil, back.duration(to: .now) < .seconds(60) {
            value = try? await store.get("before")
            if value == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(value == "kept")
        supervisor.cancel()
        await database.close()
    }

    /// A loopback port with nothing listening.
    static func closedPort() throws -> Int {
        // Port 1 (tcpmux) is privileged and unused on these machines; connecting to it is refused at once.
        1
    }
}
