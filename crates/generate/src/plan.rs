//! The plan: how many households of which size live in which village. Cheap (no names, no files), so
//! the size of a run can be known and tested before anything is generated.

use tepat_domain::RegionCode;
use tepat_regions::RegionTable;

use crate::geo::{Geo, BELITUNG};
use crate::rng::{self, Phase};
use crate::{GenerateError, GenerateOptions};

/// Persons in the default run for Kabupaten Belitung (its registered population is about 190,000).
pub const BELITUNG_PERSONS: usize = 190_000;

/// Persons per village for regencies other than Belitung when `--persons` is not given (Indonesia has
/// about 285 million people in 83,762 villages: about 3,400 each).
pub const PERSONS_PER_VILLAGE: usize = 3_400;

/// Household (KK) sizes and their shares. Mean ≈ 3.18 persons per KK, as in Belitung (190,000 persons in
/// about 60,000 KK); single-person KKs are mostly the elderly.
pub(crate) const SIZE_SHARES: [(u8, f64); 8] = [
    (1, 0.140),
    (2, 0.220),
    (3, 0.240),
    (4, 0.220),
    (5, 0.110),
    (6, 0.045),
    (7, 0.017),
    (8, 0.008),
];

fn mean_size() -> f64 {
    SIZE_SHARES.iter().map(|(s, p)| *s as f64 * p).sum::<f64>()
        / SIZE_SHARES.iter().map(|(_, p)| p).sum::<f64>()
}

/// One village's share of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillagePlan {
    pub code: RegionCode,
    pub households: usize,
    pub persons: usize,
}

/// What a run will generate: exactly `persons` persons in `households` households.
#[derive(Debug, Clone)]
pub struct Plan {
    pub regency: RegionCode,
    pub persons: usize,
    pub households: usize,
    /// Every village of the regency in code order (some may have no households in a small run).
    pub villages: Vec<VillagePlan>,
    /// Per household, in output order: index into `villages`, and size.
    pub(crate) homes: Vec<(u32, u8)>,
}

impl Plan {
    /// Persons per district, in code order.
    pub fn district_persons(&self) -> Vec<(RegionCode, usize)> {
        let mut out: Vec<(RegionCode, usize)> = Vec::new();
        for v in &self.villages {
            let d = v.code.parent().expect("a village has a district");
            match out.last_mut() {
                Some((code, n)) if *code == d => *n += v.persons,
                _ => out.push((d, v.persons)),
            }
        }
        out
    }
}

/// Plans a run: the number of persons (from `opts.persons`, or the regency's default), household sizes
/// drawn from [`SIZE_SHARES`] and adjusted so that they add up exactly, and households spread over the
/// villages by their weights (largest remainder).
pub fn plan(opts: &GenerateOptions, regions: &RegionTable) -> Result<Plan, GenerateError> {
    let geo = Geo::build(regions, opts.regency)?;
    plan_with(opts, &geo)
}

pub(crate) fn plan_with(opts: &GenerateOptions, geo: &Geo) -> Result<Plan, GenerateError> {
    let persons = match opts.persons {
        Some(0) => return Err(GenerateError::NoPersons),
        Some(n) => n,
        None if opts.regency.dotted() == BELITUNG => BELITUNG_PERSONS,
        None => PERSONS_PER_VILLAGE * geo.villages.len(),
    };
    if persons > MAX_PERSONS {
        return Err(GenerateError::TooManyPersons(persons));
    }
    let mut rng = rng::stream(opts.seed, Phase::Plan, 0);
    let households = ((persons as f64 / mean_size()).round() as usize).clamp(1, persons);

    // Sizes: draw, then nudge random households up or down until the total is exact.
    let weighted = rng::Weighted::new(SIZE_SHARES.iter().map(|(_, p)| *p));
    let mut sizes: Vec<u8> = (0..households)
        .map(|_| SIZE_SHARES[weighted.sample(&mut rng)].0)
        .collect();
    let mut total: usize = sizes.iter().map(|&s| s as usize).sum();
    let max = SIZE_SHARES.last().expect("sizes").0;
    while total != persons {
        let i = rng::below(&mut rng, households);
        if total > persons && sizes[i] > 1 {
            sizes[i] -= 1;
            total -= 1;
        } else if total < persons && sizes[i] < max {
            sizes[i] += 1;
            total += 1;
        } else if total < persons && sizes.iter().all(|&s| s >= max) {
            // Cannot happen with the clamp above, but never loop forever.
            return Err(GenerateError::TooManyPersons(persons));
        }
    }

    // Households per village by largest remainder over the village weights.
    let weight_sum: f64 = geo.villages.iter().map(|v| v.weight).sum();
    let quotas: Vec<f64> = geo
        .villages
        .iter()
        .map(|v| households as f64 * v.weight / weight_sum)
        .collect();
    let mut counts: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let mut left = households - counts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..quotas.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = quotas[a] - quotas[a].floor();
        let rb = quotas[b] - quotas[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }

    let mut homes = Vec::with_capacity(households);
    let mut villages = Vec::with_capacity(geo.villages.len());
    let mut next = 0usize;
    for (vi, (v, &count)) in geo.villages.iter().zip(&counts).enumerate() {
        let mut persons_here = 0usize;
        for &s in &sizes[next..next + count] {
            homes.push((vi as u32, s));
            persons_here += s as usize;
        }
        next += count;
        villages.push(VillagePlan {
            code: v.code,
            households: count,
            persons: persons_here,
        });
    }
    Ok(Plan {
        regency: opts.regency,
        persons,
        households,
        villages,
        homes,
    })
}

/// The largest run accepted (NIK serials are per district and birth date, so far more would fit, but a
/// regency of 50 million persons is a mistake, not a wish).
pub const MAX_PERSONS: usize = 50_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_size_matches_belitung() {
        let m = mean_size();
        assert!((3.1..3.25).contains(&m), "{m}");
        let total: f64 = SIZE_SHARES.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}
