#!/usr/bin/env bash
# Proxy overhead: wrk against the demo order-list page three ways in one run —
#   1. the demo admin directly (plain HTTP),
#   2. nginx as a TLS reverse proxy in front of it (the reference),
#   3. pii-guard (release build) in front of it, with the second factor on: the page is in 판매관리, so every request
#      passes the gate (identity lookup, cached; proof check in SQLite) with a proof earned beforehand,
# then pii-guard's peak RSS while one client streams a 200 MB body through it.
# Prints requests/s and p50/p99 latency for each, and the ratio pii-guard/nginx.
#
# Usage: Benchmarks/proxy-overhead.sh [duration-seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
CONNECTIONS=${2:-32}
ADMIN_PORT=19080; NGINX_PORT=19443; GUARD_PORT=18443
WORK=$(mktemp -d /tmp/pii-guard-bench.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT

python3 -c "import pyotp" 2>/dev/null || python3 -m pip install -q pyotp
for tool in wrk nginx curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench: installing $tool"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    fi
done

echo "bench: building pii-guard (release)…"
swift build -c release --product pii-guard >/dev/null
BIN=$(swift build -c release --show-bin-path)/pii-guard
"$BIN" certs dev --dir "$WORK/certs" >/dev/null
CA="$WORK/certs/dev-ca.pem"

# The demo admin alone, then the guard alone (separate processes, so RSS is the guard's own).
"$BIN" demo-admin --port "$ADMIN_PORT" --data-dir "$WORK/data" >"$WORK/admin.log" 2>&1 & PIDS+=($!)
mkdir -p "$WORK/rules"; cp rules/menus.yaml rules/masking.yaml "$WORK/rules/"
cat >"$WORK/pii-guard.yaml" <<YAML
listen: {host: 127.0.0.1, port: $GUARD_PORT}
tls: {certificate: certs/dev-server.pem, private_key: certs/dev-server-key.pem}
logging: {level: warning}
data_dir: data
second_factor: {dev_outbox: true}
sites:
  - name: seller-admin
    hosts: [localhost, 127.0.0.1]
    upstream: http://127.0.0.1:$ADMIN_PORT
    menus: [sales, chat, account]
YAML
"$BIN" serve --config "$WORK/pii-guard.yaml" >"$WORK/guard.log" 2>&1 & GUARD_PID=$!; PIDS+=($GUARD_PID)

sed -e "s#@PORT@#$NGINX_PORT#" -e "s#@UPSTREAM_PORT@#$ADMIN_PORT#" -e "s#@CERT@#$WORK/certs/dev-server.pem#" \
    -e "s#@KEY@#$WORK/certs/dev-server-key.pem#" -e "s#@WORKDIR@#$WORK#g" Benchmarks/nginx-proxy.conf.template >"$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf" -p "$WORK"

wait_for() { for _ in $(seq 1 100); do curl -s -o /dev/null --cacert "$CA" "$1" && return 0; sleep 0.2; done; echo "bench: $1 did not come up" >&2; tail -5 "$WORK"/*.log >&2; exit 1; }
wait_for "http://127.0.0.1:$ADMIN_PORT/login"
wait_for "https://localhost:$NGINX_PORT/login"
wait_for "https://localhost:$GUARD_PORT/login"

PASSWORD=$(python3 -c "import json;print([a['password'] for a in json.load(open('$WORK/data/demo-accounts.json')) if a['account']=='seller-a'][0])")
COOKIE=$(curl -s -D - -o /dev/null --data-urlencode "account=seller-a" --data-urlencode "password=$PASSWORD" \
    "http://127.0.0.1:$ADMIN_PORT/login" | tr -d '\r' | awk -F'[: ;]+' 'tolower($1)=="set-cookie"{print $2; exit}')
[ -n "$COOKIE" ] || { echo "bench: could not log in to the demo admin" >&2; exit 1; }
# Earn the second factor through the guard as a script would (docs/API.md): log in, register an authenticator app,
# confirm with the e-mail code from the dev outbox and a TOTP code from pyotp. wrk then sends both cookies.
G="curl -s --cacert $CA -b $WORK/jar -c $WORK/jar"
$G -o /dev/null --data-urlencode "account=seller-a" --data-urlencode "password=$PASSWORD" "https://localhost:$GUARD_PORT/login"
SECRET=$($G -H 'Content-Type: application/json' -d '{"channel":"totp","emergency_email":"seller-a.backup@mail.example"}' \
    "https://localhost:$GUARD_PORT/__guard/api/enroll" | python3 -c "import json,sys;print(json.load(sys.stdin)['totp']['secret'])")
ECODE=$($G -H 'Accept: application/json' "https://localhost:$GUARD_PORT/__guard/dev/outbox" \
    | python3 -c "import json,sys;print(json.load(sys.stdin)[0]['code'])")
TCODE=$(python3 -c "import pyotp;print(pyotp.TOTP('$SECRET').now())")
$G -H 'Content-Type: application/json' -d "{\"email_code\":\"$ECODE\",\"channel_code\":\"$TCODE\"}" \
    "https://localhost:$GUARD_PORT/__guard/api/enroll/confirm" | grep -q '"verified":true' \
    || { echo "bench: could not earn the second factor through the guard" >&2; exit 1; }
GUARD_COOKIE=$(awk '$6=="demo_session"||$6=="__Host-pii-guard"{printf "%s%s=%s", (n++?"; ":""), $6, $7}' "$WORK/jar")

PAGE="/sales/orders?page=3"
BYTES=$(curl -s -H "Cookie: $COOKIE" "http://127.0.0.1:$ADMIN_PORT$PAGE" | wc -c)

run_wrk() { # name url [cookie] -> "rps p50 p99"
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: ${3:-$COOKIE}" "$2" >"$WORK/wrk-$1.txt" 2>&1
    local rps p50 p99 errors
    rps=$(awk '/Requests\/sec/{print $2}' "$WORK/wrk-$1.txt")
    p50=$(awk '$1=="50%"{print $2}' "$WORK/wrk-$1.txt")
    p99=$(awk '$1=="99%"{print $2}' "$WORK/wrk-$1.txt")
    errors=$(awk '/Non-2xx|Socket errors/{print}' "$WORK/wrk-$1.txt" | tr '\n' ' ')
    printf "%-22s %10s req/s   p50 %-8s p99 %-8s %s\n" "$1" "$rps" "$p50" "$p99" "$errors"
    echo "$rps" >"$WORK/rps-$1"
}

echo
echo "pii-guard proxy overhead — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t2 -c$CONNECTIONS -d${DURATION}s, keep-alive"
echo "page: GET $PAGE ($BYTES bytes, HTML)"
# warm-up
wrk -t1 -c4 -d2s -H "Cookie: $GUARD_COOKIE" "https://localhost:$GUARD_PORT$PAGE" >/dev/null 2>&1
wrk -t1 -c4 -d2s -H "Cookie: $COOKIE" "https://localhost:$NGINX_PORT$PAGE" >/dev/null 2>&1
run_wrk "direct (http)" "http://127.0.0.1:$ADMIN_PORT$PAGE"
run_wrk "nginx (https)" "https://localhost:$NGINX_PORT$PAGE"
run_wrk "pii-guard (https)" "https://localhost:$GUARD_PORT$PAGE" "$GUARD_COOKIE"
NGINX_RPS=$(cat "$WORK/rps-nginx (https)"); GUARD_RPS=$(cat "$WORK/rps-pii-guard (https)")
python3 -c "print(f'ratio pii-guard/nginx: {float($GUARD_RPS)/float($NGINX_RPS)*100:.1f}% (target >= 70%)')"

# The order list costs the admin most of the CPU; a light page shows the proxies' own cost more plainly.
LIGHT="/login"
echo
echo "light page: GET $LIGHT ($(curl -s "http://127.0.0.1:$ADMIN_PORT$LIGHT" | wc -c) bytes, HTML, no session)"
run_wrk "light direct (http)" "http://127.0.0.1:$ADMIN_PORT$LIGHT"
run_wrk "light nginx (https)" "https://localhost:$NGINX_PORT$LIGHT"
run_wrk "light pii-guard (https)" "https://localhost:$GUARD_PORT$LIGHT"
NGINX_RPS=$(cat "$WORK/rps-light nginx (https)"); GUARD_RPS=$(cat "$WORK/rps-light pii-guard (https)")
python3 -c "print(f'light ratio pii-guard/nginx: {float($GUARD_RPS)/float($NGINX_RPS)*100:.1f}%')"
echo
echo "pii-guard RSS after load: $(awk '/VmRSS/{print $2/1024 " MB"}' /proc/$GUARD_PID/status), peak so far $(awk '/VmHWM/{print $2/1024 " MB"}' /proc/$GUARD_PID/status)"

# Peak RSS while streaming 200 MB through the guard (peak counter reset first).
echo 5 >/proc/$GUARD_PID/clear_refs 2>/dev/null || true
START=$(date +%s.%N)
SIZE=$(curl -s --cacert "$CA" -H "Cookie: $COOKIE" "https://localhost:$GUARD_PORT/files/bulk?mb=200" -o /dev/null -w '%{size_download}')
END=$(date +%s.%N)
python3 -c "print(f'200 MB download through pii-guard: {$SIZE/1048576:.0f} MiB in {$END-$START:.2f} s ({$SIZE/1048576/($END-$START):.0f} MiB/s)')"
echo "pii-guard peak RSS while streaming 200 MB: $(awk '/VmHWM/{print $2/1024 " MB"}' /proc/$GUARD_PID/status) (target < 150 MB)"

# A 50 MB upload through the guard, same measurement.
echo 5 >/proc/$GUARD_PID/clear_refs 2>/dev/null || true
head -c $((50 << 20)) /dev/urandom >"$WORK/upload.bin"
UP=$(curl -s --cacert "$CA" -H "Cookie: $COOKIE" --data-binary @"$WORK/upload.bin" "https://localhost:$GUARD_PORT/api/upload")
echo "50 MB upload through pii-guard: $UP"
echo "pii-guard peak RSS while receiving 50 MB: $(awk '/VmHWM/{print $2/1024 " MB"}' /proc/$GUARD_PID/status)"
