import Testing

@testable import DemoAdmin

/// Synthetic data: determinism, order numbers, plausibility of the Korean fields.
@Suite struct DataTests {
    let generator = OrderGenerator(seed: 20_261_123, count: 5_000)

    @Test func sameSeedGivesSameOrders() {
        let other = OrderGenerator(seed: 20_261_123, count: 5_000)
        for i in [0, 1, 2, 777, 4_999] {
            #expect(generator.order(i) == other.order(i))
        }
        #expect(generator.cancelIndexes == other.cancelIndexes)
        #expect(generator.returnIndexes == other.returnIndexes)
    }

    @Test func differentSeedOrIndexGivesDifferentOrders() {
        let other = OrderGenerator(seed: 42, count: 5_000)
        var sameBuyer = 0
        for i in 0..<200 {
            let a = generator.order(i)
            let b = generator.order(i + 1)
            #expect(a.orderNo != b.orderNo)
            #expect(a != b)
            if a.buyerName == other.order(i).buyerName && a.address == other.order(i).address { sameBuyer += 1 }
        }
        #expect(sameBuyer < 5)
    }

    @Test func orderNumbersRoundTripToIndex() {
        var seen = Set<String>()
        for i in 0..<generator.count {
            let no = generator.orderNumber(i)
            #expect(no.count == 16)
            #expect(no.hasPrefix("2026"))
            #expect(generator.index(ofOrderNumber: no) == i)
            seen.insert(no)
        }
        #expect(seen.count == generator.count)
        #expect(generator.index(ofOrderNumber: "2026112300000000") == nil)
        #expect(generator.index(ofOrderNumber: "2026010100000001") == nil)  // wrong date for index 0
        #expect(generator.index(ofOrderNumber: "abc") == nil)
        #expect(generator.index(ofOrderNumber: "20261123000050001") == nil)
    }

    @Test func paymentDatesAreNewestFirstWithin2026() {
        var previous = Int64.max
        for i in stride(from: 0, to: generator.count, by: 7) {
            let t = generator.paidAt(i)
            #expect(t <= previous)
            previous = t
            let c = KST.components(t)
            #expect(c.year == 2026)
        }
        #expect(KST.display(KST.seconds(year: 2026, month: 11, day: 23) + 3_723) == "2026-11-23 01:02:03")
        #expect(KST.components(KST.seconds(year: 2024, month: 2, day: 29)).day == 29)
    }

    @Test func fieldsLookKorean() throws {
        let phone = try Regex(#"^(010-[2-9]\d{3}-\d{4}|011-[2-9]\d{2}-\d{4}|016-[2-9]\d{3}-\d{4}|02-[2-9]\d{2}-\d{4}|0[3-6]\d-[2-9]\d{2}-\d{4})$"#)
        let zip = try Regex(#"^\d{5}$"#)
        var twoSyllableSurnames = 0
        var lotAddresses = 0
        var otherReceiver = 0
        var leadingZeroZip = 0
        for i in 0..<2_000 {
            let o = generator.order(i)
            #expect(o.buyerPhone.wholeMatch(of: phone) != nil, "\(o.buyerPhone)")
            #expect(o.receiverPhone.wholeMatch(of: phone) != nil, "\(o.receiverPhone)")
            #expect(o.zipCode.wholeMatch(of: zip) != nil)
            #expect((3...5).contains(o.buyerName.count), "\(o.buyerName)")
            #expect(o.buyerName.unicodeScalars.allSatisfy { (0xAC00...0xD7A3).contains($0.value) })
            #expect(o.address.split(separator: " ").count >= 3)
            #expect(o.amount > 0 && o.quantity >= 1)
            if ["남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"].contains(where: { o.buyerName.hasPrefix($0) }) {
                twoSyllableSurnames += 1
            }
            if !o.address.contains("로 ") && !o.address.contains("길 ") { lotAddresses += 1 }
            if o.receiverName != o.buyerName { otherReceiver += 1 }
            if o.zipCode.hasPrefix("0") { leadingZeroZip += 1 }
        }
        #expect(twoSyllableSurnames > 0)
        #expect(lotAddresses > 50)
        #expect(otherReceiver > 200)
        #expect(leadingZeroZip > 100)
    }

    @Test func cancelsAndReturnsAreTheOrdersWithThatStatus() {
        #expect(!generator.cancelIndexes.isEmpty)
        #expect(!generator.returnIndexes.isEmpty)
        for i in generator.cancelIndexes.prefix(100) {
            let o = generator.order(i)
            #expect(o.status == .cancelled)
            #expect(o.claimReason != nil && o.claimAt != nil)
        }
        for i in generator.returnIndexes.prefix(100) {
            let o = generator.order(i)
            #expect(o.status == .returned)
            #expect(o.pickupState != nil)
        }
        let counted = (0..<generator.count).filter { generator.status($0) == .cancelled }.count
        #expect(counted == generator.cancelIndexes.count)
        #expect(Set(OrderStatus.allCases) == Set((0..<generator.count).map { generator.status($0) }))
    }

    @Test func chatIsDeterministicAndCarriesPersonalData() {
        let chat = ChatGenerator(seed: 20_261_123, orders: generator)
        let again = ChatGenerator(seed: 20_261_123, orders: generator)
        #expect(chat.rooms == again.rooms)
        #expect(chat.rooms.count == ChatGenerator.roomCount)
        let messages = (0..<50).map { chat.liveMessage($0, at: 0) }
        #expect(messages == (0..<50).map { again.liveMessage($0, at: 0) })
        #expect(Set(messages.map(\.text)).count > 10)
        #expect(messages.contains { $0.text.contains("010-") })
        #expect(messages.allSatisfy { $0.from == "customer" && $0.type == "message" })
        #expect(chat.history(roomIndex: 0).count >= 6)
    }

    @Test func csvQuotingAndXlsxColumns() {
        #expect(Exporter.csvField("plain") == "plain")
        #expect(Exporter.csvField("a,b") == "\"a,b\"")
        #expect(Exporter.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(XLSXWriter.column(0) == "A")
        #expect(XLSXWriter.column(25) == "Z")
        #expect(XLSXWriter.column(26) == "AA")
        #expect(XLSXWriter.escape("<a&b>") == "&lt;a&amp;b&gt;")
    }

    @Test func fnvMatchesKnownVectors() {
        var h = FNV1a64()
        #expect(h.hex == "cbf29ce484222325")
        h.update(Array("a".utf8))
        #expect(h.hex == "af63dc4c8601ec8c")
        var split = FNV1a64()
        split.update(Array("foo".utf8))
        split.update(Array("bar".utf8))
        var whole = FNV1a64()
        whole.update(Array("foobar".utf8))
        #expect(split.hex == whole.hex)
        #expect(whole.hex == "85944171f73967e8")
    }
}
