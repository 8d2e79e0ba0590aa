//! The forecast model, in one paragraph (docs/forecast.md has the formulas):
//!
//! Next quarter's eligible households in a village = this quarter's count × e^(trend + indicator effect).
//! The *indicator effect* is Σ βₖ·Δxₖ, where Δxₖ is how much indicator k moved in the village's district
//! over the last quarter and βₖ is estimated by least squares over districts × quarters (with a constant
//! per district, so a district's own long-run trend is not mistaken for an indicator's effect). The
//! *trend* is the village's recent growth net of indicator effects, shrunk toward its district's: the
//! village's own growth gets weight w = τ²/(τ² + σ²), where τ² is how much villages in the district truly
//! differ and σ² is how noisy a village of its size is over the quarters seen (empirical Bayes). Small or
//! short histories lean on the district; a village with one quarter of history uses the district's trend.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tepat_domain::{RegionCode, RegionLevel};

use super::backtest::{self, Backtest};
use super::indicators::Indicators;
use super::period::Period;

/// One village's counts in one quarter: households eligible in that quarter's targeting run and
/// households in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    pub period: Period,
    pub village: RegionCode,
    pub eligible: u32,
    pub registered: u32,
}

impl From<(Period, RegionCode, u32, u32)> for Observation {
    fn from(
        (period, village, eligible, registered): (Period, RegionCode, u32, u32),
    ) -> Observation {
        Observation {
            period,
            village,
            eligible,
            registered,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastOptions {
    /// Quarters of growth the trend averages over.
    pub trend_quarters: usize,
    /// Quarters of history a back-test origin needs before it is forecast from.
    pub min_history: usize,
}

impl Default for ForecastOptions {
    fn default() -> ForecastOptions {
        ForecastOptions {
            trend_quarters: 4,
            min_history: 3,
        }
    }
}

/// Why the history cannot be forecast from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForecastError {
    #[error("the history is empty: at least one quarter of counts is needed")]
    EmptyHistory,
    #[error("{region} is not a village code (PP.KK.CC.DDDD); the history is counted per village")]
    NotAVillage { region: RegionCode },
    #[error("{region} has two counts for {period}; give one per village and quarter")]
    Duplicate { region: RegionCode, period: Period },
    #[error("{region} in {period}: more eligible than registered households")]
    EligibleAboveRegistered { region: RegionCode, period: Period },
}

/// The estimated effect of one indicator: a one-unit rise over a quarter changes the next quarter's
/// growth of eligible households by `effect` (in log points; 0.02 ≈ +2 %).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    pub indicator: String,
    pub effect: f64,
    pub std_error: f64,
}

/// What a village's trend rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Its own growth blended with its district's (weight in `own_weight`).
    OwnAndDistrict,
    /// One quarter of history: its district's trend.
    DistrictOnly,
    /// No growth seen anywhere in its district: no trend, the indicator effect only.
    NoTrend,
}

/// A forecast for one area with its parts: `expected = base + trend + indicator_effect`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaForecast {
    pub region: RegionCode,
    /// Eligible households in the latest quarter seen.
    pub base: f64,
    /// Households added (or removed, negative) by the trend.
    pub trend: f64,
    /// Households added (or removed) by the indicators' movement last quarter.
    pub indicator_effect: f64,
    pub expected: f64,
    /// `expected` rounded to whole households.
    pub expected_households: u32,
    /// Registered households in the latest quarter seen.
    pub registered: u32,
    /// The quarterly log growth the trend uses.
    pub trend_growth: f64,
    /// For a village: what its trend rests on. For a district: `OwnAndDistrict`.
    pub basis: Basis,
    /// For a village with its own history: the weight of its own growth against its district's.
    pub own_weight: Option<f64>,
    /// For a district: villages whose trend fell back to the district's or to none.
    pub villages_fallen_back: u32,
}

/// The forecast for every village and district for the quarter after the latest in the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedsForecast {
    /// The latest quarter in the history.
    pub origin: Period,
    /// The quarter forecast.
    pub target: Period,
    pub coefficients: Vec<Coefficient>,
    /// False when there were too few district-quarters, or indicators that never moved, to estimate the
    /// effects; they are then zero and the forecast is trend only.
    pub coefficients_estimated: bool,
    /// District-quarters the coefficients were estimated from.
    pub regression_rows: usize,
    pub villages: Vec<AreaForecast>,
    pub districts: Vec<AreaForecast>,
    pub backtest: Backtest,
}

/// Forecasts the quarter after the latest one in `history`, and back-tests the model on the history.
pub fn forecast(
    history: &[Observation],
    indicators: &Indicators,
    options: ForecastOptions,
) -> Result<NeedsForecast, ForecastError> {
    let panel = Panel::build(history, indicators)?;
    let origin_index = panel.len - 1;
    let fit = Fit::estimate(&panel, origin_index, options);
    let villages = village_forecasts(&panel, &fit, origin_index);
    let districts = district_forecasts(&panel, &villages);
    let coefficients = panel
        .names
        .iter()
        .zip(fit.beta.iter().zip(&fit.std_error))
        .map(|(name, (&effect, &std_error))| Coefficient {
            indicator: name.clone(),
            effect,
            std_error,
        })
        .collect();
    let origin = panel.period(origin_index);
    Ok(NeedsForecast {
        origin,
        target: origin.next(),
        coefficients,
        coefficients_estimated: fit.estimated,
        regression_rows: fit.rows,
        villages: villages.into_iter().flatten().map(|v| v.area).collect(),
        districts,
        backtest: backtest::run(&panel, options),
    })
}

/// The history as dense arrays: villages × quarters, missing counts as NaN.
pub(super) struct Panel {
    first: Period,
    pub(super) len: usize,
    pub(super) villages: Vec<RegionCode>,
    pub(super) village_district: Vec<usize>,
    pub(super) districts: Vec<RegionCode>,
    district_villages: Vec<Vec<usize>>,
    eligible: Vec<f64>,
    registered: Vec<f64>,
    names: Vec<String>,
    /// Per district and quarter t, each indicator's change from t-1 to t (NaN when unknown).
    changes: Vec<f64>,
}

impl Panel {
    fn build(history: &[Observation], indicators: &Indicators) -> Result<Panel, ForecastError> {
        let first = history
            .iter()
            .map(|o| o.period)
            .min()
            .ok_or(ForecastError::EmptyHistory)?;
        let last = history
            .iter()
            .map(|o| o.period)
            .max()
            .ok_or(ForecastError::EmptyHistory)?;
        let len = last.since(first) as usize + 1;
        let mut by_village: BTreeMap<RegionCode, Vec<&Observation>> = BTreeMap::new();
        for o in history {
            if o.village.level() != RegionLevel::DesaKelurahan {
                return Err(ForecastError::NotAVillage { region: o.village });
            }
            if o.eligible > o.registered {
                return Err(ForecastError::EligibleAboveRegistered {
                    region: o.village,
                    period: o.period,
                });
            }
            by_village.entry(o.village).or_default().push(o);
        }
        let villages: Vec<RegionCode> = by_village.keys().copied().collect();
        let mut eligible = vec![f64::NAN; villages.len() * len];
        let mut registered = vec![f64::NAN; villages.len() * len];
        let mut districts: Vec<RegionCode> = Vec::new();
        let mut district_index: HashMap<RegionCode, usize> = HashMap::new();
        let mut village_district = Vec::with_capacity(villages.len());
        let mut district_villages: Vec<Vec<usize>> = Vec::new();
        for (v, (village, observations)) in by_village.iter().enumerate() {
            let district = village.ancestor(RegionLevel::Kecamatan).unwrap_or(*village);
            let d = *district_index.entry(district).or_insert_with(|| {
                districts.push(district);
                district_villages.push(Vec::new());
                districts.len() - 1
            });
            village_district.push(d);
            district_villages[d].push(v);
            for o in observations {
                let cell = v * len + o.period.since(first) as usize;
                if !eligible[cell].is_nan() {
                    return Err(ForecastError::Duplicate {
                        region: *village,
                        period: o.period,
                    });
                }
                eligible[cell] = f64::from(o.eligible);
                registered[cell] = f64::from(o.registered);
            }
        }
        let names: Vec<String> = indicators.names().map(str::to_string).collect();
        let changes = indicator_changes(indicators, &names, &districts, first, len);
        Ok(Panel {
            first,
            len,
            villages,
            village_district,
            districts,
            district_villages,
            eligible,
            registered,
            names,
            changes,
        })
    }

    pub(super) fn period(&self, index: usize) -> Period {
        self.first.plus(index as i64)
    }

    pub(super) fn eligible(&self, village: usize, t: usize) -> f64 {
        self.eligible[village * self.len + t]
    }

    fn change(&self, district: usize, t: usize, k: usize) -> f64 {
        self.changes[(district * self.len + t) * self.names.len() + k]
    }

    /// Growth of a district's eligible count from t-1 to t, over the villages counted in both quarters so
    /// that a village missing from one run is not read as a collapse.
    fn district_growth(&self, d: usize, t: usize) -> Option<f64> {
        let (mut before, mut after, mut matched) = (0.0, 0.0, false);
        for &v in &self.district_villages[d] {
            let (a, b) = (self.eligible(v, t - 1), self.eligible(v, t));
            if a.is_finite() && b.is_finite() {
                before += a;
                after += b;
                matched = true;
            }
        }
        matched.then(|| log_growth(before, after))
    }
}

fn indicator_changes(
    indicators: &Indicators,
    names: &[String],
    districts: &[RegionCode],
    first: Period,
    len: usize,
) -> Vec<f64> {
    let mut changes = vec![f64::NAN; districts.len() * len * names.len()];
    for (d, district) in districts.iter().enumerate() {
        for t in 1..len {
            for (k, name) in names.iter().enumerate() {
                let now = indicators.value_for_district(district, name, first.plus(t as i64));
                let before =
                    indicators.value_for_district(district, name, first.plus(t as i64 - 1));
                if let (Some(now), Some(before)) = (now, before) {
                    changes[(d * len + t) * names.len() + k] = now - before;
                }
            }
        }
    }
    changes
}

/// Log growth with half a household added on both sides, so a count of zero does not give infinity.
fn log_growth(before: f64, after: f64) -> f64 {
    (after + 0.5).ln() - (before + 0.5).ln()
}

/// The model fitted on the quarters up to and including `origin`.
pub(super) struct Fit {
    beta: Vec<f64>,
    std_error: Vec<f64>,
    estimated: bool,
    rows: usize,
    district_trend: Vec<Option<f64>>,
    trend_quarters: usize,
    /// Dispersion: a village's quarterly growth has variance ≈ dispersion / its size.
    dispersion: f64,
}

impl Fit {
    pub(super) fn estimate(panel: &Panel, origin: usize, options: ForecastOptions) -> Fit {
        let k = panel.names.len();
        let (beta, std_error, estimated, rows) = match estimate_effects(panel, origin) {
            Some((beta, se, rows)) => (beta, se, true, rows),
            None => (vec![0.0; k], vec![f64::NAN; k], false, 0),
        };
        let mut fit = Fit {
            beta,
            std_error,
            estimated,
            rows,
            district_trend: Vec::new(),
            trend_quarters: options.trend_quarters.max(1),
            dispersion: 1.0,
        };
        fit.district_trend = (0..panel.districts.len())
            .map(|d| fit.district_trend_of(panel, d, origin))
            .collect();
        fit.dispersion = fit.pooled_dispersion(panel, origin);
        fit
    }

    fn window(&self, origin: usize) -> std::ops::RangeInclusive<usize> {
        (origin + 1).saturating_sub(self.trend_quarters).max(1)..=origin
    }

    fn indicator_effect(&self, panel: &Panel, d: usize, t: usize) -> f64 {
        (0..self.beta.len())
            .map(|k| {
                let change = panel.change(d, t, k);
                if change.is_finite() {
                    self.beta[k] * change
                } else {
                    0.0
                }
            })
            .sum()
    }

    /// Mean growth over the window net of indicator effects (growth at t answers to changes at t-1).
    fn district_trend_of(&self, panel: &Panel, d: usize, origin: usize) -> Option<f64> {
        let net: Vec<f64> = self
            .window(origin)
            .filter_map(|t| {
                Some(panel.district_growth(d, t)? - self.indicator_effect(panel, d, t - 1))
            })
            .collect();
        mean(&net)
    }

    /// A village's net growths over the window and its mean size.
    fn village_growths(&self, panel: &Panel, v: usize, origin: usize) -> (Vec<f64>, f64) {
        let d = panel.village_district[v];
        let mut growths = Vec::new();
        let mut size = 0.0;
        for t in self.window(origin) {
            let (a, b) = (panel.eligible(v, t - 1), panel.eligible(v, t));
            if a.is_finite() && b.is_finite() {
                growths.push(log_growth(a, b) - self.indicator_effect(panel, d, t - 1));
                size += (a + b) / 2.0;
            }
        }
        let size = if growths.is_empty() {
            1.0
        } else {
            (size / growths.len() as f64).max(1.0)
        };
        (growths, size)
    }

    fn pooled_dispersion(&self, panel: &Panel, origin: usize) -> f64 {
        let (mut sum, mut dof) = (0.0, 0usize);
        for v in 0..panel.villages.len() {
            let (growths, size) = self.village_growths(panel, v, origin);
            if growths.len() >= 2 {
                let m = mean(&growths).unwrap_or(0.0);
                sum += growths.iter().map(|g| (g - m).powi(2)).sum::<f64>() * size;
                dof += growths.len() - 1;
            }
        }
        if dof == 0 {
            1.0
        } else {
            (sum / dof as f64).max(1e-12)
        }
    }
}

/// βs by least squares of district growth at t on indicator changes at t-1, after removing each
/// district's mean from both (a constant per district). Returns the βs, their standard errors and the
/// number of rows, or None when they cannot be estimated.
fn estimate_effects(panel: &Panel, origin: usize) -> Option<(Vec<f64>, Vec<f64>, usize)> {
    let k = panel.names.len();
    if k == 0 {
        return None;
    }
    let mut xs: Vec<Vec<f64>> = Vec::new();
    let mut ys: Vec<f64> = Vec::new();
    let mut groups = 0usize;
    for d in 0..panel.districts.len() {
        let start = ys.len();
        for t in 2..=origin {
            let x: Vec<f64> = (0..k).map(|j| panel.change(d, t - 1, j)).collect();
            if let (Some(g), true) = (panel.district_growth(d, t), x.iter().all(|c| c.is_finite()))
            {
                xs.push(x);
                ys.push(g);
            }
        }
        if ys.len() > start {
            groups += 1;
            demean(&mut xs[start..], &mut ys[start..]);
        }
    }
    let rows = ys.len();
    let dof = rows.checked_sub(groups + k).filter(|&d| d > 0)?;
    let (xtx, xty) = normal_equations(&xs, &ys, k);
    let inverse = invert(xtx)?;
    let beta: Vec<f64> = (0..k)
        .map(|i| (0..k).map(|j| inverse[i][j] * xty[j]).sum())
        .collect();
    let residual: f64 = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (y - x.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>()).powi(2))
        .sum();
    let sigma2 = residual / dof as f64;
    let std_error = (0..k).map(|i| (sigma2 * inverse[i][i]).sqrt()).collect();
    Some((beta, std_error, rows))
}

fn demean(xs: &mut [Vec<f64>], ys: &mut [f64]) {
    let n = ys.len() as f64;
    let my = ys.iter().sum::<f64>() / n;
    ys.iter_mut().for_each(|y| *y -= my);
    for j in 0..xs[0].len() {
        let mx = xs.iter().map(|x| x[j]).sum::<f64>() / n;
        xs.iter_mut().for_each(|x| x[j] -= mx);
    }
}

fn normal_equations(xs: &[Vec<f64>], ys: &[f64], k: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut xtx = vec![vec![0.0; k]; k];
    let mut xty = vec![0.0; k];
    for (x, y) in xs.iter().zip(ys) {
        for i in 0..k {
            xty[i] += x[i] * y;
            for j in 0..k {
                xtx[i][j] += x[i] * x[j];
            }
        }
    }
    (xtx, xty)
}

/// Gauss–Jordan with partial pivoting; None when the matrix is (numerically) singular, as it is when an
/// indicator never moved.
fn invert(mut a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let scale = (0..n).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    let mut inv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= scale * 1e-10 || scale == 0.0 {
            return None;
        }
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col];
        a[col].iter_mut().for_each(|x| *x /= p);
        inv[col].iter_mut().for_each(|x| *x /= p);
        for row in 0..n {
            if row != col {
                let f = a[row][col];
                for j in 0..n {
                    a[row][j] -= f * a[col][j];
                    inv[row][j] -= f * inv[col][j];
                }
            }
        }
    }
    Some(inv)
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// A village's forecast and its district, for aggregation.
pub(super) struct VillageForecast {
    pub(super) district: usize,
    pub(super) area: AreaForecast,
}

/// Every village's forecast for the quarter after `origin` (None for a village with no count yet).
pub(super) fn village_forecasts(
    panel: &Panel,
    fit: &Fit,
    origin: usize,
) -> Vec<Option<VillageForecast>> {
    let own: Vec<(Vec<f64>, f64)> = (0..panel.villages.len())
        .map(|v| fit.village_growths(panel, v, origin))
        .collect();
    let between = between_variance(panel, fit, &own);
    (0..panel.villages.len())
        .map(|v| {
            let d = panel.village_district[v];
            let (t, base) = (0..=origin)
                .rev()
                .map(|t| (t, panel.eligible(v, t)))
                .find(|(_, y)| y.is_finite())?;
            let (growths, size) = &own[v];
            let (trend, basis, own_weight) = match (mean(growths), fit.district_trend[d]) {
                (Some(g), district) => {
                    let noise = fit.dispersion / (size * growths.len() as f64);
                    let w = if between[d] + noise > 0.0 {
                        between[d] / (between[d] + noise)
                    } else {
                        0.0
                    };
                    let w = if district.is_none() { 1.0 } else { w };
                    (
                        w * g + (1.0 - w) * district.unwrap_or(0.0),
                        Basis::OwnAndDistrict,
                        Some(w),
                    )
                }
                (None, Some(district)) => (district, Basis::DistrictOnly, None),
                (None, None) => (0.0, Basis::NoTrend, None),
            };
            let effect = fit.indicator_effect(panel, d, origin);
            let after_trend = base * trend.exp();
            let expected = after_trend * effect.exp();
            Some(VillageForecast {
                district: d,
                area: AreaForecast {
                    region: panel.villages[v],
                    base,
                    trend: after_trend - base,
                    indicator_effect: expected - after_trend,
                    expected,
                    expected_households: expected.round().clamp(0.0, f64::from(u32::MAX)) as u32,
                    registered: panel.registered[v * panel.len + t] as u32,
                    trend_growth: trend,
                    basis,
                    own_weight,
                    villages_fallen_back: 0,
                },
            })
        })
        .collect()
}

/// τ² per district: the spread of villages' mean growths around the district's trend beyond what their
/// noise explains (method of moments, floored at zero).
fn between_variance(panel: &Panel, fit: &Fit, own: &[(Vec<f64>, f64)]) -> Vec<f64> {
    (0..panel.districts.len())
        .map(|d| {
            let Some(trend) = fit.district_trend[d] else {
                return 0.0;
            };
            let excess: Vec<f64> = panel.district_villages[d]
                .iter()
                .filter_map(|&v| {
                    let (growths, size) = &own[v];
                    let m = mean(growths)?;
                    Some((m - trend).powi(2) - fit.dispersion / (size * growths.len() as f64))
                })
                .collect();
            if excess.len() < 2 {
                0.0
            } else {
                mean(&excess).unwrap_or(0.0).max(0.0)
            }
        })
        .collect()
}

/// Districts as the sum of their villages, so the two levels always agree.
pub(super) fn district_forecasts(
    panel: &Panel,
    villages: &[Option<VillageForecast>],
) -> Vec<AreaForecast> {
    district_sums(panel, villages)
        .into_iter()
        .flatten()
        .collect()
}

/// The district sums indexed like `panel.districts` (None for a district with no village forecast).
pub(super) fn district_sums(
    panel: &Panel,
    villages: &[Option<VillageForecast>],
) -> Vec<Option<AreaForecast>> {
    let mut sums: Vec<Option<AreaForecast>> = vec![None; panel.districts.len()];
    for v in villages.iter().flatten() {
        let sum = sums[v.district].get_or_insert_with(|| AreaForecast {
            region: panel.districts[v.district],
            base: 0.0,
            trend: 0.0,
            indicator_effect: 0.0,
            expected: 0.0,
            expected_households: 0,
            registered: 0,
            trend_growth: 0.0,
            basis: Basis::OwnAndDistrict,
            own_weight: None,
            villages_fallen_back: 0,
        });
        sum.base += v.area.base;
        sum.trend += v.area.trend;
        sum.indicator_effect += v.area.indicator_effect;
        sum.expected += v.area.expected;
        sum.expected_households += v.area.expected_households;
        sum.registered += v.area.registered;
        sum.villages_fallen_back += u32::from(v.area.basis != Basis::OwnAndDistrict);
    }
    for d in sums.iter_mut().flatten() {
        d.trend_growth = if d.base > 0.0 {
            ((d.base + d.trend) / d.base).ln()
        } else {
            0.0
        };
    }
    sums
}
