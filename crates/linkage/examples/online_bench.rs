//! Online matching latency: builds the index over a registry `persons.csv`, then times single-record queries
//! (existing records with a typo, and records of people not in the registry) and index updates.
//!
//! ```text
//! cargo run --release -p tepat-linkage --example online_bench -- persons.csv [queries]
//! ```
//! The model is trained once on a 200,000-record sample of the registry (as a registry's last dedupe run
//! would leave it).

use std::time::Instant;

use tepat_linkage::*;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let queries: usize = args.get(1).map_or(10_000, |q| q.parse().unwrap());
    let t = Instant::now();
    let text = std::fs::read_to_string(&args[0]).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<PersonRecord> = reader.deserialize().map(|r| r.unwrap()).collect();
    println!("read {} records in {:.1?}", records.len(), t.elapsed());

    let t = Instant::now();
    let sample: Vec<PersonRecord> = records
        .iter()
        .step_by((records.len() / 200_000).max(1))
        .cloned()
        .collect();
    let data = Dataset::from_records(&sample, &NormaliseOptions::default());
    let model = deduplicate(
        &data,
        &LinkageOptions::default(),
        &Decisions::new(),
        None,
        &NoProgress,
    )
    .scoring
    .model;
    println!(
        "model trained on {} records in {:.1?}",
        sample.len(),
        t.elapsed()
    );

    let t = Instant::now();
    let mut index = OnlineIndex::build(
        &records,
        model,
        Rule::DEFAULT.to_vec(),
        NormaliseOptions::default(),
    );
    println!(
        "index of {} records built in {:.1?}, peak memory {:.0} MiB",
        index.len(),
        t.elapsed(),
        peak_memory_bytes().unwrap_or(0) as f64 / 1048576.0
    );

    // Queries: every k-th record with its name mistyped (the incoming duplicate), and as many strangers
    // (a record with its name, NIK and date replaced).
    let step = (records.len() / queries).max(1);
    let mut probes: Vec<PersonRecord> = Vec::new();
    for (i, r) in records.iter().step_by(step).take(queries).enumerate() {
        let mut q = r.clone();
        q.record_id = format!("q{i}");
        if i % 2 == 0 {
            let mut c: Vec<char> = q.full_name.chars().collect();
            if c.len() > 3 {
                c.swap(1, 2);
            }
            q.full_name = c.into_iter().collect();
        } else {
            q.full_name = format!("Orang Baru {i}");
            q.nik = format!("{:016}", 9_000_000_000_000_000u64 + i as u64);
            q.birth_date = "1901-02-03".into();
            q.kk_number.clear();
        }
        probes.push(q);
    }
    let opts = QueryOptions::default();
    let mut times = Vec::with_capacity(probes.len());
    let (mut found, mut candidates, mut capped) = (0usize, 0usize, 0usize);
    for (i, q) in probes.iter().enumerate() {
        let t = Instant::now();
        let res = index.query(q, &opts, None);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        candidates += res.candidates;
        capped += res.capped as usize;
        if i % 2 == 0 && res.matches.first().is_some_and(|m| m.probability >= 0.95) {
            found += 1;
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{} queries: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.0} candidates per query; {} capped",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times[times.len() - 1],
        candidates as f64 / times.len() as f64,
        capped
    );
    println!(
        "mistyped existing records found at p >= 0.95: {found} of {}",
        probes.len().div_ceil(2)
    );

    let t = Instant::now();
    let n = 10_000.min(records.len());
    for r in records.iter().take(n) {
        let mut changed = r.clone();
        changed.address.push_str(" BARU");
        index.upsert(&changed);
    }
    println!(
        "{n} upserts (changed records): {:.1} µs each",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for r in records.iter().take(n) {
        index.remove(&r.record_id);
    }
    println!(
        "{n} removals: {:.1} µs each",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
