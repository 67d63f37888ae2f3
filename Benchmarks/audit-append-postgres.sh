#!/usr/bin/env bash
# Access-record throughput on the shared PostgreSQL store, one guard and two guards, beside SQLite, in one run.
#
# Usage: Benchmarks/audit-append-postgres.sh [records=50000] [appenders=32]
# Starts a throwaway PostgreSQL server (initdb in a temporary folder, loopback port, the server's default durability:
# fsync on, synchronous_commit on), then runs `pii-guard-bench audit` (release), which appends realistic access
# records through `AuditWriter` (chaining, append seals, a checkpoint every 1,000) from APPENDERS concurrent appenders
# that each wait for their record's commit, as the proxy does per response:
#   1. SQLite (audit.sqlite, synchronous=NORMAL), one guard;
#   2. PostgreSQL, one guard (one process);
#   3. PostgreSQL, two guards: two processes on one database, RECORDS/2 each, APPENDERS each, appending to the one
#      chain at the same time; records/s is both processes' records over the wall time from their start to the last
#      one's end. The chain is then verified once (`pii-guard-bench audit-verify`).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-50000}
APPENDERS=${2:-32}

echo "bench: building pii-guard-bench (release)…"
swift build -c release --product pii-guard-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)/pii-guard-bench

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PG_BIN" ] || { echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2; exit 1; }
PG_DIR=$(mktemp -d /tmp/pii-guard-bench-pg.XXXXXX)
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export PGPASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
printf '%s\n' "$PGPASSWORD" > "$PG_DIR/pwfile"
if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$PG_DIR"; fi
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=scram-sha-256 --pwfile="$PG_DIR/pwfile" -E UTF8 \
    --locale=C >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c shared_buffers=256MB -c max_connections=100" start >/dev/null
trap 'as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1; rm -rf "$PG_DIR"' EXIT
for db in one two; do
    psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE bench_$db" >/dev/null
done
URL="postgres://postgres@127.0.0.1:$PG_PORT"
echo "bench: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT" \
    "(fsync=$(as_pg "$PG_BIN/postgres" -D "$PG_DIR/data" -C fsync), synchronous_commit=on)"
echo

echo "== 1. SQLite, one guard"
"$BIN" audit "$RECORDS" "$APPENDERS" normal
echo
echo "== 2. PostgreSQL, one guard"
"$BIN" audit "$RECORDS" "$APPENDERS" postgres "$URL/bench_one?sslmode=disable" seed-one
echo
echo "== 3. PostgreSQL, two guards on one database ($((RECORDS / 2)) records and $APPENDERS appenders each)"
SEED="seed-two-$$"
START=$(date +%s.%N)
"$BIN" audit "$((RECORDS / 2))" "$APPENDERS" postgres "$URL/bench_two?sslmode=disable" "$SEED" no-verify \
    > "$PG_DIR/guard-a.txt" 2>&1 &
A=$!
"$BIN" audit "$((RECORDS / 2))" "$APPENDERS" postgres "$URL/bench_two?sslmode=disable" "$SEED" no-verify \
    > "$PG_DIR/guard-b.txt" 2>&1 &
B=$!
wait $A; wait $B
END=$(date +%s.%N)
sed 's/^/  A: /' "$PG_DIR/guard-a.txt" | grep -v "pii-guard audit append"
sed 's/^/  B: /' "$PG_DIR/guard-b.txt" | grep -v "pii-guard audit append"
python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'  together: {n} records in {s:.2f} s = {n / s:.0f} records/s (wall time, both processes)')" \
    "$(( (RECORDS / 2) * 2 ))" "$START" "$END"
"$BIN" audit-verify "$URL/bench_two?sslmode=disable" "$SEED"
