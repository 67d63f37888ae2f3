import Foundation
import GuardStorePostgres
import MessageGateway

/// `store:` in `pii-guard.yaml`: where the guard keeps its records (proofs, codes, lockouts, export tickets) and the
/// access-record chain.
///
/// `sqlite` (the default) keeps them in files under `data_dir`: one guard, nothing to run beside it. `postgres` keeps
/// them in one PostgreSQL database that several guards behind a load balancer share, so they act as one: a proof
/// earned through one is honoured by the others, a lockout counts attempts made on all of them, and the access
/// records stay one verifiable chain. The password is never written inline: `env:NAME` or `file:/path`, like every
/// other secret in the file.
public struct StoreConfiguration: Decodable, Sendable {
    public enum Backend: String, Sendable, CaseIterable {
        case sqlite
        case postgres
    }

    public var backend: Backend = .sqlite
    /// Set when `backend` is `postgres`.
    public var postgres: PostgresSettings?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case backend, postgres
    }

    enum PostgresKeys: String, CodingKey, CaseIterable {
        case url, host, port, database, user, password, tls, caFile = "ca_file", maxConnections = "max_connections"
        case connectTimeout = "connect_timeout", operationTimeout = "operation_timeout"
        case applicationName = "application_name"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let backendText = try c.decodeIfPresent(String.self, forKey: .backend) ?? Backend.sqlite.rawValue
        guard let backend = Backend(rawValue: backendText) else {
            throw DecodingError.dataCorruptedError(forKey: .backend, in: c,
                debugDescription: "'\(backendText)' is not one of sqlite, postgres")
        }
        self.backend = backend
        guard c.contains(.postgres) else {
            if backend == .postgres {
                throw DecodingError.dataCorruptedError(forKey: .postgres, in: c, debugDescription: """
                    backend postgres needs a 'postgres:' section (host, port, database, user, password: env:NAME)
                    """)
            }
            return
        }
        let section = try c.superDecoder(forKey: .postgres)
        try section.rejectUnknownKeys(PostgresKeys.self)
        let p = try section.container(keyedBy: PostgresKeys.self)
        var settings = PostgresSettings()
        if let url = try p.decodeIfPresent(String.self, forKey: .url) {
            let resolved = try Self.secret(url, p, .url, what: "the URL")
            do {
                settings = try PostgresSettings.parse(url: resolved)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .url, in: p, debugDescription: error.description)
            }
            if !url.hasPrefix("env:"), !url.hasPrefix("file:"), settings.password != nil {
                throw DecodingError.dataCorruptedError(forKey: .url, in: p, debugDescription: """
                    this URL holds a password: write it as env:NAME or file:/path, or give the password on its own \
                    ('password: env:NAME')
                    """)
            }
        }
        settings.host = try p.decodeIfPresent(String.self, forKey: .host) ?? settings.host
        settings.port = try p.decodeIfPresent(Int.self, forKey: .port) ?? settings.port
        guard (1...65535).contains(settings.port) else {
            throw DecodingError.dataCorruptedError(forKey: .port, in: p, debugDescription: "must be a TCP port (1–65535)")
        }
        settings.database = try p.decodeIfPresent(String.self, forKey: .database) ?? settings.database
        settings.user = try p.decodeIfPresent(String.self, forKey: .user) ?? settings.user
        if let written = try p.decodeIfPresent(String.self, forKey: .password) {
            guard written.hasPrefix("env:") || written.hasPrefix("file:") else {
                throw DecodingError.dataCorruptedError(forKey: .password, in: p,
                    debugDescription: "write the password as env:NAME or file:/path, never inline")
            }
            settings.password = try Self.secret(written, p, .password, what: "the password")
        }
        if let tls = try p.decodeIfPresent(String.self, forKey: .tls) {
            guard let mode = PostgresSettings.TLSMode(rawValue: tls) else {
                throw DecodingError.dataCorruptedError(forKey: .tls, in: p,
                    debugDescription: "'\(tls)' is not one of disable, prefer, require")
            }
            settings.tls = mode
        }
        settings.caFile = try p.decodeIfPresent(String.self, forKey: .caFile) ?? settings.caFile
        if settings.caFile != nil, settings.tls != .require {
            throw DecodingError.dataCorruptedError(forKey: .caFile, in: p,
                debugDescription: "a CA file is used only with 'tls: require'")
        }
        settings.maxConnections = try p.decodeIfPresent(Int.self, forKey: .maxConnections) ?? settings.maxConnections
        guard (1...500).contains(settings.maxConnections) else {
            throw DecodingError.dataCorruptedError(forKey: .maxConnections, in: p, debugDescription: "must be 1–500")
        }
        settings.connectTimeout = try p.duration(.connectTimeout) ?? settings.connectTimeout
        settings.operationTimeout = try p.duration(.operationTimeout) ?? settings.operationTimeout
        guard settings.operationTimeout >= .milliseconds(100), settings.connectTimeout >= .milliseconds(100) else {
            throw decoder.invalid("timeouts must be at least 100ms")
        }
        settings.applicationName = try p.decodeIfPresent(String.self, forKey: .applicationName) ?? settings.applicationName
        self.postgres = settings
        if backend == .sqlite {
            throw DecodingError.dataCorruptedError(forKey: .postgres, in: c, debugDescription: """
                a 'postgres:' section is given but the backend is sqlite: set 'backend: postgres' to use it, or remove it
                """)
        }
    }

    static func secret(_ written: String, _ container: KeyedDecodingContainer<PostgresKeys>, _ key: PostgresKeys,
                       what: String) throws -> String {
        do {
            return try GatewayConfiguration.resolveSecret(written)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(what): \(error.description)")
        }
    }
}
