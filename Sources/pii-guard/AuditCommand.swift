import ArgumentParser
import AuditTrail
import Foundation
import GuardStore
import Logging
import PIIGuard

/// `pii-guard audit`: the auditor's tools on the access records (`data_dir/audit.sqlite`, or the shared PostgreSQL
/// database when `store.backend` is `postgres`).
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify, query, export and review the access records.",
        subcommands: [Verify.self, Query.self, Export.self, Report.self, Purge.self, PublicKey.self])

    struct Options: ParsableArguments {
        @Option(help: "The configuration file (its store: section says where the records are; data_dir holds the master key).")
        var config = "pii-guard.yaml"
    }

    /// Opens the records as the configuration's `store:` says (SQLite files or the shared PostgreSQL database).
    static func open(_ options: Options) async throws -> StoreAssembly {
        let loaded = try self.loaded(options)
        var logger = Logger(label: "pii-guard.audit")
        logger.logLevel = .warning
        do {
            return try await StoreAssembly.open(loaded, logger: logger)
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    static func loaded(_ options: Options) throws -> LoadedConfiguration {
        do { return try LoadedConfiguration.load(path: options.config) } catch { throw CommandFailure("\(error)") }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the records past the retention period (audit.retention_years), leaving a signed retention checkpoint.",
            discussion: "The running guard does this daily; `audit verify` still passes on what remains.")

        @OptionGroup var options: Options

        func run() async throws {
            let loaded = try Audit.loaded(self.options)
            let stores = try await Audit.open(self.options)
            let audit = try AuditAssembly.build(loaded, stores: stores, logger: Logger(label: "pii-guard.audit"))
            let outcome = try await audit.retention.purgeExpired()
            await stores.close()
            print("\(outcome.purged) record(s) older than \(audit.retention.years) year(s) purged"
                  + (outcome.through.map { " (through record \($0))" } ?? ""))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-walk the hash chain and the signed checkpoints; name the first bad record.",
            discussion: "Exit status 0 when the records are intact, 1 when anything was changed, removed, inserted, reordered or cut off.")

        @OptionGroup var options: Options

        @Option(help: "An external append-only checkpoint file to check the log against.")
        var checkpoints: String?

        @Option(help: "The public key (PEM) to check signatures with; default: the guard's own key.")
        var publicKey: String?

        func run() async throws {
            let stores = try await Audit.open(self.options)
            let log = stores.auditLog
            var key = stores.signer.publicKey
            if let path = self.publicKey {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure("cannot read '\(path)'") }
                key = try AuditPublicKey(text: text)
            }
            let configured = try Audit.loaded(self.options).configuration.audit.checkpointFile
            let external = (self.checkpoints ?? configured).map { URL(fileURLWithPath: $0) }
            let report = try await AuditVerifier.verify(log: log, publicKey: key, externalCheckpoints: external)
            await stores.close()
            print(report.description)
            if !report.isValid { throw ExitCode(1) }
        }
    }

    /// Filters shared by `query` and `export`.
    struct Filters: ParsableArguments {
        @Option(help: "Only this account.") var account: String?
        @Option(help: "From this time (ISO 8601, or YYYY-MM-DD in KST).") var from: String?
        @Option(help: "Until this time, exclusive (ISO 8601, or YYYY-MM-DD in KST).") var until: String?
        @Option(help: "Only this menu id (sales, chat, account).") var menu: String?
        @Option(help: "Only this action: view, input, change, delete, print, download, event.") var action: String?
        @Option(help: "Only this client IP address.") var ip: String?
        @Option(help: "Only records naming this data subject key (an order number…).") var subject: String?
        @Option(help: "Only this kind: access, second_factor, export.") var kind: String?
        @Option(help: "At most this many records.") var limit = 1_000

        func filter() throws -> AuditLogFilter {
            AuditLogFilter(account: self.account, from: try self.from.map(Self.time), until: try self.until.map(Self.time),
                           menuID: self.menu, action: self.action, clientAddress: self.ip, subject: self.subject,
                           kind: self.kind)
        }

        static func time(_ text: String) throws -> Date {
            if let date = ISO8601DateFormatter().date(from: text) { return date }
            guard let day = CalendarDay(text), let date = AuditTime.midnight(day) else {
                throw CommandFailure("'\(text)' is not a time: use ISO 8601 (2026-11-23T09:00:00+09:00) or a KST date (2026-11-23)")
            }
            return date
        }
    }

    static func records(_ options: Options, _ filters: Filters) async throws -> [AuditRecord] {
        let stores = try await self.open(options)
        let rows = try await stores.auditLog.query(try filters.filter(), limit: filters.limit)
        await stores.close()
        return try rows.map { try AuditRecord(row: $0) }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func jsonLine(_ record: AuditRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show access records (a table, or JSON lines).")

        @OptionGroup var options: Options
        @OptionGroup var filters: Filters
        @Flag(help: "JSON lines instead of a table.") var json = false

        func run() async throws {
            let records = try await Audit.records(self.options, self.filters)
            if self.json {
                for record in records { print(try Audit.jsonLine(record)) }
                return
            }
            print("seq      time (KST)           account       ip               menu     action   status subjects masked  event · reason")
            for record in records {
                let masked: Int = record.maskedCounts.values.reduce(0, +)
                let menu: String = record.menuID.isEmpty ? "-" : record.menuID
                let note: String = [record.event, record.exportReason].filter { !$0.isEmpty }.joined(separator: " · ")
                var cells: [String] = []
                cells.append(Audit.pad(String(record.sequence), 8))
                cells.append(Audit.pad(AuditTime.text(record.at), 20))
                cells.append(Audit.pad(record.account, 13))
                cells.append(Audit.pad(record.clientAddress, 16))
                cells.append(Audit.pad(menu, 8))
                cells.append(Audit.pad(record.action.rawValue, 8))
                cells.append(Audit.pad(String(record.status), 6))
                cells.append(Audit.pad(String(record.subjects.count), 8))
                cells.append(Audit.pad(String(masked), 7))
                cells.append(note)
                let line = cells.joined(separator: " ")
                print(line)
            }
            print("\(records.count) record(s)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write access records as CSV or JSON lines, for a SIEM.")

        @OptionGroup var options: Options
        @OptionGroup var filters: Filters
        @Option(help: "csv or jsonl.") var format = "jsonl"

        func run() async throws {
            let records = try await Audit.records(self.options, self.filters)
            switch self.format {
            case "jsonl":
                for record in records { print(try Audit.jsonLine(record)) }
            case "csv":
                print("sequence,at_utc,at_kst,kind,action,account,client_ip,site,menu,method,path,status,subjects,masked_counts,event,export_reason,export_rows,file_sha256,request_id,session_hash,hash")
                let iso = ISO8601DateFormatter()
                for r in records {
                    let masked = r.maskedCounts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
                    let cells: [String] = [String(r.sequence), iso.string(from: r.at), AuditTime.text(r.at), r.kind.rawValue,
                                           r.action.rawValue, r.account, r.clientAddress, r.site, r.menuID, r.method, r.path,
                                           String(r.status), r.subjects.joined(separator: ";"), masked, r.event, r.exportReason,
                                           r.exportRows.map(String.init) ?? "", r.fileSHA256, r.requestID, r.sessionHash, r.hash]
                    print(cells.map(Self.csv).joined(separator: ","))
                }
            default:
                throw CommandFailure("--format must be csv or jsonl, not '\(self.format)'")
            }
        }

        static func csv(_ cell: String) -> String {
            guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The monthly review: accesses per account, off-hours, new IPs, mass lookups, every download, second-factor failures.")

        @OptionGroup var options: Options
        @Option(help: "The month (KST), YYYY-MM.") var month: String
        @Option(help: "Where to write the report (HTML, or JSON with --json).") var out: String
        @Flag(help: "JSON instead of HTML.") var json = false

        func run() async throws {
            let stores = try await Audit.open(self.options)
            let log = stores.auditLog
            let interval = try AuditReport.interval(month: self.month)
            var history = AuditHistory.empty
            var records: [AuditRecord] = []
            var after: Int64? = nil
            // Everything before the month teaches which addresses each account used; the month itself is reported.
            while true {
                let page = try await log.query(AuditLogFilter(until: interval.end, afterSequence: after), limit: 5_000)
                guard let last = page.last else { break }
                for row in page {
                    let record = try AuditRecord(row: row)
                    if record.at < interval.start { history.add(record) } else { records.append(record) }
                }
                after = last.sequence
            }
            await stores.close()
            let report = try AuditReport.make(month: self.month, records: records, history: history)
            let data = self.json ? report.json() : Data(report.html().utf8)
            guard FileManager.default.createFile(atPath: self.out, contents: data) else { throw CommandFailure("cannot write '\(self.out)'") }
            print("\(self.out): \(records.count) records of \(self.month) reviewed")
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key", abstract: "Print the public key that checks the records' signed checkpoints (PEM).")

        @OptionGroup var options: Options

        func run() async throws {
            let stores = try await Audit.open(self.options)
            print(stores.signer.publicKeyPEM)
            await stores.close()
        }
    }
}
