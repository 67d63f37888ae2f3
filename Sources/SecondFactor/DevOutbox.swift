import Foundation
import Synchronization

/// Where codes go in the demo instead of a phone or a mailbox: kept in memory for `/__guard/dev/outbox` and handed
/// to a printer (the demo's terminal).
///
/// It exists so a person can try the whole second factor on one machine without an SMS contract or a mail server.
/// Only the demo turns it on; outside it no code is ever shown or logged. Bounded to the latest `limit` messages.
public final class DevOutbox: CodeDelivery {
    /// One message as the outbox shows it.
    public struct Message: Sendable, Equatable {
        public enum Kind: String, Sendable { case code, notice }
        public let kind: Kind
        public let at: Date
        public let account: String
        /// `sms`, `messenger` or `email`.
        public let channel: String
        /// The number (Korean form) or e-mail address it was meant for.
        public let destination: String
        /// The code, for `kind == .code`.
        public let code: String?
        public let minutes: Int?
    }

    private let stored = Mutex<[Message]>([])
    private let printer: @Sendable (Message) -> Void
    private let clock: @Sendable () -> Date
    public let limit: Int

    /// - Parameter printer: called for every message (the demo prints it on the terminal).
    public init(limit: Int = 100, clock: @escaping @Sendable () -> Date = { Date() },
                printer: @escaping @Sendable (Message) -> Void = { _ in }) {
        self.limit = max(1, limit)
        self.clock = clock
        self.printer = printer
    }

    /// Newest first.
    public var messages: [Message] { self.stored.withLock { $0.reversed() } }

    public func deliver(code: String, minutes: Int, to destination: CodeDestination, account: String) async -> DeliveryOutcome {
        self.add(Message(kind: .code, at: self.clock(), account: account, channel: destination.channelName,
                         destination: destination.displayAddress, code: code, minutes: minutes))
        return .sent
    }

    public func notifyRegistrationChanged(to email: EmailAddress, account: String) async {
        self.add(Message(kind: .notice, at: self.clock(), account: account, channel: "email",
                         destination: email.address, code: nil, minutes: nil))
    }

    private func add(_ message: Message) {
        self.stored.withLock { messages in
            messages.append(message)
            if messages.count > self.limit { messages.removeFirst(messages.count - self.limit) }
        }
        self.printer(message)
    }
}

extension CodeDestination {
    /// The address in the form a person recognises: `010-1234-5678`, `+14155550100`, `name@example.com`.
    public var displayAddress: String {
        switch self {
        case .sms(let phone), .messenger(let phone): phone.display
        case .email(let email): email.address
        }
    }
}
