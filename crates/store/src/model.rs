//! The values that go in and out of the store.

use std::fmt;
use std::ops::AddAssign;

use chrono::{DateTime, NaiveDate, Utc};
use tepat_domain::{KkNumber, MaritalStatus, Nik, RegionCode, Relationship, Religion, Sex};
use uuid::Uuid;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One person row of the population extract (the office's copy of the Dukcapil registry), validated.
///
/// The NIK and KK number are plaintext here; the store seals them before they reach the database.
#[derive(Clone, PartialEq, Eq)]
pub struct PopulationRecord {
    pub nik: Nik,
    pub kk_number: KkNumber,
    pub full_name: String,
    pub sex: Sex,
    pub birth_place: String,
    pub birth_date: NaiveDate,
    pub religion: Option<Religion>,
    pub marital_status: Option<MaritalStatus>,
    pub relationship: Relationship,
    /// Street address without RT/RW.
    pub address: String,
    pub rt: String,
    pub rw: String,
    /// The desa/kelurahan where the person lives now (10 digits).
    pub village: RegionCode,
    pub occupation: String,
    pub death_date: Option<NaiveDate>,
}

impl fmt::Debug for PopulationRecord {
    /// Names, addresses and dates are personal data: `Debug` shows only what is safe in a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PopulationRecord")
            .field("nik", &self.nik)
            .field("village", &self.village)
            .finish_non_exhaustive()
    }
}

/// A population row as stored, decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationPerson {
    pub id: Uuid,
    pub record: PopulationRecord,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The import run that last inserted or changed the row.
    pub import_run_id: Uuid,
}

/// Totals of the population extract. `households` counts distinct KK numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PopulationTotals {
    pub persons: i64,
    pub households: i64,
    pub deceased: i64,
}

/// Counts for one kecamatan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictSummary {
    pub district: RegionCode,
    pub name: String,
    pub households: i64,
    pub persons: i64,
    pub deceased: i64,
}

/// Counts for one kabupaten/kota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegencySummary {
    pub regency: RegionCode,
    pub name: String,
    pub households: i64,
    pub persons: i64,
    pub deceased: i64,
}

/// How many regions of each level the region table holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegionCounts {
    pub provinces: i64,
    pub regencies: i64,
    pub districts: i64,
    pub villages: i64,
}

/// What an import is, given when it begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportMeta {
    /// The file name shown in the list of imports (no directory, so no user names leak into the database).
    pub source_name: String,
}

/// The file-level numbers of an import, given when it finishes; the store adds its own write counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummaryForRun {
    /// Data rows read (the header not counted).
    pub rows_read: u64,
    pub rows_valid: u64,
    pub rows_rejected: u64,
    /// SHA-256 of the imported file, hex, so an auditor can tell which file was loaded.
    pub source_sha256: Option<String>,
}

/// What one write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchStats {
    pub inserted: u64,
    /// Rows whose content changed (deaths and moves included).
    pub updated: u64,
    /// Rows already stored exactly so; not rewritten.
    pub unchanged: u64,
    /// Updated rows that gained a death date.
    pub deaths: u64,
    /// Updated rows whose village, address, RT/RW or KK number changed.
    pub moves: u64,
}

impl AddAssign for BatchStats {
    fn add_assign(&mut self, o: BatchStats) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.deaths += o.deaths;
        self.moves += o.moves;
    }
}

/// One committed import, as listed by [`crate::Store::import_runs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRun {
    pub id: Uuid,
    /// What was imported; `population` for now.
    pub kind: String,
    pub source_name: String,
    pub source_sha256: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub rows_read: i64,
    pub rows_valid: i64,
    pub rows_rejected: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub deaths: i64,
    pub moves: i64,
}
