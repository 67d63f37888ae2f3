import Foundation
import Synchronization

/// Ends the process when a shutdown does not: SIGTERM must stop a guard in bounded time, or rolling restarts hang.
///
/// A plain thread that sleeps in steps of 100 ms and reads one atomic deadline. It depends neither on Swift
/// concurrency nor on NIO's event loops (both of which a stuck shutdown may have wedged), takes no lock that other
/// code holds, and when the deadline passes it writes why to standard error and calls `_exit(70)` (no exit handlers:
/// they are one of the places a shutdown can hang).
public final class ShutdownWatchdog: Sendable {
    public static let shared = ShutdownWatchdog()

    /// The status of a process the watchdog ended (EX_SOFTWARE).
    public static let exitStatus: Int32 = 70

    /// Monotonic nanoseconds (`DispatchTime.uptimeNanoseconds`) at which to end the process; `Int64.max`: unarmed.
    private let deadline = Atomic<Int64>(.max)
    private let reason = Mutex<String>("")
    private let started = Atomic<Bool>(false)

    private init() {}

    /// Ends the process `after` from now unless it has ended by then; an earlier deadline already set stays.
    /// - Parameter reason: what was under way (shown if the watchdog fires); no personal data.
    public func arm(after: Duration, reason: String) {
        let nanoseconds = max(0, after.components.seconds) &* 1_000_000_000
            &+ max(0, after.components.attoseconds / 1_000_000_000)
        let now = Int64(clamping: DispatchTime.now().uptimeNanoseconds)
        let target = now &+ min(nanoseconds, Int64.max / 4)
        let (exchanged, _) = self.deadline.compareExchange(expected: .max, desired: target, ordering: .sequentiallyConsistent)
        if exchanged {
            self.reason.withLock { $0 = reason }
        } else {
            var current = self.deadline.load(ordering: .sequentiallyConsistent)
            while target < current {
                let (done, original) = self.deadline.compareExchange(expected: current, desired: target,
                                                                     ordering: .sequentiallyConsistent)
                if done { self.reason.withLock { $0 = reason }; break }
                current = original
            }
        }
        self.startThread()
    }

    private func startThread() {
        guard !self.started.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let thread = Thread { [self] in
            while true {
                usleep(100_000)
                let deadline = self.deadline.load(ordering: .sequentiallyConsistent)
                guard deadline != .max,
                      Int64(clamping: DispatchTime.now().uptimeNanoseconds) >= deadline else { continue }
                let reason = self.reason.withLock { $0 }
                Self.writeToStandardError(
                    "pii-guard: shutdown watchdog: \(reason); ending the process now (status \(Self.exitStatus))\n")
                _exit(Self.exitStatus)
            }
        }
        thread.name = "pii-guard-watchdog"
        thread.start()
    }

    /// `write(2)` straight to file descriptor 2: no buffering, no locks of the logging system.
    static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }
}

/// SIGTERM and SIGINT for the `pii-guard` process, handled on a plain thread, not by the Swift concurrency runtime:
/// the first signal arms the `ShutdownWatchdog` before anything else can go wrong, then asks the running guard to
/// shut down gracefully; a second signal ends the process at once.
///
/// The signal handler only writes the signal's number into a pipe (async-signal-safe, whichever thread the kernel
/// picks); the thread reading the pipe does the rest. A library user (the tests) never installs it; the guard then
/// lets swift-service-lifecycle trap the signals as before.
public enum ProcessSignals {
    /// How long the watchdog allows after the first signal: `shutdown_grace` plus this margin (services cancelled
    /// after the grace, stores closed, the final checkpoint written).
    public static let marginAfterGrace: Duration = .seconds(10)

    private struct State: Sendable {
        var installed = false
        var signalled = false
        var grace: Duration = .seconds(20)
        var onShutdown: (@Sendable () -> Void)?
    }

    private static let state = Mutex(State())

    public static var isInstalled: Bool { self.state.withLock { $0.installed } }

    /// Installs the handlers for SIGTERM and SIGINT and starts the thread that acts on them. Call it first in `main`.
    public static func install() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        signalPipeWriteEnd.store(fds[1], ordering: .sequentiallyConsistent)
        for signal in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                var byte = UInt8(truncatingIfNeeded: signal)
                _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &byte, 1)
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            guard sigaction(signal, &action, nil) == 0 else { return }
        }
        self.state.withLock { $0.installed = true }
        let readEnd = fds[0]
        let thread = Thread {
            while true {
                var byte: UInt8 = 0
                let count = read(readEnd, &byte, 1)
                if count == 1 { self.received(Int32(byte)) } else if count < 0, errno == EINTR { continue } else { return }
            }
        }
        thread.name = "pii-guard-signals"
        thread.start()
    }

    /// The running guard: how long its graceful shutdown may take, and how to start it. A signal that came before
    /// this call starts it now.
    public static func register(grace: Duration, onShutdown: @escaping @Sendable () -> Void) {
        let pending = self.state.withLock { state -> Bool in
            state.grace = grace
            state.onShutdown = onShutdown
            return state.signalled
        }
        if pending { onShutdown() }
    }

    private static func received(_ signal: Int32) {
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        let (first, grace, onShutdown) = self.state.withLock { state in
            defer { state.signalled = true }
            return (!state.signalled, state.grace, state.onShutdown)
        }
        guard first else {
            ShutdownWatchdog.writeToStandardError("pii-guard: second \(name): ending the process now\n")
            _exit(128 + signal)
        }
        ShutdownWatchdog.shared.arm(
            after: grace + self.marginAfterGrace,
            reason: "graceful shutdown after \(name) did not end within shutdown_grace (\(grace)) + \(self.marginAfterGrace)")
        ShutdownWatchdog.writeToStandardError("pii-guard: \(name): shutting down gracefully (at most \(grace) for requests in flight)\n")
        onShutdown?()
    }
}

/// The pipe's write end for the signal handler (a C function pointer cannot capture).
private let signalPipeWriteEnd = Atomic<Int32>(-1)
