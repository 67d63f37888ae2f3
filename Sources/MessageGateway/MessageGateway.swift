import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// How to reach one SMS or messenger (알림톡-style) gateway over HTTP.
///
/// Providers differ in URL, headers and body; operators describe theirs in `pii-guard.yaml`. Credentials are never
/// written inline: a header value `env:NAME` is read from the environment, `file:/path` from a file, at load.
public struct GatewayConfiguration: Sendable {
    public var url: String
    public var method: String
    /// Header name → value, with credentials already resolved (see `resolveSecret`).
    public var headers: [(String, String)]
    public var template: GatewayTemplate
    public var timeout: Duration
    /// Attempts after the first, on timeouts, connection failures and 5xx answers (never on 4xx).
    public var retries: Int
    /// HTTP statuses that mean "this recipient cannot get messages here" (number changed, not a messenger user).
    public var undeliverableStatuses: Set<Int>
    /// A top-level JSON field of a 2xx answer, and the values of it that mean the same.
    public var resultField: String?
    public var undeliverableValues: Set<String>

    public init(url: String, method: String = "POST", headers: [(String, String)] = [], template: GatewayTemplate,
                timeout: Duration = .seconds(5), retries: Int = 1, undeliverableStatuses: Set<Int> = [],
                resultField: String? = nil, undeliverableValues: Set<String> = []) {
        self.url = url
        self.method = method
        self.headers = headers
        self.template = template
        self.timeout = timeout
        self.retries = retries
        self.undeliverableStatuses = undeliverableStatuses
        self.resultField = resultField
        self.undeliverableValues = undeliverableValues
    }

    /// `env:NAME` → the variable's value, `file:/path` → the file's first line, anything else as written.
    public static func resolveSecret(_ value: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(GatewayError) -> String
    {
        if value.hasPrefix("env:") {
            let name = String(value.dropFirst(4))
            guard let resolved = environment[name], !resolved.isEmpty else {
                throw GatewayError("the environment variable \(name) is not set")
            }
            return resolved
        }
        if value.hasPrefix("file:") {
            let path = String(value.dropFirst(5))
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty
            else { throw GatewayError("cannot read a secret from the file '\(path)'") }
            return String(line)
        }
        return value
    }
}

/// What became of one message; never holds the code.
public enum DeliveryResult: Sendable, Equatable {
    /// The gateway accepted it (status of the last attempt, attempts made).
    case accepted(status: Int, attempts: Int)
    /// The gateway says this recipient cannot get it (fall back to the emergency e-mail and tell the user why).
    case undeliverable(status: Int, reason: String)
    /// It could not be handed over at all.
    case failed(reason: String, attempts: Int)
}

/// Hands codes to an HTTP gateway: renders the body, sends with a timeout, retries once on transient failures.
///
/// Logs and results carry statuses and reasons, never the phone number, the body or the code.
public struct MessageGateway: Sendable {
    public let configuration: GatewayConfiguration
    let client: HTTPClient
    let logger: Logger

    public init(configuration: GatewayConfiguration, client: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    public func send(phone: String, code: String, minutes: Int) async -> DeliveryResult {
        let body = self.configuration.template.render(phone: phone, code: code, minutes: minutes)
        var attempts = 0
        var lastReason = "not attempted"
        while attempts <= self.configuration.retries {
            attempts += 1
            var request = HTTPClientRequest(url: self.configuration.url)
            request.method = HTTPMethod(rawValue: self.configuration.method)
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            for (name, value) in self.configuration.headers { request.headers.replaceOrAdd(name: name, value: value) }
            request.body = .bytes(ByteBuffer(string: body))
            do {
                let response = try await self.client.execute(request, timeout: self.configuration.timeout.timeAmount)
                let status = Int(response.status.code)
                let answer = try await response.body.collect(upTo: 64 * 1024)
                if self.configuration.undeliverableStatuses.contains(status) {
                    return self.undeliverable(status: status, reason: "status \(status)")
                }
                if (200..<300).contains(status) {
                    if let field = self.configuration.resultField,
                        let json = try? JSONSerialization.jsonObject(with: Data(answer.readableBytesView)) as? [String: Any],
                        let value = json[field].map({ "\($0)" }), self.configuration.undeliverableValues.contains(value)
                    {
                        return self.undeliverable(status: status, reason: "\(field)=\(value)")
                    }
                    self.logger.info("code handed to the gateway", metadata: ["status": "\(status)", "attempts": "\(attempts)"])
                    return .accepted(status: status, attempts: attempts)
                }
                lastReason = "status \(status)"
                guard status >= 500 else { break }  // 4xx: our request is wrong; repeating it will not help
            } catch {
                lastReason = (error as? HTTPClientError).map { "\($0)" } ?? "\(type(of: error))"
            }
        }
        self.logger.warning("gateway did not take the code", metadata: ["reason": "\(lastReason)", "attempts": "\(attempts)"])
        return .failed(reason: lastReason, attempts: attempts)
    }

    private func undeliverable(status: Int, reason: String) -> DeliveryResult {
        self.logger.notice("gateway cannot deliver to this recipient", metadata: ["reason": "\(reason)"])
        return .undeliverable(status: status, reason: reason)
    }
}

public struct GatewayError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = self.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
