#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The names of Korea's 시/도 and 시/군/구: where an address may begin.
///
/// `AddressDetector` only accepts an address that starts with one of these names, so that the many words ending in
/// 로, 길 or 동 followed by a number (`침체로 152명`, `101동 1203호` alone) are not taken for addresses. The lists follow
/// the administrative divisions in force in 2024–2026 (강원특별자치도 2023, 전북특별자치도 2024, 군위군 to 대구 2023, 부천시's
/// 구 restored 2024, and the 구 announced for 화성시 and 인천 for 2026, so that addresses written either way are found).
/// Look-ups take UTF-8 bytes (no allocation, for the scan loops) or a `String`.
public enum Gazetteer {
    /// What a token names.
    public struct Entry: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// A 시/도 in its full form (`서울특별시`, `경기도`, `충청북도`) or with 시/도 (`서울시`, `강원도`).
        public static let province = Entry(rawValue: 1)
        /// A 시/도 in its short form (`서울`, `경기`, `충북`): an ordinary word too, so it must be followed by a 시/군/구.
        public static let provinceShort = Entry(rawValue: 2)
        /// A 시, 군 or 구 (`강남구`, `수원시`, `팔달구`, `양평군`).
        public static let district = Entry(rawValue: 4)
    }

    /// The 17 시/도: full name, the other forms people write, and their 시/군/구 (a 시 with 구 lists the 구 after it).
    public static let provinces: [(name: String, aliases: [String], short: String, districts: [String])] = [
        ("서울특별시", ["서울시"], "서울", [
            "종로구", "중구", "용산구", "성동구", "광진구", "동대문구", "중랑구", "성북구", "강북구", "도봉구", "노원구", "은평구",
            "서대문구", "마포구", "양천구", "강서구", "구로구", "금천구", "영등포구", "동작구", "관악구", "서초구", "강남구", "송파구",
            "강동구",
        ]),
        ("부산광역시", ["부산시"], "부산", [
            "중구", "서구", "동구", "영도구", "부산진구", "동래구", "남구", "북구", "해운대구", "사하구", "금정구", "강서구", "연제구",
            "수영구", "사상구", "기장군",
        ]),
        ("대구광역시", ["대구시"], "대구", ["중구", "동구", "서구", "남구", "북구", "수성구", "달서구", "달성군", "군위군"]),
        ("인천광역시", ["인천시"], "인천", [
            "중구", "동구", "미추홀구", "연수구", "남동구", "부평구", "계양구", "서구", "강화군", "옹진군", "제물포구", "영종구",
            "검단구",
        ]),
        ("광주광역시", ["광주시"], "광주", ["동구", "서구", "남구", "북구", "광산구"]),
        ("대전광역시", ["대전시"], "대전", ["동구", "중구", "서구", "유성구", "대덕구"]),
        ("울산광역시", ["울산시"], "울산", ["중구", "남구", "동구", "북구", "울주군"]),
        ("세종특별자치시", ["세종시"], "세종", []),
        ("경기도", [], "경기", [
            "수원시", "장안구", "권선구", "팔달구", "영통구", "성남시", "수정구", "중원구", "분당구", "의정부시", "안양시", "만안구",
            "동안구", "부천시", "원미구", "소사구", "오정구", "광명시", "평택시", "동두천시", "안산시", "상록구", "단원구", "고양시",
            "덕양구", "일산동구", "일산서구", "과천시", "구리시", "남양주시", "오산시", "시흥시", "군포시", "의왕시", "하남시", "용인시",
            "처인구", "기흥구", "수지구", "파주시", "이천시", "안성시", "김포시", "화성시", "만세구", "효행구", "병점구", "동탄구",
            "광주시", "양주시", "포천시", "여주시", "연천군", "가평군", "양평군",
        ]),
        ("강원특별자치도", ["강원도"], "강원", [
            "춘천시", "원주시", "강릉시", "동해시", "태백시", "속초시", "삼척시", "홍천군", "횡성군", "영월군", "평창군", "정선군",
            "철원군", "화천군", "양구군", "인제군", "고성군", "양양군",
        ]),
        ("충청북도", ["충북도"], "충북", [
            "청주시", "상당구", "서원구", "흥덕구", "청원구", "충주시", "제천시", "보은군", "옥천군", "영동군", "증평군", "진천군",
            "괴산군", "음성군", "단양군",
        ]),
        ("충청남도", ["충남도"], "충남", [
            "천안시", "동남구", "서북구", "공주시", "보령시", "아산시", "서산시", "논산시", "계룡시", "당진시", "금산군", "부여군",
            "서천군", "청양군", "홍성군", "예산군", "태안군",
        ]),
        ("전북특별자치도", ["전라북도", "전북도"], "전북", [
            "전주시", "완산구", "덕진구", "군산시", "익산시", "정읍시", "남원시", "김제시", "완주군", "진안군", "무주군", "장수군",
            "임실군", "순창군", "고창군", "부안군",
        ]),
        ("전라남도", ["전남도"], "전남", [
            "목포시", "여수시", "순천시", "나주시", "광양시", "담양군", "곡성군", "구례군", "고흥군", "보성군", "화순군", "장흥군",
            "강진군", "해남군", "영암군", "무안군", "함평군", "영광군", "장성군", "완도군", "진도군", "신안군",
        ]),
        ("경상북도", ["경북도"], "경북", [
            "포항시", "남구", "북구", "경주시", "김천시", "안동시", "구미시", "영주시", "영천시", "상주시", "문경시", "경산시",
            "의성군", "청송군", "영양군", "영덕군", "청도군", "고령군", "성주군", "칠곡군", "예천군", "봉화군", "울진군", "울릉군",
        ]),
        ("경상남도", ["경남도"], "경남", [
            "창원시", "의창구", "성산구", "마산합포구", "마산회원구", "진해구", "진주시", "통영시", "사천시", "김해시", "밀양시",
            "거제시", "양산시", "의령군", "함안군", "창녕군", "고성군", "남해군", "하동군", "산청군", "함양군", "거창군", "합천군",
        ]),
        ("제주특별자치도", ["제주도"], "제주", ["제주시", "서귀포시"]),
    ]

    /// Every name with what it names (a name can be both: `광주시` is 광주광역시 and 경기도 광주시).
    public static let entries: [String: Entry] = {
        var entries: [String: Entry] = [:]
        for province in Gazetteer.provinces {
            for name in [province.name] + province.aliases { entries[name, default: []].insert(.province) }
            entries[province.short, default: []].insert(.provinceShort)
            for district in province.districts { entries[district, default: []].insert(.district) }
        }
        return entries
    }()

    /// What `token` names (empty when nothing).
    public static func lookup(_ token: String) -> Entry { self.entries[token] ?? [] }

    /// What the UTF-8 bytes `text[start..<end]` name (empty when nothing); allocation-free.
    static func lookup(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Entry {
        guard end - start >= 6, end - start <= 7 * 3,
              self.firstSyllables.contains(NameAddressText.syllable(text, start))
        else { return [] }
        return self.byHash.lookup(text, start, end, hash: self.fnv(text, start, end))
    }

    /// First syllables of every name: a token starting with anything else is not looked up.
    static let firstSyllables = SyllableSet(syllables: Gazetteer.entries.keys.compactMap { NameAddressText.syllables($0).first })

    private static let byHash = NameTable(Gazetteer.entries.map { (Array($0.key.utf8), $0.value) },
                                          hash: { $0.withUnsafeBufferPointer { Gazetteer.fnv($0, 0, $0.count) } })

    /// FNV-1a over three-byte steps (a Hangul syllable each; a shorter tail byte by byte): the names are syllables,
    /// and a third of the multiplications hashes them as well. Built and looked up with this one function.
    @inline(__always)
    fileprivate static func fnv(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = start
        while i &+ 3 <= end {
            hash ^= UInt64(text[i]) | UInt64(text[i &+ 1]) << 8 | UInt64(text[i &+ 2]) << 16
            hash &*= 0x0000_0100_0000_01B3
            i &+= 3
        }
        while i < end {
            hash ^= UInt64(text[i])
            hash &*= 0x0000_0100_0000_01B3
            i &+= 1
        }
        return hash
    }
}

/// The gazetteer's names by their hash, for `Gazetteer.lookup(_:_:_:)`: an open-addressing table over one byte buffer
/// (the address scanner asks it for every token before a road or 동; a `Dictionary` hashed each hash again with
/// SipHash and handed out arrays to walk). Names with equal hashes are all compared, as before.
///
/// Only for `static let`s: the memory lives as long as the process (plain pointers, no reference counting).
struct NameTable: @unchecked Sendable {
    /// Per slot: the hash, and where its names start in `names` and how many there are (count 0: empty slot).
    private let hashes: UnsafeMutablePointer<UInt64>
    private let firsts: UnsafeMutablePointer<Int32>
    private let counts: UnsafeMutablePointer<Int32>
    private let mask: Int
    /// The names' bytes one after the other; `nameStarts[i]..<nameStarts[i + 1]` is name i, `entries[i]` its entry.
    private let bytes: UnsafeMutablePointer<UInt8>
    private let nameStarts: UnsafeMutablePointer<Int32>
    private let entries: UnsafeMutablePointer<Gazetteer.Entry>

    init(_ names: [([UInt8], Gazetteer.Entry)], hash: ([UInt8]) -> UInt64) {
        // Group the names by hash (in a stable order), then lay them out group by group.
        var groups: [UInt64: [Int]] = [:]
        for (index, name) in names.enumerated() { groups[hash(name.0), default: []].append(index) }
        let ordered = groups.keys.sorted()
        var capacity = 8
        while capacity < ordered.count * 2 { capacity *= 2 }
        self.mask = capacity - 1
        self.hashes = .allocate(capacity: capacity)
        self.hashes.initialize(repeating: 0, count: capacity)
        self.firsts = .allocate(capacity: capacity)
        self.firsts.initialize(repeating: 0, count: capacity)
        self.counts = .allocate(capacity: capacity)
        self.counts.initialize(repeating: 0, count: capacity)
        let total = names.reduce(0) { $0 + $1.0.count }
        self.bytes = .allocate(capacity: max(total, 1))
        self.nameStarts = .allocate(capacity: names.count + 1)
        self.entries = .allocate(capacity: max(names.count, 1))
        var nameIndex = 0
        var byteIndex = 0
        for key in ordered {
            var slot = Self.slot(key, self.mask)
            while self.counts[slot] != 0 { slot = (slot + 1) & self.mask }
            let group = groups[key]!
            self.hashes[slot] = key
            self.firsts[slot] = Int32(nameIndex)
            self.counts[slot] = Int32(group.count)
            for member in group {
                let (name, entry) = names[member]
                self.nameStarts[nameIndex] = Int32(byteIndex)
                (self.entries + nameIndex).initialize(to: entry)
                for byte in name {
                    (self.bytes + byteIndex).initialize(to: byte)
                    byteIndex += 1
                }
                nameIndex += 1
            }
        }
        self.nameStarts[nameIndex] = Int32(byteIndex)
    }

    @inline(__always) private static func slot(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash ^ hash >> 29) &* 0x9E37_79B9_7F4A_7C15 >> 32) & mask
    }

    /// The entry of the name equal to `text[start..<end]` (whose hash is `hash`), or none.
    func lookup(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, hash: UInt64) -> Gazetteer.Entry {
        var slot = Self.slot(hash, self.mask)
        while self.counts[slot] != 0 {
            if self.hashes[slot] == hash {
                let first = Int(self.firsts[slot])
                for index in first..<(first + Int(self.counts[slot])) {
                    let nameStart = Int(self.nameStarts[index])
                    let length = Int(self.nameStarts[index + 1]) - nameStart
                    guard length == end - start, let base = text.baseAddress else { continue }
                    if memcmp(base + start, self.bytes + nameStart, length) == 0 { return self.entries[index] }
                }
                return []
            }
            slot = (slot + 1) & self.mask
        }
        return []
    }
}
