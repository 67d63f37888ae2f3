import Foundation
import Testing
import ZIPFoundation

@testable import ExportVault

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct XLSXBuilderTests {
    typealias Support = WorkbookTestSupport

    @Test func sheetNamesFollowExcelsRules() {
        #expect(XLSXBuilder.sanitizedSheetName("주문관리") == "주문관리")
        #expect(XLSXBuilder.sanitizedSheetName("주문 2026/11/23 [취소]: *전체?*") == "주문 2026-11-23 (취소)- _전체__")
        #expect(XLSXBuilder.sanitizedSheetName("'quoted'") == "quoted")
        #expect(XLSXBuilder.sanitizedSheetName("   ") == "Sheet1")
        #expect(XLSXBuilder.sanitizedSheetName("History") == "History_")
        let long = XLSXBuilder.sanitizedSheetName(String(repeating: "가", count: 40))
        #expect(long.utf16.count == 31)
        // Never cuts a character in half (an emoji is two UTF-16 units).
        let emoji = XLSXBuilder.sanitizedSheetName(String(repeating: "a", count: 30) + "😀")
        #expect(emoji == String(repeating: "a", count: 30))
        #expect(XLSXBuilder.sanitizedSheetName("a\u{0}b\tc") == "abc")
    }

    @Test func whatCountsAsANumber() {
        for yes in ["0", "7", "39000", "-1500", "12.5", "0.5", "-0.25", "123456789012345", "0.000000000000000001", "1.50"] {
            #expect(XLSXBuilder.isPlainNumber(yes), "\(yes)")
        }
        for no in ["", "010", "01012345678", "06236", "010-1234-5678", "2026112312345678", "1234567890123456", "1,000",
                   "1e5", "+5", ".5", "5.", " 5", "5 ", "-", "-0", "-0.0", "1.2.3", "０１", "12a", "0x1F", "NaN", "1234567890.123456"] {
            #expect(!XLSXBuilder.isPlainNumber(no), "\(no)")
        }
    }

    @Test func identifierColumnsByHeader() {
        for header in ["구매자 연락처", "전화번호", "휴대폰", "우편번호", "주문번호", "주문 번호", "송장번호", "환불계좌", "Phone", "ZIP code",
                       "order_no", "Order-ID", "Tracking No.", "상품코드"] {
            #expect(XLSXBuilder.isTextColumn(header: header), "\(header)")
        }
        for header in ["수량", "결제금액", "금액", "구매자명", "Amount", "Quantity"] {
            #expect(!XLSXBuilder.isTextColumn(header: header), "\(header)")
        }
        #expect(XLSXBuilder.isTextColumn(header: "회원등급", keywords: ["등급"]))
        #expect(!XLSXBuilder.isTextColumn(header: "주문번호", keywords: ["등급"]))
    }

    @Test func displayWidthCountsWideCharactersTwice() {
        #expect(XLSXBuilder.displayWidth("abc") == 3)
        #expect(XLSXBuilder.displayWidth("김서연") == 6)
        #expect(XLSXBuilder.displayWidth("ＡＢ1") == 5)
        #expect(XLSXBuilder.displayWidth("서울\nabcdefgh") == 8)
    }

    @Test func escapingKeepsTheXMLValid() {
        func escaped(_ s: String) -> String {
            var out: [UInt8] = []
            var s = s
            s.withUTF8 { XLSXBuilder.appendEscaped($0, to: &out) }
            return String(decoding: out, as: UTF8.self)
        }
        #expect(escaped("a<b>&c") == "a&lt;b&gt;&amp;c")
        #expect(escaped("x\u{1}\u{8}\u{B}\u{1F}y\tz") == "xy\tz")
        #expect(escaped("1\r\n2\r3\n4") == "1\n2\n3\n4")
        #expect(escaped("a\u{FFFE}b\u{FFFF}c\u{FFFD}") == "abc\u{FFFD}")
        #expect(escaped("_x0041_ and _x41_ and _xZZZZ_") == "_x005F_x0041_ and _x41_ and _xZZZZ_")
        #expect(escaped("") == "")
    }

    /// Builds a small workbook and returns its parts.
    static func parts(_ header: [String]?, _ rows: [[String]], sheetName: String = "주문관리",
                      options: XLSXBuilder.Options = .init()) throws -> (parts: [String: String], summary: ConversionSummary) {
        var builder = try XLSXBuilder(sheetName: sheetName, options: options)
        if let header { try builder.setHeader(header) }
        for row in rows { try builder.append(row) }
        let (data, summary) = try builder.finishData()
        let archive = try Archive(data: data, accessMode: .read)
        var parts: [String: String] = [:]
        for entry in archive {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            parts[entry.path] = String(decoding: bytes, as: UTF8.self)
        }
        return (parts, summary)
    }

    @Test func packageHasEveryPartAndEachIsWellFormed() throws {
        let header = ["주문번호", "구매자명", "구매자 연락처", "결제금액", "메모"]
        let rows = [["2026112312345678", "김서연", "010-1234-5678", "39000", "문 앞 <보관> & \"조심\""],
                    ["2026112312345679", "이도윤", "01098765432", "25800.5", "첫 줄\n둘째 줄"]]
        let (parts, summary) = try Self.parts(header, rows)
        for name in ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                     "xl/worksheets/sheet1.xml", "xl/styles.xml", "docProps/core.xml", "docProps/app.xml"] {
            let text = try #require(parts[name], "missing \(name)")
            let parser = XMLParser(data: Data(text.utf8))
            #expect(parser.parse(), "\(name) is not well-formed: \(String(describing: parser.parserError))")
        }
        let sheet = try #require(parts["xl/worksheets/sheet1.xml"])
        let cols = try #require(sheet.range(of: "<cols>"))
        let data = try #require(sheet.range(of: "<sheetData>"))
        #expect(cols.lowerBound < data.lowerBound)
        #expect(sheet.contains("<dimension ref=\"A1:E3\"/>"))
        #expect(sheet.contains("state=\"frozen\""))
        #expect(sheet.contains("<autoFilter ref=\"A1:E3\"/>"))
        #expect(sheet.contains("<ignoredError sqref=\"A1:E3\" numberStoredAsText=\"1\"/>"))
        #expect(sheet.contains("<c r=\"D2\"><v>39000</v></c>"))
        #expect(sheet.contains("<c r=\"D3\"><v>25800.5</v></c>"))
        #expect(sheet.contains("<c r=\"A2\" s=\"2\" t=\"inlineStr\"><is><t>2026112312345678</t></is></c>"))
        #expect(sheet.contains("<c r=\"C3\" s=\"2\" t=\"inlineStr\"><is><t>01098765432</t></is></c>"))
        #expect(sheet.contains("s=\"4\" t=\"inlineStr\"><is><t>첫 줄\n둘째 줄</t>"))
        #expect(sheet.contains("문 앞 &lt;보관&gt; &amp; \"조심\""))
        let workbook = try #require(parts["xl/workbook.xml"])
        #expect(workbook.contains("<sheet name=\"주문관리\""))
        #expect(workbook.contains("'주문관리'!$A$1:$E$3"))
        #expect(summary == ConversionSummary(rowCount: 2, columnCount: 5, header: header, sheetName: "주문관리", encoding: nil))
    }

    @Test func columnWidthsFromTheWidestValueCapped() throws {
        let header = ["이름", "주소", "n"]
        let rows = [["김서연", String(repeating: "가", count: 100), "1"], ["a", "b", "22"]]
        let (parts, _) = try Self.parts(header, rows)
        let sheet = try #require(parts["xl/worksheets/sheet1.xml"])
        // 이름: header 4 + 2 (filter button) = 6 vs 김서연 6 → 7.7; 주소: capped at 60; n: 1 + 2 → 4.7.
        #expect(sheet.contains("<col min=\"1\" max=\"1\" width=\"7.70\" customWidth=\"1\"/>"))
        #expect(sheet.contains("<col min=\"2\" max=\"2\" width=\"60.00\" customWidth=\"1\"/>"))
        #expect(sheet.contains("<col min=\"3\" max=\"3\" width=\"4.70\" customWidth=\"1\"/>"))
    }

    @Test func rowsAfterTheWidthSampleStreamToTheFile() throws {
        var rows: [[String]] = []
        for i in 0..<50 { rows.append(["\(i)", "v\(i)"]) }
        let (parts, summary) = try Self.parts(["n", "v"], rows, options: .init(widthSampleRows: 5))
        let sheet = try #require(parts["xl/worksheets/sheet1.xml"])
        #expect(summary.rowCount == 50)
        #expect(sheet.contains("<row r=\"51\"><c r=\"A51\"><v>49</v></c>"))
        #expect(sheet.contains("<dimension ref=\"A1:B51\"/>"))
    }

    @Test func noHeaderNoPaneNoFilterAndEmptySheets() throws {
        let (parts, summary) = try Self.parts(nil, [["1", "2"]])
        let sheet = try #require(parts["xl/worksheets/sheet1.xml"])
        #expect(!sheet.contains("<pane"))
        #expect(!sheet.contains("autoFilter"))
        #expect(summary.header == [])
        let (emptyParts, emptySummary) = try Self.parts(nil, [])
        #expect(emptyParts["xl/worksheets/sheet1.xml"]?.contains("<sheetData></sheetData>") == true)
        #expect(emptySummary.rowCount == 0)
    }

    @Test func leavesNoTemporaryFileAndWritesOwnerOnly() throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var builder = try XLSXBuilder(sheetName: "s", options: .init(temporaryDirectory: directory))
        try builder.setHeader(["a"])
        try builder.append(["1"])
        // The sheet file is unnamed from the start.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        let output = directory.appendingPathComponent("out.xlsx")
        _ = try builder.finish(to: output)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.xlsx"])
        let permissions = try FileManager.default.attributesOfItem(atPath: output.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }

    @Test func limitsAreTypedErrors() throws {
        let wide = #expect(throws: WorkbookError.self) {
            var builder = try XLSXBuilder(sheetName: "s")
            try builder.append(Array(repeating: "x", count: XLSXBuilder.maxColumns + 1))
        }
        #expect(wide?.code == .tooManyColumns(row: 1, limit: XLSXBuilder.maxColumns))
        let long = #expect(throws: WorkbookError.self) {
            var builder = try XLSXBuilder(sheetName: "s")
            try builder.setHeader(["a", "b"])
            try builder.append(["ok", String(repeating: "x", count: XLSXBuilder.maxCellCharacters + 1)])
        }
        #expect(long?.code == .cellTooLong(row: 2, column: 2, limit: XLSXBuilder.maxCellCharacters))
        #expect(long?.description.contains("column 2 (B)") == true)
        let io = #expect(throws: WorkbookError.self) {
            var builder = try XLSXBuilder(sheetName: "s")
            try builder.append(["1"])
            _ = try builder.finish(to: URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/out.xlsx"))
        }
        guard case .ioFailure = io?.code else {
            Issue.record("expected ioFailure, got \(String(describing: io))")
            return
        }
    }
}
