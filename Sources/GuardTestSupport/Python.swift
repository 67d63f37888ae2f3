import Foundation

/// Runs python3 for the tests that check our formats and protocols with independent tools (pyotp, openpyxl,
/// zxing-cpp, aiosmtpd); those tests skip with a reason when the interpreter or the module is missing.
public enum Python {
    /// Whether python3 can import every one of `modules`.
    public static func has(_ modules: String...) -> Bool {
        (try? self.run(["-c", modules.map { "import \($0)" }.joined(separator: "\n")]))?.status == 0
    }

    /// Runs `python3 -c script arguments…` and returns its standard output; throws when it exits non-zero.
    public static func output(_ script: String, arguments: [String] = [], input: Data? = nil) throws -> String {
        let result = try self.run(["-c", script] + arguments, input: input)
        guard result.status == 0 else {
            throw Failure(status: result.status, errors: String(decoding: result.errors, as: UTF8.self))
        }
        return String(decoding: result.output, as: UTF8.self)
    }

    /// Runs `python3 arguments…`, feeding `input` to its standard input. Standard error goes to a temporary file
    /// (read afterwards), so a chatty script cannot fill a pipe nobody reads and block.
    public static func run(_ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: Data, errors: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: stderr) }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        // The scripts read all of stdin before they write, so writing first and then reading cannot deadlock.
        if let input { try stdin.fileHandleForWriting.write(contentsOf: input) }
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output, (try? Data(contentsOf: stderr)) ?? Data())
    }

    public struct Failure: Error, CustomStringConvertible {
        public let status: Int32
        public let errors: String
        public var description: String { "python3 exited with \(self.status): \(self.errors.suffix(500))" }
    }
}
