import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ZIPFoundation

@testable import DemoAdmin

/// Shared helpers for the in-process HTTP tests.
enum TestSupport {
    static func configuration(orders: Int = 2_000) -> DemoAdminConfiguration {
        var c = DemoAdminConfiguration()
        c.port = 0
        c.orderCount = orders
        c.chatMessageInterval = .milliseconds(200)
        return c
    }

    static func application(orders: Int = 2_000) -> some ApplicationProtocol {
        Application(router: DemoAdmin.makeRouter(configuration: configuration(orders: orders)))
    }

    /// Logs in and returns the `Cookie` header value.
    static func login(_ client: some TestClientProtocol, account: String = "seller-a") async throws -> String {
        let password = DemoAdmin.accounts.first { $0.account == account }!.password
        let response = try await client.execute(
            uri: "/login", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "account=\(account)&password=\(FormCoding.percentEncode(password))&next=%2Fsales%2Forders"))
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[.setCookie])
        return String(setCookie.split(separator: ";")[0])
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    /// A small RFC 4180 parser (quoted cells with commas, quotes and newlines).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r\n" || c == "\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    static func gunzip(_ buffer: ByteBuffer) throws -> ByteBuffer {
        var input = buffer
        return try input.decompress(with: .gzip())
    }
}

@Suite struct LoginTests {
    @Test func pagesRequireLogin() async throws {
        try await TestSupport.application().test(.router) { client in
            for path in ["/", "/sales/orders", "/sales/cancels", "/chat/", "/account/", "/sales/orders/export.csv", "/files/bulk?mb=1"] {
                let r = try await client.execute(uri: path, method: .get)
                #expect(r.status == .found, "\(path)")
                #expect(r.headers[.location] == "/login?next=" + FormCoding.percentEncode(path))
            }
            for path in ["/api/me", "/api/orders", "/api/account", "/api/chat/rooms"] {
                let r = try await client.execute(uri: path, method: .get)
                #expect(r.status == .unauthorized, "\(path)")
                #expect(try TestSupport.json(r.body)["error"] as? String == "login_required")
            }
            let upload = try await client.execute(uri: "/api/upload", method: .post, body: ByteBuffer(string: "x"))
            #expect(upload.status == .unauthorized)
            let login = try await client.execute(uri: "/login", method: .get)
            #expect(login.status == .ok)
            #expect(String(buffer: login.body).contains("name=\"password\""))
        }
    }

    @Test func wrongPasswordIsRejected() async throws {
        try await TestSupport.application().test(.router) { client in
            let r = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "account=seller-a&password=wrong"))
            #expect(r.status == .unauthorized)
            #expect(r.headers[.setCookie] == nil)
            #expect(String(buffer: r.body).contains("올바르지 않습니다"))
            let unknown = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "account=nobody&password=seller-a-demo-2026%21"))
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test func loginSetsSessionCookieAndMeWorks() async throws {
        try await TestSupport.application().test(.router) { client in
            let password = FormCoding.percentEncode(DemoAdmin.accounts[1].password)
            let r = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "account=seller-b&password=\(password)&next=%2Fsales%2Fcancels%3Fpage%3D2"))
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/sales/cancels?page=2")
            let setCookie = try #require(r.headers[.setCookie])
            let cookieMatch = setCookie.wholeMatch(of: /demo_session=([0-9a-f]{32}); Path=\/; HttpOnly; SameSite=Lax/)
            #expect(cookieMatch != nil)
            #expect(!setCookie.contains("Domain"))
            let cookie = String(setCookie.split(separator: ";")[0])

            let me = try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: cookie])
            #expect(me.status == .ok)
            let json = try TestSupport.json(me.body)
            #expect(json["account"] as? String == "seller-b")
            #expect(json["roles"] as? [String] == ["seller"])
            #expect(json["email"] as? String == "seller-b@demo-shop.example")
            #expect(json["shop"] as? String == ShopProfile.name)

            // Open redirects are refused.
            let evil = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "account=seller-b&password=\(password)&next=%2F%2Fevil.example%2F"))
            #expect(evil.headers[.location] == "/")

            let logout = try await client.execute(uri: "/logout", method: .post, headers: [.cookie: cookie])
            #expect(logout.status == .seeOther)
            let after = try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: cookie])
            #expect(after.status == .unauthorized)
        }
    }

    @Test func auditorHasAuditorRole() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client, account: "auditor-a")
            let me = try TestSupport.json(try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: cookie]).body)
            #expect(me["roles"] as? [String] == ["auditor"])
        }
    }

    @Test func accountsFileIsWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-accounts-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("nested/accounts.json").path
        try DemoAdmin.writeAccountsFile(to: path)
        let decoded = try JSONDecoder().decode([DemoAccount].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(decoded == DemoAdmin.accounts)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"account\" : \"seller-a\""))
        #expect(text.range(of: "\"account\"")!.lowerBound < text.range(of: "\"displayName\"")!.lowerBound)
    }
}

@Suite struct SalesTests {
    @Test func orderListPageShowsTheRowsOfTheAPI() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            let api = try await client.execute(uri: "/api/orders?page=3&size=20", method: .get, headers: [.cookie: cookie])
            let json = try TestSupport.json(api.body)
            #expect(json["total"] as? Int == 2_000)
            #expect(json["page"] as? Int == 3)
            let orders = try #require(json["orders"] as? [[String: Any]])
            #expect(orders.count == 20)
            let html = try await client.execute(uri: "/sales/orders?page=3&size=20", method: .get, headers: [.cookie: cookie])
            #expect(html.status == .ok)
            #expect(html.headers[.contentType] == "text/html; charset=utf-8")
            let page = String(buffer: html.body)
            #expect(page.contains("<html lang=\"ko\">"))
            for order in orders {
                let no = try #require(order["orderNo"] as? String)
                #expect(page.contains("href=\"/sales/orders/\(no)\""))
                #expect(page.contains(HTML.escape(order["buyerName"] as! String)))
                #expect(page.contains(HTML.escape(order["address"] as! String)))
            }
            // Page 3 of size 20 starts at row 40.
            let expected = OrderGenerator(seed: 20_261_123, count: 2_000).orderNumber(40)
            #expect(orders.first?["orderNo"] as? String == expected)
            let empty = try TestSupport.json(try await client.execute(uri: "/api/orders?page=1000", method: .get, headers: [.cookie: cookie]).body)
            #expect((empty["orders"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func orderDetailAndMemo() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            let no = OrderGenerator(seed: 20_261_123, count: 2_000).orderNumber(17)
            let api = try TestSupport.json(try await client.execute(uri: "/api/orders/\(no)", method: .get, headers: [.cookie: cookie]).body)
            #expect(api["orderNo"] as? String == no)
            let detail = try await client.execute(uri: "/sales/orders/\(no)", method: .get, headers: [.cookie: cookie])
            #expect(detail.status == .ok)
            let page = String(buffer: detail.body)
            #expect(page.contains(HTML.escape(api["receiverPhone"] as! String)))
            #expect(page.contains("action=\"/sales/orders/\(no)/memo\""))

            let memo = try await client.execute(
                uri: "/api/orders/\(no)/memo", method: .post, headers: [.cookie: cookie, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"memo":"부재 시 문 앞에 놓아주세요"}"#))
            #expect(try TestSupport.json(memo.body)["memo"] as? String == "부재 시 문 앞에 놓아주세요")
            let form = try await client.execute(
                uri: "/sales/orders/\(no)/memo", method: .post,
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "memo=" + FormCoding.percentEncode("경비실 보관")))
            #expect(form.status == .seeOther)
            let again = try TestSupport.json(try await client.execute(uri: "/api/orders/\(no)", method: .get, headers: [.cookie: cookie]).body)
            #expect(again["memo"] as? String == "경비실 보관")

            let missing = try await client.execute(uri: "/api/orders/2026112399999999", method: .get, headers: [.cookie: cookie])
            #expect(missing.status == .notFound)
        }
    }

    @Test func cancelsCSVHasOneRowPerCancel() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            let api = try TestSupport.json(try await client.execute(uri: "/api/cancels?size=5", method: .get, headers: [.cookie: cookie]).body)
            let total = try #require(api["total"] as? Int)
            #expect(total > 0)
            let r = try await client.execute(uri: "/sales/cancels/export.csv", method: .get, headers: [.cookie: cookie])
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/csv; charset=utf-8")
            let disposition = try #require(r.headers[.contentDisposition])
            #expect(disposition.hasPrefix("attachment; filename=\"cancels_20261123.csv\"; filename*=UTF-8''"))
            #expect(disposition.contains(FormCoding.percentEncode("취소관리_20261123.csv")))
            let bytes = Array(buffer: r.body)
            #expect(bytes.prefix(3) == [0xEF, 0xBB, 0xBF])
            let rows = TestSupport.parseCSV(String(decoding: bytes.dropFirst(3), as: UTF8.self))
            #expect(rows.count == total + 1)
            #expect(rows[0] == OrderList.cancels.header)
            #expect(rows.allSatisfy { $0.count == OrderList.cancels.header.count })
            let first = try #require((api["orders"] as? [[String: Any]])?.first)
            #expect(rows[1][0] == first["orderNo"] as? String)
            #expect(rows[1][OrderList.cancels.header.firstIndex(of: "배송지주소")!] == first["address"] as? String)
            #expect(rows.dropFirst().allSatisfy { $0[3].isEmpty == false })
        }
    }

    @Test func largeOrderCSVStreamsEveryOrder() async throws {
        try await TestSupport.application(orders: 50_000).test(.router) { client in
            let cookie = try await TestSupport.login(client)
            let r = try await client.execute(uri: "/sales/orders/export.csv", method: .get, headers: [.cookie: cookie])
            #expect(r.status == .ok)
            #expect(r.headers[.contentLength] == nil)
            let text = String(buffer: r.body)
            let lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
            #expect(lines.count == 50_001)
        }
    }

    @Test func returnsXlsxIsAValidWorkbook() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            let api = try TestSupport.json(try await client.execute(uri: "/api/returns", method: .get, headers: [.cookie: cookie]).body)
            let total = try #require(api["total"] as? Int)
            let r = try await client.execute(uri: "/sales/returns/export.xlsx", method: .get, headers: [.cookie: cookie, .acceptEncoding: "gzip"])
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(r.headers[.contentEncoding] == nil)
            #expect(r.headers[.contentDisposition]?.contains(FormCoding.percentEncode("반품관리_20261123.xlsx")) == true)
            let data = Data(buffer: r.body)
            #expect(data.prefix(2) == Data("PK".utf8))
            let archive = try Archive(data: data, accessMode: .read)
            for path in ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"] {
                #expect(archive[path] != nil, "\(path)")
            }
            var sheet = Data()
            _ = try archive.extract(archive["xl/worksheets/sheet1.xml"]!) { sheet.append($0) }
            let xml = String(decoding: sheet, as: UTF8.self)
            #expect(xml.components(separatedBy: "<row ").count - 1 == total + 1)
            #expect(xml.contains("t=\"inlineStr\""))
            #expect(xml.contains("<t>반품사유</t>"))
            #expect(xml.contains("<v>"))
            // Same seed, same bytes.
            let again = try await client.execute(uri: "/sales/returns/export.xlsx", method: .get, headers: [.cookie: cookie])
            #expect(Data(buffer: again.body) == data)
        }
    }

    @Test func gzipDecompressesToTheIdentityBytes() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            for path in ["/sales/orders?size=100", "/api/orders?size=200", "/sales/cancels/export.csv", "/account/"] {
                let plain = try await client.execute(uri: path, method: .get, headers: [.cookie: cookie])
                let gz = try await client.execute(uri: path, method: .get, headers: [.cookie: cookie, .acceptEncoding: "gzip, deflate, br"])
                #expect(plain.headers[.contentEncoding] == nil)
                #expect(plain.headers[.vary] == "Accept-Encoding")
                #expect(gz.headers[.contentEncoding] == "gzip", "\(path)")
                #expect(gz.headers[.vary] == "Accept-Encoding")
                #expect(gz.body.readableBytes < plain.body.readableBytes)
                #expect(try TestSupport.gunzip(gz.body) == plain.body, "\(path)")
            }
            let refused = try await client.execute(uri: "/api/orders", method: .get, headers: [.cookie: cookie, .acceptEncoding: "gzip;q=0, identity"])
            #expect(refused.headers[.contentEncoding] == nil)
        }
    }

    @Test func listPagesAndAccountRender() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            for (path, marker) in [
                ("/", "/sales/orders"), ("/sales/cancels", "/sales/cancels/export.xlsx"), ("/sales/returns", "/sales/returns/export.csv"),
                ("/sales/orders", "/sales/orders/export.xlsx"), ("/chat/", "/chat/ws"), ("/account/", ShopProfile.businessNumber),
            ] {
                let r = try await client.execute(uri: path, method: .get, headers: [.cookie: cookie])
                #expect(r.status == .ok, "\(path)")
                #expect(String(buffer: r.body).contains(marker), "\(path)")
            }
            let account = try TestSupport.json(try await client.execute(uri: "/api/account", method: .get, headers: [.cookie: cookie]).body)
            #expect(account["bankAccount"] as? String == ShopProfile.bankAccount)
            #expect(account["phone"] as? String == ShopProfile.phone(of: "seller-a"))
            let rooms = try TestSupport.json(try await client.execute(uri: "/api/chat/rooms", method: .get, headers: [.cookie: cookie]).body)
            let first = try #require((rooms["rooms"] as? [[String: Any]])?.first?["id"] as? String)
            let messages = try TestSupport.json(
                try await client.execute(uri: "/api/chat/rooms/\(first)/messages", method: .get, headers: [.cookie: cookie]).body)
            #expect(((messages["messages"] as? [Any])?.count ?? 0) >= 6)
        }
    }
}

@Suite struct FileTests {
    @Test func bulkReturnsExactlyOneMebibyte() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            let r = try await client.execute(uri: "/files/bulk?mb=1", method: .get, headers: [.cookie: cookie, .acceptEncoding: "gzip"])
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/octet-stream")
            #expect(r.headers[.contentEncoding] == nil)
            #expect(r.headers[.contentLength] == "1048576")
            #expect(r.body.readableBytes == 1_048_576)
            let again = try await client.execute(uri: "/files/bulk?mb=1", method: .get, headers: [.cookie: cookie])
            #expect(again.body == r.body)
        }
    }

    @Test func uploadCountsAndHashesBytes() async throws {
        try await TestSupport.application().test(.router) { client in
            let cookie = try await TestSupport.login(client)
            var payload = ByteBuffer()
            for i in 0..<300_000 { payload.writeInteger(UInt8(truncatingIfNeeded: i &* 31)) }
            let r = try await client.execute(uri: "/api/upload", method: .post, headers: [.cookie: cookie], body: payload)
            #expect(r.status == .ok)
            let json = try TestSupport.json(r.body)
            #expect(json["bytes"] as? Int == 300_000)
            var hasher = FNV1a64()
            hasher.update(Array(buffer: payload))
            #expect(json["fnv1a64"] as? String == hasher.hex)
        }
    }
}
