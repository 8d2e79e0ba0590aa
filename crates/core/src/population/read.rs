//! The second pass: every row checked against every rule, rejected rows to the report, valid rows
//! sealed in batches and handed to the writer over a bounded channel (so memory stays bounded and the
//! database writes one batch while this thread reads and seals the next).

use std::collections::BTreeMap;
use std::path::Path;

use csv::ByteRecord;
use indicatif::ProgressBar;
use tepat_domain::Relationship;
use tepat_store::{PopulationRecord, PopulationSealer, SealedPopulationBatch};
use tokio::sync::mpsc;

use super::error::ImportError;
use super::problem::Problem;
use super::report::Report;
use super::scan::Scan;
use super::source::{line_of, Fingerprint, Source};
use super::validate::Validator;

/// Valid rows per batch handed to the store.
pub(crate) const BATCH_ROWS: usize = 4000;

/// A batch of sealed rows and where in the file it ends.
pub(crate) struct Batch {
    pub rows: SealedPopulationBatch,
    pub last_line: u64,
    pub position: u64,
}

/// What the reader counted.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub rows: u64,
    pub valid: u64,
    pub rejected: u64,
    pub by_reason: BTreeMap<&'static str, u64>,
    pub sha256: [u8; 32],
}

/// What the reader needs, moved onto its thread.
pub(crate) struct Reader {
    pub validator: Validator,
    pub scan: Scan,
    pub sealer: PopulationSealer,
    pub report: Report,
    pub progress: ProgressBar,
}

/// Why the reader stopped early.
pub(crate) enum Stop {
    /// The file is wrong (or changed since the first pass).
    Failed(ImportError),
    /// The writer stopped listening (it failed); its error is the one to report.
    WriterGone,
}

impl From<ImportError> for Stop {
    fn from(e: ImportError) -> Stop {
        Stop::Failed(e)
    }
}

impl Reader {
    /// Reads `path` to the end, sending batches to `tx`. Returns the counts and the report's path.
    pub fn run(
        mut self,
        path: &Path,
        tx: mpsc::Sender<Batch>,
    ) -> Result<(Outcome, std::path::PathBuf), Stop> {
        let mut source = Source::open(path, false)?;
        let width = source.columns.width();
        let mut outcome = Outcome::default();
        let mut batch: Vec<PopulationRecord> = Vec::with_capacity(BATCH_ROWS);
        let mut record = ByteRecord::new();
        let mut line = 0;
        while source.next(&mut record)? {
            outcome.rows += 1;
            line = line_of(&record);
            let checked = if record.len() == width {
                self.check(&source, &record, line)?
            } else {
                Err(vec![Problem::row(
                    "row_field_count",
                    format!(
                        "the row has {} fields; the header has {width}",
                        record.len()
                    ),
                )])
            };
            match checked {
                Ok(valid) => {
                    outcome.valid += 1;
                    batch.push(valid);
                    if batch.len() == BATCH_ROWS {
                        self.send(&tx, &mut batch, line, source.position())?;
                    }
                }
                Err(problems) => {
                    outcome.rejected += 1;
                    for p in &problems {
                        *outcome.by_reason.entry(p.code).or_insert(0) += 1;
                        self.report.write(line, p, &record)?;
                    }
                }
            }
        }
        let end = source.position();
        if !batch.is_empty() {
            self.send(&tx, &mut batch, line, end)?;
        }
        outcome.sha256 = self.scan.sha256;
        let unchanged = source.fingerprint == self.scan.fingerprint
            && Fingerprint::now(path) == Some(self.scan.fingerprint);
        if !unchanged {
            return Err(Stop::Failed(ImportError::FileChanged {
                file: path.display().to_string(),
            }));
        }
        self.progress.finish_and_clear();
        Ok((outcome, self.report.finish()?))
    }

    /// Every rule for one row, the cross-row ones included.
    fn check(
        &self,
        source: &Source,
        record: &ByteRecord,
        line: u64,
    ) -> Result<Result<PopulationRecord, Vec<Problem>>, Stop> {
        let fields = source.fields(record)?;
        let mut problems = Vec::new();
        let valid = match self.validator.record(&fields) {
            Ok(valid) => Some(valid),
            Err(found) => {
                problems = found;
                None
            }
        };
        if let Some(nik) = self.validator.nik(&fields) {
            match self.scan.first_line.get(&nik) {
                Some(&first) if first != line => problems.push(Problem::new(
                    super::columns::Column::Nik,
                    "nik_duplicate",
                    format!("the same NIK is already on line {first}; only the first is imported"),
                )),
                Some(_) => {}
                None => {
                    return Err(Stop::Failed(ImportError::FileChanged {
                        file: source.file.clone(),
                    }))
                }
            }
        }
        match valid {
            Some(valid) if problems.is_empty() => Ok(household(&self.scan, valid)),
            _ => Ok(Err(problems)),
        }
    }

    fn send(
        &self,
        tx: &mpsc::Sender<Batch>,
        batch: &mut Vec<PopulationRecord>,
        last_line: u64,
        position: u64,
    ) -> Result<(), Stop> {
        let rows = self
            .sealer
            .seal(std::mem::replace(batch, Vec::with_capacity(BATCH_ROWS)));
        self.progress.set_position(position);
        tx.blocking_send(Batch {
            rows,
            last_line,
            position,
        })
        .map_err(|_| Stop::WriterGone)
    }
}

/// A row is imported only if its family card has exactly one valid head-of-family row in the file.
fn household(scan: &Scan, row: PopulationRecord) -> Result<PopulationRecord, Vec<Problem>> {
    let column = super::columns::Column::KkNumber;
    match scan.heads_of(&row.kk_number) {
        1 => Ok(row),
        0 => Err(vec![Problem::new(
            column,
            "household_no_head",
            format!(
                "no valid row of this KK number has relationship {}; the whole household is rejected",
                Relationship::KepalaKeluarga.code()
            ),
        )]),
        n => Err(vec![Problem::new(
            column,
            "household_several_heads",
            format!(
                "{n} rows of this KK number are the head of the family (kepala_keluarga); a KK has \
                 exactly one, so the whole household is rejected"
            ),
        )]),
    }
}
