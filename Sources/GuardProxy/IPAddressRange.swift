#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// An IPv4 or IPv6 address as bytes, parsed strictly.
///
/// The proxy compares client addresses (trusted proxies, and later the IP a second-factor proof is bound to), so
/// one canonical form is needed: `::ffff:127.0.0.1` and `127.0.0.1` are the same client.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }  // zone id
        var v4 = in_addr()
        if inet_pton(AF_INET, String(text), &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, String(text), &v6) == 1 {
            let raw = withUnsafeBytes(of: &v6) { Array($0) }
            // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 client.
            if raw[0..<10].allSatisfy({ $0 == 0 }) && raw[10] == 0xff && raw[11] == 0xff {
                self.bytes = Array(raw[12..<16])
            } else {
                self.bytes = raw
            }
            return
        }
        return nil
    }

    public var isIPv4: Bool { self.bytes.count == 4 }

    public var description: String {
        if self.isIPv4 { return self.bytes.map(String.init).joined(separator: ".") }
        var storage = in6_addr()
        withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: self.bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &storage, &buffer, socklen_t(buffer.count))
        return String(cString: buffer)
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `::1/128`, or one address).
///
/// Used for the trusted-proxy list: only peers inside one of these ranges may tell us the client's address
/// through `X-Forwarded-For`.
public struct IPAddressRange: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPAddress(String(first)) else { return nil }
        let maxBits = address.bytes.count * 8
        if parts.count == 2 {
            guard let bits = Int(parts[1]), bits >= 0, bits <= maxBits else { return nil }
            self.prefixLength = bits
        } else {
            self.prefixLength = maxBits
        }
        self.network = address
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == self.network.bytes.count else { return false }
        var remaining = self.prefixLength
        for index in 0..<address.bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xff : ~(0xff >> UInt8(bits))
            if address.bytes[index] & mask != self.network.bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(self.network)/\(self.prefixLength)" }
}
