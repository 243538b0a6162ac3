#!/usr/bin/env bash
# Load bench of `groupmatch serve` (run by hand; needs wrk, `apt-get install wrk`, and curl):
#
#   cargo build --release --features serve && benches/serve/load.sh
#
# Starts the server on the embedded directory at 127.0.0.1 (a free port), then with wrk (2
# threads on the same machine: the load generator is included in the figures) sends POST
# /v1/rank for one person, top 10, at 32 connections for DURATION (20s): first alone, then with a
# reload every second (POST /v1/admin/reload), and prints requests per second, latency
# percentiles, any non-2xx answers and the server's memory (RSS) before and after.
# REQUESTS_FOR_MEMORY=1000000 adds a long run that measures RSS every 100,000 requests or so.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/release/groupmatch}
DURATION=${DURATION:-20s}
work=$(mktemp -d)
trap 'kill "$server" "$reloader" 2>/dev/null || true; rm -rf "$work"' EXIT
reloader=""

"$BIN" token add --role admin --tokens "$work/tokens.json" --name load >"$work/token"
export GM_TOKEN=$(cat "$work/token")
"$BIN" serve --addr 127.0.0.1:0 --tokens "$work/tokens.json" >"$work/out" 2>/dev/null &
server=$!
for _ in $(seq 50); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/out")
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$server/status"; }

echo "server $url, RSS $(rss)"
echo "== rank, 32 connections, $DURATION"
wrk -t2 -c32 -d"$DURATION" -s benches/serve/rank.lua "$url/v1/rank"
echo "RSS $(rss)"

echo "== the same with a reload every second"
(while true; do
   code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $GM_TOKEN" \
     "$url/v1/admin/reload")
   [[ $code == 200 ]] || echo "reload answered $code"
   sleep 1
 done) &
reloader=$!
wrk -t2 -c32 -d"$DURATION" -s benches/serve/rank.lua "$url/v1/rank"
kill "$reloader"
echo "RSS $(rss)"

if [[ -n ${REQUESTS_FOR_MEMORY:-} ]]; then
  echo "== memory over about $REQUESTS_FOR_MEMORY requests"
  done_requests=0
  while (( done_requests < REQUESTS_FOR_MEMORY )); do
    n=$(wrk -t2 -c32 -d30s -s benches/serve/rank.lua "$url/v1/rank" | awk '/^requests / {print $2}')
    done_requests=$((done_requests + n))
    echo "$done_requests requests: RSS $(rss)"
  done
fi
