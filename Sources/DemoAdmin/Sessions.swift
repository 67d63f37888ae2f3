import Hummingbird
import Synchronization

/// A dictionary behind a mutex, for the little shared mutable state the demo keeps (sessions, memos).
final class LockedDictionary<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let storage = Mutex<[Key: Value]>([:])

    subscript(key: Key) -> Value? {
        get { storage.withLock { $0[key] } }
        set { storage.withLock { $0[key] = newValue } }
    }

    func removeValue(forKey key: Key) {
        _ = storage.withLock { $0.removeValue(forKey: key) }
    }
}

/// In-memory login sessions: random 128-bit hex ids mapped to account names.
final class SessionStore: Sendable {
    static let cookieName = "demo_session"
    private let sessions = LockedDictionary<String, String>()

    func create(for account: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let id = hex(rng.next()) + hex(rng.next())
        sessions[id] = account
        return id
    }

    func account(for id: String) -> DemoAccount? {
        guard let name = sessions[id] else { return nil }
        return DemoAdmin.accounts.first { $0.account == name }
    }

    func remove(_ id: String) {
        sessions.removeValue(forKey: id)
    }

    private func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// Finds the logged-in account from the session cookie; sends anonymous visitors to the login page
/// (HTML) or answers 401 JSON (`/api/*`), as a real admin would.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = DemoRequestContext
    let state: DemoState

    static let publicPaths: Set<String> = ["/login", "/favicon.ico", "/healthz"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let id = request.cookies[SessionStore.cookieName]?.value, let account = state.sessions.account(for: id) {
            context.account = account
        }
        let path = request.uri.path
        if context.account == nil && !Self.publicPaths.contains(path) {
            if path.hasPrefix("/api/") || path == "/api" {
                return Responses.json(["error": "login_required"], status: .unauthorized)
            }
            if request.method == .get || request.method == .head {
                let next = request.uri.string
                return Response(
                    status: .found,
                    headers: [.location: "/login?next=" + FormCoding.percentEncode(next), .cacheControl: "no-store"])
            }
            return Responses.html(Page.simple(title: "로그인 필요", message: "로그인이 필요합니다."), status: .unauthorized)
        }
        return try await next(request, context)
    }
}
