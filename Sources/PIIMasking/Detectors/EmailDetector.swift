/// E-mail addresses: `local@domain.tld`.
///
/// Buyers' addresses appear in order details, exports and chat, often glued to Korean text (`홍길동<hong@x.com>`,
/// `메일: a.b@c.co.kr입니다`). Accepted: a local part of ASCII letters, digits and `._+-` (1–64 characters, no
/// leading, trailing or doubled dot), `@`, then two or more dot-joined labels of letters, digits and inner hyphens,
/// the last one (the TLD) at least two letters or `xn--` punycode. Not reported: the user part of a URL
/// (`https://user:pass@host`), retina image names (`logo@2x.png` — file extensions are not TLDs), package scopes
/// (`@scope/name`), versions (`pkg@1.2.3`). A trailing dot (end of a sentence) is not part of the value.
public struct EmailDetector: Detector {
    public let name = "email"
    public var kinds: Set<PIIKind> { [.email] }

    public init() {}

    /// File extensions that follow `@2x`-style names in markup; never a mail domain's TLD here.
    static let fileExtensions: Set<[UInt8]> = Set(
        ["png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "css", "js", "mjs", "map", "json", "html",
         "htm", "xml", "pdf", "txt", "woff", "woff2", "ttf"].map { Array($0.utf8) })
    /// `fileExtensions` packed as `packedExtension` packs a TLD: asked for every address found, without allocating.
    static let packedExtensions = KeySet(Self.fileExtensions.map { bytes in
        bytes.withUnsafeBufferPointer { Self.packedExtension($0) ?? 0 }
    })

    /// A name of up to seven bytes, lowercased, with its length, in one word (nil when longer).
    static func packedExtension(_ name: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard name.count <= 7 else { return nil }
        var packed = UInt64(name.count) << 56
        for (index, byte) in name.enumerated() { packed |= UInt64(Bytes.lowercased(byte)) << UInt64(index * 8) }
        return packed
    }

    /// An address has its `@`.
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { traits.contains(.atSign) }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        var from = 0
        while true {
            let at = Bytes.first(Bytes.atSign, in: text, from: from)
            guard at < text.count else { return }
            from = at + 1
            guard let start = Self.localStart(text, at: at), let end = Self.domainEnd(text, at: at) else { continue }
            detections.append(Detection(start: start, end: end, kind: .email, by: "email"))
            from = end
        }
    }

    /// A letter, digit or one of `._+-`: one bit test (the ASCII bytes as two 64-bit masks, bytes 0–63 and 64–127).
    @inline(__always) static func isLocal(_ byte: UInt8) -> Bool {
        Self.inMasks(byte, low: Self.localLow, high: Self.localHigh)
    }

    /// A letter, digit or `-` (a domain label's bytes), as `isLocal`.
    @inline(__always) static func isLabel(_ byte: UInt8) -> Bool {
        Self.inMasks(byte, low: Self.labelLow, high: Self.labelHigh)
    }

    @inline(__always) private static func inMasks(_ byte: UInt8, low: UInt64, high: UInt64) -> Bool {
        guard byte < 0x80 else { return false }
        return (byte < 0x40 ? low : high) >> UInt64(byte & 0x3F) & 1 != 0
    }

    /// Digits 0x30–0x39, `+` 0x2B, `-` 0x2D, `.` 0x2E.
    private static let localLow: UInt64 = 0x03FF_0000_0000_0000 | 1 << 0x2B | 1 << 0x2D | 1 << 0x2E
    /// Letters 0x41–0x5A and 0x61–0x7A, `_` 0x5F.
    private static let localHigh: UInt64 = 0x07FF_FFFE_07FF_FFFE | 1 << (0x5F - 0x40)
    /// Digits and `-`.
    private static let labelLow: UInt64 = 0x03FF_0000_0000_0000 | 1 << 0x2D
    /// Letters.
    private static let labelHigh: UInt64 = 0x07FF_FFFE_07FF_FFFE

    /// Start of the local part before the `@` at `at`, if it is a valid one and not a URL's user information.
    static func localStart(_ text: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        var start = at
        while start > 0 && self.isLocal(text[start - 1]) && at - start < 65 { start -= 1 }
        if start > 0 && self.isLocal(text[start - 1]) { return nil }  // longer than 64
        while start < at && text[start] == Bytes.dot { start += 1 }
        guard start < at, at - start <= 64, text[at - 1] != Bytes.dot else { return nil }
        for index in start..<(at - 1) where text[index] == Bytes.dot && text[index + 1] == Bytes.dot { return nil }
        // scheme://user@host, scheme://user:password@host
        let before = Bytes.at(text, start - 1)
        if before == Bytes.slash && Bytes.at(text, start - 2) == Bytes.slash { return nil }
        if before == Bytes.colon {
            var user = start - 1
            while user > 0 && (self.isLocal(text[user - 1]) || text[user - 1] == 0x25) { user -= 1 }
            if Bytes.at(text, user - 1) == Bytes.slash && Bytes.at(text, user - 2) == Bytes.slash { return nil }
        }
        return start
    }

    /// End of the domain after the `@` at `at`, if it is a valid one.
    static func domainEnd(_ text: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        var position = at + 1
        var labels = 0
        var labelStart = position
        while true {
            labelStart = position
            while position < text.count && Self.isLabel(text[position]) {
                position += 1
            }
            let length = position - labelStart
            guard length >= 1 && length <= 63, text[labelStart] != Bytes.hyphen, text[position - 1] != Bytes.hyphen
            else { return nil }
            labels += 1
            guard Bytes.at(text, position) == Bytes.dot, Bytes.isAlphanumeric(text, at: position + 1) else { break }
            position += 1
        }
        guard labels >= 2, position - at - 1 <= 253 else { return nil }
        let tld = UnsafeBufferPointer(rebasing: text[labelStart..<position])
        let punycode = tld.count > 4 && tld[0] | 0x20 == 0x78 && tld[1] | 0x20 == 0x6E && tld[2] == Bytes.hyphen
            && tld[3] == Bytes.hyphen
        guard punycode || (tld.count >= 2 && tld.allSatisfy(Bytes.isLetter)) else { return nil }
        if let packed = Self.packedExtension(tld), self.packedExtensions.contains(packed) { return nil }
        // `_` glued to the end: an identifier, not an address.
        guard Bytes.at(text, position) != 0x5F else { return nil }
        return position
    }
}
