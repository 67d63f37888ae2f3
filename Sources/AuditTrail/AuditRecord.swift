import Foundation

/// One access record: who did what to whose personal data, when and from where.
///
/// 개인정보의 안전성 확보조치 기준 제8조 asks for the account, the date and time, where from, whose data and what was
/// done, for every access to a personal-information system. One record is written per request to a protected menu,
/// and per second-factor or export event. It never holds a masked value itself: data subjects are the keys a menu
/// rule names (order numbers, customer ids) and counts of masked values by kind.
public struct AuditRecord: Sendable, Hashable, Codable {
    /// What the record is about.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A request to a personal-information menu.
        case access
        /// A second-factor event (registered, verified, wrong code, locked, unlocked, proof ended…).
        case secondFactor = "second_factor"
        /// A protected export (download with its reason) or its refusal.
        case export
    }

    /// What was done (조회, 입력, 변경, 삭제, 출력, 다운로드) for accesses and exports; for second-factor events the
    /// event's name goes to `event`.
    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        case view, input, change, delete, print, download, event

        /// How the records and reports show it.
        public var korean: String {
            switch self {
            case .view: "조회"
            case .input: "입력"
            case .change: "변경"
            case .delete: "삭제"
            case .print: "출력"
            case .download: "다운로드"
            case .event: "인증"
            }
        }
    }

    /// Position in the chain (1-based), assigned when appended.
    public var sequence: Int64
    /// When it happened (stored UTC; shown in KST).
    public var at: Date
    public var kind: Kind
    public var action: Action
    /// The admin account (empty when the request had none, e.g. a refused anonymous request).
    public var account: String
    public var clientAddress: String
    public var site: String
    /// Menu id (`sales`) and name (판매관리); empty outside the menus (second-factor events).
    public var menuID: String
    public var menuName: String
    /// HTTP method and path without the query (the query may hold personal data); empty for events.
    public var method: String
    public var path: String
    /// The answer's status code (0 when not an HTTP answer).
    public var status: Int
    /// Data subjects: the keys the menu rule names (order numbers…), at most `AuditRecord.maxSubjects`.
    public var subjects: [String]
    /// How many values of each kind were masked in the answer (`phone`: 20…).
    public var maskedCounts: [String: Int]
    /// Second-factor event name (`verified`, `wrong_code`, `locked`…) or export outcome (`delivered`, `refused:…`).
    public var event: String
    /// Export: the stated reason (code and Korean text), the row count and the delivered file's SHA-256.
    public var exportReason: String
    public var exportRows: Int?
    public var fileSHA256: String
    public var requestID: String
    /// SHA-256 of the guard session id (never the id).
    public var sessionHash: String
    public var userAgent: String
    /// Hex SHA-256 of the previous record's `hash` chain link (empty for the first record).
    public var previousHash: String
    /// Hex SHA-256 over this record's canonical form including `previousHash`.
    public var hash: String

    public static let maxSubjects = 500

    public init(sequence: Int64 = 0, at: Date, kind: Kind, action: Action, account: String, clientAddress: String,
                site: String, menuID: String = "", menuName: String = "", method: String = "", path: String = "",
                status: Int = 0, subjects: [String] = [], maskedCounts: [String: Int] = [:], event: String = "",
                exportReason: String = "", exportRows: Int? = nil, fileSHA256: String = "", requestID: String = "",
                sessionHash: String = "", userAgent: String = "", previousHash: String = "", hash: String = "") {
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.action = action
        self.account = account
        self.clientAddress = clientAddress
        self.site = site
        self.menuID = menuID
        self.menuName = menuName
        self.method = method
        self.path = path
        self.status = status
        self.subjects = Array(subjects.prefix(Self.maxSubjects))
        self.maskedCounts = maskedCounts
        self.event = event
        self.exportReason = exportReason
        self.exportRows = exportRows
        self.fileSHA256 = fileSHA256
        self.requestID = requestID
        self.sessionHash = sessionHash
        self.userAgent = userAgent
        self.previousHash = previousHash
        self.hash = hash
    }
}
