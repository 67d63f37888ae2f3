import Foundation
import Yams

/// Decodes a YAML file into `Codable` value types, turning every problem into a `ConfigurationError` with the line.
///
/// Yams reports decoding errors by coding path only; this walks the composed node tree along that path to find the
/// line. Types opt into rejecting unknown keys with `Decoder.rejectUnknownKeys(_:)`, so a misspelt key is an error
/// instead of a silently ignored setting.
public enum YAMLFile {
    public static func decode<T: Decodable>(_ type: T.Type, path: String) throws(ConfigurationError) -> T {
        try self.decodeWithNode(type, path: path).value
    }

    public static func decode<T: Decodable>(_ type: T.Type, yaml: String, file: String) throws(ConfigurationError) -> T {
        try self.decodeWithNode(type, yaml: yaml, file: file).value
    }

    /// Decodes and also returns the composed node tree, so later checks can name lines (`locate(_:in:file:)`).
    public static func decodeWithNode<T: Decodable>(_ type: T.Type, path: String) throws(ConfigurationError)
        -> (value: T, node: Node)
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, message: "cannot read the file (\(Self.reason(error)))")
        }
        return try self.decodeWithNode(type, yaml: text, file: path)
    }

    static func decodeWithNode<T: Decodable>(_ type: T.Type, yaml: String, file: String) throws(ConfigurationError)
        -> (value: T, node: Node)
    {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw ConfigurationError(file: file, line: 1, message: "the file is empty")
            }
            node = composed
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw self.syntaxError(error, file: file)
        } catch {
            throw ConfigurationError(file: file, message: "not valid YAML (\(error))")
        }
        do {
            return (try YAMLDecoder().decode(type, from: node, userInfo: [:]), node)
        } catch let error as DecodingError {
            throw self.describe(error, root: node, file: file)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(file: file, message: "\(error)")
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }

    static func syntaxError(_ error: YamlError, file: String) -> ConfigurationError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return ConfigurationError(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)")
        case .composer(_, let problem, let mark, _):
            return ConfigurationError(file: file, line: mark.line, column: mark.column, message: "YAML: \(problem)")
        default:
            return ConfigurationError(file: file, message: "not valid YAML: \(error)")
        }
    }

    static func describe(_ error: DecodingError, root: Node, file: String) -> ConfigurationError {
        let (path, message): ([any CodingKey], String)
        switch error {
        case .keyNotFound(let key, let context):
            path = context.codingPath
            let field = (context.codingPath + [key]).fieldPath
            return self.located(path: path, root: root, file: file, field: field,
                                message: "required field '\(key.stringValue)' is missing")
        case .typeMismatch(let type, let context):
            (path, message) = (context.codingPath, "expected \(self.typeName(type)); \(self.cleaned(context.debugDescription))")
        case .valueNotFound(let type, let context):
            (path, message) = (context.codingPath, "expected \(self.typeName(type)), found nothing")
        case .dataCorrupted(let context):
            (path, message) = (context.codingPath, self.cleaned(context.debugDescription))
        @unknown default:
            (path, message) = ([], "\(error)")
        }
        return self.located(path: path, root: root, file: file, field: path.fieldPath, message: message)
    }

    /// An error about the field at `path` (as coding keys), located in `node`'s file.
    static func error(at path: [any CodingKey], in node: Node, file: String, message: String) -> ConfigurationError {
        self.located(path: path, root: node, file: file, field: path.fieldPath, message: message)
    }

    static func located(path: [any CodingKey], root: Node, file: String, field: String, message: String)
        -> ConfigurationError
    {
        let mark = self.mark(of: path, in: root)
        return ConfigurationError(file: file, line: mark?.line, column: mark?.column, field: field, message: message)
    }

    /// The mark of the deepest node along `path` (the key's mark for mapping entries).
    static func mark(of path: [any CodingKey], in root: Node) -> Mark? {
        var node = root
        var mark = root.mark
        for key in path {
            switch node {
            case .mapping(let mapping):
                guard let pair = mapping.first(where: { $0.key.string == key.stringValue }) else { return mark }
                mark = pair.key.mark
                node = pair.value
            case .sequence(let sequence):
                guard let index = key.intValue, index < sequence.count else { return mark }
                node = sequence[index]
                mark = node.mark
            default:
                return mark
            }
        }
        return mark
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : (String(describing: type).hasPrefix("Dictionary") ? "a mapping" : "\(type)")
        }
    }

    static func cleaned(_ text: String) -> String {
        text.replacingOccurrences(of: "Expected to decode ", with: "could not read ")
    }
}

/// A coding key with any name: to list the keys a YAML mapping really has.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) { (self.stringValue, self.intValue) = (stringValue, nil) }
    init?(intValue: Int) { (self.stringValue, self.intValue) = (String(intValue), intValue) }
}

extension Decoder {
    /// Throws for the first key of this mapping that `K` does not declare, listing the keys that are allowed.
    func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ keys: K.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let allowed = K.allCases.map(\.stringValue)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: self.codingPath + [key],
                debugDescription: "unknown key '\(key.stringValue)' (allowed here: \(allowed.joined(separator: ", ")))"))
        }
    }

    /// A validation failure of this value, located at the value.
    func invalid(_ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: self.codingPath, debugDescription: message))
    }
}

extension Array where Element == any CodingKey {
    /// `sites[0].upstream`
    var fieldPath: String {
        var text = ""
        for key in self {
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return text
    }
}
