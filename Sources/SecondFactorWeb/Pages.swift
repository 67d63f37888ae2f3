import Foundation
import PIIMasking
import SecondFactor
import TextEscaping

/// The language a page is written in: Korean unless the browser prefers English.
public enum PageLanguage: String, Sendable {
    case ko, en

    package func t(_ korean: String, _ english: String) -> String { self == .ko ? korean : english }
}

/// The second factor's pages, as HTML strings.
///
/// Plain server-rendered forms that work without JavaScript, keyboard- and screen-reader-friendly: every field has a
/// label, hints are tied to fields with `aria-describedby`, errors are announced (`role="alert"`) and named in the
/// title, the code field asks the phone's keyboard for digits (`inputmode="numeric"`) and lets the browser fill it
/// from an SMS (`autocomplete="one-time-code"`). Every POST form carries the session's CSRF token. No external
/// resources: the pages load under `default-src 'none'`.
package enum Pages {
    static let masker = MaskStyle()

    package struct Common {
        package let language: PageLanguage
        package let csrf: String
        package let next: String
        package let account: String?
    }

    // MARK: Layout

    package static func layout(_ language: PageLanguage, title: String, account: String? = nil, body: String,
                       refreshSeconds: Int? = nil, wide: Bool = false, settingsLink: Bool = false,
                       banner: (ko: String, en: String) = ("개인정보 보호 추가 인증", "Personal-data step-up verification")) -> String {
        let t = language.t
        let refresh = refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? ""
        let who = account.map { "<p class=\"who\">\(t("계정", "Account")): <strong>\(Escape.markup($0))</strong></p>" } ?? ""
        return """
            <!doctype html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            \(refresh)
            <title>\(Escape.markup(title)) · \(t(banner.ko, banner.en))</title>
            <style>
            :root { color-scheme: light; --accent: #1d4ed8; --line: #d1d5db; --bad: #b91c1c; --ok: #166534; }
            * { box-sizing: border-box; }
            body { word-break: keep-all; overflow-wrap: anywhere; margin: 0; font: 16px/1.6 system-ui, -apple-system, "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; background: #f3f4f6; color: #111827; }
            header { background: #111827; color: #fff; padding: .8rem 1.2rem; }
            header p { margin: 0; font-weight: 600; }
            main { max-width: 36rem; margin: 2rem auto; background: #fff; border: 1px solid var(--line); border-radius: .6rem; padding: 1.6rem 1.8rem; }
            h1 { font-size: 1.35rem; margin: 0 0 1rem; }
            h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
            label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
            input[type=text], input[type=tel], input[type=email], input[type=password], select { width: 100%; font: inherit; padding: .55rem .7rem; border: 1px solid #6b7280; border-radius: .4rem; }
            input.code { font-size: 1.6rem; letter-spacing: .4rem; font-family: ui-monospace, monospace; max-width: 14rem; }
            .hint { color: #4b5563; font-size: .92rem; margin: .2rem 0 0; }
            button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .6rem 1.2rem; border-radius: .4rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; margin-top: 1.1rem; }
            button.secondary, .button.secondary { background: #fff; color: var(--accent); }
            button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: 0; font-weight: 500; }
            :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
            .alert { border-left: 4px solid var(--bad); background: #fef2f2; padding: .7rem 1rem; margin: 0 0 1rem; }
            .notice { border-left: 4px solid var(--ok); background: #f0fdf4; padding: .7rem 1rem; margin: 0 0 1rem; }
            .info { border-left: 4px solid var(--accent); background: #eff6ff; padding: .7rem 1rem; margin: 0 0 1rem; }
            fieldset { border: 1px solid var(--line); border-radius: .4rem; margin: 1rem 0 0; padding: .4rem 1rem .8rem; }
            fieldset label { display: flex; gap: .5rem; align-items: baseline; font-weight: 500; margin: .5rem 0 0; }
            legend { font-weight: 600; padding: 0 .3rem; }
            .secret { font-family: ui-monospace, monospace; font-size: 1.15rem; letter-spacing: .08rem; background: #f9fafb; border: 1px dashed var(--line); padding: .4rem .7rem; display: inline-block; }
            .qr svg { width: 210px; height: 210px; display: block; margin: .6rem 0; }
            .uri { word-break: break-all; font-family: ui-monospace, monospace; font-size: .85rem; color: #374151; }
            .who { color: #4b5563; margin: -.5rem 0 1rem; font-size: .95rem; }
            table { border-collapse: collapse; width: 100%; font-size: .92rem; }
            th, td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; text-align: left; vertical-align: top; }
            dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
            dt { font-weight: 600; } dd { margin: 0; }
            footer { max-width: 36rem; margin: 0 auto 2rem; color: #6b7280; font-size: .85rem; padding: 0 .4rem; }
            footer a { color: #374151; }
            body.wide main, body.wide footer { max-width: 64rem; }
            .links { margin-top: 1.6rem; font-size: .95rem; }
            </style>
            </head>
            <body\(wide ? " class=\"wide\"" : "")>
            <header><p>pii-guard · \(t(banner.ko, banner.en))</p></header>
            <main id="main">
            <h1>\(Escape.markup(title))</h1>
            \(who)
            \(body)
            </main>
            <footer>\(t("판매자 센터의 개인정보 메뉴(판매관리, 1:1 채팅, 내정보)는 「개인정보의 안전성 확보조치 기준」에 따라 추가 인증 후에 열립니다.", "Personal-information menus of the seller admin (orders, 1:1 chat, account) open after a second verification, as Korean privacy rules require."))\(settingsLink ? " <a href=\"/__guard/settings\">" + t("추가 인증 설정", "Second-factor settings") + "</a> · <a href=\"/\">" + t("판매자 센터로", "Seller admin") + "</a>" : "")</footer>
            </body>
            </html>
            """
    }

    package static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(name)\" value=\"\(Escape.markup(value))\">"
    }

    package static func formHeader(_ action: String, _ common: Common) -> String {
        "<form method=\"post\" action=\"\(action)\">" + self.hidden("csrf", common.csrf) + self.hidden("next", common.next)
    }

    package static func alert(_ text: String?) -> String {
        guard let text else { return "" }
        return "<div class=\"alert\" role=\"alert\">\(Escape.markup(text))</div>"
    }

    package static func notice(_ text: String?) -> String {
        guard let text else { return "" }
        return "<div class=\"notice\" role=\"status\">\(Escape.markup(text))</div>"
    }

    static func codeField(name: String, label: String, hint: String, autofocus: Bool = true) -> String {
        """
        <label for="\(name)">\(Escape.markup(label))</label>
        <input class="code" type="text" id="\(name)" name="\(name)" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" \
        minlength="6" autocomplete="one-time-code" required aria-describedby="\(name)-hint"\(autofocus ? " autofocus" : "")>
        <p class="hint" id="\(name)-hint">\(Escape.markup(hint))</p>
        """
    }

    // MARK: Masked contacts

    static func maskedPhone(_ phone: PhoneNumber) -> String { self.masker.mask(phone.display, as: .phone) }
    static func maskedEmail(_ email: EmailAddress) -> String { self.masker.mask(email.address, as: .email) }

    static func channelName(_ channel: FactorChannel, _ language: PageLanguage) -> String {
        switch channel {
        case .sms: language.t("문자 메시지(SMS)", "Text message (SMS)")
        case .messenger: language.t("메신저 알림(알림톡)", "Messenger notification (알림톡)")
        case .totp: language.t("인증 앱(OTP)", "Authenticator app (TOTP)")
        }
    }

    static func sentTo(_ channel: String, registration: Registration, _ language: PageLanguage) -> String {
        switch channel {
        case "email": language.t("비상 연락 이메일 \(self.maskedEmail(registration.emergencyEmail))",
                                 "your emergency e-mail \(self.maskedEmail(registration.emergencyEmail))")
        case "messenger": language.t("메신저(\(registration.phone.map(self.maskedPhone) ?? ""))",
                                     "the messenger at \(registration.phone.map(self.maskedPhone) ?? "")")
        default: language.t("휴대전화 \(registration.phone.map(self.maskedPhone) ?? "")",
                            "your phone \(registration.phone.map(self.maskedPhone) ?? "")")
        }
    }

    // MARK: Verify

    static func verify(_ common: Common, registration: Registration, menuHint: String?, reason: String?,
                       notice: String?, error: String?, minutes: Int) -> String {
        let t = common.language.t
        let reasonText: String? = switch reason {
        case "ip_changed": t("접속 위치(IP 주소)가 바뀌어 이전 인증이 해제되었습니다. 다시 인증해 주세요.",
                             "Your network address changed, so the earlier verification was revoked. Please verify again.")
        case "idle": t("한동안 사용하지 않아 인증이 만료되었습니다. 다시 인증해 주세요.",
                       "Your verification expired after a period without activity. Please verify again.")
        case "cycle": t("인증 주기가 지나 다시 인증이 필요합니다.", "Your verification cycle has ended. Please verify again.")
        default: nil
        }
        var body = ""
        if let reasonText { body += "<div class=\"info\" role=\"status\">\(Escape.markup(reasonText))</div>" }
        body += self.notice(notice) + self.alert(error)
        body += "<p>" + Escape.markup(t("개인정보가 담긴 메뉴를 열기 전에 본인 확인을 한 번 더 합니다.",
                                          "Before a menu with personal data opens, we confirm it is you once more.")) + "</p>"
        switch registration.channel {
        case .totp:
            body += self.formHeader("/__guard/verify", common)
            body += self.codeField(name: "code", label: t("인증 앱의 6자리 숫자", "6-digit code from your authenticator app"),
                                   hint: t("휴대전화의 인증 앱(Google Authenticator 등)에 표시된 숫자를 입력하세요.",
                                           "Type the number your authenticator app (Google Authenticator and others) shows."))
            body += "<button type=\"submit\">\(t("인증하기", "Verify"))</button></form>"
        case .sms, .messenger:
            body += self.formHeader("/__guard/challenge", common)
            body += "<p>" + Escape.markup(t("인증번호를 \(self.sentTo(registration.channel.rawValue, registration: registration, .ko))(으)로 보내 드립니다.",
                                              "We send a code to \(self.sentTo(registration.channel.rawValue, registration: registration, .en)).")) + "</p>"
            body += "<button type=\"submit\" class=\"secondary\">\(t("인증번호 받기", "Send me a code"))</button></form>"
            body += self.formHeader("/__guard/verify", common)
            body += self.codeField(name: "code", label: t("받은 인증번호 6자리", "The 6-digit code you received"),
                                   hint: t("인증번호는 \(minutes)분 동안 한 번만 쓸 수 있습니다.",
                                           "A code works once, for \(minutes) minutes."), autofocus: notice != nil)
            body += "<button type=\"submit\">\(t("인증하기", "Verify"))</button></form>"
        }
        body += "<h2>\(t("인증번호를 받으실 수 없나요?", "Can’t receive your code?"))</h2>"
        body += "<p class=\"hint\">" + Escape.markup(t(
            "등록하신 비상 연락 이메일 \(self.maskedEmail(registration.emergencyEmail))로 인증번호를 보내 드립니다.",
            "We can send a code to your emergency e-mail \(self.maskedEmail(registration.emergencyEmail)) instead.")) + "</p>"
        body += self.formHeader("/__guard/challenge", common) + self.hidden("emergency", "1")
        body += "<button type=\"submit\" class=\"secondary\">\(t("비상 이메일로 인증번호 받기", "E-mail me a code"))</button></form>"
        if let menuHint { body += "<p class=\"hint\">\(Escape.markup(menuHint))</p>" }
        return self.layout(common.language, title: error != nil ? t("인증 실패", "Verification failed") : t("추가 인증", "Verify it’s you"),
                           account: common.account, body: body, settingsLink: true)
    }

    // MARK: Enrol

    struct EnrollValues {
        var channel: FactorChannel?
        var phone = ""
        var email = ""
    }

    static func enroll(_ common: Common, channels: [FactorChannel], values: EnrollValues, isChange: Bool,
                       error: String?) -> String {
        let t = common.language.t
        var body = self.alert(error)
        body += "<p>" + Escape.markup(isChange
            ? t("등록 정보를 바꿉니다. 새 수단과 비상 이메일을 확인한 뒤에 바뀌며, 이전 비상 이메일로 변경 알림이 갑니다.",
                "Change how you verify. The change takes effect once the new channel and e-mail are confirmed; your previous emergency e-mail is told.")
            : t("개인정보 메뉴를 쓰려면 한 번 추가 인증 수단을 등록해야 합니다. 인증번호를 받을 방법과 비상 연락 이메일을 정해 주세요.",
                "To use personal-information menus, register a second factor once: how you receive codes, and an emergency e-mail.")) + "</p>"
        body += self.formHeader("/__guard/enroll", common)
        body += "<fieldset><legend>\(t("인증 수단", "How you verify"))</legend>"
        let selected = values.channel ?? channels.first ?? .totp
        for channel in channels {
            let hint: String = switch channel {
            case .totp: t("인터넷이나 휴대전화 신호가 없어도 됩니다. 해외에서도 쓸 수 있습니다.", "Works without signal or roaming, also abroad.")
            case .sms: t("휴대전화로 문자를 받습니다.", "Codes arrive as text messages.")
            case .messenger: t("메신저 알림으로 받습니다. 받을 수 없으면 비상 이메일로 보냅니다.", "Codes arrive in the messenger; if it cannot deliver, by e-mail.")
            }
            body += """
                <label><input type="radio" name="channel" value="\(channel.rawValue)"\(channel == selected ? " checked" : "") \
                aria-describedby="ch-\(channel.rawValue)"> <span>\(Escape.markup(self.channelName(channel, common.language))) \
                <span class="hint" id="ch-\(channel.rawValue)">— \(Escape.markup(hint))</span></span></label>
                """
        }
        body += "</fieldset>"
        body += """
            <label for="phone">\(t("휴대전화 번호 (문자·메신저를 고른 경우)", "Mobile number (for text or messenger)"))</label>
            <input type="tel" id="phone" name="phone" autocomplete="tel" inputmode="tel" value="\(Escape.markup(values.phone))" \
            aria-describedby="phone-hint">
            <p class="hint" id="phone-hint">\(t("예: 010-1234-5678. 해외 번호는 +1 415 555 0100처럼 국가번호와 함께.", "Example: 010-1234-5678; numbers abroad with their country code, like +1 415 555 0100."))</p>
            <label for="email">\(t("비상 연락 이메일", "Emergency e-mail"))</label>
            <input type="email" id="email" name="email" autocomplete="email" required value="\(Escape.markup(values.email))" \
            aria-describedby="email-hint">
            <p class="hint" id="email-hint">\(t("인증번호를 받을 수 없을 때 쓰는 주소입니다. 판매자 계정의 이메일과 다른 주소여야 합니다.", "Used when you cannot receive a code. It must differ from the seller account’s own e-mail."))</p>
            <button type="submit">\(t("다음: 확인 코드 받기", "Next: confirm"))</button></form>
            """
        return self.layout(common.language, title: error != nil ? t("등록 정보를 확인해 주세요", "Please check your details")
                           : (isChange ? t("추가 인증 정보 변경", "Change your second factor") : t("추가 인증 등록", "Register a second factor")),
                           account: common.account, body: body)
    }

    static func enrollConfirm(_ common: Common, registration: Registration, provisioning: TOTPProvisioning?,
                              emailConfirmed: Bool, minutes: Int, notice: String?, error: String?) -> String {
        let t = common.language.t
        var body = self.notice(notice) + self.alert(error)
        body += self.formHeader("/__guard/enroll/confirm", common)
        if let provisioning {
            body += "<h2>\(t("1. 인증 앱에 추가하기", "1. Add to your authenticator app"))</h2>"
            body += "<p>" + Escape.markup(t("인증 앱에서 QR 코드를 스캔하거나, 아래 비밀 키를 직접 입력하세요.",
                                              "Scan the QR code with your app, or type the secret key below.")) + "</p>"
            body += "<div class=\"qr\" role=\"img\" aria-label=\"\(t("인증 앱 등록용 QR 코드", "QR code for the authenticator app"))\">\(provisioning.qrSVG)</div>"
            body += "<p>\(t("비밀 키", "Secret key")): <span class=\"secret\" id=\"secret\">\(Escape.markup(provisioning.groupedSecret))</span></p>"
            body += "<p class=\"hint\">\(t("시간 기반(TOTP), 6자리, 30초", "Time-based (TOTP), 6 digits, 30 seconds")) · <a class=\"uri\" href=\"\(Escape.markup(provisioning.uri))\">\(Escape.markup(provisioning.uri))</a></p>"
            body += self.codeField(name: "channel_code", label: t("앱에 표시된 6자리 숫자", "The 6-digit code your app shows"),
                                   hint: t("앱에 추가한 뒤 보이는 숫자입니다.", "Shown once the account is added."), autofocus: false)
        } else {
            body += "<h2>\(t("1. 휴대전화 확인", "1. Confirm your phone"))</h2>"
            body += self.codeField(name: "channel_code",
                                   label: t("\(self.sentTo(registration.channel.rawValue, registration: registration, .ko))(으)로 보낸 인증번호",
                                            "Code sent to \(self.sentTo(registration.channel.rawValue, registration: registration, .en))"),
                                   hint: t("\(minutes)분 안에 입력하세요.", "Enter it within \(minutes) minutes."), autofocus: false)
        }
        body += "<h2>\(t("2. 비상 연락 이메일 확인", "2. Confirm your emergency e-mail"))</h2>"
        if emailConfirmed {
            body += "<p class=\"notice\" role=\"status\">\(Escape.markup(t("\(self.maskedEmail(registration.emergencyEmail)) 확인 완료", "\(self.maskedEmail(registration.emergencyEmail)) confirmed")))</p>"
            body += self.hidden("email_code", "")
        } else {
            body += self.codeField(name: "email_code",
                                   label: t("\(self.maskedEmail(registration.emergencyEmail))(으)로 보낸 인증번호",
                                            "Code sent to \(self.maskedEmail(registration.emergencyEmail))"),
                                   hint: t("\(minutes)분 안에 입력하세요. 메일이 보이지 않으면 스팸함도 확인해 주세요.",
                                           "Enter it within \(minutes) minutes. Check the spam folder if it is not there."),
                                   autofocus: false)
        }
        body += "<button type=\"submit\">\(t("등록 완료", "Finish registration"))</button></form>"
        body += self.formHeader("/__guard/enroll/resend", common)
        body += "<button type=\"submit\" class=\"secondary\">\(t("코드 다시 받기", "Send the codes again"))</button>"
        if provisioning != nil {
            body += "<p class=\"hint\">\(t("인증 앱에 추가한 항목은 그대로 쓸 수 있습니다.", "The entry you added to your app stays valid."))</p>"
        }
        body += "</form>"
        body += "<p class=\"links\"><a href=\"/__guard/enroll?\(Escape.markup(StepUp.query([("next", common.next)])))\">\(t("처음부터 다시 하기 (새 비밀 키)", "Start over (new secret key)"))</a></p>"
        return self.layout(common.language, title: t("추가 인증 등록 확인", "Confirm your registration"),
                           account: common.account, body: body)
    }

    // MARK: Other pages

    static func locked(_ language: PageLanguage, until: Date, scopes: Set<LockScope>, account: String?,
                       clientAddress: String) -> String {
        let t = language.t
        let when = self.kst(until)
        let whose: String
        if scopes == [.address] {
            whose = t("이 접속 위치(IP \(clientAddress))에서의 추가 인증이 \(when)까지 잠겼습니다. 같은 곳에서 여러 계정으로 시도가 많았기 때문입니다.",
                      "Verification from this network address (IP \(clientAddress)) is locked until \(when): there were too many tries from here, across accounts.")
        } else if scopes.contains(.address) {
            whose = t("이 계정과 이 접속 위치(IP \(clientAddress))의 추가 인증이 \(when)까지 잠겼습니다.",
                      "Verification for this account and from this network address (IP \(clientAddress)) is locked until \(when).")
        } else {
            whose = t("이 계정의 추가 인증이 \(when)까지 잠겼습니다.", "Verification for this account is locked until \(when).")
        }
        let command = "pii-guard users unlock \(account ?? "ACCOUNT")" + (scopes.contains(.address) ? " --ip \(clientAddress)" : "")
        let body = """
            <div class="alert" role="alert">\(Escape.markup(t("잘못된 인증번호 입력 또는 인증번호 요청이 너무 많았습니다.", "Too many wrong codes or code requests."))) \(Escape.markup(whose))</div>
            <p>\(Escape.markup(t("본인이 시도한 것이 아니라면 계정이 도용되었을 수 있습니다. 판매자 센터 비밀번호를 바꾸고 보안 담당자에게 알려 주세요.",
                "If this was not you, someone may be trying your account: change your seller password and tell your security contact.")))</p>
            <p>\(Escape.markup(t("급한 경우 관리자에게 아래 내용을 알려 주시면 잠금을 풀 수 있습니다.", "If it is urgent, give your administrator the following; they can lift the lock.")))</p>
            <dl><dt>\(t("계정", "Account"))</dt><dd>\(Escape.markup(account ?? "-"))</dd>
            <dt>\(t("접속 IP", "Your IP"))</dt><dd>\(Escape.markup(clientAddress))</dd>
            <dt>\(t("잠금 해제 명령", "Unlock command"))</dt><dd><code>\(Escape.markup(command))</code></dd></dl>
            <p><a class="button secondary" href="/">\(t("판매자 센터 첫 화면으로", "Back to the seller admin"))</a></p>
            """
        return self.layout(language, title: t("추가 인증이 잠겼습니다", "Verification locked"), account: account, body: body)
    }

    static func superseded(_ common: Common) -> String {
        let t = common.language.t
        let body = """
            <div class="info" role="status">\(Escape.markup(t("같은 계정으로 다른 곳에서 추가 인증을 해서, 이 브라우저의 인증이 끝났습니다. 공유 계정에서는 마지막으로 인증한 사람만 개인정보 메뉴를 쓸 수 있습니다.",
                "Someone verified on this account elsewhere, so this browser’s verification ended. On a shared account only the person who verified last can use personal-information menus.")))</div>
            <p>\(Escape.markup(t("본인이 한 일이 아니라면 계정 비밀번호를 바꾸고 보안 담당자에게 알려 주세요.",
                "If that was not someone you know, change the account password and tell your security contact.")))</p>
            <p><a class="button" href="\(Escape.markup(StepUp.verifyURL(next: common.next)))">\(t("다시 인증하기", "Verify again"))</a></p>
            """
        return self.layout(common.language, title: t("다른 곳에서 인증했습니다", "Verified elsewhere"), account: common.account, body: body,
                           settingsLink: true)
    }

    static func loginFirst(_ language: PageLanguage, next: String) -> String {
        let t = language.t
        let body = """
            <p>\(Escape.markup(t("먼저 판매자 센터에 로그인해 주세요. 로그인한 뒤 개인정보 메뉴를 열면 추가 인증 화면이 나옵니다.",
                "Please log in to the seller admin first. Opening a personal-information menu then brings you here.")))</p>
            <p><a class="button" href="\(Escape.markup(next))">\(t("판매자 센터로", "To the seller admin"))</a></p>
            """
        return self.layout(language, title: t("로그인이 필요합니다", "Please log in"), body: body)
    }

    package static func message(_ language: PageLanguage, title: String, detail: String, link: (String, String)?) -> String {
        var body = "<div class=\"alert\" role=\"alert\">\(Escape.markup(detail))</div>"
        if let link { body += "<p><a class=\"button secondary\" href=\"\(Escape.markup(link.0))\">\(Escape.markup(link.1))</a></p>" }
        return self.layout(language, title: title, body: body)
    }

    static func settings(_ common: Common, registration: Registration, status: ProofStatus?, guardCycle: Duration,
                         notice: String?, error: String?) -> String {
        let t = common.language.t
        let current = registration.cycleSeconds
        var contact = self.channelName(registration.channel, common.language)
        if let phone = registration.phone { contact += " · " + self.maskedPhone(phone) }
        var body = self.notice(notice) + self.alert(error)
        body += "<dl><dt>\(t("인증 수단", "Channel"))</dt><dd>\(Escape.markup(contact))</dd>"
        body += "<dt>\(t("비상 연락 이메일", "Emergency e-mail"))</dt><dd>\(Escape.markup(self.maskedEmail(registration.emergencyEmail)))</dd>"
        if let status {
            body += "<dt>\(t("인증 시각", "Verified at"))</dt><dd>\(self.kst(status.verifiedAt))</dd>"
            body += "<dt>\(t("인증 만료", "Verification ends"))</dt><dd>\(self.kst(min(status.idleExpiresAt, status.cycleExpiresAt))) \(t("(사용이 없을 때) · 늦어도", "(if idle) · at the latest")) \(self.kst(status.cycleExpiresAt))</dd>"
        }
        body += "</dl>"
        let guardHours = Int(guardCycle.components.seconds / 3600)
        var options: [(String, String)] = [("default", t("기본값 (\(guardHours)시간)", "Default (\(guardHours) hours)"))]
        for hours in [1, 2, 4, 8] where Int64(hours * 3600) < guardCycle.components.seconds {
            options.append((String(hours * 60), t("\(hours)시간", "\(hours) hour\(hours == 1 ? "" : "s")")))
        }
        body += "<h2>\(t("인증 주기", "Verification cycle"))</h2>"
        body += self.formHeader("/__guard/settings/cycle", common)
        body += "<label for=\"cycle\">\(t("활동 중이어도 이 시간이 지나면 다시 인증합니다", "Verify again after this long, even when active"))</label><select id=\"cycle\" name=\"cycle\">"
        for (value, label) in options {
            let isSelected = (value == "default" && current == nil) || (current.map { String($0 / 60) } == value)
            body += "<option value=\"\(value)\"\(isSelected ? " selected" : "")>\(Escape.markup(label))</option>"
        }
        body += "</select><button type=\"submit\">\(t("저장", "Save"))</button></form>"
        body += "<h2>\(t("등록 정보 변경", "Change registration"))</h2>"
        body += "<p><a class=\"button secondary\" href=\"/__guard/enroll?\(Escape.markup(StepUp.query([("next", "/__guard/settings")])))\">\(t("인증 수단·번호·이메일 바꾸기", "Change channel, number or e-mail"))</a></p>"
        body += self.formHeader("/__guard/logout", common)
        body += "<button type=\"submit\" class=\"secondary\">\(t("추가 인증 해제(이 브라우저)", "End verification in this browser"))</button></form>"
        return self.layout(common.language, title: t("추가 인증 설정", "Second-factor settings"), account: common.account, body: body,
                           settingsLink: true)
    }

    static func outbox(_ messages: [DevOutbox.Message]) -> String {
        var body = "<p class=\"info\">Demo only: codes that would have gone by SMS, messenger or e-mail. This page refreshes every 5 seconds. Outside the demo no code is ever shown or logged.</p>"
        if messages.isEmpty {
            body += "<p>No messages yet.</p>"
        } else {
            body += "<table><thead><tr><th scope=\"col\">Time (KST)</th><th scope=\"col\">Account</th><th scope=\"col\">Channel</th><th scope=\"col\">To</th><th scope=\"col\">Code</th></tr></thead><tbody>"
            for message in messages {
                let code = message.code.map { "<strong class=\"secret\">\($0)</strong>" } ?? "registration changed (notice)"
                body += "<tr><td>\(self.kst(message.at, seconds: true))</td><td>\(Escape.markup(message.account))</td><td>\(message.channel)</td><td>\(Escape.markup(message.destination))</td><td>\(code)</td></tr>"
            }
            body += "</tbody></table>"
        }
        return self.layout(.en, title: "Dev outbox", body: body, refreshSeconds: 5, wide: true)
    }

    /// `2026-11-23 16:05 KST`
    package static func kst(_ date: Date, seconds: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Seoul")
        formatter.dateFormat = seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
        return formatter.string(from: date) + " KST"
    }
}
