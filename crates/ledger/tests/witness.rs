//! The witness core and the quorum publisher: every status the spec names, durable state, no rollback,
//! and a log publishing only with a quorum of two witnesses.

use std::sync::Arc;

use proptest::prelude::*;
use tepat_ledger::merkle::consistency_proof;
use tepat_ledger::witness::parse_cosignatures;
use tepat_ledger::{
    empty_root, AddCheckpointRequest, Checkpoint, FsStorage, Hash, KeyType, LogPolicy, LogService,
    MemoryTree, NoteSigner, Publisher, QuorumPublisher, Sequencer, SignedCheckpoint, Witness,
    WitnessEndpoint, WitnessError,
};

const ORIGIN: &str = "bansos.example.go.id/ledger";

fn log_key() -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, KeyType::Ed25519, [1; 32]).unwrap()
}

fn witness_key(n: u8) -> NoteSigner {
    NoteSigner::from_seed(
        &format!("w{n}.example.go.id/witness"),
        KeyType::CosignatureV1,
        [10 + n; 32],
    )
    .unwrap()
}

fn tree(n: u64) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..n {
        t.push_entry(format!("e{i}").as_bytes());
    }
    t
}

fn signed(t: &MemoryTree, n: u64, key: &NoteSigner) -> Vec<u8> {
    Checkpoint::new(ORIGIN, n, t.root_at(n))
        .sign(key)
        .to_bytes()
}

fn body(old: u64, proof: &[Hash], cp: &[u8]) -> Vec<u8> {
    AddCheckpointRequest {
        old_size: old,
        proof: proof.to_vec(),
        checkpoint: cp.to_vec(),
    }
    .to_bytes()
}

fn witness(dir: &std::path::Path) -> Witness {
    Witness::open(
        witness_key(1),
        vec![log_key().verifier()],
        dir.join("w1.state"),
    )
    .unwrap()
    .with_clock(|| 1_700_000_000)
}

#[test]
fn statuses_follow_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let w = witness(dir.path());
    let t = tree(20);
    let key = log_key();

    // First contact: old 0, empty proof → cosigned.
    let resp = w
        .add_checkpoint(&body(0, &[], &signed(&t, 10, &key)))
        .unwrap();
    let text = Checkpoint::new(ORIGIN, 10, t.root_at(10)).to_text();
    let sigs = parse_cosignatures(&resp, &text, &w.verifier()).unwrap();
    assert_eq!(sigs[0].cosignature_time(), Some(1_700_000_000));
    assert_eq!(w.latest(ORIGIN).unwrap().size, 10);

    // 409: wrong old size, with the stored size as body and the tlog size content type.
    let e = w
        .add_checkpoint(&body(0, &[], &signed(&t, 15, &key)))
        .unwrap_err();
    assert_eq!((e.status(), e.body()), (409, b"10\n".to_vec()));
    assert_eq!(e.content_type(), "text/x.tlog.size");
    let e = w
        .add_checkpoint(&body(5, &[], &signed(&t, 15, &key)))
        .unwrap_err();
    assert_eq!(e, WitnessError::Conflict(10));

    // 200 with a good proof.
    let p = t.consistency_proof(10, 15).unwrap();
    w.add_checkpoint(&body(10, &p, &signed(&t, 15, &key)))
        .unwrap();
    // 422: a bad proof, an empty proof, a proof for other sizes.
    let p = t.consistency_proof(15, 20).unwrap();
    let mut bad = p.clone();
    bad[0].0[0] ^= 1;
    assert_eq!(
        w.add_checkpoint(&body(15, &bad, &signed(&t, 20, &key)))
            .unwrap_err()
            .status(),
        422
    );
    assert_eq!(
        w.add_checkpoint(&body(15, &[], &signed(&t, 20, &key)))
            .unwrap_err()
            .status(),
        422
    );
    let other = t.consistency_proof(14, 20).unwrap();
    assert_eq!(
        w.add_checkpoint(&body(15, &other, &signed(&t, 20, &key)))
            .unwrap_err()
            .status(),
        422
    );
    // 422: same size, different root (a fork).
    let forked = tree(16);
    let fork = Checkpoint::new(ORIGIN, 15, forked.root_at(15))
        .sign(&key)
        .to_bytes();
    let _ = forked;
    let mut alt = MemoryTree::new();
    for i in 0..15 {
        alt.push_entry(format!("other {i}").as_bytes());
    }
    let fork2 = Checkpoint::new(ORIGIN, 15, alt.root())
        .sign(&key)
        .to_bytes();
    assert_eq!(
        w.add_checkpoint(&body(15, &[], &fork2))
            .unwrap_err()
            .status(),
        422
    );
    // Same size, same root: cosigned again (idempotent).
    w.add_checkpoint(&body(15, &[], &fork)).unwrap();
    // 400: rolled back (old larger than the new size).
    assert_eq!(
        w.add_checkpoint(&body(15, &[], &signed(&t, 12, &key)))
            .unwrap_err()
            .status(),
        400
    );
    // 404: unknown origin.
    let stranger = NoteSigner::from_seed("other.example/log", KeyType::Ed25519, [9; 32]).unwrap();
    let cp = Checkpoint::new("other.example/log", 1, t.root_at(1))
        .sign(&stranger)
        .to_bytes();
    assert_eq!(
        w.add_checkpoint(&body(0, &[], &cp)).unwrap_err().status(),
        404
    );
    // 403: signed by another key under the log's name, or a failing trusted signature.
    let impostor = NoteSigner::from_seed(ORIGIN, KeyType::Ed25519, [2; 32]).unwrap();
    assert_eq!(
        w.add_checkpoint(&body(15, &p, &signed(&t, 20, &impostor)))
            .unwrap_err()
            .status(),
        403
    );
    let mut tampered = tepat_ledger::Note::parse(&signed(&t, 20, &key)).unwrap();
    tampered.text = Checkpoint::new(ORIGIN, 20, t.root_at(19)).to_text();
    assert_eq!(
        w.add_checkpoint(&body(15, &p, &tampered.to_bytes()))
            .unwrap_err()
            .status(),
        403
    );
    // 400: malformed bodies.
    for b in [
        &b""[..],
        b"old 1",
        b"old 01\n\n",
        b"new 1\n\n",
        b"old 15\nAAAA\n\n",
        b"old 15\n",
    ] {
        assert_eq!(
            w.add_checkpoint(b).unwrap_err().status(),
            400,
            "{:?}",
            String::from_utf8_lossy(b)
        );
    }
    // State survives a restart.
    drop(w);
    let w = witness(dir.path());
    assert_eq!(w.latest(ORIGIN).unwrap().size, 15);
    w.add_checkpoint(&body(15, &p, &signed(&t, 20, &key)))
        .unwrap();
}

#[test]
fn old_zero_rules() {
    let dir = tempfile::tempdir().unwrap();
    let w = witness(dir.path());
    let key = log_key();
    let t = tree(4);
    // Size 0 must carry the empty root.
    let bad = Checkpoint::new(ORIGIN, 0, t.root_at(1))
        .sign(&key)
        .to_bytes();
    assert_eq!(
        w.add_checkpoint(&body(0, &[], &bad)).unwrap_err().status(),
        422
    );
    let empty = Checkpoint::new(ORIGIN, 0, empty_root())
        .sign(&key)
        .to_bytes();
    w.add_checkpoint(&body(0, &[], &empty)).unwrap();
    // Old 0 with a non-empty proof.
    let p = t.consistency_proof(1, 4).unwrap();
    assert_eq!(
        w.add_checkpoint(&body(0, &p, &signed(&t, 4, &key)))
            .unwrap_err()
            .status(),
        422
    );
    w.add_checkpoint(&body(0, &[], &signed(&t, 4, &key)))
        .unwrap();
}

#[test]
fn concurrent_requests_never_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let w = Arc::new(witness(dir.path()));
    let key = log_key();
    let t = tree(64);
    w.add_checkpoint(&body(0, &[], &signed(&t, 1, &key)))
        .unwrap();
    let handles: Vec<_> = (2..64u64)
        .map(|n| {
            let (w, t, key) = (w.clone(), t.clone(), key.clone());
            std::thread::spawn(move || {
                // Everyone claims to extend size 1; only requests matching the stored size win.
                let p = t.consistency_proof(1, n).unwrap();
                w.add_checkpoint(&body(1, &p, &signed(&t, n, &key)))
                    .map(|_| n)
            })
        })
        .collect();
    let ok: Vec<u64> = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap().ok())
        .collect();
    assert_eq!(
        ok.len(),
        1,
        "exactly one request can move the state from size 1"
    );
    assert_eq!(w.latest(ORIGIN).unwrap().size, ok[0]);
}

#[test]
fn log_publishes_only_with_a_quorum_of_two_witnesses() {
    let dir = tempfile::tempdir().unwrap();
    let w1 = Arc::new(witness(dir.path()));
    let w2 = Arc::new(
        Witness::open(
            witness_key(2),
            vec![log_key().verifier()],
            dir.path().join("w2.state"),
        )
        .unwrap(),
    );
    let policy = LogPolicy::new(log_key().verifier(), vec![w1.verifier(), w2.verifier()], 2);
    let publisher = QuorumPublisher::new(
        vec![
            WitnessEndpoint::new(w1.verifier(), Box::new(w1.clone())),
            WitnessEndpoint::new(w2.verifier(), Box::new(w2.clone())),
        ],
        2,
    );
    let storage = FsStorage::open(dir.path().join("log")).unwrap();
    let seq = Sequencer::open(storage, log_key()).unwrap();
    let log = LogService::start(seq, Box::new(publisher)).unwrap();
    for b in 0..5 {
        let entries = (0..100)
            .map(|i| format!("b{b} i{i}").into_bytes())
            .collect();
        let (_, cp) = log.append(entries).unwrap();
        let v = policy.verify_checkpoint(&cp.note.to_bytes()).unwrap();
        assert_eq!(v.cosignatures.len(), 2);
    }
    assert_eq!(w1.latest(ORIGIN).unwrap().size, 500);
    assert_eq!(w2.latest(ORIGIN).unwrap().size, 500);
    let published = std::fs::read(dir.path().join("log/checkpoint")).unwrap();
    policy.verify_checkpoint(&published).unwrap();
    let policy_text = policy.to_text();
    assert_eq!(LogPolicy::parse(&policy_text).unwrap(), policy);
    drop(log);

    // A witness that lost its state (409 with a smaller size) is caught up with a proof; one that does
    // not know the log leaves the quorum unmet and nothing is published.
    let seq = Sequencer::open(FsStorage::open(dir.path().join("log")).unwrap(), log_key()).unwrap();
    let fresh = Arc::new(
        Witness::open(
            witness_key(3),
            vec![log_key().verifier()],
            dir.path().join("w3.state"),
        )
        .unwrap(),
    );
    let ignorant =
        Arc::new(Witness::open(witness_key(4), vec![], dir.path().join("w4.state")).unwrap());
    let signed_cp: SignedCheckpoint = seq.signed().clone();
    let storage = seq.storage();
    let consistency = |old: u64| {
        let r = tepat_ledger::TileReader::new(storage, 500);
        consistency_proof(&r, old, 500).map_err(|e| e.to_string())
    };
    let mut one = QuorumPublisher::new(
        vec![
            WitnessEndpoint::new(fresh.verifier(), Box::new(fresh.clone())),
            WitnessEndpoint::new(ignorant.verifier(), Box::new(ignorant.clone())),
        ],
        2,
    );
    let err = one.cosign(&signed_cp, &consistency).unwrap_err();
    assert!(err.contains("1 of 2"), "{err}");
    let mut q1 = QuorumPublisher::new(
        vec![WitnessEndpoint::new(
            fresh.verifier(),
            Box::new(fresh.clone()),
        )],
        1,
    );
    q1.cosign(&signed_cp, &consistency).unwrap();
    // Quorum policies: 2 of 2 fail with only one cosignature.
    let note = q1.cosign(&signed_cp, &consistency).unwrap();
    let p2 = LogPolicy::new(
        log_key().verifier(),
        vec![fresh.verifier(), ignorant.verifier()],
        2,
    );
    assert!(p2.verify_checkpoint(&note.to_bytes()).is_err());
    let p1 = LogPolicy::new(
        log_key().verifier(),
        vec![fresh.verifier(), ignorant.verifier()],
        1,
    );
    p1.verify_checkpoint(&note.to_bytes()).unwrap();
}

#[test]
fn policy_text() {
    let text = format!(
        "# tepat\nlog {}\nwitness a {}\nwitness b {}\nwitness c {}\ngroup two 2 a b c\ngroup g all two a\nquorum g\n",
        log_key().verifier().to_vkey(),
        witness_key(1).verifier().to_vkey(),
        witness_key(2).verifier().to_vkey(),
        witness_key(3).verifier().to_vkey()
    );
    let p = LogPolicy::parse(&text).unwrap();
    assert_eq!(LogPolicy::parse(&p.to_text()).unwrap(), p);
    for bad in [
        "quorum none\n".to_string(),
        format!("log {}\n", log_key().verifier().to_vkey()),
        format!("log {}\nquorum x\n", log_key().verifier().to_vkey()),
        format!(
            "log {}\nwitness a {}\nquorum none\n",
            log_key().verifier().to_vkey(),
            log_key().verifier().to_vkey()
        ),
        format!(
            "log {}\ngroup g 3 a\nquorum g\n",
            log_key().verifier().to_vkey()
        ),
    ] {
        assert!(LogPolicy::parse(&bad).is_err(), "{bad}");
    }
}

proptest! {
    #[test]
    fn witness_never_panics_on_hostile_bodies(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        let w = witness(dir.path());
        let _ = w.add_checkpoint(&bytes);
        let mut b = b"old 0\n\n".to_vec();
        b.extend_from_slice(&bytes);
        let _ = w.add_checkpoint(&b);
    }
}

#[test]
fn inconsistent_signed_checkpoints_are_kept_as_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let w = witness(dir.path());
    let key = log_key();
    let t = tree(10);
    w.add_checkpoint(&body(0, &[], &signed(&t, 5, &key)))
        .unwrap();
    let mut alt = MemoryTree::new();
    for i in 0..5 {
        alt.push_entry(format!("fork {i}").as_bytes());
    }
    let fork = Checkpoint::new(ORIGIN, 5, alt.root()).sign(&key).to_bytes();
    assert_eq!(
        w.add_checkpoint(&body(5, &[], &fork)).unwrap_err().status(),
        422
    );
    let evidence = std::fs::read(w.evidence_path()).unwrap();
    assert!(evidence.starts_with(b"evidence 1700000000 "));
    assert!(evidence.ends_with(&fork));
    // A 409 is not evidence of anything.
    let before = evidence.len();
    let _ = w.add_checkpoint(&body(3, &[], &signed(&t, 10, &key)));
    assert_eq!(std::fs::read(w.evidence_path()).unwrap().len(), before);
}
