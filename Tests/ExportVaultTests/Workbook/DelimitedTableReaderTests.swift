import Foundation
import Testing

@testable import ExportVault

@Suite struct DelimitedTableReaderTests {
    typealias Support = WorkbookTestSupport

    static let orders: [[String]] = [
        ["주문번호", "구매자명", "구매자 연락처", "우편번호", "배송지주소", "상품명", "수량", "결제금액"],
        ["2026112312345678", "김서연", "010-1234-5678", "06236", "서울특별시 강남구 테헤란로 123, 4층", "무선 이어폰 \"프로\"", "1", "39000"],
        ["2026112312345679", "이도윤", "01098765432", "48058", "부산광역시 해운대구 센텀중앙로 79\n101동 1203호", "텀블러, 500ml", "2", "25800"],
        ["2026112312345680", "박지호", "010 5555 0101", "03187", "", "양말 세트", "10", "12.5"],
    ]

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func readsUTF8WithAndWithoutByteOrderMark() throws {
        let text = Support.csv(Self.orders)
        let plain = try Support.readDelimited([Self.bytes(text)])
        #expect(plain == Self.orders)
        let withBOM = try Support.readDelimited([[0xEF, 0xBB, 0xBF] + Self.bytes(text)])
        #expect(withBOM == Self.orders)
        #expect(withBOM[0][0] == "주문번호")  // no U+FEFF glued to the first header

        var reader = DelimitedTableReader()
        _ = try reader.feed([0xEF, 0xBB, 0xBF] + Self.bytes(text))
        _ = try reader.finish()
        #expect(reader.encoding == .utf8)
        #expect(reader.delimiter == .comma)

        // A byte order mark wins over a stale declared charset.
        #expect(try Support.readDelimited([[0xEF, 0xBB, 0xBF] + Self.bytes(text)], encoding: .cp949) == Self.orders)
        // Bytes that only start like a byte order mark are data.
        #expect(try Support.readDelimited([[0xEF, 0xBB] + Self.bytes("\n")], encoding: .cp949).isEmpty == false)
    }

    @Test func readsEUCKRDeclaredAndSniffed() throws {
        let text = Support.csv(Self.orders)
        let legacy = try Support.cp949(text)
        #expect(legacy != Self.bytes(text))
        #expect(try Support.readDelimited([legacy], encoding: .cp949) == Self.orders)

        var reader = DelimitedTableReader()
        var rows = try reader.feed(legacy)
        rows += try reader.finish()
        #expect(rows == Self.orders)
        #expect(reader.encoding == .cp949)

        // Declared through the Content-Type, with the label Windows servers use.
        var declared = DelimitedTableReader(contentType: "text/csv; charset=ks_c_5601-1987")
        #expect(declared.encoding == .cp949)
        rows = try declared.feed(legacy)
        rows += try declared.finish()
        #expect(rows == Self.orders)

        // CP949-only syllables (outside EUC-KR's 2,350) decode too.
        let extended = try Support.cp949("똠방각하,햏\r\n")
        #expect(try Support.readDelimited([extended]) == [["똠방각하", "햏"]])
    }

    @Test func sniffsLegacyBytesAfterALongASCIIPrefix() throws {
        // 3,000 ASCII rows first: the decision waits for the first non-ASCII bytes.
        var rows: [[String]] = [["id", "name"]]
        for i in 0..<3000 { rows.append(["\(i)", "user\(i)"]) }
        rows.append(["3000", "홍길동"])
        let legacy = try Support.cp949(Support.csv(rows))
        for seed in 1...3 {
            #expect(try Support.readDelimited(Support.chunks(legacy, seed: UInt64(seed), maxSize: 700)) == rows)
        }
    }

    @Test func quotedCellsHoldDelimitersLineBreaksAndQuotes() throws {
        let text = "a,b,c\r\n\"1,5\",\"line one\r\nline two\",\"she said \"\"hi\"\"\"\r\n\"\",x,\"\"\"\"\r\n"
        let rows = try Support.readDelimited([Self.bytes(text)])
        #expect(rows == [["a", "b", "c"], ["1,5", "line one\r\nline two", "she said \"hi\""], ["", "x", "\""]])
    }

    @Test func crlfLfAndLoneCRAllEndRows() throws {
        let expected = [["a", "b"], ["1", "2"], ["3", "4"]]
        #expect(try Support.readDelimited([Self.bytes("a,b\r\n1,2\r\n3,4\r\n")]) == expected)
        #expect(try Support.readDelimited([Self.bytes("a,b\n1,2\n3,4\n")]) == expected)
        #expect(try Support.readDelimited([Self.bytes("a,b\r1,2\r3,4")]) == expected)
        // No final line break; blank lines skipped.
        #expect(try Support.readDelimited([Self.bytes("a,b\n\n1,2\r\n\r\n3,4")]) == expected)
    }

    @Test func tabSeparatedByContentTypeAndBySniffing() throws {
        let text = "주문번호\t상품명\t금액\n2026112312345678\t텀블러, 500ml\t25800\n"
        let expected = [["주문번호", "상품명", "금액"], ["2026112312345678", "텀블러, 500ml", "25800"]]
        var reader = DelimitedTableReader(contentType: "text/tab-separated-values; charset=utf-8")
        #expect(reader.delimiter == .tab)
        var rows = try reader.feed(Self.bytes(text))
        rows += try reader.finish()
        #expect(rows == expected)
        // Sniffed: more tabs than commas in the first row.
        var sniffing = DelimitedTableReader()
        rows = try sniffing.feed(Self.bytes(text))
        rows += try sniffing.finish()
        #expect(rows == expected)
        #expect(sniffing.delimiter == .tab)
        // Semicolons (European Excel).
        #expect(try Support.readDelimited([Self.bytes("a;b;c\n1,5;2;3\n")]) == [["a", "b", "c"], ["1,5", "2", "3"]])
        // A single column: comma by default.
        #expect(try Support.readDelimited([Self.bytes("name\nkim\n")]) == [["name"], ["kim"]])
    }

    @Test func raggedRowsAreKeptAsTheyAre() throws {
        let rows = try Support.readDelimited([Self.bytes("a,b,c\n1\n1,2,3,4,5\n,,\n")])
        #expect(rows == [["a", "b", "c"], ["1"], ["1", "2", "3", "4", "5"], ["", "", ""]])
    }

    @Test func lenientAboutQuotesInsideTheInput() throws {
        // A stray quote in an unquoted cell is kept; text after a closing quote is appended (as Excel reads it).
        let rows = try Support.readDelimited([Self.bytes("a,b\n5\" pipe,\"ab\"cd\n")])
        #expect(rows == [["a", "b"], ["5\" pipe", "abcd"]])
    }

    @Test func sameRowsWhateverTheChunking() throws {
        var rows = Self.orders
        for i in 0..<200 {
            rows.append(["20261123\(10_000_000 + i)", "고객\(i)", "010-\(1000 + i)-\(2000 + i)", "0\(6000 + i)",
                         "주소 \(i), \"동\"\n\(i)호", "상품 \(i)", "\(i % 7)", "\(i * 1300)"])
        }
        let text = Support.csv(rows)
        let utf8 = [0xEF, 0xBB, 0xBF] + Self.bytes(text)
        let legacy = try Support.cp949(text)
        let whole = try Support.readDelimited([utf8])
        #expect(whole == rows)
        #expect(try Support.readDelimited(utf8.map { [$0] }) == rows)  // one byte at a time
        #expect(try Support.readDelimited(legacy.map { [$0] }) == rows)
        for seed in 1...20 {
            #expect(try Support.readDelimited(Support.chunks(utf8, seed: UInt64(seed), maxSize: 97)) == rows)
            #expect(try Support.readDelimited(Support.chunks(legacy, seed: UInt64(seed), maxSize: 4000)) == rows)
        }
        // TSV too, with LF only.
        let tsv = Self.bytes(rows.map { $0.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\t") }.joined(separator: "\n"))
        let tsvRows = try Support.readDelimited([tsv])
        for seed in 21...25 {
            #expect(try Support.readDelimited(Support.chunks(tsv, seed: UInt64(seed), maxSize: 13)) == tsvRows)
        }
    }

    @Test func unterminatedQuoteNamesItsRowAndLine() throws {
        // Row 3 starts on line 4 (row 2 spans two lines); its second cell opens a quote that never closes.
        let text = "a,b\n\"x\ny\",1\nz,\"never closed\nmore\n"
        for chunks in [[Self.bytes(text)], Self.bytes(text).map { [$0] }] {
            let error = #expect(throws: WorkbookError.self) { try Support.readDelimited(chunks) }
            #expect(error?.code == .unterminatedQuote(row: 3, line: 4))
            #expect(error?.description.contains("row 3") == true)
            #expect(error?.description.contains("never closed") == false)  // no cell contents in messages
        }
    }

    @Test func invalidBytesNameTheRow() throws {
        // Declared UTF-8, but row 3 holds a lone 0xFF.
        let bytes = Self.bytes("a,b\n1,2\n3,") + [0xFF] + Self.bytes("x\n4,5\n")
        let error = #expect(throws: WorkbookError.self) { try Support.readDelimited([bytes], encoding: .utf8) }
        #expect(error?.code == .invalidEncoding(row: 3, line: 3, encoding: .utf8))
        // Byte by byte: the same row.
        let again = #expect(throws: WorkbookError.self) { try Support.readDelimited(bytes.map { [$0] }, encoding: .utf8) }
        #expect(again?.code == .invalidEncoding(row: 3, line: 3, encoding: .utf8))
        // The error sticks: later chunks cannot quietly produce rows after the bad ones.
        var reader = DelimitedTableReader(encoding: .utf8)
        #expect(throws: WorkbookError(.invalidEncoding(row: 3, line: 3, encoding: .utf8))) { _ = try reader.feed(bytes) }
        #expect(throws: WorkbookError(.invalidEncoding(row: 3, line: 3, encoding: .utf8))) { _ = try reader.feed(Self.bytes("6,7\n")) }
        #expect(throws: WorkbookError(.invalidEncoding(row: 3, line: 3, encoding: .utf8))) { _ = try reader.finish() }
        // CP949: a lead byte followed by a byte that cannot trail it.
        let legacy = try Support.cp949("가,나\n") + [0xB0, 0x0A]
        let cp949Error = #expect(throws: WorkbookError.self) { try Support.readDelimited([legacy], encoding: .cp949) }
        #expect(cp949Error?.code == .invalidEncoding(row: 2, line: 2, encoding: .cp949))
        // Input cut inside a character.
        let cut = #expect(throws: WorkbookError.self) { try Support.readDelimited([Self.bytes("a\n가")].map { Array($0.dropLast()) }, encoding: .utf8) }
        #expect(cut?.code == .invalidEncoding(row: 2, line: 2, encoding: .utf8))
    }

    @Test func refusesCellsLongerThanAWorksheetHolds() throws {
        let long = "\"" + String(repeating: "가", count: 50_000) + "\n"
        let error = #expect(throws: WorkbookError.self) { try Support.readDelimited([Self.bytes("a,b\n1," + long)]) }
        #expect(error?.code == .cellTooLong(row: 2, column: 2, limit: 32_767))
    }

    @Test func contentTypeParsing() {
        #expect(TableTextEncoding.declared(inContentType: "text/csv; charset=\"EUC-KR\"") == .cp949)
        #expect(TableTextEncoding.declared(inContentType: "text/csv;charset=utf-8") == .utf8)
        #expect(TableTextEncoding.declared(inContentType: "text/csv") == nil)
        #expect(TableTextEncoding.declared(inContentType: "text/csv; charset=iso-8859-1") == nil)
        #expect(DelimitedTableReader.Delimiter.declared(inContentType: "Text/Tab-Separated-Values") == .tab)
        #expect(DelimitedTableReader.Delimiter.declared(inContentType: "text/csv") == nil)
    }
}
