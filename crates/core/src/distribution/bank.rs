//! Paying by bank transfer: pain.001 files out, status files (pain.002, camt.053, camt.054) in, and
//! what follows a failure — a new attempt, or cash at a distribution point.
//!
//! **Files out.** One file per envelope, bank and batch (`BatchRef::message_id`, also `PmtInfId`),
//! payments in id order, at most the bank profile's transfers per file. Payments are marked `sent`
//! *before* their file is written: should writing fail, the next export writes the same batch again.
//! A batch with payments still waiting for a status is written again at every export, byte for byte
//! (same ids, and `CreDtTm` is the latest creation time of its payments, not the clock), so a bank
//! that receives it twice recognises it.
//!
//! **Files in.** A file is matched by SHA-256 first (a re-import changes nothing), then read whole
//! (malformed or foreign: refused with the line, nothing changes), then each line is matched to a
//! payment by `EndToEndId` (the payment id as 32 hex digits), else by `InstrId`. A pain.002 group
//! status applies to every payment of the batch it names; line statuses follow it. Payments move only
//! forward (`PaymentState::may_become`), so duplicated and reordered files are harmless.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tepat_domain::distribution::{ControlTotals, EnvelopeState};
use tepat_domain::{RegionCode, Rupiah, Scope};
use tepat_payments::iso20022::{
    self, end_to_end_id, read_status_file, write_pain001, BankProfile, BatchRef, CreditTransfer,
    Pain001, Party, StatusFile,
};
use tepat_store::{
    AuditAction, Envelope, ExportRow, ObjectKind, StatusImport, StatusUpdate, Store,
};
use uuid::Uuid;

use super::envelope::load;
use super::DistributionError;
use crate::access::{Grant, ManagePayments};
use crate::registry::{audit_entry, Origin};

/// Envelopes looked at for paying ones.
const ENVELOPES: u32 = 1_000;
/// The longest file name kept with an import.
const MAX_FILE_NAME: usize = 100;

/// The office's account at one bank, which the transfers are debited from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtorAccount {
    /// The office's name as the bank knows it.
    pub name: String,
    pub account: String,
}

/// One pain.001 file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    pub path: PathBuf,
    pub bank: String,
    /// The file's MsgId.
    pub batch: String,
    pub count: u64,
    pub amount: Rupiah,
    /// Written before (its payments wait for a status): the same bytes again.
    pub again: bool,
}

/// A status line that matched no payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedLine {
    pub line: u32,
    /// `no_id` (neither EndToEndId nor InstrId is a payment id) or `unknown_payment`.
    pub reason: &'static str,
}

/// What [`import_status_file`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ImportReport {
    /// `pain.002`, `camt.053`, `camt.054`.
    pub kind: String,
    /// The same file was imported before: nothing changed.
    pub already_imported: bool,
    /// Status lines and group statuses read.
    pub lines: u64,
    /// Updates that matched a payment.
    pub matched: u64,
    /// Payments whose state changed.
    pub changed: u64,
    /// Updates that would move a payment backwards (a late or repeated status), ignored.
    pub ignored: u64,
    pub unmatched: Vec<UnmatchedLine>,
    /// Account links marked invalid by the bank's rejects (AC01, AC04, AC06).
    pub accounts_invalid: u64,
}

fn scope_region(scope: Scope) -> Option<RegionCode> {
    match scope {
        Scope::Within(r) => Some(r),
        Scope::All => None,
    }
}

async fn audit(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    object: Option<Uuid>,
    purpose: &str,
    origin: &Origin,
) -> Result<(), DistributionError> {
    let entry = audit_entry(
        grant,
        AuditAction::Advance,
        ObjectKind::Registry,
        object,
        scope_region(grant.scope()),
        purpose,
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(())
}

/// Writes the pain.001 files of every paying envelope into `dir`: new batches for payments not yet
/// sent, and again every batch whose payments still wait for a status. `debtors` holds the office's
/// account per bank code; a bank without one is refused before anything is written.
pub async fn export_bank_files(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    dir: &Path,
    debtors: &HashMap<String, DebtorAccount>,
    origin: &Origin,
) -> Result<Vec<WrittenFile>, DistributionError> {
    let paying: Vec<Envelope> = store
        .envelopes(None, ENVELOPES)
        .await?
        .into_iter()
        .filter(|e| e.state == EnvelopeState::Paying)
        .collect();
    let mut plan = Vec::new();
    for envelope in paying {
        for bank in store.export_providers(envelope.id).await? {
            let Some(profile) = iso20022::bank(&bank) else {
                continue;
            };
            let debtor = debtors
                .get(&bank)
                .ok_or_else(|| DistributionError::NoDebtor { bank: bank.clone() })?;
            plan.push((envelope.clone(), profile, debtor));
        }
    }
    let mut written = Vec::new();
    for (envelope, profile, debtor) in plan {
        let files = export_envelope_bank(store, &envelope, profile, debtor, dir, origin).await?;
        if !files.is_empty() {
            audit(
                store,
                grant,
                Some(envelope.id),
                "distribution.bank.export",
                origin,
            )
            .await?;
        }
        written.extend(files);
    }
    Ok(written)
}

/// The files of one envelope at one bank.
async fn export_envelope_bank(
    store: &dyn Store,
    envelope: &Envelope,
    profile: &'static BankProfile,
    debtor: &DebtorAccount,
    dir: &Path,
    origin: &Origin,
) -> Result<Vec<WrittenFile>, DistributionError> {
    let batches = store.batches(envelope.id, profile.code).await?;
    let mut next = batches
        .iter()
        .filter_map(|(id, _)| BatchRef::parse(id))
        .map(|b| b.batch)
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    for (msg_id, waiting) in &batches {
        if *waiting == 0 {
            continue;
        }
        let rows = store.batch_payments(msg_id).await?;
        out.push(write_batch(
            envelope, profile, debtor, msg_id, &rows, dir, true,
        )?);
    }
    let per_file = u32::try_from(profile.max_transfers_per_file.max(1)).unwrap_or(u32::MAX);
    loop {
        let msg_id = BatchRef {
            envelope: envelope.id,
            bank_code4: profile
                .bank_code4()
                .as_bytes()
                .try_into()
                .expect("a BIC starts with four letters"),
            batch: next + 1,
        }
        .message_id();
        let sent = store
            .send_next_batch(envelope.id, profile.code, &msg_id, per_file, origin.now)
            .await?;
        if sent == 0 {
            break;
        }
        next += 1;
        let rows = store.batch_payments(&msg_id).await?;
        out.push(write_batch(
            envelope, profile, debtor, &msg_id, &rows, dir, false,
        )?);
    }
    Ok(out)
}

fn write_batch(
    envelope: &Envelope,
    profile: &BankProfile,
    debtor: &DebtorAccount,
    msg_id: &str,
    rows: &[ExportRow],
    dir: &Path,
    again: bool,
) -> Result<WrittenFile, DistributionError> {
    let doc = pain001(envelope, debtor, msg_id, rows);
    let mut bytes = Vec::with_capacity(rows.len() * 600 + 2_000);
    let totals = write_pain001(&doc, profile, &mut bytes)?;
    let path = dir.join(format!("{msg_id}.xml"));
    std::fs::write(&path, &bytes).map_err(|e| DistributionError::Io {
        path: path.display().to_string(),
        reason: e.kind().to_string(),
    })?;
    Ok(WrittenFile {
        path,
        bank: profile.code.to_owned(),
        batch: msg_id.to_owned(),
        count: totals.count,
        amount: totals.amount,
        again,
    })
}

/// The file of one batch. Everything in it comes from stored rows, so writing it again gives the
/// same bytes. Creditors are named by program and payment, not by person: banks pay by account
/// number, and a name would put personal data in every copy of the file.
fn pain001(
    envelope: &Envelope,
    debtor: &DebtorAccount,
    msg_id: &str,
    rows: &[ExportRow],
) -> Pain001 {
    let created = rows
        .iter()
        .map(|r| r.payment.created_at)
        .max()
        .unwrap_or(envelope.prepared_at);
    let created = DateTime::<Utc>::from_timestamp(created.timestamp(), 0).unwrap_or(created);
    Pain001 {
        msg_id: msg_id.to_owned(),
        created,
        initiating_party: debtor.name.clone(),
        payment_info_id: msg_id.to_owned(),
        requested_date: envelope.scheduled_date,
        debtor: Party {
            name: debtor.name.clone(),
            account: debtor.account.clone(),
        },
        transfers: rows
            .iter()
            .map(|r| CreditTransfer {
                end_to_end_id: end_to_end_id(r.payment.id),
                amount: r.payment.amount,
                creditor_name: format!("KPM {}", envelope.program),
                creditor_account: r
                    .address
                    .as_ref()
                    .map(|a| a.id().to_owned())
                    .unwrap_or_default(),
                remittance: format!("{} {}", envelope.program, envelope.cycle),
            })
            .collect(),
    }
}

/// Imports one status file: see the module documentation. `name` is the uploaded file's name (kept,
/// cut to 100 characters).
pub async fn import_status_file(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    name: &str,
    bytes: &[u8],
    origin: &Origin,
) -> Result<ImportReport, DistributionError> {
    let sha256: [u8; 32] = Sha256::digest(bytes).into();
    if store.status_import(&sha256).await?.is_some() {
        return Ok(ImportReport {
            already_imported: true,
            ..ImportReport::default()
        });
    }
    let file = read_status_file(bytes)?;
    let (updates, lines_of, mut report) = updates_of(store, &file).await?;
    let import = StatusImport {
        sha256,
        kind: file.kind.code().to_owned(),
        file_name: name.chars().take(MAX_FILE_NAME).collect(),
        imported_by: grant.actor().user(),
        imported_at: origin.now,
        summary: serde_json::json!({
            "lines": report.lines,
            "updates": updates.len(),
            "message_id": file.message_id,
        })
        .to_string(),
    };
    let applied = store.apply_status(&import, &updates).await?;
    report.already_imported = applied.already_imported;
    report.matched = applied.matched;
    report.changed = applied.changed;
    report.ignored = applied.ignored;
    report.accounts_invalid = applied.accounts_invalid;
    for id in applied.unknown {
        for line in lines_of.get(&id).into_iter().flatten() {
            report.unmatched.push(UnmatchedLine {
                line: *line,
                reason: "unknown_payment",
            });
        }
    }
    report.unmatched.sort_by_key(|u| u.line);
    if !report.already_imported {
        audit(store, grant, None, "distribution.bank.import", origin).await?;
    }
    Ok(report)
}

type Updates = (Vec<StatusUpdate>, HashMap<Uuid, Vec<u32>>, ImportReport);

/// The file's statuses as payment updates: a group (batch-level) status for the payments of its batch
/// that have no line of their own, then the lines in file order (a line is more specific than its
/// group).
async fn updates_of(store: &dyn Store, file: &StatusFile) -> Result<Updates, DistributionError> {
    let mut report = ImportReport {
        kind: file.kind.code().to_owned(),
        lines: (file.groups.len() + file.lines.len()) as u64,
        ..ImportReport::default()
    };
    let mut lines = Vec::with_capacity(file.lines.len());
    let mut lines_of: HashMap<Uuid, Vec<u32>> = HashMap::with_capacity(file.lines.len());
    for line in &file.lines {
        let id = [&line.end_to_end_id, &line.instruction_id]
            .into_iter()
            .flatten()
            .find_map(|s| payment_id(s));
        let Some(id) = id else {
            report.unmatched.push(UnmatchedLine {
                line: line.line,
                reason: "no_id",
            });
            continue;
        };
        lines_of.entry(id).or_default().push(line.line);
        lines.push(StatusUpdate {
            payment: id,
            state: line.outcome.payment_state(),
            reason: line.reason.clone(),
            provider_ref: line.account_servicer_ref.clone(),
        });
    }
    let mut updates = Vec::with_capacity(lines.len());
    for group in &file.groups {
        for id in store.batch_payment_ids(&group.original_msg_id).await? {
            if lines_of.contains_key(&id) {
                continue;
            }
            updates.push(StatusUpdate {
                payment: id,
                state: group.outcome.payment_state(),
                reason: group.reason.clone(),
                provider_ref: None,
            });
        }
    }
    updates.extend(lines);
    Ok((updates, lines_of, report))
}

/// A payment id written as 32 hex digits (or hyphenated).
fn payment_id(text: &str) -> Option<Uuid> {
    let t = text.trim();
    (t.len() == 32 || t.len() == 36)
        .then(|| Uuid::parse_str(t).ok())
        .flatten()
}

/// New attempts for an envelope's failed transfers and premiums (through the household's current
/// verified account); they go out with the next export.
pub async fn retry_failed(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    envelope: Uuid,
    origin: &Origin,
) -> Result<ControlTotals, DistributionError> {
    let e = load(store, envelope).await?;
    if e.state != EnvelopeState::Paying {
        return Err(not_paying(e.state));
    }
    let made = store.retry_failed(envelope, origin.now).await?;
    audit(
        store,
        grant,
        Some(envelope),
        "distribution.payment.retry",
        origin,
    )
    .await?;
    Ok(made)
}

fn not_paying(state: EnvelopeState) -> DistributionError {
    DistributionError::NotPaying { state }
}

/// Reroutes failed entitlements (all of the envelope's, or only `households`) to cash at a
/// distribution point; their vouchers and points follow (the hand-over code).
pub async fn reroute_to_cash(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    envelope: Uuid,
    households: Option<&[Uuid]>,
    origin: &Origin,
) -> Result<ControlTotals, DistributionError> {
    let e = load(store, envelope).await?;
    if e.state != EnvelopeState::Paying {
        return Err(not_paying(e.state));
    }
    let moved = store.reroute_to_cash(envelope, households).await?;
    audit(
        store,
        grant,
        Some(envelope),
        "distribution.payment.reroute_cash",
        origin,
    )
    .await?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_ids_are_read_in_both_forms() {
        let id = Uuid::now_v7();
        assert_eq!(payment_id(&end_to_end_id(id)), Some(id));
        assert_eq!(payment_id(&id.to_string()), Some(id));
        assert_eq!(payment_id("TRX-0001"), None);
        assert_eq!(payment_id(&"g".repeat(32)), None);
    }
}
