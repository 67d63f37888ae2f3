import ArgumentParser
import ExportVault
import Foundation

/// `pii-guard vault`: the export vault for operators, with the code the proxy uses.
struct Vault: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encrypt a spreadsheet export as the guard does, or decrypt one.",
        subcommands: [Encrypt.self, Decrypt.self])

    static func readPassword(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read the password file '\(path)'")
        }
        // The first line, without its line ending: `echo secret > file` must work.
        let text = String(decoding: data, as: UTF8.self)
        let password = String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        guard !password.isEmpty else { throw CommandFailure("the password file '\(path)' is empty") }
        return password
    }

    struct Encrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn a CSV, TSV or HTML-table export (or an .xlsx) into a password-encrypted .xlsx.",
            discussion: """
                The input's format is taken from its first bytes and its extension (.csv, .tsv, .txt, .html, .xls for an \
                HTML table, .xlsx); CSV may be UTF-8 or EUC-KR, with or without BOM. The output is ECMA-376 Agile \
                encryption (AES-256, SHA-512, 100,000 rounds) that Excel and LibreOffice open with the password.
                """)

        @Option(help: "A file whose first line is the password.")
        var passwordFile: String

        @Option(help: "The input's charset (utf-8, euc-kr, cp949); sniffed when absent.")
        var charset: String?

        @Option(help: "The sheet name (default: the input file's name).")
        var sheet: String?

        @Argument(help: "The export to encrypt.")
        var input: String

        @Argument(help: "Where to write the encrypted .xlsx.")
        var output: String

        func run() async throws {
            let password = try Vault.readPassword(self.passwordFile)
            let inputURL = URL(fileURLWithPath: self.input)
            let name = inputURL.lastPathComponent
            let contentType: String? = switch inputURL.pathExtension.lowercased() {
            case "csv": "text/csv" + (self.charset.map { "; charset=\($0)" } ?? "")
            case "tsv", "tab": "text/tab-separated-values" + (self.charset.map { "; charset=\($0)" } ?? "")
            case "html", "htm": "text/html" + (self.charset.map { "; charset=\($0)" } ?? "")
            case "xls": "application/vnd.ms-excel"
            case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            default: self.charset.map { "text/plain; charset=\($0)" }
            }
            guard let handle = FileHandle(forReadingAtPath: self.input) else {
                throw CommandFailure("cannot read '\(self.input)'")
            }
            defer { try? handle.close() }
            let started = ContinuousClock.now
            let packager = ExportPackager(
                contentType: contentType, fileName: name, sheetName: self.sheet ?? (name as NSString).deletingPathExtension,
                password: password)
            do {
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try packager.feed(chunk) }
                let result = try packager.finish()
                guard FileManager.default.createFile(atPath: self.output, contents: Data(result.file),
                                                     attributes: [.posixPermissions: 0o600])
                else { throw CommandFailure("cannot write '\(self.output)'") }
                let elapsed = ContinuousClock.now - started
                let rows = result.rowCount.map { "\($0) rows, \(result.header.count) columns" } ?? "workbook encrypted as it was"
                print("\(self.output): \(rows) from \(result.sourceFormat), \(result.file.count) bytes, sha256 \(result.sha256) "
                      + "(\(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))))")
            } catch let error as ExportError {
                throw CommandFailure("\(self.input): \(error.message)")
            }
        }
    }

    struct Decrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt a password-encrypted .xlsx (Agile encryption) back to a plain .xlsx.",
            discussion: "Checks the password and the file's integrity code before anything is written.")

        @Option(help: "A file whose first line is the password.")
        var passwordFile: String

        @Argument(help: "The encrypted .xlsx.")
        var input: String

        @Argument(help: "Where to write the plain .xlsx.")
        var output: String

        func run() async throws {
            let password = try Vault.readPassword(self.passwordFile)
            do {
                try AgileEncryption.decrypt(fileAt: URL(fileURLWithPath: self.input), to: URL(fileURLWithPath: self.output),
                                            password: password)
                print("\(self.output): decrypted, integrity verified")
            } catch {
                throw CommandFailure("\(self.input): \(error.description)")
            }
        }
    }
}
