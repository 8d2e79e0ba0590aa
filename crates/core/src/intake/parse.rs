//! The first pass: the whole file read from memory (it is already limited in size), its header checked and
//! every field checked to be UTF-8, before any row is looked at. A file that fails here is refused whole.

use std::collections::HashMap;

use csv::ByteRecord;

use super::columns::{Column, REQUIRED};
use super::error::UploadError;

/// One data row: its line (the header is line 1) and its fields, trimmed.
pub(crate) struct RawRow {
    pub line: u64,
    pub fields: Vec<String>,
}

/// The header's columns and the data rows.
pub(crate) struct Parsed {
    /// Where each known column is in a row.
    pub index: HashMap<Column, usize>,
    pub width: usize,
    pub rows: Vec<RawRow>,
}

impl Parsed {
    /// The value of `column` in `row` ("" when the column is absent from the file).
    pub fn get<'a>(&self, row: &'a RawRow, column: Column) -> &'a str {
        self.index
            .get(&column)
            .and_then(|&i| row.fields.get(i))
            .map_or("", String::as_str)
    }
}

pub(crate) fn parse(bytes: &[u8], max_rows: usize) -> Result<Parsed, UploadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = ByteRecord::new();
    let csv_error = |e: csv::Error| UploadError::Csv {
        line: e.position().map_or(1, |p| p.line()),
        reason: match e.kind() {
            csv::ErrorKind::UnequalLengths { .. } => "unequal lengths".into(),
            _ => "broken quoting or line ends".into(),
        },
    };
    if !reader.read_byte_record(&mut record).map_err(csv_error)? {
        return Err(UploadError::Empty);
    }
    let mut index = HashMap::new();
    let mut names = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let name = std::str::from_utf8(raw).map_err(|_| UploadError::NotUtf8 {
            line: 1,
            column: format!("#{}", i + 1),
        })?;
        let Some(column) = Column::from_name(name) else {
            return Err(UploadError::UnknownColumn {
                column: name.trim().chars().take(40).collect(),
            });
        };
        if index.insert(column, i).is_some() {
            return Err(UploadError::DuplicateColumn {
                column: column.name(),
            });
        }
        names.push(column.name());
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !index.contains_key(c))
        .map(|c| c.name())
        .collect();
    if !missing.is_empty() {
        return Err(UploadError::MissingColumns {
            columns: missing.join(", "),
        });
    }
    let width = record.len();
    let mut rows = Vec::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // a blank line
        }
        if rows.len() == max_rows {
            return Err(UploadError::TooManyRows { max: max_rows });
        }
        let mut fields = Vec::with_capacity(record.len());
        for (i, raw) in record.iter().enumerate() {
            let text = std::str::from_utf8(raw).map_err(|_| UploadError::NotUtf8 {
                line,
                column: names
                    .get(i)
                    .map_or_else(|| format!("#{}", i + 1), |n| (*n).to_owned()),
            })?;
            fields.push(text.trim().to_owned());
        }
        rows.push(RawRow { line, fields });
    }
    Ok(Parsed { index, width, rows })
}
