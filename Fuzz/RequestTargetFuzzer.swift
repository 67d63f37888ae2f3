// libFuzzer target for the request head's canonical form (issue 16): `RequestTarget.canonicalize` and
// `RequestAuthority.parse`, compiled from the very files the listener uses (Sources/GuardProxy/RequestTarget.swift,
// RequestAuthority.swift; standard library only).
//
// The first byte picks the site's rules (case-insensitive, parameters allowed) and whether the input is read as a
// target or as a `Host` value. For every input it checks, and crashes (so libFuzzer keeps the input) when one breaks:
//   1. no crash, no overflow trap, no memory error (AddressSanitizer);
//   2. an accepted target is canonical: it starts with '/', holds only RFC 3986 characters, no empty, '.' or '..'
//      segment, no '%' that is not an upper-case escape, no encoded unreserved character, no encoded '/', '\', '?',
//      '#', no control, and canonicalising it again gives itself (one reading, whoever reads it next);
//   3. an accepted authority writes back to a value that parses to itself.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let mode = bytes[0]
    let rules = RequestTarget.Rules(caseInsensitive: mode & 1 != 0, allowPathParameters: mode & 2 != 0)
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    if mode & 4 != 0 {
        if let authority = RequestAuthority.parse(text) {
            precondition(RequestAuthority.parse(authority.text) == authority, "authority does not read back")
        }
        return 0
    }
    let site: (Substring) -> Bool = { $0 == "guard.example" || $0 == "guard.example:8443" }
    guard case .success(let target) = RequestTarget.canonicalize(text, rules: rules, isSiteAuthority: site) else {
        return 0
    }
    let path = Array(target.path.utf8)
    precondition(path.first == UInt8(ascii: "/"), "a canonical path must start with '/'")
    let segments = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
    for (index, segment) in segments.enumerated() {
        let last = index == segments.count - 1
        precondition(!segment.isEmpty || last, "an empty segment inside a canonical path")
        precondition(!segment.elementsEqual([0x2E]) && !segment.elementsEqual([0x2E, 0x2E]), "a dot segment left")
    }
    var index = 0
    while index < path.count {
        let byte = path[index]
        precondition(byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "?")
                     && byte != UInt8(ascii: "#"), "a character outside the canonical set")
        if byte == UInt8(ascii: "%") {
            precondition(index + 2 < path.count, "a cut escape")
            let escape = String(decoding: path[(index + 1)...(index + 2)], as: UTF8.self)
            precondition(escape == escape.uppercased(), "a lower-case escape")
            let value = UInt8(escape, radix: 16)!
            precondition(!RequestTarget.isUnreserved(value), "an encoded unreserved character")
            precondition(![0x2F, 0x5C, 0x3F, 0x23].contains(value) && value >= 0x20 && value != 0x7F,
                         "an encoded delimiter or control")
            index += 3
            continue
        }
        if rules.caseInsensitive { precondition(!(0x41...0x5A).contains(byte), "an upper-case letter on a case-insensitive site") }
        index += 1
    }
    let again = RequestTarget.canonicalize(target.originForm, rules: rules, isSiteAuthority: site)
    precondition(again == .success(target), "canonical form is not stable")
    return 0
}
