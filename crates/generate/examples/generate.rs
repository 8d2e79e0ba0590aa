//! Generates a regency and prints the summary and the time it took.
//!
//! ```text
//! cargo run --release -p tepat-generate --example generate -- OUT_DIR [PERSONS] [SEED] [--errors] [--regency CODE]
//! ```
use std::time::Instant;

use chrono::NaiveDate;
use tepat_domain::RegionCode;
use tepat_generate::{generate, GenerateOptions};
use tepat_regions::RegionTable;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let errors = args.iter().any(|a| a == "--errors");
    let regency = args
        .iter()
        .position(|a| a == "--regency")
        .and_then(|i| args.get(i + 1))
        .map(|c| RegionCode::parse(c).expect("regency code"));
    let positional: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[*i - 1] != "--regency"))
        .map(|(_, a)| a)
        .collect();
    let out = positional
        .first()
        .map_or("target/generated", |s| s.as_str());
    let persons = positional.get(1).map(|s| s.parse().expect("persons"));
    let seed = positional.get(2).map_or(1, |s| s.parse().expect("seed"));
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
    let t = Instant::now();
    let regions = RegionTable::embedded();
    let loaded = t.elapsed();
    let mut opts = GenerateOptions::new(out, seed, today);
    opts.persons = persons;
    opts.errors = errors;
    if let Some(r) = regency {
        opts.regency = r;
    }
    let summary = generate(&opts, regions, &|_, _| {}).expect("generate");
    println!("region table loaded in {loaded:.2?}");
    println!("{summary:#?}");
    println!("total {:.2?}", t.elapsed());
}
