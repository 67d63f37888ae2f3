#!/usr/bin/env bash
# Masking throughput: pii-guard's scanners on one core, next to Microsoft Presidio (pattern recognizers) on the same
# text in the same run.
#
# Usage: Benchmarks/masking-throughput.sh [total-MB=20] [presidio-MB=1]
# Builds the labelled corpus (Tests/PIIMaskingTests/Corpus/corpus.py) until each content type has total/4 MB, runs
# `pii-guard-bench masking` (release), then Presidio on the first presidio-MB of the same files (Presidio is slow;
# its MB/s does not depend on the sample size). Prints MB/s per content type for both.
set -euo pipefail
cd "$(dirname "$0")/.."
TOTAL_MB=${1:-20}
PRESIDIO_MB=${2:-1}
WORK=$(mktemp -d /tmp/pii-guard-masking-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

python3 -c "import presidio_analyzer, presidio_anonymizer" 2>/dev/null \
    || python3 -m pip install -q presidio-analyzer presidio-anonymizer
echo "bench: generating a ${TOTAL_MB} MB mixed corpus…"
python3 - "$WORK" "$TOTAL_MB" <<'PY'
import os, runpy, sys
work, total = sys.argv[1], int(sys.argv[2])
corpus = runpy.run_path("Tests/PIIMaskingTests/Corpus/corpus.py")
target = total * 1024 * 1024 // 4
seed = 1
out = {ext: open(os.path.join(work, "corpus." + ext), "w", encoding="utf-8", newline="") for ext in ("html", "json", "csv", "txt")}
sizes = dict.fromkeys(out, 0)
while min(sizes.values()) < target:
    folder = os.path.join(work, f"batch{seed}")
    corpus["generate"](seed, 240, folder)
    for name in sorted(os.listdir(folder)):
        ext = name.rsplit(".", 1)[1]
        if ext == "json" and name.startswith("labels") or ext not in out or sizes[ext] >= target:
            continue
        text = open(os.path.join(folder, name), encoding="utf-8", newline="").read()
        if ext == "csv" and sizes[ext] > 0:
            text = text.split("\r\n", 1)[1]          # one header row for the whole file
        if ext == "json":
            text = text.replace("\n", " ") + "\n"     # JSON Lines: one document per line
        out[ext].write(text)
        sizes[ext] += len(text.encode("utf-8"))
    seed += 1
for f in out.values():
    f.close()
PY
ls -l "$WORK"/corpus.* | awk '{printf "  %s %.1f MB\n", $9, $5/1048576}'

echo "bench: building pii-guard-bench (release)…"
swift build -c release --product pii-guard-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)/pii-guard-bench
echo
taskset -c 0 "$BIN" masking "$WORK" 2>&1 || "$BIN" masking "$WORK"

echo
echo "Presidio (presidio-analyzer pattern recognizers: phone, e-mail, credit card, IP, plus Korean phone/RRN patterns)"
taskset -c 0 python3 Benchmarks/presidio_mask.py "$WORK" "$PRESIDIO_MB"
