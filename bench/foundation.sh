#!/usr/bin/env bash
# Foundation benchmarks (issue 2): generate 1,000,000 persons, import them into SQLite, and the demo's
# time from an empty directory to serving. Prints one line per figure; BENCHMARKS.md quotes the medians.
#
#   bench/foundation.sh [RUNS]        (default 3 runs of each)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo build --release -q -p tepat
bin=$PWD/target/release/tepat
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Runs a command under GNU time; prints "seconds peak_kib". Output of the command goes to $work/out.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/time"
}

echo "== tepat generate --persons 1000000 (runs: $runs)"
: > "$work/gen"
for i in $(seq 1 "$runs"); do
  rm -rf "$work/gen-out"
  measure "$bin" generate --out "$work/gen-out" --seed 7 --persons 1000000 | tee -a "$work/gen"
done
echo "median seconds: $(cut -d' ' -f1 "$work/gen" | median)  median peak KiB: $(cut -d' ' -f2 "$work/gen" | median)"
rows=$(($(wc -l < "$work/gen-out/population.csv") - 1))
echo "population.csv rows: $rows"

echo "== tepat import population (1,000,000-row file into a fresh SQLite file; runs: $runs)"
: > "$work/imp"
for i in $(seq 1 "$runs"); do
  rm -f "$work"/imp.db*
  "$bin" --database "sqlite://$work/imp.db" --key-file "$work/keys" migrate >/dev/null 2>&1
  r=$(measure "$bin" --database "sqlite://$work/imp.db" --key-file "$work/keys" import population "$work/gen-out/population.csv")
  secs=${r% *}
  echo "$r  rows/s: $(awk -v n="$rows" -v s="$secs" 'BEGIN {printf "%d", n / s}')" | tee -a "$work/imp"
done
echo "median seconds: $(cut -d' ' -f1 "$work/imp" | median)  median rows/s: $(awk '{print $4}' "$work/imp" | median)  median peak KiB: $(cut -d' ' -f2 "$work/imp" | median)"

echo "== tepat import population again (same file, nothing changes)"
measure "$bin" --database "sqlite://$work/imp.db" --key-file "$work/keys" import population "$work/gen-out/population.csv"
head -n 2 "$work/out"

# Starts `tepat demo` in directory $1 on port $2 and prints the seconds until /readyz answers 200.
demo_ready_seconds() {
  local dir=$1 port=$2 start end pid
  start=$(date +%s.%N)
  (cd "$dir" && exec "$bin" demo --listen "127.0.0.1:$port" >>"$dir/log" 2>&1) &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s.%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f\n", b - a}'
}

echo "== tepat demo: empty directory to /readyz answering 200 (runs: $runs)"
: > "$work/demo"
for i in $(seq 1 "$runs"); do
  mkdir -p "$work/demo-$i"
  demo_ready_seconds "$work/demo-$i" $((18080 + i)) | tee -a "$work/demo"
done
echo "median seconds: $(median < "$work/demo")"

echo "== tepat demo again on the existing database (runs: $runs)"
: > "$work/demo2"
for i in $(seq 1 "$runs"); do
  demo_ready_seconds "$work/demo-1" $((18090 + i)) | tee -a "$work/demo2"
done
echo "median seconds: $(median < "$work/demo2")"
