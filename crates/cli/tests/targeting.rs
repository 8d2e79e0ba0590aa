//! `tepat targeting` and `tepat pmt rank` through the binary on a real SQLite file and ledger directory:
//! a generated regency loaded and ranked, a dry run that prints the simulation and stores nothing, the
//! JSON outcome without personal data, a stored run approved once with its list hash in the ledger and
//! in the exported file, and the needs forecast from the runs.

mod support;
use support::{ok, output};

const ON: &str = "2027-02-01";

/// The number after `label` in `text`.
fn number_after(text: &str, label: &str) -> u64 {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {text}"))
        + label.len();
    text[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_program_runs_dry_then_is_stored_approved_once_and_published() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(
        dir,
        &[
            "generate",
            "--out",
            "gen",
            "--seed",
            "5",
            "--persons",
            "4000",
            "--as-of",
            "2026-06-01",
        ],
    );
    let loaded = ok(dir, &["targeting", "load", "--survey", "gen"]);
    let households = number_after(&loaded, "loaded");
    assert!(households > 500, "{loaded}");
    let ranked = ok(dir, &["pmt", "rank", "--on", ON]);
    assert!(
        ranked.contains(&format!("of {households} households")),
        "{ranked}"
    );
    assert!(number_after(&ranked, "ranked") > 500, "{ranked}");

    // A dry run prints the simulation and stores nothing.
    let dry = ok(
        dir,
        &[
            "targeting",
            "run",
            "--program",
            "SEMBAKO",
            "--dry-run",
            "--on",
            ON,
        ],
    );
    for part in [
        "rule evaluated in SQL",
        "Gini",
        "inclusion error",
        "district",
        "19.02.",
        "shortfalls: none",
        "dry run: nothing stored",
    ] {
        assert!(dry.contains(part), "{part} in {dry}");
    }
    let candidates = number_after(&dry, "candidates");
    assert!(candidates > 100, "{dry}");
    assert!(ok(dir, &["targeting", "runs", "--program", "SEMBAKO"]).contains("no runs"));

    // The JSON outcome: the same list, household ids only.
    let json = ok(
        dir,
        &[
            "targeting",
            "run",
            "--program",
            "sembako",
            "--dry-run",
            "--json",
            "--on",
            ON,
        ],
    );
    let outcome: serde_json::Value = serde_json::from_str(&json).unwrap();
    let listed = outcome["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "candidate")
        .count();
    assert_eq!(listed as u64, candidates);
    assert_eq!(outcome["run_id"], serde_json::Value::Null);
    for personal in ["nik", "kk_number", "full_name", "phone"] {
        assert!(!json.contains(personal), "{personal} in the JSON");
    }

    // Stored, approved, published; the exported file hashes to the ledger's hash.
    let stored = ok(
        dir,
        &["targeting", "run", "--program", "SEMBAKO", "--on", ON],
    );
    let run_id = stored
        .split("stored as draft run ")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let approved = ok(
        dir,
        &[
            "targeting",
            "approve",
            &run_id,
            "--decree",
            "400/7/DINSOS/2027",
        ],
    );
    assert!(
        approved.contains(&format!("{candidates} candidates enrolled")),
        "{approved}"
    );
    assert!(
        approved.contains("written to the transparency ledger at entry"),
        "{approved}"
    );
    let hash = approved
        .split("): ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned();
    ok(dir, &["targeting", "export", &run_id, "--out", "list.csv"]);
    let file = std::fs::read_to_string(dir.join("list.csv")).unwrap();
    assert!(file.starts_with("rank,village_code,household_id,benefit\n1,19.02."));
    assert_eq!(file.lines().count() as u64, candidates + 1);
    assert_eq!(
        tepat_core::targeting::approve::hex(&tepat_core::targeting::approve::list_hash(&file)),
        hash
    );
    let runs = ok(dir, &["targeting", "runs", "--program", "SEMBAKO"]);
    assert!(runs.contains("approved"), "{runs}");
    assert!(runs.contains("SK 400/7/DINSOS/2027"), "{runs}");
    assert!(runs.contains("ledger entry"), "{runs}");

    let key = String::from_utf8(output(dir, &["ledger", "key"]).stdout).unwrap();
    std::fs::write(
        dir.join("policy.txt"),
        format!("log {}\nquorum none\n", key.trim()),
    )
    .unwrap();
    let report = ok(
        dir,
        &[
            "ledger",
            "verify",
            "--dir",
            "tepat-ledger",
            "--policy",
            "policy.txt",
        ],
    );
    assert!(report.contains("beneficiary-list"), "{report}");
    assert!(report.contains("budget"), "{report}");

    // Approving twice is refused and changes nothing.
    let twice = output(dir, &["targeting", "approve", &run_id, "--decree", "400/8"]);
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("not a draft"));

    // The forecast reads the stored run's counts.
    let forecast = ok(dir, &["targeting", "forecast", "--program", "SEMBAKO"]);
    assert!(forecast.contains("19.02"), "{forecast}");
}
