//! The open-data aggregates (issue 9, `docs/open-data.md`): per program, cycle and village, what the
//! transparency ledger holds (entitlements, payments, reversals, hand-overs) and the ratings; complaints
//! per village; and, for the optional masked recipient lists, the heads of the households of one
//! village's entitlements. A refresh job rewrites the aggregates; the public portal reads only them.
//!
//! Nothing returned here is published as is: `tepat_core::opendata` suppresses small cells and masks
//! names first.

use std::fmt;

use chrono::{DateTime, Utc};
use tepat_domain::RegionCode;

use crate::error::StoreError;

/// One program, cycle and village: only steps with a ledger entry are counted, so the figures equal
/// the ledger verifier's totals for the same program, cycle and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDataCell {
    pub program: String,
    pub cycle: String,
    pub village: RegionCode,
    /// Entitlements (one per household) logged.
    pub households: u64,
    /// Rupiah entitled.
    pub entitled: i64,
    /// Rupiah of payment results logged as successful (settled, or returned later).
    pub paid: i64,
    /// Rupiah of reversals logged (returned transfers).
    pub reversed: i64,
    /// Rupiah handed over (cash and goods), logged.
    pub handed_over: i64,
    /// Ratings given, and the sum of their stars.
    pub ratings: u64,
    pub stars: u64,
}

/// Complaints of one village (they name no program), all time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDataComplaints {
    pub village: RegionCode,
    pub complaints: u64,
    /// Resolved or rejected.
    pub closed: u64,
}

/// One household of a village's entitlements, for a masked public list.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenDataRecipient {
    /// The head of family's name, to be masked before it is shown; empty when the registry has none.
    pub head_name: String,
    /// Paid or handed over.
    pub delivered: bool,
}

impl fmt::Debug for OpenDataRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenDataRecipient")
            .field("delivered", &self.delivered)
            .finish_non_exhaustive()
    }
}

/// What a refresh wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenDataRefresh {
    pub refreshed_at: DateTime<Utc>,
    /// Program-cycle-village rows.
    pub cells: u64,
}

/// The open-data aggregates. Part of [`crate::Store`]; both backends implement it with the same SQL.
#[async_trait::async_trait]
pub trait OpenDataStore: Send + Sync {
    /// Rewrites every aggregate from the distribution, feedback and ledger marks, in one transaction
    /// (readers see the old figures or the new ones, never a mix).
    async fn refresh_open_data(&self, now: DateTime<Utc>) -> Result<OpenDataRefresh, StoreError>;

    /// When the aggregates were last rewritten (`None`: never).
    async fn open_data_refreshed(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// The program-cycles that have figures, by program then cycle.
    async fn open_data_series(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Every village's figures of one program-cycle, by village code.
    async fn open_data_cells(
        &self,
        program: &str,
        cycle: &str,
    ) -> Result<Vec<OpenDataCell>, StoreError>;

    /// Every village's complaints, by village code.
    async fn open_data_complaints(&self) -> Result<Vec<OpenDataComplaints>, StoreError>;

    /// The households of `village` entitled in the program-cycle's live envelope (for a masked list).
    async fn open_data_recipients(
        &self,
        program: &str,
        cycle: &str,
        village: &RegionCode,
    ) -> Result<Vec<OpenDataRecipient>, StoreError>;
}
