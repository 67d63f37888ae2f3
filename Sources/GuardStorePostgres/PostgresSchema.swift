import GuardStore
import Foundation
import PostgresNIO

/// One component's tables as an ordered list of named steps, applied once each at start.
///
/// The applied steps are listed in `pii_guard_schema (component, step)`. Starting guards apply the missing steps in
/// one transaction under an advisory lock, so two instances starting together never race on a `CREATE TABLE`; a
/// database holding a step this binary does not know was migrated by a newer pii-guard and is refused (`.schemaTooNew`)
/// rather than used with a schema the code does not understand. Step names are never renamed or reordered.
struct PostgresSchema: Sendable {
    struct Step: Sendable {
        let name: String
        /// One statement each (the extended query protocol runs one at a time).
        let statements: [String]
    }

    /// `records` or `audit`: each store keeps its own list, so the two can live in one database or two.
    let component: String
    let steps: [Step]

    /// Advisory-lock class of the migration (each lock the stores take has its own class, see `AdvisoryLock`).
    static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS pii_guard_schema (
            component TEXT NOT NULL,
            step TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            PRIMARY KEY (component, step)
        )
        """

    /// Brings the database up to date; throws `.schemaTooNew` naming the unknown steps.
    func apply(on database: PostgresDatabase, what: String) async throws(StoreError) {
        let component = self.component
        let steps = self.steps
        let target = database.settings.target
        try await database.transaction("preparing \(what)") { connection in
            try await connection.query(AdvisoryLock.migration.query, logger: database.logger)
            try await connection.query(PostgresQuery(unsafeSQL: Self.bookkeeping), logger: database.logger)
            var applied: Set<String> = []
            let rows = try await connection.query(
                "SELECT step FROM pii_guard_schema WHERE component = \(component)", logger: database.logger)
            for try await step in rows.decode(String.self) { applied.insert(step) }
            let unknown = applied.subtracting(steps.map(\.name))
            guard unknown.isEmpty else {
                throw StoreError.schemaTooNew("\(what) in \(target)", unknownSteps: unknown)
            }
            for step in steps where !applied.contains(step.name) {
                for statement in step.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: database.logger)
                }
                try await connection.query(
                    "INSERT INTO pii_guard_schema (component, step) VALUES (\(component), \(step.name))",
                    logger: database.logger)
            }
        }
    }
}

/// The transaction-scoped advisory locks the stores serialise on, each in its own class (the first key), so they
/// never collide with each other or with another application's single-key locks on the same database.
enum AdvisoryLock {
    /// Schema migrations at start.
    case migration
    /// The audit chain's head: appends and purges.
    case auditHead
    /// One record of the guard's records (its collection and key, hashed into the second key).
    case record(collection: String, key: String)
    /// The same lock by its second key, as `hashtext` gave it (multi-record updates sort by it).
    case recordID(Int32)

    /// What `record(collection:key:)` hashes.
    static func name(collection: String, key: String) -> String { collection + "\u{1F}" + key }

    static let classBase: Int32 = 0x5049_4900  // "PII\0"

    var query: PostgresQuery {
        switch self {
        case .migration:
            return "SELECT pg_advisory_xact_lock(\(Self.classBase + 1), 0)"
        case .auditHead:
            return "SELECT pg_advisory_xact_lock(\(Self.classBase + 2), 0)"
        case .record(let collection, let key):
            let name = Self.name(collection: collection, key: key)
            return "SELECT pg_advisory_xact_lock(\(Self.classBase + 3), hashtext(\(name)))"
        case .recordID(let id):
            return "SELECT pg_advisory_xact_lock(\(Self.classBase + 3), \(id))"
        }
    }
}
