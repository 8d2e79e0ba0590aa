#!/usr/bin/env bash
# Side by side: Splink (from PyPI, in a virtualenv) and tepat's dedupe on the same persons.csv files, in one
# run; prints both times and F1s. Not part of the tests.
#
#   bash bench/linkage_vs_splink.sh [WORKDIR]
#
# Files: FEBRL1-3 (vendored in crates/linkage/data/febrl, written as persons.csv) and, when the generator
# is in the workspace, a generated regency with --errors of about 250,000 records (GEN_PERSONS persons,
# default 570,000, of whom about 250,000 are on the registry list).
# `tepat dedupe` runs through the library's example binary, which calls the same `dedupe_files` entry point
# as the CLI and then scores clusters.csv / pairs.csv against the truth file.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/linkage-bench}
mkdir -p "$work"
threshold=${THRESHOLD:-0.9}
bin=${CARGO_TARGET_DIR:-target}/release/examples
gen_persons=${GEN_PERSONS:-570000}

echo "== building (release)"
cargo build --release -p tepat-linkage --example dedupe --example febrl -q
if cargo metadata --format-version 1 --no-deps 2>/dev/null | grep -q '"name":"tepat-generate"'; then
  cargo build --release -p tepat-generate --example generate -q && have_generator=1 || have_generator=0
else
  have_generator=0
fi

echo "== Splink virtualenv"
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q "splink==5.0.0"
fi
"$work/venv/bin/python" -c "import splink; print('splink', splink.__version__)"

echo "== data"
"$bin/febrl" "$work/febrl" >/dev/null
sets=("febrl1:$work/febrl/febrl1.csv:$work/febrl/febrl1_truth.csv"
      "febrl2:$work/febrl/febrl2.csv:$work/febrl/febrl2_truth.csv"
      "febrl3:$work/febrl/febrl3.csv:$work/febrl/febrl3_truth.csv")
if [ "$have_generator" = 1 ]; then
  "$bin/generate" "$work/generated" "$gen_persons" 1 --errors >/dev/null
  sets+=("generated:$work/generated/persons.csv:$work/generated/persons_truth.csv")
fi

tepat_dedupe() { # input clusters pairs truth
  "$bin/dedupe" dedupe "$1" "$2" --pairs "$3" --threshold "$threshold" --truth "$4" \
    | grep -E "^(records|pairs compared|seconds|pairwise|cluster |peak)"
}

for s in "${sets[@]}"; do
  IFS=: read -r name input truth <<<"$s"
  echo "== $name ($(($(wc -l <"$input") - 1)) records)"
  echo "-- tepat"
  tepat_dedupe "$input" "$work/$name.clusters.csv" "$work/$name.pairs.csv" "$truth"
  echo "-- splink"
  "$work/venv/bin/python" bench/linkage_splink.py "$input" "$truth" "$threshold" 2>/dev/null | grep -E "^splink"
done
