//! `tepat-linkage`: record linkage for tepat — finds the same person across the registry and across programs.
//!
//! The pipeline, one module a step:
//! 1. [`normalise`]: Indonesian names (titles, Muhammad, old spellings, phonetic keys), places, addresses.
//! 2. [`record`]: a `persons.csv` row and its normalised form.
//! 3. [`block`]: candidate pairs from a union of hash-join rules, each pair once, huge blocks capped.
//! 4. [`compare`]: per-field comparison levels, packed into a comparison vector.
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
