import Foundation
import Testing

@testable import AuditTrail

/// The monthly review's figures, checked against figures computed here independently (Foundation's calendar in
/// Asia/Seoul, not the report's own day arithmetic) from the same seeded demo month.
@Suite("Monthly review report")
struct AuditReportTests {
    static let month = "2026-10"
    static let demo = try! DemoActivity.month(Self.month, seed: 7)
    static let report = try! AuditReport.make(month: Self.month, records: Self.demo.records, history: Self.demo.history,
                                              settings: ReviewSettings())

    /// Public holidays of October 2026 (개천절 on a Saturday, its substitute Monday, 한글날).
    static let octoberHolidays: Set<String> = ["2026-10-03", "2026-10-05", "2026-10-09"]

    static let seoul: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Seoul")!
        return calendar
    }()

    /// `2026-10-03` and the hour, minute, weekday (1 = Sunday) in Seoul.
    static func seoulParts(_ date: Date) -> (day: String, hour: Int, minute: Int, weekday: Int) {
        let c = Self.seoul.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        let day = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        return (day, c.hour!, c.minute!, c.weekday!)
    }

    static func isOffHours(_ date: Date) -> Bool {
        let p = Self.seoulParts(date)
        if p.weekday == 1 || p.weekday == 7 || Self.octoberHolidays.contains(p.day) { return true }
        return p.hour < 9 || p.hour >= 19
    }

    static func kst(_ text: String) -> Date {
        // `2026-10-02 08:59:59`
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Self.seoul
        formatter.timeZone = Self.seoul.timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text)!
    }

    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static func access(_ account: String, _ at: Date, ip: String = "203.0.113.10", subjects: [String] = ["2026100110001"],
                       menu: String = "판매관리") -> AuditRecord {
        AuditRecord(at: at, kind: .access, action: .view, account: account, clientAddress: ip, site: "seller-admin",
                    menuID: "sales", menuName: menu, method: "GET", path: "/sales/orders", status: 200, subjects: subjects)
    }

    // MARK: Demo month

    @Test("the demo month is deterministic and looks like a month of work")
    func demoIsDeterministic() throws {
        let again = try DemoActivity.month(Self.month, seed: 7)
        #expect(again.records == Self.demo.records)
        #expect(again.history == Self.demo.history)
        let other = try DemoActivity.month(Self.month, seed: 8)
        #expect(other.records != Self.demo.records)

        let records = Self.demo.records
        #expect(records.count > 2_000)
        #expect(Set(records.map(\.account)) == Set(DemoActivity.accounts))
        #expect(records.map(\.sequence) == (1...Int64(records.count)).map { $0 })
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(records.allSatisfy { Self.seoulParts($0.at).day.hasPrefix("2026-10-") })
        let reasons = Set(records.filter { $0.kind == .export }.map(\.exportReason))
        #expect(reasons.contains { $0.contains("배송 처리") })
        #expect(reasons.contains { $0.contains("교환·반품 처리") })
        #expect(reasons.contains { $0.contains("기타: ") })
        #expect(records.contains { $0.event == "wrong_code" })
        #expect(records.count { $0.event == "locked" } == 1)
    }

    @Test("totals and per-account figures match an independent count")
    func perAccountFigures() throws {
        let records = Self.demo.records
        let report = Self.report
        #expect(report.totalRecords == records.count)
        #expect(report.recordsOutsideMonth == 0)
        #expect(report.recordsByKind.access == records.count { $0.kind == .access })
        #expect(report.recordsByKind.export == records.count { $0.kind == .export })
        #expect(report.recordsByKind.secondFactor == records.count { $0.kind == .secondFactor })
        #expect(report.accounts.map(\.account) == DemoActivity.accounts.sorted())

        for account in DemoActivity.accounts {
            let mine = records.filter { $0.account == account }
            let accesses = mine.filter { $0.kind == .access }
            let downloads = mine.filter { $0.kind == .export && $0.action == .download && $0.event == "delivered" }
            let row = try #require(report.accounts.first { $0.account == account })
            #expect(row.records == mine.count, "\(account)")
            #expect(row.accesses == accesses.count, "\(account)")
            #expect(row.distinctSubjects == Set(mine.flatMap(\.subjects)).count, "\(account)")
            #expect(row.downloads == downloads.count, "\(account)")
            #expect(row.downloadedRows == downloads.reduce(0) { $0 + ($1.exportRows ?? 0) }, "\(account)")
            #expect(row.offHoursAccesses == accesses.count { Self.isOffHours($0.at) }, "\(account)")
            #expect(row.distinctAddresses == Set(mine.map(\.clientAddress)).count, "\(account)")
            #expect(row.secondFactorFailures == mine.count { $0.event == "wrong_code" }, "\(account)")
            #expect(row.secondFactorLocks == mine.count { $0.event == "locked" }, "\(account)")
            #expect(row.refusedExports == mine.count { $0.kind == .export && $0.event.hasPrefix("refused:") }, "\(account)")
        }

        let offHours = records.filter { $0.kind == .access && Self.isOffHours($0.at) }
        #expect(report.offHours.total == offHours.count)
        #expect(report.offHours.total > 5 && report.offHours.total < 60)
        #expect(report.offHours.listed.map(\.sequence) == offHours.map(\.sequence))
        #expect(report.offHours.notListed == 0)
    }

    @Test("second-factor failures, locks and unlocks per account")
    func secondFactorSummary() throws {
        let records = Self.demo.records
        let summary = Self.report.secondFactor
        #expect(summary.failures == records.count { $0.event == "wrong_code" })
        #expect(summary.locks == 1)
        #expect(summary.unlocks == 1)
        #expect(summary.byAccount.map(\.account) == ["seller-b", "seller-d"])
        let lock = try #require(summary.lockEvents.first)
        #expect(lock.account == DemoActivity.lockedAccount)
        #expect(lock.failuresBefore == 5)
    }

    @Test("daily volume per KST day, weekends and holidays marked")
    func dailyVolume() {
        var perDay: [String: Int] = [:]
        for record in Self.demo.records { perDay[Self.seoulParts(record.at).day, default: 0] += 1 }
        let daily = Self.report.daily
        #expect(daily.count == 31)
        #expect(daily.map(\.day.description) == (1...31).map { String(format: "2026-10-%02d", $0) })
        for day in daily {
            #expect(day.records == perDay[day.day.description, default: 0], "\(day.day)")
        }
        let third = daily[2]
        #expect(third.weekday == .saturday)
        #expect(third.dayOff && third.holiday)
        #expect(daily[4].weekday == .monday && daily[4].holiday && daily[4].dayOff)  // 10-05 substitute holiday
        #expect(!daily[5].dayOff)  // 10-06 Tuesday
        #expect(daily.filter(\.dayOff).count == 9 + 2)  // 9 weekend days, 10-05 and 10-09
    }

    @Test("every download is listed with its reason, rows and hash")
    func downloads() throws {
        let delivered = Self.demo.records.filter { $0.kind == .export && $0.action == .download && !$0.event.hasPrefix("refused") }
        let report = Self.report
        #expect(report.downloads.count == delivered.count)
        #expect(report.downloads.map(\.sequence) == delivered.map(\.sequence))
        for (listed, record) in zip(report.downloads, delivered) {
            #expect(listed.account == record.account)
            #expect(listed.reason == record.exportReason)
            #expect(listed.rows == record.exportRows)
            #expect(listed.fileSHA256 == record.fileSHA256)
            #expect(listed.clientAddress == record.clientAddress)
            #expect((listed.offHours != nil) == Self.isOffHours(record.at))
        }
        let other = try #require(report.downloads.first { $0.reasonCode == "other" })
        #expect(other.reasonText.hasPrefix("기타: "))
        #expect(other.rows == 1_240)
        #expect(report.downloads.contains { $0.offHours != nil })

        let html = report.html()
        for download in report.downloads {
            #expect(html.contains(String(download.fileSHA256.prefix(12))))
        }
        #expect(html.components(separatedBy: "배송 처리").count - 1 >= report.downloads.count { $0.reasonCode == "shipping" })
        #expect(report.refusedExports.count == 1)
        #expect(report.refusedExports.first?.refusal == "too_large")
    }

    @Test("mass lookup is found on the planted day only")
    func massLookup() throws {
        var perDay: [String: Set<String>] = [:]
        for record in Self.demo.records where !record.subjects.isEmpty {
            perDay[record.account + " " + Self.seoulParts(record.at).day, default: []].formUnion(record.subjects)
        }
        let independent = perDay.filter { $0.value.count > 300 }
        #expect(independent.keys.sorted() == ["seller-c 2026-10-21"])
        let planted = try DemoActivity.massLookupDay(in: Self.month)
        #expect(planted.description == "2026-10-21")
        let found = Self.report.massLookups
        #expect(found.count == 1)
        #expect(found.first?.account == DemoActivity.massLookupAccount)
        #expect(found.first?.day == planted)
        #expect(found.first?.distinctSubjects == independent["seller-c 2026-10-21"]?.count)
        // The busiest ordinary day stays well under the threshold.
        #expect(perDay.filter { $0.key != "seller-c 2026-10-21" }.values.map(\.count).max() ?? 0 <= 300)
    }

    @Test("a first-seen address is reported for the planted account only")
    func firstSeenAddress() throws {
        let history = Self.demo.history
        let fresh = Self.demo.records.filter { !history.hasSeen(account: $0.account, address: $0.clientAddress) }
        #expect(Set(fresh.map { $0.account + " " + $0.clientAddress }) == ["seller-d 198.51.100.23"])
        let found = Self.report.firstSeenAddresses
        #expect(found.count == 1)
        let first = try #require(found.first)
        #expect(first.account == DemoActivity.newAddressAccount)
        #expect(first.clientAddress == DemoActivity.newAddress)
        #expect(first.firstAt == fresh.map(\.at).min())
        #expect(first.records == fresh.count)
        #expect(!first.newAccount)
        #expect(Self.seoulParts(first.firstAt).day == (try DemoActivity.newAddressDay(in: Self.month)).description)
    }

    // MARK: Boundaries

    @Test("office hours start at 09:00 and end before 19:00 KST; weekends, holidays and month edges in KST")
    func boundaries() throws {
        let records = [
            Self.access("edge", Self.kst("2026-10-02 08:59:59")),  // Friday: before hours
            Self.access("edge", Self.kst("2026-10-02 09:00:00")),  // office
            Self.access("edge", Self.kst("2026-10-02 18:59:59")),  // office
            Self.access("edge", Self.kst("2026-10-02 19:00:00")),  // after hours
            Self.access("edge", Self.kst("2026-10-03 11:00:00")),  // Saturday (and 개천절)
            Self.access("edge", Self.kst("2026-10-10 11:00:00")),  // Saturday
            Self.access("edge", Self.kst("2026-10-09 11:00:00")),  // Friday, 한글날
            Self.access("edge", Self.utc("2026-09-30T15:00:00Z")),  // 2026-10-01 00:00 KST: October, before hours
            Self.access("edge", Self.utc("2026-09-30T14:59:59Z")),  // 2026-09-30 23:59:59 KST: September
            Self.access("edge", Self.utc("2026-10-31T14:59:59Z")),  // 2026-10-31 23:59:59 KST: October
            Self.access("edge", Self.utc("2026-10-31T16:00:00Z")),  // 2026-11-01 01:00 KST: November
            Self.access("edge", Self.utc("2026-10-01T00:00:00Z")),  // 09:00 KST Thursday: office
        ]
        let report = try AuditReport.make(month: "2026-10", records: records, history: .empty)
        #expect(report.totalRecords == 10)
        #expect(report.recordsOutsideMonth == 2)
        let off = report.offHours.listed.map(\.atKST)
        #expect(off == [
            "2026-10-01T00:00:00+09:00", "2026-10-02T08:59:59+09:00", "2026-10-02T19:00:00+09:00",
            "2026-10-03T11:00:00+09:00", "2026-10-09T11:00:00+09:00", "2026-10-10T11:00:00+09:00",
            "2026-10-31T23:59:59+09:00",
        ])
        #expect(report.offHours.listed.map(\.reason) == [.beforeHours, .beforeHours, .afterHours, .holiday, .holiday, .dayOff, .dayOff])
        #expect(report.accounts.first?.offHoursAccesses == 7)
        #expect(report.daily.first?.records == 2)
        #expect(report.daily.last?.records == 1)

        let november = try AuditReport.make(month: "2026-11", records: records, history: .empty)
        #expect(november.totalRecords == 1)
        #expect(november.daily.first?.day.description == "2026-11-01")
        #expect(november.daily.first?.records == 1)
        #expect(november.daily.first?.weekday == .sunday)
        #expect(november.offHours.listed.first?.reason == .dayOff)

        // Without the holiday list, 10-03 is still a weekend day and 10-09 an office day.
        let noHolidays = try AuditReport.make(month: "2026-10", records: records, history: .empty,
                                              settings: ReviewSettings(holidays: []))
        #expect(noHolidays.offHours.total == 6)
        #expect(noHolidays.offHours.listed.first { $0.atKST.hasPrefix("2026-10-03") }?.reason == .dayOff)

        // The month's UTC interval, for reading the store.
        let interval = try AuditReport.interval(month: "2026-10")
        #expect(interval.start == Self.utc("2026-09-30T15:00:00Z"))
        #expect(interval.end == Self.utc("2026-10-31T15:00:00Z"))
    }

    @Test("mass lookup counts distinct subjects per KST day, strictly above the threshold")
    func massLookupThreshold() throws {
        let keys = (0..<301).map { "K\($0)" }
        var records = [Self.access("a", Self.kst("2026-10-06 10:00:00"), subjects: Array(keys[0..<200])),
                       Self.access("a", Self.kst("2026-10-06 23:59:59"), subjects: Array(keys[100..<301]))]
        // 300 on the next day (with repeats): not a mass lookup.
        records.append(Self.access("b", Self.kst("2026-10-07 00:00:00"), subjects: Array(keys[0..<300])))
        records.append(Self.access("b", Self.kst("2026-10-07 12:00:00"), subjects: Array(keys[0..<300])))
        let report = try AuditReport.make(month: "2026-10", records: records, history: .empty)
        #expect(report.massLookups.map { "\($0.account) \($0.day) \($0.distinctSubjects)" } == ["a 2026-10-06 301"])
    }

    @Test("first-seen addresses use the history; a new account's addresses are all new")
    func firstSeenRules() throws {
        var history = AuditHistory()
        history.add(account: "old", address: "10.0.0.1")
        let records = [
            Self.access("old", Self.kst("2026-10-06 10:00:00"), ip: "10.0.0.1"),
            Self.access("old", Self.kst("2026-10-08 10:00:00"), ip: "10.0.0.2"),
            Self.access("old", Self.kst("2026-10-07 10:00:00"), ip: "10.0.0.2"),
            Self.access("new", Self.kst("2026-10-07 11:00:00"), ip: "10.0.0.1"),
            Self.access("", Self.kst("2026-10-07 11:00:00"), ip: "10.9.9.9"),
        ]
        let report = try AuditReport.make(month: "2026-10", records: records, history: history)
        #expect(report.firstSeenAddresses.map { "\($0.account) \($0.clientAddress) \($0.firstAtKST) \($0.records) \($0.newAccount)" } == [
            "old 10.0.0.2 2026-10-07T10:00:00+09:00 2 false",
            "new 10.0.0.1 2026-10-07T11:00:00+09:00 1 true",
        ])
        let built = AuditHistory(records: records)
        #expect(built.hasSeen(account: "old", address: "10.0.0.2"))
        #expect(!built.knows(account: ""))
    }

    @Test("the off-hours list is capped, the count is not")
    func offHoursCap() throws {
        let report = try AuditReport.make(month: Self.month, records: Self.demo.records, history: Self.demo.history,
                                          settings: ReviewSettings(offHoursListLimit: 5))
        #expect(report.offHours.total == Self.report.offHours.total)
        #expect(report.offHours.listed == Array(Self.report.offHours.listed.prefix(5)))
        #expect(report.offHours.notListed == report.offHours.total - 5)
        #expect(report.html().contains("\(report.offHours.notListed)건은 생략"))
        #expect(report.downloads == Self.report.downloads)
    }

    @Test("reasons split into code and text")
    func reasons() {
        func split(_ raw: String) -> String {
            let (code, text) = AuditReport.splitReason(raw)
            return (code ?? "-") + "|" + text
        }
        #expect(split("shipping · 배송 처리") == "shipping|배송 처리")
        #expect(split("other: 기타: 세무 자료") == "other|기타: 세무 자료")
        #expect(split("exchange_return") == "exchange_return|교환·반품 처리")
        #expect(split("배송 처리") == "-|배송 처리")
        #expect(split("shippingX 배송") == "-|shippingX 배송")
        #expect(split("") == "-|")
    }

    @Test("months are YYYY-MM")
    func invalidMonth() {
        for bad in ["2026-13", "2026-1", "26-10", "2026/10", "", "2026-10-01", "２０２６-10"] {
            #expect(throws: AuditReportError.invalidMonth(bad)) {
                try AuditReport.make(month: bad, records: [AuditRecord](), history: .empty)
            }
        }
        #expect(throws: AuditReportError.self) { try DemoActivity.month("2026-00", seed: 1) }
    }

    // MARK: Outputs

    @Test("JSON has sorted keys, UTC and KST times, and the same figures as the HTML")
    func jsonAndHTMLAgree() throws {
        let report = Self.report
        let data = report.json()
        #expect(data == report.json())
        #expect(try AuditReport.decode(json: data) == report)

        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["totalRecords"] as? Int == report.totalRecords)
        #expect(object["month"] as? String == "2026-10")
        let downloads = try #require(object["downloads"] as? [[String: Any]])
        #expect(downloads.count == report.downloads.count)
        let first = try #require(downloads.first)
        let at = try #require(first["at"] as? String)
        let atKST = try #require(first["atKST"] as? String)
        #expect(at.hasSuffix("Z"))
        #expect(atKST.hasSuffix("+09:00"))
        #expect(Self.utc(at) == report.downloads[0].at)
        #expect(atKST.hasPrefix(Self.seoulParts(report.downloads[0].at).day))
        let period = try #require(object["period"] as? [String: Any])
        #expect(period["start"] as? String == "2026-09-30T15:00:00Z")
        #expect(period["startKST"] as? String == "2026-10-01T00:00:00+09:00")

        let text = try #require(String(data: data, encoding: .utf8))
        let topKeys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.dropFirst(3).prefix { $0 != "\"" } }
        #expect(topKeys == topKeys.sorted())
        #expect(topKeys.count == 14)

        // The figures the HTML shows are the JSON's.
        let html = report.html()
        let accounts = try #require(object["accounts"] as? [[String: Any]])
        for account in accounts {
            let name = try #require(account["account"] as? String)
            let records = try #require(account["records"] as? Int)
            let accesses = try #require(account["accesses"] as? Int)
            let subjects = try #require(account["distinctSubjects"] as? Int)
            let row = "<tr><td><strong class=\"acct\">\(name)</strong></td><td class=\"n\">\(grouped(records))</td><td class=\"n\">\(grouped(accesses))</td><td class=\"n\">\(grouped(subjects))</td>"
            #expect(html.contains(row), "\(name)")
        }
        #expect(html.contains("<div class=\"v\">\(grouped(report.totalRecords))"))
        #expect(html.contains("<div class=\"v\">\(report.downloads.count)"))
        #expect(html.contains("<div class=\"v\">\(report.offHours.total)"))
        let daily = try #require(object["daily"] as? [[String: Any]])
        #expect(daily.compactMap { $0["records"] as? Int } == report.daily.map(\.records))
        for day in report.daily where day.records > 0 {
            #expect(html.contains("\(day.day) (\(day.weekday.korean)) \(grouped(day.records))건"))
        }
        if let path = ProcessInfo.processInfo.environment["AUDIT_REPORT_HTML"], !path.isEmpty {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test("data subject keys never appear in the outputs")
    func noSubjectKeys() throws {
        let html = Self.report.html()
        let json = try #require(String(data: Self.report.json(), encoding: .utf8))
        let keys = Set(Self.demo.records.flatMap(\.subjects))
        #expect(keys.count > 1_000)
        for key in keys {
            #expect(!html.contains(key), "\(key)")
            #expect(!json.contains(key), "\(key)")
        }
    }

    @Test("HTML is a complete page: balanced tags, closed SVGs, no script, no external resource")
    func htmlStructure() throws {
        let html = Self.report.html()
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("@media print"))
        #expect(html.contains("size: A4"))
        #expect(html.contains("break-before: page"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
        #expect(!html.contains("https://"))
        #expect(!html.contains("src="))
        #expect(html.components(separatedBy: "<svg").count == 3)
        #expect(html.components(separatedBy: "<svg").count == html.components(separatedBy: "</svg>").count)
        try Self.checkBalanced(html)
        // 31 day bars plus the two legend swatches and the weekend bands.
        let daily = try #require(html.range(of: "<svg").map { html[$0.lowerBound...] })
        let dailyChart = String(daily[..<daily.range(of: "</svg>")!.upperBound])
        #expect(dailyChart.components(separatedBy: "건</title></rect>").count - 1 == Self.report.daily.count { $0.records > 0 })
        #expect(dailyChart.contains("일자 (KST)"))
        #expect(dailyChart.contains("기록 수"))
    }

    @Test("values from the records are escaped everywhere")
    func escaping() throws {
        let evil = "<script>alert(\"x\")</script>"
        let records = [
            AuditRecord(at: Self.kst("2026-10-06 22:00:00"), kind: .access, action: .view, account: evil,
                        clientAddress: "<img src=x onerror=alert(1)>", site: "s", menuID: "m<", menuName: "<b>메뉴</b>",
                        subjects: ["<key>"]),
            AuditRecord(at: Self.kst("2026-10-06 23:00:00"), kind: .export, action: .download, account: evil,
                        clientAddress: "10.0.0.1", site: "s", menuID: "sales", menuName: "판매관리", event: "delivered",
                        exportReason: "other · 기타: <i>'quoted' & \"more\"</i>", exportRows: 3,
                        fileSHA256: "<svg onload=alert(1)>0123456789abcdef"),
            AuditRecord(at: Self.kst("2026-10-06 23:10:00"), kind: .export, action: .download, account: evil,
                        clientAddress: "10.0.0.1", site: "s", event: "refused:<too_large>", exportReason: "<x>"),
            AuditRecord(at: Self.kst("2026-10-06 23:20:00"), kind: .secondFactor, action: .event, account: evil,
                        clientAddress: "10.0.0.</td>", site: "s", event: "locked"),
        ]
        var history = AuditHistory()
        history.add(account: "someone", address: "10.0.0.1")
        let report = try AuditReport.make(month: "2026-10", records: records, history: history)
        let html = report.html()
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>메뉴"))
        #expect(!html.contains("<i>"))
        #expect(!html.contains("<x>"))
        #expect(!html.contains("<too_large>"))
        #expect(!html.contains("<svg onload"))
        #expect(!html.contains("<key>") && !html.contains("&lt;key&gt;"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("기타: &lt;i&gt;&#39;quoted&#39; &amp; &quot;more&quot;&lt;/i&gt;"))
        #expect(html.components(separatedBy: "<svg").count == html.components(separatedBy: "</svg>").count)
        try Self.checkBalanced(html)
        // The account name in the chart (SVG text) is escaped too.
        let chart = try #require(html.range(of: "chart-accounts-t").map { String(html[$0.lowerBound...]) })
        #expect(chart.contains("&lt;script&gt;"))
    }

    @Test("an empty month still renders")
    func emptyMonth() throws {
        let report = try AuditReport.make(month: "2027-02", records: [AuditRecord](), history: .empty,
                                          settings: ReviewSettings(holidays: []))
        #expect(report.totalRecords == 0)
        #expect(report.daily.count == 28)
        #expect(report.accounts.isEmpty)
        let html = report.html()
        #expect(html.contains("특이 사항이 없습니다"))
        #expect(html.contains("기록 없음"))
        try Self.checkBalanced(html)
        let leap = try AuditReport.make(month: "2028-02", records: [AuditRecord](), history: .empty)
        #expect(leap.daily.count == 29)
    }

    // MARK: Helpers

    struct Unbalanced: Error, CustomStringConvertible {
        let description: String
    }

    /// A small tag checker: every `<` starts a tag, comment or doctype (data never brings one), and every
    /// non-void element is closed in order (SVG shapes close themselves with `/>`). `<style>` content is skipped.
    static func checkBalanced(_ html: String) throws {
        let void: Set<String> = ["meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"]
        var stack: [String] = []
        var index = html.startIndex
        while let open = html[index...].firstIndex(of: "<") {
            let after = html.index(after: open)
            guard after < html.endIndex, let next = html[after...].first, next.isLetter || next == "/" || next == "!" else {
                throw Unbalanced(description: "stray < at \(html.distance(from: html.startIndex, to: open)): \(html[open...].prefix(40))")
            }
            guard let close = html[open...].firstIndex(of: ">") else { throw Unbalanced(description: "unterminated tag") }
            let tag = html[after..<close]
            index = html.index(after: close)
            if tag.hasPrefix("!") { continue }
            if tag.hasPrefix("/") {
                let name = tag.dropFirst().lowercased()
                guard stack.last == name else {
                    throw Unbalanced(description: "</\(name)> closes <\(stack.last ?? "nothing")> at \(html.distance(from: html.startIndex, to: open))")
                }
                stack.removeLast()
                continue
            }
            let name = String(tag.prefix { $0.isLetter || $0.isNumber }).lowercased()
            if tag.hasSuffix("/") || void.contains(name) { continue }
            if name == "style" {
                guard let end = html[index...].range(of: "</style>") else { throw Unbalanced(description: "unclosed style") }
                index = end.upperBound
                continue
            }
            stack.append(name)
        }
        if !stack.isEmpty { throw Unbalanced(description: "unclosed: \(stack)") }
    }
}
