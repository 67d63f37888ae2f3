/// The module grid of one QR symbol while it is built: function patterns first, then the data bits, a mask and
/// the format information. `x` is the column, `y` the row, (0, 0) the top-left module.
struct QRMatrix: Sendable {
    let version: Int
    let size: Int
    /// Row-major; true is dark.
    var dark: [Bool]
    /// Modules of function patterns and the format/version areas: data never goes there, masks never touch them.
    var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        self.size = 17 + 4 * version
        self.dark = Array(repeating: false, count: self.size * self.size)
        self.isFunction = Array(repeating: false, count: self.size * self.size)
        self.drawFunctionPatterns()
    }

    private mutating func setFunction(_ x: Int, _ y: Int, _ isDark: Bool) {
        self.dark[y * self.size + x] = isDark
        self.isFunction[y * self.size + x] = true
    }

    private mutating func drawFunctionPatterns() {
        let last = self.size - 1
        // Finder patterns with their light separators: an 8×8 corner region each (7×7 pattern plus one row and
        // one column of separator on the inner sides).
        for (cx, cy) in [(3, 3), (last - 3, 3), (3, last - 3)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx
                    let y = cy + dy
                    guard x >= 0, y >= 0, x < self.size, y < self.size else { continue }
                    let ring = max(abs(dx), abs(dy))  // 0 centre … 3 outer ring, 4 separator
                    self.setFunction(x, y, ring != 2 && ring != 4)
                }
            }
        }
        // Timing patterns on row 6 and column 6, dark on even positions.
        for i in 8...(last - 8) {
            self.setFunction(i, 6, i % 2 == 0)
            self.setFunction(6, i, i % 2 == 0)
        }
        // Alignment patterns at every pair of centres, except the three that would overlap a finder.
        let centres = QRTables.alignmentCentres(version: self.version)
        for cy in centres {
            for cx in centres {
                if (cx == 6 && cy == 6) || (cx == 6 && cy == last - 6) || (cx == last - 6 && cy == 6) { continue }
                for dy in -2...2 {
                    for dx in -2...2 {
                        self.setFunction(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1)
                    }
                }
            }
        }
        // Format information areas, reserved light for now (drawn per mask), and the dark module beside the
        // lower copy at (8, 4·version + 9).
        self.drawFormat(0)
        self.setFunction(8, self.size - 8, true)
        // Version information, versions 7 and up: 6×3 blocks above the bottom-left finder and left of the
        // top-right finder, least significant bit first.
        if self.version >= 7 {
            let info = QRCode.versionInformation(version: self.version)
            for i in 0..<18 {
                let bit = (info >> i) & 1 == 1
                let a = i / 3
                let b = self.size - 11 + i % 3
                self.setFunction(a, b, bit)  // bottom-left: column i/3, rows size-11 … size-9
                self.setFunction(b, a, bit)  // top-right: row i/3, columns size-11 … size-9
            }
        }
    }

    /// Draws both copies of the 15-bit format information (bit 14 the most significant), marking them function.
    mutating func drawFormat(_ info: Int) {
        func bit(_ i: Int) -> Bool { (info >> i) & 1 == 1 }
        // Copy 1, around the top-left finder: bits 0–5 down column 8 (rows 0–5), 6–8 around the corner at
        // (8, 7), (8, 8), (7, 8), bits 9–14 along row 8 from column 5 to column 0.
        for i in 0...5 { self.setFunction(8, i, bit(i)) }
        self.setFunction(8, 7, bit(6))
        self.setFunction(8, 8, bit(7))
        self.setFunction(7, 8, bit(8))
        for i in 9...14 { self.setFunction(14 - i, 8, bit(i)) }
        // Copy 2: bits 0–7 along row 8 from the right edge leftwards, bits 8–14 down column 8 to the bottom edge.
        for i in 0...7 { self.setFunction(self.size - 1 - i, 8, bit(i)) }
        for i in 8...14 { self.setFunction(8, self.size - 15 + i, bit(i)) }
    }

    /// Places the codewords (most significant bit first) in the two-module-wide columns, right to left, going up
    /// and down in turn and skipping the vertical timing pattern; the remainder bits stay light.
    mutating func placeData(_ codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var index = 0
        var right = self.size - 1
        var upward = true
        while right > 0 {
            if right == 6 { right = 5 }  // column 6 is the timing pattern
            for step in 0..<self.size {
                let y = upward ? self.size - 1 - step : step
                for x in [right, right - 1] where !self.isFunction[y * self.size + x] {
                    if index < bitCount {
                        self.dark[y * self.size + x] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                    }
                    index += 1
                }
            }
            upward.toggle()
            right -= 2
        }
    }

    /// Whether mask pattern `mask` (ISO/IEC 18004 Table 10) inverts the module in row `i`, column `j`.
    static func maskInverts(_ mask: Int, i: Int, j: Int) -> Bool {
        switch mask {
        case 0: (i + j) % 2 == 0
        case 1: i % 2 == 0
        case 2: j % 3 == 0
        case 3: (i + j) % 3 == 0
        case 4: (i / 2 + j / 3) % 2 == 0
        case 5: (i * j) % 2 + (i * j) % 3 == 0
        case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
        default: ((i + j) % 2 + (i * j) % 3) % 2 == 0
        }
    }

    mutating func applyMask(_ mask: Int) {
        for y in 0..<self.size {
            for x in 0..<self.size where !self.isFunction[y * self.size + x] && Self.maskInverts(mask, i: y, j: x) {
                self.dark[y * self.size + x].toggle()
            }
        }
    }

    // MARK: Penalty (ISO/IEC 18004 §7.8.3)

    /// N1 + N2 + N3 + N4 over the whole symbol.
    func penalty() -> Int {
        let n = self.size
        var score = 0
        var line = [Bool](repeating: false, count: n)
        for horizontal in [true, false] {
            for a in 0..<n {
                for b in 0..<n { line[b] = horizontal ? self.dark[a * n + b] : self.dark[b * n + a] }
                score += Self.runPenalty(line) + Self.finderLikePenalty(line)
            }
        }
        // N2: 3 for each 2×2 block of one colour (overlapping blocks each count).
        for y in 0..<(n - 1) {
            for x in 0..<(n - 1) {
                let c = self.dark[y * n + x]
                if self.dark[y * n + x + 1] == c, self.dark[(y + 1) * n + x] == c, self.dark[(y + 1) * n + x + 1] == c {
                    score += 3
                }
            }
        }
        // N4: 10 for each full 5% the dark share lies away from 50%.
        let darkCount = self.dark.reduce(0) { $0 + ($1 ? 1 : 0) }
        let total = n * n
        score += 10 * (abs(darkCount * 20 - total * 10) / total)
        return score
    }

    /// N1: a run of five or more modules of one colour scores 3, plus 1 for each module beyond five.
    static func runPenalty(_ line: [Bool]) -> Int {
        var score = 0
        var runLength = 0
        var previous: Bool?
        for module in line {
            if module == previous {
                runLength += 1
            } else {
                if runLength >= 5 { score += runLength - 2 }
                runLength = 1
                previous = module
            }
        }
        if runLength >= 5 { score += runLength - 2 }
        return score
    }

    /// N3: a dark:light:dark:light:dark 1:1:3:1:1 pattern scores 40 for each side on which four light modules
    /// follow it (so 80 with light on both sides); the quiet zone beyond the symbol counts as light.
    static func finderLikePenalty(_ line: [Bool]) -> Int {
        let pattern: [Bool] = [true, false, true, true, true, false, true]
        var padded = [Bool](repeating: false, count: 4)
        padded += line
        padded += [Bool](repeating: false, count: 4)
        var score = 0
        guard padded.count >= 11 else { return 0 }
        for start in 0...(padded.count - 7) {
            var matches = true
            for k in 0..<7 where padded[start + k] != pattern[k] {
                matches = false
                break
            }
            guard matches else { continue }
            let lightBefore = start >= 4 && !padded[(start - 4)..<start].contains(true)
            let lightAfter = start + 11 <= padded.count && !padded[(start + 7)..<(start + 11)].contains(true)
            if lightBefore { score += 40 }
            if lightAfter { score += 40 }
        }
        return score
    }
}

/// Bits appended most significant first, read back as bytes.
struct QRBitBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ value: Int, count bitCount: Int) {
        for shift in stride(from: bitCount - 1, through: 0, by: -1) {
            if self.count % 8 == 0 { self.bytes.append(0) }
            if (value >> shift) & 1 == 1 { self.bytes[self.bytes.count - 1] |= 0x80 >> UInt8(self.count % 8) }
            self.count += 1
        }
    }
}

/// Remainder of binary polynomial division, for the BCH codes of the format and version information.
enum QRBCH {
    static func remainder(_ value: Int, generator: Int) -> Int {
        let degree = Int.bitWidth - generator.leadingZeroBitCount - 1
        var rest = value
        while rest != 0, Int.bitWidth - rest.leadingZeroBitCount - 1 >= degree {
            let shift = (Int.bitWidth - rest.leadingZeroBitCount - 1) - degree
            rest ^= generator << shift
        }
        return rest
    }
}
