import Foundation

/// 주문상태 of a demo order.
enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case paid = "결제완료"
    case preparing = "배송준비"
    case shipping = "배송중"
    case delivered = "배송완료"
    case cancelled = "취소"
    case returned = "반품"
}

/// One synthetic order, produced on demand from `(seed, index)`.
struct DemoOrder: Sendable, Equatable {
    let index: Int
    let orderNo: String
    /// Seconds since 1970-01-01 00:00:00 in Korea Standard Time (wall-clock seconds, no zone arithmetic needed).
    let paidAt: Int64
    let buyerName: String
    let buyerPhone: String
    let receiverName: String
    let receiverPhone: String
    let address: String
    let zipCode: String
    let product: String
    let quantity: Int
    let amount: Int
    let status: OrderStatus
    /// 취소/반품 사유 (only for cancelled / returned orders).
    let claimReason: String?
    /// 취소/반품 요청일 (KST wall-clock seconds).
    let claimAt: Int64?
    /// 수거 상태 for returns.
    let pickupState: String?
    let courier: String?
    let trackingNo: String?
}

/// Generates orders as a pure function of `(seed, index)`.
///
/// Nothing is stored per order except the two small claim indexes (cancels, returns), so the
/// admin can pretend to hold tens of thousands of orders with constant memory.
struct OrderGenerator: Sendable {
    let seed: UInt64
    let count: Int
    /// Indexes of orders whose status is 취소, ascending (newest first).
    let cancelIndexes: [Int]
    /// Indexes of orders whose status is 반품, ascending (newest first).
    let returnIndexes: [Int]

    /// 2026-01-01 00:00:00 KST.
    static let rangeStart: Int64 = KST.seconds(year: 2026, month: 1, day: 1)
    /// 2026-11-23 23:59:59 KST.
    static let rangeEnd: Int64 = KST.seconds(year: 2026, month: 11, day: 23) + 86_399

    init(seed: UInt64, count: Int) {
        precondition(count >= 0 && count < 99_999_999, "orderCount must fit the 8-digit order sequence")
        self.seed = seed
        self.count = count
        var cancels: [Int] = []
        var returns: [Int] = []
        for i in 0..<count {
            switch OrderGenerator.status(seed: seed, index: i) {
            case .cancelled: cancels.append(i)
            case .returned: returns.append(i)
            default: break
            }
        }
        self.cancelIndexes = cancels
        self.returnIndexes = returns
    }

    // MARK: order numbers

    /// Payment time of order `index`: newest first, spread evenly over 2026-01-01 … 2026-11-23.
    func paidAt(_ index: Int) -> Int64 {
        let span = Self.rangeEnd - Self.rangeStart
        let step = max(1, span / Int64(max(count, 1)))
        var rng = SplitMix64(seed: seed, stream: 1, index: UInt64(index))
        let jitter = Int64(rng.next() % UInt64(step))
        return Self.rangeEnd - Int64(index) * step - jitter
    }

    /// `yyyyMMdd` of the payment date followed by an 8-digit sequence (index + 1).
    func orderNumber(_ index: Int) -> String {
        let date = KST.components(paidAt(index))
        let seq = String(index + 1)
        return KST.dateDigits(date) + String(repeating: "0", count: 8 - seq.count) + seq
    }

    /// The index an order number was made from, or nil if it is not one of this generator's numbers.
    func index(ofOrderNumber orderNo: String) -> Int? {
        guard orderNo.utf8.count == 16, orderNo.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let seq = Int(orderNo.suffix(8)), seq >= 1, seq <= count
        else { return nil }
        let index = seq - 1
        return orderNumber(index) == orderNo ? index : nil
    }

    // MARK: orders

    static func status(seed: UInt64, index: Int) -> OrderStatus {
        var rng = SplitMix64(seed: seed, stream: 2, index: UInt64(index))
        let roll = rng.below(1000)
        // Recent orders are still on their way; old ones are mostly delivered.
        if index < 300 {
            switch roll {
            case ..<300: return .paid
            case ..<550: return .preparing
            case ..<850: return .shipping
            case ..<930: return .delivered
            default: return .cancelled
            }
        }
        if index < 1500 {
            switch roll {
            case ..<50: return .preparing
            case ..<350: return .shipping
            case ..<880: return .delivered
            case ..<950: return .cancelled
            default: return .returned
            }
        }
        switch roll {
        case ..<870: return .delivered
        case ..<940: return .cancelled
        default: return .returned
        }
    }

    func status(_ index: Int) -> OrderStatus {
        Self.status(seed: seed, index: index)
    }

    func order(_ index: Int) -> DemoOrder {
        precondition(index >= 0 && index < count)
        var rng = SplitMix64(seed: seed, stream: 3, index: UInt64(index))
        let buyer = PersonGenerator.name(&rng)
        let buyerPhone = PersonGenerator.phone(&rng)
        let receiverName: String
        let receiverPhone: String
        if rng.percent(72) {
            receiverName = buyer
            receiverPhone = rng.percent(90) ? buyerPhone : PersonGenerator.phone(&rng)
        } else {
            // A gift or a family member: often the same surname.
            receiverName = rng.percent(40) ? PersonGenerator.name(&rng, surname: PersonGenerator.surname(of: buyer)) : PersonGenerator.name(&rng)
            receiverPhone = PersonGenerator.phone(&rng)
        }
        let (address, zip) = PersonGenerator.address(&rng)
        let product = rng.pick(KoreanData.products)
        let option = rng.pick(product.options)
        let quantity = rng.weighted([(1, 70), (2, 18), (3, 7), (4, 3), (5, 2)])
        let shipping = product.price * quantity >= 30_000 ? 0 : 3_000
        let status = status(index)
        let paid = paidAt(index)
        var claimReason: String?
        var claimAt: Int64?
        var pickupState: String?
        switch status {
        case .cancelled:
            claimReason = rng.pick(KoreanData.cancelReasons)
            claimAt = paid + Int64(rng.int(in: 600...86_400))
        case .returned:
            claimReason = rng.pick(KoreanData.returnReasons)
            claimAt = paid + Int64(rng.int(in: 3...12) * 86_400 + rng.int(in: 0...86_399))
            pickupState = rng.pick(KoreanData.pickupStates)
        default:
            break
        }
        var courier: String?
        var tracking: String?
        if status == .shipping || status == .delivered || status == .returned {
            courier = rng.pick(KoreanData.couriers)
            tracking = "6\(rng.digits(3))-\(rng.digits(4))-\(rng.digits(4))"
        }
        return DemoOrder(
            index: index,
            orderNo: orderNumber(index),
            paidAt: paid,
            buyerName: buyer,
            buyerPhone: buyerPhone,
            receiverName: receiverName,
            receiverPhone: receiverPhone,
            address: address,
            zipCode: zip,
            product: "\(product.name) / \(option)",
            quantity: quantity,
            amount: product.price * quantity + shipping,
            status: status,
            claimReason: claimReason,
            claimAt: claimAt,
            pickupState: pickupState,
            courier: courier,
            trackingNo: tracking
        )
    }
}

/// Names, phone numbers and addresses of synthetic people.
enum PersonGenerator {
    static func name(_ rng: inout SplitMix64, surname: String? = nil) -> String {
        let family = surname ?? rng.weighted(KoreanData.surnames)
        let given = rng.percent(3) ? rng.pick(KoreanData.longGivenNames) : rng.pick(KoreanData.givenNames)
        return family + given
    }

    static func surname(of name: String) -> String {
        let twoSyllable = KoreanData.surnames.map(\.0).filter { $0.count == 2 }
        if let s = twoSyllable.first(where: { name.hasPrefix($0) }), name.count >= 4 { return s }
        return String(name.prefix(1))
    }

    static func phone(_ rng: inout SplitMix64) -> String {
        let roll = rng.below(100)
        switch roll {
        case ..<88:
            return "010-\(rng.int(in: 2...9))\(rng.digits(3))-\(rng.digits(4))"
        case ..<91:
            return "011-\(rng.int(in: 2...9))\(rng.digits(2))-\(rng.digits(4))"
        case ..<93:
            return "016-\(rng.int(in: 2...9))\(rng.digits(3))-\(rng.digits(4))"
        case ..<97:
            return "02-\(rng.int(in: 2...9))\(rng.digits(2))-\(rng.digits(4))"
        default:
            let area = rng.pick(["031", "032", "051", "053", "062", "064"])
            return "\(area)-\(rng.int(in: 2...9))\(rng.digits(2))-\(rng.digits(4))"
        }
    }

    /// A road-name address (most of the time) or a lot-number address, and its postal code.
    static func address(_ rng: inout SplitMix64) -> (String, String) {
        let d = rng.pick(KoreanData.districts)
        let zip = d.zipPrefix + rng.digits(5 - d.zipPrefix.count)
        let region = d.city.isEmpty ? d.province : "\(d.province) \(d.city)"
        if rng.percent(12) {
            let lot = rng.percent(60) ? "\(rng.int(in: 1...1500))-\(rng.int(in: 1...40))" : "\(rng.int(in: 1...999))"
            let detail = rng.percent(50) ? " \(rng.int(in: 1...4))층" : ""
            return ("\(region) \(rng.pick(d.dongs)) \(lot)\(detail)", zip)
        }
        var road = rng.pick(d.roads)
        if rng.percent(30), road.hasSuffix("로") {
            road += rng.percent(50) ? "\(rng.int(in: 1...60))길" : "\(rng.int(in: 1...30) * 2)번길"
        }
        var number = "\(rng.int(in: 1...320))"
        if rng.percent(15) { number += "-\(rng.int(in: 1...30))" }
        let detail: String
        switch rng.below(10) {
        case ..<5:
            detail = "\(rng.int(in: 101...125))동 \(rng.int(in: 1...25))\(String(format2: rng.int(in: 1...6)))호"
        case ..<7:
            detail = "\(rng.int(in: 1...5))층"
        case ..<8:
            let bld = rng.pick(KoreanData.buildingNames)
            detail = "\(rng.int(in: 101...115))동 \(rng.int(in: 1...20))0\(rng.int(in: 1...4))호 (\(rng.pick(d.dongs)), \(bld))"
        default:
            detail = "\(rng.int(in: 1...4))0\(rng.int(in: 1...9))호"
        }
        return ("\(region) \(road) \(number) \(detail)", zip)
    }

    static func email(_ rng: inout SplitMix64) -> String {
        "\(rng.pick(KoreanData.emailLocals))\(rng.int(in: 1...99))@\(rng.pick(KoreanData.emailDomains))"
    }
}

extension String {
    /// Two-digit zero-padded decimal.
    init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}

/// Civil-date arithmetic in Korea Standard Time (UTC+9, no daylight saving), without Foundation calendars.
enum KST {
    struct Components: Sendable, Equatable {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    }

    /// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func seconds(year: Int, month: Int, day: Int) -> Int64 {
        days(year: year, month: month, day: day) * 86_400
    }

    static func components(_ seconds: Int64) -> Components {
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return Components(
            year: Int(y), month: Int(m), day: Int(d),
            hour: Int(rem / 3600), minute: Int(rem % 3600 / 60), second: Int(rem % 60))
    }

    static func dateDigits(_ c: Components) -> String {
        "\(c.year)\(String(format2: c.month))\(String(format2: c.day))"
    }

    /// `2026-11-23 14:03:12`, the way Korean admin screens show times.
    static func display(_ seconds: Int64) -> String {
        let c = components(seconds)
        return "\(c.year)-\(String(format2: c.month))-\(String(format2: c.day)) \(String(format2: c.hour)):\(String(format2: c.minute)):\(String(format2: c.second))"
    }

    /// `2026-11-23T14:03:12+09:00`.
    static func iso8601(_ seconds: Int64) -> String {
        let c = components(seconds)
        return "\(c.year)-\(String(format2: c.month))-\(String(format2: c.day))T\(String(format2: c.hour)):\(String(format2: c.minute)):\(String(format2: c.second))+09:00"
    }

    /// The current KST wall-clock seconds.
    static func now() -> Int64 {
        Int64(Date().timeIntervalSince1970) + 9 * 3600
    }
}
