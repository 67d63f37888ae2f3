#!/usr/bin/env bash
# Photograph the first page of a monthly access-record review report for the auditor guide.
#
# Usage: scripts/audit-report-screenshot.sh REPORT.html [OUT.png]
#
# REPORT.html is a report written by `AuditReport.html()`: for the demo month, run the AuditTrail tests
# with AUDIT_REPORT_HTML=/tmp/report.html (or, once the command exists, `pii-guard audit report --demo`).
# OUT.png defaults to docs/images/auditor-guide/monthly-report.png in this repository.
#
# The page is rendered by headless Chromium at 1240x1754 CSS pixels (A4's proportions) with a throwaway
# profile, no network (the report has no external resources) and no GPU. Needs chromium (or
# chromium-browser / google-chrome) and a Korean font (fonts-noto-cjk).
#
# Exit codes: 0 written; 1 rendering failed; 2 usage error; 77 no Chromium (callers may skip).
set -euo pipefail

usage() {
    echo "usage: $0 REPORT.html [OUT.png]" >&2
    exit 2
}
die() {
    echo "audit-report-screenshot: $*" >&2
    exit 1
}

[[ $# -ge 1 && $# -le 2 ]] || usage
report=$1
[[ -f $report ]] || die "no such file: $report"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${2:-$repo/docs/images/auditor-guide/monthly-report.png}

browser=""
for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$candidate" >/dev/null 2>&1; then
        browser=$(command -v "$candidate")
        break
    fi
done
[[ -n $browser ]] || { echo "audit-report-screenshot: chromium not installed" >&2; exit 77; }

if ! fc-list :lang=ko 2>/dev/null | grep -q .; then
    echo "audit-report-screenshot: warning: no Korean font found (install fonts-noto-cjk); Hangul will show as boxes" >&2
fi

profile=$(mktemp -d "${TMPDIR:-/tmp}/audit-report-chromium.XXXXXX")
tmp_png="$profile/shot.png"
trap 'rm -rf "$profile"' EXIT

report_url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
mkdir -p "$(dirname "$out")"

# --virtual-time-budget lets layout and font loading settle before the shot; timeout guards a hung browser.
if ! timeout 90 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --no-first-run --no-default-browser-check --disable-extensions \
    --force-device-scale-factor=1 --window-size=1240,1754 --virtual-time-budget=3000 \
    --screenshot="$tmp_png" "$report_url" >"$profile/chromium.log" 2>&1; then
    sed -n '1,20p' "$profile/chromium.log" >&2
    die "chromium failed"
fi
[[ -s $tmp_png ]] || { sed -n '1,20p' "$profile/chromium.log" >&2; die "chromium wrote no screenshot"; }
mv "$tmp_png" "$out"
echo "$out"
