import Foundation
import TextEscaping

extension AuditReport {
    /// The review as one printable HTML page: Korean first with English subtitles, A4 print styles with a page break
    /// between sections, two inline SVG charts, no script and no external resource. Every value from the records is
    /// escaped.
    public func html() -> String {
        ReportPage(report: self).render()
    }
}

/// Renders an `AuditReport` as HTML.
private struct ReportPage {
    let report: AuditReport

    static let hashDigits = 12

    func render() -> String {
        let r = self.report
        let title = "\(Self.monthKorean(r.month)) 개인정보 접속기록 점검 보고서"
        return """
            <!doctype html>
            <html lang="ko">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(h(title)) · pii-guard</title>
            <style>
            \(Self.css)
            </style>
            </head>
            <body>
            <header class="band"><p>pii-guard · 개인정보 접속기록 월간 점검 <span class="en">Monthly access-record review</span></p><p class="month">\(h(r.month))</p></header>
            <main>
            \(self.summarySection(title: title))
            \(self.accountsSection())
            \(self.checksSection())
            \(self.downloadsSection())
            \(self.signOffSection())
            </main>
            </body>
            </html>

            """
    }

    // MARK: Sections

    func summarySection(title: String) -> String {
        let r = self.report
        let holidays = r.basis.holidaysInMonth.map { Self.shortDay($0) }.joined(separator: ", ")
        let officeDays = Self.officeDaysText(r.basis.officeDays)
        let flagged = r.massLookups.count + r.firstSeenAddresses.count + r.secondFactor.locks
        return """
            <section class="sheet" id="summary">
            <h1>\(h(title))</h1>
            <p class="subtitle">Monthly review of personal-information access records · \(h(Self.monthEnglish(r.month)))</p>
            <dl class="meta">
            <div><dt>점검 기간 <span class="en">Period</span></dt><dd>\(h(self.periodText())) \(h(r.basis.timeZone)) (\(r.period.days)일)</dd></div>
            <div><dt>근거 <span class="en">Basis</span></dt><dd>「개인정보의 안전성 확보조치 기준」 제8조: 접속기록 월 1회 이상 점검, 다운로드 사유 확인</dd></div>
            <div><dt>업무시간 <span class="en">Office hours</span></dt><dd>\(h(r.basis.officeStart))–\(h(r.basis.officeEnd)) \(h(r.basis.timeZone)), \(h(officeDays))\(holidays.isEmpty ? "" : " · 공휴일 " + h(holidays))</dd></div>
            <div><dt>대량 조회 기준 <span class="en">Mass lookup</span></dt><dd>계정별 하루 정보주체 \(grouped(r.basis.massLookupThreshold))명 초과 <span class="en">more than \(grouped(r.basis.massLookupThreshold)) distinct data subjects per account per day</span></dd></div>
            </dl>
            <div class="cards">
            \(Self.card("전체 기록", "Records", r.totalRecords, note: "계정 \(r.accounts.count)개"))
            \(Self.card("개인정보 조회", "Accesses", r.recordsByKind.access))
            \(Self.card("다운로드", "Downloads", r.downloads.count, note: "\(grouped(r.downloads.reduce(0) { $0 + ($1.rows ?? 0) }))행", flag: !r.downloads.isEmpty, flagText: "사유 확인"))
            \(Self.card("업무시간 외 접속", "Off-hours accesses", r.offHours.total, flag: r.offHours.total > 0))
            \(Self.card("새 접속 IP", "First-seen addresses", r.firstSeenAddresses.count, flag: !r.firstSeenAddresses.isEmpty))
            \(Self.card("대량 조회", "Mass lookups", r.massLookups.count, note: "계정·일", flag: !r.massLookups.isEmpty))
            \(Self.card("추가 인증 실패", "Second-factor failures", r.secondFactor.failures, note: "잠금 \(r.secondFactor.locks)회", flag: r.secondFactor.locks > 0))
            \(Self.card("다운로드 거부", "Refused exports", r.refusedExports.count))
            </div>
            <h2>주요 확인 사항 <span class="en">Findings</span></h2>
            \(self.findings(flagged: flagged))
            <figure>
            <figcaption>일별 접속기록 수 <span class="en">Records per day (KST)</span></figcaption>
            \(ReportCharts.dailyVolume(r.daily, id: "chart-daily"))
            </figure>
            <figure>
            <figcaption>계정별 개인정보 조회 수 <span class="en">Accesses per account</span></figcaption>
            \(ReportCharts.accessesPerAccount(r.accounts, id: "chart-accounts"))
            </figure>
            </section>
            """
    }

    func findings(flagged: Int) -> String {
        let r = self.report
        var items: [String] = []
        for lookup in r.massLookups {
            items.append("<li><span class=\"badge bad\">대량 조회</span> \(self.account(lookup.account)): \(h(Self.shortDay(lookup.day)))(\(h(lookup.weekday.korean))) 하루 정보주체 <strong>\(grouped(lookup.distinctSubjects))명</strong> 조회 (기준 \(grouped(r.basis.massLookupThreshold))명 초과, 조회 \(grouped(lookup.accesses))건) <span class=\"en\">mass lookup</span></li>")
        }
        for address in r.firstSeenAddresses {
            items.append("<li><span class=\"badge\">새 접속 IP</span> \(self.account(address.account)): <span class=\"mono\">\(h(address.clientAddress))</span>에서 처음 접속 \(h(Self.kstShort(address.firstAtKST))), 기록 \(grouped(address.records))건\(address.newAccount ? " (새 계정)" : "") <span class=\"en\">first-seen address</span></li>")
        }
        for lock in r.secondFactor.lockEvents {
            items.append("<li><span class=\"badge bad\">인증 잠금</span> \(self.account(lock.account)): \(h(Self.kstShort(lock.atKST))) 추가 인증 잠금 (그날 실패 \(lock.failuresBefore)회) <span class=\"en\">second factor locked</span></li>")
        }
        if r.offHours.total > 0 {
            let accounts = Set(r.accounts.filter { $0.offHoursAccesses > 0 }.map(\.account)).count
            items.append("<li><span class=\"badge\">업무시간 외</span> 업무시간 외 접속 \(grouped(r.offHours.total))건 (계정 \(accounts)개): 업무상 필요했는지 확인 <span class=\"en\">off-hours accesses</span></li>")
        }
        if !r.downloads.isEmpty {
            let other = r.downloads.count { $0.reasonCode == "other" || $0.reasonText.hasPrefix("기타") }
            let missing = r.downloads.count { $0.reasonText.isEmpty }
            items.append("<li><span class=\"badge\">다운로드</span> 다운로드 \(grouped(r.downloads.count))건 전부의 사유 확인\(other > 0 ? " (‘기타’ 사유 \(other)건)" : "")\(missing > 0 ? " · <strong class=\"bad\">사유 없음 \(missing)건</strong>" : "") <span class=\"en\">check every download reason</span></li>")
        }
        if !r.refusedExports.isEmpty {
            items.append("<li><span class=\"badge\">다운로드 거부</span> 거부된 다운로드 \(grouped(r.refusedExports.count))건 <span class=\"en\">refused exports</span></li>")
        }
        if r.recordsOutsideMonth > 0 {
            items.append("<li><span class=\"badge muted\">참고</span> 대상 월 밖의 기록 \(grouped(r.recordsOutsideMonth))건은 집계에서 제외했습니다. <span class=\"en\">records outside the month were left out</span></li>")
        }
        if items.isEmpty {
            return "<p class=\"none\">특이 사항이 없습니다. <span class=\"en\">Nothing stands out.</span></p>"
        }
        return "<ul class=\"findings\">\n" + items.joined(separator: "\n") + "\n</ul>"
    }

    func accountsSection() -> String {
        let r = self.report
        var rows = ""
        for a in r.accounts {
            rows += "<tr><td>\(self.account(a.account))</td><td class=\"n\">\(grouped(a.records))</td><td class=\"n\">\(grouped(a.accesses))</td>"
                + "<td class=\"n\">\(grouped(a.distinctSubjects))</td><td class=\"n\">\(Self.flagged(a.offHoursAccesses))</td>"
                + "<td class=\"n\">\(grouped(a.downloads))</td><td class=\"n\">\(grouped(a.downloadedRows))</td>"
                + "<td class=\"n\">\(grouped(a.distinctAddresses))\(a.firstSeenAddresses > 0 ? " <span class=\"badge\">새 \(a.firstSeenAddresses)</span>" : "")</td>"
                + "<td class=\"n\">\(Self.flagged(a.massLookupDays, bad: true))</td>"
                + "<td class=\"n\">\(grouped(a.secondFactorFailures))</td><td class=\"n\">\(Self.flagged(a.secondFactorLocks, bad: true))</td></tr>\n"
        }
        let totals = r.accounts.reduce(into: [Int](repeating: 0, count: 7)) { t, a in
            t[0] += a.records; t[1] += a.accesses; t[2] += a.offHoursAccesses; t[3] += a.downloads
            t[4] += a.downloadedRows; t[5] += a.secondFactorFailures; t[6] += a.secondFactorLocks
        }
        let table = r.accounts.isEmpty ? Self.none : """
            <table>
            <thead><tr>\(Self.th("계정", "Account"))\(Self.th("기록", "Records", n: true))\(Self.th("조회", "Accesses", n: true))\(Self.th("정보주체", "Subjects", n: true))\(Self.th("업무시간 외", "Off-hours", n: true))\(Self.th("다운로드", "Downloads", n: true))\(Self.th("다운로드 행", "Rows", n: true))\(Self.th("접속 IP", "Addresses", n: true))\(Self.th("대량 조회일", "Mass days", n: true))\(Self.th("인증 실패", "2FA failed", n: true))\(Self.th("잠금", "Locks", n: true))</tr></thead>
            <tbody>
            \(rows)</tbody>
            <tfoot><tr><th>합계 <span class="en">Total</span></th><td class="n">\(grouped(totals[0]))</td><td class="n">\(grouped(totals[1]))</td><td class="n">–</td><td class="n">\(grouped(totals[2]))</td><td class="n">\(grouped(totals[3]))</td><td class="n">\(grouped(totals[4]))</td><td class="n">–</td><td class="n">\(grouped(r.massLookups.count))</td><td class="n">\(grouped(totals[5]))</td><td class="n">\(grouped(totals[6]))</td></tr></tfoot>
            </table>
            """
        return """
            <section class="sheet" id="accounts">
            <h2>1. 계정별 현황 <span class="en">Accounts</span></h2>
            <p class="lead">정보주체 수는 주문번호 등 기록된 정보주체 키의 개수이며, 키 자체는 보고서에 싣지 않습니다. <span class="en">Subjects are counts of distinct data-subject keys; the keys themselves are never shown.</span></p>
            \(table)
            \(self.secondFactorPart())
            \(self.dailyTable())
            </section>
            """
    }

    func secondFactorPart() -> String {
        let s = self.report.secondFactor
        var body = "<h3>추가 인증 <span class=\"en\">Second factor</span></h3>\n"
        body += "<p class=\"lead\">인증 성공 \(grouped(s.verified))회 · 인증번호 오류 \(grouped(s.failures))회 · 잠금 \(grouped(s.locks))회 · 잠금 해제 \(grouped(s.unlocks))회 <span class=\"en\">verified · wrong codes · locks · unlocks</span></p>\n"
        if s.byAccount.isEmpty { return body + Self.none }
        body += "<table class=\"narrow\">\n<thead><tr>\(Self.th("계정", "Account"))\(Self.th("인증번호 오류", "Wrong codes", n: true))\(Self.th("잠금", "Locks", n: true))\(Self.th("잠금 해제", "Unlocks", n: true))\(Self.th("인증 성공", "Verified", n: true))</tr></thead>\n<tbody>\n"
        for a in s.byAccount {
            body += "<tr><td>\(self.account(a.account))</td><td class=\"n\">\(grouped(a.failures))</td><td class=\"n\">\(Self.flagged(a.locks, bad: true))</td><td class=\"n\">\(grouped(a.unlocks))</td><td class=\"n\">\(grouped(a.verified))</td></tr>\n"
        }
        body += "</tbody>\n</table>\n"
        if !s.lockEvents.isEmpty {
            body += "<table class=\"narrow\">\n<thead><tr>\(Self.th("잠금 일시", "Locked at (KST)"))\(Self.th("계정", "Account"))\(Self.th("접속 IP", "Address"))\(Self.th("그날 실패", "Failures that day", n: true))</tr></thead>\n<tbody>\n"
            for lock in s.lockEvents {
                body += "<tr><td class=\"nowrap\">\(h(Self.kstShort(lock.atKST)))</td><td>\(self.account(lock.account))</td><td class=\"mono\">\(h(lock.clientAddress))</td><td class=\"n\">\(lock.failuresBefore)</td></tr>\n"
            }
            body += "</tbody>\n</table>\n"
        }
        return body
    }

    func dailyTable() -> String {
        let days = self.report.daily
        let half = (days.count + 1) / 2
        func rows(_ slice: ArraySlice<AuditReport.DailyVolume>) -> String {
            slice.map { d in
                "<tr\(d.dayOff ? " class=\"off\"" : "")><td class=\"nowrap\">\(h(Self.shortDay(d.day)))(\(h(d.weekday.korean)))\(d.holiday ? " <span class=\"badge\">공휴일</span>" : "")</td><td class=\"n\">\(grouped(d.records))</td><td class=\"n\">\(grouped(d.accesses))</td><td class=\"n\">\(grouped(d.offHoursAccesses))</td><td class=\"n\">\(grouped(d.downloads))</td></tr>"
            }.joined(separator: "\n")
        }
        let head = "<thead><tr>\(Self.th("일자", "Day"))\(Self.th("기록", "Records", n: true))\(Self.th("조회", "Accesses", n: true))\(Self.th("업무시간 외", "Off-hours", n: true))\(Self.th("다운로드", "Downloads", n: true))</tr></thead>"
        return """
            <h3>일별 기록 <span class="en">Daily volume</span></h3>
            <div class="columns">
            <table class="compact">\(head)<tbody>
            \(rows(days[..<half]))
            </tbody></table>
            <table class="compact">\(head)<tbody>
            \(rows(days[half...]))
            </tbody></table>
            </div>
            """
    }

    func checksSection() -> String {
        let r = self.report
        var mass = Self.none
        if !r.massLookups.isEmpty {
            mass = "<table>\n<thead><tr>\(Self.th("일자", "Day"))\(Self.th("계정", "Account"))\(Self.th("정보주체", "Distinct subjects", n: true))\(Self.th("조회", "Accesses", n: true))\(Self.th("확인", "Checked"))</tr></thead>\n<tbody>\n"
            for m in r.massLookups {
                mass += "<tr><td class=\"nowrap\">\(h(m.day.description))(\(h(m.weekday.korean)))</td><td>\(self.account(m.account))</td><td class=\"n\"><strong>\(grouped(m.distinctSubjects))</strong></td><td class=\"n\">\(grouped(m.accesses))</td><td>\(Self.checkbox)</td></tr>\n"
            }
            mass += "</tbody>\n</table>"
        }
        var fresh = Self.none
        if !r.firstSeenAddresses.isEmpty {
            fresh = "<table>\n<thead><tr>\(Self.th("계정", "Account"))\(Self.th("접속 IP", "Address"))\(Self.th("처음 접속", "First seen (KST)"))\(Self.th("기록", "Records", n: true))\(Self.th("확인", "Checked"))</tr></thead>\n<tbody>\n"
            for a in r.firstSeenAddresses {
                fresh += "<tr><td>\(self.account(a.account))\(a.newAccount ? " <span class=\"badge\">새 계정</span>" : "")</td><td class=\"mono\">\(h(a.clientAddress))</td><td class=\"nowrap\">\(h(Self.kstShort(a.firstAtKST)))</td><td class=\"n\">\(grouped(a.records))</td><td>\(Self.checkbox)</td></tr>\n"
            }
            fresh += "</tbody>\n</table>"
        }
        var off = Self.none
        if r.offHours.total > 0 {
            off = "<table>\n<thead><tr>\(Self.th("일시", "Time (KST)"))\(Self.th("구분", "Why off-hours"))\(Self.th("계정", "Account"))\(Self.th("메뉴", "Menu"))\(Self.th("행위", "Action"))\(Self.th("접속 IP", "Address"))</tr></thead>\n<tbody>\n"
            for a in r.offHours.listed {
                off += "<tr><td class=\"nowrap\">\(h(Self.kstShort(a.atKST)))</td><td>\(h(a.reason.korean))</td><td>\(self.account(a.account))</td><td>\(self.menu(a.menuName, a.menuID))</td><td>\(h(a.action.korean))</td><td class=\"mono\">\(h(a.clientAddress))</td></tr>\n"
            }
            off += "</tbody>\n</table>"
            if r.offHours.notListed > 0 {
                off += "\n<p class=\"lead\">처음 \(grouped(r.offHours.listed.count))건만 싣고 \(grouped(r.offHours.notListed))건은 생략했습니다 (전체 \(grouped(r.offHours.total))건). <span class=\"en\">First \(r.offHours.listed.count) listed; \(r.offHours.notListed) more not listed. Query the trail for all.</span></p>"
            }
        }
        return """
            <section class="sheet" id="checks">
            <h2>2. 확인 필요 사항 <span class="en">Items to check</span></h2>
            <h3>대량 조회 <span class="en">Mass lookups</span> · \(grouped(r.massLookups.count))건</h3>
            <p class="lead">계정별로 하루에 \(grouped(r.basis.massLookupThreshold))명을 넘는 정보주체를 조회한 날입니다. <span class="en">Days on which an account saw more than \(r.basis.massLookupThreshold) distinct data subjects.</span></p>
            \(mass)
            <h3>새 접속 IP <span class="en">First-seen addresses</span> · \(grouped(r.firstSeenAddresses.count))건</h3>
            <p class="lead">지난달까지의 기록에 없던 계정별 접속 IP입니다. <span class="en">Addresses not seen for the account before this month.</span></p>
            \(fresh)
            <h3>업무시간 외 접속 <span class="en">Off-hours accesses</span> · \(grouped(r.offHours.total))건</h3>
            <p class="lead">평일 \(h(r.basis.officeStart))–\(h(r.basis.officeEnd)) 밖, 주말·공휴일의 개인정보 조회입니다. <span class="en">Accesses before \(h(r.basis.officeStart)), from \(h(r.basis.officeEnd)), on weekends and holidays.</span></p>
            \(off)
            </section>
            """
    }

    func downloadsSection() -> String {
        let r = self.report
        var table = Self.none
        if !r.downloads.isEmpty {
            table = "<table class=\"downloads\">\n<thead><tr>\(Self.th("일시", "Time (KST)"))\(Self.th("계정", "Account"))\(Self.th("메뉴", "Menu"))\(Self.th("사유", "Reason"))\(Self.th("행 수", "Rows", n: true))\(Self.th("파일 해시", "SHA-256"))\(Self.th("접속 IP", "Address"))\(Self.th("확인", "Checked"))</tr></thead>\n<tbody>\n"
            for d in r.downloads {
                let hash = d.fileSHA256.isEmpty ? "–" : h(String(d.fileSHA256.prefix(Self.hashDigits))) + (d.fileSHA256.count > Self.hashDigits ? "…" : "")
                let offBadge = d.offHours.map { " <span class=\"badge\">\(h($0.korean))</span>" } ?? ""
                table += "<tr><td class=\"nowrap\">\(h(Self.kstShort(d.atKST)))\(offBadge)</td><td>\(self.account(d.account))</td><td>\(self.menu(d.menuName, d.menuID))</td><td>\(self.reason(code: d.reasonCode, text: d.reasonText))</td><td class=\"n\">\(d.rows.map(grouped) ?? "–")</td><td class=\"mono\" title=\"\(h(d.fileSHA256))\">\(hash)</td><td class=\"mono\">\(h(d.clientAddress))</td><td>\(Self.checkbox)</td></tr>\n"
            }
            table += "</tbody>\n</table>"
        }
        var refused = Self.none
        if !r.refusedExports.isEmpty {
            refused = "<table>\n<thead><tr>\(Self.th("일시", "Time (KST)"))\(Self.th("계정", "Account"))\(Self.th("메뉴", "Menu"))\(Self.th("거부 사유", "Refusal"))\(Self.th("다운로드 사유", "Stated reason"))\(Self.th("접속 IP", "Address"))</tr></thead>\n<tbody>\n"
            for x in r.refusedExports {
                refused += "<tr><td class=\"nowrap\">\(h(Self.kstShort(x.atKST)))</td><td>\(self.account(x.account))</td><td>\(self.menu(x.menuName, x.menuID))</td><td class=\"mono\">\(h(x.refusal.isEmpty ? "–" : x.refusal))</td><td>\(x.reason.isEmpty ? "–" : self.reason(code: AuditReport.splitReason(x.reason).code, text: AuditReport.splitReason(x.reason).text))</td><td class=\"mono\">\(h(x.clientAddress))</td></tr>\n"
            }
            refused += "</tbody>\n</table>"
        }
        let rows = r.downloads.reduce(0) { $0 + ($1.rows ?? 0) }
        return """
            <section class="sheet" id="downloads">
            <h2>3. 다운로드 내역 <span class="en">Downloads</span> · \(grouped(r.downloads.count))건, \(grouped(rows))행</h2>
            <p class="lead">이달의 개인정보 다운로드 전부와 다운로드 시 입력한 사유입니다. 사유가 업무에 맞는지 확인하고 표시해 주세요. 파일 해시(SHA-256 앞 \(Self.hashDigits)자리)로 PC에서 발견된 파일을 이 기록과 맞춰 볼 수 있습니다. <span class="en">Every download of the month with its stated reason; tick each once its reason is checked.</span></p>
            \(table)
            <h3>다운로드 거부 <span class="en">Refused exports</span> · \(grouped(r.refusedExports.count))건</h3>
            \(refused)
            </section>
            """
    }

    func signOffSection() -> String {
        let r = self.report
        return """
            <section class="sheet" id="signoff">
            <h2>4. 점검 의견 및 확인 <span class="en">Reviewer's conclusion and sign-off</span></h2>
            <table class="signoff">
            <tbody>
            <tr><th>점검 결과 <span class="en">Result</span></th><td>\(Self.checkbox) 이상 없음 <span class="en">no issue</span> &#160; \(Self.checkbox) 소명 요청 <span class="en">explanation requested</span> &#160; \(Self.checkbox) 조치 필요 <span class="en">action needed</span></td></tr>
            <tr><th>점검 의견 <span class="en">Remarks</span></th><td class="tall"></td></tr>
            <tr><th>점검자 <span class="en">Reviewer</span></th><td></td></tr>
            <tr><th>점검일 <span class="en">Date</span></th><td></td></tr>
            <tr><th>서명 <span class="en">Signature</span></th><td></td></tr>
            </tbody>
            </table>
            <h3>집계 방법 <span class="en">How the figures are counted</span></h3>
            <ul class="notes">
            <li>시각은 \(h(r.basis.timeZone))(UTC\(h(r.basis.utcOffset)))로 표시하며, 기록은 \(h(r.basis.timeZone)) 기준 날짜로 월과 일에 배정합니다. <span class="en">Times are shown and days counted in \(h(r.basis.timeZone)).</span></li>
            <li>업무시간은 \(h(Self.officeDaysText(r.basis.officeDays))) \(h(r.basis.officeStart)) 이상 \(h(r.basis.officeEnd)) 미만이며, 주말과 공휴일은 종일 업무시간 외입니다. <span class="en">Office hours include the start minute and exclude the end minute.</span></li>
            <li>조회는 개인정보 메뉴에 대한 요청 기록(access)이고, 다운로드는 사유를 받고 암호화해 전달한 내보내기(export·download)입니다. <span class="en">Accesses are menu requests; downloads are delivered protected exports.</span></li>
            <li>새 접속 IP는 이달 이전 기록에 그 계정으로 나타난 적이 없는 주소입니다. <span class="en">First-seen: not in the account's history before the month.</span></li>
            <li>기록 \(grouped(r.totalRecords))건 (조회 \(grouped(r.recordsByKind.access)), 추가 인증 \(grouped(r.recordsByKind.secondFactor)), 내보내기 \(grouped(r.recordsByKind.export)))\(r.recordsOutsideMonth > 0 ? "; 대상 월 밖의 기록 \(grouped(r.recordsOutsideMonth))건 제외" : ""). <span class="en">Records by kind.</span></li>
            </ul>
            </section>
            """
    }

    // MARK: Pieces

    func account(_ name: String) -> String {
        name.isEmpty ? "<span class=\"muted\">(계정 없음)</span>" : "<strong class=\"acct\">\(h(name))</strong>"
    }

    func reason(code: String?, text: String) -> String {
        if text.isEmpty { return "<span class=\"badge bad\">사유 없음</span>" }
        return h(text) + (code.map { " <span class=\"code\">\(h($0))</span>" } ?? "")
    }

    func menu(_ name: String, _ id: String) -> String {
        if name.isEmpty && id.isEmpty { return "–" }
        if name.isEmpty { return "<span class=\"mono\">\(h(id))</span>" }
        return h(name)
    }

    static let none = "<p class=\"none\">해당 없음 <span class=\"en\">None</span></p>"
    static let checkbox = "<span class=\"check\" aria-hidden=\"true\"></span>"

    static func th(_ korean: String, _ english: String, n: Bool = false) -> String {
        "<th\(n ? " class=\"n\"" : "") scope=\"col\">\(h(korean))<span class=\"en\">\(h(english))</span></th>"
    }

    static func card(_ korean: String, _ english: String, _ value: Int, note: String? = nil, flag: Bool = false,
                     flagText: String? = nil) -> String {
        let noteHTML = note.map { " <span class=\"note\">\(h($0))</span>" } ?? ""
        let flagHTML = flag ? "<span class=\"flag\">\(h(flagText ?? "확인"))</span>" : ""
        return "<div class=\"card\(flag ? " flagged" : "")\"><div class=\"k\">\(h(korean))\(flagHTML)</div><div class=\"e\">\(h(english))</div><div class=\"v\">\(grouped(value))\(noteHTML)</div></div>"
    }

    static func flagged(_ value: Int, bad: Bool = false) -> String {
        value == 0 ? "<span class=\"muted\">0</span>" : "<strong class=\"\(bad ? "bad" : "warn")\">\(grouped(value))</strong>"
    }

    /// `2026-10-01(목) 00:00 ~ 2026-10-31(토) 24:00`
    func periodText() -> String {
        let days = self.report.daily
        guard let first = days.first, let last = days.last else { return self.report.month }
        return "\(first.day)(\(first.weekday.korean)) 00:00 ~ \(last.day)(\(last.weekday.korean)) 24:00"
    }

    /// `2026-10-03T08:59:59+09:00` → `10-03(토) 08:59:59`
    static func kstShort(_ iso: String) -> String {
        guard iso.count >= 19, let day = CalendarDay(String(iso.prefix(10))) else { return iso }
        return Self.shortDay(day) + "(" + day.weekday.korean + ") " + String(iso.dropFirst(11).prefix(8))
    }

    /// `10-03`
    static func shortDay(_ day: CalendarDay) -> String { CalendarDay.pad(day.month, 2) + "-" + CalendarDay.pad(day.day, 2) }

    static func monthKorean(_ month: String) -> String {
        guard let m = try? ReviewMonth(month) else { return month }
        return "\(m.year)년 \(m.month)월"
    }

    static func monthEnglish(_ month: String) -> String {
        guard let m = try? ReviewMonth(month) else { return month }
        let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                     "November", "December"]
        return "\(names[m.month - 1]) \(m.year)"
    }

    /// `월–금` for a run of days, else the days listed.
    static func officeDaysText(_ days: [Weekday]) -> String {
        let sorted = days.sorted()
        guard let first = sorted.first, let last = sorted.last else { return "없음" }
        if sorted.count > 2, last.index - first.index + 1 == sorted.count { return first.korean + "–" + last.korean }
        return sorted.map(\.korean).joined(separator: "·")
    }

    static let css = """
        :root { color-scheme: light; --accent: #1d4ed8; --line: #d1d5db; --soft: #e5e7eb; --bad: #b91c1c; --ok: #166534; --warn: #b45309; --muted: #6b7280; --ink: #111827; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; background: #f3f4f6; color: var(--ink); word-break: keep-all; overflow-wrap: anywhere; }
        header.band { background: #111827; color: #fff; padding: .75rem 1.6rem; display: flex; justify-content: space-between; align-items: baseline; }
        header.band p { margin: 0; font-weight: 600; }
        header.band .en { color: #9ca3af; font-weight: 400; font-size: .85em; margin-left: .4rem; }
        header.band .month { font-variant-numeric: tabular-nums; letter-spacing: .02em; }
        main { max-width: 1140px; margin: 1.4rem auto; padding: 0 1rem; }
        .sheet { background: #fff; border: 1px solid var(--line); border-radius: .6rem; padding: 1.7rem 2rem 1.9rem; margin: 0 0 1.4rem; }
        h1 { font-size: 1.7rem; line-height: 1.3; margin: 0; letter-spacing: -.01em; }
        .subtitle { margin: .15rem 0 1.1rem; color: var(--muted); font-size: 1rem; }
        h2 { font-size: 1.22rem; margin: 1.5rem 0 .6rem; padding-left: .65rem; border-left: 4px solid var(--accent); line-height: 1.35; }
        .sheet > h2:first-child { margin-top: 0; }
        h3 { font-size: 1.02rem; margin: 1.4rem 0 .35rem; }
        .en { color: var(--muted); font-weight: 400; font-size: .8em; }
        th .en { display: block; font-size: .72rem; letter-spacing: .01em; }
        .lead { color: #374151; font-size: .9rem; margin: .2rem 0 .6rem; }
        .lead .en { display: block; }
        dl.meta { display: grid; grid-template-columns: 1fr 1fr; gap: .45rem 1.8rem; margin: 0 0 1.2rem; padding: .9rem 1.1rem; background: #f9fafb; border: 1px solid var(--soft); border-radius: .5rem; font-size: .9rem; }
        dl.meta dt { font-weight: 600; color: #374151; }
        dl.meta dd { margin: 0; }
        .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: .75rem; margin: 0 0 .4rem; }
        .card { border: 1px solid var(--line); border-radius: .5rem; padding: .65rem .85rem .6rem; position: relative; }
        .card .k { font-weight: 600; font-size: .92rem; }
        .card .e { color: var(--muted); font-size: .74rem; }
        .card .v { font-size: 1.75rem; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.25; margin-top: .2rem; }
        .card .note { font-size: .78rem; font-weight: 500; color: var(--muted); }
        .card.flagged { border-color: #f59e0b; background: #fffbeb; }
        .card .flag { position: absolute; top: .55rem; right: .6rem; font-size: .7rem; font-weight: 600; color: #92400e; background: #fde68a; border-radius: .25rem; padding: 0 .35rem; }
        ul.findings { list-style: none; margin: 0; padding: 0; font-size: .92rem; }
        ul.findings li { padding: .32rem 0; border-bottom: 1px dashed var(--soft); }
        ul.findings .en { margin-left: .3rem; }
        figure { margin: 1.3rem 0 0; }
        figcaption { font-weight: 600; font-size: .98rem; margin: 0 0 .3rem; }
        svg.chart { display: block; width: 100%; height: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .86rem; margin: .3rem 0 .4rem; }
        table.narrow { width: auto; min-width: 60%; }
        th { text-align: left; font-weight: 600; background: #f9fafb; border-bottom: 2px solid var(--line); padding: .38rem .55rem; vertical-align: bottom; }
        td { border-bottom: 1px solid var(--soft); padding: .36rem .55rem; vertical-align: top; }
        tfoot th, tfoot td { border-top: 2px solid var(--line); border-bottom: none; font-weight: 600; background: #f9fafb; }
        .n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .nowrap { white-space: nowrap; font-variant-numeric: tabular-nums; }
        .mono { font-family: ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: .8rem; }
        .muted { color: var(--muted); }
        .code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .72rem; color: var(--muted); margin-left: .25rem; }
        strong.bad { color: var(--bad); }
        strong.warn { color: var(--warn); }
        .badge { display: inline-block; font-size: .72rem; font-weight: 600; line-height: 1.5; padding: 0 .4rem; border-radius: .25rem; background: #fef3c7; color: #92400e; white-space: nowrap; }
        .badge.bad { background: #fee2e2; color: #991b1b; }
        .badge.muted { background: #f3f4f6; color: #374151; }
        .check { display: inline-block; width: 1rem; height: 1rem; border: 1.5px solid #6b7280; border-radius: .15rem; vertical-align: -.15rem; }
        .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 1.4rem; }
        table.compact td, table.compact th { padding: .2rem .5rem; }
        tr.off td { background: #fffbeb; }
        table.downloads td:nth-child(4) { min-width: 12rem; }
        table.signoff th { width: 11rem; background: #f9fafb; border: 1px solid var(--line); vertical-align: middle; }
        table.signoff td { border: 1px solid var(--line); height: 2.6rem; vertical-align: middle; }
        table.signoff td.tall { height: 8rem; }
        ul.notes { font-size: .86rem; color: #374151; padding-left: 1.2rem; }
        ul.notes .en { display: block; }
        .none { color: var(--muted); font-size: .9rem; margin: .2rem 0 .6rem; }
        @page { size: A4; margin: 14mm 12mm 16mm; }
        td:first-child, th:first-child { min-width: 6.5em; }
        @media print {
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          body { background: #fff; font-size: 8.6pt; line-height: 1.45; }
          header.band { padding: 4pt 8pt; font-size: 8pt; }
          main { max-width: none; margin: 0; padding: 0; }
          .sheet { border: none; border-radius: 0; padding: 8pt 0 0; margin: 0; break-before: page; }
          .sheet:first-of-type { break-before: auto; }
          h1 { font-size: 16pt; }
          .subtitle { font-size: 9pt; margin: 1pt 0 7pt; }
          h2 { font-size: 11.5pt; margin: 10pt 0 5pt; }
          h3 { font-size: 9.8pt; margin: 9pt 0 3pt; }
          .lead { font-size: 8pt; margin: 1pt 0 4pt; }
          dl.meta { font-size: 8pt; padding: 5pt 8pt; gap: 2pt 14pt; margin: 0 0 8pt; }
          .cards { gap: 5pt; }
          .card { padding: 4pt 7pt 3pt; }
          .card .k { font-size: 8.4pt; }
          .card .e { font-size: 6.8pt; }
          .card .v { font-size: 15pt; margin-top: 0; }
          .card .note { font-size: 7pt; }
          .card .flag { top: 4pt; right: 5pt; font-size: 6.5pt; }
          ul.findings { font-size: 8.4pt; }
          ul.findings li { padding: 1.6pt 0; }
          figure { margin: 7pt 0 0; }
          figcaption { font-size: 9pt; margin: 0 0 1pt; }
          table { font-size: 7.8pt; }
          th, td { padding: 2.4pt 4pt; }
          th .en { font-size: 6.4pt; }
          .mono { font-size: 7.2pt; }
          table.signoff td { height: 24pt; }
          table.signoff td.tall { height: 90pt; }
          h2, h3, figcaption { break-after: avoid; }
          tr, .card, figure, dl.meta, ul.findings li { break-inside: avoid; }
          thead { display: table-header-group; }
          tfoot { display: table-row-group; }
        }
        @media screen and (max-width: 760px) {
          .cards { grid-template-columns: repeat(2, 1fr); }
          dl.meta, .columns { grid-template-columns: 1fr; }
          .sheet { padding: 1.1rem; }
        }
        """
}

/// Escapes text for HTML and SVG.
private func h(_ text: String) -> String { Escape.markup(text) }
