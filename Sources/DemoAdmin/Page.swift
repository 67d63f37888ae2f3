/// The admin's page chrome: one stylesheet, a top navigation bar and a content area,
/// so every screen looks like part of the same 판매자 센터.
enum Page {
    enum Section: String {
        case home, sales, chat, account
    }

    static let css = """
        *{box-sizing:border-box}
        body{margin:0;font-family:"Pretendard","Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;font-size:14px;color:#1f2937;background:#f3f5f8}
        a{color:#0b63ce;text-decoration:none}a:hover{text-decoration:underline}
        header.top{display:flex;align-items:center;gap:24px;background:#14213d;color:#fff;padding:0 24px;height:56px}
        header.top .brand{font-weight:700;font-size:17px;color:#fff}
        header.top .brand small{font-weight:400;color:#9fb3d9;margin-left:6px}
        header.top nav a{color:#d5def0;padding:18px 10px;display:inline-block}
        header.top nav a.on{color:#fff;border-bottom:3px solid #fca311}
        header.top .who{margin-left:auto;color:#d5def0;display:flex;gap:12px;align-items:center}
        header.top .who button{background:none;border:1px solid #5a6b8c;color:#d5def0;border-radius:4px;padding:4px 10px;cursor:pointer}
        main{max-width:1280px;margin:24px auto;padding:0 24px}
        h1{font-size:20px;margin:0 0 16px}h2{font-size:16px;margin:24px 0 12px}
        .card{background:#fff;border:1px solid #e3e7ee;border-radius:8px;padding:20px;margin-bottom:16px}
        .tabs{display:flex;gap:8px;margin-bottom:16px}.tabs a{padding:8px 14px;border-radius:6px;background:#fff;border:1px solid #e3e7ee;color:#374151}.tabs a.on{background:#14213d;color:#fff;border-color:#14213d}
        table{width:100%;border-collapse:collapse;background:#fff;font-size:13px}
        th,td{border-bottom:1px solid #eceff4;padding:8px 10px;text-align:left;white-space:nowrap}
        th{background:#f8f9fb;color:#4b5563;font-weight:600}
        td.num{text-align:right}td.wrap{white-space:normal;min-width:220px}
        tr:hover td{background:#fafbff}
        .badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;background:#e8eefc;color:#1e40af}
        .badge.취소{background:#fde8e8;color:#b91c1c}.badge.반품{background:#fff4e5;color:#b45309}.badge.배송완료{background:#e7f7ee;color:#15803d}
        .toolbar{display:flex;justify-content:space-between;align-items:center;margin-bottom:12px}
        .btn{display:inline-block;padding:7px 14px;border-radius:6px;border:1px solid #1d6f42;background:#1d6f42;color:#fff;font-size:13px;cursor:pointer}
        .btn.line{background:#fff;color:#1d6f42}.btn.dark{background:#14213d;border-color:#14213d}
        .pager{display:flex;gap:4px;justify-content:center;margin:16px 0}.pager a,.pager span{padding:6px 10px;border:1px solid #e3e7ee;border-radius:4px;background:#fff}.pager span.on{background:#14213d;color:#fff}
        dl.grid{display:grid;grid-template-columns:160px 1fr;gap:10px 16px;margin:0}dl.grid dt{color:#6b7280}dl.grid dd{margin:0}
        form.login{max-width:360px;margin:80px auto}form.login input{width:100%;padding:10px;margin:6px 0 14px;border:1px solid #cfd6e2;border-radius:6px}
        .error{background:#fde8e8;color:#b91c1c;padding:10px 12px;border-radius:6px;margin-bottom:14px}
        .tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:16px}.tiles a.card{display:block;color:#1f2937}.tiles a.card:hover{border-color:#0b63ce;text-decoration:none}
        .chat{display:grid;grid-template-columns:300px 1fr;gap:16px}.rooms li{list-style:none;padding:10px;border-bottom:1px solid #eceff4}.rooms{padding:0;margin:0}
        #live{height:420px;overflow-y:auto;background:#f8f9fb;border-radius:6px;padding:12px}.msg{margin:6px 0;max-width:70%;padding:8px 12px;border-radius:10px;background:#fff;border:1px solid #e3e7ee}.msg.seller{margin-left:auto;background:#e8eefc}.msg .meta{font-size:11px;color:#6b7280}
        textarea{width:100%;min-height:70px;border:1px solid #cfd6e2;border-radius:6px;padding:8px}
        .muted{color:#6b7280}
        """

    static func layout(title: String, account: DemoAccount?, section: Section?, content: String) -> String {
        func link(_ href: String, _ label: String, _ s: Section) -> String {
            "<a href=\"\(href)\"\(section == s ? " class=\"on\"" : "")>\(label)</a>"
        }
        var who = ""
        if let account {
            who = """
                <div class="who"><span>\(HTML.escape(account.displayName)) (\(HTML.escape(account.account)))</span>\
                <form method="post" action="/logout" style="margin:0"><button type="submit">로그아웃</button></form></div>
                """
        }
        return """
            <!DOCTYPE html>
            <html lang="ko">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) - \(ShopProfile.name) 판매자 센터</title>
            <style>\(css)</style>
            </head>
            <body>
            <header class="top">
            <a class="brand" href="/">\(ShopProfile.name)<small>판매자 센터</small></a>
            <nav>\(link("/", "홈", .home))\(link("/sales/orders", "판매관리", .sales))\(link("/chat/", "1:1 채팅", .chat))\(link("/account/", "내정보", .account))</nav>
            \(who)
            </header>
            <main>
            \(content)
            </main>
            </body>
            </html>

            """
    }

    static func simple(title: String, message: String) -> String {
        layout(title: title, account: nil, section: nil, content: "<div class=\"card\"><h1>\(HTML.escape(title))</h1><p>\(HTML.escape(message))</p><p><a href=\"/\">홈으로</a></p></div>")
    }

    /// Page links for a paginated list.
    static func pager(path: String, page: Int, size: Int, total: Int) -> String {
        let pages = max(1, (total + size - 1) / size)
        var out = "<div class=\"pager\">"
        func href(_ p: Int) -> String { "\(path)?page=\(p)&amp;size=\(size)" }
        if page > 1 { out += "<a href=\"\(href(1))\">처음</a><a href=\"\(href(page - 1))\">이전</a>" }
        let first = max(1, page - 4)
        let last = min(pages, first + 9)
        for p in first...last {
            out += p == page ? "<span class=\"on\">\(p)</span>" : "<a href=\"\(href(p))\">\(p)</a>"
        }
        if page < pages { out += "<a href=\"\(href(page + 1))\">다음</a><a href=\"\(href(pages))\">마지막</a>" }
        out += "</div>"
        return out
    }
}
