// Pure Swift, standard library only: the fuzzer (Fuzz/) compiles this file on its own.

/// A `Host` header or HTTP/2 `:authority` read strictly: a host name or an IP literal, then optionally `:` and a port
/// of digits only.
///
/// Anything looser is how a request gets read two ways: `localhost:@evil.example` has one colon, so a lenient
/// "strip the port" picks `localhost` for the site while an upstream or a link rewriter that parses it as a URL
/// authority sees the host `evil.example`. No userinfo, no path, no spaces, no second port: refused (400).
public struct RequestAuthority: Sendable, Equatable {
    /// Lower-cased host name, or an IP literal (IPv6 without brackets).
    public let host: String
    /// The port when one was written.
    public let port: Int?

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    /// `host[:port]` as the guard writes it back (`X-Forwarded-Host`, rewritten links): brackets for IPv6.
    public var text: String {
        let name = self.host.contains(":") ? "[" + self.host + "]" : self.host
        guard let port else { return name }
        return name + ":" + String(port)
    }

    /// Parses `value`, or nil if it is not exactly `host` or `host:port`.
    public static func parse(_ value: some StringProtocol) -> RequestAuthority? {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= 300 else { return nil }
        var hostEnd: Int
        let host: String
        if bytes[0] == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return nil }
            let literal = bytes[1..<close]
            guard literal.allSatisfy({ Self.isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }),
                  literal.contains(UInt8(ascii: ":"))
            else { return nil }
            host = String(decoding: literal, as: UTF8.self).lowercased()
            hostEnd = close + 1
        } else {
            hostEnd = bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.endIndex
            let name = bytes[..<hostEnd]
            // RFC 3986 reg-name as DNS names use it: letters, digits, '-', '.'; no empty labels at the ends.
            guard !name.isEmpty, name.count <= 253,
                  name.allSatisfy({ Self.isNameByte($0) }),
                  name.first != UInt8(ascii: "."), name.first != UInt8(ascii: "-")
            else { return nil }
            host = String(decoding: name, as: UTF8.self).lowercased()
        }
        guard hostEnd < bytes.endIndex else { return RequestAuthority(host: host, port: nil) }
        guard bytes[hostEnd] == UInt8(ascii: ":") else { return nil }
        let digits = bytes[(hostEnd + 1)...]
        guard !digits.isEmpty, digits.count <= 5,
              digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        var port = 0
        for digit in digits { port = port * 10 + Int(digit - UInt8(ascii: "0")) }  // at most 99999: no overflow
        guard (1...65535).contains(port) else { return nil }
        return RequestAuthority(host: host, port: port)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}
