import Foundation
import Testing

@testable import ExportVault

@Suite struct HTMLTableReaderTests {
    typealias Support = WorkbookTestSupport

    /// The shape admins send as "Excel": an HTML page labelled application/vnd.ms-excel.
    static let excelExport = """
        <html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">
        <head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
        <style>td { mso-number-format:"\\@"; } .amount { text-align: right } /* <td>not a cell</td> */</style>
        <script>var s = "<table><tr><td>fake</td></tr></table>";</script>
        </head><body>
        <!-- generated <table> by admin -->
        <table border="1">
          <caption>주문관리</caption>
          <tr><td colspan="5"><b>주문 목록</b> (총 2건)</td></tr>
          <thead>
            <tr><th>주문번호</th><th>구매자명</th><th>구매자&nbsp;연락처</th><th>배송지<br>주소</th><th>결제금액</th></tr>
          </thead>
          <tbody>
            <tr>
              <td style="mso-number-format:'\\@'">2026112312345678</td>
              <td><span class="name">김서연</span></td>
              <td>010-1234-5678</td>
              <td>서울특별시 강남구 테헤란로 123<br/>
                  4층 &amp; 5층 &lt;본관&gt;</td>
              <td class="amount">39000</td>
            </tr>
            <TR><TD>2026112312345679</TD><TD>이&#46020;윤</TD><TD>01098765432</TD>
              <TD><div>부산광역시   해운대구</div><div>센텀중앙로 79</div></TD><TD>25,800</TD></TR>
            <tr><td>2026112312345680</td><td>&#xBC15;지호 &quot;VIP&quot;</td><td></td><td>&nbsp;</td><td>0</td></tr>
          </tbody>
        </table>
        <table><tr><th>합계</th></tr><tr><td>64800</td></tr></table>
        </body></html>
        """

    static let expected: [[String]] = [
        ["주문번호", "구매자명", "구매자 연락처", "배송지\n주소", "결제금액"],
        ["2026112312345678", "김서연", "010-1234-5678", "서울특별시 강남구 테헤란로 123\n4층 & 5층 <본관>", "39000"],
        ["2026112312345679", "이도윤", "01098765432", "부산광역시 해운대구\n센텀중앙로 79", "25,800"],
        ["2026112312345680", "박지호 \"VIP\"", "", "", "0"],
    ]

    @Test func readsTheAdminsExcelExport() throws {
        let (rows, header) = try Support.readHTML([Array(Self.excelExport.utf8)])
        #expect(header)
        #expect(rows == Self.expected)
    }

    @Test func sameRowsWhateverTheChunking() throws {
        let bytes = Array(Self.excelExport.utf8)
        #expect(try Support.readHTML(bytes.map { [$0] }).rows == Self.expected)
        for seed in 1...20 {
            #expect(try Support.readHTML(Support.chunks(bytes, seed: UInt64(seed), maxSize: 50)).rows == Self.expected)
        }
        let legacy = try Support.cp949(Self.excelExport)
        #expect(try Support.readHTML([legacy]).rows == Self.expected)
        #expect(try Support.readHTML(legacy.map { [$0] }, encoding: .cp949).rows == Self.expected)
    }

    @Test func firstTableWithAHeaderWins() throws {
        // A search form laid out as a table (th and td mixed: no header row), then the data table.
        let page = """
            <table class="search"><tr><th>기간</th><td><input name="from"> ~ <input name="to"></td></tr></table>
            <table><tr><td>로그인</td></tr></table>
            <table><thead><tr><th>이름</th><th>전화</th></tr></thead><tr><td>김서연</td><td>010-1234-5678</td></tr></table>
            """
        let (rows, header) = try Support.readHTML([Array(page.utf8)])
        #expect(header)
        #expect(rows == [["이름", "전화"], ["김서연", "010-1234-5678"]])
    }

    @Test func withoutAnyHeaderTheFirstTableWithRows() throws {
        let page = "<p>x</p><table><tr><td>주문번호</td><td>금액</td></tr><tr><td>1</td><td>2</td></tr></table><table><tr><td>9</td></tr></table>"
        let (rows, header) = try Support.readHTML([Array(page.utf8)])
        #expect(!header)
        #expect(rows == [["주문번호", "금액"], ["1", "2"]])
    }

    @Test func headerlessTablesAreStreamedAfterAHundredRows() throws {
        var reader = HTMLTableReader()
        var returned = try reader.feed(Array("<table>".utf8)).count
        for i in 0..<250 {
            returned += try reader.feed(Array("<tr><td>\(i)</td><td>v\(i)</td></tr>".utf8)).count
            if i == 99 { #expect(returned == 0) }  // held: a header may still come
            if i == 100 { #expect(returned == 101) }  // then taken as it is, and streamed
            if i > 100 { #expect(returned == i + 1) }
        }
        let rest = try reader.finish()
        #expect(returned + rest.count == 250)
        #expect(!reader.headerDetected)
    }

    @Test func nestedTablesAndSpans() throws {
        let page = """
            <table><thead><tr><th colspan="2">이름</th><th>메모</th></tr><tr><th>성</th><th>이름</th><th>메모</th></tr></thead>
            <tr><td>김</td><td>서연</td><td>문 앞<table><tr><td>inner</td></tr></table> 보관</td></tr>
            <tr><td colspan="2">합계</td><td>3</td></tr>
            </table>
            """
        let (rows, header) = try Support.readHTML([Array(page.utf8)])
        #expect(header)
        // The last of consecutive header rows is the header; colspan keeps the columns aligned.
        #expect(rows == [["성", "이름", "메모"], ["김", "서연", "문 앞 보관"], ["합계", "", "3"]])
    }

    @Test func unclosedTagsAndTruncatedPage() throws {
        // Lazy HTML: no </td>, </tr>, and the page ends inside the table.
        let page = "<table><tr><th>a<th>b<tr><td>1<td>2<tr><td>3<td>4"
        let (rows, header) = try Support.readHTML([Array(page.utf8)])
        #expect(header)
        #expect(rows == [["a", "b"], ["1", "2"], ["3", "4"]])
    }

    @Test func entities() {
        func text(_ s: String) -> String { HTMLTableReader.cellText(Array(s.utf8)) }
        #expect(text("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;") == "a & b <c> \"d\" 'e'")
        #expect(text("&#44032;&#xAC01;&#XAC02;") == "가각갂")
        #expect(text("&#150;&#8361;1,000") == "\u{2013}₩1,000")  // 150: Windows-1252 en dash
        #expect(text("&#0;&#xD800;&#x110000;") == "\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(text("AT&T &unknown; &amp") == "AT&T &unknown; &")
        #expect(text("  a \n\t b  ") == "a b")
        #expect(text("&nbsp;&nbsp;x&nbsp;&nbsp;y&nbsp;") == "x y")
    }

    @Test func noTableIsAnError() throws {
        let login = "<html><body><form><input name=id><input type=password></form></body></html>"
        let error = #expect(throws: WorkbookError.self) { try Support.readHTML([Array(login.utf8)]) }
        #expect(error?.code == .noTable)
        let empty = #expect(throws: WorkbookError.self) { try Support.readHTML([Array("<table></table>".utf8)]) }
        #expect(empty?.code == .noTable)
    }

    @Test func refusesABinaryWorkbookLabelledAsExcel() throws {
        let biff: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        let error = #expect(throws: WorkbookError.self) { try Support.readHTML([biff]) }
        guard case .unsupportedFormat = error?.code else {
            Issue.record("expected unsupportedFormat, got \(String(describing: error))")
            return
        }
    }

    @Test func invalidBytesNameTheRowAndLine() throws {
        let page = Array("<table>\n<tr><th>a</th></tr>\n<tr><td>".utf8) + [0xC3, 0x28] + Array("</td></tr></table>".utf8)
        let error = #expect(throws: WorkbookError.self) { try Support.readHTML([page], encoding: .utf8) }
        #expect(error?.code == .invalidEncoding(row: 2, line: 3, encoding: .utf8))
    }
}
