/// Per-version constants of ISO/IEC 18004 (Table 9 for the error correction blocks, Annex E for the alignment
/// patterns). Only the counts the standard fixes are tabled; the rest (codewords per version, block sizes) is
/// derived from the symbol's geometry.
enum QRTables {
    /// Error correction codewords in each block, indexed `[level][version]` with levels L, M, Q, H and a dummy
    /// at version 0 so the version is the index.
    static let ecCodewordsPerBlock: [[Int]] = [
        // L
        [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
         28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        // M
        [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
         26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        // Q
        [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
         28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        // H
        [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
         30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    /// Error correction blocks per symbol, indexed `[level][version]` like `ecCodewordsPerBlock`.
    static let blockCount: [[Int]] = [
        // L
        [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
         8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        // M
        [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        // Q
        [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
         23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        // H
        [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
         25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]

    /// Row/column centres of the alignment patterns (Annex E). The centres run from 6 to `size - 7` with an even,
    /// equal step between all but the first two; version 32 is the one whose step is not the rounded-up even
    /// division.
    static func alignmentCentres(version: Int) -> [Int] {
        guard version >= 2 else { return [] }
        let count = version / 7 + 2
        let size = 17 + 4 * version
        let step: Int
        if version == 32 {
            step = 26
        } else {
            let span = size - 13
            let intervals = 2 * (count - 1)
            step = 2 * ((span + intervals - 1) / intervals)
        }
        var centres = [6]
        for i in stride(from: count - 2, through: 0, by: -1) {
            centres.append(size - 7 - i * step)
        }
        return centres
    }

    /// Codewords (8-bit) in the data region: every module not taken by a function pattern, format or version
    /// information, divided by 8 (the 0–7 left over are remainder bits).
    static func totalCodewords(version: Int) -> Int {
        let size = 17 + 4 * version
        var modules = size * size
        modules -= 3 * 64  // finders with their separators
        modules -= 2 * (size - 16)  // timing patterns between the separators
        modules -= 2 * 15 + 1  // two copies of the format information, and the dark module
        if version >= 2 {
            let n = version / 7 + 2
            // n*n alignment patterns less the three under the finders; those on row or column 6 share 5
            // modules with a timing pattern that was already counted.
            modules -= 25 * (n * n - 3) - 5 * 2 * (n - 2)
        }
        if version >= 7 { modules -= 2 * 18 }
        return modules / 8
    }
}

/// Arithmetic in GF(256) with the QR code's field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), α = 2.
enum QRGaloisField {
    /// `exp[i]` = α^i for i in 0..<510, so a sum of two logarithms needs no reduction.
    static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for i in 0..<510 {
            table[i] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    /// `log[x]` for x in 1...255; `log[0]` is unused.
    static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for i in 0..<255 { table[Int(exp[i])] = i }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[log[Int(a)] + log[Int(b)]]
    }
}

/// Reed–Solomon error correction codewords as ISO/IEC 18004 §7.5.2 defines them: the remainder of the data
/// polynomial times x^n divided by the generator (x − α^0)(x − α^1)…(x − α^(n−1)).
enum QRReedSolomon {
    /// Generator polynomial coefficients, highest degree first; the leading coefficient is 1.
    static func generator(degree: Int) -> [UInt8] {
        var polynomial: [UInt8] = [1]
        for i in 0..<degree {
            let root = QRGaloisField.exp[i]
            // (p · x) + (α^i · p): subtraction and addition are both XOR.
            var next = polynomial + [0]
            for (j, coefficient) in polynomial.enumerated() {
                next[j + 1] ^= QRGaloisField.multiply(coefficient, root)
            }
            polynomial = next
        }
        return polynomial
    }

    /// The `count` error correction codewords for `data`.
    static func errorCorrection(for data: [UInt8], count: Int) -> [UInt8] {
        let generator = generator(degree: count)
        var remainder = [UInt8](repeating: 0, count: count)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            for j in 0..<count {
                remainder[j] ^= QRGaloisField.multiply(generator[j + 1], factor)
            }
        }
        return remainder
    }
}
