import Foundation

/// A deterministic month of believable guard activity: the demo's and the tests' access records.
///
/// Exists so the monthly review can be shown (`pii-guard audit report --demo`), photographed for the auditor guide
/// and tested on a month that looks like a real seller's: six accounts (`seller-a`…`seller-e`, `auditor-a`) working
/// office hours on the 판매관리 and 1:1 채팅 menus, a few accesses at night, on weekends and on a holiday, downloads
/// with their reasons, wrong second-factor codes and one lock, and three things a reviewer should find: one account
/// from a new address (`newAddressAccount`), one mass-lookup day (`massLookupAccount` on `massLookupDay(in:)`) and
/// a refused export. The same month and seed always give the same records. The records are not hash-chained
/// (`previousHash` and `hash` are empty): they never pass through the trail's writer.
public enum DemoActivity {
    /// The accounts, sellers first.
    public static let accounts = ["seller-a", "seller-b", "seller-c", "seller-d", "seller-e", "auditor-a"]
    /// The account that starts working from a new address during the month.
    public static let newAddressAccount = "seller-d"
    /// Its new address (TEST-NET-2, RFC 5737).
    public static let newAddress = "198.51.100.23"
    /// The account that pages through several hundred old orders on one day.
    public static let massLookupAccount = "seller-c"
    /// The account whose second factor locks once.
    public static let lockedAccount = "seller-d"
    /// The site the records name (as in `pii-guard.yaml`).
    public static let site = "seller-admin"

    /// The records of `month` (`YYYY-MM`, KST) and the history before it, from `seed`.
    ///
    /// Working days follow `settings` (office days and holidays), so the regular traffic stays inside office hours
    /// and only the planted accesses fall outside them.
    public static func month(_ month: String, seed: UInt64,
                             settings: ReviewSettings = ReviewSettings()) throws(AuditReportError) -> (records: [AuditRecord], history: AuditHistory) {
        var generator = Generator(month: try ReviewMonth(month), seed: seed, settings: settings)
        generator.run()
        return (generator.finish(), generator.history)
    }

    /// The planted mass-lookup day: the first working Wednesday from the 19th (else the first working day from the
    /// 19th, else the month's last working day).
    public static func massLookupDay(in month: String, settings: ReviewSettings = ReviewSettings()) throws(AuditReportError) -> CalendarDay {
        Plan(month: try ReviewMonth(month), settings: settings).massLookup
    }

    /// The day `newAddressAccount` first works from `newAddress`: the first working day from the 13th.
    public static func newAddressDay(in month: String, settings: ReviewSettings = ReviewSettings()) throws(AuditReportError) -> CalendarDay {
        Plan(month: try ReviewMonth(month), settings: settings).newAddress
    }
}

// MARK: - Plan

/// Which day each planted event happens on, for any month.
private struct Plan {
    let workingDays: [CalendarDay]
    let days: [CalendarDay]
    let massLookup: CalendarDay
    let newAddress: CalendarDay
    let lateNight: CalendarDay
    let earlyMorning: CalendarDay
    let boundary: CalendarDay
    let lock: CalendarDay
    let refused: CalendarDay
    let otherReason: CalendarDay
    let wrongCodes: [CalendarDay]

    init(month: ReviewMonth, settings: ReviewSettings) {
        let days = month.days
        let working = days.filter { !settings.isDayOff($0) }
        self.days = days
        self.workingDays = working
        func pick(from day: Int, _ weekday: Weekday? = nil) -> CalendarDay {
            working.first { $0.day >= day && (weekday == nil || $0.weekday == weekday) }
                ?? working.first { $0.day >= day } ?? working.last ?? days[min(day, days.count) - 1]
        }
        self.massLookup = pick(from: 19, .wednesday)
        self.newAddress = pick(from: 13)
        self.lateNight = pick(from: 6, .thursday)
        self.earlyMorning = pick(from: 14, .friday)
        self.boundary = pick(from: 20)
        self.lock = pick(from: 26, .tuesday)
        self.refused = pick(from: 22, .thursday)
        self.otherReason = working.last ?? days[days.count - 1]
        self.wrongCodes = [pick(from: 2), pick(from: 15, .monday)]
    }
}

// MARK: - Generator

private struct Generator {
    struct Menu {
        let id: String
        let name: String
        static let sales = Menu(id: "sales", name: "판매관리")
        static let chat = Menu(id: "chat", name: "1:1 채팅")
        static let account = Menu(id: "account", name: "내정보")
    }

    enum Page {
        case orderList, orderDetail, orderMemo, cancels, returns, chatRooms, chatMessages, myAccount
    }

    struct Profile {
        let account: String
        let addresses: [String]
        let accessesPerDay: ClosedRange<Int>
        /// Share of working days the account works at all.
        let presence: Double
        let pages: [(Page, Int)]
        let usesSMS: Bool
        let userAgent: String
    }

    static let windowsChrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"
    static let macSafari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15"
    static let whale = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Whale/4.33.325.17 Safari/537.36"

    static let profiles: [Profile] = [
        Profile(account: "seller-a", addresses: ["203.0.113.10"], accessesPerDay: 55...80, presence: 1.0,
                pages: [(.orderList, 25), (.orderDetail, 52), (.orderMemo, 12), (.returns, 6), (.myAccount, 5)],
                usesSMS: false, userAgent: windowsChrome),
        Profile(account: "seller-b", addresses: ["203.0.113.11", "203.0.113.12"], accessesPerDay: 30...50, presence: 0.95,
                pages: [(.cancels, 15), (.returns, 17), (.orderDetail, 48), (.orderMemo, 20)],
                usesSMS: true, userAgent: windowsChrome),
        Profile(account: "seller-c", addresses: ["203.0.113.13"], accessesPerDay: 18...34, presence: 0.9,
                pages: [(.orderList, 35), (.orderDetail, 60), (.myAccount, 5)],
                usesSMS: false, userAgent: whale),
        Profile(account: "seller-d", addresses: ["203.0.113.14"], accessesPerDay: 10...22, presence: 0.8,
                pages: [(.orderList, 30), (.orderDetail, 60), (.orderMemo, 10)],
                usesSMS: true, userAgent: windowsChrome),
        Profile(account: "seller-e", addresses: ["203.0.113.15"], accessesPerDay: 25...45, presence: 0.95,
                pages: [(.chatRooms, 25), (.chatMessages, 65), (.orderDetail, 10)],
                usesSMS: true, userAgent: windowsChrome),
        Profile(account: "auditor-a", addresses: ["203.0.113.20"], accessesPerDay: 1...4, presence: 0.3,
                pages: [(.orderList, 60), (.orderDetail, 40)],
                usesSMS: false, userAgent: macSafari),
    ]

    /// Busy hours of a seller's office day (lunch dip at noon), as weights for 09:00 … 18:00.
    static let hourWeights = [(9, 5), (10, 9), (11, 9), (12, 4), (13, 7), (14, 9), (15, 9), (16, 8), (17, 7), (18, 4)]

    let month: ReviewMonth
    let settings: ReviewSettings
    let plan: Plan
    var random: DemoRandom
    var records: [AuditRecord] = []
    var history = AuditHistory()

    init(month: ReviewMonth, seed: UInt64, settings: ReviewSettings) {
        self.month = month
        self.settings = settings
        self.plan = Plan(month: month, settings: settings)
        self.random = DemoRandom(seed: seed)
    }

    mutating func run() {
        for profile in Self.profiles {
            for address in profile.addresses { self.history.add(account: profile.account, address: address) }
        }
        // Addresses used long ago, still in the history.
        self.history.add(account: "seller-a", address: "203.0.113.9")
        self.history.add(account: "seller-c", address: "192.0.2.44")

        for day in self.plan.workingDays {
            for profile in Self.profiles {
                let planted = day == self.plan.massLookup && profile.account == DemoActivity.massLookupAccount
                guard planted || self.random.chance(profile.presence) else { continue }
                self.workingDay(day, profile)
            }
        }
        self.plantMassLookup()
        self.plantOffHours()
        self.plantLock()
        self.plantExports()
    }

    func finish() -> [AuditRecord] {
        let ordered = self.records.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
        return ordered.enumerated().map { index, pair in
            var record = pair.element
            record.sequence = Int64(index + 1)
            return record
        }
    }

    // MARK: Regular days

    mutating func workingDay(_ day: CalendarDay, _ profile: Profile) {
        let address = self.address(of: profile, on: day)
        let session = self.random.hex(64)
        let count = self.random.int(profile.accessesPerDay)
        var times = (0..<count).map { _ in self.officeSecond() }.sorted()
        if profile.account == "seller-a", day == self.plan.boundary {
            // Right at the edge of office hours: 18:59:59 is in, 19:00:00 is out.
            times.append(19 * 3600 - 1)
            times.append(19 * 3600)
        }
        if profile.account == "seller-e", day == self.plan.earlyMorning {
            times.append(9 * 3600)
        }
        guard let first = times.first else { return }
        self.verify(profile, day: day, second: first - self.random.int(30...90), address: address, session: session)
        if self.random.chance(0.25) {
            // The proof's cycle ran out after lunch: verified again.
            let second = 14 * 3600 + self.random.int(0...1800)
            self.verify(profile, day: day, second: second, address: address, session: session)
        }
        if self.plan.wrongCodes.contains(day), profile.account == "seller-b" {
            let second = first - self.random.int(100...200)
            self.secondFactor("wrong_code", profile, day: day, second: second, address: address, session: session)
        }
        for second in times {
            let page = self.random.weighted(profile.pages)
            self.access(page, profile, day: day, second: second, address: address, session: session)
        }
    }

    func address(of profile: Profile, on day: CalendarDay) -> String {
        if profile.account == DemoActivity.newAddressAccount, day >= self.plan.newAddress {
            // Working from home two days in three after the move; the planted day always.
            return day == self.plan.newAddress || (day.ordinal % 3 != 0) ? DemoActivity.newAddress : profile.addresses[0]
        }
        return profile.addresses[day.ordinal % profile.addresses.count]
    }

    mutating func officeSecond() -> Int {
        let hour = self.random.weighted(Self.hourWeights)
        return hour * 3600 + self.random.int(0...3599)
    }

    // MARK: Planted

    mutating func plantMassLookup() {
        guard let profile = Self.profiles.first(where: { $0.account == DemoActivity.massLookupAccount }) else { return }
        let day = self.plan.massLookup
        let address = self.address(of: profile, on: day)
        let session = self.random.hex(64)
        // 24 list pages of 20 orders from the previous months, one every 15-40 seconds from 14:05.
        let old = (8...15).flatMap { back in Self.orders(ofDay: day.ordinal - 40 - back, count: 60) }
        var second = 14 * 3600 + 5 * 60
        for page in 0..<24 {
            let subjects = Array(old[(page * 20)..<(page * 20 + 20)])
            second += self.random.int(15...40)
            self.append(AuditRecord(
                at: self.settings.date(day, secondOfDay: second), kind: .access, action: .view, account: profile.account,
                clientAddress: address, site: DemoActivity.site, menuID: Menu.sales.id, menuName: Menu.sales.name,
                method: "GET", path: "/sales/orders", status: 200, subjects: subjects,
                maskedCounts: ["name": 20, "phone": 20, "address": 20], requestID: self.requestID(),
                sessionHash: session, userAgent: profile.userAgent))
        }
    }

    mutating func plantOffHours() {
        let seller = { (name: String) in Self.profiles.first { $0.account == name }! }
        // seller-b answers a return at night from the office laptop.
        let b = seller("seller-b")
        let night = self.plan.lateNight
        let bSession = self.random.hex(64)
        self.verify(b, day: night, second: 21 * 3600 + 34 * 60, address: b.addresses[1], session: bSession)
        for (index, page) in [Page.returns, .orderDetail, .orderMemo, .orderDetail].enumerated() {
            self.access(page, b, day: night, second: 21 * 3600 + 36 * 60 + index * 140 + self.random.int(0...60),
                        address: b.addresses[1], session: bSession)
        }
        // seller-e reads chats before the office opens; 08:59:59 is still off-hours.
        let e = seller("seller-e")
        let early = self.plan.earlyMorning
        let eSession = self.random.hex(64)
        self.verify(e, day: early, second: 8 * 3600 + 40 * 60, address: e.addresses[0], session: eSession)
        for second in [8 * 3600 + 41 * 60 + 12, 8 * 3600 + 52 * 60 + 3, 9 * 3600 - 1] {
            self.access(.chatMessages, e, day: early, second: second, address: e.addresses[0], session: eSession)
        }
        // Weekends and holidays: seller-a checks Saturday orders, seller-e answers Sunday chats, seller-a on
        // weekday holidays late in the morning.
        let a = seller("seller-a")
        var firstSaturday = true
        let lastWeekdayHoliday = self.plan.days.last { self.settings.holidays.contains($0) && !$0.weekday.isWeekend }
        for day in self.plan.days where self.settings.isDayOff(day) {
            let holidayOnWeekday = self.settings.holidays.contains(day) && !day.weekday.isWeekend
            if day.weekday == .saturday, firstSaturday || self.random.chance(0.6) {
                let session = self.random.hex(64)
                let start = 10 * 3600 + self.random.int(0...5400)
                self.verify(a, day: day, second: start - 50, address: a.addresses[0], session: session)
                for index in 0..<self.random.int(2...5) {
                    self.access(index == 0 ? .orderList : .orderDetail, a, day: day,
                                second: start + index * self.random.int(60...240), address: a.addresses[0], session: session)
                }
                if firstSaturday {
                    // A weekend download: listed with its off-hours mark.
                    self.export(a, day: day, second: start + 1500, address: a.addresses[0], session: session,
                                reason: "shipping · 배송 처리", rows: self.random.int(20...45))
                }
                firstSaturday = false
            } else if day.weekday == .sunday, self.random.chance(0.4) {
                let session = self.random.hex(64)
                let start = 14 * 3600 + self.random.int(0...10800)
                self.verify(e, day: day, second: start - 40, address: e.addresses[0], session: session)
                for index in 0..<self.random.int(1...3) {
                    self.access(.chatMessages, e, day: day, second: start + index * 95, address: e.addresses[0], session: session)
                }
            } else if holidayOnWeekday, day == lastWeekdayHoliday {
                let session = self.random.hex(64)
                let start = 11 * 3600 + self.random.int(0...1800)
                self.verify(a, day: day, second: start - 45, address: a.addresses[0], session: session)
                for index in 0..<3 {
                    self.access(.orderDetail, a, day: day, second: start + index * 200, address: a.addresses[0], session: session)
                }
            }
        }
    }

    mutating func plantLock() {
        guard let d = Self.profiles.first(where: { $0.account == DemoActivity.lockedAccount }) else { return }
        let day = self.plan.lock
        let address = self.address(of: d, on: day)
        let session = self.random.hex(64)
        var second = 9 * 3600 + 20 * 60
        self.secondFactor("code_sent", d, day: day, second: second - 30, address: address, session: session)
        for _ in 0..<5 {
            second += self.random.int(15...40)
            self.secondFactor("wrong_code", d, day: day, second: second, address: address, session: session)
        }
        self.secondFactor("locked", d, day: day, second: second + 1, address: address, session: session)
        self.secondFactor("unlocked", d, day: day, second: second + 42 * 60, address: address, session: session)
        self.verify(d, day: day, second: second + 44 * 60, address: address, session: session)
    }

    mutating func plantExports() {
        let seller = { (name: String) in Self.profiles.first { $0.account == name }! }
        let a = seller("seller-a"), b = seller("seller-b"), c = seller("seller-c"), d = seller("seller-d")
        for day in self.plan.workingDays {
            // Morning shipping list, most working days.
            if self.random.chance(0.8) {
                self.export(a, day: day, second: 10 * 3600 + self.random.int(0...2400), address: self.address(of: a, on: day),
                            session: self.random.hex(64), reason: "shipping · 배송 처리", rows: self.random.int(28...140))
            }
            if self.random.chance(0.2) {
                self.export(b, day: day, second: 15 * 3600 + self.random.int(0...5400), address: self.address(of: b, on: day),
                            session: self.random.hex(64), reason: "exchange_return · 교환·반품 처리", rows: self.random.int(3...24))
            }
            if day == self.plan.newAddress || self.random.chance(0.06) {
                self.export(d, day: day, second: 11 * 3600 + self.random.int(0...3600), address: self.address(of: d, on: day),
                            session: self.random.hex(64), reason: "customer_inquiry · 고객 문의 대응", rows: self.random.int(1...6))
            }
        }
        self.export(c, day: self.plan.otherReason, second: 16 * 3600 + 20 * 60, address: c.addresses[0],
                    session: self.random.hex(64), reason: "other · 기타: 부가세 신고용 월 매출 자료 확인", rows: 1_240)
        // A download pii-guard refused: the list was over the size limit.
        let day = self.plan.refused
        self.append(AuditRecord(
            at: self.settings.date(day, secondOfDay: 16 * 3600 + 12 * 60 + 9), kind: .export, action: .download,
            account: b.account, clientAddress: self.address(of: b, on: day), site: DemoActivity.site,
            menuID: Menu.sales.id, menuName: Menu.sales.name, method: "GET", path: "/sales/returns/export.csv",
            status: 413, event: "refused:too_large", exportReason: "exchange_return · 교환·반품 처리",
            requestID: self.requestID(), sessionHash: self.random.hex(64), userAgent: b.userAgent))
    }

    // MARK: Records

    mutating func verify(_ profile: Profile, day: CalendarDay, second: Int, address: String, session: String) {
        if profile.usesSMS {
            self.secondFactor("code_sent", profile, day: day, second: second - self.random.int(20...60), address: address,
                              session: session)
        }
        self.secondFactor("verified", profile, day: day, second: second, address: address, session: session)
    }

    mutating func secondFactor(_ event: String, _ profile: Profile, day: CalendarDay, second: Int, address: String,
                               session: String) {
        self.append(AuditRecord(
            at: self.settings.date(day, secondOfDay: second), kind: .secondFactor, action: .event,
            account: profile.account, clientAddress: address, site: DemoActivity.site, event: event,
            requestID: self.requestID(), sessionHash: session, userAgent: profile.userAgent))
    }

    mutating func export(_ profile: Profile, day: CalendarDay, second: Int, address: String, session: String,
                         reason: String, rows: Int) {
        let path = rows > 500 ? "/sales/orders/export.xlsx" : "/sales/orders/export.csv"
        self.append(AuditRecord(
            at: self.settings.date(day, secondOfDay: second), kind: .export, action: .download, account: profile.account,
            clientAddress: address, site: DemoActivity.site, menuID: Menu.sales.id, menuName: Menu.sales.name,
            method: "GET", path: path, status: 200, event: "delivered", exportReason: reason, exportRows: rows,
            fileSHA256: self.random.hex(64), requestID: self.requestID(), sessionHash: session,
            userAgent: profile.userAgent))
    }

    mutating func access(_ page: Page, _ profile: Profile, day: CalendarDay, second: Int, address: String, session: String) {
        let pool = (0...2).flatMap { Self.orders(ofDay: day.ordinal - $0, count: 60) }
        let customers = (0...1).flatMap { Self.customers(ofDay: day.ordinal - $0, count: 40) }
        let menu: Menu
        var action = AuditRecord.Action.view
        var method = "GET"
        let path: String
        var subjects: [String] = []
        var masked: [String: Int] = [:]
        switch page {
        case .orderList, .cancels, .returns:
            menu = .sales
            let start = self.random.int(0...(pool.count - 20))
            subjects = Array(pool[start..<(start + 20)])
            path = page == .orderList ? "/sales/orders" : page == .cancels ? "/sales/cancels" : "/sales/returns"
            masked = ["name": 20, "phone": 20, "address": 20]
        case .orderDetail:
            menu = .sales
            let order = self.random.pick(pool)
            subjects = [order]
            path = "/sales/orders/" + order
            masked = ["name": 1, "phone": 2, "address": 1, "email": 1]
        case .orderMemo:
            menu = .sales
            let order = self.random.pick(pool)
            subjects = [order]
            action = .change
            method = "POST"
            path = "/api/orders/\(order)/memo"
        case .chatRooms:
            menu = .chat
            let start = self.random.int(0...(customers.count - 12))
            subjects = Array(customers[start..<(start + 12)])
            path = "/api/chat/rooms"
            masked = ["name": 12]
        case .chatMessages:
            menu = .chat
            let customer = self.random.pick(customers)
            subjects = [customer]
            path = "/api/chat/rooms/\(customer.dropFirst())/messages"
            masked = ["name": 1, "phone": self.random.int(0...1)]
        case .myAccount:
            menu = .account
            path = "/account/"
            masked = ["phone": 1, "email": 1]
        }
        let status = self.random.chance(0.01) ? 404 : 200
        self.append(AuditRecord(
            at: self.settings.date(day, secondOfDay: second), kind: .access, action: action, account: profile.account,
            clientAddress: address, site: DemoActivity.site, menuID: menu.id, menuName: menu.name, method: method,
            path: path, status: status, subjects: subjects, maskedCounts: masked.filter { $0.value > 0 },
            requestID: self.requestID(), sessionHash: session, userAgent: profile.userAgent))
    }

    mutating func append(_ record: AuditRecord) { self.records.append(record) }

    mutating func requestID() -> String { self.random.hex(16) }

    /// Order numbers of one day: `yyyyMMdd` and a four-digit serial from 1001.
    static func orders(ofDay ordinal: Int, count: Int) -> [String] {
        let day = CalendarDay(ordinal: ordinal)
        let prefix = CalendarDay.pad(day.year, 4) + CalendarDay.pad(day.month, 2) + CalendarDay.pad(day.day, 2)
        return (0..<count).map { prefix + String(1001 + $0) }
    }

    /// Customer ids who wrote to the shop on one day.
    static func customers(ofDay ordinal: Int, count: Int) -> [String] {
        (0..<count).map { "C" + CalendarDay.pad((ordinal * 37 + $0 * 7919) % 1_000_000, 6) }
    }
}

/// SplitMix64: small, fast and the same on every platform and toolchain (the standard library's generators and
/// `random(in:using:)` make no such promise).
private struct DemoRandom {
    var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(self.next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double(self.next() >> 11) / Double(UInt64(1) << 53) < probability
    }

    mutating func pick<T>(_ items: [T]) -> T { items[self.int(0...(items.count - 1))] }

    mutating func weighted<T>(_ items: [(T, Int)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var roll = self.int(0...(total - 1))
        for (item, weight) in items {
            if roll < weight { return item }
            roll -= weight
        }
        return items[items.count - 1].0
    }

    mutating func hex(_ digits: Int) -> String {
        let alphabet = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(digits)
        while out.count < digits {
            var word = self.next()
            for _ in 0..<16 where out.count < digits {
                out.append(alphabet[Int(word & 0xF)])
                word >>= 4
            }
        }
        return out
    }
}
