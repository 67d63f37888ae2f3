import Crypto
import Foundation
import GuardTestSupport
import Testing

@testable import SecondFactor

@Suite("TOTP (RFC 6238)")
struct TOTPTests {
    static let sha1Seed = Array("12345678901234567890".utf8)
    static let sha256Seed = Array("12345678901234567890123456789012".utf8)
    static let sha512Seed = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    /// RFC 6238 Appendix B, every row.
    @Test(arguments: [
        (Int64(59), "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ])
    func rfcVectors(time: Int64, sha1: String, sha256: String, sha512: String) {
        let date = Date(timeIntervalSince1970: TimeInterval(time))
        #expect(TOTP(secret: Self.sha1Seed, algorithm: .sha1, digits: 8).code(at: date) == sha1)
        #expect(TOTP(secret: Self.sha256Seed, algorithm: .sha256, digits: 8).code(at: date) == sha256)
        #expect(TOTP(secret: Self.sha512Seed, algorithm: .sha512, digits: 8).code(at: date) == sha512)
    }

    @Test func acceptsOneStepEitherSideAndNeverTheSameStepTwice() {
        let totp = TOTP(secret: TOTP.generateSecret())
        let now = Date(timeIntervalSince1970: 1_800_000_015)
        let step = totp.step(at: now)
        #expect(totp.verify(totp.code(forStep: step), at: now, lastUsedStep: nil) == step)
        #expect(totp.verify(totp.code(forStep: step - 1), at: now, lastUsedStep: nil) == step - 1)
        #expect(totp.verify(totp.code(forStep: step + 1), at: now, lastUsedStep: nil) == step + 1)
        #expect(totp.verify(totp.code(forStep: step - 2), at: now, lastUsedStep: nil) == nil)
        #expect(totp.verify(totp.code(forStep: step + 2), at: now, lastUsedStep: nil) == nil)
        // Replay: the step already used, or an earlier one, is refused.
        #expect(totp.verify(totp.code(forStep: step), at: now, lastUsedStep: step) == nil)
        #expect(totp.verify(totp.code(forStep: step - 1), at: now, lastUsedStep: step) == nil)
        #expect(totp.verify(totp.code(forStep: step + 1), at: now, lastUsedStep: step) == step + 1)
        // Formatting people type.
        let code = totp.code(forStep: step)
        #expect(totp.verify(String(code.prefix(3)) + " " + String(code.suffix(3)), at: now, lastUsedStep: nil) == step)
        #expect(totp.verify("12345", at: now, lastUsedStep: nil) == nil)
        #expect(totp.verify("12345a", at: now, lastUsedStep: nil) == nil)
        #expect(totp.verify("１２３４５６", at: now, lastUsedStep: nil) == nil)
    }

    @Test func provisioningURIFollowsTheKeyURIFormat() {
        let secret = Base32.decode("JBSWY3DPEHPK3PXP")!
        let uri = TOTP(secret: secret).provisioningURI(account: "seller-a", issuer: "pii-guard 데모")
        #expect(uri == "otpauth://totp/pii-guard%20%EB%8D%B0%EB%AA%A8:seller-a?secret=JBSWY3DPEHPK3PXP&issuer=pii-guard%20%EB%8D%B0%EB%AA%A8&algorithm=SHA1&digits=6&period=30")
    }

    /// An independent implementation agrees: PyPI `pyotp` computes the same codes from the same base32 secret.
    @Test(.enabled(if: Python.has("pyotp"), "python3 with pyotp is not installed"))
    func pyotpAgrees() throws {
        let totp = TOTP(secret: TOTP.generateSecret())
        let secret = Base32.encode(totp.secret)
        let times: [Int64] = [0, 59, 1_700_000_000, 1_800_000_029, 1_800_000_030, 4_102_444_800]
        let script = "import pyotp,sys\nt=pyotp.TOTP(sys.argv[1])\nprint(' '.join(t.at(int(x)) for x in sys.argv[2:]))"
        let output = try Python.output(script, arguments: [secret] + times.map(String.init))
        let expected = times.map { totp.code(at: Date(timeIntervalSince1970: TimeInterval($0))) }.joined(separator: " ")
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
    }
}

@Suite("Base32")
struct Base32Tests {
    @Test func rfc4648Vectors() {
        let vectors = [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"),
                       ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test func decodingForgivesHowPeopleTypeSecrets() {
        let secret = TOTP.generateSecret()
        let grouped = Base32.grouped(Base32.encode(secret))
        #expect(grouped.split(separator: " ").allSatisfy { $0.count <= 4 })
        #expect(Base32.decode(grouped.lowercased()) == secret)
        #expect(Base32.decode("MZXW-6YTB=") == Array("fooba".utf8))
        #expect(Base32.decode("MZXW1") == nil)
    }
}
