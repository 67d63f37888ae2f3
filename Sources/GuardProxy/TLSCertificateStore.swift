import NIOSSL
import Synchronization

/// A certificate chain and its private key, loaded from PEM files.
public struct CertifiedKey: Sendable {
    public let chain: [NIOSSLCertificate]
    public let privateKey: NIOSSLPrivateKey

    public init(chain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey) {
        self.chain = chain
        self.privateKey = privateKey
    }

    /// Loads `certificatePath` (leaf first, then intermediates) and `keyPath`.
    public static func load(certificatePath: String, keyPath: String) throws(ProxyConfigurationError) -> CertifiedKey {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw ProxyConfigurationError("cannot read the certificate file '\(certificatePath)': \(error)")
        }
        guard !chain.isEmpty else {
            throw ProxyConfigurationError("the certificate file '\(certificatePath)' holds no PEM certificate")
        }
        do {
            return CertifiedKey(chain: chain, privateKey: try NIOSSLPrivateKey(file: keyPath, format: .pem))
        } catch {
            throw ProxyConfigurationError("cannot read the private key file '\(keyPath)': \(error)")
        }
    }
}

/// The certificates the listener presents, chosen per connection by the TLS Server Name Indication.
///
/// One guard fronts several admin systems, each with its own certificate. The store is read at every handshake and
/// can be replaced at any time (SIGHUP): new connections get the new certificates, open ones are not disturbed.
public final class TLSCertificateStore: Sendable {
    struct State {
        var fallback: CertifiedKey
        var byHost: [String: CertifiedKey]
    }

    private let state: Mutex<State>

    /// - Parameters:
    ///   - fallback: presented when the client sends no SNI or an unknown name.
    ///   - byHost: lower-cased host name (or `*.domain`) → certificate.
    public init(fallback: CertifiedKey, byHost: [String: CertifiedKey] = [:]) {
        self.state = Mutex(State(fallback: fallback, byHost: Self.normalise(byHost)))
    }

    /// Swaps in new certificates for the connections that come next.
    public func replace(fallback: CertifiedKey, byHost: [String: CertifiedKey]) {
        let normalised = Self.normalise(byHost)
        self.state.withLock { $0 = State(fallback: fallback, byHost: normalised) }
    }

    /// The certificate for an SNI name: exact name, then a `*.` wildcard one label up, then the fallback.
    public func certificate(forServerName name: String?) -> CertifiedKey {
        self.state.withLock { state in
            guard let name = name?.lowercased() else { return state.fallback }
            if let exact = state.byHost[name] { return exact }
            if let dot = name.firstIndex(of: "."), let wildcard = state.byHost["*" + name[dot...]] { return wildcard }
            return state.fallback
        }
    }

    private static func normalise(_ map: [String: CertifiedKey]) -> [String: CertifiedKey] {
        Dictionary(map.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Cipher suites for TLS 1.2: forward secrecy and AEAD only. TLS 1.3 suites are all modern and fixed by BoringSSL.
    ///
    /// The client picks among them: swift-nio-ssl has no setting for a server cipher order (BoringSSL's
    /// `SSL_OP_CIPHER_SERVER_PREFERENCE` is not reachable through its API), so testssl.sh reports "no cipher order".
    /// A server order only matters when a weak suite is on offer, and none is: every choice a client can make here is
    /// an ECDHE key exchange with AES-GCM or ChaCha20-Poly1305.
    public static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// A server TLS configuration: TLS 1.2 or newer, the suites above, ALPN `h2` then `http/1.1`, and this store
    /// choosing the certificate at each handshake.
    public func makeServerConfiguration() -> TLSConfiguration {
        let fallback = self.certificate(forServerName: nil)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: fallback.chain.map { .certificate($0) },
            privateKey: .privateKey(fallback.privateKey)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = Self.tls12CipherSuites
        configuration.applicationProtocols = ["h2", "http/1.1"]
        // No renegotiation of any kind (client-initiated renegotiation is a denial-of-service lever; HTTP/2 forbids
        // it). The default already, said here so a change of defaults cannot turn it on.
        configuration.renegotiationSupport = .none
        configuration.sslContextCallback = { [self] values, promise in
            let chosen = self.certificate(forServerName: values.serverHostname)
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = chosen.chain.map { .certificate($0) }
            override.privateKey = .privateKey(chosen.privateKey)
            promise.succeed(override)
        }
        return configuration
    }
}
