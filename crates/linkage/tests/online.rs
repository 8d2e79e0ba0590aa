//! Part 8 of issue 3: one incoming record against the registry, with an index kept up to date.

use std::collections::HashSet;

use tepat_linkage::*;

#[test]
fn online_queries_find_the_batch_matches_and_follow_updates() {
    let (records, truth) = febrl::dataset(3).unwrap();
    let data = Dataset::from_records(&records, &NormaliseOptions::default());
    let model = deduplicate(
        &data,
        &LinkageOptions::default(),
        &Decisions::new(),
        None,
        &NoProgress,
    )
    .scoring
    .model;
    // Registry: the first 4,000 records; incoming: the last 1,000.
    let (registry, incoming) = records.split_at(4000);
    let mut index = OnlineIndex::build(
        registry,
        model,
        Rule::DEFAULT.to_vec(),
        NormaliseOptions::default(),
    );
    assert_eq!(index.len(), 4000);
    let in_registry: HashSet<&str> = registry.iter().map(|r| r.record_id.as_str()).collect();
    let opts = QueryOptions {
        min_probability: 0.9,
        ..Default::default()
    };
    let (mut expected, mut found, mut wrong) = (0, 0, 0);
    for r in incoming {
        let res = index.query(r, &opts, None);
        let hits: HashSet<&str> = res.matches.iter().map(|m| m.record_id.as_str()).collect();
        for id in &in_registry {
            if truth.contains(&eval::pair_key(&r.record_id, &id.to_string())) {
                expected += 1;
                if hits.contains(id) {
                    found += 1;
                }
            }
        }
        wrong += hits
            .iter()
            .filter(|h| !truth.contains(&eval::pair_key(&r.record_id, &h.to_string())))
            .count();
        assert!(res
            .matches
            .windows(2)
            .all(|w| w[0].probability >= w[1].probability));
        assert!(res.matches.iter().all(|m| m.explanation.is_some()));
    }
    let recall = found as f64 / expected as f64;
    eprintln!("online: {found}/{expected} true matches found, {wrong} wrong");
    assert!(recall >= 0.99, "online recall {recall}");
    assert!(wrong <= expected / 200);

    // Updates: a record added is found, a record changed is found by its new values, a record removed
    // is gone.
    let mut newcomer = incoming[0].clone();
    newcomer.record_id = "baru-1".into();
    index.upsert(&newcomer);
    assert_eq!(index.len(), 4001);
    let res = index.query(&incoming[0], &opts, None);
    assert!(res.matches.iter().any(|m| m.record_id == "baru-1"));
    let mut changed = newcomer.clone();
    changed.full_name = "Sumiyem Wulandari".into();
    changed.birth_date = "1944-04-04".into();
    changed.nik = "12121212".into();
    changed.address = "Jl. Lain 9".into();
    index.upsert(&changed);
    assert_eq!(index.len(), 4001);
    assert!(!index
        .query(&incoming[0], &opts, None)
        .matches
        .iter()
        .any(|m| m.record_id == "baru-1"));
    assert!(
        index
            .query(&changed, &QueryOptions::default(), None)
            .matches
            .is_empty(),
        "does not match itself"
    );
    let mut probe = changed.clone();
    probe.record_id = "probe".into();
    assert_eq!(
        index.query(&probe, &opts, None).matches[0].record_id,
        "baru-1"
    );
    assert!(index.remove("baru-1"));
    assert!(!index.remove("baru-1"));
    assert!(index.query(&probe, &opts, None).matches.is_empty());
    assert_eq!(index.len(), 4000);
}
