import AsyncHTTPClient
import Crypto
import Foundation
import GuardProxy
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Who is logged in to the admin, as far as the guard needs to know: the account, its roles, its e-mail.
public struct Identity: Sendable, Equatable, Codable {
    public let account: String
    public let roles: [String]
    public let email: String?

    public init(account: String, roles: [String], email: String?) {
        self.account = account
        self.roles = roles
        self.email = email
    }
}

/// Where the guard learns the account. The guard does not replace the admin's login; it asks.
public enum IdentitySource: Sendable, Equatable {
    /// The admin's who-am-I endpoint, called with the browser's cookies; fields are dotted JSON paths.
    case upstream(path: String, accountField: String, rolesField: String, emailField: String, cacheTTL: Duration)
    /// A header set by an SSO proxy in front, believed only from `trustedPeers`.
    case trustedHeader(accountHeader: String, rolesHeader: String?, emailHeader: String?, trustedPeers: [IPAddressRange])

    /// The demo admin's `GET /api/me`, cached for 5 seconds.
    public static let demoDefault = IdentitySource.upstream(
        path: "/api/me", accountField: "account", rolesField: "roles", emailField: "email", cacheTTL: .seconds(5))
}

/// What the resolver found out.
public enum IdentityResult: Sendable, Equatable {
    case known(Identity)
    /// Not logged in to the admin: the admin's own login page must work, so the request passes.
    case anonymous
    /// The answer could not be had (admin down, unexpected answer): protected menus must fail closed.
    case unavailable(reason: String)
}

/// Learns the account behind a request, from the admin's who-am-I endpoint or a trusted SSO header.
///
/// Answers of the endpoint are cached for a few seconds per session (keyed by a hash of the Cookie header, so the
/// cache holds no cookie), because every protected request needs the account and the admin should not see one
/// extra call per request. The cache is bounded. Logs carry outcomes, never the account or cookies.
public final class IdentityResolver: Sendable {
    public let source: IdentitySource
    let client: HTTPClient
    let upstream: UpstreamOrigin
    let logger: Logger
    private let cache = Mutex<[String: (result: IdentityResult, until: ContinuousClock.Instant)]>([:])
    static let cacheLimit = 10_000

    /// - Parameter client: the guard's upstream client (`UpstreamClient.http`), so a down admin fails at once.
    public init(source: IdentitySource, upstream: UpstreamOrigin, client: HTTPClient, logger: Logger) {
        self.source = source
        self.upstream = upstream
        self.client = client
        self.logger = logger
    }

    public func resolve(headers: [(name: String, value: String)], peer: IPAddress?) async -> IdentityResult {
        switch self.source {
        case .trustedHeader(let accountHeader, let rolesHeader, let emailHeader, let trustedPeers):
            guard let peer, trustedPeers.contains(where: { $0.contains(peer) }) else {
                return .unavailable(reason: "identity header from an untrusted peer")
            }
            func value(_ name: String?) -> String? {
                guard let name else { return nil }
                return headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
            }
            guard let account = value(accountHeader)?.trimmingCharacters(in: .whitespaces), !account.isEmpty else {
                return .anonymous
            }
            let roles = value(rolesHeader)?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
            return .known(Identity(account: account, roles: roles, email: value(emailHeader)))

        case .upstream(let path, let accountField, let rolesField, let emailField, let ttl):
            let cookies = headers.filter { $0.name.caseInsensitiveCompare("Cookie") == .orderedSame }.map(\.value)
            guard !cookies.isEmpty else { return .anonymous }
            let cookie = cookies.joined(separator: "; ")
            let key = Self.cacheKey(cookie)
            let now = ContinuousClock.now
            if let cached = self.cache.withLock({ $0[key] }), cached.until > now { return cached.result }
            let result = await self.ask(path: path, cookie: cookie, fields: (accountField, rolesField, emailField))
            if case .unavailable = result { return result }  // never cache a failure
            self.cache.withLock { cache in
                if cache.count >= Self.cacheLimit {
                    cache = cache.filter { $0.value.until > now }
                    if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
                }
                cache[key] = (result, now + ttl)
            }
            return result
        }
    }

    /// Forgets a session's cached identity (after a logout seen through the proxy, say).
    public func forget(cookieHeader: String) {
        let key = Self.cacheKey(cookieHeader)
        _ = self.cache.withLock { $0.removeValue(forKey: key) }
    }

    /// The cache key of a session: a hash of its Cookie header, so the cache never holds a cookie.
    static func cacheKey(_ cookieHeader: String) -> String {
        SHA256.hash(data: Data(cookieHeader.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private func ask(path: String, cookie: String, fields: (String, String, String)) async -> IdentityResult {
        var request = HTTPClientRequest(url: self.upstream.origin + self.upstream.basePath + path)
        request.headers.add(name: "Cookie", value: cookie)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Host", value: self.upstream.hostHeader)
        do {
            let response = try await self.client.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 64 * 1024)
            switch response.status.code {
            case 200:
                guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)),
                    let account = Self.value(at: fields.0, in: json).flatMap(Self.text), !account.isEmpty
                else {
                    self.logger.warning("who-am-I answered 200 without the configured account field")
                    return .unavailable(reason: "who-am-I answer lacks '\(fields.0)'")
                }
                let roles = (Self.value(at: fields.1, in: json) as? [Any])?.compactMap(Self.text) ?? []
                let email = Self.value(at: fields.2, in: json).flatMap(Self.text)
                return .known(Identity(account: account, roles: roles, email: email))
            case 401, 403:
                return .anonymous
            default:
                self.logger.warning("who-am-I answered an unexpected status", metadata: ["status": "\(response.status.code)"])
                return .unavailable(reason: "who-am-I answered \(response.status.code)")
            }
        } catch {
            self.logger.warning("who-am-I could not be asked", metadata: ["error.type": "\(type(of: error))"])
            return .unavailable(reason: "who-am-I unreachable")
        }
    }

    /// `user.account` → json["user"]["account"].
    static func value(at path: String, in json: Any) -> Any? {
        var current: Any? = json
        for part in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(part)]
        }
        return current
    }

    static func text(_ value: Any) -> String? {
        if let string = value as? String { return string }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }
}
