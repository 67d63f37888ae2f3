import Crypto
import Foundation

/// One export, from the upstream's bytes to the encrypted workbook the person receives.
///
/// The proxy and `pii-guard vault encrypt` share this one path, so what an operator tries on the command line is
/// what the proxy delivers. The format is decided by the first bytes and the content type: a zip (`PK`) is an .xlsx
/// and is encrypted as it is; an OLE compound file (`D0 CF 11 E0`) is a legacy .xls or an already-encrypted file and
/// is refused (neither can be converted or checked); anything else is a table (CSV, TSV, an HTML table) converted by
/// `WorkbookConverter`. Tables stream into a temporary file and the workbook is encrypted file to file, so memory
/// stays bounded; an upstream workbook is buffered to a temporary file up to `limits.maxInputBytes`.
public final class ExportPackager {
    /// Bounds and places.
    public struct Limits: Sendable, Hashable {
        /// Largest upstream export read (bytes).
        public var maxInputBytes: Int
        /// Where the temporary files go (owner-only; removed when done).
        public var workDirectory: URL

        public init(maxInputBytes: Int = 512 << 20, workDirectory: URL = FileManager.default.temporaryDirectory) {
            self.maxInputBytes = maxInputBytes
            self.workDirectory = workDirectory
        }
    }

    /// What came out.
    public struct Result: Sendable {
        /// The encrypted file (ECMA-376 Agile in an OLE compound file).
        public let file: [UInt8]
        /// `csv`, `tsv`, `html`, `xlsx`.
        public let sourceFormat: String
        /// Data rows and header of a converted table; nil for an upstream workbook.
        public let rowCount: Int?
        public let header: [String]
        /// Hex SHA-256 of `file`.
        public let sha256: String
    }

    let contentType: String?
    let fileName: String?
    let sheetName: String
    let password: String
    let parameters: AgileEncryptionParameters
    let limits: Limits
    let options: XLSXBuilder.Options
    var decided = false
    var finished = false
    var converter: WorkbookConverter?
    var tableFormat = "csv"
    var workbook: (handle: FileHandle, url: URL)?
    var inputBytes = 0

    public init(contentType: String?, fileName: String?, sheetName: String, password: String,
                parameters: AgileEncryptionParameters = AgileEncryptionParameters(), limits: Limits = Limits(),
                options: XLSXBuilder.Options = .init()) {
        self.contentType = contentType
        self.fileName = fileName
        self.sheetName = sheetName
        self.password = password
        self.parameters = parameters
        self.limits = limits
        var options = options
        if options.temporaryDirectory == nil { options.temporaryDirectory = limits.workDirectory }
        self.options = options
    }

    deinit {
        if let workbook = self.workbook {
            try? workbook.handle.close()
            try? FileManager.default.removeItem(at: workbook.url)
        }
    }

    /// The next chunk of the upstream export.
    public func feed(_ chunk: some Collection<UInt8>) throws(ExportError) {
        guard !chunk.isEmpty else { return }
        guard !self.finished else { throw ExportError(.unreadable, "the export was already finished") }
        self.inputBytes += chunk.count
        guard self.inputBytes <= self.limits.maxInputBytes else {
            throw ExportError(.tooLarge, "the export is larger than the \(self.limits.maxInputBytes >> 20) MB limit (exports.max_bytes)")
        }
        if !self.decided { try self.decide(Array(chunk.prefix(8))) }
        if let workbook = self.workbook {
            do { try workbook.handle.write(contentsOf: Data(chunk)) } catch {
                throw ExportError(.io, "cannot write a temporary file in \(self.limits.workDirectory.path)")
            }
        } else {
            do { try self.converter!.feed(chunk) } catch { throw ExportError(.unreadable, error.description) }
        }
    }

    /// The end of the export: converts (or takes the workbook), encrypts, and returns the file.
    public func finish() throws(ExportError) -> Result {
        guard !self.finished else { throw ExportError(.unreadable, "the export was already finished") }
        if !self.decided { try self.decide([]) }
        self.finished = true
        let encrypted = Self.temporaryURL(in: self.limits.workDirectory, suffix: ".enc")
        defer { try? FileManager.default.removeItem(at: encrypted) }
        if let workbook = self.workbook {
            try? workbook.handle.close()
            self.workbook = nil
            defer { try? FileManager.default.removeItem(at: workbook.url) }
            return try self.encrypt(workbook.url, to: encrypted, format: "xlsx", rowCount: nil, header: [])
        }
        let plain = Self.temporaryURL(in: self.limits.workDirectory, suffix: ".xlsx")
        defer { try? FileManager.default.removeItem(at: plain) }
        let summary: ConversionSummary
        do { summary = try self.converter!.finish(to: plain) } catch { throw ExportError(.unreadable, error.description) }
        self.converter = nil
        return try self.encrypt(plain, to: encrypted, format: self.tableFormat, rowCount: summary.rowCount, header: summary.header)
    }

    func encrypt(_ source: URL, to destination: URL, format: String, rowCount: Int?, header: [String]) throws(ExportError) -> Result {
        do {
            try AgileEncryption.encrypt(packageAt: source, to: destination, password: self.password, parameters: self.parameters)
        } catch {
            throw ExportError(.encryption, error.description)
        }
        let file: [UInt8]
        do { file = Array(try Data(contentsOf: destination)) } catch {
            throw ExportError(.io, "cannot read the encrypted file back from \(self.limits.workDirectory.path)")
        }
        let digest = SHA256.hash(data: file).map { String(format: "%02x", $0) }.joined()
        return Result(file: file, sourceFormat: format, rowCount: rowCount, header: header, sha256: digest)
    }

    func decide(_ head: [UInt8]) throws(ExportError) {
        self.decided = true
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw ExportError(.legacyFormat, "the export is a legacy .xls (or an already encrypted) file, which cannot be converted or checked; have the admin export CSV or .xlsx")
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || (head.isEmpty && Self.isWorkbookType(self.contentType)) {
            let url = Self.temporaryURL(in: self.limits.workDirectory, suffix: ".upstream.xlsx")
            guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = try? FileHandle(forWritingTo: url)
            else {
                throw ExportError(.io, "cannot create a temporary file in \(self.limits.workDirectory.path)")
            }
            self.workbook = (handle, url)
            return
        }
        if Self.isWorkbookType(self.contentType) {
            throw ExportError(.unreadable, "the upstream said .xlsx but sent something else (not a zip package)")
        }
        guard let source = WorkbookConverter.Source(contentType: self.contentType, fileName: self.fileName) else {
            throw ExportError(.unsupported, "an export of type \(self.contentType ?? "(none)") cannot be turned into a workbook")
        }
        self.tableFormat = switch source {
        case .delimited(let delimiter): delimiter == .tab ? "tsv" : "csv"
        case .html: "html"
        }
        do {
            self.converter = try WorkbookConverter(
                source: source, encoding: TableTextEncoding.declared(inContentType: self.contentType),
                sheetName: self.sheetName, options: self.options)
        } catch {
            throw ExportError(.io, error.description)
        }
    }

    static func isWorkbookType(_ contentType: String?) -> Bool {
        (contentType ?? "").lowercased().contains("spreadsheetml.sheet")
    }

    static func temporaryURL(in directory: URL, suffix: String) -> URL {
        directory.appendingPathComponent("pii-guard-export-\(UUID().uuidString)\(suffix)")
    }
}

/// Why an export could not be delivered: a code for the records and a sentence an operator or seller can act on
/// (never a cell's content, never the password).
public struct ExportError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case legacyFormat = "legacy_xls"
        case unsupported = "unsupported_type"
        case unreadable
        case tooLarge = "too_large"
        case encryption
        case io
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}
