import Foundation
import GuardProxy
import MailDelivery
import MessageGateway

/// The `second_factor:` section of `pii-guard.yaml`: proof lifetimes, lockout, code channels.
///
/// Defaults follow the Korean rules' usual practice (30 minutes idle, a 12-hour cycle, 5 tries in 30 minutes lock
/// for 2 hours). Channel credentials are written as `env:NAME` or `file:/path` and resolved while the file is read,
/// so `pii-guard config check` already says when one is missing; an inline password is refused.
public struct SecondFactorConfiguration: Decodable, Sendable {
    public var enabled = true
    /// The name authenticator apps show next to the account.
    public var issuer = "pii-guard"
    public var idleTimeout: Duration = .seconds(30 * 60)
    public var cycle: Duration = .seconds(12 * 3600)
    /// On a shared account only the latest proof stays valid.
    public var latestOnly = true
    public var codeValidity: Duration = .seconds(180)
    public var lockout = Lockout()
    /// Codes are kept in memory and shown at `/__guard/dev/outbox` and on the terminal. For the demo only.
    public var devOutbox = false
    /// Send the verified account upstream as signed `X-PII-Guard-*` headers.
    public var identityHeaders = true
    public var channels = Channels()

    public struct Lockout: Decodable, Sendable {
        public var maxFailures = 5
        public var maxSends = 5
        public var window: Duration = .seconds(30 * 60)
        public var duration: Duration = .seconds(2 * 3600)
        /// Per client address, across accounts; default: the account's numbers.
        public var ipMaxFailures: Int?
        public var ipMaxSends: Int?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxFailures = "max_failures", maxSends = "max_sends", window, duration
            case ipMaxFailures = "ip_max_failures", ipMaxSends = "ip_max_sends"
        }
        public init() {}
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.maxFailures = try c.positive(.maxFailures, atMost: 1000) ?? self.maxFailures
            self.maxSends = try c.positive(.maxSends, atMost: 1000) ?? self.maxSends
            self.window = try c.duration(.window) ?? self.window
            self.duration = try c.duration(.duration) ?? self.duration
            self.ipMaxFailures = try c.positive(.ipMaxFailures, atMost: 100_000)
            self.ipMaxSends = try c.positive(.ipMaxSends, atMost: 100_000)
        }
    }

    public struct Channels: Decodable, Sendable {
        public var sms: Gateway?
        public var messenger: Gateway?
        public var email: Email?
        enum CodingKeys: String, CodingKey, CaseIterable { case sms, messenger, email }
        public init() {}
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.sms = try c.decodeIfPresent(Gateway.self, forKey: .sms)
            self.messenger = try c.decodeIfPresent(Gateway.self, forKey: .messenger)
            self.email = try c.decodeIfPresent(Email.self, forKey: .email)
        }
    }

    /// An SMS or messenger HTTP gateway.
    public struct Gateway: Decodable, Sendable {
        public var configuration: GatewayConfiguration
        enum CodingKeys: String, CodingKey, CaseIterable {
            case url, method, headers, body, timeout, retries
            case undeliverableStatuses = "undeliverable_statuses", resultField = "result_field"
            case undeliverableValues = "undeliverable_values"
        }
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let url = try c.decode(String.self, forKey: .url)
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw DecodingError.dataCorruptedError(forKey: .url, in: c,
                                                       debugDescription: "'\(url)' is not an http(s) URL")
            }
            let method = try c.decodeIfPresent(String.self, forKey: .method)?.uppercased() ?? "POST"
            guard ["POST", "PUT", "GET"].contains(method) else {
                throw DecodingError.dataCorruptedError(forKey: .method, in: c, debugDescription: "use POST, PUT or GET")
            }
            var headers: [(String, String)] = []
            if c.contains(.headers) {
                let nested = try c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .headers)
                for key in nested.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                    let written = try nested.decode(String.self, forKey: key)
                    do {
                        headers.append((key.stringValue, try GatewayConfiguration.resolveSecret(written)))
                    } catch {
                        throw DecodingError.dataCorruptedError(forKey: key, in: nested, debugDescription: error.description)
                    }
                }
            }
            let body = try c.decode(String.self, forKey: .body)
            let template: GatewayTemplate
            do {
                template = try GatewayTemplate(body)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .body, in: c, debugDescription: error.description)
            }
            let timeout = try c.duration(.timeout) ?? .seconds(5)
            let retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? 1
            guard (0...3).contains(retries) else {
                throw DecodingError.dataCorruptedError(forKey: .retries, in: c, debugDescription: "must be 0–3")
            }
            self.configuration = GatewayConfiguration(
                url: url, method: method, headers: headers, template: template, timeout: timeout, retries: retries,
                undeliverableStatuses: try SecondFactorConfiguration.statuses(c),
                resultField: try c.decodeIfPresent(String.self, forKey: .resultField),
                undeliverableValues: Set(try c.decodeIfPresent([String].self, forKey: .undeliverableValues) ?? []))
        }
    }

    /// HTTP status codes (100–599) that mean "this recipient cannot receive".
    static func statuses(_ c: KeyedDecodingContainer<Gateway.CodingKeys>) throws -> Set<Int> {
        guard c.contains(.undeliverableStatuses) else { return [] }
        var list = try c.nestedUnkeyedContainer(forKey: .undeliverableStatuses)
        var statuses: Set<Int> = []
        while !list.isAtEnd {
            let status = try list.decode(Int.self)
            guard (100...599).contains(status) else {
                throw DecodingError.dataCorruptedError(in: list, debugDescription: "\(status) is not an HTTP status (100–599)")
            }
            statuses.insert(status)
        }
        return statuses
    }

    /// SMTP for emergency codes and change notices.
    public struct Email: Decodable, Sendable {
        public var smtp: SMTPConfiguration
        public var from: String
        public var fromName: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, port, security, username, password, from, fromName = "from_name", helo, timeout
            case trustRoots = "trust_roots"
        }
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let securityText = try c.decodeIfPresent(String.self, forKey: .security) ?? "starttls"
            guard let security = SMTPConfiguration.Security(rawValue: securityText) else {
                throw DecodingError.dataCorruptedError(forKey: .security, in: c,
                    debugDescription: "'\(securityText)' is not one of none, starttls, tls")
            }
            var password: String? = nil
            if let written = try c.decodeIfPresent(String.self, forKey: .password) {
                guard written.hasPrefix("env:") || written.hasPrefix("file:") else {
                    throw DecodingError.dataCorruptedError(forKey: .password, in: c,
                        debugDescription: "write the password as env:NAME or file:/path, never inline")
                }
                do {
                    password = try GatewayConfiguration.resolveSecret(written)
                } catch {
                    throw DecodingError.dataCorruptedError(forKey: .password, in: c, debugDescription: error.description)
                }
            }
            self.smtp = SMTPConfiguration(
                host: try c.decode(String.self, forKey: .host),
                port: try c.integer(.port, in: 1...65535) ?? (security == .implicitTLS ? 465 : 587),
                security: security,
                username: try c.decodeIfPresent(String.self, forKey: .username),
                password: password,
                heloName: try c.decodeIfPresent(String.self, forKey: .helo) ?? "pii-guard.localdomain",
                timeout: try c.duration(.timeout) ?? .seconds(20),
                trustRootsFile: try c.decodeIfPresent(String.self, forKey: .trustRoots))
            do {
                try self.smtp.validate()
            } catch {
                throw decoder.invalid(error.description)
            }
            self.from = try c.decode(String.self, forKey: .from)
            guard self.from.contains("@") else {
                throw DecodingError.dataCorruptedError(forKey: .from, in: c, debugDescription: "'\(self.from)' is not an e-mail address")
            }
            self.fromName = try c.decodeIfPresent(String.self, forKey: .fromName)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, issuer, idleTimeout = "idle_timeout", cycle, latestOnly = "latest_only"
        case codeValidity = "code_validity", lockout, devOutbox = "dev_outbox", identityHeaders = "identity_headers"
        case channels
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? self.enabled
        self.issuer = try c.decodeIfPresent(String.self, forKey: .issuer) ?? self.issuer
        self.idleTimeout = try c.duration(.idleTimeout) ?? self.idleTimeout
        self.cycle = try c.duration(.cycle) ?? self.cycle
        self.latestOnly = try c.decodeIfPresent(Bool.self, forKey: .latestOnly) ?? self.latestOnly
        self.codeValidity = try c.duration(.codeValidity) ?? self.codeValidity
        guard self.codeValidity >= .seconds(60), self.codeValidity <= .seconds(600) else {
            throw DecodingError.dataCorruptedError(forKey: .codeValidity, in: c,
                                                   debugDescription: "codes must stay valid between 1m and 10m")
        }
        guard self.cycle >= .seconds(10 * 60) else {
            throw DecodingError.dataCorruptedError(forKey: .cycle, in: c, debugDescription: "the cycle must be at least 10m")
        }
        self.lockout = try c.decodeIfPresent(Lockout.self, forKey: .lockout) ?? self.lockout
        self.devOutbox = try c.decodeIfPresent(Bool.self, forKey: .devOutbox) ?? self.devOutbox
        self.identityHeaders = try c.decodeIfPresent(Bool.self, forKey: .identityHeaders) ?? self.identityHeaders
        self.channels = try c.decodeIfPresent(Channels.self, forKey: .channels) ?? self.channels
    }
}

/// Where a site learns who is logged in (DESIGN.md, "Identity").
public struct IdentityConfiguration: Decodable, Sendable {
    public enum Source: String, Sendable { case upstream, trustedHeader = "trusted_header" }
    public var source: Source = .upstream
    public var path = "/api/me"
    public var accountField = "account"
    public var rolesField = "roles"
    public var emailField = "email"
    public var cache: Duration = .seconds(5)
    public var accountHeader: String?
    public var rolesHeader: String?
    public var emailHeader: String?
    public var trustedPeers: [IPAddressRange] = []

    enum CodingKeys: String, CodingKey, CaseIterable {
        case source, path, accountField = "account_field", rolesField = "roles_field", emailField = "email_field"
        case cache, accountHeader = "account_header", rolesHeader = "roles_header", emailHeader = "email_header"
        case trustedPeers = "trusted_peers"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let sourceText = try c.decodeIfPresent(String.self, forKey: .source) ?? "upstream"
        guard let source = Source(rawValue: sourceText) else {
            throw DecodingError.dataCorruptedError(forKey: .source, in: c,
                debugDescription: "'\(sourceText)' is not a source; use upstream or trusted_header")
        }
        self.source = source
        self.path = try c.decodeIfPresent(String.self, forKey: .path) ?? self.path
        guard self.path.hasPrefix("/") else {
            throw DecodingError.dataCorruptedError(forKey: .path, in: c, debugDescription: "write a path starting with /")
        }
        self.accountField = try c.decodeIfPresent(String.self, forKey: .accountField) ?? self.accountField
        self.rolesField = try c.decodeIfPresent(String.self, forKey: .rolesField) ?? self.rolesField
        self.emailField = try c.decodeIfPresent(String.self, forKey: .emailField) ?? self.emailField
        self.cache = try c.duration(.cache) ?? self.cache
        self.accountHeader = try c.decodeIfPresent(String.self, forKey: .accountHeader)
        self.rolesHeader = try c.decodeIfPresent(String.self, forKey: .rolesHeader)
        self.emailHeader = try c.decodeIfPresent(String.self, forKey: .emailHeader)
        let peers = try c.decodeIfPresent([String].self, forKey: .trustedPeers) ?? []
        for (index, entry) in peers.enumerated() {
            guard let range = IPAddressRange(entry) else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath + [CodingKeys.trustedPeers, AnyCodingKey(intValue: index)!],
                    debugDescription: "'\(entry)' is not an IP address or CIDR range"))
            }
            self.trustedPeers.append(range)
        }
        if source == .trustedHeader {
            guard self.accountHeader != nil else {
                throw decoder.invalid("source trusted_header needs 'account_header' (the header your SSO proxy sets)")
            }
            guard !self.trustedPeers.isEmpty else {
                throw decoder.invalid("source trusted_header needs 'trusted_peers': the addresses of the SSO proxy")
            }
        }
    }
}

extension KeyedDecodingContainer {
    /// A duration field, if present; must be longer than zero.
    func duration(_ key: Key) throws -> Duration? {
        guard let value = try self.decodeIfPresent(ConfigDuration.self, forKey: key)?.duration else { return nil }
        guard value > .zero else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be longer than 0")
        }
        return value
    }

    /// A count field, if present; must be at least 1 and at most `atMost` (checked here, before any arithmetic).
    func positive(_ key: Key, atMost: Int = 1_000_000) throws -> Int? {
        try self.integer(key, in: 1...atMost)
    }

    /// A whole number, if present, within `range`; otherwise an error naming the field and the range.
    func integer(_ key: Key, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = try self.decodeIfPresent(Int.self, forKey: key) else { return nil }
        guard range.contains(value) else {
            let text = range.lowerBound == 1 && value < 1
                ? "must be at least 1" : "must be \(range.lowerBound)–\(range.upperBound)"
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: text)
        }
        return value
    }
}
