@testable import GuardProxy
import GuardTestSupport
import HTTPTypes
import Testing

/// The canonical request target: what it decodes, what it merges, what it refuses.
@Suite struct RequestTargetTests {
    static func canonical(_ raw: String, rules: RequestTarget.Rules = .init()) -> String? {
        try? RequestTarget.canonicalize(raw, rules: rules) { $0 == "guard.example" || $0 == "guard.example:8443" }.get().originForm
    }

    static func refusal(_ raw: String, rules: RequestTarget.Rules = .init()) -> RequestTarget.Refusal? {
        if case .failure(let refusal) = RequestTarget.canonicalize(raw, rules: rules, isSiteAuthority: { $0 == "guard.example" }) {
            return refusal
        }
        return nil
    }

    @Test(arguments: [
        ("/", "/"),
        ("/sales/orders", "/sales/orders"),
        ("/sales/orders/", "/sales/orders/"),
        ("/%73ales/orders", "/sales/orders"),
        ("/%73%61%6C%65%73/orders", "/sales/orders"),
        ("/api/%6frders/", "/api/orders/"),
        ("/x/../sales/orders", "/sales/orders"),
        ("/./sales/orders", "/sales/orders"),
        ("/sales/./orders/.", "/sales/orders/"),
        ("/sales/orders/..", "/sales/"),
        ("/%2e/sales/%2E%2E/sales/orders", "/sales/orders"),
        ("/sales/.%2e/sales/orders", "/sales/orders"),
        ("//sales///orders", "/sales/orders"),
        ("/sales/orders?page=2&q=%ED%99%8D", "/sales/orders?page=2&q=%ED%99%8D"),
        ("/sales/%ed%99%8d", "/sales/%ED%99%8D"),
        ("/sales/a|b^c", "/sales/a%7Cb%5Ec"),
        ("/sales/%22%20%40", "/sales/%22%20%40"),
        ("/sales/~user_name-1.2", "/sales/~user_name-1.2"),
        ("/sales/a@b:c!$&'()*+,=", "/sales/a@b:c!$&'()*+,="),
        ("https://guard.example/sales/orders?x=1", "/sales/orders?x=1"),
        ("HTTP://guard.example:8443", "/"),
        ("/sales/...", "/sales/..."),
        ("/sales?", "/sales?"),
    ])
    func canonicalForms(raw: String, expected: String) {
        #expect(Self.canonical(raw) == expected)
    }

    @Test(arguments: [
        ("", RequestTarget.Refusal.empty),
        ("*", .asterisk),
        ("@127.0.0.1:9080/sales/orders/export.csv", .notOriginForm),
        ("127.0.0.1:9080/sales", .notOriginForm),
        ("sales/orders", .notOriginForm),
        ("ftp://guard.example/sales", .notOriginForm),
        ("https://user@guard.example/sales", .userinfo),
        ("https://guard.example@evil.example/sales", .userinfo),
        ("http://evil.example/sales/orders", .foreignAuthority),
        ("http:///sales", .foreignAuthority),
        ("/sales/orders#x", .fragment),
        ("/sales%2Forders", .encodedSeparator),
        ("/sales%2forders", .encodedSeparator),
        ("/sales%5Corders", .encodedSeparator),
        ("/sales\\orders", .backslash),
        ("/sales/orders%00", .control),
        ("/sales/orders%0a", .control),
        ("/sales/ord ers", .control),
        ("/sales/orders\u{7F}", .control),
        ("/sales/orders?a\tb", .control),
        ("/sales/%", .badPercent),
        ("/sales/%4", .badPercent),
        ("/sales/%zz", .badPercent),
        ("/%2573ales/orders", .doubleEncoding),
        ("/sales/%25%32%65", .doubleEncoding),
        ("/sales/%254%31", .doubleEncoding),
        ("/sales/홍길동", .rawNonASCII),
        ("/sales?q=홍", .rawNonASCII),
        ("/sales/%C0%AE%C0%AE/x", .invalidUTF8),
        ("/sales/%E0%80%AE", .invalidUTF8),
        ("/sales/%ED%A0%80", .invalidUTF8),
        ("/sales/%F4%90%80%80", .invalidUTF8),
        ("/sales/%FF", .invalidUTF8),
        ("/sales/%ED%99", .invalidUTF8),
        ("/sales/%ED%99x", .invalidUTF8),
        ("/..", .aboveRoot),
        ("/../sales/orders", .aboveRoot),
        ("/sales/../../sales", .aboveRoot),
        ("/%2e%2e/sales", .aboveRoot),
        ("/sales;x=1/orders", .pathParameter),
        ("/sales/orders;jsessionid=1", .pathParameter),
        ("/sales%3Bx/orders", .pathParameter),
        ("/sales%3f/orders", .encodedSeparator),
        ("/sales/orders%23", .encodedSeparator),
    ])
    func refusals(raw: String, expected: RequestTarget.Refusal) {
        #expect(Self.refusal(raw) == expected)
    }

    @Test func caseInsensitiveSitesFoldLetters() {
        let rules = RequestTarget.Rules(caseInsensitive: true)
        #expect(Self.canonical("/SALES/Orders/%ED%99%8D", rules: rules) == "/sales/orders/%ED%99%8D")
        #expect(Self.canonical("/%53ALES/orders?Q=A", rules: rules) == "/sales/orders?Q=A")
        #expect(Self.canonical("/SALES/orders") == "/SALES/orders")
        #expect(Self.refusal("/sales./orders", rules: rules) == .trailingDotOrSpace)
        #expect(Self.refusal("/sales%20/orders", rules: rules) == .trailingDotOrSpace)
        #expect(Self.refusal("/sales/orders/..", rules: rules) == nil)
        #expect(Self.canonical("/sales./orders") == "/sales./orders")
    }

    @Test func pathParametersWhenTheSiteAllowsThem() {
        #expect(Self.canonical("/sales;v=1/orders", rules: .init(allowPathParameters: true)) == "/sales;v=1/orders")
    }

    /// The one-pass check for targets already canonical agrees with the full normalisation: every input it lets
    /// through is its own normal form, under every site's rules.
    @Test func theShortcutAgreesWithTheFullNormalisation() {
        var generator = SplitMix(seed: 11)
        let alphabet = Array("/.%2eE;sA~a-_:@!x".utf8)
        var shortcuts = 0
        for _ in 0..<50_000 {
            var bytes: [UInt8] = [UInt8(ascii: "/")]
            for _ in 0..<Int(generator.next() % 16) { bytes.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            for rules in [RequestTarget.Rules(), .init(caseInsensitive: true), .init(allowPathParameters: true)]
            where RequestTarget.isAlreadyCanonical(bytes[...], rules: rules) {
                shortcuts += 1
                #expect(RequestTarget.normalizedSegments(bytes[...], rules: rules) == .success(String(decoding: bytes, as: UTF8.self)),
                        "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(shortcuts > 5_000)
    }

    /// Canonicalising is idempotent: the canonical form of a canonical form is itself (the upstream, re-reading what
    /// it is sent, cannot get a second reading out of it).
    @Test func idempotent() {
        var generator = SplitMix(seed: 7)
        let alphabet = Array("/.%2eEfF5Cc0A;s~a-_:@?#\\ |x".utf8)
        var checked = 0
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 24)
            var bytes: [UInt8] = [UInt8(ascii: "/")]
            for _ in 0..<length { bytes.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let raw = String(decoding: bytes, as: UTF8.self)
            guard let once = Self.canonical(raw) else { continue }
            checked += 1
            #expect(Self.canonical(once) == once, "\(raw) → \(once)")
        }
        #expect(checked > 1_000)
    }

    @Test(arguments: [
        ("localhost", "localhost", nil as Int?),
        ("LOCALHOST:8443", "localhost", 8443),
        ("127.0.0.1:443", "127.0.0.1", 443),
        ("[::1]:8443", "::1", 8443),
        ("[::1]", "::1", nil),
        ("shop.example", "shop.example", nil),
    ])
    func authorities(value: String, host: String, port: Int?) {
        #expect(RequestAuthority.parse(value) == RequestAuthority(host: host, port: port))
    }

    @Test(arguments: ["", "localhost:@evil.example", "localhost:", "localhost:0", "localhost:65536", "localhost:08443x",
                      "user@localhost", "localhost/x", "local host", "[::1", "[]", "[zz::1]", "localhost:1:2",
                      ".localhost", "-x", "localhost:123456", "ex%61mple.com", "localhost\u{0}"])
    func malformedAuthorities(value: String) {
        #expect(RequestAuthority.parse(value) == nil)
    }
}

