/// A deliberately small reader of XML start tags and their attributes, enough for the EncryptionInfo descriptor
/// of [MS-OFFCRYPTO] 2.3.4.10.
///
/// It exists so that decryption needs neither libxml2 (FoundationXML on Linux) nor a general XML parser for
/// attacker-supplied input: it expands no entities beyond the five predefined ones and numeric references,
/// resolves no DTD, and only reports elements (qualified name, local name, attributes) in document order.
enum MiniXML {
    struct Element {
        let qualifiedName: String
        var localName: String {
            guard let colon = qualifiedName.lastIndex(of: ":") else { return qualifiedName }
            return String(qualifiedName[qualifiedName.index(after: colon)...])
        }
        let attributes: [String: String]
    }

    struct ParseError: Error {
        let reason: String
    }

    /// The start (and empty-element) tags of `text`, in order.
    static func elements(_ text: [UInt8]) throws(ParseError) -> [Element] {
        var bytes = text[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }   // UTF-8 byte order mark
        var elements: [Element] = []
        var index = bytes.startIndex
        let end = bytes.endIndex

        func skip(past terminator: [UInt8]) throws(ParseError) {
            while index < end {
                if bytes[index...].starts(with: terminator) {
                    index += terminator.count
                    return
                }
                index += 1
            }
            throw ParseError(reason: "unterminated markup")
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        func isNameByte(_ byte: UInt8) -> Bool {
            !isSpace(byte) && byte != UInt8(ascii: "/") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "=")
                && byte != UInt8(ascii: "<") && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
        }
        func name() throws(ParseError) -> String {
            let start = index
            while index < end, isNameByte(bytes[index]) { index += 1 }
            guard index > start else { throw ParseError(reason: "expected a name") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        func skipSpaces() { while index < end, isSpace(bytes[index]) { index += 1 } }

        while index < end {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            let rest = bytes[index...]
            if rest.starts(with: Array("<?".utf8)) {
                try skip(past: Array("?>".utf8))
            } else if rest.starts(with: Array("<!--".utf8)) {
                try skip(past: Array("-->".utf8))
            } else if rest.starts(with: Array("<![CDATA[".utf8)) {
                try skip(past: Array("]]>".utf8))
            } else if rest.starts(with: Array("<!".utf8)) {
                throw ParseError(reason: "document type declarations are not allowed")
            } else if rest.starts(with: Array("</".utf8)) {
                try skip(past: Array(">".utf8))
            } else {
                index += 1
                let qualifiedName = try name()
                var attributes: [String: String] = [:]
                while true {
                    skipSpaces()
                    guard index < end else { throw ParseError(reason: "unterminated tag \(qualifiedName)") }
                    if bytes[index] == UInt8(ascii: ">") {
                        index += 1
                        break
                    }
                    if bytes[index] == UInt8(ascii: "/") {
                        index += 1
                        guard index < end, bytes[index] == UInt8(ascii: ">") else {
                            throw ParseError(reason: "malformed tag \(qualifiedName)")
                        }
                        index += 1
                        break
                    }
                    let attributeName = try name()
                    skipSpaces()
                    guard index < end, bytes[index] == UInt8(ascii: "=") else {
                        throw ParseError(reason: "attribute \(attributeName) has no value")
                    }
                    index += 1
                    skipSpaces()
                    guard index < end, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                        throw ParseError(reason: "attribute \(attributeName) is not quoted")
                    }
                    let quote = bytes[index]
                    index += 1
                    let start = index
                    while index < end, bytes[index] != quote { index += 1 }
                    guard index < end else { throw ParseError(reason: "unterminated attribute \(attributeName)") }
                    let raw = String(decoding: bytes[start..<index], as: UTF8.self)
                    index += 1
                    attributes[attributeName] = try unescape(raw)
                }
                elements.append(Element(qualifiedName: qualifiedName, attributes: attributes))
            }
        }
        return elements
    }

    /// Replaces the predefined entities and numeric character references.
    static func unescape(_ raw: String) throws(ParseError) -> String {
        guard raw.contains("&") else { return raw }
        var result = ""
        var rest = raw[...]
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            guard let semicolon = rest[ampersand...].firstIndex(of: ";") else {
                throw ParseError(reason: "unterminated entity reference")
            }
            let entity = rest[rest.index(after: ampersand)..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                var scalarValue: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalarValue = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    scalarValue = UInt32(entity.dropFirst(), radix: 10)
                }
                guard let value = scalarValue, let scalar = Unicode.Scalar(value) else {
                    throw ParseError(reason: "unknown entity &\(entity);")
                }
                result.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        result += rest
        return result
    }

    /// Escapes text for a double-quoted attribute value.
    static func escapeAttribute(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
