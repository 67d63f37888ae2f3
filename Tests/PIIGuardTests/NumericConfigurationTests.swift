import Foundation
import Testing

@testable import PIIGuard

/// Every number an operator writes into `pii-guard.yaml` or `rules/masking.yaml` is range-checked while the file is
/// read: a hostile or mistyped value is a `ConfigurationError` naming the file, the line and the field, never an
/// overflow trap at start or, worse, on the first request that uses it.
@Suite("Numbers in configuration and rules files")
struct NumericConfigurationTests {
    /// The values the API tests send too, as YAML scalars.
    static let hostileIntegers = [
        "9223372036854775807", "-9223372036854775808", "-1", "0", "1e308", "-1e308", "1.5", "\"60\"", "null", "true",
        "12345678901234567890", String(repeating: "9", count: 400),
    ]
    static let hostileDurations = [
        "9223372036854775807", "9223372036854775807d", "9223372036854775807ms", "106751991167301d", "3651d",
        "-1s", "0", "1e308s", "-1e308s", "1.5m", "\"60\"", "null", "true", "12345678901234567890s",
        String(repeating: "9", count: 400) + "ms",
    ]
    static let hostileSizes = [
        "9223372036854775807", "9223372036854775807GiB", "8589934591GiB", "1025GiB", "-1", "1e308", "-1e308",
        "1.5MiB", "\"60\"", "null", "true", "12345678901234567890", String(repeating: "9", count: 400) + "KiB",
    ]

    static let gateway = "second_factor:\n  channels:\n    sms:\n      url: https://sms.example.com/send\n      body: '{\"to\": \"{phone}\"}'\n"
    static let email = "second_factor:\n  channels:\n    email:\n      host: mail.example\n      from: guard@example.com\n"
    static let postgres = "store:\n  backend: postgres\n  postgres:\n"

    /// (YAML before the value's key, the key's line as YAML text with `{v}`, the field path, values that are valid.)
    static let integers: [(String, String, String, Set<String>)] = [
        ("listen:\n", "  port: {v}\n", "listen.port", ["0", "\"60\"", "null"]),
        ("tls:\n", "  hsts_max_age: {v}\n", "tls.hsts_max_age", ["0", "\"60\"", "null"]),
        ("limits:\n", "  upstream_connections_per_host: {v}\n", "limits.upstream_connections_per_host", ["\"60\"", "null"]),
        ("second_factor:\n  lockout:\n", "    max_failures: {v}\n", "second_factor.lockout.max_failures", ["\"60\"", "null"]),
        ("second_factor:\n  lockout:\n", "    max_sends: {v}\n", "second_factor.lockout.max_sends", ["\"60\"", "null"]),
        ("second_factor:\n  lockout:\n", "    ip_max_failures: {v}\n", "second_factor.lockout.ip_max_failures", ["\"60\"", "null"]),
        ("second_factor:\n  lockout:\n", "    ip_max_sends: {v}\n", "second_factor.lockout.ip_max_sends", ["\"60\"", "null"]),
        (gateway, "      retries: {v}\n", "second_factor.channels.sms.retries", ["0", "null"]),
        (gateway, "      undeliverable_statuses: [{v}]\n", "second_factor.channels.sms.undeliverable_statuses", ["null"]),
        (email, "      port: {v}\n", "second_factor.channels.email.port", ["\"60\"", "null"]),
        ("audit:\n", "  retention_years: {v}\n", "audit.retention_years", ["null"]),
        ("audit:\n", "  checkpoint_every: {v}\n", "audit.checkpoint_every", ["\"60\"", "null"]),
        ("exports:\n  password:\n", "    min_length: {v}\n", "exports.password.min_length", ["null"]),
        ("exports:\n  password:\n", "    min_length_with_kinds: {v}\n", "exports.password.min_length_with_kinds", ["\"60\"", "null"]),
        ("exports:\n  password:\n", "    kinds_for_shorter: {v}\n", "exports.password.kinds_for_shorter", ["null"]),
        ("exports:\n  password:\n", "    generated_length: {v}\n", "exports.password.generated_length", ["\"60\"", "null"]),
        ("exports:\n", "  max_megabytes: {v}\n", "exports.max_megabytes", ["\"60\"", "null"]),
        (postgres, "    port: {v}\n", "store.postgres.port", ["\"60\"", "null"]),
        (postgres, "    max_connections: {v}\n", "store.postgres.max_connections", ["\"60\"", "null"]),
    ]

    static let durations: [(String, String, String)] = [
        ("second_factor:\n", "  idle_timeout: {v}\n", "second_factor.idle_timeout"),
        ("second_factor:\n", "  cycle: {v}\n", "second_factor.cycle"),
        ("second_factor:\n", "  code_validity: {v}\n", "second_factor.code_validity"),
        ("second_factor:\n  lockout:\n", "    window: {v}\n", "second_factor.lockout.window"),
        ("second_factor:\n  lockout:\n", "    duration: {v}\n", "second_factor.lockout.duration"),
        (gateway, "      timeout: {v}\n", "second_factor.channels.sms.timeout"),
        ("timeouts:\n", "  header_read: {v}\n", "timeouts.header_read"),
        ("timeouts:\n", "  shutdown_grace: {v}\n", "timeouts.shutdown_grace"),
        ("audit:\n", "  checkpoint_interval: {v}\n", "audit.checkpoint_interval"),
        ("exports:\n", "  ticket_lifetime: {v}\n", "exports.ticket_lifetime"),
        (postgres, "    operation_timeout: {v}\n", "store.postgres.operation_timeout"),
    ]

    static let sizes: [(String, String, String)] = [
        ("limits:\n", "  max_header_size: {v}\n", "limits.max_header_size"),
        ("limits:\n", "  max_request_body: {v}\n", "limits.max_request_body"),
        ("limits:\n", "  max_websocket_message: {v}\n", "limits.max_websocket_message"),
    ]

    static let minimal = """
        sites:
          - name: admin
            hosts: [localhost]
            upstream: http://127.0.0.1:9080
            menus: [sales]
        """

    /// Loads the configuration with `value` in the field; a refusal must name the value's line and the field.
    func expectRefusal(_ before: String, _ line: String, _ field: String, _ value: String) throws {
        let yaml = before + line.replacingOccurrences(of: "{v}", with: value)
        let folder = try makeConfigFolder(config: yaml + Self.minimal)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let valueLine = yaml.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        let refusal = try Self.refusal { _ = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml") }
        guard let error = refusal else {
            Issue.record("\(field): \(value.prefix(40)) was accepted")
            return
        }
        let where_ = "\(field) = \(value.prefix(40)): \(error)"
        #expect(error.file == folder + "/pii-guard.yaml")
        #expect(error.line == valueLine, "\(where_)")
        #expect(error.field.hasPrefix(field), "\(where_)")
    }

    /// The `ConfigurationError` that `load` throws, nil when it loads (any other error fails the test).
    static func refusal(_ load: () throws -> Void) rethrows -> ConfigurationError? {
        do {
            try load()
            return nil
        } catch let error as ConfigurationError {
            return error
        }
    }

    @Test(arguments: Self.integers.indices)
    func integerSettingsOutOfRangeNameTheirLine(index: Int) throws {
        let (before, line, field, valid) = Self.integers[index]
        for value in Self.hostileIntegers where !valid.contains(value) {
            try self.expectRefusal(before, line, field, value)
        }
    }

    @Test(arguments: Self.durations.indices)
    func durationsThatOverflowOrExceedTenYearsNameTheirLine(index: Int) throws {
        let (before, line, field) = Self.durations[index]
        // `null` keeps the default; `"60"` is a duration written as text, 60 seconds (refused only where too short).
        for value in Self.hostileDurations where value != "null" && value != "\"60\"" {
            try self.expectRefusal(before, line, field, value)
        }
    }

    @Test(arguments: Self.sizes.indices)
    func sizesThatOverflowOrExceedTheirLimitNameTheirLine(index: Int) throws {
        let (before, line, field) = Self.sizes[index]
        for value in Self.hostileSizes where value != "null" {
            try self.expectRefusal(before, line, field, value)
        }
    }

    @Test func theLongestDurationAndLargestSizeStillLoad() throws {
        // The bounds themselves are accepted: the check refuses only what lies beyond them.
        let folder = try makeConfigFolder(config: """
            second_factor:
              cycle: 3650d
            limits:
              max_request_body: 1024GiB
            audit:
              retention_years: 100

            """ + Self.minimal)
        let loaded = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        #expect(loaded.configuration.secondFactor.cycle == .seconds(3650 * 86_400))
        #expect(loaded.configuration.limits.values.maxRequestBodyBytes == 1 << 40)
    }

    @Test(arguments: ["-1", "-9223372036854775808", "9223372036854775807", "1001", "1e308", "1.5", "true",
                      String(repeating: "9", count: 400)])
    func aCustomDetectorsContextWindowIsRangeChecked(value: String) throws {
        // A negative window reached `suffix(_:)` on the first masked page and stopped the process.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "menus:\n  - id: sales\n    name: 판매관리\n    paths: [/sales/**]\n"
            .write(toFile: folder + "/menus.yaml", atomically: true, encoding: .utf8)
        try "profiles:\n  default:\n    custom_detectors:\n      - name: x\n        kind: name\n        pattern: 'M[0-9]+'\n        window: \(value)\n"
            .write(toFile: folder + "/masking.yaml", atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigurationError.self) { try RuleSet.load(directory: folder) }
        #expect(error?.file == folder + "/masking.yaml")
        #expect(error?.line == 7, "\(String(describing: error))")
        #expect(error?.field == "profiles.default.custom_detectors[0].window", "\(String(describing: error))")
    }
}
