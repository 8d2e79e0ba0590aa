//! What the citizen status check (issue 8, `docs/status-check.md`) reads, shaped for its hot path:
//!
//! - [`StatusBlinder`]: computes the blind index of a typed NIK or KK number with the store's key, so a
//!   server can keep the population extract's identity columns in memory and answer a check without a
//!   database round trip (and without ever holding a NIK in clear);
//! - [`PortalStatusStore::status_identities`]: every living person's (NIK index, KK index, id, village);
//! - [`PortalStatusStore::status_mark`]: changes when a population import completes, so the in-memory
//!   copy is reloaded only then;
//! - the few rows a household's status card is built from ([`StatusHousehold`], [`StatusEnrolment`],
//!   [`StatusWaitlist`]).
//!
//! Both backends implement it with the same SQL (`portal_status_sql`).

use chrono::{DateTime, NaiveDate, Utc};
use tepat_domain::{KkNumber, Nik, RegionCode, Rupiah};
use uuid::Uuid;

use crate::error::StoreError;
use crate::sealing::PopulationSealer;

/// A blind index as the population table stores it (128 bits of a keyed HMAC).
pub type Blind = [u8; 16];

/// The store's blind-index function for NIK and KK numbers. It holds the key, never reveals it.
#[derive(Clone)]
pub struct StatusBlinder {
    sealer: PopulationSealer,
}

impl std::fmt::Debug for StatusBlinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatusBlinder(..)")
    }
}

impl StatusBlinder {
    pub(crate) fn new(sealer: PopulationSealer) -> StatusBlinder {
        StatusBlinder { sealer }
    }

    /// The same value as `population_person.nik_index` and `registry_member.nik_index`.
    pub fn nik(&self, nik: &Nik) -> Blind {
        self.sealer.nik_index(nik)
    }

    /// The same value as `population_person.kk_index`.
    pub fn kk(&self, kk: &KkNumber) -> Blind {
        self.sealer.kk_index(kk)
    }
}

/// One living person of the population extract, without anything readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusIdentity {
    pub nik_index: Blind,
    pub kk_index: Blind,
    pub person: Uuid,
    pub village: RegionCode,
}

/// The registry household a person is an active member of, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusHousehold {
    pub id: Uuid,
    pub village: RegionCode,
    /// `proposed` or `active` (rejected and merged households are not anyone's household).
    pub state: String,
    pub verified_at: Option<DateTime<Utc>>,
    /// The welfare decile (1 = poorest tenth), once ranked.
    pub desil: Option<u8>,
}

/// A household's enrolment in a program (its current or last term).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEnrolment {
    pub program: String,
    /// `active`, `suspended` or `graduated`.
    pub state: String,
    pub since: NaiveDate,
    pub benefit: Option<Rupiah>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
}

/// A household waiting on an approved run's waitlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusWaitlist {
    pub program: String,
    /// Its place in the village's list (1 = next).
    pub village_rank: u32,
    pub benefit: Rupiah,
}

/// The status check's reads. Part of [`crate::Store`].
#[async_trait::async_trait]
pub trait PortalStatusStore: Send + Sync {
    /// The blind-index function of this store's key.
    fn status_blinder(&self) -> StatusBlinder;

    /// Every living person of the population extract.
    async fn status_identities(&self) -> Result<Vec<StatusIdentity>, StoreError>;

    /// A value that changes whenever a population import completes.
    async fn status_mark(&self) -> Result<String, StoreError>;

    /// The proposed or active registry household in which the person with this NIK index is an active
    /// member (the most recently updated one, should there be two).
    async fn status_household(
        &self,
        nik_index: &Blind,
    ) -> Result<Option<StatusHousehold>, StoreError>;

    /// The household's enrolments, by program.
    async fn status_enrolments(&self, household: Uuid) -> Result<Vec<StatusEnrolment>, StoreError>;

    /// The household's places on the waitlists of approved (current) runs, by program.
    async fn status_waitlists(
        &self,
        village: &RegionCode,
        household: Uuid,
    ) -> Result<Vec<StatusWaitlist>, StoreError>;
}
