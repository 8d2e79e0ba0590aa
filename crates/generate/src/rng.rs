//! Randomness that depends only on the seed: one ChaCha8 stream per (phase, chunk), never the thread
//! that happens to run it, plus the few distributions the generator needs.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rand::{Rng as _, SeedableRng};

/// The generator's random number generator.
pub(crate) type Rng = rand_chacha::ChaCha8Rng;

/// What a stream is used for. Each (phase, index) pair gets its own independent ChaCha8 stream, so a
/// chunk's output depends on the seed and the chunk's index only.
#[derive(Clone, Copy)]
pub(crate) enum Phase {
    Plan = 1,
    Households = 2,
    Faults = 3,
    Duplicates = 4,
}

pub(crate) fn stream(seed: u64, phase: Phase, index: u64) -> Rng {
    let mut rng = Rng::seed_from_u64(seed);
    rng.set_stream(((phase as u64) << 48) | index);
    rng
}

/// True with probability `p`.
pub(crate) fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Uniform in `[lo, hi)`.
pub(crate) fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// A standard normal draw (Box–Muller; one of the pair is thrown away to keep streams simple).
pub(crate) fn normal(rng: &mut Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Exponential with the given mean.
pub(crate) fn exponential(rng: &mut Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

pub(crate) fn below(rng: &mut Rng, n: usize) -> usize {
    debug_assert!(n > 0);
    rng.random_range(0..n)
}

/// A uniformly chosen element of a non-empty slice.
pub(crate) fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[below(rng, items.len())]
}

/// A value from a small table of (value, weight) rows; weights need not sum to 1.
pub(crate) fn pick_weighted<T: Copy>(rng: &mut Rng, table: &[(T, f64)]) -> T {
    let total: f64 = table.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (value, weight) in table {
        if x < *weight {
            return *value;
        }
        x -= weight;
    }
    table.last().expect("non-empty table").0
}

/// A precomputed cumulative table for larger weighted choices (binary search).
#[derive(Debug, Clone)]
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub(crate) fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Weighted { cumulative }
    }

    pub(crate) fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("non-empty table");
        let x = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// A stable 64-bit mix (SplitMix64 finaliser), for per-place properties that must not depend on the seed.
pub(crate) fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A deterministic RNG for a place (a village's streets, a district's weight): the same every run.
pub(crate) fn place_rng(key: u64) -> Rng {
    Rng::seed_from_u64(mix64(key))
}

/// A fast hasher for integer keys (Fx-style). Only used for lookups, never iterated, so its order is
/// irrelevant to the output.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(7, Phase::Households, 3), |r, _| Some(r.random()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(7, Phase::Households, 3), |r, _| Some(r.random()))
            .collect();
        let c: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(7, Phase::Households, 4), |r, _| Some(r.random()))
            .collect();
        let d: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(8, Phase::Households, 3), |r, _| Some(r.random()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut rng = stream(1, Phase::Plan, 0);
        let xs: Vec<f64> = (0..100_000).map(|_| normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.02, "{mean}");
        assert!((var - 1.0).abs() < 0.03, "{var}");
    }

    #[test]
    fn weighted_follows_weights() {
        let w = Weighted::new([1.0, 0.0, 3.0]);
        let mut rng = stream(1, Phase::Plan, 1);
        let mut counts = [0usize; 3];
        for _ in 0..40_000 {
            counts[w.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = counts[2] as f64 / 40_000.0;
        assert!((share - 0.75).abs() < 0.02, "{share}");
    }
}
