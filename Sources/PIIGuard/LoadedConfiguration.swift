import Foundation
import GuardProxy
import Yams

/// A validated configuration: `pii-guard.yaml`, the rules it points to, and paths resolved against its folder.
///
/// Built once at start (and again on reload); everything after this point can trust its input.
public struct LoadedConfiguration: Sendable {
    public let file: String
    public private(set) var configuration: GuardConfiguration
    public let menus: MenuRules
    /// The folder relative paths are resolved against: the configuration file's folder.
    public let baseDirectory: String
    /// Where `second_factor.dev_outbox` is written in the file, if it is (for `devOutboxUnderServe()`).
    let devOutboxMark: (line: Int, column: Int)?

    public static func load(path: String) throws(ConfigurationError) -> LoadedConfiguration {
        let (configuration, node) = try YAMLFile.decodeWithNode(GuardConfiguration.self, path: path)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let rulesDirectory = Self.resolve(configuration.rulesDirectory, against: base)
        let menusPath = rulesDirectory + "/menus.yaml"
        let menus = try MenuRules.load(path: menusPath)
        let known = Set(menus.menus.map(\.id))
        for (siteIndex, site) in configuration.sites.enumerated() {
            for (menuIndex, id) in site.menus.enumerated() where !known.contains(id) {
                let codingPath: [any CodingKey] = [
                    GuardConfiguration.CodingKeys.sites, AnyCodingKey(intValue: siteIndex)!,
                    GuardConfiguration.Site.CodingKeys.menus, AnyCodingKey(intValue: menuIndex)!,
                ]
                throw YAMLFile.error(at: codingPath, in: node, file: path,
                    message: "no menu '\(id)' in \(menusPath) (it defines: \(known.sorted().joined(separator: ", ")))")
            }
        }
        let devOutboxPath: [any CodingKey] = [GuardConfiguration.CodingKeys.secondFactor,
                                              SecondFactorConfiguration.CodingKeys.devOutbox]
        let mark = configuration.secondFactor.devOutbox ? YAMLFile.mark(of: devOutboxPath, in: node) : nil
        return LoadedConfiguration(file: path, configuration: configuration, menus: menus, baseDirectory: base,
                                   devOutboxMark: mark.map { ($0.line, $0.column) })
    }

    /// The same configuration listening on another port (0: any free port), e.g. from a command-line flag.
    public func withListenPort(_ port: Int) -> LoadedConfiguration {
        var copy = self
        copy.configuration.listen.port = port
        return copy
    }

    /// The same configuration with one site's upstream replaced (the demo admin on another port).
    public func withUpstream(_ upstream: String, forSite name: String) -> LoadedConfiguration {
        var copy = self
        if let index = copy.configuration.sites.firstIndex(where: { $0.name == name }) {
            copy.configuration.sites[index].upstream = upstream
        }
        return copy
    }

    static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") { return path }
        let joined = base.isEmpty ? path : base + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    public func resolve(_ path: String) -> String { Self.resolve(path, against: self.baseDirectory) }

    public var dataDirectory: String { self.resolve(self.configuration.dataDirectory) }
    public var rulesDirectory: String { self.resolve(self.configuration.rulesDirectory) }

    /// The data path's configuration.
    public func proxyConfiguration() throws(ConfigurationError) -> ProxyConfiguration {
        var sites: [ProxySite] = []
        for site in self.configuration.sites {
            do {
                sites.append(ProxySite(
                    name: site.name, hostNames: site.hosts, upstream: try UpstreamOrigin(url: site.upstream),
                    targetRules: RequestTarget.Rules(caseInsensitive: site.paths.caseInsensitive,
                                                     allowPathParameters: site.paths.allowParameters)))
            } catch {
                throw ConfigurationError(file: self.file, field: "sites.\(site.name).upstream", message: error.description)
            }
        }
        return ProxyConfiguration(
            listenHost: self.configuration.listen.host,
            listenPort: self.configuration.listen.port,
            sites: sites,
            timeouts: self.configuration.timeouts.values,
            limits: self.configuration.limits.values,
            trustedProxies: self.configuration.trustedProxies.compactMap(IPAddressRange.init),
            hstsMaxAge: self.configuration.tls.hstsMaxAge
        )
    }

    /// The access-log label of a path: `site:menu pattern`, or `site:other` outside the menus. Never the path itself.
    public func routeLabel(site: ProxySite, path: String) -> String {
        let ids = Set(self.configuration.sites.first { $0.name == site.name }?.menus ?? [])
        guard let match = self.menus.match(path: path, menuIDs: ids) else { return "\(site.name):other" }
        return "\(site.name):\(match.menuID) \(match.pattern)"
    }
}
