//! Rolling-origin back-test: from every past quarter with enough history before it, fit the model on the
//! quarters up to it alone, forecast the next quarter and compare with what the targeting run then
//! counted — beside the naive forecast "same as this quarter". If the model does not beat naive, the
//! result says so (`beats_naive` false) rather than hiding it.

use serde::Serialize;

use super::model::{
    district_sums, village_forecasts, Fit, ForecastOptions, Panel, VillageForecast,
};
use super::period::Period;

/// The model's error over all back-test forecasts, at village and district level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// The quarters forecast from.
    pub origins: Vec<Period>,
    pub village: ErrorSummary,
    pub district: ErrorSummary,
}

/// Errors of the model and of the naive forecast over the same forecasts.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ErrorSummary {
    /// Forecasts compared (areas × origins).
    pub forecasts: usize,
    /// Mean absolute error, households.
    pub mae: f64,
    /// Mean absolute percentage error over the forecasts whose actual count is not zero; None if all are.
    pub mape: Option<f64>,
    pub naive_mae: f64,
    pub naive_mape: Option<f64>,
    /// The model's MAE is below the naive forecast's. False when nothing could be compared.
    pub beats_naive: bool,
}

#[derive(Default)]
struct Accumulator {
    n: usize,
    abs: f64,
    naive_abs: f64,
    pct_n: usize,
    pct: f64,
    naive_pct: f64,
}

impl Accumulator {
    fn add(&mut self, forecast: f64, naive: f64, actual: f64) {
        self.n += 1;
        self.abs += (forecast - actual).abs();
        self.naive_abs += (naive - actual).abs();
        if actual > 0.0 {
            self.pct_n += 1;
            self.pct += (forecast - actual).abs() / actual;
            self.naive_pct += (naive - actual).abs() / actual;
        }
    }

    fn summary(&self) -> ErrorSummary {
        if self.n == 0 {
            return ErrorSummary::default();
        }
        let n = self.n as f64;
        let pct = |sum: f64| (self.pct_n > 0).then(|| 100.0 * sum / self.pct_n as f64);
        ErrorSummary {
            forecasts: self.n,
            mae: self.abs / n,
            mape: pct(self.pct),
            naive_mae: self.naive_abs / n,
            naive_mape: pct(self.naive_pct),
            beats_naive: self.abs < self.naive_abs,
        }
    }
}

pub(super) fn run(panel: &Panel, options: ForecastOptions) -> Backtest {
    let mut origins = Vec::new();
    let (mut villages, mut districts) = (Accumulator::default(), Accumulator::default());
    for origin in options.min_history.max(1) - 1..panel.len.saturating_sub(1) {
        let fit = Fit::estimate(panel, origin, options);
        let mut forecasts = village_forecasts(panel, &fit, origin);
        // Only villages counted in the next quarter can be scored; districts sum those same villages.
        for (v, forecast) in forecasts.iter_mut().enumerate() {
            let actual = panel.eligible(v, origin + 1);
            match forecast {
                Some(f) if actual.is_finite() => villages.add(f.area.expected, f.area.base, actual),
                _ => *forecast = None,
            }
        }
        let actual_by_district = district_actuals(panel, &forecasts, origin + 1);
        for (d, sum) in district_sums(panel, &forecasts).iter().enumerate() {
            if let Some(sum) = sum {
                districts.add(sum.expected, sum.base, actual_by_district[d]);
            }
        }
        origins.push(panel.period(origin));
    }
    Backtest {
        origins,
        village: villages.summary(),
        district: districts.summary(),
    }
}

fn district_actuals(panel: &Panel, forecasts: &[Option<VillageForecast>], t: usize) -> Vec<f64> {
    let mut actual = vec![0.0; panel.districts.len()];
    for (v, f) in forecasts.iter().enumerate() {
        if let Some(f) = f {
            actual[f.district] += panel.eligible(v, t);
        }
    }
    actual
}
