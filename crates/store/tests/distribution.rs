//! Envelopes, entitlements, payments, status imports and the account mapper on every backend (SQLite
//! always; PostgreSQL when `TEPAT_TEST_POSTGRES_URL` is set, required in CI).

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tepat_domain::distribution::{
    ControlTotals, EntitlementState, EnvelopeState, FinancialAddress, PaymentState, Route,
};
use tepat_domain::{RegionCode, Rupiah, Scope};
use tepat_store::testing::TestDb;
use tepat_store::{
    Entitlement, EntitlementFilter, LinkSource, LinkState, NewAccountLink, NewEnvelope, PageAfter,
    StatusImport, StatusUpdate, Store, StoreError,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    an_envelope_moves_prepared_approved_paying_with_its_totals,
    the_preparer_cannot_approve,
    one_live_envelope_per_program_cycle,
    two_concurrent_releases_pay_once,
    statuses_move_payments_forward_once_per_file,
    an_account_reject_invalidates_the_link,
    failed_payments_are_retried_or_rerouted_to_cash,
    an_envelope_closes_when_every_entitlement_is_settled,
    bank_batches_keep_their_payments_and_addresses,
    a_batch_takes_only_payments_with_a_verified_account_at_its_bank,
    entitlements_page_by_village_inside_a_scope,
    account_links_are_sealed_verified_and_shared,
    a_ledger_salt_is_made_once,
    a_banks_account_list_is_imported_verified,
    fifty_thousand_entitlements_are_written_in_one_envelope,
);

const A: &str = "19.02.01.1001";
const B: &str = "19.02.01.1002";
/// In another regency.
const C: &str = "19.01.01.1001";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn maker() -> Uuid {
    Uuid::from_u128(11)
}

fn checker() -> Uuid {
    Uuid::from_u128(12)
}

fn new_envelope(program: &str, cycle: &str) -> NewEnvelope {
    NewEnvelope {
        id: Uuid::now_v7(),
        program: program.into(),
        cycle: cycle.into(),
        program_version: 1,
        scheduled_date: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
        prepared_by: maker(),
        prepared_at: t0(),
    }
}

fn ent(village: &str, amount: i64, route: Route, provider: Option<&str>) -> Entitlement {
    Entitlement {
        household: Uuid::now_v7(),
        village: code(village),
        amount: Rupiah::new(amount),
        parts: "[]".into(),
        route,
        provider: provider.map(str::to_owned),
        state: EntitlementState::Pending,
        reason: None,
    }
}

/// Two bank transfers, an e-wallet, a premium and cash.
fn mixed() -> Vec<Entitlement> {
    vec![
        ent(A, 750_000, Route::Bank, Some("bri")),
        ent(A, 600_000, Route::Bank, Some("bri")),
        ent(B, 500_000, Route::EWallet, Some("dana")),
        ent(B, 42_000, Route::Premium, Some("bpjs")),
        ent(C, 300_000, Route::Cash, None),
    ]
}

fn totals(amounts: &[i64]) -> ControlTotals {
    ControlTotals::of(amounts.iter().map(|a| Rupiah::new(*a))).unwrap()
}

async fn released(store: &dyn Store, rows: &[Entitlement]) -> Uuid {
    let e = new_envelope("PKH", "2027-T1");
    store.create_envelope(&e, rows).await.unwrap();
    store.approve_envelope(e.id, checker(), t0()).await.unwrap();
    store.release_envelope(e.id, t0()).await.unwrap();
    e.id
}

/// Every entitlement's totals added up: must equal the envelope's at every stage.
async fn entitlement_sum(store: &dyn Store, envelope: Uuid) -> ControlTotals {
    let mut sum = ControlTotals::default();
    for t in store.entitlement_totals(envelope).await.unwrap() {
        sum.count += t.totals.count;
        sum.amount = sum.amount.checked_add(t.totals.amount).unwrap();
    }
    sum
}

async fn payment_of(store: &dyn Store, envelope: Uuid, household: Uuid) -> tepat_store::Payment {
    store
        .household_payments(envelope, household)
        .await
        .unwrap()
        .pop()
        .expect("a payment")
}

fn import(tag: u8) -> StatusImport {
    StatusImport {
        sha256: [tag; 32],
        kind: "pain.002".into(),
        file_name: format!("status-{tag}.xml"),
        imported_by: maker(),
        imported_at: t0() + Duration::hours(i64::from(tag)),
        summary: "{}".into(),
    }
}

fn update(payment: Uuid, state: PaymentState, reason: Option<&str>) -> StatusUpdate {
    StatusUpdate {
        payment,
        state,
        reason: reason.map(str::to_owned),
        provider_ref: Some(format!("REF-{}", &payment.simple().to_string()[..8])),
    }
}

async fn link(store: &dyn Store, household: Uuid, village: &str, address: &str) {
    store
        .upsert_account_link(&NewAccountLink {
            household,
            village: code(village),
            address: address.parse::<FinancialAddress>().unwrap(),
            source: LinkSource::Citizen,
            requested_at: t0(),
        })
        .await
        .unwrap();
}

async fn an_envelope_moves_prepared_approved_paying_with_its_totals(db: TestDb) {
    let store = db.store.as_ref();
    let rows = mixed();
    let e = new_envelope("PKH", "2027-T1");
    let made = store.create_envelope(&e, &rows).await.unwrap();
    let all = totals(&[750_000, 600_000, 500_000, 42_000, 300_000]);
    assert_eq!(made, all);
    let stored = store.envelope(e.id).await.unwrap().unwrap();
    assert_eq!(stored.state, EnvelopeState::Prepared);
    assert_eq!(stored.totals, all);
    assert_eq!(stored.scheduled_date, e.scheduled_date);
    assert_eq!(entitlement_sum(store, e.id).await, all);

    store.approve_envelope(e.id, checker(), t0()).await.unwrap();
    let approved = store.envelope(e.id).await.unwrap().unwrap();
    assert_eq!(approved.state, EnvelopeState::Approved);
    assert_eq!(approved.approved_by, Some(checker()));
    assert!(matches!(
        store.approve_envelope(e.id, checker(), t0()).await,
        Err(StoreError::Conflict { .. })
    ));

    let out = store.release_envelope(e.id, t0()).await.unwrap();
    assert_eq!(out.payments, totals(&[750_000, 600_000, 500_000, 42_000]));
    assert_eq!(out.vouchers_due, totals(&[300_000]));
    let paying = store.envelope(e.id).await.unwrap().unwrap();
    assert_eq!(paying.state, EnvelopeState::Paying);
    assert!(paying.released_at.is_some());
    assert_eq!(
        entitlement_sum(store, e.id).await,
        all,
        "totals after release"
    );
    let by_state = store.entitlement_totals(e.id).await.unwrap();
    assert!(by_state
        .iter()
        .all(|t| t.state == EntitlementState::Instructed));
    let payments = store.payment_totals(e.id).await.unwrap();
    let mut paid = ControlTotals::default();
    for p in &payments {
        assert_eq!(p.state, PaymentState::Created);
        paid.count += p.totals.count;
        paid.amount = paid.amount.checked_add(p.totals.amount).unwrap();
    }
    assert_eq!(paid, out.payments);
    let premium = payment_of(store, e.id, rows[3].household).await;
    assert_eq!(
        (premium.route, premium.provider.as_str(), premium.attempt),
        (Route::Premium, "bpjs", 1)
    );
    assert_eq!(premium.id.get_version_num(), 7, "payment ids are UUIDv7");
    assert_eq!(
        premium.id.get_variant(),
        uuid::Variant::RFC4122,
        "with the RFC variant"
    );
    assert!(store
        .household_payments(e.id, rows[4].household)
        .await
        .unwrap()
        .is_empty());

    assert!(matches!(
        store.release_envelope(e.id, t0()).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.payment_totals(e.id).await.unwrap(), payments);
    assert!(matches!(
        store.cancel_envelope(e.id, checker(), t0(), "late").await,
        Err(StoreError::Conflict { .. })
    ));
}

async fn the_preparer_cannot_approve(db: TestDb) {
    let store = db.store.as_ref();
    let e = new_envelope("PKH", "2027-T1");
    store.create_envelope(&e, &mixed()).await.unwrap();
    match store.approve_envelope(e.id, maker(), t0()).await {
        Err(StoreError::Conflict { what }) => assert!(what.contains("prepared"), "{what}"),
        other => panic!("maker-checker not enforced: {other:?}"),
    }
    let still = store.envelope(e.id).await.unwrap().unwrap();
    assert_eq!(still.state, EnvelopeState::Prepared);
    assert!(matches!(
        store.release_envelope(e.id, t0()).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(store.payment_totals(e.id).await.unwrap().is_empty());
    assert!(matches!(
        store
            .approve_envelope(Uuid::now_v7(), checker(), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn one_live_envelope_per_program_cycle(db: TestDb) {
    let store = db.store.as_ref();
    let first = new_envelope("PKH", "2027-T1");
    store.create_envelope(&first, &mixed()).await.unwrap();
    let second = new_envelope("PKH", "2027-T1");
    assert!(matches!(
        store.create_envelope(&second, &mixed()).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(store.envelope(second.id).await.unwrap().is_none());
    store
        .create_envelope(&new_envelope("PKH", "2027-T2"), &mixed())
        .await
        .unwrap();
    store
        .create_envelope(&new_envelope("SEMBAKO", "2027-T1"), &mixed())
        .await
        .unwrap();

    store
        .cancel_envelope(first.id, checker(), t0(), "wrong_cycle")
        .await
        .unwrap();
    let cancelled = store.envelope(first.id).await.unwrap().unwrap();
    assert_eq!(cancelled.state, EnvelopeState::Cancelled);
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("wrong_cycle"));
    assert!(store
        .entitlement_totals(first.id)
        .await
        .unwrap()
        .iter()
        .all(|t| t.state == EntitlementState::Cancelled));
    store.create_envelope(&second, &mixed()).await.unwrap();
    assert_eq!(
        store.envelopes(Some("PKH"), 10).await.unwrap().len(),
        3,
        "the cancelled one stays on record"
    );

    let mut twice = mixed();
    twice[1].household = twice[0].household;
    assert!(matches!(
        store
            .create_envelope(&new_envelope("PKH", "2027-T3"), &twice)
            .await,
        Err(StoreError::Conflict { .. })
    ));
}

async fn two_concurrent_releases_pay_once(db: TestDb) {
    let rows: Vec<Entitlement> = (0..3_000)
        .map(|i| ent(A, 100_000 + i, Route::Bank, Some("bri")))
        .collect();
    let store = db.store.clone();
    let e = new_envelope("PKH", "2027-T1");
    store.create_envelope(&e, &rows).await.unwrap();
    store.approve_envelope(e.id, checker(), t0()).await.unwrap();
    let other: Arc<dyn Store> = db.reopen().await;
    let (a, b) = tokio::join!(
        tokio::spawn({
            let s = store.clone();
            async move { s.release_envelope(e.id, t0()).await }
        }),
        tokio::spawn(async move { other.release_envelope(e.id, t0()).await }),
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won, 1, "{outcomes:?}");
    assert!(outcomes
        .iter()
        .any(|o| matches!(o, Err(StoreError::Conflict { .. }))));
    let payments = store.payment_totals(e.id).await.unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].totals.count, 3_000, "every household paid once");
}

async fn statuses_move_payments_forward_once_per_file(db: TestDb) {
    let store = db.store.as_ref();
    let rows = mixed();
    let envelope = released(store, &rows).await;
    let p0 = payment_of(store, envelope, rows[0].household).await;
    let p1 = payment_of(store, envelope, rows[1].household).await;
    let stranger = Uuid::now_v7();

    let first = vec![
        update(p0.id, PaymentState::Accepted, None),
        update(p0.id, PaymentState::Settled, None),
        update(p1.id, PaymentState::Rejected, Some("AM04")),
        update(stranger, PaymentState::Settled, None),
    ];
    let applied = store.apply_status(&import(1), &first).await.unwrap();
    assert!(!applied.already_imported);
    assert_eq!(
        (applied.matched, applied.changed, applied.ignored),
        (3, 2, 0)
    );
    assert_eq!(applied.unknown, vec![stranger]);
    let s0 = store.payment(p0.id).await.unwrap().unwrap();
    assert_eq!(s0.state, PaymentState::Settled);
    assert!(s0.provider_ref.is_some());
    let e0 = store
        .entitlement(envelope, rows[0].household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e0.state, EntitlementState::Paid);
    let e1 = store
        .entitlement(envelope, rows[1].household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e1.state, e1.reason.as_deref()),
        (EntitlementState::Failed, Some("AM04"))
    );

    // The same file again: recognised by its hash, nothing changes (not even a late status in it).
    let again = store
        .apply_status(&import(1), &[update(p0.id, PaymentState::Returned, None)])
        .await
        .unwrap();
    assert!(again.already_imported);
    assert_eq!(again.changed, 0);
    assert_eq!(
        store.payment(p0.id).await.unwrap().unwrap().state,
        PaymentState::Settled
    );
    assert_eq!(
        store
            .status_import(&[1; 32])
            .await
            .unwrap()
            .unwrap()
            .file_name,
        "status-1.xml"
    );

    // A reordered file (an older status arriving late) moves nothing backwards.
    let late = store
        .apply_status(
            &import(2),
            &[
                update(p0.id, PaymentState::Accepted, None),
                update(p1.id, PaymentState::Settled, None),
            ],
        )
        .await
        .unwrap();
    assert_eq!((late.matched, late.changed, late.ignored), (2, 0, 2));
    assert_eq!(entitlement_sum(store, envelope).await.count, 5);

    // A return after settlement: the entitlement fails again.
    let returned = store
        .apply_status(
            &import(3),
            &[update(p0.id, PaymentState::Returned, Some("AC04"))],
        )
        .await
        .unwrap();
    assert_eq!(returned.changed, 1);
    let e0 = store
        .entitlement(envelope, rows[0].household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e0.state, EntitlementState::Failed);
}

async fn an_account_reject_invalidates_the_link(db: TestDb) {
    let store = db.store.as_ref();
    let rows = mixed();
    link(store, rows[0].household, A, "account:0123456789@bri").await;
    link(store, rows[1].household, A, "account:0223456789@bri").await;
    for r in &rows[..2] {
        store
            .verify_account_link(r.household, checker(), t0())
            .await
            .unwrap();
    }
    let envelope = released(store, &rows).await;
    let p0 = payment_of(store, envelope, rows[0].household).await;
    let p1 = payment_of(store, envelope, rows[1].household).await;
    let applied = store
        .apply_status(
            &import(4),
            &[
                update(p0.id, PaymentState::Rejected, Some("AC04")),
                update(p1.id, PaymentState::Rejected, Some("AM05")),
            ],
        )
        .await
        .unwrap();
    assert_eq!(applied.accounts_invalid, 1);
    let l0 = store
        .account_link(rows[0].household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (l0.state, l0.invalid_reason.as_deref()),
        (LinkState::Invalid, Some("AC04"))
    );
    let l1 = store
        .account_link(rows[1].household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        l1.state,
        LinkState::Verified,
        "another reason keeps the account"
    );

    // A late reject of a payment made before the household gave a new account leaves the new one.
    let e = new_envelope("PKH", "2027-T2");
    let later = vec![ent(A, 700_000, Route::Bank, Some("bri"))];
    store.create_envelope(&e, &later).await.unwrap();
    store.approve_envelope(e.id, checker(), t0()).await.unwrap();
    store.release_envelope(e.id, t0()).await.unwrap();
    let p2 = payment_of(store, e.id, later[0].household).await;
    store
        .upsert_account_link(&NewAccountLink {
            household: later[0].household,
            village: code(A),
            address: "account:0323456789@bri".parse().unwrap(),
            source: LinkSource::Citizen,
            requested_at: t0() + Duration::days(1),
        })
        .await
        .unwrap();
    let late = store
        .apply_status(
            &import(9),
            &[update(p2.id, PaymentState::Rejected, Some("AC01"))],
        )
        .await
        .unwrap();
    assert_eq!((late.changed, late.accounts_invalid), (1, 0));
    assert_eq!(
        store
            .account_link(later[0].household)
            .await
            .unwrap()
            .unwrap()
            .state,
        LinkState::Pending
    );
}

async fn failed_payments_are_retried_or_rerouted_to_cash(db: TestDb) {
    let store = db.store.as_ref();
    let rows = mixed();
    // The first household moved its account to BNI and it was verified; the second has none.
    link(store, rows[0].household, A, "account:0999888777@bni").await;
    store
        .verify_account_link(rows[0].household, checker(), t0())
        .await
        .unwrap();
    let envelope = released(store, &rows).await;
    assert!(matches!(
        store.retry_failed(Uuid::now_v7(), t0()).await,
        Err(StoreError::Conflict { .. })
    ));
    let p0 = payment_of(store, envelope, rows[0].household).await;
    let p1 = payment_of(store, envelope, rows[1].household).await;
    let p3 = payment_of(store, envelope, rows[3].household).await;
    store
        .apply_status(
            &import(5),
            &[
                update(p0.id, PaymentState::Rejected, Some("AM05")),
                update(p1.id, PaymentState::Rejected, Some("AM05")),
                update(p3.id, PaymentState::Rejected, Some("NARR")),
            ],
        )
        .await
        .unwrap();

    let retried = store.retry_failed(envelope, t0()).await.unwrap();
    assert_eq!(retried, totals(&[750_000, 42_000]));
    let second = payment_of(store, envelope, rows[0].household).await;
    assert_eq!(
        (second.attempt, second.provider.as_str(), second.state),
        (2, "bni", PaymentState::Created)
    );
    assert_ne!(second.id, p0.id, "a retry is a new payment id");
    assert_eq!(
        payment_of(store, envelope, rows[3].household).await.attempt,
        2
    );
    let e0 = store
        .entitlement(envelope, rows[0].household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e0.state, e0.provider.as_deref()),
        (EntitlementState::Instructed, Some("bni"))
    );
    assert_eq!(
        store.retry_failed(envelope, t0()).await.unwrap(),
        ControlTotals::default(),
        "nothing failed is left that can be retried"
    );

    let moved = store.reroute_to_cash(envelope, None).await.unwrap();
    assert_eq!(moved, totals(&[600_000]));
    let e1 = store
        .entitlement(envelope, rows[1].household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (e1.route, e1.state, e1.provider),
        (Route::Cash, EntitlementState::Pending, None)
    );
    assert_eq!(
        entitlement_sum(store, envelope).await,
        totals(&[750_000, 600_000, 500_000, 42_000, 300_000])
    );
    assert_eq!(
        store
            .reroute_to_cash(envelope, Some(&[rows[2].household]))
            .await
            .unwrap(),
        ControlTotals::default(),
        "only failed entitlements are rerouted"
    );
}

async fn an_envelope_closes_when_every_entitlement_is_settled(db: TestDb) {
    let store = db.store.as_ref();
    let rows = vec![
        ent(A, 750_000, Route::Bank, Some("bri")),
        ent(B, 500_000, Route::EWallet, Some("dana")),
    ];
    let envelope = released(store, &rows).await;
    let p0 = payment_of(store, envelope, rows[0].household).await;
    let p1 = payment_of(store, envelope, rows[1].household).await;
    store
        .apply_status(&import(6), &[update(p0.id, PaymentState::Settled, None)])
        .await
        .unwrap();
    assert!(!store.close_envelope(envelope, t0()).await.unwrap());
    store
        .apply_status(&import(7), &[update(p1.id, PaymentState::Settled, None)])
        .await
        .unwrap();
    assert!(store.close_envelope(envelope, t0()).await.unwrap());
    let closed = store.envelope(envelope).await.unwrap().unwrap();
    assert_eq!(closed.state, EnvelopeState::Closed);
    assert!(!store.close_envelope(envelope, t0()).await.unwrap());
}

async fn bank_batches_keep_their_payments_and_addresses(db: TestDb) {
    let store = db.store.as_ref();
    let rows = mixed();
    link(store, rows[0].household, A, "account:0123456789@bri").await;
    store
        .verify_account_link(rows[0].household, checker(), t0())
        .await
        .unwrap();
    let envelope = released(store, &rows).await;
    assert_eq!(store.export_providers(envelope).await.unwrap(), vec!["bri"]);
    let created = store
        .created_payments(envelope, "bri", None, 10)
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert!(created[0].payment.id < created[1].payment.id, "in id order");
    let with_link = created
        .iter()
        .find(|r| r.payment.household == rows[0].household)
        .unwrap();
    assert_eq!(
        with_link.address.as_ref().map(|a| a.id()),
        Some("0123456789")
    );
    assert_eq!(with_link.link_state, Some(LinkState::Verified));
    let without = created
        .iter()
        .find(|r| r.payment.household == rows[1].household)
        .unwrap();
    assert_eq!((&without.address, without.link_state), (&None, None));
    let page = store
        .created_payments(envelope, "bri", Some(created[0].payment.id), 10)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);

    let ids: Vec<Uuid> = created.iter().map(|r| r.payment.id).collect();
    assert_eq!(store.mark_sent(&ids, "BATCH-1", t0()).await.unwrap(), 2);
    assert_eq!(store.mark_sent(&ids, "BATCH-2", t0()).await.unwrap(), 0);
    assert_eq!(
        store.batches(envelope, "bri").await.unwrap(),
        vec![("BATCH-1".to_owned(), 2)]
    );
    let batch = store.batch_payments("BATCH-1").await.unwrap();
    assert_eq!(batch.iter().map(|r| r.payment.id).collect::<Vec<_>>(), ids);
    assert!(batch.iter().all(|r| r.payment.state == PaymentState::Sent));
    assert!(store
        .created_payments(envelope, "bri", None, 10)
        .await
        .unwrap()
        .is_empty());
    store
        .apply_status(&import(8), &[update(ids[0], PaymentState::Settled, None)])
        .await
        .unwrap();
    assert_eq!(
        store.batches(envelope, "bri").await.unwrap(),
        vec![("BATCH-1".to_owned(), 1)]
    );
}

async fn a_batch_takes_only_payments_with_a_verified_account_at_its_bank(db: TestDb) {
    let store = db.store.as_ref();
    let mut rows = mixed();
    rows.push(ent(A, 800_000, Route::Bank, Some("bri")));
    rows.push(ent(A, 900_000, Route::Bank, Some("bri")));
    link(store, rows[0].household, A, "account:0123456789@bri").await;
    link(store, rows[5].household, A, "account:0123456780@bri").await;
    link(store, rows[6].household, A, "account:0123456781@bni").await;
    for i in [0, 5, 6] {
        store
            .verify_account_link(rows[i].household, checker(), t0())
            .await
            .unwrap();
    }
    let envelope = released(store, &rows).await;
    // Household 1 has no account, household 6's is at another bank: they wait.
    assert_eq!(
        store
            .send_next_batch(envelope, "bri", "B-1", 1, t0())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .send_next_batch(envelope, "bri", "B-2", 10, t0())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .send_next_batch(envelope, "bri", "B-3", 10, t0())
            .await
            .unwrap(),
        0
    );
    let first = store.batch_payments("B-1").await.unwrap();
    let second = store.batch_payments("B-2").await.unwrap();
    assert!(first[0].payment.id < second[0].payment.id, "in id order");
    let sent: Vec<Uuid> = [&first[0], &second[0]]
        .iter()
        .map(|r| r.payment.household)
        .collect();
    assert!(sent.contains(&rows[0].household) && sent.contains(&rows[5].household));
    assert_eq!(
        store.batch_payment_ids("B-1").await.unwrap(),
        vec![first[0].payment.id]
    );
    assert_eq!(
        store
            .created_payments(envelope, "bri", None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn entitlements_page_by_village_inside_a_scope(db: TestDb) {
    let store = db.store.as_ref();
    let rows = mixed();
    let e = new_envelope("PKH", "2027-T1");
    store.create_envelope(&e, &rows).await.unwrap();
    let regency = Scope::Within(code("19.02"));
    let mut seen = Vec::new();
    let mut after: Option<PageAfter<Uuid>> = None;
    loop {
        let page = store
            .entitlements(e.id, &EntitlementFilter::within(regency), after.as_ref(), 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(PageAfter {
            village: last.village,
            key: last.household,
        });
        seen.extend(page);
    }
    assert_eq!(seen.len(), 4, "the household in 19.01 is outside");
    assert!(seen
        .windows(2)
        .all(|w| (w[0].village.plain(), w[0].household) < (w[1].village.plain(), w[1].household)));
    let bank = EntitlementFilter {
        within: Scope::All,
        state: Some(EntitlementState::Pending),
        route: Some(Route::Bank),
    };
    let banked = store.entitlements(e.id, &bank, None, 10).await.unwrap();
    assert_eq!(banked.len(), 2);
    assert!(banked.iter().all(|r| r.provider.as_deref() == Some("bri")));
    let one = store
        .entitlement(e.id, rows[4].household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one, rows[4]);
}

async fn account_links_are_sealed_verified_and_shared(db: TestDb) {
    let store = db.store.as_ref();
    let (h1, h2, h3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    link(store, h1, A, "account:5551234567@bri").await;
    link(store, h2, B, "account:5551234567@bri").await;
    link(store, h3, C, "mobile:081234567890@dana").await;
    let l1 = store.account_link(h1).await.unwrap().unwrap();
    assert_eq!(l1.state, LinkState::Pending);
    assert_eq!(l1.address.to_string(), "account:5551234567@bri");
    assert_eq!(store.households_sharing_account(h1).await.unwrap(), 2);
    assert_eq!(store.households_sharing_account(h3).await.unwrap(), 1);
    assert!(store
        .verified_link_routes(&Scope::All)
        .await
        .unwrap()
        .is_empty());

    store
        .verify_account_link(h1, checker(), t0())
        .await
        .unwrap();
    store
        .verify_account_link(h3, checker(), t0())
        .await
        .unwrap();
    assert!(matches!(
        store.verify_account_link(h1, checker(), t0()).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store
            .verify_account_link(Uuid::now_v7(), checker(), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let in_regency = store
        .verified_link_routes(&Scope::Within(code("19.02")))
        .await
        .unwrap();
    assert_eq!(in_regency.len(), 1);
    assert_eq!(
        (in_regency[0].household, in_regency[0].provider.as_str()),
        (h1, "bri")
    );
    let pending = store
        .account_links(&Scope::Within(code("19.02")), LinkState::Pending, 10)
        .await
        .unwrap();
    assert_eq!(
        pending.iter().map(|l| l.household).collect::<Vec<_>>(),
        [h2]
    );

    // A new request replaces the verified account and waits for verification again.
    link(store, h1, A, "account:7771234567@bni").await;
    let changed = store.account_link(h1).await.unwrap().unwrap();
    assert_eq!(
        (changed.state, changed.verified_by),
        (LinkState::Pending, None)
    );
    assert_eq!(store.households_sharing_account(h2).await.unwrap(), 1);
    store.invalidate_account_link(h3, "officer").await.unwrap();
    assert_eq!(
        store.account_link(h3).await.unwrap().unwrap().state,
        LinkState::Invalid
    );

    // At rest the number appears nowhere in plain text.
    let url = db.url.clone();
    if let Some(path) = &db.sqlite_path {
        let bytes = std::fs::read(path).unwrap();
        let needle = b"5551234567";
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    } else {
        use sqlx::Connection as _;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM account_link WHERE position('5551234567'::bytea in address_sealed) > 0",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(n, 0);
    }
}

async fn a_banks_account_list_is_imported_verified(db: TestDb) {
    let store = db.store.as_ref();
    let pending = Uuid::now_v7();
    link(store, pending, A, "account:4440000000@bri").await;
    let links: Vec<NewAccountLink> = (0..4_500u64)
        .map(|i| NewAccountLink {
            household: if i == 0 { pending } else { Uuid::now_v7() },
            village: code(if i % 2 == 0 { A } else { C }),
            address: format!("account:{}@bni", 3_000_000_000 + i)
                .parse()
                .unwrap(),
            source: LinkSource::Import,
            requested_at: t0(),
        })
        .collect();
    assert_eq!(
        store
            .import_account_links(&links, checker(), t0())
            .await
            .unwrap(),
        4_500
    );
    let replaced = store.account_link(pending).await.unwrap().unwrap();
    assert_eq!(
        (
            replaced.state,
            replaced.address.to_string().as_str(),
            replaced.verified_by
        ),
        (
            LinkState::Verified,
            "account:3000000000@bni",
            Some(checker())
        )
    );
    let routes = store
        .verified_link_routes(&Scope::Within(code("19.02")))
        .await
        .unwrap();
    assert_eq!(routes.len(), 2_250);
    assert!(routes.iter().all(|r| r.provider == "bni"));
}

async fn a_ledger_salt_is_made_once(db: TestDb) {
    let store = db.store.as_ref();
    let h = Uuid::now_v7();
    let first = store.beneficiary_salt(h).await.unwrap();
    assert_eq!(store.beneficiary_salt(h).await.unwrap(), first);
    assert_ne!(store.beneficiary_salt(Uuid::now_v7()).await.unwrap(), first);
}

async fn fifty_thousand_entitlements_are_written_in_one_envelope(db: TestDb) {
    let store = db.store.as_ref();
    let villages = [A, B, C];
    let rows: Vec<Entitlement> = (0..50_000)
        .map(|i| {
            let route = if i % 3 == 0 { Route::Cash } else { Route::Bank };
            let provider = (route == Route::Bank).then_some("bri");
            ent(villages[i % 3], 100_000 + i as i64, route, provider)
        })
        .collect();
    let e = new_envelope("PKH", "2027-T1");
    let made = store.create_envelope(&e, &rows).await.unwrap();
    let expected = ControlTotals::of(rows.iter().map(|r| r.amount)).unwrap();
    assert_eq!(made, expected);
    assert_eq!(entitlement_sum(store, e.id).await, expected);
    store.approve_envelope(e.id, checker(), t0()).await.unwrap();
    let out = store.release_envelope(e.id, t0()).await.unwrap();
    assert_eq!(out.payments.count + out.vouchers_due.count, 50_000);
    assert_eq!(
        out.payments
            .amount
            .checked_add(out.vouchers_due.amount)
            .unwrap(),
        expected.amount
    );
}
