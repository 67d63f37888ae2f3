import AuditTrail
import Crypto
import ExportVault
import ExportVaultWeb
import Foundation
import GuardProxy
import GuardStore
import Logging
import MaskingStage
import SealedSecrets
import SecondFactor
import SecondFactorWeb
import ServiceLifecycle
import Synchronization

/// Builds the access records: the chained log (as `store:` says: `data_dir/audit.sqlite` or the shared PostgreSQL
/// database), its signing key, the writer, and the adapters that turn what the proxy, the second factor and the
/// exports report into `AuditRecord`s.
///
/// The runtime, the CLI (`pii-guard audit …`) and the end-to-end tests open the log the same way (`StoreAssembly`).
/// The signing key is an Ed25519 key sealed under a key derived from the master key (label `audit-signing`), so the
/// master key stays the only secret at rest.
public struct AuditAssembly: Sendable {
    public let log: any AuditLog
    public let signer: AuditSigner
    public let writer: AuditWriter
    public let retention: AuditRetention
    public let logger: Logger
    /// The record store the daily purge takes its lease in (nil: purge without one).
    let leases: (any RecordStore)?

    /// Where the chained log lives with the SQLite backend.
    public static func logPath(_ loaded: LoadedConfiguration) -> String { loaded.dataDirectory + "/audit.sqlite" }

    /// Opens the SQLite log and the signing key (creating both on first run).
    public static func open(_ loaded: LoadedConfiguration) throws(ConfigurationError) -> (log: any AuditLog, signer: AuditSigner) {
        let stores = try StoreAssembly.openSQLite(loaded)
        return (stores.auditLog, stores.signer)
    }

    /// - Parameter stores: the opened storage (`StoreAssembly.open`); nil opens the SQLite files of `data_dir`.
    public static func build(_ loaded: LoadedConfiguration, stores given: StoreAssembly? = nil,
                             clock: @escaping @Sendable () -> Date = { Date() },
                             logger: Logger) throws(ConfigurationError) -> AuditAssembly {
        let stores: StoreAssembly
        if let given { stores = given } else { stores = try StoreAssembly.openSQLite(loaded) }
        let log = stores.auditLog
        let signer = stores.signer
        let settings = loaded.configuration.audit
        let external = settings.checkpointFile.map { ExternalCheckpointFile(path: loaded.resolve($0)) }
        let writer = AuditWriter(
            log: log, signer: signer,
            policy: .init(checkpointEvery: Int64(settings.checkpointEvery), checkpointInterval: settings.checkpointInterval),
            externalCheckpoints: external, clock: clock, logger: logger)
        let retention = AuditRetention(log: log, signer: signer, years: settings.retentionYears, externalCheckpoints: external)
        return AuditAssembly(log: log, signer: signer, writer: writer, retention: retention, logger: logger,
                             leases: stores.records)
    }

    /// The proxy's recorder: one record per response of a personal-information menu.
    public func recorder(rules: LiveRules, configuration: GuardConfiguration,
                         clock: @escaping @Sendable () -> Date = { Date() }) -> any ResponseRecorder {
        AccessRecorder(writer: self.writer, rules: rules, configuration: configuration, clock: clock)
    }

    /// Runs the writer's time-based checkpoints beside the proxy and closes the chain (a signed checkpoint) on
    /// shutdown.
    public var service: some Service {
        AuditWriterService(writer: self.writer, retention: self.retention, leases: self.leases, logger: self.logger)
    }
}

/// Access records for the proxy's responses: the account that passed the step-up gate, the menu (from the live
/// rules), the action from the method (or 다운로드 for a protected export), what the masking stage counted and the
/// subject keys it saw, or the export's reason, rows and file hash.
struct AccessRecorder: ResponseRecorder {
    let writer: AuditWriter
    let rules: LiveRules
    let configuration: GuardConfiguration
    let clock: @Sendable () -> Date

    func record(_ completed: CompletedResponse) async throws {
        let response = completed.response
        guard let verified = response.attachments.first(VerifiedAccess.self),
              let match = self.rules.current.exportRoute(site: response.siteName, path: response.path,
                                                         configuration: self.configuration)
        else { return }
        var record = AuditRecord(
            at: self.clock(), kind: .access, action: Self.action(response.method.rawValue), account: verified.account,
            clientAddress: completed.clientAddress?.description ?? "", site: response.siteName, menuID: match.menuID,
            menuName: match.menuName, method: response.method.rawValue, path: response.path, status: response.status.code,
            requestID: completed.requestID, sessionHash: verified.sessionHash,
            userAgent: String((completed.userAgent ?? "").prefix(300)))
        switch completed.transformReport {
        case let summary as MaskingSummary:
            record.subjects = summary.tally.subjects.keys
            record.maskedCounts = Dictionary(uniqueKeysWithValues: summary.tally.counts.map { ($0.key.rawValue, $0.value) })
        case let export as ExportRecord:
            record.kind = .export
            record.action = .download
            record.event = "delivered"
            record.exportReason = AuditExportReason.text(export.reason)
            record.exportRows = export.rowCount
            record.fileSHA256 = export.sha256
            record.maskedCounts = [:]
        default:
            break
        }
        _ = try await self.writer.append(record)
    }

    /// 조회 for reads, 입력 for POST, 변경 for PUT/PATCH, 삭제 for DELETE.
    static func action(_ method: String) -> AuditRecord.Action {
        switch method {
        case "POST": .input
        case "PUT", "PATCH": .change
        case "DELETE": .delete
        default: .view
        }
    }
}

/// How an export's reason is written in the records: `code · 한국어` (`other · 기타: 세무 신고`).
enum AuditExportReason {
    static func text(_ reason: ExportReason) -> String { reason.code + " · " + reason.korean }
}

/// Second-factor events as records (wrong codes, locks, proofs ended…). Best effort: an event that cannot be
/// written is logged; the request it belongs to was already refused or is not a personal-information request.
public final class AuditEventSink: SecondFactorEventSink {
    let writer: AuditWriter
    let logger: Logger

    public init(writer: AuditWriter, logger: Logger) {
        self.writer = writer
        self.logger = logger
    }

    public func record(_ event: SecondFactorEvent) async {
        let name = event.kind == .failed ? "wrong_code" : event.kind.rawValue
        let record = AuditRecord(at: event.at, kind: .secondFactor, action: .event, account: event.account,
                                 clientAddress: event.clientAddress ?? "", site: event.site ?? "",
                                 event: event.detail.map { name + ":" + $0 } ?? name)
        do {
            _ = try await self.writer.append(record)
        } catch {
            self.logger.error("second-factor event not recorded", metadata: ["event": "\(name)", "error": "\(error)"])
        }
    }
}

/// Sends second-factor events to every sink: memory (the pages and tests) and, once the audit log is open, the log.
public final class EventFanOut: SecondFactorEventSink {
    private let sinks = Mutex<[any SecondFactorEventSink]>([])
    public init() {}
    public func add(_ sink: any SecondFactorEventSink) { self.sinks.withLock { $0.append(sink) } }
    public func record(_ event: SecondFactorEvent) async {
        for sink in self.sinks.withLock({ $0 }) { await sink.record(event) }
    }
}

/// Export refusals as records; delivered exports are recorded with their response (`AccessRecorder`).
public struct AuditExportSink: ExportRecordSink {
    let writer: AuditWriter
    let next: any ExportRecordSink
    let logger: Logger

    public init(writer: AuditWriter, next: any ExportRecordSink, logger: Logger) {
        self.writer = writer
        self.next = next
        self.logger = logger
    }

    public func record(_ record: ExportRecord) { self.next.record(record) }

    public func record(_ refusal: ExportRefusal) {
        self.next.record(refusal)
        let record = AuditRecord(at: refusal.at, kind: .export, action: .download, account: refusal.account,
                                 clientAddress: "", site: refusal.site, menuName: refusal.menu, method: "GET",
                                 path: refusal.path, event: "refused:" + refusal.reason)
        let writer = self.writer
        let logger = self.logger
        Task {
            do { _ = try await writer.append(record) } catch {
                logger.error("export refusal not recorded", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// The writer beside the proxy: time-based checkpoints while it runs, the retention purge at start and then daily,
/// a closing checkpoint on shutdown.
struct AuditWriterService: Service {
    let writer: AuditWriter
    let retention: AuditRetention
    /// Where the daily purge's lease is taken (the shared store when several guards share the log).
    let leases: (any RecordStore)?
    let logger: Logger

    /// Guards sharing one log must not purge it at once (each would see the other's deletions as missing records), so
    /// the daily purge runs only on the guard that holds this lease; it lasts longer than a purge takes.
    static let leaseLifetime: TimeInterval = 3 * 3600
    static let instance = UUID().uuidString

    struct Lease: Codable, Sendable {
        var holder: String
        var until: Date
    }

    /// Takes the retention lease for `instance` when it is free or expired; false while another guard holds one.
    /// (The expiry lives in the value, so asking never extends another guard's lease.)
    static func holdsRetentionLease(_ store: any RecordStore, instance: String, now: Date) async throws(StoreError) -> Bool {
        try await Records<Lease>(store, collection: "maintenance").update("audit-retention", now: now) { lease -> Bool in
            if let current = lease, current.until > now, current.holder != instance { return false }
            lease = Lease(holder: instance, until: now.addingTimeInterval(self.leaseLifetime))
            return true
        }
    }

    func run() async throws {
        let retention = self.retention
        let logger = self.logger
        let leases = self.leases
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.writer.run() }
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            if let leases {
                                guard try await Self.holdsRetentionLease(leases, instance: Self.instance, now: Date()) else {
                                    do { try await Task.sleep(for: .seconds(24 * 3600)) } catch { return }
                                    continue
                                }
                            }
                            let outcome = try await retention.purgeExpired()
                            if outcome.purged > 0 {
                                logger.notice("access records past retention purged",
                                              metadata: ["records": "\(outcome.purged)", "years": "\(retention.years)"])
                            }
                        } catch {
                            logger.error("retention purge failed", metadata: ["error": "\(error)"])
                        }
                        do { try await Task.sleep(for: .seconds(24 * 3600)) } catch { return }
                    }
                }
            }
        }
        _ = try? await self.writer.close()
    }
}
