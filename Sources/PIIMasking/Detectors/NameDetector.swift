/// Finds Korean personal names — a surname and one to three given syllables — by the context around them.
///
/// A bare Hangul word cannot be told from a name (김치, 정말, 이번 all start with a surname syllable), so outside a
/// field labelled as a name the detector only accepts a name where the text itself says it is one:
/// - an honorific or title right after it: `김민준님`, `박서연 고객님`, `이하은 씨`, `홍길동 과장님`, `홍길동 귀하`;
/// - a self-introduction: `저는 이하은입니다`, `전 김지우예요`, `안녕하세요 홍길동이라고 합니다`;
/// - a label before it: `이름: 홍길동`, `수취인 홍길동`, `구매자 : 김철수`, `받는 분 박영희`, `주문자명 최민수`, `예금주 홍길동`,
///   `제 이름은 이하은입니다`, `입금자명이 홍길동으로`;
/// - with `hint == .name` (a field labelled 이름, buyerName, …): the whole value, `홍길동 님` and `홍길동(고객)` included.
/// Even then the candidate must start with a `Surnames` surname, have two to five syllables (two-syllable surnames
/// need three), contain no syllable that only grammar uses (요, 는, 습, …) and not be a common word (a stop list of
/// words and word beginnings: 고객, 구매자, 이번, 주문, 배송, …). The detection covers the name only — not the
/// honorific, not a particle after it (`홍길동님께서` → `홍길동`).
///
/// Speed: the scan skips ASCII eight bytes at a time and, per Hangul syllable, tests one bit of a hashed set of the
/// syllable pairs that start a context (고객, 이름, 저는, 수취, …, and 님/씨 alone); only there does it compare bytes
/// and look further. Prose without names passes that test for a few syllables in a hundred.
public struct NameDetector: Detector {
    public let name = "name"
    public var kinds: Set<PIIKind> { [.name] }

    public init() {}

    /// Free text names are Hangul; a labelled field may hold a name in Latin letters.
    public func mayDetect(in traits: TextTraits, hint: PIIKind?) -> Bool { traits.contains(.nonASCII) || hint == .name }

    public func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, into detections: inout [Detection]) {
        self.detect(text, hint: hint, tables: NameTables.shared, singleLine: false, into: &detections)
    }

    /// `detect` with the word tables in hand: `TextMasker` holds them, so a unit reads no lazy global for them.
    /// `singleLine` says the unit has no line feed (`TextTraits.lineBreak`): no line starts to look for.
    func detect(_ text: UnsafeBufferPointer<UInt8>, hint: PIIKind?, tables: NameTables, singleLine: Bool,
                into detections: inout [Detection]) {
        // The scan appends to the caller's array (moved in and back, so no array of its own per unit).
        var scan = NameScan(text: text, tables: tables)
        swap(&scan.found, &detections)
        scan.first = scan.found.count
        if hint == .name {
            scan.wholeValue()
            // The whole unit is the name (a name field holding just the name, the usual case): whatever the free-text
            // passes below could find lies inside it, and `emit` drops what overlaps a detection of the scan's own —
            // they have nothing to add.
            if scan.found.count > scan.first, let last = scan.found.last, last.start == 0, last.end == text.count {
                swap(&scan.found, &detections)
                return
            }
        }
        scan.run()
        scan.leadingIntroductions(singleLine: singleLine)
        swap(&scan.found, &detections)
    }
}

/// The name lengths (in syllables) tried, in order of preference: three, two, four, five — after the whole run when
/// given. A sequence on the stack: an array literal in these loops cost an allocation per candidate.
struct NameLengths: Sequence, IteratorProtocol {
    private var whole: Int?
    private var position = 0
    private let order: (Int, Int, Int, Int)
    private let orderCount: Int

    init(whole: Int?) {
        self.whole = whole
        self.order = (3, 2, 4, 5)
        self.orderCount = 4
    }

    private init(order: (Int, Int, Int, Int), count: Int) {
        self.whole = nil
        self.order = order
        self.orderCount = count
    }

    /// A self-introduction's name: three, two, four syllables.
    static var introduction: NameLengths { NameLengths(order: (3, 2, 4, 0), count: 3) }

    mutating func next() -> Int? {
        if let whole = self.whole {
            self.whole = nil
            return whole
        }
        guard self.position < self.orderCount else { return nil }
        defer { self.position += 1 }
        switch self.position {
        case 0: return self.order.0
        case 1: return self.order.1
        case 2: return self.order.2
        default: return self.order.3
        }
    }
}

/// One pass of `NameDetector` over one unit.
struct NameScan {
    typealias Text = NameAddressText
    typealias Lexicon = NameLexicon

    let text: UnsafeBufferPointer<UInt8>
    /// Detections so far: the scan's own from index `first` on (earlier ones are other detectors').
    var found: [Detection] = []
    var first = 0

    /// The word tables (process-lifetime pointers), handed in so the scan reads no lazy global.
    let tables: NameTables

    init(text: UnsafeBufferPointer<UInt8>, tables: NameTables) {
        self.text = text
        self.tables = tables
    }

    // MARK: Free text

    mutating func run() {
        let text = self.text
        guard let base = text.baseAddress else { return }
        let n = text.count
        var i = Text.skipASCII(text, from: 0)
        guard i < n else { return }
        let tables = self.tables.scan
        let nim = tables.nim, ssi = tables.ssi
        let pairs = tables.pairs, ranges = tables.ranges, triggers = tables.triggers
        while i &+ 2 < n {
            let b0 = base[i]
            if b0 < 0x80 {
                // One space between words is the common case: step over it without the word-wise skip.
                i &+= 1
                if i < n, base[i] < 0x80 { i = Text.skipASCII(text, from: i) }
                continue
            }
            let b1 = base[i &+ 1], b2 = base[i &+ 2]
            let syllable = (Int(b0 & 0x0F) << 12 | Int(b1 & 0x3F) << 6 | Int(b2 & 0x3F)) &- 0xAC00
            guard b0 &- 0xEA < 4, UInt(bitPattern: syllable) < 11172, (b1 ^ 0x80) | (b2 ^ 0x80) < 0x40 else {
                i &+= 1
                continue
            }
            // No context starts with this syllable (most syllables): nothing to test.
            let range = ranges[syllable]
            if range == 0 {
                i &+= 3
                continue
            }
            // What follows: the next syllable, or an ASCII byte (저 , 전 ), as one code.
            var next = 0xFFFF
            if i &+ 5 < n {
                let c0 = base[i &+ 3], c1 = base[i &+ 4], c2 = base[i &+ 5]
                let decoded = (Int(c0 & 0x0F) << 12 | Int(c1 & 0x3F) << 6 | Int(c2 & 0x3F)) &- 0xAC00
                next = c0 < 0x80 ? Text.syllableCount &+ Int(c0) : decoded & 0xFFFF
            }
            let pair = Lexicon.pairHash(syllable, next)
            if pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0 || syllable == nim || syllable == ssi {
                // Compare the first eight bytes of each context starting with this syllable at once.
                let word = Text.word(text, at: i)
                var t = Int(range >> 8)
                let end = t &+ Int(range & 0xFF)
                while t < end {
                    let trigger = triggers[t]
                    if word & trigger.mask == trigger.prefix {
                        self.trigger(Lexicon.patterns[trigger.pattern], at: i)
                    }
                    t &+= 1
                }
            }
            i &+= 3
        }
    }

    mutating func trigger(_ pattern: NameLexicon.Pattern, at i: Int) {
        guard pattern.bytes.count <= 8 || Text.matches(self.text, at: i, pattern.bytes) else { return }
        switch pattern.role {
        case .title: self.title(at: i, end: i + pattern.bytes.count, pattern: pattern)
        case .label: self.label(at: i, end: i + pattern.bytes.count, pattern: pattern)
        case .intro: self.intro(at: i, end: i + pattern.bytes.count, greeting: false)
        case .greeting: self.intro(at: i, end: i + pattern.bytes.count, greeting: true)
        }
    }

    /// `홍길동님`, `박서연 고객님`, `홍길동 과장`: the name is the word right before the title (attached or after a space).
    mutating func title(at i: Int, end: Int, pattern: NameLexicon.Pattern) {
        let text = self.text
        var e = end
        if !pattern.isHonorific, Text.matches(text, at: e, Lexicon.nim) { e += 3 }
        // The title must end its word (고객센터, 씨앗, 회원가입 are other words).
        let next = Text.syllable(text, e)
        if next >= 0, !Lexicon.titleFollowers.contains(next) { return }
        let attached = Text.runStart(text, endingAt: i, limit: 7)
        if attached < i {
            let count = (i - attached) / 3
            guard count >= 2, count <= 5, Text.syllable(text, endingAt: attached) < 0 else { return }
            if self.plausible(attached, count, beforeTitle: true) {
                self.emit(attached, i, "name.honorific")
            } else if pattern.isHonorific, count <= 3, attached >= 2, text[attached - 1] == 0x20 {
                // 홍길동 학부모님: a title not in the list, then 님; the name before it needs three syllables or more.
                for k in 0..<count where Lexicon.grammarSyllables.contains(Text.syllable(text, attached + 3 * k)) { return }
                let wordEnd = attached - 1
                let wordStart = Text.runStart(text, endingAt: wordEnd, limit: 7)
                let words = (wordEnd - wordStart) / 3
                if words >= 3, words <= 5, Text.syllable(text, endingAt: wordStart) < 0, self.plausible(wordStart, words, beforeTitle: true) {
                    self.emit(wordStart, wordEnd, "name.honorific")
                }
            }
            return
        }
        guard i >= 2, text[i - 1] == 0x20 else { return }
        let wordEnd = i - 1
        let wordStart = Text.runStart(text, endingAt: wordEnd, limit: 7)
        let count = (wordEnd - wordStart) / 3
        // A two-syllable word before a spaced title is mostly a modifier (우리 고객님, 모든 회원님).
        guard count >= (pattern.isHonorific ? 2 : 3), count <= 5, Text.syllable(text, endingAt: wordStart) < 0 else { return }
        if self.plausible(wordStart, count, beforeTitle: true) { self.emit(wordStart, wordEnd, "name.honorific") }
    }

    /// `이름: 홍길동`, `수취인 홍길동`, `구매자명 김철수`, `제 이름은 이하은입니다`, `입금자명이 홍길동으로`.
    mutating func label(at i: Int, end: Int, pattern: NameLexicon.Pattern) {
        let text = self.text
        let n = text.count
        if pattern.needsBoundary, Text.syllable(text, endingAt: i) >= 0 { return }
        var e = end
        // 구매자명, 구매자 이름, 받는 분 성함.
        if pattern.takesSuffix {
            if Text.matches(text, at: e, Lexicon.myeong) {
                e += 3
            } else {
                for word in Lexicon.labelSuffixes where Text.matches(text, at: e, word) {
                    e += word.count
                    break
                }
            }
        }
        var separated = false
        let particle = Text.syllable(text, e)
        if particle >= 0 {
            guard Lexicon.labelParticles.contains(particle) else { return }  // 이름표, 성명서, 이름으로
            e += 3
            separated = true
            if Text.syllable(text, e) >= 0 { return }
        }
        var k = e
        while k < n {
            let byte = text[k]
            if byte == 0x20 || byte == 0x09 || byte == 0x3A || byte == 0x3D {
                separated = true
                k += 1
            } else if byte == 0x22 || byte == 0x27 || byte == 0x5B {
                k += 1
            } else if byte == 0xEF, Text.matches(text, at: k, Lexicon.fullWidthColon) {
                separated = true
                k += 3
            } else {
                break
            }
            if k - e > 8 { return }
        }
        guard separated else { return }
        let runEnd = Text.runEnd(text, from: k, limit: 9)
        let count = (runEnd - k) / 3
        guard count >= 2, count <= 8 else { return }
        // Where the value ends with the run (수취인 김다솜이, 010-…), the whole run is the name if it can be one.
        guard let nameEnd = self.nameInRun(k, count, decompose: true, preferWhole: self.valueEnds(at: runEnd)) else { return }
        // A two-syllable word after a label in prose is mostly a noun (신청자 명단 확인): only where the value ends.
        if nameEnd - k == 6, nameEnd == runEnd, !self.valueEnds(at: nameEnd) { return }
        self.emit(k, nameEnd, "name.label")
    }

    /// Does the value end at `i`: the end of the unit, punctuation, or a space before a digit or a bracket?
    func valueEnds(at i: Int) -> Bool {
        let text = self.text
        guard i < text.count else { return true }
        let byte = text[i]
        if byte == 0x20 {
            guard i + 1 < text.count else { return true }
            let next = text[i + 1]
            return Text.isDigit(next) || next == 0x28 || next == 0x5B || next == 0x2F || next == 0x7C || next == 0x2D
        }
        return byte < 0x80 && !Text.isASCIILetter(byte) && !Text.isDigit(byte)
    }

    /// `저는 이하은입니다`, `전 김지우예요`, `안녕하세요, 홍길동이라고 합니다`: the name must end in a copula.
    mutating func intro(at i: Int, end: Int, greeting: Bool) {
        let text = self.text
        let n = text.count
        if Text.syllable(text, endingAt: i) >= 0 { return }
        var k = end
        var separated = !greeting  // 저는 , 전 : the pattern ends with its space
        while k < n, k - end < 8 {
            let byte = text[k]
            if byte == 0x20 || (greeting && (byte == 0x2C || byte == 0x2E || byte == 0x21 || byte == 0x7E)) {
                separated = true
                k += 1
            } else {
                break
            }
        }
        guard separated else { return }
        let runEnd = Text.runEnd(text, from: k, limit: 9)
        let count = (runEnd - k) / 3
        guard count >= 2 else { return }
        for length in NameLengths(whole: nil) where length <= count {
            let rest = count - length
            let restStart = k + length * 3
            let copula: Bool
            if rest > 0 {
                copula = self.startsWithCopula(restStart, rest)
            } else {
                // 저는 홍길동 입니다
                copula = runEnd < n && text[runEnd] == 0x20
                    && self.startsWithCopula(runEnd + 1, (Text.runEnd(text, from: runEnd + 1, limit: 4) - runEnd - 1) / 3)
            }
            if copula, self.plausible(k, length) {
                self.emit(k, restStart, "name.intro")
                return
            }
        }
    }

    /// `홍길동입니다. 주문 문의드려요`: a chat message (or a line of one) that opens with a name and a copula, without
    /// 저는 before it. Only at the start of the unit or of a line, where such an introduction stands; the name must be
    /// plausible (surname, no common word), so `확인입니다` and `주문입니다` stay.
    mutating func leadingIntroductions(singleLine: Bool) {
        let text = self.text
        let n = text.count
        var lineStart = 0
        let starts = self.tables.scan.copulaStarts
        func isStart(_ syllable: Int) -> Bool {
            syllable >= 0 && starts[syllable >> 6] & (1 << UInt64(syllable & 63)) != 0
        }
        while lineStart < n {
            var k = lineStart
            while k < n, text[k] == 0x20 || text[k] == 0x09 || text[k] == 0x0D { k += 1 }
            // The copula starts after the name's two, three or four syllables: where none of those three places holds
            // a copula's first syllable (most lines), the line has no introduction and its run is not read.
            if isStart(Text.syllable(text, k + 6)) || isStart(Text.syllable(text, k + 9))
                || isStart(Text.syllable(text, k + 12))
            {
                let runEnd = Text.runEnd(text, from: k, limit: 9)
                let count = (runEnd - k) / 3
                if count >= 3 {
                    for length in NameLengths.introduction where length < count {
                        let restStart = k + length * 3
                        if self.startsWithFormalCopula(restStart, count - length), self.plausible(k, length) {
                            self.emit(k, restStart, "name.intro")
                            break
                        }
                    }
                }
            }
            guard !singleLine else { break }
            let newline = Bytes.first(0x0A, in: text, from: lineStart)
            guard newline < n else { break }
            lineStart = newline + 1
        }
    }

    /// The name at the start of a run after a label: the run may go on with an honorific, a particle or a copula
    /// (`홍길동님께`, `홍길동으로`, `이하은입니다`). Three-syllable names are preferred, then two, four, five.
    func nameInRun(_ start: Int, _ count: Int, decompose: Bool, preferWhole: Bool = false) -> Int? {
        if decompose {
            // 정보가, 변경은요, 고객님: a common word with a particle is no name.
            for length in 2..<count where length <= 4 && count - length <= 4 {
                let word = Text.key(self.text, start: start, count: length)
                guard Lexicon.stopWords.contains(word) || Lexicon.stopPrefixes.contains(word) else { continue }
                if Lexicon.wordTails.contains(Text.key(self.text, start: start + length * 3, count: count - length)) { return nil }
            }
        }
        for length in NameLengths(whole: preferWhole ? count : nil) where length <= count {
            let rest = count - length
            let restStart = start + length * 3
            let tailOK = rest == 0 || (rest <= 4 && Lexicon.nameTails.contains(Text.key(self.text, start: restStart, count: rest)))
                || self.startsWithCopula(restStart, rest)
            if tailOK, self.plausible(start, length) { return restStart }
        }
        return nil
    }

    /// 입니다, 이에요, 예요, 이라고: the copulas a self-introduction uses (not 야, 인데, 이고, which follow nouns too).
    ///
    /// Most runs asked about start with no copula's first syllable: that one test answers them (the word lists are
    /// only asked where it passes).
    func startsWithFormalCopula(_ start: Int, _ count: Int) -> Bool {
        guard count >= 2, Lexicon.formalCopulaStarts.contains(Text.syllable(self.text, start)) else { return false }
        for length in 2...3 where length <= count {
            if Lexicon.formalCopulas.contains(Text.key(self.text, start: start, count: length)) { return true }
        }
        return false
    }

    func startsWithCopula(_ start: Int, _ count: Int) -> Bool {
        guard count >= 1, Lexicon.copulaStarts.contains(Text.syllable(self.text, start)) else { return false }
        for length in 1...3 where length <= count {
            if Lexicon.copulas.contains(Text.key(self.text, start: start, count: length)) { return true }
        }
        return false
    }

    /// Is `text[start..]` (`count` syllables) a name: surname, length, no grammar syllables, no common word?
    ///
    /// The candidate's syllables are decoded once (`CandidateSyllables`) and every word-list key is built from them:
    /// asking the surname, grammar, stop-word, stop-prefix and verb-ending lists decoded the same syllables a dozen
    /// times per candidate, and name fields ask for every value.
    func plausible(_ start: Int, _ count: Int, beforeTitle: Bool = false) -> Bool {
        guard count >= 2, count <= 5 else { return false }
        guard let syllables = CandidateSyllables(self.text, start: start, count: count) else {
            return self.plausibleDecoding(start, count, beforeTitle: beforeTitle)
        }
        // The lists through one `static let` (`NameCheckTables`): the same lists as `plausibleDecoding` reads.
        let tables = self.tables.check
        let first = syllables[0]
        var reading = false
        if count <= 4, NameCheckTables.contains(tables.singleSurnames, first), syllables.givenNameOK(from: 1, tables) {
            reading = true
        }
        if !reading, count >= 3, tables.doubleSurnames.contains(UInt64(first << 16 | syllables[1])),
           syllables.givenNameOK(from: 2, tables)
        {
            reading = true
        }
        guard reading else { return false }
        if count <= 4, tables.stopWords.contains(syllables.key(count)) { return false }
        // Before a title, four syllables are more often two words run together (도서산간 고객님, 정기구독 회원) than a
        // one-syllable surname with a three-syllable given name: the first two must not be a word.
        if beforeTitle, count >= 4, tables.stopWords.contains(syllables.key(2)) { return false }
        for length in 2...min(count, 4) where tables.stopPrefixes.contains(syllables.key(length)) {
            return false
        }
        if count >= 3, tables.verbEndings.contains(syllables.lastTwoKey) { return false }
        return true
    }

    /// `plausible` decoding as it goes: for a candidate with a position that is not a syllable (callers pass runs of
    /// syllables, so in practice never), where the answer must be the same as before.
    func plausibleDecoding(_ start: Int, _ count: Int, beforeTitle: Bool) -> Bool {
        let text = self.text
        let first = Text.syllable(text, start)
        let second = Text.syllable(text, start + 3)
        var reading = false
        if count <= 4, Surnames.isSingle(first), self.givenNameOK(start, from: 1, count) { reading = true }
        if !reading, count >= 3, Surnames.isDouble(first, second), self.givenNameOK(start, from: 2, count) { reading = true }
        guard reading else { return false }
        if count <= 4, Lexicon.stopWords.contains(Text.key(text, start: start, count: count)) { return false }
        if beforeTitle, count >= 4, Lexicon.stopWords.contains(Text.key(text, start: start, count: 2)) { return false }
        for length in 2...min(count, 4) where Lexicon.stopPrefixes.contains(Text.key(text, start: start, count: length)) {
            return false
        }
        if count >= 3, Lexicon.verbEndings.contains(Text.key(text, start: start + (count - 2) * 3, count: 2)) { return false }
        return true
    }

    func givenNameOK(_ start: Int, from index: Int, _ count: Int) -> Bool {
        for k in index..<count where Lexicon.grammarSyllables.contains(Text.syllable(self.text, start + k * 3)) { return false }
        return !Lexicon.grammarFinals.contains(Text.syllable(self.text, start + (count - 1) * 3))
    }

    mutating func emit(_ start: Int, _ end: Int, _ detector: DetectorName) {
        for index in self.first..<self.found.count where self.found[index].start < end && start < self.found[index].end {
            return
        }
        self.found.append(Detection(start: start, end: end, kind: .name, by: detector))
    }

    // MARK: Labelled fields

    /// `hint == .name`: each part of the value (`홍길동`, `홍길동 님`, `홍길동(고객)`, `홍길동, 김철수`) that is a name.
    mutating func wholeValue() {
        let text = self.text
        let n = text.count
        var partStart = 0
        while partStart < n {
            var partEnd = partStart
            // A middle dot (U+00B7, `김현주 · 10:23`) separates parts too, as in many admin lists.
            func middleDot(_ i: Int) -> Bool { text[i] == 0xC2 && i + 1 < n && text[i + 1] == 0xB7 }
            while partEnd < n, !Lexicon.isPartSeparator(text[partEnd]), !middleDot(partEnd) { partEnd += 1 }
            self.wholePart(partStart, partEnd)
            partStart = partEnd + (partEnd < n && middleDot(partEnd) ? 2 : 1)
        }
    }

    mutating func wholePart(_ start: Int, _ end: Int) {
        let text = self.text
        var a = start
        var b = end
        while a < b, Lexicon.isTrimmable(text, a) { a += text[a] == 0xC2 ? 2 : 1 }
        while b > a, text[b - 1] == 0x20 || text[b - 1] == 0x09 || text[b - 1] == 0x0D { b -= 1 }
        guard a < b else { return }
        let runEnd = Text.runEnd(text, from: a, limit: 9)
        let count = (runEnd - a) / 3
        guard count >= 2 else { return }
        // What may follow the name: nothing, a title (님, 고객님), a parenthesis, ASCII (an id, a phone), 외 N명.
        var rest = runEnd
        while rest < b, text[rest] == 0x20 { rest += 1 }
        if rest < b {
            let byte = text[rest]
            var allowed = byte == 0x28 || byte == 0x5B
            if !allowed, byte < 0x80 {
                allowed = true
                for k in rest..<b where text[k] >= 0x80 { allowed = false; break }
            }
            if !allowed, Text.matches(text, at: rest, Lexicon.oe) { allowed = true }
            if !allowed, rest > runEnd {
                let wordEnd = Text.runEnd(text, from: rest, limit: 5)
                let wordCount = (wordEnd - rest) / 3
                if wordCount >= 1, wordCount <= 4, Lexicon.nameTails.contains(Text.key(text, start: rest, count: wordCount)) {
                    var after = wordEnd
                    while after < b, text[after] == 0x20 { after += 1 }
                    allowed = after == b || text[after] == 0x28 || text[after] == 0x5B
                }
            }
            guard allowed else { return }
        }
        // The whole run first (김다솜이 is a name in a name field), then a name carrying a title: 홍길동님, 홍길동고객님.
        for length in NameLengths(whole: count) where length <= count {
            let tail = count - length
            guard tail == 0 || (tail <= 4 && Lexicon.nameTails.contains(Text.key(text, start: a + length * 3, count: tail)))
            else { continue }
            if self.plausible(a, length) {
                self.emit(a, a + length * 3, "name.field")
                return
            }
        }
    }
}

/// The words `NameDetector` knows: contexts that announce a name, and words that only look like one.
enum NameLexicon {
    typealias Text = NameAddressText

    enum Role { case title, label, intro, greeting }

    struct Pattern: Sendable {
        let bytes: [UInt8]
        let role: Role
        /// 님 and 씨 (a title such as 고객 may itself be followed by 님).
        let isHonorific: Bool
        /// Short labels (이름, 성명) count only at the start of a word.
        let needsBoundary: Bool
        /// Labels that may go on with 명 or 이름 (구매자명, 구매자 이름).
        let takesSuffix: Bool
    }

    /// Titles and honorifics written after a name.
    static let titles = [
        "님", "씨", "고객", "회원", "귀하", "대표", "선생", "과장", "부장", "차장", "사장", "팀장", "실장", "대리", "주임", "원장",
        "교수", "기사", "이사", "소장", "여사", "작가", "감독", "박사", "변호사", "매니저", "선배", "강사", "코치", "점장", "상무",
        "전무", "회장", "국장", "반장", "사원", "연구원", "수간호사", "간호사", "원생", "학생", "어린이", "환자", "보호자",
    ]

    /// Labels written before a name.
    static let labels = [
        "이름", "성명", "성함", "수취인", "수령인", "수령자", "수신인", "수신자", "받는분", "받는 분", "받는사람", "받는 사람",
        "받으실 분", "받으시는 분", "받으실분", "보내는분", "보내는 분", "보내는사람", "보내는 사람", "보내시는 분", "구매자", "구매인",
        "주문자", "주문인", "주문하신 분", "예금주", "입금자", "입금인", "고객명", "회원명", "담당자", "신청자", "발송인", "발신인",
        "발송자", "명의자", "대표자", "고객이름", "회원이름", "고객 이름", "회원 이름", "작성자", "가입자", "보호자", "환자명",
        "수강생", "신청인", "계약자", "예약자", "투숙객", "탑승자", "문의자", "요청자", "접수자", "받는이", "보내는이", "수하인",
        "송하인", "주문고객", "환불예금주", "입금자명",
    ]

    /// Self-introductions and greetings before a name (the name must then end in a copula).
    static let intros = ["저는", "전", "저", "나는", "제가"]
    static let greetings = ["안녕하세요", "안녕하십니까", "안녕하세여", "반갑습니다"]

    static let nim = Array("님".utf8)
    static let myeong = Array("명".utf8)
    static let oe = Array("외".utf8)
    static let fullWidthColon: [UInt8] = [0xEF, 0xBC, 0x9A]
    static let labelSuffixes: [[UInt8]] = [" 이름", " 성함", " 성명", "이름", "성함", "성명"].map { Array($0.utf8) }

    /// A context's first eight bytes, for one masked compare in the scan loop.
    struct Trigger: Sendable {
        let prefix: UInt64
        let mask: UInt64
        let pattern: Int
    }

    static let patterns: [Pattern] = Self.tables.patterns
    /// The triggers, grouped by first syllable.
    static let triggers: [Trigger] = Self.tables.triggers
    /// Per syllable: 0, or `start << 8 | count` of the triggers starting with it.
    static let triggerRanges: [UInt16] = Self.tables.ranges
    static let nimSyllable = Text.syllable("님"), ssiSyllable = Text.syllable("씨")

    /// The (first syllable, what follows) pairs that start a trigger, hashed into 64 Ki bits (8 KB: it stays in the
    /// L1 cache). Ordinary prose passes this test for about one syllable in a hundred, so the scan loop's one branch
    /// is predictable; 님 and 씨, the one-syllable triggers, are tested apart.
    static let pairBits: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: 1 << 10)
        for pattern in Self.patterns where pattern.bytes.count > 3 {
            let first = Text.syllables(String(decoding: pattern.bytes, as: UTF8.self))[0]
            let next = pattern.bytes[3] < 0x80 ? Text.syllableCount + Int(pattern.bytes[3])
                : pattern.bytes.withUnsafeBufferPointer { Text.syllable($0, 3) }
            let pair = Self.pairHash(first, next)
            bits[pair >> 6] |= 1 << UInt64(pair & 63)
        }
        return bits
    }()

    @inline(__always) static func pairHash(_ first: Int, _ next: Int) -> Int { (first &* 40503 &+ next) & 0xFFFF }

    private static let tables: (ranges: [UInt16], triggers: [Trigger], patterns: [Pattern]) = {
        var byFirst: [Int: [Pattern]] = [:]
        func add(_ word: String, _ role: Role) {
            let syllables = Text.syllables(word).count
            let pattern = Pattern(bytes: Array(word.utf8), role: role, isHonorific: word == "님" || word == "씨",
                                  needsBoundary: syllables <= 2, takesSuffix: syllables >= 3 && !word.hasSuffix("명"))
            byFirst[Text.syllables(word)[0], default: []].append(pattern)
        }
        for word in Self.titles { add(word, .title) }
        for word in Self.labels { add(word, .label) }
        for word in Self.intros { add(word + " ", .intro) }
        for word in Self.greetings { add(word, .greeting) }
        var ranges = [UInt16](repeating: 0, count: Text.syllableCount)
        var triggers: [Trigger] = []
        var patterns: [Pattern] = []
        for (first, group) in byFirst.sorted(by: { $0.key < $1.key }) {
            precondition(group.count < 256)
            precondition(triggers.count < 256)
            ranges[first] = UInt16(triggers.count) << 8 | UInt16(group.count)
            for pattern in group {
                let (prefix, mask) = Text.prefix(pattern.bytes)
                triggers.append(Trigger(prefix: prefix, mask: mask, pattern: patterns.count))
                patterns.append(pattern)
            }
        }
        return (ranges, triggers, patterns)
    }()

    /// What may follow a title inside its word: particles and copulas (님께서, 씨가, 고객이신가요, 님댁).
    static let titleFollowers = SyllableSet("께이가은는을를의도에한요과와랑만으로들처인입네아야맞댁앞분")

    /// Particles after a label (이름은, 입금자명이, 예금주는).
    static let labelParticles = SyllableSet("은는이가")

    /// Particles, copulas and honorifics that may follow a name inside its word.
    static let particles = [
        "", "이", "가", "은", "는", "을", "를", "의", "도", "에게", "께", "께서", "한테", "으로", "로", "이랑", "랑", "과", "와",
        "이나", "나", "만", "이요", "요", "이고", "이며", "께서는", "께서도", "에게서", "이가", "이는", "이를", "이의", "이도",
        "으로요", "로요", "이신", "이세요", "입니다", "이에요", "예요", "이예요", "에요", "이라고", "라고", "이라는", "라는", "인데",
        "인데요", "이죠", "으로는", "로는", "앞", "앞으로", "댁", "이시죠", "이고요", "맞죠", "맞나요", "님", "씨",
    ]
    static let honorifics = ["", "님", "씨", "고객님", "고객", "회원님", "회원", "귀하", "대표님", "선생님", "과장님", "부장님",
                             "사장님", "팀장님", "실장님", "기사님", "님께"]

    /// Keys of every honorific + particle sequence of one to four syllables.
    static let nameTails = KeySet(Self.nameTailKeys)
    private static let nameTailKeys: Set<UInt64> = {
        var keys: Set<UInt64> = []
        for honorific in Self.honorifics {
            for particle in Self.particles {
                let syllables = Text.syllables(honorific + particle)
                if !syllables.isEmpty, syllables.count <= 4 { keys.insert(Text.key(syllables)) }
            }
        }
        return keys
    }()

    /// Tails that show a common word before them is that word and not a name: `정보가`, `변경은요` — but not 은 and 이
    /// alone, which end given names too (이하은, 다솜이).
    static let wordTails = KeySet(Self.nameTailKeys.subtracting([Text.key("은"), Text.key("이")]))

    /// Copulas and quotatives after a name in a self-introduction (이하은입니다, 김지우예요, 홍길동이라고).
    static let formalCopulas = KeySet(Self.formalCopulaWords.map { Text.key(Text.syllables($0).prefix(4)) })
    static let copulas = KeySet(Self.copulaWords.map { Text.key(Text.syllables($0).prefix(4)) })
    static let formalCopulaWords = ["입니다", "입니당", "이에요", "이예요", "예요", "이라고", "라고"]
    static let copulaWords = [
        "입니다", "입니당", "임다", "이에요", "이예요", "예요", "에요", "이고요", "이구요", "이고", "이라고", "라고", "이라구", "라구",
        "인데요", "인데", "이요", "이야", "야", "이랍니다", "랍니다", "입니다만", "이에여", "예여",
    ]
    /// The first syllables of `formalCopulas` and `copulas`: a run starting with none of them starts with no copula.
    static let formalCopulaStarts = SyllableSet(syllables: Self.formalCopulaWords.map { Text.syllables($0)[0] })
    static let copulaStarts = SyllableSet(syllables: Self.copulaWords.map { Text.syllables($0)[0] })


    /// Syllables that grammar and loanwords use and given names do not.
    static let grammarSyllables = SyllableSet(
        "요까죠께습됩됐했겠었았였는을를에의게며면데던든듯랑냐씨님좀것거걸뭐왜못없있않같드려렸줘줄돼되됨봐봤왔갈갔쪽댁셔셨십으"
            + "트스크프즈브블플츠켓텔템팅폰넷킹객품격값껏떻렇쁜씩짜찌개깨꺼꼭끝낌닥딩땡떡똑뚜뜻띠랫럼렌롭룹릿맙멋몇뭔밌뺄뻔쁘삐샵셋"
            + "쇼숍쉽쌀쎄쏘쑤씀앗얘얼엇엔옵웃읽잇잖쟁젤좋줍짐짝쪼쫌찍챙컵큰킬탓텐툭팩펙핑핫헐헤횟됨봅뵙겁렵쉬워")

    /// Syllables that never end a given name (they end verbs and particles).
    static let grammarFinals = SyllableSet("다까네고며게해도가와과면")

    /// Last two syllables of verb forms that modify a title (주문하신 고객님, 방문하는 회원님).
    static let verbEndings = KeySet([
        "하신", "하는", "하실", "주신", "드린", "계신", "오신", "되신", "있는", "없는", "같은", "하던", "했던", "받은", "받는", "보낸",
        "사는", "가신", "하다", "해요", "합니", "하고", "하여", "해서", "해도", "하면", "되는", "되면", "이신", "이는", "이면", "이고",
        "하시", "주시", "드려", "드립", "니다", "세요", "셨던", "하셨", "나신", "오는",
    ].map { Text.key(Text.syllables($0)) })

    /// Common words that begin with a surname syllable. A candidate that *starts* with one of these is no name —
    /// except that a word marked `=`, and a two-syllable word whose second syllable often starts a given name (정시 →
    /// 정시우, 고지 → 고지호, 문서 → 문서준), also begins real names: then only the word itself (or the word with a
    /// particle after a label) is rejected. Words marked `!` are commerce stems no name begins with: always prefixes.
    static let stopList = """
        김치찌개 =김치 김밥 김장 김가루 =김자반
        !이번 =이상 =이하 =이용 이름 이메일 =이전 =이후 =이미 이런 이렇게 =이제 이거 이것 =이건 이곳 이분 이쪽 =이유 =이해 =이동 =이사
        이체 이벤트 이월 이내 이외 이야기 이불 이어폰 이용권 =이득 =이익 이틀 이날 이달 이번주 이모 이웃 이력 =이견 이의 =이중 이왕 이러
        이렇 이라 이랑 이따 이게 이걸 이미지 이어서 이대로 =이만 이젠 이용자 이용객 이상한 이사님
        박스 박람회 박사 =박수 박물관 =박하
        =최근 =최대 =최소 =최고 =최저 =최종 최초 =최신 =최선 최악 =최상 =최적 최저가 =최대한 최소한
        정말 정확 =정보 =정상 =정도 =정리 정산 =정기 =정가 정품 정식 정책 =정지 =정해진 정시 정액 =정성 정중 정회원 정답 =정신 정문 정면
        정오 정류장 =정비 정사이즈 정각 정기배송 정상가 정성껏 =정해 정중한
        강추 강력 =강조 강의 강아지 강변 강남 =강원 강제 =강화 강추위
        !조회 조금 =조건 =조정 조치 =조합 조립 =조리 조카 조심 조언 =조사 조만간 조용히 =조명 조각 =조기 조식 조절 조미료 조속히 조아요 =조상
        윤곽 =윤리
        장바구니 =장소 장점 장난 =장기 장갑 장마 장모 장인 장애 장비 장부 장난감 =장식 장판 장관 장거리 장사 =장미
        임시 =임의 임대 임금 임산부 임신 임박
        한정판 =한정 한번 한국 =한우 한글 한복 한약 =한도 한달 =한주 한개 한참 한꺼번에 한쪽 한식 한파 한계 한가지 한다 한테 한두 한동안 한마디
        오늘 오전 오후 오류 오배송 오빠 오랜만 =오래 오픈 오이 오징어 오리 오디오 오프라인 오더 오일 오른쪽 오배달 오기재 오주문
        서비스 서울 서류 서명 서랍 서로 서둘러 서운 서버 서식 서면 서점 서브 서툴
        신상품 =신상 신규 !신청 =신고 신발 =신선 신선한 =신용 신용카드 신분증 신제품 신속 신경 신임 신혼 신문 신기 신분 신부
        =권장 권한 권리
        황당 =황금 황사
        !안녕 !안내 =안전 안심 안쪽 안경 안방 안에 안돼 안되 안됩 =안정 안그래도
        !송장 송금 =송이 송료 송부
        !전화 전체 전달 전부 전송 전에 전날 전혀 전액 전복 전자 전국 전기 전시 전용 전문 전환 전담 =전세 전무 전해
        =홍보 홍삼 홍차
        !유의 유통 유료 유효 =유지 =유선 =유아 유치원 유기농 =유리 유용 유형 =유명 유일 유튜브 유감 유심
        !고객 =고민 고장 고급 고기 고구마 고추 고등어 고무 고모 고맙 고마운 고려 고정 고지 고생 고양이 고속 고화질 고르 고해상도
        !문의 문자 문제 문서 문앞 문구 문어 문화 문고리
        양파 양말 양념 양식 양도 양해 양호 양쪽 양면 양복 양상추
        손님 손상 손해 손잡이 손질 손수건 손목 손세정제 손자 손녀
        !배송 배달 배추 배터리 배너 배상 =배정 배려 배열
        백화점 백업 백색 백팩
        =허용 허가 허리
        남자 남성 남편 남은 남김 남녀 남색 남기 남쪽 남아 남겨
        심사 심야 심각 심플
        노출 노트 노트북 노력 노란색 노동 노란
        하나 하루 하자 하단 하고 하지만 하세요 하시 하면 하는 하여 하기 하니 하셔 하셨 하실 하여튼 하필
        =성함 성명 성별 성공 =성인 성능 성분 =성실 성실한 성수기 성의 성격 성심
        차량 차이 차단 차감 차례 차후 차액 차관
        !주문 =주소 주말 주의 주차 주로 주세요 주시 주스 주변 주인 주부 주간 주일 주방 주머니 주황 =주기 주셔 주신 주실 주십 주면 주고 주는
        우리 =우선 우편 우체국 우유 우산 우수 우려 우측
        !구매 구입 구성 구독 구경 구분 구역 구조 구두 구멍
        민원 민감
        나중 나머지 나이 나라 나가 나와 나오 나눠 나름
        !진행 진짜 =진심 진열 진동 =진정
        지금 지난 지역 =지연 지불 지급 =지원 지정 지점 지갑 지퍼 지도 지하 지사 =지인 =지나 지났 지워
        엄마 엄청
        채소 채널 채팅 채용
        원래 원하 원단 원피스 원산지 원목 원룸 원어민 원본 원인 원해
        천천히 천연 천원
        !방문 방법 방금 방송 방지 방수 방향 방식 방한
        공지 공휴일 공식 공급 공동 공장 공간 공유 공용 공기 공항 공구 공주
        현재 현금 현장 현관
        함께
        !변경 변심 변동 변질 변호사
        염려
        여기 여자 여성 여부 여름 여러 여행 여유 여권 여보 여쭤 여전히 여쭙 여사
        !추가 !추천 추후 추석 추적
        !도착 도움 도와 도대체 도서 도시락 도매 도장 도어 도로 도난 도중 도련 도덕 도지사
        소중 소비자 소요 소포 소리 소금 소량 소재 소스 소개 소식 소형 소파 소장
        석자 명단 명부 고등 신입 =정규 선임 전임 전업 사외 모범
        !선택 !선물 선생 선결제 선착순 선불 선배 선반 선호
        !설명 설치 설정 설탕 설날 설문
        마음 마감 마지막 마트 마스크 마늘 마켓 마무리 마침 마일리지 마세요 마시
        =길이
        !연락 연휴 연장 연결 연어 연말 연기 연동
        위치 위해 위에 위원
        표시 표기
        =명의 명절 명세서 명함 명예
        !기간 !기존 !기준 기사 기능 기타 기억 기다려 기다리 기본 기념 기계 기회 기분 기자 기재 기술
        !반품 반송 반드시 반값 반찬 반영 반환 반가운 반장
        라면 라벨
        왕복 왕자
        금액 금일 금요일 금지
        옥수수
        육류
        인증 인기 인터넷 인하 인사 인상 인원 인수 인쇄 인삼
        !제품 제가 제거 제공 제조 제작 제외 제일 제대로 제출 제때 제한 제발 제목 제수
        모든 모두 모델 모바일 모양 모름 모자 모레 모르
        탁송
        국내 국산 국물 국어
        어제 어떻게 어머 어디 어서 어플 어린이
        편의점 편지 편하 편집
        용량 용도
        !예약 예정 예전 예금 예쁜 예시 예외 예상
        경우 경비실 경로 경기
        봉투
        사이즈 !사진 !사용 사은품 사과 사유 사정 사장 사랑 사항 사람 사전 사실 사이트 사은 사모 사부 사위 사촌 사회
        !부탁 !부재 부분 부족 부담 부모 부장 부착 부품 부가세 부처 부디
        !가격 !가능 가방 가입 가까운 가족 가게 가장 가지 가끔 가구 가을 가이드
        복숭아 복구
        태블릿 태그
        목요일 목록 목걸이
        형태 형식
        계좌 계속 계산 계획 계란 계정 계절 계약
        피해 피드백 피부
        두개 두번 두부 두께
        !감사 감자 감기 감독
        음식 음료 음성
        빈티지 빈자리
        온라인 온도 온수
        호수 호텔 호박 호환
        범위
        좌석 좌측
        승인 승용차
        구매자 구독자 관리자 판매자 주문자 신청자 사용자 작성자 담당자 문의자 방문자 수령인 수취인
        정회원 준회원 우수회원 신규회원 기존회원 비회원 배송기사 택배기사 하나님 부모님
        대표 과장 차장 팀장 실장 대리 주임 원장 교수 작가 매니저 후배 간호사 장군 총장 회장 국장 점장 상무 학생
        장어 전어 표고 양배추 양상추 고사리 도라지 연근 우엉 오렌지 유자 한라봉 천혜향 황도 백도 감귤 홍시 대추 호두 은행 송편
        인절미 가래떡 소고기 양고기 육우 두유 유부 어묵 고춧가루 부추 방울토마토 석류 모과 현미 백미 기장 도미 방어 홍합 주꾸미
        명태 황태 반지 목도리 도마 기저귀 유모차 인형 공책 연필 음반 마우스 모니터 가습기 제습기 선풍기 전자레인지 전기밥솥 고무장갑
        소중한 감사한 친절한 훌륭한 특별한 정직한 유명한 신속한 안전한 편안한 간단한 다양한 우수한 소소한 사랑스러운 자랑스러운
        든든한 고급스러운 한결같은 도서산간 정기구독 정기결제 장기미접속 휴면회원 탈퇴회원 전체회원 기업회원 개인회원
        가나다 가나다순 오름차순 오름 정렬 내림차순 공개 비공개 마스킹
        소스류 반찬류 육포 육수 어린이날 선물세트 모바일상품권 상품권 기프티콘 배송비 포인트 적립금 쿠폰 사은품 증정품
        """

    /// Syllables that often start a given name (시우, 지호, 서준, 경수, 도윤, 상철, 태희, 다은, 한가람, …).
    static let givenNameStarts = SyllableSet(
        "가건경관광규근기나남다대덕도동두라래명무문미민범병보봉상새서석선성세소송수순승시신아연영예오온용우원유윤은의이익인일"
            + "재정제종주준중지진찬창채철태하한해현형혜호홍화효훈희슬빛솔별봄란리린율결겸담람록루류")

    static let stopWords = KeySet(Self.stopKeys.exact)
    static let stopPrefixes = KeySet(Self.stopKeys.prefixes)

    private static let stopKeys: (exact: Set<UInt64>, prefixes: Set<UInt64>) = {
        var exact: Set<UInt64> = []
        var prefixes: Set<UInt64> = []
        for entry in Self.stopList.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let syllables = Text.syllables(String(entry))
            guard syllables.count >= 2 else { continue }
            let exactOnly = entry.hasPrefix("=")
                || (!entry.hasPrefix("!") && syllables.count == 2 && Self.givenNameStarts.contains(syllables[1]))
            if exactOnly {
                if syllables.count <= 4 { exact.insert(Text.key(syllables)) }
            } else {
                // Prefixes are checked over a candidate's first two to four syllables.
                prefixes.insert(Text.key(syllables.prefix(4)))
            }
        }
        return (exact, prefixes)
    }()

    static func isPartSeparator(_ byte: UInt8) -> Bool {
        byte == 0x2C || byte == 0x2F || byte == 0x3B || byte == 0x7C || byte == 0x0A
    }

    static func isTrimmable(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        let byte = text[i]
        return byte == 0x20 || byte == 0x09 || byte == 0x0D || (byte == 0xC2 && i + 1 < text.count && text[i + 1] == 0xA0)
    }
}

/// The two to five syllables of a name candidate, decoded once, with the word-list keys of its prefixes and its last
/// two syllables built from them (the same keys `NameAddressText.key` builds from the bytes).
struct CandidateSyllables {
    private let s0: Int, s1: Int, s2: Int, s3: Int, s4: Int
    let count: Int
    /// The first four syllables packed as `NameAddressText.key` packs them (zeros past `count`), without the count.
    private let packed: UInt64
    /// The key of the last two syllables.
    let lastTwoKey: UInt64

    /// Nil when a position of the candidate holds no syllable.
    @inline(__always)
    init?(_ text: UnsafeBufferPointer<UInt8>, start: Int, count: Int) {
        let s0 = NameAddressText.syllable(text, start)
        let s1 = NameAddressText.syllable(text, start + 3)
        let s2 = count > 2 ? NameAddressText.syllable(text, start + 6) : 0
        let s3 = count > 3 ? NameAddressText.syllable(text, start + 9) : 0
        let s4 = count > 4 ? NameAddressText.syllable(text, start + 12) : 0
        guard s0 >= 0, s1 >= 0, s2 >= 0, s3 >= 0, s4 >= 0 else { return nil }
        (self.s0, self.s1, self.s2, self.s3, self.s4) = (s0, s1, s2, s3, s4)
        self.count = count
        self.packed = UInt64(s0) << 42 | UInt64(s1) << 28 | UInt64(s2) << 14 | UInt64(s3)
        let (previous, last) = count <= 2 ? (s0, s1) : count == 3 ? (s1, s2) : count == 4 ? (s2, s3) : (s3, s4)
        self.lastTwoKey = UInt64(2) << 56 | UInt64(previous) << 42 | UInt64(last) << 28
    }

    @inline(__always)
    subscript(_ index: Int) -> Int {
        switch index {
        case 0: self.s0
        case 1: self.s1
        case 2: self.s2
        case 3: self.s3
        default: self.s4
        }
    }

    /// The key of the first `length` (1...4) syllables.
    @inline(__always)
    func key(_ length: Int) -> UInt64 {
        let kept: UInt64 = ((1 << 56) - 1) & ~((1 << UInt64(56 - 14 * length)) - 1)
        return UInt64(length) << 56 | self.packed & kept
    }


    /// No grammar syllable from `index` on, and a last syllable that can end a given name.
    @inline(__always)
    func givenNameOK(from index: Int, _ tables: NameCheckTables) -> Bool {
        for k in index..<self.count where NameCheckTables.contains(tables.grammarSyllables, self[k]) { return false }
        return !NameCheckTables.contains(tables.grammarFinals, self[self.count - 1])
    }
}

/// Both of the name scan's table sets behind one pointer, read through one lazy global by whoever holds it for many
/// units (`TextMasker`): a `static let` read costs a `swift_once` call, and a unit's scan read three or more. One
/// pointer keeps `NameScan` one word larger, not thirteen.
///
/// Allocated once and never freed, like the tables it points to.
struct NameTables: @unchecked Sendable {
    private struct Storage {
        let scan: NameScanTables
        let check: NameCheckTables
    }

    private let storage: UnsafePointer<Storage>

    static let shared = NameTables()

    private init() {
        let storage = UnsafeMutablePointer<Storage>.allocate(capacity: 1)
        storage.initialize(to: Storage(scan: .shared, check: .shared))
        self.storage = UnsafePointer(storage)
    }

    var scan: NameScanTables { self.storage.pointee.scan }
    var check: NameCheckTables { self.storage.pointee.check }
}

/// The word lists `NameScan.plausible` asks for every candidate (surnames, grammar syllables and finals, stop words
/// and prefixes, verb endings) behind one `static let`: each `static let` read costs a `swift_once` call, and a
/// candidate read six or seven. The syllable sets are plain bit pointers (no array bounds or reference counting); the
/// key sets are the lists' own `KeySet`s (plain pointers already).
///
/// Allocated once and never freed (copies of `static let`s that live as long as the process), like `KeySet`.
struct NameCheckTables: @unchecked Sendable {
    let singleSurnames: UnsafePointer<UInt64>
    let grammarSyllables: UnsafePointer<UInt64>
    let grammarFinals: UnsafePointer<UInt64>
    /// `Surnames.doubleKeys`: first syllable << 16 | second.
    let doubleSurnames: KeySet
    let stopWords: KeySet
    let stopPrefixes: KeySet
    let verbEndings: KeySet

    static let shared = NameCheckTables()

    private init() {
        self.singleSurnames = Surnames.singleSet.permanentBits()
        self.grammarSyllables = NameLexicon.grammarSyllables.permanentBits()
        self.grammarFinals = NameLexicon.grammarFinals.permanentBits()
        self.doubleSurnames = Surnames.doubleKeys
        self.stopWords = NameLexicon.stopWords
        self.stopPrefixes = NameLexicon.stopPrefixes
        self.verbEndings = NameLexicon.verbEndings
    }

    /// Whether `syllable` (a decoded index, 0..<11172) is in `bits`.
    @inline(__always)
    static func contains(_ bits: UnsafePointer<UInt64>, _ syllable: Int) -> Bool {
        bits[syllable >> 6] & (1 << UInt64(syllable & 63)) != 0
    }
}

/// `NameLexicon`'s scan-loop tables (pair bits, trigger ranges, triggers, 님 and 씨, the copulas' first syllables) as
/// plain pointers behind one `static let`: `NameScan.run` and `leadingIntroductions` read them once per unit instead
/// of reading six `static let`s.
///
/// Allocated once and never freed (copies of `static let`s that live as long as the process), like `KeySet`.
struct NameScanTables: @unchecked Sendable {
    let pairs: UnsafePointer<UInt64>
    let ranges: UnsafePointer<UInt16>
    let triggers: UnsafePointer<NameLexicon.Trigger>
    let nim: Int
    let ssi: Int
    /// `NameLexicon.formalCopulaStarts` as bits (`leadingIntroductions`).
    let copulaStarts: UnsafePointer<UInt64>

    static let shared = NameScanTables()

    private init() {
        self.pairs = Self.copy(NameLexicon.pairBits)
        self.ranges = Self.copy(NameLexicon.triggerRanges)
        self.triggers = Self.copy(NameLexicon.triggers)
        self.nim = NameLexicon.nimSyllable
        self.ssi = NameLexicon.ssiSyllable
        self.copulaStarts = NameLexicon.formalCopulaStarts.permanentBits()
    }

    private static func copy<T>(_ array: [T]) -> UnsafePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
        pointer.initialize(from: array, count: array.count)
        return UnsafePointer(pointer)
    }
}
