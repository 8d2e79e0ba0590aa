//! The e-wallet client against a provider endpoint that speaks the G2P Connect disbursement protocol
//! over HTTP (`ewallet_provider`).

mod ewallet_provider;

use std::sync::Arc;

use ewallet_provider::{dead_url, FakeProvider, Inbox};
use tepat_dci::disburse::DisburseResponse;
use tepat_dci::{AckStatus, Jwks, SignatureError, Signer};
use tepat_domain::distribution::{FinancialAddress, PaymentState};
use tepat_domain::Rupiah;
use tepat_payments::ewallet::{
    outcomes, verify_callback, Callback, CallbackError, Client, EwalletError, Item, Provider,
    MAX_BATCH,
};
use uuid::Uuid;

const OFFICE: &str = "dinsos.belitungkab.go.id";

struct Setup {
    office: Arc<Signer>,
    provider: FakeProvider,
    inbox: Inbox,
    client: Client,
}

async fn setup() -> Setup {
    let office = Arc::new(Signer::generate(OFFICE, "k1"));
    let jwks = Jwks {
        keys: vec![office.public_jwk()],
    };
    let provider = FakeProvider::start("dana", OFFICE, jwks).await;
    let inbox = Inbox::start().await;
    let client = client_for(&provider, office.clone(), &provider.url, &inbox.url);
    Setup {
        office,
        provider,
        inbox,
        client,
    }
}

fn client_for(provider: &FakeProvider, office: Arc<Signer>, url: &str, callbacks: &str) -> Client {
    Client::new(
        Provider {
            code: provider.code.clone(),
            url: url.into(),
            receiver_id: provider.sender_id(),
            payer_fa: "account:1234567890@bri".parse().unwrap(),
        },
        office,
        callbacks,
    )
    .unwrap()
}

fn item(mobile: &str, amount: i64) -> Item {
    Item {
        payment_id: Uuid::now_v7(),
        payee: format!("mobile:{mobile}@dana")
            .parse::<FinancialAddress>()
            .unwrap(),
        amount: Rupiah::new(amount),
        note: Some("PKH 2027-T1".into()),
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_batch_is_acknowledged_and_every_item_settles_by_signed_callback() {
    let s = setup().await;
    let items = vec![
        item("081200000001", 750_000),
        item("081200000002", 600_000),
        item("6281200000003", 225_000),
    ];
    let ack = s.client.disburse("txn-1", &items).await.unwrap();
    assert_eq!(ack.ack_status, AckStatus::Ack);
    assert!(ack.correlation_id.is_some());

    let body = s.inbox.next().await;
    let verified = verify_callback(&body, &s.provider.keys(), OFFICE, now()).unwrap();
    assert_eq!(verified.provider, "dana");
    let Callback::Disburse(response) = &verified.callback else {
        panic!("an on-disburse callback")
    };
    assert_eq!(response.transaction_id, "txn-1");
    let out = outcomes(response);
    assert!(out.duplicates.is_empty());
    assert_eq!(out.results.len(), 3);
    for (outcome, item) in out.results.iter().zip(&items) {
        assert_eq!(outcome.payment_id, item.payment_id);
        assert_eq!(outcome.state, PaymentState::Settled);
        assert_eq!(outcome.amount, Some(item.amount));
    }
    assert_eq!(s.provider.credited(), 1_575_000);
    // The provider saw amounts as whole-rupiah strings and our payment ids as reference ids.
    let books = s.provider.books.lock().unwrap();
    let seen = &books.items[&items[0].payment_id.simple().to_string()];
    assert_eq!(seen.amount.unwrap().0, 750_000);
    assert_eq!(seen.payee_fa.as_deref(), Some("mobile:081200000001@dana"));
}

#[tokio::test]
async fn a_wallet_that_does_not_exist_is_rejected_and_needs_a_new_address() {
    let s = setup().await;
    let items = vec![item("081299990000", 300_000), item("081299990001", 300_000)];
    s.client.disburse("txn-2", &items).await.unwrap();
    let body = s.inbox.next().await;
    let verified = verify_callback(&body, &s.provider.keys(), OFFICE, now()).unwrap();
    let out = outcomes(verified.response().unwrap());
    let bad = &out.results[0];
    assert_eq!(bad.payment_id, items[0].payment_id);
    assert_eq!(bad.state, PaymentState::Rejected);
    assert_eq!(bad.reason.as_deref(), Some("rjct.payee_fa.invalid"));
    assert!(bad.needs_new_address());
    assert_eq!(out.results[1].state, PaymentState::Settled);
    assert_eq!(s.provider.credited(), 300_000);
}

#[tokio::test]
async fn a_repeated_reference_id_is_not_paid_twice_and_changes_no_outcome() {
    let s = setup().await;
    let items = vec![item("081200000011", 400_000), item("081200000012", 400_000)];
    s.client.disburse("txn-3", &items).await.unwrap();
    let first = s.inbox.next().await;
    // The answer was "lost": the same payments go out again in a new transaction.
    let ack = s.client.disburse("txn-4", &items).await.unwrap();
    assert_eq!(ack.ack_status, AckStatus::Ack);
    let second = s.inbox.next().await;
    assert_eq!(s.provider.credited(), 800_000, "credited once");

    let keys = s.provider.keys();
    let first = verify_callback(&first, &keys, OFFICE, now()).unwrap();
    let second = verify_callback(&second, &keys, OFFICE, now()).unwrap();
    let out = outcomes(second.response().unwrap());
    assert!(out.results.is_empty(), "{out:?}");
    let ids: Vec<Uuid> = items.iter().map(|i| i.payment_id).collect();
    assert_eq!(out.duplicates, ids);
    assert!(outcomes(first.response().unwrap())
        .results
        .iter()
        .all(|o| o.state == PaymentState::Settled));

    // And the client refuses to put one payment twice in a message.
    let twice = vec![items[0].clone(), items[0].clone()];
    let err = s.client.disburse("txn-5", &twice).await.unwrap_err();
    assert!(matches!(err, EwalletError::DuplicatePayment(id) if id == ids[0]));
}

#[tokio::test]
async fn a_tampered_or_foreign_callback_is_refused() {
    let s = setup().await;
    let items = vec![item("081200000021", 500_000)];
    s.client.disburse("txn-6", &items).await.unwrap();
    let body = s.inbox.next().await;
    let keys = s.provider.keys();

    let mut tampered = body.clone();
    tampered["message"]["disbursements_status"][0]["amount"] = "5000000".into();
    assert_eq!(
        verify_callback(&tampered, &keys, OFFICE, now()).unwrap_err(),
        CallbackError::Signature(SignatureError::Mismatch)
    );

    let mut unsigned = body.clone();
    unsigned.as_object_mut().unwrap().remove("signature");
    assert_eq!(
        verify_callback(&unsigned, &keys, OFFICE, now()).unwrap_err(),
        CallbackError::Signature(SignatureError::Missing)
    );

    // Signed by a key the provider never published, under the provider's name.
    let impostor = Signer::generate(&s.provider.sender_id(), "p1");
    let mut forged: tepat_dci::Envelope<DisburseResponse> =
        serde_json::from_value(body.clone()).unwrap();
    impostor.sign(&mut forged);
    let forged = serde_json::to_value(forged).unwrap();
    assert_eq!(
        verify_callback(&forged, &keys, OFFICE, now()).unwrap_err(),
        CallbackError::Signature(SignatureError::Mismatch)
    );

    // A provider that is not registered at all.
    let other = FakeProvider::start("ovo", OFFICE, Jwks::default()).await;
    let response: DisburseResponse = serde_json::from_value(body["message"].clone()).unwrap();
    let foreign = other.signed_callback(OFFICE, response.clone());
    assert_eq!(
        verify_callback(&foreign, &keys, OFFICE, now()).unwrap_err(),
        CallbackError::UnknownSender
    );

    // Addressed to another payer.
    let elsewhere = s
        .provider
        .signed_callback("dinsos.other.go.id", response.clone());
    assert_eq!(
        verify_callback(&elsewhere, &keys, OFFICE, now()).unwrap_err(),
        CallbackError::NotForUs
    );

    // Too late: the signature has expired.
    let late = now() + 3 * 3600;
    assert_eq!(
        verify_callback(&body, &keys, OFFICE, late).unwrap_err(),
        CallbackError::Signature(SignatureError::Expired)
    );
    assert!(verify_callback(&body, &keys, OFFICE, now()).is_ok());
}

#[tokio::test]
async fn a_provider_that_is_down_is_an_error_and_nothing_reaches_it() {
    let s = setup().await;
    let down = client_for(
        &s.provider,
        s.office.clone(),
        &dead_url().await,
        &s.inbox.url,
    );
    let err = down
        .disburse("txn-7", &[item("081200000031", 100_000)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EwalletError::Unreachable { provider, .. } if provider == "dana"),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was marked sent"));
    assert!(!err.to_string().contains("0812"), "no address in errors");
    assert_eq!(s.provider.credited(), 0);
}

#[tokio::test]
async fn a_request_signed_with_an_unknown_key_gets_err_and_nothing_is_paid() {
    let s = setup().await;
    let stranger = Arc::new(Signer::generate(OFFICE, "k-unknown"));
    let client = client_for(&s.provider, stranger, &s.provider.url, &s.inbox.url);
    let ack = client
        .disburse("txn-8", &[item("081200000041", 100_000)])
        .await
        .unwrap();
    assert_eq!(ack.ack_status, AckStatus::Err);
    assert_eq!(ack.error.unwrap().code, "rjct.sender_id.invalid");
    assert_eq!(s.provider.refused(), 1);
    assert_eq!(s.provider.credited(), 0);
}

#[tokio::test]
async fn transaction_status_answers_inline_and_by_callback() {
    let s = setup().await;
    let items = vec![item("081200000051", 250_000), item("081200050000", 250_000)];
    s.client.disburse("txn-9", &items).await.unwrap();
    s.inbox.next().await;

    let keys = s.provider.keys();
    let known = s.client.status_sync("txn-9", &keys).await.unwrap().unwrap();
    let out = outcomes(&known);
    assert_eq!(out.results[0].state, PaymentState::Settled);
    assert_eq!(out.results[1].state, PaymentState::Rejected);
    assert_eq!(
        s.client.status_sync("never-sent", &keys).await.unwrap(),
        None
    );

    // An answer not signed by the registered key is not believed.
    let wrong_keys = FakeProvider::start("dana", OFFICE, Jwks::default())
        .await
        .keys();
    assert!(matches!(
        s.client
            .status_sync("txn-9", &wrong_keys)
            .await
            .unwrap_err(),
        EwalletError::Signature { .. }
    ));

    let ack = s.client.status("txn-9").await.unwrap();
    assert_eq!(ack.ack_status, AckStatus::Ack);
    let body = s.inbox.next().await;
    let verified = verify_callback(&body, &keys, OFFICE, now()).unwrap();
    assert!(matches!(verified.callback, Callback::Status(_)));
    assert_eq!(
        outcomes(verified.response().unwrap()).results.len(),
        2,
        "the status answer carries the transaction's items"
    );
}

#[tokio::test]
async fn messages_are_checked_before_anything_is_sent() {
    let s = setup().await;
    let many: Vec<Item> = (0..MAX_BATCH + 1)
        .map(|n| item(&format!("0812{n:08}"), 1_000))
        .collect();
    assert!(matches!(
        s.client.disburse("t", &many).await.unwrap_err(),
        EwalletError::BatchSize(501)
    ));
    assert!(s.client.disburse_message("t", &many[..MAX_BATCH]).is_ok());
    assert!(matches!(
        s.client.disburse("t", &[]).await.unwrap_err(),
        EwalletError::BatchSize(0)
    ));
    let mut elsewhere = item("081200000061", 1_000);
    elsewhere.payee = "mobile:081200000061@ovo".parse().unwrap();
    assert!(matches!(
        s.client.disburse("t", &[elsewhere]).await.unwrap_err(),
        EwalletError::WrongProvider { .. }
    ));
    let mut bank = item("081200000062", 1_000);
    bank.payee = "account:0123456789@dana".parse().unwrap();
    assert!(matches!(
        s.client.disburse("t", &[bank]).await.unwrap_err(),
        EwalletError::NotWallet(_)
    ));
    assert!(matches!(
        s.client
            .disburse("t", &[item("081200000063", 0)])
            .await
            .unwrap_err(),
        EwalletError::Amount(_)
    ));
    assert_eq!(s.provider.books.lock().unwrap().transactions.len(), 0);

    // The message itself: signed by the office, to the provider, callbacks to our base.
    let message = s
        .client
        .disburse_message("t", &[item("081200000064", 123_456)])
        .unwrap();
    assert_eq!(message.header.sender_id, s.office.sender_id());
    assert_eq!(
        message.header.sender_uri.as_deref(),
        Some(s.inbox.url.as_str())
    );
    assert_eq!(message.header.total_count, 1);
    let json = serde_json::to_value(&message).unwrap();
    assert_eq!(json["message"]["disbursements"][0]["amount"], "123456");
    assert_eq!(json["message"]["disbursements"][0]["currency_code"], "IDR");
    assert_eq!(
        json["message"]["disbursements"][0]["payer_fa"],
        "account:1234567890@bri"
    );
}
