//! Why a whole file was refused. Nothing was written when one of these is returned. Messages name the
//! line and the column, never a value from the file.

use tepat_domain::{Lang, Localized};

use crate::access::Denied;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("the file is {size} bytes; at most {max} bytes ({rows} rows) are accepted in one upload: split it")]
    TooLarge {
        size: usize,
        max: usize,
        rows: usize,
    },
    #[error("the file has more than {max} rows; split it into smaller files")]
    TooManyRows { max: usize },
    #[error("the file is empty; it needs a header line naming the columns")]
    Empty,
    #[error(
        "line {line}, column {column}: the text is not UTF-8; save the file as \"CSV UTF-8\" in your \
         spreadsheet and upload it again"
    )]
    NotUtf8 { line: u64, column: String },
    #[error("line {line}: the CSV cannot be read ({reason})")]
    Csv { line: u64, reason: String },
    #[error("line 1: the header lacks the column(s) {columns}; see the description of the format")]
    MissingColumns { columns: String },
    #[error("line 1: unknown column `{column}` in the header")]
    UnknownColumn { column: String },
    #[error("line 1: the column `{column}` appears twice in the header")]
    DuplicateColumn { column: &'static str },
    #[error("an agency list's sector must be nelayan, kukm, phk or dirumahkan")]
    NotAnAgencySector,
    #[error(transparent)]
    Denied(#[from] Denied),
}

impl UploadError {
    /// A stable code for the page and the API.
    pub fn code(&self) -> &'static str {
        match self {
            UploadError::TooLarge { .. } => "file_too_large",
            UploadError::TooManyRows { .. } => "file_too_many_rows",
            UploadError::Empty => "file_empty",
            UploadError::NotUtf8 { .. } => "file_not_utf8",
            UploadError::Csv { .. } => "file_csv",
            UploadError::MissingColumns { .. } => "header_missing_columns",
            UploadError::UnknownColumn { .. } => "header_unknown_column",
            UploadError::DuplicateColumn { .. } => "header_duplicate_column",
            UploadError::NotAnAgencySector => "sector_not_agency",
            UploadError::Denied(_) => "denied",
        }
    }
}

impl Localized for UploadError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            UploadError::TooLarge { size, max, rows } => format!(
                "berkas berukuran {size} byte; paling banyak {max} byte ({rows} baris) dalam satu \
                 unggahan: pecah berkasnya"
            ),
            UploadError::TooManyRows { max } => {
                format!("berkas berisi lebih dari {max} baris; pecah menjadi beberapa berkas")
            }
            UploadError::Empty => {
                "berkas kosong; baris pertama harus berisi nama-nama kolom".into()
            }
            UploadError::NotUtf8 { line, column } => format!(
                "baris {line}, kolom {column}: teksnya bukan UTF-8; simpan berkas sebagai \"CSV UTF-8\" \
                 di aplikasi lembar kerja lalu unggah lagi"
            ),
            UploadError::Csv { line, reason } => {
                format!("baris {line}: CSV tidak dapat dibaca ({reason})")
            }
            UploadError::MissingColumns { columns } => format!(
                "baris 1: judul kolom tidak memuat kolom {columns}; lihat penjelasan format berkas"
            ),
            UploadError::UnknownColumn { column } => {
                format!("baris 1: kolom `{column}` tidak dikenal")
            }
            UploadError::DuplicateColumn { column } => {
                format!("baris 1: kolom `{column}` muncul dua kali di judul")
            }
            UploadError::NotAnAgencySector => {
                "sektor daftar OPD harus nelayan, kukm, phk atau dirumahkan".into()
            }
            UploadError::Denied(d) => d.message(lang),
        }
    }
}
