#!/usr/bin/env bash
# Soak test for server-rendered pages: N clients request the wall screen,
# the dispatch console, an officer's page, the review and a QR sheet in a
# loop for D seconds against a running server, each request bounded by 20 s.
# Prints the count, failures (non-200 or no answer in 20 s) and the slowest
# answers. Looks for SSR requests that never answer under concurrency.
#
#   scripts/pages-soak.sh [BASE_URL] [CLIENTS] [SECONDS]
#   e.g. scripts/demo.sh & scripts/pages-soak.sh http://127.0.0.1:3000 8 150
set -euo pipefail
base=${1:-http://127.0.0.1:3000}
clients=${2:-8}
seconds=${3:-120}
out=$(mktemp)
end=$(( $(date +%s) + seconds ))
client() {
  while [ "$(date +%s)" -lt "$end" ]; do
    for p in /screen /dispatch /unit/JS-F1 /review '/screen?lang=en' /points/PP01/qr; do
      r=$(curl -s -o /dev/null -m 20 -w '%{http_code} %{time_total}' "$base$p" || echo "timeout 20")
      echo "$p $r"
    done
  done
}
for _ in $(seq 1 "$clients"); do client >>"$out" & done
wait
total=$(wc -l <"$out")
failed=$(awk '$2 != 200' "$out" | wc -l)
echo "requests: $total, failed or unanswered: $failed"
awk '$2 != 200' "$out" | sort | uniq -c | head -20
echo "slowest (path, status, seconds):"
sort -k3 -n -r "$out" | head -5
rm -f "$out"
[ "$failed" -eq 0 ]
