//! The agency store on every backend: registering agencies, replay protection, subscriptions, the
//! change feed cursor, the notification outbox and transactions.

use chrono::{Duration, Utc};
use tepat_domain::{RegionCode, Scope};
use tepat_store::testing::TestDb;
use tepat_store::{
    AgencyTransaction, Delivery, FeedCursor, NewAgency, NewOutboxItem, OutboxState, StoreError,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    agencies_are_registered_changed_and_disabled,
    a_message_id_is_accepted_once_until_it_is_forgotten,
    subscriptions_start_and_end,
    notifications_move_through_the_outbox,
    transactions_are_remembered_per_agency,
);

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn new_agency(sender: &str) -> NewAgency {
    NewAgency {
        sender_id: sender.into(),
        name: "Dinas Kependudukan".into(),
        jwks: r#"{"keys":[]}"#.into(),
        scope: Scope::Within(code("19.02.01")),
        may_search: true,
        may_subscribe: false,
    }
}

async fn agencies_are_registered_changed_and_disabled(db: TestDb) {
    let store = db.store.as_ref();
    let now = Utc::now();
    let a = store
        .create_agency(&new_agency("dukcapil.test"), now)
        .await
        .unwrap();
    assert_eq!(a.scope, Scope::Within(code("19.02.01")));
    assert!(a.may_search && !a.may_subscribe && !a.disabled);
    let err = store
        .create_agency(&new_agency("dukcapil.test"), now)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::SenderTaken { .. }), "{err}");
    let mut nowhere = new_agency("bpjs.test");
    nowhere.scope = Scope::Within(code("99.99"));
    assert!(matches!(
        store.create_agency(&nowhere, now).await.unwrap_err(),
        StoreError::UnknownRegion { .. }
    ));
    let mut everywhere = new_agency("bpjs.test");
    everywhere.scope = Scope::All;
    store.create_agency(&everywhere, now).await.unwrap();

    assert!(store
        .set_agency_keys("dukcapil.test", r#"{"keys":[1]}"#, now)
        .await
        .unwrap());
    assert!(store
        .set_agency_disabled("dukcapil.test", true, now)
        .await
        .unwrap());
    assert!(!store
        .set_agency_disabled("nobody", true, now)
        .await
        .unwrap());
    let back = store
        .agency_by_sender("dukcapil.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.jwks, r#"{"keys":[1]}"#);
    assert!(back.disabled);
    assert_eq!(store.agency_by_id(a.id).await.unwrap().unwrap().id, a.id);
    let all = store.agencies().await.unwrap();
    let senders: Vec<&str> = all.iter().map(|a| a.sender_id.as_str()).collect();
    assert_eq!(senders, ["bpjs.test", "dukcapil.test"]);
    assert_eq!(all[0].scope, Scope::All);
}

async fn a_message_id_is_accepted_once_until_it_is_forgotten(db: TestDb) {
    let store = db.store.as_ref();
    let now = Utc::now();
    let later = now + Duration::hours(1);
    assert!(store.remember_message("a", "m1", later, now).await.unwrap());
    assert!(!store.remember_message("a", "m1", later, now).await.unwrap());
    assert!(
        store.remember_message("b", "m1", later, now).await.unwrap(),
        "ids are per sender"
    );
    // Two hours on, the id is forgotten (its signature can no longer be valid).
    let much_later = now + Duration::hours(2);
    assert!(store
        .remember_message("a", "m1", much_later + Duration::hours(1), much_later)
        .await
        .unwrap());
}

async fn subscriptions_start_and_end(db: TestDb) {
    let store = db.store.as_ref();
    let now = Utc::now();
    let a = store
        .create_agency(&new_agency("dukcapil.test"), now)
        .await
        .unwrap();
    let region = Scope::Within(code("19.02.01.1001"));
    let s = store
        .create_subscription(a.id, "death", &region, "https://d.example/dci", now)
        .await
        .unwrap();
    assert_eq!(store.subscriptions_of(a.id).await.unwrap(), vec![s.clone()]);
    assert_eq!(store.active_subscriptions().await.unwrap().len(), 1);
    store
        .set_agency_disabled("dukcapil.test", true, now)
        .await
        .unwrap();
    assert!(
        store.active_subscriptions().await.unwrap().is_empty(),
        "a disabled agency's subscriptions are not active"
    );
    assert!(!store.end_subscription(a.id, "other", now).await.unwrap());
    assert!(!store
        .end_subscription(Uuid::now_v7(), &s.code, now)
        .await
        .unwrap());
    assert!(store.end_subscription(a.id, &s.code, now).await.unwrap());
    assert!(!store.end_subscription(a.id, &s.code, now).await.unwrap());
    assert!(store.subscriptions_of(a.id).await.unwrap().is_empty());
}

async fn notifications_move_through_the_outbox(db: TestDb) {
    let store = db.store.as_ref();
    let now = Utc::now();
    let a = store
        .create_agency(&new_agency("dukcapil.test"), now)
        .await
        .unwrap();
    let s = store
        .create_subscription(a.id, "registration", &a.scope, "https://d.example", now)
        .await
        .unwrap();
    assert_eq!(store.feed_cursor().await.unwrap(), None);
    assert!(store.registry_changes(None, 10).await.unwrap().is_empty());
    let household = Uuid::now_v7();
    let item = NewOutboxItem {
        agency: a.id,
        subscription: s.id,
        event_type: "registration".into(),
        household,
        village: code("19.02.01.1001"),
    };
    let cursor = FeedCursor {
        at: DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap(),
        request: Uuid::now_v7(),
    };
    store
        .enqueue_notifications(&[item.clone(), item], cursor, now)
        .await
        .unwrap();
    assert_eq!(store.feed_cursor().await.unwrap(), Some(cursor));
    let due = store.due_notifications(now, 10).await.unwrap();
    assert_eq!(due.len(), 2);
    assert_ne!(due[0].message_id, due[1].message_id);
    assert_eq!(due[0].household, household);
    assert_eq!(due[0].state, OutboxState::Pending);

    let retry_at = now + Duration::seconds(2);
    let retry = Delivery::Retry {
        at: retry_at,
        error: "HTTP 500".into(),
    };
    store.record_delivery(due[0].id, &retry, now).await.unwrap();
    store
        .record_delivery(due[1].id, &Delivery::Delivered, now)
        .await
        .unwrap();
    assert!(store.due_notifications(now, 10).await.unwrap().is_empty());
    let again = store.due_notifications(retry_at, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_error.as_deref(), Some("HTTP 500"));
    store
        .record_delivery(
            again[0].id,
            &Delivery::GiveUp {
                error: "HTTP 500".into(),
            },
            retry_at,
        )
        .await
        .unwrap();
    assert!(store
        .due_notifications(retry_at, 10)
        .await
        .unwrap()
        .is_empty());
    let all = store.notifications_of(a.id, 10).await.unwrap();
    let mut states: Vec<(OutboxState, u32)> = all.iter().map(|n| (n.state, n.attempts)).collect();
    states.sort_by_key(|(s, _)| s.code());
    assert_eq!(
        states,
        [(OutboxState::Delivered, 1), (OutboxState::Failed, 2)]
    );
    assert!(all.iter().any(|n| n.delivered_at.is_some()));
}

use chrono::DateTime;

async fn transactions_are_remembered_per_agency(db: TestDb) {
    let store = db.store.as_ref();
    let now = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap();
    let a = store
        .create_agency(&new_agency("dukcapil.test"), now)
        .await
        .unwrap();
    let b = store
        .create_agency(&new_agency("bpjs.test"), now)
        .await
        .unwrap();
    let mut txn = AgencyTransaction {
        agency: a.id,
        transaction_id: "t-1".into(),
        action: "search".into(),
        correlation_id: "c-1".into(),
        status: "pdng".into(),
        created_at: now,
    };
    store.record_transaction(&txn).await.unwrap();
    txn.status = "succ".into();
    store.record_transaction(&txn).await.unwrap();
    assert_eq!(
        store
            .agency_transaction(a.id, "t-1", "search")
            .await
            .unwrap(),
        Some(txn)
    );
    assert_eq!(
        store
            .agency_transaction(b.id, "t-1", "search")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .agency_transaction(a.id, "t-1", "subscribe")
            .await
            .unwrap(),
        None
    );
}
