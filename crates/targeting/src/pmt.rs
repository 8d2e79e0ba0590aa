//! The proxy-means test (*PMT*, uji pendekatan kemampuan): most households cannot be asked what they spend,
//! so a log-linear model predicts monthly consumption per capita from what a needs survey sees
//! (house, assets, who lives there), and households are ranked into deciles ([`Desil`]) per regency by
//! the prediction. The model, its features, fitting and its limits are described in `docs/pmt.md`.
//!
//! ln(consumption per capita) = b0 + Σ b_k x_k, with the features listed once in [`Feature`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, IncomeBand, Roof, Sanitation, SchoolLevel, Sector,
    Wall, Water,
};
use tepat_domain::targeting::age_years;
use tepat_domain::{Desil, HouseholdFacts, RegionCode, RegionLevel, Rupiah};

/// The model format's version; a file of another version is refused rather than misread.
pub const MODEL_VERSION: u32 = 1;

/// Added to the diagonal of XᵀX (times the sample count) before solving: dummies that never or always
/// occur make XᵀX singular, and this tiny ridge keeps Cholesky defined while leaving other weights as OLS.
pub const RIDGE: f64 = 1e-6;

/// One predictor. Names are `group` or `group=code` for a dummy; each code list's first code is the
/// reference category and has no dummy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Feature {
    LogSize,
    ShareChildren0To5,
    ShareChildren6To17,
    ShareElderly,
    AnyDisability,
    HeadSector(Sector),
    HeadSchool(SchoolLevel),
    Floor(Floor),
    Wall(Wall),
    Roof(Roof),
    Water(Water),
    Sanitation(Sanitation),
    Electricity(Electricity),
    CookingFuel(CookingFuel),
    IncomeBand(IncomeBand),
    OwnsHouse,
    HasMotorcycle,
    HasCar,
    HasRefrigerator,
    HasBoat,
    LogFloorAreaPerPerson,
    LogLand,
    LogLivestock,
}

/// The dummies of one code list, all but its reference (first) category.
fn dummies<T: Copy>(all: &[T], make: fn(T) -> Feature) -> impl Iterator<Item = Feature> + '_ {
    all.iter().skip(1).map(move |v| make(*v))
}

impl Feature {
    /// Every feature, in the order weights are stored.
    pub fn all() -> Vec<Feature> {
        use Feature as F;
        let mut v = vec![
            F::LogSize,
            F::ShareChildren0To5,
            F::ShareChildren6To17,
            F::ShareElderly,
            F::AnyDisability,
        ];
        v.extend(dummies(Sector::ALL, F::HeadSector));
        v.extend(dummies(SchoolLevel::ALL, F::HeadSchool));
        v.extend(dummies(Floor::ALL, F::Floor));
        v.extend(dummies(Wall::ALL, F::Wall));
        v.extend(dummies(Roof::ALL, F::Roof));
        v.extend(dummies(Water::ALL, F::Water));
        v.extend(dummies(Sanitation::ALL, F::Sanitation));
        v.extend(dummies(Electricity::ALL, F::Electricity));
        v.extend(dummies(CookingFuel::ALL, F::CookingFuel));
        v.extend(dummies(IncomeBand::ALL, F::IncomeBand));
        v.extend([
            F::OwnsHouse,
            F::HasMotorcycle,
            F::HasCar,
            F::HasRefrigerator,
            F::HasBoat,
            F::LogFloorAreaPerPerson,
            F::LogLand,
            F::LogLivestock,
        ]);
        v
    }

    pub fn name(self) -> String {
        use Feature as F;
        let fixed = match self {
            F::LogSize => "log_household_size",
            F::ShareChildren0To5 => "share_children_0_5",
            F::ShareChildren6To17 => "share_children_6_17",
            F::ShareElderly => "share_elderly_60",
            F::AnyDisability => "any_disability",
            F::OwnsHouse => "owns_house",
            F::HasMotorcycle => "has_motorcycle",
            F::HasCar => "has_car",
            F::HasRefrigerator => "has_refrigerator",
            F::HasBoat => "has_boat",
            F::LogFloorAreaPerPerson => "log_floor_area_per_person",
            F::LogLand => "log1p_land_m2",
            F::LogLivestock => "log1p_livestock_units",
            F::HeadSector(s) => return format!("head_sector={}", s.code()),
            F::HeadSchool(s) => return format!("head_school={}", s.code()),
            F::Floor(c) => return format!("floor={}", c.code()),
            F::Wall(c) => return format!("wall={}", c.code()),
            F::Roof(c) => return format!("roof={}", c.code()),
            F::Water(c) => return format!("water={}", c.code()),
            F::Sanitation(c) => return format!("sanitation={}", c.code()),
            F::Electricity(c) => return format!("electricity={}", c.code()),
            F::CookingFuel(c) => return format!("cooking_fuel={}", c.code()),
            F::IncomeBand(c) => return format!("income_band={}", c.code()),
        };
        fixed.to_string()
    }

    fn value(self, h: &Observed) -> f64 {
        use Feature as F;
        let s = h.survey;
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        match self {
            F::LogSize => h.size.ln(),
            F::ShareChildren0To5 => h.young / h.size,
            F::ShareChildren6To17 => h.school_age / h.size,
            F::ShareElderly => h.elderly / h.size,
            F::AnyDisability => flag(h.disability),
            F::HeadSector(x) => flag(h.head_sector == Some(x)),
            F::HeadSchool(x) => flag(h.head_school == Some(x)),
            F::Floor(x) => flag(s.floor == x),
            F::Wall(x) => flag(s.wall == x),
            F::Roof(x) => flag(s.roof == x),
            F::Water(x) => flag(s.water == x),
            F::Sanitation(x) => flag(s.sanitation == x),
            F::Electricity(x) => flag(s.electricity == x),
            F::CookingFuel(x) => flag(s.cooking_fuel == x),
            F::IncomeBand(x) => flag(s.income_band == x),
            F::OwnsHouse => flag(s.owns_house),
            F::HasMotorcycle => flag(s.has_motorcycle),
            F::HasCar => flag(s.has_car),
            F::HasRefrigerator => flag(s.has_refrigerator),
            F::HasBoat => flag(s.has_boat),
            F::LogFloorAreaPerPerson => (f64::from(s.floor_area_m2).max(1.0) / h.size).ln(),
            F::LogLand => f64::from(s.land_m2).ln_1p(),
            F::LogLivestock => f64::from(s.livestock_units).ln_1p(),
        }
    }

    fn parse(name: &str) -> Option<Feature> {
        Feature::all().into_iter().find(|f| f.name() == name)
    }
}

/// What the features are computed from: a surveyed household on a reference date.
struct Observed<'a> {
    survey: &'a tepat_domain::HouseholdSurvey,
    /// At least 1, so shares and logs are defined for a household recorded without members.
    size: f64,
    young: f64,
    school_age: f64,
    elderly: f64,
    disability: bool,
    head_sector: Option<Sector>,
    head_school: Option<SchoolLevel>,
}

impl<'a> Observed<'a> {
    fn new(facts: &'a HouseholdFacts, on: NaiveDate) -> Option<Observed<'a>> {
        let survey = facts.survey.as_ref()?;
        let mut o = Observed {
            survey,
            size: facts.members.len().max(1) as f64,
            young: 0.0,
            school_age: 0.0,
            elderly: 0.0,
            disability: false,
            head_sector: None,
            head_school: None,
        };
        for m in &facts.members {
            match age_years(m.birth_date, on) {
                ..=5 => o.young += 1.0,
                6..=17 => o.school_age += 1.0,
                60.. => o.elderly += 1.0,
                _ => {}
            }
            o.disability |= m
                .survey
                .as_ref()
                .is_some_and(|s| s.disability != Disability::Tidak);
        }
        let head = facts.head().and_then(|h| h.survey.as_ref());
        o.head_sector = head.map(|s| s.sector);
        o.head_school = head.map(|s| s.school_level);
        Some(o)
    }
}

/// Where a model's weights came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedOn {
    /// Households the final weights were estimated from.
    pub n: usize,
    /// R² of ln(consumption per capita) on the fitting sample.
    pub r2: f64,
    /// The leave-out check: R² and Spearman rank correlation on the fifth of households left out of a
    /// refit on the other four fifths (chosen by id, so the split is repeatable).
    pub holdout_r2: f64,
    pub holdout_spearman: f64,
    /// The reference date ages were counted to.
    pub on: NaiveDate,
    /// Free text: what data, which command.
    pub source: String,
}

/// One feature's weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weight {
    pub feature: String,
    pub weight: f64,
}

#[derive(Serialize, Deserialize)]
struct ModelFile {
    version: u32,
    intercept: f64,
    weights: Vec<Weight>,
    fitted_on: FittedOn,
}

/// A fitted PMT model. Serialised as JSON with feature names, so a file is readable and a renamed or
/// unknown feature is an error, never a silently shifted weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelFile", into = "ModelFile")]
pub struct Model {
    pub intercept: f64,
    features: Vec<Feature>,
    weights: Vec<f64>,
    pub fitted_on: FittedOn,
}

impl From<Model> for ModelFile {
    fn from(m: Model) -> ModelFile {
        ModelFile {
            version: MODEL_VERSION,
            intercept: m.intercept,
            weights: m.weights(),
            fitted_on: m.fitted_on,
        }
    }
}

impl TryFrom<ModelFile> for Model {
    type Error = String;
    fn try_from(f: ModelFile) -> Result<Model, String> {
        if f.version != MODEL_VERSION {
            return Err(format!(
                "model version {} is not supported (expected {MODEL_VERSION})",
                f.version
            ));
        }
        let mut features = Vec::with_capacity(f.weights.len());
        let mut weights = Vec::with_capacity(f.weights.len());
        for w in f.weights {
            let feature = Feature::parse(&w.feature)
                .ok_or_else(|| format!("unknown feature {:?} in the model", w.feature))?;
            features.push(feature);
            weights.push(w.weight);
        }
        Ok(Model {
            intercept: f.intercept,
            features,
            weights,
            fitted_on: f.fitted_on,
        })
    }
}

/// One feature's part in a household's score: `effect = weight × value`, in log points (0.1 ≈ 10 %
/// more predicted consumption).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub feature: String,
    pub value: f64,
    pub weight: f64,
    pub effect: f64,
}

/// Errors of [`fit`].
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FitError {
    #[error("only {have} households with a survey and observed consumption; fitting needs at least {need}")]
    TooFewSamples { have: usize, need: usize },
    #[error("household {index} has observed consumption {amount}; it must be positive")]
    NonPositiveConsumption { index: usize, amount: i64 },
    #[error("the equations could not be solved (the survey answers do not vary enough)")]
    Singular,
}

/// The model shipped with tepat, fitted on a generated regency (see docs/pmt.md for how to refit).
const BUILTIN: &str = include_str!("../default_pmt.json");

impl Model {
    /// The built-in model (fitted on generated data; refit on a real survey with `tepat pmt fit`).
    pub fn builtin() -> Model {
        serde_json::from_str(BUILTIN).expect("the built-in PMT model is valid JSON")
    }

    pub fn weights(&self) -> Vec<Weight> {
        self.features
            .iter()
            .zip(&self.weights)
            .map(|(f, w)| Weight {
                feature: f.name(),
                weight: *w,
            })
            .collect()
    }

    /// Predicted ln(consumption per capita), or None without a survey.
    pub fn log_score(&self, facts: &HouseholdFacts, on: NaiveDate) -> Option<f64> {
        let o = Observed::new(facts, on)?;
        Some(
            self.intercept
                + self
                    .features
                    .iter()
                    .zip(&self.weights)
                    .map(|(f, w)| w * f.value(&o))
                    .sum::<f64>(),
        )
    }

    /// Predicted monthly consumption per capita in whole rupiah; None without a survey.
    pub fn predict(&self, facts: &HouseholdFacts, on: NaiveDate) -> Option<Rupiah> {
        let ln = self.log_score(facts, on)?;
        // Clamped so a wild input cannot overflow the integer; no real consumption is near either bound.
        Some(Rupiah::new(ln.exp().clamp(1.0, 1e12).round() as i64))
    }

    /// Why the score is what it is: every non-zero contribution, largest effect (either sign) first.
    pub fn explain(&self, facts: &HouseholdFacts, on: NaiveDate) -> Vec<Contribution> {
        let Some(o) = Observed::new(facts, on) else {
            return Vec::new();
        };
        let mut out: Vec<Contribution> = self
            .features
            .iter()
            .zip(&self.weights)
            .map(|(f, w)| {
                let value = f.value(&o);
                Contribution {
                    feature: f.name(),
                    value,
                    weight: *w,
                    effect: w * value,
                }
            })
            .filter(|c| c.effect != 0.0)
            .collect();
        out.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
        out
    }
}

/// The fewest samples [`fit`] accepts: several per weight, or the fit only memorises.
pub fn min_samples() -> usize {
    5 * (Feature::all().len() + 1)
}

/// Estimates a model by ordinary least squares on ln(observed consumption per capita). Households
/// without a survey are skipped; a non-positive observation is an error (the log is undefined and it is
/// a data fault). Also runs the leave-out check recorded in [`FittedOn`].
pub fn fit(
    samples: &[(HouseholdFacts, Rupiah)],
    on: NaiveDate,
    source: &str,
) -> Result<Model, FitError> {
    let features = Feature::all();
    let mut rows: Vec<(Uuid, Vec<f64>, f64)> = Vec::with_capacity(samples.len());
    for (index, (facts, c)) in samples.iter().enumerate() {
        if c.amount() <= 0 {
            return Err(FitError::NonPositiveConsumption {
                index,
                amount: c.amount(),
            });
        }
        if let Some(o) = Observed::new(facts, on) {
            let x = features.iter().map(|f| f.value(&o)).collect();
            rows.push((facts.id, x, (c.amount() as f64).ln()));
        }
    }
    let need = min_samples();
    if rows.len() < need {
        return Err(FitError::TooFewSamples {
            have: rows.len(),
            need,
        });
    }
    let held_out = |id: &Uuid| id.as_bytes()[15] % 5 == 0;
    let train: Vec<&(Uuid, Vec<f64>, f64)> = rows.iter().filter(|r| !held_out(&r.0)).collect();
    let test: Vec<&(Uuid, Vec<f64>, f64)> = rows.iter().filter(|r| held_out(&r.0)).collect();
    let (holdout_r2, holdout_spearman) = if train.len() >= need && test.len() >= 2 {
        let beta = least_squares(&train)?;
        let pred: Vec<f64> = test.iter().map(|r| apply(&beta, &r.1)).collect();
        let obs: Vec<f64> = test.iter().map(|r| r.2).collect();
        (r_squared(&obs, &pred), spearman(&obs, &pred))
    } else {
        (f64::NAN, f64::NAN)
    };
    let all: Vec<&(Uuid, Vec<f64>, f64)> = rows.iter().collect();
    let beta = least_squares(&all)?;
    let pred: Vec<f64> = all.iter().map(|r| apply(&beta, &r.1)).collect();
    let obs: Vec<f64> = all.iter().map(|r| r.2).collect();
    Ok(Model {
        intercept: beta[0],
        features,
        weights: beta[1..].to_vec(),
        fitted_on: FittedOn {
            n: rows.len(),
            r2: r_squared(&obs, &pred),
            holdout_r2,
            holdout_spearman,
            on,
            source: source.to_string(),
        },
    })
}

fn apply(beta: &[f64], x: &[f64]) -> f64 {
    beta[0] + beta[1..].iter().zip(x).map(|(b, v)| b * v).sum::<f64>()
}

/// Solves (XᵀX + ridge·n·I')β = Xᵀy by Cholesky, with a leading intercept column (not penalised).
fn least_squares(rows: &[&(Uuid, Vec<f64>, f64)]) -> Result<Vec<f64>, FitError> {
    let p = rows[0].1.len() + 1;
    let mut a = vec![0.0; p * p];
    let mut b = vec![0.0; p];
    let mut x = vec![1.0; p];
    for (_, features, y) in rows {
        x[1..].copy_from_slice(features);
        for i in 0..p {
            b[i] += x[i] * y;
            if x[i] == 0.0 {
                continue;
            }
            for j in 0..=i {
                a[i * p + j] += x[i] * x[j];
            }
        }
    }
    for i in 1..p {
        a[i * p + i] += RIDGE * rows.len() as f64;
    }
    cholesky_solve(&mut a, &mut b, p)?;
    Ok(b)
}

/// In place: `a` (lower triangle of a symmetric positive-definite p×p matrix) becomes L with A = LLᵀ,
/// and `b` becomes the solution of Aβ = b.
fn cholesky_solve(a: &mut [f64], b: &mut [f64], p: usize) -> Result<(), FitError> {
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return Err(FitError::Singular);
        }
        let d = d.sqrt();
        a[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * p + k] * b[k];
        }
        b[i] = s / a[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = b[i];
        for k in i + 1..p {
            s -= a[k * p + i] * b[k];
        }
        b[i] = s / a[i * p + i];
    }
    Ok(())
}

/// The share of the variance of `obs` that `pred` explains.
pub fn r_squared(obs: &[f64], pred: &[f64]) -> f64 {
    let mean = obs.iter().sum::<f64>() / obs.len() as f64;
    let total: f64 = obs.iter().map(|y| (y - mean).powi(2)).sum();
    let resid: f64 = obs.iter().zip(pred).map(|(y, p)| (y - p).powi(2)).sum();
    1.0 - resid / total
}

/// Spearman's rank correlation (average ranks for ties).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n + 1.0) / 2.0;
    let cov: f64 = ra
        .iter()
        .zip(&rb)
        .map(|(x, y)| (x - mean) * (y - mean))
        .sum();
    let va: f64 = ra.iter().map(|x| (x - mean).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mean).powi(2)).sum();
    cov / (va * vb).sqrt()
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Deciles per regency: households grouped by the regency (kabupaten) of their region code, sorted by
/// ascending welfare with ties broken by id, and household at rank r (0-based) of n gets desil
/// ⌊10r/n⌋ + 1 — the tenth its rank falls in. Repeatable: the same input in any order gives the same
/// output. `scores` is sorted in place; the result follows that order.
pub fn rank(scores: &mut [(Uuid, RegionCode, i64)]) -> Vec<(Uuid, Desil)> {
    let regency = |c: &RegionCode| c.ancestor(RegionLevel::KabupatenKota).unwrap_or(*c);
    scores.sort_unstable_by_key(|s| (regency(&s.1), s.2, s.0));
    let mut out = Vec::with_capacity(scores.len());
    let mut start = 0;
    while start < scores.len() {
        let key = regency(&scores[start].1);
        let n = scores[start..]
            .iter()
            .take_while(|s| regency(&s.1) == key)
            .count();
        for (r, s) in scores[start..start + n].iter().enumerate() {
            let d = (10 * r / n) as u8 + 1;
            out.push((s.0, Desil::new(d).expect("1..=10")));
        }
        start += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tepat_domain::survey::{MemberSurvey, Sector};
    use tepat_domain::{HouseholdSurvey, MemberFacts, Relationship, Sex};

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    /// A household whose answers vary with `i` so every feature group moves.
    fn household(i: u32) -> HouseholdFacts {
        let pick =
            |all_len: usize, k: u32| (i.wrapping_mul(2654435761).rotate_left(k) as usize) % all_len;
        let survey = HouseholdSurvey {
            floor: Floor::ALL[pick(Floor::ALL.len(), 1)],
            wall: Wall::ALL[pick(Wall::ALL.len(), 3)],
            roof: Roof::ALL[pick(Roof::ALL.len(), 5)],
            floor_area_m2: 20 + (i * 7) % 90,
            water: Water::ALL[pick(Water::ALL.len(), 7)],
            sanitation: Sanitation::ALL[pick(Sanitation::ALL.len(), 9)],
            electricity: Electricity::ALL[pick(Electricity::ALL.len(), 11)],
            cooking_fuel: CookingFuel::ALL[pick(CookingFuel::ALL.len(), 13)],
            income_band: IncomeBand::ALL[pick(IncomeBand::ALL.len(), 15)],
            owns_house: pick(2, 17) == 0,
            has_motorcycle: pick(2, 19) == 0,
            has_car: pick(5, 21) == 0,
            has_refrigerator: pick(2, 23) == 0,
            has_boat: pick(7, 25) == 0,
            livestock_units: (i * 3) % 5,
            land_m2: (i * 131) % 2000,
            consumption_per_capita: None,
        };
        let member = |years: i32, rel: Relationship, k: u32| MemberFacts {
            birth_date: NaiveDate::from_ymd_opt(2025 - years, 6, 1).unwrap(),
            sex: Sex::Perempuan,
            relationship: rel,
            survey: Some(MemberSurvey {
                sector: Sector::ALL[pick(Sector::ALL.len(), k)],
                disability: Disability::ALL[pick(Disability::ALL.len(), k + 2)],
                chronic_illness: false,
                pregnant: false,
                school_level: SchoolLevel::ALL[pick(SchoolLevel::ALL.len(), k + 4)],
            }),
        };
        let mut members = vec![member(
            30 + (i % 40) as i32,
            Relationship::KepalaKeluarga,
            27,
        )];
        for c in 0..(i % 5) {
            members.push(member((c * 4 + i % 3) as i32, Relationship::Anak, 29 + c));
        }
        if i % 6 == 0 {
            members.push(member(70, Relationship::OrangTua, 2));
        }
        HouseholdFacts {
            id: Uuid::from_u128(u128::from(i) * 7919 + 1),
            village: RegionCode::parse("19.02.01.2001").unwrap(),
            survey: Some(survey),
            members,
            desil: None,
            welfare: None,
            enrolled: Vec::new(),
        }
    }

    fn true_model() -> Model {
        let features = Feature::all();
        let weights = (0..features.len())
            .map(|k| ((k * 37) % 11) as f64 / 20.0 - 0.25)
            .collect();
        Model {
            intercept: 13.0,
            features,
            weights,
            fitted_on: FittedOn {
                n: 0,
                r2: 1.0,
                holdout_r2: 1.0,
                holdout_spearman: 1.0,
                on: on(),
                source: "test".into(),
            },
        }
    }

    #[test]
    fn fit_recovers_the_weights_of_an_exact_model() {
        let truth = true_model();
        let samples: Vec<_> = (0..3000)
            .map(household)
            .map(|h| {
                let c = truth.log_score(&h, on()).unwrap().exp();
                (h, Rupiah::new(c.round() as i64))
            })
            .collect();
        let fitted = fit(&samples, on(), "test").unwrap();
        assert!(fitted.fitted_on.r2 > 0.999, "{}", fitted.fitted_on.r2);
        assert!(fitted.fitted_on.holdout_r2 > 0.99);
        for h in samples.iter().take(50) {
            let (a, b) = (
                truth.log_score(&h.0, on()).unwrap(),
                fitted.log_score(&h.0, on()).unwrap(),
            );
            assert!((a - b).abs() < 1e-3, "{a} vs {b}");
        }
    }

    #[test]
    fn fit_refuses_bad_samples() {
        let few: Vec<_> = (0..10)
            .map(|i| (household(i), Rupiah::new(500_000)))
            .collect();
        assert!(matches!(
            fit(&few, on(), "t"),
            Err(FitError::TooFewSamples { have: 10, .. })
        ));
        let mut bad: Vec<_> = (0..1000)
            .map(|i| (household(i), Rupiah::new(500_000)))
            .collect();
        bad[3].1 = Rupiah::new(0);
        assert_eq!(
            fit(&bad, on(), "t").unwrap_err(),
            FitError::NonPositiveConsumption {
                index: 3,
                amount: 0
            }
        );
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        // A = [[4, 2], [2, 3]], b = [2, 5] → x = [-0.5, 2].
        let mut a = vec![4.0, 0.0, 2.0, 3.0];
        let mut b = vec![2.0, 5.0];
        cholesky_solve(&mut a, &mut b, 2).unwrap();
        assert!(
            (b[0] + 0.5).abs() < 1e-12 && (b[1] - 2.0).abs() < 1e-12,
            "{b:?}"
        );
        let mut singular = vec![0.0, 0.0, 0.0, 1.0];
        assert_eq!(
            cholesky_solve(&mut singular, &mut [1.0, 1.0], 2),
            Err(FitError::Singular)
        );
    }

    #[test]
    fn explanation_adds_up_to_the_score() {
        let m = true_model();
        let h = household(42);
        let ex = m.explain(&h, on());
        let total: f64 = ex.iter().map(|c| c.effect).sum();
        assert!((m.intercept + total - m.log_score(&h, on()).unwrap()).abs() < 1e-9);
        assert!(ex
            .windows(2)
            .all(|w| w[0].effect.abs() >= w[1].effect.abs()));
        let mut none = h.clone();
        none.survey = None;
        assert_eq!(m.predict(&none, on()), None);
        assert!(m.explain(&none, on()).is_empty());
    }

    #[test]
    fn model_json_round_trips_and_refuses_unknown_features() {
        let m = true_model();
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"floor=bambu\""));
        assert_eq!(serde_json::from_str::<Model>(&json).unwrap(), m);
        let bad = json.replace("\"floor=bambu\"", "\"floor=marmer\"");
        assert!(serde_json::from_str::<Model>(&bad)
            .unwrap_err()
            .to_string()
            .contains("floor=marmer"));
        let old = json.replace("\"version\":1", "\"version\":0");
        assert!(serde_json::from_str::<Model>(&old).is_err());
    }

    #[test]
    fn feature_names_are_unique_and_parse_back() {
        let all = Feature::all();
        let names: std::collections::HashSet<String> = all.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), all.len());
        assert!(all.iter().all(|f| Feature::parse(&f.name()) == Some(*f)));
    }

    #[test]
    fn builtin_model_loads() {
        let m = Model::builtin();
        assert_eq!(m.weights().len(), Feature::all().len());
        assert!(m.fitted_on.n > 10_000);
    }

    #[test]
    fn deciles_are_per_regency_repeatable_and_even() {
        let a = RegionCode::parse("19.02.01.2001").unwrap();
        let b = RegionCode::parse("19.02.03.2002").unwrap();
        let other = RegionCode::parse("19.01.01.2001").unwrap();
        let mut scores: Vec<(Uuid, RegionCode, i64)> = (0..100u128)
            .map(|i| {
                (
                    Uuid::from_u128(i),
                    if i % 2 == 0 { a } else { b },
                    (i as i64 * 37) % 101,
                )
            })
            .chain((0..20u128).map(|i| (Uuid::from_u128(1000 + i), other, 5)))
            .collect();
        let first = rank(&mut scores.clone());
        scores.reverse();
        let mut second = rank(&mut scores);
        let mut first_sorted = first.clone();
        first_sorted.sort();
        second.sort();
        assert_eq!(first_sorted, second);
        let desil = |id: u128| {
            first
                .iter()
                .find(|r| r.0 == Uuid::from_u128(id))
                .unwrap()
                .1
                .get()
        };
        // Regency 19.02: 100 households, 10 per desil; welfare (i*37)%101 is 0 for i = 0, the poorest.
        assert_eq!(desil(0), 1);
        for d in 1..=10 {
            let n19_02 = first
                .iter()
                .filter(|r| r.0.as_u128() < 100 && r.1.get() == d)
                .count();
            assert_eq!(n19_02, 10);
            // 19.01: equal welfare, ties by id, 2 per desil.
            let n19_01 = first
                .iter()
                .filter(|r| r.0.as_u128() >= 1000 && r.1.get() == d)
                .count();
            assert_eq!(n19_01, 2);
        }
        assert_eq!(desil(1000), 1);
        assert_eq!(desil(1019), 10);
    }

    #[test]
    fn spearman_of_a_monotone_transform_is_one() {
        let a = [1.0, 5.0, 2.0, 9.0, 3.0];
        let b: Vec<f64> = a.iter().map(|x: &f64| x.exp()).collect();
        assert!((spearman(&a, &b) - 1.0).abs() < 1e-12);
        let r: Vec<f64> = b.iter().map(|x| -x).collect();
        assert!((spearman(&a, &r) + 1.0).abs() < 1e-12);
    }
}
