import Foundation
import GuardProxy
import Logging
import MaskingStage
import PIIMasking
import Synchronization

/// Everything in `rules/` that the running guard uses, checked together: the menus and the masking profiles, each
/// menu's profile compiled into a `TextMasker`.
///
/// Built at start, by `pii-guard rules lint`, and on every reload; a reload that fails leaves the running set in
/// place (`LiveRules`).
public struct RuleSet: Sendable {
    public let menus: MenuRules
    public let profiles: [String: MaskingProfile]
    public let maskers: [String: TextMasker]
    /// Per menu id, the masker of its `export_masking` profile (absent: exports keep the full data).
    public let exportMaskers: [String: TextMasker]
    public let files: [String]

    /// Reads and checks `menus.yaml` and `masking.yaml` in `directory`.
    public static func load(directory: String) throws(ConfigurationError) -> RuleSet {
        let menusPath = directory + "/menus.yaml"
        let maskingPath = directory + "/masking.yaml"
        let (menus, node) = try YAMLFile.decodeWithNode(MenuRules.self, path: menusPath)
        let masking = try MaskingRulesFile.load(path: maskingPath)
        var maskers: [String: TextMasker] = [:]
        for (index, menu) in menus.menus.enumerated() {
            guard let profile = masking.profiles[menu.masking] else {
                let codingPath: [any CodingKey] = [
                    MenuRules.CodingKeys.menus, AnyCodingKey(intValue: index)!, MenuRules.Menu.CodingKeys.masking,
                ]
                throw YAMLFile.error(at: codingPath, in: node, file: menusPath, message:
                    "no masking profile '\(menu.masking)' in \(maskingPath) (it defines: \(masking.profiles.keys.sorted().joined(separator: ", ")))")
            }
            var subjectRules: [SubjectKeyRule] = []
            for (position, subject) in menu.subjects.enumerated() {
                do {
                    subjectRules.append(try SubjectKeyRule(name: subject.name, pattern: subject.pattern))
                } catch {
                    let codingPath: [any CodingKey] = [
                        MenuRules.CodingKeys.menus, AnyCodingKey(intValue: index)!, MenuRules.Menu.CodingKeys.subjects,
                        AnyCodingKey(intValue: position)!, MenuRules.Menu.Subject.CodingKeys.pattern,
                    ]
                    throw YAMLFile.error(at: codingPath, in: node, file: menusPath, message: error.description)
                }
            }
            maskers[menu.id] = TextMasker(profile: profile, detectors: StandardDetectors.all, subjectRules: subjectRules)
        }
        var exportMaskers: [String: TextMasker] = [:]
        for (index, menu) in menus.menus.enumerated() {
            guard let name = menu.exportMasking else { continue }
            guard let profile = masking.profiles[name] else {
                let codingPath: [any CodingKey] = [
                    MenuRules.CodingKeys.menus, AnyCodingKey(intValue: index)!, MenuRules.Menu.CodingKeys.exportMasking,
                ]
                throw YAMLFile.error(at: codingPath, in: node, file: menusPath, message:
                    "no masking profile '\(name)' in \(maskingPath) (it defines: \(masking.profiles.keys.sorted().joined(separator: ", ")))")
            }
            exportMaskers[menu.id] = TextMasker(profile: profile, detectors: StandardDetectors.all)
        }
        return RuleSet(menus: menus, profiles: masking.profiles, maskers: maskers, exportMaskers: exportMaskers,
                       files: [menusPath, maskingPath])
    }

    /// Where a site's path stands for exports: its menu (id and name) and whether it is a declared export.
    public func exportRoute(site: String, path: String, configuration: GuardConfiguration) -> MenuRules.Match? {
        guard let ids = configuration.sites.first(where: { $0.name == site })?.menus else { return nil }
        return self.menus.match(path: path, menuIDs: Set(ids))
    }

    /// The masking stage's view for a configuration's sites.
    public func maskingRules(for configuration: GuardConfiguration) -> MaskingRules {
        let menusBySite = Dictionary(uniqueKeysWithValues: configuration.sites.map { ($0.name, Set($0.menus)) })
        let menus = self.menus
        return MaskingRules(
            menuForPath: { site, path in
                guard let ids = menusBySite[site] else { return nil }
                return menus.match(path: path, menuIDs: ids)?.menuID
            },
            maskers: self.maskers,
            passThroughTypes: menus.passThroughTypes)
    }
}

/// The rule set in force, replaced whole on reload; the last reload error for `/__guard/status`.
public final class LiveRules: Sendable {
    private let state: Mutex<(rules: RuleSet, loadedAt: Date, lastError: String?, failedAt: Date?)>
    let directory: String
    let configuration: GuardConfiguration

    public init(initial: RuleSet, directory: String, configuration: GuardConfiguration) {
        self.state = Mutex((initial, Date(), nil, nil))
        self.directory = directory
        self.configuration = configuration
    }

    public var current: RuleSet { self.state.withLock { $0.rules } }
    public var lastError: String? { self.state.withLock { $0.lastError } }
    public var loadedAt: Date { self.state.withLock { $0.loadedAt } }

    public var masking: MaskingRules { self.current.maskingRules(for: self.configuration) }

    /// Re-reads the rules; on success they are in force at once, on failure the old ones stay and the error is kept.
    @discardableResult
    public func reload() -> Result<RuleSet, ConfigurationError> {
        do throws(ConfigurationError) {
            let fresh = try RuleSet.load(directory: self.directory)
            // A site may only name menus that still exist.
            let known = Set(fresh.menus.menus.map(\.id))
            for site in self.configuration.sites {
                if let missing = site.menus.first(where: { !known.contains($0) }) {
                    throw ConfigurationError(file: self.directory + "/menus.yaml", field: "menus",
                                             message: "site '\(site.name)' serves menu '\(missing)', which is no longer defined")
                }
            }
            self.state.withLock { $0 = (fresh, Date(), nil, nil) }
            return .success(fresh)
        } catch {
            self.state.withLock { $0.lastError = error.description; $0.failedAt = Date() }
            return .failure(error)
        }
    }

    /// Modification times of the rule files, to notice edits.
    func fingerprint() -> [Date?] {
        self.current.files.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate]) as? Date }
    }
}
