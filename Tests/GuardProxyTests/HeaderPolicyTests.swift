import HTTPTypes
import NIOCore
import Testing

@testable import GuardProxy

@Suite("Header policy")
struct HeaderPolicyTests {
    let upstream = try! UpstreamOrigin(url: "http://10.0.0.5:9080")
    let trusted = [IPAddressRange("10.1.0.0/16")!]

    func forward(_ incoming: HTTPFields, peer: String) -> HTTPFields {
        let peerAddress = IPAddress(peer)
        let client = HeaderPolicy.clientAddress(peer: peerAddress, headers: incoming, trusted: self.trusted)
        return HeaderPolicy.upstreamRequestFields(
            incoming: incoming, peer: peerAddress, client: client, trusted: self.trusted,
            publicHost: "admin.example.kr", publicPort: 443, upstream: self.upstream, requestID: "rid")
    }

    @Test func hopByHopFieldsAndThoseNamedByConnectionAreRemoved() {
        var fields: HTTPFields = [.connection: "keep-alive, X-Secret-Hop", .init("Keep-Alive")!: "timeout=5",
                                  .te: "trailers", .init("X-Secret-Hop")!: "1", .accept: "text/html"]
        HeaderPolicy.removeHopByHop(&fields)
        #expect(fields[.connection] == nil)
        #expect(fields[.init("Keep-Alive")!] == nil)
        #expect(fields[.te] == nil)
        #expect(fields[.init("X-Secret-Hop")!] == nil)
        #expect(fields[.accept] == "text/html")
    }

    @Test func forwardedHeadersFromAnUntrustedPeerAreReplaced() {
        let incoming: HTTPFields = [.init("X-Forwarded-For")!: "1.2.3.4", .init("X-Forwarded-Host")!: "evil.example",
                                    .init("X-Forwarded-Proto")!: "http", .init("X-Real-IP")!: "1.2.3.4"]
        let out = self.forward(incoming, peer: "127.0.0.9")
        #expect(out[.init("X-Forwarded-For")!] == "127.0.0.9")
        #expect(out[.init("X-Forwarded-Host")!] == "admin.example.kr")
        #expect(out[.init("X-Forwarded-Proto")!] == "https")
        #expect(out[.init("X-Real-IP")!] == "127.0.0.9")
        #expect(out[.init("X-Request-ID")!] == "rid")
    }

    @Test func aTrustedProxyNamesTheClient() {
        let incoming: HTTPFields = [.init("X-Forwarded-For")!: "203.0.113.7, 10.1.2.3"]
        let client = HeaderPolicy.clientAddress(peer: IPAddress("10.1.9.9"), headers: incoming, trusted: self.trusted)
        #expect(client == IPAddress("203.0.113.7"))
        let out = self.forward(incoming, peer: "10.1.9.9")
        #expect(out[.init("X-Forwarded-For")!] == "203.0.113.7, 10.1.2.3, 10.1.9.9")
        #expect(out[.init("X-Real-IP")!] == "203.0.113.7")
    }

    @Test func garbageInATrustedChainFallsBackToThePeer() {
        let incoming: HTTPFields = [.init("X-Forwarded-For")!: "not-an-ip"]
        #expect(HeaderPolicy.clientAddress(peer: IPAddress("10.1.0.1"), headers: incoming, trusted: self.trusted)
                == IPAddress("10.1.0.1"))
    }

    @Test func onlyDecodableContentCodingsAreOfferedUpstream() {
        let out = self.forward([.acceptEncoding: "br, gzip;q=0.9, zstd, deflate"], peer: "127.0.0.1")
        #expect(out[.acceptEncoding] == "gzip;q=0.9, deflate")
        let none = self.forward([.acceptEncoding: "br"], peer: "127.0.0.1")
        #expect(none[.acceptEncoding] == "identity")
    }

    @Test func theGuardsOwnHeadersAndCookiesNeverComeFromTheBrowserOrGoUpstream() {
        var incoming: HTTPFields = [.init("X-PII-Guard-Account")!: "auditor-a", .init("x-pii-guard-signature")!: "v1=00",
                                    .accept: "text/html"]
        incoming.append(HTTPField(name: .cookie, value: "demo_session=abc; __Host-pii-guard=secret-id"))
        incoming.append(HTTPField(name: .cookie, value: "__Host-pii-guard=other"))
        incoming.append(HTTPField(name: .cookie, value: "theme=dark"))
        let out = self.forward(incoming, peer: "127.0.0.1")
        #expect(out[.init("X-PII-Guard-Account")!] == nil)
        #expect(out[.init("X-PII-Guard-Signature")!] == nil)
        #expect(out[values: .cookie] == ["demo_session=abc", "theme=dark"])
        #expect(out[.accept] == "text/html")
        var only: HTTPFields = [.cookie: "__Host-pii-guard=x"]
        HeaderPolicy.removeGuardCookies(&only)
        #expect(only[.cookie] == nil)
    }

    @Test func splitHTTP2CookiesAreJoinedForTheUpstream() {
        var incoming = HTTPFields()
        incoming.append(HTTPField(name: .cookie, value: "a=1"))
        incoming.append(HTTPField(name: .cookie, value: "b=2"))
        let out = self.forward(incoming, peer: "127.0.0.1")
        let lines = HeaderPolicy.http1Lines(out).filter { $0.0 == "Cookie" }
        #expect(lines.count == 1)
        #expect(lines.first?.1 == "a=1; b=2")
    }

    @Test func responseFieldsAreRewrittenAndHSTSAdded() {
        let rewriter = OriginRewriter(upstream: self.upstream, publicOrigin: "https://admin.example.kr")
        var fields: HTTPFields = [.location: "http://10.0.0.5:9080/sales/orders?page=2", .connection: "close"]
        fields.append(HTTPField(name: .setCookie, value: "sid=abc; Domain=10.0.0.5; Path=/; HttpOnly"))
        let out = HeaderPolicy.downstreamResponseFields(upstream: fields, rewriter: rewriter, hstsMaxAge: 600, requestID: "r1")
        #expect(out[.location] == "https://admin.example.kr/sales/orders?page=2")
        #expect(out[.setCookie] == "sid=abc; Path=/; HttpOnly; Secure")
        #expect(out[.connection] == nil)
        #expect(out[.strictTransportSecurity] == "max-age=600")
    }

    @Test func theUpstreamCannotSetTheGuardsCookiesAndItsCookiesBecomeSecure() {
        let rewriter = OriginRewriter(upstream: self.upstream, publicOrigin: "https://admin.example.kr")
        var fields = HTTPFields()
        for value in ["__Host-pii-guard=chosen-by-the-admin; Path=/; Secure; HttpOnly",
                      "__Host-pii-guard-export=x; Path=/; Secure",
                      "__HOST-PII-GUARD=upper; Path=/; Secure",
                      " __Host-pii-guard=spaced; Path=/",
                      "__Host-pii-guard; Path=/",
                      "=__Host-pii-guard=nameless; Path=/",
                      "__Host-pii-guard=; Max-Age=0; Path=/; Secure",
                      "sid=abc; Path=/; HttpOnly",
                      "theme=dark; secure; Path=/",
                      "pii-guard-note=1"] {
            fields.append(HTTPField(name: .setCookie, value: value))
        }
        let out = HeaderPolicy.downstreamResponseFields(upstream: fields, rewriter: rewriter, hstsMaxAge: 0, requestID: "r")
        #expect(out[values: .setCookie] == ["sid=abc; Path=/; HttpOnly; Secure", "theme=dark; secure; Path=/",
                                            "pii-guard-note=1; Secure"])
    }

    @Test func theUpstreamsSoftwareBannersAreDropped() {
        let rewriter = OriginRewriter(upstream: self.upstream, publicOrigin: "https://admin.example.kr")
        let fields: HTTPFields = [.server: "Apache/2.4.41 (Ubuntu)", .init("X-Powered-By")!: "PHP/7.4.3",
                                  .init("x-aspnet-version")!: "4.0.30319", .init("X-AspNetMvc-Version")!: "5.2",
                                  .contentType: "text/html"]
        let out = HeaderPolicy.downstreamResponseFields(upstream: fields, rewriter: rewriter, hstsMaxAge: 0, requestID: "r")
        #expect(out[.server] == nil)
        #expect(out[.init("X-Powered-By")!] == nil)
        #expect(out[.init("X-AspNet-Version")!] == nil)
        #expect(out[.init("X-AspNetMvc-Version")!] == nil)
        #expect(out[.contentType] == "text/html")
    }

    @Test func underscoreSpellingsNeverReachTheUpstream() {
        // CGI/WSGI read `X_PII_GUARD_ACCOUNT` and `X-PII-Guard-Account` as one variable; the same for the forwarding
        // fields this proxy replaces.
        let incoming: HTTPFields = [.init("X_PII_GUARD_ACCOUNT")!: "auditor-a", .init("x_pii_guard-signature")!: "v1=00",
                                    .init("X-Pii-Guard_Verified-At")!: "0", .init("X_Forwarded_For")!: "6.6.6.6",
                                    .init("X_Real_IP")!: "6.6.6.6", .init("Custom_Thing")!: "1",
                                    .init("X-Custom-Thing")!: "kept", .accept: "text/html"]
        let out = self.forward(incoming, peer: "127.0.0.1")
        #expect(!out.contains { $0.name.canonicalName.contains("_") })
        #expect(!out.contains { $0.value.contains("6.6.6.6") || $0.value == "auditor-a" })
        #expect(out[.init("X-Custom-Thing")!] == "kept")
        #expect(out[.accept] == "text/html")
        #expect(HeaderPolicy.isDroppedFromBrowser(.init("X-PII-GUARD-ACCOUNT")!))
        #expect(!HeaderPolicy.isDroppedFromBrowser(.init("X-PII-Guardian")!))
    }
}

@Suite("Addresses")
struct IPAddressTests {
    @Test func rangesContainTheirAddresses() {
        #expect(IPAddressRange("10.0.0.0/8")!.contains(IPAddress("10.200.3.4")!))
        #expect(!IPAddressRange("10.0.0.0/8")!.contains(IPAddress("11.0.0.1")!))
        #expect(IPAddressRange("127.0.0.0/8")!.contains(IPAddress("::ffff:127.0.0.1")!))
        #expect(IPAddressRange("2001:db8::/32")!.contains(IPAddress("2001:db8:1::5")!))
        #expect(!IPAddressRange("2001:db8::/32")!.contains(IPAddress("2001:db9::1")!))
        #expect(IPAddressRange("192.168.1.7")!.contains(IPAddress("192.168.1.7")!))
        #expect(IPAddressRange("10.0.0.0/33") == nil)
        #expect(IPAddress("[::1]")?.description == "::1")
        #expect(IPAddress("999.1.1.1") == nil)
    }
}

@Suite("Origin rewriting")
struct OriginRewriterTests {
    @Test func basePathIsMappedToTheProxyRoot() throws {
        let rewriter = OriginRewriter(upstream: try UpstreamOrigin(url: "https://admin.internal/seller/"),
                                      publicOrigin: "https://guard.example.kr:8443")
        #expect(rewriter.rewriteURL("https://admin.internal/seller/orders") == "https://guard.example.kr:8443/orders")
        #expect(rewriter.rewriteURL("https://admin.internal:443/seller") == "https://guard.example.kr:8443/")
        #expect(rewriter.rewriteURL("/seller/orders?x=1") == "/orders?x=1")
        #expect(rewriter.rewriteURL("https://other.example/seller/x") == "https://other.example/seller/x")
        #expect(rewriter.rewriteSetCookie("s=1; Path=/seller; Domain=.admin.internal; Secure")
                == "s=1; Path=/; Secure")
        #expect(rewriter.rewriteSetCookie("s=1; Domain=shop.example") == "s=1; Domain=shop.example")
    }

    @Test func linksAreRewrittenTheSameForEveryChunking() throws {
        let rewriter = OriginRewriter(upstream: try UpstreamOrigin(url: "http://127.0.0.1:9080"),
                                      publicOrigin: "https://localhost:8443")
        let body = Array(#"<a href="http://127.0.0.1:9080/sales/orders">주문</a> <script>new WebSocket("ws://127.0.0.1:9080/chat/ws")</script> http://127.0.0.1:90801 http://127.0.0.1:9080"#.utf8)
        let expected = #"<a href="https://localhost:8443/sales/orders">주문</a> <script>new WebSocket("wss://localhost:8443/chat/ws")</script> https://localhost:84431 https://localhost:8443"#
        for size in [1, 2, 3, 7, 13, 21, 22, 23, body.count] {
            let transform = LinkRewriteTransform(rewriter: rewriter)
            var out = ByteBuffer()
            var index = 0
            while index < body.count {
                let end = min(body.count, index + size)
                var piece = try transform.process(ByteBuffer(bytes: body[index..<end]))
                out.writeBuffer(&piece)
                index = end
            }
            var tail = try transform.finish()
            out.writeBuffer(&tail)
            #expect(String(buffer: out) == expected, "chunk size \(size)")
        }
    }
}

@Suite("Error pages")
struct ErrorPageTests {
    @Test func koreanByDefaultEnglishWhenPreferred() {
        #expect(!ErrorPage.prefersEnglish(nil))
        #expect(!ErrorPage.prefersEnglish("ko-KR,ko;q=0.9,en;q=0.8"))
        #expect(ErrorPage.prefersEnglish("en-US,en;q=0.9,ko;q=0.5"))
        #expect(!ErrorPage.prefersEnglish("fr-FR"))
        #expect(ErrorPage.prefersEnglish("fr;q=1, en;q=0.7, ko;q=0.3"))
    }

    @Test func pagesCarryStatusRequestIDAndNoInternals() {
        let korean = ErrorPage.response(.upstreamUnavailable, requestID: "abc123", request: [:])
        #expect(korean.status == .badGateway)
        #expect(korean.headers[.contentLanguage] == "ko")
        let json = ErrorPage.response(.upstreamTimeout, requestID: "abc123", request: [.accept: "application/json"])
        #expect(json.status == .gatewayTimeout)
        #expect(json.headers[.contentType]?.hasPrefix("application/json") == true)
    }
}
