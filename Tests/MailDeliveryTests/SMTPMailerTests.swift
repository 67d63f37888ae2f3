import Foundation
import GuardTestSupport
import Logging
import PIIGuard
import Testing

@testable import MailDelivery

/// Runs the aiosmtpd-based server beside this file; tests skip when python3 or aiosmtpd is missing.
final class TestSMTPServer: @unchecked Sendable {
    static var available: Bool { Python.has("aiosmtpd") }

    let port: Int
    let outbox: String
    private let process = Process()

    init(mode: String, extra: [String] = []) throws {
        self.outbox = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.outbox, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp_server.py").path
        self.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        self.process.arguments = ["python3", script, self.outbox, mode] + extra
        let output = Pipe()
        let errors = Pipe()
        self.process.standardOutput = output
        self.process.standardError = errors
        try self.process.run()
        // The first line is "READY <port>"; anything else means the server did not start (say why).
        var line = ""
        while !line.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        guard line.hasPrefix("READY "), let port = Int(line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(self.process.processIdentifier, SIGKILL)
            let reason = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw SMTPError(.connect, "test server did not start: \(reason.suffix(500))")
        }
        self.port = port
    }

    /// SIGKILL, not SIGTERM: a child of the test runner may inherit a blocked or ignored SIGTERM (seen here: the
    /// servers outlived the tests), and this server has nothing to clean up.
    deinit {
        kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }

    /// The messages the server accepted, as JSON objects.
    func received() throws -> [[String: Any]] {
        try FileManager.default.contentsOfDirectory(atPath: self.outbox).map {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: self.outbox + "/" + $0))) as! [String: Any]
        }
    }
}

@Suite("SMTP mailer", .serialized, .enabled(if: TestSMTPServer.available, "python3 with aiosmtpd is not installed"))
struct SMTPMailerTests {
    static let certificates: DevCertificates.Paths = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pii-guard-smtp-certs").path
        return try! DevCertificates.ensure(in: folder, hostNames: ["localhost", "127.0.0.1"]).0
    }()

    let message = MailMessage(
        from: "guard@shop.example", fromName: "판매자 센터 보안", to: ["emergency@person.example"],
        subject: "[판매자 센터] 비상 인증번호 안내 — 인증번호는 3분 동안 유효합니다",
        body: "인증번호: 123456\n.\n이 번호는 3분 후 만료됩니다.\n")

    func decodedBody(_ record: [String: Any]) throws -> (headers: String, body: String) {
        let raw = String(decoding: Data(base64Encoded: record["data"] as! String)!, as: UTF8.self)
        let parts = raw.components(separatedBy: "\r\n\r\n")
        let body = String(decoding: Data(base64Encoded: parts[1].replacingOccurrences(of: "\r\n", with: ""))!, as: UTF8.self)
        return (parts[0], body)
    }

    @Test func deliversOverPlainSMTP() async throws {
        let server = try TestSMTPServer(mode: "plain")
        let mailer = SMTPMailer(configuration: .init(host: "127.0.0.1", port: server.port, security: .none),
                                logger: Logger(label: "smtp"))
        try await mailer.send(self.message)
        let records = try server.received()
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record["mail_from"] as? String == "guard@shop.example")
        #expect(record["rcpt_tos"] as? [String] == ["emergency@person.example"])
        let (headers, body) = try self.decodedBody(record)
        #expect(body == "인증번호: 123456\r\n.\r\n이 번호는 3분 후 만료됩니다.\r\n")
        #expect(headers.contains("Subject: =?UTF-8?B?"))
        #expect(headers.contains("Content-Type: text/plain; charset=UTF-8"))
        // Folded encoded words decode back to the subject.
        let subjectWords = headers.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject:") }
            .prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
            .joined().replacingOccurrences(of: "Subject: ", with: "")
        let decoded = subjectWords.components(separatedBy: "?=").compactMap { word -> String? in
            guard let range = word.range(of: "=?UTF-8?B?") else { return nil }
            return String(decoding: Data(base64Encoded: String(word[range.upperBound...]))!, as: UTF8.self)
        }.joined()
        #expect(decoded == self.message.subject)
    }

    @Test func upgradesWithSTARTTLSAndAuthenticates() async throws {
        let paths = Self.certificates
        let server = try TestSMTPServer(mode: "starttls", extra: [paths.certificate, paths.privateKey, "guard", "s3cret-pass"])
        var configuration = SMTPConfiguration(host: "127.0.0.1", port: server.port, security: .startTLS,
                                              username: "guard", password: "s3cret-pass", trustRootsFile: paths.caCertificate)
        try await SMTPMailer(configuration: configuration, logger: Logger(label: "smtp")).send(self.message)
        let record = try #require(try server.received().first)
        #expect(record["tls"] as? Bool == true)
        #expect(record["authenticated"] as? Bool == true)

        configuration.password = "wrong"
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPMailer(configuration: configuration, logger: Logger(label: "smtp")).send(self.message)
        }
        #expect(error?.stage == .authentication)
        #expect(error?.code == 535)
    }

    @Test func deliversOverImplicitTLS() async throws {
        let paths = Self.certificates
        let server = try TestSMTPServer(mode: "tls", extra: [paths.certificate, paths.privateKey, "guard", "s3cret-pass"])
        let configuration = SMTPConfiguration(host: "127.0.0.1", port: server.port, security: .implicitTLS,
                                              username: "guard", password: "s3cret-pass", trustRootsFile: paths.caCertificate)
        try await SMTPMailer(configuration: configuration, logger: Logger(label: "smtp")).send(self.message)
        let record = try #require(try server.received().first)
        #expect(record["authenticated"] as? Bool == true)
        #expect(try self.decodedBody(record).body.contains("123456"))
    }

    @Test func refusesToContinueInClearWhenSTARTTLSIsMissing() async throws {
        let server = try TestSMTPServer(mode: "plain")
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPMailer(configuration: .init(host: "127.0.0.1", port: server.port, security: .startTLS),
                                 logger: Logger(label: "smtp")).send(self.message)
        }
        #expect(error?.stage == .startTLS)
        #expect(try server.received().isEmpty)
    }

    @Test func aRefusedRecipientIsAnErrorWithoutTheAddress() async throws {
        let server = try TestSMTPServer(mode: "plain")
        var message = self.message
        message.to = ["nobody@refused.example"]
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPMailer(configuration: .init(host: "127.0.0.1", port: server.port, security: .none),
                                 logger: Logger(label: "smtp")).send(message)
        }
        #expect(error?.stage == .recipient)
        #expect(error?.code == 550)
        #expect(error?.description.contains("refused.example") == false)
        #expect(error?.isTransient == false)
    }

    @Test func configurationMistakesAreCaughtBeforeConnecting() async {
        let clear = SMTPConfiguration(host: "127.0.0.1", port: 25, security: .none, username: "u", password: "p")
        #expect(throws: SMTPError.self) { try clear.validate() }
        let injected = MailMessage(from: "a@b.example", to: ["x@y.example>\r\nRCPT TO:<evil@z.example"], subject: "s", body: "b")
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPMailer(configuration: .init(host: "127.0.0.1", port: 1, security: .none),
                                 logger: Logger(label: "smtp")).send(injected)
        }
        #expect(error?.stage == .configuration)
    }
}
