//! Premiums paid to BPJS Kesehatan (PBI-JK, route `premium`, provider `bpjs`).
//!
//! A premium is not a transfer to the household: the treasury pays the premiums of all the envelope's
//! members to BPJS Kesehatan as **one** transfer, identified by its document number (an SP2D, *surat
//! perintah pencairan dana*). So there is no file to send: once the treasury has paid, an officer
//! records the document number and every premium payment still waiting becomes `settled` with it as
//! the provider's reference (the entitlements follow to `paid`).
//!
//! The settlement goes through the same path as a bank's status file
//! ([`Store::apply_status`](tepat_store::DistributionStore::apply_status)), recorded as a status import
//! whose SHA-256 is that of the envelope and the document number: recording the same transfer again
//! changes nothing, and payments only move forward.

use sha2::{Digest, Sha256};
use tepat_domain::distribution::{ControlTotals, EnvelopeState, PaymentState, Route};
use tepat_domain::{Lang, Localized, RegionCode, Rupiah, Scope};
use tepat_store::{AuditAction, ObjectKind, StatusImport, StatusUpdate, Store, StoreError};
use uuid::Uuid;

use super::envelope::load;
use super::DistributionError;
use crate::access::{Grant, ManagePayments};
use crate::registry::{audit_entry, Origin};

/// The provider code of premium payments.
pub const BPJS: &str = "bpjs";
/// The `kind` of the status import a settlement is recorded as.
pub const KIND: &str = "bpjs.premium";
/// The longest document number accepted (an SP2D number is about 30 characters).
const MAX_REFERENCE: usize = 64;

/// What recording a premium transfer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PremiumReport {
    /// Premium payments settled now.
    pub count: u64,
    pub amount: Rupiah,
    /// This envelope's transfer with this document number was recorded before: nothing changed.
    pub already_recorded: bool,
}

/// Why a premium transfer was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum PremiumError {
    #[error(
        "the document number is empty, too long or has characters other than letters, digits, \
         spaces and / . - _; write the transfer's number as on the SP2D (at most 64 characters)"
    )]
    BadReference,
    #[error(transparent)]
    Distribution(#[from] DistributionError),
}

impl From<StoreError> for PremiumError {
    fn from(e: StoreError) -> PremiumError {
        PremiumError::Distribution(e.into())
    }
}

impl Localized for PremiumError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PremiumError::Distribution(e), _) => e.message(lang),
            (PremiumError::BadReference, Lang::En) => self.to_string(),
            (PremiumError::BadReference, Lang::Id) => {
                "nomor dokumen kosong, terlalu panjang atau memuat karakter selain huruf, angka, \
                 spasi dan / . - _; tulis nomor transfer seperti pada SP2D (paling banyak 64 \
                 karakter)"
                    .into()
            }
        }
    }
}

/// The envelope's premiums still to pay (created, sent or accepted): what the treasury's transfer to
/// BPJS Kesehatan should be.
pub async fn premiums_due(store: &dyn Store, envelope: Uuid) -> Result<ControlTotals, StoreError> {
    let mut due = ControlTotals::default();
    for t in store.payment_totals(envelope).await? {
        if t.route == Route::Premium && waiting(t.state) {
            due.count += t.totals.count;
            due.amount =
                due.amount
                    .checked_add(t.totals.amount)
                    .map_err(|_| StoreError::Corrupt {
                        what: "premium total".into(),
                    })?;
        }
    }
    Ok(due)
}

/// Records the treasury's transfer `reference` (the SP2D number) that paid the premiums of a paying
/// envelope: every premium payment still waiting becomes settled with the reference, once.
pub async fn settle_premiums(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    envelope: Uuid,
    reference: &str,
    origin: &Origin,
) -> Result<PremiumReport, PremiumError> {
    let reference = clean_reference(reference)?;
    let e = load(store, envelope).await?;
    let sha256 = import_key(envelope, &reference);
    if store.status_import(&sha256).await?.is_some() {
        return Ok(PremiumReport {
            already_recorded: true,
            ..PremiumReport::default()
        });
    }
    if e.state != EnvelopeState::Paying {
        return Err(DistributionError::NotPaying { state: e.state }.into());
    }
    let (updates, totals) = waiting_premiums(store, envelope, &reference).await?;
    if updates.is_empty() {
        return Ok(PremiumReport::default());
    }
    let import = StatusImport {
        sha256,
        kind: KIND.into(),
        file_name: reference.clone(),
        imported_by: grant.actor().user(),
        imported_at: origin.now,
        summary: serde_json::json!({
            "envelope": envelope,
            "count": totals.count,
            "amount": totals.amount.amount(),
        })
        .to_string(),
    };
    let applied = store.apply_status(&import, &updates).await?;
    if applied.already_imported {
        return Ok(PremiumReport {
            already_recorded: true,
            ..PremiumReport::default()
        });
    }
    audit(store, grant, envelope, origin).await?;
    Ok(PremiumReport {
        count: totals.count,
        amount: totals.amount,
        already_recorded: false,
    })
}

/// Letters, digits, spaces and `/ . - _`: the document numbers of the treasury, and nothing that could
/// carry personal data or markup.
fn clean_reference(reference: &str) -> Result<String, PremiumError> {
    let r = reference.trim();
    let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '/' | '.' | '-' | '_');
    if r.is_empty() || r.len() > MAX_REFERENCE || !r.chars().all(fine) {
        return Err(PremiumError::BadReference);
    }
    Ok(r.to_owned())
}

fn import_key(envelope: Uuid, reference: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"tepat/premium/v1\n");
    h.update(envelope.as_bytes());
    h.update(reference.as_bytes());
    h.finalize().into()
}

fn waiting(state: PaymentState) -> bool {
    matches!(
        state,
        PaymentState::Created | PaymentState::Sent | PaymentState::Accepted
    )
}

/// Every premium payment of the envelope still waiting, as a settlement with `reference`. The whole
/// envelope: the treasury pays BPJS Kesehatan for all its members in one transfer.
async fn waiting_premiums(
    store: &dyn Store,
    envelope: Uuid,
    reference: &str,
) -> Result<(Vec<StatusUpdate>, ControlTotals), PremiumError> {
    let waiting = store.waiting_premiums(envelope).await?;
    let totals = ControlTotals::of(waiting.iter().map(|(_, amount)| *amount))
        .map_err(|_| DistributionError::Overflow)?;
    let updates = waiting
        .into_iter()
        .map(|(payment, _)| StatusUpdate {
            payment,
            state: PaymentState::Settled,
            reason: None,
            provider_ref: Some(reference.to_owned()),
        })
        .collect();
    Ok((updates, totals))
}

async fn audit(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    envelope: Uuid,
    origin: &Origin,
) -> Result<(), DistributionError> {
    let entry = audit_entry(
        grant,
        AuditAction::Advance,
        ObjectKind::Registry,
        Some(envelope),
        scope_region(grant.scope()),
        "distribution.premium.settle",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(())
}

fn scope_region(scope: Scope) -> Option<RegionCode> {
    match scope {
        Scope::Within(r) => Some(r),
        Scope::All => None,
    }
}
