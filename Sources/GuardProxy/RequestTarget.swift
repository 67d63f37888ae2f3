// Pure Swift, standard library only: the fuzzer (Fuzz/) compiles this file on its own.

/// A request's target in the one form every stage of the guard decides on: site, menu, gate, masking, export,
/// subject keys, the access record and the upstream URL.
///
/// Two parties reading one request differently is how a guard is walked around: the guard matches `/%73ales/orders`
/// against its menus and sees no menu, while the admin behind it decodes the `%73` and serves the order list. So the
/// target is put into one canonical form once, before the gate, and the upstream is sent exactly that form; whatever
/// common servers could read in more than one way is refused instead of guessed (RFC 3986 §6.2.2, §5.2.4):
///
/// - origin-form only (`/path?query`); an absolute-form target naming this site is reduced to origin-form; any other
///   authority, userinfo, a scheme or `*` is refused;
/// - percent-encoded unreserved characters are decoded (`%73` → `s`, `%2e` → `.`), other escapes keep their octet
///   with upper-case hex; printable characters outside RFC 3986's `pchar` (`|`, `^`, `{`…) are percent-encoded;
/// - empty segments are merged (`//` → `/`, as nginx and Spring do) and dot segments removed; `..` above the root
///   is refused;
/// - refused: an encoded `/` or `\` (`%2F`, `%5C`), a raw `\` (Windows servers and browsers read it as `/`), `%00`
///   and every control or space, a double encoding (`%25` followed by two hex digits after decoding), a `%` not
///   followed by two hex digits, raw non-ASCII bytes, percent-encoded bytes that are not valid UTF-8 (overlong forms
///   such as `%C0%AE` included), a fragment, an encoded `?` or `#` (a server that decodes before it splits reads
///   them as delimiters), and path parameters (`;`, raw or encoded) unless the site allows them (Tomcat and Spring
///   drop `;…` from a segment before matching: `/sales;x/orders` is `/sales/orders` to them);
/// - for a site whose admin ignores case (Windows servers), ASCII letters of the path are lower-cased, and a segment
///   ending in `.` or a space is refused (Windows drops them: `/sales./orders` is `/sales/orders` there).
public struct RequestTarget: Sendable, Equatable {
    /// The canonical path: starts with `/`, no empty or dot segments, no query.
    public let path: String
    /// The query without `?`, exactly as sent (checked for control characters and raw non-ASCII only: the query does
    /// not choose a menu, and the admin reads it as it is).
    public let query: String?

    public init(path: String, query: String?) {
        self.path = path
        self.query = query
    }

    /// `path?query`: what the upstream is sent.
    public var originForm: String {
        guard let query else { return self.path }
        return self.path + "?" + query
    }

    /// How a site's admin reads paths, which the canonical form must follow.
    public struct Rules: Sendable, Equatable {
        /// The admin ignores the case of paths (IIS-style): letters are lower-cased so that `/SALES/orders` is the
        /// menu `/sales/**`.
        public var caseInsensitive: Bool
        /// `;` parameters in path segments are allowed (kept as sent). Only for an admin that does not strip them.
        public var allowPathParameters: Bool

        public init(caseInsensitive: Bool = false, allowPathParameters: Bool = false) {
            self.caseInsensitive = caseInsensitive
            self.allowPathParameters = allowPathParameters
        }
    }

    /// Why a target was refused (answered 400). Kinds only: a target may hold personal data, so it is never logged.
    public enum Refusal: String, Error, Sendable, Equatable, CaseIterable {
        case empty = "empty target"
        case asterisk = "'*' is only for OPTIONS"
        case notOriginForm = "target is neither origin-form nor an absolute URL"
        case userinfo = "userinfo in the target"
        case foreignAuthority = "absolute URL names another host"
        case fragment = "fragment in the target"
        case encodedSeparator = "encoded '/', '\\', '?' or '#'"
        case backslash = "'\\' in the path"
        case control = "control character, space or NUL"
        case badPercent = "'%' not followed by two hex digits"
        case doubleEncoding = "double percent-encoding"
        case rawNonASCII = "raw non-ASCII byte"
        case invalidUTF8 = "percent-encoded bytes are not valid UTF-8"
        case aboveRoot = "'..' above the root"
        case pathParameter = "';' path parameter"
        case trailingDotOrSpace = "segment ending in '.' or a space on a case-insensitive site"
        case tooLong = "target too long"
    }

    /// Targets longer than this are refused (the head limit normally stops them first).
    public static let maxLength = 16 * 1024

    /// The canonical form of `raw` (the request line's target, or HTTP/2's `:path`), or why it is refused.
    ///
    /// - Parameters:
    ///   - isSiteAuthority: whether an absolute-form target's authority (`host[:port]`, as written) names this site;
    ///     an absolute-form target is reduced to origin-form only then.
    public static func canonicalize(_ raw: String, rules: Rules = .init(),
                                    isSiteAuthority: (Substring) -> Bool = { _ in false }) -> Result<RequestTarget, Refusal> {
        var bytes = Array(raw.utf8)
        guard !bytes.isEmpty else { return .failure(.empty) }
        guard bytes.count <= Self.maxLength else { return .failure(.tooLong) }
        if bytes == [UInt8(ascii: "*")] { return .failure(.asterisk) }
        if bytes[0] != UInt8(ascii: "/") {
            switch Self.reduceAbsoluteForm(bytes, isSiteAuthority: isSiteAuthority) {
            case .success(let rest): bytes = rest
            case .failure(let refusal): return .failure(refusal)
            }
        }
        if bytes.contains(UInt8(ascii: "#")) { return .failure(.fragment) }
        let queryStart = bytes.firstIndex(of: UInt8(ascii: "?"))
        let pathBytes = bytes[..<(queryStart ?? bytes.endIndex)]
        var query: String? = nil
        if let queryStart {
            let queryBytes = bytes[(queryStart + 1)...]
            for byte in queryBytes {
                if byte <= 0x20 || byte == 0x7F { return .failure(.control) }
                if byte >= 0x80 { return .failure(.rawNonASCII) }
            }
            query = String(decoding: queryBytes, as: UTF8.self)
        }
        if Self.isAlreadyCanonical(pathBytes, rules: rules) {
            // Most targets (every link the admin writes) are canonical as sent: no escape, no dot or empty segment.
            return .success(RequestTarget(path: String(decoding: pathBytes, as: UTF8.self), query: query))
        }
        switch Self.normalizedSegments(pathBytes, rules: rules) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let path): return .success(RequestTarget(path: path, query: query))
        }
    }

    /// `http://host[:port]/rest` → `/rest` when the authority names this site.
    private static func reduceAbsoluteForm(_ bytes: [UInt8], isSiteAuthority: (Substring) -> Bool)
        -> Result<[UInt8], Refusal>
    {
        let text = String(decoding: bytes, as: UTF8.self)
        let lowered = text.lowercased()
        let schemeLength: Int
        if lowered.hasPrefix("https://") {
            schemeLength = 8
        } else if lowered.hasPrefix("http://") {
            schemeLength = 7
        } else {
            return .failure(.notOriginForm)
        }
        let afterScheme = bytes[schemeLength...]
        let authorityEnd = afterScheme.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? bytes.endIndex
        let authority = bytes[schemeLength..<authorityEnd]
        if authority.contains(UInt8(ascii: "@")) { return .failure(.userinfo) }
        guard !authority.isEmpty, isSiteAuthority(Substring(String(decoding: authority, as: UTF8.self))) else {
            return .failure(.foreignAuthority)
        }
        var rest = Array(bytes[authorityEnd...])
        if rest.first != UInt8(ascii: "/") { rest.insert(UInt8(ascii: "/"), at: 0) }
        return .success(rest)
    }

    /// Whether `path` is its own canonical form, read in one pass: only unreserved characters, sub-delimiters, ':',
    /// '@' and '/' (no '%', no ';' unless allowed, no upper case on a case-insensitive site), and no segment that is
    /// empty or starts with '.' (so no dot segment, and no Windows trailing dot can hide in one). Anything else takes
    /// `normalizedSegments`, which gives the same answer for these inputs (`RequestTargetTests` checks both ways).
    static func isAlreadyCanonical(_ path: ArraySlice<UInt8>, rules: Rules) -> Bool {
        var previous = UInt8(ascii: "/")
        for byte in path.dropFirst() {
            if previous == UInt8(ascii: "/") && (byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".")) { return false }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                 UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: "!"), UInt8(ascii: "$"),
                 UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"),
                 UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"):
                break
            case UInt8(ascii: "."):
                if rules.caseInsensitive { return false }  // a trailing dot is refused there: the slow path decides
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                if rules.caseInsensitive { return false }
            case UInt8(ascii: ";"):
                if !rules.allowPathParameters { return false }
            default:
                return false
            }
            previous = byte
        }
        return true
    }

    /// Decodes, checks and re-encodes the path's bytes, then merges empty segments and removes dot segments.
    static func normalizedSegments(_ path: ArraySlice<UInt8>, rules: Rules) -> Result<String, Refusal> {
        var segments: [[UInt8]] = []
        var current: [UInt8] = []
        // Percent-encoded bytes of 0x80 and above since the last other byte: one UTF-8 sequence or more.
        var encodedRun: [UInt8] = []
        var endsInDirectory = false

        func finishRun() -> Bool {
            defer { encodedRun.removeAll(keepingCapacity: true) }
            return encodedRun.isEmpty || Self.isValidUTF8(encodedRun)
        }
        func finishSegment() -> Refusal? {
            if !finishRun() { return .invalidUTF8 }
            defer { current.removeAll(keepingCapacity: true) }
            if current.isEmpty || current == [0x2E] {
                endsInDirectory = true
                return nil
            }
            if current == [0x2E, 0x2E] {
                guard !segments.isEmpty else { return .aboveRoot }
                segments.removeLast()
                endsInDirectory = true
                return nil
            }
            if Self.hasDoubleEncoding(current) { return .doubleEncoding }
            // Windows servers (the case-insensitive ones) drop a segment's trailing dots and spaces: `/sales./orders`
            // and `/sales%20/orders` are `/sales/orders` to them.
            if rules.caseInsensitive, let last = current.last,
               last == UInt8(ascii: ".") || current.count >= 3 && current.suffix(3).elementsEqual("%20".utf8) {
                return .trailingDotOrSpace
            }
            segments.append(current)
            endsInDirectory = false
            return nil
        }

        var index = path.startIndex + 1  // past the leading '/'
        while index < path.endIndex {
            let byte = path[index]
            index += 1
            switch byte {
            case UInt8(ascii: "/"):
                if let refusal = finishSegment() { return .failure(refusal) }
            case UInt8(ascii: "%"):
                guard index + 2 <= path.endIndex, let high = Self.hexValue(path[index]),
                      let low = Self.hexValue(path[index + 1])
                else { return .failure(.badPercent) }
                index += 2
                let decoded = high << 4 | low
                if decoded >= 0x80 {
                    encodedRun.append(decoded)
                    Self.appendEscape(decoded, to: &current)
                    continue
                }
                if !finishRun() { return .failure(.invalidUTF8) }
                switch decoded {
                // A server that decodes before it splits reads these as delimiters; one that splits first, as data.
                case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                    return .failure(.encodedSeparator)
                case UInt8(ascii: ";") where !rules.allowPathParameters:
                    return .failure(.pathParameter)
                case 0x00..<0x20, 0x7F: return .failure(.control)
                default:
                    if Self.isUnreserved(decoded) {
                        current.append(rules.caseInsensitive ? Self.lowercased(decoded) : decoded)
                    } else {
                        Self.appendEscape(decoded, to: &current)
                    }
                }
            default:
                if !finishRun() { return .failure(.invalidUTF8) }
                if byte >= 0x80 { return .failure(.rawNonASCII) }
                if byte <= 0x20 || byte == 0x7F { return .failure(.control) }
                if byte == UInt8(ascii: "\\") { return .failure(.backslash) }
                if byte == UInt8(ascii: ";") && !rules.allowPathParameters { return .failure(.pathParameter) }
                if Self.isUnreserved(byte) || Self.isSubDelimiterOrColonAt(byte) {
                    current.append(rules.caseInsensitive ? Self.lowercased(byte) : byte)
                } else {
                    Self.appendEscape(byte, to: &current)
                }
            }
        }
        if path.count == 1 { endsInDirectory = true } else if let refusal = finishSegment() { return .failure(refusal) }

        var out: [UInt8] = []
        out.reserveCapacity(path.count)
        for segment in segments {
            out.append(UInt8(ascii: "/"))
            out.append(contentsOf: segment)
        }
        if endsInDirectory || out.isEmpty { out.append(UInt8(ascii: "/")) }
        return .success(String(decoding: out, as: UTF8.self))
    }

    /// `%25` followed by two hex digits in a canonical segment: a server that decodes twice (IIS, some frameworks)
    /// would read one more byte there (`%252e` → `%2e` → `.`). Checked after unreserved escapes are decoded, so
    /// `%25%32%65` is caught too.
    private static func hasDoubleEncoding(_ segment: [UInt8]) -> Bool {
        guard segment.count >= 5 else { return false }
        for index in 0...(segment.count - 5)
        where segment[index] == UInt8(ascii: "%") && segment[index + 1] == UInt8(ascii: "2")
            && segment[index + 2] == UInt8(ascii: "5") && Self.hexValue(segment[index + 3]) != nil
            && Self.hexValue(segment[index + 4]) != nil {
            return true
        }
        return false
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "%"))
        out.append(Self.hexDigits[Int(byte >> 4)])
        out.append(Self.hexDigits[Int(byte & 0x0F)])
    }

    /// RFC 3986 `unreserved`: ALPHA / DIGIT / "-" / "." / "_" / "~".
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// The rest of RFC 3986 `pchar`: sub-delims, ":" and "@" (kept as sent).
    private static func isSubDelimiterOrColonAt(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
             UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"):
            return true
        default:
            return false
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 0x20 : byte
    }

    /// Whether `bytes` (all ≥ 0x80) are well-formed UTF-8: shortest forms only, no surrogates, at most U+10FFFF.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            let minimum: UInt32
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(lead & 0x07)
            default: return false  // a continuation byte first, an overlong lead (C0, C1) or past U+10FFFF
            }
            guard index + length <= bytes.count else { return false }
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            index += length
        }
        return true
    }
}
