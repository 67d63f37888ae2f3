import Foundation
import Testing
@testable import ExportVault

@Suite("Agile key derivation")
struct AgileKeyDerivationTests {
    // Known answers published with msoffcrypto-tool (its ECMA376Agile docstrings, taken from the encrypted sample
    // tests/inputs/example_password.docx, password "Password1234_", spin count 100,000, SHA-512, AES-256).

    @Test("the package key of a published sample decrypts to the published value")
    func publishedPackageKey() throws {
        let salt = CryptoFixture.hexBytes("4c725d45dc610f939412a04da7910466")
        let encryptedKeyValue = CryptoFixture.hexBytes("a16cd5165a7ab9d271113ed386a78cf49692e8e527b0c5fc0055ed080b7cb94b")
        let expected = CryptoFixture.hexBytes("40206609d9faadf24b076aebf2c435b74292c8b8a7aa81bc679be89711b02ac2")

        let hash = AgileHashAlgorithm.sha512.iteratedPasswordHash(password: "Password1234_", salt: salt, spinCount: 100_000)
        let key = AgileCrypto.derivedKey(
            passwordHash: hash, blockKey: AgileBlockKey.encryptedKeyValue, hash: .sha512, keyBytes: 32
        )
        let packageKey = try AgileCrypto.decryptCBC(encryptedKeyValue, key: key, iv: salt)
        #expect(packageKey == expected)
    }

    @Test("the password verifier of a published sample matches the right password only")
    func publishedVerifier() throws {
        var info = AgileEncryptionInfo()
        info.passwordKey.salt = CryptoFixture.hexBytes("cbca1c999343fbad92075634150034b0")
        info.encryptedVerifierHashInput = CryptoFixture.hexBytes("39eea54e26e514798c284bc7714d38ac")
        info.encryptedVerifierHashValue = CryptoFixture.hexBytes(
            "14376d6d817334e6b0ff4fd8221a7c678e5d8a784e8f999f4c188930c36a4b29"
                + "c5b333605b5cd403b05003adcf18cca8cbab8debe373c65604a0becfae5c0ad0"
        )
        // The sample's encryptedKeyValue belongs to another file; any 32 bytes decrypt once the verifier passes.
        info.encryptedKeyValue = [UInt8](repeating: 7, count: 32)
        #expect(throws: Never.self) { try PackageCipher.unlockPackageKey(info, password: "Password1234_") }
        #expect(throws: VaultCryptoError(.wrongPassword)) {
            try PackageCipher.unlockPackageKey(info, password: "Password1234")
        }
    }

    @Test("0x36 padding and truncation follow MS-OFFCRYPTO 2.3.4.11")
    func fitting() {
        #expect(AgileCrypto.fit([1, 2, 3], to: 5) == [1, 2, 3, 0x36, 0x36])
        #expect(AgileCrypto.fit([1, 2, 3], to: 2) == [1, 2])
    }

    @Test(
        "derivation matches msoffcrypto-tool for non-ASCII passwords",
        .enabled(if: PythonOffice.isAvailable, "needs python3 with msoffcrypto-tool"),
        arguments: ["비밀번호-2024", "pässwörd 😀 surrogate", "x"]
    )
    func crossCheckWithReference(password: String) async throws {
        let salt = secureRandomBytes(16)
        let spinCount = 2_000
        let output = try await PythonOffice.check(["derive", CryptoFixture.hexString(salt), String(spinCount)], password: password)
        struct Reference: Decodable {
            let hash: String
            let keys: [String: String]
        }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(output.utf8))
        let hash = AgileHashAlgorithm.sha512.iteratedPasswordHash(password: password, salt: salt, spinCount: spinCount)
        #expect(CryptoFixture.hexString(hash) == reference.hash)
        let blockKeys: [(String, [UInt8])] = [
            ("verifierHashInput", AgileBlockKey.verifierHashInput),
            ("verifierHashValue", AgileBlockKey.verifierHashValue),
            ("encryptedKeyValue", AgileBlockKey.encryptedKeyValue),
        ]
        for (name, blockKey) in blockKeys {
            let key = AgileCrypto.derivedKey(passwordHash: hash, blockKey: blockKey, hash: .sha512, keyBytes: 32)
            #expect(CryptoFixture.hexString(key) == reference.keys[name], "block key \(name)")
        }
    }
}
