#!/usr/bin/env bash
# The citizen status check's speed (issue 8, "Speed"): `tepat serve` (release) on a demo database
# against nginx serving a static file the size of a typical card, both loaded by wrk in one run
# (2 threads, CONNECTIONS connections, DURATION each). BENCHMARKS.md, "Citizen status check", quotes it.
#
#   scripts/bench-status-check.sh DEMO_DIR [DURATION] [CONNECTIONS]
#
# DEMO_DIR holds a demo made by `tepat demo` (tepat.db, tepat.keys, tepat-demo-data/). The load
# generator is one client address, so the per-client and per-NIK limits are raised for the run
# (TEPAT_CITIZEN_*_PER_HOUR); the limiter still counts every request. Request logging is at `warn`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${TEPAT_BIN:-$ROOT/target/release/tepat}
DIR=$(cd "${1:?usage: $0 DEMO_DIR [DURATION] [CONNECTIONS]}" && pwd)
DURATION=${2:-20s}
CONNECTIONS=${3:-256}
TEPAT_PORT=18080
NGINX_PORT=18081
WORK=$(mktemp -d)
cleanup() {
  [ -n "${TEPAT_PID:-}" ] && kill "$TEPAT_PID" 2>/dev/null || true
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cd "$DIR"
"$BIN" demo samples --per-situation 500 > "$WORK/samples.txt"
echo "samples: $(wc -l < "$WORK/samples.txt") pairs" \
  "($(cut -d' ' -f3 "$WORK/samples.txt" | cut -d: -f1 | sort | uniq -c | tr '\n' ' '))"

TEPAT_LOG=warn \
TEPAT_CITIZEN_PER_CLIENT_PER_HOUR=4000000000 \
TEPAT_CITIZEN_PER_NIK_PER_HOUR=4000000000 \
  "$BIN" serve --listen "127.0.0.1:$TEPAT_PORT" > "$WORK/tepat.log" 2>&1 &
TEPAT_PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$TEPAT_PORT/readyz" > /dev/null && break
  sleep 0.5
done
# Warm the card cache once per pair, and keep one card as the static file's size reference.
while read -r nik kk _; do
  curl -s -o "$WORK/card.json" -H 'content-type: application/json' \
    -d "{\"nik\":\"$nik\",\"kk_number\":\"$kk\"}" "http://127.0.0.1:$TEPAT_PORT/api/v1/status-check"
done < "$WORK/samples.txt"
SIZE=$(stat -c %s "$WORK/card.json")
mkdir -p "$WORK/www"
head -c "$SIZE" /dev/urandom | base64 -w0 | head -c "$SIZE" > "$WORK/www/card.json"
echo "card size: $SIZE bytes"

cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK;
  proxy_temp_path $WORK;
  fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK;
  scgi_temp_path $WORK;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { root $WORK/www; default_type application/json; }
  }
}
CONF
nginx -c "$WORK/nginx.conf"
sleep 0.5

echo "== tepat: POST /api/v1/status-check"
SAMPLES="$WORK/samples.txt" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency \
  -s "$ROOT/scripts/bench-status-check.lua" "http://127.0.0.1:$TEPAT_PORT/api/v1/status-check"
echo "== nginx: GET /card.json ($SIZE bytes)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$NGINX_PORT/card.json"
