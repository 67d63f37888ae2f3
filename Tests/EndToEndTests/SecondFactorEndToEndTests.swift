import Foundation
import GuardTestSupport
import SecondFactor
import Testing

/// The second factor through real sockets: demo admin, guard, curl as the browser (so it can bind 127.0.0.2),
/// aiosmtpd receiving e-mail codes, a loopback SMS/messenger gateway, pyotp computing TOTP codes.
@Suite("Second factor end to end", .serialized)
struct SecondFactorEndToEndTests {
    static let pyotp = Python.has("pyotp")
    static let smtp = TestSMTPServer.available

    @Test("A page request to 판매관리 without registration goes to registration; a script gets 401 JSON; outside the menus nothing changes")
    func unverifiedRequestsAreSentToTheSecondFactor() async throws {
        try await SecondFactorHarness.run { harness in
            let browser = harness.browser()
            // Not logged in to the admin: the admin's own login redirect comes through.
            let anonymous = try await browser.open("/sales/orders")
            #expect(anonymous.status == 302)
            #expect(anonymous.location?.contains("/login") == true)

            try await browser.login("seller-a")
            let page = try await browser.open("/sales/orders?status=paid")
            #expect(page.status == 303)
            #expect(page.location == "/__guard/enroll?next=/sales/orders%3Fstatus%3Dpaid")
            #expect(page.header("x-request-id") != nil)
            #expect(page.header("strict-transport-security") != nil)
            let script = try await browser.api("GET", "/api/orders/")
            #expect(script.status == 401)
            #expect(script.json["error"] as? String == "second_factor_required")
            #expect((script.json["verify_url"] as? String)?.hasPrefix("/__guard/") == true)
            // A WebSocket upgrade to the chat without proof is not upgraded.
            let socket = try await browser.request("GET", "/chat/ws", headers: [
                ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("--http1.1", "")])
            #expect(socket.status != 101)
            // Outside the personal-information menus nothing is asked.
            #expect(try await browser.open("/").status == 200)
            // The registration page is a real form: labelled fields, CSRF token, the guard's cookie.
            let enroll = try await browser.open("/__guard/enroll?next=/sales/orders")
            #expect(enroll.status == 200)
            #expect(enroll.body.contains("<label for=\"email\">"))
            #expect(Browser.hiddenValue("csrf", in: enroll.body) != nil)
            let cookie = try #require(enroll.header("set-cookie"))
            #expect(cookie.hasPrefix("__Host-pii-guard="))
            #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/") && !cookie.contains("Domain"))
        }
    }

    @Test("SMS registration: the phone code through the gateway, the e-mail code through a real SMTP server; then the menu opens")
    func smsAndEmailCodesTravelThroughRealPeers() async throws {
        guard Self.smtp else {
            print("skipped: python3 with aiosmtpd is not installed (pip install aiosmtpd)")
            return
        }
        try await SecondFactorHarness.run(smtp: true) { harness in
            let browser = harness.browser()
            try await browser.login("seller-a")
            // Through the pages, as a person would.
            let form = try await browser.open("/__guard/enroll?next=/sales/orders")
            let sameEmail = try await browser.submit("/__guard/enroll", from: form, [
                ("channel", "sms"), ("phone", "010-2345-6789"), ("email", "seller-a@demo-shop.example")])
            #expect(sameEmail.status == 400)
            #expect(sameEmail.body.contains("계정 이메일과 달라야"))
            #expect(sameEmail.body.contains("value=\"010-2345-6789\""))  // nothing typed is lost
            let begun = try await browser.submit("/__guard/enroll", from: form, [
                ("channel", "sms"), ("phone", "010-2345-6789"), ("email", "seller-a.backup@mail.example")])
            #expect(begun.status == 303)
            #expect(begun.location == "/__guard/enroll/confirm?next=/sales/orders")
            let smsBody = try #require(harness.gateway.sent.withLock { $0.last { $0.kind == "sms" } })
            #expect(smsBody.body.contains("+821023456789"))
            #expect(smsBody.authorization == "Bearer gateway-test-token")
            let phoneCode = try #require(harness.gateway.lastCode("sms"))
            let emailCode = try #require(try harness.emailCode(to: "seller-a.backup@mail.example"))
            let confirmPage = try await browser.open("/__guard/enroll/confirm?next=/sales/orders")
            #expect(confirmPage.body.contains("autocomplete=\"one-time-code\""))
            #expect(confirmPage.body.contains("inputmode=\"numeric\""))
            let done = try await browser.submit("/__guard/enroll/confirm", from: confirmPage,
                                          [("channel_code", phoneCode), ("email_code", emailCode)])
            #expect(done.status == 303)
            #expect(done.location == "/sales/orders")
            let orders = try await browser.open("/sales/orders")
            #expect(orders.status == 200)
            #expect(orders.body.contains("주문"))

            // Later, a new browser session: the verify page sends an SMS code, and the emergency link an e-mail.
            let second = harness.browser()
            try await second.login("seller-a")
            let verify = try await second.open(try #require(await second.open("/sales/orders").location))
            #expect(verify.body.contains("인증번호를 받으실 수 없나요?"))
            // Each POST answers with a redirect (post/redirect/get), so reloading a page never sends or counts again.
            let sentRedirect = try await second.submit("/__guard/challenge", from: verify, [])
            #expect(sentRedirect.status == 303)
            let sent = try await second.open(try #require(sentRedirect.location))
            #expect(sent.status == 200)
            #expect(sent.body.contains("010-****-6789"))
            let wrongRedirect = try await second.submit("/__guard/verify", from: sent, [("code", "000000")])
            #expect(wrongRedirect.status == 303)
            let wrong = try await second.open(try #require(wrongRedirect.location))
            #expect(wrong.body.contains("4번 더 틀리면"))
            let emailed = try await second.open(try #require(await second.submit("/__guard/challenge", from: wrong, [("emergency", "1")]).location))
            #expect(emailed.body.contains("비상 연락 이메일"))
            let mailed = try #require(try harness.emailCode(to: "seller-a.backup@mail.example"))
            let verified = try await second.submit("/__guard/verify", from: emailed, [("code", mailed)])
            #expect(verified.status == 303)
            #expect(try await second.open("/sales/orders").status == 200)
            // The mails went through SMTP and hold no phone number.
            let mails = try #require(harness.smtp).messages(to: "seller-a.backup@mail.example")
            #expect(mails.count >= 2)
            #expect(!mails.contains { $0.contains("6789") })
        }
    }

    @Test("An undeliverable messenger falls back to the emergency e-mail and says why")
    func messengerFallsBackToEmail() async throws {
        try await SecondFactorHarness.run { harness in
            let browser = harness.browser()
            try await browser.login("seller-b")
            let begin = try await browser.api("POST", "/__guard/api/enroll",
                #"{"channel":"messenger","phone":"+82 10 9876 5432","emergency_email":"seller-b.backup@mail.example"}"#)
            #expect(begin.status == 200)
            let confirm = try await browser.api("POST", "/__guard/api/enroll/confirm", """
                {"email_code":"\(try #require(try harness.emailCode(to: "seller-b.backup@mail.example")))",\
                "channel_code":"\(try #require(harness.gateway.lastCode("messenger")))"}
                """)
            #expect(confirm.status == 200)
            harness.gateway.messengerRecipientChanged.withLock { $0 = true }
            let other = harness.browser()
            try await other.login("seller-b")
            let challenge = try await other.api("POST", "/__guard/api/challenge")
            #expect(challenge.status == 200)
            #expect(challenge.json["channel"] as? String == "email")
            #expect((challenge.json["fallback_reason"] as? String)?.contains("RECIPIENT_CHANGED") == true)
            let code = try #require(try harness.emailCode(to: "seller-b.backup@mail.example"))
            #expect(try await other.api("POST", "/__guard/api/verify", #"{"code":"\#(code)"}"#).status == 200)
            #expect(try await other.api("GET", "/api/orders/").status == 200)
            // The events say which channels were tried and what became of them; never a code or a number.
            let sends = harness.assembly.events.events.filter { $0.kind == .codeSent }.compactMap(\.detail)
            #expect(sends.suffix(2) == ["messenger undeliverable", "email"])
        }
    }

    @Test("TOTP codes computed by pyotp verify; a code is not accepted twice")
    func totpFromAnIndependentImplementation() async throws {
        guard Self.pyotp else {
            print("skipped: python3 with pyotp is not installed (pip install pyotp)")
            return
        }
        try await SecondFactorHarness.run { harness in
            let browser = harness.browser()
            try await browser.login("seller-a")
            let secret = try await browser.enrollTOTP("seller-a")
            #expect(try await browser.open("/sales/orders").status == 200)
            let session = try await browser.api("GET", "/__guard/api/session")
            #expect(session.json["verified"] as? Bool == true)
            #expect(session.json["client_ip"] as? String == "127.0.0.1")

            let other = harness.browser()
            try await other.login("seller-a")
            harness.clock.advance(60)
            let code = try harness.pyotpCode(secret)
            #expect(try await other.api("POST", "/__guard/api/verify", #"{"code":"\#(code)"}"#).status == 200)
            let third = harness.browser()
            try await third.login("seller-a")
            let replay = try await third.api("POST", "/__guard/api/verify", #"{"code":"\#(code)"}"#)
            #expect(replay.status == 422)
            #expect(replay.json["error"] as? String == "wrong_code")
        }
    }

    @Test("A proof earned from 127.0.0.1 does not open the menu from 127.0.0.2, and is revoked")
    func aProofIsBoundToTheClientAddress() async throws {
        guard Self.pyotp else { return }
        try await SecondFactorHarness.run { harness in
            let first = harness.browser(from: "127.0.0.1")
            try await first.login("seller-a")
            _ = try await first.enrollTOTP("seller-a")
            #expect(try await first.open("/sales/orders").status == 200)
            // The same cookies (admin session and guard session) from another address.
            let moved = harness.browser(from: "127.0.0.2")
            moved.copyCookies(from: first)
            let elsewhere = try await moved.open("/sales/orders")
            #expect(elsewhere.status == 303)
            #expect(elsewhere.location == "/__guard/verify?next=/sales/orders&reason=ip_changed")
            #expect(try await moved.api("GET", "/__guard/api/session").json["client_ip"] as? String == "127.0.0.2")
            // The proof was revoked: back on the first address it must be earned again.
            #expect(try await first.open("/sales/orders").status == 303)
            #expect(harness.assembly.events.events.contains { $0.kind == .ipChanged })
        }
    }

    @Test("Idle time ends a proof; activity keeps it until the cycle ends it")
    func idleAndCycle() async throws {
        guard Self.pyotp else { return }
        try await SecondFactorHarness.run(secondFactor: "  idle_timeout: 30m\n  cycle: 2h") { harness in
            let browser = harness.browser()
            try await browser.login("seller-a")
            let secret = try await browser.enrollTOTP("seller-a")
            harness.clock.advance(29 * 60)
            #expect(try await browser.open("/sales/orders").status == 200)  // 29 minutes idle: still in
            harness.clock.advance(31 * 60)
            let idle = try await browser.open("/sales/orders")
            #expect(idle.location == "/__guard/verify?next=/sales/orders&reason=idle")
            // Verify again, then stay active every 20 minutes: the 2-hour cycle still ends it.
            harness.clock.advance(60)
            #expect(try await browser.api("POST", "/__guard/api/verify", #"{"code":"\#(try harness.pyotpCode(secret))"}"#).status == 200)
            for _ in 0..<5 {
                harness.clock.advance(20 * 60)
                #expect(try await browser.open("/sales/orders").status == 200)
            }
            harness.clock.advance(20 * 60 + 1)
            let cycle = try await browser.open("/sales/orders")
            #expect(cycle.location == "/__guard/verify?next=/sales/orders&reason=cycle")
            let page = try await browser.open(try #require(cycle.location))
            #expect(page.body.contains("인증 주기가 지나"))
        }
    }

    @Test("An account's own shorter cycle applies, needs a fresh proof to set, and tells the e-mail")
    func accountCycle() async throws {
        guard Self.pyotp else { return }
        try await SecondFactorHarness.run { harness in
            let browser = harness.browser()
            try await browser.login("seller-a")
            _ = try await browser.enrollTOTP("seller-a")
            let settings = try await browser.open("/__guard/settings")
            #expect(settings.status == 200)
            let saved = try await browser.submit("/__guard/settings/cycle", from: settings, [("cycle", "60")])
            #expect(saved.status == 303)
            #expect(try await browser.open(try #require(saved.location)).body.contains("인증 주기를 저장했습니다"))
            #expect(harness.assembly.outbox?.messages.first?.kind == .notice)
            harness.clock.advance(25 * 60)
            #expect(try await browser.open("/sales/orders").status == 200)
            harness.clock.advance(25 * 60)
            #expect(try await browser.open("/sales/orders").status == 200)
            harness.clock.advance(11 * 60)
            #expect(try await browser.open("/sales/orders").location == "/__guard/verify?next=/sales/orders&reason=cycle")
            // Without a proof, settings and registration changes send the person to verify first.
            #expect(try await browser.open("/__guard/settings").location?.hasPrefix("/__guard/verify") == true)
            let change = try await browser.api("POST", "/__guard/api/enroll",
                                         #"{"channel":"totp","emergency_email":"new.backup@mail.example"}"#)
            #expect(change.status == 401)
        }
    }

    @Test("On a shared account only the latest person to verify stays in")
    func sharedAccountLatestOnly() async throws {
        guard Self.pyotp else { return }
        try await SecondFactorHarness.run { harness in
            let first = harness.browser()
            try await first.login("seller-a")
            let secret = try await first.enrollTOTP("seller-a")
            #expect(try await first.open("/sales/orders").status == 200)
            let colleague = harness.browser(from: "127.0.0.3")
            try await colleague.login("seller-a")
            harness.clock.advance(31)
            #expect(try await colleague.api("POST", "/__guard/api/verify", #"{"code":"\#(try harness.pyotpCode(secret))"}"#).status == 200)
            #expect(try await colleague.open("/sales/orders").status == 200)
            let pushedOut = try await first.open("/sales/orders")
            #expect(pushedOut.location == "/__guard/superseded?next=/sales/orders")
            let explanation = try await first.open(try #require(pushedOut.location))
            #expect(explanation.body.contains("다른 곳에서 추가 인증"))
            // Once told, the old proof is gone: this browser verifies anew like any other.
            #expect(try await first.api("GET", "/api/orders/").json["reason"] as? String == "missing")
        }
    }

    @Test("A proof is granted to a new session id: a planted guard cookie opens nothing, and the id before a renewal is dead")
    func aPlantedSessionIdNeverGetsTheProof() async throws {
        guard Self.pyotp else { return }
        // latest_only off, so only the renewal (not the shared-account rule) can end a proof.
        try await SecondFactorHarness.run(secondFactor: "  latest_only: false") { harness in
            let name = "__Host-pii-guard"
            // An id of the right shape that the attacker knows (43 base64url characters).
            let planted = String(repeating: "A", count: 42) + "Q"
            let victim = harness.browser()
            victim.plantCookie(name, planted)
            try await victim.login("seller-a")
            #expect(try await victim.api("GET", "/__guard/api/session").status == 200)
            #expect(victim.cookie(name) == planted, "the guard kept the planted id until a proof")
            // Registration grants a proof (JSON API): it goes to a new id.
            let secret = try await victim.enrollTOTP("seller-a")
            let enrolled = try #require(victim.cookie(name))
            #expect(enrolled != planted)
            #expect(try await victim.open("/sales/orders").status == 200)
            // The attacker's browser: the planted id, even with the victim's admin session and address.
            let attacker = harness.browser()
            attacker.copyCookies(from: victim)
            attacker.plantCookie(name, planted)
            #expect(try await attacker.open("/sales/orders").status == 303)

            // The verify form (pages): planted again, verified, renewed by the redirect.
            let second = harness.browser()
            second.plantCookie(name, planted)
            try await second.login("seller-a")
            let form = try await second.open("/__guard/verify?next=/sales/orders")
            #expect(form.status == 200)
            harness.clock.advance(31)
            let verified = try await second.submit("/__guard/verify", from: form, [("code", try harness.pyotpCode(secret))])
            #expect(verified.status == 303)
            #expect(verified.location == "/sales/orders")
            #expect(verified.header("set-cookie")?.hasPrefix("\(name)=") == true)
            let renewed = try #require(second.cookie(name))
            #expect(renewed != planted && renewed != enrolled)
            #expect(try await second.open("/sales/orders").status == 200)
            #expect(try await attacker.open("/sales/orders").status == 303)

            // Verifying again from a session that holds a proof (JSON API): a new id again, and the one before it,
            // which still opened the menu, opens nothing any more.
            let before = harness.browser()
            before.copyCookies(from: victim)
            harness.clock.advance(31)
            let again = try await victim.api("POST", "/__guard/api/verify", #"{"code":"\#(try harness.pyotpCode(secret))"}"#)
            #expect(again.status == 200)
            #expect(again.json["verified"] as? Bool == true)
            #expect(try #require(victim.cookie(name)) != enrolled)
            #expect(try await victim.open("/sales/orders").status == 200)
            #expect(try await before.open("/sales/orders").status == 303)
            // The other browser's proof was its own, and stays.
            #expect(try await second.open("/sales/orders").status == 200)
        }
    }

    @Test("/__guard/status says only up or down, except on the guard's machine or to an auditor with a proof")
    func statusTellsStrangersOnlyUpOrDown() async throws {
        guard Self.pyotp else { return }
        // 127.0.0.3 stands for a load balancer: its X-Forwarded-For names the real (non-loopback) client.
        try await SecondFactorHarness.run(topLevel: "trusted_proxies: [127.0.0.3]") { harness in
            func isBare(_ answer: Browser.Answer) -> Bool {
                answer.status == 200 && answer.json.keys.sorted() == ["status"] && answer.json["status"] as? String == "up"
                    && !answer.body.contains("rules") && !answer.body.contains("sqlite")
            }
            // The operator on the guard's machine.
            let operator_ = try await harness.browser().api("GET", "/__guard/status")
            #expect(operator_.status == 200)
            #expect(operator_.json["status"] as? String == "up")
            #expect((operator_.json["rules"] as? [String: Any])?["directory"] as? String != nil)
            #expect((operator_.json["store"] as? [String: Any])?["location"] as? String != nil)

            // Anyone from outside, even claiming loopback earlier in the chain.
            let stranger = harness.browser(from: "127.0.0.3")
            stranger.alwaysSend("X-Forwarded-For", "127.0.0.1, 203.0.113.9")
            #expect(isBare(try await stranger.api("GET", "/__guard/status")))
            // A seller with a valid proof is no auditor.
            try await stranger.login("seller-a")
            _ = try await stranger.enrollTOTP("seller-a")
            #expect(try await stranger.open("/sales/orders").status == 200)
            #expect(isBare(try await stranger.api("GET", "/__guard/status")))

            // An auditor: without a proof nothing more; with one, the details.
            let auditor = harness.browser(from: "127.0.0.3")
            auditor.alwaysSend("X-Forwarded-For", "203.0.113.10")
            try await auditor.login("auditor-a")
            #expect(isBare(try await auditor.api("GET", "/__guard/status")))
            _ = try await auditor.enrollTOTP("auditor-a")
            let details = try await auditor.api("GET", "/__guard/status")
            #expect((details.json["rules"] as? [String: Any])?["directory"] as? String != nil)
            // Another address with the auditor's cookies holds no proof there.
            let copied = harness.browser(from: "127.0.0.3")
            copied.copyCookies(from: auditor)
            copied.alwaysSend("X-Forwarded-For", "203.0.113.11")
            #expect(isBare(try await copied.api("GET", "/__guard/status")))
        }
    }

    @Test("With latest_only off, two people on one account both stay in")
    func sharedAccountBothWhenConfigured() async throws {
        guard Self.pyotp else { return }
        try await SecondFactorHarness.run(secondFactor: "  latest_only: false") { harness in
            let first = harness.browser()
            try await first.login("seller-a")
            let secret = try await first.enrollTOTP("seller-a")
            let colleague = harness.browser()
            try await colleague.login("seller-a")
            harness.clock.advance(31)
            #expect(try await colleague.api("POST", "/__guard/api/verify", #"{"code":"\#(try harness.pyotpCode(secret))"}"#).status == 200)
            #expect(try await first.open("/sales/orders").status == 200)
            #expect(try await colleague.open("/sales/orders").status == 200)
        }
    }

    @Test("Five wrong codes lock the account for two hours; the lock page says until when; unlock lifts it")
    func lockout() async throws {
        guard Self.pyotp else { return }
        try await SecondFactorHarness.run { harness in
            let browser = harness.browser()
            try await browser.login("seller-a")
            let secret = try await browser.enrollTOTP("seller-a")
            let other = harness.browser(from: "127.0.0.4")
            try await other.login("seller-a")
            for attempt in 1...5 {
                let answer = try await other.api("POST", "/__guard/api/verify", #"{"code":"000000"}"#)
                #expect(answer.status == (attempt < 5 ? 422 : 429))
            }
            let locked = try await other.api("POST", "/__guard/api/verify", #"{"code":"\#(try harness.pyotpCode(secret))"}"#)
            #expect(locked.status == 429)
            let until = try #require(locked.json["locked_until"] as? String)
            let expected = ISO8601DateFormatter().string(from: harness.clock.now().addingTimeInterval(7200))
            #expect(until == expected)
            let page = try await other.open("/__guard/verify?next=/sales/orders")
            #expect(page.status == 429)
            // One person's five wrong codes from one place use up both budgets: the page names both and the command
            // that lifts both.
            #expect(page.body.contains("이 계정과 이 접속 위치(IP 127.0.0.4)"))
            #expect(page.body.contains("pii-guard users unlock seller-a --ip 127.0.0.4"))
            #expect(page.header("retry-after") != nil)
            // The lock is the account's, whichever address asks.
            let fresh = harness.browser(from: "127.0.0.5")
            try await fresh.login("seller-a")
            #expect(try await fresh.api("POST", "/__guard/api/challenge").status == 429)
            try await harness.assembly.service.unlock(account: "seller-a", now: harness.clock.now())
            try await harness.assembly.service.unlock(clientAddress: "127.0.0.4", now: harness.clock.now())
            harness.clock.advance(31)
            #expect(try await other.api("POST", "/__guard/api/verify", #"{"code":"\#(try harness.pyotpCode(secret))"}"#).status == 200)
        }
    }

    @Test("State changes need the CSRF token or a same-origin JSON call; a wrong method gets 405")
    func csrfAndOrigin() async throws {
        try await SecondFactorHarness.run { harness in
            let browser = harness.browser()
            try await browser.login("seller-a")
            let wrongMethod = try await browser.api("GET", "/__guard/api/verify")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "POST")
            #expect(wrongMethod.json["error"] as? String == "method_not_allowed")
            let form = try await browser.open("/__guard/enroll")
            let forged = try await browser.request("POST", "/__guard/enroll", headers: [
                ("Content-Type", "application/x-www-form-urlencoded")], body: "channel=totp&email=x%40mail.example&csrf=forged")
            #expect(forged.status == 403)
            let crossSite = try await browser.request("POST", "/__guard/enroll", headers: [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Origin", "https://evil.example")],
                body: "channel=totp&email=x%40mail.example&csrf=\(Browser.hiddenValue("csrf", in: form.body)!)")
            #expect(crossSite.status == 403)
            let plain = try await browser.request("POST", "/__guard/api/enroll", headers: [("Content-Type", "text/plain")],
                                            body: #"{"channel":"totp","emergency_email":"x@mail.example"}"#)
            #expect(plain.status == 415)
            let otherOrigin = try await browser.request("POST", "/__guard/api/enroll", headers: [
                ("Content-Type", "application/json"), ("Origin", "https://evil.example")],
                body: #"{"channel":"totp","emergency_email":"x@mail.example"}"#)
            #expect(otherOrigin.status == 403)
            // `next` only ever names a path on this origin.
            let page = try await browser.open("/__guard/enroll?next=https://evil.example/")
            #expect(Browser.hiddenValue("next", in: page.body) == "/")
            let slashes = try await browser.open("/__guard/enroll?next=//evil.example/")
            #expect(Browser.hiddenValue("next", in: slashes.body) == "/")
        }
    }

    @Test("When the account cannot be learnt, protected menus fail closed with 503 and other paths still work")
    func identityUnavailableFailsClosed() async throws {
        try await SecondFactorHarness.run(identity: "      path: /no-such-who-am-i") { harness in
            let browser = harness.browser()
            try await browser.login("seller-a")
            let menu = try await browser.open("/sales/orders")
            #expect(menu.status == 503)
            #expect(!menu.body.contains("주문번호"))
            #expect(try await browser.open("/").status == 200)
        }
    }
}

extension SecondFactorEndToEndTests {
    @Test("The address budget is shared across accounts; its lock says so and needs --ip to lift")
    func addressLockAcrossAccounts() async throws {
        guard Self.pyotp else { return }
        try await SecondFactorHarness.run(secondFactor: "  lockout:\n    max_failures: 3\n    ip_max_failures: 4") { harness in
            let a = harness.browser(from: "127.0.0.9")
            try await a.login("seller-a")
            _ = try await a.enrollTOTP("seller-a")
            let b = harness.browser(from: "127.0.0.9")
            try await b.login("seller-b")
            _ = try await b.enrollTOTP("seller-b")
            let a2 = harness.browser(from: "127.0.0.9")
            try await a2.login("seller-a")
            let b2 = harness.browser(from: "127.0.0.9")
            try await b2.login("seller-b")
            // Two wrong codes each: no account reaches 3, the address reaches 4.
            #expect(try await a2.api("POST", "/__guard/api/verify", #"{"code":"000000"}"#).status == 422)
            #expect(try await b2.api("POST", "/__guard/api/verify", #"{"code":"000000"}"#).status == 422)
            #expect(try await a2.api("POST", "/__guard/api/verify", #"{"code":"000000"}"#).status == 422)
            #expect(try await b2.api("POST", "/__guard/api/verify", #"{"code":"000000"}"#).status == 429)
            let page = try await a2.open("/__guard/verify?next=/sales/orders")
            #expect(page.status == 429)
            #expect(page.body.contains("접속 위치(IP 127.0.0.9)"))
            #expect(page.body.contains("--ip 127.0.0.9"))
            // Another address is not affected.
            let elsewhere = harness.browser(from: "127.0.0.10")
            try await elsewhere.login("seller-a")
            #expect(try await elsewhere.api("POST", "/__guard/api/challenge").status == 200)
        }
    }
}
