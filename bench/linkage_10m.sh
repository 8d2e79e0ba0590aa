#!/usr/bin/env bash
# The 10,000,000-record deduplication benchmark (issue 3): generates five Jawa Barat regencies with
# --errors (Kabupaten Bogor 32.01, Sukabumi 32.02, Bandung 32.04, Garut 32.05, Bekasi 32.16; PERSONS
# persons each, default 4,600,000, close to their real populations; about 2.07 million registry records
# each), concatenates their persons.csv files (header once) and truth files into one, then runs
# `dedupe` (the example that calls the CLI's `dedupe_files`) under /usr/bin/time -v and scores the output.
#
#   bash bench/linkage_10m.sh [WORKDIR]        # default target/linkage-10m (git-ignored)
#   SKIP_RUN=1 bash bench/linkage_10m.sh       # only build the input
#
# Record and person ids are prefixed with the regency (`32.01-R00000001`), so they stay unique across the
# five files; each regency has its own seed, so no two regencies share a generated person (with one seed
# for all five, every person would appear in each regency with the same name and birth date).
# The generator allocates NIK serials per run: someone born outside the regency (a NIK of another region)
# can get the same NIK as someone of the same birth region, date and sex in another regency's file, which
# real NIKs never do. So the serial's first digit of such NIKs is shifted by the file's number (1-5); a
# person's records in one file (typos included) are shifted alike.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/linkage-10m}
persons=${PERSONS:-4600000}
bin=${CARGO_TARGET_DIR:-target}/release/examples
regencies=(32.01 32.02 32.04 32.05 32.16)
mkdir -p "$work"

cargo build --release -q -p tepat-generate --example generate
cargo build --release -q -p tepat-linkage --example dedupe

if [ ! -s "$work/persons.csv" ] || [ ! -s "$work/persons_truth.csv" ]; then
  seed=1
  for r in "${regencies[@]}"; do
    if [ ! -s "$work/$r/persons.csv" ]; then
      echo "== generating $r ($persons persons, seed $seed)"
      "$bin/generate" "$work/$r" "$persons" "$seed" --errors --regency "$r" >"$work/$r.log"
      rm -f "$work/$r/population.csv" "$work/$r/population_truth.csv" "$work/$r/survey_households.csv"
    fi
    seed=$((seed + 1))
  done
  echo "== concatenating"
  head -n 1 "$work/${regencies[0]}/persons.csv" >"$work/persons.csv.part"
  head -n 1 "$work/${regencies[0]}/persons_truth.csv" >"$work/persons_truth.csv.part"
  k=0
  for r in "${regencies[@]}"; do
    k=$((k + 1))
    # record_id and nik come first and never hold a comma, so splitting on commas is safe for them.
    tail -n +2 "$work/$r/persons.csv" | awk -v k="$k" -v reg="${r//./}" -v pre="$r-" 'BEGIN { FS = OFS = "," }
      { n = $2
        if (length(n) == 16 && n ~ /^[0-9]+$/ && substr(n, 1, 4) != reg) {
          $2 = substr(n, 1, 12) ((substr(n, 13, 1) + k) % 10) substr(n, 14)
        }
        print pre $0 }' >>"$work/persons.csv.part"
    # record_id,person_id,fault: prefix both ids
    tail -n +2 "$work/$r/persons_truth.csv" | sed "s/^\([^,]*\),\([^,]*\),/$r-\1,$r-\2,/" >>"$work/persons_truth.csv.part"
  done
  rows=$(($(wc -l <"$work/persons.csv.part") - 1))
  truth_rows=$(($(wc -l <"$work/persons_truth.csv.part") - 1))
  unique=$(tail -n +2 "$work/persons.csv.part" | cut -d, -f1 | sort -u | wc -l)
  echo "records $rows, truth rows $truth_rows, unique record ids $unique"
  if [ "$rows" != "$truth_rows" ] || [ "$rows" != "$unique" ]; then
    echo "ids are not unique or the truth file does not match" >&2
    exit 1
  fi
  mv "$work/persons_truth.csv.part" "$work/persons_truth.csv"
  mv "$work/persons.csv.part" "$work/persons.csv"
fi

if [ -z "${SKIP_RUN:-}" ]; then
  echo "== dedupe (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  /usr/bin/time -v "$bin/dedupe" dedupe "$work/persons.csv" "$work/clusters.csv" \
    --truth "$work/persons_truth.csv" --stages 2>&1 | tee "$work/dedupe.log"
  echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
