import Foundation
import Testing

@testable import ExportVault

@Suite("Export policy: reasons, passwords, the packager's choices")
struct ExportPolicyTests {
    @Test func reasonsParseAndRefuse() throws {
        #expect(try ExportReason(code: "shipping", text: nil) == .shipping)
        #expect(try ExportReason(code: "other", text: "  세무\n신고  ") == .other("세무 신고"))
        #expect(throws: ExportPolicyError(.reasonMissing)) { try ExportReason(code: "other", text: " ") }
        #expect(throws: ExportPolicyError(.reasonMissing)) { try ExportReason(code: "", text: nil) }
        #expect(throws: ExportPolicyError(.reasonUnknown)) { try ExportReason(code: "curiosity", text: nil) }
        #expect(throws: ExportPolicyError(.reasonTooLong)) { try ExportReason(code: "other", text: String(repeating: "가", count: 201)) }
        #expect(ExportReason.exchangeOrReturn.korean == "교환·반품 처리")
    }

    @Test(arguments: [
        ("abcdefghij", true), ("abcdefghi", false), ("Abcdef1!", true), ("abcdef12", false), ("ABCdef12", true),
        ("Ab1!", false), ("비밀번호는열글자이상", true),
    ])
    func passwordPolicy(password: String, accepted: Bool) {
        let policy = PasswordPolicy()
        #expect((try? policy.check(password)) != nil ? accepted : !accepted, "\(password)")
    }

    @Test func generatedPasswordsPassThePolicyAndDiffer() throws {
        let policy = PasswordPolicy()
        let passwords = (0..<50).map { _ in policy.generate() }
        for password in passwords {
            try policy.check(password)
            #expect(password.count == 16)
            #expect(PasswordPolicy.kinds(of: password) == 4)
            #expect(!password.contains { "0O1lI".contains($0) })
        }
        #expect(Set(passwords).count == 50)
    }

    static func packaged(_ body: [UInt8], contentType: String?, fileName: String? = nil, chunk: Int = 7) throws -> ExportPackager.Result {
        let packager = ExportPackager(contentType: contentType, fileName: fileName, sheetName: "목록", password: "Test-password-1",
                                      parameters: AgileEncryptionParameters(spinCount: 1000))
        var index = 0
        while index < body.count {
            try packager.feed(body[index..<min(body.count, index + chunk)])
            index += chunk
        }
        return try packager.finish()
    }

    @Test func csvBecomesAnEncryptedWorkbookThatDecryptsToAZip() throws {
        let csv = Array("\u{FEFF}주문번호,구매자명,연락처\r\n2026112300000001,홍길동,010-1234-5678\r\n2026112300000002,\"김, 철수\",01098765432\r\n".utf8)
        let result = try Self.packaged(csv, contentType: "text/csv; charset=utf-8")
        #expect(result.sourceFormat == "csv")
        #expect(result.rowCount == 2)
        #expect(result.header == ["주문번호", "구매자명", "연락처"])
        #expect(Array(result.file.prefix(4)) == [0xD0, 0xCF, 0x11, 0xE0])
        let plain = try AgileEncryption.decrypt(file: result.file, password: "Test-password-1")
        #expect(Array(plain.prefix(2)) == [0x50, 0x4B], "the package is a zip (.xlsx)")
        #expect(throws: VaultCryptoError.self) { try AgileEncryption.decrypt(file: result.file, password: "wrong-password") }
    }

    @Test func anUpstreamWorkbookIsEncryptedAsItIs() throws {
        let csv = Array("a,b\r\n1,2\r\n".utf8)
        let workbook = try Self.packaged(csv, contentType: "text/csv")
        let plain = try AgileEncryption.decrypt(file: workbook.file, password: "Test-password-1")
        let again = try Self.packaged(plain, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(again.sourceFormat == "xlsx")
        #expect(again.rowCount == nil)
        #expect(try AgileEncryption.decrypt(file: again.file, password: "Test-password-1") == plain, "byte for byte")
    }

    @Test func legacyXLSAndMismatchedTypesAreRefusedWithAMessage() throws {
        let ole: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 100)
        do {
            _ = try Self.packaged(ole, contentType: "application/vnd.ms-excel")
            Issue.record("a legacy .xls must be refused")
        } catch let error as ExportError {
            #expect(error.code == .legacyFormat)
            #expect(error.message.contains(".xls"))
        }
        do {
            _ = try Self.packaged(Array("not a zip".utf8), contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            Issue.record("a body that is not a zip under an .xlsx type must be refused")
        } catch let error as ExportError {
            #expect(error.code == .unreadable)
        }
        do {
            _ = try Self.packaged(Array("a,\"b\r\n".utf8), contentType: "text/csv")
            Issue.record("an unterminated quote must be refused")
        } catch let error as ExportError {
            #expect(error.code == .unreadable)
        }
    }

    @Test func theInputLimitHolds() throws {
        let packager = ExportPackager(contentType: "text/csv", fileName: nil, sheetName: "s", password: "Test-password-1",
                                      limits: .init(maxInputBytes: 1_000))
        try packager.feed(Array(repeating: UInt8(ascii: "a"), count: 900))
        #expect(throws: ExportError.self) { try packager.feed(Array(repeating: UInt8(ascii: "a"), count: 200)) }
    }

    @Test func aRowTransformSeesEveryRowAndMayChangeCells() throws {
        let seen = SeenRows()
        var options = XLSXBuilder.Options()
        options.rowTransform = { row, index in
            seen.add(index)
            if index > 0 { row[1] = "x" }
        }
        let packager = ExportPackager(contentType: "text/csv", fileName: nil, sheetName: "s", password: "Test-password-1",
                                      parameters: .init(spinCount: 1000), options: options)
        try packager.feed(Array("h1,h2\r\n1,secret\r\n2,secret\r\n".utf8))
        _ = try packager.finish()
        #expect(seen.indexes == [0, 1, 2])
    }
}

final class SeenRows: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int] = []
    func add(_ index: Int) { self.lock.withLock { self.stored.append(index) } }
    var indexes: [Int] { self.lock.withLock { self.stored } }
}
