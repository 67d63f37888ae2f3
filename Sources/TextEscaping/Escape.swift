/// Escaping for the text the guard writes into JSON strings and into HTML/SVG, in one place.
///
/// Pages, JSON errors, gateway bodies and SVG labels all embed text that may come from users or configuration; one
/// tested implementation keeps them from drifting apart.
public enum Escape {
    /// The content of a JSON string (RFC 8259 §7), without the surrounding quotes.
    public static func json(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A quoted JSON string.
    public static func jsonString(_ text: String) -> String { "\"" + self.json(text) + "\"" }

    /// Text for HTML or XML, in element content or a quoted attribute: `& < > " '` become references, tab and line
    /// breaks numeric references, and control characters XML 1.0 forbids are dropped.
    public static func markup(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out += "&#\(scalar.value);"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
