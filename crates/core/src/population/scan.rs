//! The first pass over the file: before anything is written, find what only the whole file can tell.
//!
//! - Which line each NIK first appears on: later lines with the same NIK are duplicates.
//! - How many valid head-of-family rows each KK number has: a household without exactly one is rejected
//!   whole, so its rows must be known before any of them is written.
//! - That the file is UTF-8 throughout and its header is right, so such errors stop the import before the
//!   database is touched.
//!
//! Memory grows with the number of distinct NIKs and KK numbers (about 40 bytes each), not with the rows.

use std::collections::HashMap;
use std::path::Path;

use csv::ByteRecord;
use indicatif::ProgressBar;
use tepat_domain::{KkNumber, Nik};

use super::error::ImportError;
use super::source::{line_of, Fingerprint, Source};
use super::validate::Validator;

/// Rows between progress updates.
const PROGRESS_EVERY: u64 = 16_384;

pub(crate) struct Scan {
    pub first_line: HashMap<Nik, u64>,
    pub heads: HashMap<KkNumber, u8>,
    pub sha256: [u8; 32],
    /// The file as this pass read it; the second pass must read the same.
    pub fingerprint: Fingerprint,
}

impl Scan {
    /// The number of valid, first-occurrence head rows of `kk` in the file.
    pub fn heads_of(&self, kk: &KkNumber) -> u8 {
        self.heads.get(kk).copied().unwrap_or(0)
    }
}

pub(crate) fn scan(
    path: &Path,
    validator: &Validator,
    progress: &ProgressBar,
) -> Result<Scan, ImportError> {
    let mut source = Source::open(path, true)?;
    let fingerprint = source.fingerprint;
    let width = source.columns.width();
    let mut first_line: HashMap<Nik, u64> = HashMap::new();
    let mut heads: HashMap<KkNumber, u8> = HashMap::new();
    let mut record = ByteRecord::new();
    let mut rows = 0u64;
    while source.next(&mut record)? {
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY) {
            progress.set_position(source.position());
        }
        let fields = source.fields(&record)?;
        if record.len() != width {
            continue;
        }
        let line = line_of(&record);
        let Some(nik) = validator.nik(&fields) else {
            continue;
        };
        let first = *first_line.entry(nik).or_insert(line) == line;
        // Only head rows need the full rules here; the rest are checked in the second pass.
        if first && Validator::is_head(&fields) {
            if let Ok(head) = validator.record(&fields) {
                let n = heads.entry(head.kk_number).or_insert(0);
                *n = n.saturating_add(1);
            }
        }
    }
    progress.finish_and_clear();
    Ok(Scan {
        first_line,
        heads,
        sha256: source.sha256(),
        fingerprint,
    })
}
