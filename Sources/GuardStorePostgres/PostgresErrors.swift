import GuardStore
import Foundation
import PostgresNIO

/// Turns what postgres-nio throws into `StoreError`s an operator can act on.
///
/// The split that matters to the guard is `.unavailable` (the database cannot be reached or refuses the guard: a
/// protected menu answers 503 and the request is retried later) against `.failed` (the database answered with an
/// error). Messages name the database and the SQLSTATE and carry the server's primary message; never a statement's
/// arguments or the server's DETAIL (which can quote the values of a row).
enum PostgresErrors {
    static func storeError(_ error: any Error, what: String, settings: PostgresSettings) -> StoreError {
        let target = settings.target
        switch error {
        case let error as StoreError:
            return error
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
                return self.storeError(inner, what: what, settings: settings)
            }
            return StoreError(.failed, "\(what) in \(target): the transaction failed")
        case is Deadline.Passed:
            return StoreError(.unavailable, "\(what) in \(target): the database did not answer within "
                + "\(settings.operationTimeout) (operation_timeout)")
        case is CancellationError:
            return StoreError(.unavailable, "\(what) in \(target): cancelled while waiting for the database")
        case let error as PSQLError:
            return self.storeError(error, what: what, target: target)
        default:
            let name = String(describing: type(of: error))
            if name.contains("ConnectionPoolError") {
                return StoreError(.unavailable, "\(what) in \(target): cannot reach the database (\(error))")
            }
            return StoreError(.failed, "\(what) in \(target): \(name)")
        }
    }

    static func storeError(_ error: PSQLError, what: String, target: String) -> StoreError {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?????"
            let message = error.serverInfo?[.message] ?? "no message"
            let text = "\(what) in \(target): PostgreSQL \(state): \(message)"
            // 08: connection exceptions; 28: authorization; 3D: no such database; 53: out of resources;
            // 57: operator intervention (shutdown, statement timeout, cannot connect now).
            let unreachable = ["08", "28", "3D", "53", "57"].contains(String(state.prefix(2)))
            if state.hasPrefix("28") {
                return StoreError(.unavailable, text + " (check the store's user and password)")
            }
            return StoreError(unreachable ? .unavailable : .failed, text)
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
             .sslUnsupported, .failedToAddSSLHandler, .queryCancelled:
            var reason = error.code.description
            if let underlying = error.underlying { reason += ": \(underlying)" }
            return StoreError(.unavailable, "\(what) in \(target): cannot reach the database (\(reason))")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return StoreError(.unavailable, "\(what) in \(target): cannot log in (\(error.code.description)); "
                + "check the store's user and password")
        default:
            return StoreError(.failed, "\(what) in \(target): \(error.code.description)")
        }
    }
}
