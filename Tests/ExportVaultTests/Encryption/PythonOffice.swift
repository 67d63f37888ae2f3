import Foundation

/// Runs the reference implementation (msoffcrypto-tool, olefile, openpyxl) through python3 for the interop tests.
///
/// The script is embedded so that the test target has no loose resource files. Passwords go through the
/// environment, not the command line. Processes are awaited with a termination handler and a continuation, so
/// no Swift concurrency thread blocks while Python works.
enum PythonOffice {
    /// Whether python3 with msoffcrypto-tool, olefile and openpyxl is available (checked once, synchronously).
    static let isAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import msoffcrypto, olefile, openpyxl"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return false
        }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        var succeeded: Bool { status == 0 }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs one subcommand of the helper script.
    static func run(_ arguments: [String], password: String? = nil) async throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("ev-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)

        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script] + arguments
            var environment = ProcessInfo.processInfo.environment
            if let password { environment["EV_PASSWORD"] = password }
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdoutHandle
            process.standardError = stderrHandle
            process.terminationHandler = { finished in
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? stdoutHandle.close()
        try? stderrHandle.close()
        let stdout = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return Outcome(status: status, stdout: stdout, stderr: stderr)
    }

    /// Runs a subcommand that must succeed.
    @discardableResult
    static func check(_ arguments: [String], password: String? = nil) async throws -> String {
        let outcome = try await run(arguments, password: password)
        guard outcome.succeeded else {
            throw Failure(description: "python \(arguments.first ?? "") failed (\(outcome.status)): \(outcome.stderr)")
        }
        return outcome.stdout
    }

    static let script = #"""
import base64, io, json, os, random, sys, zipfile

def password():
    return os.environ["EV_PASSWORD"]

def make_xlsx(out, rows):
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "주문"
    sheet.append(["주문번호", "이름", "전화", "주소"])
    rng = random.Random(7)
    for i in range(int(rows)):
        sheet.append([i, "홍길동%d" % i, "010-%04d-%04d" % (rng.randrange(10000), rng.randrange(10000)), "서울시 %d" % i])
    book.save(out)

def make_zip(out, size):
    # A stored (uncompressed) zip of exactly `size` bytes: one member of random bytes, the rest in the comment.
    size = int(size)
    name = "payload.bin"
    overhead = 30 + len(name) + 46 + len(name) + 22
    data_len = max(0, size - overhead - 100)
    data = random.Random(size).randbytes(data_len)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name, data)
    body = buf.getvalue()
    comment_len = size - len(body)
    assert 0 <= comment_len < 65536, comment_len
    with zipfile.ZipFile(buf, "a") as z:
        z.comment = b"c" * comment_len
    body = buf.getvalue()
    assert len(body) == size, (len(body), size)
    with open(out, "wb") as f:
        f.write(body)

def decrypt(src, out):
    import msoffcrypto
    try:
        with open(src, "rb") as f:
            office = msoffcrypto.OfficeFile(f)
            office.load_key(password=password())
            buf = io.BytesIO()
            office.decrypt(buf, verify_integrity=True)
    except Exception as e:
        print("%s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(3)
    with open(out, "wb") as f:
        f.write(buf.getvalue())

def encrypt(src, out):
    from msoffcrypto.format.ooxml import OOXMLFile
    with open(src, "rb") as f:
        office = OOXMLFile(f)
        with open(out, "wb") as o:
            office.encrypt(password(), o)

def derive(salt_hex, spin):
    from msoffcrypto.method import ecma376_agile as agile
    salt = bytes.fromhex(salt_hex)
    h = agile.ECMA376Agile._derive_iterated_hash_from_password(password(), salt, "SHA512", int(spin)).digest()
    keys = {}
    for name, block in [("verifierHashInput", agile.blkKey_VerifierHashInput),
                        ("verifierHashValue", agile.blkKey_encryptedVerifierHashValue),
                        ("encryptedKeyValue", agile.blkKey_encryptedKeyValue)]:
        keys[name] = agile.ECMA376Agile._derive_encryption_key(h, block, "SHA512", 256).hex()
    print(json.dumps({"hash": h.hex(), "keys": keys}))

def listing(src):
    # Every stream olefile sees, with its size and SHA-256, and the entries olefile flags as suspicious.
    import hashlib, olefile
    ole = olefile.OleFileIO(src, raise_defects=olefile.DEFECT_INCORRECT)
    streams = {}
    for path in ole.listdir(streams=True, storages=False):
        data = ole.openstream(path).read()
        streams["/".join(path)] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    storages = ["/".join(p) for p in ole.listdir(streams=False, storages=True)]
    print(json.dumps({"streams": streams, "storages": storages, "sectorSize": ole.sectorsize}))

command = sys.argv[1]
args = sys.argv[2:]
{"make-xlsx": make_xlsx, "make-zip": make_zip, "decrypt": decrypt, "encrypt": encrypt,
 "derive": derive, "list": listing}[command](*args)
"""#
}
