//! The whole run on records in memory: normalise → block and compare → train → score → cluster (dedupe) or
//! select links (link), with review decisions applied and the uncertain band queued.

use std::collections::HashSet;

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::block::{
    candidates_keyed, candidates_with, keys_of, pair_bound, BlockingOptions, BlockingReport,
    Candidate, Histogram, Sides, Sink,
};
use crate::cluster::{cluster, ClusterOptions, PairOracle};
use crate::compare::{compare, dob_level, Field, Gamma};
use crate::explain::{Constraint, Explanation};
use crate::model::{
    probability, train, weight_of, Model, Scorer, TermFrequencies, TrainingOptions, TrainingReport,
};
use crate::progress::{Progress, Stage};
use crate::record::{NormaliseOptions, PersonRecord, Prepared};
use crate::review::{fingerprint, Decisions, ReviewBand, ReviewItem, Verdict};

/// The NIKs of the population extract (the office's copy of Dukcapil data), for the cannot-link rule on
/// two different valid NIKs.
pub trait KnownNiks: Sync {
    fn contains(&self, nik: &str) -> bool;
}

impl KnownNiks for HashSet<String> {
    fn contains(&self, nik: &str) -> bool {
        HashSet::contains(self, nik)
    }
}

/// Records normalised for linkage, with their ids and fingerprints.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub ids: Vec<String>,
    pub prepared: Vec<Prepared>,
    pub fingerprints: Vec<u64>,
}

impl Dataset {
    pub fn from_records(records: &[PersonRecord], opts: &NormaliseOptions) -> Dataset {
        let mut d = Dataset::default();
        d.extend(records, opts);
        d
    }

    /// Adds records (normalised in parallel).
    pub fn extend(&mut self, records: &[PersonRecord], opts: &NormaliseOptions) {
        let prepared: Vec<(Prepared, u64)> = records
            .par_iter()
            .map(|r| (Prepared::from_record(r, opts), fingerprint(r)))
            .collect();
        self.ids.extend(records.iter().map(|r| r.record_id.clone()));
        for (p, f) in prepared {
            self.prepared.push(p);
            self.fingerprints.push(f);
        }
    }

    pub fn len(&self) -> usize {
        self.prepared.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prepared.is_empty()
    }
}

/// Every setting of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkageOptions {
    #[serde(skip)]
    pub normalise: NormaliseOptions,
    pub blocking: BlockingOptions,
    pub training: TrainingOptions,
    pub cluster: ClusterOptions,
    /// Pairs with a match probability at or above this are links.
    pub threshold: f64,
    pub review: ReviewBand,
    /// Score with this model instead of training one on the data.
    pub model: Option<Model>,
    /// Link mode: each record is linked to at most one record of the other side (best first).
    pub one_to_one: bool,
    /// Files with more records than this are deduplicated in streaming mode: blocking runs twice (once to
    /// count comparison vectors for training, once to keep only pairs with a probability of at least
    /// 0.2, or the review band's lower end or the threshold if lower), so memory does not grow with the
    /// number of candidate pairs.
    pub stream_above: usize,
    /// In streaming mode the first pass (counting comparison vectors for training) compares about one
    /// block in this many and weights each counted pair by it (see `docs/linkage.md`).
    #[serde(default = "default_stream_sample")]
    pub stream_sample: u64,
    /// Smaller files are streamed too when their blocking could compare more pairs than this (an upper
    /// bound from the block sizes, [`crate::block`]): a file of dense blocks, each within its limit, must
    /// not hold all its pairs in memory.
    #[serde(default = "default_stream_pairs_above")]
    pub stream_pairs_above: u64,
}

fn default_stream_pairs_above() -> u64 {
    100_000_000
}

fn default_stream_sample() -> u64 {
    16
}

impl Default for LinkageOptions {
    fn default() -> Self {
        LinkageOptions {
            normalise: NormaliseOptions::default(),
            blocking: BlockingOptions::default(),
            training: TrainingOptions::default(),
            cluster: ClusterOptions::default(),
            threshold: 0.9,
            review: ReviewBand::default(),
            model: None,
            one_to_one: false,
            stream_above: 2_000_000,
            stream_sample: default_stream_sample(),
            stream_pairs_above: default_stream_pairs_above(),
        }
    }
}

/// A compared pair with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    pub a: u32,
    pub b: u32,
    /// Match weight in bits (with term-frequency adjustments).
    pub weight: f32,
    pub gamma: Gamma,
    /// Index of the blocking rule that produced the pair.
    pub rule: u8,
}

impl ScoredPair {
    pub fn probability(&self) -> f64 {
        probability(self.weight as f64)
    }
}

/// A model ready to score pairs of two record sets (the same set in dedupe mode).
#[derive(Debug, Clone)]
pub struct Scoring {
    pub model: Model,
    pub scorer: Scorer,
    pub tf: TermFrequencies,
}

impl Scoring {
    pub fn new(model: Model, tf: TermFrequencies) -> Scoring {
        Scoring {
            scorer: model.scorer(),
            model,
            tf,
        }
    }

    pub fn weight(&self, a: &Prepared, b: &Prepared) -> f64 {
        self.weight_of_gamma(compare(a, b), a, b)
    }

    pub fn weight_of_gamma(&self, g: Gamma, a: &Prepared, b: &Prepared) -> f64 {
        self.scorer.weight(
            g,
            &TermFrequencies::keys(a),
            &TermFrequencies::keys(b),
            &self.tf,
        )
    }

    /// The full explanation of a pair.
    pub fn explain(
        &self,
        a: &Prepared,
        b: &Prepared,
        extract: Option<&dyn KnownNiks>,
    ) -> Explanation {
        let g = compare(a, b);
        let (ka, kb) = (TermFrequencies::keys(a), TermFrequencies::keys(b));
        let w = self.scorer.weight(g, &ka, &kb, &self.tf);
        Explanation {
            probability: probability(w),
            match_weight: w,
            prior_weight: self.scorer.prior(),
            contributions: self.scorer.contributions(g, &ka, &kb, &self.tf),
            blocking_rule: None,
            constraint: constraint(a, b, extract),
        }
    }
}

/// The hard rule, if any, that keeps two records apart.
pub fn constraint(
    a: &Prepared,
    b: &Prepared,
    extract: Option<&dyn KnownNiks>,
) -> Option<Constraint> {
    if let (Some(x), Some(y)) = (a.sex, b.sex) {
        if x != y && a.nik_consistent != Some(false) && b.nik_consistent != Some(false) {
            return Some(Constraint::SexDiffers);
        }
    }
    if let Some(ex) = extract {
        if a.nik_valid
            && b.nik_valid
            && a.nik != b.nik
            && ex.contains(&a.nik)
            && ex.contains(&b.nik)
        {
            return Some(Constraint::DifferentKnownNiks);
        }
    }
    if !a.kk.is_empty()
        && a.kk == b.kk
        && matches!(dob_level(a.dob.as_ref(), b.dob.as_ref()), 5 | 6)
    {
        return Some(Constraint::SameKkDifferentBirthDate);
    }
    None
}

/// The result of deduplicating one record set.
#[derive(Debug, Clone)]
pub struct Deduplication {
    /// Cluster label of each record: the index of the first record of its cluster.
    pub clusters: Vec<u32>,
    /// Every compared pair with its score.
    pub pairs: Vec<ScoredPair>,
    pub review: Vec<ReviewItem>,
    pub scoring: Scoring,
    pub training: Option<TrainingReport>,
    pub blocking: BlockingReport,
    /// Decisions applied / found stale (a record changed since).
    pub decisions_applied: usize,
    pub decisions_stale: usize,
    /// Pairs at or above the threshold that a hard rule kept apart.
    pub kept_apart: u64,
    /// The blocking rules, in the order `ScoredPair::rule` indexes.
    pub rules: Vec<crate::block::Rule>,
    /// Run in streaming mode (a large file, or one whose blocking could compare very many pairs): `pairs`
    /// holds only the pairs that can matter (see [`LinkageOptions::stream_above`]).
    pub streamed: bool,
}

impl Deduplication {
    pub fn cluster_count(&self) -> usize {
        self.clusters
            .iter()
            .enumerate()
            .filter(|(i, c)| **c == *i as u32)
            .count()
    }

    /// Explanation of a pair of records of `data` (by index).
    pub fn explain(
        &self,
        data: &Dataset,
        a: usize,
        b: usize,
        extract: Option<&dyn KnownNiks>,
    ) -> Explanation {
        let mut e = self
            .scoring
            .explain(&data.prepared[a], &data.prepared[b], extract);
        if let Some(p) = self
            .pairs
            .iter()
            .find(|p| (p.a as usize, p.b as usize) == (a.min(b), a.max(b)))
        {
            e.blocking_rule = self
                .rules
                .get(p.rule as usize)
                .map(|r| r.name().to_string());
        }
        e
    }
}

fn score_all(
    candidates: Vec<Candidate>,
    left: &[Prepared],
    right: &[Prepared],
    scoring: &Scoring,
) -> Vec<ScoredPair> {
    let keys_l: Vec<[u64; 4]> = left.par_iter().map(TermFrequencies::keys).collect();
    let keys_r: Vec<[u64; 4]> = if std::ptr::eq(left, right) {
        Vec::new()
    } else {
        right.par_iter().map(TermFrequencies::keys).collect()
    };
    let kr = if keys_r.is_empty() { &keys_l } else { &keys_r };
    candidates
        .into_par_iter()
        .map(|c| ScoredPair {
            a: c.a,
            b: c.b,
            weight: scoring.scorer.weight(
                c.gamma,
                &keys_l[c.a as usize],
                &kr[c.b as usize],
                &scoring.tf,
            ) as f32,
            gamma: c.gamma,
            rule: c.rule,
        })
        .collect()
}

struct Oracle<'a> {
    data: &'a Dataset,
    scoring: &'a Scoring,
    rejected: &'a FxHashSet<(u32, u32)>,
    constraints: bool,
    extract: Option<&'a dyn KnownNiks>,
}

impl PairOracle for Oracle<'_> {
    fn weight(&self, a: u32, b: u32) -> f64 {
        self.scoring.weight(
            &self.data.prepared[a as usize],
            &self.data.prepared[b as usize],
        )
    }

    fn cannot_link(&self, a: u32, b: u32) -> bool {
        if self.rejected.contains(&(a.min(b), a.max(b))) {
            return true;
        }
        self.constraints
            && constraint(
                &self.data.prepared[a as usize],
                &self.data.prepared[b as usize],
                self.extract,
            )
            .is_some()
    }
}

/// Looks up remembered decisions for `data`'s record ids: (accepted, rejected, applied, stale pairs).
type DecisionSets = (
    Vec<(u32, u32)>,
    FxHashSet<(u32, u32)>,
    usize,
    FxHashSet<(u32, u32)>,
);

fn resolve_decisions(
    left: &Dataset,
    right: Option<&Dataset>,
    decisions: &Decisions,
) -> DecisionSets {
    let mut accepted = Vec::new();
    let mut rejected = FxHashSet::default();
    let mut stale = FxHashSet::default();
    let mut applied = 0;
    if decisions.is_empty() {
        return (accepted, rejected, applied, stale);
    }
    let index_l: std::collections::HashMap<&str, u32> = left
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as u32))
        .collect();
    let index_r: Option<std::collections::HashMap<&str, u32>> = right.map(|r| {
        r.ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i as u32))
            .collect()
    });
    for d in decisions.iter() {
        let found = match (&index_r, right) {
            (Some(ir), Some(r)) => {
                // Link mode: either id may be on either side.
                let straight = index_l
                    .get(d.record_id_a.as_str())
                    .zip(ir.get(d.record_id_b.as_str()));
                let swapped = index_l
                    .get(d.record_id_b.as_str())
                    .zip(ir.get(d.record_id_a.as_str()));
                straight.or(swapped).map(|(&a, &b)| {
                    (
                        a,
                        b,
                        left.fingerprints[a as usize],
                        r.fingerprints[b as usize],
                    )
                })
            }
            _ => index_l
                .get(d.record_id_a.as_str())
                .zip(index_l.get(d.record_id_b.as_str()))
                .map(|(&a, &b)| {
                    (
                        a.min(b),
                        a.max(b),
                        left.fingerprints[a as usize],
                        left.fingerprints[b as usize],
                    )
                }),
        };
        let Some((a, b, fa, fb)) = found else {
            continue;
        };
        if !d.is_current(fa, fb) {
            stale.insert((a, b));
            continue;
        }
        applied += 1;
        match d.verdict {
            Verdict::Accept => accepted.push((a, b)),
            Verdict::Reject => {
                rejected.insert((a, b));
            }
        }
    }
    (accepted, rejected, applied, stale)
}

fn train_or_use(
    left: &[Prepared],
    right: Option<&[Prepared]>,
    histogram: &Histogram,
    tf: TermFrequencies,
    opts: &LinkageOptions,
) -> (Scoring, Option<TrainingReport>) {
    match &opts.model {
        Some(m) => (Scoring::new(m.clone(), tf), None),
        None => {
            let (model, report) = train(left, right, histogram, &tf, &opts.training);
            (Scoring::new(model, tf), Some(report))
        }
    }
}

/// Probability below which a compared pair is dropped in streaming mode (pairs under the review band and
/// the threshold change nothing but the weakest negative edges of components above the dense limit).
const STREAM_FLOOR: f64 = 0.2;

/// Deduplicates one record set.
pub fn deduplicate(
    data: &Dataset,
    opts: &LinkageOptions,
    decisions: &Decisions,
    extract: Option<&dyn KnownNiks>,
    progress: &dyn Progress,
) -> Deduplication {
    let records = &data.prepared;
    let tf = TermFrequencies::from_records(records);
    let block_keys = keys_of(records, &opts.blocking.rules);
    let streaming = records.len() > opts.stream_above
        || pair_bound(&block_keys, &opts.blocking) > opts.stream_pairs_above;
    progress.start(Stage::Blocking, None);
    let advance = |n| progress.advance(n);
    // Streaming (large files): a first pass over a sample of the blocks only counts comparison vectors
    // for training (skipped when a model is given); the second keeps the pairs that can matter. Otherwise
    // one pass keeps every pair.
    let (mut cands, mut blocking, histogram) = if streaming && opts.model.is_some() {
        Default::default()
    } else {
        let first_sink = Sink {
            keep: streaming.then_some(&|_: &Candidate| false),
            histogram: opts.model.is_none(),
            sample: if streaming { opts.stream_sample } else { 1 },
        };
        let sides = Sides::One(records);
        candidates_keyed(
            sides,
            &block_keys,
            None,
            &opts.blocking,
            &advance,
            &first_sink,
        )
    };
    progress.finish();

    progress.start(Stage::Training, None);
    let (scoring, training) = train_or_use(records, None, &histogram, tf, opts);
    progress.finish();

    if streaming {
        progress.start(Stage::Blocking, None);
        let keys: Vec<[u64; 4]> = records.par_iter().map(TermFrequencies::keys).collect();
        let floor = weight_of(STREAM_FLOOR.min(opts.review.low).min(opts.threshold));
        let keep = |c: &Candidate| {
            scoring.scorer.weight(
                c.gamma,
                &keys[c.a as usize],
                &keys[c.b as usize],
                &scoring.tf,
            ) >= floor
        };
        let sink = Sink {
            keep: Some(&keep),
            histogram: false,
            sample: 1,
        };
        let (kept, report, _) = candidates_keyed(
            Sides::One(records),
            &block_keys,
            None,
            &opts.blocking,
            &advance,
            &sink,
        );
        cands = kept;
        blocking = report;
        progress.finish();
    }

    drop(block_keys);

    progress.start(Stage::Scoring, Some(cands.len() as u64));
    let pairs = score_all(cands, records, records, &scoring);
    progress.advance(pairs.len() as u64);
    progress.finish();

    progress.start(Stage::Clustering, None);
    let (accepted, rejected, applied, stale) = resolve_decisions(data, None, decisions);
    let threshold_weight = weight_of(opts.threshold);
    let edges: Vec<(u32, u32, f32)> = pairs.iter().map(|p| (p.a, p.b, p.weight)).collect();
    let oracle = Oracle {
        data,
        scoring: &scoring,
        rejected: &rejected,
        constraints: opts.cluster.constraints,
        extract,
    };
    let clusters = cluster(
        records.len(),
        &edges,
        &accepted,
        threshold_weight,
        &oracle,
        &opts.cluster,
    );
    let kept_apart = pairs
        .par_iter()
        .filter(|p| p.weight as f64 >= threshold_weight && oracle.cannot_link(p.a, p.b))
        .count() as u64;
    progress.finish();

    let decided: FxHashSet<(u32, u32)> = accepted
        .iter()
        .copied()
        .chain(rejected.iter().copied())
        .collect();
    let review = review_queue(
        &pairs, data, data, &scoring, opts, &decided, &stale, extract,
    );
    Deduplication {
        clusters,
        pairs,
        review,
        scoring,
        training,
        blocking,
        decisions_applied: applied,
        decisions_stale: stale.len(),
        kept_apart,
        rules: opts.blocking.rules.clone(),
        streamed: streaming,
    }
}

#[allow(clippy::too_many_arguments)]
fn review_queue(
    pairs: &[ScoredPair],
    left: &Dataset,
    right: &Dataset,
    scoring: &Scoring,
    opts: &LinkageOptions,
    decided: &FxHashSet<(u32, u32)>,
    stale: &FxHashSet<(u32, u32)>,
    extract: Option<&dyn KnownNiks>,
) -> Vec<ReviewItem> {
    let mut items: Vec<ReviewItem> = pairs
        .par_iter()
        .filter(|p| opts.review.contains(p.probability()) && !decided.contains(&(p.a, p.b)))
        .map(|p| {
            let (a, b) = (&left.prepared[p.a as usize], &right.prepared[p.b as usize]);
            let e = scoring.explain(a, b, extract);
            ReviewItem {
                record_id_a: left.ids[p.a as usize].clone(),
                record_id_b: right.ids[p.b as usize].clone(),
                probability: p.probability(),
                linked: p.probability() >= opts.threshold && e.constraint.is_none(),
                stale_decision: stale.contains(&(p.a, p.b)),
                fingerprint_a: left.fingerprints[p.a as usize],
                fingerprint_b: right.fingerprints[p.b as usize],
                explanation: e.to_compact(),
            }
        })
        .collect();
    // Most uncertain first.
    items.sort_by(|x, y| {
        (x.probability - 0.5)
            .abs()
            .total_cmp(&(y.probability - 0.5).abs())
            .then_with(|| x.record_id_a.cmp(&y.record_id_a))
            .then_with(|| x.record_id_b.cmp(&y.record_id_b))
    });
    items
}

/// The result of linking two record sets.
#[derive(Debug, Clone)]
pub struct Linkage {
    /// Links (`a` in left, `b` in right), strongest first.
    pub links: Vec<ScoredPair>,
    pub pairs_compared: u64,
    pub review: Vec<ReviewItem>,
    pub scoring: Scoring,
    pub training: Option<TrainingReport>,
    pub blocking: BlockingReport,
    pub decisions_applied: usize,
    pub decisions_stale: usize,
    pub kept_apart: u64,
}

/// Links two record sets (a program list against the population extract, or two programs: the
/// cross-program double-receipt screen).
pub fn link(
    left: &Dataset,
    right: &Dataset,
    opts: &LinkageOptions,
    decisions: &Decisions,
    extract: Option<&dyn KnownNiks>,
    progress: &dyn Progress,
) -> Linkage {
    progress.start(Stage::Blocking, None);
    let sink = Sink {
        keep: None,
        histogram: opts.model.is_none(),
        sample: 1,
    };
    let (cands, blocking, histogram) = candidates_with(
        Sides::Two(&left.prepared, &right.prepared),
        &opts.blocking,
        &|n| progress.advance(n),
        &sink,
    );
    progress.finish();
    progress.start(Stage::Training, None);
    let tf = TermFrequencies::from_records(left.prepared.iter().chain(right.prepared.iter()));
    let (scoring, training) =
        train_or_use(&left.prepared, Some(&right.prepared), &histogram, tf, opts);
    progress.finish();
    progress.start(Stage::Scoring, Some(cands.len() as u64));
    let pairs = score_all(cands, &left.prepared, &right.prepared, &scoring);
    progress.advance(pairs.len() as u64);
    progress.finish();

    let (accepted, rejected, applied, stale) = resolve_decisions(left, Some(right), decisions);
    let accepted_set: FxHashSet<(u32, u32)> = accepted.iter().copied().collect();
    let threshold_weight = weight_of(opts.threshold);
    let kept_apart = std::sync::atomic::AtomicU64::new(0);
    let mut links: Vec<ScoredPair> = pairs
        .par_iter()
        .filter(|p| {
            let key = (p.a, p.b);
            if accepted_set.contains(&key) {
                return true;
            }
            if rejected.contains(&key) || (p.weight as f64) < threshold_weight {
                return false;
            }
            let apart = opts.cluster.constraints
                && constraint(
                    &left.prepared[p.a as usize],
                    &right.prepared[p.b as usize],
                    extract,
                )
                .is_some();
            if apart {
                kept_apart.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            !apart
        })
        .copied()
        .collect();
    // Accepted pairs that blocking did not produce.
    let present: FxHashSet<(u32, u32)> = links.iter().map(|p| (p.a, p.b)).collect();
    for &(a, b) in accepted.iter().filter(|k| !present.contains(k)) {
        let (x, y) = (&left.prepared[a as usize], &right.prepared[b as usize]);
        let g = compare(x, y);
        links.push(ScoredPair {
            a,
            b,
            weight: scoring.weight_of_gamma(g, x, y) as f32,
            gamma: g,
            rule: u8::MAX,
        });
    }
    links.sort_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    if opts.one_to_one {
        let mut used_l = FxHashSet::default();
        let mut used_r = FxHashSet::default();
        links.retain(|p| {
            if accepted_set.contains(&(p.a, p.b))
                || (!used_l.contains(&p.a) && !used_r.contains(&p.b))
            {
                used_l.insert(p.a);
                used_r.insert(p.b);
                true
            } else {
                false
            }
        });
    }
    let decided: FxHashSet<(u32, u32)> = accepted
        .iter()
        .copied()
        .chain(rejected.iter().copied())
        .collect();
    let review = review_queue(
        &pairs, left, right, &scoring, opts, &decided, &stale, extract,
    );
    Linkage {
        links,
        pairs_compared: pairs.len() as u64,
        review,
        scoring,
        training,
        blocking,
        decisions_applied: applied,
        decisions_stale: stale.len(),
        kept_apart: kept_apart.into_inner(),
    }
}

/// Name of the fields, for reports.
pub fn field_names() -> Vec<&'static str> {
    crate::compare::ALL_FIELDS
        .iter()
        .map(|f: &Field| f.name())
        .collect()
}
