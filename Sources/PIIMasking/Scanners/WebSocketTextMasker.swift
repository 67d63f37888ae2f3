/// Masks one complete WebSocket text message of the 1:1 chat.
///
/// Why it exists: chat frames are not a response body — each message arrives whole, and the admin's chat sends either
/// JSON (`{"name": "김민준", "text": "…"}`) or bare text. A message that parses as JSON (one value or a sequence)
/// is masked by the JSON scanner (labels from keys); anything else line by line as text. Invalid UTF-8 throws (the
/// relay then drops the frame rather than pass it unmasked).
public struct WebSocketTextMasker: Sendable {
    public let masker: TextMasker

    public init(masker: TextMasker) {
        self.masker = masker
    }

    /// The masked message; adds to `tally`.
    public func mask(_ message: [UInt8], tally: inout MaskTally) throws(MaskingError) -> [UInt8] {
        if Self.looksLikeJSON(message) {
            let json = JSONBodyMasker(masker: self.masker)
            do {
                var output = try json.process(message)
                output.append(contentsOf: try json.finish())
                tally.merge(json.tally)
                return output
            } catch where error.kind == .malformed || error.kind == .tooLarge {
                // Not JSON after all: masked as text below.
            }
        }
        let text = TextBodyMasker(masker: self.masker)
        var output = try text.process(message)
        output.append(contentsOf: try text.finish())
        tally.merge(text.tally)
        return output
    }

    /// Convenience for tests and tools.
    public func mask(_ message: String) throws(MaskingError) -> String {
        var tally = MaskTally()
        return String(decoding: try self.mask(Array(message.utf8), tally: &tally), as: UTF8.self)
    }

    /// JSON messages start (after whitespace) with an object, an array or a string.
    static func looksLikeJSON(_ message: [UInt8]) -> Bool {
        for byte in message where !ByteClass.isASCIIWhitespace(byte) {
            return byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "\"")
        }
        return false
    }
}
