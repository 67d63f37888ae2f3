import Foundation
import PIIMasking
import Testing

@testable import PIIGuard

@Suite("Rules: menus and masking profiles")
struct RuleSetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func folder(menus: String? = nil, masking: String?) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try (menus ?? "menus:\n  - id: sales\n    name: 판매관리\n    paths: [/sales/**]\n")
            .write(toFile: folder + "/menus.yaml", atomically: true, encoding: .utf8)
        if let masking { try masking.write(toFile: folder + "/masking.yaml", atomically: true, encoding: .utf8) }
        return folder
    }

    @Test func theShippedRulesLoadAndEachMenuHasAMasker() throws {
        let rules = try RuleSet.load(directory: Self.root + "/rules")
        #expect(Set(rules.profiles.keys) == ["default", "chat"])
        #expect(rules.menus.menus.first { $0.id == "chat" }?.masking == "chat")
        #expect(Set(rules.maskers.keys) == ["sales", "chat", "account"])
        let chat = try #require(rules.profiles["chat"])
        #expect(chat.style(for: .cardNumber) == .full)
        #expect(chat.customDetectors.map(\.name) == ["member-no"])
        #expect(chat.contextWords["담당자"] == .name)
        #expect(chat.contextWords["buyername"] == .name, "built-in words stay unless replaced")
        #expect(rules.profiles["default"]?.allowList.contains(AllowList.normalize("1588-0000")) == true)
    }

    @Test func aMissingMaskingFileMeansTheDefaults() throws {
        let rules = try RuleSet.load(directory: try self.folder(masking: nil))
        #expect(Array(rules.profiles.keys) == ["default"])
        #expect(rules.profiles["default"] == MaskingProfile(name: "default"))
    }

    @Test(arguments: [
        ("profiles:\n  default:\n    styles:\n      phone: partial\n", 4, "profiles.default.styles.phone", "is not a style"),
        ("profiles:\n  default:\n    disable: [names]\n", 3, "profiles.default.disable[0]", "is not a kind"),
        ("profiles:\n  default:\n    custom_detectors:\n      - name: x\n        kind: name\n        pattern: 'M[0-9'\n", 6,
         "profiles.default.custom_detectors[0].pattern", "not a valid regular expression"),
        ("profiles:\n  default:\n    mask_character: '**'\n", 3, "profiles.default.mask_character", "one character"),
        ("profiles:\n  default:\n    colour: red\n", 3, "profiles.default.colour", "unknown key"),
    ])
    func brokenProfilesNameFileLineAndField(yaml: String, line: Int, field: String, message: String) throws {
        let folder = try self.folder(masking: yaml)
        let error = #expect(throws: ConfigurationError.self) { try RuleSet.load(directory: folder) }
        #expect(error?.file == folder + "/masking.yaml")
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.field == field, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func aMenuNamingAMissingProfileIsAnErrorInMenusYaml() throws {
        let menus = "menus:\n  - id: sales\n    name: 판매관리\n    masking: strict\n    paths: [/sales/**]\n"
        let folder = try self.folder(menus: menus, masking: "profiles:\n  default: {}\n")
        let error = #expect(throws: ConfigurationError.self) { try RuleSet.load(directory: folder) }
        #expect(error?.file == folder + "/menus.yaml")
        #expect(error?.line == 4)
        #expect(error?.message.contains("no masking profile 'strict'") == true)
    }

    @Test func aBrokenReloadKeepsTheRunningRulesAndSaysWhy() throws {
        let folder = try self.folder(masking: "profiles:\n  default:\n    allow: [1588-0000]\n")
        var configuration = try LoadedConfiguration.load(path: Self.root + "/pii-guard.yaml").configuration
        configuration.sites[0].menus = ["sales"]
        let live = LiveRules(initial: try RuleSet.load(directory: folder), directory: folder, configuration: configuration)
        try "profiles:\n  default:\n    styles: {phone: partial}\n".write(toFile: folder + "/masking.yaml", atomically: true,
                                                                          encoding: .utf8)
        guard case .failure = live.reload() else {
            Issue.record("a broken file was accepted")
            return
        }
        #expect(live.lastError?.contains("masking.yaml:3") == true)
        #expect(live.current.profiles["default"]?.allowList.contains("15880000") == true, "the old rules stay")
        try "profiles:\n  default:\n    allow: [1577-1234]\n".write(toFile: folder + "/masking.yaml", atomically: true,
                                                                    encoding: .utf8)
        guard case .success = live.reload() else {
            Issue.record("a fixed file was rejected")
            return
        }
        #expect(live.lastError == nil)
        #expect(live.current.profiles["default"]?.allowList.contains("15771234") == true)
    }
}
