//! Reading the CSV file: header, records with their line numbers, and the file's SHA-256 on the way.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;
use sha2::{Digest, Sha256};

use super::columns::{Column, ColumnMap, Fields};
use super::error::ImportError;

/// Bytes read from the file at a time: large reads are cheaper, and the CSV parser keeps its own buffer.
const BUFFER: usize = 1 << 20;

/// An open population CSV, positioned after its header.
pub(crate) struct Source {
    reader: csv::Reader<Hashing<File>>,
    /// Size and modification time when opened, to notice a file changed between the two passes.
    pub fingerprint: Fingerprint,
    pub columns: ColumnMap,
    /// The file as error messages name it.
    pub file: String,
}

impl Source {
    /// Opens the file; `hash` computes its SHA-256 on the way (the first pass does, the second need not).
    pub fn open(path: &Path, hash: bool) -> Result<Source, ImportError> {
        let file = path.display().to_string();
        let open_error = |source| ImportError::Open {
            file: file.clone(),
            source,
        };
        let handle = File::open(path).map_err(open_error)?;
        let fingerprint = Fingerprint::of(&handle).map_err(open_error)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            // A row with a missing or extra field is a rejected row, not the end of the import.
            .flexible(true)
            .buffer_capacity(BUFFER)
            .from_reader(Hashing::new(handle, hash));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(&file, e))?
            .clone();
        if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
            return Err(ImportError::EmptyFile { file });
        }
        let columns = ColumnMap::from_header(&header, &file)?;
        Ok(Source {
            reader,
            fingerprint,
            columns,
            file,
        })
    }

    /// Reads the next record into `record`; `false` at the end of the file. Blank lines are skipped.
    pub fn next(&mut self, record: &mut ByteRecord) -> Result<bool, ImportError> {
        loop {
            let more = self
                .reader
                .read_byte_record(record)
                .map_err(|e| csv_error(&self.file, e))?;
            if !more {
                return Ok(false);
            }
            if !(record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace)) {
                return Ok(true);
            }
        }
    }

    /// The fields of a record just read, or an error naming the line and column that is not UTF-8.
    pub fn fields<'r>(&self, record: &'r ByteRecord) -> Result<Fields<'r>, ImportError> {
        self.columns
            .fields(record)
            .map_err(|c: Column| ImportError::NotUtf8 {
                file: self.file.clone(),
                line: line_of(record),
                field: format!("column {}", c.name()),
            })
    }

    /// Bytes consumed so far (for progress).
    pub fn position(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The SHA-256 of everything read (opened with `hash`); call after [`next`](Self::next) returned
    /// `false`.
    pub fn sha256(self) -> [u8; 32] {
        self.reader
            .into_inner()
            .hasher
            .map(|h| h.finalize().into())
            .unwrap_or_default()
    }
}

/// The line a record starts on (the header is line 1).
pub(crate) fn line_of(record: &ByteRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

fn csv_error(file: &str, e: csv::Error) -> ImportError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Open {
            file: file.to_owned(),
            source,
        },
        csv::ErrorKind::Utf8 { pos, err } => ImportError::NotUtf8 {
            file: file.to_owned(),
            line: pos.map_or(line, |p| p.line()),
            field: format!("field {}", err.field() + 1),
        },
        other => ImportError::Csv {
            file: file.to_owned(),
            line,
            reason: format!("{other:?}"),
        },
    }
}

/// What identifies a version of a file without reading it: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Fingerprint {
    fn of(file: &File) -> std::io::Result<Fingerprint> {
        let meta = file.metadata()?;
        Ok(Fingerprint {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    /// The file at `path` now.
    pub fn now(path: &Path) -> Option<Fingerprint> {
        File::open(path).and_then(|f| Fingerprint::of(&f)).ok()
    }
}

/// A reader that hashes what passes through it (if asked to).
struct Hashing<R> {
    inner: R,
    hasher: Option<Sha256>,
}

impl<R> Hashing<R> {
    fn new(inner: R, hash: bool) -> Hashing<R> {
        Hashing {
            inner,
            hasher: hash.then(Sha256::new),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
