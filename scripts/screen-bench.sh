#!/usr/bin/env bash
# The wall-screen benchmark: a fresh database, 2,000 units moving at 1 Hz and
# 300 open incidents (through the REST API), /screen in headless Chromium,
# 10 s of panning and zooming. Prints a `BENCH {...}` line (frames per second,
# frame times, long frames, position update → DOM → next frame latency) and
# fails if the targets are missed (≥ 30 frames/s; updates drawn within 100 ms).
#
#   scripts/screen-bench.sh                       # 1920×1080
#   BENCH_WIDTH=3840 BENCH_HEIGHT=2160 scripts/screen-bench.sh
#   BENCH_UNITS=500 BENCH_SECONDS=5 scripts/screen-bench.sh
#   BENCH_NO_ASSERT=1 ...                        # report only
#   BENCH_SKIP_BUILD=1 ...                       # use the binaries already built
#   BENCH_TRACE=1 [BENCH_TRACE_FILE=t.json] [BENCH_TRACE_CATEGORIES=viz,...]
#                                                # a Chromium trace (see README)
#   BENCH_PROFILE=1|file.cpuprofile ...          # a CPU profile of the page
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_browser
ensure_playwright
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  step "building the server and the browser bundle"
  cargo build --locked -p server
  scripts/build-site.sh release
fi
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
port=$(free_port)
step "wall-screen benchmark (${BENCH_WIDTH:-1920}×${BENCH_HEIGHT:-1080}, ${BENCH_UNITS:-2000} units, ${BENCH_INCIDENTS:-300} incidents)"
(cd end2end && E2E_PORT=$port E2E_SERVER_BIN="$target_dir/debug/command-room" npx playwright test -c playwright.bench.config.ts)
