import AuditTrail
import Crypto
import Foundation
import GuardStore
import GuardStorePostgres
import Logging
import SealedSecrets

/// Opens the guard's storage as `store:` says: the record store, the access-record log and the audit signing key.
///
/// It exists so the runtime, the CLI and the tests open storage one way, and so nothing above it knows which backend
/// is in use. With `sqlite` everything is a file under `data_dir`. With `postgres` every guard sharing the database
/// must act as one, so what would otherwise be per-instance is shared through the database:
/// - the audit signing key is kept (sealed) in the database, so all instances sign one chain with one key;
/// - the database remembers a check value of the master key it was set up with, and a guard whose master key differs
///   is refused at start with what to do (it could not open the second-factor secrets the others sealed).
public struct StoreAssembly: Sendable {
    public let records: any RecordStore
    public let auditLog: any AuditLog
    public let signer: AuditSigner
    /// The PostgreSQL pool; nil with SQLite. The runtime runs it in its service group.
    public let database: PostgresDatabase?
    /// Where the records are, for logs and `/__guard/status` (never a password).
    public let location: String

    /// The collection holding the shared keys' sealed forms (never expires).
    static let keysCollection = "guard-keys"

    /// Opens the configured backend (creating and migrating on first use).
    public static func open(_ loaded: LoadedConfiguration, logger: Logger) async throws(ConfigurationError) -> StoreAssembly {
        let store = loaded.configuration.store
        switch store.backend {
        case .sqlite:
            return try self.openSQLite(loaded)
        case .postgres:
            guard var settings = store.postgres else {
                throw ConfigurationError(file: loaded.file, field: "store.postgres", message: "missing")
            }
            settings.caFile = settings.caFile.map(loaded.resolve)
            let masterKey = try SecondFactorAssembly.masterKey(loaded)
            let database: PostgresDatabase
            do {
                database = try PostgresDatabase(settings: settings, logger: logger)
            } catch {
                throw ConfigurationError(file: loaded.file, field: "store.postgres", message: error.description)
            }
            do {
                let records = try await PostgresRecordStore.open(database)
                let log = try await PostgresAuditLog.open(database)
                try await self.checkMasterKey(masterKey, in: records, loaded: loaded)
                let signer = try await self.sharedSigner(in: records, masterKey: masterKey)
                return StoreAssembly(records: records, auditLog: log, signer: signer, database: database,
                                     location: "PostgreSQL \(settings.target)")
            } catch let error as StoreError {
                await database.close()
                throw ConfigurationError(file: loaded.file, field: "store.postgres", message: error.description)
            } catch let error as ConfigurationError {
                await database.close()
                throw error
            } catch {
                await database.close()
                throw ConfigurationError(file: loaded.file, field: "store.postgres", message: "\(error)")
            }
        }
    }

    /// The embedded files: `data_dir/guard.sqlite`, `data_dir/audit.sqlite` and `data_dir/audit-signing.key`.
    /// Throws when the configuration asks for another backend (which only `open` can reach).
    public static func openSQLite(_ loaded: LoadedConfiguration) throws(ConfigurationError) -> StoreAssembly {
        guard loaded.configuration.store.backend == .sqlite else {
            throw ConfigurationError(file: loaded.file, field: "store.backend", message: """
                this part of pii-guard opens SQLite only, but the backend is \(loaded.configuration.store.backend.rawValue)
                """)
        }
        let dataDirectory = loaded.dataDirectory
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw ConfigurationError(file: loaded.file, field: "data_dir", message: "cannot create '\(dataDirectory)'")
        }
        let masterKey = try SecondFactorAssembly.masterKey(loaded)
        do {
            let records = try SQLiteRecordStore(path: dataDirectory + "/guard.sqlite")
            let logPath = dataDirectory + "/" + SQLiteAuditLog.defaultFileName
            let log = try SQLiteAuditLog(path: logPath)
            // Accounts, addresses and order numbers: readable by the guard's user only (the WAL files follow it).
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: logPath)
            let signer = try AuditSigner.loadOrCreate(
                at: dataDirectory + "/" + AuditSigner.defaultFileName,
                sealingKey: SecondFactorAssembly.derive(masterKey, AuditSigner.sealingKeyLabel))
            return StoreAssembly(records: records, auditLog: log, signer: signer, database: nil,
                                 location: "SQLite files in \(dataDirectory)")
        } catch let error as StoreError {
            throw ConfigurationError(file: loaded.file, field: "data_dir", message: error.description)
        } catch {
            throw ConfigurationError(file: loaded.file, field: "data_dir", message: "\(error)")
        }
    }

    /// Closes the database connections (nothing to do for SQLite).
    public func close() async {
        await self.database?.close()
    }

    /// The signing key every instance uses: created sealed in the database by the first guard, read by the others.
    static func sharedSigner(in records: any RecordStore, masterKey: SymmetricKey) async throws -> AuditSigner {
        let keys = Records<String>(records, collection: self.keysCollection)
        let sealingKey = SecondFactorAssembly.derive(masterKey, AuditSigner.sealingKeyLabel)
        let fresh = try AuditSigner.sealedNew(sealingKey: sealingKey)
        // Insert-if-absent in one transaction: two guards starting together end up with the same key.
        let stored = try await keys.update("audit-signing") { value -> String in
            if value == nil { value = fresh }
            return value!
        }
        return try AuditSigner.unseal(stored, sealingKey: sealingKey, source: "the audit signing key in the shared database")
    }

    /// Refuses a guard whose master key is not the one the database was set up with.
    static func checkMasterKey(_ masterKey: SymmetricKey, in records: any RecordStore, loaded: LoadedConfiguration)
        async throws
    {
        let check = HMAC<SHA256>.authenticationCode(
            for: Data("pii-guard master key check v1".utf8), using: SecondFactorAssembly.derive(masterKey, "store-check"))
        let mine = Data(check).base64EncodedString()
        let keys = Records<String>(records, collection: self.keysCollection)
        let stored = try await keys.update("master-key-check") { value -> String in
            if value == nil { value = mine }
            return value!
        }
        guard stored == mine else {
            throw ConfigurationError(file: loaded.file, field: "store.postgres", message: """
                this guard's master key is not the one the shared database was set up with, so it could not open the \
                second-factor secrets the other guards sealed. Give every guard the same key: copy data_dir/master.key \
                from the first guard (mode 0600), or set PII_GUARD_MASTER_KEY to the same value on all of them
                """)
        }
    }
}
