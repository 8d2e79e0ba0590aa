//! The report of rejected rows: a CSV the office opens in a spreadsheet, fixes and imports again.
//!
//! Each problem is one line: `line,field,code,reason` followed by the row as it was in the file. The row
//! is echoed (NIK included) because the office needs it to correct the record: the report is an office
//! file with the same protection as the extract itself, and is never logged.
//!
//! Echoed cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return
//! first) get a leading apostrophe: a hostile extract must not be able to make the office's spreadsheet
//! fetch a URL or run a command when the report is opened (CSV injection).

use std::borrow::Cow;
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
        let echoed = row.iter().map(spreadsheet_safe);
        self.writer
            .write_record(lead.into_iter().map(Cow::Borrowed).chain(echoed))
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

/// The cell as written, or with an apostrophe in front when a spreadsheet would take it for a formula.
fn spreadsheet_safe(cell: &[u8]) -> Cow<'_, [u8]> {
    match cell.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => {
            let mut safe = Vec::with_capacity(cell.len() + 1);
            safe.push(b'\'');
            safe.extend_from_slice(cell);
            Cow::Owned(safe)
        }
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_others_left_alone() {
        assert_eq!(
            &*spreadsheet_safe(b"=HYPERLINK(\"http://x\",\"klik\")"),
            b"'=HYPERLINK(\"http://x\",\"klik\")"
        );
        assert_eq!(&*spreadsheet_safe(b"@SUM(A1)"), b"'@SUM(A1)");
        assert_eq!(&*spreadsheet_safe(b"+62812"), b"'+62812");
        assert_eq!(&*spreadsheet_safe(b"-1"), b"'-1");
        assert_eq!(&*spreadsheet_safe(b"Siti Aminah"), b"Siti Aminah");
        assert_eq!(&*spreadsheet_safe(b"1902014501900001"), b"1902014501900001");
        assert_eq!(&*spreadsheet_safe(b""), b"");
    }

    #[test]
    fn the_report_echoes_a_hostile_row_defused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut report = Report::create(&path, &["nama".to_owned()]).unwrap();
        let problem = Problem::row("row_field_count", "the row has 1 field");
        let row = ByteRecord::from(vec!["=cmd|' /C calc'!A0"]);
        report.write(7, &problem, &row).unwrap();
        let written = std::fs::read_to_string(report.finish().unwrap()).unwrap();
        let last = written.lines().last().unwrap();
        assert!(last.starts_with("7,"), "{last}");
        assert!(last.ends_with(",'=cmd|' /C calc'!A0"), "{last}");
    }
}
