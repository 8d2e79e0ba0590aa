//! The account and session tables, on every backend (SQLite always; PostgreSQL when
//! `TEPAT_TEST_POSTGRES_URL` is set, required in CI).

use chrono::{DateTime, Duration, Utc};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::testing::TestDb;
use tepat_store::{Lockout, NewAccount, StoreError};

tepat_store::on_every_backend!(
    accounts_round_trip,
    usernames_are_unique_and_regions_must_exist,
    failed_sign_ins_lock_the_account_after_the_limit,
    sessions_belong_to_an_account_and_end_with_a_password_change,
    locking_ends_sessions_and_unlocking_clears_the_lockout,
    stale_sessions_are_swept,
);

const VILLAGE: &str = "19.02.01.1001";

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 123_456_000).unwrap()
}

fn new(username: &str, role: Role, scope: Scope) -> NewAccount {
    NewAccount {
        username: username.into(),
        display_name: format!("Petugas {username}"),
        role,
        scope,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA".into(),
    }
}

fn village() -> Scope {
    Scope::Within(RegionCode::parse(VILLAGE).unwrap())
}

async fn accounts_round_trip(db: TestDb) {
    let store = db.store;
    let op = store
        .create_account(&new("op.desa", Role::VillageOperator, village()), t0())
        .await
        .unwrap();
    let admin = store
        .create_account(&new("admin", Role::Admin, Scope::All), t0())
        .await
        .unwrap();
    assert_eq!(op.role, Role::VillageOperator);
    assert_eq!(op.scope, village());
    assert_eq!(op.created_at, t0());
    assert!(!op.disabled);
    assert_eq!(op.failed_sign_ins, 0);
    assert_eq!(admin.scope, Scope::All);
    let again = store.account_by_username("op.desa").await.unwrap().unwrap();
    assert_eq!(again, op);
    assert_eq!(store.account_by_id(admin.id).await.unwrap().unwrap(), admin);
    assert!(store.account_by_username("nobody").await.unwrap().is_none());
    let names: Vec<_> = store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert_eq!(names, ["admin", "op.desa"]);
    assert!(!format!("{op:?}").contains("argon2"), "no hash in Debug");
}

async fn usernames_are_unique_and_regions_must_exist(db: TestDb) {
    let store = db.store;
    store
        .create_account(&new("op.desa", Role::VillageOperator, village()), t0())
        .await
        .unwrap();
    let err = store
        .create_account(&new("op.desa", Role::Verifier, Scope::All), t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UsernameTaken { .. }), "{err}");
    // 19.02.01.2999 is well formed but no such village exists.
    let nowhere = Scope::Within(RegionCode::parse("19.02.01.2999").unwrap());
    let err = store
        .create_account(&new("op.lain", Role::VillageOperator, nowhere), t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownRegion { .. }), "{err}");
    assert!(err.to_string().contains("19.02.01.2999"), "{err}");
    assert_eq!(store.accounts().await.unwrap().len(), 1);
}

async fn failed_sign_ins_lock_the_account_after_the_limit(db: TestDb) {
    let store = db.store;
    let a = store
        .create_account(&new("verif", Role::Verifier, Scope::All), t0())
        .await
        .unwrap();
    let lockout = Lockout {
        after_failures: 3,
        duration: Duration::minutes(15),
    };
    for n in 1..=2 {
        store
            .record_failed_sign_in(a.id, t0(), lockout)
            .await
            .unwrap();
        let now = store.account_by_id(a.id).await.unwrap().unwrap();
        assert_eq!(now.failed_sign_ins, n);
        assert_eq!(now.locked_until, None);
    }
    store
        .record_failed_sign_in(a.id, t0(), lockout)
        .await
        .unwrap();
    let locked = store.account_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(locked.locked_until, Some(t0() + Duration::minutes(15)));
    assert_eq!(locked.failed_sign_ins, 0, "the count starts again");
    store.record_sign_in(a.id, t0()).await.unwrap();
    let ok = store.account_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(ok.locked_until, None);
    assert_eq!(ok.last_sign_in_at, Some(t0()));
}

async fn sessions_belong_to_an_account_and_end_with_a_password_change(db: TestDb) {
    let store = db.store;
    let a = store
        .create_account(&new("approver", Role::Approver, Scope::All), t0())
        .await
        .unwrap();
    let b = store
        .create_account(&new("auditor", Role::Auditor, Scope::All), t0())
        .await
        .unwrap();
    let (s1, s2, s3) = ([1u8; 32], [2u8; 32], [3u8; 32]);
    store.create_session(&s1, a.id, t0()).await.unwrap();
    store.create_session(&s2, a.id, t0()).await.unwrap();
    store.create_session(&s3, b.id, t0()).await.unwrap();
    let found = store.session(&s1).await.unwrap().unwrap();
    assert_eq!(found.account.id, a.id);
    assert_eq!(found.created_at, t0());
    assert_eq!(found.last_seen_at, t0());
    store
        .touch_session(&s1, t0() + Duration::minutes(5))
        .await
        .unwrap();
    let found = store.session(&s1).await.unwrap().unwrap();
    assert_eq!(found.last_seen_at, t0() + Duration::minutes(5));
    assert!(store.session(&[9u8; 32]).await.unwrap().is_none());

    // An upgraded hash of the same password keeps the sessions.
    assert!(store
        .upgrade_password_hash(a.id, "$argon2id$upgraded", t0())
        .await
        .unwrap());
    assert!(store.session(&s1).await.unwrap().is_some());
    assert!(store
        .set_password(a.id, "$argon2id$new", t0())
        .await
        .unwrap());
    assert!(
        store.session(&s1).await.unwrap().is_none(),
        "signed out everywhere"
    );
    assert!(store.session(&s2).await.unwrap().is_none());
    assert!(
        store.session(&s3).await.unwrap().is_some(),
        "others untouched"
    );
    assert_eq!(
        store
            .account_by_id(a.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$new"
    );
    store.delete_session(&s3).await.unwrap();
    assert!(store.session(&s3).await.unwrap().is_none());
    assert!(!store
        .set_password(uuid::Uuid::now_v7(), "x", t0())
        .await
        .unwrap());
}

async fn locking_ends_sessions_and_unlocking_clears_the_lockout(db: TestDb) {
    let store = db.store;
    let a = store
        .create_account(&new("op.desa", Role::VillageOperator, village()), t0())
        .await
        .unwrap();
    store.create_session(&[1u8; 32], a.id, t0()).await.unwrap();
    assert!(store.set_disabled(a.id, true, t0()).await.unwrap());
    assert!(store.session(&[1u8; 32]).await.unwrap().is_none());
    assert!(store.account_by_id(a.id).await.unwrap().unwrap().disabled);
    let lockout = Lockout {
        after_failures: 1,
        duration: Duration::hours(1),
    };
    store
        .record_failed_sign_in(a.id, t0(), lockout)
        .await
        .unwrap();
    assert!(store.set_disabled(a.id, false, t0()).await.unwrap());
    let a = store.account_by_id(a.id).await.unwrap().unwrap();
    assert!(!a.disabled);
    assert_eq!(a.locked_until, None);
}

async fn stale_sessions_are_swept(db: TestDb) {
    let store = db.store;
    let a = store
        .create_account(&new("admin", Role::Admin, Scope::All), t0())
        .await
        .unwrap();
    let old = t0() - Duration::hours(13);
    store.create_session(&[1u8; 32], a.id, old).await.unwrap();
    store.touch_session(&[1u8; 32], t0()).await.unwrap();
    store
        .create_session(&[2u8; 32], a.id, t0() - Duration::hours(1))
        .await
        .unwrap();
    store.create_session(&[3u8; 32], a.id, t0()).await.unwrap();
    let gone = store
        .delete_stale_sessions(t0() - Duration::minutes(30), t0() - Duration::hours(12))
        .await
        .unwrap();
    assert_eq!(gone, 2, "one too old, one idle too long");
    assert!(store.session(&[3u8; 32]).await.unwrap().is_some());
    assert_eq!(store.delete_sessions_of(a.id).await.unwrap(), 1);
}
