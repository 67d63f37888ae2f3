import Foundation

/// A TCP relay in front of a server that a test can silence: bytes stop flowing but no connection is closed or
/// refused, as in a network partition. What a database outage looks like when the server does not say goodbye
/// (`silent_proxy.py` beside this file, python3 only).
public final class SilentProxy: @unchecked Sendable {
    public let port: Int
    private let process = Process()
    private let control: String

    public init(targetPort: Int) throws {
        self.control = FileManager.default.temporaryDirectory.appendingPathComponent("silent-\(UUID().uuidString)").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("silent_proxy.py").path
        self.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        self.process.arguments = ["python3", script, String(targetPort), self.control]
        let output = Pipe()
        self.process.standardOutput = output
        self.process.standardError = FileHandle.nullDevice
        try self.process.run()
        guard let port = ReadyLine.port(from: output) else {
            kill(self.process.processIdentifier, SIGKILL)
            throw TestProcessError(description: "the silent proxy did not start")
        }
        self.port = port
    }

    /// Stops passing bytes (connections stay open); `speak()` resumes.
    public func silence() { FileManager.default.createFile(atPath: self.control, contents: Data()) }
    public func speak() { try? FileManager.default.removeItem(atPath: self.control) }

    deinit {
        kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: self.control)
    }
}
