//! The storage trait every part of tepat codes against, and the import transaction it hands out.

use tepat_domain::{KkNumber, Nik, RegionCode};

use crate::account::AccountStore;
use crate::agency::AgencyStore;
use crate::announcement::AnnouncementStore;
use crate::audit::AuditStore;
use crate::distribution::DistributionStore;
use crate::distribution_ledger::DistributionLedgerStore;
use crate::distribution_premium::DistributionPremiumStore;
use crate::error::StoreError;
use crate::feedback::FeedbackStore;
use crate::handover::HandoverStore;
use crate::intake::IntakeStore;
use crate::model::{
    Backend, BatchStats, DistrictSummary, ImportMeta, ImportRun, ImportSummaryForRun,
    PopulationPerson, PopulationRecord, PopulationTotals, RegencySummary, RegionCounts,
};
use crate::monitoring::MonitoringStore;
use crate::notify::NotifyStore;
use crate::opendata::OpenDataStore;
use crate::passkey::PasskeyStore;
use crate::photo::PhotoStore;
use crate::portal_status::PortalStatusStore;
use crate::registry::RegistryStore;
use crate::reseal::KeyMaintenance;
use crate::sealing::{PopulationSealer, SealedPopulationBatch};
use crate::targeting_facts::TargetingFactsStore;
use crate::targeting_runs::TargetingRunStore;

/// The database, whichever it is. Obtain one with [`crate::connect`].
#[async_trait::async_trait]
pub trait Store:
    AccountStore
    + PasskeyStore
    + PhotoStore
    + AgencyStore
    + RegistryStore
    + AuditStore
    + IntakeStore
    + KeyMaintenance
    + TargetingRunStore
    + TargetingFactsStore
    + DistributionStore
    + DistributionLedgerStore
    + DistributionPremiumStore
    + HandoverStore
    + FeedbackStore
    + NotifyStore
    + AnnouncementStore
    + OpenDataStore
    + MonitoringStore
    + PortalStatusStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// Idempotent: runs pending migrations, then loads the region table from
    /// [`tepat_regions::RegionTable::embedded`] if it is empty.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Readiness: a trivial query against the database.
    async fn ping(&self) -> Result<(), StoreError>;

    /// How many regions of each level are loaded.
    async fn region_counts(&self) -> Result<RegionCounts, StoreError>;

    /// Totals of the population extract.
    async fn population_totals(&self) -> Result<PopulationTotals, StoreError>;

    /// Counts per kecamatan inside `within` (a regency or province code), ordered by district code,
    /// including districts with zero rows, with the district name from the region table.
    async fn population_by_district(
        &self,
        within: &RegionCode,
    ) -> Result<Vec<DistrictSummary>, StoreError>;

    /// The regencies (kabupaten/kota) that hold population rows, with counts, in code order.
    async fn populated_regencies(&self) -> Result<Vec<RegencySummary>, StoreError>;

    /// The person with this NIK in the population extract, decrypted. Reading a full record is personal
    /// data access: callers serving a user must audit it.
    async fn population_person_by_nik(
        &self,
        nik: &Nik,
    ) -> Result<Option<PopulationPerson>, StoreError>;

    /// The members of the family card `kk`, decrypted, head first (then by birth date).
    async fn population_household(
        &self,
        kk: &KkNumber,
    ) -> Result<Vec<PopulationPerson>, StoreError>;

    /// Starts an import: everything written through the returned handle is one transaction.
    async fn begin_population_import(
        &self,
        meta: ImportMeta,
    ) -> Result<Box<dyn PopulationImport>, StoreError>;

    /// The latest committed imports, newest first.
    async fn import_runs(&self, limit: u32) -> Result<Vec<ImportRun>, StoreError>;
}

/// An import in progress: one database transaction. Dropped without [`finish`](Self::finish), it rolls back
/// and leaves the database as it was.
///
/// A person is recognised by their NIK: a NIK not stored yet is inserted; a stored one whose row is
/// identical is left alone (not rewritten, `updated_at` unchanged); otherwise the row is updated (a death,
/// a move to another village, address or KK). Persons absent from the batch are not touched. Every NIK may
/// appear at most once per import ([`StoreError::DuplicateNik`] otherwise).
#[async_trait::async_trait]
pub trait PopulationImport: Send {
    /// Seals `rows` and writes them.
    async fn write_batch(&mut self, rows: &[PopulationRecord]) -> Result<BatchStats, StoreError>;

    /// The sealer to prepare batches for [`write_sealed`](Self::write_sealed) with. It encrypts upfront
    /// when the table was empty (every row will be inserted) and leaves encryption to the import otherwise
    /// (most rows of a re-import are unchanged and need none).
    fn sealer(&self) -> PopulationSealer;

    /// Writes rows sealed beforehand (e.g. on a reader thread, while the previous batch was written).
    async fn write_sealed(
        &mut self,
        batch: SealedPopulationBatch,
    ) -> Result<BatchStats, StoreError>;

    /// Records the run and commits.
    async fn finish(self: Box<Self>, summary: ImportSummaryForRun)
        -> Result<ImportRun, StoreError>;
}
