import MaskingStage
import Foundation

/// `rules/menus.yaml`: which paths of the admin are personal-information menus, and which are exports.
///
/// Security teams name the menus that show customers' personal data (판매관리, 1:1 채팅, 내정보) by path pattern;
/// the second factor, masking and access records apply to exactly these. Sites pick the menus they serve by id.
public struct MenuRules: Decodable, Sendable {
    public var menus: [Menu]
    /// Media types that pass a menu unmasked (`pass_through_types`; exact types or `type/*`). Every other response on
    /// a menu is masked, delivered as a declared export, or refused. Default: images (not SVG) and fonts.
    public var passThroughTypes: [String]

    /// One personal-information menu.
    public struct Menu: Decodable, Sendable {
        /// Stable id used by sites and in logs (`sales`, `chat`, `account`).
        public var id: String
        /// The menu's name as users know it (`판매관리`).
        public var name: String
        public var paths: [PathPattern]
        /// Paths within the menu that download spreadsheets.
        public var exports: [PathPattern]
        /// The masking profile of `rules/masking.yaml` its responses are masked with.
        public var masking: String
        /// The masking profile applied to the cells of this menu's exports before they are encrypted; nil (the
        /// default): exports keep the full data, which shipping and refunds need.
        public var exportMasking: String?
        /// Subject-key rules: how the access records name whose data a response showed (order numbers…).
        public var subjects: [Subject]

        /// One subject-key rule: a name and a regular expression (`order_no`: `20[0-9]{14}`).
        public struct Subject: Decodable, Sendable {
            public var name: String
            public var pattern: String
            enum CodingKeys: String, CodingKey, CaseIterable { case name, pattern }
            public init(from decoder: any Decoder) throws {
                try decoder.rejectUnknownKeys(CodingKeys.self)
                let c = try decoder.container(keyedBy: CodingKeys.self)
                self.name = try c.decode(String.self, forKey: .name)
                self.pattern = try c.decode(String.self, forKey: .pattern)
            }
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, name, paths, exports, masking, subjects
            case exportMasking = "export_masking"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.id = try c.decode(String.self, forKey: .id)
            self.name = try c.decode(String.self, forKey: .name)
            self.paths = try c.decode([PathPattern].self, forKey: .paths)
            self.exports = try c.decodeIfPresent([PathPattern].self, forKey: .exports) ?? []
            self.masking = try c.decodeIfPresent(String.self, forKey: .masking) ?? "default"
            self.exportMasking = try c.decodeIfPresent(String.self, forKey: .exportMasking)
            self.subjects = try c.decodeIfPresent([Subject].self, forKey: .subjects) ?? []
            guard self.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
                !self.id.isEmpty
            else {
                throw DecodingError.dataCorruptedError(forKey: .id, in: c,
                    debugDescription: "'\(self.id)' is not a valid id; use letters, digits, '-' and '_'")
            }
            guard !self.paths.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .paths, in: c, debugDescription: "list at least one path pattern")
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case menus, passThroughTypes = "pass_through_types" }

    public init(menus: [Menu], passThroughTypes: [String] = MaskingRules.defaultPassThroughTypes) {
        self.menus = menus
        self.passThroughTypes = passThroughTypes
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.menus = try c.decode([Menu].self, forKey: .menus)
        self.passThroughTypes = try c.decodeIfPresent([String].self, forKey: .passThroughTypes)
            ?? MaskingRules.defaultPassThroughTypes
        for (index, type) in self.passThroughTypes.enumerated() {
            let parts = type.split(separator: "/", omittingEmptySubsequences: false)
            let textual = type.hasPrefix("text/") || type == "*/*" || type.hasSuffix("+xml") || type.hasSuffix("+json")
                || ["application/json", "application/xml", "application/javascript", "text/*"].contains(type)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] != "*", type == type.lowercased(),
                  !textual
            else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath + [CodingKeys.passThroughTypes, AnyCodingKey(intValue: index)!],
                    debugDescription: "'\(type)' is not a lower-case binary media type (type/subtype or type/*); text types are always masked"))
            }
        }
        var seen = Set<String>()
        for (index, menu) in self.menus.enumerated() where !seen.insert(menu.id).inserted {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [CodingKeys.menus, AnyCodingKey(intValue: index)!, Menu.CodingKeys.id],
                debugDescription: "menu id '\(menu.id)' is used twice"))
        }
    }

    public static func load(path: String) throws(ConfigurationError) -> MenuRules {
        try YAMLFile.decode(MenuRules.self, path: path)
    }

    /// What a path is, for one site's menus.
    public struct Match: Sendable, Equatable {
        public let menuID: String
        public let menuName: String
        public let pattern: String
        public let isExport: Bool
    }

    /// The first menu (in file order, limited to `menuIDs`) whose patterns match `path`.
    public func match(path: String, menuIDs: Set<String>) -> Match? {
        for menu in self.menus where menuIDs.contains(menu.id) {
            if let pattern = menu.paths.first(where: { $0.matches(path) }) {
                let export = menu.exports.first { $0.matches(path) }
                return Match(menuID: menu.id, menuName: menu.name, pattern: export?.text ?? pattern.text,
                             isExport: export != nil)
            }
        }
        return nil
    }
}

/// A path pattern: `/sales/**` (any depth), `/sales/*/export.*` (`*` within one segment), or a literal path.
public struct PathPattern: Decodable, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    private let segments: [Substring]

    public init(_ text: String) throws(ConfigurationError) {
        guard text.hasPrefix("/") else {
            throw ConfigurationError(file: "", message: "path pattern '\(text)' must start with '/'")
        }
        if let bad = text.split(separator: "/").first(where: { $0.contains("**") && $0 != "**" }) {
            throw ConfigurationError(file: "", message: "'**' must be a whole segment, not part of '\(bad)'")
        }
        self.text = text
        self.segments = text.split(separator: "/", omittingEmptySubsequences: true)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw decoder.invalid(error.message)
        }
    }

    public var description: String { self.text }

    /// Whether `path` (no query) matches. A trailing `/**` also matches the bare prefix (`/chat/**` matches `/chat`).
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return Self.match(self.segments[...], parts[...])
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ parts: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return parts.isEmpty }
        if head == "**" {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var remaining = parts
            while true {
                if self.match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let part = parts.first, self.matchSegment(head, part) else { return false }
        return self.match(pattern.dropFirst(), parts.dropFirst())
    }

    /// `*` matches any run of characters within one segment.
    private static func matchSegment(_ pattern: Substring, _ text: Substring) -> Bool {
        guard pattern.contains("*") else { return pattern == text }
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false)
        var rest = text[...]
        for (index, piece) in pieces.enumerated() {
            if index == 0 {
                guard rest.hasPrefix(piece) else { return false }
                rest = rest.dropFirst(piece.count)
            } else if index == pieces.count - 1 {
                return rest.hasSuffix(piece) && rest.count >= piece.count
            } else if let range = rest.range(of: piece) {
                rest = rest[range.upperBound...]
            } else {
                return false
            }
        }
        return rest.isEmpty
    }
}
