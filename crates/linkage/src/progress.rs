//! Progress reporting: the library says what it is doing, the caller (the CLI's progress bar) shows it.

/// A stage of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Blocking,
    Training,
    Scoring,
    Clustering,
    Writing,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Reading => "reading",
            Stage::Blocking => "blocking and comparing",
            Stage::Training => "estimating m, u and lambda",
            Stage::Scoring => "scoring",
            Stage::Clustering => "clustering",
            Stage::Writing => "writing",
        }
    }
}

/// Receives progress. Implementations must be cheap: `advance` is called from worker threads.
pub trait Progress: Sync {
    /// A stage starts; `total` is the amount of work if known (records, pairs).
    fn start(&self, stage: Stage, total: Option<u64>);
    /// `n` more units of the current stage are done.
    fn advance(&self, n: u64);
    /// The current stage is done.
    fn finish(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: Stage, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
}
