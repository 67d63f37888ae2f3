import Foundation

/// The content of the EncryptionInfo stream of an agile-encrypted document ([MS-OFFCRYPTO] 2.3.4.10): the
/// parameters of the package cipher (`keyData`), the encrypted HMAC key and value (`dataIntegrity`) and the
/// password key encryptor (`p:encryptedKey`).
///
/// It exists to turn that stream into typed values and back: ``bytes()`` writes what Office writes, and
/// ``init(stream:)`` reads what Office, LibreOffice and msoffcrypto-tool write.
struct AgileEncryptionInfo: Equatable {
    /// Cipher parameters, shared in form by `keyData` and by the password key encryptor.
    struct CipherParameters: Equatable {
        var saltSize = 16
        var blockSize = 16
        var keyBits = 256
        var hashSize = 64
        var cipherAlgorithm = "AES"
        var cipherChaining = "ChainingModeCBC"
        var hashAlgorithm = AgileHashAlgorithm.sha512
        var salt: [UInt8] = []

        var keyBytes: Int { keyBits / 8 }
    }

    var keyData = CipherParameters()
    var encryptedHmacKey: [UInt8] = []
    var encryptedHmacValue: [UInt8] = []

    var passwordKey = CipherParameters()
    var spinCount = 100_000
    var encryptedVerifierHashInput: [UInt8] = []
    var encryptedVerifierHashValue: [UInt8] = []
    var encryptedKeyValue: [UInt8] = []

    static let encryptionNamespace = "http://schemas.microsoft.com/office/2006/encryption"
    static let passwordNamespace = "http://schemas.microsoft.com/office/2006/keyEncryptor/password"
    static let certificateNamespace = "http://schemas.microsoft.com/office/2006/keyEncryptor/certificate"
    /// The largest spin count [MS-OFFCRYPTO] allows; also our bound against a file that would make us hash forever.
    static let maxSpinCount = 10_000_000
    /// EncryptionInfo streams are about a kilobyte; anything past this is not one.
    static let maxStreamSize = 1 << 20

    init() {}

    // MARK: - Writing

    /// The stream: version 4.4, reserved flags 0x40, then the XML descriptor in UTF-8.
    func bytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLE16(4)
        bytes.appendLE16(4)
        bytes.appendLE32(0x40)
        bytes.append(contentsOf: Array(xml().utf8))
        return bytes
    }

    private func xml() -> String {
        func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
        func cipherAttributes(_ parameters: CipherParameters) -> String {
            "saltSize=\"\(parameters.saltSize)\" blockSize=\"\(parameters.blockSize)\" keyBits=\"\(parameters.keyBits)\" "
                + "hashSize=\"\(parameters.hashSize)\" cipherAlgorithm=\"\(MiniXML.escapeAttribute(parameters.cipherAlgorithm))\" "
                + "cipherChaining=\"\(MiniXML.escapeAttribute(parameters.cipherChaining))\" "
                + "hashAlgorithm=\"\(parameters.hashAlgorithm.rawValue)\" saltValue=\"\(b64(parameters.salt))\""
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
            + "<encryption xmlns=\"\(Self.encryptionNamespace)\" xmlns:p=\"\(Self.passwordNamespace)\" "
            + "xmlns:c=\"\(Self.certificateNamespace)\">"
            + "<keyData \(cipherAttributes(keyData))/>"
            + "<dataIntegrity encryptedHmacKey=\"\(b64(encryptedHmacKey))\" encryptedHmacValue=\"\(b64(encryptedHmacValue))\"/>"
            + "<keyEncryptors><keyEncryptor uri=\"\(Self.passwordNamespace)\">"
            + "<p:encryptedKey spinCount=\"\(spinCount)\" \(cipherAttributes(passwordKey)) "
            + "encryptedVerifierHashInput=\"\(b64(encryptedVerifierHashInput))\" "
            + "encryptedVerifierHashValue=\"\(b64(encryptedVerifierHashValue))\" "
            + "encryptedKeyValue=\"\(b64(encryptedKeyValue))\"/>"
            + "</keyEncryptor></keyEncryptors></encryption>"
    }

    // MARK: - Reading

    /// Parses an EncryptionInfo stream, refusing Standard and Extensible encryption with a clear message.
    init(stream: [UInt8]) throws(VaultCryptoError) {
        guard stream.count >= 8 else { throw .corrupt("the EncryptionInfo stream is too short") }
        let major = UInt16(stream[0]) | UInt16(stream[1]) << 8
        let minor = UInt16(stream[2]) | UInt16(stream[3]) << 8
        switch (major, minor) {
        case (4, 4):
            break
        case (2...4, 2):
            throw VaultCryptoError(
                .unsupportedEncryption,
                "Standard encryption (Office 2007, EncryptionInfo version \(major).\(minor)); only Agile encryption is supported"
            )
        case (3...4, 3):
            throw VaultCryptoError(
                .unsupportedEncryption,
                "Extensible encryption with a third-party provider (EncryptionInfo version \(major).\(minor))"
            )
        default:
            throw VaultCryptoError(.unsupportedEncryption, "unknown EncryptionInfo version \(major).\(minor)")
        }

        let elements: [MiniXML.Element]
        do {
            elements = try MiniXML.elements(Array(stream[8...]))
        } catch {
            throw .corrupt("the encryption descriptor is not well-formed XML: \(error.reason)")
        }

        guard let keyDataElement = elements.first(where: { $0.localName == "keyData" }) else {
            throw .corrupt("the encryption descriptor has no keyData element")
        }
        keyData = try Self.cipherParameters(keyDataElement.attributes, element: "keyData")

        guard let integrity = elements.first(where: { $0.localName == "dataIntegrity" }) else {
            throw VaultCryptoError(
                .integrityCheckFailed,
                "the document carries no dataIntegrity element, so its integrity cannot be verified"
            )
        }
        encryptedHmacKey = try Self.base64(integrity.attributes, "encryptedHmacKey", element: "dataIntegrity")
        encryptedHmacValue = try Self.base64(integrity.attributes, "encryptedHmacValue", element: "dataIntegrity")

        // The password key encryptor: the encryptedKey element that follows <keyEncryptor uri="…/password">.
        var passwordElement: MiniXML.Element?
        var insidePasswordEncryptor = false
        var sawOtherEncryptor = false
        for element in elements {
            if element.localName == "keyEncryptor" {
                insidePasswordEncryptor = element.attributes["uri"] == Self.passwordNamespace
                if !insidePasswordEncryptor { sawOtherEncryptor = true }
            } else if element.localName == "encryptedKey" && insidePasswordEncryptor {
                passwordElement = element
                break
            }
        }
        guard let password = passwordElement else {
            if sawOtherEncryptor {
                throw VaultCryptoError(
                    .unsupportedEncryption, "the document is encrypted for a certificate, not with a password"
                )
            }
            throw .corrupt("the encryption descriptor has no password key encryptor")
        }
        let attributes = password.attributes
        passwordKey = try Self.cipherParameters(attributes, element: "encryptedKey")
        guard let spinText = attributes["spinCount"], let spin = Int(spinText), (0...Self.maxSpinCount).contains(spin) else {
            throw .corrupt("the spin count is missing or above \(Self.maxSpinCount)")
        }
        spinCount = spin
        encryptedVerifierHashInput = try Self.base64(attributes, "encryptedVerifierHashInput", element: "encryptedKey")
        encryptedVerifierHashValue = try Self.base64(attributes, "encryptedVerifierHashValue", element: "encryptedKey")
        encryptedKeyValue = try Self.base64(attributes, "encryptedKeyValue", element: "encryptedKey")
    }

    private static func cipherParameters(
        _ attributes: [String: String], element: String
    ) throws(VaultCryptoError) -> CipherParameters {
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(VaultCryptoError) -> Int {
            guard let text = attributes[name], let value = Int(text), range.contains(value) else {
                throw .corrupt("\(element) has a missing or invalid \(name)")
            }
            return value
        }
        var parameters = CipherParameters()
        parameters.cipherAlgorithm = attributes["cipherAlgorithm"] ?? ""
        guard parameters.cipherAlgorithm == "AES" else {
            throw VaultCryptoError(
                .unsupportedEncryption, "cipher \(parameters.cipherAlgorithm.isEmpty ? "(none)" : parameters.cipherAlgorithm); only AES is supported"
            )
        }
        parameters.cipherChaining = attributes["cipherChaining"] ?? ""
        guard parameters.cipherChaining == "ChainingModeCBC" else {
            throw VaultCryptoError(
                .unsupportedEncryption, "chaining mode \(parameters.cipherChaining); only ChainingModeCBC is supported"
            )
        }
        let hashName = attributes["hashAlgorithm"] ?? ""
        guard let hash = AgileHashAlgorithm(xmlName: hashName) else {
            throw VaultCryptoError(.unsupportedEncryption, "hash algorithm \(hashName.isEmpty ? "(none)" : hashName)")
        }
        parameters.hashAlgorithm = hash
        parameters.keyBits = try integer("keyBits", 8...65_536)
        guard [128, 192, 256].contains(parameters.keyBits) else {
            throw VaultCryptoError(.unsupportedEncryption, "AES key size of \(parameters.keyBits) bits")
        }
        parameters.blockSize = try integer("blockSize", 2...4096)
        guard parameters.blockSize == 16 else { throw .corrupt("\(element) declares an AES block size other than 16") }
        parameters.saltSize = try integer("saltSize", 1...65_536)
        parameters.hashSize = try integer("hashSize", 1...65_536)
        guard parameters.hashSize == hash.digestSize else {
            throw .corrupt("\(element) declares a hash size that does not match \(hash.rawValue)")
        }
        parameters.salt = try base64(attributes, "saltValue", element: element)
        guard parameters.salt.count == parameters.saltSize else {
            throw .corrupt("\(element) has a salt of the wrong size")
        }
        return parameters
    }

    private static func base64(
        _ attributes: [String: String], _ name: String, element: String
    ) throws(VaultCryptoError) -> [UInt8] {
        guard let text = attributes[name],
              let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !data.isEmpty
        else {
            throw .corrupt("\(element) has a missing or invalid \(name)")
        }
        return Array(data)
    }
}
