import Foundation

/// The keys that say whose data a response showed: order numbers, customer ids, named per menu in
/// `rules/menus.yaml` (`subjects:`).
///
/// The access records must say whose personal data was processed. Masked values are never recorded, so the records
/// name data subjects by keys the admin already uses (주문번호 2026112300000006), which an auditor can look up in the
/// admin when a record needs explaining. Each rule is a regular expression matched in every text unit with a digit
/// or a letter; a match not glued to other letters or digits counts. Compiled once per rule set, shared by all
/// responses.
public struct SubjectKeyRule: Sendable, Equatable {
    public let name: String
    public let pattern: String
    private let expression: CustomDetector.Expression

    public init(name: String, pattern: String) throws(CustomDetector.PatternError) {
        self.name = name
        self.pattern = pattern
        do {
            self.expression = CustomDetector.Expression(try NSRegularExpression(pattern: pattern))
        } catch {
            throw CustomDetector.PatternError(description: "'\(pattern)' is not a valid regular expression (\(error.localizedDescription))")
        }
    }

    public static func == (a: SubjectKeyRule, b: SubjectKeyRule) -> Bool { a.name == b.name && a.pattern == b.pattern }

    /// The keys in `text`, in order.
    func keys(in text: UnsafeBufferPointer<UInt8>) -> [String] {
        guard let string = String(validating: text, as: UTF8.self) else { return [] }
        let whole = NSRange(string.startIndex..., in: string)
        var keys: [String] = []
        for match in self.expression.regex.matches(in: string, range: whole) {
            guard let range = Range(match.range, in: string), !range.isEmpty else { continue }
            if let before = string[..<range.lowerBound].last, before.isLetter || before.isNumber { continue }
            if let after = string[range.upperBound...].first, after.isLetter || after.isNumber { continue }
            keys.append(String(string[range]))
        }
        return keys
    }
}

/// The distinct subject keys one response showed, in order of first appearance, at most `limit`.
public struct SubjectKeys: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var seen: Set<String> = []
    /// Keys beyond `limit` that were not kept (the record says how many).
    public private(set) var dropped = 0
    public static let limit = 500

    public init() {}

    public mutating func add(_ key: String) {
        guard !self.seen.contains(key) else { return }
        guard self.keys.count < Self.limit else {
            self.dropped += 1
            return
        }
        self.seen.insert(key)
        self.keys.append(key)
    }

    public mutating func merge(_ other: SubjectKeys) {
        for key in other.keys { self.add(key) }
        self.dropped += other.dropped
    }

    public var isEmpty: Bool { self.keys.isEmpty }
}
