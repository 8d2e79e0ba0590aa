//! Measures how long parsing the embedded region data takes (what the first `RegionTable::embedded()`
//! costs at start-up), and building the name index on the first `find_by_name`.
//!
//! ```sh
//! cargo run --release -p tepat-regions --example parse_time [runs]
//! ```

use std::time::{Duration, Instant};

use tepat_regions::RegionTable;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(20, |s| s.parse().expect("runs: a number"));
    let mut parse = Vec::with_capacity(runs);
    let mut names = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let table = RegionTable::parse_embedded().expect("embedded data parse");
        parse.push(start.elapsed());
        let start = Instant::now();
        let found = table.find_by_name("Tanjungpandan", None);
        names.push(start.elapsed());
        assert_eq!(table.len(), 91_599);
        assert!(!found.is_empty());
    }
    report(
        "parse embedded data (gunzip + CSV + checks + index)",
        &mut parse,
    );
    report("first find_by_name (builds the name index)", &mut names);
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: min {:.1} ms, median {:.1} ms, max {:.1} ms over {} runs",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    );
}
