//! Registry values to and from table rows, outside the SQL macros: what is sealed, what is indexed, what
//! stays in the clear for searching and sorting.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tepat_domain::registry::{
    name_key, Location, MemberStatus, PaymentAccount, Phone, RegistryHousehold, RegistryMember,
};
use tepat_domain::survey::{HouseholdSurvey, MemberSurvey};
use tepat_domain::{RegionCode, Relationship, Sex};
use uuid::Uuid;

use super::sealing::{RegistrySealer, HOUSEHOLD, MEMBER};
use crate::error::StoreError;

/// The sealed part of a household row.
#[derive(Serialize, Deserialize)]
struct HouseholdDetails {
    address: String,
    rt: String,
    rw: String,
    location: Option<Location>,
    survey: Option<HouseholdSurvey>,
    account: Option<PaymentAccount>,
}

/// The sealed part of a member row.
#[derive(Serialize, Deserialize)]
struct MemberDetails {
    phone: Option<Phone>,
    survey: Option<MemberSurvey>,
    status: MemberStatus,
}

/// A household row's values, ready to bind.
pub(crate) struct HouseholdRow {
    pub village_code: String,
    pub id: Uuid,
    pub kk_index: Vec<u8>,
    pub kk_sealed: Vec<u8>,
    pub account_index: Option<Vec<u8>>,
    pub details_sealed: Vec<u8>,
}

/// A member row's values, ready to bind.
pub(crate) struct MemberRow {
    pub village_code: String,
    pub id: Uuid,
    pub household_id: Uuid,
    pub position: i64,
    pub state: &'static str,
    pub nik_index: Vec<u8>,
    pub nik_sealed: Vec<u8>,
    pub phone_index: Option<Vec<u8>>,
    pub full_name: String,
    pub name_key: String,
    pub sex: &'static str,
    pub birth_date: NaiveDate,
    pub relationship: &'static str,
    pub details_sealed: Vec<u8>,
}

/// A member row as read.
pub(crate) struct RawMember {
    pub id: Uuid,
    pub nik_sealed: Vec<u8>,
    pub full_name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub relationship: String,
    pub details_sealed: Vec<u8>,
}

pub(crate) fn household_row(s: &RegistrySealer, h: &RegistryHousehold) -> HouseholdRow {
    let details = HouseholdDetails {
        address: h.address.clone(),
        rt: h.rt.clone(),
        rw: h.rw.clone(),
        location: h.location,
        survey: h.survey.clone(),
        account: h.account.clone(),
    };
    HouseholdRow {
        village_code: h.village.plain().to_owned(),
        id: h.id,
        kk_index: s.kk_index(&h.kk_number),
        kk_sealed: s.seal_kk(h.id, &h.kk_number),
        account_index: h.account.as_ref().map(|a| s.account_index(a)),
        details_sealed: s.seal_json(HOUSEHOLD, "details_sealed", h.id, &details),
    }
}

pub(crate) fn member_rows(s: &RegistrySealer, h: &RegistryHousehold) -> Vec<MemberRow> {
    h.members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let details = MemberDetails {
                phone: m.phone.clone(),
                survey: m.survey.clone(),
                status: m.status,
            };
            MemberRow {
                village_code: h.village.plain().to_owned(),
                id: m.id,
                household_id: h.id,
                position: i as i64,
                state: m.status.code(),
                nik_index: s.nik_index(&m.nik),
                nik_sealed: s.seal_nik(m.id, &m.nik),
                phone_index: m.phone.as_ref().map(|p| s.phone_index(p)),
                full_name: m.full_name.clone(),
                name_key: name_key(&m.full_name),
                sex: m.sex.letter(),
                birth_date: m.birth_date,
                relationship: m.relationship.code(),
                details_sealed: s.seal_json(MEMBER, "details_sealed", m.id, &details),
            }
        })
        .collect()
}

/// Rebuilds a household from its row's parts and its members' rows (in position order).
pub(crate) fn household_from_rows(
    s: &RegistrySealer,
    id: Uuid,
    village: RegionCode,
    kk_sealed: &[u8],
    details_sealed: &[u8],
    members: Vec<RawMember>,
) -> Result<RegistryHousehold, StoreError> {
    let details: HouseholdDetails = s.open_json(
        HOUSEHOLD,
        "details_sealed",
        id,
        details_sealed,
        "household details",
    )?;
    let members = members
        .into_iter()
        .map(|m| member_from_row(s, m))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RegistryHousehold {
        id,
        kk_number: s.open_kk(id, kk_sealed)?,
        village,
        address: details.address,
        rt: details.rt,
        rw: details.rw,
        location: details.location,
        survey: details.survey,
        account: details.account,
        members,
    })
}

fn member_from_row(s: &RegistrySealer, m: RawMember) -> Result<RegistryMember, StoreError> {
    let details: MemberDetails = s.open_json(
        MEMBER,
        "details_sealed",
        m.id,
        &m.details_sealed,
        "member details",
    )?;
    Ok(RegistryMember {
        id: m.id,
        nik: s.open_nik(m.id, &m.nik_sealed)?,
        full_name: m.full_name,
        sex: Sex::parse(&m.sex).ok_or_else(|| corrupt("sex"))?,
        birth_date: m.birth_date,
        relationship: Relationship::parse(&m.relationship)
            .ok_or_else(|| corrupt("relationship"))?,
        phone: details.phone,
        survey: details.survey,
        status: details.status,
    })
}

/// Only the address out of a household's sealed details.
pub(crate) fn address_of(
    s: &RegistrySealer,
    id: Uuid,
    details_sealed: &[u8],
) -> Result<String, StoreError> {
    let details: HouseholdDetails = s.open_json(
        HOUSEHOLD,
        "details_sealed",
        id,
        details_sealed,
        "household details",
    )?;
    Ok(details.address)
}

pub(crate) fn corrupt(column: &str) -> StoreError {
    StoreError::Corrupt {
        what: format!("column {column} holds an unknown code"),
    }
}
