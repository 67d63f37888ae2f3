import Foundation
import Testing

@testable import ExportVault

/// Generated workbooks read back by other software: openpyxl (every cell, its type, the sheet's settings) and
/// LibreOffice (when installed). Skipped cleanly when the tools are absent.
@Suite struct WorkbookRoundTripTests {
    typealias Support = WorkbookTestSupport

    static let header = ["주문번호", "결제일", "구매자명", "구매자 연락처", "수취인 연락처", "우편번호", "배송지주소", "상품명",
                         "수량", "결제금액", "할인율", "회원코드", "메모", "송장번호", "비고"]

    /// Rows that exercise every typing rule; `비고` is a column without an identifier keyword.
    static var rows: [[String]] {
        var rows: [[String]] = [
            ["2026112312345678", "2026-11-23 09:15", "김서연", "010-1234-5678", "01012345678", "06236",
             "서울특별시 강남구 테헤란로 123, 4층", "무선 이어폰 \"프로\"", "1", "39000", "0.15", "007", "문 앞\n보관", "123456789012", "007"],
            ["2026112312345679", "2026-11-23 10:02", "이도윤", "02-555-0101", "01098765432", "48058",
             "부산광역시 해운대구 센텀중앙로 79", "텀블러, 500ml", "2", "25800", "0", "A-1", "", "", "123456789012345"],
            ["2026112312345680", "2026-11-23 11:40", "박지호", "", "010 5555 0101", "03187",
             "", "양말 세트 <10켤레> & 포장", "10", "-1500", "12.5", "0", "tab\there", "", "1234567890123456"],
            ["2026112312345681", "2026-11-23 12:00", "최\u{1}하\u{7}윤", "010-0000-0000", "", "00000",
             "  앞뒤 공백  ", "=SUM(A1:A2)", "3", "1,000", "1e5", "", "\"quoted\"", "", "0.000123"],
        ]
        rows.append(["2026112312345682", "2026-11-23 13:00", "정우진"])  // ragged: shorter than the header
        return rows
    }

    /// What a reader of the workbook should see for a CSV cell: nil (empty), a number, or text.
    enum Expected: Equatable {
        case empty, number(Double), text(String)
    }

    static func expected(_ value: String, column: Int) -> Expected {
        if value.isEmpty { return .empty }
        let isText = column < header.count && XLSXBuilder.isTextColumn(header: header[column])
        if !isText, XLSXBuilder.isPlainNumber(value) { return .number(Double(value)!) }
        // Control characters XML cannot carry are dropped.
        let cleaned = String(String.UnicodeScalarView(value.unicodeScalars.filter {
            $0.value >= 0x20 || $0 == "\t" || $0 == "\n"
        }))
        return .text(cleaned)
    }

    static let readScript = """
        import json, sys, openpyxl
        wb = openpyxl.load_workbook(sys.argv[1])
        ws = wb.active
        def cell(v):
            if v is None: return ["none", ""]
            if isinstance(v, bool): return ["bool", str(v)]
            if isinstance(v, int): return ["int", str(v)]
            if isinstance(v, float): return ["float", repr(v)]
            return ["str", v]
        rows = [[cell(v) for v in r] for r in ws.iter_rows(values_only=True)]
        print(json.dumps({
            "title": ws.title, "sheets": wb.sheetnames, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
            "bold": ws["A1"].font.b, "textFormat": ws["D2"].number_format, "rows": rows,
            "widths": {k: v.width for k, v in ws.column_dimensions.items()},
        }, ensure_ascii=False))
        """

    struct Readback {
        let title: String
        let freeze: String?
        let filter: String?
        let bold: Bool
        let textFormat: String
        let rows: [[(type: String, value: String)]]
    }

    static func readBack(_ url: URL) async throws -> Readback {
        let output = try await Support.python(readScript, [url.path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let rows = try #require(json["rows"] as? [[[String]]]).map { $0.map { (type: $0[0], value: $0[1]) } }
        return Readback(
            title: json["title"] as? String ?? "", freeze: json["freeze"] as? String, filter: json["filter"] as? String,
            bold: json["bold"] as? Bool ?? false, textFormat: json["textFormat"] as? String ?? "", rows: rows)
    }

    /// Every cell of `rows` (header first) equals what openpyxl read.
    static func compare(_ back: Readback, header: [String], rows: [[String]]) {
        #expect(back.rows.count == rows.count + 1)
        #expect(back.rows.first?.map(\.value) == header)
        for (r, row) in rows.enumerated() where r + 1 < back.rows.count {
            let got = back.rows[r + 1]
            for c in 0..<max(row.count, got.count) {
                let value = c < row.count ? row[c] : ""
                let cell = c < got.count ? got[c] : (type: "none", value: "")
                let want = expected(value, column: c)
                switch want {
                case .empty:
                    #expect(cell.type == "none", "row \(r + 2) column \(c + 1)")
                case .number(let number):
                    #expect(cell.type == "int" || cell.type == "float", "row \(r + 2) column \(c + 1): \(cell.type)")
                    #expect(Double(cell.value) == number, "row \(r + 2) column \(c + 1)")
                case .text(let text):
                    #expect(cell.type == "str", "row \(r + 2) column \(c + 1): \(cell.type)")
                    #expect(cell.value == text, "row \(r + 2) column \(c + 1)")
                }
            }
        }
    }

    @Test(.enabled(if: Support.hasOpenpyxl, "python3 with openpyxl is not installed"))
    func openpyxlReadsEveryCellOfACSVExport() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("주문관리.csv")
        try Data([0xEF, 0xBB, 0xBF] + Array(Support.csv([Self.header] + Self.rows).utf8)).write(to: input)
        let output = directory.appendingPathComponent("주문관리.xlsx")
        let summary = try ExportConversion.xlsx(fromCSV: input, sheetName: "주문관리 2026/11/23", to: output)
        #expect(summary.rowCount == Self.rows.count)
        #expect(summary.columnCount == Self.header.count)
        #expect(summary.header == Self.header)
        #expect(summary.encoding == .utf8)

        let back = try await Self.readBack(output)
        #expect(back.title == "주문관리 2026-11-23")
        #expect(back.freeze == "A2")
        #expect(back.filter == "A1:O6")
        #expect(back.bold)
        #expect(back.textFormat == "@")
        Self.compare(back, header: Self.header, rows: Self.rows)
        // Spot checks of the rules the comparison applies.
        let first = back.rows[1]
        #expect(first[0].type == "str" && first[0].value == "2026112312345678")  // order number
        #expect(first[3].value == "010-1234-5678" && first[4].value == "01012345678" && first[5].value == "06236")
        #expect(first[8].type == "int" && first[9].type == "int" && first[9].value == "39000")  // amounts
        #expect(first[11].type == "str" && first[11].value == "007")  // leading zero: text
        #expect(first[14].type == "str" && first[14].value == "007")  // even outside identifier columns
        #expect(first[10].type == "float" && first[10].value == "0.15")
        #expect(back.rows[3][9].type == "int" && back.rows[3][9].value == "-1500")
        #expect(back.rows[4][14].type == "float" && back.rows[4][14].value == "0.000123")
        #expect(back.rows[4][9].type == "str" && back.rows[4][9].value == "1,000")
        #expect(back.rows[4][7].type == "str" && back.rows[4][7].value == "=SUM(A1:A2)")  // text, never a formula
        #expect(back.rows[4][6].value == "  앞뒤 공백  ")
        #expect(back.rows[1][12].value == "문 앞\n보관")
        #expect(first[13].type == "str" && first[13].value == "123456789012")  // 송장번호: text even if numeric
        #expect(back.rows[2][14].type == "int" && back.rows[2][14].value == "123456789012345")  // 15 digits: a number
        #expect(back.rows[3][14].type == "str")  // 16 digits would lose precision: text
        #expect(back.rows[4][2].value == "최하윤")  // control characters dropped
    }

    @Test(.enabled(if: Support.hasOpenpyxl, "python3 with openpyxl is not installed"))
    func openpyxlReadsAnEUCKRExportAndManyRows() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rows: [[String]] = []
        for i in 0..<3000 {
            rows.append(["20261123\(10_000_000 + i)", "고객\(i)", "010-\(1000 + i % 9000)-\(2000 + i % 7000)", String(format: "%05d", i * 7 % 63000),
                         "경기도 성남시 분당구 \(i)번길", "\(i % 9 + 1)", "\(i * 1100)"])
        }
        let header = ["주문번호", "구매자명", "연락처", "우편번호", "주소", "수량", "금액"]
        let legacy = try Support.cp949(Support.csv([header] + rows))
        let output = directory.appendingPathComponent("legacy.xlsx")
        // Fed in uneven chunks, as an upstream body arrives; the width sample is smaller than the export.
        let chunks = Support.chunks(legacy, seed: 7, maxSize: 9000)
        let summary = try ExportConversion.xlsx(from: chunks, source: .delimited(nil), sheetName: "취소관리", to: output,
                                                options: .init(widthSampleRows: 100))
        #expect(summary.encoding == .cp949)
        #expect(summary.rowCount == 3000)
        let back = try await Self.readBack(output)
        #expect(back.title == "취소관리")
        #expect(back.rows.count == 3001)
        #expect(back.rows[0].map(\.value) == header)
        #expect(back.rows[3000].map(\.value) == rows[2999].map { $0 })
        #expect(back.rows[1][3].value == "00000" && back.rows[1][3].type == "str")
        #expect(back.rows[3000][6].type == "int")
    }

    @Test(.enabled(if: Support.hasOpenpyxl, "python3 with openpyxl is not installed"))
    func openpyxlReadsAnHTMLExport() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("html.xlsx")
        var converter = try WorkbookConverter(contentType: "application/vnd.ms-excel; charset=utf-8", fileName: "orders.xls",
                                              sheetName: "반품관리")
        for chunk in Support.chunks(Array(HTMLTableReaderTests.excelExport.utf8), seed: 3, maxSize: 64) {
            try converter.feed(chunk)
        }
        let summary = try converter.finish(to: output)
        #expect(summary.header == HTMLTableReaderTests.expected[0])
        #expect(summary.rowCount == 3)
        let back = try await Self.readBack(output)
        #expect(back.title == "반품관리")
        #expect(back.freeze == "A2")
        #expect(back.rows.map { $0.map(\.value) } == [
            ["주문번호", "구매자명", "구매자 연락처", "배송지\n주소", "결제금액"],
            ["2026112312345678", "김서연", "010-1234-5678", "서울특별시 강남구 테헤란로 123\n4층 & 5층 <본관>", "39000"],
            ["2026112312345679", "이도윤", "01098765432", "부산광역시 해운대구\n센텀중앙로 79", "25,800"],
            ["2026112312345680", "박지호 \"VIP\"", "", "", "0"],
        ])
        #expect(back.rows[1][4].type == "int")
        #expect(back.rows[3][4].type == "int")
    }

    @Test(.enabled(if: Support.soffice != nil, "LibreOffice is not installed"), .timeLimit(.minutes(3)))
    func libreOfficeOpensTheWorkbook() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rows = Self.rows
        rows.append(["2026112312345683", "", "_x0041_ literal", "", "", "", "", "", "", "", "", "", "", "", ""])
        let (data, _) = try ExportConversion.xlsxData(
            from: Array(Support.csv([Self.header] + rows).utf8), source: .delimited(.comma), sheetName: "주문관리")
        let workbook = directory.appendingPathComponent("book.xlsx")
        try data.write(to: workbook)
        let profile = directory.appendingPathComponent("profile")
        let result = try await Support.run(try #require(Support.soffice), [
            "-env:UserInstallation=\(profile.absoluteString)", "--headless", "--norestore",
            "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", directory.path, workbook.path,
        ], environment: ["HOME": directory.path])
        #expect(result.status == 0, "soffice: \(result.errors)")
        let csv = try Data(contentsOf: directory.appendingPathComponent("book.csv"))
        let back = try Support.readDelimited([Array(csv)], encoding: .utf8, delimiter: .comma)
        #expect(back.first == Self.header)
        #expect(back.count == rows.count + 1)
        for (r, row) in rows.enumerated() where r + 1 < back.count {
            for c in 0..<Self.header.count {
                let got = c < back[r + 1].count ? back[r + 1][c] : ""
                switch Self.expected(c < row.count ? row[c] : "", column: c) {
                case .empty: #expect(got == "", "row \(r + 2) column \(c + 1)")
                case .number(let n): #expect(Double(got) == n, "row \(r + 2) column \(c + 1): \(got)")
                case .text(let t): #expect(got == t, "row \(r + 2) column \(c + 1)")
                }
            }
        }
    }
}
