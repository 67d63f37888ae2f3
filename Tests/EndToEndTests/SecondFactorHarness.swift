import AsyncHTTPClient
import AuditTrailWeb
import DemoAdmin
import ExportVault
import Foundation
import GuardProxy
import GuardTestSupport
import MaskingStage
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PIIGuard
import SecondFactor
import ServiceLifecycle
import Synchronization

/// The time the guard's second factor sees; tests move it instead of waiting.
final class TestClock: Sendable {
    private let current = Mutex(Date())
    func now() -> Date { self.current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { self.current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A stand-in SMS/messenger gateway on loopback: records what it is asked to send; the messenger can be told that
/// the recipient changed their number.
final class FakeGateway: Sendable {
    struct Sent: Sendable { let kind: String; let body: String; let authorization: String? }
    let sent = Mutex<[Sent]>([])
    let messengerRecipientChanged = Mutex(false)

    func application(onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.post("{kind}") { request, context -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            let kind = context.parameters.get("kind") ?? ""
            self.sent.withLock { $0.append(Sent(kind: kind, body: body, authorization: request.headers[.authorization])) }
            let changed = kind == "messenger" && self.messengerRecipientChanged.withLock { $0 }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: changed ? #"{"result":"RECIPIENT_CHANGED"}"# : #"{"result":"OK"}"#)))
        }
        var logger = Logger(label: "gateway")
        logger.logLevel = .critical
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { await onRunning($0.localAddress?.port ?? 0) }, logger: logger)
    }

    /// The six-digit code in the last message of `kind`.
    func lastCode(_ kind: String) -> String? {
        guard let body = self.sent.withLock({ $0.last { $0.kind == kind }?.body }) else { return nil }
        return firstCode(in: body)
    }
}

/// The first run of exactly six digits in `text`.
func firstCode(in text: String) -> String? {
    let characters = Array(text)
    var index = 0
    while index < characters.count {
        guard characters[index].isASCII, characters[index].isNumber else { index += 1; continue }
        var end = index
        while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
        if end - index == 6 { return String(characters[index..<end]) }
        index = end
    }
    return nil
}

/// The demo admin behind a guard built from a `pii-guard.yaml` by `SecondFactorAssembly`, exactly as `serve` builds
/// it, with a real SMTP server (aiosmtpd) and a gateway for the codes, and a clock the test moves.
struct SecondFactorHarness: Sendable {
    let port: Int
    let adminPort: Int
    let caFile: String
    let assembly: SecondFactorAssembly
    let clock: TestClock
    let gateway: FakeGateway
    let smtp: TestSMTPServer?
    let configurationFile: String
    /// What each masked response had masked (counts by kind).
    let masking: RecordingMaskingReport
    /// The protected exports delivered and refused.
    let exports: RecordingExportSink
    /// The access records (chained log in the test's data folder).
    let audit: AuditAssembly

    var base: String { "https://127.0.0.1:\(self.port)" }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// - Parameters:
    ///   - secondFactor: the body of the `second_factor:` section (indented by the caller as YAML under it).
    ///   - identity: the site's `identity:` section body, if not the default who-am-I.
    ///   - smtp: start aiosmtpd and configure `channels.email` for it (else the dev outbox holds e-mails).
    ///   - topLevel: more top-level YAML (e.g. `trusted_proxies: [127.0.0.3]`).
    ///   - upstream: the admin itself, or `NormalizingUpstream` in front of it (paths read as lenient servers do).
    ///   - site: more lines of the site's YAML (indented by the harness), e.g. `paths: {case_insensitive: true}`.
    static func run(
        secondFactor: String = "", identity: String? = nil, smtp: Bool = false, topLevel: String = "",
        upstream: UpstreamKind = .admin, site: String = "",
        _ body: @Sendable (SecondFactorHarness) async throws -> Void
    ) async throws {
        let logger = { () -> Logger in
            var logger = Logger(label: "e2e-2fa")
            logger.logLevel = .warning
            return logger
        }()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pii-guard-2fa-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let smtpServer = smtp ? try TestSMTPServer(mode: "plain") : nil
        let gateway = FakeGateway()
        let gatewayPort = PortBox()
        try await TestServices.run(gateway.application { await gatewayPort.set($0) }, port: gatewayPort) { gatewayPort in
            var adminConfiguration = DemoAdminConfiguration()
            adminConfiguration.port = 0
            adminConfiguration.chatMessageInterval = .milliseconds(200)
            let adminPortBox = PortBox()
            let admin = DemoAdmin.makeApplication(configuration: adminConfiguration, logger: logger) { await adminPortBox.set($0) }
            try await TestServices.run(admin, port: adminPortBox) { adminPort in
              try await Self.withUpstream(upstream, adminPort: adminPort) { upstreamPort in
                var channels = """
                      channels:
                        sms:
                          url: http://127.0.0.1:\(gatewayPort)/sms
                          headers:
                            Authorization: env:PII_GUARD_TEST_GATEWAY_TOKEN
                          body: '{"to": "{phone}", "text": "인증번호 {code} ({minutes}분)"}'
                        messenger:
                          url: http://127.0.0.1:\(gatewayPort)/messenger
                          body: '{"to": "{phone}", "code": "{code}"}'
                          result_field: result
                          undeliverable_values: [RECIPIENT_CHANGED]

                    """
                if let smtpServer {
                    channels += """
                            email:
                              host: 127.0.0.1
                              port: \(smtpServer.port)
                              security: none
                              from: guard@demo-shop.example
                              from_name: 판매자 센터 보안

                        """
                }
                let yaml = """
                    listen: {host: 127.0.0.1, port: 0}
                    data_dir: \(folder)/data
                    rules_dir: \(Self.repositoryRoot)/rules
                    \(topLevel)
                    second_factor:
                      dev_outbox: \(smtpServer == nil ? "true" : "false")
                    \(secondFactor)
                    \(channels)
                    sites:
                      - name: seller-admin
                        hosts: [127.0.0.1, localhost]
                        upstream: http://127.0.0.1:\(upstreamPort)
                        menus: [sales, chat, account]
                        \(site)
                    \(identity.map { "    identity:\n" + $0 } ?? "")
                    """
                let file = folder + "/pii-guard.yaml"
                try yaml.write(toFile: file, atomically: true, encoding: .utf8)
                setenv("PII_GUARD_TEST_GATEWAY_TOKEN", "Bearer gateway-test-token", 1)
                let loaded = try LoadedConfiguration.load(path: file)
                let clock = TestClock()
                let events = EventFanOut()
                let assembly = try SecondFactorAssembly.build(loaded, logger: logger, clock: { clock.now() }, events: events)
                let audit = try AuditAssembly.build(loaded, clock: { clock.now() }, logger: logger)
                events.add(AuditEventSink(writer: audit.writer, logger: logger))
                let proxyPort = PortBox()
                let rules = LiveRules(initial: try RuleSet.load(directory: loaded.rulesDirectory),
                                      directory: loaded.rulesDirectory, configuration: loaded.configuration)
                let report = RecordingMaskingReport()
                let exportSink = RecordingExportSink()
                let exports = ExportAssembly.build(loaded, secondFactor: assembly, rules: rules, sink: AuditExportSink(
                    writer: audit.writer, next: exportSink, logger: logger))
                let proxy = try GuardProxyServer(
                    configuration: try loaded.proxyConfiguration(), certificates: Harness.certificates.store,
                    hooks: GuardRuntime.hooks(loaded: loaded, rules: rules, gate: assembly.gate, report: report,
                                              exports: exports,
                                              recorder: audit.recorder(rules: rules, configuration: loaded.configuration,
                                                                       clock: { clock.now() }),
                                              logger: logger),
                    logger: logger, guardRoutes: {
                        assembly.routes($0)
                        exports.routes($0)
                        let writer = audit.writer
                        AuditRoutes(stepUp: assembly.stepUp, log: audit.log, publicKey: audit.signer.publicKey,
                                    auditorRoles: ["auditor"], recordView: { _ = try await writer.append($0) }).register(on: $0)
                        GuardStatusRoute(loaded: loaded, rules: rules, secondFactor: assembly, started: clock.now(),
                                         storeLocation: "\(folder)/data/guard.sqlite", storeReachable: { true }).register(on: $0)
                    }
                ).makeApplication { await proxyPort.set($0) }
                let group = ServiceGroup(services: [assembly.client, proxy], logger: logger)
                let task = Task { try await group.run() }
                let harness = SecondFactorHarness(
                    port: await proxyPort.wait(), adminPort: adminPort, caFile: Harness.certificates.paths.caCertificate,
                    assembly: assembly, clock: clock, gateway: gateway, smtp: smtpServer, configurationFile: file,
                    masking: report, exports: exportSink, audit: audit)
                do {
                    try await body(harness)
                } catch {
                    await group.triggerGracefulShutdown()
                    _ = try? await task.value
                    throw error
                }
                await group.triggerGracefulShutdown()
                _ = try? await task.value
              }
            }
        }
    }

    /// What the guard's site forwards to.
    enum UpstreamKind: Sendable { case admin, normalizing }

    /// Runs `body` with the port the guard should forward to: the admin's, or a `NormalizingUpstream`'s in front of it.
    static func withUpstream(_ kind: UpstreamKind, adminPort: Int, _ body: @Sendable (Int) async throws -> Void)
        async throws
    {
        guard kind == .normalizing else { return try await body(adminPort) }
        // An upstream passes redirects on; it never follows them itself.
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(redirectConfiguration: .disallow, decompression: .disabled))
        let normalizer = NormalizingUpstream(adminPort: adminPort, caseInsensitive: true, client: client)
        let port = PortBox()
        do {
            try await TestServices.run(normalizer.application { await port.set($0) }, port: port) { try await body($0) }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// A browser on `source` (a loopback address) with its own cookie jar.
    func browser(from source: String = "127.0.0.1") -> Browser { Browser(harness: self, source: source) }

    /// The latest dev-outbox code for `account` sent by `channel`.
    func outboxCode(_ account: String, channel: String) -> String? {
        self.assembly.outbox?.messages.first { $0.account == account && $0.channel == channel && $0.code != nil }?.code
    }

    /// The latest e-mail code to `address`: from aiosmtpd when it runs, else from the dev outbox.
    func emailCode(to address: String) throws -> String? {
        if let smtp = self.smtp { return try smtp.messages(to: address).last.flatMap(firstCode(in:)) }
        return self.assembly.outbox?.messages.first { $0.destination == address && $0.code != nil }?.code
    }

    /// The TOTP code for `secret` (base32) at the guard's clock, computed by pyotp, not by our code.
    func pyotpCode(_ secret: String, offset: TimeInterval = 0) throws -> String {
        let time = Int(self.clock.now().timeIntervalSince1970 + offset)
        return try Python.output("import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).at(int(sys.argv[2])))",
                                 arguments: [secret, String(time)]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// What a `Browser` needs of the guard(s) it talks to: where, which CA, and where its codes arrive.
protocol BrowserHost: Sendable {
    /// `https://127.0.0.1:PORT` of the guard (of the first one when there are several).
    var base: String { get }
    var caFile: String { get }
    var adminPort: Int { get }
    func emailCode(to address: String) throws -> String?
    func pyotpCode(_ secret: String, offset: TimeInterval) throws -> String
}

extension SecondFactorHarness: BrowserHost {}

/// One browser: its own cookies, its own source address. Speaks HTTPS through curl, which can bind a source address
/// (`--interface`), so two browsers can come from two client IPs on one machine. `use(_:)` points it at another guard
/// of the same site (a load balancer's choice), keeping its cookies.
final class Browser: Sendable {
    struct Answer: Sendable {
        let status: Int
        let headers: [(String, String)]
        let body: String
        func header(_ name: String) -> String? { self.headers.last { $0.0.lowercased() == name.lowercased() }?.1 }
        var location: String? { self.header("location") }
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8)) as? [String: Any]) ?? [:]
        }
    }

    let harness: any BrowserHost
    let source: String
    private let cookies = Mutex<[String: String]>([:])
    private let target = Mutex<String?>(nil)
    private let always = Mutex<[(String, String)]>([])

    init(harness: any BrowserHost, source: String) {
        self.harness = harness
        self.source = source
    }

    /// The guard this browser's requests go to now.
    var base: String { self.target.withLock { $0 } ?? self.harness.base }

    /// Sends the next requests to the guard at `base` (`https://127.0.0.1:PORT`).
    func use(_ base: String) { self.target.withLock { $0 = base } }

    var cookieHeader: String { self.cookies.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") } }

    func copyCookies(from other: Browser) { self.cookies.withLock { $0 = other.cookies.withLock { $0 } } }
    func dropCookie(_ name: String) { _ = self.cookies.withLock { $0.removeValue(forKey: name) } }
    /// Sends this field with every later request (e.g. the `X-Forwarded-For` a trusted proxy adds).
    func alwaysSend(_ name: String, _ value: String) { self.always.withLock { $0.append((name, value)) } }
    /// Puts a cookie in the jar as if someone else had planted it (a shared computer, a script, a proxy).
    func plantCookie(_ name: String, _ value: String) { self.cookies.withLock { $0[name] = value } }
    func cookie(_ name: String) -> String? { self.cookies.withLock { $0[name] } }

    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil,
                 compressed: Bool = false, saveBodyTo: String? = nil) async throws -> Answer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var arguments = ["-sS", "--cacert", self.harness.caFile, "--interface", self.source, "-X", method,
                         "-D", folder + "/head", "-o", folder + "/body", "-w", "%{http_code}", "--max-time", "90"]
        let cookie = self.cookieHeader
        if !cookie.isEmpty { arguments += ["-H", "Cookie: \(cookie)"] }
        if compressed { arguments.append("--compressed") }
        for (name, value) in self.always.withLock({ $0 }) + headers { arguments += ["-H", "\(name): \(value)"] }
        if let body {
            try body.write(toFile: folder + "/request", atomically: true, encoding: .utf8)
            arguments += ["--data-binary", "@" + folder + "/request"]
        }
        arguments.append(self.base + path)
        let (code, output) = try await Self.curl(arguments)
        let status = Int(output) ?? 0
        guard code == 0 else { throw BrowserError("curl exited \(code) for \(method) \(path)") }
        let head = (try? String(contentsOfFile: folder + "/head", encoding: .utf8)) ?? ""
        var fields: [(String, String)] = []
        for line in head.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("HTTP/") else { continue }
            fields.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        for (name, value) in fields where name.lowercased() == "set-cookie" {
            let pair = value.split(separator: ";").first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            self.cookies.withLock { jar in
                if parts[1].isEmpty || value.contains("Max-Age=0") { jar.removeValue(forKey: parts[0]) } else { jar[parts[0]] = parts[1] }
            }
        }
        if let saveBodyTo {
            try? FileManager.default.removeItem(atPath: saveBodyTo)
            try FileManager.default.copyItem(atPath: folder + "/body", toPath: saveBodyTo)
        }
        let text = (try? String(contentsOfFile: folder + "/body", encoding: .utf8)) ?? ""
        return Answer(status: status, headers: fields, body: text)
    }

    /// The same request straight to the demo admin (no guard), with this browser's admin session: what the guard
    /// received before masking.
    func direct(_ path: String) async throws -> String {
        try await Self.curl(["-sS", "--max-time", "60", "-H", "Cookie: demo_session=\(self.cookie("demo_session") ?? "")",
                             "http://127.0.0.1:\(self.harness.adminPort)\(path)"]).output
    }

    /// Runs curl without holding a Swift concurrency thread while it waits: the servers it talks to run on the same
    /// small pool (two threads on a 2-core machine), and a test that blocked one while another test blocked the other
    /// would leave no thread to answer either.
    static func curl(_ arguments: [String]) async throws -> (code: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("curl-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        process.standardOutput = try FileHandle(forWritingTo: file)
        let code: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return (code, (try? String(contentsOf: file, encoding: .utf8)) ?? "")
    }

    /// Runs a program to its end without holding a Swift concurrency thread; returns its exit status.
    static func run(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        try await TestProcess.run(executable, arguments).status
    }

    /// A page navigation, as a browser makes it.
    func open(_ path: String) async throws -> Answer {
        try await self.request("GET", path, headers: [("Accept", "text/html,application/xhtml+xml"), ("Sec-Fetch-Mode", "navigate")])
    }

    /// A script's JSON call.
    func api(_ method: String, _ path: String, _ json: String? = nil) async throws -> Answer {
        var headers = [("Accept", "application/json")]
        let body = json ?? (method == "POST" ? "{}" : nil)
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await self.request(method, path, headers: headers, body: body)
    }

    /// Submits a form of the guard's pages with the session's CSRF token from `page`.
    func submit(_ path: String, from page: Answer, _ fields: [(String, String)]) async throws -> Answer {
        guard let token = Self.hiddenValue("csrf", in: page.body) else { throw BrowserError("no CSRF token on the page") }
        let next = Self.hiddenValue("next", in: page.body) ?? "/"
        let body = ([("csrf", token), ("next", next)] + fields).map { "\($0.0)=\($0.1.formEncoded)" }.joined(separator: "&")
        return try await self.request("POST", path, headers: [("Content-Type", "application/x-www-form-urlencoded"),
                                                        ("Origin", self.base), ("Accept", "text/html")], body: body)
    }

    static func hiddenValue(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Logs in to the demo admin through the guard (its own login form).
    func login(_ account: String) async throws {
        let password = DemoAdmin.accounts.first { $0.account == account }!.password
        let answer = try await self.request("POST", "/login", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                      body: "account=\(account)&password=\(password.formEncoded)")
        guard answer.status == 303, self.cookie("demo_session") != nil else {
            throw BrowserError("login as \(account) failed with \(answer.status)")
        }
    }

    /// Registers an authenticator app through the JSON API; returns the base32 secret.
    func enrollTOTP(_ account: String) async throws -> String {
        let begin = try await self.api("POST", "/__guard/api/enroll",
                                 #"{"channel":"totp","emergency_email":"\#(account).backup@mail.example"}"#)
        guard begin.status == 200, let secret = (begin.json["totp"] as? [String: Any])?["secret"] as? String else {
            throw BrowserError("enrol answered \(begin.status): \(begin.body)")
        }
        guard let emailCode = try self.harness.emailCode(to: "\(account).backup@mail.example") else {
            throw BrowserError("no e-mail code arrived")
        }
        let totpCode = try self.harness.pyotpCode(secret, offset: 0)
        let confirm = try await self.api("POST", "/__guard/api/enroll/confirm",
                                   #"{"email_code":"\#(emailCode)","channel_code":"\#(totpCode)"}"#)
        guard confirm.status == 200, confirm.json["verified"] as? Bool == true else {
            throw BrowserError("confirm answered \(confirm.status): \(confirm.body))")
        }
        return secret
    }
}

struct BrowserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
