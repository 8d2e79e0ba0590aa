//! The report of rejected rows: a CSV the office opens in a spreadsheet, fixes and imports again.
//!
//! Each problem is one line: `line,field,code,reason` followed by the row as it was in the file. The row
//! is echoed (NIK included) because the office needs it to correct the record: the report is an office
//! file with the same protection as the extract itself, and is never logged.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::error::ImportError;
use super::problem::Problem;

pub(crate) struct Report {
    writer: csv::Writer<BufWriter<File>>,
    path: PathBuf,
}

/// `FILE.rejected.csv` beside the input (`penduduk.csv` → `penduduk.rejected.csv`).
pub(crate) fn default_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "population".into(), |s| s.to_string_lossy().into_owned());
    input.with_file_name(format!("{stem}.rejected.csv"))
}

impl Report {
    /// Creates (or replaces, so that a stale report never misleads) the report file.
    pub fn create(path: &Path, columns: &[String]) -> Result<Report, ImportError> {
        let error = |source| ImportError::Report {
            path: path.display().to_string(),
            source,
        };
        let file = File::create(path).map_err(error)?;
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(BufWriter::new(file));
        let mut header = vec!["line", "field", "code", "reason"];
        header.extend(columns.iter().map(String::as_str));
        writer
            .write_record(&header)
            .map_err(|e| Self::io(path, e))?;
        Ok(Report {
            writer,
            path: path.to_owned(),
        })
    }

    pub fn write(
        &mut self,
        line: u64,
        problem: &Problem,
        row: &ByteRecord,
    ) -> Result<(), ImportError> {
        let line = line.to_string();
        let lead = [
            line.as_bytes(),
            problem.field().as_bytes(),
            problem.code.as_bytes(),
            problem.reason.as_bytes(),
        ];
        self.writer
            .write_record(lead.into_iter().chain(row.iter()))
            .map_err(|e| Self::io(&self.path, e))
    }

    pub fn finish(mut self) -> Result<PathBuf, ImportError> {
        self.writer.flush().map_err(|source| ImportError::Report {
            path: self.path.display().to_string(),
            source,
        })?;
        Ok(self.path)
    }

    fn io(path: &Path, e: csv::Error) -> ImportError {
        let source = match e.into_kind() {
            csv::ErrorKind::Io(io) => io,
            other => std::io::Error::other(format!("{other:?}")),
        };
        ImportError::Report {
            path: path.display().to_string(),
            source,
        }
    }
}
