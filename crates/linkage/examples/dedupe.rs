//! `tepat dedupe` / `tepat link` as the CLI will call them, plus quality against a truth file.
//!
//! ```text
//! cargo run --release -p tepat-linkage --example dedupe -- dedupe persons.csv clusters.csv \
//!     [--pairs pairs.csv] [--threshold P] [--truth truth.csv] [--stages] [--stream-above N]
//!     [--stream-sample N]
//! cargo run --release -p tepat-linkage --example dedupe -- link a.csv b.csv links.csv [--threshold P] \
//!     [--one-to-one] [--truth truth.csv]
//! ```
//! `truth.csv` has `record_id,person_id` as its first two columns (the generator's `persons_truth.csv`, or
//! the files `--example febrl` writes); with it, pairwise and cluster precision, recall and F1 are printed.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use tepat_linkage::*;

/// Prints how long each stage took (with `--stages`).
struct StageTimes {
    on: bool,
    current: std::sync::Mutex<Option<(Stage, std::time::Instant)>>,
}

impl Progress for StageTimes {
    fn start(&self, stage: Stage, _: Option<u64>) {
        *self.current.lock().unwrap() = Some((stage, std::time::Instant::now()));
    }
    fn advance(&self, _: u64) {}
    fn finish(&self) {
        if let Some((s, t)) = self.current.lock().unwrap().take() {
            if self.on {
                eprintln!(
                    "  {:<28} {:>8.1} ms",
                    s.name(),
                    t.elapsed().as_secs_f64() * 1000.0
                );
            }
        }
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn truth_pairs(path: &str) -> (HashMap<String, String>, febrl::TruePairs) {
    let text = std::fs::read_to_string(path).expect("truth file");
    let mut person_of = HashMap::new();
    let mut by_person: HashMap<String, Vec<String>> = HashMap::new();
    for line in text.lines().skip(1) {
        let mut f = line.split(',');
        let (Some(r), Some(p)) = (f.next(), f.next()) else {
            continue;
        };
        person_of.insert(r.to_string(), p.to_string());
        by_person
            .entry(p.to_string())
            .or_default()
            .push(r.to_string());
    }
    let mut pairs = HashSet::new();
    for v in by_person.values() {
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                pairs.insert(eval::pair_key(&v[i], &v[j]));
            }
        }
    }
    (person_of, pairs)
}

fn read_pairs(path: &PathBuf) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threshold = arg(&args, "--threshold").map(|t| t.parse().expect("threshold"));
    let truth = arg(&args, "--truth");
    let progress = StageTimes {
        on: args.iter().any(|a| a == "--stages"),
        current: Default::default(),
    };
    match args.first().map(String::as_str) {
        Some("dedupe") => {
            let pairs_path = arg(&args, "--pairs").map(PathBuf::from).or(Some(PathBuf::from("/tmp/tepat-pairs.csv")));
            let mut linkage = LinkageOptions::default();
            if let Some(n) = arg(&args, "--stream-above") {
                linkage.stream_above = n.parse().expect("--stream-above N");
            }
            if let Some(n) = arg(&args, "--stream-sample") {
                linkage.stream_sample = n.parse().expect("--stream-sample N");
            }
            let opts = DedupeOptions {
                input: PathBuf::from(&args[1]),
                out: PathBuf::from(&args[2]),
                pairs: pairs_path.clone(),
                threshold,
                linkage,
                ..Default::default()
            };
            let s = dedupe_files(&opts, &progress).expect("dedupe");
            print!("{s}");
            println!("seconds {:.3}", s.elapsed.as_secs_f64());
            if let Some(t) = truth {
                let (_, truth) = truth_pairs(&t);
                let pairs = read_pairs(pairs_path.as_ref().unwrap());
                let pw = eval::pairwise(pairs, &truth);
                let clusters = read_pairs(&opts.out);
                let cl = eval::clusters(clusters, &truth);
                println!("pairwise P {:.4} R {:.4} F1 {:.4}", pw.precision, pw.recall, pw.f1);
                println!("cluster  P {:.4} R {:.4} F1 {:.4}", cl.precision, cl.recall, cl.f1);
            }
        }
        Some("link") => {
            let opts = LinkOptions {
                left: PathBuf::from(&args[1]),
                right: PathBuf::from(&args[2]),
                out: PathBuf::from(&args[3]),
                threshold,
                one_to_one: args.iter().any(|a| a == "--one-to-one"),
                ..Default::default()
            };
            let s = link_files(&opts, &progress).expect("link");
            print!("{s}");
            println!("seconds {:.3}", s.elapsed.as_secs_f64());
            if let Some(t) = truth {
                let (_, truth) = truth_pairs(&t);
                let pw = eval::pairwise(read_pairs(&opts.out), &truth);
                println!("pairwise P {:.4} R {:.4} F1 {:.4}", pw.precision, pw.recall, pw.f1);
            }
        }
        _ => eprintln!("usage: dedupe INPUT CLUSTERS [--pairs P] [--threshold T] [--truth T] | link A B LINKS [...]"),
    }
}
