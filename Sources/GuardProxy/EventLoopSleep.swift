import NIOCore
import Synchronization

/// Sleeps on a NIO event loop, and removes its timer when cancelled.
///
/// The first-byte clock runs once per request and is almost always cancelled (the upstream answers). `Task.sleep` on
/// NIO's executor leaves the timer scheduled until it would have fired, so at thousands of requests per second the
/// event loops carried hundreds of thousands of dead 30-second timers (measured: RSS grew by ~700 bytes per request
/// until the timers expired). A scheduled task that is cancelled with the sleep is gone at once.
enum EventLoopSleep {
    static func sleep(for duration: Duration, on eventLoop: any EventLoop) async throws {
        try await self.sleep(for: duration, on: eventLoop) { _ in }
    }

    /// The same, handing the timer to `observe` (tests check that cancellation cancels it).
    static func sleep(for duration: Duration, on eventLoop: any EventLoop,
                      observe: @Sendable (Scheduled<Void>) -> Void) async throws {
        let state = SleepState()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let scheduled = eventLoop.scheduleTask(in: duration.timeAmount) { state.complete(with: nil) }
                observe(scheduled)
                state.install(continuation, scheduled)
            }
        } onCancel: {
            state.complete(with: CancellationError())
        }
    }
}

/// The sleep's continuation and timer; whichever of timer, cancellation or installation comes last finishes it.
private final class SleepState: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, any Error>?
        var scheduled: Scheduled<Void>?
        /// Set when the timer fired or the task was cancelled before the continuation was installed.
        var early: (any Error)?? = nil
        var finished = false
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Void, any Error>, _ scheduled: Scheduled<Void>) {
        let early: (any Error)?? = self.state.withLock { state in
            if let early = state.early {
                state.finished = true
                return .some(early)
            }
            state.continuation = continuation
            state.scheduled = scheduled
            return nil
        }
        if let early {
            if early != nil { scheduled.cancel() }
            Self.resume(continuation, early)
        }
    }

    /// `nil`: the timer fired. An error: cancelled.
    func complete(with error: (any Error)?) {
        let taken = self.state.withLock { state -> (CheckedContinuation<Void, any Error>, Scheduled<Void>?)? in
            guard !state.finished else { return nil }
            guard let continuation = state.continuation else {
                if state.early == nil { state.early = .some(error) }
                return nil
            }
            state.finished = true
            state.continuation = nil
            defer { state.scheduled = nil }
            return (continuation, state.scheduled)
        }
        guard let (continuation, scheduled) = taken else { return }
        if error != nil { scheduled?.cancel() }
        Self.resume(continuation, error)
    }

    private static func resume(_ continuation: CheckedContinuation<Void, any Error>, _ error: (any Error)?) {
        if let error { continuation.resume(throwing: error) } else { continuation.resume() }
    }
}
