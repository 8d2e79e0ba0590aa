//! Reading the four region CSV files (RFC 4180, UTF-8, with a header row) into checked rows.
//!
//! | file | header |
//! |---|---|
//! | `provinces.csv` | `code,name` |
//! | `regencies.csv` | `code,province_code,name` |
//! | `districts.csv` | `code,regency_code,name` |
//! | `villages.csv` | `code,district_code,name` |
//!
//! Codes are dotted (`19.02.01.2001`). Every code must be at its file's level, lie in the parent named in
//! its row, appear once, and have a parent that exists.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use tepat_domain::{Lang, RegionCode, RegionCodeError, RegionLevel};

use crate::region::Region;

/// One of the four CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CsvFile {
    Provinces,
    Regencies,
    Districts,
    Villages,
}

impl CsvFile {
    pub const ALL: [CsvFile; 4] = [
        CsvFile::Provinces,
        CsvFile::Regencies,
        CsvFile::Districts,
        CsvFile::Villages,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            CsvFile::Provinces => "provinces.csv",
            CsvFile::Regencies => "regencies.csv",
            CsvFile::Districts => "districts.csv",
            CsvFile::Villages => "villages.csv",
        }
    }

    /// The level of every code in this file.
    pub fn level(self) -> RegionLevel {
        match self {
            CsvFile::Provinces => RegionLevel::Provinsi,
            CsvFile::Regencies => RegionLevel::KabupatenKota,
            CsvFile::Districts => RegionLevel::Kecamatan,
            CsvFile::Villages => RegionLevel::DesaKelurahan,
        }
    }

    /// The expected header row.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            CsvFile::Provinces => &["code", "name"],
            CsvFile::Regencies => &["code", "province_code", "name"],
            CsvFile::Districts => &["code", "regency_code", "name"],
            CsvFile::Villages => &["code", "district_code", "name"],
        }
    }
}

impl fmt::Display for CsvFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// Why the region data were rejected, and where: the file and the 1-based line.
#[derive(Debug, thiserror::Error)]
#[error("region data, {file} line {line}: {kind}")]
pub struct LoadError {
    pub file: CsvFile,
    pub line: u64,
    #[source]
    pub kind: LoadErrorKind,
}

/// What was wrong with a line.
#[derive(Debug, thiserror::Error)]
pub enum LoadErrorKind {
    #[error("cannot read or parse the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("the file is empty; expected the header `{expected}`")]
    MissingHeader { expected: String },
    #[error("header is `{found}`, expected `{expected}`")]
    BadHeader { expected: String, found: String },
    #[error("{found} fields, expected {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error("`{code}` is not a region code: {source}")]
    BadCode {
        code: String,
        #[source]
        source: RegionCodeError,
    },
    #[error("{code} is a {found} code, but this file holds {expected} codes")]
    WrongLevel {
        code: RegionCode,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{code} does not lie in {parent}, the parent named in the same row")]
    ParentMismatch {
        code: RegionCode,
        parent: RegionCode,
    },
    #[error("the name of {code} is empty")]
    EmptyName { code: RegionCode },
    #[error("{code} appears twice (also in {first_file} line {first_line})")]
    Duplicate {
        code: RegionCode,
        first_file: CsvFile,
        first_line: u64,
    },
    #[error("{code} has no parent: {parent} is not in the data")]
    Orphan {
        code: RegionCode,
        parent: RegionCode,
    },
}

/// A region with the place it was read from, kept until the whole set has been checked.
struct Row {
    region: Region,
    file: CsvFile,
    line: u64,
}

/// Checked rows: sorted by code, each code once, each parent present.
pub(crate) struct Rows {
    pub regions: Vec<Region>,
    pub index: HashMap<RegionCode, u32>,
}

/// Reads and checks the four files.
pub(crate) fn read_all(
    provinces: impl Read,
    regencies: impl Read,
    districts: impl Read,
    villages: impl Read,
) -> Result<Rows, LoadError> {
    let mut rows = Vec::new();
    read_file(CsvFile::Provinces, provinces, &mut rows)?;
    read_file(CsvFile::Regencies, regencies, &mut rows)?;
    read_file(CsvFile::Districts, districts, &mut rows)?;
    read_file(CsvFile::Villages, villages, &mut rows)?;
    // Stable: each file is already sorted, so this merges four runs. Parents sort before their children.
    rows.sort_by_key(|r| r.region.code);

    // In code order a region's parent comes before it, and everything in between lies inside the parent:
    // the parent of a row is the latest region seen one level up. A duplicate sits right after its first.
    let mut latest: [Option<RegionCode>; 4] = [None; 4];
    for (i, row) in rows.iter().enumerate() {
        let code = row.region.code;
        if let Some(first) = i
            .checked_sub(1)
            .map(|p| &rows[p])
            .filter(|p| p.region.code == code)
        {
            return Err(row.error(LoadErrorKind::Duplicate {
                code,
                first_file: first.file,
                first_line: first.line,
            }));
        }
        let depth = usize::from(code.level().as_number() - 1);
        if let Some(parent) = code.parent() {
            if latest[depth - 1] != Some(parent) {
                return Err(row.error(LoadErrorKind::Orphan { code, parent }));
            }
        }
        latest[depth] = Some(code);
    }
    let index: HashMap<RegionCode, u32> = (0u32..)
        .zip(&rows)
        .map(|(i, row)| (row.region.code, i))
        .collect();
    Ok(Rows {
        regions: rows.into_iter().map(|r| r.region).collect(),
        index,
    })
}

impl Row {
    fn error(&self, kind: LoadErrorKind) -> LoadError {
        LoadError {
            file: self.file,
            line: self.line,
            kind,
        }
    }
}

fn read_file(file: CsvFile, input: impl Read, out: &mut Vec<Row>) -> Result<(), LoadError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(64 * 1024)
        .from_reader(input);
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    let error = |line, kind| LoadError { file, line, kind };
    let csv_error = |last_line: u64, e: csv::Error| {
        let line = e.position().map_or(last_line + 1, |p| p.line());
        error(line, LoadErrorKind::Csv(e))
    };

    let expected = file.header();
    if !reader
        .read_record(&mut record)
        .map_err(|e| csv_error(0, e))?
    {
        return Err(error(
            1,
            LoadErrorKind::MissingHeader {
                expected: expected.join(","),
            },
        ));
    }
    if record.iter().ne(expected.iter().copied()) {
        return Err(error(
            1,
            LoadErrorKind::BadHeader {
                expected: expected.join(","),
                found: record.iter().collect::<Vec<_>>().join(","),
            },
        ));
    }

    let level = file.level();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(line, e)),
        }
        line = record.position().map_or(line + 1, |p| p.line());
        let region = parse_row(&record, expected.len(), level).map_err(|kind| error(line, kind))?;
        out.push(Row { region, file, line });
    }
    Ok(())
}

fn parse_row(
    record: &csv::StringRecord,
    fields: usize,
    level: RegionLevel,
) -> Result<Region, LoadErrorKind> {
    if record.len() != fields {
        return Err(LoadErrorKind::FieldCount {
            expected: fields,
            found: record.len(),
        });
    }
    let code = parse_code(&record[0])?;
    if code.level() != level {
        return Err(LoadErrorKind::WrongLevel {
            code,
            expected: level.name(Lang::En),
            found: code.level().name(Lang::En),
        });
    }
    if fields == 3 && !names_own_parent(&record[0], &record[1]) {
        // Slow path: the parent column may be written differently (plain digits) or be wrong.
        let parent = parse_code(&record[1])?;
        if code.parent() != Some(parent) {
            return Err(LoadErrorKind::ParentMismatch { code, parent });
        }
    }
    let name = &record[fields - 1];
    if name.trim().is_empty() {
        return Err(LoadErrorKind::EmptyName { code });
    }
    Ok(Region {
        code,
        name: name.to_owned(),
    })
}

/// Fast path for a valid dotted `code`: true when `parent` is `code` up to its last dot.
fn names_own_parent(code: &str, parent: &str) -> bool {
    let code = code.trim();
    code.rfind('.').is_some_and(|dot| &code[..dot] == parent)
}

fn parse_code(s: &str) -> Result<RegionCode, LoadErrorKind> {
    RegionCode::parse(s).map_err(|source| LoadErrorKind::BadCode {
        code: s.to_owned(),
        source,
    })
}
