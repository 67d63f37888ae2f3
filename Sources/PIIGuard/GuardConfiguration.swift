import GuardProxy

/// `pii-guard.yaml` as written by the operator: listener, TLS, sites, limits, where state and rules live.
///
/// Every field has a safe default except the sites. Unknown keys are errors. Paths are relative to the
/// configuration file's folder. Secrets never appear inline: they come from files or the environment
/// (`env:NAME`, `file:/path`).
public struct GuardConfiguration: Decodable, Sendable {
    public var listen: Listen
    public var tls: TLS
    public var timeouts: Timeouts
    public var limits: Limits
    public var trustedProxies: [String]
    /// Folder for all state: database, keys, outbox, demo accounts. Created at start.
    public var dataDirectory: String
    /// Folder holding `menus.yaml` and the masking rules.
    public var rulesDirectory: String
    public var logging: Logging
    public var secondFactor: SecondFactorConfiguration
    /// `audit:`: retention, checkpoints, auditor roles.
    public var audit: AuditConfiguration
    /// `exports:`: file-password policy, ticket lifetime, size limit.
    public var exports: ExportConfiguration
    /// `store:`: SQLite files in `data_dir` (default) or a PostgreSQL database shared by several guards.
    public var store: StoreConfiguration
    public var sites: [Site]

    public struct Listen: Decodable, Sendable {
        public var host = "127.0.0.1"
        public var port = 8443
        enum CodingKeys: String, CodingKey, CaseIterable { case host, port }
        public init() {}
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.host = try c.decodeIfPresent(String.self, forKey: .host) ?? self.host
            self.port = try c.decodeIfPresent(Int.self, forKey: .port) ?? self.port
            guard (0...65535).contains(self.port) else {
                throw DecodingError.dataCorruptedError(forKey: .port, in: c, debugDescription: "port must be 0–65535")
            }
        }
    }

    public struct TLS: Decodable, Sendable {
        /// Default certificate (PEM, leaf first) and key for sites without their own. Absent: dev certificates.
        public var certificate: String?
        public var privateKey: String?
        /// Where development certificates are generated when no certificate is configured.
        public var devCertificatesDirectory = "certs"
        public var hstsMaxAge = 31_536_000
        enum CodingKeys: String, CodingKey, CaseIterable {
            case certificate, privateKey = "private_key", devCertificatesDirectory = "dev_certificates_dir"
            case hstsMaxAge = "hsts_max_age"
        }
        public init() {}
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.certificate = try c.decodeIfPresent(String.self, forKey: .certificate)
            self.privateKey = try c.decodeIfPresent(String.self, forKey: .privateKey)
            self.devCertificatesDirectory = try c.decodeIfPresent(String.self, forKey: .devCertificatesDirectory)
                ?? self.devCertificatesDirectory
            // 0 turns HSTS off; at most ten years.
            self.hstsMaxAge = try c.integer(.hstsMaxAge, in: 0...315_360_000) ?? self.hstsMaxAge
            if (self.certificate == nil) != (self.privateKey == nil) {
                throw decoder.invalid("set both 'certificate' and 'private_key', or neither (then dev certificates are used)")
            }
        }
    }

    public struct Timeouts: Decodable, Sendable {
        public var values = ProxyTimeouts()
        enum CodingKeys: String, CodingKey, CaseIterable {
            case headerRead = "header_read", idleKeepAlive = "idle_keep_alive", upstreamConnect = "upstream_connect"
            case upstreamFirstByte = "upstream_first_byte", upstreamRead = "upstream_read", shutdownGrace = "shutdown_grace"
        }
        public init() {}
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func read(_ key: CodingKeys, _ current: Duration) throws -> Duration {
                guard let value = try c.decodeIfPresent(ConfigDuration.self, forKey: key)?.duration else { return current }
                guard value > .zero else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be longer than 0")
                }
                return value
            }
            self.values.headerRead = try read(.headerRead, self.values.headerRead)
            self.values.idleKeepAlive = try read(.idleKeepAlive, self.values.idleKeepAlive)
            self.values.upstreamConnect = try read(.upstreamConnect, self.values.upstreamConnect)
            self.values.upstreamFirstByte = try read(.upstreamFirstByte, self.values.upstreamFirstByte)
            self.values.upstreamRead = try read(.upstreamRead, self.values.upstreamRead)
            self.values.shutdownGrace = try read(.shutdownGrace, self.values.shutdownGrace)
        }
    }

    public struct Limits: Decodable, Sendable {
        public var values = ProxyLimits()
        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxHeaderBytes = "max_header_size", maxRequestBody = "max_request_body"
            case upstreamConnectionsPerHost = "upstream_connections_per_host"
            case maxWebSocketMessage = "max_websocket_message"
        }
        public init() {}
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let size = try c.decodeIfPresent(ByteSize.self, forKey: .maxHeaderBytes) {
                guard size.bytes >= 1024, size.bytes <= 1 << 20 else {
                    throw DecodingError.dataCorruptedError(forKey: .maxHeaderBytes, in: c,
                                                           debugDescription: "must be between 1KiB and 1MiB")
                }
                self.values.maxHeaderBytes = Int(size.bytes)
            }
            if let size = try c.decodeIfPresent(ByteSize.self, forKey: .maxRequestBody) {
                self.values.maxRequestBodyBytes = size.bytes
            }
            if let count = try c.positive(.upstreamConnectionsPerHost, atMost: 10_000) {
                self.values.upstreamConnectionsPerHost = count
            }
            if let size = try c.decodeIfPresent(ByteSize.self, forKey: .maxWebSocketMessage) {
                // NIO's frame decoder stops the process on a limit above 4 GiB; a message that large is no chat.
                guard size.bytes >= 1024, size.bytes <= 1 << 30 else {
                    throw DecodingError.dataCorruptedError(forKey: .maxWebSocketMessage, in: c,
                                                           debugDescription: "must be between 1KiB and 1GiB")
                }
                self.values.maxWebSocketMessageBytes = Int(size.bytes)
            }
        }
    }

    public struct Logging: Decodable, Sendable {
        public var level = "info"
        enum CodingKeys: String, CodingKey, CaseIterable { case level }
        public init() {}
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.level = try c.decodeIfPresent(String.self, forKey: .level) ?? self.level
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(self.level) else {
                throw DecodingError.dataCorruptedError(forKey: .level, in: c,
                    debugDescription: "'\(self.level)' is not a level; use one of \(levels.joined(separator: ", "))")
            }
        }
    }

    /// One admin system behind the guard.
    public struct Site: Decodable, Sendable {
        public var name: String
        public var hosts: [String]
        public var upstream: String
        public var certificate: String?
        public var privateKey: String?
        /// Ids of the menus from `rules/menus.yaml` that this site serves.
        public var menus: [String]
        /// Where the guard learns who is logged in.
        public var identity: IdentityConfiguration
        /// How the admin reads paths (`paths: {case_insensitive: true, allow_parameters: true}`), which the guard's
        /// canonical request target must follow. Both off by default.
        public var paths: PathReading
        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, hosts, upstream, certificate, privateKey = "private_key", menus, identity, paths
        }
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.name = try c.decode(String.self, forKey: .name)
            self.hosts = try c.decode([String].self, forKey: .hosts)
            self.upstream = try c.decode(String.self, forKey: .upstream)
            self.certificate = try c.decodeIfPresent(String.self, forKey: .certificate)
            self.privateKey = try c.decodeIfPresent(String.self, forKey: .privateKey)
            self.menus = try c.decodeIfPresent([String].self, forKey: .menus) ?? []
            self.identity = try c.decodeIfPresent(IdentityConfiguration.self, forKey: .identity) ?? IdentityConfiguration()
            self.paths = try c.decodeIfPresent(PathReading.self, forKey: .paths) ?? PathReading()
            guard !self.hosts.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .hosts, in: c, debugDescription: "list at least one host name")
            }
            do {
                _ = try UpstreamOrigin(url: self.upstream)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .upstream, in: c, debugDescription: error.description)
            }
            if (self.certificate == nil) != (self.privateKey == nil) {
                throw decoder.invalid("set both 'certificate' and 'private_key' for this site, or neither")
            }
        }
    }

    /// A site's `paths:` section.
    public struct PathReading: Decodable, Sendable {
        /// The admin ignores the case of paths (IIS and some Windows-hosted admins): the guard lower-cases them.
        public var caseInsensitive = false
        /// The admin keeps `;` parameters in path segments as data (it does not strip them before routing, as Tomcat
        /// and Spring do); otherwise a `;` in a path is refused.
        public var allowParameters = false
        enum CodingKeys: String, CodingKey, CaseIterable {
            case caseInsensitive = "case_insensitive", allowParameters = "allow_parameters"
        }
        public init() {}
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.caseInsensitive = try c.decodeIfPresent(Bool.self, forKey: .caseInsensitive) ?? false
            self.allowParameters = try c.decodeIfPresent(Bool.self, forKey: .allowParameters) ?? false
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, tls, timeouts, limits, trustedProxies = "trusted_proxies", dataDirectory = "data_dir"
        case rulesDirectory = "rules_dir", logging, secondFactor = "second_factor", audit, exports, store, sites
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.listen = try c.decodeIfPresent(Listen.self, forKey: .listen) ?? Listen()
        self.tls = try c.decodeIfPresent(TLS.self, forKey: .tls) ?? TLS()
        self.timeouts = try c.decodeIfPresent(Timeouts.self, forKey: .timeouts) ?? Timeouts()
        self.limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? Limits()
        self.trustedProxies = try c.decodeIfPresent([String].self, forKey: .trustedProxies) ?? []
        for (index, entry) in self.trustedProxies.enumerated() where IPAddressRange(entry) == nil {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [CodingKeys.trustedProxies, AnyCodingKey(intValue: index)!],
                debugDescription: "'\(entry)' is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1)"))
        }
        self.dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? "data"
        self.rulesDirectory = try c.decodeIfPresent(String.self, forKey: .rulesDirectory) ?? "rules"
        self.logging = try c.decodeIfPresent(Logging.self, forKey: .logging) ?? Logging()
        self.secondFactor = try c.decodeIfPresent(SecondFactorConfiguration.self, forKey: .secondFactor)
            ?? SecondFactorConfiguration()
        self.audit = try c.decodeIfPresent(AuditConfiguration.self, forKey: .audit) ?? AuditConfiguration()
        self.exports = try c.decodeIfPresent(ExportConfiguration.self, forKey: .exports) ?? ExportConfiguration()
        self.store = try c.decodeIfPresent(StoreConfiguration.self, forKey: .store) ?? StoreConfiguration()
        self.sites = try c.decode([Site].self, forKey: .sites)
        guard !self.sites.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .sites, in: c, debugDescription: "list at least one site")
        }
        var seenNames = Set<String>()
        var seenHosts = [String: String]()
        for (index, site) in self.sites.enumerated() {
            let path = decoder.codingPath + [CodingKeys.sites, AnyCodingKey(intValue: index)!]
            if !seenNames.insert(site.name).inserted {
                throw DecodingError.dataCorrupted(.init(codingPath: path + [Site.CodingKeys.name],
                                                        debugDescription: "site name '\(site.name)' is used twice"))
            }
            for host in site.hosts {
                if let other = seenHosts[host.lowercased()] {
                    throw DecodingError.dataCorrupted(.init(codingPath: path + [Site.CodingKeys.hosts],
                        debugDescription: "host '\(host)' is already served by site '\(other)'"))
                }
                seenHosts[host.lowercased()] = site.name
            }
        }
    }
}
