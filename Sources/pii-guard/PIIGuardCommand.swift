import ArgumentParser
import DemoAdmin
import Foundation
import Logging
import NIOCore
import NIOPosix
import MaskingStage
import PIIGuard
import PIIMasking
import SecondFactor

/// The `pii-guard` command line: run the guard, run the demo, manage certificates, check configuration.
@main
struct PIIGuardCommand: AsyncParsableCommand {
    /// Swift concurrency's global executor becomes NIO's event loops, so a request's tasks do not hop between the
    /// event-loop threads and Dispatch's pool on every read and write (measured in Benchmarks/RESULTS.md). It has to
    /// happen before any other task runs, so it is the first thing the program does.
    static func main() async {
        // Before any other thread exists: SIGTERM/SIGINT go to a thread of their own that arms the shutdown watchdog.
        ProcessSignals.install()
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await self.main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "pii-guard",
        abstract: "A TLS reverse proxy that guards the personal-information menus of a seller admin.",
        discussion: """
            pii-guard stands in front of an admin it does not own and adds what Korean privacy rules require \
            for reaching personal data from outside. Start with `pii-guard demo`; see README.md and docs/.
            """,
        version: PIIGuardVersion.current,
        subcommands: [Serve.self, Demo.self, DemoAdminOnly.self, Mask.self, Rules.self, Vault.self, Audit.self, Users.self, Keys.self, Certs.self,
                      Config.self]
    )
}

/// A failure the operator can act on: printed as `Error: <message>` without the usage text, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Options every long-running command shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Configuration file.")
    var config = "pii-guard.yaml"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default: from the configuration).")
    var logLevel: String?

    func load() throws -> LoadedConfiguration {
        do {
            return try LoadedConfiguration.load(path: self.config)
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    func bootstrapLogging(_ loaded: LoadedConfiguration) -> Logger {
        let level = Logger.Level(rawValue: self.logLevel ?? loaded.configuration.logging.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "pii-guard")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the guard with a configuration file.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let loaded = try self.options.load()
        do {
            // Printed whatever the log level: the log (which also gets it, as a warning) may be filtered or unread.
            if let warning = try loaded.devOutboxUnderServe() {
                let rule = String(repeating: "!", count: 78)
                FileHandle.standardError.write(Data("\(rule)\nWARNING: \(warning)\n\(rule)\n".utf8))
            }
        } catch {
            throw CommandFailure("\(error)")
        }
        let logger = self.options.bootstrapLogging(loaded)
        logger.info("starting", metadata: ["config": "\(loaded.file)", "sites": "\(loaded.configuration.sites.count)"])
        try await GuardRuntime(loaded: loaded, logger: logger).run { port in
            logger.notice("listening", metadata: ["address": "https://\(loaded.configuration.listen.host):\(port)"])
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the demo seller admin and the guard in front of it.",
        discussion: "The admin listens on http://127.0.0.1:ADMIN-PORT, the guard on https://localhost:PORT.")

    @OptionGroup var options: CommonOptions

    @Option(help: "Port of the guard (HTTPS).")
    var port = 8443

    @Option(help: "Port of the demo admin (plain HTTP, loopback only).")
    var adminPort = 9080

    @Option(help: "Name of the site in the configuration that fronts the demo admin.")
    var site = "seller-admin"

    func run() async throws {
        var loaded = try self.options.load().withListenPort(self.port)
        guard loaded.configuration.sites.contains(where: { $0.name == self.site }) else {
            throw CommandFailure("\(loaded.file): no site named '\(self.site)' (use --site)")
        }
        loaded = loaded.withUpstream("http://127.0.0.1:\(self.adminPort)", forSite: self.site)
        let logger = self.options.bootstrapLogging(loaded)
        let accountsFile = loaded.dataDirectory + "/demo-accounts.json"
        try FileManager.default.createDirectory(atPath: loaded.dataDirectory, withIntermediateDirectories: true)
        try DemoAdmin.writeAccountsFile(to: accountsFile)

        var adminConfiguration = DemoAdminConfiguration()
        adminConfiguration.port = self.adminPort
        do {
            // The guard's own address is checked by GuardRuntime before anything starts.
            try await ListenCheck.ensureAvailable(host: adminConfiguration.host, port: self.adminPort,
                                                  purpose: "the demo admin (--admin-port)")
        } catch {
            throw CommandFailure("\(error)")
        }
        let adminPort = self.adminPort
        let admin = DemoAdmin.makeApplication(configuration: adminConfiguration, logger: Logger(label: "demo-admin"))
        let certificatesDirectory = loaded.resolve(loaded.configuration.tls.devCertificatesDirectory)
        let usesDevCertificates = loaded.configuration.tls.certificate == nil
        try await GuardRuntime(loaded: loaded, logger: logger).run(
            before: [admin], devOutbox: true, printOutbox: { Console.write(Self.outboxLine($0)) }
        ) { port in
            Console.write(Self.banner(port: port, adminPort: adminPort, accountsFile: accountsFile,
                              caFile: usesDevCertificates ? certificatesDirectory + "/dev-ca.pem" : nil))
        }
    }

    /// One dev-outbox message on the demo's terminal. Only the demo prints codes; `serve` never does.
    static func outboxLine(_ message: DevOutbox.Message) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Seoul")
        formatter.dateFormat = "HH:mm:ss"
        let time = formatter.string(from: message.at)
        if let code = message.code {
            return "[dev outbox \(time) KST] \(message.account): code \(code) by \(message.channel) to \(message.destination) (valid \(message.minutes ?? 3) min)"
        }
        return "[dev outbox \(time) KST] \(message.account): registration-changed notice to \(message.destination)"
    }

    static func banner(port: Int, adminPort: Int, accountsFile: String, caFile: String?) -> String {
        var lines = [
            "",
            "pii-guard demo is running",
            "  판매자 센터 (through the guard):  https://localhost:\(port)/",
            "  demo admin directly (no guard):   http://127.0.0.1:\(adminPort)/",
            "  guard status:                     https://localhost:\(port)/__guard/status",
            "",
            "  Demo accounts (also in \(accountsFile)):",
        ]
        for account in DemoAdmin.accounts {
            let roles = account.roles.joined(separator: ",")
            lines.append("    \(account.account.padding(toLength: 10, withPad: " ", startingAt: 0)) password \(account.password)   roles \(roles)")
        }
        lines.append("")
        if let caFile {
            lines.append("  TLS: development CA at \(caFile)")
            lines.append("       curl --cacert \(caFile) https://localhost:\(port)/")
        }
        lines.append("  Second factor: opening 판매관리, 1:1 채팅 or 내정보 asks for it. Codes are not sent in the demo;")
        lines.append("    they appear here and at https://localhost:\(port)/__guard/dev/outbox .")
        lines.append("    Settings: https://localhost:\(port)/__guard/settings   Guide: docs/SELLER-GUIDE.md")
        lines.append("  엑셀 다운로드 (취소관리, 반품관리…): a reason and a file password first; the file is an encrypted .xlsx.")
        lines.append("  Access records: every menu request is recorded in data/audit.sqlite. As auditor-a (after its second")
        lines.append("    factor): https://localhost:\(port)/__guard/audit ; or `swift run pii-guard audit verify|query|report`.")
        lines.append("    Guide: docs/AUDITOR-GUIDE.md")
        lines.append("  Stop with Ctrl-C (in-flight requests finish first).")
        lines.append("")
        return lines.joined(separator: "\n")
    }
}

/// The demo admin alone, without the guard: for benchmarks that put another proxy (or none) in front of it.
struct DemoAdminOnly: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-admin",
        abstract: "Run only the demo seller admin (plain HTTP on loopback), for benchmarks and experiments.",
        shouldDisplay: false)

    @Option(help: "Port of the demo admin.")
    var port = 9080

    @Option(help: "Where to write demo-accounts.json.")
    var dataDir = "data"

    func run() async throws {
        try FileManager.default.createDirectory(atPath: self.dataDir, withIntermediateDirectories: true)
        try DemoAdmin.writeAccountsFile(to: self.dataDir + "/demo-accounts.json")
        var configuration = DemoAdminConfiguration()
        configuration.port = self.port
        var logger = Logger(label: "demo-admin")
        logger.logLevel = .warning
        let admin = DemoAdmin.makeApplication(configuration: configuration, logger: logger)
        try await admin.runService()
    }
}

struct Certs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage TLS certificates.", subcommands: [Dev.self])

    struct Dev: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (or renew) the development CA and the localhost server certificate.")

        @Option(help: "Folder for the certificates.")
        var dir = "certs"

        @Option(name: .customLong("host"), help: "Host name or IP the certificate covers (repeatable).")
        var hosts: [String] = ["localhost", "127.0.0.1", "::1"]

        func run() async throws {
            let (paths, outcome) = try DevCertificates.ensure(in: self.dir, hostNames: self.hosts)
            switch outcome {
            case .created: print("Created a development CA and server certificate in \(self.dir)/.")
            case .reused: print("The development certificates in \(self.dir)/ are valid; nothing to do.")
            case .renewedServerCertificate: print("Renewed the server certificate in \(self.dir)/ (the CA is unchanged).")
            }
            print(DevCertificates.trustInstructions(for: paths))
        }
    }
}

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check configuration files.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate pii-guard.yaml and rules/menus.yaml; print every problem with file, line and field.")

        @Option(name: .shortAndLong, help: "Configuration file.")
        var config = "pii-guard.yaml"

        func run() async throws {
            do {
                let loaded = try LoadedConfiguration.load(path: self.config)
                _ = try loaded.proxyConfiguration()
                print("\(self.config): OK (\(loaded.configuration.sites.count) site(s), \(loaded.menus.menus.count) menu(s))")
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage second-factor accounts.", subcommands: [Unlock.self])

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a second-factor lock (too many wrong codes or code requests).",
            discussion: "Uses the same data folder as the running guard; the guard need not be stopped.")

        @OptionGroup var options: CommonOptions

        @Argument(help: "The account id as the admin knows it.")
        var account: String

        @Option(help: "Also lift the lock of this client IP address (locks against trying many accounts).")
        var ip: String?

        func run() async throws {
            let loaded = try self.options.load()
            var logger = Logger(label: "pii-guard")
            logger.logLevel = .warning
            // Nothing is delivered here, so no channel needs to be configured.
            let assembly: SecondFactorAssembly
            do {
                assembly = try SecondFactorAssembly.build(loaded, logger: logger, devOutbox: true)
            } catch {
                throw CommandFailure("\(error)")
            }
            let now = Date()
            let lockedUntil = try await assembly.service.lockedUntil(account: self.account, clientAddress: self.ip ?? "", now: now)
            try await assembly.service.unlock(account: self.account, now: now)
            if let ip = self.ip { try await assembly.service.unlock(clientAddress: ip, now: now) }
            try await assembly.client.http.shutdown()
            if lockedUntil != nil {
                print("Unlocked \(self.account)\(self.ip.map { " and \($0)" } ?? ""). The next code can be requested now.")
            } else {
                print("\(self.account)\(self.ip.map { " / \($0)" } ?? "") was not locked; its attempt counters were reset.")
            }
            if self.ip == nil {
                print("If the seller still sees the lock page, their network address is locked too: the page shows the "
                      + "command to run, with --ip ADDRESS.")
            }
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show keys that other systems need.", subcommands: [IdentityHeaders.self])

    struct IdentityHeaders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "identity-headers",
            abstract: "Print the key (base64) the admin uses to check X-PII-Guard-Signature; see docs/API.md.")

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let loaded = try self.options.load()
            print(try SecondFactorAssembly.identityHeaderKeyBase64(loaded))
        }
    }
}

struct Rules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the rules in rules/ (menus and masking profiles).", subcommands: [Lint.self])

    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate menus.yaml and masking.yaml; print every problem with file, line and field.",
            discussion: "Exit status 0 when the rules load as the guard would load them, 1 otherwise.")

        @Argument(help: "The rules folder.")
        var directory = "rules"

        func run() async throws {
            do {
                let rules = try RuleSet.load(directory: self.directory)
                let detectors = rules.profiles.values.reduce(0) { $0 + $1.customDetectors.count }
                print("\(self.directory): OK (\(rules.menus.menus.count) menu(s), \(rules.profiles.count) masking profile(s), "
                      + "\(detectors) custom detector(s))")
                for menu in rules.menus.menus {
                    print("  \(menu.id) (\(menu.name)): profile '\(menu.masking)', \(menu.paths.count) path pattern(s)"
                          + (menu.exports.isEmpty ? "" : ", \(menu.exports.count) export pattern(s)"))
                }
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

struct Mask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mask a file (or standard input) exactly as the guard would for a route, to tune the rules on samples.",
        discussion: """
            The route picks the menu (and so the masking profile) from menus.yaml; the content type picks the scanner \
            (text/html, application/json, text/csv, text/tab-separated-values, text/plain). With --explain, a table of \
            what was masked goes to standard error: unit, offset, kind, detector and the masked form (never the value).
            """)

    @Option(help: "The rules folder.")
    var rules = "rules"

    @Option(help: "The request path the body belongs to, e.g. /sales/orders.")
    var route: String

    @Option(help: "The body's media type, e.g. text/html or application/json.")
    var contentType: String

    @Flag(help: "List every masked value's kind, detector, position and masked form on standard error.")
    var explain = false

    @Argument(help: "The file to mask (standard input when omitted).")
    var file: String?

    func run() async throws {
        let set: RuleSet
        do {
            set = try RuleSet.load(directory: self.rules)
        } catch {
            throw CommandFailure("\(error)")
        }
        let ids = Set(set.menus.menus.map(\.id))
        guard let menu = set.menus.match(path: self.route, menuIDs: ids), var masker = set.maskers[menu.menuID] else {
            throw CommandFailure("'\(self.route)' is in no personal-information menu of \(self.rules)/menus.yaml; the guard would not mask it")
        }
        let mediaType = self.contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let kind = MaskingTransformer.contentKind(mediaType) else {
            throw CommandFailure("'\(self.contentType)' passes the guard untouched (no text to mask)")
        }
        let observer = DetectionObserver()
        if self.explain { masker.observer = observer }
        let scanner = MaskingTransformer.bodyMasker(kind, masker: masker)
        let input: FileHandle
        if let file = self.file {
            guard let handle = FileHandle(forReadingAtPath: file) else { throw CommandFailure("cannot read '\(file)'") }
            input = handle
        } else {
            input = FileHandle.standardInput
        }
        do {
            while true {
                let chunk = input.readData(ofLength: 64 * 1024)
                if chunk.isEmpty { break }
                FileHandle.standardOutput.write(Data(try scanner.process(Array(chunk))))
            }
            FileHandle.standardOutput.write(Data(try scanner.finish()))
        } catch {
            throw CommandFailure("the body cannot be masked, so the guard would refuse it (502): \(error)")
        }
        if self.explain {
            var lines = ["", "menu \(menu.menuID) (\(menu.menuName)), profile '\(set.menus.menus.first { $0.id == menu.menuID }?.masking ?? "default")', \(kind.rawValue)"]
            lines.append("unit  offset  kind             detector                 masked")
            for entry in observer.entries {
                lines.append(String(format: "%4d  %6d  ", entry.unit, entry.offset)
                             + entry.kind.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0) + " "
                             + entry.detector.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + entry.masked)
            }
            let counts = scanner.tally.counts.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", ")
            lines.append("\(observer.entries.count) value(s) masked\(counts.isEmpty ? "" : ": " + counts)")
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}
