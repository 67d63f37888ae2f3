import Logging
import ServiceLifecycle

/// Hands the port a server bound (port 0 in tests) from its start callback to the test that waits for it.
public actor PortBox {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    public init() {}

    public func set(_ port: Int) {
        self.port = port
        for waiter in self.waiters { waiter.resume(returning: port) }
        self.waiters = []
    }

    public func wait() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { self.waiters.append($0) }
    }
}

/// Test support shared by the test targets: run a server for the length of a test body.
public enum TestServices {
    /// Runs `service` (which reports its bound port to `port`), calls `body` with that port, then shuts the service
    /// down gracefully and waits for it, whether `body` succeeded or threw.
    public static func run<Result: Sendable>(
        _ service: some Service, port: PortBox, _ body: @Sendable (Int) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "test-service")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [service], logger: logger)
        let task = Task { try await group.run() }
        let result: Result
        do {
            result = try await body(await port.wait())
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        return result
    }
}
