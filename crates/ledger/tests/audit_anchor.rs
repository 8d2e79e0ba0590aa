//! Audit anchors in a real log: appended beside aid events, found by the verifier, never counted as
//! money, and an anchor covering fewer audit entries than an earlier one is reported.

use std::sync::Arc;

use tepat_ledger::entry::{audit_anchor, sample_cycle, ChainBuilder};
use tepat_ledger::hash::sha256;
use tepat_ledger::verify::{verify_log, VerifyOptions};
use tepat_ledger::{
    FsStorage, KeyType, LogPolicy, LogService, NoteSigner, QuorumPublisher, Sequencer, Witness,
    WitnessEndpoint,
};

fn log_with(anchors: &[(u64, &[u8])]) -> (tempfile::TempDir, tepat_ledger::Report) {
    let dir = tempfile::tempdir().unwrap();
    let key = NoteSigner::from_seed("log.example.go.id", KeyType::Ed25519, [9; 32]).unwrap();
    let w = Arc::new(
        Witness::open(
            NoteSigner::from_seed("w.example.go.id", KeyType::CosignatureV1, [41; 32]).unwrap(),
            vec![key.verifier()],
            dir.path().join("w"),
        )
        .unwrap(),
    );
    let policy = LogPolicy::new(key.verifier(), vec![w.verifier()], 1);
    let publisher = QuorumPublisher::new(
        vec![WitnessEndpoint::new(w.verifier(), Box::new(w.clone()))],
        1,
    );
    let root = dir.path().join("log");
    let seq = Sequencer::open(FsStorage::open(&root).unwrap(), key).unwrap();
    let log = LogService::start(seq, Box::new(publisher)).unwrap();
    let mut chain = ChainBuilder::new(0);
    sample_cycle(&mut chain, "PKH", "2026-T1", "19.02", 3, 750_000, 1).unwrap();
    for (i, (entries, head)) in anchors.iter().enumerate() {
        chain
            .push(&audit_anchor(
                1_795_392_000 + i as u64,
                "19.02",
                *entries,
                sha256(head),
            ))
            .unwrap();
    }
    log.append(chain.take()).unwrap();
    log.shutdown().unwrap();
    let report = verify_log(
        &FsStorage::existing(&root).unwrap(),
        &policy,
        &VerifyOptions::default(),
    );
    (dir, report)
}

#[test]
fn anchors_are_found_and_are_not_money() {
    let (_dir, r) = log_with(&[(5, b"five"), (9, b"nine")]);
    assert!(r.is_ok(), "{}", r.render_text());
    assert_eq!(r.kinds["audit-anchor"], 2);
    let a = &r.audit_anchors["19.02"];
    assert_eq!(
        (a.index, a.entries, a.head),
        (2 + 4 * 3 + 1, 9, sha256(b"nine"))
    );
    assert!(r.totals.keys().all(|(p, _, _)| p != "AUDIT"));
    assert!(r
        .render_text()
        .contains("audit      region 19.02: 9 entries"));
}

#[test]
fn a_shrinking_audit_log_is_reported() {
    let (_dir, r) = log_with(&[(9, b"nine"), (5, b"five")]);
    assert!(!r.is_ok());
    assert!(
        r.problems
            .iter()
            .any(|p| p.what.contains("the audit log shrank")),
        "{}",
        r.render_text()
    );
}
