import HTTPTypes
import Hummingbird
import NIOCore
import TextEscaping

/// The pages the proxy itself answers with when it cannot (or must not) pass a response on.
///
/// Sellers see these in the middle of their work, so they say in plain Korean (English when the browser prefers it)
/// what happened and what to do, carry the request id for support, and never show a stack trace or an internal
/// address. A client that asks for JSON (an XHR in the admin) gets the same as JSON.
public enum ProxyErrorKind: String, Sendable, CaseIterable {
    case misdirected = "misdirected_request"
    /// The request's target or host could be read in more than one way (`RequestTarget`, `RequestAuthority`).
    case badRequest = "bad_request"
    case bodyTooLarge = "request_body_too_large"
    case upstreamUnavailable = "upstream_unavailable"
    case upstreamTimeout = "upstream_timeout"
    case responseRejected = "response_rejected"
    case internalError = "internal_error"
    /// A protected menu cannot be checked (who is logged in, or the second-factor store, cannot be reached): fail closed.
    case policyUnavailable = "protection_unavailable"

    public var status: HTTPResponse.Status {
        switch self {
        case .misdirected: .misdirectedRequest
        case .badRequest: .badRequest
        case .bodyTooLarge: .contentTooLarge
        case .upstreamUnavailable, .responseRejected: .badGateway
        case .upstreamTimeout: .gatewayTimeout
        case .internalError: .internalServerError
        case .policyUnavailable: .serviceUnavailable
        }
    }

    var korean: (title: String, detail: String) {
        switch self {
        case .misdirected:
            ("알 수 없는 주소입니다", "이 서버는 요청하신 호스트 이름을 제공하지 않습니다. 주소를 확인해 주세요.")
        case .badRequest:
            ("잘못된 주소 형식입니다", "주소에 여러 가지로 읽힐 수 있는 문자나 형식이 있어 요청을 받지 않았습니다. 메뉴의 링크를 눌러 다시 열어 주세요.")
        case .bodyTooLarge:
            ("업로드 용량을 초과했습니다", "보내신 내용이 허용된 크기보다 큽니다. 파일을 나누어 다시 시도해 주세요.")
        case .upstreamUnavailable:
            ("관리자 서비스에 연결할 수 없습니다", "판매자 센터 서버가 응답하지 않습니다. 잠시 후 다시 시도해 주세요. 문제가 계속되면 관리자에게 아래 요청 번호를 알려 주세요.")
        case .upstreamTimeout:
            ("응답 시간이 초과되었습니다", "판매자 센터 서버의 응답이 너무 늦습니다. 잠시 후 다시 시도해 주세요.")
        case .responseRejected:
            ("응답을 안전하게 표시할 수 없습니다", "개인정보 보호를 위해 이 응답을 차단했습니다. 잠시 후 다시 시도하시고, 문제가 계속되면 관리자에게 아래 요청 번호를 알려 주세요.")
        case .internalError:
            ("일시적인 오류가 발생했습니다", "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.")
        case .policyUnavailable:
            ("개인정보 메뉴를 잠시 열 수 없습니다", "로그인 정보나 추가 인증 상태를 확인할 수 없어, 개인정보 보호를 위해 이 메뉴를 막았습니다. 다른 메뉴는 그대로 쓰실 수 있습니다. 잠시 후 다시 시도해 주세요.")
        }
    }

    var english: (title: String, detail: String) {
        switch self {
        case .misdirected:
            ("Unknown address", "This server does not serve the host name you asked for. Please check the address.")
        case .badRequest:
            ("Malformed address", "The address has characters or a form that could be read in more than one way, so the request was not accepted. Open the page again from the menu's link.")
        case .bodyTooLarge:
            ("Upload too large", "What you sent is larger than allowed. Split the file and try again.")
        case .upstreamUnavailable:
            ("The admin service cannot be reached", "The seller admin server is not answering. Please try again in a moment. If it keeps happening, give your administrator the request id below.")
        case .upstreamTimeout:
            ("The admin service took too long", "The seller admin server answered too slowly. Please try again in a moment.")
        case .responseRejected:
            ("This response cannot be shown safely", "It was blocked to protect personal information. Please try again; if it keeps happening, give your administrator the request id below.")
        case .internalError:
            ("Something went wrong", "The request could not be handled. Please try again in a moment.")
        case .policyUnavailable:
            ("This personal-information menu is unavailable for now", "Your login or second-factor status cannot be checked right now, so this menu is closed to protect personal data. Other menus still work. Please try again in a moment.")
        }
    }
}

/// Renders `ProxyErrorKind`s as HTML or JSON in the browser's language.
public enum ErrorPage {
    /// The preferred language among Korean and English by `Accept-Language` (RFC 9110 §12.5.4); Korean by default.
    public static func prefersEnglish(_ acceptLanguage: String?) -> Bool {
        guard let acceptLanguage else { return false }
        var best: (tag: String, q: Double)? = nil
        for item in acceptLanguage.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let tag = parts.first?.trimmingCharacters(in: .whitespaces).lowercased(), !tag.isEmpty else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() {
                let p = parameter.trimmingCharacters(in: .whitespaces)
                if p.hasPrefix("q="), let value = Double(p.dropFirst(2)) { q = value }
            }
            guard tag.hasPrefix("en") || tag.hasPrefix("ko") else { continue }
            if best == nil || q > best!.q { best = (tag, q) }
        }
        return best?.tag.hasPrefix("en") ?? false
    }

    /// True when the client asked for JSON rather than a page (an XHR/fetch call).
    public static func prefersJSON(_ accept: String?) -> Bool {
        guard let accept = accept?.lowercased() else { return false }
        if accept.contains("text/html") { return false }
        return accept.contains("application/json") || accept.contains("+json")
    }

    public static func response(_ kind: ProxyErrorKind, requestID: String, request headers: HTTPFields) -> Response {
        let english = self.prefersEnglish(headers[.acceptLanguage])
        let text = english ? kind.english : kind.korean
        var fields: HTTPFields = [.cacheControl: "no-store", HeaderPolicy.requestID: requestID]
        let body: String
        if self.prefersJSON(headers[.accept]) {
            fields[.contentType] = "application/json; charset=utf-8"
            body = "{\"error\":\"\(kind.rawValue)\",\"status\":\(kind.status.code),\"message\":\(Escape.jsonString(text.title + ". " + text.detail)),\"requestId\":\(Escape.jsonString(requestID))}"
        } else {
            fields[.contentType] = "text/html; charset=utf-8"
            fields[.contentLanguage] = english ? "en" : "ko"
            body = self.html(kind: kind, title: text.title, detail: text.detail, requestID: requestID, english: english)
        }
        return Response(status: kind.status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func html(kind: ProxyErrorKind, title: String, detail: String, requestID: String, english: Bool) -> String {
        """
        <!doctype html>
        <html lang="\(english ? "en" : "ko")"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(kind.status.code) \(Escape.markup(title))</title>
        <style>body{font-family:system-ui,"Apple SD Gothic Neo","Noto Sans KR",sans-serif;background:#f5f6f8;color:#1d2129;margin:0}
        main{max-width:36rem;margin:12vh auto;background:#fff;border-radius:12px;padding:2rem 2.25rem;box-shadow:0 2px 12px rgba(0,0,0,.08)}
        h1{font-size:1.35rem;margin:.2rem 0 1rem}p{line-height:1.6}.code{color:#6b7280;font-size:.9rem}
        .rid{font-family:ui-monospace,monospace;background:#f1f3f5;padding:.15rem .4rem;border-radius:4px}</style></head>
        <body><main role="main"><p class="code">HTTP \(kind.status.code)</p><h1>\(Escape.markup(title))</h1>
        <p>\(Escape.markup(detail))</p>
        <p class="code">\(english ? "Request id" : "요청 번호"): <span class="rid">\(Escape.markup(requestID))</span></p>
        </main></body></html>

        """
    }
}
