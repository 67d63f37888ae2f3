import NIOCore
import NIOPosix

/// Checks, before anything starts, that an address can be listened on, so that a port already in use is reported
/// with the address and what it was for, instead of a bare `bind` errno after half the services came up.
public enum ListenCheck {
    public static func ensureAvailable(host: String, port: Int, purpose: String) async throws(ConfigurationError) {
        guard port != 0 else { return }
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try await channel.close()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw ConfigurationError(file: "\(host):\(port)", message:
                "cannot listen here for \(purpose): the address is already in use (another pii-guard or server?). "
                + "Stop it or choose another port.")
        } catch {
            throw ConfigurationError(file: "\(host):\(port)", message: "cannot listen here for \(purpose): \(error)")
        }
    }
}
