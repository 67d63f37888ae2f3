import Foundation
import Testing
@testable import ExportVault

@Suite("Agile encryption")
struct AgileEncryptionTests {
    static let pythonNote: Comment = "needs python3 with msoffcrypto-tool, olefile and openpyxl"

    // MARK: Interop with msoffcrypto-tool

    @Test("msoffcrypto-tool decrypts our encryption of a real .xlsx; a wrong password fails",
          .enabled(if: PythonOffice.isAvailable, pythonNote))
    func msoffcryptoDecryptsOurs() async throws {
        let scratch = try CryptoFixture.Scratch()
        let plain = scratch.file("orders.xlsx")
        try await PythonOffice.check(["make-xlsx", plain.path, "300"])
        let package = try CryptoFixture.readBytes(plain)
        let password = "주문-export ✓ 2024"

        // The default parameters: spin count 100,000 as Office writes it.
        #expect(AgileEncryptionParameters().spinCount == 100_000)
        let encrypted = try AgileEncryption.encrypt(package: package, password: password)
        let encryptedURL = scratch.file("orders-encrypted.xlsx")
        try CryptoFixture.writeBytes(encrypted, to: encryptedURL)

        let decryptedURL = scratch.file("orders-decrypted.xlsx")
        try await PythonOffice.check(["decrypt", encryptedURL.path, decryptedURL.path], password: password)
        #expect(try CryptoFixture.readBytes(decryptedURL) == package)

        let wrong = try await PythonOffice.run(
            ["decrypt", encryptedURL.path, scratch.file("never.xlsx").path], password: password + "x"
        )
        #expect(!wrong.succeeded)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("never.xlsx").path))

        // olefile, in strict mode, sees exactly the streams Office writes.
        let listing = try await PythonOffice.check(["list", encryptedURL.path])
        for stream in [
            "EncryptionInfo", "EncryptedPackage", "\u{06}DataSpaces/Version", "\u{06}DataSpaces/DataSpaceMap",
            "\u{06}DataSpaces/DataSpaceInfo/StrongEncryptionDataSpace",
            "\u{06}DataSpaces/TransformInfo/StrongEncryptionTransform/\u{06}Primary",
        ] {
            #expect(listing.contains(CryptoFixture.jsonEscaped(stream)), "stream \(stream)")
        }
    }

    @Test("we decrypt what msoffcrypto-tool encrypts; a wrong password is .wrongPassword",
          .enabled(if: PythonOffice.isAvailable, pythonNote))
    func weDecryptMsoffcrypto() async throws {
        let scratch = try CryptoFixture.Scratch()
        let plain = scratch.file("plain.xlsx")
        try await PythonOffice.check(["make-xlsx", plain.path, "50"])
        let encryptedURL = scratch.file("encrypted.xlsx")
        try await PythonOffice.check(["encrypt", plain.path, encryptedURL.path], password: "Pa55-word")
        let encrypted = try CryptoFixture.readBytes(encryptedURL)

        #expect(try AgileEncryption.decrypt(file: encrypted, password: "Pa55-word") == CryptoFixture.readBytes(plain))
        #expect(CryptoFixture.vaultError { _ = try AgileEncryption.decrypt(file: encrypted, password: "pa55-word") }?.code == .wrongPassword)
    }

    @Test("msoffcrypto-tool reads an EncryptedPackage small enough for the mini stream",
          .enabled(if: PythonOffice.isAvailable, pythonNote))
    func miniStreamPackage() async throws {
        let scratch = try CryptoFixture.Scratch()
        let plain = scratch.file("tiny.zip")
        try await PythonOffice.check(["make-zip", plain.path, "700"])
        let package = try CryptoFixture.readBytes(plain)
        let encrypted = try AgileEncryption.encrypt(package: package, password: "tiny", parameters: CryptoFixture.fastParameters)
        try encrypted.withUnsafeBytes { raw in
            let reader = try CompoundFileReader(raw)
            let entry = try #require(try reader.entry(at: ["EncryptedPackage"]))
            #expect(entry.size < CompoundFile.miniStreamCutoff)
        }
        let encryptedURL = scratch.file("tiny.encrypted")
        try CryptoFixture.writeBytes(encrypted, to: encryptedURL)
        let decryptedURL = scratch.file("tiny.decrypted")
        try await PythonOffice.check(["decrypt", encryptedURL.path, decryptedURL.path], password: "tiny")
        #expect(try CryptoFixture.readBytes(decryptedURL) == package)
    }

    // MARK: Round trips

    @Test("round trip through our own decryptor", arguments: [0, 1, 15, 16, 17, 4087, 4088, 4095, 4096, 4097, 8197, 100_003])
    func roundTrip(size: Int) throws {
        let package = CryptoFixture.pseudoRandomBytes(size, seed: UInt64(size))
        let encrypted = try AgileEncryption.encrypt(package: package, password: "pw", parameters: CryptoFixture.fastParameters)
        let streamSize = PackageCipher.encryptedStreamSize(plainSize: size)
        // Structure: a version 3 compound file holding an EncryptedPackage stream of the expected size.
        try encrypted.withUnsafeBytes { raw in
            let reader = try CompoundFileReader(raw)
            #expect(reader.majorVersion == 3 && reader.sectorSize == 512)
            let entry = try #require(try reader.entry(at: ["EncryptedPackage"]))
            #expect(entry.size == streamSize)
            let header = try reader.read(entry).prefix(8)
            #expect(Array(header) == CryptoFixture.littleEndian64(UInt64(size)))
        }
        #expect(try AgileEncryption.decrypt(file: encrypted, password: "pw") == package)
    }

    @Test("two encryptions of the same package differ (fresh salts and keys)")
    func freshRandomness() throws {
        let package = CryptoFixture.pseudoRandomBytes(5000, seed: 1)
        let first = try AgileEncryption.encrypt(package: package, password: "pw", parameters: CryptoFixture.fastParameters)
        let second = try AgileEncryption.encrypt(package: package, password: "pw", parameters: CryptoFixture.fastParameters)
        #expect(first.count == second.count)
        #expect(first != second)
    }

    @Test("the DIFAT boundary: 109 FAT sectors without DIFAT, 110 with one DIFAT sector",
          .enabled(if: PythonOffice.isAvailable, pythonNote))
    func difatBoundary() async throws {
        // Find the largest package whose file needs no DIFAT sector.
        func sectors(_ size: Int) throws -> (fat: Int, difat: Int) {
            let writer = try PackageCipher.container(
                packageStreamSize: PackageCipher.encryptedStreamSize(plainSize: size),
                infoSize: PackageCipher.encryptionInfoSize(spinCount: CryptoFixture.fastParameters.spinCount),
                package: { _ throws(VaultCryptoError) in }, info: { _ throws(VaultCryptoError) in }
            )
            return writer.plannedAllocationSectors()
        }
        var low = 1_000_000
        var high = 10_000_000
        #expect(try sectors(low).difat == 0 && sectors(high).difat > 0)
        while high - low > 1 {
            let middle = (low + high) / 2
            if try sectors(middle).difat == 0 { low = middle } else { high = middle }
        }
        let below = try sectors(low)
        let above = try sectors(high)   // about 6.8 MiB
        #expect(below.fat == 109 && below.difat == 0)
        #expect(above.fat == 110 && above.difat == 1)

        let scratch = try CryptoFixture.Scratch()
        for size in [low, high] {
            let plain = scratch.file("\(size).zip")
            try await PythonOffice.check(["make-zip", plain.path, String(size)])
            let package = try CryptoFixture.readBytes(plain)
            let encrypted = try AgileEncryption.encrypt(package: package, password: "boundary", parameters: CryptoFixture.fastParameters)
            let fatCount = Int(encrypted.le32(0x2C))
            let difatCount = Int(encrypted.le32(0x48))
            #expect(fatCount == (size == low ? 109 : 110))
            #expect(difatCount == (size == low ? 0 : 1))
            #expect(encrypted.le32(0x44) == (size == low ? CompoundFile.endOfChain : UInt32(fatCount) + encrypted.le32(0x4C)))
            #expect(try AgileEncryption.decrypt(file: encrypted, password: "boundary") == package)

            let encryptedURL = scratch.file("\(size).encrypted")
            try CryptoFixture.writeBytes(encrypted, to: encryptedURL)
            let decryptedURL = scratch.file("\(size).decrypted")
            try await PythonOffice.check(["decrypt", encryptedURL.path, decryptedURL.path], password: "boundary")
            #expect(try CryptoFixture.readBytes(decryptedURL) == package)
        }
    }

    @Test("file to file: a 16 MiB package (two DIFAT sectors) streams through and msoffcrypto-tool decrypts it",
          .enabled(if: PythonOffice.isAvailable, pythonNote))
    func largeFileToFile() async throws {
        let scratch = try CryptoFixture.Scratch()
        let plain = scratch.file("large.zip")
        try await PythonOffice.check(["make-zip", plain.path, String(16 << 20)])
        let encryptedURL = scratch.file("large-encrypted.xlsx")
        try AgileEncryption.encrypt(packageAt: plain, to: encryptedURL, password: "large", parameters: CryptoFixture.fastParameters)

        let header = try CryptoFixture.readBytes(encryptedURL).prefix(512)
        #expect(Array(header).le32(0x48) == 2)   // DIFAT sectors
        let attributes = try FileManager.default.attributesOfItem(atPath: encryptedURL.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let decryptedURL = scratch.file("large-decrypted.zip")
        try await PythonOffice.check(["decrypt", encryptedURL.path, decryptedURL.path], password: "large")
        #expect(try CryptoFixture.readBytes(decryptedURL) == CryptoFixture.readBytes(plain))

        let ours = scratch.file("large-ours.zip")
        try AgileEncryption.decrypt(fileAt: encryptedURL, to: ours, password: "large")
        #expect(try CryptoFixture.readBytes(ours) == CryptoFixture.readBytes(plain))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter { $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty)
    }

    // MARK: Failures

    @Test("changing one byte of EncryptedPackage fails the integrity check", arguments: [100, 4_000, 9_999])
    func tamperedPackage(offset: Int) throws {
        let package = CryptoFixture.pseudoRandomBytes(10_000, seed: 3)
        var encrypted = try AgileEncryption.encrypt(package: package, password: "pw", parameters: CryptoFixture.fastParameters)
        // EncryptedPackage is the first regular stream: it starts right after the 512-byte header.
        encrypted[512 + 8 + offset] ^= 0x01
        #expect(CryptoFixture.vaultError { _ = try AgileEncryption.decrypt(file: encrypted, password: "pw") }?.code == .integrityCheckFailed)
    }

    @Test("changing the last byte of the stream (the zero-padded block) also fails the integrity check")
    func tamperedPadding() throws {
        let package = CryptoFixture.pseudoRandomBytes(10_001, seed: 4)   // 15 bytes of padding in the last block
        var encrypted = try AgileEncryption.encrypt(package: package, password: "pw", parameters: CryptoFixture.fastParameters)
        encrypted[512 + 8 + 10_015] ^= 0x80
        #expect(CryptoFixture.vaultError { _ = try AgileEncryption.decrypt(file: encrypted, password: "pw") }?.code == .integrityCheckFailed)
    }

    @Test("a failed decryption to a file leaves nothing behind")
    func failedDecryptionLeavesNoFile() throws {
        let scratch = try CryptoFixture.Scratch()
        var encrypted = try AgileEncryption.encrypt(
            package: CryptoFixture.pseudoRandomBytes(20_000, seed: 5), password: "pw", parameters: CryptoFixture.fastParameters
        )
        encrypted[600] ^= 0xFF
        let source = scratch.file("tampered.xlsx")
        try CryptoFixture.writeBytes(encrypted, to: source)
        let destination = scratch.file("out.xlsx")
        let error = CryptoFixture.vaultError { try AgileEncryption.decrypt(fileAt: source, to: destination, password: "pw") }
        #expect(error?.code == .integrityCheckFailed)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["tampered.xlsx"])
    }

    @Test("file APIs report unreadable sources and leave no partial output")
    func fileFailures() throws {
        let scratch = try CryptoFixture.Scratch()
        let missing = scratch.file("missing.xlsx")
        let destination = scratch.file("out.xlsx")
        #expect(CryptoFixture.vaultError {
            try AgileEncryption.encrypt(packageAt: missing, to: destination, password: "pw")
        }?.code == .fileAccess)
        #expect(CryptoFixture.vaultError { try AgileEncryption.decrypt(fileAt: missing, to: destination, password: "pw") }?.code == .fileAccess)

        let source = scratch.file("in.xlsx")
        try CryptoFixture.writeBytes(CryptoFixture.pseudoRandomBytes(9000, seed: 8), to: source)
        #expect(CryptoFixture.vaultError {
            try AgileEncryption.encrypt(packageAt: source, to: destination, password: "pw", parameters: .init(spinCount: 0))
        }?.code == .invalidInput)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["in.xlsx"])

        // And the happy path of the same API, read back in memory.
        try AgileEncryption.encrypt(packageAt: source, to: destination, password: "pw", parameters: CryptoFixture.fastParameters)
        #expect(try AgileEncryption.decrypt(file: Data(contentsOf: destination), password: "pw") == CryptoFixture.readBytes(source))
    }

    @Test("inputs that are not encrypted documents are named as such")
    func notEncrypted() throws {
        #expect(CryptoFixture.vaultError { _ = try AgileEncryption.decrypt(file: [UInt8](), password: "pw") }?.code == .notCompoundFile)
        let zipLike: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 1000)
        let error = CryptoFixture.vaultError { _ = try AgileEncryption.decrypt(file: zipLike, password: "pw") }
        #expect(error?.code == .notCompoundFile)
        #expect(error?.description.contains("not an encrypted Office document") == true)

        var writer = CompoundFileWriter()
        try writer.addStream(["WordDocument"], bytes: CryptoFixture.pseudoRandomBytes(6000, seed: 6))
        let sink = ByteSink(expectedSize: 0)
        try writer.write(to: sink)
        #expect(CryptoFixture.vaultError { _ = try AgileEncryption.decrypt(file: sink.takeBytes(), password: "pw") }?.code == .notEncrypted)
    }

    @Test("Standard encryption is refused with a clear message")
    func standardEncryptionRefused() throws {
        var info: [UInt8] = [0x03, 0x00, 0x02, 0x00, 0x24, 0x00, 0x00, 0x00]
        info += [UInt8](repeating: 0, count: 200)
        var writer = CompoundFileWriter()
        try writer.addStream(["EncryptionInfo"], bytes: info)
        try writer.addStream(["EncryptedPackage"], bytes: [UInt8](repeating: 0, count: 100))
        let sink = ByteSink(expectedSize: 0)
        try writer.write(to: sink)
        let error = CryptoFixture.vaultError { _ = try AgileEncryption.decrypt(file: sink.takeBytes(), password: "pw") }
        #expect(error?.code == .unsupportedEncryption)
        #expect(error?.description.contains("Standard encryption") == true)
    }

    @Test("passwords Office would refuse are refused, and never echoed")
    func passwordRules() {
        #expect(CryptoFixture.vaultError { _ = try AgileEncryption.encrypt(package: [1, 2, 3], password: "") }?.code == .invalidInput)
        let long = String(repeating: "ㄱ", count: 256)
        let error = CryptoFixture.vaultError { _ = try AgileEncryption.encrypt(package: [1, 2, 3], password: long) }
        #expect(error?.code == .invalidInput)
        #expect(error?.description.contains(long) == false)
        #expect(CryptoFixture.vaultError {
            _ = try AgileEncryption.encrypt(package: [1], password: "pw", parameters: .init(spinCount: 0))
        }?.code == .invalidInput)
    }
}
