//! What the caller asks of an import, and what it reports back.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use uuid::Uuid;

/// How to run an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Where to write the rejected rows; default `FILE.rejected.csv` beside the input.
    pub report: Option<PathBuf>,
    /// Show a progress bar on standard error (the CLI sets it when stderr is a terminal).
    pub progress: bool,
    /// Birth and death dates after this day are rejected; NIK centuries are resolved against it.
    pub today: NaiveDate,
}

/// What an import did. Every count refers to data rows (the header is not counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data rows read.
    pub rows: u64,
    /// Rows that passed every rule and were written (inserted, updated or found unchanged).
    pub valid: u64,
    /// Rows rejected; each is in the report with all its problems.
    pub rejected: u64,
    /// Problems by code (a row with two problems counts under both codes).
    pub rejected_by_reason: BTreeMap<&'static str, u64>,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Updated rows that gained a death date.
    pub deaths: u64,
    /// Updated rows whose village, address, RT/RW or KK number changed.
    pub moves: u64,
    pub elapsed: Duration,
    /// The report of rejected rows (written even when empty, replacing an older one).
    pub report: PathBuf,
    /// The import run recorded in the database.
    pub run_id: Uuid,
    /// SHA-256 of the file, hex.
    pub source_sha256: String,
}

impl ImportSummary {
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} rows read in {:.1} s ({:.0} rows/s): {} valid, {} rejected",
            self.rows,
            self.elapsed.as_secs_f64(),
            self.rows_per_second(),
            self.valid,
            self.rejected
        )?;
        writeln!(
            f,
            "{} inserted, {} updated ({} deaths, {} moves), {} unchanged",
            self.inserted, self.updated, self.deaths, self.moves, self.unchanged
        )?;
        for (code, n) in &self.rejected_by_reason {
            writeln!(f, "  {code}: {n}")?;
        }
        write!(f, "rejected rows: {}", self.report.display())
    }
}
