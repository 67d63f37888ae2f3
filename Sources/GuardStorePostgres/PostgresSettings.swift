import GuardStore
import Foundation

/// Where the shared PostgreSQL database is and how to talk to it: a value the configuration fills in.
///
/// It exists apart from the client so configuration, tests and the CLI can build, compare and print it without a
/// connection. The password is carried but never printed: `description` and `target` leave it out, so an error or a
/// log line naming the database can never show it.
public struct PostgresSettings: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is protected.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP: only on loopback or a private network the operator trusts.
        case disable
        /// TLS when the server offers it, plain otherwise.
        case prefer
        /// TLS, with the server's certificate checked against the system's or `caFile`'s roots and its name.
        case require
    }

    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    /// nil: no password (trust or peer authentication).
    public var password: String?
    public var tls: TLSMode
    /// PEM roots to check the server's certificate with (`require`); nil: the system's.
    public var caFile: String?
    /// Most connections this guard opens (the pool's ceiling).
    public var maxConnections: Int
    /// How long a new connection may take before the database counts as unreachable.
    public var connectTimeout: Duration
    /// How long one store operation (waiting for a connection, the statements, the commit) may take before it fails
    /// as `.unavailable`: a request on a protected menu then gets its 503 page instead of hanging.
    public var operationTimeout: Duration
    /// Shown in `pg_stat_activity`, so a DBA sees which guard holds a connection.
    public var applicationName: String

    public init(host: String = "127.0.0.1", port: Int = 5432, database: String = "pii_guard", user: String = "pii_guard",
                password: String? = nil, tls: TLSMode = .prefer, caFile: String? = nil, maxConnections: Int = 10,
                connectTimeout: Duration = .seconds(3), operationTimeout: Duration = .seconds(5),
                applicationName: String = "pii-guard") {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.tls = tls
        self.caFile = caFile
        self.maxConnections = maxConnections
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.applicationName = applicationName
    }

    /// `postgres://user@host:port/database`, without the password: how errors and logs name the database.
    public var target: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "postgres://\(self.user)@\(host):\(self.port)/\(self.database)"
    }

    public var description: String { self.target + " (tls: \(self.tls.rawValue))" }

    /// Reads `postgres://user:password@host:port/database?sslmode=…` (what `psql` and most tools accept).
    /// Percent-escapes in the user and password are decoded. Throws a message naming the part that is wrong
    /// (never echoing the password).
    public static func parse(url text: String) throws(PostgresSettingsError) -> PostgresSettings {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else { throw PostgresSettingsError("the database URL must look like postgres://user:password@host:5432/database") }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresSettingsError("the database URL names no host (postgres://user@HOST:5432/database)")
        }
        var settings = PostgresSettings(host: host)
        if let port = components.port { settings.port = port }
        if let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty { settings.user = user }
        if let password = components.percentEncodedPassword?.removingPercentEncoding { settings.password = password }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if !path.isEmpty { settings.database = path }
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            switch item.value ?? "" {
            case "disable": settings.tls = .disable
            case "prefer", "allow": settings.tls = .prefer
            case "require", "verify-ca", "verify-full": settings.tls = .require
            default: throw PostgresSettingsError("sslmode '\(item.value ?? "")' is not one of disable, prefer, require")
            }
        }
        return settings
    }
}

/// A database URL or setting that cannot be used, with what to fix.
public struct PostgresSettingsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
