//! Distribution (*penyaluran*, issue 7; `docs/distribution.md`): from enrolments to money or goods in
//! the household's hands.
//!
//! - [`envelope`]: the envelope (*amplop*) of one program-cycle — prepared with every enrolled
//!   household's entitlement, approved by someone else (maker-checker), released for payment once,
//!   closed when every entitlement is settled; control totals at every stage.
//! - [`entitlements`]: what each household receives in a cycle (the program's formula on its current
//!   targeting facts) and by which route (bank, e-wallet, cash, goods, premium).
//! - [`bank`]: pain.001 files per bank out, pain.002 / camt.053 / camt.054 status files in, retries and
//!   rerouting failed transfers to cash.
//! - [`ewallet`]: e-wallet payments sent through the providers' G2P Connect `disburse`, their signed
//!   callbacks applied once, and transaction status polled for callbacks that never came.
//! - [`mapper`]: the ID-to-account mapper — a household's bank account or e-wallet, requested by the
//!   recipient or an officer, verified by an officer, invalidated by the bank's rejects.
//!
//! - [`points`]: distribution points (post office, village hall, e-Warung) with their slots.
//! - [`vouchers`]: signed vouchers for cash and goods with a point, day and slot each, and the
//!   `schedule` notices; rescheduling.
//! - [`handovers`]: hand-overs synced from officers' and merchants' devices, second redemptions flagged.
//! - [`trail`]: a household's own entitlements, step by step, with their ledger entries.
//! - [`premium`]: premiums paid to BPJS Kesehatan in one treasury transfer, recorded by its number.
//!
//! A KPM (*keluarga penerima manfaat*) is a household with an active enrolment in a program.

pub mod bank;
pub mod entitlements;
pub mod envelope;
pub mod ewallet;
pub mod handovers;
pub mod mapper;
pub mod points;
pub mod premium;
pub mod trail;
pub mod vouchers;

use tepat_domain::distribution::{
    AddressError, CycleCodeError, EnvelopeState, EnvelopeTransitionError,
};
use tepat_domain::{Lang, Localized};
use tepat_payments::iso20022::{ReadError, WriteError};
use tepat_store::StoreError;

use crate::access::Denied;
use crate::targeting::run::TargetingError;

pub use bank::{
    export_bank_files, import_status_file, reroute_to_cash, retry_failed, DebtorAccount,
    ImportReport, UnmatchedLine, WrittenFile,
};
pub use entitlements::{compute_entitlements, route_for, Computed};
pub use envelope::{
    approve_envelope, cancel_envelope, close_envelope, prepare_envelope, reconcile,
    release_envelope, Prepared, Reconciliation, ReleaseOutcome,
};
pub use mapper::{accounts_pending, mark_account_invalid, request_account_change, verify_account};

/// What went wrong in distribution. Says what to do; never names a household or an account.
#[derive(Debug, thiserror::Error)]
pub enum DistributionError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("there is no program {code}; the programs page lists them")]
    UnknownProgram { code: String },
    /// Boxed: a program's errors carry the rule's text.
    #[error(transparent)]
    Program(Box<TargetingError>),
    #[error(transparent)]
    Cycle(#[from] CycleCodeError),
    #[error("the payment date {date} is in the past; choose today or a later day")]
    ScheduledInPast { date: chrono::NaiveDate },
    #[error(
        "no household in this area has an active enrolment in {program} with an amount to pay; \
         approve a targeting run first"
    )]
    NothingToPay { program: String },
    #[error(
        "{program} already has an envelope for cycle {cycle}; cancel it first if it must be prepared \
         again"
    )]
    EnvelopeExists { program: String, cycle: String },
    #[error("no envelope has this id")]
    EnvelopeNotFound,
    #[error(transparent)]
    State(#[from] EnvelopeTransitionError),
    #[error(
        "the envelope is {}, not being paid: only a released envelope has payments to retry or reroute",
        .state.label(Lang::En)
    )]
    NotPaying { state: EnvelopeState },
    #[error("no registry household has this id")]
    UnknownHousehold,
    #[error("you prepared this envelope, so someone else must approve it (maker-checker)")]
    SamePerson,
    #[error("the reason for cancelling is empty or too long; write a short reason (at most 200 characters)")]
    BadReason,
    #[error(
        "no debtor account is configured for bank {bank}; add the office's account at that bank to \
         the payment settings"
    )]
    NoDebtor { bank: String },
    #[error("a bank file could not be written: {0}")]
    BankFile(#[from] WriteError),
    #[error("the status file was refused and nothing was changed: {0}")]
    StatusFile(#[from] ReadError),
    #[error("the file {path} could not be written ({reason}); check the directory exists and is writable")]
    Io { path: String, reason: String },
    #[error("the household has no account on record")]
    NoAccount,
    #[error("the account is not waiting for verification (it was verified or rejected already)")]
    AccountNotPending,
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error("the amounts add up to more than tepat can hold; check the program's benefit")]
    Overflow,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<TargetingError> for DistributionError {
    fn from(e: TargetingError) -> DistributionError {
        match e {
            TargetingError::UnknownProgram { code } => DistributionError::UnknownProgram { code },
            TargetingError::Store(s) => DistributionError::Store(s),
            TargetingError::Denied(d) => DistributionError::Denied(d),
            other => DistributionError::Program(Box::new(other)),
        }
    }
}

impl Localized for DistributionError {
    fn message(&self, lang: Lang) -> String {
        use DistributionError as E;
        match (self, lang) {
            (E::Denied(d), _) => d.message(lang),
            (E::Program(e), _) => e.message(lang),
            (E::Cycle(e), _) => e.message(lang),
            (E::State(e), _) => e.message(lang),
            (E::Address(e), _) => e.message(lang),
            (_, Lang::En) => self.to_string(),
            (E::UnknownProgram { code }, Lang::Id) => format!("tidak ada program {code}"),
            (E::ScheduledInPast { date }, Lang::Id) => {
                format!("tanggal bayar {date} sudah lewat; pilih hari ini atau sesudahnya")
            }
            (E::NothingToPay { program }, Lang::Id) => format!(
                "tidak ada keluarga di wilayah ini yang terdaftar aktif di {program} dengan jumlah \
                 yang harus dibayar; tetapkan hasil penargetan terlebih dahulu"
            ),
            (E::EnvelopeExists { program, cycle }, Lang::Id) => format!(
                "{program} sudah memiliki amplop untuk siklus {cycle}; batalkan dulu bila harus \
                 disiapkan ulang"
            ),
            (E::EnvelopeNotFound, Lang::Id) => "tidak ada amplop dengan id ini".into(),
            (E::NotPaying { state }, Lang::Id) => format!(
                "amplop berstatus {}, tidak sedang disalurkan: hanya amplop yang sudah disalurkan \
                 yang pembayarannya dapat diulang atau dialihkan",
                state.label(Lang::Id)
            ),
            (E::UnknownHousehold, Lang::Id) => "tidak ada keluarga dengan id ini di registri".into(),
            (E::SamePerson, Lang::Id) => {
                "Anda yang menyiapkan amplop ini, jadi orang lain yang harus menyetujuinya".into()
            }
            (E::BadReason, Lang::Id) => {
                "alasan pembatalan kosong atau terlalu panjang; tulis alasan singkat (paling \
                 banyak 200 karakter)"
                    .into()
            }
            (E::NoDebtor { bank }, Lang::Id) => format!(
                "rekening sumber dana di bank {bank} belum diatur; tambahkan rekening kantor di bank \
                 itu pada pengaturan pembayaran"
            ),
            (E::BankFile(e), Lang::Id) => format!("berkas bank tidak dapat ditulis: {e}"),
            (E::StatusFile(e), Lang::Id) => format!(
                "berkas status ditolak dan tidak ada yang diubah (baris {}): {e}",
                e.line
            ),
            (E::Io { path, .. }, Lang::Id) => format!(
                "berkas {path} tidak dapat ditulis; periksa bahwa foldernya ada dan dapat ditulisi"
            ),
            (E::NoAccount, Lang::Id) => "keluarga ini belum memiliki rekening tercatat".into(),
            (E::AccountNotPending, Lang::Id) => {
                "rekening ini tidak sedang menunggu verifikasi (sudah diverifikasi atau ditolak)"
                    .into()
            }
            (E::Overflow, Lang::Id) => {
                "jumlah uang melebihi batas yang dapat disimpan; periksa besaran bantuan program"
                    .into()
            }
            // The variants above that delegate to their inner error, whatever the language.
            (_, Lang::Id) => self.to_string(),
        }
    }
}
