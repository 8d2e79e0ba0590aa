//! Throughput of the comparison kernel on random FEBRL3 pairs (the u-sampling workload).
//! `cargo run --release -p tepat-linkage --example kernels`
use std::time::Instant;

use tepat_linkage::*;

fn main() {
    let (records, _) = febrl::dataset(3).unwrap();
    let p: Vec<Prepared> = records
        .iter()
        .map(|r| Prepared::from_record(r, &NormaliseOptions::default()))
        .collect();
    let n = p.len();
    let mut acc = 0u64;
    let t = Instant::now();
    let pairs = 2_000_000u64;
    let mut x = 12345u64;
    for _ in 0..pairs {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % n as u64) as usize;
        let j = ((x >> 32) % n as u64) as usize;
        acc = acc.wrapping_add(compare::compare(&p[i], &p[j]).0 as u64);
    }
    let el = t.elapsed();
    println!(
        "{:.0} ns per comparison ({acc})",
        el.as_nanos() as f64 / pairs as f64
    );
}
