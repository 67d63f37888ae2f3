import Crypto
import ExportVault
import Foundation
import GuardTestSupport
import Testing

/// Protected exports through the demo, after the second factor: 취소관리 and 반품관리 "엑셀 다운로드" lead to the reason
/// and password page and deliver an encrypted .xlsx that independent tools open with the password and no other.
@Suite("Protected exports end to end", .serialized)
struct ExportEndToEndTests {
    /// Decrypts with msoffcrypto-tool and prints every cell of the first sheet (openpyxl) as JSON rows; a wrong
    /// password makes it exit non-zero.
    static let readEncrypted = """
        import io, json, sys, msoffcrypto, openpyxl
        path, password = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
        office = msoffcrypto.OfficeFile(open(path, "rb"))
        office.load_key(password=password)
        plain = io.BytesIO()
        office.decrypt(plain, verify_integrity=True)
        sheet = openpyxl.load_workbook(plain, read_only=True).worksheets[0]
        rows = [["" if v is None else (str(v) if not isinstance(v, float) or not v.is_integer() else str(int(v))) for v in row]
                for row in sheet.iter_rows(values_only=True)]
        print(json.dumps(rows, ensure_ascii=False))
        """

    /// The cells of a plain workbook (what the admin sent), as the same JSON rows.
    static let readPlain = """
        import json, sys, openpyxl
        sheet = openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        print(json.dumps(rows, ensure_ascii=False))
        """

    /// A CSV's rows (BOM and quoting handled by Python's csv module).
    static let readCSV = """
        import csv, json, sys
        print(json.dumps(list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""))), ensure_ascii=False))
        """

    static func rows(_ script: String, _ arguments: [String]) throws -> [[String]] {
        let output = try Python.output(script, arguments: arguments)
        return try JSONDecoder().decode([[String]].self, from: Data(output.utf8))
    }

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The reason page, a typed password, the ready page and the download, as a browser goes through them.
    static func download(_ browser: Browser, _ path: String, reason: [(String, String)], password: [(String, String)],
                         to file: String) async throws -> (answer: Browser.Answer, ready: Browser.Answer) {
        let first = try await browser.open(path)
        #expect(first.status == 303, "the export asks for a reason first")
        let reasonURL = try #require(first.header("location"))
        #expect(reasonURL.hasPrefix("/__guard/export?next="))
        let form = try await browser.open(reasonURL)
        #expect(form.status == 200)
        #expect(form.body.contains("다운로드 사유") && form.body.contains("파일 비밀번호"))
        let submitted = try await browser.submit("/__guard/export", from: form, reason + password)
        #expect(submitted.status == 303, "\(submitted.body.prefix(400))")
        #expect(submitted.header("location") == "/__guard/export/ready")
        let ready = try await browser.open("/__guard/export/ready")
        #expect(ready.status == 200)
        #expect(ready.body.contains("href=\"\(path)\""))
        let answer = try await browser.request("GET", path, headers: [("Accept", "text/html"), ("Sec-Fetch-Mode", "navigate")],
                                               saveBodyTo: file)
        return (answer, ready)
    }

    @Test("취소관리 엑셀 다운로드: reason, typed password, an encrypted .xlsx equal to the admin's; wrong password fails")
    func cancelsWorkbook() async throws {
        guard Python.has("pyotp", "msoffcrypto", "openpyxl") else { return }
        try await SecondFactorHarness.run { harness in
            let folder = try Self.folder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let browser = try await MaskingEndToEndTests.verifiedBrowser(harness)
            let list = try await browser.open("/sales/cancels")
            #expect(list.body.contains("href=\"/sales/cancels/export.xlsx\""), "the demo's 엑셀 다운로드 button")

            // A weak password is refused with the rule; nothing is issued.
            let form = try await browser.open(ExportGateURL.reason("/sales/cancels/export.xlsx"))
            let weak = try await browser.submit("/__guard/export", from: form, [
                ("reason", "shipping"), ("password_mode", "typed"), ("password", "short1"), ("password_confirm", "short1")])
            #expect(weak.status == 400)
            #expect(weak.body.contains("규칙에 맞지 않습니다"))

            let password = "Ship-2026-boxes"
            let file = folder + "/cancels.xlsx"
            let (answer, _) = try await Self.download(
                browser, "/sales/cancels/export.xlsx", reason: [("reason", "exchange_return")],
                password: [("password_mode", "typed"), ("password", password), ("password_confirm", password)], to: file)
            #expect(answer.status == 200)
            #expect(answer.header("content-type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            let disposition = try #require(answer.header("content-disposition"))
            #expect(disposition.contains("filename*=UTF-8''%EC%B7%A8%EC%86%8C%EA%B4%80%EB%A6%AC_"), "취소관리_… kept")
            #expect(disposition.hasSuffix(".xlsx"))
            #expect(disposition.contains("filename=\"cancels_"), "the admin's ASCII fallback name for old browsers")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(Array(bytes.prefix(4)) == [0xD0, 0xCF, 0x11, 0xE0], "an OLE compound file, not a plain zip")

            // msoffcrypto-tool + openpyxl read every cell back, equal to the workbook the admin sent.
            try password.write(toFile: folder + "/password", atomically: true, encoding: .utf8)
            let decrypted = try Self.rows(Self.readEncrypted, [file, folder + "/password"])
            let upstream = folder + "/upstream.xlsx"
            _ = try await Browser.curl(["-sS", "-o", upstream, "-H", "Cookie: demo_session=\(browser.cookie("demo_session") ?? "")",
                                        "http://127.0.0.1:\(harness.adminPort)/sales/cancels/export.xlsx"])
            let original = try Self.rows(Self.readPlain, [upstream])
            #expect(decrypted.count > 10)
            #expect(decrypted == original, "every cell as the admin sent it")
            try "Wrong-password-1".write(toFile: folder + "/wrong", atomically: true, encoding: .utf8)
            #expect(throws: (any Error).self) { try Self.rows(Self.readEncrypted, [file, folder + "/wrong"]) }

            // The ticket was for one download: asking again goes back to the reason page.
            let again = try await browser.open("/sales/cancels/export.xlsx")
            #expect(again.status == 303)

            // The record: reason, file fingerprint, never the password.
            let record = try #require(harness.exports.records.last)
            #expect(record.reason == .exchangeOrReturn)
            #expect(record.account == "seller-a")
            #expect(record.menu == "판매관리")
            #expect(record.sourceFormat == "xlsx")
            #expect(record.sha256 == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
            #expect(!"\(record)".contains(password))

            // LibreOffice opens it with the password (skipped where LibreOffice is not installed).
            let script = SecondFactorHarness.repositoryRoot + "/scripts/libreoffice-open.sh"
            let office = try await Browser.run("/bin/bash", [script, file, folder + "/password", folder + "/office.csv"])
            if office != 77 {
                #expect(office == 0, "LibreOffice opens the encrypted export with its password")
                let csv = try Self.rows(Self.readCSV, [folder + "/office.csv"])
                #expect(csv.first == original.first, "LibreOffice sees the same header")
                #expect(csv.count == original.count)
                let phone = try #require(original.first?.firstIndex(of: "구매자 연락처"))
                #expect(csv.dropFirst().map { $0[phone] } == original.dropFirst().map { $0[phone] }, "and the same phones, as text")
            }
        }
    }

    @Test("반품관리 CSV 다운로드: a generated password shown once; CSV becomes a typed workbook; the record has the columns' kinds")
    func returnsCSVWithGeneratedPassword() async throws {
        guard Python.has("pyotp", "msoffcrypto", "openpyxl") else { return }
        try await SecondFactorHarness.run { harness in
            let folder = try Self.folder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let browser = try await MaskingEndToEndTests.verifiedBrowser(harness)
            let file = folder + "/returns.xlsx"
            let (answer, ready) = try await Self.download(
                browser, "/sales/returns/export.csv", reason: [("reason", "other"), ("reason_text", "회수 택배 일괄 접수")],
                password: [("password_mode", "generated")], to: file)
            #expect(answer.status == 200)
            #expect(answer.header("content-disposition")?.contains(".xlsx") == true)
            let password = try #require(Self.secret(in: ready.body), "the generated password is shown on the ready page")
            #expect(password.count >= 16)
            let shownAgain = try await browser.open("/__guard/export/ready")
            #expect(Self.secret(in: shownAgain.body) == nil, "and only once")

            try password.write(toFile: folder + "/password", atomically: true, encoding: .utf8)
            let decrypted = try Self.rows(Self.readEncrypted, [file, folder + "/password"])
            try await browser.direct("/sales/returns/export.csv").write(toFile: folder + "/upstream.csv", atomically: true, encoding: .utf8)
            let csv = try Self.rows(Self.readCSV, [folder + "/upstream.csv"])
            #expect(decrypted.count == csv.count)
            #expect(decrypted == csv, "every cell equal to the CSV, phones and zip codes as text")
            let phoneColumn = try #require(csv[0].firstIndex(of: "구매자 연락처"))
            #expect(decrypted[1][phoneColumn].hasPrefix("010-") || decrypted[1][phoneColumn].hasPrefix("01"))

            let record = try #require(harness.exports.records.last)
            #expect(record.reason == .other("회수 택배 일괄 접수"))
            #expect(record.passwordGenerated)
            #expect(record.sourceFormat == "csv")
            #expect(record.rowCount == csv.count - 1)
            #expect(record.columns[phoneColumn].kinds.contains("phone"))
            let nameColumn = try #require(csv[0].firstIndex(of: "구매자명"))
            #expect(record.columns[nameColumn].kinds.contains("name"))
            let orderColumn = try #require(csv[0].firstIndex(of: "주문번호"))
            #expect(record.columns[orderColumn].kinds.isEmpty, "order numbers are not personal data")

            // 반품관리's own 엑셀 다운로드 button (the .xlsx export) takes the same way.
            let list = try await browser.open("/sales/returns")
            #expect(list.body.contains("href=\"/sales/returns/export.xlsx\""))
            let typed = "Return-2026-box"
            let workbook = folder + "/returns-excel.xlsx"
            let (excel, _) = try await Self.download(
                browser, "/sales/returns/export.xlsx", reason: [("reason", "exchange_return")],
                password: [("password_mode", "typed"), ("password", typed), ("password_confirm", typed)], to: workbook)
            #expect(excel.status == 200)
            try typed.write(toFile: folder + "/typed", atomically: true, encoding: .utf8)
            let upstream = folder + "/returns-upstream.xlsx"
            _ = try await Browser.curl(["-sS", "-o", upstream, "-H", "Cookie: demo_session=\(browser.cookie("demo_session") ?? "")",
                                        "http://127.0.0.1:\(harness.adminPort)/sales/returns/export.xlsx"])
            #expect(try Self.rows(Self.readEncrypted, [workbook, folder + "/typed"]) == (try Self.rows(Self.readPlain, [upstream])))
        }
    }

    @Test("Scripts: POST /__guard/api/export, then the file with the ticket header; a script without one gets 403 JSON")
    func apiFlow() async throws {
        guard Python.has("pyotp", "msoffcrypto", "openpyxl") else { return }
        try await SecondFactorHarness.run { harness in
            let folder = try Self.folder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let browser = try await MaskingEndToEndTests.verifiedBrowser(harness)
            let refused = try await browser.api("GET", "/sales/cancels/export.csv")
            #expect(refused.status == 403)
            #expect(refused.body.contains("export_reason_required"))
            let issued = try await browser.api("POST", "/__guard/api/export",
                                               #"{"path": "/sales/cancels/export.csv", "reason": "settlement", "generate_password": true}"#)
            #expect(issued.status == 201, "\(issued.body)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(issued.body.utf8)) as? [String: Any])
            let ticket = try #require(json["ticket"] as? String)
            let password = try #require(json["password"] as? String)
            #expect(json["header"] as? String == "X-PII-Guard-Export")
            let file = folder + "/cancels.xlsx"
            let answer = try await browser.request("GET", "/sales/cancels/export.csv", headers: [("X-PII-Guard-Export", ticket)],
                                                   saveBodyTo: file)
            #expect(answer.status == 200)
            try password.write(toFile: folder + "/password", atomically: true, encoding: .utf8)
            let rows = try Self.rows(Self.readEncrypted, [file, folder + "/password"])
            #expect(rows.first?.first == "주문번호")
            let weak = try await browser.api("POST", "/__guard/api/export",
                                             #"{"path": "/sales/cancels/export.csv", "reason": "shipping", "password": "abc"}"#)
            #expect(weak.status == 400)
            #expect(weak.body.contains("password_too_weak"))
        }
    }

    static func secret(in html: String) -> String? {
        guard let start = html.range(of: "<span class=\"secret\">") else { return nil }
        let rest = html[start.upperBound...]
        guard let end = rest.range(of: "</span>") else { return nil }
        return String(rest[..<end.lowerBound]).replacingOccurrences(of: "&amp;", with: "&")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
    }
}

/// The reason page's address for a target (what the guard redirects to).
enum ExportGateURL {
    static func reason(_ target: String) -> String {
        "/__guard/export?next=" + (target.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~/"))) ?? target)
    }
}
