#!/usr/bin/env bash
# Websocket fan-out, side by side: the Node.js ws baseline and Command Room's
# hub + per-client loop (ws-bench), each measured by the baseline's own
# clients.js with the same 200-byte messages, in one run.
#
#   scripts/ws-bench.sh            # 1,000 clients, 3 s warm-up, 10 s measured
#   N=200 MEASURE=20 scripts/ws-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
N=${N:-1000}
WARMUP=${WARMUP:-3}
MEASURE=${MEASURE:-10}
RATES=${RATES:-"0 20"}

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
step "building ws-bench (release)"
cargo build --locked --release -p server --features load-tool --bin ws-bench
if [ ! -d end2end/ws-baseline/node_modules ]; then (cd end2end/ws-baseline && npm ci --no-audit --no-fund); fi
target_dir=${CARGO_TARGET_DIR:-target}

run() { # name rate command...
  local name=$1 rate=$2; shift 2
  local port log
  port=$(free_port)
  log=$(mktemp)
  "$@" "$port" "$rate" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do grep -q listening "$log" && break; sleep 0.1; done
  local result
  result=$(cd end2end/ws-baseline && node clients.js "$port" "$N" "$WARMUP" "$MEASURE" exit 2>&1 | grep "clients N=" || true)
  wait "$pid" 2>/dev/null || true
  printf '%-8s rate=%-4s %s\n         %s\n' "$name" "${rate/#0/max}" "$result" "$(grep 'server: stop' "$log" || true)"
  rm -f "$log"
}

step "fan-out to $N clients (rate: broadcasts/s, 0 = as fast as backpressure allows)"
for rate in $RATES; do
  run node "$rate" node end2end/ws-baseline/server.js
  run ours "$rate" "$target_dir/release/ws-bench"
done
