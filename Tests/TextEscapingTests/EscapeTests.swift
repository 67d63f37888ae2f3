import Foundation
import Testing

import TextEscaping

@Suite("Escaping")
struct EscapeTests {
    @Test func jsonStringsRoundTripThroughAParser() throws {
        let nasty = "따옴표\" 역슬래시\\ 줄\n바꿈\r탭\t 제어\u{01} </script>"
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(Escape.jsonString(nasty))]".utf8)) as? [String]
        #expect(parsed == [nasty])
    }

    @Test func markupCannotBreakOutOfTextOrAttributes() {
        #expect(Escape.markup(#"<a href="x" onclick='y'>&</a>"#) == "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(Escape.markup("홍길동\u{0B}\n") == "홍길동&#10;")
    }
}
