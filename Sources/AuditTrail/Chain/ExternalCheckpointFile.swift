import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only text file of signed checkpoints, kept outside the audit database.
///
/// Someone who can edit the database can also delete its last records together with the checkpoints naming them;
/// a copy of each checkpoint in another place (another disk, a file the guard may only append to — `chattr +a`, a
/// log shipper, WORM storage) still names the sequence and hash the log had reached. One JSON object per line,
/// `{"at":…,"hash":…,"keyID":…,"kind":…,"sequence":…,"signature":…}`; every line is signed, so lines added by hand
/// are found too. Several guards sharing a log may append to one file (each line is one `O_APPEND` write).
public struct ExternalCheckpointFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Appends one checkpoint line and syncs it to disk.
    public func append(_ checkpoint: AuditCheckpoint) throws(AuditTrailError) {
        var line: [UInt8] = []
        line.append(UInt8(ascii: "{"))
        AuditCanonicalForm.key(&line, "at", first: true)
        let at = AuditCanonicalForm.timestamp(milliseconds: AuditCanonicalForm.milliseconds(checkpoint.at))
        AuditCanonicalForm.string(&line, at)
        AuditCanonicalForm.key(&line, "hash")
        AuditCanonicalForm.string(&line, checkpoint.hash)
        AuditCanonicalForm.key(&line, "keyID")
        AuditCanonicalForm.string(&line, checkpoint.keyID)
        AuditCanonicalForm.key(&line, "kind")
        AuditCanonicalForm.string(&line, checkpoint.kind.rawValue)
        AuditCanonicalForm.key(&line, "sequence")
        AuditCanonicalForm.integer(&line, checkpoint.sequence)
        AuditCanonicalForm.key(&line, "signature")
        AuditCanonicalForm.string(&line, checkpoint.signature)
        line.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])

        let descriptor = open(self.path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard descriptor >= 0 else {
            throw AuditTrailError(.externalCheckpoints, "cannot open the external checkpoint file '\(self.path)' for "
                + "appending (errno \(errno)); check the path and that the guard may write there")
        }
        defer { close(descriptor) }
        // A line cut short by a crash would swallow this one: start on a fresh line.
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_size > 0 {
            var last: UInt8 = 0
            if pread(descriptor, &last, 1, status.st_size - 1) == 1, last != UInt8(ascii: "\n") {
                line.insert(UInt8(ascii: "\n"), at: 0)
            }
        }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            throw AuditTrailError(.externalCheckpoints, "cannot write to the external checkpoint file '\(self.path)' "
                + "(disk full, or the file is not appendable)")
        }
    }

    /// One checkpoint read back, with its line number (1-based).
    public struct Entry: Sendable, Hashable {
        public var line: Int
        public var checkpoint: AuditCheckpoint
    }

    /// What a file holds: its checkpoints, the lines that are not checkpoints, and whether the last line was cut
    /// short (a crash while writing it; not counted as malformed).
    public struct Contents: Sendable, Hashable {
        public var entries: [Entry]
        public var malformedLines: [Int]
        public var incompleteLastLine: Bool
    }

    /// Reads the file at `path`. Throws `.externalCheckpoints` when it cannot be read.
    public static func read(at path: String) throws(AuditTrailError) -> Contents {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditTrailError(.externalCheckpoints, "cannot read the external checkpoint file '\(path)' (missing or "
                + "not readable); if checkpoints were never written there, verify without it")
        }
        var contents = Contents(entries: [], malformedLines: [], incompleteLastLine: false)
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() {
            let isLast = index == lines.count - 1
            if line.isEmpty { continue }
            guard let parsed = try? decoder.decode(Line.self, from: Data(line)),
                let kind = AuditCheckpoint.Kind(rawValue: parsed.kind),
                let milliseconds = AuditCanonicalForm.milliseconds(timestamp: parsed.at)
            else {
                if isLast { contents.incompleteLastLine = true } else { contents.malformedLines.append(index + 1) }
                continue
            }
            let checkpoint = AuditCheckpoint(
                sequence: parsed.sequence, hash: parsed.hash, at: AuditCanonicalForm.date(milliseconds: milliseconds),
                kind: kind, keyID: parsed.keyID, signature: parsed.signature)
            contents.entries.append(Entry(line: index + 1, checkpoint: checkpoint))
        }
        return contents
    }

    private struct Line: Decodable {
        var at: String
        var hash: String
        var keyID: String
        var kind: String
        var sequence: Int64
        var signature: String
    }
}
