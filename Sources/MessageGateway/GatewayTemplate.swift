import Foundation
import TextEscaping

/// The JSON body an SMS or messenger gateway expects, with `{phone}`, `{code}` and `{minutes}` filled in.
///
/// Gateways differ in field names; operators write the body once in `pii-guard.yaml`. Values are JSON-escaped as
/// they are inserted, so a template is checked once (at load) and every rendering is valid JSON. The rendered body
/// holds the code: it goes to the gateway and nowhere else (never to a log).
public struct GatewayTemplate: Sendable, Equatable {
    public static let placeholders = ["phone", "code", "minutes"]

    public let text: String

    /// Checks that the template is JSON once its placeholders are filled, and names no unknown placeholder.
    public init(_ text: String) throws(GatewayTemplateError) {
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "{") {
            guard let close = text[open...].firstIndex(of: "}") else { break }
            let name = String(text[text.index(after: open)..<close])
            if name.allSatisfy({ $0.isLetter || $0 == "_" }), !name.isEmpty, !Self.placeholders.contains(name) {
                throw GatewayTemplateError(
                    "unknown placeholder {\(name)}; use \(Self.placeholders.map { "{\($0)}" }.joined(separator: ", "))")
            }
            index = text.index(after: open)
        }
        self.text = text
        let sample = self.render(phone: "+821000000000", code: "000000", minutes: 3)
        guard (try? JSONSerialization.jsonObject(with: Data(sample.utf8))) != nil else {
            throw GatewayTemplateError("the body is not valid JSON once its placeholders are filled in "
                + "(placeholders belong inside JSON strings, e.g. \"to\": \"{phone}\")")
        }
    }

    public func render(phone: String, code: String, minutes: Int) -> String {
        self.text
            .replacingOccurrences(of: "{phone}", with: Escape.json(phone))
            .replacingOccurrences(of: "{code}", with: Escape.json(code))
            .replacingOccurrences(of: "{minutes}", with: String(minutes))
    }
}

public struct GatewayTemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
