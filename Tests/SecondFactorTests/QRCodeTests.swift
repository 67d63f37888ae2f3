import Foundation
import GuardTestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import SecondFactor

@Suite("QR code (ISO/IEC 18004)")
struct QRCodeTests {
    static let otpauth =
        "otpauth://totp/pii-guard:seller-a?secret=JBSWY3DPEHPK3PXP&issuer=pii-guard&algorithm=SHA1&digits=6&period=30"
    static let korean = "판매자 계정 2단계 인증: 홍길동 (서울특별시 강남구)"
    static let levels = QRCode.ErrorCorrection.allCases

    /// Printable ASCII of exactly `count` bytes, different per seed.
    static func text(count: Int, seed: Int = 0) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -_.:/?=&%")
        return String((0..<count).map { alphabet[($0 * 7 + seed * 13 + $0 / 5) % alphabet.count] })
    }

    // MARK: 1. Structure

    @Test(arguments: [
        ("A", QRCode.ErrorCorrection.low), (QRCodeTests.otpauth, .medium), (QRCodeTests.korean, .quartile),
        (QRCodeTests.text(count: 400), .high),
    ])
    func functionPatternsSitWhereTheStandardPutsThem(text: String, correction: QRCode.ErrorCorrection) throws {
        let code = try QRCode(text: text, correction: correction)
        let v = code.version
        #expect((1...40).contains(v))
        #expect(code.size == 17 + 4 * v)
        // Finder patterns: dark 7×7 ring, light ring, dark 3×3 centre, then a light separator.
        for (left, top) in [(0, 0), (code.size - 7, 0), (0, code.size - 7)] {
            for dy in -1...7 {
                for dx in -1...7 {
                    let x = left + dx
                    let y = top + dy
                    guard x >= 0, y >= 0, x < code.size, y < code.size else { continue }
                    let inside = (0...6).contains(dx) && (0...6).contains(dy)
                    let expected: Bool
                    if !inside {
                        expected = false  // separator
                    } else {
                        let ring = max(abs(dx - 3), abs(dy - 3))
                        expected = ring != 2
                    }
                    #expect(code.isDark(x: x, y: y) == expected, "finder at (\(left), \(top)), module (\(x), \(y))")
                }
            }
        }
        // Timing patterns alternate, dark on even positions.
        for i in 8...(code.size - 9) {
            #expect(code.isDark(x: i, y: 6) == (i % 2 == 0))
            #expect(code.isDark(x: 6, y: i) == (i % 2 == 0))
        }
        // The dark module.
        #expect(code.isDark(x: 8, y: 4 * v + 9))
        // Outside the symbol is quiet zone.
        #expect(!code.isDark(x: -1, y: 0) && !code.isDark(x: 0, y: code.size))
    }

    @Test func alignmentPatternsAreCompleteAndAtTheAnnexEPositions() throws {
        #expect(QRTables.alignmentCentres(version: 1) == [])
        #expect(QRTables.alignmentCentres(version: 2) == [6, 18])
        #expect(QRTables.alignmentCentres(version: 7) == [6, 22, 38])
        #expect(QRTables.alignmentCentres(version: 15) == [6, 26, 48, 70])
        #expect(QRTables.alignmentCentres(version: 32) == [6, 34, 60, 86, 112, 138])
        #expect(QRTables.alignmentCentres(version: 36) == [6, 24, 50, 76, 102, 128, 154])
        #expect(QRTables.alignmentCentres(version: 40) == [6, 30, 58, 86, 114, 142, 170])
        let code = try QRCode(bytes: Array(Self.text(count: 10).utf8), correction: .low, minimumVersion: 8)
        #expect(code.version == 8)
        let centres = QRTables.alignmentCentres(version: 8)
        for cy in centres {
            for cx in centres where !(cx < 10 && cy < 10) && !(cx > 30 && cy < 10) && !(cx < 10 && cy > 30) {
                for dy in -2...2 {
                    for dx in -2...2 {
                        #expect(code.isDark(x: cx + dx, y: cy + dy) == (max(abs(dx), abs(dy)) != 1))
                    }
                }
            }
        }
    }

    /// Byte-mode capacities from ISO/IEC 18004 Table 7: the exact capacity gives that version, one byte more the next.
    @Test(arguments: [
        (1, QRCode.ErrorCorrection.low, 17), (1, .medium, 14), (1, .quartile, 11), (1, .high, 7),
        (7, .low, 154), (7, .medium, 122), (7, .quartile, 86), (7, .high, 64),
        (10, .low, 271), (10, .medium, 213), (10, .quartile, 151), (10, .high, 119),
        (40, .low, 2953), (40, .medium, 2331), (40, .quartile, 1663), (40, .high, 1273),
    ])
    func versionIsTheSmallestThatFits(version: Int, correction: QRCode.ErrorCorrection, capacity: Int) throws {
        #expect(try QRCode(text: Self.text(count: capacity), correction: correction).version == version)
        if version < 40 {
            #expect(try QRCode(text: Self.text(count: capacity + 1), correction: correction).version == version + 1)
        } else {
            let error = #expect(throws: QRCodeError.self) {
                try QRCode(text: Self.text(count: capacity + 1), correction: correction)
            }
            #expect(error?.maximum == capacity)
            #expect(error?.description.contains("\(capacity)") == true)
        }
    }

    @Test func versionGrowsWithTheText() throws {
        var previous = 0
        for length in [1, 20, 60, 120, 250, 500, 1000, 2000, 2331] {
            let version = try QRCode(text: Self.text(count: length)).version
            #expect(version > previous, "\(length) bytes")
            previous = version
        }
        // UTF-8 bytes count, not characters: 10 Hangul syllables are 30 bytes, past version 1-M's 14.
        #expect(try QRCode(text: String(repeating: "한", count: 10)).version == 3)
        #expect(throws: QRCodeError.self) { try QRCode(text: Self.text(count: 3000), correction: .low) }
    }

    /// The derived codeword count equals the modules the matrix leaves free, and matches Table 1 where quoted.
    @Test func codewordCountsMatchTheFreeModules() {
        for version in 1...40 {
            let matrix = QRMatrix(version: version)
            let free = matrix.isFunction.filter { !$0 }.count
            #expect(QRTables.totalCodewords(version: version) == free / 8, "version \(version)")
            #expect(free % 8 == [0, 0, 7, 7, 7, 7, 7, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4,
                                 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0][version], "remainder bits, version \(version)")
        }
        #expect([1, 2, 7, 10, 20, 40].map { QRTables.totalCodewords(version: $0) } == [26, 44, 196, 346, 1085, 3706])
        // Table 9 spot checks: 5-Q is 2×(33,15) + 2×(34,16); 40-H is 20×(151,121)... as data codewords totals.
        let blocks = QRCode.blocks(for: Array(repeating: 0, count: 62), version: 5, correction: .quartile)
        #expect(blocks.map(\.data.count) == [15, 15, 16, 16] && blocks.allSatisfy { $0.ec.count == 18 })
        #expect(QRCode.dataCodewords(version: 40, correction: .high) == 1276)
        #expect(QRCode.dataCodewords(version: 40, correction: .low) == 2956)
    }

    // MARK: 2. Format and version information

    /// Remainder of binary polynomial division, written independently of the encoder's.
    static func gf2Remainder(_ value: Int, _ generator: Int, generatorDegree: Int, bits: Int) -> Int {
        var rest = value
        for bit in stride(from: bits - 1, through: generatorDegree, by: -1) where (rest >> bit) & 1 == 1 {
            rest ^= generator << (bit - generatorDegree)
        }
        return rest
    }

    /// Reads the two copies of the format information as Figure 25 lays them out, most significant bit first.
    static func readFormat(_ code: QRCode) -> (Int, Int) {
        let n = code.size
        // Copy 1: row 8 columns 0–5, (7,8), (8,8), (8,7), then column 8 rows 5–0.
        var cells1: [(Int, Int)] = (0...5).map { ($0, 8) }
        cells1 += [(7, 8), (8, 8), (8, 7)]
        cells1 += (0...5).reversed().map { (8, $0) }
        // Copy 2: column 8 rows n-1 … n-7, then row 8 columns n-8 … n-1.
        var cells2: [(Int, Int)] = (0...6).map { (8, n - 1 - $0) }
        cells2 += (0...7).map { (n - 8 + $0, 8) }
        func read(_ cells: [(Int, Int)]) -> Int {
            cells.reduce(0) { $0 << 1 | (code.isDark(x: $1.0, y: $1.1) ? 1 : 0) }
        }
        return (read(cells1), read(cells2))
    }

    @Test func formatInformationReadsBackAsTheLevelAndMask() throws {
        let levelBits: [QRCode.ErrorCorrection: Int] = [.low: 1, .medium: 0, .quartile: 3, .high: 2]
        for correction in Self.levels {
            for text in ["A", Self.otpauth, Self.korean] {
                for forcedMask in [nil] + (0..<8).map(Optional.some) {
                    let code = try QRCode(bytes: Array(text.utf8), correction: correction, mask: forcedMask)
                    let (first, second) = Self.readFormat(code)
                    #expect(first == second)
                    let unmasked = first ^ 0x5412
                    #expect(Self.gf2Remainder(unmasked, 0x537, generatorDegree: 10, bits: 15) == 0)
                    #expect(unmasked >> 13 == levelBits[correction])
                    #expect((unmasked >> 10) & 7 == code.mask)
                    if let forcedMask { #expect(code.mask == forcedMask) }
                }
            }
        }
        // Annex C: level M, mask 0 has all-zero data, so the pattern is the mask itself; L/mask 0 is 0x77C4.
        #expect(QRCode.formatInformation(correction: .medium, mask: 0) == 0x5412)
        #expect(QRCode.formatInformation(correction: .low, mask: 0) == 0x77C4)
    }

    @Test func versionInformationReadsBackForVersionsSevenAndUp() throws {
        #expect(QRCode.versionInformation(version: 7) == 0x07C94)  // Annex D
        #expect(QRCode.versionInformation(version: 40) == 0x28C69)
        for version in [7, 8, 13, 21, 32, 40] {
            let code = try QRCode(bytes: [0x41], correction: .medium, minimumVersion: version)
            #expect(code.version == version)
            let n = code.size
            var bottomLeft = 0
            var topRight = 0
            for i in (0..<18).reversed() {
                bottomLeft = bottomLeft << 1 | (code.isDark(x: i / 3, y: n - 11 + i % 3) ? 1 : 0)
                topRight = topRight << 1 | (code.isDark(x: n - 11 + i % 3, y: i / 3) ? 1 : 0)
            }
            #expect(bottomLeft == topRight)
            #expect(bottomLeft >> 12 == version)
            #expect(Self.gf2Remainder(bottomLeft, 0x1F25, generatorDegree: 12, bits: 18) == 0)
        }
    }

    // MARK: Mask choice

    @Test func penaltyRulesScoreAsTheStandardSays() {
        let l = false
        let d = true
        // N1: 3 for five in a row, one more per extra module; shorter runs score nothing.
        #expect(QRMatrix.runPenalty([d, d, d, d, d, l, d, l, l, l, l, l, l, l]) == 3 + 5)
        #expect(QRMatrix.runPenalty([d, d, d, d, l, l, l, l, d]) == 0)
        // N3: 1:1:3:1:1 with four light modules on a side, 40 per side; the quiet zone counts as light.
        #expect(QRMatrix.finderLikePenalty([d, l, d, d, d, l, d, l, l, l, l, d]) == 80)
        #expect(QRMatrix.finderLikePenalty([d, d, l, d, d, d, l, d, l, d, l, l, l]) == 0)
        #expect(QRMatrix.finderLikePenalty([l, l, l, l, d, l, d, d, d, l, d, d]) == 40)
    }

    @Test(arguments: ["A", QRCodeTests.otpauth, QRCodeTests.korean, QRCodeTests.text(count: 500)])
    func theChosenMaskHasTheLowestPenalty(text: String) throws {
        let code = try QRCode(text: text)
        let codewords = QRCode.codewords(for: Array(text.utf8), version: code.version, correction: code.correction)
        var penalties: [Int] = []
        for mask in 0..<8 {
            var matrix = QRMatrix(version: code.version)
            matrix.placeData(codewords)
            matrix.applyMask(mask)
            matrix.drawFormat(QRCode.formatInformation(correction: code.correction, mask: mask))
            penalties.append(matrix.penalty())
            if mask == code.mask {
                #expect((0..<code.size).allSatisfy { y in
                    (0..<code.size).allSatisfy { x in matrix.dark[y * code.size + x] == code.isDark(x: x, y: y) }
                })
            }
        }
        #expect(penalties[code.mask] == penalties.min())
        #expect(penalties.firstIndex(of: penalties.min()!) == code.mask)
    }

    // MARK: 3. Reed–Solomon

    /// GF(256) multiplication by shift and add, reducing by 0x11D: no tables shared with the encoder.
    static func gfMultiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = Int(a)
        var b = Int(b)
        var product = 0
        while b != 0 {
            if b & 1 == 1 { product ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11D }
            b >>= 1
        }
        return UInt8(product)
    }

    /// The codeword polynomial (first codeword the highest power) evaluated at `x`, by Horner's rule.
    static func evaluate(_ codewords: [UInt8], at x: UInt8) -> UInt8 {
        codewords.reduce(0) { Self.gfMultiply($0, x) ^ $1 }
    }

    static func alphaPower(_ i: Int) -> UInt8 {
        (0..<i).reduce(UInt8(1)) { value, _ in Self.gfMultiply(value, 2) }
    }

    @Test func reedSolomonMatchesTheStandardsExample() {
        // ISO/IEC 18004 Annex I: "01234567" at 1-M (numeric mode), 16 data codewords and their 10 EC codewords.
        let data: [UInt8] = [
            0b0001_0000, 0b0010_0000, 0b0000_1100, 0b0101_0110, 0b0110_0001, 0b1000_0000, 0b1110_1100, 0b0001_0001,
            0b1110_1100, 0b0001_0001, 0b1110_1100, 0b0001_0001, 0b1110_1100, 0b0001_0001, 0b1110_1100, 0b0001_0001,
        ]
        let expected: [UInt8] = [
            0b1010_0101, 0b0010_0100, 0b1101_0100, 0b1100_0001, 0b1110_1101, 0b0011_0110, 0b1100_0111, 0b1000_0111,
            0b0010_1100, 0b0101_0101,
        ]
        #expect(QRReedSolomon.errorCorrection(for: data, count: 10) == expected)
    }

    @Test(arguments: [7, 10, 13, 17, 18, 22, 26, 28, 30])
    func codewordPolynomialVanishesAtTheGeneratorsRoots(ecCount: Int) {
        var generator = SystemRandomNumberGenerator()
        for length in [1, 15, 46, 122] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let codeword = data + QRReedSolomon.errorCorrection(for: data, count: ecCount)
            for i in 0..<ecCount {
                #expect(Self.evaluate(codeword, at: Self.alphaPower(i)) == 0, "root α^\(i), \(length) data bytes")
            }
            // And it is not trivially zero elsewhere.
            #expect(codeword.count == length + ecCount)
        }
    }

    @Test func everyBlockOfARealSymbolIsACodeword() {
        for (version, correction) in [(5, QRCode.ErrorCorrection.quartile), (10, .high), (27, .medium), (40, .low)] {
            let bytes = Array(Self.text(count: QRCode.byteCapacity(version: version, correction: correction)).utf8)
            let data = QRCode.dataCodewords(for: bytes, version: version, correction: correction)
            let blocks = QRCode.blocks(for: data, version: version, correction: correction)
            #expect(blocks.count == QRTables.blockCount[correction.tableIndex][version])
            #expect(blocks.flatMap(\.data) == data)
            for block in blocks {
                for i in 0..<block.ec.count {
                    #expect(Self.evaluate(block.data + block.ec, at: Self.alphaPower(i)) == 0)
                }
            }
            // Interleaving keeps every codeword.
            let all = QRCode.codewords(for: bytes, version: version, correction: correction)
            #expect(all.count == QRTables.totalCodewords(version: version))
        }
        // Data codewords: mode 0100, count, bytes, terminator, then 0xEC 0x11 padding.
        #expect(QRCode.dataCodewords(for: [0x41], version: 1, correction: .high)
            == [0x40, 0x14, 0x10, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11])
    }

    // MARK: 4. Decoding with an independent decoder (zxing-cpp)

    @Test(.enabled(if: ZXing.available, "python3 with the zxingcpp and PIL modules is not installed"))
    func zxingDecodesWhatWeEncode() throws {
        var cases: [(String, QRCode)] = []
        func add(_ text: String, _ correction: QRCode.ErrorCorrection) throws {
            cases.append((text, try QRCode(text: text, correction: correction)))
        }
        try add("A", .medium)
        try add("pii-guard", .high)
        for correction in Self.levels { try add(Self.otpauth, correction) }
        try add(Self.korean, .medium)
        try add(Self.korean, .high)
        let long = Self.text(count: 300, seed: 3)
        try add(long, .medium)
        #expect(cases.last!.1.version >= 10)
        // Every version at every level, filled to capacity so the version is forced: checks the block tables.
        for version in 1...40 {
            for correction in Self.levels {
                let capacity = QRCode.byteCapacity(version: version, correction: correction)
                let text = Self.text(count: capacity, seed: version + capacity)
                let code = try QRCode(text: text, correction: correction)
                #expect(code.version == version)
                cases.append((text, code))
            }
        }
        // Every mask pattern.
        for mask in 0..<8 {
            cases.append((Self.otpauth, try QRCode(bytes: Array(Self.otpauth.utf8), correction: .medium, mask: mask)))
        }

        let decoded = try ZXing.decode(cases.map(\.1))
        #expect(decoded.count == cases.count)
        for ((text, code), results) in zip(cases, decoded) {
            let what = "version \(code.version) \(code.correction) mask \(code.mask), \(text.utf8.count) bytes"
            #expect(results.count == 1, "\(what): \(results.map { "\($0.format) \($0.text.prefix(20))" })")
            guard let result = results.first else { continue }
            #expect(result.bytes == Array(text.utf8), "\(what)")
            #expect(result.text == text, "\(what)")
        }
    }

    /// The decoder is not a rubber stamp: a version 1-L symbol with 48 data modules inverted (more than its 2
    /// correctable codewords) does not decode to the text.
    @Test(.enabled(if: ZXing.available, "python3 with the zxingcpp and PIL modules is not installed"))
    func zxingRejectsADamagedSymbol() throws {
        let text = "damaged-symbol-16"
        let code = try QRCode(text: text, correction: .low)
        #expect(code.version == 1)
        let damaged = (0..<code.size).map { y in
            String((0..<code.size).map { x in
                code.isDark(x: x, y: y) != ((9...20).contains(x) && (9...12).contains(y)) ? "1" : "0"
            })
        }
        let results = try ZXing.decode(rows: [ZXing.rows(of: code), damaged])
        #expect(results[0].map(\.text) == [text])
        #expect(!results[1].contains { $0.text == text })
    }

    // MARK: 5. SVG

    @Test func svgIsWellFormedDrawsTheModulesAndEscapesTheLabel() throws {
        let code = try QRCode(text: Self.otpauth)
        let label = "QR for <seller-a> & \"pii-guard\" 'TOTP' 판매자"
        let svg = code.svg(moduleSize: 5, label: label)
        #expect(svg.hasPrefix("<svg "))
        #expect(!svg.contains("<seller-a>"))

        let collector = SVGCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.elements.map(\.name) == ["svg", "rect", "path"])
        let root = collector.elements[0].attributes
        let side = code.size + 8
        #expect(root["aria-label"] == label)
        #expect(root["role"] == "img")
        #expect(root["shape-rendering"] == "crispEdges")
        #expect(root["viewBox"] == "0 0 \(side) \(side)")
        #expect(root["width"] == "\(side * 5)" && root["height"] == "\(side * 5)")
        #expect(root["xmlns"] == "http://www.w3.org/2000/svg" || collector.namespaceURI == "http://www.w3.org/2000/svg")

        // The path's runs, offset by the quiet zone, paint exactly the dark modules.
        let d = try #require(collector.elements[2].attributes["d"])
        var painted = Set<Int>()
        let scanner = Scanner(string: d)
        scanner.charactersToBeSkipped = nil
        while !scanner.isAtEnd {
            #expect(scanner.scanString("M") != nil)
            let x = try #require(scanner.scanInt())
            _ = scanner.scanString(" ")
            let y = try #require(scanner.scanInt())
            #expect(scanner.scanString("h") != nil)
            let run = try #require(scanner.scanInt())
            #expect(scanner.scanString("v1h-") != nil)
            #expect(scanner.scanInt() == run)
            #expect(scanner.scanString("z") != nil)
            for dx in 0..<run { painted.insert((y - 4) * code.size + (x - 4 + dx)) }
        }
        var expected = Set<Int>()
        for y in 0..<code.size {
            for x in 0..<code.size where code.isDark(x: x, y: y) { expected.insert(y * code.size + x) }
        }
        #expect(painted == expected)

        // Control characters XML cannot carry are dropped, not emitted.
        let odd = code.svg(label: "a\u{1}b")
        let oddCollector = SVGCollector()
        let oddParser = XMLParser(data: Data(odd.utf8))
        oddParser.delegate = oddCollector
        #expect(oddParser.parse())
        #expect(oddCollector.elements.first?.attributes["aria-label"] == "ab")
    }
}

final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var namespaceURI: String?

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        self.elements.append((elementName, attributeDict))
        if self.namespaceURI == nil { self.namespaceURI = namespaceURI }
    }
}

/// zxing-cpp through python3, when both are installed (`pip install zxing-cpp pillow`).
enum ZXing {
    static let available = Python.has("zxingcpp", "PIL")

    static let script = """
        import sys, json, zxingcpp
        from PIL import Image
        out = []
        for rows in json.load(sys.stdin):
            n, quiet, scale = len(rows), 4, 4
            image = Image.new("L", (n + 2 * quiet, n + 2 * quiet), 255)
            pixels = image.load()
            for y, row in enumerate(rows):
                for x, c in enumerate(row):
                    if c == "1":
                        pixels[x + quiet, y + quiet] = 0
            image = image.resize(((n + 2 * quiet) * scale,) * 2, Image.NEAREST)
            # Only QR codes: runs of modules in a big symbol's data region can pass for a 1D barcode (EAN-13).
            results = [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
            out.append([{"text": r.text, "bytes": list(r.bytes), "format": str(r.format)} for r in results])
        json.dump(out, sys.stdout)
        """

    struct Result: Decodable {
        let text: String
        let bytes: [UInt8]
        let format: String
    }

    /// The symbol as rows of "0" (light) and "1" (dark).
    static func rows(of code: QRCode) -> [String] {
        (0..<code.size).map { y in String((0..<code.size).map { x in code.isDark(x: x, y: y) ? "1" : "0" }) }
    }

    static func decode(_ codes: [QRCode]) throws -> [[Result]] {
        try self.decode(rows: codes.map(self.rows(of:)))
    }

    /// Each symbol rendered at 4 pixels per module with a 4-module quiet zone, and what zxing-cpp reads from it.
    static func decode(rows: [[String]]) throws -> [[Result]] {
        let (status, output, errors) = try Python.run(["-c", script], input: try JSONEncoder().encode(rows))
        guard status == 0 else {
            throw DecodeFailure(message: String(decoding: errors, as: UTF8.self))
        }
        return try JSONDecoder().decode([[Result]].self, from: output)
    }

    struct DecodeFailure: Error { let message: String }
}
