//! Histogram of comparison levels over the true pairs of a truth file (a check on comparison functions).
//! `cargo run --release -p tepat-linkage --example levels -- persons.csv truth.csv`
use std::collections::HashMap;
use std::path::Path;

use tepat_linkage::compare::{compare, ALL_FIELDS};
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
    let truth = std::fs::read_to_string(&args[1]).unwrap();
    let person: HashMap<&str, &str> = truth
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((f.next()?, f.next()?))
        })
        .collect();
    let mut by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in data.ids.iter().enumerate() {
        by.entry(person[id.as_str()]).or_default().push(i);
    }
    let mut hist = vec![vec![0u64; 8]; 8];
    let mut shown = 0;
    for v in by.values().filter(|v| v.len() > 1) {
        let g = compare(&data.prepared[v[0]], &data.prepared[v[1]]);
        for f in ALL_FIELDS {
            hist[f as usize][g.level(f) as usize] += 1;
        }
        if g.level(compare::Field::Name) == 6 && shown < 10 {
            shown += 1;
            println!(
                "{:?} | {:?}",
                data.prepared[v[0]].name, data.prepared[v[1]].name
            );
        }
    }
    for f in ALL_FIELDS {
        println!("{:<13} {:?}", f.name(), &hist[f as usize][..f.num_levels()]);
    }
    nik_session(&data, &person);
}

/// Level histogram of pairs sharing a NIK (the NIK training session), split by truth.
#[allow(dead_code)]
pub fn nik_session(data: &Dataset, person: &HashMap<&str, &str>) {
    let mut by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in data.prepared.iter().enumerate() {
        if p.nik.len() >= 4 {
            by.entry(&p.nik).or_default().push(i);
        }
    }
    let mut same = [0u64; 8];
    let mut diff = [0u64; 8];
    for v in by.values() {
        for i in 0..v.len().min(100) {
            for j in i + 1..v.len().min(100) {
                let g = compare(&data.prepared[v[i]], &data.prepared[v[j]]);
                if g.level(compare::Field::Nik) == 2 {
                    continue;
                }
                let l = g.level(compare::Field::Name) as usize;
                if person[data.ids[v[i]].as_str()] == person[data.ids[v[j]].as_str()] {
                    same[l] += 1;
                } else {
                    diff[l] += 1;
                }
            }
        }
    }
    println!("nik session name levels: same person {same:?}\n                         different   {diff:?}");
}
