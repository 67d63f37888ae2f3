import Crypto
import Foundation
import SwiftASN1
import X509

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A development certificate authority and a `localhost` server certificate signed by it.
///
/// pii-guard only speaks HTTPS. So that a first start works with no configuration, and without
/// teaching people to click through browser warnings, the proxy generates a private development CA
/// and a server certificate for `localhost`, `127.0.0.1` and `::1` into `certs/` when no certificate
/// is configured (and `pii-guard certs dev` does the same on demand). Trusting the CA once
/// (see ``trustInstructions(for:)``) makes every later server certificate trusted too, which is why
/// the CA is created once and never overwritten, while the short-lived server certificate is
/// re-issued whenever it nears expiry or no longer covers the requested host names.
///
/// These certificates are for development only; production deployments configure their own.
public struct DevCertificates: Sendable {
    /// Where the four PEM files live.
    public struct Paths: Sendable, Equatable {
        /// The development CA certificate (`dev-ca.pem`); this is the file to trust.
        public let caCertificate: String
        /// The development CA private key (`dev-ca-key.pem`, mode 0600).
        public let caPrivateKey: String
        /// The server certificate chain (`dev-server.pem`): the leaf, then the CA.
        public let certificate: String
        /// The server private key (`dev-server-key.pem`, mode 0600).
        public let privateKey: String

        public init(caCertificate: String, caPrivateKey: String, certificate: String, privateKey: String) {
            self.caCertificate = caCertificate
            self.caPrivateKey = caPrivateKey
            self.certificate = certificate
            self.privateKey = privateKey
        }
    }

    /// What ``ensure(in:hostNames:now:)`` did.
    public enum Outcome: Sendable, Equatable {
        /// A new CA (and a server certificate signed by it) was generated; the CA must be trusted.
        case created
        /// The existing CA and server certificate are valid and were left untouched.
        case reused
        /// The existing CA was kept and a new server certificate and key were issued with it
        /// (the server certificate was missing, expiring, not issued by the CA, or did not cover the host names).
        case renewedServerCertificate
    }

    /// Validity of the development CA.
    static let caValidity: TimeInterval = 10 * 365 * 86_400
    /// Validity of the server certificate: 397 days, the maximum browsers accept for TLS server certificates.
    static let serverValidity: TimeInterval = 397 * 86_400
    /// A server certificate expiring within this interval is re-issued.
    static let renewalMargin: TimeInterval = 7 * 86_400
    /// Certificates are back-dated by this much to tolerate small clock differences.
    static let backdating: TimeInterval = 3_600

    static let caSubjectCommonName = "pii-guard development CA"
    static let organization = "pii-guard"

    /// A random serial number of exactly 20 bytes, the RFC 5280 maximum: the first byte is in
    /// 0x40...0x7F so the DER INTEGER is positive and needs neither a leading zero nor trimming.
    static func randomSerialNumber() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[0] = (bytes[0] & 0x3F) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }

    /// The file names inside `directory`.
    public static func paths(in directory: String) -> Paths {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        func path(_ name: String) -> String { base.appendingPathComponent(name).path }
        return Paths(
            caCertificate: path("dev-ca.pem"),
            caPrivateKey: path("dev-ca-key.pem"),
            certificate: path("dev-server.pem"),
            privateKey: path("dev-server-key.pem")
        )
    }

    /// Creates the CA and server cert if missing; reuses valid ones; re-issues the server cert
    /// (with the existing CA) if it is expired within 7 days, or its SANs don't cover `hostNames`;
    /// never overwrites a CA that exists.
    ///
    /// - Parameters:
    ///   - directory: Directory for the PEM files; created (mode 0700) if missing.
    ///   - hostNames: DNS names and IP addresses (IPv4 or IPv6 literals) the server certificate must cover.
    ///   - now: The current time; injectable for tests.
    /// - Returns: The file paths and what was done.
    /// - Throws: ``DevCertificateError`` naming the offending file: the directory cannot be created,
    ///   a file cannot be read or written, a PEM file is corrupt, only half of the CA exists,
    ///   the CA key does not match the CA certificate, or the CA has expired.
    public static func ensure(
        in directory: String,
        hostNames: [String] = ["localhost", "127.0.0.1", "::1"],
        now: Date = Date()
    ) throws(DevCertificateError) -> (Paths, Outcome) {
        let names = try SubjectNames(hostNames)
        let paths = paths(in: directory)
        try FileIO.createDirectory(directory)

        // The CA: load it if it exists, create it only if neither file exists.
        let ca: Authority
        let createdCA: Bool
        switch (FileIO.exists(paths.caCertificate), FileIO.exists(paths.caPrivateKey)) {
        case (true, true):
            ca = try Authority.load(paths: paths, now: now)
            createdCA = false
        case (false, false):
            ca = try Authority.generate(now: now)
            try ca.write(paths: paths)
            createdCA = true
        case (true, false):
            throw DevCertificateError(
                .incompleteCertificateAuthority,
                path: paths.caPrivateKey,
                "the CA private key \(paths.caPrivateKey) is missing but the CA certificate \(paths.caCertificate) exists; "
                    + "restore the key or delete both CA files to generate a new CA (which must then be trusted again)"
            )
        case (false, true):
            throw DevCertificateError(
                .incompleteCertificateAuthority,
                path: paths.caCertificate,
                "the CA certificate \(paths.caCertificate) is missing but the CA private key \(paths.caPrivateKey) exists; "
                    + "restore the certificate or delete both CA files to generate a new CA (which must then be trusted again)"
            )
        }

        if !createdCA, try serverCertificateIsUsable(paths: paths, ca: ca, names: names, now: now) {
            return (paths, .reused)
        }
        try issueServerCertificate(paths: paths, ca: ca, names: names, now: now)
        return (paths, createdCA ? .created : .renewedServerCertificate)
    }

    /// Human-readable, multi-line instructions to trust the CA, naming the actual CA path.
    public static func trustInstructions(for paths: Paths) -> String {
        let ca = paths.caCertificate
        return """
            pii-guard generated a development certificate authority (CA):
              \(ca)
            The server certificate \(paths.certificate) is signed by it. Trust the CA once and
            every server certificate pii-guard issues with it will be trusted. Development only:
            keep \(paths.caPrivateKey) private, anyone holding it can impersonate any site to you.

            Debian / Ubuntu (system trust store, used by curl, wget, OpenSSL-based tools):
              sudo cp '\(ca)' /usr/local/share/ca-certificates/pii-guard-dev-ca.crt
              sudo update-ca-certificates

            curl, without changing the system store:
              curl --cacert '\(ca)' https://localhost:<port>/

            Firefox:
              Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import...
              choose \(ca) and tick "Trust this CA to identify websites".

            Chrome / Chromium:
              Settings > Privacy and security > Security > Manage certificates > Authorities (Linux)
              or Trusted Root Certification Authorities (Windows) > Import, choose \(ca),
              and tick "Trust this certificate for identifying websites".

            macOS:
              sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '\(ca)'

            To undo: remove the CA from the stores above (Debian: delete
            /usr/local/share/ca-certificates/pii-guard-dev-ca.crt and run sudo update-ca-certificates --fresh).
            """
    }

    // MARK: - Server certificate

    /// Whether the existing server certificate and key can be kept.
    /// Missing or stale files return `false`; unreadable or corrupt files throw.
    static func serverCertificateIsUsable(
        paths: Paths,
        ca: Authority,
        names: SubjectNames,
        now: Date
    ) throws(DevCertificateError) -> Bool {
        guard FileIO.exists(paths.certificate), FileIO.exists(paths.privateKey) else { return false }
        let chain = try PEMFiles.certificates(at: paths.certificate)
        let key = try PEMFiles.privateKey(at: paths.privateKey)
        let leaf = chain[0]

        guard leaf.publicKey == key.publicKey else { return false }
        guard leaf.issuer == ca.certificate.subject,
            ca.certificate.publicKey.isValidSignature(leaf.signature, for: leaf)
        else { return false }
        guard chain.count == 2, chain[1] == ca.certificate else { return false }
        guard leaf.notValidBefore <= now, leaf.notValidAfter > now.addingTimeInterval(renewalMargin) else {
            return false
        }
        let sans: SubjectAlternativeNames?
        do {
            sans = try leaf.extensions.subjectAlternativeNames
        } catch {
            return false
        }
        guard let sans else { return false }
        return names.generalNames.allSatisfy { sans.contains($0) }
    }

    static func issueServerCertificate(
        paths: Paths,
        ca: Authority,
        names: SubjectNames,
        now: Date
    ) throws(DevCertificateError) {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let notAfter = min(now.addingTimeInterval(serverValidity), ca.certificate.notValidAfter)
        let commonName = names.commonName
        let leaf: Certificate
        do {
            let caKeyIdentifier =
                try ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
                ?? SubjectKeyIdentifier(hash: ca.certificate.publicKey).keyIdentifier
            let subject = try DistinguishedName {
                CommonName(commonName)
            }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.generalNames)
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: caKeyIdentifier)
            }
            leaf = try Certificate(
                version: .v3,
                serialNumber: DevCertificates.randomSerialNumber(),
                publicKey: publicKey,
                notValidBefore: now.addingTimeInterval(-backdating),
                notValidAfter: notAfter,
                issuer: ca.certificate.subject,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: ca.privateKey
            )
        } catch {
            throw DevCertificateError(
                .generationFailed,
                path: paths.certificate,
                "could not generate the server certificate: \(error)"
            )
        }
        // Key first: a crash in between leaves a key/certificate mismatch, which the next run re-issues.
        try FileIO.write(PEMFiles.encode(Certificate.PrivateKey(key), path: paths.privateKey), to: paths.privateKey, mode: 0o600)
        let chainPEM =
            try PEMFiles.encode(leaf, path: paths.certificate) + PEMFiles.encode(ca.certificate, path: paths.certificate)
        try FileIO.write(chainPEM, to: paths.certificate, mode: 0o644)
    }
}

// MARK: - Certificate authority

extension DevCertificates {
    struct Authority {
        var certificate: Certificate
        var privateKey: Certificate.PrivateKey

        static func generate(now: Date) throws(DevCertificateError) -> Authority {
            let key = P256.Signing.PrivateKey()
            let privateKey = Certificate.PrivateKey(key)
            let publicKey = Certificate.PublicKey(key.publicKey)
            do {
                let name = try DistinguishedName {
                    OrganizationName(DevCertificates.organization)
                    CommonName(DevCertificates.caSubjectCommonName)
                }
                let extensions = try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                }
                let certificate = try Certificate(
                    version: .v3,
                    serialNumber: DevCertificates.randomSerialNumber(),
                    publicKey: publicKey,
                    notValidBefore: now.addingTimeInterval(-DevCertificates.backdating),
                    notValidAfter: now.addingTimeInterval(DevCertificates.caValidity),
                    issuer: name,
                    subject: name,
                    signatureAlgorithm: .ecdsaWithSHA256,
                    extensions: extensions,
                    issuerPrivateKey: privateKey
                )
                return Authority(certificate: certificate, privateKey: privateKey)
            } catch {
                throw DevCertificateError(.generationFailed, path: nil, "could not generate the development CA: \(error)")
            }
        }

        static func load(paths: Paths, now: Date) throws(DevCertificateError) -> Authority {
            let certificate = try PEMFiles.certificates(at: paths.caCertificate)[0]
            let privateKey = try PEMFiles.privateKey(at: paths.caPrivateKey)
            guard certificate.publicKey == privateKey.publicKey else {
                throw DevCertificateError(
                    .mismatchedCertificateAuthority,
                    path: paths.caPrivateKey,
                    "the CA private key \(paths.caPrivateKey) does not belong to the CA certificate \(paths.caCertificate); "
                        + "restore the matching key or delete both CA files to generate a new CA"
                )
            }
            guard certificate.notValidAfter > now else {
                throw DevCertificateError(
                    .expiredCertificateAuthority,
                    path: paths.caCertificate,
                    "the development CA \(paths.caCertificate) expired on \(certificate.notValidAfter); "
                        + "delete \(paths.caCertificate) and \(paths.caPrivateKey) to generate a new CA (which must then be trusted again)"
                )
            }
            return Authority(certificate: certificate, privateKey: privateKey)
        }

        /// Writes both CA files without ever replacing an existing one.
        func write(paths: Paths) throws(DevCertificateError) {
            try FileIO.write(
                PEMFiles.encode(privateKey, path: paths.caPrivateKey),
                to: paths.caPrivateKey,
                mode: 0o600,
                overwrite: false
            )
            try FileIO.write(
                PEMFiles.encode(certificate, path: paths.caCertificate),
                to: paths.caCertificate,
                mode: 0o644,
                overwrite: false
            )
        }
    }
}

// MARK: - Host names

extension DevCertificates {
    /// The requested host names, split into DNS names and IP addresses.
    struct SubjectNames {
        var generalNames: [GeneralName]
        var commonName: String

        init(_ hostNames: [String]) throws(DevCertificateError) {
            var generalNames: [GeneralName] = []
            var firstDNSName: String?
            for raw in hostNames {
                let name = raw.trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "/" }) else {
                    throw DevCertificateError(.invalidHostName, path: nil, "invalid host name \(String(reflecting: raw))")
                }
                let general: GeneralName
                if let bytes = Self.ipAddressBytes(name) {
                    general = .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
                } else {
                    // Strip brackets some people write around IPv6 literals only if the result is an address.
                    if name.hasPrefix("["), name.hasSuffix("]"),
                        let bytes = Self.ipAddressBytes(String(name.dropFirst().dropLast()))
                    {
                        general = .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
                    } else {
                        let dns = name.lowercased()
                        general = .dnsName(dns)
                        if firstDNSName == nil { firstDNSName = dns }
                    }
                }
                if !generalNames.contains(general) { generalNames.append(general) }
            }
            guard !generalNames.isEmpty else {
                throw DevCertificateError(.invalidHostName, path: nil, "no host names given for the server certificate")
            }
            self.generalNames = generalNames
            self.commonName = firstDNSName ?? "localhost"
        }

        /// The 4 or 16 network-order bytes of an IPv4 or IPv6 literal, or nil.
        static func ipAddressBytes(_ string: String) -> [UInt8]? {
            var v4 = in_addr()
            if string.withCString({ inet_pton(AF_INET, $0, &v4) }) == 1 {
                return withUnsafeBytes(of: &v4) { Array($0) }
            }
            var v6 = in6_addr()
            if string.withCString({ inet_pton(AF_INET6, $0, &v6) }) == 1 {
                return withUnsafeBytes(of: &v6) { Array($0) }
            }
            return nil
        }
    }
}

// MARK: - PEM files

enum PEMFiles {
    struct NoPEMBlocks: Error, CustomStringConvertible {
        var description: String { "no PEM blocks found" }
    }

    /// All certificates in a PEM file, in order; at least one.
    static func certificates(at path: String) throws(DevCertificateError) -> [Certificate] {
        let text = try FileIO.read(path)
        do {
            let documents = try PEMDocument.parseMultiple(pemString: text)
            guard !documents.isEmpty else { throw NoPEMBlocks() }
            return try documents.map { try Certificate(pemDocument: $0) }
        } catch {
            throw DevCertificateError(
                .corruptFile,
                path: path,
                "\(path) is not a valid PEM certificate file (\(error)); delete it to have it regenerated"
            )
        }
    }

    static func privateKey(at path: String) throws(DevCertificateError) -> Certificate.PrivateKey {
        let text = try FileIO.read(path)
        do {
            return try Certificate.PrivateKey(pemEncoded: text)
        } catch {
            throw DevCertificateError(
                .corruptFile,
                path: path,
                "\(path) is not a valid PEM private key file (\(error)); delete it to have it regenerated"
            )
        }
    }

    static func encode(_ certificate: Certificate, path: String) throws(DevCertificateError) -> String {
        do {
            return try certificate.serializeAsPEM().pemString + "\n"
        } catch {
            throw DevCertificateError(.generationFailed, path: path, "could not encode the certificate for \(path): \(error)")
        }
    }

    static func encode(_ key: Certificate.PrivateKey, path: String) throws(DevCertificateError) -> String {
        do {
            return try key.serializeAsPEM().pemString + "\n"
        } catch {
            throw DevCertificateError(.generationFailed, path: path, "could not encode the private key for \(path): \(error)")
        }
    }
}

// MARK: - Files

enum FileIO {
    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    static func createDirectory(_ directory: String) throws(DevCertificateError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw DevCertificateError(
                    .cannotCreateDirectory,
                    path: directory,
                    "cannot create directory \(directory): a file with that name exists"
                )
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw DevCertificateError(
                .cannotCreateDirectory,
                path: directory,
                "cannot create directory \(directory): \(describe(error))"
            )
        }
    }

    static func read(_ path: String) throws(DevCertificateError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DevCertificateError(.unreadableFile, path: path, "cannot read \(path): \(describe(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DevCertificateError(
                .corruptFile,
                path: path,
                "\(path) is not a text PEM file (not UTF-8); delete it to have it regenerated"
            )
        }
        return text
    }

    /// Writes `contents` to a temporary file beside `path` created with `mode`, then moves it into place,
    /// so a reader never sees a half-written file and a key file is never readable by others.
    /// With `overwrite == false` an existing `path` is never replaced.
    static func write(
        _ contents: String,
        to path: String,
        mode: mode_t,
        overwrite: Bool = true
    ) throws(DevCertificateError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        func failure(_ what: String, _ code: Int32 = errno) -> DevCertificateError {
            DevCertificateError(.cannotWriteFile, path: path, "cannot write \(path): \(what): \(String(cString: strerror(code)))")
        }

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var closed = false
        defer {
            if !closed { _ = close(fd) }
            _ = unlink(temporary)
        }
        // The umask may have removed bits; never added any, but set the exact mode anyway.
        guard fchmod(fd, mode) == 0 else { throw failure("cannot set mode \(String(mode, radix: 8))") }

        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                systemWrite(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write failed")
            }
            written += result
        }
        guard fsync(fd) == 0 else { throw failure("fsync failed") }
        closed = true
        guard close(fd) == 0 else { throw failure("close failed") }

        if overwrite {
            guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary)") }
        } else {
            // link(2) fails with EEXIST instead of replacing an existing file.
            guard link(temporary, path) == 0 else {
                let code = errno
                if code == EEXIST {
                    throw DevCertificateError(
                        .cannotWriteFile,
                        path: path,
                        "refusing to overwrite existing \(path)"
                    )
                }
                throw failure("cannot create \(path)", code)
            }
        }
    }

    private static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Darwin)
        Darwin.write(fd, buffer, count)
        #elseif canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #else
        Musl.write(fd, buffer, count)
        #endif
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return (error as NSError).localizedDescription
    }
}

// MARK: - Error

/// Why ``DevCertificates/ensure(in:hostNames:now:)`` failed, naming the file concerned.
public struct DevCertificateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The category of failure, for callers that react differently to each.
    public enum Kind: Sendable, Equatable {
        /// The certificate directory could not be created (or is a file).
        case cannotCreateDirectory
        /// A file exists but could not be read.
        case unreadableFile
        /// A file is not a valid PEM certificate or private key.
        case corruptFile
        /// A file could not be written.
        case cannotWriteFile
        /// Only one of the CA certificate and CA key exists.
        case incompleteCertificateAuthority
        /// The CA key does not match the CA certificate.
        case mismatchedCertificateAuthority
        /// The existing CA has expired.
        case expiredCertificateAuthority
        /// A host name cannot be put in a certificate.
        case invalidHostName
        /// Key or certificate generation failed.
        case generationFailed
    }

    /// The category of failure.
    public let kind: Kind
    /// The file or directory concerned, if any.
    public let path: String?
    /// A complete, human-readable explanation; it names `path`.
    public let message: String

    public init(_ kind: Kind, path: String?, _ message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { "dev certificates: \(message)" }
}
