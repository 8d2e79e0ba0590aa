//! `tepat-linkage`: record linkage for tepat — finds the same person across the registry and across programs.
//!
//! The pipeline, one module a step (the method in `docs/linkage.md`):
//! 1. [`normalise`]: Indonesian names (titles, Muhammad, old spellings, phonetic keys), places, addresses.
//! 2. [`record`]: a `persons.csv` row and its normalised form.
//! 3. [`block`]: candidate pairs from a union of hash-join rules, each pair once, huge blocks capped.
//! 4. [`compare`]: per-field comparison levels, packed into a comparison vector ([`similarity`] kernels).
//! 5. [`model`]: Fellegi–Sunter weights; u by random sampling, m by EM on distinct vectors, λ, term
//!    frequencies.
//! 6. [`cluster`]: clusters that do not chain (greedy additive edge contraction, cannot-link rules).
//! 7. [`explain`] and [`review`]: per-pair explanations; the review band and remembered decisions.
//! 8. [`pipeline`]: the whole run in memory ([`deduplicate`], [`link`]); [`files`]: the CLI's entry points
//!    ([`dedupe_files`], [`link_files`]); [`online`]: one record against the registry ([`OnlineIndex`]).
//!
//! Around it: [`progress`] (what the CLI's progress bar listens to), [`eval`] (precision, recall, F1) and
//! [`febrl`] (the vendored FEBRL test data).
#![forbid(unsafe_code)]

pub mod block;
pub mod cluster;
pub mod compare;
pub mod eval;
pub mod explain;
pub mod febrl;
pub mod files;
pub mod model;
pub mod normalise;
pub mod online;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod review;
pub mod similarity;

pub use block::{BlockingOptions, BlockingReport, CappedBlock, Rule};
pub use cluster::ClusterOptions;
pub use compare::{Field, Gamma};
pub use eval::Metrics;
pub use explain::{Constraint, Explanation};
pub use files::{
    dedupe_files, link_files, peak_memory_bytes, read_decisions, read_persons, write_persons,
    BadRows, DedupeOptions, DedupeSummary, LinkOptions, LinkSummary, LinkageError, RowProblem,
    RowProblemKind,
};
pub use model::{Model, Scorer, TermFrequencies, TrainingOptions, TrainingReport};
pub use normalise::{normalise_name, phonetic, Nicknames, NormalName};
pub use online::{OnlineIndex, OnlineMatch, QueryOptions, QueryResult};
pub use pipeline::{
    deduplicate, link, Dataset, Deduplication, KnownNiks, Linkage, LinkageOptions, ScoredPair,
    Scoring,
};
pub use progress::{NoProgress, Progress, Stage};
pub use record::{NormaliseOptions, PersonRecord, Prepared, PERSONS_HEADER};
pub use review::{Decision, Decisions, ReviewBand, ReviewItem, Verdict};
