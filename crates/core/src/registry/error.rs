//! What can go wrong in a registry operation, in the operator's language.

use tepat_domain::registry::{ChangeError, RecordError, WorkflowError};
use tepat_domain::{Lang, Localized};
use tepat_store::StoreError;

use crate::access::Denied;

/// Why a registry operation did not happen. Nothing was written when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Change(#[from] ChangeError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("no {what} with this id")]
    NotFound { what: &'static str },
    #[error("this request is not a new household; its household must exist")]
    Mismatch,
    #[error("type a NIK or KK number (16 digits) or at least three letters of a name")]
    Query,
    #[error(
        "this form's request id is not valid or belongs to another request; open the form again"
    )]
    RequestId,
    #[error("this task is already done or suspended; open the household again")]
    TaskClosed,
    #[error("this change does not do the task's work (another member or another kind of change)")]
    TaskMismatch,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RegistryError {
    /// A stable code for forms and the API.
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::Denied(Denied::Role { .. }) => "denied_role",
            RegistryError::Denied(Denied::Region { .. }) => "denied_region",
            RegistryError::Workflow(e) => e.code(),
            RegistryError::Change(e) => e.code(),
            RegistryError::Record(e) => e.code(),
            RegistryError::NotFound { .. } => "not_found",
            RegistryError::Mismatch => "request_mismatch",
            RegistryError::Query => "search_query",
            RegistryError::RequestId => "request_id",
            RegistryError::TaskClosed => "task_closed",
            RegistryError::TaskMismatch => "task_mismatch",
            RegistryError::Store(StoreError::Conflict { .. }) => "conflict",
            RegistryError::Store(_) => "store",
        }
    }
}

impl Localized for RegistryError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RegistryError::Denied(e), _) => e.message(lang),
            (RegistryError::Workflow(e), _) => e.message(lang),
            (RegistryError::Change(e), _) => e.message(lang),
            (RegistryError::Record(e), _) => e.message(lang),
            (_, Lang::En) => self.to_string(),
            (RegistryError::NotFound { what }, Lang::Id) => {
                format!("{} dengan id ini tidak ada", id_word(what))
            }
            (RegistryError::Mismatch, Lang::Id) => {
                "usulan ini bukan keluarga baru; keluarganya harus sudah ada".into()
            }
            (RegistryError::Query, Lang::Id) => {
                "ketik NIK atau nomor KK (16 angka) atau paling sedikit tiga huruf nama".into()
            }
            (RegistryError::RequestId, Lang::Id) => {
                "id usulan pada formulir ini tidak sah atau milik usulan lain; buka formulirnya lagi"
                    .into()
            }
            (RegistryError::TaskClosed, Lang::Id) => {
                "tugas ini sudah selesai atau ditangguhkan; buka halaman keluarga lagi".into()
            }
            (RegistryError::TaskMismatch, Lang::Id) => {
                "perubahan ini bukan yang diminta tugas tersebut (anggota atau jenis perubahan lain)"
                    .into()
            }
            (RegistryError::Store(StoreError::Conflict { .. }), Lang::Id) => {
                "data ini sudah diubah orang lain sementara itu; muat ulang lalu coba lagi".into()
            }
            (RegistryError::Store(_), Lang::Id) => {
                "terjadi kesalahan basis data; coba lagi atau hubungi administrator".into()
            }
        }
    }
}

fn id_word(what: &str) -> &'static str {
    match what {
        "household" => "keluarga",
        "request" => "usulan",
        "task" => "tugas",
        _ => "data",
    }
}
