//! The welfare ranking: every household with targeting facts in the area gets the PMT's predicted
//! consumption per capita (its *welfare*) and a desil (decile 1–10 per regency, 1 = poorest; see
//! `docs/pmt.md`). Households without a needs survey cannot be scored: they keep no rank and are counted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tepat_domain::{RegionCode, Rupiah};
use tepat_store::{Store, WelfareRank};
use tepat_targeting::pmt;
use uuid::Uuid;

use super::run::{each_facts, TargetingError};
use crate::access::{Grant, RunTargeting};

/// Ranks written per store call.
const WRITE_BATCH: usize = 10_000;

/// What a ranking did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankReport {
    /// Households with facts in the area.
    pub households: u64,
    /// Households given a welfare and a desil.
    pub ranked: u64,
    /// Households without a survey (no rank).
    pub without_survey: u64,
    /// Rows the store changed.
    pub written: u64,
}

/// Predicts and ranks every household in the grant's area with `model`, ages counted to `on`, and
/// stores the ranks. Deciles are per regency: rank a whole regency at once (a Dinas Sosial verifier's
/// scope), or a part of one gets deciles of that part.
pub async fn rank_households(
    store: &dyn Store,
    grant: &Grant<'_, RunTargeting>,
    model: &pmt::Model,
    on: NaiveDate,
) -> Result<RankReport, TargetingError> {
    let mut report = RankReport::default();
    let mut scores: Vec<(Uuid, RegionCode, i64)> = Vec::new();
    each_facts(store, &grant.scope(), &mut |batch| {
        for f in batch {
            report.households += 1;
            match model.predict(&f, on) {
                Some(w) => scores.push((f.id, f.village, w.amount())),
                None => report.without_survey += 1,
            }
        }
    })
    .await?;
    // `rank` sorts `scores` and answers in that order.
    let desils = pmt::rank(&mut scores);
    let ranks: Vec<WelfareRank> = scores
        .iter()
        .zip(desils)
        .map(|((_, _, w), (household, desil))| WelfareRank {
            household,
            welfare: Rupiah::new(*w),
            desil,
        })
        .collect();
    report.ranked = ranks.len() as u64;
    for chunk in ranks.chunks(WRITE_BATCH) {
        report.written += store.set_welfare(chunk).await?;
    }
    Ok(report)
}
