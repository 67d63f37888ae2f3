import Foundation
import Synchronization

/// Remembers, for about a second, that a session's proof was valid from an address, so that the dozens of requests
/// of one page load do not each read the store.
///
/// Keyed by site, session hash, account and client address: a request from another address, another account or
/// another session always goes to the store (and there revokes what must be revoked). A new proof, a logout or a
/// lock on this instance clears the account's entries at once; what the cache can delay is a change made on another
/// guard instance sharing the store — by at most `ttl`. Time is the second factor's clock, so moving it (tests) ends
/// entries too. Bounded: past `limit` entries it is cleared.
public final class VerdictCache: Sendable {
    struct Entry: Sendable {
        let site: String
        let account: String
        let verifiedAt: Date
        let until: Date
    }

    private let entries = Mutex<[String: Entry]>([:])
    public let ttl: TimeInterval
    let limit: Int

    public init(ttl: Duration = .seconds(1), limit: Int = 50_000) {
        self.ttl = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        self.limit = limit
    }

    static func key(site: String, sessionHash: String, account: String, client: String) -> String {
        "\(site)\u{0}\(sessionHash)\u{0}\(account)\u{0}\(client)"
    }

    /// When the proof was earned, if a valid verdict for this key is fresh at `now`.
    func validProof(_ key: String, now: Date) -> Date? {
        self.entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard now >= entry.until.addingTimeInterval(-self.ttl), now < entry.until else {
                entries.removeValue(forKey: key)
                return nil
            }
            return entry.verifiedAt
        }
    }

    func remember(_ key: String, site: String, account: String, verifiedAt: Date, now: Date) {
        guard self.ttl > 0 else { return }
        self.entries.withLock { entries in
            if entries.count >= self.limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(site: site, account: account, verifiedAt: verifiedAt, until: now.addingTimeInterval(self.ttl))
        }
    }

    /// Drops every entry of the account on the site (after a new proof, a logout, a lock).
    public func forget(account: String, site: String) {
        self.entries.withLock { entries in
            entries = entries.filter { $0.value.account != account || $0.value.site != site }
        }
    }
}
