import Foundation
import TextEscaping

/// The report's two charts as inline SVG, drawn here so the page needs no script, font or image from elsewhere.
///
/// Every label that comes from the records is escaped with `Escape.markup`; shapes are positioned in a fixed view box
/// and scale with the page (`width: 100%`), on screen and on A4 paper alike.
enum ReportCharts {
    static let accent = "#1d4ed8"
    static let offDay = "#d97706"
    static let offDayBand = "#fef3c7"
    static let grid = "#e5e7eb"
    static let axis = "#6b7280"
    static let ink = "#111827"
    static let muted = "#4b5563"

    /// Records per day: one bar per day of the month, weekends and holidays tinted, both axes labelled.
    static func dailyVolume(_ daily: [AuditReport.DailyVolume], id: String) -> String {
        let width = 1000.0, height = 318.0
        let left = 64.0, right = 14.0, top = 40.0, bottom = 66.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let peak = daily.map(\.records).max() ?? 0
        let scale = NiceScale(maximum: peak)
        let slot = plotWidth / Double(max(daily.count, 1))
        let barWidth = min(slot * 0.68, 26)
        func y(_ value: Int) -> Double { top + plotHeight - plotHeight * Double(value) / Double(scale.top) }

        var svg = """
            <svg class="chart" viewBox="0 0 \(f(width)) \(f(height))" role="img" aria-labelledby="\(id)-t \(id)-d" \
            xmlns="http://www.w3.org/2000/svg">
            <title id="\(id)-t">일별 접속기록 수 · Records per day</title>
            <desc id="\(id)-d">\(Escape.markup(Self.describeDaily(daily)))</desc>

            """
        // Weekend and holiday bands first, under the grid.
        for (index, day) in daily.enumerated() where day.dayOff {
            svg += "<rect x=\"\(f(left + slot * Double(index)))\" y=\"\(f(top))\" width=\"\(f(slot))\" height=\"\(f(plotHeight))\" fill=\"\(Self.offDayBand)\" opacity=\"0.55\"/>\n"
        }
        for tick in scale.ticks {
            let ty = y(tick)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(ty))\" x2=\"\(f(width - right))\" y2=\"\(f(ty))\" stroke=\"\(tick == 0 ? Self.axis : Self.grid)\" stroke-width=\"1\"/>\n"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(ty + 4))\" text-anchor=\"end\" font-size=\"12\" fill=\"\(Self.muted)\">\(grouped(tick))</text>\n"
        }
        for (index, day) in daily.enumerated() {
            let cx = left + slot * (Double(index) + 0.5)
            let colour = day.dayOff ? Self.offDay : Self.accent
            if day.records > 0 {
                let by = y(day.records)
                svg += "<rect x=\"\(f(cx - barWidth / 2))\" y=\"\(f(by))\" width=\"\(f(barWidth))\" height=\"\(f(top + plotHeight - by))\" fill=\"\(colour)\" rx=\"2\"><title>\(day.day) (\(day.weekday.korean)) \(grouped(day.records))건</title></rect>\n"
                svg += "<text x=\"\(f(cx))\" y=\"\(f(by - 4))\" text-anchor=\"middle\" font-size=\"9.5\" fill=\"\(Self.muted)\">\(grouped(day.records))</text>\n"
            }
            let labelColour = day.dayOff ? Self.offDay : Self.ink
            svg += "<text x=\"\(f(cx))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\" font-size=\"11.5\" fill=\"\(labelColour)\">\(day.day.day)</text>\n"
            svg += "<text x=\"\(f(cx))\" y=\"\(f(top + plotHeight + 31))\" text-anchor=\"middle\" font-size=\"10.5\" fill=\"\(day.dayOff ? Self.offDay : Self.muted)\">\(day.weekday.korean)</text>\n"
        }
        svg += """
            <text x="\(f(left + plotWidth / 2))" y="\(f(height - 8))" text-anchor="middle" font-size="12.5" fill="\(Self.ink)">일자 (KST) · Day of month</text>
            <text transform="translate(16 \(f(top + plotHeight / 2))) rotate(-90)" text-anchor="middle" font-size="12.5" fill="\(Self.ink)">기록 수 · Records</text>
            \(Self.legend(x: width - right - 330, y: 14, items: [(Self.accent, "평일 · Weekday"), (Self.offDay, "주말·공휴일 · Weekend/holiday")]))
            </svg>
            """
        return svg
    }

    /// Accesses per account as horizontal bars, office hours and off-hours stacked, largest first.
    static func accessesPerAccount(_ accounts: [AuditReport.AccountSummary], id: String) -> String {
        let rows = accounts.sorted { ($1.accesses, $0.account) < ($0.accesses, $1.account) }
        let width = 1000.0, rowHeight = 32.0
        let left = 180.0, right = 190.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right
        let height = top + rowHeight * Double(max(rows.count, 1)) + bottom
        let scale = NiceScale(maximum: rows.map(\.accesses).max() ?? 0)
        func x(_ value: Int) -> Double { left + plotWidth * Double(value) / Double(scale.top) }
        let plotBottom = top + rowHeight * Double(max(rows.count, 1))

        var svg = """
            <svg class="chart" viewBox="0 0 \(f(width)) \(f(height))" role="img" aria-labelledby="\(id)-t" \
            xmlns="http://www.w3.org/2000/svg">
            <title id="\(id)-t">계정별 개인정보 조회 수 · Accesses per account</title>

            """
        for tick in scale.ticks {
            let tx = x(tick)
            svg += "<line x1=\"\(f(tx))\" y1=\"\(f(top - 4))\" x2=\"\(f(tx))\" y2=\"\(f(plotBottom))\" stroke=\"\(tick == 0 ? Self.axis : Self.grid)\" stroke-width=\"1\"/>\n"
            svg += "<text x=\"\(f(tx))\" y=\"\(f(plotBottom + 17))\" text-anchor=\"middle\" font-size=\"12\" fill=\"\(Self.muted)\">\(grouped(tick))</text>\n"
        }
        if rows.isEmpty {
            svg += "<text x=\"\(f(left + 8))\" y=\"\(f(top + rowHeight * 0.62))\" font-size=\"13\" fill=\"\(Self.muted)\">기록 없음 · No records</text>\n"
        }
        for (index, row) in rows.enumerated() {
            let rowTop = top + rowHeight * Double(index)
            let barTop = rowTop + 6, barHeight = rowHeight - 12
            let office = row.accesses - row.offHoursAccesses
            let name = row.account.isEmpty ? "(계정 없음)" : Self.truncated(row.account, 22)
            svg += "<text x=\"\(f(left - 10))\" y=\"\(f(rowTop + rowHeight / 2 + 4.5))\" text-anchor=\"end\" font-size=\"13\" fill=\"\(Self.ink)\">\(Escape.markup(name))<title>\(Escape.markup(row.account))</title></text>\n"
            if office > 0 {
                svg += "<rect x=\"\(f(left))\" y=\"\(f(barTop))\" width=\"\(f(x(office) - left))\" height=\"\(f(barHeight))\" fill=\"\(Self.accent)\"/>\n"
            }
            if row.offHoursAccesses > 0 {
                svg += "<rect x=\"\(f(x(office)))\" y=\"\(f(barTop))\" width=\"\(f(max(x(row.accesses) - x(office), 1.5)))\" height=\"\(f(barHeight))\" fill=\"\(Self.offDay)\"/>\n"
            }
            let label = grouped(row.accesses) + (row.offHoursAccesses > 0 ? "  (업무시간 외 \(grouped(row.offHoursAccesses)))" : "")
            svg += "<text x=\"\(f(max(x(row.accesses), x(office) + 1.5) + 8))\" y=\"\(f(rowTop + rowHeight / 2 + 4.5))\" font-size=\"12.5\" fill=\"\(Self.ink)\">\(Escape.markup(label))</text>\n"
        }
        svg += """
            <text x="\(f(left + plotWidth / 2))" y="\(f(height - 8))" text-anchor="middle" font-size="12.5" fill="\(Self.ink)">개인정보 조회 수 · Accesses</text>
            \(Self.legend(x: width - 390, y: 14, items: [(Self.accent, "업무시간 · Office hours"), (Self.offDay, "업무시간 외 · Off-hours")]))
            </svg>
            """
        return svg
    }

    static func legend(x: Double, y: Double, items: [(String, String)]) -> String {
        var out = "<g font-size=\"12\" fill=\"\(Self.ink)\">"
        var cursor = x
        for (colour, label) in items {
            out += "<rect x=\"\(f(cursor))\" y=\"\(f(y))\" width=\"12\" height=\"12\" fill=\"\(colour)\" rx=\"2\"/>"
            out += "<text x=\"\(f(cursor + 17))\" y=\"\(f(y + 10.5))\">\(Escape.markup(label))</text>"
            cursor += 17 + Double(self.estimatedWidth(label, fontSize: 12)) + 18
        }
        return out + "</g>"
    }

    static func describeDaily(_ daily: [AuditReport.DailyVolume]) -> String {
        guard let busiest = daily.max(by: { ($0.records, $1.day) < ($1.records, $0.day) }) else { return "" }
        let total = daily.reduce(0) { $0 + $1.records }
        return "\(daily.count)일, 합계 \(grouped(total))건, 최대 \(busiest.day) \(grouped(busiest.records))건"
    }

    /// Rough width of a label: CJK glyphs are about a font size wide, Latin ones a little over half.
    static func estimatedWidth(_ text: String, fontSize: Double) -> Int {
        Int(text.unicodeScalars.reduce(0.0) { $0 + ($1.value >= 0x1100 ? fontSize : fontSize * 0.58) })
    }

    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// A coordinate with at most one decimal.
    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// An axis from zero to a round number at or above the maximum, in four or five round steps.
struct NiceScale {
    let top: Int
    let step: Int

    init(maximum: Int, steps: Int = 4) {
        guard maximum > 0 else {
            self.top = steps
            self.step = 1
            return
        }
        let raw = Double(maximum) / Double(steps)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let normal = raw / magnitude
        let factors: [Double] = magnitude >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10]
        let factor = factors.first { normal <= $0 + 1e-9 } ?? 10
        let step = max(1, Int((factor * magnitude).rounded()))
        self.step = step
        self.top = Int((Double(maximum) / Double(step)).rounded(.up)) * step
    }

    var ticks: [Int] { Array(stride(from: 0, through: self.top, by: self.step)) }
}

/// `12,345`
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { out += "," }
        out.append(digit)
    }
    return value < 0 ? "-" + out : out
}
