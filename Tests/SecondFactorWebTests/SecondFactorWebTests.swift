import Crypto
import Foundation
import GuardProxy
import GuardTestSupport
import HTTPTypes
import Testing

@testable import SecondFactorWeb

@Suite("Second factor on the web: session cookie, CSRF, next, identity headers, form bodies")
struct SecondFactorWebTests {
    @Test func aNewSessionHas256RandomBitsAndACookieTheBrowserBindsToTheOrigin() {
        let one = GuardSession.from([:])
        let two = GuardSession.from([:])
        #expect(one.isNew)
        #expect(one.id != two.id)
        #expect(one.id.count == 43)  // 32 bytes, base64url without padding
        #expect(one.setCookie == "__Host-pii-guard=\(one.id); Path=/; Secure; HttpOnly; SameSite=Lax")
        let back = GuardSession.from([.cookie: "demo_session=1; \(GuardSession.cookieName)=\(one.id)"])
        #expect(!back.isNew)
        #expect(back.id == one.id)
        #expect(back.hash == one.hash)
        #expect(back.hash != one.id && back.hash.count == 64)
        // A malformed value is no session.
        #expect(GuardSession.existing(in: [.cookie: "\(GuardSession.cookieName)=short"]) == nil)
        #expect(GuardSession.existing(in: [.cookie: "\(GuardSession.cookieName)=\(String(repeating: "%", count: 43))"]) == nil)
    }

    @Test func csrfTokensBelongToOneSessionAndAKey() {
        let key = SymmetricKey(size: .bits256)
        let session = GuardSession.from([.cookie: "\(GuardSession.cookieName)=\(GuardSession.newID())"])
        let token = session.csrfToken(key: key)
        #expect(session.acceptsCSRF(token, key: key))
        #expect(!session.acceptsCSRF(nil, key: key))
        #expect(!session.acceptsCSRF(token + "x", key: key))
        #expect(!session.acceptsCSRF(token, key: SymmetricKey(size: .bits256)))
        let other = GuardSession.from([.cookie: "\(GuardSession.cookieName)=\(GuardSession.newID())"])
        #expect(!other.acceptsCSRF(token, key: key))
        // A session the browser did not send yet cannot have submitted a form.
        let fresh = GuardSession.from([:])
        #expect(!fresh.acceptsCSRF(fresh.csrfToken(key: key), key: key))
    }

    @Test(arguments: [
        ("/sales/orders?status=paid", "/sales/orders?status=paid"),
        ("/", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ])
    func nextIsOnlyEverAPathOnThisOrigin(given: String, kept: String) {
        #expect(StepUp.safeNext(given) == kept)
    }

    @Test func formBodiesDecodePlusAndPercent() {
        let fields = FormFields.parse("email=a%2Bb%40mail.example&name=%ED%99%8D+%EA%B8%B8%EB%8F%99&next=%2Fsales&empty=&email=second")
        #expect(fields["email"] == "a+b@mail.example")
        #expect(fields["name"] == "홍 길동")
        #expect(fields["next"] == "/sales")
        #expect(fields["empty"] == "")
    }

    @Test func identityHeadersAreSignedSoThatAnIndependentHMACAgrees() throws {
        let keyBytes = Array(repeating: UInt8(7), count: 32)
        let headers = IdentityHeaders(key: SymmetricKey(data: keyBytes))
        let fields = headers.fields(account: "판매자 a", verifiedAt: Date(timeIntervalSince1970: 1_795_000_000), requestID: "rid-1")
        #expect(fields[IdentityHeaders.account] == "%ED%8C%90%EB%A7%A4%EC%9E%90%20a")
        #expect(fields[IdentityHeaders.verifiedAt] == "1795000000")
        let signature = try #require(fields[IdentityHeaders.signature])
        // What an admin would compute, in another language.
        guard Python.has("hmac") else { return }
        let expected = try Python.output("""
            import hmac, hashlib, sys
            key = bytes([7]) * 32
            message = "v1\\n" + sys.argv[1] + "\\n" + sys.argv[2] + "\\n" + sys.argv[3]
            print("v1=" + hmac.new(key, message.encode(), hashlib.sha256).hexdigest())
            """, arguments: [fields[IdentityHeaders.account]!, "1795000000", "rid-1"])
        #expect(signature == expected.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func onlyPageNavigationsAreRedirectedScriptsGetJSON() {
        func request(_ method: HTTPRequest.Method, _ headers: HTTPFields, socket: Bool = false) -> GateRequest {
            GateRequest(siteName: "s", method: method, path: "/sales/orders", headers: headers, clientAddress: nil,
                        isWebSocket: socket, requestID: "r")
        }
        #expect(StepUpGate.isPageNavigation(request(.get, [.accept: "text/html,*/*"])))
        #expect(StepUpGate.isPageNavigation(request(.get, [.accept: "text/html", .init("Sec-Fetch-Mode")!: "navigate"])))
        #expect(!StepUpGate.isPageNavigation(request(.get, [.accept: "text/html", .init("Sec-Fetch-Mode")!: "cors"])))
        #expect(!StepUpGate.isPageNavigation(request(.get, [.accept: "text/html", .init("X-Requested-With")!: "XMLHttpRequest"])))
        #expect(!StepUpGate.isPageNavigation(request(.get, [.accept: "application/json"])))
        #expect(!StepUpGate.isPageNavigation(request(.post, [.accept: "text/html"])))
        #expect(!StepUpGate.isPageNavigation(request(.get, [.accept: "text/html"], socket: true)))
    }

    @Test func recentValidVerdictsAreReusedBrieflyAndDroppedWhenProofsChange() {
        let cache = VerdictCache(ttl: .seconds(1))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let key = VerdictCache.key(site: "admin", sessionHash: "h", account: "seller-a", client: "127.0.0.1")
        let verified = now.addingTimeInterval(-60)
        #expect(cache.validProof(key, now: now) == nil)
        cache.remember(key, site: "admin", account: "seller-a", verifiedAt: verified, now: now)
        #expect(cache.validProof(key, now: now.addingTimeInterval(0.5)) == verified)
        #expect(cache.validProof(key, now: now.addingTimeInterval(1)) == nil)  // expired
        cache.remember(key, site: "admin", account: "seller-a", verifiedAt: verified, now: now)
        #expect(cache.validProof(key, now: now.addingTimeInterval(-5)) == nil)  // a clock that went back does not extend it
        cache.remember(key, site: "admin", account: "seller-a", verifiedAt: verified, now: now)
        cache.forget(account: "seller-b", site: "admin")
        #expect(cache.validProof(key, now: now) == verified)
        cache.forget(account: "seller-a", site: "admin")
        #expect(cache.validProof(key, now: now) == nil)
        let off = VerdictCache(ttl: .zero)
        off.remember(key, site: "admin", account: "seller-a", verifiedAt: verified, now: now)
        #expect(off.validProof(key, now: now) == nil)
    }
}
