#!/usr/bin/env bash
# Access-record throughput: AuditWriter appending into a fresh audit.sqlite from 32 concurrent appenders, each waiting
# for its record to be committed (fail closed), with chaining, append seals and checkpoints on; then verification.
#
# Usage: Benchmarks/audit-append.sh [records=100000] [appenders=32] [normal|full]
# `pii-guard-bench audit` (release) writes records of realistic size (20 order numbers as data subjects, a browser
# user agent, request id, session hash, masked counts) into a temporary folder that it removes afterwards, and prints
# records/s, append latency (p50/p99/max), transactions (records per group commit), checkpoints written, bytes per
# record, and the verifier's records/s over the same log. The target is at least 5,000 records/s.
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-100000}
APPENDERS=${2:-32}
SYNCHRONOUS=${3:-normal}

echo "bench: building pii-guard-bench (release)…"
swift build -c release --product pii-guard-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)/pii-guard-bench
"$BIN" audit "$RECORDS" "$APPENDERS" "$SYNCHRONOUS"
