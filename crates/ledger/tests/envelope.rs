//! Envelopes (kind 9) in a real log: a list → envelope → entitlement chain verifies, an envelope may
//! change the list's cycle but not its program, its entitlements may not exceed its control totals, and
//! entitlements straight under a list (logs written before kind 9) still verify.

use std::sync::Arc;

use tepat_ledger::entry::{ChainBuilder, ParentRef};
use tepat_ledger::hash::sha256;
use tepat_ledger::verify::{verify_log, VerifyOptions};
use tepat_ledger::{
    AidEvent, Channel, EventBody, FsStorage, KeyType, LogPolicy, LogService, NoteSigner,
    PaymentStatus, QuorumPublisher, Report, Sequencer, Witness, WitnessEndpoint,
};

fn verified(events: impl FnOnce(&mut ChainBuilder)) -> Report {
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
    events(&mut chain);
    log.append(chain.take()).unwrap();
    log.shutdown().unwrap();
    verify_log(
        &FsStorage::existing(&root).unwrap(),
        &policy,
        &VerifyOptions::default(),
    )
}

fn event(
    id: &str,
    program: &str,
    cycle: &str,
    parent: Option<ParentRef>,
    body: EventBody,
) -> AidEvent {
    AidEvent {
        id: id.into(),
        time: 1_795_392_000,
        program: program.into(),
        cycle: cycle.into(),
        region: "19.02".into(),
        parent,
        body,
    }
}

/// Budget and a list of 3 households, 9,000,000 rupiah for the year 2027.
fn list(chain: &mut ChainBuilder) -> ParentRef {
    let budget = chain
        .push(&event(
            "b",
            "PKH",
            "2027",
            None,
            EventBody::Budget {
                amount: 9_000_000,
                document: "DPA-1".into(),
            },
        ))
        .unwrap();
    chain
        .push(&event(
            "l",
            "PKH",
            "2027",
            Some(budget),
            EventBody::BeneficiaryList {
                list_hash: sha256(b"list"),
                count: 3,
                amount: 9_000_000,
            },
        ))
        .unwrap()
}

fn envelope(
    chain: &mut ChainBuilder,
    list: ParentRef,
    program: &str,
    count: u32,
    amount: u64,
) -> ParentRef {
    chain
        .push(&event(
            "env",
            program,
            "2027-T1",
            Some(list),
            EventBody::Envelope {
                count,
                amount,
                envelope_hash: sha256(b"envelope"),
            },
        ))
        .unwrap()
}

fn entitlements(chain: &mut ChainBuilder, parent: ParentRef, cycle: &str, n: u32, amount: u64) {
    for i in 0..n {
        chain
            .push(&event(
                &format!("e{i}"),
                "PKH",
                cycle,
                Some(parent),
                EventBody::Entitlement {
                    beneficiary: sha256(&i.to_be_bytes()),
                    amount,
                },
            ))
            .unwrap();
    }
}

#[test]
fn a_cycle_under_its_envelope_verifies_and_is_summed() {
    let r = verified(|chain| {
        let l = list(chain);
        let env = envelope(chain, l, "PKH", 3, 2_250_000);
        entitlements(chain, env, "2027-T1", 3, 750_000);
    });
    assert!(r.is_ok(), "{}", r.render_text());
    assert_eq!(r.kinds.get("envelope"), Some(&1));
    let t = &r.totals[&("PKH".into(), "2027-T1".into(), "19.02".into())];
    assert_eq!(t.enveloped, 2_250_000);
    assert_eq!(t.enveloped_count, 3);
    assert_eq!(t.entitled, 2_250_000);
    assert!(r.render_text().contains("enveloped"));
}

#[test]
fn two_cycles_under_one_list_are_not_summed_against_it() {
    let r = verified(|chain| {
        let l = list(chain);
        for cycle in ["2027-T1", "2027-T2", "2027-T3", "2027-T4", "2027-T5"] {
            let env = chain
                .push(&event(
                    &format!("env-{cycle}"),
                    "PKH",
                    cycle,
                    Some(l),
                    EventBody::Envelope {
                        count: 3,
                        amount: 2_250_000,
                        envelope_hash: sha256(cycle.as_bytes()),
                    },
                ))
                .unwrap();
            entitlements(chain, env, cycle, 3, 750_000);
        }
    });
    assert!(r.is_ok(), "{}", r.render_text());
}

#[test]
fn entitlements_beyond_the_envelope_are_problems() {
    let over_amount = verified(|chain| {
        let l = list(chain);
        let env = envelope(chain, l, "PKH", 3, 2_000_000);
        entitlements(chain, env, "2027-T1", 3, 750_000);
    });
    assert!(!over_amount.is_ok());
    assert!(
        over_amount.render_text().contains("exceed"),
        "{}",
        over_amount.render_text()
    );
    let over_count = verified(|chain| {
        let l = list(chain);
        let env = envelope(chain, l, "PKH", 2, 2_250_000);
        entitlements(chain, env, "2027-T1", 3, 750_000);
    });
    assert!(over_count
        .render_text()
        .contains("an envelope of 2 has 3 entitlements"));
}

#[test]
fn an_envelope_keeps_its_lists_program_and_its_entitlements_its_cycle() {
    let other_program = verified(|chain| {
        let l = list(chain);
        envelope(chain, l, "BPNT", 3, 2_250_000);
    });
    assert!(other_program
        .render_text()
        .contains("differs from its parent"));
    let other_cycle = verified(|chain| {
        let l = list(chain);
        let env = envelope(chain, l, "PKH", 3, 2_250_000);
        entitlements(chain, env, "2027-T2", 1, 750_000);
    });
    assert!(other_cycle
        .render_text()
        .contains("differs from its parent"));
}

#[test]
fn entitlements_straight_under_a_list_still_verify() {
    let r = verified(|chain| {
        let l = list(chain);
        entitlements(chain, l, "2027", 3, 3_000_000);
    });
    assert!(r.is_ok(), "{}", r.render_text());
    let t = &r.totals[&("PKH".into(), "2027".into(), "19.02".into())];
    assert_eq!(t.entitled, 9_000_000);
    assert_eq!(t.enveloped, 0);
}

fn instruction(chain: &mut ChainBuilder, id: &str, ent: ParentRef, channel: Channel) -> ParentRef {
    chain
        .push(&event(
            id,
            "PKH",
            "2027-T1",
            Some(ent),
            EventBody::PaymentInstruction {
                amount: 750_000,
                channel,
                reference: id.into(),
            },
        ))
        .unwrap()
}

fn result(chain: &mut ChainBuilder, id: &str, ins: ParentRef, status: PaymentStatus) -> ParentRef {
    chain
        .push(&event(
            id,
            "PKH",
            "2027-T1",
            Some(ins),
            EventBody::PaymentResult {
                status,
                amount: 750_000,
                reference: id.into(),
            },
        ))
        .unwrap()
}

/// An envelope of one entitlement of 750,000; returns the entitlement.
fn one_entitlement(chain: &mut ChainBuilder) -> ParentRef {
    let l = list(chain);
    let env = envelope(chain, l, "PKH", 1, 750_000);
    chain
        .push(&event(
            "e",
            "PKH",
            "2027-T1",
            Some(env),
            EventBody::Entitlement {
                beneficiary: sha256(b"b"),
                amount: 750_000,
            },
        ))
        .unwrap()
}

#[test]
fn a_failed_payment_frees_its_entitlement_for_the_retry() {
    let r = verified(|chain| {
        let ent = one_entitlement(chain);
        let first = instruction(chain, "p1", ent, Channel::Bank);
        result(chain, "r1", first, PaymentStatus::Failed);
        let second = instruction(chain, "p2", ent, Channel::Bank);
        result(chain, "r2", second, PaymentStatus::Success);
    });
    assert!(r.is_ok(), "{}", r.render_text());
    let twice = verified(|chain| {
        let ent = one_entitlement(chain);
        instruction(chain, "p1", ent, Channel::Bank);
        instruction(chain, "p2", ent, Channel::Bank);
    });
    assert!(
        twice.render_text().contains("exceed"),
        "{}",
        twice.render_text()
    );
}

#[test]
fn a_returned_payment_reversed_frees_its_entitlement_for_cash() {
    let r = verified(|chain| {
        let ent = one_entitlement(chain);
        let bank = instruction(chain, "p1", ent, Channel::Bank);
        let paid = result(chain, "r1", bank, PaymentStatus::Success);
        chain
            .push(&event(
                "rev",
                "PKH",
                "2027-T1",
                Some(paid),
                EventBody::Reversal {
                    amount: 750_000,
                    reason: "RETURNED".into(),
                },
            ))
            .unwrap();
        let cash = instruction(chain, "v1", ent, Channel::Cash);
        chain
            .push(&event(
                "h1",
                "PKH",
                "2027-T1",
                Some(cash),
                EventBody::HandOver {
                    amount: 750_000,
                    channel: Channel::Cash,
                    evidence: sha256(b"scan"),
                },
            ))
            .unwrap();
    });
    assert!(r.is_ok(), "{}", r.render_text());
    let t = &r.totals[&("PKH".into(), "2027-T1".into(), "19.02".into())];
    assert_eq!(t.reversed, 750_000);
    assert_eq!(t.handed_over, 750_000);
}
