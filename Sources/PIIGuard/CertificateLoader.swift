import Foundation
import GuardProxy
import Logging

/// Writes operator-facing text to standard output unbuffered, so it appears at once even when output is piped.
public enum Console {
    public static func write(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

/// Loads the listener's certificates from the configuration, generating development certificates when none is
/// configured, and reloads them on SIGHUP.
public enum CertificateLoader {
    /// Certificates for every site; the default (or generated dev) certificate serves names without their own.
    public static func load(_ loaded: LoadedConfiguration, logger: Logger) throws -> TLSCertificateStore {
        let (fallback, byHost) = try self.read(loaded, logger: logger)
        return TLSCertificateStore(fallback: fallback, byHost: byHost)
    }

    /// Re-reads the files into `store`. On any error the store keeps the certificates it had.
    public static func reload(_ loaded: LoadedConfiguration, into store: TLSCertificateStore, logger: Logger) throws {
        let (fallback, byHost) = try self.read(loaded, logger: logger)
        store.replace(fallback: fallback, byHost: byHost)
    }

    static func read(_ loaded: LoadedConfiguration, logger: Logger) throws -> (CertifiedKey, [String: CertifiedKey]) {
        let tls = loaded.configuration.tls
        let fallback: CertifiedKey
        if let certificate = tls.certificate, let key = tls.privateKey {
            fallback = try CertifiedKey.load(certificatePath: loaded.resolve(certificate), keyPath: loaded.resolve(key))
        } else {
            let hostNames = Array(Set(loaded.configuration.sites.flatMap(\.hosts) + ["localhost", "127.0.0.1", "::1"]))
                .sorted()
            let (paths, outcome) = try DevCertificates.ensure(
                in: loaded.resolve(tls.devCertificatesDirectory), hostNames: hostNames)
            switch outcome {
            case .created:
                logger.notice("generated a development CA and server certificate", metadata: ["ca": "\(paths.caCertificate)"])
                Console.write(DevCertificates.trustInstructions(for: paths))
            case .renewedServerCertificate:
                logger.notice("renewed the development server certificate", metadata: ["path": "\(paths.certificate)"])
            case .reused:
                break
            }
            fallback = try CertifiedKey.load(certificatePath: paths.certificate, keyPath: paths.privateKey)
        }
        var byHost: [String: CertifiedKey] = [:]
        for site in loaded.configuration.sites {
            guard let certificate = site.certificate, let key = site.privateKey else { continue }
            let pair = try CertifiedKey.load(certificatePath: loaded.resolve(certificate), keyPath: loaded.resolve(key))
            for host in site.hosts { byHost[host.lowercased()] = pair }
        }
        return (fallback, byHost)
    }
}
