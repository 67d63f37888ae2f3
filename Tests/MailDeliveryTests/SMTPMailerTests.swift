import Foundation
import GuardTestSupport
import Logging
import PIIGuard
import Testing

@testable import MailDelivery


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
