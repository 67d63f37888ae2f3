import AuditTrail
import Foundation
import GuardProxy
import GuardStore
import GuardTestSupport
import HummingbirdWSClient
import Logging
import MaskingStage
import NIOSSL
import PIIMasking
import Testing

/// Masking through the demo, after the second factor: 판매관리, 1:1 채팅 (history and live frames) and 내정보 reach the
/// browser masked. Every value the admin sent is looked for in what the browser got.
@Suite("Masking end to end", .serialized)
struct MaskingEndToEndTests {
    static let phone = try! NSRegularExpression(pattern: "01[016789]-[0-9]{3,4}-[0-9]{4}")

    static func phones(_ text: String) -> Set<String> {
        Set(Self.phone.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range, in: text).map { String(text[$0]) }
        })
    }

    static func verifiedBrowser(_ harness: SecondFactorHarness, _ account: String = "seller-a") async throws -> Browser {
        let browser = harness.browser()
        try await browser.login(account)
        _ = try await browser.enrollTOTP(account)
        return browser
    }

    @Test("판매관리: the order list arrives masked, plain and gzip; nothing the admin sent is readable")
    func ordersAreMasked() async throws {
        guard Python.has("pyotp") else { return }
        try await SecondFactorHarness.run { harness in
            let browser = try await Self.verifiedBrowser(harness)
            let direct = try await browser.direct("/sales/orders")
            let sent = Self.phones(direct)
            #expect(sent.count >= 20, "the demo's order list shows phone numbers")
            let page = try await browser.open("/sales/orders")
            #expect(page.status == 200)
            #expect(Self.phones(page.body).isEmpty, "no phone number readable")
            #expect(page.body.contains("010-****-"))
            #expect(page.body.contains("주문번호"), "the page is still the order list")
            let gzip = try await browser.request("GET", "/sales/orders", headers: [("Accept", "text/html"),
                                                                             ("Accept-Encoding", "gzip")], compressed: true)
            #expect(gzip.header("content-encoding") == "gzip")
            #expect(gzip.body == page.body, "gzip or not, the same masked page")
            let api = try await browser.api("GET", "/api/orders/")
            #expect(api.status == 200)
            #expect(Self.phones(api.body).isEmpty)
            let summaries = harness.masking.summaries.filter { $0.menu == "sales" }
            #expect(summaries.contains { ($0.tally.counts[.phone] ?? 0) >= 20 }, "the access records get the counts")
            let shownOrders = Set(direct.matches(of: /2026[0-9]{12}/).map { String($0.output) })
            #expect(shownOrders.count >= 20)
            #expect(summaries.contains { Set($0.tally.subjects.keys) == shownOrders },
                    "and the order numbers the page showed, as its data subjects (rules/menus.yaml subjects)")
        }
    }

    @Test("내정보: the seller's own account page is masked too")
    func accountIsMasked() async throws {
        guard Python.has("pyotp") else { return }
        try await SecondFactorHarness.run { harness in
            let browser = try await Self.verifiedBrowser(harness)
            let direct = try await browser.direct("/api/account")
            let account = try #require(try JSONSerialization.jsonObject(with: Data(direct.utf8)) as? [String: Any])
            let page = try await browser.open("/account/")
            #expect(page.status == 200)
            // The account card (the page header greets the signed-in seller by name; see the closing note of issue 4).
            let card = try #require(page.body.range(of: "<dl class=\"grid\">").map { String(page.body[$0.lowerBound...]) })
            for key in ["name", "phone", "email", "bankAccount", "businessAddress"] {
                let value = try #require(account[key] as? String)
                #expect(!card.contains(value), "\(key) readable on 내정보")
            }
            #expect(page.body.contains("내정보"))
        }
    }

    @Test("1:1 채팅: history over JSON and live WebSocket frames arrive masked")
    func chatIsMasked() async throws {
        guard Python.has("pyotp") else { return }
        try await SecondFactorHarness.run { harness in
            let browser = try await Self.verifiedBrowser(harness)
            let listing = try #require(try JSONSerialization.jsonObject(with: Data(try await browser.direct("/api/chat/rooms").utf8))
                as? [String: Any])
            let rooms = try #require(listing["rooms"] as? [[String: Any]])
            let names = rooms.compactMap { $0["customerName"] as? String }
            let phones = Set(rooms.compactMap { $0["customerPhone"] as? String })
            #expect(names.count >= 4)
            let history = try await browser.api("GET", "/api/chat/rooms/r1001/messages")
            #expect(history.status == 200)
            for name in names { #expect(!history.body.contains("\"name\":\"\(name)\""), "name in chat history") }
            for phone in phones { #expect(!history.body.contains(phone), "phone in chat history") }
            let page = try await browser.open("/chat/")
            for name in names { #expect(!page.body.contains(">\(name)<"), "name in the chat page") }

            // Live frames, through the guard's WebSocket relay.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(harness.caFile)
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders[.cookie] = browser.cookieHeader
            configuration.sniHostname = "localhost"
            var logger = Logger(label: "ws-test")
            logger.logLevel = .warning
            let frames = FrameBox()
            try await WebSocketClient.connect(url: "wss://127.0.0.1:\(harness.port)/chat/ws", configuration: configuration,
                                              tlsConfiguration: tls, logger: logger) { inbound, outbound, _ in
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                for _ in 0..<6 {
                    guard case .text(let text) = try await iterator.next() else { break }
                    await frames.add(text)
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            let received = await frames.all
            #expect(received.count >= 3)
            for frame in received {
                for name in names { #expect(!frame.contains("\"name\":\"\(name)\""), "name in a live frame") }
                #expect(Self.phones(frame).isEmpty, "phone in a live frame")
            }
            #expect(harness.masking.summaries.contains { $0.contentKind == "websocket" && $0.tally.total > 0 })
            // Opening the live channel of 1:1 채팅 is an access of its own in the records.
            let opened = try await harness.audit.log.query(AuditLogFilter(menuID: "chat"), limit: 100)
                .map { try AuditRecord(row: $0) }
            #expect(opened.contains { $0.path == "/chat/ws" && $0.status == 101 && $0.account == "seller-a" })
            let orders = Set(rooms.compactMap { $0["orderNo"] as? String })
            #expect(orders.count >= 4)
            _ = try await browser.api("GET", "/api/chat/rooms")
            let roomList = try await harness.audit.log.query(AuditLogFilter(menuID: "chat"), limit: 100)
                .map { try AuditRecord(row: $0) }.last { $0.path == "/api/chat/rooms" }
            #expect(roomList.map { orders.isSubset(of: Set($0.subjects)) } == true, "the room list's record names the orders it showed")
        }
    }
}

actor FrameBox {
    var all: [String] = []
    func add(_ text: String) { self.all.append(text) }
}

@Suite("Masking fails closed")
struct MaskingFailsClosedTests {
    @Test("A body the masker cannot read becomes a 502 page, never the original bytes")
    func unreadableBodiesAreRefused() async throws {
        try await TestUpstream.run { port in
            // Every path of the test upstream is a personal-information menu masked by the default profile.
            let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all)
            let rules = MaskingRules(menuForPath: { _, _ in "sales" }, maskers: ["sales": masker])
            let hooks = ProxyHooks(responseTransformer: MaskingTransformer(rules: { rules }, report: RecordingMaskingReport()))
            try await Harness.run(extraSites: [("upstream", ["localhost"], "http://127.0.0.1:\(port)")],
                                  demoHosts: ["127.0.0.1"], hooks: hooks) { harness in
                let broken = try await harness.fetch(harness.proxyBase + "/broken-json", headers: [("Host", "localhost")])
                #expect(broken.status == 502)
                #expect(!broken.text.contains("010-1234-5678"))
                let unknownCoding = try await harness.fetch(harness.proxyBase + "/brotli", headers: [("Host", "localhost")])
                #expect(unknownCoding.status == 502)
                #expect(!unknownCoding.text.contains("홍길동"))
                let fine = try await harness.fetch(harness.proxyBase + "/pii-json", headers: [("Host", "localhost")])
                #expect(fine.status == 200)
                #expect(fine.text.contains("010-****-5678"))
                #expect(!fine.text.contains("010-1234-5678"))
            }
        }
    }
}
