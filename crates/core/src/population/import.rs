//! The import as a whole: first pass, then the second pass on a blocking thread feeding the database
//! writer here, all inside one store transaction.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tepat_regions::RegionTable;
use tepat_store::{BatchStats, ImportMeta, ImportSummaryForRun, PopulationImport, Store};
use tokio::sync::mpsc;

use super::error::ImportError;
use super::progress;
use super::read::{Batch, Outcome, Reader, Stop};
use super::regions::KnownCodes;
use super::report::{self, Report};
use super::scan::{self, Scan};
use super::source::hex;
use super::summary::{ImportOptions, ImportSummary};
use super::validate::Validator;

/// Sealed batches waiting for the writer: enough to keep it busy, few enough to bound memory.
const QUEUE: usize = 2;

/// Imports the population extract in `file` (see `docs/population-csv.md`).
///
/// Reads the file twice: the first pass checks the header and encoding and collects what needs the whole
/// file (duplicate NIKs, household heads); the second validates every row, writes rejected rows to the
/// report and upserts valid rows in one transaction. On any error nothing is imported.
pub async fn import_population(
    store: &dyn Store,
    regions: &RegionTable,
    file: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let shown = file.display().to_string();
    let size = std::fs::metadata(file)
        .map_err(|source| ImportError::Open {
            file: shown.clone(),
            source,
        })?
        .len();
    let validator = Validator::new(Arc::new(KnownCodes::new(regions)), opts.today);
    let scan = first_pass(file, &validator, opts.progress, size).await?;
    let report_path = opts
        .report
        .clone()
        .unwrap_or_else(|| report::default_path(file));
    let header = super::source::Source::open(file, false)?.columns.header;
    let report = Report::create(&report_path, &header)?;

    let import = store
        .begin_population_import(ImportMeta {
            source_name: source_name(file),
        })
        .await
        .map_err(|source| ImportError::Transaction {
            file: shown.clone(),
            source,
        })?;
    let reader = Reader {
        validator,
        scan,
        sealer: import.sealer(),
        report,
        progress: progress::bar(opts.progress, size, "importing"),
    };
    let (outcome, report, import, stats) = second_pass(file, reader, import).await?;
    let run = import
        .finish(ImportSummaryForRun {
            rows_read: outcome.rows,
            rows_valid: outcome.valid,
            rows_rejected: outcome.rejected,
            source_sha256: Some(hex(&outcome.sha256)),
        })
        .await
        .map_err(|source| ImportError::Transaction {
            file: shown.clone(),
            source,
        })?;
    Ok(ImportSummary {
        rows: outcome.rows,
        valid: outcome.valid,
        rejected: outcome.rejected,
        rejected_by_reason: outcome.by_reason,
        inserted: stats.inserted,
        updated: stats.updated,
        unchanged: stats.unchanged,
        deaths: stats.deaths,
        moves: stats.moves,
        elapsed: started.elapsed(),
        report,
        run_id: run.id,
        source_sha256: hex(&outcome.sha256),
    })
}

async fn first_pass(
    file: &Path,
    validator: &Validator,
    show_progress: bool,
    size: u64,
) -> Result<Scan, ImportError> {
    let (path, validator) = (file.to_owned(), validator.clone());
    let bar = progress::bar(show_progress, size, "checking");
    tokio::task::spawn_blocking(move || scan::scan(&path, &validator, &bar))
        .await
        .map_err(|e| internal(file, e))?
}

/// Runs the reader on a blocking thread and writes what it sends. On any failure the import handle is
/// dropped, which rolls the transaction back.
async fn second_pass(
    file: &Path,
    reader: Reader,
    mut import: Box<dyn PopulationImport>,
) -> Result<(Outcome, PathBuf, Box<dyn PopulationImport>, BatchStats), ImportError> {
    let (tx, mut rx) = mpsc::channel::<Batch>(QUEUE);
    let path = file.to_owned();
    let reading = tokio::task::spawn_blocking(move || reader.run(&path, tx));
    let mut stats = BatchStats::default();
    let mut failed = None;
    while let Some(batch) = rx.recv().await {
        match import.write_sealed(batch.rows).await {
            Ok(s) => stats += s,
            Err(source) => {
                failed = Some(ImportError::Store {
                    file: file.display().to_string(),
                    line: batch.last_line,
                    source,
                });
                break;
            }
        }
        tracing::debug!(position = batch.position, "population batch written");
    }
    // Closing the channel stops a reader that is still going (after a write error).
    drop(rx);
    let read = reading.await.map_err(|e| internal(file, e))?;
    if let Some(error) = failed {
        return Err(error);
    }
    match read {
        Ok((outcome, report)) => Ok((outcome, report, import, stats)),
        Err(Stop::Failed(error)) => Err(error),
        Err(Stop::WriterGone) => Err(ImportError::Internal {
            file: file.display().to_string(),
            reason: "the database writer stopped without an error".into(),
        }),
    }
}

/// The name recorded with the run: the file name without its directory.
fn source_name(file: &Path) -> String {
    file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn internal(file: &Path, e: tokio::task::JoinError) -> ImportError {
    ImportError::Internal {
        file: file.display().to_string(),
        reason: e.to_string(),
    }
}
