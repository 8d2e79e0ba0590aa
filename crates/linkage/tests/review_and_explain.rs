//! Parts 6 and 7 of issue 3: every pair explains itself; reviewers' decisions are remembered and respected.

use tepat_linkage::*;

fn febrl1() -> (Vec<PersonRecord>, Dataset, febrl::TruePairs) {
    let (records, truth) = febrl::dataset(1).unwrap();
    let data = Dataset::from_records(&records, &NormaliseOptions::default());
    (records, data, truth)
}

fn index(data: &Dataset, id: &str) -> usize {
    data.ids.iter().position(|x| x == id).unwrap()
}

#[test]
fn explanations_add_up_to_the_probability() {
    let (_, data, _) = febrl1();
    let d = deduplicate(
        &data,
        &LinkageOptions::default(),
        &Decisions::new(),
        None,
        &NoProgress,
    );
    for p in d.pairs.iter().take(200) {
        let e = d.explain(&data, p.a as usize, p.b as usize, None);
        let sum: f64 = e.prior_weight
            + e.contributions
                .iter()
                .map(|c| c.weight + c.tf_adjustment)
                .sum::<f64>();
        assert!((sum - e.match_weight).abs() < 1e-6);
        assert!(
            (e.probability - p.probability()).abs() < 1e-4,
            "{} vs {}",
            e.probability,
            p.probability()
        );
        assert!(e.contributions.len() >= 8);
        assert!(e.blocking_rule.is_some());
        assert!(e
            .contributions
            .iter()
            .filter(|c| c.level == 0)
            .all(|c| c.weight == 0.0));
    }
    let p = d
        .pairs
        .iter()
        .max_by(|a, b| a.weight.total_cmp(&b.weight))
        .unwrap();
    let text = d.explain(&data, p.a as usize, p.b as usize, None).to_text();
    assert!(text.contains("match probability"));
    assert!(text.contains("full_name"));
    assert!(text.contains("found by blocking rule"));
}

#[test]
fn decisions_are_respected_and_go_stale_when_a_record_changes() {
    let (mut records, data, truth) = febrl1();
    let opts = LinkageOptions::default();
    let first = deduplicate(&data, &opts, &Decisions::new(), None, &NoProgress);
    let model = first.scoring.model.clone();
    let opts = LinkageOptions {
        model: Some(model),
        ..opts
    };
    // A true pair that is linked, and two unrelated records.
    let (a, b) = truth
        .iter()
        .find(|(a, b)| first.clusters[index(&data, a)] == first.clusters[index(&data, b)])
        .unwrap()
        .clone();
    let (x, y) = (data.ids[0].clone(), data.ids[1].clone());
    assert_ne!(first.clusters[0], first.clusters[1]);
    let fp = |id: &str| data.fingerprints[index(&data, id)];
    let decisions: Decisions = [
        Decision {
            record_id_a: a.clone(),
            record_id_b: b.clone(),
            verdict: Verdict::Reject,
            fingerprint_a: Some(fp(&a)),
            fingerprint_b: Some(fp(&b)),
        },
        Decision {
            record_id_a: y.clone(),
            record_id_b: x.clone(),
            verdict: Verdict::Accept,
            fingerprint_a: None,
            fingerprint_b: None,
        },
    ]
    .into_iter()
    .collect();
    let d = deduplicate(&data, &opts, &decisions, None, &NoProgress);
    assert_eq!(d.decisions_applied, 2);
    assert_ne!(
        d.clusters[index(&data, &a)],
        d.clusters[index(&data, &b)],
        "rejected pair kept apart"
    );
    assert_eq!(d.clusters[0], d.clusters[1], "accepted pair joined");
    assert!(d
        .review
        .iter()
        .all(|r| !(r.record_id_a == a && r.record_id_b == b)));

    // Record a changes: the rejection no longer applies.
    let i = index(&data, &a);
    records[i].address.push_str(" baru");
    let changed = Dataset::from_records(&records, &NormaliseOptions::default());
    let d = deduplicate(&changed, &opts, &decisions, None, &NoProgress);
    assert_eq!((d.decisions_applied, d.decisions_stale), (1, 1));
    assert_eq!(
        d.clusters[index(&changed, &a)],
        d.clusters[index(&changed, &b)]
    );
}

#[test]
fn the_review_band_holds_the_uncertain_pairs() {
    let (_, data, _) = febrl1();
    let opts = LinkageOptions {
        review: ReviewBand {
            low: 0.01,
            high: 0.99,
        },
        ..LinkageOptions::default()
    };
    let d = deduplicate(&data, &opts, &Decisions::new(), None, &NoProgress);
    let expected = d
        .pairs
        .iter()
        .filter(|p| (0.01..0.99).contains(&p.probability()))
        .count();
    assert_eq!(d.review.len(), expected);
    assert!(d
        .review
        .windows(2)
        .all(|w| (w[0].probability - 0.5).abs() <= (w[1].probability - 0.5).abs()));
    assert!(d.review.iter().all(|r| !r.explanation.is_empty()));
}
