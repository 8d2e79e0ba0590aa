//! Cash and goods handed over in person (issue 7, `docs/distribution.md`): distribution points and their
//! slots, the assignment of each entitlement to a point, day and slot, the signed vouchers, the
//! hand-overs synced from officers' and merchants' devices, the notices to households, and the trail a
//! household sees of its own entitlements.
//!
//! A hand-over is idempotent on its id, which the device makes: syncing the same record twice stores it
//! once ([`HandoverWrite::AlreadySynced`]). Another record of the same voucher is a second redemption:
//! it is stored as `duplicate`, pointing at the accepted one, and listed by
//! [`HandoverStore::flagged_handovers`]; at most one hand-over per voucher is ever `accepted` (a unique
//! partial index), and accepting it moves the entitlement to `handed_over` in the same transaction.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use tepat_domain::distribution::{EntitlementState, EnvelopeState, PaymentState, Route};
use tepat_domain::{Nik, RegionCode, Rupiah};
use uuid::Uuid;

use crate::error::StoreError;

/// Generates `code()` / `parse()` for an enum stored as text.
macro_rules! text_codes {
    ($ty:ident { $($variant:ident => $code:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

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

/// What kind of place a distribution point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PointKind {
    /// A post office (*kantor pos*): cash.
    PostOffice,
    /// A village hall (*balai desa*): cash, handed over by the post office or the village.
    VillageHall,
    /// An e-Warung (*elektronik warung gotong royong*): goods (Sembako) from a merchant.
    EWarung,
}

text_codes!(PointKind {
    PostOffice => "post_office",
    VillageHall => "village_hall",
    EWarung => "e_warung",
});

/// A place where cash or goods are handed over, with its daily slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionPoint {
    pub id: Uuid,
    /// The office's own code, unique, e.g. `KPOS-TJP`.
    pub code: String,
    pub name: String,
    pub kind: PointKind,
    pub village: RegionCode,
    /// Households per slot.
    pub capacity_per_slot: u32,
    pub slots_per_day: u32,
    /// Local time the first slot starts.
    pub first_slot: NaiveTime,
    pub slot_minutes: u32,
    /// Inactive points get no new assignments.
    pub active: bool,
    /// An e-Warung's merchant account: the merchant may hand over goods at this point only.
    pub merchant_account: Option<Uuid>,
}

impl DistributionPoint {
    /// The local start time of slot `slot` (0-based).
    pub fn slot_time(&self, slot: u16) -> NaiveTime {
        let minutes = i64::from(self.slot_minutes) * i64::from(slot);
        self.first_slot + chrono::Duration::minutes(minutes)
    }
}

/// Where and when one entitlement is handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub envelope: Uuid,
    pub household: Uuid,
    pub point: Uuid,
    pub day: NaiveDate,
    /// 0-based.
    pub slot: u16,
    pub assigned_at: DateTime<Utc>,
    /// 1 when first assigned, +1 per reschedule.
    pub version: u32,
}

/// How many households one point has in one slot of one day (over every envelope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointLoad {
    pub point: Uuid,
    pub day: NaiveDate,
    pub slot: u16,
    pub count: u32,
}

/// A voucher as stored: the fields it was signed over (the text is rebuilt and signed again, Ed25519
/// being deterministic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVoucher {
    pub id: Uuid,
    pub envelope: Uuid,
    pub household: Uuid,
    pub amount: Rupiah,
    pub goods: Option<String>,
    /// The recipient commitment (`tepat_payments::voucher::recipient_commitment`), not the NIK.
    pub recipient: [u8; 32],
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub key_id: String,
    pub issued_at: DateTime<Utc>,
}

/// The envelope a voucher run works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherEnvelope {
    pub id: Uuid,
    pub program: String,
    pub cycle: String,
    pub state: EnvelopeState,
    /// When payment should start.
    pub scheduled_date: NaiveDate,
}

/// A cash or goods entitlement that has no voucher yet.
#[derive(Clone, PartialEq, Eq)]
pub struct VoucherCandidate {
    pub household: Uuid,
    pub village: RegionCode,
    pub amount: Rupiah,
    pub route: Route,
    pub state: EntitlementState,
    /// The NIK of the household's active head of family, opened from the registry; `None` when the
    /// household has no active head with a NIK.
    pub head_nik: Option<Nik>,
}

impl std::fmt::Debug for VoucherCandidate {
    /// Without the NIK.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoucherCandidate")
            .field("household", &self.household)
            .field("village", &self.village)
            .field("amount", &self.amount)
            .field("route", &self.route)
            .field("state", &self.state)
            .field("head_nik", &self.head_nik.is_some())
            .finish()
    }
}

/// What a notice announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// Where and when to collect cash or goods.
    Schedule,
    /// A transfer is on its way.
    PaymentSent,
    /// Cash or goods were handed over (a receipt).
    Handover,
    /// The account or wallet did not work: register a new one.
    FixAccount,
}

text_codes!(NoticeKind {
    Schedule => "schedule",
    PaymentSent => "payment_sent",
    Handover => "handover",
    FixAccount => "fix_account",
});

/// A notice to a household. `body` is JSON without NIK or names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: Uuid,
    pub household: Uuid,
    pub kind: NoticeKind,
    pub program: String,
    pub cycle: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Vouchers, assignments and their notices to write in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueBatch {
    pub vouchers: Vec<StoredVoucher>,
    pub assignments: Vec<Assignment>,
    pub notices: Vec<Notice>,
}

/// What [`HandoverStore::issue_vouchers`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueCounts {
    pub vouchers: u64,
    pub assignments: u64,
    pub notices: u64,
    /// Entitlements moved from `pending` to `instructed`.
    pub instructed: u64,
}

/// A voucher with what a hand-over must check about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherContext {
    pub voucher: StoredVoucher,
    pub program: String,
    pub cycle: String,
    pub envelope_state: EnvelopeState,
    pub village: RegionCode,
    pub route: Route,
    pub entitlement_state: EntitlementState,
    /// The point it is assigned to, if any.
    pub point: Option<Uuid>,
    /// The photo of its accepted hand-over, if it was handed over with one.
    pub handover_photo: Option<Uuid>,
}

/// A hand-over's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandoverStatus {
    /// The first hand-over of its voucher.
    Accepted,
    /// A second redemption: flagged.
    Duplicate,
}

text_codes!(HandoverStatus {
    Accepted => "accepted",
    Duplicate => "duplicate",
});

/// A hand-over as a device reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHandover {
    /// Made on the device.
    pub id: Uuid,
    pub voucher: Uuid,
    pub officer: Uuid,
    pub device: String,
    pub handed_at: DateTime<Utc>,
    pub point: Option<Uuid>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub photo: Option<Uuid>,
    pub synced_at: DateTime<Utc>,
}

/// What [`HandoverStore::record_handover`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverWrite {
    /// Stored as the voucher's hand-over; the entitlement is `handed_over`.
    Accepted,
    /// This id was stored before: nothing changed.
    AlreadySynced { status: HandoverStatus },
    /// Another hand-over of the voucher was accepted first: stored as `duplicate` and flagged.
    Duplicate {
        first: Uuid,
        first_at: DateTime<Utc>,
    },
}

/// A second redemption, for review.
#[derive(Debug, Clone, PartialEq)]
pub struct FlaggedHandover {
    pub id: Uuid,
    pub voucher: Uuid,
    pub envelope: Uuid,
    pub household: Uuid,
    pub officer: Uuid,
    pub device: String,
    pub handed_at: DateTime<Utc>,
    pub synced_at: DateTime<Utc>,
    pub first_handover: Option<Uuid>,
    /// The photo taken at this (second) hand-over, and at the first one, if the phones sent one
    /// (household photos of kind `handover`; viewed through the audited photo view).
    pub photo: Option<Uuid>,
    pub first_photo: Option<Uuid>,
}

/// One entitlement of a household, as the household sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRow {
    pub envelope: Uuid,
    pub program: String,
    pub cycle: String,
    pub envelope_state: EnvelopeState,
    pub amount: Rupiah,
    pub route: Route,
    pub state: EntitlementState,
    /// The point's code and name, day and slot start time, for cash and goods.
    pub point_code: Option<String>,
    pub point_name: Option<String>,
    pub day: Option<NaiveDate>,
    pub slot_time: Option<NaiveTime>,
    /// The latest payment attempt's state, for transfers.
    pub payment_state: Option<PaymentState>,
    pub voucher: Option<Uuid>,
    pub handed_at: Option<DateTime<Utc>>,
    /// Ledger entries: entitlement, latest payment instruction, its result, the hand-over.
    pub entitlement_ledger: Option<u64>,
    pub payment_ledger: Option<u64>,
    pub result_ledger: Option<u64>,
    pub handover_ledger: Option<u64>,
}

/// Distribution points, assignments, vouchers, hand-overs and notices. Part of [`crate::Store`]; both
/// backends implement it with the same SQL.
#[async_trait::async_trait]
pub trait HandoverStore: Send + Sync {
    /// Adds a point; [`StoreError::Conflict`] if its id or code is taken.
    async fn insert_point(&self, point: &DistributionPoint) -> Result<(), StoreError>;

    /// Rewrites the point with this id; `false` if there is none. [`StoreError::Conflict`] if the new
    /// code belongs to another point.
    async fn update_point(&self, point: &DistributionPoint) -> Result<bool, StoreError>;

    /// Every point (only the active ones with `active_only`), by code.
    async fn points(&self, active_only: bool) -> Result<Vec<DistributionPoint>, StoreError>;

    async fn point(&self, id: Uuid) -> Result<Option<DistributionPoint>, StoreError>;

    async fn point_by_code(&self, code: &str) -> Result<Option<DistributionPoint>, StoreError>;

    /// The envelope's head (program, cycle, state).
    async fn voucher_envelope(&self, envelope: Uuid)
        -> Result<Option<VoucherEnvelope>, StoreError>;

    /// The envelope's cash and goods entitlements in state `pending` or `instructed` that have no
    /// voucher, by household id, with the head of family's NIK opened from the registry.
    async fn voucher_candidates(&self, envelope: Uuid)
        -> Result<Vec<VoucherCandidate>, StoreError>;

    /// How many households each point has per day and slot on the days `from..=to`, over every
    /// envelope, for the points that have any.
    async fn point_loads(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PointLoad>, StoreError>;

    /// Writes vouchers, assignments and notices in one transaction and moves the vouchers'
    /// entitlements from `pending` to `instructed`. A voucher already stored for the same entitlement
    /// (a concurrent run) is [`StoreError::Conflict`] and nothing is written.
    async fn issue_vouchers(&self, batch: &IssueBatch) -> Result<IssueCounts, StoreError>;

    async fn assignment(
        &self,
        envelope: Uuid,
        household: Uuid,
    ) -> Result<Option<Assignment>, StoreError>;

    /// Moves an assignment to `point`, `day`, `slot` (version + 1) and stores `notice`, in one
    /// transaction, if its version is still `expected_version`; `None` if there is no such assignment
    /// or it changed meanwhile.
    async fn reschedule(
        &self,
        to: &Assignment,
        expected_version: u32,
        notice: &Notice,
    ) -> Result<Option<Assignment>, StoreError>;

    async fn voucher(&self, id: Uuid) -> Result<Option<StoredVoucher>, StoreError>;

    async fn voucher_of(
        &self,
        envelope: Uuid,
        household: Uuid,
    ) -> Result<Option<StoredVoucher>, StoreError>;

    /// The voucher with its envelope, entitlement and assignment.
    async fn voucher_context(&self, id: Uuid) -> Result<Option<VoucherContext>, StoreError>;

    /// Records a hand-over (see the module documentation); `notice` is stored only when it is
    /// accepted.
    async fn record_handover(
        &self,
        handover: &NewHandover,
        notice: &Notice,
    ) -> Result<HandoverWrite, StoreError>;

    /// Second redemptions, newest sync first.
    async fn flagged_handovers(&self, limit: u32) -> Result<Vec<FlaggedHandover>, StoreError>;

    async fn insert_notices(&self, notices: &[Notice]) -> Result<u64, StoreError>;

    /// Notices not delivered yet, oldest first.
    async fn undelivered_notices(&self, limit: u32) -> Result<Vec<Notice>, StoreError>;

    async fn mark_notices_delivered(
        &self,
        ids: &[Uuid],
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// A household's notices, oldest first.
    async fn notices_of_household(&self, household: Uuid) -> Result<Vec<Notice>, StoreError>;

    /// Every entitlement of the household, newest envelope first.
    async fn household_trail(&self, household: Uuid) -> Result<Vec<TrailRow>, StoreError>;
}
