//! Aid events round-trip canonically; the verifier accepts an honest log, totals it, and lists every
//! inconsistency of tampered ones without panicking.

use std::sync::Arc;

use proptest::prelude::*;
use tepat_ledger::entry::{sample_cycle, ChainBuilder};
use tepat_ledger::storage::CHECKPOINT_PATH;
use tepat_ledger::verify::{verify_log, VerifyOptions};
use tepat_ledger::{
    beneficiary_commitment, AidEvent, Channel, Checkpoint, EventBody, Fetcher, FsStorage, Hash,
    KeyType, LogPolicy, LogService, LogStorage, NoteSigner, ParentRef, PaymentStatus,
    QuorumPublisher, Sequencer, Witness, WitnessEndpoint,
};

const ORIGIN: &str = "dinsos.example.go.id/ledger";

fn log_key() -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, KeyType::Ed25519, [3; 32]).unwrap()
}

fn ev(parent: Option<ParentRef>, body: EventBody) -> AidEvent {
    AidEvent {
        id: "01JD7Q0000000000000000".into(),
        time: 1_767_225_600,
        program: "PKH".into(),
        cycle: "2026-T1".into(),
        region: "32.04.12.2001".into(),
        parent,
        body,
    }
}

#[test]
fn every_kind_round_trips_and_rejects_noncanonical_bytes() {
    let p = Some(ParentRef {
        index: 7,
        leaf_hash: Hash([9; 32]),
    });
    let salt = [5u8; 32];
    let c = beneficiary_commitment(&salt, "3204123456780001", "PKH", "2026-T1");
    assert_ne!(
        c,
        beneficiary_commitment(&salt, "3204123456780001", "PKH", "2026-T2")
    );
    assert_ne!(
        c,
        beneficiary_commitment(&[6; 32], "3204123456780001", "PKH", "2026-T1")
    );
    let events = vec![
        ev(
            None,
            EventBody::Budget {
                amount: 9_000_000_000,
                document: "DPA-1.06.01".into(),
            },
        ),
        ev(
            p,
            EventBody::BeneficiaryList {
                list_hash: Hash([1; 32]),
                count: 3,
                amount: 2_250_000,
            },
        ),
        ev(
            p,
            EventBody::Entitlement {
                beneficiary: c,
                amount: 750_000,
            },
        ),
        ev(
            p,
            EventBody::PaymentInstruction {
                amount: 750_000,
                channel: Channel::EWallet,
                reference: "B-1".into(),
            },
        ),
        ev(
            p,
            EventBody::PaymentResult {
                status: PaymentStatus::Returned,
                amount: 750_000,
                reference: "".into(),
            },
        ),
        ev(
            p,
            EventBody::HandOver {
                amount: 750_000,
                channel: Channel::Cash,
                evidence: Hash([2; 32]),
            },
        ),
        ev(
            p,
            EventBody::Reversal {
                amount: 750_000,
                reason: "DECEASED".into(),
            },
        ),
    ];
    for e in &events {
        let b = e.encode().unwrap();
        assert_eq!(&AidEvent::decode(&b).unwrap(), e);
        assert!(b.len() < 200, "{} bytes", b.len());
        // Trailing byte, truncation, wrong version.
        let mut t = b.clone();
        t.push(0);
        assert!(AidEvent::decode(&t).is_err());
        for cut in 0..b.len() {
            assert!(AidEvent::decode(&b[..cut]).is_err());
        }
        let mut v = b.clone();
        v[0] = 2;
        assert!(AidEvent::decode(&v).is_err());
    }
    // Rules: a budget has no parent, others need one; field alphabets.
    assert!(ev(
        p,
        EventBody::Budget {
            amount: 1,
            document: "x".into()
        }
    )
    .encode()
    .is_err());
    assert!(ev(
        None,
        EventBody::Entitlement {
            beneficiary: c,
            amount: 1
        }
    )
    .encode()
    .is_err());
    let mut bad = events[0].clone();
    bad.program = "pkh".into();
    assert!(bad.encode().is_err());
    bad.program = "PKH".into();
    bad.region = "32 04".into();
    assert!(bad.encode().is_err());
    bad.region = "32.04".into();
    bad.id = "".into();
    assert!(bad.encode().is_err());
}

proptest! {
    #[test]
    fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(e) = AidEvent::decode(&bytes) {
            // Whatever decodes is canonical.
            prop_assert_eq!(e.encode().unwrap(), bytes);
        }
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    policy: LogPolicy,
}

fn build(extra: impl FnOnce(&mut ChainBuilder)) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let w: Vec<Arc<Witness>> = (1..=2u8)
        .map(|i| {
            let k = NoteSigner::from_seed(
                &format!("w{i}.example.go.id"),
                KeyType::CosignatureV1,
                [40 + i; 32],
            )
            .unwrap();
            Arc::new(
                Witness::open(
                    k,
                    vec![log_key().verifier()],
                    dir.path().join(format!("w{i}")),
                )
                .unwrap(),
            )
        })
        .collect();
    let policy = LogPolicy::new(
        log_key().verifier(),
        w.iter().map(|w| w.verifier()).collect(),
        2,
    );
    let publisher = QuorumPublisher::new(
        w.iter()
            .map(|w| WitnessEndpoint::new(w.verifier(), Box::new(w.clone())))
            .collect(),
        2,
    );
    let root = dir.path().join("log");
    let seq = Sequencer::open(FsStorage::open(&root).unwrap(), log_key()).unwrap();
    let log = LogService::start(seq, Box::new(publisher)).unwrap();
    let mut chain = ChainBuilder::new(0);
    sample_cycle(
        &mut chain,
        "PKH",
        "2026-T1",
        "32.04.12.2001",
        120,
        750_000,
        1,
    )
    .unwrap();
    log.append(chain.take()).unwrap();
    sample_cycle(
        &mut chain,
        "BPNT",
        "2026-01",
        "32.04.12.2002",
        40,
        200_000,
        2,
    )
    .unwrap();
    extra(&mut chain);
    log.append(chain.take()).unwrap();
    log.shutdown().unwrap();
    Setup {
        _dir: dir,
        root,
        policy,
    }
}

#[test]
fn honest_log_verifies_with_totals() {
    let mut reversal_parent = None;
    let s = build(|c| {
        // A correction: reverse one hand-over of BPNT (index of the last event).
        let last = c.next_index() - 1;
        reversal_parent = Some(last);
    });
    let f = FsStorage::existing(&s.root).unwrap();
    let r = verify_log(&f, &s.policy, &VerifyOptions::default());
    assert!(r.is_ok(), "{}", r.render_text());
    assert_eq!(r.entries, 2 + 120 * 4 + 2 + 40 * 4);
    assert_eq!(r.cosignatures.len(), 2);
    let pkh = &r.totals[&(
        "PKH".to_string(),
        "2026-T1".to_string(),
        "32.04.12.2001".to_string(),
    )];
    assert_eq!(pkh.budget, 90_000_000);
    assert_eq!(pkh.entitled, 90_000_000);
    assert_eq!(pkh.paid, 90_000_000);
    assert_eq!(pkh.handed_over, 90_000_000);
    assert_eq!(pkh.hand_overs, 120);
    assert!(r.render_text().contains("OK: no inconsistency found"));
    // A previous checkpoint that is a prefix passes; one from a fork is reported.
    let cp = Checkpoint::parse(
        &tepat_ledger::Note::parse(&f.fetch(CHECKPOINT_PATH).unwrap().unwrap())
            .unwrap()
            .text,
    )
    .unwrap();
    let mut prev = cp.clone();
    prev.size = 100;
    prev.root =
        tepat_ledger::merkle::root(&tepat_ledger::TileReader::new(&f, cp.size), 100).unwrap();
    let ok = verify_log(
        &f,
        &s.policy,
        &VerifyOptions {
            previous: Some(prev.clone()),
        },
    );
    assert!(ok.is_ok(), "{}", ok.render_text());
    prev.root = Hash([0; 32]);
    let fork = verify_log(
        &f,
        &s.policy,
        &VerifyOptions {
            previous: Some(prev),
        },
    );
    assert!(
        fork.render_text().contains("FORK"),
        "{}",
        fork.render_text()
    );
}

#[test]
fn broken_chains_are_listed() {
    let s = build(|c| {
        let bogus = ParentRef {
            index: 3,
            leaf_hash: Hash([7; 32]),
        };
        // Wrong parent hash, wrong parent kind, a future parent, overspending, over-reversal.
        c.push(&ev(
            Some(bogus),
            EventBody::PaymentInstruction {
                amount: 1,
                channel: Channel::Bank,
                reference: "x".into(),
            },
        ))
        .unwrap();
        let budget = ParentRef {
            index: 0,
            leaf_hash: leaf(&s_entry0()),
        };
        c.push(&ev(
            Some(budget),
            EventBody::Entitlement {
                beneficiary: Hash([1; 32]),
                amount: 5,
            },
        ))
        .unwrap();
        c.push(&ev(
            Some(ParentRef {
                index: 1_000_000,
                leaf_hash: Hash([0; 32]),
            }),
            EventBody::Reversal {
                amount: 1,
                reason: "X".into(),
            },
        ))
        .unwrap();
        let list = ParentRef {
            index: 1,
            leaf_hash: leaf(&s_entry1()),
        };
        c.push(&ev(
            Some(list),
            EventBody::Entitlement {
                beneficiary: Hash([1; 32]),
                amount: 1,
            },
        ))
        .unwrap();
        c.push(&ev(
            Some(budget),
            EventBody::Reversal {
                amount: 90_000_001,
                reason: "WRONG_AMOUNT".into(),
            },
        ))
        .unwrap();
    });
    let f = FsStorage::existing(&s.root).unwrap();
    let r = verify_log(&f, &s.policy, &VerifyOptions::default());
    let text = r.render_text();
    assert!(!r.is_ok());
    assert!(
        text.contains("leaf hash of parent 3 does not match"),
        "{text}"
    );
    assert!(text.contains("entitlement cannot follow budget"), "{text}");
    assert!(text.contains("not an earlier entry"), "{text}");
    assert!(text.contains("exceed"), "{text}");
    assert!(text.contains("reversals of entry 0"), "{text}");
    assert!(
        text.contains("beneficiary list of 120 has 121 entitlements"),
        "{text}"
    );
}

fn s_entry0() -> Vec<u8> {
    let mut c = ChainBuilder::new(0);
    sample_cycle(&mut c, "PKH", "2026-T1", "32.04.12.2001", 120, 750_000, 1).unwrap();
    c.take().swap_remove(0)
}

fn s_entry1() -> Vec<u8> {
    let mut c = ChainBuilder::new(0);
    sample_cycle(&mut c, "PKH", "2026-T1", "32.04.12.2001", 120, 750_000, 1).unwrap();
    c.take().swap_remove(1)
}

fn leaf(b: &[u8]) -> Hash {
    tepat_ledger::leaf_hash(b)
}

#[test]
fn tampered_files_are_reported_not_panicked_on() {
    let s = build(|_| {});
    let storage = FsStorage::existing(&s.root).unwrap();
    // One byte of one entry changed: its leaf hash no longer matches the tile, nor the root.
    let mut b = storage.fetch("tile/entries/001").unwrap().unwrap();
    b[100] ^= 0x20;
    storage
        .write_durable(vec![("tile/entries/001".into(), b.clone())])
        .unwrap();
    let r = verify_log(&storage, &s.policy, &VerifyOptions::default());
    assert!(!r.is_ok());
    let text = r.render_text();
    assert!(text.contains("level-0 tile holds a hash"), "{text}");
    assert!(text.contains("the entries give root"), "{text}");
    // Garbage everywhere: still a report.
    for (path, bytes) in [
        ("tile/entries/001", vec![0xff; 10]),
        ("tile/0/000", vec![1; 5]),
        ("checkpoint", b"garbage".to_vec()),
    ] {
        storage.write_durable(vec![(path.into(), bytes)]).unwrap();
        let r = verify_log(&storage, &s.policy, &VerifyOptions::default());
        assert!(!r.is_ok());
        assert!(!r.render_text().is_empty());
    }
    // A policy needing a witness that did not cosign rejects the checkpoint.
    let other =
        NoteSigner::from_seed("w9.example.go.id", KeyType::CosignatureV1, [99; 32]).unwrap();
    let strict = LogPolicy::new(log_key().verifier(), vec![other.verifier()], 1);
    let s2 = build(|_| {});
    let r = verify_log(
        &FsStorage::existing(&s2.root).unwrap(),
        &strict,
        &VerifyOptions::default(),
    );
    assert!(r.render_text().contains("quorum"), "{}", r.render_text());
}
