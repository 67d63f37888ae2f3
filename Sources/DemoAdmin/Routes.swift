import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Registers every route of the demo admin on a router; the handlers live in extensions by menu.
struct DemoRoutes: Sendable {
    let state: DemoState

    func register(on router: Router<DemoRequestContext>) {
        registerLogin(on: router)
        registerHome(on: router)
        registerSales(on: router)
        registerChat(on: router)
        registerAccount(on: router)
        registerFiles(on: router)
    }

    // MARK: login

    func registerLogin(on router: Router<DemoRequestContext>) {
        router.get("/healthz") { _, _ in
            Responses.json(["status": "ok"])
        }
        router.get("/login") { request, _ in
            Responses.html(loginPage(next: FormCoding.safeNext(request.uri.queryParameters.get("next")), error: nil))
        }
        router.post("/login") { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let fields = FormCoding.parse(String(buffer: body))
            let next = FormCoding.safeNext(fields["next"] ?? request.uri.queryParameters.get("next"))
            guard let name = fields["account"], let password = fields["password"],
                let account = DemoAdmin.accounts.first(where: { $0.account == name }),
                constantTimeEquals(account.password, password)
            else {
                return Responses.html(
                    loginPage(next: next, error: "아이디 또는 비밀번호가 올바르지 않습니다."), status: .unauthorized)
            }
            let id = state.sessions.create(for: account.account)
            return Responses.redirect(
                next,
                headers: [.setCookie: "\(SessionStore.cookieName)=\(id); Path=/; HttpOnly; SameSite=Lax"])
        }
        router.post("/logout") { request, _ in
            if let id = request.cookies[SessionStore.cookieName]?.value {
                state.sessions.remove(id)
            }
            return Responses.redirect(
                "/login", headers: [.setCookie: "\(SessionStore.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"])
        }
        router.get("/api/me") { _, context in
            let account = try context.requireAccount()
            return Responses.json(
                MeJSON(account: account.account, roles: account.roles, email: account.email, name: account.displayName, shop: ShopProfile.name))
        }
    }

    func loginPage(next: String, error: String?) -> String {
        let errorHTML = error.map { "<div class=\"error\">\(HTML.escape($0))</div>" } ?? ""
        return Page.layout(
            title: "로그인", account: nil, section: nil,
            content: """
                <form class="login card" method="post" action="/login">
                <h1>판매자 센터 로그인</h1>
                \(errorHTML)
                <label for="account">아이디</label>
                <input id="account" name="account" autocomplete="username" required>
                <label for="password">비밀번호</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <input type="hidden" name="next" value="\(HTML.escape(next))">
                <button class="btn dark" type="submit" style="width:100%">로그인</button>
                <p class="muted">고객센터 \(ShopProfile.csPhone) · 평일 09:00~18:00</p>
                </form>
                """)
    }

    // MARK: home

    func registerHome(on router: Router<DemoRequestContext>) {
        router.get("/") { _, context in
            let account = try context.requireAccount()
            let orders = state.orders
            let today = (0..<min(orders.count, 400)).prefix { KST.components(orders.paidAt($0)).day == 23 && KST.components(orders.paidAt($0)).month == 11 }.count
            let waiting = (0..<min(orders.count, 400)).filter { orders.status($0) == .paid || orders.status($0) == .preparing }.count
            return Responses.html(
                Page.layout(
                    title: "홈", account: account, section: .home,
                    content: """
                        <h1>안녕하세요, \(HTML.escape(account.displayName))님</h1>
                        <div class="tiles">
                        <div class="card"><div class="muted">오늘 주문</div><h2>\(today)건</h2></div>
                        <div class="card"><div class="muted">발송 대기</div><h2>\(waiting)건</h2></div>
                        <div class="card"><div class="muted">취소 요청</div><h2>\(orders.cancelIndexes.count)건</h2></div>
                        <div class="card"><div class="muted">반품 요청</div><h2>\(orders.returnIndexes.count)건</h2></div>
                        </div>
                        <h2>바로가기</h2>
                        <div class="tiles">
                        <a class="card" href="/sales/orders"><b>판매관리 · 주문관리</b><p class="muted">전체 주문 \(HTML.won(orders.count))건 조회, 주문 상세, 엑셀 다운로드</p></a>
                        <a class="card" href="/sales/cancels"><b>판매관리 · 취소관리</b><p class="muted">취소 요청 처리와 취소 내역 다운로드</p></a>
                        <a class="card" href="/sales/returns"><b>판매관리 · 반품관리</b><p class="muted">반품 수거 현황과 반품 내역 다운로드</p></a>
                        <a class="card" href="/chat/"><b>1:1 채팅</b><p class="muted">고객 문의에 실시간으로 답변</p></a>
                        <a class="card" href="/account/"><b>내정보</b><p class="muted">담당자 정보, 사업자 정보, 정산 계좌</p></a>
                        </div>
                        """))
        }
    }

    // MARK: account

    func registerAccount(on router: Router<DemoRequestContext>) {
        router.get("/account/") { _, context in
            let account = try context.requireAccount()
            let info = AccountJSON(account)
            let rows: [(String, String)] = [
                ("아이디", info.account), ("이름", info.name), ("직책", info.title), ("휴대전화", info.phone), ("이메일", info.email),
                ("상호", info.shop), ("대표자", info.representative), ("사업자등록번호", info.businessNumber),
                ("정산 은행", info.bank), ("정산 계좌번호", info.bankAccount), ("예금주", info.accountHolder),
                ("사업장 주소", "(\(info.zipCode)) \(info.businessAddress)"),
            ]
            let dl = rows.map { "<dt>\(HTML.escape($0.0))</dt><dd>\(HTML.escape($0.1))</dd>" }.joined()
            return Responses.html(
                Page.layout(
                    title: "내정보", account: account, section: .account,
                    content: """
                        <h1>내정보</h1>
                        <div class="card"><dl class="grid">\(dl)</dl></div>
                        <p class="muted">정산 계좌 변경은 고객센터(\(ShopProfile.csPhone))로 문의해 주세요.</p>
                        """))
        }
        router.get("/api/account") { _, context in
            Responses.json(AccountJSON(try context.requireAccount()))
        }
    }

    // MARK: bulk files

    func registerFiles(on router: Router<DemoRequestContext>) {
        let pattern = BulkFile.pattern(seed: state.configuration.seed)
        router.get("/files/bulk") { request, _ in
            do throws(QueryNumber) {
                let mb = try QueryNumber.value(request, "mb", in: 0...2048, default: 200)
                return BulkFile.response(mebibytes: mb, pattern: pattern)
            } catch {
                return error.response(json: false)
            }
        }
        router.post("/api/upload") { request, _ in
            var hasher = FNV1a64()
            var count = 0
            for try await buffer in request.body {
                count += buffer.readableBytes
                buffer.withUnsafeReadableBytes { hasher.update($0) }
            }
            return Responses.json(UploadJSON(bytes: count, fnv1a64: hasher.hex))
        }
    }

    // MARK: chat

    func registerChat(on router: Router<DemoRequestContext>) {
        let chat = state.chat
        let interval = state.configuration.chatMessageInterval
        router.get("/chat/") { request, context in
            let account = try context.requireAccount()
            let selected = request.uri.queryParameters.get("room").flatMap(chat.room) ?? 0
            return Responses.html(chatPage(account: account, selected: selected))
        }
        router.get("/api/chat/rooms") { _, _ in
            Responses.json(RoomsJSON(rooms: chat.rooms))
        }
        router.get("/api/chat/rooms/{id}/messages") { _, context in
            guard let id = context.parameters.get("id"), let k = chat.room(id) else { return Responses.notFound(json: true) }
            return Responses.json(MessagesJSON(room: id, messages: chat.history(roomIndex: k)))
        }
        router.ws("/chat/ws") { _, context in
            context.account == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let sellerName = context.requestContext.account?.displayName ?? ShopProfile.name
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var n = 0
                    while true {
                        try await Task.sleep(for: interval)
                        let message = chat.liveMessage(n, at: KST.now())
                        try await outbound.write(.text(ChatJSON.encode(message)))
                        n += 1
                    }
                }
                for try await message in inbound.messages(maxSize: 64 * 1024) {
                    guard case .text(let text) = message else { continue }
                    let incoming = try? JSONDecoder().decode(IncomingChat.self, from: Data(text.utf8))
                    let reply = ChatMessage(
                        room: incoming?.room ?? chat.rooms.first?.id ?? "", from: "seller", name: sellerName,
                        text: incoming?.text ?? text, at: KST.iso8601(KST.now()))
                    try await outbound.write(.text(ChatJSON.encode(reply)))
                }
                group.cancelAll()
            }
        }
    }

    func chatPage(account: DemoAccount, selected: Int) -> String {
        let chat = state.chat
        let roomList = chat.rooms.enumerated().map { k, room in
            """
            <li\(k == selected ? " style=\"background:#eef3fd\"" : "")><a href="/chat/?room=\(room.id)"><b class="customer-name">\(HTML.escape(room.customerName))</b></a>\
            \(room.unread > 0 ? " <span class=\"badge\">\(room.unread)</span>" : "")<br>\
            <span class="muted">\(HTML.escape(room.customerPhone)) · 주문 \(HTML.escape(room.orderNo))</span><br>\
            <span class="muted">\(HTML.escape(room.lastMessage))</span></li>
            """
        }.joined(separator: "\n")
        let room = chat.rooms.isEmpty ? nil : chat.rooms[selected]
        let history = room == nil ? "" : chat.history(roomIndex: selected).map { m in
            """
            <div class="msg \(m.from)"><div class="meta"><span class="\(m.from == "customer" ? "customer-name" : "shop-name")">\(HTML.escape(m.name))</span> · \(HTML.escape(m.at))</div><div>\(HTML.escape(m.text))</div></div>
            """
        }.joined(separator: "\n")
        return Page.layout(
            title: "1:1 채팅", account: account, section: .chat,
            content: """
                <h1>1:1 채팅</h1>
                <div class="chat">
                <div class="card" style="padding:0"><ul class="rooms">\(roomList)</ul></div>
                <div class="card">
                <h2 style="margin-top:0">\(HTML.escape(room?.customerName ?? "")) 고객님 <span class="muted">\(HTML.escape(room?.product ?? ""))</span></h2>
                <div id="live">\(history)</div>
                <form id="send" style="display:flex;gap:8px;margin-top:12px"><input id="text" style="flex:1;padding:8px;border:1px solid #cfd6e2;border-radius:6px" placeholder="메시지를 입력하세요" autocomplete="off"><button class="btn dark" type="submit">전송</button></form>
                <p class="muted" id="status">실시간 연결 중…</p>
                </div>
                </div>
                <script>
                (function(){
                  var current = \(room.map { "'\($0.id)'" } ?? "''");
                  var log = document.getElementById('live');
                  var status = document.getElementById('status');
                  function add(m){
                    var d = document.createElement('div'); d.className = 'msg ' + (m.from === 'seller' ? 'seller' : 'customer');
                    var meta = document.createElement('div'); meta.className = 'meta';
                    meta.textContent = (m.name || '') + ' · ' + (m.room || '') + ' · ' + (m.at || '');
                    var t = document.createElement('div'); t.textContent = m.text;
                    d.appendChild(meta); d.appendChild(t); log.appendChild(d); log.scrollTop = log.scrollHeight;
                  }
                  var ws = new WebSocket((location.protocol==='https:'?'wss://':'ws://')+location.host+'/chat/ws');
                  ws.onopen = function(){ status.textContent = '실시간 연결됨'; };
                  ws.onclose = function(){ status.textContent = '연결이 끊어졌습니다. 새로고침해 주세요.'; };
                  ws.onmessage = function(e){ try { add(JSON.parse(e.data)); } catch (_) {} };
                  document.getElementById('send').onsubmit = function(ev){
                    ev.preventDefault();
                    var i = document.getElementById('text');
                    if (i.value && ws.readyState === 1) { ws.send(JSON.stringify({room: current, text: i.value})); i.value = ''; }
                  };
                  log.scrollTop = log.scrollHeight;
                })();
                </script>
                """)
    }
}

/// Compares secrets without an early exit on the first different byte.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return diff == 0
}

/// Thrown by handlers when no one is logged in (the middleware normally answers first).
struct LoginRequired: HTTPResponseError {
    var status: HTTPResponse.Status { .unauthorized }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Responses.json(["error": "login_required"], status: .unauthorized)
    }
}

extension DemoRequestContext {
    func requireAccount() throws -> DemoAccount {
        guard let account else { throw LoginRequired() }
        return account
    }
}

// MARK: JSON shapes

struct MeJSON: Encodable {
    let account: String
    let roles: [String]
    let email: String
    let name: String
    let shop: String
}

/// The 내정보 data of the logged-in person.
struct AccountJSON: Encodable {
    let account: String
    let name: String
    let title: String
    let phone: String
    let email: String
    let roles: [String]
    let shop: String
    let representative: String
    let businessNumber: String
    let bank: String
    let bankAccount: String
    let accountHolder: String
    let businessAddress: String
    let zipCode: String

    init(_ a: DemoAccount) {
        account = a.account
        name = a.displayName
        title = ShopProfile.title(of: a)
        phone = ShopProfile.phone(of: a.account)
        email = a.email
        roles = a.roles
        shop = ShopProfile.name
        representative = ShopProfile.representative
        businessNumber = ShopProfile.businessNumber
        bank = ShopProfile.bank
        bankAccount = ShopProfile.bankAccount
        accountHolder = ShopProfile.accountHolder
        businessAddress = ShopProfile.address
        zipCode = ShopProfile.zipCode
    }
}

struct UploadJSON: Encodable {
    let bytes: Int
    let fnv1a64: String
}

struct RoomsJSON: Encodable {
    let rooms: [ChatRoom]
}

struct MessagesJSON: Encodable {
    let room: String
    let messages: [ChatMessage]
}

struct IncomingChat: Decodable {
    let room: String?
    let text: String
}

enum ChatJSON {
    static func encode(_ message: ChatMessage) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(message)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
