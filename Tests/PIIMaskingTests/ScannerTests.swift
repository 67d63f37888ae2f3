import Foundation
import Testing

@testable import PIIMasking

// MARK: test detectors (the real ones are written elsewhere)

/// "홍길동" anywhere, and any three Hangul syllables right after the ASCII word NAME (then optional spaces or `:`).
struct TestNameDetector: Detector {
    let name = "test.name"
    let kinds: Set<PIIKind> = [.name]
    static let target = Array("홍길동".utf8)

    func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        let count = text.count
        var index = 0
        while index < count {
            if index + 9 <= count && text[index] == Self.target[0]
                && (0..<9).allSatisfy({ text[index + $0] == Self.target[$0] })
            {
                detections.append(Detection(start: index, end: index + 9, kind: .name, detector: self.name))
                index += 9
                continue
            }
            if index + 4 <= count && text[index] == UInt8(ascii: "N") && text[index + 1] == UInt8(ascii: "A")
                && text[index + 2] == UInt8(ascii: "M") && text[index + 3] == UInt8(ascii: "E")
            {
                var start = index + 4
                while start < count && (text[start] == 0x20 || text[start] == UInt8(ascii: ":")) { start += 1 }
                if start + 1 < count && text[start] == 0xC2 && text[start + 1] == 0xA0 { start += 2 }
                var end = start
                var syllables = 0
                while syllables < 3 && end + 3 <= count && Self.isHangulSyllable(text, end) {
                    end += 3
                    syllables += 1
                }
                if syllables == 3 {
                    detections.append(Detection(start: start, end: end, kind: .name, detector: self.name))
                    index = end
                    continue
                }
            }
            index += 1
        }
    }

    static func isHangulSyllable(_ text: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        let scalar = (UInt32(text[index] & 0x0F) << 12) | (UInt32(text[index + 1] & 0x3F) << 6) | UInt32(text[index + 2] & 0x3F)
        return text[index] & 0xF0 == 0xE0 && scalar >= 0xAC00 && scalar <= 0xD7A3
    }
}

/// Mobile numbers 01X-XXX(X)-XXXX, with `-`, a space or nothing between groups, not inside a longer digit run.
struct TestPhoneDetector: Detector {
    let name = "test.phone"
    let kinds: Set<PIIKind> = [.phone]

    func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        var index = 0
        while index + 10 <= text.count {
            if text[index] == 0x30 && text[index + 1] == 0x31 && (index == 0 || !Self.isDigit(text[index - 1])),
               let end = self.match(text, index)
            {
                detections.append(Detection(start: index, end: end, kind: .phone, detector: self.name))
                index = end
            } else {
                index += 1
            }
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private func digits(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Bool {
        guard start + count <= text.count else { return false }
        return (start..<(start + count)).allSatisfy { Self.isDigit(text[$0]) }
    }

    private func match(_ text: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        guard self.digits(text, start, 3) else { return nil }
        var position = start + 3
        var separator: UInt8? = nil
        if position < text.count && (text[position] == UInt8(ascii: "-") || text[position] == 0x20) {
            separator = text[position]
            position += 1
        }
        for middle in [4, 3] {
            var end = position
            guard self.digits(text, end, middle) else { continue }
            end += middle
            if let separator {
                guard end < text.count && text[end] == separator else { continue }
                end += 1
            }
            guard self.digits(text, end, 4) else { continue }
            end += 4
            if end < text.count && Self.isDigit(text[end]) { continue }
            return end
        }
        return nil
    }
}

/// When the field's label names a name, the whole unit (without surrounding spaces) is one.
struct TestLabelledNameDetector: Detector {
    let name = "test.labelled"
    let kinds: Set<PIIKind> = [.name]

    func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        guard hint == .name else { return }
        var start = 0
        var end = text.count
        while start < end && (text[start] == 0x20 || text[start] == 0x0A || text[start] == 0x09) { start += 1 }
        while end > start && (text[end - 1] == 0x20 || text[end - 1] == 0x0A || text[end - 1] == 0x09) { end -= 1 }
        if start < end { detections.append(Detection(start: start, end: end, kind: .name, detector: self.name)) }
    }
}

/// Finds nothing (for throughput figures of the scanners themselves).
struct NoOpDetector: Detector {
    let name = "test.noop"
    let kinds: Set<PIIKind> = [.phone]
    func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {}
}

/// Reports nothing; counts the units it is asked about, by text.
struct CountingDetector: Detector {
    final class Counts: @unchecked Sendable {
        private let lock = NSLock()
        private var texts: [String: Int] = [:]
        func add(_ text: String) { self.lock.withLock { self.texts[text, default: 0] += 1 } }
        subscript(text: String) -> Int { self.lock.withLock { self.texts[text] ?? 0 } }
    }
    let name = "test.count"
    let kinds: Set<PIIKind> = [.phone]
    let counts: Counts
    func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        self.counts.add(String(decoding: text, as: UTF8.self))
    }
}

let testMasker = TextMasker(profile: MaskingProfile(),
                            detectors: [TestNameDetector(), TestPhoneDetector(), TestLabelledNameDetector()])

// MARK: helpers

enum Format: CaseIterable {
    case html, json, csv, tsv, text

    func masker(_ masker: TextMasker = testMasker) -> any BodyMasker {
        switch self {
        case .html: HTMLBodyMasker(masker: masker)
        case .json: JSONBodyMasker(masker: masker)
        case .csv: DelimitedBodyMasker(masker: masker, separator: UInt8(ascii: ","))
        case .tsv: DelimitedBodyMasker(masker: masker, separator: 0x09)
        case .text: TextBodyMasker(masker: masker)
        }
    }
}

/// Runs `input` through `masker` in chunks of the given sizes (cycled); every release must be valid UTF-8 alone.
func run(_ masker: any BodyMasker, _ input: [UInt8], sizes: [Int] = [Int.max]) throws(MaskingError) -> [UInt8] {
    try masker.maskWhole(input, chunkSizes: sizes) { piece in
        #expect(String(validating: piece, as: UTF8.self) != nil, "a release is not valid UTF-8 on its own")
    }
}

func mask(_ format: Format, _ input: String, sizes: [Int] = [Int.max]) throws(MaskingError) -> String {
    String(decoding: try run(format.masker(), Array(input.utf8), sizes: sizes), as: UTF8.self)
}

struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { self.state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(self.next() % UInt64(bound)) }
}

// MARK: HTML

@Suite("HTML scanner")
struct HTMLScannerTests {
    /// A scanner's masked values reach the masker's observer (`pii-guard mask --explain`): masked forms only.
    @Test func theObserverSeesWhatAScannerMasks() throws {
        var watched = testMasker
        let observer = DetectionObserver()
        watched.observer = observer
        let output = try run(HTMLBodyMasker(masker: watched), Array("<dl><dt>메모</dt><dd>NAME 김철수</dd></dl><p>홍길동</p>".utf8))
        #expect(String(decoding: output, as: UTF8.self) == "<dl><dt>메모</dt><dd>NAME 김*수</dd></dl><p>홍*동</p>")
        #expect(observer.entries.map(\.masked) == ["김*수", "홍*동"])
        #expect(observer.entries.map(\.kind) == [.name, .name])
    }

    /// Label texts in which nothing was found are remembered per body and not read again; a label with a value in
    /// it is read (and masked) every time.
    @Test func quietLabelsAreReadOncePerBody() throws {
        let counts = CountingDetector.Counts()
        let masker = TextMasker(profile: MaskingProfile(), detectors: [TestNameDetector(), CountingDetector(counts: counts)])
        let page = (0..<50).map {
            "<table><thead><tr><th>상품명</th><th>홍길동</th></tr></thead><tbody><tr><td>x\($0)</td><td>y</td></tr></tbody></table>"
        }.joined()
        let output = String(decoding: try run(HTMLBodyMasker(masker: masker), Array(page.utf8)), as: UTF8.self)
        #expect(counts["상품명"] == 1)
        #expect(counts["홍길동"] == 50)
        #expect(!output.contains("홍길동"))
        #expect(output.components(separatedBy: "<th>홍*동</th>").count == 51)
    }

    /// With many labels (more than the memory holds, so they evict one another), some holding a value, the output is
    /// what it is without remembering (an observer turns it off), for every chunking.
    @Test(arguments: 0..<3)
    func rememberingQuietLabelsChangesNoOutput(seed: Int) throws {
        var random = TestRandom(seed: UInt64(700 + seed))
        // Labels with a name and labels without share their first bytes and lengths (a name and a word of the same
        // length at the end).
        let labels = (0..<300).map { index in
            ["주문번호", "상품", "금액", "label", "배송 메모"][index % 5] + " \(index % 97) "
                + (random.below(5) == 0 ? "홍길동" : ["김치밥", "배송비", "주문서"][random.below(3)])
        }
        var page = ""
        for _ in 0..<400 {
            let label = labels[random.below(labels.count)]
            page += random.below(2) == 0 ? "<dl><dt>\(label)</dt><dd>NAME 김철수</dd></dl>" : "<table><tr><th>\(label)</th><td>v</td></tr></table>"
        }
        var watched = testMasker
        watched.observer = DetectionObserver()
        let expected = try run(HTMLBodyMasker(masker: watched), Array(page.utf8))
        let text = String(decoding: expected, as: UTF8.self)
        #expect(text.contains("홍*동</") && !text.contains("홍길동"))
        for sizes in [[Int.max], [4_099, 1, 17, 300], [7, 65_536, 3]] {
            let same = try run(HTMLBodyMasker(masker: testMasker), Array(page.utf8), sizes: sizes) == expected
            #expect(same, "chunk sizes \(sizes)")
        }
    }

    @Test func textNodes() throws {
        #expect(try mask(.html, "<p>고객 홍길동 님, 010-1234-5678</p>") == "<p>고객 홍*동 님, 010-****-5678</p>")
        #expect(try mask(.html, "<div>NAME 김철수</div>") == "<div>NAME 김*수</div>")
    }

    @Test func attributeValues() throws {
        let input = """
            <input type="text" value="010-1234-5678"><img alt="홍길동" src="/img/010-1234-5678.png" title='NAME 이영희'>\
            <input placeholder="예: 010-1234-5678"><span aria-label="홍길동" data-buyer-phone="01012345678" \
            class="홍길동" id="010-1234-5678"></span><meta name="author" content="홍길동">\
            <a href="/orders?tel=010-1234-5678" data-x=홍길동>x</a>
            """
        let expected = """
            <input type="text" value="010-****-5678"><img alt="홍*동" src="/img/010-1234-5678.png" title='NAME 이*희'>\
            <input placeholder="예: 010-****-5678"><span aria-label="홍*동" data-buyer-phone="010****5678" \
            class="홍길동" id="010-1234-5678"></span><meta name="author" content="홍*동">\
            <a href="/orders?tel=010-1234-5678" data-x=홍*동>x</a>
            """
        #expect(try mask(.html, input) == expected)
    }

    @Test func textareaTitleCommentsAndStyle() throws {
        let input = """
            <title>홍길동 주문</title><textarea name="memo">연락처 010-1234-5678\n&lt;확인&gt;</textarea>\
            <!-- 담당: 홍길동 --><!----><!--><style>.x::after{content:"홍길동 010-1234-5678"}</style>
            """
        let expected = """
            <title>홍*동 주문</title><textarea name="memo">연락처 010-****-5678\n&lt;확인&gt;</textarea>\
            <!-- 담당: 홍*동 --><!----><!--><style>.x::after{content:"홍길동 010-1234-5678"}</style>
            """
        #expect(try mask(.html, input) == expected)
    }

    @Test func scriptJSON() throws {
        let input = """
            <script type="application/json" id="order-data">{"buyerName":"김철수","receiver":{"phone":"010-1234-5678"},\
            "tel":1012345678,"memo":"NAME 박영희 \\u003cb\\u003e"}</script>\
            <script type="application/ld+json">{"name": "이순신"}</script>
            """
        let expected = """
            <script type="application/json" id="order-data">{"buyerName":"김*수","receiver":{"phone":"010-****-5678"},\
            "tel":1012345678,"memo":"NAME 박*희 \\u003cb\\u003e"}</script>\
            <script type="application/ld+json">{"name": "이*신"}</script>
            """
        #expect(try mask(.html, input) == expected)
    }

    @Test func scriptJSONThatIsNotJSONFallsBackToJavaScript() throws {
        let input = #"<script type="application/json">{"name": "김철수", bad: '010-1234-5678'}</script><p>홍길동</p>"#
        let expected = #"<script type="application/json">{"name": "김*수", bad: '010-****-5678'}</script><p>홍*동</p>"#
        #expect(try mask(.html, input) == expected)
    }

    @Test func scriptJavaScript() throws {
        let input = """
            <script>
            var receiver = "김철수"; var order = {buyerName: '이영희', "phone": "010-1234-5678", note: `NAME 박민수`};
            var re = /"[^"]*"/g; var half = total / 2; // "홍길동" stays in a comment
            var names = ["정우성", "한지민"]; label = 'x' + "홍길동"; print("010-2222-3333");
            if (a) { b = "김철수"; } setName("윤아름");
            </script>
            """
        let expected = """
            <script>
            var receiver = "김*수"; var order = {buyerName: '이*희', "phone": "010-****-5678", note: `NAME 박*수`};
            var re = /"[^"]*"/g; var half = total / 2; // "홍길동" stays in a comment
            var names = ["정*성", "한*민"]; label = 'x' + "홍*동"; print("010-****-3333");
            if (a) { b = "김철수"; } setName("윤아름");
            </script>
            """
        #expect(try mask(.html, input) == expected)
    }

    /// Strings read whole in the chunk (`JavaScriptCore.wholeString`) give what the state machine gives when the
    /// same script arrives a byte at a time: keys (also with whitespace before the `:`), values after a possible
    /// key, too much whitespace for a key, escapes, empty strings, all three quotes.
    @Test func scriptStringsReadWholeMatchTheStateMachine() throws {
        let spaces = String(repeating: " ", count: 1_100)
        let input = """
            <script>
            var o = {"buyerName"  :  "김철수", 'phone'
            : '010-1234-5678', "note" , "NAME 박민수", "": "", "receiver":"이영희\\u0020", memo: `NAME 홍길동`};
            var p = {"name"\(spaces): "정우성"}; var q = {"x" "홍길동"}; f({"buyerName": "한지민"});
            var label = "buyerName"; var v = {"이름": "윤아름", 'a\\'b': "NAME 김철수"}; var w = {receiver: "최민수"};
            </script>
            """
        let whole = try mask(.html, input)
        #expect(whole.contains(#""buyerName"  :  "김*수""#))
        #expect(whole.contains("'010-****-5678'"))
        #expect(whole.contains(#""NAME 박*수""#))
        #expect(whole.contains("`NAME 홍*동`"))
        #expect(whole.contains(#"{"buyerName": "한*민"}"#))
        #expect(whole.contains(#"var w = {receiver: "최*수"}"#))
        #expect(!whole.contains("김철수"))
        for sizes in [[1], [2], [3], [7], [64], [5, 1, 300]] {
            #expect(try mask(.html, input, sizes: sizes) == whole, "chunk sizes \(sizes)")
        }
    }

    /// A raw text element's end tag whole in the chunk (`</script>`, `</TITLE>`) is read as in text, and content
    /// whole in the chunk right after its start tag is masked there (`HTMLCore.wholeRawText`); other end tags
    /// (`</script >`, split across chunks, a name that only starts the same) go through the byte-by-byte match. Both
    /// give the same output, for every chunking.
    @Test func rawTextEndTagsReadWholeMatchTheStateMachine() throws {
        let input = """
            <title>NAME 김철수</TITLE><script>var a = "홍길동";</SCRIPT><script>var b = 1;</script ><p>홍길동</p>\
            <textarea name="buyerName">이영희</textarea><script>var c = "</scripts>";</script>\
            <style>p { color: red }</style><script type="application/json">{"name": "박민수"}</script><p>NAME 최민수</p>
            """
        let whole = try mask(.html, input)
        #expect(whole.contains("<title>NAME 김*수</TITLE>"))
        #expect(whole.contains(#"var a = "홍*동";</SCRIPT>"#))
        #expect(whole.contains("</script ><p>홍*동</p>"))
        #expect(whole.contains(#"{"name": "박*수"}</script><p>NAME 최*수</p>"#))
        #expect(whole.contains(#"<textarea name="buyerName">이*희</textarea>"#))
        #expect(whole.contains("<style>p { color: red }</style>"))
        for sizes in [[1], [2], [5], [9], [5, 1, 300]] {
            #expect(try mask(.html, input, sizes: sizes) == whole, "chunk sizes \(sizes)")
        }
    }

    /// Numeric references read in the text run (`HTMLCore.numericReference`) give what the reference states give
    /// when the same page arrives a byte at a time: decimal and hex, 0, a surrogate, past U+10FFFF, too many digits,
    /// no `;`, named references next to them.
    @Test func numericReferencesReadInTheRunMatchTheStateMachine() throws {
        let input = """
            <p>&#54861;&#44600;&#46041; 님</p><td>&#xD64D;&#xAE38;&#xB3D9;</td><p>NAME &#44608;&#52384;&#49688;</p>\
            <p>a&#0;b&#xD800;c&#9999999;d&#00000065;e&#65f&#x;g&#;h&amp;i&#X41;j</p><p>&#54861;길동&lt;&#54861;&#44600;동</p>
            """
        let whole = try mask(.html, input)
        // Masked values are written as characters; references outside them stay as written.
        #expect(whole.contains("<p>홍*동 님</p><td>홍*동</td><p>NAME 김*수</p>"))
        #expect(whole.contains("a&#0;b&#xD800;c&#9999999;d&#00000065;e&#65f&#x;g&#;h&amp;i&#X41;j"))
        #expect(whole.contains("<p>홍*동&lt;홍*동</p>"))
        for sizes in [[1], [2], [3], [7], [5, 1, 300]] {
            #expect(try mask(.html, input, sizes: sizes) == whole, "chunk sizes \(sizes)")
        }
        // A run of references longer than a unit: cut while tags before it are still pending.
        let long = "<div><p>" + String(repeating: "&#54861;&#44600;&#46041;", count: 3_000) + "</p></div>"
        let longWhole = try mask(.html, long)
        #expect(longWhole.hasPrefix("<div><p>홍*동"))
        #expect(try mask(.html, long, sizes: [1]) == longWhole)
    }

    /// Declarations read whole (`HTMLCore.declaration`) give what the bogus-comment state gives a byte at a time.
    @Test func declarationsReadWholeMatchTheStateMachine() throws {
        let input = """
            <!DOCTYPE html><p>홍길동</p><!doctype NAME 김철수><!><!-x NAME 이영희><!-- NAME 박민수 --><p>a</p><!x 010-1234-5678>
            """
        let whole = try mask(.html, input)
        #expect(whole.hasPrefix("<!DOCTYPE html><p>홍*동</p><!doctype NAME 김*수><!><!-x NAME 이*희><!-- NAME 박*수 -->"))
        #expect(whole.hasSuffix("<!x 010-****-5678>"))
        for sizes in [[1], [2], [3], [7], [5, 1, 300]] {
            #expect(try mask(.html, input, sizes: sizes) == whole, "chunk sizes \(sizes)")
        }
    }

    @Test func scriptEndsAtTheFirstEndTagAsInBrowsers() throws {
        // The string is cut by `</script>` (HTML knows no JavaScript): its part is a unit, the rest is markup again.
        let input = #"<script>var s = "NAME 김철수</script><p>홍길동</p>";</script><style>p{}</STYLE >홍길동"#
        let expected = #"<script>var s = "NAME 김*수</script><p>홍*동</p>";</script><style>p{}</STYLE >홍*동"#
        #expect(try mask(.html, input) == expected)
        #expect(try mask(.html, input, sizes: [1]) == expected)
    }

    @Test func keysInJavaScriptObjectsAreNotMasked() throws {
        // The key "홍길동" is a key (after `{`, before `:`); the value is labelled by it.
        let input = #"<script>var m = {"홍길동": "x", 'name' : "김철수"}</script>"#
        let expected = #"<script>var m = {"홍길동": "x", 'name' : "김*수"}</script>"#
        #expect(try mask(.html, input) == expected)
    }

    @Test func characterReferencesAreDecoded() throws {
        #expect(try mask(.html, "<td>&#54861;&#xAE38;&#46041;</td>") == "<td>홍*동</td>")
        #expect(try mask(.html, "<td>NAME&nbsp;김철수 &amp; 010&#45;1234&#x2D;5678</td>")
                == "<td>NAME&nbsp;김*수 &amp; 010-****-5678</td>")
        // Nothing detected: the references stay exactly as written.
        let untouched = "<td>A &amp; B &lt;C&gt; &#54861;&#xAE38; &unknown; &amp &#;</td>"
        #expect(try mask(.html, untouched) == untouched)
        #expect(try mask(.html, "<input value=\"&#54861;길동 &quot;VIP&quot;\">") == "<input value=\"홍*동 &quot;VIP&quot;\">")
    }

    @Test func maskedValuesAreEscaped() throws {
        let masker = TextMasker(profile: MaskingProfile(maskCharacter: "&"), detectors: [TestNameDetector()])
        let output = try run(HTMLBodyMasker(masker: masker), Array("<p>홍길동</p><input value=홍길동>".utf8))
        #expect(String(decoding: output, as: UTF8.self) == "<p>홍&amp;동</p><input value=홍&amp;동>")
    }

    @Test func textSplitAcrossInlineTags() throws {
        #expect(try mask(.html, "<td><b>홍</b>길동</td>") == "<td><b>홍</b>*동</td>")
        #expect(try mask(.html, "<td><span>010-</span><span>1234-5678</span></td>")
                == "<td><span>010-</span><span>****-5678</span></td>")
        #expect(try mask(.html, "<p>고객 <a href=\"/m/1\" title=\"회원\">홍<i>길</i></a>동님</p>")
                == "<p>고객 <a href=\"/m/1\" title=\"회원\">홍<i>*</i></a>동님</p>")
        // Block markup separates: no joined run across <div> or <br>.
        #expect(try mask(.html, "<div>홍</div>길동 홍<br>길동") == "<div>홍</div>길동 홍<br>길동")
    }

    @Test func tableLabels() throws {
        let input = """
            <table><thead><tr><th>No</th><th>이름</th><th>연락처</th></tr></thead>
            <tbody><tr><td>1</td><td>김철수</td><td>01098765432</td></tr>
            <tr><td>2</td><td><a href="/m/2">이영희</a></td><td>010 9876 5432</td></tr></tbody></table>
            <table><tr><th>수령인</th><td>박민수</td><th>메모</th><td>문 앞</td></tr></table>
            <table><tr><th>주문번호</th><th>구매자명</th></tr><tr><td>2022052520140906</td><td>최민지<td>x</tr></table>
            """
        let expected = """
            <table><thead><tr><th>No</th><th>이름</th><th>연락처</th></tr></thead>
            <tbody><tr><td>1</td><td>김*수</td><td>010****5432</td></tr>
            <tr><td>2</td><td><a href="/m/2">이*희</a></td><td>010 **** 5432</td></tr></tbody></table>
            <table><tr><th>수령인</th><td>박*수</td><th>메모</th><td>문 앞</td></tr></table>
            <table><tr><th>주문번호</th><th>구매자명</th></tr><tr><td>2022052520140906</td><td>최*지<td>x</tr></table>
            """
        #expect(try mask(.html, input) == expected)
    }

    @Test func definitionListsLabelsAndInputs() throws {
        let input = """
            <dl class="grid"><dt>주문자명</dt><dd>김철수</dd><dt>배송메모</dt><dd>빠른 배송</dd></dl>
            <label for="r">받는분</label> <span>이영희</span>
            <label>예금주 <input name="x" value="박민수"></label>
            <label>성명</label><input type="text" value="정우성">
            <input name="buyerName" value="한지민"><input value="윤아름" name="receiverName">
            <input value="조세호" name="memo"><button name="btn" value="확인">확인</button>
            <select name="receiver"><option value="1">강호동</option></select>
            """
        let expected = """
            <dl class="grid"><dt>주문자명</dt><dd>김*수</dd><dt>배송메모</dt><dd>빠른 배송</dd></dl>
            <label for="r">받는분</label> <span>이*희</span>
            <label>예금주 <input name="x" value="박*수"></label>
            <label>성명</label><input type="text" value="정*성">
            <input name="buyerName" value="한*민"><input value="윤*름" name="receiverName">
            <input value="조세호" name="memo"><button name="btn" value="확인">확인</button>
            <select name="receiver"><option value="1">강*동</option></select>
            """
        #expect(try mask(.html, input) == expected)
    }

    @Test func messyMarkup() throws {
        let input = """
            <TABLE BORDER=1><TR><TH>이름<TH>연락처<TR><TD>김철수<TD>010-1234-5678</TABLE>
            <INPUT NAME=buyerName VALUE=이영희 /><br/>NAME 박민수<br>
            <p class=a id=b>홍길동</P><img src=x.png alt=홍길동/><div <span>홍길동</span> a < b && c > d
            """
        let expected = """
            <TABLE BORDER=1><TR><TH>이름<TH>연락처<TR><TD>김*수<TD>010-****-5678</TABLE>
            <INPUT NAME=buyerName VALUE=이*희 /><br/>NAME 박*수<br>
            <p class=a id=b>홍*동</P><img src=x.png alt=홍*동/><div <span>홍*동</span> a < b && c > d
            """
        #expect(try mask(.html, input) == expected)
    }

    @Test func elementAndAttributeTablesAgree() {
        for name in inlineElements { #expect(Element(name: name) == .inline, "\(String(decoding: name, as: UTF8.self))") }
        #expect(Set(Element.byName.filter { $0.element == .inline }.map { Array($0.name.utf8) }) == inlineElements)
        for (name, element) in Element.byName { #expect(Element(name: Array(name.utf8)) == element, "\(name)") }
        for name in ["", "div", "p", "tdd", "t", "h1", "inputs", "scrip", "noframe", "tablex", "lab", "aa", "spa"] {
            #expect(Element(name: Array(name.utf8)) == .other, "\(name)")
        }
        for name in ["table", "tr", "td", "th", "script", "textarea", "div", "br", "img", "spanx", "abbrx"] {
            let element = Element(name: Array(name.utf8))
            #expect((element == .inline) == false, "\(name)")
        }
        for name in unmaskedAttributes {
            #expect(AttributeRole(name: name).isMasked == false, "\(String(decoding: name, as: UTF8.self))")
        }
        for name in ["value", "title", "alt", "placeholder", "aria-label", "data-buyer", "content", "onclick", "label"] {
            #expect(AttributeRole(name: Array(name.utf8)).isMasked, "\(name)")
        }
    }

    @Test func javaScriptRegexKeywordsAgreeWithTheirList() {
        for word in JavaScriptCore.regexKeywords {
            #expect(JavaScriptCore.isRegexKeyword(word), "\(String(decoding: word, as: UTF8.self))")
        }
        for word in ["", "i", "returns", "Return", "instanceOf", "instanceofx", "doo", "awai", "x1"] {
            #expect(JavaScriptCore.isRegexKeyword(Array(word.utf8)) == false, "\(word)")
        }
    }

    /// `JSONCore.stringStop` (eight bytes a step) against a byte-by-byte search: every byte value at every position,
    /// among ASCII letters and among Hangul bytes, with a second candidate after it.
    @Test func jsonStringStopFindsTheFirstQuoteBackslashOrControlByte() {
        func expected(_ bytes: [UInt8]) -> Int {
            bytes.firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 } ?? bytes.count
        }
        for filler in [UInt8(ascii: "a"), 0xEB, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0xFF, 0x20] {
            for position in 0..<20 {
                for byte in UInt8(0)...UInt8(255) {
                    var bytes = [UInt8](repeating: filler, count: 20)
                    bytes[position] = byte
                    if position + 3 < bytes.count { bytes[position + 3] = 0x22 }
                    let found = bytes.withUnsafeBufferPointer { JSONCore.stringStop($0.baseAddress!, from: 0, end: $0.count) }
                    #expect(found == expected(bytes), "\(bytes)")
                }
            }
        }
    }

    /// What `UTF8Validator` says of `bytes` fed in pieces of `chunk` bytes: "ok", or the error it throws (message and
    /// offset), so that two ways of feeding the same bytes can be compared.
    private func utf8Verdict(_ bytes: [UInt8], chunk: Int) -> String {
        var validator = UTF8Validator()
        do {
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + chunk)
                try bytes[start..<end].withUnsafeBufferPointer { try validator.validate($0, format: "T") }
                start = end
            }
            try validator.finish(format: "T")
            return "ok"
        } catch {
            return "\(error)"
        }
    }

    /// Every three-byte lead with second bytes around the continuation range, as the first or second sequence of the
    /// two-at-a-time Hangul step (E0 and ED restrict the second byte): the same verdict and error as byte by byte.
    @Test func utf8ValidatorTwoSequenceStepAgreesWithTheBytePathOnEveryLead() {
        let hangul: [UInt8] = [0xED, 0x95, 0x9C]  // 한
        let tail = Array("abcdefgh".utf8)
        for lead in UInt8(0xE0)...UInt8(0xEF) {
            for second in UInt8(0x70)...UInt8(0xC5) {
                for third in [UInt8(0x80), 0xBF, 0x41] {
                    let sequence = [lead, second, third]
                    for bytes in [sequence + hangul + tail, hangul + sequence + tail, sequence + sequence + tail] {
                        #expect(utf8Verdict(bytes, chunk: bytes.count) == utf8Verdict(bytes, chunk: 1), "\(bytes)")
                    }
                }
            }
        }
    }

    /// The validator's word-at-a-time paths against the same validator fed one byte at a time (which takes only
    /// the byte path): same verdict, same error offset, on text mixing ASCII, Hangul and edge sequences.
    @Test func utf8ValidatorFastPathsAgreeWithTheBytePath() {
        var generator = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [
            Array("a<td>".utf8), Array("홍길동".utf8), Array("한".utf8), Array("힣".utf8), Array("가".utf8),
            [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xE0, 0xA0, 0x80], [0xE0, 0x9F, 0xBF], [0xEF, 0xBF, 0xBF],
            [0xE1, 0x80], [0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80], [0x80], [0xFF], [0xEA, 0xB0, 0x41], [0x20],
        ]
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...24, using: &generator) {
                // Mostly valid pieces, now and then a broken one.
                let piece = Int.random(in: 0..<10, using: &generator) < 8
                    ? pieces[Int.random(in: 0..<5, using: &generator)] : pieces.randomElement(using: &generator) ?? []
                bytes += piece
            }
            let expected = utf8Verdict(bytes, chunk: 1)
            for chunk in [bytes.count + 1, 7, 13] {
                #expect(utf8Verdict(bytes, chunk: chunk) == expected, "\(bytes) in chunks of \(chunk)")
            }
        }
    }

    /// Bare tags (`<td>`, `</dt>`, a stray `</title>`) take a shortcut past `fastTag`; with a space before `>` the
    /// same tags take the general path. Both must label and mask alike.
    @Test func bareTagShortcutAgreesWithTheGeneralPath() throws {
        let template = """
            <table%><tr%><th%>구매자</th%><th%>연락처</th%><th%>배송지</th%></tr%><tr%><td%></title%>한결</td%>\
            <td%></style%>010-1234-5678</td%><td%>서울특별시 마포구 문화로 817</td%></tr%></table%>\
            <dl%><dt%>수취인</dt%><dd%></textarea%>김철수</dd%><dt%>생년월일</dt%><dd%>19900315</dd%></dl%>\
            <p%>연락처</p%><TD%>이영희</TD%>
            """
        let bare = template.replacingOccurrences(of: "%", with: "")
        let spaced = template.replacingOccurrences(of: "%", with: " ")
        for sizes in [[Int.max], [7], [1, 3]] {
            let fromBare = try mask(.html, bare, sizes: sizes)
            let fromSpaced = try mask(.html, spaced, sizes: sizes)
            #expect(fromBare != bare)
            #expect(fromSpaced.replacingOccurrences(of: " >", with: ">") == fromBare, "\(sizes)")
        }
    }

    @Test func markupScanFindsTheFirstLessThanOrAmpersand() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array("ab<&\u{00}\u{FF}".utf8) + [0x3B, 0x3D, 0x25, 0x27, 0xBC, 0xA6, 0x80]
        for _ in 0..<2000 {
            let count = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            let from = Int.random(in: 0...count, using: &generator)
            let expected = bytes[from...].firstIndex { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") } ?? count
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                #expect(firstMarkup(base, from: from, end: count) == expected, "\(bytes) from \(from)")
            }
        }
    }

    @Test func realisticAdminPageWithNothingToMaskPassesByteForByte() throws {
        let page = Self.adminPage
        let masker = HTMLBodyMasker(masker: testMasker)
        let output = try run(masker, Array(page.utf8), sizes: [777])
        #expect(output == Array(page.utf8))
        #expect(masker.tally.total == 0)
    }

    static let adminPage = """
        <!DOCTYPE html>
        <html lang="ko">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>상품 목록 - 한빛상회 판매자 센터</title>
        <style>*{box-sizing:border-box} body{font-family:"Pretendard",sans-serif} .badge.취소{background:#fde8e8}</style>
        <script>window.__CFG = {"page": 3, "size": 50, 'locale': "ko-KR", re: /<\\/?b>/g}; /* 주석 "따옴표" */</script>
        </head>
        <body class="sales">
        <header class="top"><a class="brand" href="/">한빛상회<small>판매자 센터</small></a>
        <nav><a href="/" class="on">홈</a><a href="/sales/orders?page=1&amp;size=50">판매관리</a><a href="/chat/">1:1 채팅</a></nav>
        <div class="who"><span>운영팀 (admin)</span><form method="post" action="/logout" style="margin:0"><button type="submit">로그아웃</button></form></div>
        </header>
        <main>
        <!-- 상품 목록: 2022.05.25 16:37:31 기준 -->
        <div class="card"><h1>상품 목록</h1>
        <div class="toolbar"><span class="muted">총 1,234건</span><a class="btn line" href="/export.csv">엑셀 다운로드</a></div>
        <table>
        <thead><tr><th>상품코드</th><th>상품명</th><th>옵션</th><th>가격</th><th>재고</th><th>택배사</th><th>운송장</th></tr></thead>
        <tbody>
        <tr data-code="99001_001"><td>99001_001</td><td class="wrap">유기농 <b>현미</b> 5kg</td><td>1개</td><td class="num">21,000원</td><td>120</td><td>CJ대한통운</td><td>6012-3456-7890</td></tr>
        <tr data-code="99002_003"><td>99002_003</td><td class="wrap">제주 감귤 &amp; 한라봉 세트 &lt;한정판&gt;</td><td>3kg</td><td class="num">35,500원</td><td>0</td><td>우체국택배</td><td>6098-7654-3210</td></tr>
        <tr><td colspan="7" class="muted">문의: 1588-1234 (평일 09:00~18:00) · 주문번호 2022052520140906</td></tr>
        </tbody>
        </table>
        <div class="pager"><a href="/p?page=1&amp;size=50">처음</a><span class="on">2</span><a href="/p?page=3">다음</a></div>
        <form class="search"><label for="q">검색어</label><input id="q" name="q" value="" placeholder="상품명 검색"><input type="checkbox" checked disabled></form>
        <p>이번 주 신상품 🎉 정말 좋은 김치찌개 재료, 장바구니에 담아 보세요! a&lt;b &copy; 2026</p>
        <textarea name="notice" readonly>공지: 택배 마감은 16시입니다.</textarea>
        <img src="/img/p.png" alt="상품 이미지" width=120 height=120><br>
        <svg viewBox="0 0 10 10"><path d="M0 0L10 10"/><title>아이콘</title></svg>
        </div>
        </main>
        <script type="application/json" id="state">{"items":[{"code":"99001_001","price":21000,"goods":"유기농 현미"}],"total":1234,"updatedAt":"2022-05-25T16:37:31+09:00","note":"\\u0041\\uD83D\\uDE00"}</script>
        </body>
        </html>

        """
}

// MARK: JSON

@Suite("JSON scanner")
struct JSONScannerTests {
    @Test func stringValuesLabelledByKeys() throws {
        let input = """
            {"buyerName":"김철수","receiver":{"phone":"010-1234-5678","name":"이영희"},"phones":["010-1111-2222","010-3333-4444"],\
            "names":[["박민수"]],"memo":"NAME 최민지 연락 바람","tel":1012345678,"ok":true,"none":null,"홍길동":"키는 그대로"}
            """
        let expected = """
            {"buyerName":"김*수","receiver":{"phone":"010-****-5678","name":"이*희"},"phones":["010-****-2222","010-****-4444"],\
            "names":[["박*수"]],"memo":"NAME 최*지 연락 바람","tel":1012345678,"ok":true,"none":null,"홍길동":"키는 그대로"}
            """
        #expect(try mask(.json, input) == expected)
    }

    @Test func escapesAreDecodedAndUnchangedStringsStayExact() throws {
        // \uD64D\uAE38\uB3D9 = 홍길동
        #expect(try mask(.json, #"["\uD64D\uAE38\uB3D9 님"]"#) == #"["홍*동 님"]"#)
        #expect(try mask(.json, #"{"memo":"\"홍길동\"\n010\u002d1234-5678 \uD83D\uDE00"}"#)
                == #"{"memo":"\"홍*동\"\n010-****-5678 \uD83D\uDE00"}"#)
        let untouched = #"{"a":"\u0041\/\b\f\n\r\t\\ \uD83D\uDE00 \uDE00 \uD83D","b":[1,-2.5e+10,0.1E3],"c":{}}"#
        #expect(try mask(.json, untouched) == untouched)
        // The key's escapes are decoded for the label: "\uc774\ub984" = 이름.
        #expect(try mask(.json, #"{"\uc774\ub984":"김철수"}"#) == #"{"\uc774\ub984":"김*수"}"#)
    }

    @Test func maskedValuesAreEscaped() throws {
        let masker = TextMasker(profile: MaskingProfile(maskCharacter: "\""), detectors: [TestNameDetector()])
        let output = try run(JSONBodyMasker(masker: masker), Array(#"["홍길동"]"#.utf8))
        #expect(String(decoding: output, as: UTF8.self) == #"["홍\"동"]"#)
    }

    @Test func jsonLines() throws {
        let input = "{\"name\":\"김철수\"}\n{\"name\":\"이영희\"}\r\n\n[\"홍길동\"] \"010-1234-5678\" 12 true\n"
        let expected = "{\"name\":\"김*수\"}\n{\"name\":\"이*희\"}\r\n\n[\"홍*동\"] \"010-****-5678\" 12 true\n"
        #expect(try mask(.json, input) == expected)
        #expect(try mask(.json, "\u{FEFF}{\"name\":\"김철수\"}") == "\u{FEFF}{\"name\":\"김*수\"}")
        #expect(try mask(.json, "") == "")
    }

    @Test(arguments: [
        #"{"a":1,}"#, #"{"a" 1}"#, #"[1 2]"#, #"{"a":tru}"#, #"{"a":"b"#, #"["\q"]"#, "[\"a\u{1}\"]", "[01]", "[1.]",
        #"{"a":1]"#, #"}"#, #"[-]"#, #"{a:1}"#, #"[1e]"#, #"["#, #"{"a":"#, #"nul"#,
    ])
    func malformedJSONThrows(_ input: String) throws {
        for sizes in [[Int.max], [1], [2]] {
            #expect(throws: MaskingError.self) { try mask(.json, input, sizes: sizes) }
            do {
                _ = try mask(.json, input, sizes: sizes)
            } catch {
                #expect(error.kind == .malformed)
                #expect(error.detail.contains("byte offset"))
            }
        }
    }

    @Test func errorsSayWhere() throws {
        do {
            _ = try mask(.json, #"{"a":1,}"#, sizes: [3])
            Issue.record("accepted")
        } catch {
            #expect(error == MaskingError(.malformed, "JSON: expected a key at byte offset 7"))
        }
    }

    @Test func deepNestingIsBounded() throws {
        let deep = String(repeating: "[", count: JSONCore.maxDepth + 1)
        #expect(throws: MaskingError.self) { try mask(.json, deep) }
    }

    /// Keys are remembered by their bytes (`KeyHints`): keys sharing their first words, keys of 24 bytes and longer
    /// (not remembered), keys near the end of a chunk, and keys with escapes label their values as the key text does.
    @Test func keysLabelTheirValuesWhateverTheirLengthAndChunking() throws {
        let input = """
            {"shippingName":"김철수","shippingNote":"김철수","primaryAccountHolderName":"김철수",\
            "primaryAccountHolderNames":["김철수"],"aVeryLongKeyThatIsPastTheCacheLimitName":"김철수",\
            "aVeryLongKeyThatIsPastTheCacheLimitNote":"김철수","sh\\u0069ppingName":"김철수","x":[{"name":"김철수"},"김철수"]}
            """
        let expected = """
            {"shippingName":"김*수","shippingNote":"김철수","primaryAccountHolderName":"김*수",\
            "primaryAccountHolderNames":["김*수"],"aVeryLongKeyThatIsPastTheCacheLimitName":"김*수",\
            "aVeryLongKeyThatIsPastTheCacheLimitNote":"김철수","sh\\u0069ppingName":"김*수","x":[{"name":"김*수"},"김철수"]}
            """
        for sizes in [[Int.max], [1], [5], [23], [64, 7]] {
            #expect(try mask(.json, input, sizes: sizes) == expected, "chunks \(sizes)")
        }
    }

    /// String values with escapes whole in a chunk are decoded in scratch memory; split over chunks, or longer than
    /// that memory, they go through the unit: the same output either way.
    @Test func escapedValuesTheSameInOneChunkOrMany() throws {
        let long = String(repeating: "\\uAC00 ", count: 200)  // over 1 KiB of escapes
        let input = """
            {"name":"\\uae40\\ucca0\\uc218","memo":"NAME \\ud64d\\uae38\\ub3d9 \\"VIP\\"\\t010-1234-5678",\
            "note":"\\uD83D\\uDE00 \\ud64d\\uae38\\ub3d9","long":"\(long)\\ud64d\\uae38\\ub3d9"}
            """
        let whole = try mask(.json, input)
        // A masked value is written as its masked form (decoded); the bytes around it stay as they came.
        #expect(whole.contains(#""name":"김*수""#))
        #expect(whole.contains(#""memo":"NAME 홍*동 \"VIP\"\t010-****-5678""#))
        #expect(whole.contains(#""note":"\uD83D\uDE00 홍*동""#))
        #expect(whole.hasSuffix(#"\uAC00 홍*동"}"#))
        for sizes in [[1], [3], [7], [100, 13]] {
            #expect(try mask(.json, input, sizes: sizes) == whole, "chunks \(sizes)")
        }
    }
}

// MARK: CSV / TSV

@Suite("CSV and TSV scanner")
struct DelimitedScannerTests {
    @Test func csvColumnsLabelledByHeaders() throws {
        let input = """
            \u{FEFF}주문번호,이름,연락처,주소,메모,홍길동\r
            2022052520140906,김철수,010-1234-5678,"서울특별시 강남구 테헤란로 152, 10층","NAME 이영희 ""VIP""
            두 줄",x\r
            2022052520140907,"박민수",01012345678,,,\r
            ,,,,
            """
        let expected = """
            \u{FEFF}주문번호,이름,연락처,주소,메모,홍길동\r
            2022052520140906,김*수,010-****-5678,"서울특별시 강남구 테헤란로 152, 10층","NAME 이*희 ""VIP""
            두 줄",x\r
            2022052520140907,"박*수",010****5678,,,\r
            ,,,,
            """
        #expect(try mask(.csv, input) == expected)
    }

    @Test func unchangedCellsAreExactAndMaskedCellsQuotedOnlyIfNeeded() throws {
        let untouched = "a,b\n\"x\"\"y\",\"p,q\"\nplain \"quote\",\"\"\n\"unterminated"
        #expect(try mask(.csv, untouched) == untouched)
        let masker = TextMasker(profile: MaskingProfile(maskCharacter: ","), detectors: [TestNameDetector()])
        let output = try run(DelimitedBodyMasker(masker: masker, separator: UInt8(ascii: ",")), Array("h\n홍길동\n\"홍길동\"\n".utf8))
        #expect(String(decoding: output, as: UTF8.self) == "h\n\"홍,동\"\n\"홍,동\"\n")
    }

    @Test func aMaskedCellThatHadAQuoteIsQuotedIfItsQuotesChanged() throws {
        // The value swallows the cell's quote: the masked cell has fewer quotes and now needs quoting.
        let masker = TextMasker(profile: MaskingProfile(), detectors: [TestLabelledNameDetector()])
        let output = try run(DelimitedBodyMasker(masker: masker, separator: UInt8(ascii: ",")),
                             Array("이름,x\n김\"철수,1\n김철수,2\n".utf8))
        #expect(String(decoding: output, as: UTF8.self) == "이름,x\n\"김**수\",1\n김*수,2\n")
    }

    @Test func tsv() throws {
        let input = "이름\t연락처\t비고\n김철수\t010-1234-5678\ta,b\n\"이영희\"\t\"010 1234 5678\"\t\"탭\t포함\"\n"
        let expected = "이름\t연락처\t비고\n김*수\t010-****-5678\ta,b\n\"이*희\"\t\"010 **** 5678\"\t\"탭\t포함\"\n"
        #expect(try mask(.tsv, input) == expected)
    }
}

// MARK: text and WebSocket

@Suite("Text and chat scanner")
struct TextScannerTests {
    @Test func linesAndLabels() throws {
        let input = """
            안녕하세요 홍길동 고객님\r
            연락처: 010-1234-5678\r
            이름: 김철수
            성명：이영희
            name=박민수
            [16:37] 최민지: 010 2222 3333 으로 연락 주세요
            주문 완료: 감사합니다
            https://example.com/?name=정우성
            """
        let expected = """
            안녕하세요 홍*동 고객님\r
            연락처: 010-****-5678\r
            이름: 김*수
            성명：이*희
            name=박*수
            [16:37] 최민지: 010 **** 3333 으로 연락 주세요
            주문 완료: 감사합니다
            https://example.com/?name=정우성
            """
        #expect(try mask(.text, input) == expected)
        #expect(try mask(.text, "\n\r\n홍길동\r") == "\n\r\n홍*동\r")
    }

    @Test func webSocketMessages() throws {
        let socket = WebSocketTextMasker(masker: testMasker)
        #expect(try socket.mask(#"{"name":"김민준","text":"010-1234-5678로 연락주세요","at":"16:37"}"#)
                == #"{"name":"김*준","text":"010-****-5678로 연락주세요","at":"16:37"}"#)
        #expect(try socket.mask("이름: 김민준\n{not json 홍길동") == "이름: 김*준\n{not json 홍*동")
        #expect(try socket.mask("1012345678") == "1012345678")
        var tally = MaskTally()
        _ = try socket.mask(Array(#"["홍길동", "010-1234-5678"]"#.utf8), tally: &tally)
        #expect(tally.counts == [.name: 1, .phone: 1])
        #expect(throws: MaskingError.self) { try socket.mask([0x7B, 0xFF, 0x7D], tally: &tally) }
    }
}

// MARK: the two promises

@Suite("Streaming promises")
struct StreamingTests {
    static let documents: [(Format, String)] = [
        (.html, HTMLScannerTests.adminPage),
        (.html, """
            <!doctype html><TABLE><thead><tr><th>이름</th><th>연락처</th></thead><tr><td><b>홍</b>길동</td>\
            <td><span>010-</span><span>1234-5678</span></td></tr><tr><th>수령인</th><td>김&#52384;수 &amp;&#x20;NAME 이영희</td></tr>\
            </TABLE><dl><dt>주문자</dt><dd>박민수</dd></dl><!-- 홍길동 --><!--->x<!-- a --!> <?php echo "홍길동" ?>\
            <input value='010-9876-5432' name=tel><input value=홍길동 name=buyerName/><tr data-buyer-phone="010-2222-3333" DATA-x='NAME 김유신' title=홍길동><b title="홍길동">굵게</b><textarea>NAME 최민지 &lt;메모&gt;</textarea>\
            <script type="application/json">{"buyerName":"\\uAE40\\uCCA0\\uC218","a":[1,2.5e3,"010-1111-2222"],"e":"\\uD83D\\uDE00"}</script>\
            <script>var receiver = "정우성"; x = a / 2; var r = /"'/; o = {"phone": '010-5555-6666', t: `NAME 한지민`};</script>\
            <style>p{content:"홍길동"}</style><p>😀 홍길동 a<b && c>d &#128512; &unknown; &#xZZ; <span>NAME 윤아</span>름</p>\
            </body></html>
            """),
        (.json, """
            {"orders":[{"orderNo":"2022052520140906","buyerName":"김철수","buyerPhone":"010-1234-5678","receiver":{"name":"\\uC774\\uC601\\uD76C",\
            "phone":"01098765432","address":"서울특별시 강남구 테헤란로 152"},"amount":21000,"memo":"NAME 박민수 \\"문 앞\\" 😀 \\uD83D\\uDE00",\
            "tags":["홍길동",null,true,false,-1.5E-3]}],"total":1}
            {"name":"최민지"}\t["010-2222-3333"]
            """),
        (.csv, "\u{FEFF}이름,연락처,메모\r\n김철수,010-1234-5678,\"NAME 이영희, \"\"VIP\"\"\r\n두 줄\"\r\n\"홍길동\",\"01012345678\",😀\r\n"),
        (.tsv, "이름\t연락처\n김철수\t010 1234 5678\n\"이영희\"\t\"010-1111-2222\"\n"),
        (.text, "안녕하세요 홍길동 고객님 😀\r\n연락처: 010-1234-5678\n이름：김철수\nname=이영희\n\n[16:37] NAME 박민수: 감사합니다"),
    ]

    /// Any chunking of a document gives the output of one chunk.
    @Test func chunkingDoesNotMatter() throws {
        for (format, document) in Self.documents {
            let input = Array(document.utf8)
            let whole = try run(format.masker(), input)
            #expect((try run(format.masker(), input, sizes: [1]) == whole) == true, "\(format) one byte at a time")
            for seed in 0..<200 {
                var random = TestRandom(seed: UInt64(seed))
                let largest = [2, 3, 5, 8, 16, 64, 256][random.below(7)]
                let sizes = (0..<64).map { _ in 1 + random.below(largest) }
                let output = try run(format.masker(), input, sizes: sizes)
                #expect((output == whole) == true, "\(format) seed \(seed)")
                if output != whole { break }
            }
        }
    }

    /// Units longer than `maxUnitBytes` are cut where their content says, whatever the chunking.
    @Test func longUnitsAreCutTheSameWayWhateverTheChunking() throws {
        let long = String(repeating: "가나다라 홍길동 010-1234-5678 ", count: 4000)
        let solid = String(repeating: "가", count: 30000) + "홍길동" + String(repeating: "&#54861;", count: 20000)
        let documents: [(Format, String)] = [
            (.html, "<p>\(long)</p><p>\(solid)</p><p><b>x</b>\(long)</p><input value=\"\(long)\" name=\"n\" \(String(repeating: "data-a=\"홍길동\" ", count: 5000))>"
                + "<!--\(long)--><textarea>\(solid)</textarea><script>var a = \"\(long)\"; var b = {'x': '\(solid)'};</script>"
                + "<script type=\"application/json\">{\"memo\":\"\(long)\",\"k\":\"\(solid)\"}</script>"),
            (.json, "{\"memo\":\"\(long)\",\"b\":\"\(String(repeating: "\\uD64D\\uAE38\\uB3D9\\n", count: 12000))\",\"k\":\"\(solid.replacingOccurrences(of: "&#54861;", with: "홍"))\"}"),
            (.csv, "a,b\n\"\(long)\",\(solid)\n"),
            (.text, "\(long)\n메모: \(solid)\n"),
        ]
        for (format, document) in documents {
            let input = Array(document.utf8)
            let whole = try run(format.masker(), input)
            #expect(String(validating: whole, as: UTF8.self) != nil)
            for seed in 0..<6 {
                var random = TestRandom(seed: UInt64(seed) + 1000)
                let largest = [7, 100, 4096, 70000][seed % 4]
                let sizes = (0..<64).map { _ in 1 + random.below(largest) }
                #expect((try run(format.masker(), input, sizes: sizes) == whole) == true, "\(format) seed \(seed)")
            }
        }
    }

    @Test func invalidUTF8Throws() throws {
        let cases: [(Format, [UInt8])] = [
            (.html, Array("<p>".utf8) + [0xFF] + Array("</p>".utf8)),
            (.html, Array("<p>홍".utf8) + [0xC3, 0x28]),
            (.json, Array("[\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"]".utf8)),  // a surrogate in UTF-8
            (.csv, Array("a\n".utf8) + [0xE2, 0x82]),  // truncated at the end
            (.tsv, [0xC0, 0xAF]),
            (.text, Array("홍길동".utf8) + [0xF8, 0x88, 0x80, 0x80, 0x80]),
        ]
        for (format, input) in cases {
            for sizes in [[Int.max], [1]] {
                do {
                    _ = try run(format.masker(), input, sizes: sizes)
                    Issue.record("\(format) accepted invalid UTF-8")
                } catch {
                    #expect(error.kind == .invalidUTF8)
                }
            }
        }
        // A character split between chunks is valid.
        #expect(try mask(.text, "홍길동 😀", sizes: [1]) == "홍*동 😀")
    }

    /// A body of any size streams with a small amount held back.
    @Test(arguments: Format.allCases)
    func largeBodiesStreamInBoundedMemory(_ format: Format) throws {
        // 6 MB: well past the 3 MB unit and a hundred 64 KiB chunks, light enough for a debug build on 2 cores.
        let target = 6 * 1024 * 1024
        let masker = format.masker()
        var held = 0
        var produced = 0
        var consumed = 0
        var index = 0
        var head: [UInt8] = []
        switch format {
        case .html: head = Array("<html><body><table><tr><th>이름</th><th>연락처</th></tr>".utf8)
        case .json: head = Array("[".utf8)
        case .csv: head = Array("이름,연락처,메모\n".utf8)
        case .tsv: head = Array("이름\t연락처\t메모\n".utf8)
        case .text: head = []
        }
        // The generated body is cut into exact 64 KiB chunks: units straddle chunks, and one 3 MB unit (a text
        // node, a string, a cell, a line) spans dozens of them.
        var pending = head
        var giantWritten = false
        while consumed < target {
            while pending.count < 64 * 1024 {
                index += 1
                if !giantWritten && index > 20_000 {
                    giantWritten = true
                    let giant = String(repeating: "가", count: 1024 * 1024)
                    switch format {
                    case .html: pending.append(contentsOf: "<tr><td>\(giant)</td></tr>".utf8)
                    case .json: pending.append(contentsOf: ",\"\(giant)\"".utf8)
                    case .csv, .tsv, .text: pending.append(contentsOf: "\(giant)\n".utf8)
                    }
                }
                let row: String = switch format {
                case .html: "<tr><td>김철수</td><td><span>010-</span>1234-\(5000 + index % 1000)</td><td class=\"memo\">NAME 홍길동 &amp; 메모 \(index)</td></tr>\n"
                case .json: "\(index == 1 ? "" : ","){\"name\":\"김철수\",\"phone\":\"010-1234-\(5000 + index % 1000)\",\"n\":\(index),\"memo\":\"NAME 홍길동 \\u0041\"}\n"
                case .csv: "김철수,010-1234-\(5000 + index % 1000),\"NAME 홍길동, \"\"메모\"\" \(index)\"\n"
                case .tsv: "김철수\t010-1234-\(5000 + index % 1000)\tNAME 홍길동 \(index)\n"
                case .text: "[\(index)] 홍길동 고객님 010-1234-\(5000 + index % 1000) 으로 연락 바랍니다\n"
                }
                pending.append(contentsOf: row.utf8)
            }
            let chunk = Array(pending[0..<(64 * 1024)])
            pending.removeFirst(64 * 1024)
            produced += try masker.process(chunk).count
            consumed += chunk.count
            held = max(held, heldBytes(masker))
        }
        produced += try masker.process(pending).count
        let tail: [UInt8] = switch format {
        case .html: Array("</table></body></html>".utf8)
        case .json: Array("]".utf8)
        default: []
        }
        produced += try masker.process(tail).count
        produced += try masker.finish().count
        print("bounded memory \(format): at most \(held) bytes held after a chunk (\(consumed / 1_000_000) MB in 64 KiB chunks)")
        #expect(held <= 2 * maxUnitBytes + 4096, "\(format) held \(held) bytes")
        #expect(held > 4096, "the giant unit straddled chunks")
        #expect(produced > target - 4 * 1024 * 1024)
        #expect(masker.tally.total > target / 100)  // a value every ~100 bytes or more
    }

    func heldBytes(_ masker: any BodyMasker) -> Int {
        switch masker {
        case let html as HTMLBodyMasker: html.heldBytes
        case let json as JSONBodyMasker: json.heldBytes
        case let delimited as DelimitedBodyMasker: delimited.heldBytes
        case let text as TextBodyMasker: text.heldBytes
        default: 0
        }
    }
}

// Throughput is measured by `pii-guard-bench masking` (Benchmarks/masking-throughput.sh), not by tests.

/// `Escaping.rewritesAny` (eight bytes at a time) must answer exactly what asking `rewrites` byte by byte answers.
@Suite("Escaping: the word-wise test agrees with the byte test")
struct EscapingRewritesTests {
    @Test func agreesOnRandomAndEdgeBytes() {
        let escapings: [Escaping] = [.none, .htmlText, .htmlAttribute(quote: 0x22), .htmlAttribute(quote: 0),
                                     .json(inScript: false), .json(inScript: true), .javaScript(quote: 0x60), .csvQuoted]
        var generator = SystemRandomNumberGenerator()
        // Mostly mask characters, digits and Hangul, with the odd byte every context cares about.
        let pool: [UInt8] = Array("*0123456789-. ".utf8) + [0xEA, 0xB9, 0x80, 0xED, 0x9E, 0xA3] + [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20,
            0x21, 0x22, 0x23, 0x24, 0x26, 0x27, 0x3B, 0x3C, 0x3D, 0x3E, 0x5B, 0x5C, 0x5D, 0x60, 0x7F, 0x80, 0xFF]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<length).map { _ in pool.randomElement(using: &generator)! }
            bytes.withUnsafeBufferPointer { buffer in
                for escaping in escapings {
                    #expect(escaping.rewritesAny(buffer) == buffer.contains(where: escaping.rewrites))
                }
            }
        }
    }
}

@Suite("Byte-keyed caches")
struct KeyHintsTests {
    /// A key stored just before another is still there, whichever slot the second one hashes to: the two ways of a
    /// set hold two keys (when a key's own slot could be the odd one, storing it pushed its even neighbour's key out,
    /// and two labels of a page evicted each other at every look-up).
    @Test func twoKeysOfOneSetAreBothKept() {
        let first = Array("연락처".utf8)
        var random = TestRandom(seed: 42)
        for index in 0..<6_000 {
            // A fresh cache holding one key; a second key is stored as a scanner stores it, when it is not found.
            let hints = KeyHints()
            first.withUnsafeBufferPointer { hints.store($0, readable: $0.count, .phone) }
            let other = Array("라벨 \(index) \(random.next())".utf8.prefix(KeyHints.maxKeyBytes))
            if other.withUnsafeBufferPointer({ hints.lookup($0, readable: $0.count) }) == nil {
                other.withUnsafeBufferPointer { hints.store($0, readable: $0.count, nil) }
            }
            let kept = first.withUnsafeBufferPointer { hints.lookup($0, readable: $0.count) }
            let found = other.withUnsafeBufferPointer { hints.lookup($0, readable: $0.count) }
            #expect(kept == .some(.phone), "evicted by key \(index)")
            #expect(found == .some(nil))
            if kept != .some(.phone) { break }
        }
    }
}
