//! The distribution steps waiting for the transparency ledger, on every backend: each step appears
//! only once its parent's entry is recorded, disappears once its own is, keeps the first entry recorded,
//! and salts are made once.

use chrono::{DateTime, NaiveDate, Utc};
use tepat_domain::distribution::{EntitlementState, PaymentState, Route};
use tepat_domain::{RegionCode, Rupiah};
use tepat_store::testing::TestDb;
use tepat_store::{
    Entitlement, LedgerMark, LedgerRef, LedgerStep, NewEnvelope, StatusImport, StatusUpdate, Store,
};
use uuid::Uuid;

tepat_store::on_every_backend!(steps_wait_for_their_parent_and_are_written_once);

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn ent(amount: i64, route: Route, provider: Option<&str>) -> Entitlement {
    Entitlement {
        household: Uuid::now_v7(),
        village: RegionCode::parse("19.02.01.1001").unwrap(),
        amount: Rupiah::new(amount),
        parts: "[]".into(),
        route,
        provider: provider.map(str::to_owned),
        state: EntitlementState::Pending,
        reason: None,
    }
}

fn entry(index: u64) -> LedgerRef {
    LedgerRef {
        index,
        leaf: [index as u8; 32],
    }
}

fn mark(id: Uuid, household: Option<Uuid>, index: u64) -> LedgerMark {
    LedgerMark {
        id,
        household,
        entry: entry(index),
    }
}

fn status(tag: u8, updates: &[(Uuid, PaymentState)]) -> (StatusImport, Vec<StatusUpdate>) {
    (
        StatusImport {
            sha256: [tag; 32],
            kind: "pain.002".into(),
            file_name: format!("s{tag}.xml"),
            imported_by: Uuid::nil(),
            imported_at: t0(),
            summary: "{}".into(),
        },
        updates
            .iter()
            .map(|(payment, state)| StatusUpdate {
                payment: *payment,
                state: *state,
                reason: (*state == PaymentState::Rejected).then(|| "AM04".into()),
                provider_ref: Some("REF-1".into()),
            })
            .collect(),
    )
}

async fn steps_wait_for_their_parent_and_are_written_once(db: TestDb) {
    let store: &dyn Store = db.store.as_ref();
    let rows = vec![
        ent(750_000, Route::Bank, Some("bri")),
        ent(600_000, Route::Bank, Some("bri")),
        ent(500_000, Route::Bank, Some("bni")),
        ent(300_000, Route::Cash, None),
    ];
    let e = NewEnvelope {
        id: Uuid::now_v7(),
        program: "PKH".into(),
        cycle: "2027-T1".into(),
        program_version: 1,
        scheduled_date: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
        prepared_by: Uuid::from_u128(11),
        prepared_at: t0(),
    };
    store.create_envelope(&e, &rows).await.unwrap();
    // Prepared only: not for the ledger yet.
    assert!(store.envelopes_to_publish(10).await.unwrap().is_empty());
    store
        .approve_envelope(e.id, Uuid::from_u128(12), t0())
        .await
        .unwrap();
    let waiting = store.envelopes_to_publish(10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].count, 4);
    assert_eq!(waiting[0].amount, Rupiah::new(2_150_000));
    let lines = store.envelope_lines(e.id).await.unwrap();
    assert_eq!(lines.len(), 4);
    assert!(lines.windows(2).all(|w| w[0].household < w[1].household));

    // Entitlements wait for their envelope's entry.
    assert!(store.entitlements_to_publish(10).await.unwrap().is_empty());
    store
        .record_ledger(LedgerStep::Envelope, &[mark(e.id, None, 7)])
        .await
        .unwrap();
    assert!(store.envelopes_to_publish(10).await.unwrap().is_empty());
    let ents = store.entitlements_to_publish(10).await.unwrap();
    assert_eq!(ents.len(), 4);
    assert!(ents
        .iter()
        .all(|x| x.parent == entry(7) && x.salt.is_none()));
    assert!(ents
        .iter()
        .all(|x| x.head_nik.is_none() && x.cycle == "2027-T1"));

    // A salt is made once: a second offer does not replace it.
    let h0 = ents[0].household;
    store.add_beneficiary_salts(&[(h0, [1; 32])]).await.unwrap();
    store.add_beneficiary_salts(&[(h0, [2; 32])]).await.unwrap();
    let again = store.entitlements_to_publish(10).await.unwrap();
    let salted = again.iter().find(|x| x.household == h0).unwrap();
    assert_eq!(salted.salt, Some([1; 32]));

    let marks: Vec<LedgerMark> = ents
        .iter()
        .enumerate()
        .map(|(i, x)| mark(e.id, Some(x.household), 8 + i as u64))
        .collect();
    store
        .record_ledger(LedgerStep::Entitlement, &marks)
        .await
        .unwrap();
    assert!(store.entitlements_to_publish(10).await.unwrap().is_empty());

    // Payments exist from release; their instructions follow their entitlement's entry.
    assert!(store
        .payment_instructions_to_publish(10)
        .await
        .unwrap()
        .is_empty());
    store.release_envelope(e.id, t0()).await.unwrap();
    let instructions = store.payment_instructions_to_publish(10).await.unwrap();
    assert_eq!(instructions.len(), 3);
    assert!(instructions.iter().all(|s| s.route == Route::Bank));
    // Each under its own entitlement's entry.
    assert!(instructions
        .iter()
        .all(|s| marks.iter().any(|m| m.entry == s.parent)));
    // Nothing paid yet: no results.
    assert!(store
        .payment_results_to_publish(10)
        .await
        .unwrap()
        .is_empty());
    let ids: Vec<Uuid> = instructions.iter().map(|s| s.id).collect();
    let first: Vec<LedgerMark> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| mark(*id, None, 20 + i as u64))
        .collect();
    store
        .record_ledger(LedgerStep::PaymentInstruction, &first)
        .await
        .unwrap();
    // Recorded again with other entries: the first stand.
    let other: Vec<LedgerMark> = ids.iter().map(|id| mark(*id, None, 99)).collect();
    store
        .record_ledger(LedgerStep::PaymentInstruction, &other)
        .await
        .unwrap();
    assert!(store
        .payment_instructions_to_publish(10)
        .await
        .unwrap()
        .is_empty());

    // One settled, one rejected, one settled then returned.
    let (i1, u1) = status(
        1,
        &[
            (ids[0], PaymentState::Settled),
            (ids[1], PaymentState::Rejected),
            (ids[2], PaymentState::Settled),
        ],
    );
    store.apply_status(&i1, &u1).await.unwrap();
    let results = store.payment_results_to_publish(10).await.unwrap();
    assert_eq!(results.len(), 3);
    for r in &results {
        let at = ids.iter().position(|id| *id == r.id).unwrap();
        assert_eq!(
            r.parent,
            entry(20 + at as u64),
            "a result hangs under its instruction"
        );
    }
    assert!(results.iter().any(|r| r.state == "rejected"));
    let result_marks: Vec<LedgerMark> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| mark(*id, None, 30 + i as u64))
        .collect();
    store
        .record_ledger(LedgerStep::PaymentResult, &result_marks)
        .await
        .unwrap();
    assert!(store
        .payment_results_to_publish(10)
        .await
        .unwrap()
        .is_empty());
    assert!(store.reversals_to_publish(10).await.unwrap().is_empty());

    let (i2, u2) = status(2, &[(ids[2], PaymentState::Returned)]);
    store.apply_status(&i2, &u2).await.unwrap();
    let reversals = store.reversals_to_publish(10).await.unwrap();
    assert_eq!(reversals.len(), 1);
    assert_eq!(reversals[0].id, ids[2]);
    assert_eq!(
        reversals[0].parent,
        entry(32),
        "under the returned payment's result"
    );
    store
        .record_ledger(LedgerStep::Reversal, &[mark(ids[2], None, 40)])
        .await
        .unwrap();
    store
        .record_ledger(LedgerStep::Reversal, &[mark(ids[2], None, 41)])
        .await
        .unwrap();
    assert!(store.reversals_to_publish(10).await.unwrap().is_empty());
    // No vouchers or hand-overs in this envelope.
    assert!(store
        .voucher_instructions_to_publish(10)
        .await
        .unwrap()
        .is_empty());
    assert!(store.handovers_to_publish(10).await.unwrap().is_empty());
    // An entitlement's mark needs its household.
    assert!(store
        .record_ledger(LedgerStep::Entitlement, &[mark(e.id, None, 50)])
        .await
        .is_err());
}
