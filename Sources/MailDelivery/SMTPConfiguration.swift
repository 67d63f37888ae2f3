/// Where and how e-mail leaves: an SMTP server, its transport security and credentials.
///
/// Emergency codes and change notices go by e-mail. Credentials are only ever sent inside TLS (STARTTLS or
/// implicit TLS); a configuration that would send them in clear is refused before any connection.
public struct SMTPConfiguration: Sendable, Equatable {
    public enum Security: String, Sendable, Equatable, CaseIterable {
        /// Plain SMTP (a local relay on loopback, a test server). No credentials allowed.
        case none
        /// Connect in clear, then upgrade with STARTTLS (RFC 3207) before anything else; refuse servers without it.
        case startTLS = "starttls"
        /// TLS from the first byte (RFC 8314, usually port 465).
        case implicitTLS = "tls"
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name we greet with (EHLO).
    public var heloName: String
    /// The whole conversation, connect to QUIT.
    public var timeout: Duration
    /// PEM file of CA certificates to trust instead of the system's (a private relay, the tests' dev CA).
    public var trustRootsFile: String?

    public init(host: String, port: Int, security: Security = .startTLS, username: String? = nil,
                password: String? = nil, heloName: String = "pii-guard.localdomain",
                timeout: Duration = .seconds(20), trustRootsFile: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.timeout = timeout
        self.trustRootsFile = trustRootsFile
    }

    /// Problems that need no connection to find.
    public func validate() throws(SMTPError) {
        if self.username != nil || self.password != nil {
            guard self.security != .none else {
                throw SMTPError(.configuration, "credentials are only sent over TLS: set security to starttls or tls")
            }
            guard self.username != nil, self.password != nil else {
                throw SMTPError(.configuration, "set both the SMTP username and password, or neither")
            }
        }
        guard (1...65535).contains(self.port) else { throw SMTPError(.configuration, "port \(self.port) is not 1–65535") }
    }
}

/// Why a message could not be sent. Carries the stage and the server's reply code — never the server's reply text,
/// which often repeats the recipient's address (personal data that must not reach our logs).
public struct SMTPError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Stage: String, Sendable {
        case configuration, connect, tls, greeting, hello, startTLS = "starttls", authentication, sender, recipient
        case data, timeout, protocolError = "protocol"
    }

    public let stage: Stage
    /// The SMTP reply code, when the server answered.
    public let code: Int?
    public let detail: String

    public init(_ stage: Stage, _ detail: String, code: Int? = nil) {
        self.stage = stage
        self.detail = detail
        self.code = code
    }

    public var description: String {
        "SMTP \(self.stage.rawValue) failed" + (self.code.map { " (\($0))" } ?? "") + ": \(self.detail)"
    }

    /// True when trying again later may help (4xx replies, timeouts, connection failures).
    public var isTransient: Bool {
        if let code { return (400..<500).contains(code) }
        return self.stage == .timeout || self.stage == .connect
    }
}
