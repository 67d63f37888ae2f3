import Foundation
import Synchronization

/// Something the access records must show about the second factor. Never a code, secret, phone or e-mail.
public struct SecondFactorEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case verified, failed, locked, unlocked
        case codeSent = "code_sent"
        case ipChanged = "ip_changed"
        case idleExpired = "idle_expired"
        case cycleExpired = "cycle_expired"
        case superseded
        case registrationChanged = "registration_changed"
    }

    public let kind: Kind
    public let account: String
    public let clientAddress: String?
    public let site: String?
    /// For `codeSent`: the channel (`sms`, `messenger`, `email`) and, when it did not take the code, `undeliverable`
    /// or `failed` (`messenger undeliverable`); for `registrationChanged` by a cycle change, `cycle`.
    public let detail: String?
    public let at: Date

    public init(_ kind: Kind, account: String, clientAddress: String? = nil, site: String? = nil, detail: String? = nil,
                at: Date) {
        self.kind = kind
        self.account = account
        self.clientAddress = clientAddress
        self.site = site
        self.detail = detail
        self.at = at
    }
}

/// Where second-factor events go: the audit trail implements this; until then, memory.
public protocol SecondFactorEventSink: Sendable {
    func record(_ event: SecondFactorEvent) async
}

/// Keeps the latest events in memory (tests, and the guard until the audit trail exists). Bounded, so a guard that
/// runs for months does not grow: past `limit`, the oldest events are dropped.
public final class InMemoryEventSink: SecondFactorEventSink {
    private let stored = Mutex<[SecondFactorEvent]>([])
    public let limit: Int
    public init(limit: Int = 10_000) { self.limit = max(1, limit) }
    public func record(_ event: SecondFactorEvent) async {
        self.stored.withLock { events in
            events.append(event)
            if events.count > self.limit { events.removeFirst(events.count - self.limit) }
        }
    }
    public var events: [SecondFactorEvent] { self.stored.withLock { $0 } }
}
