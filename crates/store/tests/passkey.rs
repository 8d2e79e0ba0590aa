//! The passkey table, on every backend (SQLite always; PostgreSQL when `TEPAT_TEST_POSTGRES_URL` is
//! set, required in CI).

use chrono::{DateTime, Duration, Utc};
use tepat_domain::{Role, Scope};
use tepat_store::testing::TestDb;
use tepat_store::{NewAccount, NewPasskey, StoreError};
use uuid::Uuid;

tepat_store::on_every_backend!(
    passkeys_round_trip_per_account,
    a_credential_id_is_registered_once,
    use_updates_the_counter_state_and_time,
    removal_only_touches_the_owners_passkey,
    a_passkey_needs_an_existing_account,
);

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 123_456_000).unwrap()
}

async fn account(db: &TestDb, username: &str) -> Uuid {
    db.store
        .create_account(
            &NewAccount {
                username: username.into(),
                display_name: format!("Petugas {username}"),
                role: Role::Verifier,
                scope: Scope::All,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA".into(),
            },
            t0(),
        )
        .await
        .unwrap()
        .id
}

fn key(account_id: Uuid, id: &[u8], name: &str) -> NewPasskey {
    NewPasskey {
        credential_id: id.to_vec(),
        account_id,
        static_state: vec![1, 2, 3, id[0]],
        dynamic_state: vec![0, 1, 0, 0, 0, 0, 1],
        name: name.into(),
    }
}

async fn passkeys_round_trip_per_account(db: TestDb) {
    let (a, b) = (account(&db, "ana").await, account(&db, "budi").await);
    let store = &db.store;
    let first = store
        .add_passkey(&key(a, b"\x01one", "HP kantor"), t0())
        .await
        .unwrap();
    store
        .add_passkey(
            &key(a, b"\x02two", "Kunci USB"),
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    store
        .add_passkey(&key(b, b"\x03three", "HP Budi"), t0())
        .await
        .unwrap();
    assert_eq!(first.created_at, t0());
    assert_eq!(first.last_used_at, None);

    let of_a = store.passkeys_of(a).await.unwrap();
    assert_eq!(
        of_a.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["HP kantor", "Kunci USB"]
    );
    assert_eq!(of_a[0], first);
    assert_eq!(store.passkeys_of(b).await.unwrap().len(), 1);

    let (found, owner) = store.passkey(b"\x03three").await.unwrap().unwrap();
    assert_eq!(owner.username, "budi");
    assert_eq!(found.static_state, vec![1, 2, 3, 3]);
    assert!(store.passkey(b"\x09none").await.unwrap().is_none());
}

async fn a_credential_id_is_registered_once(db: TestDb) {
    let (a, b) = (account(&db, "ana").await, account(&db, "budi").await);
    db.store
        .add_passkey(&key(a, b"\x01same", "one"), t0())
        .await
        .unwrap();
    for owner in [a, b] {
        let err = db
            .store
            .add_passkey(&key(owner, b"\x01same", "again"), t0())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::PasskeyTaken), "{err}");
    }
    assert_eq!(db.store.passkeys_of(b).await.unwrap().len(), 0);
}

async fn use_updates_the_counter_state_and_time(db: TestDb) {
    let a = account(&db, "ana").await;
    db.store
        .add_passkey(&key(a, b"\x01k", "k"), t0())
        .await
        .unwrap();
    let later = t0() + Duration::hours(3);
    assert!(db
        .store
        .record_passkey_use(b"\x01k", &[1, 2, 9, 0, 0, 0, 1], later)
        .await
        .unwrap());
    let (p, _) = db.store.passkey(b"\x01k").await.unwrap().unwrap();
    assert_eq!(p.dynamic_state, vec![1, 2, 9, 0, 0, 0, 1]);
    assert_eq!(p.last_used_at, Some(later));
    assert!(!db
        .store
        .record_passkey_use(b"\x02other", &[0; 7], later)
        .await
        .unwrap());
}

async fn removal_only_touches_the_owners_passkey(db: TestDb) {
    let (a, b) = (account(&db, "ana").await, account(&db, "budi").await);
    db.store
        .add_passkey(&key(a, b"\x01a1", "a1"), t0())
        .await
        .unwrap();
    db.store
        .add_passkey(&key(a, b"\x01a2", "a2"), t0())
        .await
        .unwrap();
    db.store
        .add_passkey(&key(b, b"\x02b1", "b1"), t0())
        .await
        .unwrap();
    // Budi cannot remove Ana's passkey by naming its id.
    assert!(!db.store.remove_passkey(b, b"\x01a1").await.unwrap());
    assert!(db.store.passkey(b"\x01a1").await.unwrap().is_some());
    assert!(db.store.remove_passkey(a, b"\x01a1").await.unwrap());
    assert!(db.store.passkey(b"\x01a1").await.unwrap().is_none());
    assert!(!db.store.remove_passkey(a, b"\x01a1").await.unwrap());
    assert_eq!(db.store.remove_passkeys_of(a).await.unwrap(), 1);
    assert!(db.store.passkeys_of(a).await.unwrap().is_empty());
    assert_eq!(db.store.passkeys_of(b).await.unwrap().len(), 1);
}

async fn a_passkey_needs_an_existing_account(db: TestDb) {
    let a = account(&db, "ana").await;
    db.store
        .add_passkey(&key(a, b"\x01a1", "a1"), t0())
        .await
        .unwrap();
    let err = db
        .store
        .add_passkey(&key(Uuid::now_v7(), b"\x01zz", "nobody"), t0())
        .await
        .unwrap_err();
    assert!(!matches!(err, StoreError::PasskeyTaken), "{err}");
    assert_eq!(db.store.passkeys_of(a).await.unwrap().len(), 1);
}
