//! Prints the trained model and the worst mistakes against a truth file, with explanations.
//! `cargo run --release -p tepat-linkage --example diagnose -- persons.csv truth.csv [threshold]`
use std::collections::HashMap;
use std::path::Path;

use tepat_linkage::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (data, _) = read_persons(
        Path::new(&args[0]),
        BadRows::Skip,
        &NormaliseOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let truth_text = std::fs::read_to_string(&args[1]).unwrap();
    let person: HashMap<&str, &str> = truth_text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((f.next()?, f.next()?))
        })
        .collect();
    let threshold: f64 = args.get(2).map_or(0.9, |t| t.parse().unwrap());
    let opts = LinkageOptions {
        threshold,
        ..Default::default()
    };
    let d = deduplicate(&data, &opts, &Decisions::new(), None, &NoProgress);
    println!("{:#?}", d.training);
    println!("lambda {:e}", d.scoring.model.lambda);
    for f in &d.scoring.model.fields {
        println!(
            "{:<13} m {:?}",
            f.field,
            f.m.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>()
        );
        println!(
            "{:<13} u {:?}",
            "",
            f.u.iter().map(|x| format!("{x:.5}")).collect::<Vec<_>>()
        );
    }
    for (rule, n) in &d.blocking.pairs_per_rule {
        println!("rule {:<24} {n}", rule.name());
    }
    let same = |a: u32, b: u32| {
        person.get(data.ids[a as usize].as_str()) == person.get(data.ids[b as usize].as_str())
    };
    let mut fps: Vec<&ScoredPair> = d
        .pairs
        .iter()
        .filter(|p| p.probability() >= threshold && !same(p.a, p.b))
        .collect();
    fps.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    println!("false positive pairs: {}", fps.len());
    let raw = |i: u32| {
        let p = &data.prepared[i as usize];
        format!(
            "{} | {} | {:?} | {} | {:?} | kk {} | {} | {} | {}",
            data.ids[i as usize],
            p.name,
            p.dob.map(|d| String::from_utf8_lossy(&d).to_string()),
            p.nik,
            p.sex,
            p.kk,
            p.place,
            p.address,
            p.village
        )
    };
    let step = (fps.len() / 12).max(1);
    for p in fps.iter().step_by(step).take(12) {
        println!(
            "FP {:.4}\n  {}\n  {}\n{}",
            p.probability(),
            raw(p.a),
            raw(p.b),
            d.explain(&data, p.a as usize, p.b as usize, None).to_text()
        );
    }
    let mut fns: Vec<&ScoredPair> = d
        .pairs
        .iter()
        .filter(|p| p.probability() < threshold && same(p.a, p.b))
        .collect();
    fns.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    println!("false negative pairs among candidates: {}", fns.len());
    let step = (fns.len() / 8).max(1);
    for p in fns.iter().step_by(step).take(8) {
        println!(
            "FN {:.4}\n  {}\n  {}\n{}",
            p.probability(),
            raw(p.a),
            raw(p.b),
            d.explain(&data, p.a as usize, p.b as usize, None).to_text()
        );
    }
}
