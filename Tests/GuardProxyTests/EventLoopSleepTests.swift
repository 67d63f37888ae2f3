import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import GuardProxy

@Suite("Event-loop sleep")
struct EventLoopSleepTests {
    @Test func firesAfterItsDuration() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let woke = NIOLockedValueBox(false)
        let sleeper = Task {
            try await EventLoopSleep.sleep(for: .seconds(30), on: loop)
            woke.withLockedValue { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(20))
        await loop.advanceTime(by: .seconds(29))
        try await Task.sleep(for: .milliseconds(20))
        #expect(woke.withLockedValue { $0 } == false)
        await loop.advanceTime(by: .seconds(2))
        try await sleeper.value
        #expect(woke.withLockedValue { $0 })
        try await loop.shutdownGracefully()
    }

    @Test func cancellingRemovesTheTimer() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let timer = TimerBox()
        let sleeper = Task {
            try await EventLoopSleep.sleep(for: .seconds(30), on: loop) { timer.set($0) }
        }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        // The timer itself is cancelled now, without time passing: nothing stays scheduled for 30 seconds.
        let scheduled = try #require(timer.get())
        await #expect(throws: EventLoopError.self) { try await scheduled.futureResult.get() }
        try await loop.shutdownGracefully()
    }

    @Test func cancelledBeforeItStartsThrowsAtOnce() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let sleeper = Task {
            try? await Task.sleep(for: .milliseconds(50))  // let cancellation arrive first
            try await EventLoopSleep.sleep(for: .seconds(30), on: loop)
        }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        try await loop.shutdownGracefully()
    }
}

final class TimerBox: @unchecked Sendable {
    private var scheduled: Scheduled<Void>?
    private let lock = NIOLock()
    func set(_ value: Scheduled<Void>) { self.lock.withLock { self.scheduled = value } }
    func get() -> Scheduled<Void>? { self.lock.withLock { self.scheduled } }
}
