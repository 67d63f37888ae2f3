import Foundation

/// A detector a security team writes in `rules/masking.yaml`: a regular expression for one kind, optionally only
/// where one of its context words appears shortly before (in the same text unit) or in the field's label.
///
/// For values the built-in detectors cannot know: a member number format, a marketplace's own customer ids.
public struct CustomDetector: Detector, Equatable {
    public let name: String
    public let kind: PIIKind
    public let pattern: String
    public let contextWords: [String]
    /// How far before the match (in characters) a context word counts.
    public let window: Int
    private let expression: Expression
    /// `custom:<name>`, interned once here rather than once per match.
    private let detectionName: DetectorName

    public var kinds: Set<PIIKind> { [self.kind] }

    /// Throws `CustomDetector.PatternError` with the regular-expression engine's reason when the pattern does not
    /// compile.
    public init(name: String, kind: PIIKind, pattern: String, contextWords: [String] = [], window: Int = 20) throws {
        self.name = name
        self.kind = kind
        self.pattern = pattern
        self.contextWords = contextWords
        self.window = window
        self.detectionName = DetectorName(interning: "custom:\(name)")
        do {
            self.expression = Expression(try NSRegularExpression(pattern: pattern))
        } catch {
            throw PatternError(description: "'\(pattern)' is not a valid regular expression (\(error.localizedDescription))")
        }
    }

    public struct PatternError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public static func == (a: CustomDetector, b: CustomDetector) -> Bool {
        a.name == b.name && a.kind == b.kind && a.pattern == b.pattern && a.contextWords == b.contextWords
            && a.window == b.window
    }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        guard let string = String(validating: text, as: UTF8.self) else { return }
        let whole = NSRange(string.startIndex..., in: string)
        let labelled = hint == self.kind
        for match in self.expression.regex.matches(in: string, range: whole) {
            guard let range = Range(match.range, in: string), !range.isEmpty else { continue }
            if !self.contextWords.isEmpty && !labelled {
                let before = string[..<range.lowerBound].suffix(self.window)
                guard self.contextWords.contains(where: { before.contains($0) }) else { continue }
            }
            let start = string.utf8.distance(from: string.startIndex, to: range.lowerBound)
            let end = start + string.utf8.distance(from: range.lowerBound, to: range.upperBound)
            detections.append(Detection(start: start, end: end, kind: self.kind, by: self.detectionName))
        }
    }

    /// NSRegularExpression is immutable once built; this box says so to the compiler.
    final class Expression: @unchecked Sendable {
        let regex: NSRegularExpression
        init(_ regex: NSRegularExpression) { self.regex = regex }
    }
}
