import Foundation
import Testing
@testable import ExportVault

/// Helpers shared by the encryption tests, namespaced so that they cannot clash with other suites of the module.
enum CryptoFixture {
    /// A scratch directory removed when the test ends.
    struct Scratch: ~Copyable {
        let url: URL

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("ev-crypto-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        func file(_ name: String) -> URL { url.appendingPathComponent(name) }

        deinit { try? FileManager.default.removeItem(at: url) }
    }

    static func readBytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }
    static func writeBytes(_ bytes: [UInt8], to url: URL) throws { try Data(bytes).write(to: url) }

    static func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: count)
        for index in bytes.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        return bytes
    }

    /// The ``VaultCryptoError`` a call throws, if any (other errors are recorded as test failures).
    static func vaultError(_ body: () throws -> Void) -> VaultCryptoError? {
        do {
            try body()
            return nil
        } catch let error as VaultCryptoError {
            return error
        } catch {
            Issue.record(error, "expected a VaultCryptoError")
            return nil
        }
    }

    /// A spin count low enough for debug-build tests; the default (100,000) is exercised by the interop tests.
    static let fastParameters = AgileEncryptionParameters(spinCount: 1_000)

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func littleEndian64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// How Python's json.dumps writes a string (non-ASCII as \u escapes).
    static func jsonEscaped(_ string: String) -> String {
        var result = "\""
        for unit in string.utf16 {
            if unit < 0x20 || unit > 0x7E {
                result += String(format: "\\u%04x", unit)
            } else if unit == 0x22 || unit == 0x5C {
                result += "\\" + String(UnicodeScalar(UInt8(unit)))
            } else {
                result += String(UnicodeScalar(UInt8(unit)))
            }
        }
        return result + "\""
    }
}
