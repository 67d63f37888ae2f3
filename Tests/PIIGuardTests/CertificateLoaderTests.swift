import Foundation
import GuardProxy
import Logging
import NIOSSL
import Testing

@testable import PIIGuard

@Suite("Certificate loading and reload")
struct CertificateLoaderTests {
    @Test func withoutACertificateDevCertificatesAreGeneratedAndUsed() throws {
        let folder = try makeConfigFolder(config: """
            sites:
              - {name: admin, hosts: [localhost], upstream: "http://127.0.0.1:9080"}
            """)
        let loaded = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        let store = try CertificateLoader.load(loaded, logger: Logger(label: "test"))
        let served = store.certificate(forServerName: "localhost").chain.first
        let onDisk = try NIOSSLCertificate.fromPEMFile(folder + "/certs/dev-server.pem").first
        #expect(served == onDisk)
        #expect(FileManager.default.fileExists(atPath: folder + "/certs/dev-ca.pem"))
    }

    @Test func aBrokenCertificateOnReloadLeavesTheRunningOneActive() throws {
        let folder = try makeConfigFolder(config: """
            tls:
              certificate: tls/server.pem
              private_key: tls/server-key.pem
            sites:
              - {name: admin, hosts: [localhost], upstream: "http://127.0.0.1:9080"}
              - {name: shop, hosts: [shop.localhost], upstream: "http://127.0.0.1:9081", certificate: tls/server.pem, private_key: tls/server-key.pem}
            """)
        let (paths, _) = try DevCertificates.ensure(in: folder + "/dev", hostNames: ["localhost", "shop.localhost"])
        try FileManager.default.createDirectory(atPath: folder + "/tls", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: paths.certificate, toPath: folder + "/tls/server.pem")
        try FileManager.default.copyItem(atPath: paths.privateKey, toPath: folder + "/tls/server-key.pem")
        let loaded = try LoadedConfiguration.load(path: folder + "/pii-guard.yaml")
        let store = try CertificateLoader.load(loaded, logger: Logger(label: "test"))
        let before = store.certificate(forServerName: "shop.localhost").chain.first

        try "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n"
            .write(toFile: folder + "/tls/server.pem", atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try CertificateLoader.reload(loaded, into: store, logger: Logger(label: "test")) }
        #expect(store.certificate(forServerName: "shop.localhost").chain.first == before)
        #expect(store.certificate(forServerName: nil).chain.first == before)

        // A good file again: the reload takes it.
        let (fresh, _) = try DevCertificates.ensure(in: folder + "/dev2", hostNames: ["localhost"])
        try FileManager.default.removeItem(atPath: folder + "/tls/server.pem")
        try FileManager.default.removeItem(atPath: folder + "/tls/server-key.pem")
        try FileManager.default.copyItem(atPath: fresh.certificate, toPath: folder + "/tls/server.pem")
        try FileManager.default.copyItem(atPath: fresh.privateKey, toPath: folder + "/tls/server-key.pem")
        try CertificateLoader.reload(loaded, into: store, logger: Logger(label: "test"))
        #expect(store.certificate(forServerName: "shop.localhost").chain.first != before)
    }
}
