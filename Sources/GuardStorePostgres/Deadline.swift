import Synchronization

/// Runs an operation with a deadline that holds even when the operation cannot be interrupted.
///
/// Cancelling a task does not stop a wait on a NIO future: a query written to a connection whose server vanished
/// without closing it (a network partition, a frozen host) waits until TCP gives up, minutes later. A task group
/// would wait for that child before returning, so a protected menu would hang instead of answering 503. Here the
/// operation runs in a task of its own; the caller is answered by whichever comes first, the operation or the
/// deadline. A late operation is cancelled and finishes in the background (its connection is then closed by the pool
/// or the server's `statement_timeout`); its result is dropped.
enum Deadline {
    /// The operation outlived its deadline.
    struct Passed: Error {}

    static func run<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.wait(continuation)
                let work = Task {
                    do {
                        race.finish(.success(try await body()))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                Task {
                    try? await Task.sleep(for: timeout)
                    if race.finish(.failure(Passed())) { work.cancel() }
                }
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// The first result wins; later ones are dropped.
    final class Race<T: Sendable>: Sendable {
        private enum State {
            case open
            case waiting(CheckedContinuation<T, any Error>)
            case early(Result<T, any Error>)
            case done
        }

        private let state = Mutex<State>(.open)

        func wait(_ continuation: CheckedContinuation<T, any Error>) {
            let early: Result<T, any Error>? = self.state.withLock { state in
                switch state {
                case .open:
                    state = .waiting(continuation)
                    return nil
                case .early(let result):
                    state = .done
                    return result
                case .waiting, .done:
                    return nil
                }
            }
            if let early { continuation.resume(with: early) }
        }

        /// Delivers `result` if nothing was delivered yet; returns whether it was.
        @discardableResult
        func finish(_ result: Result<T, any Error>) -> Bool {
            let (won, waiting): (Bool, CheckedContinuation<T, any Error>?) = self.state.withLock { state in
                switch state {
                case .open:
                    state = .early(result)
                    return (true, nil)
                case .waiting(let continuation):
                    state = .done
                    return (true, continuation)
                case .early, .done:
                    return (false, nil)
                }
            }
            waiting?.resume(with: result)
            return won
        }
    }
}
