import ExportVault
import ExportVaultWeb
import Foundation
import GuardProxy
import Hummingbird
import Logging
import SecondFactorWeb

/// Builds protected exports on top of the second factor: the ticket store, the gate after the step-up gate, the
/// transformer before masking, and the reason pages.
///
/// The runtime and the end-to-end tests build it the same way. Rules are read live, so a menu's `exports` or
/// `export_masking` changed in `rules/menus.yaml` applies from the next download.
public struct ExportAssembly: Sendable {
    public let tickets: ExportTickets
    public let sink: any ExportRecordSink
    let route: @Sendable (String, String) -> ExportRoute?
    let settings: @Sendable () -> ExportSettings
    let stepUp: StepUp
    public let passwordPolicy: PasswordPolicy

    public static func build(_ loaded: LoadedConfiguration, secondFactor: SecondFactorAssembly, rules: LiveRules,
                             sink: any ExportRecordSink, encryption: AgileEncryptionParameters = .init()) -> ExportAssembly {
        let configuration = loaded.configuration
        let settings = configuration.exports
        let route: @Sendable (String, String) -> ExportRoute? = { site, path in
            rules.current.exportRoute(site: site, path: path, configuration: configuration).map {
                ExportRoute(menuID: $0.menuID, menu: $0.menuName, isExport: $0.isExport)
            }
        }
        let workDirectory = URL(fileURLWithPath: loaded.dataDirectory).appendingPathComponent("exports-tmp")
        try? FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let exportSettings: @Sendable () -> ExportSettings = {
            let current = rules.current
            return ExportSettings(
                limits: .init(maxInputBytes: settings.maxMegabytes << 20, workDirectory: workDirectory), encryption: encryption,
                masker: { current.maskers[$0] }, columnMasking: { current.exportMaskers[$0] })
        }
        return ExportAssembly(
            tickets: ExportTickets(store: secondFactor.store, key: secondFactor.exportTicketKey, lifetime: settings.ticketLifetime),
            sink: sink, route: route, settings: exportSettings, stepUp: secondFactor.stepUp,
            passwordPolicy: PasswordPolicy(minimumLength: settings.passwordMinimumLength,
                                           minimumLengthWithKinds: settings.passwordMinimumLengthWithKinds,
                                           kindsForShorter: settings.passwordKindsForShorter,
                                           generatedLength: settings.generatedPasswordLength))
    }

    /// The step-up gate, then the export gate.
    public func gate(after inner: any RequestGate, logger: Logger) -> any RequestGate {
        ExportGate(inner: inner, tickets: self.tickets, route: self.route, clock: self.stepUp.clock, logger: logger)
    }

    /// Exports first, then `inner` (masking).
    public func transformer(before inner: any ResponseTransformer) -> any ResponseTransformer {
        ExportTransformer(inner: inner, settings: self.settings, sink: self.sink)
    }

    public func routes(_ group: RouterGroup<GuardRequestContext>) {
        ExportRoutes(stepUp: self.stepUp, tickets: self.tickets, route: self.route, passwordPolicy: self.passwordPolicy)
            .register(on: group)
    }
}
