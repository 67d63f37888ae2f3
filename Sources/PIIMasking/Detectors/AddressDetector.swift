/// Finds Korean postal addresses — road-name (도로명) and lot-number (지번) — in a text unit.
///
/// Addresses sit in order tables, delivery labels, CSV exports and in what customers type into the chat
/// ("배송지 변경 부탁드립니다. 서울특별시 마포구 월드컵로 12 101동 1203호로 보내주세요"). The detection spans from the first
/// region word through the building or lot number and the detail after it (동/호/층, building names, a trailing
/// `(법정동, 건물명)`), so that `MaskStyle.address` can keep 시/도, 시/군/구, 읍/면 and the road or 동/리 and hide the rest.
///
/// How it finds them, cheaply: an address always has a road (…로, …길) or a 동/리/가 followed by a space and a number,
/// so the scan jumps from digit to digit (eight bytes at a time) and only looks closer where a space sits between
/// such a syllable and the digit. There it walks back over the region words and requires a `Gazetteer` 시/도 or
/// 시/군/구 at the start — `강남구 테헤란로 152` is an address, `침체로 152명` or a lone `101동 1203호` is not. Five-digit
/// postal codes are never part of a detection. With `hint == .address` (a field labelled 주소, address1, …) the whole
/// value is the address: found addresses run to the end of the field, and a value without a region is taken whole.
public struct AddressDetector: Detector {
    public let name = "address"
    public var kinds: Set<PIIKind> { [.address] }

    public init() {}

    /// Addresses are found by their Hangul region and road names; a labelled field is taken whole.
    ///
    /// The scan looks for a number after a Hangul road or 동/리 token: a unit without both has nothing for it (units of
    /// Hangul only — names, labels, product names — are many).
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool {
        traits.contains([.nonASCII, .digit]) || hint == .address
    }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        let first = detections.count
        Scanner.scan(text, into: &detections)
        if hint == .address { Scanner.wholeValue(text, foundFrom: first, into: &detections) }
    }
}

extension AddressDetector {
    enum AddressKind { case road, lot }

    /// The scan, its tables and its grammar.
    enum Scanner {
        typealias Text = NameAddressText

        // Syllable indices (code point − U+AC00) as constants: a `static let` computed by a call is a lazy global, a
        // `swift_once` check at every use in the scan. A test compares each with `Text.syllable` of its character.
        static var ro: Int { 3164 }  // 로
        static var gil: Int { 568 }  // 길
        static var dong: Int { 2009 }  // 동
        static var ri: Int { 3500 }  // 리
        static var ga: Int { 0 }  // 가
        static var san: Int { 5296 }  // 산
        static var eup: Int { 6989 }  // 읍
        static var myeon: Int { 3700 }  // 면
        static var si: Int { 5852 }  // 시
        static var gun: Int { 368 }  // 군
        static var gu: Int { 364 }  // 구
        static var cheung: Int { 8757 }  // 층
        static var ho: Int { 10808 }  // 호
        static var gwan: Int { 256 }  // 관
        static let sanBytes = Array("산".utf8)
        static let sejong = Array("세종".utf8)
        static let beonji = Array("번지".utf8)
        static let roadBranches: [[UInt8]] = ["번길", "가길", "길", "로"].map { Array($0.utf8) }

        /// Syllables that may follow a number directly when a particle or an ending starts there (`152로`, `12에서`,
        /// `1203호입니다`); any other syllable (`152명`, `3시`, `2개`) means the number is not part of an address.
        static let particleStarts = SyllableSet("로으에이입요까인은는을를도만의와과라였이예")

        /// Units written right after a number in the detail part, longest first.
        static let units: [[Int]] = ["호실", "번지", "블록", "단지", "라인", "세대", "호", "층", "동", "차", "관", "실", "가"]
            .map(Text.syllables)

        /// `units` as (first, second) syllables, second -1 for a one-syllable unit, in the same order: the token's two
        /// syllables are decoded once and compared with each unit instead of decoding them again for every unit.
        static let unitSyllables: [(first: Int, second: Int)] = {
            precondition(Self.units.allSatisfy { $0.count == 1 || $0.count == 2 }, "units have one or two syllables")
            return Self.units.map { (first: $0[0], second: $0.count == 2 ? $0[1] : -1) }
        }()

        /// Words that make a token part of the detail: building kinds and apartment brands.
        static let buildingWords: [[UInt8]] = [
            "아파트", "빌딩", "타워", "빌라", "오피스텔", "오피스", "맨션", "센터", "하이츠", "팰리스", "캐슬", "주택", "상가", "스퀘어",
            "프라자", "플라자", "타운", "레지던스", "시티", "파크", "힐스", "자이", "푸르지오", "래미안", "더샵", "힐스테이트",
            "편한세상", "하우스", "빌", "원룸", "기숙사", "학교", "병원", "회관", "청사", "마을", "단지", "아이파크", "리버",
            "쇼핑몰", "몰", "공장", "창고", "사옥", "본관", "별관", "신관",
        ].map { Array($0.utf8) }

        /// Last syllables of words that end a phrase or a sentence (`맞나요`, `입니다`, `그리고`, `으로`): the detail
        /// part does not go on past them.
        static let sentenceEnds = SyllableSet("요다까죠네니고서면며지게해는을를에의은도만야데함음됨것거가이로와과랑께나든어아")

        /// Syllable pairs only found in verbs and endings (`해주세요`, `부탁드립니다`).
        static let sentencePairs = KeySet(["니다", "세요", "해주", "드려", "드립", "주세", "합니", "습니", "보내", "주시", "할게",
                                                     "인데", "이고", "에서", "으로", "까지", "부터", "한테", "에게"]
            .map { Text.key(Text.syllables($0)) })

        static func scan(_ text: UnsafeBufferPointer<UInt8>, into detections: inout [Detection]) {
            let n = text.count
            var i = 0
            while i < n {
                // Every address has a number: jump from digit run to digit run.
                let digit = Text.findDigit(in: text, from: i)
                guard digit < n else { return }
                i = digit + 1
                while i < n, Text.isDigit(text[i]) { i += 1 }
                // The space before the number: right before it, or before a 산 (산 12, 산12).
                var space = digit - 1
                if space >= 4, text[space] == 0x20, Text.syllable(text, endingAt: space) == san { space -= 4 }
                else if Text.syllable(text, endingAt: digit) == san { space = digit - 4 }
                guard space >= 3, text[space] == 0x20 else { continue }
                let anchor = Text.syllable(text, endingAt: space)
                guard anchor >= 0 else { continue }
                let kind: AddressKind
                switch anchor {
                case ro, gil: kind = .road
                case dong, ri: kind = .lot
                case ga where space >= 4 && Text.isDigit(text[space - 4]): kind = .lot  // 을지로2가, 충무로1가
                default: continue
                }
                if kind == .road && space != digit - 1 { continue }
                if let detection = self.address(text, anchorEnd: space, kind: kind) {
                    detections.append(detection)
                    i = max(i, detection.end)
                }
            }
        }

        enum RegionRole: Equatable { case province(short: Bool), district(known: Bool), township, neighbourhood }

        /// The region tokens before a road or 동/리 token, in the order `address` finds them (walking backwards): at
        /// most four and a province before them. On the stack: an array cost an allocation per candidate address.
        struct RegionTokens {
            typealias Token = (start: Int, role: RegionRole)
            private var tokens: (Token, Token, Token, Token, Token) = ((0, .township), (0, .township), (0, .township),
                                                                       (0, .township), (0, .township))
            private(set) var count = 0

            var isEmpty: Bool { self.count == 0 }
            var last: Token? { self.count > 0 ? self[self.count - 1] : nil }

            mutating func append(_ token: Token) {
                precondition(self.count < 5, "at most five region tokens")
                switch self.count {
                case 0: self.tokens.0 = token
                case 1: self.tokens.1 = token
                case 2: self.tokens.2 = token
                case 3: self.tokens.3 = token
                default: self.tokens.4 = token
                }
                self.count += 1
            }

            subscript(_ index: Int) -> Token {
                switch index {
                case 0: self.tokens.0
                case 1: self.tokens.1
                case 2: self.tokens.2
                case 3: self.tokens.3
                default: self.tokens.4
                }
            }
        }

        /// The address whose road or 동/리 token ends at `anchorEnd` (a space follows it, then the number).
        static func address(_ text: UnsafeBufferPointer<UInt8>, anchorEnd: Int, kind: AddressKind) -> Detection? {
            let n = text.count
            // The road or 동/리/가 token: syllables and digits (석사로34번길, 도움3로, 역삼1동, 을지로2가).
            var tokenStart = anchorEnd
            var syllables = 0
            while tokenStart > 0, anchorEnd - tokenStart < 48 {
                if Text.syllable(text, endingAt: tokenStart) >= 0 {
                    tokenStart -= 3
                    syllables += 1
                } else if Text.isDigit(text[tokenStart - 1]) {
                    tokenStart -= 1
                } else {
                    break
                }
            }
            guard syllables >= 2, Text.syllable(text, tokenStart) >= 0 else { return nil }

            // The region before it, walked backwards: [시/도] [시/군/구 …] [읍/면 or 동].
            var roles = RegionTokens()
            var position = tokenStart
            while roles.count < 4 {
                guard position > 0, text[position - 1] == 0x20 else { break }
                var end = position - 1
                while end > 0, text[end - 1] == 0x20 { end -= 1 }
                let start = Text.runStart(text, endingAt: end, limit: 8)
                guard start < end else { break }
                let count = (end - start) / 3
                let last = Text.syllable(text, endingAt: end)
                let entry = Gazetteer.lookup(text, start, end)
                if entry.contains(.district) {
                    roles.append((start, .district(known: true)))
                } else if entry.contains(.province) {
                    roles.append((start, .province(short: false)))
                    break
                } else if entry.contains(.provinceShort) {
                    roles.append((start, .province(short: true)))
                    break
                } else if roles.isEmpty, count >= 2, count <= 4, last == eup || last == myeon {
                    roles.append((start, .township))
                } else if roles.isEmpty, kind == .road, count >= 2, count <= 5, last == dong {
                    roles.append((start, .neighbourhood))
                } else if count >= 2, count <= 5, last == si || last == gun || last == gu {
                    roles.append((start, .district(known: false)))
                } else {
                    break
                }
                position = start
                if case .province = roles[roles.count - 1].role { break }
            }
            // A province may stand before a district found above (경기도 광주시: 광주시 is both).
            if let lastRole = roles.last, case .district = lastRole.role, lastRole.start > 0 {
                var end = lastRole.start
                if text[end - 1] == 0x20 {
                    while end > 0, text[end - 1] == 0x20 { end -= 1 }
                    let start = Text.runStart(text, endingAt: end, limit: 8)
                    let entry = Gazetteer.lookup(text, start, end)
                    if start < end, entry.contains(.province) || entry.contains(.provinceShort) {
                        roles.append((start, .province(short: !entry.contains(.province))))
                    }
                }
            }
            // The earliest token that can start an address: a 시/도, or a known 시/군/구 (the tokens were found walking
            // backwards, so the earliest is the last found; the one after a token in the text is the one found before).
            var regionStart: Int? = nil
            var index = roles.count - 1
            while index >= 0 {
                let token = roles[index]
                switch token.role {
                case .province(short: false), .district(known: true):
                    regionStart = token.start
                case .province(short: true):
                    let followedByDistrict: Bool
                    if index >= 1, case .district = roles[index - 1].role { followedByDistrict = true }
                    else { followedByDistrict = false }
                    if followedByDistrict || Text.matches(text, at: token.start, sejong) { regionStart = token.start }
                default:
                    break
                }
                if regionStart != nil { break }
                index -= 1
            }
            guard let start = regionStart else { return nil }

            // A road written with a space before its branch (중앙로 1275번길 38-10, 세종로 3가길 5): the number after it.
            var numberStart = anchorEnd + 1
            if kind == .road {
                var k = numberStart
                while k < n, Text.isDigit(text[k]) { k += 1 }
                for branch in self.roadBranches where Text.matches(text, at: k, branch) {
                    let after = k + branch.count
                    if after + 1 < n, text[after] == 0x20, Text.isDigit(text[after + 1]) { numberStart = after + 1 }
                    break
                }
            }

            // The building or lot number: [산] digits [-digits].
            var k = numberStart
            if kind == .lot, Text.matches(text, at: k, sanBytes) {
                k += 3
                if k < n, text[k] == 0x20 { k += 1 }
            }
            let digitsStart = k
            while k < n, Text.isDigit(text[k]) { k += 1 }
            guard k - digitsStart >= 1, k - digitsStart <= 5 else { return nil }
            if k + 1 < n, text[k] == 0x2D, Text.isDigit(text[k + 1]) {
                let subStart = k + 1
                k = subStart
                while k < n, Text.isDigit(text[k]) { k += 1 }
                guard k - subStart <= 4 else { return nil }
            }
            if Text.matches(text, at: k, beonji) { k += 6 }
            var numberEnd = k
            var particleFollows = false
            if k < n {
                let byte = text[k]
                if byte < 0x80 {
                    if Text.isASCIILetter(byte) || Text.isDigit(byte) { return nil }
                    if byte == 0x2E || byte == 0x2C || byte == 0x3A, k + 1 < n, Text.isDigit(text[k + 1]) { return nil }
                } else {
                    let syllable = Text.syllable(text, k)
                    if syllable >= 0 {
                        guard self.particleStarts.contains(syllable) else { return nil }
                        particleFollows = true
                    }
                }
            }
            let kindName: DetectorName = kind == .road ? "address.road" : "address.lot"
            if particleFollows { return Detection(start: start, end: numberEnd, kind: .address, by: kindName) }
            numberEnd = self.detailEnd(text, from: numberEnd)
            return Detection(start: start, end: numberEnd, kind: .address, by: kindName)
        }

        enum DetailToken { case strong(end: Int, last: Bool), weak, stop }

        /// Where the detail after the building/lot number ends: at most four tokens that look like detail
        /// (`101동`, `1203호`, `10층`, `강남파이낸스센터`, `(역삼동, 래미안아파트)`), up to a line break or a delimiter.
        /// Tokens that look like neither detail nor sentence (a building name without a known suffix) count only when a
        /// detail token follows them or when the unit ends right after them.
        static func detailEnd(_ text: UnsafeBufferPointer<UInt8>, from numberEnd: Int) -> Int {
            let n = text.count
            var committed = numberEnd
            var position = numberEnd
            var pendingEnd: Int? = nil
            var reachedEnd = false
            var tokens = 0
            scan: while tokens < 4 {
                var s = position
                var commas = 0
                while s < n, text[s] == 0x20 || (text[s] == 0x2C && commas == 0) {
                    if text[s] == 0x2C { commas += 1 }
                    s += 1
                }
                if s >= n { reachedEnd = true; break }
                switch text[s] {
                case 0x0A, 0x0D, 0x09, 0x7C, 0x22, 0x3C, 0x3E:  // \n \r \t | " < >
                    reachedEnd = true
                    break scan
                case 0x28:  // (법정동, 건물명)
                    if let close = self.parenthetical(text, at: s) {
                        committed = close
                        pendingEnd = nil
                    }
                    break scan
                default:
                    break
                }
                if s == position && position != numberEnd { break }  // glued to the previous token
                var e = s
                while e < n {
                    let byte = text[e]
                    if byte == 0x20 || byte == 0x2C || byte == 0x28 || byte == 0x0A || byte == 0x0D || byte == 0x09
                        || byte == 0x7C || byte == 0x22 || byte == 0x3C { break }
                    e += 1
                }
                switch self.classify(text, s, e) {
                case .strong(let end, let last):
                    committed = end
                    pendingEnd = nil
                    if last { break scan }
                case .weak:
                    pendingEnd = e
                case .stop:
                    break scan
                }
                tokens += 1
                position = e
                if e >= n { reachedEnd = true }
            }
            if reachedEnd, let pending = pendingEnd { committed = max(committed, pending) }
            return committed
        }

        /// The end (after `)`) of a parenthesis at `open` that closes on the same line and is not a postal code.
        static func parenthetical(_ text: UnsafeBufferPointer<UInt8>, at open: Int) -> Int? {
            var k = open + 1
            var digits = 0
            var other = 0
            while k < text.count, k - open < 96 {
                let byte = text[k]
                if byte == 0x29 {
                    guard k > open + 1, !(digits == 5 && other == 0) else { return nil }
                    return k + 1
                }
                if byte == 0x0A || byte == 0x0D || byte == 0x3C || byte == 0x22 || byte == 0x7C || byte == 0x28 { return nil }
                if Text.isDigit(byte) { digits += 1 } else { other += 1 }
                k += 1
            }
            return nil
        }

        static func classify(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> DetailToken {
            // Trailing sentence punctuation: the token may still be detail, but nothing after it is.
            var e = end
            var last = false
            while e > start, [0x2E, 0x21, 0x3F, 0x29, 0x3B, 0x3A, 0x7E].contains(text[e - 1]) {
                if text[e - 1] != 0x29 { last = true }
                e -= 1
            }
            guard e > start else { return .stop }
            var digits = 0
            var dashes = 0
            var lastAlnum = -1
            var inner = false
            for k in start..<e {
                let byte = text[k]
                if Text.isDigit(byte) { digits += 1; lastAlnum = k }
                else if Text.isASCIILetter(byte) { lastAlnum = k }
                else if byte == 0x2D { dashes += 1 }
                else if byte == 0x2E || byte == 0x3A || byte == 0x2F { inner = true }
            }
            if digits > 0 {
                // 101동, 1203호, 10층, B1, 101-1203, 1203호로 — not dates, times, prices or phone numbers.
                guard !inner, digits <= 8, dashes <= 1 else { return .stop }
                var k = lastAlnum + 1
                guard k < e else { return .strong(end: e, last: last) }
                let first = Text.syllable(text, k)
                guard first >= 0 else { return .stop }
                let second = k + 6 <= e ? Text.syllable(text, k + 3) : -1
                for unit in self.unitSyllables where unit.first == first {
                    if unit.second < 0 {
                        if k + 3 <= e {
                            k += 3
                            break
                        }
                    } else if unit.second == second {
                        k += 6
                        break
                    }
                }
                if k >= e { return .strong(end: e, last: last) }
                // 1203호로, 10층입니다, 101-1203으로: the particle ends the address.
                let next = Text.syllable(text, k)
                if next >= 0, self.particleStarts.contains(next) { return .strong(end: k, last: true) }
                return .stop
            }
            // No digits: a building name or a wing (가동, 별관), or the sentence going on.
            if let wordEnd = self.buildingWordEnd(text, start, e) {
                if wordEnd >= e { return .strong(end: e, last: last) }
                let next = Text.syllable(text, wordEnd)
                if next >= 0, self.particleStarts.contains(next) { return .strong(end: wordEnd, last: true) }
                return .weak
            }
            let lastSyllable = Text.syllable(text, endingAt: e)
            let firstSyllable = Text.syllable(text, start)
            let count = (e - start) / 3
            if firstSyllable >= 0, lastSyllable >= 0, count <= 3, (e - start) % 3 == 0,
               lastSyllable == dong || lastSyllable == cheung || lastSyllable == ho || lastSyllable == gwan,
               Text.runStart(text, endingAt: e) == start {
                return .strong(end: e, last: last)
            }
            if lastSyllable >= 0 && self.sentenceEnds.contains(lastSyllable) { return .stop }
            var k = start
            while k + 6 <= e {
                if Text.syllable(text, k) >= 0, Text.syllable(text, k + 3) >= 0,
                   self.sentencePairs.contains(Text.key(text, start: k, count: 2)) { return .stop }
                k += Text.syllable(text, k) >= 0 ? 3 : 1
            }
            if last { return .stop }
            return e - start <= 36 ? .weak : .stop
        }

        /// End of the last building word in `text[start..<end]`, if any.
        ///
        /// One pass over the positions: the words all start with a Hangul syllable, so only where the first three bytes
        /// are one of the words' first syllables (`buildingWordHeads`) are the words compared.
        static func buildingWordEnd(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
            var best: Int? = nil
            var k = start
            while k + 3 <= end {
                if text[k] >= 0xE0 {
                    let head = Self.head(text, k)
                    if self.buildingWordHeads.contains(head) {
                        // Only the words with this head are compared (`buildingWordsByHead`: sorted by head, a binary
                        // search to the first).
                        let byHead = self.buildingWordsByHead
                        var low = 0, high = byHead.count
                        while low < high {
                            let middle = (low + high) / 2
                            if byHead[middle].head < head { low = middle + 1 } else { high = middle }
                        }
                        while low < byHead.count && byHead[low].head == head {
                            let word = self.buildingWords[byHead[low].word]
                            if k + word.count <= end && Text.matches(text, at: k, word) { best = max(best ?? 0, k + word.count) }
                            low += 1
                        }
                    }
                }
                k += 1
            }
            return best
        }

        /// The first three bytes at `k` as a key.
        @inline(__always) static func head(_ bytes: UnsafeBufferPointer<UInt8>, _ k: Int) -> UInt64 {
            UInt64(bytes[k]) << 16 | UInt64(bytes[k + 1]) << 8 | UInt64(bytes[k + 2])
        }

        /// The first three bytes of each of `buildingWords` with the word's index, sorted by those bytes.
        static let buildingWordsByHead: [(head: UInt64, word: Int)] = Self.buildingWords.enumerated()
            .map { (index, word) in (head: word.withUnsafeBufferPointer { Self.head($0, 0) }, word: index) }
            .sorted { ($0.head, $0.word) < ($1.head, $1.word) }

        static let buildingWordHeads: KeySet = {
            precondition(Self.buildingWords.allSatisfy { $0.count >= 3 && $0[0] >= 0xE0 && $0[0] < 0xF0 },
                         "building words start with a three-byte character")
            return KeySet(Self.buildingWords.map { word in word.withUnsafeBufferPointer { Self.head($0, 0) } })
        }()

        /// `hint == .address`: an address found in the value runs to the end of its line; a value without one (a
        /// detail field, an address without its region) is the address itself, less a leading postal code.
        static func wholeValue(_ text: UnsafeBufferPointer<UInt8>, foundFrom first: Int, into detections: inout [Detection]) {
            let n = text.count
            var a = 0
            var b = n
            while a < b, self.isSpace(text, a) { a += self.spaceLength(text, a) }
            while b > a, text[b - 1] == 0x20 || text[b - 1] == 0x09 || text[b - 1] == 0x0A || text[b - 1] == 0x0D { b -= 1 }
            guard a < b else { return }
            if detections.count > first {
                let index = detections.count - 1
                var lineEnd = detections[index].end
                while lineEnd < b, text[lineEnd] != 0x0A, text[lineEnd] != 0x0D { lineEnd += 1 }
                while lineEnd > detections[index].end, text[lineEnd - 1] == 0x20 || text[lineEnd - 1] == 0x09 { lineEnd -= 1 }
                detections[index].end = lineEnd
                return
            }
            // A leading postal code: 06236, (06236), [06236].
            var k = a
            if k < b, text[k] == 0x28 || text[k] == 0x5B { k += 1 }
            let digitsStart = k
            while k < b, Text.isDigit(text[k]) { k += 1 }
            if k - digitsStart == 5 {
                if k < b, text[k] == 0x29 || text[k] == 0x5D { k += 1 }
                if k == b { return }  // only a postal code
                if text[k] == 0x20 || text[k] == 0x2C || text[k] == 0x2D || text[k] == 0x09 {
                    while k < b, text[k] == 0x20 || text[k] == 0x2C || text[k] == 0x2D || text[k] == 0x09 { k += 1 }
                    a = k
                }
            }
            guard a < b else { return }
            var hasDigit = false
            for k in a..<b where Text.isDigit(text[k]) { hasDigit = true; break }
            guard hasDigit else { return }
            detections.append(Detection(start: a, end: b, kind: .address, by: "address.hint"))
        }

        @inline(__always) static func isSpace(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
            let byte = text[i]
            return byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
                || (byte == 0xC2 && i + 1 < text.count && text[i + 1] == 0xA0)
        }

        @inline(__always) static func spaceLength(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
            text[i] == 0xC2 ? 2 : 1
        }
    }
}
