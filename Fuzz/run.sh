#!/usr/bin/env bash
# Fuzzes the masking scanners (HTML, JSON, text, CSV) with libFuzzer for a bounded time.
#
# Usage: Fuzz/run.sh [seconds=60] [jobs=1]
# Builds Fuzz/MaskingFuzzer.swift with Sources/PIIMasking (swiftc -sanitize=fuzzer,address) into .build-fuzz/,
# seeds the corpus with small admin documents, runs libFuzzer for the given time, and prints what it covered.
# Exit status 0: no crash, no invalid UTF-8, no chunking difference found. Otherwise the crashing input is saved under
# .build-fuzz/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
JOBS=${2:-1}
OUT=.build-fuzz
mkdir -p "$OUT/corpus" "$OUT/artifacts"

echo "fuzz: building the masking fuzzer (swiftc -sanitize=fuzzer,address)…"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name PIIMaskingFuzz \
    $(find Sources/PIIMasking -name '*.swift' | sort) Fuzz/MaskingFuzzer.swift -o "$OUT/masking-fuzzer" >"$OUT/build.log" 2>&1; then
    grep -v "ld.gold: warning" "$OUT/build.log" >&2
    exit 1
fi

# Seeds: one of each content kind, the first byte choosing chunk sizes.
printf '\x05<table><tr><th>구매자</th><td>홍길동</td><td>010-1234-5678</td></tr></table>' >"$OUT/corpus/html"
printf '\x83{"buyerName":"김민준","phone":"+82 10 1234 5678","addr":"서울특별시 강남구 테헤란로 152 10층"}' >"$OUT/corpus/json"
printf '\x02이름: 박서연\n주소는 부산광역시 해운대구 우동 1411-1 입니다\n' >"$OUT/corpus/text"
printf '\x09주문번호,수취인,연락처\r\n2026052512345678,"이하은","02-123-4567"\r\n' >"$OUT/corpus/csv"
printf '\x40<p title="&#54861;&#44600;&#46041;">&lt;b&gt;<b>최</b>지우 고객님</p><script>var a={"phone":"010\\u002d1234-5678"}</script>' >"$OUT/corpus/entities"

echo "fuzz: running for ${SECONDS_TO_RUN}s with ${JOBS} job(s)…"
set +e
PARALLEL=()
[ "$JOBS" -gt 1 ] && PARALLEL=(-jobs="$JOBS" -workers="$JOBS")  # libFuzzer then writes fuzz-N.log into the cwd
(cd "$OUT" && ./masking-fuzzer corpus -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix=artifacts/ -print_final_stats=1 "${PARALLEL[@]}" 2>fuzz.log)
STATUS=$?
set -e
grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov:|Done" "$OUT/fuzz.log" | tail -4 || true
if [ "$STATUS" -ne 0 ]; then
    echo "fuzz: FAILED (status $STATUS); see $OUT/fuzz.log and the input in $OUT/artifacts/" >&2
    tail -30 "$OUT/fuzz.log" >&2
    exit "$STATUS"
fi
echo "fuzz: no crash, no invalid UTF-8, no chunking difference in ${SECONDS_TO_RUN}s"
