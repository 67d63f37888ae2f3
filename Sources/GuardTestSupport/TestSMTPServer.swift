import Foundation

/// A real SMTP server for the tests: `smtp_server.py` beside this file, on PyPI `aiosmtpd`. Tests skip when python3 or
/// aiosmtpd is missing (`available`). Every accepted message is written to `outbox` as JSON.
public final class TestSMTPServer: @unchecked Sendable {
    public static var available: Bool { Python.has("aiosmtpd") }

    public let port: Int
    public let outbox: String
    private let process = Process()

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - mode: `plain`, `starttls` or `tls`.
    ///   - extra: certificate, key, user and password for the TLS modes.
    public init(mode: String, extra: [String] = []) throws {
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
        guard let port = ReadyLine.port(from: output) else {
            kill(self.process.processIdentifier, SIGKILL)
            let reason = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw StartError(description: "test SMTP server did not start: \(reason.suffix(500))")
        }
        self.port = port
    }

    /// SIGKILL, not SIGTERM: a child of the test runner may inherit a blocked or ignored SIGTERM (seen here: the
    /// servers outlived the tests), and this server has nothing to clean up.
    deinit {
        kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }

    /// The messages the server accepted, as JSON objects (`mail_from`, `rcpt_tos`, `data` base64, `tls`,
    /// `authenticated`).
    public func received() throws -> [[String: Any]] {
        try FileManager.default.contentsOfDirectory(atPath: self.outbox).map {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: self.outbox + "/" + $0))) as! [String: Any]
        }
    }

    /// The decoded text of every message sent to `recipient`, oldest first (by file time).
    public func messages(to recipient: String) throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: self.outbox).map { self.outbox + "/" + $0 }
            .sorted {
                let a = (try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast
                let b = (try? FileManager.default.attributesOfItem(atPath: $1)[.modificationDate] as? Date) ?? .distantPast
                return a < b
            }
        return try files.compactMap { path in
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
            guard (record["rcpt_tos"] as? [String])?.contains(recipient) == true,
                let data = Data(base64Encoded: record["data"] as? String ?? "")
            else { return nil }
            let raw = String(decoding: data, as: UTF8.self)
            // Bodies are base64 (MailDelivery writes UTF-8 that way): decode the part after the blank line.
            guard let split = raw.range(of: "\r\n\r\n") else { return raw }
            let body = raw[split.upperBound...].replacingOccurrences(of: "\r\n", with: "")
            return Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) } ?? raw
        }
    }
}
