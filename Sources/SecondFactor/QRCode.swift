import TextEscaping
/// A QR code symbol (ISO/IEC 18004), so the second-factor registration page can show the `otpauth://totp/…` URI
/// as an image an authenticator app scans.
///
/// The symbol is drawn here, as inline SVG, because the URI carries the TOTP secret: handing it to an external
/// QR service or writing it to an image file would copy the secret out of the process. Byte mode only (the URI
/// is ASCII, labels may be UTF-8), versions 1–40 and all four error correction levels.
public struct QRCode: Sendable {
    public enum ErrorCorrection: Sendable, CaseIterable {
        /// Recovers about 7% of the codewords.
        case low
        /// About 15%.
        case medium
        /// About 25%.
        case quartile
        /// About 30%.
        case high
    }

    /// 1...40, the smallest version whose capacity at the chosen level holds the text.
    public let version: Int
    /// Modules per side: 17 + 4 × version.
    public let size: Int
    /// The error correction level the symbol was made with.
    let correction: ErrorCorrection
    /// The data mask pattern (0...7) that scored the lowest penalty.
    let mask: Int
    /// Row-major, `size * size`; true is dark.
    private let modules: [Bool]

    /// Whether the module in column `x`, row `y` is dark. Coordinates outside the symbol (the quiet zone) are light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < self.size, y < self.size else { return false }
        return self.modules[y * self.size + x]
    }

    /// Byte mode (UTF-8), smallest version that fits, best of the 8 masks by the standard penalty rules.
    public init(text: String, correction: ErrorCorrection = .medium) throws(QRCodeError) {
        try self.init(bytes: Array(text.utf8), correction: correction)
    }

    /// The same, on bytes; `minimumVersion` and `mask` let tests pin a version and a mask pattern.
    init(bytes: [UInt8], correction: ErrorCorrection, minimumVersion: Int = 1, mask forcedMask: Int? = nil)
        throws(QRCodeError)
    {
        precondition(forcedMask.map { (0..<8).contains($0) } ?? true, "mask pattern is 0...7")
        guard let version = (max(1, minimumVersion)...40).first(where: {
            bytes.count <= Self.byteCapacity(version: $0, correction: correction)
        }) else {
            throw QRCodeError(
                byteCount: bytes.count, correction: correction,
                maximum: Self.byteCapacity(version: 40, correction: correction))
        }
        let codewords = Self.codewords(for: bytes, version: version, correction: correction)

        var template = QRMatrix(version: version)
        template.placeData(codewords)

        var best: (mask: Int, penalty: Int, modules: [Bool])?
        for mask in forcedMask.map({ [$0] }) ?? Array(0..<8) {
            var candidate = template
            candidate.applyMask(mask)
            candidate.drawFormat(Self.formatInformation(correction: correction, mask: mask))
            let penalty = forcedMask == nil ? candidate.penalty() : 0
            if best == nil || penalty < best!.penalty {
                best = (mask, penalty, candidate.dark)
            }
        }

        self.version = version
        self.size = template.size
        self.correction = correction
        self.mask = best!.mask
        self.modules = best!.modules
    }

    // MARK: Capacity and codewords

    /// Bits in the character count indicator for byte mode.
    static func countBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    static func dataCodewords(version: Int, correction: ErrorCorrection) -> Int {
        let level = correction.tableIndex
        return QRTables.totalCodewords(version: version)
            - QRTables.blockCount[level][version] * QRTables.ecCodewordsPerBlock[level][version]
    }

    /// The most bytes one symbol of this version and level holds in byte mode.
    static func byteCapacity(version: Int, correction: ErrorCorrection) -> Int {
        let dataBits = 8 * self.dataCodewords(version: version, correction: correction)
        let bits = dataBits - 4 - self.countBits(version: version)  // less the mode and the count
        return bits / 8
    }

    /// The data codewords for `bytes` (mode, count, data, terminator, padding), in symbol order before interleaving.
    static func dataCodewords(for bytes: [UInt8], version: Int, correction: ErrorCorrection) -> [UInt8] {
        let capacity = self.dataCodewords(version: version, correction: correction)
        var bits = QRBitBuffer()
        bits.append(0b0100, count: 4)  // byte mode
        bits.append(bytes.count, count: self.countBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        bits.append(0, count: min(4, capacity * 8 - bits.count))  // terminator, shortened when the symbol is full
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// The data codewords split into blocks, each followed by its Reed–Solomon codewords.
    static func blocks(for data: [UInt8], version: Int, correction: ErrorCorrection)
        -> [(data: [UInt8], ec: [UInt8])]
    {
        let level = correction.tableIndex
        let blockCount = QRTables.blockCount[level][version]
        let ecCount = QRTables.ecCodewordsPerBlock[level][version]
        let total = QRTables.totalCodewords(version: version)
        // The short blocks come first; the long ones hold one data codeword more.
        let longBlocks = total % blockCount
        let shortData = total / blockCount - ecCount
        var blocks: [(data: [UInt8], ec: [UInt8])] = []
        var offset = 0
        for index in 0..<blockCount {
            let length = shortData + (index >= blockCount - longBlocks ? 1 : 0)
            let block = Array(data[offset..<(offset + length)])
            offset += length
            blocks.append((block, QRReedSolomon.errorCorrection(for: block, count: ecCount)))
        }
        return blocks
    }

    /// The final codeword sequence: data codewords interleaved across blocks, then the EC codewords likewise.
    static func codewords(for bytes: [UInt8], version: Int, correction: ErrorCorrection) -> [UInt8] {
        let data = self.dataCodewords(for: bytes, version: version, correction: correction)
        let blocks = self.blocks(for: data, version: version, correction: correction)
        var result: [UInt8] = []
        result.reserveCapacity(QRTables.totalCodewords(version: version))
        let longest = blocks.map(\.data.count).max() ?? 0
        for i in 0..<longest {
            for block in blocks where i < block.data.count { result.append(block.data[i]) }
        }
        for i in 0..<(blocks.first?.ec.count ?? 0) {
            for block in blocks { result.append(block.ec[i]) }
        }
        return result
    }

    // MARK: Format and version information

    /// The 15-bit format information: 2 bits of level, 3 of mask, 10 of BCH(15,5), XORed with 0x5412.
    static func formatInformation(correction: ErrorCorrection, mask: Int) -> Int {
        let data = correction.formatBits << 3 | mask
        return (data << 10 | QRBCH.remainder(data << 10, generator: 0x537)) ^ 0x5412
    }

    /// The 18-bit version information for versions 7 and up: 6 bits of version, 12 of BCH(18,6).
    static func versionInformation(version: Int) -> Int {
        version << 12 | QRBCH.remainder(version << 12, generator: 0x1F25)
    }

    // MARK: SVG

    /// A standalone `<svg>` element: a 4-module quiet zone in the viewBox, one `<path>` of the dark modules with
    /// each row's runs merged, `shape-rendering="crispEdges"`, `moduleSize` pixels (at least 1) per module,
    /// `role="img"` and `label` as the (escaped) `aria-label`.
    public func svg(moduleSize: Int = 4, label: String) -> String {
        let quiet = 4
        let side = self.size + 2 * quiet
        let pixels = side * max(1, moduleSize)
        var path = ""
        for y in 0..<self.size {
            var x = 0
            while x < self.size {
                guard self.isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                let start = x
                while x < self.size, self.isDark(x: x, y: y) { x += 1 }
                let run = x - start
                path += "M\(start + quiet) \(y + quiet)h\(run)v1h-\(run)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(pixels)" height="\(pixels)" \
            viewBox="0 0 \(side) \(side)" shape-rendering="crispEdges" role="img" \
            aria-label="\(Escape.markup(label))">\
            <rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>
            """
    }
}

/// Thrown when the text does not fit a version 40 symbol at the requested error correction level.
public struct QRCodeError: Error, CustomStringConvertible {
    /// UTF-8 bytes in the text.
    public let byteCount: Int
    public let correction: QRCode.ErrorCorrection
    /// The most bytes a version 40 symbol holds at that level.
    public let maximum: Int

    public var description: String {
        "text is \(self.byteCount) bytes in UTF-8; a QR code holds at most \(self.maximum) bytes "
            + "(version 40) at error correction level \(self.correction)"
    }
}

extension QRCode.ErrorCorrection {
    /// Row in `QRTables`.
    var tableIndex: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }

    /// The two level bits of the format information (Table 12): L 01, M 00, Q 11, H 10.
    var formatBits: Int {
        switch self {
        case .low: 0b01
        case .medium: 0b00
        case .quartile: 0b11
        case .high: 0b10
        }
    }
}
