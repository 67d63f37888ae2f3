import Foundation

/// One plain-text e-mail: who from, to whom, subject and body (Korean allowed everywhere).
public struct MailMessage: Sendable, Equatable {
    public var from: String
    public var fromName: String?
    public var to: [String]
    public var subject: String
    public var body: String

    public init(from: String, fromName: String? = nil, to: [String], subject: String, body: String) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.body = body
    }

    /// An address is one `local@domain` token: nothing that could break out of `<…>` or a header line.
    static func isSafeAddress(_ address: String) -> Bool {
        !address.isEmpty && address.count <= 254 && address.contains("@")
            && !address.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7f || "<>()[],;:\"\\".unicodeScalars.contains($0) }
    }

    /// The RFC 5322 message with CRLF line endings: UTF-8 text, base64 body (so no line can start with a dot and
    /// no 8-bit data needs SMTPUTF8), RFC 2047 encoded words for non-ASCII header text.
    func rendered(messageID: String, date: Date) -> String {
        var lines: [String] = []
        lines.append("Date: " + Self.rfc5322Date(date))
        let fromName = self.fromName.map { Self.encodedWords($0) + " " } ?? ""
        lines.append("From: \(fromName)<\(self.from)>")
        lines.append("To: " + self.to.map { "<\($0)>" }.joined(separator: ", "))
        lines.append("Subject: " + Self.encodedWords(self.subject))
        lines.append("Message-ID: <\(messageID)>")
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: text/plain; charset=UTF-8")
        lines.append("Content-Transfer-Encoding: base64")
        lines.append("")
        let normalized = self.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        let encoded = Data(normalized.utf8).base64EncodedString()
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// ASCII text as it is; anything else as `=?UTF-8?B?…?=` words of at most 75 characters, folded.
    static func encodedWords(_ text: String) -> String {
        let printable = text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f }
        if printable && !text.contains("=?") { return text }
        var words: [String] = []
        var chunk = ""
        for character in text {
            if (chunk + String(character)).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?" + Data($0.utf8).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Seoul")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
