import AccountIdentity
import AsyncHTTPClient
import Crypto
import Foundation
import GuardProxy
import GuardStore
import Hummingbird
import Logging
import MailDelivery
import MessageGateway
import SealedSecrets
import SecondFactor
import SecondFactorWeb
import ServiceLifecycle

/// Builds the second factor from a loaded configuration: store, keys, channels, service, gate and pages.
///
/// The runtime and the end-to-end tests build it the same way; tests pass a clock they can move and read the dev
/// outbox. Keys for codes, CSRF tokens and the identity headers are derived from the master key (HKDF with a
/// different label each), so the master key is the only secret kept at rest, and it never sits beside the data in
/// clear unless the operator puts it there (`data_dir/master.key`, mode 0600, or `PII_GUARD_MASTER_KEY`).
public struct SecondFactorAssembly: Sendable {
    public let stepUp: StepUp
    public let service: SecondFactorService
    public let events: InMemoryEventSink
    public let outbox: DevOutbox?
    /// The HTTP client for who-am-I and the gateways (the proxy's kind: no redirects, no decompression, a refused
    /// connection fails at once); run it as a service so it closes on shutdown.
    public let client: UpstreamClient
    /// The guard's store, shared with the export tickets.
    public let store: any RecordStore
    /// Seals the passwords of export tickets (derived from the master key, label `export-tickets`).
    public let exportTicketKey: SymmetricKey

    public var gate: any RequestGate { StepUpGate(stepUp: self.stepUp) }

    public func routes(_ group: RouterGroup<GuardRequestContext>) { StepUpRoutes(stepUp: self.stepUp).register(on: group) }

    /// - Parameters:
    ///   - devOutbox: overrides the configuration (the demo turns it on).
    ///   - clock: the time the second factor sees (tests move it).
    ///   - printOutbox: where dev-outbox messages are printed (the demo's terminal).
    ///   - menus: the menus in force, when rules are reloaded while running (default: those loaded at start).
    ///   - events: where second-factor events also go (the access records); memory always gets them.
    ///   - store: where proofs, codes and counters are kept (`StoreAssembly.open`); nil: `data_dir/guard.sqlite`.
    public static func build(
        _ loaded: LoadedConfiguration, logger: Logger, devOutbox: Bool? = nil,
        clock: @escaping @Sendable () -> Date = { Date() },
        printOutbox: @escaping @Sendable (DevOutbox.Message) -> Void = { _ in },
        menus: (@Sendable () -> MenuRules)? = nil,
        events extra: EventFanOut? = nil,
        store given: (any RecordStore)? = nil
    ) throws(ConfigurationError) -> SecondFactorAssembly {
        let settings = loaded.configuration.secondFactor
        let useOutbox = devOutbox ?? settings.devOutbox
        if settings.channels.email == nil, !useOutbox {
            throw ConfigurationError(file: loaded.file, field: "second_factor.channels.email", message: """
                the second factor needs an e-mail channel for emergency codes: add 'channels.email' (SMTP), or set \
                'dev_outbox: true' for a demo (codes are then shown, never sent)
                """)
        }
        let dataDirectory = loaded.dataDirectory
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw ConfigurationError(file: loaded.file, field: "data_dir", message: "cannot create '\(dataDirectory)'")
        }
        let masterKey = try Self.masterKey(loaded)
        let store: any RecordStore
        if let given { store = given } else { store = try StoreAssembly.openSQLite(loaded).records }
        let client = UpstreamClient(timeouts: loaded.configuration.timeouts.values,
                                    limits: loaded.configuration.limits.values)
        let outbox = useOutbox ? DevOutbox(clock: clock, printer: printOutbox) : nil
        let channels = CodeChannels(
            sms: settings.channels.sms.map { MessageGateway(configuration: $0.configuration, client: client.http, logger: logger) },
            messenger: settings.channels.messenger.map {
                MessageGateway(configuration: $0.configuration, client: client.http, logger: logger)
            },
            mail: settings.channels.email.map {
                var smtp = $0.smtp
                smtp.trustRootsFile = smtp.trustRootsFile.map(loaded.resolve)
                return (SMTPMailer(configuration: smtp, logger: logger), $0.from, $0.fromName)
            },
            outbox: outbox, logger: logger)
        let events = InMemoryEventSink()
        extra?.add(events)
        let proofPolicy = ProofPolicy(idleTimeout: settings.idleTimeout, cycle: settings.cycle, latestOnly: settings.latestOnly)
        let service = SecondFactorService(
            store: store, secrets: SecretBox(key: Self.derive(masterKey, "totp-seal")),
            codeKey: Self.derive(masterKey, "one-time-codes"), delivery: channels,
            events: extra.map { $0 as any SecondFactorEventSink } ?? events,
            settings: .init(
                issuer: settings.issuer,
                lockout: LockoutPolicy(maxFailures: settings.lockout.maxFailures, maxSends: settings.lockout.maxSends,
                                       window: settings.lockout.window, lockDuration: settings.lockout.duration,
                                       addressMaxFailures: settings.lockout.ipMaxFailures,
                                       addressMaxSends: settings.lockout.ipMaxSends),
                proof: proofPolicy, codeValidity: settings.codeValidity))
        var identities: [String: IdentityResolver] = [:]
        for site in loaded.configuration.sites {
            let upstream: UpstreamOrigin
            do {
                upstream = try UpstreamOrigin(url: site.upstream)
            } catch {
                throw ConfigurationError(file: loaded.file, field: "sites.\(site.name).upstream", message: error.description)
            }
            let identity = site.identity
            let source: IdentitySource = switch identity.source {
            case .upstream:
                .upstream(path: identity.path, accountField: identity.accountField, rolesField: identity.rolesField,
                          emailField: identity.emailField, cacheTTL: identity.cache)
            case .trustedHeader:
                .trustedHeader(accountHeader: identity.accountHeader ?? "", rolesHeader: identity.rolesHeader,
                               emailHeader: identity.emailHeader, trustedPeers: identity.trustedPeers)
            }
            identities[site.name] = IdentityResolver(source: source, upstream: upstream, client: client.http, logger: logger)
        }
        let proxyConfiguration = try loaded.proxyConfiguration()
        let stepUp = StepUp(
            service: service, identities: identities,
            siteForHost: { authority in proxyConfiguration.site(forHost: authority)?.name },
            protectedMenu: { site, path in
                // The menus in force (reloaded rules, when the runtime passes them), so the gate and masking agree.
                let rules = menus?() ?? loaded.menus
                let ids = Set(loaded.configuration.sites.first { $0.name == site }?.menus ?? [])
                guard let match = rules.match(path: path, menuIDs: ids) else { return nil }
                return match.menuName
            },
            trustedProxies: loaded.configuration.trustedProxies.compactMap(IPAddressRange.init),
            keys: .init(csrf: Self.derive(masterKey, "csrf"),
                        identityHeaders: settings.identityHeaders ? Self.identityHeaderKey(masterKey) : nil),
            channels: channels.registrable, outbox: outbox, proofPolicy: proofPolicy,
            codeValidity: settings.codeValidity, clock: clock, logger: logger)
        return SecondFactorAssembly(stepUp: stepUp, service: service, events: events, outbox: outbox, client: client,
                                    store: store, exportTicketKey: Self.derive(masterKey, "export-tickets"))
    }

    /// The guard's master key (`data_dir/master.key`, created 0600 on first run, or `PII_GUARD_MASTER_KEY`): every
    /// other key is derived from it.
    static func masterKey(_ loaded: LoadedConfiguration) throws(ConfigurationError) -> SymmetricKey {
        do {
            return try SecretBox.loadOrCreateKey(at: loaded.dataDirectory + "/master.key")
        } catch {
            throw ConfigurationError(file: loaded.file, field: "data_dir", message: error.description)
        }
    }

    /// The key the admin uses to check `X-PII-Guard-Signature` (`pii-guard keys identity-headers` prints it).
    public static func identityHeaderKey(_ masterKey: SymmetricKey) -> SymmetricKey {
        self.derive(masterKey, "identity-headers")
    }

    /// The identity-header key of this guard's data folder, base64, for the admin's operator.
    public static func identityHeaderKeyBase64(_ loaded: LoadedConfiguration) throws -> String {
        let master = try SecretBox.loadOrCreateKey(at: loaded.dataDirectory + "/master.key")
        return self.identityHeaderKey(master).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    static func derive(_ master: SymmetricKey, _ label: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: master, salt: Data("pii-guard".utf8),
                               info: Data("pii-guard/\(label)/v1".utf8), outputByteCount: 32)
    }
}
