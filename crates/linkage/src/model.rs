//! Fellegi–Sunter scoring, with every parameter estimated from the data itself (no labels).
//!
//! For each field and level: `m` = P(level | same person), `u` = P(level | different people). A pair's match
//! weight is `log2(λ/(1−λ)) + Σ log2(m/u)` (a missing value adds nothing) and its probability
//! `2^w / (1 + 2^w)`.
//!
//! - **u** from a random sample of record pairs (almost all are different people); the exact-agreement
//!   level of fields with a value-frequency table is computed exactly from those frequencies.
//! - **m** by expectation–maximisation on blocked pairs, run on the *counts of distinct comparison vectors*
//!   (fastLink's speed-up: the cost does not grow with the number of pairs). Each training session uses
//!   the pairs that share one key (birth date; name; NIK); the fields in that key are left out of that
//!   session (their agreement is forced there, or implied: a NIK encodes a birth date and sex; a name implies
//!   a sex), and each field takes its m from the most trustworthy session that learns it. EM sees only the
//!   **identity** fields (name, birth date, NIK, sex, birth place): on the household fields (village,
//!   address, KK number) the strongest class among blocked pairs is "same family", not "same person".
//!   The household fields' `m` is then taken from the candidate pairs, each weighted by its match
//!   probability on the identity fields.
//! - **λ** (the prior that two random records are the same person) = pairs passing a strict rule (same name
//!   and same birth date) ÷ that rule's recall among true pairs (computed from the learnt `m`) ÷ all pairs.
//! - **Term frequencies**: on exact agreement of name, birth date, birth place and village, `u` is replaced
//!   by the frequency of the actual value, so agreeing on "Siti" or on 1 January counts for less than
//!   agreeing on a rare name or date.

use std::hash::{Hash, Hasher};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use crate::block::pairs_sharing;
use crate::compare::{compare, Field, Gamma, ALL_FIELDS, MAX_LEVELS, NUM_FIELDS};
use crate::record::Prepared;

/// Fields whose exact agreement is adjusted by the frequency of the value.
pub const TF_FIELDS: [Field; 4] = [
    Field::Name,
    Field::BirthDate,
    Field::BirthPlace,
    Field::Village,
];

/// Fields that members of one household share (so they say little about being the same person) and that
/// are left out of EM (see [`train`]).
pub const CONTEXT_FIELDS: [Field; 3] = [Field::Village, Field::Address, Field::Kk];

/// Levels that carry no evidence, like a missing value: two valid NIKs one digit apart are as often two
/// people's NIKs (same birth date in neighbouring kecamatan, consecutive serials) as a typo.
///
/// Likewise a NIK that is the same on both records but contradicts one record's birth date or sex: one NIK
/// used by several people (borrowed from a relative) is a data error to report, not evidence of one person.
pub const NEUTRAL_LEVELS: [(Field, u8); 2] = [(Field::Nik, 2), (Field::Nik, 5)];

#[inline]
fn neutral(f: usize, level: usize) -> bool {
    f == Field::Nik as usize && (level == 5 || level == 2)
}

/// Index of `f` in [`TF_FIELDS`].
fn tf_slot(f: Field) -> Option<usize> {
    TF_FIELDS.iter().position(|x| *x == f)
}

/// The value of a term-frequency field as a hash (0 = missing).
pub(crate) fn tf_key(f: Field, r: &Prepared) -> u64 {
    let mut h = FxHasher::default();
    let empty = match f {
        Field::Name => {
            r.name_sorted.hash(&mut h);
            r.name_sorted.is_empty()
        }
        Field::BirthDate => {
            r.dob.hash(&mut h);
            r.dob.is_none()
        }
        Field::BirthPlace => {
            r.place.hash(&mut h);
            r.place.is_empty()
        }
        Field::Village => {
            r.village.hash(&mut h);
            r.village.is_empty()
        }
        _ => true,
    };
    if empty {
        0
    } else {
        h.finish().max(1)
    }
}

/// Value counts of the term-frequency fields (updatable, for the online index).
#[derive(Debug, Clone, Default)]
pub struct TermFrequencies {
    counts: [FxHashMap<u64, u32>; 4],
    totals: [u64; 4],
}

impl TermFrequencies {
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Prepared>) -> Self {
        let mut tf = TermFrequencies::default();
        for r in records {
            tf.add(r);
        }
        tf
    }

    pub fn add(&mut self, r: &Prepared) {
        for (i, f) in TF_FIELDS.iter().enumerate() {
            let k = tf_key(*f, r);
            if k != 0 {
                *self.counts[i].entry(k).or_insert(0) += 1;
                self.totals[i] += 1;
            }
        }
    }

    pub fn remove(&mut self, r: &Prepared) {
        for (i, f) in TF_FIELDS.iter().enumerate() {
            let k = tf_key(*f, r);
            if k != 0 {
                if let Some(c) = self.counts[i].get_mut(&k) {
                    *c -= 1;
                    self.totals[i] -= 1;
                    if *c == 0 {
                        self.counts[i].remove(&k);
                    }
                }
            }
        }
    }

    /// Frequency (share of records with a value) of `r`'s value of field slot `i`.
    fn freq(&self, i: usize, key: u64) -> Option<f64> {
        let total = self.totals[i];
        if key == 0 || total == 0 {
            return None;
        }
        let c = self.counts[i].get(&key).copied().unwrap_or(1).max(1);
        Some(c as f64 / total as f64)
    }

    /// P(two random records with values agree) per slot: Σ c(c−1) / (n(n−1)).
    fn agreement(&self, i: usize) -> Option<f64> {
        let n = self.totals[i] as f64;
        if n < 2.0 {
            return None;
        }
        let s: f64 = self.counts[i]
            .values()
            .map(|&c| c as f64 * (c as f64 - 1.0))
            .sum();
        Some(s / (n * (n - 1.0)))
    }

    /// Term-frequency keys of one record, precomputed for scoring.
    pub fn keys(r: &Prepared) -> [u64; 4] {
        [
            tf_key(TF_FIELDS[0], r),
            tf_key(TF_FIELDS[1], r),
            tf_key(TF_FIELDS[2], r),
            tf_key(TF_FIELDS[3], r),
        ]
    }
}

/// m and u of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldParams {
    pub field: String,
    pub levels: Vec<String>,
    /// P(level | match), levels 1.. (level 0, missing, has none).
    pub m: Vec<f64>,
    /// P(level | non-match).
    pub u: Vec<f64>,
}

/// A trained Fellegi–Sunter model. Serialisable, so a registry keeps the model it was deduplicated with
/// and the online index scores with the same one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Prior probability that two random records are the same person.
    pub lambda: f64,
    pub fields: Vec<FieldParams>,
    /// Apply term-frequency adjustments.
    pub term_frequency: bool,
    /// P(birth-place level | different people, village level): row `v - 1` for village levels 1–3 (same
    /// village, same kecamatan, same kabupaten), one column per birth-place level 1.. . People are mostly
    /// born near where they live, so among neighbours an agreeing birth place is far less rare than among
    /// random pairs; the birth place's weight uses this `u` when the village level is known (see
    /// [`place_given_village`]). Empty: birth place and village taken as independent.
    #[serde(default)]
    pub place_given_village: Vec<Vec<f64>>,
}

/// One part of a match weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub field: String,
    pub level: u8,
    pub label: String,
    /// log2(m/u) of the level (0 for a missing value).
    pub weight: f64,
    /// The term-frequency adjustment added to `weight` (0 when none applies).
    pub tf_adjustment: f64,
}

/// Precomputed weights for scoring.
#[derive(Debug, Clone)]
pub struct Scorer {
    prior: f64,
    w: [[f64; MAX_LEVELS]; NUM_FIELDS],
    m: [[f64; MAX_LEVELS]; NUM_FIELDS],
    u: [[f64; MAX_LEVELS]; NUM_FIELDS],
    /// Added to the birth place's weight, by [village level][birth-place level]: log2(u / u given village).
    place_fix: [[f64; MAX_LEVELS]; MAX_LEVELS],
    term_frequency: bool,
}

const MIN_PROB: f64 = 1e-9;

impl Model {
    fn arrays(
        &self,
    ) -> (
        [[f64; MAX_LEVELS]; NUM_FIELDS],
        [[f64; MAX_LEVELS]; NUM_FIELDS],
    ) {
        let mut m = [[1.0; MAX_LEVELS]; NUM_FIELDS];
        let mut u = [[1.0; MAX_LEVELS]; NUM_FIELDS];
        for (i, f) in ALL_FIELDS.iter().enumerate() {
            if let Some(p) = self.fields.iter().find(|p| p.field == f.name()) {
                for l in 1..f.num_levels() {
                    m[i][l] = p.m.get(l - 1).copied().unwrap_or(MIN_PROB).max(MIN_PROB);
                    u[i][l] = p.u.get(l - 1).copied().unwrap_or(MIN_PROB).max(MIN_PROB);
                }
            }
        }
        (m, u)
    }

    pub fn scorer(&self) -> Scorer {
        let (m, u) = self.arrays();
        let mut w = [[0.0; MAX_LEVELS]; NUM_FIELDS];
        for (i, f) in ALL_FIELDS.iter().enumerate() {
            for l in 1..f.num_levels() {
                if !neutral(i, l) {
                    w[i][l] = (m[i][l] / u[i][l]).log2();
                }
            }
        }
        let lambda = self.lambda.clamp(1e-15, 0.999);
        let mut place_fix = [[0.0; MAX_LEVELS]; MAX_LEVELS];
        let p = Field::BirthPlace as usize;
        for (v, row) in self.place_given_village.iter().enumerate().take(3) {
            for (l, &uc) in row.iter().enumerate() {
                let l = l + 1;
                if l < MAX_LEVELS && uc > 0.0 {
                    place_fix[v + 1][l] = (u[p][l] / uc.max(MIN_PROB)).log2();
                }
            }
        }
        Scorer {
            prior: (lambda / (1.0 - lambda)).log2(),
            w,
            m,
            u,
            place_fix,
            term_frequency: self.term_frequency,
        }
    }

    fn from_arrays(
        lambda: f64,
        m: &[[f64; MAX_LEVELS]; NUM_FIELDS],
        u: &[[f64; MAX_LEVELS]; NUM_FIELDS],
    ) -> Model {
        Model {
            lambda,
            term_frequency: true,
            place_given_village: Vec::new(),
            fields: ALL_FIELDS
                .iter()
                .enumerate()
                .map(|(i, f)| FieldParams {
                    field: f.name().to_string(),
                    levels: f.levels()[1..].iter().map(|s| s.to_string()).collect(),
                    m: (1..f.num_levels()).map(|l| m[i][l]).collect(),
                    u: (1..f.num_levels()).map(|l| u[i][l]).collect(),
                })
                .collect(),
        }
    }
}

impl Scorer {
    /// The prior weight log2(λ/(1−λ)).
    pub fn prior(&self) -> f64 {
        self.prior
    }

    /// Match weight of a comparison vector without term-frequency adjustments.
    #[inline]
    pub fn weight_plain(&self, g: Gamma) -> f64 {
        let mut per = [0.0; NUM_FIELDS];
        for (f, w) in per.iter_mut().enumerate() {
            *w = self.w[f][((g.0 >> (3 * f)) & 7) as usize];
        }
        per[Field::BirthPlace as usize] += self.place_fix(g);
        self.prior + per.iter().sum::<f64>() + household_overlap(&per)
    }

    /// The birth place's correction for the pair's village level (0 when either is missing).
    #[inline]
    fn place_fix(&self, g: Gamma) -> f64 {
        self.place_fix[g.level(Field::Village) as usize][g.level(Field::BirthPlace) as usize]
    }

    /// Match weight with term-frequency adjustments (keys from [`TermFrequencies::keys`]).
    #[inline]
    pub fn weight(&self, g: Gamma, ka: &[u64; 4], kb: &[u64; 4], tf: &TermFrequencies) -> f64 {
        let mut per = [0.0; NUM_FIELDS];
        for (f, w) in per.iter_mut().enumerate() {
            *w = self.w[f][((g.0 >> (3 * f)) & 7) as usize];
        }
        per[Field::BirthPlace as usize] += self.place_fix(g);
        if self.term_frequency {
            for (slot, f) in TF_FIELDS.iter().enumerate() {
                per[*f as usize] += self.tf_adjustment(*f, slot, g.level(*f), ka, kb, tf);
            }
        }
        self.prior + per.iter().sum::<f64>() + household_overlap(&per)
    }

    fn tf_adjustment(
        &self,
        f: Field,
        slot: usize,
        level: u8,
        ka: &[u64; 4],
        kb: &[u64; 4],
        tf: &TermFrequencies,
    ) -> f64 {
        let applies = level == 1 || (f == Field::Name && level == 2);
        if !applies {
            return 0.0;
        }
        let fa = tf.freq(slot, ka[slot]);
        let fb = tf.freq(slot, kb[slot]);
        let freq = match (fa, fb) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return 0.0,
        };
        let u = self.u[f as usize][level as usize];
        // Bounded: a frequency table from a small registry must not swamp the other evidence.
        (u / freq).log2().clamp(-10.0, 10.0)
    }

    /// Per-field contributions of a pair (for explanations).
    pub fn contributions(
        &self,
        g: Gamma,
        ka: &[u64; 4],
        kb: &[u64; 4],
        tf: &TermFrequencies,
    ) -> Vec<Contribution> {
        let mut out: Vec<Contribution> = ALL_FIELDS
            .iter()
            .map(|f| {
                let level = g.level(*f);
                let tf_adjustment = match (self.term_frequency, tf_slot(*f)) {
                    (true, Some(slot)) => self.tf_adjustment(*f, slot, level, ka, kb, tf),
                    _ => 0.0,
                };
                let fix = if *f == Field::BirthPlace {
                    self.place_fix(g)
                } else {
                    0.0
                };
                Contribution {
                    field: f.name().to_string(),
                    level,
                    label: f.levels()[level as usize].to_string(),
                    weight: self.w[*f as usize][level as usize] + fix,
                    tf_adjustment,
                }
            })
            .collect();
        let mut per = [0.0; NUM_FIELDS];
        for (i, c) in out.iter().enumerate() {
            per[i] = c.weight + c.tf_adjustment;
        }
        let overlap = household_overlap(&per);
        if overlap != 0.0 {
            out.push(Contribution {
                field: "household".into(),
                level: 1,
                label: "village, address and KK agree together: counted once".into(),
                weight: overlap,
                tf_adjustment: 0.0,
            });
        }
        out
    }

    pub fn m(&self, f: Field, level: u8) -> f64 {
        self.m[f as usize][level as usize]
    }

    pub fn u(&self, f: Field, level: u8) -> f64 {
        self.u[f as usize][level as usize]
    }
}

/// The household fields (village, address, KK number) are shared by a whole family, so their agreements
/// are not independent pieces of evidence: only the largest positive one counts. Returns the (negative)
/// correction to add to the plain sum.
#[inline]
fn household_overlap(per: &[f64; NUM_FIELDS]) -> f64 {
    let mut sum = 0.0;
    let mut max: f64 = 0.0;
    for f in CONTEXT_FIELDS {
        let w = per[f as usize];
        if w > 0.0 {
            sum += w;
            max = max.max(w);
        }
    }
    max - sum
}

/// Probability from a match weight.
#[inline]
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// Match weight from a probability.
pub fn weight_of(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).log2()
}

/// Settings of training.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingOptions {
    /// Random pairs sampled to estimate u; 0 = 30 per record, at least 100,000 and at most 1,000,000.
    pub u_sample_pairs: usize,
    /// Pairs at most per EM session.
    pub em_max_pairs: usize,
    /// Records at most taken from one block in an EM session.
    pub em_max_block: usize,
    pub em_max_iterations: usize,
    pub seed: u64,
    pub term_frequency: bool,
}

impl Default for TrainingOptions {
    fn default() -> Self {
        TrainingOptions {
            u_sample_pairs: 0,
            em_max_pairs: 300_000,
            em_max_block: 100,
            em_max_iterations: 100,
            seed: 0x7e9a7,
            term_frequency: true,
        }
    }
}

/// What training did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainingReport {
    pub u_pairs_sampled: u64,
    pub sessions: Vec<SessionReport>,
    /// How λ was found.
    pub lambda_method: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionReport {
    /// The key the session's pairs share (its fields are not learnt there).
    pub key: String,
    pub pairs: u64,
    pub distinct_vectors: u64,
    pub iterations: usize,
    /// Share of matches among the session's pairs at convergence.
    pub lambda: f64,
}

type Table = [[f64; MAX_LEVELS]; NUM_FIELDS];

/// Pairs sampled at most per village level for [`place_given_village`].
const PLACE_PAIRS_PER_LEVEL: usize = 200_000;

/// Estimates u: random pairs (one set, or left × right), exact levels from value frequencies.
fn estimate_u(
    left: &[Prepared],
    right: Option<&[Prepared]>,
    opts: &TrainingOptions,
    tf_left: &TermFrequencies,
) -> (Table, u64) {
    let nl = left.len();
    let nr = right.map_or(nl, |r| r.len());
    let mut counts = [[0u64; MAX_LEVELS]; NUM_FIELDS];
    let target = if opts.u_sample_pairs == 0 {
        (30 * (nl + if right.is_some() { nr } else { 0 })).clamp(100_000, 1_000_000)
    } else {
        opts.u_sample_pairs
    };
    if nl >= 1 && nr >= 1 && (right.is_some() || nl >= 2) {
        let chunks = 64usize;
        let per = target.div_ceil(chunks);
        let partial: Vec<[[u64; MAX_LEVELS]; NUM_FIELDS]> = (0..chunks)
            .into_par_iter()
            .map(|c| {
                let mut rng = ChaCha8Rng::seed_from_u64(
                    opts.seed ^ (c as u64).wrapping_mul(0x9e3779b97f4a7c15),
                );
                let mut local = [[0u64; MAX_LEVELS]; NUM_FIELDS];
                for _ in 0..per {
                    let i = rng.random_range(0..nl);
                    let (a, b) = match right {
                        Some(r) => (&left[i], &r[rng.random_range(0..nr)]),
                        None => {
                            let mut j = rng.random_range(0..nl - 1);
                            if j >= i {
                                j += 1;
                            }
                            (&left[i], &left[j])
                        }
                    };
                    let g = compare(a, b);
                    for (f, row) in local.iter_mut().enumerate() {
                        row[((g.0 >> (3 * f)) & 7) as usize] += 1;
                    }
                }
                local
            })
            .collect();
        for p in partial {
            for f in 0..NUM_FIELDS {
                for l in 0..MAX_LEVELS {
                    counts[f][l] += p[f][l];
                }
            }
        }
    }
    let sampled = (target.div_ceil(64) * 64) as u64;
    let mut u = [[1.0; MAX_LEVELS]; NUM_FIELDS];
    for (fi, f) in ALL_FIELDS.iter().enumerate() {
        let levels = f.num_levels();
        let non_null: u64 = (1..levels).map(|l| counts[fi][l]).sum();
        // Add-half smoothing so that a level never seen among random pairs is rare, not impossible.
        let denom = non_null as f64 + 0.5 * (levels - 1) as f64;
        for l in 1..levels {
            u[fi][l] = (counts[fi][l] as f64 + 0.5) / denom;
        }
        // Exact agreement from value frequencies (dedupe only; in link mode the two sides' tables differ).
        if right.is_none() {
            if let Some(slot) = tf_slot(*f) {
                if let Some(exact) = tf_left.agreement(slot) {
                    let exact = exact.max(0.5 / denom);
                    let rest: f64 = (2..levels).map(|l| u[fi][l]).sum();
                    let scale = (1.0 - exact) / rest.max(MIN_PROB);
                    u[fi][1] = exact;
                    for x in &mut u[fi][2..levels] {
                        *x *= scale;
                    }
                }
            }
        }
    }
    (u, sampled)
}

/// Estimates P(birth-place level | different people, village level) for village levels 1–3 (same village,
/// same kecamatan, same kabupaten): for each level, `per_level` random pairs of records sharing that part
/// of the village code (a record at random, then another of its village, kecamatan or kabupaten), counted
/// when their village level is exactly that level. Almost all such pairs are different people. Rows with
/// fewer than 1,000 counted pairs are left empty (no correction). Returns one row per village level.
pub fn place_given_village(records: &[Prepared], seed: u64, per_level: usize) -> Vec<Vec<f64>> {
    let place = Field::BirthPlace;
    let levels = place.num_levels();
    let mut out = Vec::new();
    for (v, digits) in [(1u8, 10usize), (2, 6), (3, 4)] {
        // (prefix of the village code, record) sorted: the groups of one village / kecamatan / kabupaten.
        let mut entries: Vec<(u64, u32)> = records
            .par_iter()
            .enumerate()
            .filter(|(_, r)| r.village_digits as usize >= digits && !r.place.is_empty())
            .map(|(i, r)| {
                let mut h = FxHasher::default();
                r.village[..digits].hash(&mut h);
                (h.finish(), i as u32)
            })
            .collect();
        entries.par_sort_unstable();
        let mut counts = vec![0u64; levels];
        if entries.len() >= 2 {
            let chunks = 16usize;
            let per = per_level.div_ceil(chunks);
            let partial: Vec<Vec<u64>> = (0..chunks)
                .into_par_iter()
                .map(|c| {
                    let mut rng = ChaCha8Rng::seed_from_u64(
                        seed ^ (v as u64 * 64 + c as u64).wrapping_mul(0x9e3779b97f4a7c15),
                    );
                    let mut local = vec![0u64; levels];
                    for _ in 0..per {
                        let k = rng.random_range(0..entries.len());
                        let key = entries[k].0;
                        let start = entries.partition_point(|e| e.0 < key);
                        let end = entries.partition_point(|e| e.0 <= key);
                        if end - start < 2 {
                            continue;
                        }
                        let mut j = rng.random_range(start..end - 1);
                        if j >= k {
                            j += 1;
                        }
                        let a = &records[entries[k].1 as usize];
                        let b = &records[entries[j].1 as usize];
                        let g = compare(a, b);
                        if g.level(Field::Village) == v {
                            local[g.level(place) as usize] += 1;
                        }
                    }
                    local
                })
                .collect();
            for p in partial {
                for (c, x) in counts.iter_mut().zip(p) {
                    *c += x;
                }
            }
        }
        let n: u64 = counts[1..].iter().sum();
        if n < 1_000 {
            out.push(Vec::new());
            continue;
        }
        let denom = n as f64 + 0.5 * (levels - 1) as f64;
        out.push(
            (1..levels)
                .map(|l| (counts[l] as f64 + 0.5) / denom)
                .collect(),
        );
    }
    // Trailing rows without an estimate carry nothing.
    while out.last().is_some_and(|r| r.is_empty()) {
        out.pop();
    }
    out
}

/// Default starting m: most matches agree exactly.
fn initial_m() -> Table {
    let mut m = [[1.0; MAX_LEVELS]; NUM_FIELDS];
    for (fi, f) in ALL_FIELDS.iter().enumerate() {
        let levels = f.num_levels();
        let rest = levels - 2;
        m[fi][1] = 0.9;
        let mut left = 0.1;
        for (l, x) in m[fi].iter_mut().enumerate().take(levels).skip(2) {
            let share = if l + 1 == levels { left } else { left * 0.5 };
            *x = share;
            left -= share;
        }
        if rest == 0 {
            m[fi][1] = 1.0;
        }
    }
    m
}

/// EM on counts of distinct comparison vectors. Updates `m` of the active fields; returns (λ, iterations).
fn em(
    patterns: &[(Gamma, f64)],
    active: [bool; NUM_FIELDS],
    u: &Table,
    m: &mut Table,
    max_iter: usize,
) -> (f64, usize) {
    let mut lambda = seed_m_step(patterns, active, m);
    let mut iterations = 0;
    for it in 0..max_iter {
        iterations = it + 1;
        let mut num = [[0.0f64; MAX_LEVELS]; NUM_FIELDS];
        let mut matched = 0.0;
        let mut total = 0.0;
        let prior = (lambda / (1.0 - lambda)).log2();
        for &(g, c) in patterns {
            let mut w = prior;
            for f in 0..NUM_FIELDS {
                if !active[f] {
                    continue;
                }
                let l = ((g.0 >> (3 * f)) & 7) as usize;
                if l != 0 && !neutral(f, l) {
                    w += (m[f][l] / u[f][l]).log2();
                }
            }
            let p = probability(w);
            matched += c * p;
            total += c;
            for (f, row) in num.iter_mut().enumerate() {
                row[((g.0 >> (3 * f)) & 7) as usize] += c * p;
            }
        }
        let new_lambda = (matched / total.max(1.0)).clamp(1e-9, 1.0 - 1e-9);
        let mut delta = (new_lambda - lambda).abs();
        for (fi, f) in ALL_FIELDS.iter().enumerate() {
            if !active[fi] {
                continue;
            }
            let levels = f.num_levels();
            let s: f64 = (1..levels).map(|l| num[fi][l]).sum();
            if s <= 0.0 {
                continue;
            }
            for l in 1..levels {
                let v = (num[fi][l] / s).max(1e-6);
                delta = delta.max((v - m[fi][l]).abs());
                m[fi][l] = v;
            }
        }
        lambda = new_lambda;
        if delta < 1e-6 {
            break;
        }
    }
    (lambda, iterations)
}

/// The deterministic rule that starts EM on the right class: the same valid NIK (consistent with both
/// records) and a similar name, or the same name and birth date with no disagreement on sex. EM is
/// started from one M-step on these labels (not held to them), so that among family members and
/// neighbours it converges to "same person" rather than to "same household" or "same birth date".
pub fn is_seed(g: Gamma) -> bool {
    let name = g.level(Field::Name);
    let sex_ok = g.level(Field::Sex) != 2;
    (g.level(Field::Nik) == 1 && (1..=5).contains(&name) && sex_ok)
        || (matches!(name, 1 | 2) && g.level(Field::BirthDate) == 1 && sex_ok)
}

/// One M-step on the seed labels; returns the starting λ. Leaves `m` as it is when there are no seeds.
fn seed_m_step(patterns: &[(Gamma, f64)], active: [bool; NUM_FIELDS], m: &mut Table) -> f64 {
    let mut num = [[0.0f64; MAX_LEVELS]; NUM_FIELDS];
    let (mut seeds, mut total) = (0.0, 0.0);
    for &(g, c) in patterns {
        total += c;
        if is_seed(g) {
            seeds += c;
            for (f, row) in num.iter_mut().enumerate() {
                row[((g.0 >> (3 * f)) & 7) as usize] += c;
            }
        }
    }
    if seeds < 5.0 {
        return 0.1;
    }
    for (fi, f) in ALL_FIELDS.iter().enumerate() {
        if !active[fi] {
            continue;
        }
        let levels = f.num_levels();
        let s: f64 = (1..levels).map(|l| num[fi][l] + 0.5).sum();
        for l in 1..levels {
            m[fi][l] = (num[fi][l] + 0.5) / s;
        }
    }
    (seeds / total.max(1.0)).clamp(1e-4, 0.5)
}

/// The strict rule λ is counted with: same name (any order), same birth date, not two different valid NIKs.
fn is_strict(g: Gamma) -> bool {
    matches!(g.level(Field::Name), 1 | 2)
        && g.level(Field::BirthDate) == 1
        && !matches!(g.level(Field::Nik), 5 | 6)
}

/// A training session: its key and the fields that key forces to agree.
struct Session {
    name: &'static str,
    /// Pairs of the session to leave out (by comparison vector).
    skip: fn(Gamma) -> bool,
    key: fn(&Prepared) -> u64,
    /// Fields EM does not see in this session.
    inactive: &'static [Field],
    /// Fields EM sees but whose m is not taken from this session (they help tell the classes apart, but
    /// the key biases them).
    not_learnt: &'static [Field],
}

fn key_dob(r: &Prepared) -> u64 {
    tf_key(Field::BirthDate, r)
}
fn key_name(r: &Prepared) -> u64 {
    tf_key(Field::Name, r)
}
fn key_nik(r: &Prepared) -> u64 {
    if r.nik.len() < 4 {
        return 0;
    }
    let mut h = FxHasher::default();
    r.nik.hash(&mut h);
    h.finish().max(1)
}

/// Sessions in order of trust: a field's m comes from the first session that learns it (and had enough
/// pairs and a sensible share of matches). Pairs sharing an identifier are mostly one person; pairs sharing
/// a name are often namesakes; pairs sharing a birth date are mostly strangers whose names follow the
/// fashions of their birth year, so that session only supplies what no other learns (sex).
const SESSIONS: &[Session] = &[
    // A NIK encodes its holder's birth date and sex, so neither is learnt from pairs sharing a NIK.
    Session {
        name: "nik",
        // A NIK that contradicts a record it is on was borrowed: those pairs are not one person.
        skip: |g| g.level(Field::Nik) == 2,
        key: key_nik,
        // Birth date helps tell a person's two records from a relative's borrowed NIK here, but sharing a
        // (consistent) NIK forces the birth date to agree, so its m is taken from the name session.
        inactive: &[Field::Nik, Field::Sex],
        not_learnt: &[Field::BirthDate],
    },
    Session {
        name: "full_name",
        skip: |_| false,
        key: key_name,
        // Names are gendered: people who share a name share a sex whether or not they are one person.
        inactive: &[Field::Name, Field::Sex],
        not_learnt: &[],
    },
    // People of one kecamatan born on one day have NIKs a serial apart: NIK is not learnt here either.
    Session {
        name: "birth_date",
        skip: |_| false,
        key: key_dob,
        inactive: &[Field::BirthDate, Field::Nik],
        not_learnt: &[],
    },
];

/// Trains a model on one record set (dedupe) or two (link; EM runs on the left set's pairs and the union's
/// frequencies when `right` is given). `candidates` counts the blocked pairs' comparison vectors, used
/// for λ and for the household fields' m.
pub fn train(
    left: &[Prepared],
    right: Option<&[Prepared]>,
    candidates: &FxHashMap<Gamma, f64>,
    tf: &TermFrequencies,
    opts: &TrainingOptions,
) -> (Model, TrainingReport) {
    let mut report = TrainingReport::default();
    let tf_left = if right.is_some() {
        TermFrequencies::from_records(left)
    } else {
        tf.clone()
    };
    let (u, sampled) = estimate_u(left, right, opts, &tf_left);
    report.u_pairs_sampled = sampled;

    // EM sessions on pairs sharing a key. In link mode the pairs come from the union of both sides
    // (records of one side are as good as any for learning what a match looks like).
    let union: Vec<Prepared>;
    let pool: &[Prepared] = match right {
        Some(r) => {
            union = left.iter().chain(r.iter()).cloned().collect();
            &union
        }
        None => left,
    };
    let mut sum = [[0.0f64; MAX_LEVELS]; NUM_FIELDS];
    let mut n_learnt = [0usize; NUM_FIELDS];
    for s in SESSIONS {
        let pairs = pairs_sharing(pool, s.key, opts.em_max_block, opts.em_max_pairs);
        if pairs.len() < 10 {
            continue;
        }
        let mut counts: FxHashMap<Gamma, f64> = FxHashMap::default();
        let gammas: Vec<Gamma> = pairs
            .par_iter()
            .map(|&(a, b)| compare(&pool[a as usize], &pool[b as usize]))
            .collect();
        for g in gammas.into_iter().filter(|g| !(s.skip)(*g)) {
            *counts.entry(g).or_insert(0.0) += 1.0;
        }
        let patterns: Vec<(Gamma, f64)> = counts.into_iter().collect();
        let mut active = [true; NUM_FIELDS];
        for f in s.inactive.iter().chain(CONTEXT_FIELDS.iter()) {
            active[*f as usize] = false;
        }
        let mut m = initial_m();
        let (lambda, iterations) = em(&patterns, active, &u, &mut m, opts.em_max_iterations);
        let usable = pairs.len() >= 50 && (0.0005..0.99999).contains(&lambda);
        for (fi, row) in m.iter().enumerate() {
            let learnt_here = active[fi] && !s.not_learnt.iter().any(|f| *f as usize == fi);
            if usable && learnt_here && n_learnt[fi] == 0 {
                sum[fi] = *row;
                n_learnt[fi] = 1;
            }
        }
        report.sessions.push(SessionReport {
            key: s.name.to_string(),
            pairs: pairs.len() as u64,
            distinct_vectors: patterns.len() as u64,
            iterations,
            lambda,
        });
    }
    let init = initial_m();
    let mut m = init;
    for fi in 0..NUM_FIELDS {
        if n_learnt[fi] > 0 {
            for l in 0..MAX_LEVELS {
                m[fi][l] = sum[fi][l] / n_learnt[fi] as f64;
            }
        }
    }

    // λ from a strict rule: same name (any order) and same birth date, and not two different valid NIKs
    // (namesakes born on one day: their number grows with the square of the file, true pairs only
    // linearly, so without this λ would grow with the file).
    let total_pairs = match right {
        Some(r) => left.len() as f64 * r.len() as f64,
        None => left.len() as f64 * (left.len() as f64 - 1.0) / 2.0,
    }
    .max(1.0);
    let strict: f64 = candidates
        .iter()
        .filter(|(g, _)| is_strict(**g))
        .map(|(_, c)| c)
        .sum();
    let present = |f: fn(&Prepared) -> bool| {
        let n = pool.len().max(1) as f64;
        let k = pool.iter().filter(|r| f(r)).count() as f64;
        (k / n).powi(2)
    };
    let nik = Field::Nik as usize;
    let recall = present(|r| !r.name.is_empty())
        * present(|r| r.dob.is_some())
        * (m[Field::Name as usize][1] + m[Field::Name as usize][2])
        * m[Field::BirthDate as usize][1]
        * (1.0 - present(|r| !r.nik.is_empty()) * (m[nik][5] + m[nik][6])).max(0.05);
    let lambda = if strict >= 1.0 && recall > 1e-3 {
        report.lambda_method = format!(
            "{strict} pairs with the same name and birth date / recall {recall:.4} / {total_pairs} pairs"
        );
        strict / recall / total_pairs
    } else {
        report.lambda_method =
            "no pairs with the same name and birth date: one match per record assumed".into();
        (left.len().min(right.map_or(left.len(), |r| r.len())) as f64 * 0.1) / total_pairs
    };
    let lambda = lambda.clamp(1.0 / total_pairs, 0.5);

    // m of the context fields (village, address, KK number) from the candidates, weighting each pair by
    // its match probability judged on the identity fields only. Family members share all three, so letting
    // EM see them would make "same household" the class it finds.
    let place_table = if right.is_none() {
        // 10 pairs per record, 20,000 to 200,000 per level: small files stay fast.
        let per_level = (10 * left.len()).clamp(20_000, PLACE_PAIRS_PER_LEVEL);
        place_given_village(left, opts.seed, per_level)
    } else {
        Vec::new()
    };
    let place_fix = {
        let mut probe = Model::from_arrays(lambda, &m, &u);
        probe.place_given_village = place_table.clone();
        probe.scorer()
    };
    let candidates_total: f64 = candidates.values().sum();
    if candidates_total > 0.0 {
        // The prior of the random-pair population the u were estimated on (not the candidates' share of
        // matches: blocking makes candidates agree on dates and names more often than u says).
        let lambda_c = lambda;
        let counts = candidates;
        let prior = (lambda_c / (1.0 - lambda_c)).log2();
        let mut num = [[0.0f64; MAX_LEVELS]; NUM_FIELDS];
        for (g, c) in counts {
            let mut w = prior + place_fix.place_fix(*g);
            for f in ALL_FIELDS {
                if CONTEXT_FIELDS.contains(&f) {
                    continue;
                }
                let l = g.level(f) as usize;
                if l != 0 && !neutral(f as usize, l) {
                    w += (m[f as usize][l] / u[f as usize][l]).log2();
                }
            }
            let p = probability(w);
            for f in CONTEXT_FIELDS {
                num[f as usize][g.level(f) as usize] += c * p;
            }
        }
        for f in CONTEXT_FIELDS {
            let fi = f as usize;
            let levels = f.num_levels();
            let total: f64 = (1..levels).map(|l| num[fi][l]).sum();
            if total >= 1.0 {
                for l in 1..levels {
                    m[fi][l] = (num[fi][l] / total).max(1e-6);
                }
            }
        }
    }
    let mut model = Model::from_arrays(lambda, &m, &u);
    model.term_frequency = opts.term_frequency;
    model.place_given_village = place_table;
    (model, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_and_weight_are_inverse() {
        for p in [0.001, 0.5, 0.9, 0.999] {
            assert!((probability(weight_of(p)) - p).abs() < 1e-12);
        }
        assert_eq!(probability(0.0), 0.5);
    }

    fn person(i: usize, village: &str, place: &str) -> Prepared {
        Prepared::from_record(
            &crate::record::PersonRecord {
                record_id: i.to_string(),
                full_name: format!("Orang {i}"),
                birth_place: place.into(),
                village_code: village.into(),
                ..Default::default()
            },
            &crate::record::NormaliseOptions::default(),
        )
    }

    #[test]
    fn birth_place_among_neighbours_is_estimated_per_village_level() {
        // 40 villages in 4 kecamatan; everyone is born in their kecamatan's town.
        let towns = ["Cibinong", "Ciomas", "Leuwiliang", "Jasinga"];
        let records: Vec<Prepared> = (0..8000)
            .map(|i| {
                let (kec, desa) = (i % 4, (i / 4) % 10);
                person(
                    i,
                    &format!("32.01.{:02}.{}", kec + 1, 2001 + desa),
                    towns[kec],
                )
            })
            .collect();
        let table = place_given_village(&records, 7, 20_000);
        assert_eq!(table.len(), 3);
        // Same village, same kecamatan: the birth place always agrees; another kecamatan: never.
        assert!(table[0][0] > 0.99, "{:?}", table[0]);
        assert!(table[1][0] > 0.99, "{:?}", table[1]);
        assert!(table[2][0] < 0.01, "{:?}", table[2]);

        // Scored with the table, agreeing on the birth place among neighbours is worth almost nothing;
        // without it, the random pairs' u makes it strong evidence.
        let u = estimate_u(
            &records,
            None,
            &TrainingOptions::default(),
            &TermFrequencies::default(),
        )
        .0;
        let mut model = Model::from_arrays(1e-4, &initial_m(), &u);
        let g = Gamma::default()
            .with(Field::BirthPlace, 1)
            .with(Field::Village, 1);
        let independent = model.scorer().weight_plain(g)
            - model.scorer().weight_plain(g.with(Field::BirthPlace, 0));
        model.place_given_village = table;
        let scorer = model.scorer();
        let neighbours = scorer.weight_plain(g) - scorer.weight_plain(g.with(Field::BirthPlace, 0));
        assert!(independent > 1.5, "independent {independent}");
        assert!(neighbours.abs() < 0.2, "neighbours {neighbours}");
        // Between villages of different kabupaten nothing changes.
        let far = g.with(Field::Village, 4);
        assert_eq!(
            scorer.weight_plain(far),
            Model::from_arrays(1e-4, &initial_m(), &u)
                .scorer()
                .weight_plain(far)
        );
        // The explanation shows the same weight.
        let c = scorer.contributions(g, &[0; 4], &[0; 4], &TermFrequencies::default());
        let place = c.iter().find(|c| c.field == "birth_place").unwrap();
        assert!(place.weight.abs() < 0.2, "{place:?}");
    }

    #[test]
    fn models_saved_before_the_birth_place_table_still_load() {
        let mut json: serde_json::Value =
            serde_json::to_value(Model::from_arrays(0.01, &initial_m(), &initial_m())).unwrap();
        json.as_object_mut().unwrap().remove("place_given_village");
        let model: Model = serde_json::from_value(json).unwrap();
        assert!(model.place_given_village.is_empty());
    }

    #[test]
    fn lambda_counts_no_namesakes_with_two_different_valid_niks() {
        let g = Gamma::default()
            .with(Field::Name, 1)
            .with(Field::BirthDate, 1);
        assert!(is_strict(g));
        assert!(is_strict(g.with(Field::Nik, 1)));
        assert!(is_strict(g.with(Field::Nik, 3)));
        assert!(!is_strict(g.with(Field::Nik, 5)));
        assert!(!is_strict(g.with(Field::Nik, 6)));
        assert!(!is_strict(g.with(Field::BirthDate, 3)));
    }

    #[test]
    fn em_recovers_a_planted_model() {
        // Two fields, two non-null levels each: matches agree 90 %, non-matches 10 %.
        let mut u = [[1.0; MAX_LEVELS]; NUM_FIELDS];
        let mut patterns = Vec::new();
        for f in [0usize, 1] {
            u[f][1] = 0.1;
            u[f][2] = 0.9;
        }
        let g = |a: u8, b: u8| {
            Gamma::default()
                .with(Field::Name, a)
                .with(Field::BirthDate, b)
        };
        // 1000 matches, 9000 non-matches, independent fields.
        for (a, b) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
            let pm = |l| if l == 1 { 0.9 } else { 0.1 };
            let pu = |l| if l == 1 { 0.1 } else { 0.9 };
            let c = 1000.0 * pm(a) * pm(b) + 9000.0 * pu(a) * pu(b);
            patterns.push((g(a, b), c));
        }
        // Only levels 1 and 2 exist in this toy: give the others zero counts by using a 7-level field's
        // first two levels; the rest get tiny m.
        let mut m = initial_m();
        let mut active = [false; NUM_FIELDS];
        active[0] = true;
        active[1] = true;
        let (lambda, _) = em(&patterns, active, &u, &mut m, 500);
        assert!((lambda - 0.1).abs() < 0.02, "lambda {lambda}");
        assert!((m[0][1] - 0.9).abs() < 0.03, "m {:?}", m[0]);
    }
}
