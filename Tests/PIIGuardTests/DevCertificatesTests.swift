import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import Testing
@_spi(FixedExpiryValidationTime) import X509

@testable import PIIGuard

/// A fresh temporary directory, removed when the test ends.
private final class TemporaryDirectory {
    let path: String

    init() throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
            .appendingPathComponent("pii-guard-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    func sub(_ name: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

private func contents(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}

private func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as! NSNumber).intValue & 0o777
}

private func certificates(_ path: String) throws -> [Certificate] {
    let text = String(decoding: try contents(path), as: UTF8.self)
    return try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
}

private func allFiles(_ paths: DevCertificates.Paths) -> [String] {
    [paths.caCertificate, paths.caPrivateKey, paths.certificate, paths.privateKey]
}

private func snapshot(_ paths: DevCertificates.Paths) throws -> [Data] {
    try allFiles(paths).map(contents)
}

private let day: TimeInterval = 86_400

@Suite("DevCertificates")
struct DevCertificatesTests {
    @Test("paths(in:) names the four files in the directory")
    func pathNames() {
        let paths = DevCertificates.paths(in: "certs")
        #expect(paths.caCertificate == "certs/dev-ca.pem" || paths.caCertificate.hasSuffix("/certs/dev-ca.pem"))
        #expect(paths.caPrivateKey.hasSuffix("certs/dev-ca-key.pem"))
        #expect(paths.certificate.hasSuffix("certs/dev-server.pem"))
        #expect(paths.privateKey.hasSuffix("certs/dev-server-key.pem"))
        #expect(DevCertificates.paths(in: "/tmp/x").certificate == "/tmp/x/dev-server.pem")
    }

    @Test("first call creates the directory, four PEM files, and 0600 private keys")
    func createsFiles() throws {
        let temp = try TemporaryDirectory()
        let directory = temp.sub("nested/certs")
        let (paths, outcome) = try DevCertificates.ensure(in: directory)
        #expect(outcome == .created)
        #expect(paths == DevCertificates.paths(in: directory))
        for file in allFiles(paths) {
            #expect(FileManager.default.fileExists(atPath: file), "\(file) missing")
        }
        #expect(try mode(paths.caPrivateKey) == 0o600)
        #expect(try mode(paths.privateKey) == 0o600)
        #expect(try mode(paths.caCertificate) == 0o644)
        #expect(try mode(paths.certificate) == 0o644)
        #expect(try mode(directory) == 0o700)
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == [
            "dev-ca-key.pem", "dev-ca.pem", "dev-server-key.pem", "dev-server.pem",
        ])
    }

    @Test("second call reuses everything and changes no file")
    func reuses() throws {
        let temp = try TemporaryDirectory()
        let now = Date()
        let (paths, first) = try DevCertificates.ensure(in: temp.path, now: now)
        #expect(first == .created)
        let before = try snapshot(paths)
        let (_, second) = try DevCertificates.ensure(in: temp.path, now: now.addingTimeInterval(30 * day))
        #expect(second == .reused)
        #expect(try snapshot(paths) == before)
    }

    @Test("CA and server certificates carry the required fields and extensions")
    func certificateContents() throws {
        let temp = try TemporaryDirectory()
        let now = Date()
        let (paths, _) = try DevCertificates.ensure(in: temp.path, now: now)
        let ca = try #require(try certificates(paths.caCertificate).first)
        let chain = try certificates(paths.certificate)
        #expect(chain.count == 2)
        let leaf = chain[0]
        #expect(chain[1] == ca)

        // CA
        #expect(ca.subject.description == "CN=pii-guard development CA,O=pii-guard")
        #expect(ca.issuer == ca.subject)
        #expect(ca.serialNumber.bytes.count == 20)
        #expect(P256.Signing.PublicKey(ca.publicKey) != nil)
        let caConstraints = try #require(ca.extensions[oid: .X509ExtensionID.basicConstraints])
        #expect(caConstraints.critical)
        guard case .isCertificateAuthority = try BasicConstraints(caConstraints) else {
            Issue.record("CA is not a CA: \(caConstraints)")
            return
        }
        let caUsage = try #require(try ca.extensions.keyUsage)
        #expect(caUsage.keyCertSign && caUsage.cRLSign && !caUsage.digitalSignature)
        let caYears = ca.notValidAfter.timeIntervalSince(now) / (365 * day)
        #expect(caYears > 9.99 && caYears <= 10.01)

        // Server
        #expect(leaf.subject.description == "CN=localhost")
        #expect(leaf.issuer == ca.subject)
        #expect(leaf.serialNumber.bytes.count == 20)
        #expect(leaf.serialNumber != ca.serialNumber)
        #expect(P256.Signing.PublicKey(leaf.publicKey) != nil)
        #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
        let usage = try #require(try leaf.extensions.keyUsage)
        #expect(usage.digitalSignature && !usage.keyCertSign)
        #expect(try leaf.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth]))
        let sans = try #require(try leaf.extensions.subjectAlternativeNames)
        #expect(Array(sans) == [
            .dnsName("localhost"),
            .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))),
        ])
        let caKeyID = try #require(try ca.extensions.subjectKeyIdentifier?.keyIdentifier)
        #expect(try leaf.extensions.authorityKeyIdentifier?.keyIdentifier == caKeyID)
        #expect(try leaf.extensions.subjectKeyIdentifier != nil)
        let days = leaf.notValidAfter.timeIntervalSince(now) / day
        #expect(days > 396.99 && days <= 397.01)
        #expect(leaf.notValidBefore <= now)
        #expect(ca.publicKey.isValidSignature(leaf.signature, for: leaf))

        // Keys match their certificates.
        let caKey = try Certificate.PrivateKey(pemEncoded: String(decoding: try contents(paths.caPrivateKey), as: UTF8.self))
        let key = try Certificate.PrivateKey(pemEncoded: String(decoding: try contents(paths.privateKey), as: UTF8.self))
        #expect(caKey.publicKey == ca.publicKey)
        #expect(key.publicKey == leaf.publicKey)
    }

    @Test(
        "server certificate verifies against the CA with RFC5280Policy and ServerIdentityPolicy",
        arguments: [
            ("localhost", nil), (nil, "127.0.0.1"), (nil, "::1"), ("localhost", "::1"),
        ] as [(String?, String?)]
    )
    func verifies(hostname: String?, ip: String?) async throws {
        let temp = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let ca = try certificates(paths.caCertificate)[0]
        let leaf = try certificates(paths.certificate)[0]

        var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
            RFC5280Policy()
            ServerIdentityPolicy(serverHostname: hostname, serverIP: ip)
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore())
        guard case .validCertificate(let chain) = result else {
            Issue.record("verification failed: \(result)")
            return
        }
        #expect(Array(chain) == [leaf, ca])
    }

    @Test("verification fails for a name or address the certificate does not cover, or another CA")
    func verificationRejects() async throws {
        let temp = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let ca = try certificates(paths.caCertificate)[0]
        let leaf = try certificates(paths.certificate)[0]

        for (hostname, ip) in [("example.com", nil), (nil, "10.0.0.1"), (nil, "::2")] as [(String?, String?)] {
            var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
                RFC5280Policy()
                ServerIdentityPolicy(serverHostname: hostname, serverIP: ip)
            }
            let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore())
            guard case .couldNotValidate = result else {
                Issue.record("unexpectedly valid for \(String(describing: hostname)) \(String(describing: ip))")
                continue
            }
        }

        let other = try TemporaryDirectory()
        let (otherPaths, _) = try DevCertificates.ensure(in: other.path)
        let otherCA = try certificates(otherPaths.caCertificate)[0]
        var verifier = Verifier(rootCertificates: CertificateStore([otherCA])) {
            RFC5280Policy()
            ServerIdentityPolicy(serverHostname: "localhost", serverIP: nil)
        }
        guard case .couldNotValidate = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) else {
            Issue.record("leaf verified against an unrelated CA")
            return
        }
    }

    @Test("396 days later the server certificate is re-issued with the unchanged CA")
    func renewsNearExpiry() async throws {
        let temp = try TemporaryDirectory()
        let now = Date()
        let (paths, _) = try DevCertificates.ensure(in: temp.path, now: now)
        let caBefore = try contents(paths.caCertificate)
        let caKeyBefore = try contents(paths.caPrivateKey)
        let leafBefore = try certificates(paths.certificate)[0]
        let keyBefore = try contents(paths.privateKey)

        // 389 days later: still more than 7 days left.
        #expect(try DevCertificates.ensure(in: temp.path, now: now.addingTimeInterval(389 * day)).1 == .reused)

        let later = now.addingTimeInterval(396 * day)
        let (_, outcome) = try DevCertificates.ensure(in: temp.path, now: later)
        #expect(outcome == .renewedServerCertificate)
        #expect(try contents(paths.caCertificate) == caBefore)
        #expect(try contents(paths.caPrivateKey) == caKeyBefore)
        #expect(try contents(paths.privateKey) != keyBefore)
        #expect(try mode(paths.privateKey) == 0o600)

        let leaf = try certificates(paths.certificate)[0]
        #expect(leaf != leafBefore)
        #expect(leaf.notValidAfter.timeIntervalSince(later) > 396 * day)

        let ca = try certificates(paths.caCertificate)[0]
        var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
            RFC5280Policy(fixedExpiryValidationTime: later)
            ServerIdentityPolicy(serverHostname: "localhost", serverIP: nil)
        }
        guard case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) else {
            Issue.record("renewed certificate does not verify")
            return
        }
        #expect(try DevCertificates.ensure(in: temp.path, now: later).1 == .reused)
    }

    @Test("host names not covered by the SANs trigger a re-issue that covers them")
    func renewsForNewHostNames() throws {
        let temp = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let caBefore = try contents(paths.caCertificate)

        let hostNames = ["localhost", "127.0.0.1", "::1", "pii-guard.test", "192.168.0.10"]
        #expect(try DevCertificates.ensure(in: temp.path, hostNames: hostNames).1 == .renewedServerCertificate)
        #expect(try contents(paths.caCertificate) == caBefore)
        let sans = try #require(try certificates(paths.certificate)[0].extensions.subjectAlternativeNames)
        #expect(sans.contains(.dnsName("pii-guard.test")))
        #expect(sans.contains(.ipAddress(ASN1OctetString(contentBytes: [192, 168, 0, 10]))))

        // A subset of what is covered needs nothing new.
        #expect(try DevCertificates.ensure(in: temp.path, hostNames: ["localhost"]).1 == .reused)
        #expect(try DevCertificates.ensure(in: temp.path, hostNames: hostNames).1 == .reused)
    }

    @Test("a missing server certificate is re-issued with the existing CA")
    func reissuesMissingServerCertificate() throws {
        let temp = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let caBefore = try contents(paths.caCertificate)
        try FileManager.default.removeItem(atPath: paths.certificate)
        #expect(try DevCertificates.ensure(in: temp.path).1 == .renewedServerCertificate)
        #expect(try contents(paths.caCertificate) == caBefore)
        let leaf = try certificates(paths.certificate)[0]
        #expect(try certificates(paths.caCertificate)[0].publicKey.isValidSignature(leaf.signature, for: leaf))
    }

    @Test(
        "a corrupt PEM file yields an error naming the file",
        arguments: ["dev-ca.pem", "dev-ca-key.pem", "dev-server.pem", "dev-server-key.pem"]
    )
    func corruptFile(name: String) throws {
        let temp = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let path = temp.sub(name)
        try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let caBefore = try contents(paths.caCertificate)

        let error = try #require(throws: DevCertificateError.self) {
            try DevCertificates.ensure(in: temp.path)
        }
        #expect(error.kind == .corruptFile)
        #expect(error.path == path)
        #expect(error.description.contains(path))
        // Nothing was overwritten.
        #expect(try contents(path) == Data("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n".utf8))
        #expect(try contents(paths.caCertificate) == caBefore)
    }

    @Test(
        "half a CA (certificate or key missing) is an error naming the missing file, and nothing is overwritten",
        arguments: [true, false]
    )
    func incompleteCA(removeKey: Bool) throws {
        let temp = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let missing = removeKey ? paths.caPrivateKey : paths.caCertificate
        let kept = removeKey ? paths.caCertificate : paths.caPrivateKey
        let keptBefore = try contents(kept)
        let serverBefore = try contents(paths.certificate)
        try FileManager.default.removeItem(atPath: missing)

        let error = try #require(throws: DevCertificateError.self) {
            try DevCertificates.ensure(in: temp.path)
        }
        #expect(error.kind == .incompleteCertificateAuthority)
        #expect(error.path == missing)
        #expect(error.description.contains(missing))
        #expect(try contents(kept) == keptBefore)
        #expect(try contents(paths.certificate) == serverBefore)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test("a CA key that does not match the CA certificate is an error")
    func mismatchedCA() throws {
        let temp = try TemporaryDirectory()
        let other = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let (otherPaths, _) = try DevCertificates.ensure(in: other.path)
        try FileManager.default.removeItem(atPath: paths.caPrivateKey)
        try FileManager.default.copyItem(atPath: otherPaths.caPrivateKey, toPath: paths.caPrivateKey)

        let error = try #require(throws: DevCertificateError.self) {
            try DevCertificates.ensure(in: temp.path)
        }
        #expect(error.kind == .mismatchedCertificateAuthority)
        #expect(error.description.contains(paths.caPrivateKey))
    }

    @Test("a directory path that is a file is reported with its path")
    func directoryIsAFile() throws {
        let temp = try TemporaryDirectory()
        let file = temp.sub("certs")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let error = try #require(throws: DevCertificateError.self) {
            try DevCertificates.ensure(in: file)
        }
        #expect(error.kind == .cannotCreateDirectory)
        #expect(error.description.contains(file))
    }

    @Test("an uncreatable directory is reported with its path")
    func uncreatableDirectory() throws {
        let temp = try TemporaryDirectory()
        let file = temp.sub("plain-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let directory = file + "/certs"
        let error = try #require(throws: DevCertificateError.self) {
            try DevCertificates.ensure(in: directory)
        }
        #expect(error.kind == .cannotCreateDirectory)
        #expect(error.description.contains(directory))
    }

    @Test("invalid host names are rejected")
    func invalidHostNames() throws {
        let temp = try TemporaryDirectory()
        #expect(throws: DevCertificateError.self) { try DevCertificates.ensure(in: temp.path, hostNames: []) }
        #expect(throws: DevCertificateError.self) { try DevCertificates.ensure(in: temp.path, hostNames: ["a b"]) }
    }

    @Test("the PEM files load into NIOSSL and make a server context")
    func loadsIntoNIOSSL() throws {
        let temp = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let chain = try NIOSSLCertificate.fromPEMFile(paths.certificate)
        #expect(chain.count == 2)
        let key = try NIOSSLPrivateKey(file: paths.privateKey, format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        _ = try NIOSSLContext(configuration: configuration)

        let ca = try NIOSSLCertificate.fromPEMFile(paths.caCertificate)
        #expect(ca.count == 1)
        #expect(chain[1] == ca[0])
        _ = try NIOSSLPrivateKey(file: paths.caPrivateKey, format: .pem)
    }

    @Test(
        "openssl verify accepts the server certificate for localhost, 127.0.0.1 and ::1",
        .enabled(if: DevCertificatesTests.openssl != nil, "openssl not installed")
    )
    func opensslVerify() throws {
        let temp = try TemporaryDirectory()
        let (paths, _) = try DevCertificates.ensure(in: temp.path)
        let leafOnly = temp.sub("leaf.pem")
        let leaf = try certificates(paths.certificate)[0]
        try Data((try leaf.serializeAsPEM().pemString + "\n").utf8).write(to: URL(fileURLWithPath: leafOnly))

        for check in [["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"], ["-verify_ip", "::1"]] {
            let (status, output) = try Self.run(
                ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", paths.caCertificate] + check + [leafOnly]
            )
            #expect(status == 0, "openssl verify \(check): \(output)")
            #expect(output.contains("OK"), "\(output)")
        }
        let (status, output) = try Self.run(
            ["verify", "-purpose", "sslserver", "-CAfile", paths.caCertificate, "-verify_hostname", "example.com", leafOnly]
        )
        #expect(status != 0, "openssl accepted example.com: \(output)")
    }

    @Test("trust instructions name the CA path and the usual trust commands")
    func trustInstructions() {
        let paths = DevCertificates.paths(in: "/srv/pii-guard/certs")
        let text = DevCertificates.trustInstructions(for: paths)
        #expect(text.contains("/srv/pii-guard/certs/dev-ca.pem"))
        #expect(text.contains("/usr/local/share/ca-certificates/pii-guard-dev-ca.crt"))
        #expect(text.contains("update-ca-certificates"))
        #expect(text.contains("--cacert '/srv/pii-guard/certs/dev-ca.pem'"))
        #expect(text.contains("Firefox"))
        #expect(text.contains("Chrome"))
        #expect(text.split(separator: "\n").count > 5)
    }

    @Test("DevCertificateError description includes the message")
    func errorDescription() {
        let error = DevCertificateError(.unreadableFile, path: "/x/dev-ca.pem", "cannot read /x/dev-ca.pem: denied")
        #expect(error.description.contains("cannot read /x/dev-ca.pem: denied"))
        #expect(error.path == "/x/dev-ca.pem")
    }

    // MARK: openssl helpers

    static let openssl: String? = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(openssl))
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
