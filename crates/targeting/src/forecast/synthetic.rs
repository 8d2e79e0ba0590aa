//! Histories whose truth is known, for tests, benchmarks and the demo: villages whose eligible count grows
//! by a persistent trend (their district's plus their own deviation) and by a known effect of last
//! quarter's change in the district's poverty rate, times log-normal noise.

use tepat_domain::RegionCode;

use super::indicators::Indicators;
use super::model::Observation;
use super::period::Period;

/// The shape and truth of a generated history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyntheticHistory {
    pub districts: usize,
    pub villages_per_district: usize,
    pub quarters: usize,
    pub first: Period,
    /// The true effect of a one-point rise in `poverty_rate` on next quarter's log growth.
    pub effect: f64,
    /// Standard deviation of the quarterly log noise per village.
    pub noise: f64,
    pub seed: u64,
}

impl SyntheticHistory {
    /// Village `n` of district `d` (both from 0) in regency 19.02: `19.02.DD.NNNN`. Regency-sized inputs
    /// fit 99 districts × 7,998 villages; larger inputs spill into further regencies of province 19.
    pub fn village(d: usize, n: usize) -> RegionCode {
        let code = format!("19.{:02}.{:02}.{:04}", 2 + d / 99, 1 + d % 99, 2001 + n);
        RegionCode::parse(&code).expect("generated codes are well formed")
    }

    pub fn district(d: usize) -> RegionCode {
        let code = format!("19.{:02}.{:02}", 2 + d / 99, 1 + d % 99);
        RegionCode::parse(&code).expect("generated codes are well formed")
    }

    pub fn generate(&self) -> (Vec<Observation>, Indicators) {
        let mut rng = Rng(self.seed);
        let mut history =
            Vec::with_capacity(self.districts * self.villages_per_district * self.quarters);
        let mut indicators = Indicators::new();
        for d in 0..self.districts {
            let start = 10.0 + 5.0 * rng.uniform();
            let rates = rng.walk(start, 0.5, self.quarters);
            for (t, rate) in rates.iter().enumerate() {
                indicators.insert(
                    self.first.plus(t as i64),
                    Self::district(d),
                    "poverty_rate",
                    *rate,
                );
            }
            let district_trend = -0.02 + 0.05 * rng.uniform();
            for n in 0..self.villages_per_district {
                let trend = district_trend + 0.01 * rng.normal();
                let mut eligible = 200.0 + 1800.0 * rng.uniform();
                for t in 0..self.quarters {
                    if t >= 1 {
                        let change = if t >= 2 {
                            rates[t - 1] - rates[t - 2]
                        } else {
                            0.0
                        };
                        eligible *=
                            (trend + self.effect * change + self.noise * rng.normal()).exp();
                    }
                    let count = eligible.round() as u32;
                    history.push(Observation {
                        period: self.first.plus(t as i64),
                        village: Self::village(d, n),
                        eligible: count,
                        registered: count.saturating_mul(3),
                    });
                }
            }
        }
        (history, indicators)
    }
}

/// splitmix64: small, deterministic, no dependency; the same seed gives the same history everywhere.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-12), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    fn walk(&mut self, start: f64, step: f64, len: usize) -> Vec<f64> {
        let mut value = start;
        (0..len)
            .map(|_| {
                value += step * self.normal();
                value
            })
            .collect()
    }
}
