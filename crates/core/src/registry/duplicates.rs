//! Possible duplicates among registry members that do not share a NIK: the same person entered twice
//! with a mistyped or borrowed NIK, found by the linkage engine's online index ([`OnlineIndex`]) over
//! every active member, scored with a model trained on the registry (e.g. by `tepat dedupe`).
//!
//! The index lives in memory (about 200 bytes a member) and is built once from the store, then kept
//! current with [`DuplicateIndex::upsert`] as households are proposed and changed.
//!
//! [`DuplicateIndex::build_trained`] learns the model from the registry itself (EM, as `tepat dedupe`
//! does on a persons file) on at most [`TRAINING_MEMBERS`] members; a registry with fewer than
//! [`MIN_TRAINING_MEMBERS`] is scored with [`builtin_model`] instead, because EM on a few hundred
//! people learns noise.

use std::collections::HashMap;

use tepat_domain::registry::{RegistryHousehold, RegistryMember};
use tepat_domain::RegionCode;
use tepat_linkage::{
    deduplicate, Dataset, Decisions, Explanation, LinkageOptions, Model, NoProgress,
    NormaliseOptions, OnlineIndex, PersonRecord, QueryOptions, Rule,
};
use tepat_store::{LinkageRow, Store, StoreError};
use uuid::Uuid;

/// Members read from the store per page while building.
const PAGE: u32 = 5_000;

/// Below this many active members the registry is scored with [`builtin_model`].
pub const MIN_TRAINING_MEMBERS: usize = 1_000;

/// Training reads at most this many members (whole villages, in code order): EM needs pairs of the same
/// person, which stay together inside a village, and 200,000 members train in about 9 s where 1,000,000
/// would take minutes and gigabytes at every start.
pub const TRAINING_MEMBERS: usize = 200_000;

/// The model shipped with tepat: trained by EM on the vendored FEBRL 3 set (5,000 records), for registries
/// too small to learn their own.
const BUILTIN_MODEL: &str = include_str!("builtin_duplicate_model.json");

/// Where the index's model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    /// Trained on this many of the registry's members.
    Registry { trained_on: usize },
    /// [`builtin_model`]: the registry had only this many active members.
    Builtin { members: usize },
}

/// The linkage model shipped with tepat (see [`ModelSource::Builtin`]).
pub fn builtin_model() -> Model {
    serde_json::from_str(BUILTIN_MODEL).expect("the shipped duplicate model is valid JSON")
}

/// Learns a model from `records` by EM, or `None` when there are too few of them to learn from.
pub fn train_model(records: &[PersonRecord]) -> Option<Model> {
    if records.len() < MIN_TRAINING_MEMBERS {
        return None;
    }
    let data = Dataset::from_records(
        &records[..records.len().min(TRAINING_MEMBERS)],
        &NormaliseOptions::default(),
    );
    let found = deduplicate(
        &data,
        &LinkageOptions::default(),
        &Decisions::new(),
        None,
        &NoProgress,
    );
    Some(found.scoring.model)
}

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
        let (records, places) = read_members(store).await?;
        Ok(DuplicateIndex::of(&records, places, model))
    }

    /// [`DuplicateIndex::build`] with a model learnt from the registry's own members (or the builtin one,
    /// see [`ModelSource`]). Training is CPU work of seconds: it runs on a blocking thread.
    pub async fn build_trained(
        store: &dyn Store,
    ) -> Result<(DuplicateIndex, ModelSource), StoreError> {
        let (records, places) = read_members(store).await?;
        let (index, source) = tokio::task::spawn_blocking(move || {
            let (model, source) = match train_model(&records) {
                Some(m) => (
                    m,
                    ModelSource::Registry {
                        trained_on: records.len().min(TRAINING_MEMBERS),
                    },
                ),
                None => (
                    builtin_model(),
                    ModelSource::Builtin {
                        members: records.len(),
                    },
                ),
            };
            (DuplicateIndex::of(&records, places, model), source)
        })
        .await
        .expect("building the duplicate index does not panic");
        Ok((index, source))
    }

    fn of(records: &[PersonRecord], places: HashMap<Uuid, Place>, model: Model) -> DuplicateIndex {
        let index = OnlineIndex::build(
            records,
            model,
            Rule::DEFAULT.to_vec(),
            NormaliseOptions::default(),
        );
        DuplicateIndex {
            index,
            places,
            // The linkage engine's own review threshold: below it, pairs are not worth an officer's look.
            min_probability: QueryOptions::default().min_probability,
        }
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

    /// Drops the household's members (it was rejected or left the registry).
    pub fn remove(&mut self, h: &RegistryHousehold) {
        for m in &h.members {
            self.index.remove(&m.id.to_string());
            self.places.remove(&m.id);
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

/// Every active member of proposed and active households, with where each belongs.
async fn read_members(
    store: &dyn Store,
) -> Result<(Vec<PersonRecord>, HashMap<Uuid, Place>), StoreError> {
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
    Ok((records, places))
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
