import Foundation
import Hummingbird

/// An order as the JSON API shows it.
struct OrderJSON: Codable, Equatable {
    let orderNo: String
    let paidAt: String
    let buyerName: String
    let buyerPhone: String
    let receiverName: String
    let receiverPhone: String
    let address: String
    let zipCode: String
    let product: String
    let quantity: Int
    let amount: Int
    let status: String
    var reason: String?
    var requestedAt: String?
    var pickupState: String?
    var courier: String?
    var trackingNo: String?
    var memo: String?

    init(_ o: DemoOrder, memo: String? = nil) {
        orderNo = o.orderNo
        paidAt = KST.iso8601(o.paidAt)
        buyerName = o.buyerName
        buyerPhone = o.buyerPhone
        receiverName = o.receiverName
        receiverPhone = o.receiverPhone
        address = o.address
        zipCode = o.zipCode
        product = o.product
        quantity = o.quantity
        amount = o.amount
        status = o.status.rawValue
        reason = o.claimReason
        requestedAt = o.claimAt.map(KST.iso8601)
        pickupState = o.pickupState
        courier = o.courier
        trackingNo = o.trackingNo
        self.memo = memo
    }
}

/// One page of an order list.
struct OrderPageJSON: Codable {
    let page: Int
    let size: Int
    let total: Int
    let orders: [OrderJSON]
}

struct MemoRequest: Decodable {
    let memo: String
}

extension DemoRoutes {
    static let maxPageSize = 500
    /// The last page anyone may ask for: far beyond the largest demo data set (`orderCount` 1,000,000 at size 1),
    /// and small enough that `(page - 1) * size` stays far from overflowing.
    static let maxPage = 1_000_000

    /// `page` (1-based, default 1) and `size` (default 50) from the query, each range-checked before any arithmetic;
    /// a value that is not a whole number in range is refused (400), never clamped into something else.
    func paging(_ request: Request) throws(QueryNumber) -> (page: Int, size: Int) {
        let page = try QueryNumber.value(request, "page", in: 1...Self.maxPage, default: 1)
        let size = try QueryNumber.value(request, "size", in: 1...Self.maxPageSize, default: 50)
        return (page, size)
    }

    /// Order indexes on one page of a list.
    func indexes(_ list: OrderList, page: Int, size: Int) -> [Int] {
        let total = list.count(in: state.orders)
        let start = (page - 1) * size
        guard start < total else { return [] }
        return (start..<min(total, start + size)).map { list.orderIndex(row: $0, in: state.orders) }
    }

    func pageJSON(_ list: OrderList, request: Request) throws(QueryNumber) -> OrderPageJSON {
        let (page, size) = try paging(request)
        let orders = indexes(list, page: page, size: size).map { OrderJSON(state.orders.order($0), memo: state.memos[$0]) }
        return OrderPageJSON(page: page, size: size, total: list.count(in: state.orders), orders: orders)
    }

    func registerSales(on router: Router<DemoRequestContext>) {
        router.get("/sales") { _, _ in Responses.redirect("/sales/orders", status: .movedPermanently) }
        for list in OrderList.allCases {
            let base = "/sales/\(list.rawValue)"
            router.get(RouterPath(base)) { request, context in
                let account = try context.requireAccount()
                do throws(QueryNumber) {
                    return try listPage(list, request: request, account: account)
                } catch {
                    return error.response(json: false)
                }
            }
            router.get(RouterPath(base + "/export.csv")) { _, _ in
                Exporter.csvResponse(list, generator: state.orders)
            }
            router.get(RouterPath(base + "/export.xlsx")) { _, _ in
                try Exporter.xlsxResponse(list, generator: state.orders)
            }
            router.get(RouterPath("/api/\(list.rawValue)")) { request, _ in
                do throws(QueryNumber) {
                    return Responses.json(try pageJSON(list, request: request))
                } catch {
                    return error.response(json: true)
                }
            }
        }
        router.get("/sales/orders/{no}") { _, context in
            let account = try context.requireAccount()
            guard let no = context.parameters.get("no"), let index = state.orders.index(ofOrderNumber: no) else {
                return Responses.notFound(json: false)
            }
            return Responses.html(detailPage(index: index, account: account))
        }
        router.post("/sales/orders/{no}/memo") { request, context in
            guard let no = context.parameters.get("no"), let index = state.orders.index(ofOrderNumber: no) else {
                return Responses.notFound(json: false)
            }
            let body = try await request.body.collect(upTo: 64 * 1024)
            let memo = FormCoding.parse(String(buffer: body))["memo"] ?? ""
            state.memos[index] = memo.isEmpty ? nil : memo
            return Responses.redirect("/sales/orders/\(no)")
        }
        router.get("/api/orders/{no}") { _, context in
            guard let no = context.parameters.get("no"), let index = state.orders.index(ofOrderNumber: no) else {
                return Responses.notFound(json: true)
            }
            return Responses.json(OrderJSON(state.orders.order(index), memo: state.memos[index]))
        }
        router.post("/api/orders/{no}/memo") { request, context in
            guard let no = context.parameters.get("no"), let index = state.orders.index(ofOrderNumber: no) else {
                return Responses.notFound(json: true)
            }
            let body = try await request.body.collect(upTo: 64 * 1024)
            guard let memo = try? JSONDecoder().decode(MemoRequest.self, from: Data(buffer: body)) else {
                return Responses.json(["error": "invalid_body"], status: .badRequest)
            }
            state.memos[index] = memo.memo.isEmpty ? nil : memo.memo
            return Responses.json(OrderJSON(state.orders.order(index), memo: state.memos[index]))
        }
    }

    func listPage(_ list: OrderList, request: Request, account: DemoAccount) throws(QueryNumber) -> Response {
        let (page, size) = try paging(request)
        let total = list.count(in: state.orders)
        let header = list.header.map { "<th>\(HTML.escape($0))</th>" }.joined()
        let numeric: Set<String> = ["수량", "결제금액"]
        var rows = ""
        for index in indexes(list, page: page, size: size) {
            let order = state.orders.order(index)
            rows += "<tr data-order-no=\"\(order.orderNo)\">"
            for (i, cell) in list.row(order).enumerated() {
                let name = list.header[i]
                switch cell {
                case .number(let n):
                    rows += "<td class=\"num\">\(name == "결제금액" ? HTML.won(n) + "원" : String(n))</td>"
                case .text(let s) where i == 0:
                    rows += "<td><a href=\"/sales/orders/\(s)\">\(s)</a></td>"
                case .text(let s) where name == "주문상태":
                    rows += "<td><span class=\"badge \(s)\">\(s)</span></td>"
                case .text(let s):
                    let wrap = name.contains("주소") || name == "상품명"
                    rows += "<td\(wrap ? " class=\"wrap\"" : (numeric.contains(name) ? " class=\"num\"" : ""))>\(HTML.escape(s))</td>"
                }
            }
            rows += "</tr>\n"
        }
        if rows.isEmpty {
            rows = "<tr><td colspan=\"\(list.header.count)\" class=\"muted\">조회된 내역이 없습니다.</td></tr>"
        }
        let tabs = OrderList.allCases.map {
            "<a href=\"/sales/\($0.rawValue)\"\($0 == list ? " class=\"on\"" : "")>\($0.title)</a>"
        }.joined()
        let base = "/sales/\(list.rawValue)"
        let exportNote = list == .orders ? " (전체 \(HTML.won(total))건)" : ""
        return Responses.html(
            Page.layout(
                title: list.title, account: account, section: .sales,
                content: """
                    <h1>판매관리 · \(list.title)</h1>
                    <div class="tabs">\(tabs)</div>
                    <div class="toolbar">
                    <div>총 <b>\(HTML.won(total))</b>건 · \(page) / \(max(1, (total + size - 1) / size)) 페이지</div>
                    <div><a class="btn" href="\(base)/export.xlsx">엑셀 다운로드\(exportNote)</a> <a class="btn line" href="\(base)/export.csv">CSV 다운로드</a></div>
                    </div>
                    <div class="card" style="padding:0;overflow-x:auto">
                    <table>
                    <thead><tr>\(header)</tr></thead>
                    <tbody>
                    \(rows)
                    </tbody>
                    </table>
                    </div>
                    \(Page.pager(path: base, page: page, size: size, total: total))
                    """))
    }

    func detailPage(index: Int, account: DemoAccount) -> String {
        let order = state.orders.order(index)
        let memo = state.memos[index]
        var fields: [(String, String)] = [
            ("주문번호", order.orderNo), ("결제일", KST.display(order.paidAt)), ("주문상태", order.status.rawValue),
            ("구매자명", order.buyerName), ("구매자 연락처", order.buyerPhone),
            ("수취인", order.receiverName), ("수취인 연락처", order.receiverPhone),
            ("우편번호", order.zipCode), ("배송지주소", order.address),
            ("상품명", order.product), ("수량", "\(order.quantity)개"), ("결제금액", HTML.won(order.amount) + "원"),
        ]
        if let courier = order.courier, let tracking = order.trackingNo {
            fields.append(("택배사 / 송장번호", "\(courier) \(tracking)"))
        }
        if let reason = order.claimReason {
            fields.append((order.status == .cancelled ? "취소사유" : "반품사유", reason))
        }
        if let at = order.claimAt {
            fields.append((order.status == .cancelled ? "취소요청일" : "반품요청일", KST.display(at)))
        }
        if let pickup = order.pickupState {
            fields.append(("수거상태", pickup))
        }
        let dl = fields.map { "<dt>\(HTML.escape($0.0))</dt><dd>\(HTML.escape($0.1))</dd>" }.joined()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(OrderJSON(order, memo: memo))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let scriptJSON = json.replacingAll("</", with: "<\\/")
        return Page.layout(
            title: "주문 상세 \(order.orderNo)", account: account, section: .sales,
            content: """
                <p><a href="/sales/orders">← 주문 목록</a></p>
                <h1>주문 상세 <span class="muted">\(order.orderNo)</span></h1>
                <div class="card"><dl class="grid">\(dl)</dl></div>
                <div class="card">
                <h2 style="margin-top:0">판매자 메모</h2>
                <form method="post" action="/sales/orders/\(order.orderNo)/memo">
                <textarea name="memo" placeholder="고객 요청사항이나 처리 내용을 기록하세요">\(HTML.escape(memo ?? ""))</textarea>
                <p><button class="btn dark" type="submit">메모 저장</button></p>
                </form>
                </div>
                <script type="application/json" id="order-data">\(scriptJSON)</script>
                """)
    }
}
