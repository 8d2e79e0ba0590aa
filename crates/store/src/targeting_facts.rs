//! The targeting facts (issue 6): plain, non-identifying copies of the fields program rules read, one row
//! per active registry household and one per active member, so that a rule compiled to SQL
//! (`tepat_domain::targeting_sql`) runs over millions of households inside the database.
//!
//! The registry seals a household's details; these tables hold only what rules name (`Field::column()`),
//! never a NIK, KK number, name, phone or account. They are kept in step with the registry: every save of
//! a household rewrites its facts in the same transaction (only `active` households have facts), keeping
//! the rank (`desil`, `welfare`) that ranking wrote. The contract is `migrations/*/0010_targeting.sql`.

use tepat_domain::{Desil, HouseholdFacts, RegionCode, Rupiah};
use uuid::Uuid;

use crate::error::StoreError;

/// A household a rule selected: what a candidate list needs, without personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EligibleRow {
    pub id: Uuid,
    pub village: RegionCode,
    pub welfare: Option<Rupiah>,
    pub desil: Option<Desil>,
    /// Active members.
    pub size: u32,
}

/// A selected household with counts of its members: what a benefit that counts members needs, without
/// reading the members themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedRow {
    pub row: EligibleRow,
    /// One per count expression asked for, in that order.
    pub counts: Vec<i64>,
}

/// One household's rank from the welfare ranking: its predicted consumption per capita and decile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WelfareRank {
    pub household: Uuid,
    pub welfare: Rupiah,
    pub desil: Desil,
}

/// Reading and writing the targeting facts. Part of [`crate::Store`].
#[async_trait::async_trait]
pub trait TargetingFactsStore {
    /// Writes facts of households not stored yet, fast, in one transaction: for generated data and
    /// benchmarks. Each household's `enrolled` programs become active enrolments from today. Returns the
    /// number of households written. A household already there fails the whole load.
    async fn load_targeting_facts(&self, facts: &[HouseholdFacts]) -> Result<u64, StoreError>;

    /// The households matching `condition_sql`, an SQL condition over `targeting_household h` produced by
    /// the rule compiler (generated SQL, never user text), in key order.
    async fn select_households(&self, condition_sql: &str) -> Result<Vec<EligibleRow>, StoreError>;

    /// The households matching `condition_sql` that have observed consumption, like
    /// [`select_households`](Self::select_households) but with `welfare` holding the observed consumption
    /// per capita (the truth on generated data) instead of the PMT's prediction.
    async fn select_observed(&self, condition_sql: &str) -> Result<Vec<EligibleRow>, StoreError>;

    /// Like [`select_households`](Self::select_households) (or, when `observed`,
    /// [`select_observed`](Self::select_observed)), with each row's `counts_sql` evaluated: integer SQL
    /// expressions over the household row `h` produced by the compiler (member `COUNT(*)`s for a benefit).
    async fn select_counted(
        &self,
        condition_sql: &str,
        counts_sql: &[String],
        observed: bool,
    ) -> Result<Vec<CountedRow>, StoreError>;

    /// How many households match `condition_sql` (see [`select_households`](Self::select_households)).
    async fn count_households(&self, condition_sql: &str) -> Result<u64, StoreError>;

    /// The facts of these households (with rank and active enrolments), in the order asked; ids without
    /// facts are left out.
    async fn targeting_facts(&self, ids: &[Uuid]) -> Result<Vec<HouseholdFacts>, StoreError>;

    /// Every household's facts inside `regency` (or any region code prefix), `batch` at a time in key
    /// order, handed to `each`: how ranking reads a whole regency without holding it in memory twice.
    async fn for_each_targeting_facts(
        &self,
        regency: &RegionCode,
        batch: u32,
        each: &mut (dyn FnMut(Vec<HouseholdFacts>) + Send),
    ) -> Result<u64, StoreError>;

    /// Stores ranks; households without facts are skipped. Returns how many rows changed.
    async fn set_welfare(&self, ranks: &[WelfareRank]) -> Result<u64, StoreError>;

    /// Rewrites the facts of every active registry household (decrypting its sealed details), `batch`
    /// households per transaction, keeping stored ranks: for a database that had households before the
    /// facts tables existed. Returns the number of households written.
    async fn rebuild_targeting_facts(&self, batch: u32) -> Result<u64, StoreError>;
}
