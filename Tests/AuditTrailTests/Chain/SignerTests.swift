import Crypto
import Foundation
import Testing

@testable import AuditTrail

@Suite struct SignerTests {
    static func derive(_ master: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: master, salt: Data("pii-guard".utf8),
                               info: Data("pii-guard/\(AuditSigner.sealingKeyLabel)/v1".utf8), outputByteCount: 32)
    }

    @Test func createdOnceSealedAndPrivate() throws {
        let folder = ChainFolder()
        let path = folder.file(AuditSigner.defaultFileName)
        let sealing = Self.derive(SymmetricKey(size: .bits256))
        let signer = try AuditSigner.loadOrCreate(at: path, sealingKey: sealing)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        // The file holds no key in clear.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("pii-guard audit signing key v1\n"))
        #expect(!text.contains(signer.privateKey.rawRepresentation.base64EncodedString()))
        // The same key next time.
        let again = try AuditSigner.loadOrCreate(at: path, sealingKey: sealing)
        #expect(again.publicKey == signer.publicKey)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: folder.path) == [AuditSigner.defaultFileName])
    }

    @Test func processesStartingTogetherShareOneKey() async throws {
        let folder = ChainFolder()
        let path = folder.file(AuditSigner.defaultFileName)
        let sealing = Self.derive(SymmetricKey(size: .bits256))
        let keys = try await withThrowingTaskGroup(of: AuditPublicKey.self) { group in
            for _ in 0..<8 { group.addTask { try AuditSigner.loadOrCreate(at: path, sealingKey: sealing).publicKey } }
            var keys: Set<AuditPublicKey> = []
            for try await key in group { keys.insert(key) }
            return keys
        }
        #expect(keys.count == 1)
    }

    @Test func refusesAnotherMasterKeyOrAnOpenFile() throws {
        let folder = ChainFolder()
        let path = folder.file(AuditSigner.defaultFileName)
        _ = try AuditSigner.loadOrCreate(at: path, sealingKey: Self.derive(SymmetricKey(size: .bits256)))
        let wrongKey = #expect(throws: AuditTrailError.self) {
            try AuditSigner.loadOrCreate(at: path, sealingKey: Self.derive(SymmetricKey(size: .bits256)))
        }
        #expect(wrongKey?.kind == .signingKey)
        #expect(wrongKey?.message.contains("master key") == true)
        chmod(path, 0o644)
        let open = #expect(throws: AuditTrailError.self) {
            try AuditSigner.loadOrCreate(at: path, sealingKey: Self.derive(SymmetricKey(size: .bits256)))
        }
        #expect(open?.message.contains("chmod 600") == true)
    }

    @Test func publicKeyTextRoundTrips() throws {
        let signer = AuditSigner(privateKey: .init())
        let pem = signer.publicKeyPEM
        #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try AuditPublicKey(text: pem) == signer.publicKey)
        #expect(try AuditPublicKey(text: signer.publicKey.rawRepresentation.base64EncodedString()) == signer.publicKey)
        #expect(throws: AuditTrailError.self) { try AuditPublicKey(text: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----") }
        #expect(signer.keyID.count == 16)
    }

    /// An auditor without pii-guard checks a checkpoint with OpenSSL and the PEM key.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func opensslVerifiesACheckpoint() throws {
        let folder = ChainFolder()
        let signer = AuditSigner(privateKey: .init())
        let checkpoint = try AuditCheckpoint.signed(sequence: 2000, hash: String(repeating: "ab", count: 32),
                                                    at: Date(timeIntervalSince1970: 1_795_000_000), kind: .periodic, by: signer)
        try signer.publicKeyPEM.write(toFile: folder.file("key.pem"), atomically: true, encoding: .utf8)
        try Data(checkpoint.statement).write(to: URL(fileURLWithPath: folder.file("statement")))
        try Data(base64Encoded: checkpoint.signature)!.write(to: URL(fileURLWithPath: folder.file("signature")))
        func openssl(_ statement: String) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["pkeyutl", "-verify", "-pubin", "-inkey", folder.file("key.pem"), "-rawin",
                                 "-in", folder.file(statement), "-sigfile", folder.file("signature")]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try openssl("statement") == 0)
        var altered = checkpoint
        altered.sequence = 2001
        try Data(altered.statement).write(to: URL(fileURLWithPath: folder.file("altered")))
        #expect(try openssl("altered") != 0)
    }
}
