import Foundation
import GuardTestSupport
import NIOCore
import NIOPosix
import Testing

/// The `pii-guard serve` process itself: what it says and refuses before it listens.
@Suite("pii-guard serve", .serialized)
struct ServeCommandTests {
    /// A configuration folder for `serve` (dev certificates, the repository's rules), `secondFactor` as its section.
    static func configuration(port: Int, secondFactor: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pii-guard-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let yaml = """
            listen: {host: 127.0.0.1, port: \(port)}
            data_dir: \(folder)/data
            rules_dir: \(SecondFactorHarness.repositoryRoot)/rules
            tls: {dev_certificates_dir: \(folder)/certs}
            second_factor:
            \(secondFactor)
            sites:
              - name: seller-admin
                hosts: [localhost]
                upstream: http://127.0.0.1:9
                menus: [sales]
            """
        try yaml.write(toFile: folder + "/pii-guard.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    @Test("dev_outbox under serve: a loud warning on stderr and in the log; beside real channels, no start")
    func devOutboxIsLoudAndRefusedBesideRealChannels() async throws {
        let binary = try GuardInstance.binary()
        // The port is taken, so a serve that got past its checks stops there instead of running on.
        let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(holder.localAddress?.port)
        defer { holder.close(promise: nil) }

        let alone = try Self.configuration(port: port, secondFactor: "  dev_outbox: true")
        defer { try? FileManager.default.removeItem(atPath: alone) }
        let warned = try await TestProcess.run(binary, ["serve", "--config", alone + "/pii-guard.yaml"])
        #expect(warned.status != 0)
        #expect(warned.output.contains("WARNING: second_factor.dev_outbox is true (\(alone)/pii-guard.yaml:6)"), "\(warned.output)")
        #expect(warned.output.contains("warning pii-guard: [PIIGuard] second_factor.dev_outbox is true"), "\(warned.output)")
        #expect(warned.output.contains("listen.port"), "it got past the check: \(warned.output)")

        let both = try Self.configuration(port: port, secondFactor: """
              channels:
                email: {host: 127.0.0.1, port: 2525, security: none, from: guard@demo-shop.example}
              dev_outbox: true
            """)
        defer { try? FileManager.default.removeItem(atPath: both) }
        let refused = try await TestProcess.run(binary, ["serve", "--config", both + "/pii-guard.yaml"])
        #expect(refused.status != 0)
        #expect(refused.output.contains("\(both)/pii-guard.yaml:8:"), "\(refused.output)")
        #expect(refused.output.contains("second_factor.dev_outbox") && refused.output.contains("email (SMTP)"))
        #expect(!refused.output.contains("listen.port"), "refused before anything else: \(refused.output)")
    }
}
