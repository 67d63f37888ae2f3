import Crypto
import Foundation
import Testing

@testable import SealedSecrets

@Suite("Secrets at rest")
struct SecretBoxTests {
    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sealed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func sealedSecretsOpenOnlyWithTheirKeyAndContext() throws {
        let box = SecretBox(key: SymmetricKey(size: .bits256))
        let secret = Array("JBSWY3DPEHPK3PXP-totp-seed".utf8)
        let sealed = try box.seal(secret, context: "totp:seller-a")
        #expect(sealed.first == 1)
        #expect(sealed.count == 1 + 12 + secret.count + 16)
        #expect(!sealed.indices.dropLast(secret.count).contains { Array(sealed[$0..<($0 + secret.count)]) == secret })
        #expect(try box.open(sealed, context: "totp:seller-a") == secret)
        #expect(throws: SecretBoxError.self) { try box.open(sealed, context: "totp:seller-b") }
        #expect(throws: SecretBoxError.self) { try SecretBox(key: SymmetricKey(size: .bits256)).open(sealed, context: "totp:seller-a") }
        var altered = sealed
        altered[20] ^= 1
        #expect(throws: SecretBoxError.self) { try box.open(altered, context: "totp:seller-a") }
        // The same secret seals differently each time (random nonce).
        #expect(try box.seal(secret, context: "totp:seller-a") != sealed)
    }

    @Test func theKeyFileIsCreatedPrivateThenReused() throws {
        let path = try self.folder() + "/keys/master.key"
        let first = try SecretBox.loadOrCreateKey(at: path, environment: [:])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let again = try SecretBox.loadOrCreateKey(at: path, environment: [:])
        #expect(first == again)
    }

    @Test func unsafeOrDamagedKeyFilesAreRefusedWithTheFix() throws {
        let path = try self.folder() + "/master.key"
        _ = try SecretBox.loadOrCreateKey(at: path, environment: [:])
        chmod(path, 0o644)
        let exposed = #expect(throws: SecretBoxError.self) { try SecretBox.loadOrCreateKey(at: path, environment: [:]) }
        #expect(exposed?.description.contains("chmod 600") == true)
        chmod(path, 0o600)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        let damaged = #expect(throws: SecretBoxError.self) { try SecretBox.loadOrCreateKey(at: path, environment: [:]) }
        #expect(damaged?.description.contains("3 bytes") == true)
    }

    @Test func theEnvironmentCanCarryTheKey() throws {
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        let path = try self.folder() + "/unused.key"
        #expect(try SecretBox.loadOrCreateKey(at: path, environment: [SecretBox.environmentVariable: encoded]) == key)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: SecretBoxError.self) {
            try SecretBox.loadOrCreateKey(at: path, environment: [SecretBox.environmentVariable: "c2hvcnQ="])
        }
    }
}
