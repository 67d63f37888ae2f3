/// A configuration or rules file that cannot be used, with where and why.
///
/// Operators and security teams edit these files by hand; an error they can act on names the file, the line and
/// column, the field (as a path such as `sites[0].upstream`) and what was expected.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let line: Int?
    public let column: Int?
    /// Dotted path of the field, `""` for the whole file.
    public let field: String
    public let message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, field: String = "", message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `pii-guard.yaml:12:5: sites[0].upstream: …`, the form editors and CI logs link to.
    public var description: String {
        var location = self.file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return self.field.isEmpty ? "\(location): \(self.message)" : "\(location): \(self.field): \(self.message)"
    }
}
