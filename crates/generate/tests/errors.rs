//! `--errors`: every fault the truth files list is really there, every fault kind appears at about its
//! documented rate, and what the truth files do not list is clean.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use common::{date, regions, today, Generated, Table};
use tepat_domain::{Nik, NikError, NikFinding, RegionCode, Sex};
use tepat_generate::*;

fn data() -> &'static Generated {
    static DATA: OnceLock<Generated> = OnceLock::new();
    DATA.get_or_init(|| Generated::new(60_000, 23, true))
}

fn population() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| data().table(POPULATION))
}

fn faults_of(s: &str) -> Vec<&str> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(';').collect()
    }
}

#[test]
fn persons_truth_covers_every_record_and_names_real_persons() {
    let d = data();
    let p = d.table(PERSONS);
    let t = d.table(PERSONS_TRUTH);
    let pop = population();
    assert_eq!(p.rows.len(), t.rows.len());
    assert_eq!(p.rows.len() as u64, d.summary.registry_records);
    let mut ids = HashSet::new();
    for (r, tr) in p.rows.iter().zip(&t.rows) {
        let id = p.get(r, "record_id");
        assert_eq!(t.get(tr, "record_id"), id, "truth in the same order");
        assert!(ids.insert(id.to_string()), "record id {id} twice");
        let pid = t.get(tr, "person_id");
        let row: usize = pid.strip_prefix('P').unwrap().parse().unwrap();
        assert!((1..=pop.rows.len()).contains(&row), "{pid}");
        for f in faults_of(t.get(tr, "fault")) {
            assert!(
                PERSON_FAULTS.iter().any(|(k, _)| *k == f),
                "unknown fault {f}"
            );
        }
    }
}

#[test]
fn every_person_fault_kind_appears_and_is_real() {
    let d = data();
    let p = d.table(PERSONS);
    let t = d.table(PERSONS_TRUTH);
    let pop = population();
    // Population rows that are themselves faulty do not show the true person: skip comparing with them.
    let pop_truth = d.table(POPULATION_TRUTH);
    let faulty_rows: HashSet<usize> = pop_truth
        .rows
        .iter()
        .map(|r| pop_truth.get(r, "line").parse::<usize>().unwrap() - 1)
        .collect();
    let nik_to_kk: HashMap<&str, &str> = pop
        .rows
        .iter()
        .enumerate()
        .filter(|(i, _)| !faulty_rows.contains(i))
        .map(|(_, r)| (pop.get(r, "nik"), pop.get(r, "kk_number")))
        .collect();
    let kk_with_faulty_row: HashSet<&str> = faulty_rows
        .iter()
        .map(|&i| pop.get(&pop.rows[i], "kk_number"))
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut firsts: HashSet<&str> = HashSet::new();
    let mut compared = 0;
    for (r, tr) in p.rows.iter().zip(&t.rows) {
        let row = t.get(tr, "person_id")[1..].parse::<usize>().unwrap();
        let person = &pop.rows[row - 1];
        let faults = faults_of(t.get(tr, "fault"));
        for f in &faults {
            *counts.entry(f).or_default() += 1;
        }
        if !faults.contains(&"duplicate") {
            assert!(
                firsts.insert(t.get(tr, "person_id")),
                "one first record per person"
            );
        }
        if faulty_rows.contains(&row) {
            continue;
        }
        compared += 1;
        let has = |k: &str| faults.contains(&k);
        let nik = p.get(r, "nik");
        let true_nik = pop.get(person, "nik");
        // NIK: as in the population unless a nik_* fault says otherwise, and then broken as it says.
        if has("nik_missing") {
            assert_eq!(nik, "");
        } else if has("nik_wrong_length") {
            assert!(
                matches!(Nik::parse(nik, regions()), Err(NikError::Length(15 | 17))),
                "{nik}"
            );
        } else if has("nik_invalid_day") {
            assert!(
                matches!(Nik::parse(nik, regions()), Err(NikError::InvalidDay(_))),
                "{nik}"
            );
        } else if has("nik_serial_zero") {
            assert_eq!(Nik::parse(nik, regions()), Err(NikError::SerialZero));
        } else if has("nik_typo") {
            assert_ne!(nik, true_nik);
            let diff = nik
                .bytes()
                .zip(true_nik.bytes())
                .filter(|(a, b)| a != b)
                .count();
            assert!((1..=2).contains(&diff), "{nik} vs {true_nik}");
        } else if has("nik_borrowed") {
            assert_ne!(nik, true_nik);
            let kk = pop.get(person, "kk_number");
            match nik_to_kk.get(nik) {
                Some(owner_kk) => assert_eq!(*owner_kk, kk, "borrowed from the same household"),
                // The owner's own population row carries a fault; it must be in the same KK.
                None => assert!(kk_with_faulty_row.contains(kk)),
            }
        } else {
            assert_eq!(nik, true_nik);
        }
        // Birth date.
        let born = date(p.get(r, "birth_date"));
        let true_born = date(pop.get(person, "birth_date"));
        if has("birth_date_swapped") {
            use chrono::Datelike;
            assert_eq!(
                (born.day(), born.month()),
                (true_born.month(), true_born.day())
            );
        } else if has("birth_date_digit") {
            assert_ne!(born, true_born);
        } else {
            assert_eq!(born, true_born);
        }
        // Name.
        let name_fault = faults.iter().any(|f| f.starts_with("name_"));
        assert_eq!(
            p.get(r, "full_name") != pop.get(person, "full_name"),
            name_fault,
            "{} vs {} ({faults:?})",
            p.get(r, "full_name"),
            pop.get(person, "full_name")
        );
        // Other fields.
        assert_eq!(p.get(r, "sex"), pop.get(person, "sex"));
        assert_eq!(
            has("deceased"),
            !pop.get(person, "death_date").is_empty(),
            "deceased exactly when the population says so"
        );
        assert_eq!(
            p.get(r, "village_code") != pop.get(person, "village_code"),
            has("moved")
        );
        assert_eq!(
            p.get(r, "kk_number") != pop.get(person, "kk_number"),
            has("kk_old")
        );
        if has("moved") || has("kk_old") {
            assert!(has("duplicate"));
        }
    }
    assert!(compared as f64 > 0.99 * p.rows.len() as f64);
    // Every duplicate's person also has a first record.
    for tr in &t.rows {
        if faults_of(t.get(tr, "fault")).contains(&"duplicate") {
            assert!(firsts.contains(t.get(tr, "person_id")));
        }
    }
    for (kind, _) in PERSON_FAULTS {
        assert!(
            counts.get(kind).copied().unwrap_or(0) > 0,
            "{kind} never injected: {counts:?}"
        );
        assert_eq!(
            d.summary.person_faults.get(*kind).copied().unwrap_or(0),
            counts[kind] as u64,
            "{kind}"
        );
    }
    // Rates near the documented ones.
    let firsts_n = firsts.len() as f64;
    let dup_share = counts["duplicate"] as f64 / firsts_n;
    assert!((0.035..0.07).contains(&dup_share), "duplicates {dup_share}");
    let missing = counts["nik_missing"] as f64 / p.rows.len() as f64;
    assert!((0.03..0.08).contains(&missing), "nik_missing {missing}");
    assert_eq!(d.summary.duplicate_records as usize, counts["duplicate"]);
}

#[test]
fn duplicates_come_after_all_first_records() {
    let d = data();
    let t = d.table(PERSONS_TRUTH);
    let first_dup = t
        .rows
        .iter()
        .position(|r| faults_of(t.get(r, "fault")).contains(&"duplicate"))
        .unwrap();
    assert!(t.rows[first_dup..]
        .iter()
        .all(|r| faults_of(t.get(r, "fault")).contains(&"duplicate")));
}

#[test]
fn population_truth_lists_exactly_the_rows_an_import_must_reject() {
    let d = data();
    let pop = population();
    let truth = d.table(POPULATION_TRUTH);
    let listed: HashMap<usize, &str> = truth
        .rows
        .iter()
        .map(|r| (truth.get(r, "line").parse().unwrap(), truth.get(r, "fault")))
        .collect();
    assert_eq!(listed.len(), truth.rows.len(), "one fault per line");
    // Heads per KK.
    let mut heads: HashMap<&str, usize> = HashMap::new();
    for r in &pop.rows {
        *heads.entry(pop.get(r, "kk_number")).or_default() +=
            usize::from(pop.get(r, "relationship") == "kepala_keluarga");
    }
    let mut seen_nik: HashSet<&str> = HashSet::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (i, r) in pop.rows.iter().enumerate() {
        let line = i + 2; // line 1 is the header
        let nik_s = pop.get(r, "nik");
        let parsed = Nik::parse(nik_s, regions());
        let sex = Sex::parse(pop.get(r, "sex")).unwrap();
        let born = date(pop.get(r, "birth_date"));
        let findings = parsed
            .as_ref()
            .map(|n| n.check_record(sex, born))
            .unwrap_or_default();
        let village_known = regions()
            .get(&RegionCode::parse(pop.get(r, "village_code")).unwrap())
            .is_some();
        let headless = heads[pop.get(r, "kk_number")] == 0;
        let repeated = !seen_nik.insert(nik_s);
        let mut problems: Vec<&str> = Vec::new();
        if headless {
            problems.push("household_without_head");
        }
        if parsed.is_err() {
            problems.push("nik_invalid");
        }
        if findings
            .iter()
            .any(|f| matches!(f, NikFinding::SexMismatch { .. }))
        {
            problems.push("nik_sex_mismatch");
        }
        if findings
            .iter()
            .any(|f| !matches!(f, NikFinding::SexMismatch { .. }))
        {
            problems.push("nik_birth_date_mismatch");
        }
        if !village_known {
            problems.push("unknown_village");
        }
        if repeated {
            problems.push("duplicate_nik");
        }
        // Listed exactly when something is wrong, under the fault that was injected (a duplicate NIK
        // belongs to another person, so it usually disagrees with the row's sex or birth date too).
        match listed.get(&line) {
            Some(kind) => {
                assert!(
                    problems.contains(kind),
                    "line {line} listed as {kind}, has {problems:?}"
                );
                *counts.entry(kind).or_default() += 1;
            }
            None => assert!(
                problems.is_empty(),
                "line {line} not listed but has {problems:?}: {r:?}"
            ),
        }
    }
    for (kind, _) in POPULATION_FAULTS {
        assert!(
            counts.get(kind).copied().unwrap_or(0) > 0,
            "{kind}: {counts:?}"
        );
    }
    let share = truth.rows.len() as f64 / pop.rows.len() as f64;
    assert!((0.001..0.004).contains(&share), "population faults {share}");
    // The survey and the other files still speak of the true persons.
    assert_eq!(today(), d.opts.today);
}
