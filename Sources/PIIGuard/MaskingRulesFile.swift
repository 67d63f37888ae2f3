import Foundation
import PIIMasking

/// `rules/masking.yaml`: the masking profiles security teams tune, one per name; `rules/menus.yaml` picks one per
/// menu (`masking: <profile>`, default `default`).
///
/// Every field is optional: a profile starts from MASKING.md's defaults (every kind on, the standard style, the
/// built-in context words) and changes only what it names. Errors carry file, line and field like every other
/// configuration error; a custom detector's pattern is compiled while reading, so a broken one is reported at its line.
public struct MaskingRulesFile: Decodable, Sendable {
    public var profiles: [String: MaskingProfile]

    enum CodingKeys: String, CodingKey, CaseIterable { case profiles }

    public init(profiles: [String: MaskingProfile]) { self.profiles = profiles }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let nested = try c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .profiles)
        var profiles: [String: MaskingProfile] = [:]
        for key in nested.allKeys {
            let section = try nested.decode(ProfileSection.self, forKey: key)
            profiles[key.stringValue] = section.profile(named: key.stringValue)
        }
        if profiles["default"] == nil { profiles["default"] = MaskingProfile() }
        self.profiles = profiles
    }

    /// Reads the file; a missing file means the defaults (one `default` profile).
    public static func load(path: String) throws(ConfigurationError) -> MaskingRulesFile {
        guard FileManager.default.fileExists(atPath: path) else {
            return MaskingRulesFile(profiles: ["default": MaskingProfile()])
        }
        return try YAMLFile.decode(MaskingRulesFile.self, path: path)
    }

    /// One profile as written.
    struct ProfileSection: Decodable {
        var kinds: Set<PIIKind>?
        var disable: Set<PIIKind> = []
        var styles: [PIIKind: MaskingProfile.Style] = [:]
        var contextWords: [String: PIIKind] = [:]
        var replaceContextWords = false
        var customDetectors: [CustomDetector] = []
        var allow: Set<String> = []
        var maskCharacter: Character = "*"

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kinds, disable, styles, contextWords = "context_words", replaceContextWords = "replace_context_words"
            case customDetectors = "custom_detectors", allow, maskCharacter = "mask_character"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let kinds = try c.decodeIfPresent([String].self, forKey: .kinds) {
                self.kinds = Set(try kinds.enumerated().map { index, text in
                    try Self.kind(text, at: decoder.codingPath + [CodingKeys.kinds, AnyCodingKey(intValue: index)!])
                })
            }
            if let disable = try c.decodeIfPresent([String].self, forKey: .disable) {
                self.disable = Set(try disable.enumerated().map { index, text in
                    try Self.kind(text, at: decoder.codingPath + [CodingKeys.disable, AnyCodingKey(intValue: index)!])
                })
            }
            if c.contains(.styles) {
                let styles = try c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .styles)
                for key in styles.allKeys {
                    let kind = try Self.kind(key.stringValue, at: decoder.codingPath + [CodingKeys.styles, key])
                    let text = try styles.decode(String.self, forKey: key)
                    guard let style = MaskingProfile.Style(rawValue: text) else {
                        throw DecodingError.dataCorruptedError(forKey: key, in: styles, debugDescription:
                            "'\(text)' is not a style; use \(MaskingProfile.Style.allCases.map(\.rawValue).joined(separator: " or "))")
                    }
                    self.styles[kind] = style
                }
            }
            if c.contains(.contextWords) {
                let words = try c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .contextWords)
                for key in words.allKeys {
                    let kind = try Self.kind(key.stringValue, at: decoder.codingPath + [CodingKeys.contextWords, key])
                    for word in try words.decode([String].self, forKey: key) {
                        guard !ContextWords.normalize(word).isEmpty else {
                            throw DecodingError.dataCorruptedError(forKey: key, in: words,
                                                                   debugDescription: "'\(word)' is empty once normalized")
                        }
                        self.contextWords[word] = kind
                    }
                }
            }
            self.replaceContextWords = try c.decodeIfPresent(Bool.self, forKey: .replaceContextWords) ?? false
            self.customDetectors = try c.decodeIfPresent([CustomDetectorSection].self, forKey: .customDetectors)?
                .map(\.detector) ?? []
            var names = Set<String>()
            for (index, detector) in self.customDetectors.enumerated() where !names.insert(detector.name).inserted {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath + [CodingKeys.customDetectors, AnyCodingKey(intValue: index)!],
                    debugDescription: "a custom detector named '\(detector.name)' is defined twice"))
            }
            self.allow = Set(try c.decodeIfPresent([String].self, forKey: .allow) ?? [])
            if let text = try c.decodeIfPresent(String.self, forKey: .maskCharacter) {
                guard text.count == 1, let character = text.first else {
                    throw DecodingError.dataCorruptedError(forKey: .maskCharacter, in: c,
                                                           debugDescription: "write one character, e.g. '*' or '●'")
                }
                self.maskCharacter = character
            }
        }

        static func kind(_ text: String, at path: [any CodingKey]) throws -> PIIKind {
            guard let kind = PIIKind(rawValue: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription:
                    "'\(text)' is not a kind; use one of \(PIIKind.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            return kind
        }

        func profile(named name: String) -> MaskingProfile {
            var words = self.replaceContextWords ? [:] : ContextWords.defaults
            for (word, kind) in self.contextWords { words[word] = kind }
            return MaskingProfile(
                name: name, kinds: (self.kinds ?? Set(PIIKind.allCases)).subtracting(self.disable), styles: self.styles,
                contextWords: words, customDetectors: self.customDetectors, allowList: self.allow,
                maskCharacter: self.maskCharacter)
        }
    }

    struct CustomDetectorSection: Decodable {
        let detector: CustomDetector
        enum CodingKeys: String, CodingKey, CaseIterable { case name, kind, pattern, context, window }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let name = try c.decode(String.self, forKey: .name)
            let kind = try ProfileSection.kind(try c.decode(String.self, forKey: .kind),
                                               at: decoder.codingPath + [CodingKeys.kind])
            let pattern = try c.decode(String.self, forKey: .pattern)
            // Characters before a match searched for context words; a negative window would trap in `suffix`.
            let window = try c.integer(.window, in: 0...1000) ?? 20
            do {
                self.detector = try CustomDetector(name: name, kind: kind, pattern: pattern,
                                                   contextWords: try c.decodeIfPresent([String].self, forKey: .context) ?? [],
                                                   window: window)
            } catch let error as CustomDetector.PatternError {
                throw DecodingError.dataCorruptedError(forKey: .pattern, in: c, debugDescription: error.description)
            }
        }
    }
}
