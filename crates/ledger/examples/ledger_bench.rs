//! Ledger benchmarks (figures in BENCHMARKS.md, section "Ledger"). Run in release:
//!
//! ```text
//! cargo run --release -p tepat-ledger --example ledger_bench -- append 20        # as fast as possible
//! cargo run --release -p tepat-ledger --example ledger_bench -- append 20 60000  # offered 60,000/s
//! cargo run --release -p tepat-ledger --example ledger_bench -- proof 100000000 2000
//! cargo run --release -p tepat-ledger --example ledger_bench -- verify 10000000
//! ```
//! Work directories go under `$TEPAT_BENCH_DIR` (default: the system temp dir) and are removed after.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tepat_ledger::entry::{sample_cycle, ChainBuilder};
use tepat_ledger::merkle::{self, inclusion_proof};
use tepat_ledger::storage::CHECKPOINT_PATH;
use tepat_ledger::tiles::{encode_hashes, tile_path, TileCache, TILE_WIDTH};
use tepat_ledger::verify::{verify_log, VerifyOptions};
use tepat_ledger::{
    verify_inclusion, Checkpoint, FsStorage, Hash, KeyType, LogPolicy, LogService, LogStorage,
    NoteSigner, QuorumPublisher, Sequencer, TileReader, Witness, WitnessEndpoint,
};

const ORIGIN: &str = "bench.tepat.example/ledger";

fn log_key() -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, KeyType::Ed25519, [1; 32]).unwrap()
}

fn work_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("TEPAT_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let d = base.join(format!("tepat-ledger-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Two witnesses in this process (each with its own key and durable state), quorum 2.
fn witnessed(dir: &Path) -> (QuorumPublisher, LogPolicy) {
    let mut endpoints = Vec::new();
    let mut keys = Vec::new();
    for i in 1..=2u8 {
        let k = NoteSigner::from_seed(
            &format!("w{i}.bench.tepat.example"),
            KeyType::CosignatureV1,
            [10 + i; 32],
        )
        .unwrap();
        let w = Arc::new(
            Witness::open(
                k,
                vec![log_key().verifier()],
                dir.join(format!("w{i}.state")),
            )
            .unwrap(),
        );
        keys.push(w.verifier());
        endpoints.push(WitnessEndpoint::new(w.verifier(), Box::new(w)));
    }
    (
        QuorumPublisher::new(endpoints, 2),
        LogPolicy::new(log_key().verifier(), keys, 2),
    )
}

/// Realistic encoded aid events (about 130 bytes each), `n` of them starting at index `first`.
fn events(first: u64, n: usize, cycle_seed: u64) -> Vec<Vec<u8>> {
    let mut chain = ChainBuilder::new(first);
    let mut out = Vec::with_capacity(n);
    let mut c = cycle_seed;
    while out.len() < n {
        sample_cycle(
            &mut chain,
            "PKH",
            &format!("C{c}"),
            "32.04.12.2001",
            1000,
            750_000,
            c,
        )
        .unwrap();
        out.extend(chain.take());
        c += 1;
    }
    out.truncate(n);
    out
}

fn append(secs: u64, rate: u64) {
    let dir = work_dir("append");
    let (publisher, _) = witnessed(&dir);
    let seq = Sequencer::open(FsStorage::open(dir.join("log")).unwrap(), log_key()).unwrap();
    let log = Arc::new(LogService::start(seq, Box::new(publisher)).unwrap());
    // Pre-encode the entries so the producers measure the log, not the encoder.
    let pool = Arc::new(events(0, 400_000, 0));
    let avg = pool.iter().map(|e| e.len()).sum::<usize>() / pool.len();
    let stop = Arc::new(AtomicBool::new(false));
    // Watcher: records when each new checkpoint is published.
    let watcher = {
        let (log, stop) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut last = log.checkpoint().checkpoint.size;
            let mut times = vec![Instant::now()];
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(5));
                let s = log.checkpoint().checkpoint.size;
                if s != last {
                    last = s;
                    times.push(Instant::now());
                }
            }
            times
        })
    };
    let start = Instant::now();
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let (log, pool, stop) = (log.clone(), pool.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut sent = 0u64;
                let mut outstanding = std::collections::VecDeque::new();
                let mut i = p * 1000;
                let t0 = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    // With a target rate, each of the 4 producers paces itself to rate / 4.
                    if rate > 0 {
                        let due = Duration::from_secs_f64(sent as f64 / (rate as f64 / 4.0));
                        if let Some(wait) = due.checked_sub(t0.elapsed()) {
                            std::thread::sleep(wait);
                        }
                    }
                    let batch: Vec<Vec<u8>> = (0..1000)
                        .map(|k| pool[(i + k) % pool.len()].clone())
                        .collect();
                    i += 4000;
                    let first = log.submit(batch).unwrap();
                    outstanding.push_back(first + 1000);
                    sent += 1000;
                    // Keep at most 100 batches per producer in flight (bounded memory, real waiting).
                    if outstanding.len() > 100 {
                        log.wait_for(outstanding.pop_front().unwrap()).unwrap();
                    }
                }
                if let Some(&last) = outstanding.back() {
                    log.wait_for(last).unwrap();
                }
                sent
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let sent: u64 = producers.into_iter().map(|p| p.join().unwrap()).sum();
    let elapsed = start.elapsed();
    let times = watcher.join().unwrap();
    let size = log.checkpoint().checkpoint.size;
    let intervals: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    let mut sorted = intervals.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| sorted[((sorted.len() - 1) as f64 * p) as usize];
    println!(
        "append ({}): {sent} entries (avg {avg} B) durably committed and cosigned by 2 witnesses in {:.1} s = {:.0} entries/s; log size {size}",
        if rate > 0 { format!("offered {rate}/s") } else { "as fast as possible".to_string() },
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64()
    );
    println!(
        "checkpoints published: {}, interval p50 {:.3} s, p99 {:.3} s, max {:.3} s",
        intervals.len(),
        pct(0.5),
        pct(0.99),
        sorted.last().unwrap()
    );
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}

/// splitmix64: cheap stand-in leaf hashes.
fn leaf(i: u64) -> Hash {
    let mut out = [0u8; 32];
    let mut x = i.wrapping_mul(0x9e3779b97f4a7c15);
    for c in out.chunks_exact_mut(8) {
        x = x.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        c.copy_from_slice(&(z ^ (z >> 31)).to_be_bytes());
    }
    Hash(out)
}

fn level0_tile(t: u64, n: u64) -> Vec<Hash> {
    let lo = t * TILE_WIDTH;
    let hi = (lo + TILE_WIDTH).min(n);
    (lo..hi).map(leaf).collect()
}

/// Builds the tiles of a `n`-entry tree whose leaf hashes are pseudo-random stand-ins: every tile at
/// level ≥ 1 (all of them, computed from all `n` leaves), and the level-0 tiles of the sampled leaves
/// and of the right edge. A proof for a sampled leaf reads exactly these tiles, as on a full log.
fn proof(n: u64, samples: usize) {
    let dir = work_dir("proof");
    let storage = FsStorage::open(dir.join("log")).unwrap();
    let t0 = Instant::now();
    let mut rng = 0x1234_5678u64;
    // Two sets of random leaves: set A for the first passes, set B (new leaves) for the warm pass.
    let mut sample: Vec<u64> = (0..2 * samples)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        })
        .collect();
    sample.push(0);
    sample.push(n - 1);
    let mut wanted: std::collections::BTreeSet<u64> =
        sample.iter().map(|m| m / TILE_WIDTH).collect();
    wanted.insert((n - 1) / TILE_WIDTH);
    let mut files = Vec::new();
    let mut level: Vec<Hash> = Vec::with_capacity((n / TILE_WIDTH + 1) as usize);
    for t in 0..n.div_ceil(TILE_WIDTH) {
        let hashes = level0_tile(t, n);
        if wanted.contains(&t) {
            files.push((tile_path(0, t, hashes.len() as u16), encode_hashes(&hashes)));
        }
        if hashes.len() == TILE_WIDTH as usize {
            level.push(merkle::root_of(&hashes));
        }
    }
    let mut l = 1u8;
    while !level.is_empty() {
        let mut up = Vec::new();
        for (t, chunk) in level.chunks(TILE_WIDTH as usize).enumerate() {
            files.push((
                tile_path(l, t as u64, chunk.len() as u16),
                encode_hashes(chunk),
            ));
            if chunk.len() == TILE_WIDTH as usize {
                up.push(merkle::root_of(chunk));
            }
        }
        level = up;
        l += 1;
    }
    let nfiles = files.len();
    storage.write_durable(files).unwrap();
    let reader = TileReader::new(&storage, n);
    let root = merkle::root(&reader, n).unwrap();
    println!(
        "proof: built a {n}-entry tree's tiles ({nfiles} files) in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    drop(reader);
    let mut lat = Vec::with_capacity(sample.len());
    let shared = TileCache::new(4096);
    let (set_a, set_b) = sample.split_at(samples);
    for (round, label) in [
        "no cache (fresh reader per request, tiles re-read and re-hashed)",
        "no cache, second pass",
        "shared tile cache (a server's), cold",
        "shared tile cache warmed by the pass above, new leaves",
    ]
    .into_iter()
    .enumerate()
    {
        lat.clear();
        let set = if round < 3 { set_a } else { set_b };
        for &m in set {
            let start = Instant::now();
            let reader = if round < 2 {
                TileReader::new(&storage, n)
            } else {
                TileReader::with_cache(&storage, n, &shared)
            };
            let p = inclusion_proof(&reader, m, n).unwrap();
            lat.push(start.elapsed());
            verify_inclusion(&leaf(m), m, n, &p, &root).unwrap();
        }
        lat.sort();
        let pct = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e6;
        println!(
            "inclusion proof at n = {n}, {} leaves, {label}: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs (all verified)",
            lat.len(),
            pct(0.5),
            pct(0.99),
            lat.last().unwrap().as_secs_f64() * 1e6
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn verify(n: u64) {
    let dir = work_dir("verify");
    let (publisher, policy) = witnessed(&dir);
    let t0 = Instant::now();
    let mut seq = Sequencer::open(FsStorage::open(dir.join("log")).unwrap(), log_key()).unwrap();
    let mut next = 0u64;
    let mut c = 0u64;
    while next < n {
        let k = (n - next).min(500_000) as usize;
        let batch = events(next, k, c);
        c += k as u64 / 4000 + 1;
        for e in batch {
            seq.append(e).unwrap();
        }
        seq.commit().unwrap();
        next += k as u64;
    }
    drop(seq);
    let seq = Sequencer::open(FsStorage::open(dir.join("log")).unwrap(), log_key()).unwrap();
    let log = LogService::start(seq, Box::new(publisher)).unwrap();
    let cp = log.shutdown().unwrap();
    println!(
        "verify: wrote a {n}-entry log in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let f = FsStorage::existing(dir.join("log")).unwrap();
    let _ = std::fs::read(dir.join("log").join(CHECKPOINT_PATH)).unwrap();
    let start = Instant::now();
    let report = verify_log(&f, &policy, &VerifyOptions::default());
    let secs = start.elapsed().as_secs_f64();
    let cpv: &Checkpoint = report.checkpoint.as_ref().unwrap();
    assert_eq!(cpv.root, cp.checkpoint.root);
    println!(
        "full verification of {n} entries: {:.1} s ({:.0} entries/s), {} problems (chains walked; every tile and the root recomputed; 2 cosignatures)",
        secs,
        n as f64 / secs,
        report.problem_count
    );
    if report.problem_count > 0 {
        println!("{}", report.render_text());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    match args.first().map(String::as_str) {
        Some("append") => append(arg(1, 20), arg(2, 0)),
        Some("proof") => proof(arg(1, 100_000_000), arg(2, 2000) as usize),
        Some("verify") => verify(arg(1, 10_000_000)),
        _ => {
            eprintln!(
                "usage: ledger_bench append [secs] [rate] | proof [n] [samples] | verify [n]"
            );
            std::process::exit(2);
        }
    }
}
