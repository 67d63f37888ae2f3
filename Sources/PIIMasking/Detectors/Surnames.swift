/// The Korean surnames a personal name starts with.
///
/// Free text is full of words that could be names; what sets a name apart is that it begins with a surname.
/// The 2015 census (통계청 인구주택총조사, KOSIS 성씨·본관별 인구) counts about 5,500 surnames, but the first ten
/// cover about 64% of people and the first hundred with the two-syllable surnames (복성) nearly everyone: those are
/// the ones `NameDetector` accepts. Rarer surnames are missed by design — each one added makes more ordinary
/// words look like names (가 → 가격, 상 → 상품).
public enum Surnames {
    /// One-syllable surnames, most common first (2015 census order, with 류/유 and 라/나 counted apart).
    public static let single: [String] = [
        "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황", "안", "송", "전", "홍",
        "유", "고", "문", "양", "손", "배", "백", "허", "남", "심", "노", "하", "곽", "성", "차", "주", "우", "구", "민", "류",
        "나", "진", "지", "엄", "채", "원", "천", "방", "공", "현", "함", "변", "염", "여", "추", "도", "소", "석", "선", "설",
        "마", "길", "연", "위", "표", "명", "기", "반", "라", "왕", "금", "옥", "육", "인", "맹", "제", "모", "탁", "국", "어",
        "은", "편", "용", "예", "경", "봉", "사", "부", "가", "복", "태", "목", "형", "계", "피", "두", "감", "음", "빈", "온",
        "호", "범", "좌", "팽", "승",
    ]

    /// Two-syllable surnames (복성); a name starting with one has three to five syllables.
    public static let double: [String] = ["남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"]

    /// Is `surname` one of the accepted surnames?
    public static func contains(_ surname: String) -> Bool {
        self.single.contains(surname) || self.double.contains(surname)
    }

    static let singleSet = SyllableSet(Surnames.single.joined())

    static let doubleKeys = KeySet(Surnames.double.map { word in
        let syllables = NameAddressText.syllables(word)
        return UInt64(syllables[0] << 16 | syllables[1])
    })

    @inline(__always) static func isSingle(_ syllable: Int) -> Bool { self.singleSet.contains(syllable) }

    @inline(__always) static func isDouble(_ first: Int, _ second: Int) -> Bool {
        first >= 0 && second >= 0 && self.doubleKeys.contains(UInt64(first << 16 | second))
    }
}
