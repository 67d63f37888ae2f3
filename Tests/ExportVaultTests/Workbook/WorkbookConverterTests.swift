import Foundation
import Testing
import ZIPFoundation

@testable import ExportVault

@Suite struct WorkbookConverterTests {
    typealias Support = WorkbookTestSupport

    @Test func formatFromContentTypeOrFileName() {
        typealias Source = WorkbookConverter.Source
        #expect(Source(contentType: "text/csv; charset=euc-kr") == .delimited(nil))
        #expect(Source(contentType: "text/tab-separated-values") == .delimited(.tab))
        #expect(Source(contentType: "application/vnd.ms-excel") == .html)
        #expect(Source(contentType: "TEXT/HTML; charset=UTF-8") == .html)
        #expect(Source(contentType: "application/octet-stream", fileName: "주문관리_20261123.csv") == .delimited(nil))
        #expect(Source(contentType: "application/octet-stream", fileName: "orders.XLS") == .html)
        #expect(Source(contentType: nil, fileName: "orders.tsv") == .delimited(.tab))
        #expect(Source(contentType: "application/json") == nil)
    }

    @Test func refusesWhatIsNotATableExport() {
        let error = #expect(throws: WorkbookError.self) {
            _ = try WorkbookConverter(contentType: "application/json", sheetName: "x")
        }
        guard case .unsupportedFormat = error?.code else {
            Issue.record("expected unsupportedFormat, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("application/json") == true)
    }

    @Test func convertsAnAsyncBody() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let body = Array(Support.csv([["주문번호", "금액"], ["2026112312345678", "39000"], ["2026112312345679", "25800"]]).utf8)
        let stream = AsyncStream<[UInt8]> { continuation in
            for chunk in Support.chunks(body, seed: 11, maxSize: 5) { continuation.yield(chunk) }
            continuation.finish()
        }
        let output = directory.appendingPathComponent("async.xlsx")
        let summary = try await ExportConversion.xlsx(from: stream, source: .delimited(nil), sheetName: "s", to: output)
        #expect(summary == ConversionSummary(rowCount: 2, columnCount: 2, header: ["주문번호", "금액"], sheetName: "s", encoding: .utf8))
        #expect(FileManager.default.fileExists(atPath: output.path))
    }

    @Test func withoutAHeaderRowEveryRowIsData() throws {
        var converter = try WorkbookConverter(source: .delimited(.comma), sheetName: "s", firstRowIsHeader: false)
        try converter.feed(Array("1,2\n3,4\n".utf8))
        let (data, summary) = try converter.finishData()
        #expect(summary.rowCount == 2)
        #expect(summary.header.isEmpty)
        let archive = try Archive(data: data, accessMode: .read)
        #expect(archive["xl/worksheets/sheet1.xml"] != nil)
    }

    @Test func errorsStickAndFinishingTwiceIsReported() throws {
        var converter = try WorkbookConverter(source: .delimited(.comma), sheetName: "s")
        try converter.feed(Array("a,b\n1,2\n".utf8))
        let wide = Array((String(repeating: "x,", count: XLSXBuilder.maxColumns) + "x\n").utf8)
        #expect(throws: WorkbookError(.tooManyColumns(row: 3, limit: XLSXBuilder.maxColumns))) { try converter.feed(wide) }
        #expect(throws: WorkbookError(.tooManyColumns(row: 3, limit: XLSXBuilder.maxColumns))) { try converter.feed(Array("3,4\n".utf8)) }
        #expect(throws: WorkbookError(.tooManyColumns(row: 3, limit: XLSXBuilder.maxColumns))) { _ = try converter.finishData() }

        var done = try WorkbookConverter(source: .html, sheetName: "s")
        try done.feed(Array("<table><tr><td>1</td></tr></table>".utf8))
        _ = try done.finishData()
        #expect(throws: WorkbookError(.alreadyFinished)) { try done.feed([0x20]) }
        #expect(throws: WorkbookError(.alreadyFinished)) { _ = try done.finishData() }
    }

    @Test func anEmptyExportIsAnEmptySheet() throws {
        let (data, summary) = try ExportConversion.xlsxData(from: [UInt8](), source: .delimited(nil), sheetName: "빈 시트")
        #expect(summary.rowCount == 0)
        #expect(summary.columnCount == 0)
        #expect(summary.encoding == nil)
        #expect(data.starts(with: [0x50, 0x4B, 0x03, 0x04]))
    }

    @Test func messagesNeverQuoteCells() {
        let secret = "010-9999-8888"
        let inputs: [(WorkbookConverter.Source, String)] = [
            (.delimited(nil), "이름,연락처\n김서연,\"\(secret)\n"),
            (.html, "<p>\(secret)</p>"),
        ]
        for (source, text) in inputs {
            let error = #expect(throws: WorkbookError.self) {
                _ = try ExportConversion.xlsxData(from: Array(text.utf8), source: source, sheetName: "s")
            }
            #expect(error?.description.contains(secret) == false)
            #expect(error?.description.isEmpty == false)
        }
        for code: WorkbookError.Code in [.unterminatedQuote(row: 2, line: 3), .invalidEncoding(row: 4, line: 5, encoding: .cp949),
                                         .noTable, .tooManyColumns(row: 1, limit: 16_384), .tooManyRows(limit: 1_048_576),
                                         .cellTooLong(row: 9, column: 28, limit: 32_767), .encodingUnavailable("CP949")] {
            #expect(!WorkbookError(code).description.isEmpty)
        }
        #expect(WorkbookError(.cellTooLong(row: 9, column: 28, limit: 32_767)).description.contains("column 28 (AB)"))
        #expect(WorkbookError(.invalidEncoding(row: 4, line: 5, encoding: .cp949)).description.contains("EUC-KR/CP949"))
    }
}
