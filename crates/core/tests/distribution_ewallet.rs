//! Paying an envelope's e-wallet entitlements against a G2P Connect provider endpoint over HTTP, on
//! both backends: sent on ACK, settled or rejected by signed callback (applied once), nothing marked
//! sent when the provider is down, foreign callbacks refused, and polling for lost callbacks.

#[path = "../../payments/tests/ewallet_provider/mod.rs"]
mod ewallet_provider;

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use ewallet_provider::{dead_url, FakeProvider, Inbox};
use tepat_core::access::{Actor, ManagePayments};
use tepat_core::distribution::ewallet::{
    apply_callback, pay_simulated, poll_status, send_envelope_payments, EwalletError, Unsent,
};
use tepat_dci::disburse::{DisburseResponse, DisbursementStatus};
use tepat_dci::{Jwks, Signer, Status};
use tepat_domain::distribution::{
    EntitlementState, EnvelopeState, FinancialAddress, PaymentState, Route,
};
use tepat_domain::{RegionCode, Role, Rupiah, Scope};
use tepat_payments::ewallet::{verify_callback, Client, Provider};
use tepat_store::testing::{run_postgres, run_sqlite, TestDb};
use tepat_store::{Entitlement, LinkSource, LinkState, NewAccountLink, NewEnvelope, Store};
use uuid::Uuid;

const OFFICE: &str = "dinsos.belitungkab.go.id";

fn village() -> RegionCode {
    RegionCode::parse("19.02.01.2001").unwrap()
}

struct Household {
    id: Uuid,
    amount: i64,
}

/// An envelope being paid (see [`prepared_envelope`]).
async fn paying_envelope(store: &dyn Store, wallets: &[Option<&str>]) -> (Uuid, Vec<Household>) {
    let (envelope, households) = prepared_envelope(store, wallets).await;
    store
        .approve_envelope(envelope, Uuid::now_v7(), Utc::now())
        .await
        .unwrap();
    store.release_envelope(envelope, Utc::now()).await.unwrap();
    (envelope, households)
}

/// A prepared envelope of e-wallet households with verified wallets at `dana` (the wallet numbers
/// given; `None` for a household whose link is still pending).
async fn prepared_envelope(store: &dyn Store, wallets: &[Option<&str>]) -> (Uuid, Vec<Household>) {
    let envelope = Uuid::now_v7();
    let households: Vec<Household> = wallets
        .iter()
        .enumerate()
        .map(|(n, _)| Household {
            id: Uuid::now_v7(),
            amount: 750_000 + 1_000 * n as i64,
        })
        .collect();
    let rows: Vec<Entitlement> = households
        .iter()
        .map(|h| Entitlement {
            household: h.id,
            village: village(),
            amount: Rupiah::new(h.amount),
            parts: "[]".into(),
            route: Route::EWallet,
            provider: Some("dana".into()),
            state: EntitlementState::Pending,
            reason: None,
        })
        .collect();
    store
        .create_envelope(
            &NewEnvelope {
                id: envelope,
                program: format!("pkh{}", envelope.simple()),
                cycle: "2027-T1".into(),
                program_version: 1,
                scheduled_date: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
                prepared_by: Uuid::now_v7(),
                prepared_at: Utc::now(),
            },
            &rows,
        )
        .await
        .unwrap();
    for (h, wallet) in households.iter().zip(wallets) {
        let number = wallet.unwrap_or("081200009999");
        store
            .upsert_account_link(&NewAccountLink {
                household: h.id,
                village: village(),
                address: format!("mobile:{number}@dana")
                    .parse::<FinancialAddress>()
                    .unwrap(),
                source: LinkSource::Citizen,
                requested_at: Utc::now(),
            })
            .await
            .unwrap();
        if wallet.is_some() {
            store
                .verify_account_link(h.id, Uuid::now_v7(), Utc::now())
                .await
                .unwrap();
        }
    }
    (envelope, households)
}

struct World {
    office: Arc<Signer>,
    provider: FakeProvider,
    inbox: Inbox,
    client: Arc<Client>,
}

async fn world() -> World {
    let office = Arc::new(Signer::generate(OFFICE, "k1"));
    let provider = FakeProvider::start(
        "dana",
        OFFICE,
        Jwks {
            keys: vec![office.public_jwk()],
        },
    )
    .await;
    let inbox = Inbox::start().await;
    let client = client(&provider, &office, &provider.url, &inbox.url);
    World {
        office,
        provider,
        inbox,
        client,
    }
}

fn client(provider: &FakeProvider, office: &Arc<Signer>, url: &str, inbox: &str) -> Arc<Client> {
    Arc::new(
        Client::new(
            Provider {
                code: "dana".into(),
                url: url.into(),
                receiver_id: provider.sender_id(),
                payer_fa: "account:1234567890@bri".parse().unwrap(),
            },
            office.clone(),
            inbox,
        )
        .unwrap(),
    )
}

/// A body standing for a verified callback (only its hash matters to `apply_callback`).
fn body_of(callback: &tepat_payments::ewallet::VerifiedCallback) -> serde_json::Value {
    serde_json::json!({ "header": callback.header, "message": callback.response() })
}

async fn payment_of(store: &dyn Store, envelope: Uuid, household: Uuid) -> tepat_store::Payment {
    store
        .household_payments(envelope, household)
        .await
        .unwrap()
        .pop()
        .unwrap()
}

async fn entitlement_of(store: &dyn Store, envelope: Uuid, household: Uuid) -> Entitlement {
    store
        .entitlement(envelope, household)
        .await
        .unwrap()
        .unwrap()
}

async fn pays_settles_and_rejects(db: TestDb) {
    let store = db.store.as_ref();
    let w = world().await;
    let actor = Actor::for_tests(Role::Verifier, Scope::All);
    let grant = actor.may_anywhere::<ManagePayments>().unwrap();
    let (envelope, hh) = paying_envelope(
        store,
        &[
            Some("081200000001"),
            Some("081299990000"),
            Some("6281200000003"),
            None,
        ],
    )
    .await;

    let client = w.client.clone();
    let clients = move |code: &str| (code == "dana").then(|| client.clone());
    let report = send_envelope_payments(store, &grant, &clients, envelope, Utc::now())
        .await
        .unwrap();
    assert_eq!(report.sent.count, 3);
    assert_eq!(report.sent.amount, Rupiah::new(750_000 + 751_000 + 752_000));
    assert_eq!(report.batches.len(), 1);
    assert_eq!(report.unsent.len(), 1);
    assert_eq!(report.unsent[0].0, Unsent::NoWallet);
    assert_eq!(report.unsent[0].1.count, 1);
    let transaction = report.batches[0].transaction_id.clone();
    let pending = payment_of(store, envelope, hh[3].id).await;
    assert_eq!(
        pending.state,
        PaymentState::Created,
        "no verified wallet: not sent"
    );

    // The signed callback, applied.
    let body = w.inbox.next().await;
    let verified =
        verify_callback(&body, &w.provider.keys(), OFFICE, Utc::now().timestamp()).unwrap();
    let applied = apply_callback(store, &verified, &body, Utc::now())
        .await
        .unwrap();
    assert_eq!(applied.applied.changed, 3);
    assert_eq!(applied.wallets_invalid, 1);
    assert_eq!(applied.refused, 0);

    let paid = payment_of(store, envelope, hh[0].id).await;
    assert_eq!(paid.state, PaymentState::Settled);
    let paid_batch = paid.batch.clone();
    // The callback may come before the payments are marked sent; either way it is the transaction's.
    assert!(paid_batch.is_none() || paid_batch.as_deref() == Some(transaction.as_str()));
    assert_eq!(
        entitlement_of(store, envelope, hh[0].id).await.state,
        EntitlementState::Paid
    );
    let rejected = payment_of(store, envelope, hh[1].id).await;
    assert_eq!(rejected.state, PaymentState::Rejected);
    assert_eq!(rejected.reason.as_deref(), Some("rjct.payee_fa.invalid"));
    let failed = entitlement_of(store, envelope, hh[1].id).await;
    assert_eq!(failed.state, EntitlementState::Failed);
    let link = store.account_link(hh[1].id).await.unwrap().unwrap();
    assert_eq!(link.state, LinkState::Invalid);
    assert_eq!(
        store.account_link(hh[0].id).await.unwrap().unwrap().state,
        LinkState::Verified
    );

    // Delivered again: nothing changes.
    let again = apply_callback(store, &verified, &body, Utc::now())
        .await
        .unwrap();
    assert!(again.applied.already_imported);
    assert_eq!(again.applied.changed, 0);
    assert_eq!(again.wallets_invalid, 0);

    // The household gives a new wallet; the old rejection reported again in a new message does not
    // touch it.
    store
        .upsert_account_link(&NewAccountLink {
            household: hh[1].id,
            village: village(),
            address: "mobile:081299990001@dana".parse().unwrap(),
            source: LinkSource::Citizen,
            requested_at: Utc::now(),
        })
        .await
        .unwrap();
    store
        .verify_account_link(hh[1].id, Uuid::now_v7(), Utc::now())
        .await
        .unwrap();
    let old = verified.response().unwrap().clone();
    let resent = w.provider.signed_callback(OFFICE, old);
    let resent =
        verify_callback(&resent, &w.provider.keys(), OFFICE, Utc::now().timestamp()).unwrap();
    let replay = apply_callback(store, &resent, &body_of(&resent), Utc::now())
        .await
        .unwrap();
    assert!(!replay.applied.already_imported);
    assert_eq!(replay.applied.changed, 0);
    assert_eq!(replay.wallets_invalid, 0);
    assert_eq!(
        store.account_link(hh[1].id).await.unwrap().unwrap().state,
        LinkState::Verified
    );

    // Sending again sends nothing new, and the provider was paid once.
    let second = send_envelope_payments(store, &grant, &clients, envelope, Utc::now())
        .await
        .unwrap();
    assert_eq!(second.sent.count, 0);
    assert_eq!(second.unsent_count(), 1);
    assert_eq!(w.provider.credited(), 750_000 + 752_000);
}

async fn a_provider_down_leaves_payments_created(db: TestDb) {
    let store = db.store.as_ref();
    let w = world().await;
    let actor = Actor::for_tests(Role::Verifier, Scope::All);
    let grant = actor.may_anywhere::<ManagePayments>().unwrap();
    let (envelope, hh) =
        paying_envelope(store, &[Some("081200000011"), Some("081200000012")]).await;

    let down = client(&w.provider, &w.office, &dead_url().await, &w.inbox.url);
    let report = send_envelope_payments(
        store,
        &grant,
        move |_: &str| Some(down.clone()),
        envelope,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(report.sent.count, 0);
    assert!(matches!(&report.unsent[0].0, Unsent::Failed { provider, .. } if provider == "dana"));
    assert_eq!(report.unsent[0].1.count, 2);
    for h in &hh {
        let p = payment_of(store, envelope, h.id).await;
        assert_eq!(p.state, PaymentState::Created);
        assert_eq!(p.batch, None);
    }

    // No provider configured: also left as it was.
    let none = send_envelope_payments(store, &grant, |_: &str| None, envelope, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        none.unsent[0].0,
        Unsent::NoProvider {
            provider: "dana".into()
        }
    );

    // Back up: sent, and the answer is found by polling when the callback is not applied.
    let client = w.client.clone();
    let clients = move |_: &str| Some(client.clone());
    let sent = send_envelope_payments(store, &grant, &clients, envelope, Utc::now())
        .await
        .unwrap();
    assert_eq!(sent.sent.count, 2);
    w.inbox.next().await;
    let polled = poll_status(
        store,
        &grant,
        &clients,
        &w.provider.keys(),
        envelope,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(polled.asked, 1);
    assert_eq!(polled.changed, 2);
    assert!(polled.unknown.is_empty());
    for h in &hh {
        assert_eq!(
            payment_of(store, envelope, h.id).await.state,
            PaymentState::Settled
        );
    }
}

async fn foreign_answers_change_nothing(db: TestDb) {
    let store = db.store.as_ref();
    let w = world().await;
    let actor = Actor::for_tests(Role::Verifier, Scope::All);
    let grant = actor.may_anywhere::<ManagePayments>().unwrap();
    let (envelope, hh) = paying_envelope(store, &[Some("081200000021")]).await;
    let client = w.client.clone();
    send_envelope_payments(
        store,
        &grant,
        move |_: &str| Some(client.clone()),
        envelope,
        Utc::now(),
    )
    .await
    .unwrap();
    w.inbox.next().await; // not applied
    let payment = payment_of(store, envelope, hh[0].id).await;

    let status = |amount: u64| DisbursementStatus {
        reference_id: payment.id.simple().to_string(),
        timestamp: Utc::now(),
        status: Status::Succ,
        status_reason_code: None,
        status_reason_message: None,
        amount: Some(tepat_dci::disburse::Amount(amount)),
        payer_fa: None,
        payee_fa: None,
    };
    // Another registered provider claims to have paid dana's payment.
    let ovo = FakeProvider::start("ovo", OFFICE, Jwks::default()).await;
    let mut keys = w.provider.keys();
    keys.add(
        "ovo",
        &ovo.sender_id(),
        Jwks {
            keys: vec![ovo.signer.public_jwk()],
        },
    )
    .unwrap();
    let response = DisburseResponse {
        transaction_id: "t".into(),
        correlation_id: None,
        disbursements_status: vec![status(751_000)],
    };
    let body = ovo.signed_callback(OFFICE, response);
    let verified = verify_callback(&body, &keys, OFFICE, Utc::now().timestamp()).unwrap();
    let report = apply_callback(store, &verified, &body, Utc::now())
        .await
        .unwrap();
    assert_eq!(report.refused, 1);
    assert_eq!(report.applied.changed, 0);

    // The right provider, with another amount.
    let response = DisburseResponse {
        transaction_id: "t".into(),
        correlation_id: None,
        disbursements_status: vec![status(9_999_999)],
    };
    let body = w.provider.signed_callback(OFFICE, response);
    let verified = verify_callback(&body, &keys, OFFICE, Utc::now().timestamp()).unwrap();
    let report = apply_callback(store, &verified, &body, Utc::now())
        .await
        .unwrap();
    assert_eq!(report.refused, 1);
    assert_eq!(
        payment_of(store, envelope, hh[0].id).await.state,
        PaymentState::Sent
    );

    // An envelope not being paid is refused before anything is sent.
    let (other, _) = prepared_envelope(store, &[Some("081200000022")]).await;
    let err = send_envelope_payments(store, &grant, |_: &str| None, other, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        EwalletError::NotPaying(EnvelopeState::Prepared)
    ));
    let err = send_envelope_payments(store, &grant, |_: &str| None, Uuid::now_v7(), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, EwalletError::NotFound));
}

async fn the_demo_pays_through_a_simulated_provider(db: TestDb) {
    let store = db.store.as_ref();
    let actor = Actor::for_tests(Role::Verifier, Scope::All);
    let grant = actor.may_anywhere::<ManagePayments>().unwrap();
    let (envelope, hh) =
        paying_envelope(store, &[Some("081200000031"), Some("081200030000"), None]).await;
    let report = pay_simulated(store, &grant, envelope, Utc::now())
        .await
        .unwrap();
    assert_eq!(report.sent.count, 2);
    assert_eq!(report.changed, 2);
    assert_eq!(report.wallets_invalid, 1);
    assert_eq!(
        payment_of(store, envelope, hh[0].id).await.state,
        PaymentState::Settled
    );
    assert_eq!(
        entitlement_of(store, envelope, hh[1].id).await.state,
        EntitlementState::Failed
    );
    assert_eq!(
        payment_of(store, envelope, hh[2].id).await.state,
        PaymentState::Created,
        "no verified wallet"
    );
    let again = pay_simulated(store, &grant, envelope, Utc::now())
        .await
        .unwrap();
    assert_eq!(again.sent.count, 0);
}

#[tokio::test]
async fn sqlite_the_demo_pays_through_a_simulated_provider() {
    run_sqlite(the_demo_pays_through_a_simulated_provider).await;
}

#[tokio::test]
async fn postgres_the_demo_pays_through_a_simulated_provider() {
    run_postgres(the_demo_pays_through_a_simulated_provider).await;
}

#[tokio::test]
async fn sqlite_pays_settles_and_rejects() {
    run_sqlite(pays_settles_and_rejects).await;
}

#[tokio::test]
async fn postgres_pays_settles_and_rejects() {
    run_postgres(pays_settles_and_rejects).await;
}

#[tokio::test]
async fn sqlite_a_provider_down_leaves_payments_created() {
    run_sqlite(a_provider_down_leaves_payments_created).await;
}

#[tokio::test]
async fn postgres_a_provider_down_leaves_payments_created() {
    run_postgres(a_provider_down_leaves_payments_created).await;
}

#[tokio::test]
async fn sqlite_foreign_answers_change_nothing() {
    run_sqlite(foreign_answers_change_nothing).await;
}

#[tokio::test]
async fn postgres_foreign_answers_change_nothing() {
    run_postgres(foreign_answers_change_nothing).await;
}
