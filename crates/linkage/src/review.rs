//! Clerical review: pairs whose probability falls in an uncertain band go to a queue; reviewers' accept /
//! reject decisions are passed back in as data and respected in later runs (an accepted pair is linked
//! whatever its score, a rejected pair is never in one cluster). Persisting the decisions is the store's
//! job; this module only defines them.
//!
//! A decision remembers a fingerprint of each record as it was when decided. If a record has changed since,
//! the decision is **stale**: it is not applied and the pair is reviewed again.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::record::PersonRecord;

/// A reviewer's verdict on a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The same person (*sama*).
    Accept,
    /// Different people (*berbeda*).
    Reject,
}

impl Verdict {
    pub fn parse(s: &str) -> Option<Verdict> {
        match s.trim().to_ascii_lowercase().as_str() {
            "accept" | "accepted" | "same" | "sama" | "terima" | "diterima" | "match" | "1"
            | "yes" => Some(Verdict::Accept),
            "reject" | "rejected" | "different" | "berbeda" | "tolak" | "ditolak" | "non_match"
            | "0" | "no" => Some(Verdict::Reject),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Reject => "reject",
        }
    }
}

/// One remembered decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub record_id_a: String,
    pub record_id_b: String,
    pub verdict: Verdict,
    /// [`fingerprint`] of record a when decided (`None`: apply whatever the record looks like now).
    pub fingerprint_a: Option<u64>,
    pub fingerprint_b: Option<u64>,
}

/// Remembered decisions, looked up by unordered pair of record ids.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    map: HashMap<(String, String), Decision>,
}

fn key(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl Decisions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces: the latest decision wins) a decision.
    pub fn insert(&mut self, d: Decision) {
        self.map.insert(key(&d.record_id_a, &d.record_id_b), d);
    }

    pub fn get(&self, a: &str, b: &str) -> Option<&Decision> {
        self.map.get(&key(a, b))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Decision> {
        self.map.values()
    }
}

impl FromIterator<Decision> for Decisions {
    fn from_iter<I: IntoIterator<Item = Decision>>(iter: I) -> Self {
        let mut d = Decisions::new();
        for x in iter {
            d.insert(x);
        }
        d
    }
}

impl Decision {
    /// True when both records still look as they did when the decision was made.
    pub fn is_current(&self, fp_a: u64, fp_b: u64) -> bool {
        // The decision may have been stored with the pair in the other order.
        let straight = self.fingerprint_a.is_none_or(|f| f == fp_a)
            && self.fingerprint_b.is_none_or(|f| f == fp_b);
        let swapped = self.fingerprint_a.is_none_or(|f| f == fp_b)
            && self.fingerprint_b.is_none_or(|f| f == fp_a);
        straight || swapped
    }
}

/// A stable fingerprint of a record's matching fields (FNV-1a 64 over the fields as written, record id
/// excluded), so a decision can tell whether a record has changed.
pub fn fingerprint(r: &PersonRecord) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for f in &r.fields()[1..] {
        for b in f.bytes().chain(std::iter::once(0x1f)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// The uncertain band: pairs with `low <= probability < high` are queued for review.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReviewBand {
    pub low: f64,
    pub high: f64,
}

impl Default for ReviewBand {
    fn default() -> Self {
        ReviewBand {
            low: 0.2,
            high: 0.98,
        }
    }
}

impl ReviewBand {
    pub fn contains(&self, p: f64) -> bool {
        p >= self.low && p < self.high
    }
}

/// A pair waiting for a reviewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub record_id_a: String,
    pub record_id_b: String,
    pub probability: f64,
    /// Whether the pair is linked now (probability at or above the threshold).
    pub linked: bool,
    /// A decision existed but one of the records changed since.
    pub stale_decision: bool,
    pub fingerprint_a: u64,
    pub fingerprint_b: u64,
    /// Compact per-field explanation ([`crate::explain::Explanation::to_compact`]).
    pub explanation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_unordered_and_fingerprinted() {
        let r = PersonRecord {
            record_id: "a".into(),
            full_name: "Budi".into(),
            ..Default::default()
        };
        let mut changed = r.clone();
        changed.full_name = "Budi Santoso".into();
        let fp = fingerprint(&r);
        assert_ne!(fp, fingerprint(&changed));
        let mut renamed = r.clone();
        renamed.record_id = "z".into();
        assert_eq!(fp, fingerprint(&renamed), "record id is not content");
        let d: Decisions = [Decision {
            record_id_a: "b".into(),
            record_id_b: "a".into(),
            verdict: Verdict::Reject,
            fingerprint_a: Some(1),
            fingerprint_b: Some(fp),
        }]
        .into_iter()
        .collect();
        let got = d.get("a", "b").unwrap();
        assert!(got.is_current(fp, 1));
        assert!(!got.is_current(fingerprint(&changed), 1));
        assert_eq!(Verdict::parse("Ditolak"), Some(Verdict::Reject));
        assert_eq!(Verdict::parse("sama"), Some(Verdict::Accept));
    }
}
