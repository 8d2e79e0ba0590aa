//! Blocking recall on FEBRL: the share of true pairs that blocking produces at all.
use std::collections::HashSet;
use tepat_linkage::{febrl, BlockingOptions, NormaliseOptions, Prepared};

#[test]
fn febrl3_blocking_recall() {
    let (records, truth) = febrl::dataset(3).unwrap();
    let prepared: Vec<Prepared> = records
        .iter()
        .map(|r| Prepared::from_record(r, &NormaliseOptions::default()))
        .collect();
    let (pairs, report) =
        tepat_linkage::block::candidates_for_test(&prepared, &BlockingOptions::default());
    let found: HashSet<(String, String)> = pairs
        .iter()
        .map(|&(a, b)| {
            tepat_linkage::eval::pair_key(
                &records[a as usize].record_id,
                &records[b as usize].record_id,
            )
        })
        .collect();
    let hit = truth.iter().filter(|p| found.contains(p)).count();
    let recall = hit as f64 / truth.len() as f64;
    eprintln!(
        "candidates {} recall {recall:.5} per rule {:?}",
        pairs.len(),
        report.pairs_per_rule
    );
    assert!(recall >= 0.995, "blocking recall {recall}");
    assert!(pairs.len() < 100_000);
}
