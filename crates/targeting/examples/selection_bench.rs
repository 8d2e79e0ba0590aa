//! Times `select` + `simulate` on N synthetic eligible households (default 1,000,000), three runs, and
//! prints each and the median. See BENCHMARKS.md ("Targeting selection").
//!
//! `cargo run --release -p tepat-targeting --example selection_bench -- 1000000`

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tepat_domain::{RegionCode, Rupiah};
use tepat_targeting::select::{select, Eligible, Limits, Quota};
use tepat_targeting::simulate::{simulate, InScope};
use uuid::Uuid;

const DISTRICTS: u64 = 90;
const VILLAGES_PER_DISTRICT: u64 = 20;

/// SplitMix64: a fixed, dependency-free stream so every run sees the same households.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn village(district: u64, village: u64) -> RegionCode {
    RegionCode::parse(&format!("19.02.{:02}.{}", district + 1, 2001 + village)).expect("valid code")
}

fn households(n: usize) -> (Vec<Eligible>, HashSet<Uuid>) {
    let mut s = Stream(7);
    let mut truth = HashSet::new();
    let all = (0..n)
        .map(|i| {
            let (d, v) = (s.next() % DISTRICTS, s.next() % VILLAGES_PER_DISTRICT);
            let welfare = (s.next() % 20 != 0).then(|| 300_000 + (s.next() % 1_200_000) as i64);
            let household = Uuid::from_u128(s.next() as u128 | ((i as u128) << 64));
            if welfare.is_some_and(|w| w < 700_000) || s.next() % 10 == 0 {
                truth.insert(household);
            }
            Eligible {
                household,
                village: village(d, v),
                welfare,
                desil: None,
                benefit: Rupiah::new(if s.next() % 3 == 0 {
                    3_000_000
                } else {
                    2_400_000
                }),
                enrolled: if s.next() % 8 == 0 {
                    vec!["PKH".into()]
                } else {
                    Vec::new()
                },
                incumbent: s.next() % 5 == 0,
            }
        })
        .collect();
    (all, truth)
}

/// A quota for every district (40 % of its share) and for the first village of each; a budget that pays
/// about a third of the households.
fn limits(n: usize) -> Limits {
    let per_district = (n as u64 * 4 / 10 / DISTRICTS) as u32;
    let mut quotas: Vec<Quota> = (0..DISTRICTS)
        .map(|d| Quota {
            region: village(d, 0)
                .ancestor(tepat_domain::RegionLevel::Kecamatan)
                .expect("district"),
            households: per_district,
        })
        .collect();
    quotas.extend((0..DISTRICTS).map(|d| Quota {
        region: village(d, 0),
        households: per_district / 30,
    }));
    Limits {
        quotas,
        budget: Some(Rupiah::new(n as i64 / 3 * 2_600_000)),
        exclusive_with: vec!["PKH".into()],
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1_000_000, |a| a.parse().expect("a number of households"));
    let (eligible, truth) = households(n);
    let scope: Vec<InScope> = eligible
        .iter()
        .map(|e| InScope {
            household: e.household,
            welfare: e.welfare,
        })
        .collect();
    let limits = limits(n);
    let mut times: Vec<(Duration, Duration)> = Vec::new();
    for run in 1..=3 {
        let input = eligible.clone();
        let start = Instant::now();
        let selection = select(input, &limits);
        let selected = start.elapsed();
        let sim = simulate(&selection, &scope, Some(&truth));
        let simulated = start.elapsed() - selected;
        println!(
            "run {run}: select {:.2} s, simulate {:.2} s, total {:.2} s — {} candidates, {} waitlisted, {} excluded, {} shortfalls, Gini {:.3}",
            selected.as_secs_f64(),
            simulated.as_secs_f64(),
            (selected + simulated).as_secs_f64(),
            sim.totals.candidates,
            sim.totals.waitlist,
            sim.totals.excluded,
            selection.shortfalls.len(),
            sim.gini.unwrap_or(0.0)
        );
        times.push((selected, simulated));
    }
    times.sort_by_key(|(a, b)| *a + *b);
    let (a, b) = times[1];
    println!(
        "median of 3 (by total): select {:.2} s, simulate {:.2} s, total {:.2} s",
        a.as_secs_f64(),
        b.as_secs_f64(),
        (a + b).as_secs_f64()
    );
}
