//! Online mode: one incoming record matched against the whole registry (at registration), with an index
//! that is kept up to date as records are added, changed and removed.
//!
//! The index holds, for every blocking rule, a hash map from key to the records having it (the same keys
//! batch blocking joins on), the normalised records, and the value counts for term-frequency adjustment.
//! A query computes the incoming record's keys, gathers the records sharing any of them (at most
//! [`QueryOptions::max_per_key`] per key, so a key shared by a huge block cannot blow up a query), then
//! compares and scores each candidate with the registry's trained [`Model`].

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::block::Rule;
use crate::compare::compare;
use crate::explain::Explanation;
use crate::model::{probability, Model, TermFrequencies};
use crate::pipeline::{constraint, KnownNiks, Scoring};
use crate::record::{NormaliseOptions, PersonRecord, Prepared};

/// Records sharing one key: the first inline, the rest (rare) on the heap behind one pointer, so a key
/// held by one record costs 16 bytes rather than a 24-byte `Vec` header.
#[derive(Debug, Clone)]
struct Posting {
    first: u32,
    #[allow(clippy::box_collection)]
    rest: Option<Box<Vec<u32>>>,
}

impl Posting {
    fn len(&self) -> usize {
        1 + self.rest.as_ref().map_or(0, |r| r.len())
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.first).chain(self.rest.iter().flat_map(|r| r.iter().copied()))
    }

    fn push(&mut self, slot: u32) {
        self.rest.get_or_insert_with(Default::default).push(slot);
    }

    /// Removes `slot`; returns false when the posting became empty.
    fn remove(&mut self, slot: u32) -> bool {
        if self.first == slot {
            match self.rest.as_mut().and_then(|r| r.pop()) {
                Some(x) => {
                    self.first = x;
                    if self.rest.as_ref().is_some_and(|r| r.is_empty()) {
                        self.rest = None;
                    }
                    true
                }
                None => false,
            }
        } else {
            if let Some(r) = self.rest.as_mut() {
                if let Some(i) = r.iter().position(|&x| x == slot) {
                    r.swap_remove(i);
                }
                if r.is_empty() {
                    self.rest = None;
                }
            }
            true
        }
    }
}

#[derive(Debug, Clone)]
struct Slot {
    id: String,
    prepared: Prepared,
    keys: Box<[u64]>,
}

/// Settings of one query.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueryOptions {
    /// Return only matches at or above this probability.
    pub min_probability: f64,
    /// Return at most this many matches (best first).
    pub limit: usize,
    /// Candidates taken at most from one key.
    pub max_per_key: usize,
    /// Attach an explanation to each match.
    pub explain: bool,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            min_probability: 0.2,
            limit: 10,
            max_per_key: 2_000,
            explain: true,
        }
    }
}

/// A registry record that may be the incoming person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnlineMatch {
    pub record_id: String,
    pub probability: f64,
    pub explanation: Option<Explanation>,
}

/// What a query found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    pub matches: Vec<OnlineMatch>,
    /// Registry records compared.
    pub candidates: usize,
    /// Some key had more records than `max_per_key` (the rest were not compared).
    pub capped: bool,
}

/// The online matching index.
#[derive(Debug, Clone)]
pub struct OnlineIndex {
    scoring: Scoring,
    rules: Vec<Rule>,
    normalise: NormaliseOptions,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    by_id: FxHashMap<String, u32>,
    postings: Vec<FxHashMap<u64, Posting>>,
}

impl OnlineIndex {
    /// An empty index scoring with `model` (trained on the registry, e.g. by its last deduplication).
    pub fn new(model: Model, rules: Vec<Rule>, normalise: NormaliseOptions) -> OnlineIndex {
        // A sorted neighbourhood has no key to look up: it is a batch-only rule.
        let rules: Vec<Rule> = rules
            .into_iter()
            .filter(|r| *r != Rule::SortedName)
            .collect();
        OnlineIndex {
            scoring: Scoring::new(model, TermFrequencies::default()),
            postings: vec![FxHashMap::default(); rules.len()],
            rules,
            normalise,
            slots: Vec::new(),
            free: Vec::new(),
            by_id: FxHashMap::default(),
        }
    }

    /// Builds the index over `records` (normalised in parallel).
    pub fn build(
        records: &[PersonRecord],
        model: Model,
        rules: Vec<Rule>,
        normalise: NormaliseOptions,
    ) -> OnlineIndex {
        use rayon::prelude::*;
        let mut index = OnlineIndex::new(model, rules, normalise);
        let prepared: Vec<(Prepared, Box<[u64]>)> = records
            .par_iter()
            .map(|r| {
                let p = Prepared::from_record(r, &index.normalise);
                let keys = index.rules.iter().map(|rule| rule.key(&p)).collect();
                (p, keys)
            })
            .collect();
        index.slots.reserve(records.len());
        index.by_id.reserve(records.len());
        for (r, (p, keys)) in records.iter().zip(prepared) {
            index.insert_prepared(r.record_id.clone(), p, keys);
        }
        index
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn model(&self) -> &Model {
        &self.scoring.model
    }

    pub fn contains(&self, record_id: &str) -> bool {
        self.by_id.contains_key(record_id)
    }

    fn insert_prepared(&mut self, id: String, p: Prepared, keys: Box<[u64]>) {
        if self.by_id.contains_key(&id) {
            self.remove(&id);
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        for (r, &k) in keys.iter().enumerate() {
            if k != 0 {
                self.postings[r]
                    .entry(k)
                    .and_modify(|p| p.push(slot))
                    .or_insert(Posting {
                        first: slot,
                        rest: None,
                    });
            }
        }
        self.scoring.tf.add(&p);
        self.by_id.insert(id.clone(), slot);
        self.slots[slot as usize] = Some(Slot {
            id,
            prepared: p,
            keys,
        });
    }

    /// Adds a record, or replaces the record with the same `record_id` (a changed record).
    pub fn upsert(&mut self, record: &PersonRecord) {
        let p = Prepared::from_record(record, &self.normalise);
        let keys = self.rules.iter().map(|rule| rule.key(&p)).collect();
        self.insert_prepared(record.record_id.clone(), p, keys);
    }

    /// Removes a record; returns whether it was there.
    pub fn remove(&mut self, record_id: &str) -> bool {
        let Some(slot) = self.by_id.remove(record_id) else {
            return false;
        };
        let s = self.slots[slot as usize]
            .take()
            .expect("indexed slot is filled");
        for (r, &k) in s.keys.iter().enumerate() {
            if k == 0 {
                continue;
            }
            if let Some(p) = self.postings[r].get_mut(&k) {
                if !p.remove(slot) {
                    self.postings[r].remove(&k);
                }
            }
        }
        self.scoring.tf.remove(&s.prepared);
        self.free.push(slot);
        true
    }

    /// Finds the registry records that may be the same person as `record` (which need not be in the
    /// index; if it is, it does not match itself).
    pub fn query(
        &self,
        record: &PersonRecord,
        opts: &QueryOptions,
        extract: Option<&dyn KnownNiks>,
    ) -> QueryResult {
        let p = Prepared::from_record(record, &self.normalise);
        let own = self.by_id.get(&record.record_id).copied();
        let mut seen: FxHashSet<u32> = FxHashSet::default();
        let mut capped = false;
        for (r, rule) in self.rules.iter().enumerate() {
            let k = rule.key(&p);
            if k == 0 {
                continue;
            }
            if let Some(posting) = self.postings[r].get(&k) {
                if posting.len() > opts.max_per_key {
                    capped = true;
                }
                seen.extend(posting.iter().take(opts.max_per_key));
            }
        }
        if let Some(o) = own {
            seen.remove(&o);
        }
        let keys_p = TermFrequencies::keys(&p);
        let mut scored: Vec<(u32, f64)> = seen
            .iter()
            .map(|&slot| {
                let s = self.slots[slot as usize]
                    .as_ref()
                    .expect("posted slot is filled");
                let g = compare(&p, &s.prepared);
                let w = self.scoring.scorer.weight(
                    g,
                    &keys_p,
                    &TermFrequencies::keys(&s.prepared),
                    &self.scoring.tf,
                );
                (slot, probability(w))
            })
            .filter(|(_, prob)| *prob >= opts.min_probability)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(opts.limit);
        let matches = scored
            .into_iter()
            .map(|(slot, prob)| {
                let s = self.slots[slot as usize].as_ref().expect("filled");
                OnlineMatch {
                    record_id: s.id.clone(),
                    probability: prob,
                    explanation: opts.explain.then(|| {
                        let mut e = self.scoring.explain(&p, &s.prepared, extract);
                        e.constraint = constraint(&p, &s.prepared, extract);
                        e
                    }),
                }
            })
            .collect();
        QueryResult {
            matches,
            candidates: seen.len(),
            capped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_add_and_remove() {
        let mut p = Posting {
            first: 1,
            rest: None,
        };
        p.push(2);
        p.push(3);
        assert_eq!(p.iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!(p.remove(1));
        assert_eq!(p.len(), 2);
        assert!(p.remove(2));
        assert!(p.rest.is_none());
        assert!(!p.remove(3));
    }
}
