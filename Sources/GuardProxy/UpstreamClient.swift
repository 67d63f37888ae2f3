import AsyncHTTPClient
import Logging
import NIOCore
import ServiceLifecycle

/// The pooled, streaming HTTP client the proxy talks to upstreams with, and its life cycle.
///
/// Redirects are not followed (the browser must see them), and decompression is off: bodies are passed on as they
/// come, and the policy stages decode what they need. The pool keeps many keep-alive connections per upstream,
/// since a proxy multiplexes every user onto one upstream host. Shut down after the listener has drained.
public final class UpstreamClient: Service, Sendable {
    public let http: HTTPClient

    public init(timeouts: ProxyTimeouts, limits: ProxyLimits) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: timeouts.upstreamConnect.timeAmount, read: timeouts.upstreamRead.timeAmount),
            connectionPool: .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: limits.upstreamConnectionsPerHost
            ),
            decompression: .disabled
        )
        configuration.httpVersion = .automatic
        // A refused connection is a down upstream: answer 502 at once instead of retrying until a deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func run() async throws {
        // Lives as long as the service group; on shutdown, closes pooled connections after the listener is done.
        try? await gracefulShutdown()
        try await self.http.shutdown()
    }
}
