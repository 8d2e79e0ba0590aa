//! The agency outboxes shared by several `tepat serve` processes, on every backend: rows claimed with a
//! lease go to one claimer only, an expired lease is taken over, the change feed is queued once when
//! two processes read it at the same time, and callbacks keep their message (sealed) across attempts.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tepat_domain::{RegionCode, Scope};
use tepat_store::testing::TestDb;
use tepat_store::{
    Delivery, FeedCursor, Lease, NewAgency, NewCallback, NewOutboxItem, OutboxState, Store,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    two_claimers_get_disjoint_notifications,
    an_expired_lease_is_taken_over,
    the_change_feed_is_queued_once_by_two_processes,
    callbacks_are_claimed_retried_and_sealed,
);

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// Whole microseconds, as both backends keep them.
fn at(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap()
}

fn lease(holder: &str, until: DateTime<Utc>) -> Lease {
    Lease {
        holder: holder.into(),
        until,
    }
}

/// An agency with one subscription; `n` notifications queued for it at `now`.
async fn queued(store: &dyn Store, n: usize, now: DateTime<Utc>) -> (Uuid, Vec<NewOutboxItem>) {
    let agency = store
        .create_agency(
            &NewAgency {
                sender_id: "dukcapil.test".into(),
                name: "Dinas Kependudukan".into(),
                jwks: r#"{"keys":[]}"#.into(),
                scope: Scope::Within(code("19.02.01")),
                may_search: true,
                may_subscribe: true,
            },
            now,
        )
        .await
        .unwrap();
    let s = store
        .create_subscription(
            agency.id,
            "registration",
            &agency.scope,
            "https://d.example",
            now,
        )
        .await
        .unwrap();
    let items: Vec<NewOutboxItem> = (0..n)
        .map(|_| NewOutboxItem {
            agency: agency.id,
            subscription: s.id,
            event_type: "registration".into(),
            household: Uuid::now_v7(),
            village: code("19.02.01.1001"),
        })
        .collect();
    if n > 0 {
        let cursor = FeedCursor {
            at: at(now),
            request: Uuid::now_v7(),
        };
        assert!(store
            .enqueue_notifications_from(None, &items, cursor, now)
            .await
            .unwrap());
    }
    (agency.id, items)
}

async fn two_claimers_get_disjoint_notifications(db: TestDb) {
    let store = db.store.clone();
    let now = at(Utc::now());
    queued(store.as_ref(), 7, now).await;
    let until = now + Duration::minutes(5);
    // Two processes claim at the same moment, each from its own task.
    let claim = |holder: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .claim_notifications(&lease(holder, until), now, 5)
                .await
                .unwrap()
        })
    };
    let (a, b) = (claim("a"), claim("b"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a.len() + b.len(), 7, "a {} b {}", a.len(), b.len());
    assert!(a.len() <= 5 && b.len() <= 5);
    for item in &a {
        assert!(b.iter().all(|other| other.id != item.id), "claimed twice");
    }
    // Nothing is left for a third while the leases run.
    let c = store
        .claim_notifications(&lease("c", until), now + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert!(c.is_empty(), "{c:?}");
}

async fn an_expired_lease_is_taken_over(db: TestDb) {
    let store = db.store.as_ref();
    let now = at(Utc::now());
    queued(store, 2, now).await;
    let first = store
        .claim_notifications(&lease("a", now + Duration::seconds(60)), now, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let early = now + Duration::seconds(30);
    assert!(store
        .claim_notifications(&lease("b", early + Duration::seconds(60)), early, 10)
        .await
        .unwrap()
        .is_empty());
    // "a" died: once its lease ran out, "b" takes the rows over.
    let late = now + Duration::seconds(61);
    let taken = store
        .claim_notifications(&lease("b", late + Duration::seconds(60)), late, 10)
        .await
        .unwrap();
    assert_eq!(
        taken.iter().map(|i| i.id).collect::<Vec<_>>(),
        first.iter().map(|i| i.id).collect::<Vec<_>>()
    );
    // A recorded attempt releases the lease: a retry is claimable when due, not only after the lease.
    let retry_at = late + Duration::seconds(2);
    store
        .record_delivery(
            taken[0].id,
            &Delivery::Retry {
                at: retry_at,
                error: "HTTP 500".into(),
            },
            late,
        )
        .await
        .unwrap();
    store
        .record_delivery(taken[1].id, &Delivery::Delivered, late)
        .await
        .unwrap();
    let again = store
        .claim_notifications(&lease("c", retry_at + Duration::seconds(60)), retry_at, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, taken[0].id);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].state, OutboxState::Pending);
}

async fn the_change_feed_is_queued_once_by_two_processes(db: TestDb) {
    let store = db.store.as_ref();
    let now = at(Utc::now());
    let (agency, items) = queued(store, 0, now).await;
    let mut items = items;
    items.push(NewOutboxItem {
        agency,
        subscription: store.subscriptions_of(agency).await.unwrap()[0].id,
        event_type: "registration".into(),
        household: Uuid::now_v7(),
        village: code("19.02.01.1001"),
    });
    let c1 = FeedCursor {
        at: now,
        request: Uuid::now_v7(),
    };
    let c2 = FeedCursor {
        at: now + Duration::seconds(1),
        request: Uuid::now_v7(),
    };
    // Both processes read the feed from the start; only the first to move the cursor queues.
    assert!(store
        .enqueue_notifications_from(None, &items, c1, now)
        .await
        .unwrap());
    assert!(!store
        .enqueue_notifications_from(None, &items, c1, now)
        .await
        .unwrap());
    assert_eq!(store.feed_cursor().await.unwrap(), Some(c1));
    assert!(store
        .enqueue_notifications_from(Some(c1), &items, c2, now)
        .await
        .unwrap());
    assert!(!store
        .enqueue_notifications_from(Some(c1), &items, c2, now)
        .await
        .unwrap());
    assert_eq!(store.feed_cursor().await.unwrap(), Some(c2));
    assert_eq!(store.notifications_of(agency, 10).await.unwrap().len(), 2);
}

async fn callbacks_are_claimed_retried_and_sealed(db: TestDb) {
    let store = db.store.as_ref();
    let now = at(Utc::now());
    let (agency, _) = queued(store, 0, now).await;
    let secret = "3201010101010001";
    let body = json!({"header": {"action": "on-search"}, "message": {"nik": secret}});
    let id = store
        .enqueue_callback(
            &NewCallback {
                agency,
                action: "on-search".into(),
                url: "https://d.example/on-search".into(),
                body: body.clone(),
            },
            now,
        )
        .await
        .unwrap();
    let claimed = store
        .claim_callbacks(&lease("a", now + Duration::minutes(5)), now, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, id);
    assert_eq!(claimed[0].body, body);
    assert!(store
        .claim_callbacks(&lease("b", now + Duration::minutes(5)), now, 10)
        .await
        .unwrap()
        .is_empty());
    let retry_at = now + Duration::seconds(4);
    store
        .record_callback(
            id,
            &Delivery::Retry {
                at: retry_at,
                error: "HTTP 503".into(),
            },
            now,
        )
        .await
        .unwrap();
    assert!(store
        .claim_callbacks(&lease("b", now + Duration::minutes(5)), now, 10)
        .await
        .unwrap()
        .is_empty());
    let retried = store
        .claim_callbacks(&lease("b", retry_at + Duration::minutes(5)), retry_at, 10)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 1);
    assert_eq!(retried[0].last_error.as_deref(), Some("HTTP 503"));
    store
        .record_callback(id, &Delivery::Delivered, retry_at)
        .await
        .unwrap();
    let all = store.callbacks_of(agency, 10).await.unwrap();
    assert_eq!(all[0].state, OutboxState::Delivered);
    assert_eq!(all[0].attempts, 2);

    // The message (personal data) is sealed at rest.
    let raw = raw_bodies(&db).await;
    assert_eq!(raw.len(), 1);
    assert!(!raw[0].windows(secret.len()).any(|w| w == secret.as_bytes()));
}

async fn raw_bodies(db: &TestDb) -> Vec<Vec<u8>> {
    let q = "SELECT body_sealed FROM agency_callback";
    if db.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(q).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(q).fetch_all(&pool).await.unwrap()
    }
}
