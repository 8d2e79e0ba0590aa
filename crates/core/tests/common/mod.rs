//! Helpers for the import tests: write population CSV files from records, and break rows on purpose.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tepat_core::population::ImportOptions;
use tepat_store::PopulationRecord;

pub const HEADER: [&str; 15] = [
    "nik",
    "kk_number",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "religion",
    "marital_status",
    "relationship",
    "address",
    "rt",
    "rw",
    "village_code",
    "occupation",
    "death_date",
];

/// A row as the fifteen texts of the header above.
pub type Row = Vec<String>;

pub fn row(r: &PopulationRecord) -> Row {
    vec![
        r.nik.digits().to_owned(),
        r.kk_number.digits().to_owned(),
        r.full_name.clone(),
        r.sex.letter().to_owned(),
        r.birth_place.clone(),
        r.birth_date.to_string(),
        r.religion.map_or(String::new(), |x| x.code().to_owned()),
        r.marital_status
            .map_or(String::new(), |x| x.code().to_owned()),
        r.relationship.code().to_owned(),
        r.address.clone(),
        r.rt.clone(),
        r.rw.clone(),
        r.village.dotted(),
        r.occupation.clone(),
        r.death_date.map_or(String::new(), |d| d.to_string()),
    ]
}

/// Sets the field named `column` of `row`.
pub fn set(mut row: Row, column: &str, value: &str) -> Row {
    let i = HEADER.iter().position(|h| *h == column).expect("column");
    row[i] = value.to_owned();
    row
}

/// Writes a CSV file with the standard header.
pub fn write(path: &Path, rows: &[Row]) {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    w.write_record(HEADER).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

pub fn rows(records: &[PopulationRecord]) -> Vec<Row> {
    records.iter().map(row).collect()
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

pub fn options() -> ImportOptions {
    ImportOptions {
        report: None,
        progress: false,
        today: today(),
    }
}

/// The report file's lines as (line, field, code) triples.
pub fn report_entries(path: &Path) -> Vec<(u64, String, String)> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].parse().unwrap(),
                rec[1].to_owned(),
                rec[2].to_owned(),
            )
        })
        .collect()
}

/// A directory for the test's files.
pub fn dir() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().to_owned();
    (d, p)
}
