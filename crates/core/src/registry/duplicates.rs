//! Possible duplicates among registry members that do not share a NIK: the same person entered twice
//! with a mistyped or borrowed NIK, found by the linkage engine's online index ([`OnlineIndex`]) over
//! every active member, scored with a model trained on the registry (e.g. by `tepat dedupe`).
//!
//! The index lives in memory (about 200 bytes a member) and is built once from the store, then kept
//! current with [`DuplicateIndex::upsert`] as households are proposed and changed.

use std::collections::HashMap;

use tepat_domain::registry::{RegistryHousehold, RegistryMember};
use tepat_domain::RegionCode;
use tepat_linkage::{
    Explanation, Model, NormaliseOptions, OnlineIndex, PersonRecord, QueryOptions, Rule,
};
use tepat_store::{LinkageRow, Store, StoreError};
use uuid::Uuid;

/// Members read from the store per page while building.
const PAGE: u32 = 5_000;

/// Where an indexed member belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    household: Uuid,
    village: RegionCode,
}

/// A registry member who may be the same person as the one entered.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub member: Uuid,
    pub household: Uuid,
    pub village: RegionCode,
    pub probability: f64,
    /// Field by field, why (no personal values in it).
    pub explanation: Option<Explanation>,
}

/// The online duplicate index over the registry's active members.
pub struct DuplicateIndex {
    index: OnlineIndex,
    places: HashMap<Uuid, Place>,
    /// Matches below this probability are not shown.
    pub min_probability: f64,
}

impl DuplicateIndex {
    /// Reads every active member of proposed and active households and indexes them.
    pub async fn build(store: &dyn Store, model: Model) -> Result<DuplicateIndex, StoreError> {
        let mut records = Vec::new();
        let mut places = HashMap::new();
        let mut after = None;
        loop {
            let page = store.registry_linkage_rows(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some((last.village, last.member));
            for row in &page {
                records.push(record_of_row(row));
                places.insert(
                    row.member,
                    Place {
                        household: row.household,
                        village: row.village,
                    },
                );
            }
        }
        let index = OnlineIndex::build(
            &records,
            model,
            Rule::DEFAULT.to_vec(),
            NormaliseOptions::default(),
        );
        Ok(DuplicateIndex {
            index,
            places,
            // The linkage engine's own review threshold: below it, pairs are not worth an officer's look.
            min_probability: QueryOptions::default().min_probability,
        })
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds or replaces the household's active members (and drops the inactive ones).
    pub fn upsert(&mut self, h: &RegistryHousehold) {
        for m in &h.members {
            if m.status.is_active() {
                self.index.upsert(&record_of(h, m));
                self.places.insert(
                    m.id,
                    Place {
                        household: h.id,
                        village: h.village,
                    },
                );
            } else {
                self.index.remove(&m.id.to_string());
                self.places.remove(&m.id);
            }
        }
    }

    /// Members of other households who may be `m` of `h`, best first.
    pub fn candidates(&self, h: &RegistryHousehold, m: &RegistryMember) -> Vec<Candidate> {
        let opts = QueryOptions {
            min_probability: self.min_probability,
            ..QueryOptions::default()
        };
        self.index
            .query(&record_of(h, m), &opts, None)
            .matches
            .into_iter()
            .filter_map(|found| {
                let member = Uuid::parse_str(&found.record_id).ok()?;
                let place = self.places.get(&member)?;
                (place.household != h.id).then_some(Candidate {
                    member,
                    household: place.household,
                    village: place.village,
                    probability: found.probability,
                    explanation: found.explanation,
                })
            })
            .collect()
    }
}

fn record_of(h: &RegistryHousehold, m: &RegistryMember) -> PersonRecord {
    PersonRecord {
        record_id: m.id.to_string(),
        nik: m.nik.digits().to_owned(),
        kk_number: h.kk_number.digits().to_owned(),
        full_name: m.full_name.clone(),
        sex: m.sex.letter().to_owned(),
        birth_place: String::new(),
        birth_date: m.birth_date.to_string(),
        address: h.address.clone(),
        village_code: h.village.dotted(),
    }
}

fn record_of_row(r: &LinkageRow) -> PersonRecord {
    PersonRecord {
        record_id: r.member.to_string(),
        nik: r.nik.digits().to_owned(),
        kk_number: r.kk_number.digits().to_owned(),
        full_name: r.full_name.clone(),
        sex: r.sex.letter().to_owned(),
        birth_place: String::new(),
        birth_date: r.birth_date.to_string(),
        address: r.address.clone(),
        village_code: r.village.dotted(),
    }
}
