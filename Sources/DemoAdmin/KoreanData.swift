/// Word lists the synthetic data is drawn from.
///
/// Kept in one place so that the shape of the demo data (which surnames, which districts,
/// which products) is easy to review and to extend without touching the generators.
enum KoreanData {
    /// Surnames with rough population weights (per mille), including two-syllable surnames.
    static let surnames: [(String, Int)] = [
        ("김", 215), ("이", 147), ("박", 84), ("최", 47), ("정", 44), ("강", 23), ("조", 21), ("윤", 21),
        ("장", 20), ("임", 17), ("한", 15), ("오", 15), ("서", 15), ("신", 14), ("권", 14), ("황", 13),
        ("안", 13), ("송", 13), ("류", 12), ("전", 11), ("홍", 11), ("고", 9), ("문", 9), ("양", 9),
        ("손", 9), ("배", 8), ("백", 8), ("허", 6), ("유", 6), ("남", 5), ("심", 5), ("노", 4),
        ("하", 4), ("곽", 4), ("성", 4), ("차", 4), ("주", 4), ("우", 4), ("구", 4), ("민", 3),
        ("진", 3), ("나", 3), ("지", 3), ("엄", 3), ("채", 3), ("원", 3), ("천", 2), ("방", 2),
        ("공", 2), ("현", 2), ("함", 2), ("변", 2), ("염", 2), ("여", 2), ("추", 1), ("도", 1),
        ("소", 1), ("석", 1), ("선", 1), ("설", 1), ("마", 1), ("길", 1), ("연", 1), ("위", 1),
        ("표", 1), ("명", 1), ("기", 1), ("반", 1), ("왕", 1), ("금", 1), ("옥", 1), ("육", 1),
        ("인", 1), ("맹", 1), ("제", 1), ("모", 1), ("탁", 1), ("국", 1), ("어", 1), ("은", 1),
        ("남궁", 2), ("황보", 2), ("제갈", 1), ("선우", 1), ("독고", 1), ("사공", 1), ("서문", 1), ("동방", 1),
    ]

    /// Common two-syllable given names (both sexes, several generations).
    static let givenNames: [String] = [
        "민준", "서준", "도윤", "예준", "시우", "하준", "주원", "지호", "지후", "준우",
        "준서", "건우", "도현", "현우", "지훈", "우진", "선우", "서진", "민재", "현준",
        "연우", "유준", "정우", "승우", "승현", "시윤", "준혁", "은우", "지환", "승민",
        "서연", "서윤", "지우", "서현", "민서", "하은", "하윤", "윤서", "지유", "지민",
        "채원", "지윤", "은서", "수아", "다은", "예은", "지아", "수빈", "소율", "예린",
        "영수", "영호", "영철", "정호", "성호", "상철", "성민", "동현", "재훈", "경수",
        "미경", "미영", "은정", "수진", "지영", "현주", "혜진", "은영", "정희", "순자",
        "민호", "태윤", "하람", "가은", "나연", "소연", "유진", "재원", "태희", "혜원",
    ]

    /// A few three-syllable given names (mostly native Korean names).
    static let longGivenNames: [String] = [
        "한가람", "아름솔", "빛나래", "은하수", "하늘빛", "새로미", "다솜이", "슬기로",
    ]

    /// One district: 시/도, 시/군/구 (may be empty, e.g. 세종), roads, lot-address 동 names, postal-code prefix.
    struct District: Sendable {
        let province: String
        let city: String
        let roads: [String]
        let dongs: [String]
        let zipPrefix: String
    }

    static let districts: [District] = [
        .init(province: "서울특별시", city: "강남구", roads: ["테헤란로", "봉은사로", "논현로", "도산대로", "선릉로", "언주로"], dongs: ["역삼동", "삼성동", "대치동", "논현동"], zipPrefix: "06"),
        .init(province: "서울특별시", city: "마포구", roads: ["월드컵로", "양화로", "독막로", "성미산로", "와우산로"], dongs: ["합정동", "서교동", "망원동", "연남동"], zipPrefix: "04"),
        .init(province: "서울특별시", city: "송파구", roads: ["올림픽로", "송파대로", "백제고분로", "석촌호수로"], dongs: ["잠실동", "가락동", "문정동", "방이동"], zipPrefix: "05"),
        .init(province: "서울특별시", city: "노원구", roads: ["동일로", "노원로", "한글비석로", "상계로"], dongs: ["상계동", "중계동", "하계동"], zipPrefix: "01"),
        .init(province: "서울특별시", city: "관악구", roads: ["관악로", "남부순환로", "신림로", "봉천로"], dongs: ["봉천동", "신림동"], zipPrefix: "08"),
        .init(province: "서울특별시", city: "은평구", roads: ["통일로", "연서로", "진관2로"], dongs: ["불광동", "응암동", "진관동"], zipPrefix: "03"),
        .init(province: "부산광역시", city: "해운대구", roads: ["해운대로", "센텀중앙로", "달맞이길", "좌동순환로"], dongs: ["우동", "중동", "좌동", "재송동"], zipPrefix: "48"),
        .init(province: "부산광역시", city: "부산진구", roads: ["중앙대로", "가야대로", "서면로", "전포대로"], dongs: ["부전동", "전포동", "범천동"], zipPrefix: "47"),
        .init(province: "대구광역시", city: "수성구", roads: ["달구벌대로", "동대구로", "범어로", "들안로"], dongs: ["범어동", "만촌동", "황금동"], zipPrefix: "42"),
        .init(province: "인천광역시", city: "연수구", roads: ["컨벤시아대로", "송도과학로", "해돋이로", "먼우금로"], dongs: ["송도동", "연수동", "청학동"], zipPrefix: "21"),
        .init(province: "광주광역시", city: "서구", roads: ["상무중앙로", "치평로", "화운로"], dongs: ["치평동", "화정동", "쌍촌동"], zipPrefix: "61"),
        .init(province: "대전광역시", city: "유성구", roads: ["대학로", "유성대로", "엑스포로", "노은로"], dongs: ["봉명동", "궁동", "지족동"], zipPrefix: "34"),
        .init(province: "울산광역시", city: "남구", roads: ["삼산로", "번영로", "돋질로"], dongs: ["삼산동", "달동", "신정동"], zipPrefix: "44"),
        .init(province: "세종특별자치시", city: "", roads: ["한누리대로", "갈매로", "도움3로", "보듬7로"], dongs: ["나성동", "어진동", "도담동"], zipPrefix: "30"),
        .init(province: "경기도", city: "성남시 분당구", roads: ["판교역로", "불정로", "정자일로", "황새울로"], dongs: ["정자동", "서현동", "수내동", "백현동"], zipPrefix: "13"),
        .init(province: "경기도", city: "수원시 영통구", roads: ["광교중앙로", "영통로", "봉영로", "매영로"], dongs: ["영통동", "이의동", "원천동"], zipPrefix: "16"),
        .init(province: "경기도", city: "고양시 일산동구", roads: ["중앙로", "정발산로", "장백로"], dongs: ["장항동", "마두동", "백석동"], zipPrefix: "10"),
        .init(province: "경기도", city: "용인시 수지구", roads: ["포은대로", "수지로", "풍덕천로"], dongs: ["풍덕천동", "죽전동", "상현동"], zipPrefix: "16"),
        .init(province: "경기도", city: "화성시", roads: ["동탄대로", "동탄순환대로", "병점중앙로"], dongs: ["반송동", "청계동", "병점동"], zipPrefix: "18"),
        .init(province: "강원특별자치도", city: "춘천시", roads: ["중앙로", "석사로", "후석로"], dongs: ["석사동", "퇴계동", "효자동"], zipPrefix: "24"),
        .init(province: "충청북도", city: "청주시 흥덕구", roads: ["가경로", "직지대로", "복대로"], dongs: ["복대동", "가경동", "봉명동"], zipPrefix: "28"),
        .init(province: "충청남도", city: "천안시 서북구", roads: ["불당대로", "번영로", "쌍용대로"], dongs: ["불당동", "쌍용동", "두정동"], zipPrefix: "31"),
        .init(province: "전북특별자치도", city: "전주시 완산구", roads: ["효자로", "홍산로", "서원로"], dongs: ["효자동", "서신동", "중화산동"], zipPrefix: "54"),
        .init(province: "전라남도", city: "여수시", roads: ["좌수영로", "여문문화로", "시청로"], dongs: ["학동", "문수동", "여서동"], zipPrefix: "59"),
        .init(province: "경상북도", city: "포항시 남구", roads: ["포스코대로", "대잠로", "중앙로"], dongs: ["대잠동", "이동", "효자동"], zipPrefix: "37"),
        .init(province: "경상남도", city: "창원시 성산구", roads: ["중앙대로", "원이대로", "용지로"], dongs: ["상남동", "중앙동", "용호동"], zipPrefix: "51"),
        .init(province: "제주특별자치도", city: "제주시", roads: ["노형로", "연북로", "첨단로", "도령로"], dongs: ["노형동", "연동", "이도이동"], zipPrefix: "63"),
    ]

    static let buildingNames: [String] = [
        "래미안아파트", "푸르지오", "e편한세상", "자이아파트", "힐스테이트", "롯데캐슬", "현대아파트", "주공아파트",
    ]

    /// A product: name, options to pick one from, and unit price in 원.
    struct Product: Sendable {
        let name: String
        let options: [String]
        let price: Int
    }

    static let products: [Product] = [
        .init(name: "[무료배송] 국내산 햇사과 5kg 가정용", options: ["중과(20~24과)", "대과(16~19과)", "소과(25~30과)"], price: 32_900),
        .init(name: "남성 기모 오버핏 맨투맨 티셔츠", options: ["색상: 네이비 / 사이즈: L", "색상: 멜란지그레이 / 사이즈: XL", "색상: 블랙 / 사이즈: M"], price: 29_800),
        .init(name: "여성 루즈핏 니트 가디건", options: ["색상: 아이보리 / FREE", "색상: 소라 / FREE", "색상: 베이지 / FREE"], price: 39_000),
        .init(name: "유기농 제주 감귤 3kg 산지직송", options: ["로얄과(S~M)", "꼬마귤(2S)"], price: 19_900),
        .init(name: "스테인리스 304 밀폐용기 10종 세트", options: ["기본형", "사각형 + 원형 혼합"], price: 45_000),
        .init(name: "무선 블루투스 이어폰 노이즈캔슬링", options: ["색상: 화이트", "색상: 블랙"], price: 59_000),
        .init(name: "[1+1] 고농축 섬유유연제 2.5L", options: ["향: 코튼블루", "향: 라벤더", "향: 베이비파우더"], price: 16_900),
        .init(name: "한우 1++ 등심 구이용 500g", options: ["냉장 / 선물포장", "냉장 / 일반포장"], price: 89_000),
        .init(name: "아기 순면 손수건 10매 세트", options: ["패턴: 곰돌이", "패턴: 별무늬", "무지"], price: 12_800),
        .init(name: "캠핑 접이식 경량 의자", options: ["색상: 카키", "색상: 베이지", "색상: 차콜"], price: 34_500),
        .init(name: "프리미엄 구운 김 전장 20봉", options: ["재래김", "파래김", "돌김"], price: 15_900),
        .init(name: "LED 무드등 수면등 USB 충전식", options: ["웜화이트", "RGB 멀티컬러"], price: 18_500),
        .init(name: "데일리 러닝화 쿠션 운동화", options: ["사이즈: 250", "사이즈: 265", "사이즈: 280", "사이즈: 235"], price: 69_000),
        .init(name: "대용량 보조배터리 20000mAh 고속충전", options: ["색상: 그레이", "색상: 화이트"], price: 27_900),
        .init(name: "국산 참기름 350ml 저온압착", options: ["1병", "2병 세트"], price: 21_000),
        .init(name: "호텔식 구스다운 이불 퀸사이즈", options: ["사계절용", "겨울용 헤비"], price: 129_000),
        .init(name: "반려견 저알러지 사료 6kg", options: ["연어 & 감자", "오리 & 고구마"], price: 54_000),
        .init(name: "논슬립 욕실화 2켤레", options: ["색상: 그레이 / 260", "색상: 핑크 / 240"], price: 9_900),
    ]

    static let cancelReasons = ["단순 변심", "배송 지연", "상품 정보 상이", "옵션 변경 후 재주문", "중복 주문", "결제 수단 변경"]
    static let returnReasons = ["사이즈 불만족", "상품 불량", "오배송", "단순 변심", "배송 중 파손", "색상이 사진과 다름"]
    static let pickupStates = ["수거요청", "수거중", "수거완료", "반품완료"]
    static let couriers = ["CJ대한통운", "한진택배", "롯데택배", "우체국택배", "로젠택배"]

    static let emailLocals = ["minjun", "seoyeon", "happyday", "blue.sky", "jiwoo88", "hana.kim", "doyun_p", "summer21", "star.lee", "moon0707"]
    static let emailDomains = ["naver.example", "daum.example", "gmail.example", "kakao.example"]

    /// Live chat texts. Placeholders: {phone}, {address}, {name}, {orderNo}, {email}.
    static let chatTemplates: [String] = [
        "안녕하세요 주문한 상품 언제 오나요? 제 번호는 {phone} 입니다",
        "배송지 변경 부탁드립니다. {address}로 보내주세요",
        "저는 {name}입니다. 주문번호 {orderNo} 취소 가능할까요?",
        "{name} 고객님 대신 문의드려요. 연락처 {phone}로 연락 부탁드려요",
        "사이즈 교환하고 싶어요. 회수는 {address}에서 해주세요",
        "입금자명이 {name}으로 되어 있어요 확인 부탁드립니다",
        "포장 상태가 좋지 않아요 ㅠㅠ 사진 보내드릴게요",
        "혹시 오늘 출고되나요? 급해서요!",
        "받는 분 {name}, 전화 {phone}, 주소 {address} 맞는지 확인해주세요",
        "세금계산서는 {email} 로 보내주세요",
        "주문번호 {orderNo} 배송조회가 안 돼요",
        "부재 시 경비실에 맡겨주세요. 문의는 {phone}",
    ]

    static let sellerReplies: [String] = [
        "안녕하세요 고객님, 온새미로 마켓입니다. 확인 후 안내드리겠습니다.",
        "주문 확인했습니다. 오늘 오후 출고 예정입니다.",
        "배송지 변경 처리해 드렸습니다.",
        "불편을 드려 죄송합니다. 교환 접수 도와드릴게요.",
    ]
}
