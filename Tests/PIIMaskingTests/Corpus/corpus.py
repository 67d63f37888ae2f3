"""A labelled corpus of synthetic Korean seller-admin documents, and its scorer.

usage:
  corpus.py generate SEED COUNT OUTDIR   writes OUTDIR/NNNN.<ext> and OUTDIR/labels.json
  corpus.py score OUTDIR MASKEDDIR       prints JSON: per-kind recall and decoy survival

Every document plants personal data of known kinds (names with context, phones in every format, addresses,
e-mails, resident/foreigner registration numbers, card numbers, bank accounts, IPs, birth dates) among decoys that
must survive byte-identical (order numbers, product codes, tracking numbers, dates, prices, business numbers,
postal codes, ordinary words that start with a surname syllable). The scorer reads the masked output (HTML and
JSON are decoded first, so an entity or escape cannot hide a value) and counts a planted value as caught when its
exact text no longer appears, and a decoy as kept when it still does.
"""
import html, json, os, random, sys

SURNAMES = "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 전 홍 유 고 문 양 손 배 백 허 남 심 노 하 곽 성 차 주 우 구 민 류 나 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 라 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉".split()
TWO_SYLLABLE = "남궁 황보 제갈 선우 독고 사공 서문 동방".split()
GIVEN = "민준 서연 하은 도윤 지우 서준 하준 지민 수아 예준 시우 지호 유진 채원 지훈 수빈 현우 은서 건우 다은 민서 준서 예린 서진 태윤 가은 승현 나연 재원 소율 동현 하린 성민 유나 정우 미숙 영희 철수 상훈 경자 순자 영수 은정 혜진 성호 지영 현정 민호 수정".split()
ROAD_STEMS = "테헤란 도산대 올림픽 강남대 세종대 충장 중앙 해운대 구월 광복 동성 문화 평화 한강 은행 시청 역삼 봉은사 언주 논현 반포 남부순환 경인 부평대 수성 달구벌 상무 둔산 계룡 월드컵 가야대 진주대 창원대 한밭대 신촌 연세 이태원 명동 청계천 을지".split()
PLACES = [
    ("서울특별시", ["강남구", "서초구", "송파구", "마포구", "용산구", "종로구", "중구", "성동구", "관악구", "노원구"]),
    ("부산광역시", ["해운대구", "수영구", "부산진구", "동래구", "사하구", "남구"]),
    ("대구광역시", ["수성구", "중구", "달서구", "북구"]),
    ("인천광역시", ["연수구", "남동구", "부평구", "서구"]),
    ("광주광역시", ["서구", "북구", "광산구"]),
    ("대전광역시", ["유성구", "서구", "중구"]),
    ("울산광역시", ["남구", "중구", "울주군"]),
    ("세종특별자치시", [""]),
    ("경기도", ["수원시 팔달구", "성남시 분당구", "고양시 일산동구", "용인시 수지구", "화성시", "파주시", "김포시"]),
    ("강원특별자치도", ["춘천시", "원주시", "강릉시"]),
    ("충청북도", ["청주시 상당구", "충주시"]),
    ("충청남도", ["천안시 동남구", "아산시"]),
    ("전북특별자치도", ["전주시 완산구", "군산시"]),
    ("전라남도", ["여수시", "순천시", "목포시"]),
    ("경상북도", ["포항시 남구", "경주시", "구미시"]),
    ("경상남도", ["창원시 성산구", "김해시", "진주시"]),
    ("제주특별자치도", ["제주시", "서귀포시"]),
]
SHORT = {"서울특별시": "서울", "부산광역시": "부산", "대구광역시": "대구", "인천광역시": "인천", "광주광역시": "광주",
         "대전광역시": "대전", "울산광역시": "울산", "경기도": "경기", "충청북도": "충북", "충청남도": "충남",
         "전라남도": "전남", "경상북도": "경북", "경상남도": "경남", "제주특별자치도": "제주"}
DONGS = "역삼동 우동 반포동 서교동 이태원동 잠실동 부평동 좌동 중동 신림동 상계동 정자동 봉명동".split()
BUILDINGS = ["", "", " 101동 1203호", " 3층", " 한빛빌딩 5층", " 래미안아파트 102동 804호", " (역삼동)", ", 2층 201호"]
ORDINARY = "이번 정말 김치찌개 박스 조회 최근 장바구니 한정판 신상품 구매자 안녕하세요 정확한 고객님 주문 배송 문의 확인 감사합니다 도착 전화 방문 최대 이상 안내 반품 교환 송장 조금 한번 오늘 내일 유통기한 정상 전달 문자 고민".split()
BANKS = "국민 신한 우리 하나 농협 기업 카카오뱅크 토스뱅크".split()
PRODUCTS = ["유기농 현미 10kg", "김치찌개 밀키트 2인분", "무선 이어폰 블랙", "한정판 머그컵 세트", "제주 감귤 5kg", "면 티셔츠 L"]

class Doc:
    def __init__(self, rng):
        self.rng, self.pii, self.decoys = rng, [], []
    def plant(self, kind, value):
        self.pii.append({"kind": kind, "value": value}); return value
    def decoy(self, value):
        self.decoys.append(value); return value

def name(d, context=True):
    rng = d.rng
    if rng.random() < 0.06:
        value = rng.choice(TWO_SYLLABLE) + rng.choice(GIVEN)
    else:
        value = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return d.plant("name", value)

def mobile(d):
    rng = d.rng
    prefix = rng.choice(["010"] * 8 + ["011", "016", "017", "019"])
    mid = str(rng.randint(1000, 9999)) if prefix == "010" else str(rng.randint(200, 9999))
    last = "%04d" % rng.randint(0, 9999)
    style = rng.randrange(6)
    value = [f"{prefix}-{mid}-{last}", f"{prefix}{mid}{last}", f"{prefix}.{mid}.{last}", f"{prefix} {mid} {last}",
             f"+82 {prefix[1:]} {mid} {last}", f"+82-{prefix[1:]}-{mid}-{last}"][style]
    return d.plant("phone", value)

def landline(d):
    rng = d.rng
    area = rng.choice(["02", "031", "032", "051", "053", "062", "064", "070"])
    mid = str(rng.randint(200, 9999)) if area != "070" else str(rng.randint(1000, 9999))
    return d.plant("phone", f"{area}-{mid}-{rng.randint(0, 9999):04d}")

def address(d):
    rng = d.rng
    sido, sigungus = rng.choice(PLACES)
    sigungu = rng.choice(sigungus)
    head = sido if rng.random() < 0.7 else SHORT.get(sido, sido)
    parts = [head] + ([sigungu] if sigungu else [])
    if rng.random() < 0.75:
        stem, suffix = rng.choice(ROAD_STEMS), rng.choice(["로", "길", "대로", "로"])
        road = stem + ("로" if stem.endswith("대") and suffix == "대로" else suffix)   # 한밭대 + 대로 → 한밭대로
        if rng.random() < 0.25: road += f"{rng.randint(1, 60)}길"
        number = str(rng.randint(1, 999)) + (f"-{rng.randint(1, 30)}" if rng.random() < 0.2 else "")
        value = " ".join(parts + [road, number]) + rng.choice(BUILDINGS)
    else:
        number = f"{rng.randint(1, 2000)}-{rng.randint(1, 40)}" if rng.random() < 0.6 else str(rng.randint(1, 2000))
        value = " ".join(parts + [rng.choice(DONGS), number]) + rng.choice(BUILDINGS[:4])
    return d.plant("address", value)

def email(d):
    rng = d.rng
    local = rng.choice(["minjun.kim", "seoyeon", "hana_lee", "jh.park81", "buyer2024", "sunny.day", "cs.team"]) + str(rng.randint(1, 999))
    return d.plant("email", local + "@" + rng.choice(["example.com", "mail.example.kr", "naver.example", "daum.example.net"]))

def rrn(d):
    rng = d.rng
    year, month, day = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
    g = rng.choice([1, 2, 1, 2, 3, 4, 5, 6])
    sep = rng.choice(["-", "-", ""])
    return d.plant("resident_number", f"{year:02d}{month:02d}{day:02d}{sep}{g}{rng.randint(0, 999999):06d}")

def luhn_complete(digits):
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c)
        if i % 2 == 0:
            n *= 2
            if n > 9: n -= 9
        total += n
    return digits + str((10 - total % 10) % 10)

def card(d):
    rng = d.rng
    body = rng.choice(["4", "5", "9"]) + "".join(str(rng.randint(0, 9)) for _ in range(14))
    digits = luhn_complete(body)
    sep = rng.choice(["-", " ", "-"])
    return d.plant("card_number", sep.join(digits[i:i + 4] for i in range(0, 16, 4)))

def account(d):
    rng = d.rng
    return d.plant("bank_account", rng.choice([f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(100000, 999999)}",
                                                f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100000, 999999)}",
                                                f"3333-{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"]))

def ip(d):
    rng = d.rng
    return d.plant("ip_address", f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")

def birth(d):
    rng = d.rng
    y, m, dd = rng.randint(1955, 2005), rng.randint(1, 12), rng.randint(1, 28)
    return d.plant("birth_date", rng.choice([f"{y}-{m:02d}-{dd:02d}", f"{y}.{m:02d}.{dd:02d}", f"{y}{m:02d}{dd:02d}"]))

def order_no(d):
    rng = d.rng
    return d.decoy(f"2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(10000000, 99999999)}")

def tracking(d):
    rng = d.rng
    return d.decoy(f"{rng.choice(['6012', '5511', '3848', '6891'])}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}")

def price(d):
    return d.decoy(f"{d.rng.randint(1, 300) * 100:,}원")

def when(d):
    rng = d.rng
    return d.decoy(f"2026.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}")

def product_code(d):
    rng = d.rng
    return d.decoy(f"{rng.randint(10000, 99999)}_{rng.randint(1, 30):03d}")

def business(d):
    return d.decoy(d.rng.choice(["1588", "1644", "1899", "1577"]) + f"-{d.rng.randint(1000, 9999)}")

def postal(d):
    return d.decoy(f"{d.rng.randint(10000, 63999)}")

def word(d):
    return d.decoy(d.rng.choice(ORDINARY))

def entity(text):
    return "".join(f"&#{ord(c)};" for c in text)

def html_list(d):
    rows = []
    for _ in range(d.rng.randint(3, 8)):
        buyer = name(d)
        shown = entity(buyer) if d.rng.random() < 0.1 else (f"<b>{buyer[0]}</b>{buyer[1:]}" if d.rng.random() < 0.1 else buyer)
        rows.append(f"<tr><td>{order_no(d)}</td><td>{when(d)}</td><td>{shown}</td><td>{mobile(d)}</td>"
                    f"<td>{name(d)}</td><td>{address(d)}</td><td>{html.escape(d.rng.choice(PRODUCTS))} ({product_code(d)})</td>"
                    f"<td>{price(d)}</td><td>{tracking(d)}</td></tr>")
    return ("<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>주문 목록</title></head><body>"
            f"<p>{word(d)} 고객센터 {business(d)}</p><table><thead><tr><th>주문번호</th><th>주문일시</th><th>구매자</th>"
            "<th>연락처</th><th>수취인</th><th>배송지</th><th>상품</th><th>금액</th><th>송장번호</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></body></html>", "html")

def html_detail(d):
    buyer = name(d)
    return (f"<html><body><h1>주문 상세 {order_no(d)}</h1><dl><dt>구매자</dt><dd>{buyer}</dd><dt>이메일</dt><dd>{email(d)}</dd>"
            f"<dt>연락처</dt><dd>{mobile(d)}</dd><dt>수취인</dt><dd>{name(d)}</dd><dt>배송지</dt><dd>{address(d)}</dd>"
            f"<dt>우편번호</dt><dd>{postal(d)}</dd><dt>환불계좌</dt><dd>{d.rng.choice(BANKS)} {account(d)}</dd>"
            f"<dt>생년월일</dt><dd>{birth(d)}</dd><dt>접속 IP</dt><dd>{ip(d)}</dd>"
            f"<dt>외국인등록번호</dt><dd>{rrn(d)}</dd><dt>결제 카드</dt><dd>{card(d)}</dd></dl>"
            f"<form><label for=\"r\">수취인 연락처</label><input id=\"r\" name=\"receiverPhone\" value=\"{landline(d)}\"></form>"
            f"<p>{word(d)} {when(d)} {price(d)}</p>"
            f"<script>var order = {{\"buyerName\": \"{name(d)}\", \"buyerPhone\": \"{mobile(d)}\", \"orderNo\": \"{order_no(d)}\"}};</script>"
            "</body></html>", "html")

def json_api(d):
    orders = []
    for _ in range(d.rng.randint(2, 6)):
        orders.append({"orderNo": order_no(d), "orderedAt": when(d), "buyerName": name(d), "buyerPhone": mobile(d),
                       "buyerEmail": email(d),
                       "receiver": {"name": name(d), "phone": mobile(d), "address": address(d), "zipCode": postal(d)},
                       "items": [{"code": product_code(d), "title": d.rng.choice(PRODUCTS), "price": price(d)}],
                       "trackingNo": tracking(d), "memo": word(d)})
    return json.dumps({"total": len(orders), "orders": orders}, ensure_ascii=d.rng.random() < 0.2), "json"

def chat(d):
    rng = d.rng
    lines = []
    for _ in range(rng.randint(3, 7)):
        t = rng.randrange(10)
        if t == 0: lines.append(f"[{when(d)}] 고객: 안녕하세요, 저는 {name(d)}입니다. 주문번호 {order_no(d)} {word(d)} 부탁드려요.")
        elif t == 1: lines.append(f"[{when(d)}] 판매자: {name(d)} 고객님, 확인해 보겠습니다. 고객센터 {business(d)}")
        elif t == 2: lines.append(f"[{when(d)}] 고객: 연락처가 {mobile(d)}(으)로 바뀌었어요.")
        elif t == 3: lines.append(f"[{when(d)}] 고객: 배송지를 {address(d)}로 변경해 주세요.")
        elif t == 4: lines.append(f"[{when(d)}] 고객: 환불은 {rng.choice(BANKS)}은행 {account(d)}으로 해주세요.")
        elif t == 5: lines.append(f"[{when(d)}] 판매자: {name(d)}님, 송장번호는 {tracking(d)}입니다.")
        elif t == 6: lines.append(f"[{when(d)}] 고객: 메일 {email(d)} 로 영수증 보내주세요. {price(d)} 결제했어요.")
        elif t == 7: lines.append(f"[{when(d)}] 고객: 해외직구 통관 때문에 주민번호 {rrn(d)} 남겨요.")
        elif t == 8: lines.append(f"[{when(d)}] 고객: 결제한 카드 {card(d)} 취소해 주세요.")
        else: lines.append(f"[{when(d)}] 고객: {word(d)} {word(d)} 김치찌개 박스가 {word(d)} 왔네요.")
    return "\n".join(lines) + "\n", "txt"

def chat_json(d):
    messages = []
    for _ in range(d.rng.randint(2, 5)):
        messages.append({"room": f"R{d.rng.randint(100, 999)}", "from": "customer", "at": when(d),
                         "text": d.rng.choice([lambda: f"{name(d)}입니다. 전화는 {mobile(d)} 입니다",
                                               lambda: f"{name(d)} 고객님 주문 {order_no(d)} 확인했습니다",
                                               lambda: f"주소는 {address(d)} 입니다"])()})
    return json.dumps({"messages": messages}, ensure_ascii=False), "json"

def csv_export(d):
    rows = ["주문번호,구매자,연락처,수취인,배송지,우편번호,상품코드,금액,송장번호"]
    for _ in range(d.rng.randint(3, 10)):
        addr = address(d)
        rows.append(",".join([order_no(d), name(d), mobile(d), name(d), '"' + addr.replace('"', '""') + '"', postal(d),
                              product_code(d), '"' + price(d) + '"', tracking(d)]))
    return "\r\n".join(rows) + "\r\n", "csv"

KINDS = [html_list, html_detail, json_api, chat, chat_json, csv_export]

def generate(seed, count, outdir):
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    labels = []
    for index in range(count):
        d = Doc(rng)
        body, ext = KINDS[index % len(KINDS)](d)
        path = f"{index:04d}.{ext}"
        with open(os.path.join(outdir, path), "w", encoding="utf-8") as f:
            f.write(body)
        labels.append({"file": path, "pii": d.pii, "decoys": d.decoys})
    with open(os.path.join(outdir, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, ensure_ascii=False)

def readable(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".html"):
        text = html.unescape(text.replace("<b>", "").replace("</b>", ""))
    elif path.endswith(".json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text

def score(outdir, maskeddir):
    labels = json.load(open(os.path.join(outdir, "labels.json"), encoding="utf-8"))
    caught, total, kept, decoys, misses, broken = {}, {}, 0, 0, [], []
    for label in labels:
        text = readable(os.path.join(maskeddir, label["file"]))
        for item in label["pii"]:
            total[item["kind"]] = total.get(item["kind"], 0) + 1
            if item["value"] not in text:
                caught[item["kind"]] = caught.get(item["kind"], 0) + 1
            elif len(misses) < 40:
                misses.append({"file": label["file"], "kind": item["kind"]})
        for value in label["decoys"]:
            decoys += 1
            if value in text: kept += 1
            elif len(broken) < 40: broken.append({"file": label["file"], "decoy": value})
    recall = {k: caught.get(k, 0) / total[k] for k in total}
    print(json.dumps({"documents": len(labels), "recall": recall, "counts": total, "decoys": decoys,
                      "decoys_kept": kept / decoys if decoys else 1.0, "misses": misses, "broken_decoys": broken},
                     ensure_ascii=False))

if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3])
