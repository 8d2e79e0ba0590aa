//! Why an import stopped. Whatever the error, nothing was imported: problems in the file are found before
//! the database is touched, and a failure while writing rolls the whole import back.
//!
//! Messages name the file, the line and the column, never a value from the row.

use tepat_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {file}: {source}; nothing was imported")]
    Open {
        file: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{file} line {line}: the CSV cannot be read ({reason}); nothing was imported")]
    Csv {
        file: String,
        line: u64,
        reason: String,
    },

    #[error(
        "{file} line {line}, {field}: the text is not UTF-8; save the file as UTF-8 (\"CSV UTF-8\" in a \
         spreadsheet) and import again; nothing was imported"
    )]
    NotUtf8 {
        file: String,
        line: u64,
        field: String,
    },

    #[error("{file} line 1: the file is empty; it needs a header line naming the columns")]
    EmptyFile { file: String },

    #[error(
        "{file} line 1: the header lacks the column(s) {columns}; see docs/population-csv.md for the \
         fifteen columns"
    )]
    MissingColumns { file: String, columns: String },

    #[error(
        "{file} line 1: unknown column `{column}` in the header; the columns are nik, kk_number, \
         full_name, sex, birth_place, birth_date, religion, marital_status, relationship, address, rt, \
         rw, village_code, occupation, death_date"
    )]
    UnknownColumn { file: String, column: String },

    #[error("{file} line 1: the column `{column}` appears twice in the header")]
    DuplicateColumn { file: String, column: &'static str },

    #[error("cannot write the report of rejected rows {path}: {source}; nothing was imported")]
    Report {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{file} changed while it was being imported (it is read twice); nothing was imported, the \
         database is unchanged; import it again when nothing is writing to it"
    )]
    FileChanged { file: String },

    #[error(
        "{file}: writing to the database failed at the batch ending on line {line}: {source}; the import \
         was rolled back and the database is unchanged"
    )]
    Store {
        file: String,
        line: u64,
        #[source]
        source: StoreError,
    },

    #[error("{file}: the import could not start or finish: {source}; the database is unchanged")]
    Transaction {
        file: String,
        #[source]
        source: StoreError,
    },

    #[error("{file}: the import stopped unexpectedly ({reason}); the database is unchanged")]
    Internal { file: String, reason: String },
}
