import Foundation

/// Runs a program to its end without holding a Swift concurrency thread while it waits.
///
/// The servers a test talks to run on the same small pool (two threads on a 2-core machine); a test that blocked a
/// thread in `waitUntilExit` while another test blocked the other would leave no thread to answer either.
public enum TestProcess {
    public struct Outcome: Sendable {
        public let status: Int32
        /// Standard output and standard error, interleaved as written.
        public let output: String
    }

    /// Runs `executable` with `arguments` (and `environment` added to this process's); returns its status and output.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        async throws -> Outcome
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Outcome(status: status, output: (try? String(contentsOf: file, encoding: .utf8)) ?? "")
    }

    /// Runs a program and throws, with its output, when it does not exit 0.
    @discardableResult
    public static func check(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        async throws -> String
    {
        let outcome = try await self.run(executable, arguments, environment: environment)
        guard outcome.status == 0 else {
            throw TestProcessError(description: "\((executable as NSString).lastPathComponent) \(arguments.prefix(3).joined(separator: " ")) "
                + "exited with \(outcome.status): \(outcome.output.suffix(1500))")
        }
        return outcome.output
    }
}

public struct TestProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// A loopback TCP port nothing listens on now, for a server the test starts in another process (which cannot report
/// the port it bound).
public enum LoopbackPort {
    public static func free() throws -> Int { try PostgresTestCluster.freePort() }
}

/// The first line a helper server prints, `READY <port>`, once it listens: how the python helpers (SMTP server,
/// silent relay) tell the tests their port. nil when the process ended or printed something else first.
enum ReadyLine {
    static func port(from output: Pipe) -> Int? {
        var line = ""
        while !line.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        guard line.hasPrefix("READY ") else { return nil }
        return Int(line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
