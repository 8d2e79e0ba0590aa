//! The regional needs forecast from the store: one observation per village and quarter from the
//! program's past runs (households the rule selected, and households with facts), plus economic
//! indicators, through [`tepat_targeting::forecast`] (`docs/forecast.md`).
//!
//! Per quarter the latest run that was not discarded counts; runs stored before the per-village
//! household counts were kept are skipped.

use std::collections::BTreeMap;

use tepat_domain::{RegionCode, Scope};
use tepat_store::{RunState, Store};
use tepat_targeting::forecast::{
    forecast, ForecastOptions, Indicators, NeedsForecast, Observation, Period,
};

use super::run::{RunSummary, TargetingError};
use crate::access::{Grant, ReadTargeting};

/// Past runs read per program.
const RUNS: u32 = 400;

/// The history of program `program` inside the grant: per quarter and village, eligible and
/// registered households.
pub async fn history(
    store: &dyn Store,
    grant: &Grant<'_, ReadTargeting>,
    program: &str,
) -> Result<Vec<Observation>, TargetingError> {
    history_in(store, grant, program, &grant.scope()).await
}

/// [`history`] over `area`, which may be wider than the grant — a village operator's district, whose
/// trend the village's forecast leans on. These are aggregate counts (no household is named); callers
/// show only what the grant covers.
pub async fn history_in(
    store: &dyn Store,
    _grant: &Grant<'_, ReadTargeting>,
    program: &str,
    area: &Scope,
) -> Result<Vec<Observation>, TargetingError> {
    let mut by_period: BTreeMap<Period, RunSummary> = BTreeMap::new();
    // Newest first: the first run seen of a quarter is its latest.
    for run in store.runs(program, RUNS).await? {
        if run.state == RunState::Discarded {
            continue;
        }
        let (Ok(period), Some(summary)) =
            (Period::parse(&run.period), RunSummary::parse(&run.summary))
        else {
            continue;
        };
        if summary.registered.is_empty() {
            continue;
        }
        by_period.entry(period).or_insert(summary);
    }
    let mut out = Vec::new();
    for (period, summary) in by_period {
        let eligible: BTreeMap<RegionCode, u32> = summary
            .simulation
            .by_village
            .iter()
            .map(|r| {
                (
                    r.region,
                    r.counts.candidates + r.counts.waitlist + r.counts.excluded,
                )
            })
            .collect();
        for (village, registered) in summary.registered {
            if area.covers(&village) {
                out.push(Observation {
                    period,
                    village,
                    eligible: eligible.get(&village).copied().unwrap_or(0),
                    registered,
                });
            }
        }
    }
    Ok(out)
}

/// Expected eligible households next quarter per village and district of the grant's area, from the
/// program's past runs and `indicators` (possibly empty), with the back-test error.
pub async fn needs_forecast(
    store: &dyn Store,
    grant: &Grant<'_, ReadTargeting>,
    program: &str,
    indicators: &Indicators,
) -> Result<NeedsForecast, TargetingError> {
    let history = history(store, grant, program).await?;
    forecast(&history, indicators, ForecastOptions::default())
        .map_err(|e| TargetingError::Forecast(e.to_string()))
}
