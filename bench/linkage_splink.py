#!/usr/bin/env python3
"""Splink side of bench/linkage_vs_splink.sh: dedupes one persons.csv with Splink (DuckDB) and prints
time and pairwise / cluster precision, recall and F1 against a truth file (record_id,person_id).

The Splink model uses the same columns tepat compares, with its usual recipe: lambda from a deterministic
rule, u by random sampling, m by EM on two blocking rules, term-frequency adjustment on name and birth date.

    python linkage_splink.py persons.csv truth.csv [threshold]
"""
import csv
import sys
import time
from collections import defaultdict
from itertools import combinations

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def truth_pairs(path):
    by_person = defaultdict(list)
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            by_person[row[1]].append(row[0])
    pairs = set()
    for ids in by_person.values():
        for a, b in combinations(sorted(ids), 2):
            pairs.add((a, b))
    return pairs


def metrics(predicted, truth):
    tp = len(predicted & truth)
    fp = len(predicted) - tp
    fn = len(truth) - tp
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def main():
    persons, truth_path = sys.argv[1], sys.argv[2]
    threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.9
    started = time.time()
    con = duckdb.connect()
    con.execute(
        f"""create table persons as select record_id as unique_id, nullif(nik, '') as nik,
            nullif(kk_number, '') as kk_number, nullif(lower(full_name), '') as full_name,
            nullif(sex, '') as sex, nullif(lower(birth_place), '') as birth_place,
            nullif(birth_date, '') as birth_date, nullif(lower(address), '') as address,
            nullif(village_code, '') as village_code
            from read_csv('{persons}', all_varchar = true, header = true)"""
    )
    db_api = DuckDBAPI(connection=con)
    df = db_api.register("persons")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("full_name", [0.92, 0.85]).configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]).configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("nik", [1, 2]),
            cl.ExactMatch("sex"),
            cl.JaroWinklerAtThresholds("birth_place", [0.9]),
            cl.ExactMatch("village_code"),
            cl.JaroWinklerAtThresholds("address", [0.92, 0.8]),
            cl.ExactMatch("kk_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("birth_date", "substr(full_name, 1, 3)"),
            block_on("birth_date", "village_code"),
            block_on("full_name", "village_code"),
            block_on("kk_number"),
            block_on("substr(nik, 1, 12)"),
            block_on("substr(nik, 7, 10)"),
            block_on("full_name", "substr(birth_date, 1, 4)"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(df, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("full_name", "birth_date")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("full_name"))
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    pred_rows = predictions.as_record_list()
    cl_rows = clusters.as_record_list()
    elapsed = time.time() - started

    truth = truth_pairs(truth_path)
    pairs = {tuple(sorted((r["unique_id_l"], r["unique_id_r"]))) for r in pred_rows}
    members = defaultdict(list)
    for r in cl_rows:
        members[r["cluster_id"]].append(r["unique_id"])
    cluster_pairs = set()
    for ids in members.values():
        for a, b in combinations(sorted(ids), 2):
            cluster_pairs.add((a, b))
    p, r, f1 = metrics(pairs, truth)
    cp, cr, cf1 = metrics(cluster_pairs, truth)
    print(f"splink seconds {elapsed:.3f}")
    print(f"splink pairwise P {p:.4f} R {r:.4f} F1 {f1:.4f}")
    print(f"splink cluster  P {cp:.4f} R {cr:.4f} F1 {cf1:.4f}")


if __name__ == "__main__":
    main()
