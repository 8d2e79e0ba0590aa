//! Shared helpers: generate once per test binary, read the files back.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tepat_generate::{generate, GenerateOptions, GenerateSummary};
use tepat_regions::RegionTable;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

pub fn regions() -> &'static RegionTable {
    RegionTable::embedded()
}

/// A generated data set kept for the life of the test binary.
pub struct Generated {
    pub dir: tempfile::TempDir,
    pub summary: GenerateSummary,
    pub opts: GenerateOptions,
}

impl Generated {
    pub fn new(persons: usize, seed: u64, errors: bool) -> Generated {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = GenerateOptions::new(dir.path().join("out"), seed, today());
        opts.persons = Some(persons);
        opts.errors = errors;
        let summary = generate(&opts, regions(), &|_, _| {}).unwrap();
        Generated { dir, summary, opts }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.opts.out.join(name)
    }

    pub fn table(&self, name: &str) -> Table {
        Table::read(&self.path(name))
    }
}

/// A CSV file read back: its header and rows (as the csv crate parses them).
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let raw = std::fs::read_to_string(path).unwrap();
        let header_line = raw.lines().next().unwrap().to_string();
        let mut reader = csv::Reader::from_reader(raw.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header.join(","), header_line, "header is one plain line");
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        let index = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Table {
            header,
            rows,
            index,
        }
    }

    pub fn col(&self, name: &str) -> usize {
        *self
            .index
            .get(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    pub fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[self.col(name)]
    }
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

pub fn age(birth: &str) -> u32 {
    today().years_since(date(birth)).unwrap()
}
