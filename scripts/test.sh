#!/usr/bin/env bash
# The whole test suite (README's test command; .ci/run runs exactly this).
#
# Two suites load the machine on purpose: the attack on the guard (12,000 requests through TLS) and a hundred starts
# and SIGTERMs of the real process. Run beside the rest on two cores, they starve the timing-sensitive tests (store
# deadlines, retry clocks) of CPU; so everything else runs first, in parallel, and then those two on their own.
set -euo pipefail
cd "$(dirname "$0")/.."
heavy='AdversarialEndToEndTests|ProcessShutdownTests'
swift test --skip "$heavy"
swift test --skip-build --filter "$heavy"
