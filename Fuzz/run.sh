#!/usr/bin/env bash
# Fuzzes pii-guard's input parsers with libFuzzer, each target for a bounded time.
#
# Usage: Fuzz/run.sh [seconds=60] [jobs=1] [target…]
# Every target (all of them when none is named) is built with `swiftc -sanitize=fuzzer,address` over the production
# source files it lists into .build-fuzz/<target>/, seeded, and run for the given seconds (each target gets the full
# time, one after the other). Exit status 0: no target found anything. Otherwise the crashing input is saved under
# .build-fuzz/<target>/artifacts/ and the script exits non-zero after the remaining targets ran.
#
# Targets:
#   masking  Fuzz/MaskingFuzzer.swift + Sources/PIIMasking: the HTML, JSON, text and CSV scanners (no crash, valid
#            UTF-8 out, chunking does not matter).
#   api      Fuzz/APIBodyFuzzer.swift + Sources/SecondFactorWeb/APIBodies.swift: the JSON API bodies under
#            /__guard/api/, decoded and range-checked exactly as the routes do (the first byte picks the endpoint).
#
# Adding a target: write Fuzz/<Name>Fuzzer.swift (an `@_cdecl("LLVMFuzzerTestOneInput")` function), add one line
# to TARGETS below — name, the module name to compile as, max input length, then the source files or folders (plain
# Swift without package imports) — a seeds_<name> function if it wants seeds, and Fuzz/<name>.dict if it wants a
# libFuzzer dictionary. A target whose sources are not in
# this tree yet is skipped with a note, so a line may land before its code does.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
JOBS=${2:-1}
shift $(( $# < 2 ? $# : 2 ))
OUT=.build-fuzz

#       name     module                 max_len  sources (files or folders) and the fuzzer
TARGETS=(
  "masking  PIIMaskingFuzz          8192     Sources/PIIMasking Fuzz/MaskingFuzzer.swift"
  "api      APIBodyFuzz             16384    Sources/SecondFactorWeb/APIBodies.swift Fuzz/APIBodyFuzzer.swift"
  "head     RequestHeadFuzz         8192     Sources/GuardProxy/RequestTarget.swift Sources/GuardProxy/RequestAuthority.swift Fuzz/RequestTargetFuzzer.swift"
)

# Seeds for the request head: the first byte picks the rules (1 case-insensitive, 2 parameters allowed, 4 Host).
seeds_head() {
    printf '\x00/sales/orders?page=2' >"$1/plain"
    printf '\x00/%%73ales/./x/../orders//%%ED%%99%%8D' >"$1/encoded"
    printf '\x01/SALES/Orders/.%%2e/api' >"$1/case"
    printf '\x02/sales;v=1/orders' >"$1/parameters"
    printf '\x00https://guard.example:8443/sales?x=1' >"$1/absolute"
    printf '\x00@127.0.0.1:9080/sales/orders/export.csv' >"$1/userinfo"
    printf '\x04localhost:8443' >"$1/host"
    printf '\x04[::1]:8443' >"$1/host6"
}

# Seeds: one of each content kind, the first byte choosing chunk sizes.
seeds_masking() {
    printf '\x05<table><tr><th>구매자</th><td>홍길동</td><td>010-1234-5678</td></tr></table>' >"$1/html"
    printf '\x83{"buyerName":"김민준","phone":"+82 10 1234 5678","addr":"서울특별시 강남구 테헤란로 152 10층"}' >"$1/json"
    printf '\x02이름: 박서연\n주소는 부산광역시 해운대구 우동 1411-1 입니다\n' >"$1/text"
    printf '\x09주문번호,수취인,연락처\r\n2026052512345678,"이하은","02-123-4567"\r\n' >"$1/csv"
    printf '\x40<p title="&#54861;&#44600;&#46041;">&lt;b&gt;<b>최</b>지우 고객님</p><script>var a={"phone":"010\\u002d1234-5678"}</script>' >"$1/entities"
}

# Seeds: the first byte picks the endpoint (byte % 6: enroll, enroll/confirm, challenge, verify, settings, export)
# and the guard's cycle (byte >> 6: 10 minutes, 12 hours, 3650 days); each documented body, and hostile numbers.
seeds_api() {
    printf '\x00{"channel":"totp","emergency_email":"seller-a.backup@example.net"}' >"$1/enroll"
    printf '\x00{"channel":"sms","phone":"010-9876-5432","emergency_email":"a@b.example"}' >"$1/enroll-sms"
    printf '\x01{"email_code":"200909","channel_code":"647227"}' >"$1/confirm"
    printf '\x02{"emergency":true}' >"$1/challenge"
    printf '\x02' >"$1/challenge-empty"
    printf '\x03{"code":"488939"}' >"$1/verify"
    printf '\x40{"cycle_minutes":60}' >"$1/settings"
    printf '\x40{"cycle_minutes":9223372036854775807}' >"$1/settings-max"
    printf '\x40{"cycle_minutes":-9223372036854775808}' >"$1/settings-min"
    printf '\x82{"cycle_minutes":1e308}' >"$1/settings-huge"
    printf '\x04{"cycle_minutes":1.5}' >"$1/settings-fraction"
    printf '\x40{"cycle_minutes":null}' >"$1/settings-null"
    printf '\x40{"cycle_minutes":"60"}' >"$1/settings-text"
    printf '\x40{"cycle_minutes":123456789012345678901234567890}' >"$1/settings-long"
    printf '\x05{"path":"/sales/cancels/export.csv","reason":"settlement","generate_password":true}' >"$1/export"
    printf '\x05{"path":"/sales/x","reason":"other","reason_text":"\\ud83d\\ude00","password":"Aa1!aaaa"}' >"$1/export-other"
}

STATUS=0
for line in "${TARGETS[@]}"; do
    read -r NAME MODULE MAX_LEN SOURCES_AND_FUZZER <<<"$line"
    # shellcheck disable=SC2206
    PARTS=($SOURCES_AND_FUZZER)
    if [ "$#" -gt 0 ] && [[ " $* " != *" $NAME "* ]]; then continue; fi
    FILES=()
    MISSING=""
    for part in "${PARTS[@]}"; do
        if [ -d "$part" ]; then
            while IFS= read -r file; do FILES+=("$file"); done < <(find "$part" -name '*.swift' | sort)
        elif [ -f "$part" ]; then
            FILES+=("$part")
        else
            MISSING="$part"
        fi
    done
    if [ -n "$MISSING" ]; then
        echo "fuzz[$NAME]: skipped, $MISSING is not in this tree"
        continue
    fi
    DIR="$OUT/$NAME"
    mkdir -p "$DIR/corpus" "$DIR/artifacts"
    echo "fuzz[$NAME]: building (swiftc -sanitize=fuzzer,address, ${#FILES[@]} files)…"
    if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "$MODULE" -package-name pii_guard_fuzz \
        "${FILES[@]}" -o "$DIR/fuzzer" >"$DIR/build.log" 2>&1; then
        grep -v "ld.gold: warning" "$DIR/build.log" >&2
        STATUS=1
        continue
    fi
    if declare -f "seeds_$NAME" >/dev/null; then "seeds_$NAME" "$DIR/corpus"; fi

    echo "fuzz[$NAME]: running for ${SECONDS_TO_RUN}s with ${JOBS} job(s)…"
    set +e
    PARALLEL=()
    [ "$JOBS" -gt 1 ] && PARALLEL=(-jobs="$JOBS" -workers="$JOBS")  # libFuzzer then writes fuzz-N.log into the cwd
    DICT=()
    [ -f "Fuzz/$NAME.dict" ] && DICT=(-dict="$PWD/Fuzz/$NAME.dict")  # tokens worth trying (keys, edge numbers)
    (cd "$DIR" && ./fuzzer corpus -max_total_time="$SECONDS_TO_RUN" -max_len="$MAX_LEN" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix=artifacts/ -print_final_stats=1 "${DICT[@]}" "${PARALLEL[@]}" 2>fuzz.log)
    RESULT=$?
    set -e
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov:|Done" "$DIR/fuzz.log" | tail -4 | sed "s/^/fuzz[$NAME]: /" || true
    if [ "$RESULT" -ne 0 ]; then
        echo "fuzz[$NAME]: FAILED (status $RESULT); see $DIR/fuzz.log and the input in $DIR/artifacts/" >&2
        tail -30 "$DIR/fuzz.log" >&2
        STATUS=$RESULT
        continue
    fi
    echo "fuzz[$NAME]: no finding in ${SECONDS_TO_RUN}s"
done
exit "$STATUS"
