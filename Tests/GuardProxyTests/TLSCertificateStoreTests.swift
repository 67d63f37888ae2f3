import NIOSSL
import Testing

@testable import GuardProxy

@Suite("Certificates by SNI")
struct TLSCertificateStoreTests {
    /// Two throwaway self-signed certificates (P-256), as PEM, so that the store can be told apart by content.
    static let first = try! NIOSSLCertificate(bytes: Array(pemA.utf8), format: .pem)
    static let second = try! NIOSSLCertificate(bytes: Array(pemB.utf8), format: .pem)
    static let key = try! NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)

    @Test func exactNameThenWildcardThenFallback() {
        let fallback = CertifiedKey(chain: [Self.first], privateKey: Self.key)
        let shop = CertifiedKey(chain: [Self.second], privateKey: Self.key)
        let store = TLSCertificateStore(fallback: fallback, byHost: ["Shop.Example.KR": shop, "*.account.example.kr": shop])
        #expect(store.certificate(forServerName: "shop.example.kr").chain == [Self.second])
        #expect(store.certificate(forServerName: "me.account.example.kr").chain == [Self.second])
        #expect(store.certificate(forServerName: "deep.me.account.example.kr").chain == [Self.first])
        #expect(store.certificate(forServerName: "other.example").chain == [Self.first])
        #expect(store.certificate(forServerName: nil).chain == [Self.first])
        store.replace(fallback: shop, byHost: [:])
        #expect(store.certificate(forServerName: "shop.example.kr").chain == [Self.second])
        #expect(store.certificate(forServerName: nil).chain == [Self.second])
    }

    @Test func theServerConfigurationIsTLS12OrNewerWithALPN() {
        let store = TLSCertificateStore(fallback: CertifiedKey(chain: [Self.first], privateKey: Self.key))
        let configuration = store.makeServerConfiguration()
        #expect(configuration.minimumTLSVersion == .tlsv12)
        #expect(configuration.applicationProtocols == ["h2", "http/1.1"])
        #expect(!configuration.cipherSuites.contains("CBC"))
        #expect(configuration.renegotiationSupport == .none)
        #expect(configuration.sslContextCallback != nil)
    }
}

// Test-only material, generated once with openssl for these tests; it protects nothing.
let pemA = """
-----BEGIN CERTIFICATE-----
MIIBdzCCAR2gAwIBAgIUXvI3Ypxtp6bMteehxy/LXNDVYp0wCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGYS50ZXN0MB4XDTI2MTEyMzEwMzkzNFoXDTM2MTEyMDEwMzkz
NFowETEPMA0GA1UEAwwGYS50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
sqrL1DuYIM5vyz9pEkimkRlca3w7ulC1pO4K5iogLRC5ekeG4fMSCt7maY/wxLvS
RFiq3QdDi+wv431pv1tBM6NTMFEwHQYDVR0OBBYEFKvJj0uQMl6rHYaG5bA6GCIK
0c7mMB8GA1UdIwQYMBaAFKvJj0uQMl6rHYaG5bA6GCIK0c7mMA8GA1UdEwEB/wQF
MAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAK1Dnx5PEqw2Id0zu1kCMAKLL1hjJSE9
/h7WwyxHT1HYAiA2JnFArouBm/XvPLzYhYQ44DXc9SuszC4zYN5vSP+e5g==
-----END CERTIFICATE-----
"""

let pemB = """
-----BEGIN CERTIFICATE-----
MIIBdjCCAR2gAwIBAgIUUXTseMhYLZac3Uyb8mQGUZYfrFkwCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGYi50ZXN0MB4XDTI2MTEyMzEwMzkzNFoXDTM2MTEyMDEwMzkz
NFowETEPMA0GA1UEAwwGYi50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
sqrL1DuYIM5vyz9pEkimkRlca3w7ulC1pO4K5iogLRC5ekeG4fMSCt7maY/wxLvS
RFiq3QdDi+wv431pv1tBM6NTMFEwHQYDVR0OBBYEFKvJj0uQMl6rHYaG5bA6GCIK
0c7mMB8GA1UdIwQYMBaAFKvJj0uQMl6rHYaG5bA6GCIK0c7mMA8GA1UdEwEB/wQF
MAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgXMQDZvj17p+nJeV8fGFisAkHv/3LtAtA
HRQNh/Vb1XACIE8nJZ5+AnHoWwPFJ/sqKZ4ECgFspjGxzPgDfxdwWy79
-----END CERTIFICATE-----
"""

let keyPEM = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzlq74aH0KAsxfhK+
wuSPzWr65SqX3ONAMEuSiRRlX2mhRANCAASyqsvUO5ggzm/LP2kSSKaRGVxrfDu6
ULWk7grmKiAtELl6R4bh8xIK3uZpj/DEu9JEWKrdB0OL7C/jfWm/W0Ez
-----END PRIVATE KEY-----
"""
