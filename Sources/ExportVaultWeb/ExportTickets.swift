import Crypto
import ExportVault
import Foundation
import GuardProxy
import GuardStore
import HTTPTypes
import SealedSecrets
import SecondFactorWeb

/// A stated reason and a file password, waiting for the one download they were given for.
///
/// The reason page issues it; the gate takes it (once) when the browser asks for the export. It is bound to the guard
/// session, the client address and the exact target (path and query), kept at most `ExportTickets.lifetime`, and its
/// password is sealed with a key derived from the master key, so the store never holds it readable.
struct StoredTicket: Codable, Sendable {
    var site: String
    var account: String
    var sessionHash: String
    var clientAddress: String
    var target: String
    var menuID: String
    var menu: String
    var reason: ExportReason
    /// The password, sealed (`SecretBox`, context `export-ticket`).
    var sealedPassword: [UInt8]
    var passwordGenerated: Bool
    /// A generated password is shown once, on the ready page; then this is false.
    var passwordShowable: Bool
    var createdAt: Date
    var expiresAt: Date
}

/// What the gate hands to the response transformer for a download with a valid ticket.
public struct ExportOrder: GateAttachment {
    public let site: String
    public let account: String
    public let clientAddress: String
    public let menuID: String
    public let menu: String
    public let path: String
    public let reason: ExportReason
    public let password: String
    public let passwordGenerated: Bool
    public let at: Date
}

/// What the gate hands to the transformer for any other request on a personal-information menu: if its response
/// turns out to be a download, the transformer sends the person to the reason page for `target` instead.
public struct DownloadWatch: GateAttachment {
    public let target: String
    public let menu: String
    public let isGet: Bool
}

/// Issues and redeems export tickets in the guard's store (shared by every instance on the same store).
public struct ExportTickets: Sendable {
    let records: Records<StoredTicket>
    let box: SecretBox
    public let lifetime: Duration

    /// The cookie that carries a ticket id from the ready page to the download (`__Host-`: never sent upstream).
    public static let cookieName = "__Host-pii-guard-export"
    /// The header a script sends instead (dropped upstream with every `X-PII-Guard-` field).
    public static let headerName = HTTPField.Name("X-PII-Guard-Export")!

    public init(store: any RecordStore, key: SymmetricKey, lifetime: Duration = .seconds(600)) {
        self.records = Records(store, collection: "export_tickets")
        self.box = SecretBox(key: key)
        self.lifetime = lifetime
    }

    struct Issued {
        let id: String
        let expiresAt: Date
    }

    func issue(site: String, account: String, sessionHash: String, clientAddress: String, target: String, menuID: String, menu: String,
               reason: ExportReason, password: String, generated: Bool, now: Date) async throws -> Issued {
        let id = GuardSession.newID()
        let expiresAt = now.addingTimeInterval(TimeInterval(self.lifetime.components.seconds))
        let sealed = try self.box.seal(Array(password.utf8), context: "export-ticket")
        let ticket = StoredTicket(
            site: site, account: account, sessionHash: sessionHash, clientAddress: clientAddress, target: target, menuID: menuID,
            menu: menu, reason: reason, sealedPassword: sealed, passwordGenerated: generated, passwordShowable: generated,
            createdAt: now, expiresAt: expiresAt)
        try await self.records.put(Self.key(id), ticket, expiresAt: expiresAt)
        return Issued(id: id, expiresAt: expiresAt)
    }

    /// The ticket for the ready page (same session and address), and the generated password if it was not shown
    /// yet (it is shown once).
    func showOnce(id: String, sessionHash: String, clientAddress: String, now: Date) async throws
        -> (ticket: StoredTicket, password: String?)?
    {
        let box = self.box
        let found: (StoredTicket, [UInt8]?)? = try await self.records.update(Self.key(id), now: now) { ticket in
            guard var current = ticket, current.sessionHash == sessionHash, current.clientAddress == clientAddress,
                  current.expiresAt > now
            else { return nil }
            let sealed = current.passwordShowable ? current.sealedPassword : nil
            current.passwordShowable = false
            ticket = current
            return (current, sealed)
        }
        guard let (ticket, sealed) = found else { return nil }
        let password = try sealed.map { String(decoding: try box.open($0, context: "export-ticket"), as: UTF8.self) }
        return (ticket, password)
    }

    /// Takes the ticket for this download, once: it must belong to this session and address and name this target.
    func redeem(id: String, site: String, sessionHash: String, clientAddress: String, target: String, now: Date) async throws
        -> ExportOrder?
    {
        let taken: StoredTicket? = try await self.records.update(Self.key(id), now: now) { ticket in
            guard let current = ticket, current.site == site, current.sessionHash == sessionHash,
                  current.clientAddress == clientAddress, current.target == target, current.expiresAt > now
            else { return nil }
            ticket = nil
            return current
        }
        guard let taken else { return nil }
        let password = String(decoding: try self.box.open(taken.sealedPassword, context: "export-ticket"), as: UTF8.self)
        let path = String(taken.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        return ExportOrder(site: taken.site, account: taken.account, clientAddress: taken.clientAddress, menuID: taken.menuID, menu: taken.menu,
                           path: path, reason: taken.reason, password: password, passwordGenerated: taken.passwordGenerated,
                           at: now)
    }

    /// The ticket id a request carries (header first, then cookie), if well-formed.
    static func ticketID(in headers: HTTPFields) -> String? {
        if let value = headers[Self.headerName], GuardSession.isRandomID(value) { return value }
        return GuardSession.randomID(inCookie: Self.cookieName, of: headers)
    }

    /// Stored under a hash of the id, so the store never holds a value that would redeem a ticket.
    static func key(_ id: String) -> String {
        SHA256.hash(data: Data("pii-guard-export:\(id)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func setCookie(_ id: String, maxAge: Int) -> String {
        "\(Self.cookieName)=\(id); Path=/; Max-Age=\(maxAge); Secure; HttpOnly; SameSite=Strict"
    }

    static let clearCookie = "\(cookieName)=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict"
}
