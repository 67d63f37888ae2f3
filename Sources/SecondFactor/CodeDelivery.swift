/// Where a code goes.
public enum CodeDestination: Sendable, Equatable {
    case sms(PhoneNumber)
    case messenger(PhoneNumber)
    case email(EmailAddress)

    public var channelName: String {
        switch self {
        case .sms: "sms"
        case .messenger: "messenger"
        case .email: "email"
        }
    }
}

/// What became of a code handed to a channel.
public enum DeliveryOutcome: Sendable, Equatable {
    case sent
    /// The channel says this recipient cannot get it (number changed, no messenger account).
    case undeliverable(reason: String)
    case failed(reason: String)
}

/// The channels as the second factor sees them. The composition fills this with the SMS/messenger gateway, SMTP
/// mail and the demo's dev outbox; the second factor never learns how a message travels.
public protocol CodeDelivery: Sendable {
    func deliver(code: String, minutes: Int, to destination: CodeDestination, account: String) async -> DeliveryOutcome
    /// Tells the previous emergency address that the registration changed (no code in it).
    func notifyRegistrationChanged(to email: EmailAddress, account: String) async
}
