//! Finding and opening records. The registry is search-first: there is no list of everyone, and every
//! search and every full record opened is written to the audit log (without the search terms).

use chrono::Datelike;
use tepat_domain::registry::{name_key, Stage, Step};
use tepat_domain::{KkNumber, Nik, RegionCode, Relationship, Scope, Sex};
use tepat_store::{
    AuditAction, HouseholdState, ObjectKind, RequestSummary, SearchHit, Store, StoredHousehold,
    StoredRequest,
};
use uuid::Uuid;

use super::workflow::StepAction;
use super::{audit_entry, Origin, RegistryError};
use crate::access::{Grant, ReadHousehold, SearchRegistry};

/// Most hits a name search shows.
pub const NAME_HITS: u32 = 20;

/// One line of a search result, masked: enough to tell people apart and pick the household to open
/// (opening it is the audited full read), not a way to list identity numbers.
#[derive(Clone, PartialEq, Eq)]
pub struct SearchResult {
    pub member: Uuid,
    pub household: Uuid,
    pub village: RegionCode,
    /// The NIK's kecamatan and its last four digits, e.g. `190201******0007`.
    pub nik_masked: String,
    pub full_name: String,
    pub sex: Sex,
    pub birth_year: i32,
    pub relationship: Relationship,
    pub member_status: String,
    pub household_state: HouseholdState,
}

impl std::fmt::Debug for SearchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchResult")
            .field("member", &self.member)
            .field("household", &self.household)
            .finish_non_exhaustive()
    }
}

/// `190201******0007`: the public region prefix and the last four digits.
pub fn mask_nik(nik: &Nik) -> String {
    let d = nik.digits();
    format!("{}******{}", &d[..6], &d[12..])
}

fn masked(hit: SearchHit) -> SearchResult {
    SearchResult {
        member: hit.member,
        household: hit.household,
        village: hit.village,
        nik_masked: mask_nik(&hit.nik),
        full_name: hit.full_name,
        sex: hit.sex,
        birth_year: hit.birth_date.year(),
        relationship: hit.relationship,
        member_status: hit.member_status,
        household_state: hit.household_state,
    }
}

/// Searches inside the grant's scope: 16 digits are a NIK or a KK number (both are tried), anything
/// else is the beginning of a name (at least three letters).
pub async fn search(
    store: &dyn Store,
    grant: &Grant<'_, SearchRegistry>,
    query: &str,
    origin: &Origin,
) -> Result<Vec<SearchResult>, RegistryError> {
    let scope = grant.scope();
    let digits: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    let hits = if digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let mut hits = match Nik::parse_structure(&digits) {
            Ok(nik) => store.registry_search_nik(&nik, &scope).await?,
            Err(_) => Vec::new(),
        };
        if let Ok(kk) = KkNumber::parse_structure(&digits) {
            hits.extend(store.registry_search_kk(&kk, &scope).await?);
        }
        hits
    } else {
        let key = name_key(query);
        if key.len() < tepat_store::MIN_NAME_PREFIX {
            return Err(RegistryError::Query);
        }
        store.registry_search_name(&key, &scope, NAME_HITS).await?
    };
    let region = match scope {
        Scope::Within(r) => Some(r),
        Scope::All => None,
    };
    let entry = audit_entry(
        grant,
        AuditAction::Search,
        ObjectKind::Registry,
        None,
        region,
        "registry.search",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(hits.into_iter().map(masked).collect())
}

/// A household's full record with its requests (the household page). Audited with `purpose`.
pub async fn open_household(
    store: &dyn Store,
    grant: &Grant<'_, ReadHousehold>,
    id: Uuid,
    purpose: &str,
    origin: &Origin,
) -> Result<(StoredHousehold, Vec<RequestSummary>), RegistryError> {
    let household = store
        .registry_household(id)
        .await?
        .ok_or(RegistryError::NotFound { what: "household" })?;
    grant.covers(&household.household.village)?;
    let requests = store.registry_requests_of_household(id).await?;
    let entry = audit_entry(
        grant,
        AuditAction::Read,
        ObjectKind::Household,
        Some(id),
        Some(household.household.village),
        purpose,
        origin,
    );
    store.audit_record(&entry).await?;
    Ok((household, requests))
}

/// A request with its submission and history (a full read: audited).
pub async fn open_request(
    store: &dyn Store,
    grant: &Grant<'_, ReadHousehold>,
    id: Uuid,
    origin: &Origin,
) -> Result<StoredRequest, RegistryError> {
    let request = store
        .registry_request(id)
        .await?
        .ok_or(RegistryError::NotFound { what: "request" })?;
    grant.covers(&request.request.village)?;
    let entry = audit_entry(
        grant,
        AuditAction::Read,
        ObjectKind::Request,
        Some(id),
        Some(request.request.village),
        "request_page",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(request)
}

/// The requests waiting for `A`'s level inside the grant's scope, oldest first (no personal data).
pub async fn queue<A: StepAction>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    limit: u32,
) -> Result<Vec<RequestSummary>, RegistryError> {
    let stage = match A::STEP {
        Step::Village => Stage::Proposed,
        Step::District => Stage::VillageVerified,
        Step::Dinas => Stage::DistrictReviewed,
        Step::Decision => Stage::DinasVerified,
    };
    Ok(store.registry_queue(stage, &grant.scope(), limit).await?)
}
