//! `tepat pmt fit` through the binary on a small generated regency, and the built-in model's ranking
//! quality on a freshly generated sample (a seed it was not fitted on).

use std::path::Path;

use chrono::NaiveDate;
use tepat_targeting::pmt::{self, Model};
use tepat_targeting::survey_file;

mod support;
use support::{run, succeeds, tepat};

const AS_OF: &str = "2026-01-01";

fn generated(dir: &Path, seed: &str, persons: &str) {
    succeeds(tepat(dir).args([
        "generate",
        "--out",
        "gen",
        "--seed",
        seed,
        "--persons",
        persons,
        "--as-of",
        AS_OF,
    ]));
}

#[test]
fn fit_prints_the_summary_and_writes_a_model_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    generated(dir.path(), "3", "12000");
    let out = succeeds(tepat(dir.path()).args([
        "pmt",
        "fit",
        "--survey",
        "gen",
        "--out",
        "model.json",
        "--on",
        AS_OF,
    ]));
    assert!(out.contains("fitted on "), "{out}");
    assert!(out.contains("leave-out check"), "{out}");
    let r2: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("R² "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("an R² line");
    assert!(r2 > 0.3 && r2 < 1.0, "R² {r2}");
    let model: Model =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("model.json")).unwrap())
            .unwrap();
    assert!(model.fitted_on.n > 2000, "{}", model.fitted_on.n);

    let why = succeeds(tepat(dir.path()).args([
        "pmt",
        "explain",
        "--survey",
        "gen",
        "--household",
        "1",
        "--model",
        "model.json",
        "--on",
        AS_OF,
    ]));
    assert!(
        why.contains("predicted consumption per capita: Rp"),
        "{why}"
    );
    assert!(why.contains("log_household_size"), "{why}");
    let o = run(tepat(dir.path()).args(["pmt", "explain", "--survey", "gen", "--household", "0"]));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--household 0"));
}

#[test]
fn a_bad_line_is_named_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    generated(dir.path(), "4", "3000");
    let path = dir.path().join("gen/survey_households.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut fields: Vec<&str> = lines[2].split(',').collect();
    fields[3] = "marmer"; // floor: not a code of the list
    lines[2] = fields.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let o = run(tepat(dir.path()).args(["pmt", "fit", "--survey", "gen", "--on", AS_OF]));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("survey_households.csv, line 3") && err.contains("column floor"),
        "{err}"
    );
    // The KK number on that line is not echoed.
    let kk = lines[2].split(',').next().unwrap();
    assert!(!err.contains(kk), "{err}");
}

/// Thresholds: measured on this sample (seed 11, about 9,400 surveyed households) the built-in model
/// reaches Spearman 0.93 with true consumption and its desil 1-4 catch 95 % of the poorest 30 %
/// (BENCHMARKS.md, "Welfare ranking"). 0.85 and 85 % leave room for sampling noise and a regenerated
/// population, yet fail when a feature group is mis-extracted (dropping the income band alone costs
/// more than that).
#[test]
fn builtin_model_ranks_a_fresh_regency_close_to_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    generated(dir.path(), "11", "30000");
    let on = NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    let rows = survey_file::read_dir(&dir.path().join("gen")).unwrap();
    let model = Model::builtin();
    let mut truth = Vec::new();
    let mut pred = Vec::new();
    let mut scores = Vec::new();
    for (h, c) in &rows {
        let (Some(c), Some(p)) = (c, model.predict(h, on)) else {
            continue;
        };
        truth.push(c.amount() as f64);
        pred.push(p.amount() as f64);
        scores.push((h.id, h.village, p.amount()));
    }
    assert!(truth.len() > 5000, "{}", truth.len());
    let rho = pmt::spearman(&truth, &pred);
    eprintln!("built-in model on seed 11: Spearman {rho:.3}");
    assert!(rho > 0.85, "Spearman {rho}");

    // The truly poor: the poorest 30 % by true consumption. Desil 1-4 (40 %) should catch most of them.
    let mut sorted = truth.clone();
    sorted.sort_by(f64::total_cmp);
    let line = sorted[sorted.len() * 3 / 10];
    let desil: std::collections::HashMap<_, _> =
        pmt::rank(&mut scores.clone()).into_iter().collect();
    let (mut poor, mut caught) = (0, 0);
    for (i, (id, _, _)) in scores.iter().enumerate() {
        if truth[i] < line {
            poor += 1;
            caught += usize::from(desil[id].get() <= 4);
        }
    }
    let share = caught as f64 / poor as f64;
    eprintln!("desil 1-4 caught {caught} of {poor} truly poor ({share:.3})");
    assert!(
        share > 0.75,
        "desil 1-4 caught {caught} of {poor} truly poor"
    );
}
