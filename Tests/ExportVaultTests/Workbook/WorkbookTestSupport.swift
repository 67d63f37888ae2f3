import Foundation
import Testing

@testable import ExportVault

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers of the workbook tests: external tools run off the concurrency pool, legacy encodings, chunking.
enum WorkbookTestSupport {
    struct ToolFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs an executable without blocking a Swift concurrency thread: completion arrives through
    /// `terminationHandler`; output goes to temporary files (a full pipe nobody reads cannot block the tool).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws
        -> (status: Int32, output: String, errors: String)
    {
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("wb-tool-\(UUID().uuidString).out")
        let errURL = directory.appendingPathComponent("wb-tool-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? outHandle.close()
        try? errHandle.close()
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return (status, output, errors)
    }

    /// The first executable of that name on PATH (or at one of the usual places).
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/\(name)" } + ["/usr/bin/\(name)", "/usr/local/bin/\(name)"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let python3 = which("python3")

    /// Whether python3 with openpyxl can be used (checked once, synchronously, at suite set-up).
    static let hasOpenpyxl: Bool = {
        guard let python3 else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python3)
        process.arguments = ["-c", "import openpyxl"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static let soffice = which("soffice") ?? which("libreoffice")

    /// Runs a python script (`python3 -c`) and returns its standard output; throws with its errors when it fails.
    static func python(_ script: String, _ arguments: [String]) async throws -> String {
        let python3 = try #require(python3)
        let result = try await run(python3, ["-c", script] + arguments)
        guard result.status == 0 else { throw ToolFailure(description: "python3 exited \(result.status): \(result.errors)") }
        return result.output
    }

    /// UTF-8 text in CP949 bytes (glibc iconv, the converter's own table is not used to make test input).
    static func cp949(_ text: String) throws -> [UInt8] {
        guard let converter = iconv_open("CP949", "UTF-8"), converter != iconv_t(bitPattern: -1) else {
            throw ToolFailure(description: "iconv cannot encode CP949")
        }
        defer { iconv_close(converter) }
        var input = Array(text.utf8).map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: input.count * 2 + 16)
        let (status, produced) = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                var outLeft = outBuffer.count
                let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                return (status, outBuffer.count - outLeft)
            }
        }
        guard status != -1 else { throw ToolFailure(description: "text not encodable in CP949") }
        return output[0..<produced].map { UInt8(bitPattern: $0) }
    }

    /// A reproducible generator (SplitMix64) for chunk sizes.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `bytes` cut into chunks of 1…`maxSize` bytes.
    static func chunks(_ bytes: [UInt8], seed: UInt64, maxSize: Int) -> [[UInt8]] {
        var generator = SeededGenerator(state: seed)
        var result: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let size = Int.random(in: 1...maxSize, using: &generator)
            result.append(Array(bytes[index..<min(bytes.count, index + size)]))
            index += size
        }
        return result
    }

    /// All rows of a CSV/TSV read in the given chunks.
    static func readDelimited(_ chunks: [[UInt8]], encoding: TableTextEncoding? = nil,
                              delimiter: DelimitedTableReader.Delimiter? = nil) throws -> [[String]] {
        var reader = DelimitedTableReader(encoding: encoding, delimiter: delimiter)
        var rows: [[String]] = []
        for chunk in chunks { rows += try reader.feed(chunk) }
        rows += try reader.finish()
        return rows
    }

    static func readHTML(_ chunks: [[UInt8]], encoding: TableTextEncoding? = nil) throws -> (rows: [[String]], header: Bool) {
        var reader = HTMLTableReader(encoding: encoding)
        var rows: [[String]] = []
        for chunk in chunks { rows += try reader.feed(chunk) }
        rows += try reader.finish()
        return (rows, reader.headerDetected)
    }

    /// A scratch directory removed by the caller.
    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wb-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// CSV text of rows, quoting where needed (the way the demo admin writes its exports), CRLF line ends.
    static func csv(_ rows: [[String]], separator: String = ",") -> String {
        rows.map { row in
            row.map { cell in
                let needs = cell.contains(separator) || cell.contains("\"") || cell.contains("\n") || cell.contains("\r")
                return needs ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
            }.joined(separator: separator)
        }.joined(separator: "\r\n") + "\r\n"
    }
}
