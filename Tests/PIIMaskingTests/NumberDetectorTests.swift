import Testing

@testable import PIIMasking

/// The values a detector found in `text`, as strings, after checking each detection is well-formed (in range, on
/// UTF-8 character boundaries, of the detector's kind).
private func found(_ detector: some Detector, _ text: String, hint: PIIKind? = nil) -> [String] {
    let bytes = Array(text.utf8)
    return detector.detect(in: text, hint: hint).map { detection in
        #expect(detection.start >= 0 && detection.start < detection.end && detection.end <= bytes.count, "\(text)")
        #expect(detector.kinds.contains(detection.kind))
        #expect(detection.detector == detector.name)
        let isBoundary = { (index: Int) in index == bytes.count || bytes[index] & 0xC0 != 0x80 }
        #expect(isBoundary(detection.start) && isBoundary(detection.end), "\(text): not on a character boundary")
        return String(decoding: bytes[detection.start..<detection.end], as: UTF8.self)
    }
}

/// All the detectors of this file, in the order a profile would list them.
private let numberDetectors: [any Detector] = [
    PhoneDetector(), EmailDetector(), ResidentNumberDetector(), CardNumberDetector(), BankAccountDetector(),
    IPAddressDetector(), BirthDateDetector(),
]

/// Every detection of every number detector in `text`.
private func everything(_ text: String, hint: PIIKind? = nil) -> [String] {
    numberDetectors.flatMap { found($0, text, hint: hint) }
}

/// MASKING.md "What must stay untouched", plus the other digit-heavy things an admin screen is full of.
private let decoys: [String] = [
    "2022052520140906", "주문번호 2022052520140906", "99001_001", "옵션코드 99001_001", "6012-3456-7890",
    "송장번호 6012-3456-7890", "2022.05.25 16:37:31", "2022-05-25 16:37:31", "2022-05-25T16:37:31+09:00", "21,000원",
    "1,234,500원", "1588-1234", "1644-1234", "1800-1234", "080-123-4567", "(06236) 서울특별시 강남구 테헤란로 152",
    "135-080", "이번 정말 김치찌개 박스 조회 최근 장바구니 한정판 신상품 구매자 안녕하세요 정확한 고객님", "수량 2개, 합계 42,000원",
    "v1.2.3.4.5", "1.2.3.4.5", "버전 10.0.19045.2965", "12:30:45", "2022.05.25", "20220525", "상품번호 1234567890",
    "쿠폰 2022052520140907", "재고 0개", "0.5kg", "배송비 3,000원 (제주 5,000원)",
]

@Suite("Phone numbers")
struct PhoneDetectorTests {
    let detector = PhoneDetector()

    @Test(arguments: [
        // mobile, every separator
        "010-1234-5678", "010.1234.5678", "010 1234 5678", "01012345678", "010-123-4567", "011-234-5678",
        "016-234-5678", "017-1234-5678", "018-123-4567", "019-1234-5678", "010-12345678", "0101234-5678",
        // landlines: Seoul and every area code
        "02-123-4567", "02-1234-5678", "0212345678", "021234567", "02.123.4567", "02 1234 5678",
        "031-123-4567", "032-1234-5678", "033-123-4567", "041-123-4567", "042-123-4567", "043-123-4567",
        "044-123-4567", "051-123-4567", "052-123-4567", "053-123-4567", "054-123-4567", "055-1234-5678",
        "061-123-4567", "062-123-4567", "063-123-4567", "064-123-4567", "0311234567",
        // VoIP and personal numbers
        "070-1234-5678", "07012345678", "0505-123-4567", "0505-1234-5678", "050412345678", "0502.123.4567",
        // parentheses
        "(02) 123-4567", "(02)123-4567", "(031) 123-4567", "(010)1234-5678", "(070) 1234 5678",
        // +82
        "+82 10 1234 5678", "+82-10-1234-5678", "+821012345678", "+82 2 123 4567", "+82-2-1234-5678", "+8221234567",
        "+82 (0)10 1234 5678", "+82 010-1234-5678", "+82.10.1234.5678", "+82 31 123 4567",
    ])
    func findsEveryFormat(_ phone: String) {
        #expect(found(self.detector, phone) == [phone])
        #expect(found(self.detector, "연락처: \(phone)입니다") == [phone])
    }

    @Test(arguments: [
        ("홍길동(010-1234-5678)", ["010-1234-5678"]),
        ("홍길동 010-1234-5678 / 02-987-6543", ["010-1234-5678", "02-987-6543"]),
        ("010-1234-5678,010-9876-5432", ["010-1234-5678", "010-9876-5432"]),
        ("안녕하세요 주문한 상품 언제 오나요? 제 번호는 01098765432 입니다", ["01098765432"]),
        ("연락처 010-4821-7730로 연락 부탁드려요", ["010-4821-7730"]),
        ("Tel.02-123-4567", ["02-123-4567"]),
        ("TEL:+82-2-123-4567", ["+82-2-123-4567"]),
        ("팩스 02)123-4567 / 031) 123-4567", ["02)123-4567", "031) 123-4567"]),
        ("전화 010 1234 5678 2개 주문", ["010 1234 5678"]),
        ("수취인연락처\t010-2287-6015\t주소", ["010-2287-6015"]),
        ("{\"receiverPhone\":\"010-9152-3364\"}", ["010-9152-3364"]),
        ("<td>010-1234-5678</td>", ["010-1234-5678"]),
        ("끝에 마침표 010-1234-5678.", ["010-1234-5678"]),
    ])
    func findsPhonesInText(_ text: String, _ expected: [String]) {
        #expect(found(self.detector, text) == expected)
    }

    @Test(arguments: [
        "6012-3456-7890", "2022052520140906", "99001_001", "2022.05.25 16:37:31", "21,000원", "1588-1234",
        "1644-1234", "1800-1234", "15881234", "080-123-4567", "0801234567", "06236", "060-123-4567", "030-123-4567",
        "012-345-6789", "013-1234-5678", "056-123-4567", "065-123-4567", "071-123-4567", "0501", "010-1234-567",
        "010-12-5678", "010-12345-6789", "010-1234-56789", "0101234567890", "A01012345678", "01012345678a",
        "ID0212345678", "2022-010-1234-5678", "010-1234-5678-9", "010.1234.5678.9", "1010-1234-5678",
        "20220525010123456789", "0.01012345678", "x+821012345678", "+82 10 1234", "+1 415 555 0123", "(02) 12-4567",
        "(0505) 12-34", "010--1234-5678", "010 - 1234 - 5678", "05)123-4567", "1)010", "080)123-4567",
    ])
    func ignoresWhatIsNotAPersonalPhone(_ text: String) {
        #expect(found(self.detector, text).isEmpty, "\(text)")
    }

    @Test func leavesBankAccountFieldsToTheAccountDetector() {
        #expect(found(self.detector, "010-1234-5678", hint: .bankAccount).isEmpty)
        #expect(found(self.detector, "010-1234-5678", hint: .phone) == ["010-1234-5678"])
    }

    @Test func reportsUTF8ByteOffsets() {
        let text = "연락처 010-1234-5678입니다"
        let detections = self.detector.detect(in: text)
        #expect(detections == [Detection(start: "연락처 ".utf8.count, end: "연락처 010-1234-5678".utf8.count, kind: .phone,
                                         detector: "phone")])
    }
}

@Suite("Resident registration numbers")
struct ResidentNumberDetectorTests {
    let detector = ResidentNumberDetector()

    @Test(arguments: [
        "900101-1234567", "9001011234567", "900101-2234567", "000229-3123456", "010203-4123456",
        "850505-5123456", "991231-6123456", "050505-7123456", "100101-8123456",
        // numbers issued since 2020-10 have no checksum: any last digit
        "201015-3000000", "201015-3000001",
    ])
    func findsCitizensAndForeigners(_ number: String) {
        #expect(found(self.detector, number) == [number])
        #expect(found(self.detector, "주민번호 \(number)입니다") == [number])
        #expect(found(self.detector, "(\(number))") == [number])
    }

    @Test(arguments: [
        "901301-1234567", "900001-1234567", "900230-1234567", "900431-1234567", "900100-1234567",
        "900101-9234567", "900101-0234567", "90010112345678", "900101-12345678", "900101-123456",
        "1900101-1234567", "A900101-1234567", "900101-1234567B", "2022052520140906", "9001019234567",
        "12-900101-1234567", "900101-1234567-1", "900101 1234567",
    ])
    func ignoresWhatIsNotOne(_ text: String) {
        #expect(found(self.detector, text).isEmpty, "\(text)")
    }

    @Test func insideALongerDigitRunIsNotOne() {
        #expect(found(self.detector, "주문 19001011234567").isEmpty)
        #expect(found(self.detector, "주문 90010112345670").isEmpty)
    }
}

@Suite("Card numbers")
struct CardNumberDetectorTests {
    let detector = CardNumberDetector()

    @Test(arguments: [
        "4111-1111-1111-1111", "4111 1111 1111 1111", "4111111111111111", "5555 5555 5555 4444",
        "5555-5555-5555-4444", "3782-822463-10005", "378282246310005", "3056 930902 5904", "30569309025904",
        "9410-1234-5678-9010", "6212 3456 7890 1234 569", "6212345678901234569", "4123456789012349",
        "6012345678901234", "4123456789011",
    ])
    func findsLuhnValidCards(_ card: String) {
        #expect(found(self.detector, card) == [card])
        #expect(found(self.detector, "카드 \(card)로 결제") == [card])
    }

    @Test(arguments: [
        "4123-4567-8901-2345",  // MASKING.md's example is not Luhn-valid: masked only in a card field
        "4111-1111-1111-1112", "1111-1111-1111-1117", "0000 0000 0000 0000", "7111111111111111", "8111111111111111",
        "2022052520140907",  // an order number that happens to pass Luhn
        "2022052520140906", "4001011234568",  // 13 digits that read as a resident number (400101-1234568)
        "4111-1111 1111-1111", "4111-1111-1111-1111-1", "41111111111111112222", "4111-1111-1111", "411111111111",
        "A4111111111111111", "4111111111111111B", "1-4111-1111-1111-1111", "4111.1111.1111.1111",
    ])
    func ignoresWhatIsNotOne(_ text: String) {
        #expect(found(self.detector, text).isEmpty, "\(text)")
    }

    @Test func aCardFieldNeedsNoLuhn() {
        #expect(found(self.detector, "4123-4567-8901-2345", hint: .cardNumber) == ["4123-4567-8901-2345"])
        #expect(found(self.detector, "1234 5678 9012 3456", hint: .cardNumber) == ["1234 5678 9012 3456"])
        #expect(found(self.detector, "1234-5678-9012", hint: .cardNumber).isEmpty)
    }

    @Test func aBankAccountFieldIsAnAccount() {
        #expect(found(self.detector, "4111-1111-1111-1111", hint: .bankAccount).isEmpty)
    }

    @Test func spaceSeparatedCardFollowedByMoreText() {
        #expect(found(self.detector, "4111 1111 1111 1111 3개월 할부") == ["4111 1111 1111 1111"])
    }
}

@Suite("Bank accounts")
struct BankAccountDetectorTests {
    let detector = BankAccountDetector()

    @Test(arguments: [
        "110-123-456789", "3333-01-1234567", "123401-04-567890", "1002123456789", "123-456789-01-234",
        "1234567890", "1234567890123456", "010-1234-5678", "4111-1111-1111-1111",
    ])
    func aLabelledFieldTakesAnyAccountShape(_ account: String) {
        #expect(found(self.detector, account, hint: .bankAccount) == [account])
        #expect(found(self.detector, "국민 \(account) (예금주 홍길동)", hint: .bankAccount) == [account])
    }

    @Test(arguments: ["123-456", "123456789", "12345678901234567", "110-123-456789-1234567", "2022.05.25"])
    func aLabelledFieldStillNeedsTenToSixteenDigits(_ text: String) {
        #expect(found(self.detector, text, hint: .bankAccount).isEmpty, "\(text)")
    }

    @Test(arguments: [
        ("환불계좌: 국민은행 123456-01-234567", "123456-01-234567"),
        ("신한 110-123-456789 홍길동", "110-123-456789"),
        ("카카오뱅크 3333-01-1234567로 보내주세요", "3333-01-1234567"),
        ("입금 확인 부탁드립니다 1002-123-456789", "1002-123-456789"),
        ("계좌번호:1002923456789", "1002923456789"),
        ("우체국 012345-01-234567", "012345-01-234567"),
        ("SC제일은행 123-45-678901", "123-45-678901"),
        ("(주)온새미로 국민 123401-04-567890", "123401-04-567890"),
        ("토스뱅크 1000-1234-5678", "1000-1234-5678"),
        ("우리 1002-123-456789", "1002-123-456789"),
        ("하나: 123-456789-01234", "123-456789-01234"),
        ("부산은행 홍길동 101-2001-2345-67", "101-2001-2345-67"),
        ("새마을금고 9002-1234-5678-9", "9002-1234-5678-9"),
    ])
    func freeTextNeedsAWordAboutAccountsNearby(_ text: String, _ account: String) {
        #expect(found(self.detector, text) == [account])
    }

    @Test(arguments: [
        "110-123-456789", "주문번호 110-123-456789", "1002123456789",
        "계좌 정보는 고객센터에 문의해 주시기 바랍니다 감사합니다 110-123-456789",  // the word is too far before
        "입금 확인 2022052520140906", "입금 확인 2022052520140907",  // order numbers
        "국민은행 고객센터 010-1234-5678", "은행 900101-1234567", "은행 4111-1111-1111-1111",  // other kinds
        "계좌번호:1002123456789",  // reads as resident number 100212-3456789: ResidentNumberDetector reports it
        "입금 21,000원", "입금일 2022-05-25 16:37:31", "계좌 123-456", "계좌 A110-123-456789",
        // everyday words and places that are also bank names count only right before the number
        "우리 가게 상품코드 1234567890123", "하나 더 주문할게요 1234567890", "우체국택배 6865012345678",
        "제주 서귀포시 1234567890", "기업 고객 전용 1234-567-890123",
    ])
    func freeTextWithoutContextOrOfAnotherKind(_ text: String) {
        #expect(found(self.detector, text).isEmpty, "\(text)")
    }
}

@Suite("IP addresses")
struct IPAddressDetectorTests {
    let detector = IPAddressDetector()

    @Test(arguments: [
        ("123.123.45.123", ["123.123.45.123"]),
        ("접속IP:192.168.0.1에서 로그인", ["192.168.0.1"]),
        ("IP 10.0.0.1:8080", ["10.0.0.1"]),
        ("0.0.0.0 255.255.255.255", ["0.0.0.0", "255.255.255.255"]),
        ("마지막 접속 211.234.56.78.", ["211.234.56.78"]),
        ("2001:db8:85a3::8a2e:370:7334", ["2001:db8:85a3::8a2e:370:7334"]),
        ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", ["2001:0db8:85a3:0000:0000:8a2e:0370:7334"]),
        ("::1", ["::1"]),
        ("fe80::1%eth0", ["fe80::1"]),
        ("[2001:db8::1]:443", ["2001:db8::1"]),
        ("::ffff:192.0.2.1", ["::ffff:192.0.2.1"]),
        ("64:ff9b::192.0.2.33 접속", ["64:ff9b::192.0.2.33"]),
        ("FE80::ABCD:1234", ["FE80::ABCD:1234"]),
        ("IPv6 2001:db8::8a2e:370:7334입니다", ["2001:db8::8a2e:370:7334"]),
    ])
    func findsAddresses(_ text: String, _ expected: [String]) {
        #expect(found(self.detector, text) == expected)
    }

    @Test(arguments: [
        "1.2.3.4.5", "v1.2.3.4", "1.2.3.4a", "256.1.1.1", "1.2.3", "1.2.3.1000", "10.0.0.1.2", "버전 10.0.19045.2965",
        "12:30:45", "2022.05.25 16:37:31", "00:1A:2B:3C:4D:5E", "std::vector", "a::before", "cafe::beef",
        "2001:db8::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "2022-05-25T16:37:31+09:00",
        "{\"a\":1,\"b\":2}", "http://example.com:8080/", "1..2.3.4", "2001:db8:85a3::8a2e:370:****", "fe80::1: 실패",
    ])
    func ignoresWhatIsNotOne(_ text: String) {
        #expect(found(self.detector, text).isEmpty, "\(text)")
    }
}

@Suite("E-mail addresses")
struct EmailDetectorTests {
    let detector = EmailDetector()

    @Test(arguments: [
        ("minjun.kim@example.com", ["minjun.kim@example.com"]),
        ("홍길동<hong@x.com>", ["hong@x.com"]),
        ("메일: a.b@c.co.kr입니다", ["a.b@c.co.kr"]),
        ("mailto:hong.gd@naver.com", ["hong.gd@naver.com"]),
        ("seller-a@demo-shop.example", ["seller-a@demo-shop.example"]),
        ("a+tag@gmail.com, b_c@daum.net", ["a+tag@gmail.com", "b_c@daum.net"]),
        ("https://shop.example/find?email=hong@x.com&x=1", ["hong@x.com"]),
        ("문의 hong@x.com.", ["hong@x.com"]),
        ("\"buyerEmail\":\"jiwoo77@kakao.com\"", ["jiwoo77@kakao.com"]),
        ("user@example.xn--3e0b707e", ["user@example.xn--3e0b707e"]),
        ("...hong@x.com", ["hong@x.com"]),
        ("&lt;hong@x.com&gt;", ["hong@x.com"]),
        (String(repeating: "a", count: 64) + "@x.com", [String(repeating: "a", count: 64) + "@x.com"]),
    ])
    func findsAddresses(_ text: String, _ expected: [String]) {
        #expect(found(self.detector, text) == expected)
    }

    @Test(arguments: [
        "https://user:pass@host.com/", "ftp://user@host.com", "logo@2x.png", "icon@3x.webp", "@scope/pkg", "pkg@1.2.3",
        "a..b@x.com", "hong.@x.com", "hong@localhost", "hong@x.c", "hong@-x.com", "hong@x-.com", "hong@x..com",
        "@", "hong@", "@x.com", "hong@x.com_1", "hong@123.456", "mi********@example.com",
        String(repeating: "a", count: 65) + "@x.com",
    ])
    func ignoresWhatIsNotOne(_ text: String) {
        #expect(found(self.detector, text).isEmpty, "\(text)")
    }
}

@Suite("Birth dates")
struct BirthDateDetectorTests {
    let detector = BirthDateDetector()

    @Test(arguments: [
        "1990-07-14", "1990.07.14", "1990/07/14", "19900714", "1990년 7월 14일", "1990년7월14일", "1990 년 07 월 14 일",
        "1990. 7. 14", "2000-02-29", "1900-01-01", "1990-7-4",
    ])
    func aLabelledFieldTakesEveryDateFormat(_ date: String) {
        #expect(found(self.detector, date, hint: .birthDate) == [date])
    }

    @Test(arguments: [
        "1990-13-01", "1990-02-30", "1999-02-29", "1899-01-01", "900714", "90-07-14", "1990-07-14-1", "19900714123",
        "1990-07/14", "1990년 7월", "A1990-07-14",
    ])
    func aLabelledFieldStillNeedsADate(_ text: String) {
        #expect(found(self.detector, text, hint: .birthDate).isEmpty, "\(text)")
    }

    @Test(arguments: [
        ("생년월일: 1990-07-14", "1990-07-14"),
        ("생일 1990년 7월 14일", "1990년 7월 14일"),
        ("Birth date 1990.07.14", "1990.07.14"),
        ("birthday: 19900714", "19900714"),
        ("생년월일 1990. 7. 14.", "1990. 7. 14"),
    ])
    func freeTextNeedsTheWordRightBefore(_ text: String, _ date: String) {
        #expect(found(self.detector, text) == [date])
    }

    @Test(arguments: [
        "1990-07-14", "주문일 2022-05-25", "생년월일은 아래와 같으며 주문일은 2022-05-25", "2022.05.25 16:37:31",
    ])
    func freeTextWithoutTheWord(_ text: String) {
        #expect(found(self.detector, text).isEmpty, "\(text)")
    }
}

@Suite("Number detectors together")
struct NumberDetectorsTogetherTests {
    let masker = TextMasker(profile: MaskingProfile(), detectors: numberDetectors)

    @Test(arguments: decoys)
    func decoysStayUntouched(_ text: String) {
        #expect(everything(text).isEmpty, "\(text)")
        #expect(self.masker.mask(text) == text)
    }

    /// MASKING.md's table, through the whole masker.
    @Test(arguments: [
        ("010-1234-5678", nil, "010-****-5678"),
        ("01012345678", nil, "010****5678"),
        ("+82 10 1234 5678", nil, "+82 10 **** 5678"),
        ("02-123-4567", nil, "02-***-4567"),
        ("1588-1234", nil, "1588-1234"),
        ("minjun.kim@example.com", nil, "mi********@example.com"),
        ("900101-1234567", nil, "900101-1******"),
        ("4123-4567-8901-2345", "카드번호", "4123-45**-****-2345"),
        ("110-123-456789", "계좌번호", "***-***-**6789"),
        ("123.123.45.123", nil, "123.123.***.123"),
        ("1990-07-14", "생년월일", "1990-**-**"),
        // more spellings
        ("+821012345678", nil, "+8210****5678"),
        ("+82-10-1234-5678", nil, "+82-10-****-5678"),
        ("(02) 123-4567", nil, "(02) ***-4567"),
        ("02)123-4567", nil, "02)***-4567"),
        ("0505-123-4567", nil, "0505-***-4567"),
        ("070.1234.5678", nil, "070.****.5678"),
        ("9001011234567", nil, "9001011******"),
        ("4111 1111 1111 1111", nil, "4111 11** **** 1111"),
        ("19900714", "birthDate", "1990****"),
        ("1990년 7월 14일", "생년월일", "1990년 *월 **일"),
        ("2001:db8:85a3::8a2e:370:7334", nil, "2001:db8:85a3::8a2e:370:****"),
        ("010-1234-5678", "환불계좌", "***-****-5678"),
    ] as [(String, String?, String)])
    func masksAsTheReferenceSays(_ input: String, _ label: String?, _ expected: String) {
        #expect(self.masker.mask(input, label: label) == expected)
    }

    @Test func aChatMessageWithEverything() {
        let text = "홍길동 고객님(010-1234-5678, hong@x.com) 주민번호 900101-1234567, 접속 IP 123.123.45.123, "
            + "환불계좌 신한 110-123-456789, 생년월일 1990-07-14, 주문번호 2022052520140906 송장 6012-3456-7890 "
            + "결제 21,000원 문의 1588-1234"
        let expected = "홍길동 고객님(010-****-5678, ho**@x.com) 주민번호 900101-1******, 접속 IP 123.123.***.123, "
            + "환불계좌 신한 ***-***-**6789, 생년월일 1990-**-**, 주문번호 2022052520140906 송장 6012-3456-7890 "
            + "결제 21,000원 문의 1588-1234"
        #expect(self.masker.mask(text) == expected)
    }

    @Test func anOrderRowAsCSV() {
        let row = "2022052520140906,2022.05.25 16:37:31,김민준,010-9876-5432,minjun.kim@example.com,99001_001,21000,"
            + "6012-3456-7890"
        let expected = "2022052520140906,2022.05.25 16:37:31,김민준,010-****-5432,mi********@example.com,99001_001,21000,"
            + "6012-3456-7890"
        #expect(self.masker.mask(row) == expected)
    }

    @Test func noTwoDetectorsClaimTheSameValue() {
        for text in ["010-1234-5678", "900101-1234567", "9001011234567", "4111-1111-1111-1111", "4001011234568",
                     "계좌 110-123-456789", "은행 010-1234-5678", "계좌 4111111111111111", "123.123.45.123",
                     "생년월일 19900714", "hong@x.com", "::ffff:192.0.2.1"] {
            for hint in [nil, PIIKind.bankAccount, .cardNumber, .phone, .birthDate] {
                var all: [Detection] = []
                for detector in numberDetectors { all += detector.detect(in: text, hint: hint) }
                for (index, a) in all.enumerated() {
                    for b in all[(index + 1)...] {
                        #expect(a.end <= b.start || b.end <= a.start, "\(text) [\(String(describing: hint))]")
                    }
                }
            }
        }
    }

    /// Masked output is not found again: masking twice changes nothing.
    @Test(arguments: [
        "010-1234-5678", "+82 10 1234 5678", "01012345678", "(02) 123-4567", "minjun.kim@example.com", "900101-1234567",
        "4111 1111 1111 1111", "123.123.45.123", "2001:db8:85a3::8a2e:370:7334", "::ffff:192.0.2.1",
        "환불계좌 신한 110-123-456789", "생년월일 1990-07-14",
    ])
    func maskingIsIdempotent(_ text: String) {
        let once = self.masker.mask(text)
        #expect(once != text)
        #expect(self.masker.mask(once) == once, "\(once)")
    }

    /// Random text made of the bytes the detectors care about: no crash (debug builds check every buffer access),
    /// every detection inside the text and on character boundaries, same answer twice.
    @Test func randomTextKeepsTheInvariants() {
        let pieces = [
            "0", "1", "2", "5", "8", "9", "010", "82", "02", "-", ".", " ", "+", "(", ")", ":", "::", "@", "_", "a",
            "f", "x", "Z", "com", "계좌", "은행", "국민", "생일", "birth", "년", "월", "일", "가", "\u{1F600}", "/",
            "%",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int(next() % 40) { text += pieces[Int(next() % UInt64(pieces.count))] }
            let hint = [nil, PIIKind.bankAccount, .cardNumber, .birthDate, .phone][Int(next() % 5)]
            for detector in numberDetectors {
                let first = found(detector, text, hint: hint)
                #expect(first == found(detector, text, hint: hint))
            }
        }
    }

    /// The joint walk (`NumberDetectors`, with its shortcuts on the run's shape and the unit's traits) reports exactly
    /// what the six detectors report one by one, for every hint.
    @Test(arguments: 0..<4)
    func jointWalkMatchesTheDetectorsOneByOne(seed: Int) {
        let pieces = [
            "0", "1", "19", "20", "2", "5", "9", "010", "82", "02", "1234", "123456", "1990", "07", "14", "-", ".", " ",
            "+", "(", ")", ":", "::", "@", "a", "f", "BIRTH", "Birth", "com", "계좌", "은행", "국민", "하나", "생일",
            "생년월일", "birth", "년", "월", "일", "가", "/", ",", "110-123-456789", "4111 1111 1111 1111",
            "900101-1234567", "010-1234-5678", "19900714", "1990-07-14", "123.123.45.123", "fe80::1",
        ]
        let joint = NumberDetectors(members: NumberDetectors.Member.allCases.reduce(0) { $0 | $1.rawValue })
        let members: [any Detector] = [PhoneDetector(), ResidentNumberDetector(), CardNumberDetector(),
                                       BankAccountDetector(), IPAddressDetector(), BirthDateDetector()]
        func key(_ detection: Detection) -> String { "\(detection.start)-\(detection.end)-\(detection.kind)-\(detection.detector)" }
        var random = SplitMix(seed: UInt64(0xA5A5_0000 + seed))
        func next() -> UInt64 { random.next() }
        var found = 0
        var stops = 0
        for _ in 0..<3_000 {
            var text = ""
            for _ in 0..<Int(next() % 12) { text += pieces[Int(next() % UInt64(pieces.count))] }
            for hint in [nil] + PIIKind.allCases.map(Optional.some) {
                var copy = text
                copy.withUTF8 { bytes in
                    let traits = TextTraits.of(bytes)
                    var together: [Detection] = []
                    joint.detect(bytes, traits: traits, hint: hint, into: &together)
                    var alone: [Detection] = []
                    for detector in members where detector.mayDetect(in: traits, hint: hint) {
                        detector.detect(bytes, hint: hint, into: &alone)
                    }
                    found += alone.count
                    #expect(together.map(key).sorted() == alone.map(key).sorted(), "\(text) [\(String(describing: hint))]")
                    // Stopping at the label's whole value: the same walk up to that value, which it then holds.
                    var stopped: [Detection] = []
                    joint.detect(bytes, traits: traits, hint: hint, stopAtWhole: true, into: &stopped)
                    let isWhole = { (d: Detection) in d.start == 0 && d.end == bytes.count && d.kind == hint }
                    if together.contains(where: isWhole) {
                        #expect(stopped.contains(where: isWhole) && Set(stopped.map(key)).isSubset(of: together.map(key)))
                        stops += 1
                    } else {
                        #expect(stopped.map(key) == together.map(key), "\(text) [\(String(describing: hint))]")
                    }
                }
            }
        }
        #expect(found > 1_000)
        #expect(stops > 0)
    }

    @Test func emptyAndTinyInputs() {
        for text in ["", "0", "@", ":", "::", ".", "+", "(", "+82", "0-", "a@b"] {
            #expect(everything(text).isEmpty, "\(text)")
            #expect(everything(text, hint: .bankAccount).isEmpty)
            #expect(everything(text, hint: .birthDate).isEmpty)
        }
    }

    /// The 8-bytes-at-a-time digit search finds the same digits as a byte loop, at every alignment.
    @Test func firstDigitMatchesAPlainLoop() {
        let samples = ["가나다라마바사아자차카타파하", "abcdefghij/:@[`{", "한글 텍스트 뒤에 7", "////////0", "9", "", "\u{7F}\u{80}\u{FF}5"]
        for sample in samples {
            for prefix in 0..<9 {
                let bytes = Array(String(repeating: "x", count: prefix).utf8) + Array(sample.utf8)
                bytes.withUnsafeBufferPointer { buffer in
                    for start in 0...buffer.count {
                        let expected = (start..<buffer.count).first { Bytes.isDigit(buffer[$0]) } ?? buffer.count
                        #expect(Bytes.firstDigit(in: buffer, from: start) == expected)
                    }
                }
            }
        }
        // Every byte value, alone in a word of letters.
        for value in 0...255 {
            let bytes = [UInt8](repeating: 0x61, count: 5) + [UInt8(value)] + [UInt8](repeating: 0x61, count: 10)
            bytes.withUnsafeBufferPointer { buffer in
                #expect(Bytes.firstDigit(in: buffer, from: 0) == (Bytes.isDigit(UInt8(value)) ? 5 : buffer.count))
            }
        }
    }
}

/// The separator sets are spelled as constants (no `swift_once` per candidate): they must stay what they say.
@Suite("Digit-group separators")
struct DigitGroupSeparatorTests {
    @Test func constantsMatchTheirBytes() {
        #expect(PhoneDetector.separators == DigitGroups.mask(Bytes.hyphen, Bytes.dot, Bytes.space))
        #expect(CardNumberDetector.separators == DigitGroups.mask(Bytes.space, Bytes.hyphen))
        #expect(BankAccountDetector.separators == DigitGroups.mask(Bytes.hyphen))
    }

    @Test func totalDigitsCountsEveryGroup() {
        for sample in ["010-1234-5678", "110-123-456789", "4123 4567 8901 2345", "12", "1-2-3-4-5-6-7-8-9-10", "2026.04.04"] {
            var copy = sample
            copy.withUTF8 { text in
                let groups = DigitGroups(text, from: 0, separators: PhoneDetector.separators)
                #expect(groups.totalDigits == groups.digitCount(groups.count))
            }
        }
    }
}
