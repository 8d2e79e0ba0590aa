//! Distribution's records (issue 7, `docs/distribution.md`): envelopes (*amplop*) of a program-cycle with
//! their control totals, each household's entitlement, payment attempts through banks and e-wallets,
//! imported status files, the ID-to-account mapper and the salts of the ledger's beneficiary
//! commitments.
//!
//! The store guards what must hold whatever the caller does: one live envelope per program-cycle,
//! maker-checker (the preparer never approves, also a CHECK in the schema), release only from `approved`
//! (so two concurrent releases pay once), payment states only moving forward
//! ([`PaymentState::may_become`]), and a status file applied at most once (by its SHA-256).

use chrono::{DateTime, NaiveDate, Utc};
use tepat_domain::distribution::{
    AddressKind, ControlTotals, EntitlementState, EnvelopeState, FinancialAddress, PaymentState,
    Route,
};
use tepat_domain::{RegionCode, Rupiah, Scope};
use uuid::Uuid;

use crate::error::StoreError;
use crate::targeting_runs::PageAfter;

/// Reject reason codes that mean the account itself is wrong (closed, blocked, unknown number): the
/// household's account link becomes invalid and the household is asked to give a new one.
pub const ACCOUNT_REASONS: &[&str] = &["AC01", "AC04", "AC06"];

/// An envelope to create, with its entitlements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnvelope {
    pub id: Uuid,
    pub program: String,
    /// The cycle code, e.g. `2027-T1`.
    pub cycle: String,
    pub program_version: u32,
    pub scheduled_date: NaiveDate,
    pub prepared_by: Uuid,
    pub prepared_at: DateTime<Utc>,
}

/// A stored envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub id: Uuid,
    pub program: String,
    pub cycle: String,
    pub program_version: u32,
    pub state: EnvelopeState,
    /// Count and amount of its entitlements, fixed when it was prepared.
    pub totals: ControlTotals,
    pub scheduled_date: NaiveDate,
    pub prepared_by: Uuid,
    pub prepared_at: DateTime<Utc>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<Uuid>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// A short reason without personal data.
    pub cancel_reason: Option<String>,
    pub ledger_index: Option<u64>,
}

/// One household's entitlement in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entitlement {
    pub household: Uuid,
    pub village: RegionCode,
    /// What this cycle pays (capped by the program's maximum per cycle).
    pub amount: Rupiah,
    /// The benefit's components as JSON (`tepat_domain::program::BenefitPart`s).
    pub parts: String,
    pub route: Route,
    /// Bank or e-wallet code for [`Route::Bank`] and [`Route::EWallet`].
    pub provider: Option<String>,
    pub state: EntitlementState,
    /// The last failure's reason code (e.g. `AC04`).
    pub reason: Option<String>,
}

/// Which entitlements of an envelope to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitlementFilter {
    pub within: Scope,
    pub state: Option<EntitlementState>,
    pub route: Option<Route>,
}

impl EntitlementFilter {
    /// Every entitlement inside `within`.
    pub fn within(within: Scope) -> EntitlementFilter {
        EntitlementFilter {
            within,
            state: None,
            route: None,
        }
    }
}

/// Control totals of an envelope's entitlements in one state and route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntitlementTotals {
    pub state: EntitlementState,
    pub route: Route,
    pub totals: ControlTotals,
}

/// Control totals of an envelope's payments in one state through one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentTotals {
    pub state: PaymentState,
    pub route: Route,
    pub provider: String,
    pub totals: ControlTotals,
}

/// One attempt to pay an entitlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Its simple hex is the EndToEndId (bank) or reference_id (e-wallet).
    pub id: Uuid,
    pub envelope: Uuid,
    pub household: Uuid,
    /// 1 for the first attempt; each retry adds one.
    pub attempt: u32,
    pub route: Route,
    pub provider: String,
    pub amount: Rupiah,
    pub state: PaymentState,
    pub reason: Option<String>,
    /// The provider's own reference (AcctSvcrRef, a wallet's transaction id).
    pub provider_ref: Option<String>,
    /// The file (MsgId) or disbursement it went out in.
    pub batch: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A payment to put in a bank file, with where it goes (opened from the mapper; `None` when the
/// household has no account link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub payment: Payment,
    pub address: Option<FinancialAddress>,
    pub link_state: Option<LinkState>,
}

/// What release did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Released {
    /// Payment rows created (bank, e-wallet, premium).
    pub payments: ControlTotals,
    /// Cash and goods entitlements now instructed, waiting for their vouchers.
    pub vouchers_due: ControlTotals,
}

/// A status a provider reported for one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    pub payment: Uuid,
    pub state: PaymentState,
    pub reason: Option<String>,
    pub provider_ref: Option<String>,
}

/// An imported status file, recorded with the updates it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusImport {
    pub sha256: [u8; 32],
    /// `pain.002`, `camt.053`, `camt.054` (or `g2p.on-disburse` for e-wallet callbacks).
    pub kind: String,
    pub file_name: String,
    pub imported_by: Uuid,
    pub imported_at: DateTime<Utc>,
    /// JSON counts, without personal data.
    pub summary: String,
}

/// What applying status updates did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppliedStatus {
    /// The file was imported before: nothing changed.
    pub already_imported: bool,
    /// Updates that matched a payment.
    pub matched: u64,
    /// Payments whose state changed.
    pub changed: u64,
    /// Updates that would move a payment backwards or out of a final state (ignored).
    pub ignored: u64,
    /// Payment ids no payment has.
    pub unknown: Vec<Uuid>,
    /// Account links marked invalid (a reject reason in [`ACCOUNT_REASONS`]).
    pub accounts_invalid: u64,
}

/// Who asked for an account link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkSource {
    /// The recipient, through the portal.
    Citizen,
    /// An officer, on the recipient's behalf.
    Officer,
    /// A bank's list of KKS accounts.
    Import,
}

/// Where an account link is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    /// Asked for, not yet checked: not used for payments.
    Pending,
    /// Checked by an officer: payments go there.
    Verified,
    /// The provider rejected it (or an officer did); the household is asked for a new one.
    Invalid,
}

macro_rules! text_codes {
    ($ty:ident { $($variant:ident => $code:literal),* $(,)? }) => {
        impl $ty {
            pub fn code(self) -> &'static str {
                match self {
                    $($ty::$variant => $code,)*
                }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                match s {
                    $($code => Some($ty::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

text_codes!(LinkSource {
    Citizen => "citizen",
    Officer => "officer",
    Import => "import",
});

text_codes!(LinkState {
    Pending => "pending",
    Verified => "verified",
    Invalid => "invalid",
});

/// An account link to record (state pending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccountLink {
    pub household: Uuid,
    pub village: RegionCode,
    pub address: FinancialAddress,
    pub source: LinkSource,
    pub requested_at: DateTime<Utc>,
}

/// A household's account link, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLink {
    pub household: Uuid,
    pub village: RegionCode,
    pub address: FinancialAddress,
    pub state: LinkState,
    pub source: LinkSource,
    pub requested_at: DateTime<Utc>,
    pub verified_by: Option<Uuid>,
    pub verified_at: Option<DateTime<Utc>>,
    pub invalid_reason: Option<String>,
}

/// A verified link's route, without opening the address: what preparing an envelope needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRoute {
    pub household: Uuid,
    pub kind: AddressKind,
    pub provider: String,
}

/// Storage of envelopes, entitlements, payments and the account mapper.
#[async_trait::async_trait]
pub trait DistributionStore {
    /// Creates an envelope in state `prepared` with its entitlements (state `pending`) in one
    /// transaction; its control totals are computed from `rows`. A live envelope of the same
    /// program-cycle gives [`StoreError::Conflict`], as does a household listed twice.
    async fn create_envelope(
        &self,
        envelope: &NewEnvelope,
        rows: &[Entitlement],
    ) -> Result<ControlTotals, StoreError>;

    async fn envelope(&self, id: Uuid) -> Result<Option<Envelope>, StoreError>;

    /// Envelopes, newest first, optionally of one program.
    async fn envelopes(
        &self,
        program: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Envelope>, StoreError>;

    /// A page of an envelope's entitlements by village then household id.
    async fn entitlements(
        &self,
        envelope: Uuid,
        filter: &EntitlementFilter,
        after: Option<&PageAfter<Uuid>>,
        limit: u32,
    ) -> Result<Vec<Entitlement>, StoreError>;

    async fn entitlement(
        &self,
        envelope: Uuid,
        household: Uuid,
    ) -> Result<Option<Entitlement>, StoreError>;

    /// Control totals of an envelope's entitlements by state and route.
    async fn entitlement_totals(
        &self,
        envelope: Uuid,
    ) -> Result<Vec<EntitlementTotals>, StoreError>;

    /// Control totals of an envelope's payments by state, route and provider.
    async fn payment_totals(&self, envelope: Uuid) -> Result<Vec<PaymentTotals>, StoreError>;

    /// `prepared → approved`. The preparer approving gives [`StoreError::Conflict`]
    /// ("maker-checker"); another state gives [`StoreError::Conflict`] too.
    async fn approve_envelope(
        &self,
        id: Uuid,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// `prepared | approved → cancelled`, its entitlements `cancelled`.
    async fn cancel_envelope(
        &self,
        id: Uuid,
        by: Uuid,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError>;

    /// `approved → paying` in one transaction guarded by the state (a second or concurrent release
    /// gives [`StoreError::Conflict`] and changes nothing): payment rows (attempt 1, state created)
    /// for bank, e-wallet and premium entitlements, every entitlement `instructed`.
    async fn release_envelope(&self, id: Uuid, at: DateTime<Utc>) -> Result<Released, StoreError>;

    /// `paying → closed` when every entitlement is settled (paid, handed over, cancelled). Returns
    /// whether it closed.
    async fn close_envelope(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// The bank codes with payments created or sent in an envelope, sorted.
    async fn export_providers(&self, envelope: Uuid) -> Result<Vec<String>, StoreError>;

    /// A page of an envelope's bank payments to `provider` not yet sent (state created), by id, each
    /// with its opened address.
    async fn created_payments(
        &self,
        envelope: Uuid,
        provider: &str,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<ExportRow>, StoreError>;

    /// The batches (file MsgIds) an envelope's payments to `provider` went out in, sorted, each with
    /// how many of its payments still wait for a status (state sent).
    async fn batches(
        &self,
        envelope: Uuid,
        provider: &str,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// Puts up to `limit` of an envelope's created bank payments to `provider` whose household has a
    /// verified account at that bank into `batch` (state `sent`), in id order, in one statement; returns
    /// how many. Read them back with [`batch_payments`](Self::batch_payments) to write the file.
    async fn send_next_batch(
        &self,
        envelope: Uuid,
        provider: &str,
        batch: &str,
        limit: u32,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Marks created payments `sent` in `batch`; returns how many changed.
    async fn mark_sent(
        &self,
        payments: &[Uuid],
        batch: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// The payments that went out in `batch`, by id, with their addresses: enough to write its file
    /// again, byte for byte.
    async fn batch_payments(&self, batch: &str) -> Result<Vec<ExportRow>, StoreError>;

    /// The ids of the payments that went out in `batch` (what a batch-level status applies to).
    async fn batch_payment_ids(&self, batch: &str) -> Result<Vec<Uuid>, StoreError>;

    async fn payment(&self, id: Uuid) -> Result<Option<Payment>, StoreError>;

    /// A household's payments in an envelope, by attempt.
    async fn household_payments(
        &self,
        envelope: Uuid,
        household: Uuid,
    ) -> Result<Vec<Payment>, StoreError>;

    /// Applies a status file in one transaction: records `import` (a known SHA-256 means
    /// `already_imported` and nothing changes), moves each payment only where
    /// [`PaymentState::may_become`] allows, and the entitlement follows (settled → paid, rejected or
    /// returned → failed with the reason; [`ACCOUNT_REASONS`] also mark the account link invalid).
    async fn apply_status(
        &self,
        import: &StatusImport,
        updates: &[StatusUpdate],
    ) -> Result<AppliedStatus, StoreError>;

    async fn status_import(&self, sha256: &[u8; 32]) -> Result<Option<StatusImport>, StoreError>;

    /// New attempts (state created) for an envelope's failed bank, e-wallet and premium entitlements
    /// whose last attempt was rejected or returned, through the household's verified account link (its
    /// current provider); entitlements `instructed` again. Households without a verified link stay
    /// failed. Returns the new payments' totals.
    async fn retry_failed(
        &self,
        envelope: Uuid,
        at: DateTime<Utc>,
    ) -> Result<ControlTotals, StoreError>;

    /// Failed entitlements (all of the envelope's, or only `households`) → route cash, state pending,
    /// for vouchers and a distribution point.
    async fn reroute_to_cash(
        &self,
        envelope: Uuid,
        households: Option<&[Uuid]>,
    ) -> Result<ControlTotals, StoreError>;

    /// Records a new account link, pending, replacing the household's earlier one.
    async fn upsert_account_link(&self, link: &NewAccountLink) -> Result<(), StoreError>;

    /// Records many accounts at once, verified by `verified_by` (a bank's list of KKS accounts, or
    /// set-up of a benchmark), replacing earlier links, in one transaction. Returns how many.
    async fn import_account_links(
        &self,
        links: &[NewAccountLink],
        verified_by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// `pending → verified` ([`StoreError::NotFound`] / [`StoreError::Conflict`] otherwise).
    async fn verify_account_link(
        &self,
        household: Uuid,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Marks a household's link invalid with a reason code.
    async fn invalidate_account_link(
        &self,
        household: Uuid,
        reason: &str,
    ) -> Result<(), StoreError>;

    async fn account_link(&self, household: Uuid) -> Result<Option<AccountLink>, StoreError>;

    /// Links in `state` inside `within`, oldest request first.
    async fn account_links(
        &self,
        within: &Scope,
        state: LinkState,
        limit: u32,
    ) -> Result<Vec<AccountLink>, StoreError>;

    /// How many households (this one included) have a link to the same address as `household`.
    async fn households_sharing_account(&self, household: Uuid) -> Result<u64, StoreError>;

    /// Verified links of households inside `within`.
    async fn verified_link_routes(&self, within: &Scope) -> Result<Vec<LinkRoute>, StoreError>;

    /// The household's ledger commitment salt, created (32 random bytes) on first use.
    async fn beneficiary_salt(&self, household: Uuid) -> Result<[u8; 32], StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_codes_round_trip() {
        for s in [LinkState::Pending, LinkState::Verified, LinkState::Invalid] {
            assert_eq!(LinkState::parse(s.code()), Some(s));
        }
        for s in [LinkSource::Citizen, LinkSource::Officer, LinkSource::Import] {
            assert_eq!(LinkSource::parse(s.code()), Some(s));
        }
        assert_eq!(LinkState::parse("ok"), None);
    }
}
