import Foundation
import GuardStore
import GuardStorePostgres
import Logging
import SecondFactor
import Testing

@testable import PIIGuard

/// Writes a configuration and the menus it needs into a fresh folder.
func makeConfigFolder(config: String, menus: String? = nil) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pii-guard-config-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder + "/rules", withIntermediateDirectories: true)
    try config.write(toFile: folder + "/pii-guard.yaml", atomically: true, encoding: .utf8)
    let defaultMenus = """
        menus:
          - id: sales
            name: 판매관리
            paths: [/sales/**, /api/orders/**]
            exports: [/sales/*/export.*]
          - id: account
            name: 내정보
            paths: [/account/**]
        """
    try (menus ?? defaultMenus).write(toFile: folder + "/rules/menus.yaml", atomically: true, encoding: .utf8)
    return folder
}

@Suite("Configuration files")
struct ConfigurationTests {
    let minimal = """
        sites:
          - name: admin
            hosts: [localhost]
            upstream: http://127.0.0.1:9080
            menus: [sales]
        """

    @Test func theShippedConfigurationAndRulesLoad() throws {
        // The repository's own pii-guard.yaml and rules/menus.yaml, as `pii-guard demo` reads them.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let loaded = try LoadedConfiguration.load(path: root + "/pii-guard.yaml")
        #expect(loaded.configuration.sites.map(\.name) == ["seller-admin"])
        #expect(Set(loaded.menus.menus.map(\.id)) == ["sales", "chat", "account"])
        let proxy = try loaded.proxyConfiguration()
        #expect(proxy.site(forHost: "localhost:8443")?.name == "seller-admin")
        #expect(proxy.site(forHost: "[::1]:8443")?.name == "seller-admin")
        #expect(proxy.site(forHost: "elsewhere.example") == nil)
    }

    @Test func defaultsApplyWhenOnlySitesAreGiven() throws {
        let folder = try makeConfigFolder(config: self.minimal)
        let loaded = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        #expect(loaded.configuration.listen.port == 8443)
        #expect(loaded.configuration.timeouts.values.upstreamFirstByte == .seconds(30))
        #expect(loaded.dataDirectory == folder + "/data")
    }

    @Test func valuesAreParsed() throws {
        let folder = try makeConfigFolder(config: """
            timeouts:
              header_read: 1500ms
              upstream_first_byte: 2m
            limits:
              max_request_body: 50MiB
              max_header_size: 16KiB
            trusted_proxies: [10.0.0.0/8, "::1"]
            \(self.minimal)
            """)
        let loaded = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        let proxy = try loaded.proxyConfiguration()
        #expect(proxy.timeouts.headerRead == .milliseconds(1500))
        #expect(proxy.timeouts.upstreamFirstByte == .seconds(120))
        #expect(proxy.limits.maxRequestBodyBytes == 50 << 20)
        #expect(proxy.limits.maxHeaderBytes == 16 << 10)
        #expect(proxy.trustedProxies.count == 2)
    }

    /// Each broken file must fail with the file, the line and the field.
    @Test(arguments: [
        ("listen:\n  port: 8443\n  hots: x\n", 3, "listen.hots", "unknown key 'hots'"),
        ("timeouts:\n  header_read: soon\n", 2, "timeouts.header_read", "not a duration"),
        ("limits:\n  max_request_body: lots\n", 2, "limits.max_request_body", "not a size"),
        ("trusted_proxies:\n  - 10.0.0.0/8\n  - 300.1.1.1\n", 3, "trusted_proxies[1]", "not an IP address"),
        ("listen:\n  port: 70000\n", 2, "listen.port", "0–65535"),
        ("second_factor:\n  idle_timeout: soon\n", 2, "second_factor.idle_timeout", "not a duration"),
        ("second_factor:\n  cycle: 5m\n", 2, "second_factor.cycle", "at least 10m"),
        ("second_factor:\n  lockout:\n    max_failures: 0\n", 3, "second_factor.lockout.max_failures", "at least 1"),
        ("second_factor:\n  lockouts: {}\n", 2, "second_factor.lockouts", "unknown key"),
        ("second_factor:\n  channels:\n    email:\n      host: smtp.example.com\n      from: guard@example.com\n      password: hunter2\n",
         6, "second_factor.channels.email.password", "never inline"),
        ("second_factor:\n  channels:\n    email:\n      host: smtp.example.com\n      from: guard@example.com\n      security: ssl\n",
         6, "second_factor.channels.email.security", "none, starttls, tls"),
        ("second_factor:\n  channels:\n    sms:\n      url: https://sms.example.com/send\n      body: '{\"to\": \"{phone}\", \"text\": \"{cod}\"}'\n",
         5, "second_factor.channels.sms.body", "unknown placeholder {cod}"),
        ("second_factor:\n  channels:\n    sms:\n      url: https://sms.example.com/send\n      headers:\n        Authorization: env:PII_GUARD_TEST_NEVER_SET\n      body: '{\"to\": \"{phone}\"}'\n",
         6, "second_factor.channels.sms.headers.Authorization", "PII_GUARD_TEST_NEVER_SET is not set"),
        ("store:\n  backend: mysql\n", 2, "store.backend", "sqlite, postgres"),
        ("store:\n  backend: postgres\n", 1, "store.postgres", "needs a 'postgres:' section"),
        ("store:\n  backend: postgres\n  postgres:\n    password: hunter2\n", 4, "store.postgres.password", "never inline"),
        ("store:\n  backend: postgres\n  postgres:\n    url: postgres://guard:hunter2@db/pii\n", 4, "store.postgres.url",
         "holds a password"),
        ("store:\n  backend: postgres\n  postgres:\n    password: env:PII_GUARD_TEST_NEVER_SET\n", 4,
         "store.postgres.password", "PII_GUARD_TEST_NEVER_SET is not set"),
        ("store:\n  backend: postgres\n  postgres:\n    tls: sometimes\n", 4, "store.postgres.tls", "disable, prefer, require"),
        ("store:\n  backend: postgres\n  postgres:\n    hots: db\n", 4, "store.postgres.hots", "unknown key"),
        ("store:\n  postgres:\n    host: db\n", 2, "store.postgres", "set 'backend: postgres'"),
    ])
    func brokenFieldsNameFileLineAndField(prefix: String, line: Int, field: String, message: String) throws {
        let folder = try makeConfigFolder(config: prefix + self.minimal)
        let error = #expect(throws: ConfigurationError.self) {
            try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        }
        #expect(error?.file == folder + "/pii-guard.yaml")
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.field == field)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func aSiteLearnsItsAccountFromTheAdminOrATrustedHeader() throws {
        let folder = try makeConfigFolder(config: self.minimal)
        let loaded = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        #expect(loaded.configuration.sites[0].identity.source == .upstream)
        #expect(loaded.configuration.sites[0].identity.path == "/api/me")
        let noPeers = try makeConfigFolder(config: self.minimal + """

                identity:
                  source: trusted_header
                  account_header: X-SSO-User
            """)
        let error = #expect(throws: ConfigurationError.self) { try LoadedConfiguration.load(path: noPeers + "/pii-guard.yaml") }
        #expect(error?.field == "sites[0].identity")
        #expect(error?.message.contains("trusted_peers") == true)
    }

    @Test func serveWarnsOfTheDevOutboxAndRefusesItBesideRealChannels() throws {
        let off = try LoadedConfiguration.load(path: try makeConfigFolder(config: self.minimal) + "/pii-guard.yaml")
        #expect(try off.devOutboxUnderServe() == nil)
        let alone = try makeConfigFolder(config: "second_factor:\n  dev_outbox: true\n" + self.minimal)
        let warning = try LoadedConfiguration.load(path: alone + "/pii-guard.yaml").devOutboxUnderServe()
        #expect(warning?.contains("\(alone)/pii-guard.yaml:2") == true, "\(String(describing: warning))")
        #expect(warning?.contains("/__guard/dev/outbox") == true)
        for channel in ["email:\n      host: smtp.example.com\n      from: guard@example.com",
                        "sms:\n      url: https://sms.example.com/send\n      body: '{\"to\": \"{phone}\", \"text\": \"{code}\"}'"] {
            let both = try makeConfigFolder(config: """
                data_dir: data
                second_factor:
                  channels:
                    \(channel)
                  dev_outbox: true
                """ + "\n" + self.minimal)
            let loaded = try LoadedConfiguration.load(path: both + "/pii-guard.yaml")
            let error = #expect(throws: ConfigurationError.self) { try loaded.devOutboxUnderServe() }
            #expect(error?.file == both + "/pii-guard.yaml")
            #expect(error?.line == 7, "\(String(describing: error))")
            #expect(error?.field == "second_factor.dev_outbox")
            #expect(error?.message.contains(channel.hasPrefix("email") ? "email (SMTP)" : "sms (gateway)") == true)
        }
        // Turned off with the second factor, the outbox does nothing and needs no word.
        let disabled = try makeConfigFolder(config: "second_factor:\n  enabled: false\n  dev_outbox: true\n" + self.minimal)
        #expect(try LoadedConfiguration.load(path: disabled + "/pii-guard.yaml").devOutboxUnderServe() == nil)
    }

    @Test func theSecondFactorNeedsAnEmailChannelOutsideTheDemo() throws {
        let folder = try makeConfigFolder(config: "data_dir: data\n" + self.minimal)
        let loaded = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        let error = #expect(throws: ConfigurationError.self) {
            try SecondFactorAssembly.build(loaded, logger: .init(label: "test"))
        }
        #expect(error?.field == "second_factor.channels.email")
        #expect(error?.message.contains("dev_outbox") == true)
        // The demo's outbox stands in for every channel.
        let demo = try SecondFactorAssembly.build(loaded, logger: .init(label: "test"), devOutbox: true)
        #expect(demo.stepUp.channels == [.totp, .sms, .messenger])
        try demo.client.http.syncShutdown()
    }

    @Test func siteErrorsPointIntoTheSiteList() throws {
        let folder = try makeConfigFolder(config: """
            sites:
              - name: admin
                hosts: [localhost]
                upstream: ftp://files.example
            """)
        let error = #expect(throws: ConfigurationError.self) { try LoadedConfiguration.load(path: folder + "/pii-guard.yaml") }
        #expect(error?.line == 4)
        #expect(error?.field == "sites[0].upstream")

        let unknownMenu = try makeConfigFolder(config: """
            sites:
              - name: admin
                hosts: [localhost]
                upstream: http://127.0.0.1:9080
                menus: [sales, chat]
            """)
        let menuError = #expect(throws: ConfigurationError.self) {
            try LoadedConfiguration.load(path: unknownMenu + "/pii-guard.yaml")
        }
        #expect(menuError?.line == 5)
        #expect(menuError?.field == "sites[0].menus[1]")
        #expect(menuError?.message.contains("no menu 'chat'") == true)

        let missing = try makeConfigFolder(config: "sites:\n  - name: admin\n    hosts: [a]\n")
        let missingError = #expect(throws: ConfigurationError.self) {
            try LoadedConfiguration.load(path: missing + "/pii-guard.yaml")
        }
        #expect(missingError?.field == "sites[0].upstream")
        #expect(missingError?.message.contains("missing") == true)
        #expect(missingError?.line == 2)
    }

    @Test func yamlSyntaxErrorsHaveALine() throws {
        let folder = try makeConfigFolder(config: "listen:\n  port: [8443\nsites: []\n")
        let error = #expect(throws: ConfigurationError.self) { try LoadedConfiguration.load(path: folder + "/pii-guard.yaml") }
        #expect(error?.line != nil)
        #expect(error?.description.hasPrefix(folder + "/pii-guard.yaml:") == true)
    }

    @Test func brokenMenusNameTheRulesFile() throws {
        let folder = try makeConfigFolder(config: self.minimal, menus: """
            menus:
              - id: sales
                name: 판매관리
                paths: [sales/**]
            """)
        let error = #expect(throws: ConfigurationError.self) { try LoadedConfiguration.load(path: folder + "/pii-guard.yaml") }
        #expect(error?.file == folder + "/rules/menus.yaml")
        #expect(error?.line == 4)
        #expect(error?.field == "menus[0].paths[0]")
        #expect(error?.message.contains("must start with '/'") == true)
    }
}

@Suite("Menu path patterns")
struct PathPatternTests {
    @Test func patternsMatchAsDocumented() throws {
        #expect(try PathPattern("/sales/**").matches("/sales"))
        #expect(try PathPattern("/sales/**").matches("/sales/orders/2026/1"))
        #expect(try !PathPattern("/sales/**").matches("/salesman"))
        #expect(try PathPattern("/sales/*/export.*").matches("/sales/cancels/export.xlsx"))
        #expect(try !PathPattern("/sales/*/export.*").matches("/sales/cancels/list"))
        #expect(try !PathPattern("/sales/*/export.*").matches("/sales/a/b/export.csv"))
        #expect(try PathPattern("/api/**/messages").matches("/api/chat/rooms/7/messages"))
        #expect(try PathPattern("/account").matches("/account/"))
        #expect(throws: ConfigurationError.self) { try PathPattern("/a**b") }
    }

    @Test func menusMatchInFileOrderAndMarkExports() throws {
        let folder = try makeConfigFolder(config: "sites:\n  - {name: a, hosts: [x], upstream: 'http://127.0.0.1:1', menus: [sales, account]}\n")
        let loaded = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        let ids: Set = ["sales", "account"]
        #expect(loaded.menus.match(path: "/sales/orders", menuIDs: ids)?.menuID == "sales")
        #expect(loaded.menus.match(path: "/sales/returns/export.csv", menuIDs: ids)?.isExport == true)
        #expect(loaded.menus.match(path: "/account/", menuIDs: ids)?.menuName == "내정보")
        #expect(loaded.menus.match(path: "/account/", menuIDs: ["sales"]) == nil)
        #expect(loaded.menus.match(path: "/static/app.css", menuIDs: ids) == nil)
    }
}

@Suite("exports: and audit: sections")
struct ExportAndAuditConfigurationTests {
    static func load(_ extra: String) throws -> GuardConfiguration {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("rules").path
        let yaml = """
            rules_dir: \(rules)
            sites:
              - name: admin
                hosts: [localhost]
                upstream: http://127.0.0.1:9080
            \(extra)
            """
        try yaml.write(toFile: folder + "/pii-guard.yaml", atomically: true, encoding: .utf8)
        return try LoadedConfiguration.load(path: folder + "/pii-guard.yaml").configuration
    }

    @Test func defaultsAndOverrides() throws {
        let defaults = try Self.load("")
        #expect(defaults.exports.passwordMinimumLength == 10 && defaults.exports.ticketLifetime == .seconds(600))
        #expect(defaults.audit.retentionYears == 2 && defaults.audit.auditorRoles == ["auditor"])
        let custom = try Self.load("""
            exports:
              password: {min_length: 12, generated_length: 20}
              ticket_lifetime: 5m
              max_megabytes: 64
            audit:
              retention_years: 3
              checkpoint_every: 500
              auditor_roles: [auditor, privacy-officer]
            """)
        #expect(custom.exports.passwordMinimumLength == 12 && custom.exports.generatedPasswordLength == 20)
        #expect(custom.exports.ticketLifetime == .seconds(300) && custom.exports.maxMegabytes == 64)
        #expect(custom.audit.retentionYears == 3 && custom.audit.checkpointEvery == 500)
        #expect(custom.audit.auditorRoles == ["auditor", "privacy-officer"])
    }

    @Test(arguments: [
        ("exports:\n  password: {min_lenght: 12}", "min_lenght"),
        ("exports:\n  password: {min_length: 20, generated_length: 16}", "generated"),
        ("audit:\n  retention_years: 0", "retention_years"),
        ("audit:\n  keep: 2", "keep"),
    ])
    func mistakesNameTheField(yaml: String, field: String) {
        do {
            _ = try Self.load(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(field), "\(error)")
        }
    }
}

@Suite("store: section")
struct StoreConfigurationTests {
    @Test func sqliteIsTheDefaultAndPostgresTakesItsSettings() throws {
        #expect(try ExportAndAuditConfigurationTests.load("").store.backend == .sqlite)
        setenv("PII_GUARD_TEST_DB_PASSWORD_CFG", "s3cret", 1)
        let store = try ExportAndAuditConfigurationTests.load("""
            store:
              backend: postgres
              postgres:
                host: db.internal
                port: 6432
                database: guard
                user: guard
                password: env:PII_GUARD_TEST_DB_PASSWORD_CFG
                tls: require
                max_connections: 4
                operation_timeout: 3s
            """).store
        let settings = try #require(store.postgres)
        #expect(store.backend == .postgres)
        #expect(settings.target == "postgres://guard@db.internal:6432/guard")
        #expect(settings.password == "s3cret")
        #expect(settings.tls == .require)
        #expect(settings.maxConnections == 4)
        #expect(settings.operationTimeout == .seconds(3))
        // A URL from the environment may carry the password.
        setenv("PII_GUARD_TEST_DB_URL_CFG", "postgres://u:pw@127.0.0.1:5433/x?sslmode=disable", 1)
        let fromURL = try #require(try ExportAndAuditConfigurationTests.load("""
            store:
              backend: postgres
              postgres:
                url: env:PII_GUARD_TEST_DB_URL_CFG
            """).store.postgres)
        #expect(fromURL.port == 5433 && fromURL.password == "pw" && fromURL.tls == .disable && fromURL.database == "x")
    }
}

@Suite("Retention purge lease")
struct RetentionLeaseTests {
    /// Two guards sharing a log: one purges, the other waits until the lease has run out.
    @Test func oneGuardPurgesAtATime() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lease-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteRecordStore(path: folder + "/guard.sqlite")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await AuditWriterService.holdsRetentionLease(store, instance: "a", now: start))
        #expect(try await !AuditWriterService.holdsRetentionLease(store, instance: "b", now: start.addingTimeInterval(60)))
        // Asking does not extend the holder's lease; the holder keeps it while it lasts.
        #expect(try await AuditWriterService.holdsRetentionLease(store, instance: "a", now: start.addingTimeInterval(120)))
        let expired = start.addingTimeInterval(120 + AuditWriterService.leaseLifetime + 1)
        #expect(try await AuditWriterService.holdsRetentionLease(store, instance: "b", now: expired))
        #expect(try await !AuditWriterService.holdsRetentionLease(store, instance: "a", now: expired.addingTimeInterval(1)))
    }
}
