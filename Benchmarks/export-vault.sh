#!/usr/bin/env bash
# Protected exports: time and peak RSS to convert a CSV order export to .xlsx and encrypt it (ECMA-376 Agile,
# spin count 100,000) for 10,000 and 100,000 rows, next to msoffcrypto-tool encrypting the same .xlsx in the same run.
#
# Usage: Benchmarks/export-vault.sh [rows…]   (default: 10000 100000)
# pii-guard: `pii-guard-bench export` runs ExportPackager, the code the proxy and `pii-guard vault encrypt` use, on one
# core, and reports its own peak RSS (getrusage). msoffcrypto-tool: `OOXMLFile.encrypt` on the plain workbook our
# converter wrote from the same CSV, peak RSS of its Python process.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=("$@")
[ "$#" -eq 0 ] && ROWS=(10000 100000)
WORK=$(mktemp -d /tmp/pii-guard-export-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 -c "import msoffcrypto" 2>/dev/null || python3 -m pip install -q msoffcrypto-tool

echo "bench: building pii-guard-bench (release)…"
swift build -c release --product pii-guard-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)/pii-guard-bench
printf 'Bench-Export-2026!' > "$WORK/password"

for rows in "${ROWS[@]}"; do
    # A 판매관리 order export as the demo admin writes it: UTF-8 with BOM, 15 columns of names, phones, addresses.
    python3 - "$WORK/orders-$rows.csv" "$rows" <<'PY'
import csv, random, sys
path, rows = sys.argv[1], int(sys.argv[2])
rng = random.Random(rows)
surnames = "김이박최정강조윤장임한오서신권황안송류홍"
given = ["민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지유", "시우", "서윤"]
roads = ["서울특별시 강남구 테헤란로", "경기도 성남시 분당구 판교역로", "부산광역시 해운대구 센텀중앙로", "인천광역시 연수구 컨벤시아대로"]
with open(path, "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f)
    w.writerow(["주문번호", "결제일", "주문상태", "구매자명", "구매자 연락처", "수취인", "수취인 연락처", "우편번호",
                "배송지주소", "상품명", "옵션", "수량", "결제금액", "택배사", "송장번호"])
    for i in range(rows):
        name = rng.choice(surnames) + rng.choice(given)
        phone = f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        w.writerow([f"2026112{i % 10}{i:08d}", "2026-11-23 10:12:00", "배송준비", name, phone, name, phone,
                    f"{rng.randint(1000, 63999):05d}", f"{rng.choice(roads)} {rng.randint(1, 999)}, {rng.randint(101, 120)}동 {rng.randint(101, 2501)}호",
                    "유기농 제철 과일 선물세트 3kg", "기본 / 선물포장", rng.randint(1, 5), rng.randint(1, 30) * 1000,
                    "CJ대한통운", f"6{rng.randint(10**10, 10**11 - 1)}"])
PY
    size=$(du -m "$WORK/orders-$rows.csv" | cut -f1)
    echo
    echo "== $rows rows (CSV ${size} MB)"
    taskset -c 0 "$BIN" export "$WORK/orders-$rows.csv" "$WORK/ours-$rows.xlsx" "$WORK/password" "$WORK/plain-$rows.xlsx" \
        || "$BIN" export "$WORK/orders-$rows.csv" "$WORK/ours-$rows.xlsx" "$WORK/password" "$WORK/plain-$rows.xlsx"
    taskset -c 0 python3 - "$WORK/plain-$rows.xlsx" "$WORK/theirs-$rows.xlsx" "$WORK/password" <<'PY'
import resource, sys, time
import msoffcrypto.format.ooxml as ooxml
plain, out, password = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
start = time.perf_counter()
with open(plain, "rb") as f, open(out, "wb") as g:
    ooxml.OOXMLFile(f).encrypt(password, g)
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
import os
print(f"msoffcrypto-tool          encrypt only    {took:6.2f} s  peak RSS {peak:6.1f} MB  output {os.path.getsize(out) / 1048576:6.1f} MB")
PY
    # Our file opens with msoffcrypto-tool (integrity checked): the figures are for a real, readable file.
    python3 - "$WORK/ours-$rows.xlsx" "$WORK/password" <<'PY'
import io, sys, msoffcrypto, zipfile
office = msoffcrypto.OfficeFile(open(sys.argv[1], "rb"))
office.load_key(password=open(sys.argv[2]).read())
out = io.BytesIO()
office.decrypt(out, verify_integrity=True)
assert zipfile.ZipFile(out).testzip() is None
print("check: msoffcrypto-tool decrypts our file, integrity verified")
PY
done
