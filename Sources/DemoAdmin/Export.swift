import Foundation
import Hummingbird
import NIOCore
import ZIPFoundation

/// One cell of a table: text (kept as typed, e.g. phones and postal codes) or a number.
enum Cell: Sendable, Equatable {
    case text(String)
    case number(Int)

    var plain: String {
        switch self {
        case .text(let s): return s
        case .number(let n): return String(n)
        }
    }
}

/// The three order lists of 판매관리 and their columns, shared by the HTML tables and the exports.
enum OrderList: String, Sendable, CaseIterable {
    case orders, cancels, returns

    /// Korean name used in titles, sheet names and file names.
    var title: String {
        switch self {
        case .orders: return "주문관리"
        case .cancels: return "취소관리"
        case .returns: return "반품관리"
        }
    }

    var header: [String] {
        let person = ["구매자명", "구매자 연락처", "수취인", "수취인 연락처", "우편번호"]
        let goods = ["상품명", "수량", "결제금액"]
        switch self {
        case .orders:
            return ["주문번호", "결제일", "주문상태"] + person + ["배송지주소"] + goods
        case .cancels:
            return ["주문번호", "결제일", "취소요청일", "취소사유"] + person + ["배송지주소"] + goods
        case .returns:
            return ["주문번호", "결제일", "반품요청일", "반품사유", "수거상태", "택배사", "송장번호"] + person + ["회수지주소"] + goods
        }
    }

    func row(_ o: DemoOrder) -> [Cell] {
        let person: [Cell] = [.text(o.buyerName), .text(o.buyerPhone), .text(o.receiverName), .text(o.receiverPhone), .text(o.zipCode)]
        let goods: [Cell] = [.text(o.product), .number(o.quantity), .number(o.amount)]
        let head: [Cell] = [.text(o.orderNo), .text(KST.display(o.paidAt))]
        let claimAt = Cell.text(o.claimAt.map(KST.display) ?? "")
        switch self {
        case .orders:
            return head + [.text(o.status.rawValue)] + person + [.text(o.address)] + goods
        case .cancels:
            return head + [claimAt, .text(o.claimReason ?? "")] + person + [.text(o.address)] + goods
        case .returns:
            return head + [claimAt, .text(o.claimReason ?? ""), .text(o.pickupState ?? ""), .text(o.courier ?? ""), .text(o.trackingNo ?? "")]
                + person + [.text(o.address)] + goods
        }
    }

    func count(in generator: OrderGenerator) -> Int {
        switch self {
        case .orders: return generator.count
        case .cancels: return generator.cancelIndexes.count
        case .returns: return generator.returnIndexes.count
        }
    }

    /// The order index of the n-th row of this list.
    func orderIndex(row n: Int, in generator: OrderGenerator) -> Int {
        switch self {
        case .orders: return n
        case .cancels: return generator.cancelIndexes[n]
        case .returns: return generator.returnIndexes[n]
        }
    }

    /// `취소관리_20261123.csv` and its ASCII fallback `cancels_20261123.csv`.
    func fileNames(ext: String) -> (korean: String, ascii: String) {
        let date = KST.dateDigits(KST.components(OrderGenerator.rangeEnd))
        return ("\(title)_\(date).\(ext)", "\(rawValue)_\(date).\(ext)")
    }
}

/// CSV and Excel downloads of the order lists.
///
/// Exports are where bulk personal data leaves an admin, so the demo produces them the way real
/// admins do: a UTF-8 CSV with BOM (streamed, any size) and a genuine .xlsx workbook.
enum Exporter {
    static let csvRowsPerChunk = 500

    static func csvResponse(_ list: OrderList, generator: OrderGenerator) -> Response {
        let names = list.fileNames(ext: "csv")
        let total = list.count(in: generator)
        let body = ResponseBody { writer in
            var chunk = "\u{FEFF}" + csvLine(list.header.map(Cell.text))
            for n in 0..<total {
                chunk += csvLine(list.row(generator.order(list.orderIndex(row: n, in: generator))))
                if (n + 1) % csvRowsPerChunk == 0 {
                    try await writer.write(ByteBuffer(string: chunk))
                    chunk = ""
                }
            }
            if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: Responses.contentDisposition(fileName: names.korean, asciiFallback: names.ascii),
                .cacheControl: "no-store",
            ],
            body: body)
    }

    static func csvLine(_ cells: [Cell]) -> String {
        cells.map { csvField($0.plain) }.joined(separator: ",") + "\r\n"
    }

    static func csvField(_ s: String) -> String {
        let needsQuotes = s.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" } || s.hasPrefix(" ") || s.hasSuffix(" ")
        guard needsQuotes else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }

    static func xlsxResponse(_ list: OrderList, generator: OrderGenerator) throws -> Response {
        let names = list.fileNames(ext: "xlsx")
        let rows = (0..<list.count(in: generator)).lazy.map { list.row(generator.order(list.orderIndex(row: $0, in: generator))) }
        let data = try XLSXWriter.workbook(sheetName: list.title, header: list.header, rows: rows)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                .contentDisposition: Responses.contentDisposition(fileName: names.korean, asciiFallback: names.ascii),
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Writes a minimal but complete Office Open XML workbook (one sheet, inline strings, styles)
/// that Excel, LibreOffice and openpyxl open.
enum XLSXWriter {
    /// Styles: 0 default, 1 bold header, 2 text ("@"), 3 number "#,##0".
    static let stylesXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="2"><font><sz val="11"/><name val="맑은 고딕"/><family val="2"/></font>\
        <font><b/><sz val="11"/><name val="맑은 고딕"/><family val="2"/></font></fonts>\
        <fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
        <fill><patternFill patternType="solid"><fgColor rgb="FFE8EEF7"/><bgColor indexed="64"/></patternFill></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyNumberFormat="1"/>\
        <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """

    static let contentTypesXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
        <Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
        </Types>
        """

    static let rootRelsXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>\
        </Relationships>
        """

    static let workbookRelsXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        </Relationships>
        """

    static func workbookXML(sheetName: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
        <bookViews><workbookView/></bookViews>\
        <sheets><sheet name="\(escape(sheetName))" sheetId="1" r:id="rId1"/></sheets></workbook>
        """
    }

    static let coreXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
        xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
        <dc:creator>\(ShopProfile.name) 판매자 센터</dc:creator>\
        <dcterms:created xsi:type="dcterms:W3CDTF">2026-11-23T00:00:00Z</dcterms:created>\
        </cp:coreProperties>
        """

    static let appXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
        <Application>demo-shop-admin</Application></Properties>
        """

    /// Column letters: 0 → A, 25 → Z, 26 → AA.
    static func column(_ index: Int) -> String {
        var n = index + 1
        var s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(ch)
            default:
                if ch.value < 0x20 || ch.value == 0xFFFE || ch.value == 0xFFFF { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func sheetXML(header: [String], rows: some Sequence<[Cell]>) -> Data {
        var out = Data()
        var buffer = ""
        let columns = header.indices.map { column($0) }
        func flush() {
            out.append(contentsOf: buffer.utf8)
            buffer = ""
        }
        buffer += """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="16.5"/><cols>
            """
        for (i, name) in header.enumerated() {
            let width = name.contains("주소") || name == "상품명" ? 48 : (name.contains("일") ? 20 : 16)
            buffer += "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(width)\" customWidth=\"1\"/>"
        }
        buffer += "</cols><sheetData><row r=\"1\">"
        for (i, name) in header.enumerated() {
            buffer += "<c r=\"\(columns[i])1\" t=\"inlineStr\" s=\"1\"><is><t>\(escape(name))</t></is></c>"
        }
        buffer += "</row>"
        var r = 1
        for row in rows {
            r += 1
            buffer += "<row r=\"\(r)\">"
            for (i, cell) in row.enumerated() {
                switch cell {
                case .text(let s):
                    buffer += "<c r=\"\(columns[i])\(r)\" t=\"inlineStr\" s=\"2\"><is><t>\(escape(s))</t></is></c>"
                case .number(let n):
                    buffer += "<c r=\"\(columns[i])\(r)\" s=\"3\"><v>\(n)</v></c>"
                }
            }
            buffer += "</row>"
            if buffer.utf8.count > 256 * 1024 { flush() }
        }
        buffer += "</sheetData></worksheet>"
        flush()
        return out
    }

    /// A complete .xlsx file in memory.
    static func workbook(sheetName: String, header: [String], rows: some Sequence<[Cell]>) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        // A fixed timestamp keeps downloads byte-identical for the same seed.
        let date = Date(timeIntervalSince1970: TimeInterval(KST.seconds(year: 2026, month: 11, day: 23) - 9 * 3600))
        func add(_ path: String, _ data: Data) throws {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date,
                compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", Data(contentTypesXML.utf8))
        try add("_rels/.rels", Data(rootRelsXML.utf8))
        try add("docProps/core.xml", Data(coreXML.utf8))
        try add("docProps/app.xml", Data(appXML.utf8))
        try add("xl/workbook.xml", Data(workbookXML(sheetName: sheetName).utf8))
        try add("xl/_rels/workbook.xml.rels", Data(workbookRelsXML.utf8))
        try add("xl/styles.xml", Data(stylesXML.utf8))
        try add("xl/worksheets/sheet1.xml", sheetXML(header: header, rows: rows))
        guard let data = archive.data else { throw XLSXError.noData }
        return data
    }

    enum XLSXError: Error { case noData }
}
