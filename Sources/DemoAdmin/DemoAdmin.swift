import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// A login of the demo seller admin.
///
/// The demo needs known accounts so that the proxy's identity lookup (`GET /api/me`), its
/// second-factor enrollment and its audit records can be exercised with real log-ins.
public struct DemoAccount: Sendable, Codable, Equatable {
    public let account: String
    public let password: String
    public let roles: [String]
    public let email: String
    public let displayName: String

    public init(account: String, password: String, roles: [String], email: String, displayName: String) {
        self.account = account
        self.password = password
        self.roles = roles
        self.email = email
        self.displayName = displayName
    }
}

/// Settings of one demo admin instance.
///
/// Tests shrink the data and speed up the chat; the demo command uses the defaults.
public struct DemoAdminConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 = any free port (the bound port is reported through `onServerRunning`).
    public var port: Int = 9080
    /// Seed of all synthetic data; the same seed always gives the same orders, chats and files.
    public var seed: UInt64 = 20_261_123
    /// Orders exist by index and are generated on demand (constant memory).
    public var orderCount: Int = 60_000
    /// Interval between live customer messages on the chat WebSocket.
    public var chatMessageInterval: Duration = .seconds(3)

    public init() {}
}

/// The demo seller admin ("판매자 센터"): a believable Korean e-commerce back office with synthetic
/// personal data, served over plain HTTP/1.1 so that pii-guard can be put in front of it.
public enum DemoAdmin {
    /// The fixed demo log-ins: two sellers working on the same shop and one auditor.
    public static let accounts: [DemoAccount] = [
        DemoAccount(
            account: "seller-a", password: "seller-a-demo-2026!", roles: ["seller"],
            email: "seller-a@demo-shop.example", displayName: "김서연"),
        DemoAccount(
            account: "seller-b", password: "seller-b-demo-2026!", roles: ["seller"],
            email: "seller-b@demo-shop.example", displayName: "박준호"),
        DemoAccount(
            account: "auditor-a", password: "auditor-a-demo-2026!", roles: ["auditor"],
            email: "auditor-a@demo-shop.example", displayName: "이도윤"),
    ]

    /// Writes `accounts` as a pretty-printed JSON array with sorted keys, creating the parent directory.
    public static func writeAccountsFile(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(accounts)
        data.append(0x0A)
        try data.write(to: url, options: .atomic)
    }

    /// The router with every page, API, export, file and WebSocket route (for in-process tests).
    public static func makeRouter(configuration: DemoAdminConfiguration) -> Router<DemoRequestContext> {
        let state = DemoState(configuration: configuration)
        let router = Router(context: DemoRequestContext.self)
        router.add(middleware: GzipMiddleware())
        router.add(middleware: AuthMiddleware(state: state))
        DemoRoutes(state: state).register(on: router)
        return router
    }

    /// An application serving the demo admin on `configuration.host:port`, with WebSocket upgrade for the chat.
    /// `onServerRunning` receives the port actually bound (useful with port 0).
    public static func makeApplication(
        configuration: DemoAdminConfiguration,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = makeRouter(configuration: configuration)
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "demo-shop-admin"),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger
        )
    }
}

/// Per-request context of the demo admin: Hummingbird's core storage, the WebSocket handler slot,
/// and the account found from the session cookie by the login middleware.
public struct DemoRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The logged-in account, set by the authentication middleware.
    public var account: DemoAccount?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.account = nil
    }
}

/// The shop both sellers work on, and each person's own details for the 내정보 page.
struct ShopProfile: Sendable {
    static let name = "온새미로 마켓"
    static let businessNumber = "214-87-53019"
    static let representative = "김서연"
    static let bank = "국민은행"
    static let bankAccount = "123401-04-567890"
    static let accountHolder = "(주)온새미로"
    static let address = "서울특별시 마포구 양화로 45 메세나폴리스 11층 1103호"
    static let zipCode = "04036"
    static let csPhone = "1588-3821"

    static func phone(of account: String) -> String {
        switch account {
        case "seller-a": return "010-4821-7730"
        case "seller-b": return "010-9152-3364"
        default: return "010-2287-6015"
        }
    }

    static func title(of account: DemoAccount) -> String {
        if account.roles.contains("auditor") { return "개인정보 감사 담당" }
        return account.account == "seller-a" ? "대표" : "운영 매니저"
    }
}

/// Everything the routes share: the generators, the session store and the order memos.
final class DemoState: Sendable {
    let configuration: DemoAdminConfiguration
    let orders: OrderGenerator
    let chat: ChatGenerator
    let sessions = SessionStore()
    let memos = LockedDictionary<Int, String>()

    init(configuration: DemoAdminConfiguration) {
        self.configuration = configuration
        self.orders = OrderGenerator(seed: configuration.seed, count: max(0, configuration.orderCount))
        self.chat = ChatGenerator(seed: configuration.seed, orders: orders)
    }
}
