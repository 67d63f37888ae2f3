/// A message of the 1:1 chat, as sent on the WebSocket and returned by the history API.
struct ChatMessage: Sendable, Codable, Equatable {
    var type: String = "message"
    let room: String
    let from: String
    let name: String
    let text: String
    let at: String
}

/// A 1:1 chat room with one customer about one order.
struct ChatRoom: Sendable, Codable, Equatable {
    let id: String
    let customerName: String
    let customerPhone: String
    let orderNo: String
    let product: String
    let lastMessage: String
    let unread: Int
}

/// Generates chat rooms, their history and the endless stream of live customer messages,
/// all from the seed, with personal data (names, phones, addresses, e-mails) in the text
/// the way real customers write it.
struct ChatGenerator: Sendable {
    let seed: UInt64
    let rooms: [ChatRoom]
    private let roomOrders: [DemoOrder?]

    static let roomCount = 8

    init(seed: UInt64, orders: OrderGenerator) {
        self.seed = seed
        var rooms: [ChatRoom] = []
        var roomOrders: [DemoOrder?] = []
        for k in 0..<Self.roomCount {
            var rng = SplitMix64(seed: seed, stream: 20, index: UInt64(k))
            let order: DemoOrder? = orders.count > 0 ? orders.order((k * 37 + 5) % orders.count) : nil
            let name = order?.buyerName ?? PersonGenerator.name(&rng)
            let phone = order?.buyerPhone ?? PersonGenerator.phone(&rng)
            let lastText = Self.fill(rng.pick(KoreanData.chatTemplates), rng: &rng, name: name, phone: phone, order: order)
            rooms.append(
                ChatRoom(
                    id: "r\(1001 + k)", customerName: name, customerPhone: phone,
                    orderNo: order?.orderNo ?? "", product: order?.product ?? "",
                    lastMessage: lastText, unread: rng.int(in: 0...3)))
            roomOrders.append(order)
        }
        self.rooms = rooms
        self.roomOrders = roomOrders
    }

    func room(_ id: String) -> Int? {
        rooms.firstIndex { $0.id == id }
    }

    /// The n-th live customer message (deterministic in seed and n), stamped with `at`.
    func liveMessage(_ n: Int, at: Int64) -> ChatMessage {
        var rng = SplitMix64(seed: seed, stream: 21, index: UInt64(n))
        let k = rng.below(rooms.count)
        let room = rooms[k]
        let text = Self.fill(
            rng.pick(KoreanData.chatTemplates), rng: &rng, name: room.customerName, phone: room.customerPhone,
            order: roomOrders[k])
        return ChatMessage(room: room.id, from: "customer", name: room.customerName, text: text, at: KST.iso8601(at))
    }

    /// A short past conversation of a room.
    func history(roomIndex k: Int) -> [ChatMessage] {
        let room = rooms[k]
        var rng = SplitMix64(seed: seed, stream: 22, index: UInt64(k))
        var t = KST.seconds(year: 2026, month: 11, day: 23) + Int64(9 * 3600 + rng.below(4 * 3600))
        var out: [ChatMessage] = []
        for i in 0..<6 {
            if i % 2 == 0 {
                let text = Self.fill(
                    rng.pick(KoreanData.chatTemplates), rng: &rng, name: room.customerName, phone: room.customerPhone,
                    order: roomOrders[k])
                out.append(ChatMessage(room: room.id, from: "customer", name: room.customerName, text: text, at: KST.iso8601(t)))
            } else {
                let reply = rng.pick(KoreanData.sellerReplies)
                out.append(ChatMessage(room: room.id, from: "seller", name: ShopProfile.name, text: reply, at: KST.iso8601(t)))
            }
            t += Int64(rng.int(in: 30...900))
        }
        out.append(ChatMessage(room: room.id, from: "customer", name: room.customerName, text: room.lastMessage, at: KST.iso8601(t)))
        return out
    }

    static func fill(_ template: String, rng: inout SplitMix64, name: String, phone: String, order: DemoOrder?) -> String {
        var text = template
        if text.contains("{phone}") {
            text = text.replacingAll("{phone}", with: rng.percent(70) ? phone : PersonGenerator.phone(&rng))
        }
        if text.contains("{address}") {
            let address = order.flatMap { rng.percent(50) ? $0.address : nil } ?? PersonGenerator.address(&rng).0
            text = text.replacingAll("{address}", with: address)
        }
        if text.contains("{name}") {
            text = text.replacingAll("{name}", with: rng.percent(80) ? name : PersonGenerator.name(&rng))
        }
        if text.contains("{orderNo}") {
            text = text.replacingAll("{orderNo}", with: order?.orderNo ?? "2026112300000001")
        }
        if text.contains("{email}") {
            text = text.replacingAll("{email}", with: PersonGenerator.email(&rng))
        }
        return text
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
