/// IP addresses: IPv4 dotted quads and IPv6 in full or `::`-compressed form.
///
/// Access logs, login histories and chat metadata show where a person connected from; the guideline masks bits
/// 17–24 of IPv4 and 113–128 of IPv6. Accepted IPv4: four numbers 0–255 joined by dots, not glued to letters or
/// digits and not part of a longer dotted run (`1.2.3.4.5` is a version, `1.2.3.4` inside it is not an address).
/// Accepted IPv6: groups of 1–4 hex digits, at least two colons, either eight groups or fewer with one `::`,
/// optionally ending in a dotted IPv4 (`::ffff:192.0.2.1`), with at least one decimal digit (so `cafe::beef`-like
/// words and C++ `std::` are not addresses). Times (`12:30:45`) and MAC addresses (six groups, no `::`) are not
/// eight groups and have no `::`; a prefix ending in `::` (`2001:db8::`) has no host bits to hide and is left alone.
/// Brackets, ports and zone ids (`[…]:8080`, `%eth0`) are not part of the value; an address glued to a further colon
/// (`…:370:****`, what the mask leaves) is not one.
public struct IPAddressDetector: Detector {
    public var name: String { "ip_address" }
    public var kinds: Set<PIIKind> { [.ipAddress] }

    public init() {}

    /// IPv4 has digits; IPv6 has colons.
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { !traits.isDisjoint(with: [.digit, .colon]) }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        let firstIPv6 = detections.count
        self.detectIPv6(text, into: &detections)
        let ipv6 = firstIPv6..<detections.count
        Bytes.forEachDigitRun(in: text) { start, end in Self.run(text, start, end, ipv6: ipv6, into: &detections) }
    }

    /// One digit run of the IPv4 walk (see `PhoneDetector.run`); `ipv6` are the IPv6 addresses found in the unit
    /// (by `detectIPv6`, before the walk), in `detections`.
    @inline(__always)
    static func run(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, ipv6: Range<Int>,
                    into detections: inout [Detection]) -> Int {
        guard !Bytes.isGluedBefore(text, start), let valueEnd = Self.ipv4(text, from: start),
            !Bytes.isGluedAfter(text, valueEnd)
        else { return end }
        // The dotted tail of an IPv6 address was reported with it.
        for index in ipv6 where detections[index].start <= start && start < detections[index].end {
            return detections[index].end
        }
        detections.append(Detection(start: start, end: valueEnd, kind: .ipAddress, by: "ip_address"))
        return valueEnd
    }

    func detectIPv6(_ text: UnsafeBufferPointer<UInt8>, into detections: inout [Detection]) {
        guard Self.mayHoldIPv6(text) else { return }
        var from = 0
        while true {
            let colon = Bytes.first(Bytes.colon, in: text, from: from)
            guard colon < text.count else { return }
            var start = colon
            while start > 0 && Bytes.isHexDigit(text[start - 1]) { start -= 1 }
            if !Bytes.isAlphanumeric(text, at: start - 1) && Bytes.at(text, start - 1) != Bytes.colon,
                let end = Self.ipv6(text, from: start)
            {
                detections.append(Detection(start: start, end: end, kind: .ipAddress, by: "ip_address"))
                from = end
                continue
            }
            // Skip the rest of this run of hex digits and colons.
            var next = colon + 1
            while next < text.count && (Bytes.isHexDigit(text[next]) || text[next] == Bytes.colon) { next += 1 }
            from = next
        }
    }

    /// Whether `text` has a `::` or at least seven colons: an IPv6 address (`ipv6`) has one or the other, and the units
    /// with colons are mostly times (`15:01:57`), which have neither — they skip the search.
    static func mayHoldIPv6(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var colons = 0
        var from = 0
        while true {
            let colon = Bytes.first(Bytes.colon, in: text, from: from)
            guard colon < text.count else { return false }
            if Bytes.at(text, colon + 1) == Bytes.colon { return true }
            colons += 1
            if colons >= 7 { return true }
            from = colon + 1
        }
    }

    /// End of the dotted quad starting at `start`, if there is one.
    static func ipv4(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var position = start
        for octet in 0..<4 {
            if octet > 0 {
                guard Bytes.at(text, position) == Bytes.dot, Bytes.isDigit(Bytes.at(text, position + 1)) else {
                    return nil
                }
                position += 1
            }
            let end = Bytes.digitRunEnd(in: text, from: position)
            guard end > position, end - position <= 3, Bytes.number(text, position, end) <= 255 else { return nil }
            position = end
        }
        return position
    }

    /// End of the IPv6 address starting at `start` (a hex digit or `::`), if there is one.
    static func ipv6(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var position = start
        var groups = 0
        var colons = 0
        var compressed = false
        var decimal = false
        if Bytes.at(text, position) == Bytes.colon {
            guard Bytes.at(text, position + 1) == Bytes.colon else { return nil }
            compressed = true
            colons = 2
            position += 2
        }
        while true {
            let groupStart = position
            while position < text.count && Bytes.isHexDigit(text[position]) && position - groupStart <= 4 {
                if Bytes.isDigit(text[position]) { decimal = true }
                position += 1
            }
            let length = position - groupStart
            if length == 0 { break }
            if length > 4 { return nil }
            // An IPv4 tail takes the place of the last two groups.
            if Bytes.at(text, position) == Bytes.dot && groups <= 6 && colons > 0,
                let end = self.ipv4(text, from: groupStart)
            {
                groups += 2
                position = end
                decimal = true
                break
            }
            groups += 1
            guard Bytes.at(text, position) == Bytes.colon else { break }
            if Bytes.at(text, position + 1) == Bytes.colon {
                guard !compressed else { return nil }
                compressed = true
                colons += 2
                position += 2
                // `2001:db8::` — a prefix, no host part.
                guard Bytes.isHexDigit(Bytes.at(text, position)) else { return nil }
            } else if Bytes.isHexDigit(Bytes.at(text, position + 1)) {
                colons += 1
                position += 1
            } else {
                break
            }
        }
        guard colons >= 2, decimal, groups >= 1, compressed ? groups <= 7 : groups == 8 else { return nil }
        // Glued to letters or digits, to more dotted digits, or to a colon (`…:370:****`, already masked) — not an
        // address.
        let next = Bytes.at(text, position)
        guard !Bytes.isAlphanumeric(next), next != Bytes.colon,
            !(next == Bytes.dot && Bytes.isDigit(Bytes.at(text, position + 1)))
        else { return nil }
        return position
    }
}
