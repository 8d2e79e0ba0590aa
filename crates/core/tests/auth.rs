//! Signing in and out, lockout, throttling and session expiry, on every backend.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use tepat_core::access::{Actor, Administer};
use tepat_core::auth::accounts::{self, AccountError, NewUser};
use tepat_core::auth::{AuthPolicy, AuthService, Password, RateLimit, SessionToken, SignInError};
use tepat_domain::{Lang, Localized, RegionCode, Role, Scope};
use tepat_store::testing::TestDb;
use tepat_store::Lockout;

tepat_store::on_every_backend!(
    the_right_password_gives_a_session_with_the_accounts_role_and_scope,
    unknown_users_and_wrong_passwords_get_the_same_answer,
    an_account_locks_after_repeated_failures_and_unlocks_after_the_period,
    an_address_with_too_many_failures_is_throttled,
    sessions_expire_when_idle_and_after_the_absolute_limit,
    changing_the_password_signs_out_everywhere_else,
    accounts_are_checked_before_they_are_created,
    a_locked_account_cannot_sign_in_and_loses_its_sessions,
    a_hash_with_old_parameters_is_upgraded_at_sign_in,
);

const VILLAGE: &str = "19.02.01.1001";
const PASSWORD: &str = "pantai tanjung tinggi";

struct Clock(Arc<Mutex<DateTime<Utc>>>);

impl Clock {
    fn new() -> Clock {
        Clock(Arc::new(Mutex::new(Utc::now())))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
    fn source(&self) -> tepat_core::auth::Clock {
        let t = self.0.clone();
        Arc::new(move || *t.lock().unwrap())
    }
}

fn policy() -> AuthPolicy {
    AuthPolicy {
        idle_timeout: Duration::minutes(30),
        absolute_timeout: Duration::hours(12),
        lockout: Lockout {
            after_failures: 3,
            duration: Duration::minutes(15),
        },
        per_client: RateLimit {
            failures: 5,
            window: Duration::minutes(15),
        },
    }
}

fn village() -> Scope {
    Scope::Within(RegionCode::parse(VILLAGE).unwrap())
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

async fn setup(db: &TestDb) -> (AuthService, Clock) {
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    accounts::create_user(
        db.store.as_ref(),
        &grant,
        NewUser {
            username: "Op.Desa".into(),
            display_name: "Siti Operator".into(),
            role: Role::VillageOperator,
            scope: village(),
            password: Password::new(PASSWORD),
        },
    )
    .await
    .unwrap();
    let clock = Clock::new();
    let service = AuthService::new(db.store.clone(), policy()).with_clock(clock.source());
    (service, clock)
}

async fn the_right_password_gives_a_session_with_the_accounts_role_and_scope(db: TestDb) {
    let (auth, _) = setup(&db).await;
    let signed = auth
        .sign_in(" op.desa ", &Password::new(PASSWORD), ip("10.0.0.1"))
        .await
        .unwrap();
    assert_eq!(signed.session.actor.username(), "op.desa");
    assert_eq!(signed.session.display_name, "Siti Operator");
    let session = auth.session(&signed.token).await.unwrap().unwrap();
    assert_eq!(session.actor.role(), Role::VillageOperator);
    assert_eq!(session.actor.scope(), village());
    // The actor obtained by signing in is bound by its scope like any other.
    let here = RegionCode::parse(VILLAGE).unwrap();
    let there = RegionCode::parse("19.02.01.1002").unwrap();
    assert!(session
        .actor
        .may::<tepat_core::access::Propose>(&here)
        .is_ok());
    assert!(session
        .actor
        .may::<tepat_core::access::Propose>(&there)
        .is_err());
    auth.sign_out(&signed.token).await.unwrap();
    assert!(auth.session(&signed.token).await.unwrap().is_none());
    assert!(auth
        .session(&SessionToken::from_cookie("forged"))
        .await
        .unwrap()
        .is_none());
}

async fn unknown_users_and_wrong_passwords_get_the_same_answer(db: TestDb) {
    let (auth, _) = setup(&db).await;
    let wrong = auth
        .sign_in(
            "op.desa",
            &Password::new("salah sekali kata"),
            ip("10.0.0.1"),
        )
        .await
        .unwrap_err();
    let unknown = auth
        .sign_in("tidak.ada", &Password::new(PASSWORD), ip("10.0.0.1"))
        .await
        .unwrap_err();
    assert!(matches!(wrong, SignInError::Refused(3)), "{wrong}");
    for lang in [Lang::Id, Lang::En] {
        assert_eq!(wrong.message(lang), unknown.message(lang));
    }
    assert_eq!(wrong.to_string(), unknown.to_string());
}

async fn an_account_locks_after_repeated_failures_and_unlocks_after_the_period(db: TestDb) {
    let (auth, clock) = setup(&db).await;
    for i in 0..3 {
        // Different addresses: this is the per-account lock, not the per-address one.
        let from = ip(&format!("10.0.1.{i}"));
        assert!(auth
            .sign_in("op.desa", &Password::new("bukan kata sandinya"), from)
            .await
            .is_err());
    }
    let err = auth
        .sign_in("op.desa", &Password::new(PASSWORD), ip("10.0.2.1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SignInError::Refused(_)),
        "locked, with the same answer: {err}"
    );
    clock.advance(Duration::minutes(16));
    auth.sign_in("op.desa", &Password::new(PASSWORD), ip("10.0.2.1"))
        .await
        .expect("unlocked after the period");
}

async fn an_address_with_too_many_failures_is_throttled(db: TestDb) {
    let (auth, clock) = setup(&db).await;
    for i in 0..5 {
        let _ = auth
            .sign_in(
                &format!("tebakan{i}"),
                &Password::new("apa saja boleh"),
                ip("10.9.9.9"),
            )
            .await;
    }
    let err = auth
        .sign_in("op.desa", &Password::new(PASSWORD), ip("10.9.9.9"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::TooManyAttempts(_)), "{err}");
    assert!(err.message(Lang::Id).contains("Terlalu banyak"));
    auth.sign_in("op.desa", &Password::new(PASSWORD), ip("10.9.9.10"))
        .await
        .expect("another address is not affected");
    clock.advance(Duration::minutes(16));
    auth.sign_in("op.desa", &Password::new(PASSWORD), ip("10.9.9.9"))
        .await
        .expect("after the window");
}

async fn sessions_expire_when_idle_and_after_the_absolute_limit(db: TestDb) {
    let (auth, clock) = setup(&db).await;
    let a = auth
        .sign_in("op.desa", &Password::new(PASSWORD), None)
        .await
        .unwrap();
    // Active every 20 minutes: the idle timeout (30) never runs out, the absolute one (12 h) does.
    for _ in 0..(11 * 3) {
        clock.advance(Duration::minutes(20));
        assert!(auth.session(&a.token).await.unwrap().is_some());
    }
    clock.advance(Duration::minutes(60));
    assert!(
        auth.session(&a.token).await.unwrap().is_none(),
        "12 h passed"
    );

    let b = auth
        .sign_in("op.desa", &Password::new(PASSWORD), None)
        .await
        .unwrap();
    clock.advance(Duration::minutes(29));
    assert!(auth.session(&b.token).await.unwrap().is_some());
    clock.advance(Duration::minutes(31));
    assert!(auth.session(&b.token).await.unwrap().is_none(), "idle");
    assert_eq!(
        auth.sweep().await.unwrap(),
        0,
        "expired sessions were deleted when seen"
    );
}

async fn changing_the_password_signs_out_everywhere_else(db: TestDb) {
    let (auth, _) = setup(&db).await;
    let phone = auth
        .sign_in("op.desa", &Password::new(PASSWORD), None)
        .await
        .unwrap();
    let laptop = auth
        .sign_in("op.desa", &Password::new(PASSWORD), None)
        .await
        .unwrap();
    let actor = phone.session.actor.clone();
    let err = auth
        .change_own_password(
            &actor,
            &Password::new("bukan yang lama"),
            &Password::new("kata sandi baru sekali"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AccountError::WrongPassword));
    let renewed = auth
        .change_own_password(
            &actor,
            &Password::new(PASSWORD),
            &Password::new("kata sandi baru sekali"),
        )
        .await
        .unwrap();
    assert!(auth.session(&phone.token).await.unwrap().is_none());
    assert!(auth.session(&laptop.token).await.unwrap().is_none());
    assert!(auth.session(&renewed.token).await.unwrap().is_some());
    assert!(auth
        .sign_in("op.desa", &Password::new(PASSWORD), None)
        .await
        .is_err());
    auth.sign_in("op.desa", &Password::new("kata sandi baru sekali"), None)
        .await
        .unwrap();
}

async fn accounts_are_checked_before_they_are_created(db: TestDb) {
    let store = db.store.as_ref();
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    let user = |username: &str, role, scope: &str, password: &str| NewUser {
        username: username.into(),
        display_name: "Petugas".into(),
        role,
        scope: Scope::parse(scope).unwrap(),
        password: Password::new(password),
    };
    let cases = [
        (user("x", Role::Verifier, "*", PASSWORD), "username"),
        (
            user("op.desa", Role::VillageOperator, "19.02.01", PASSWORD),
            "scope",
        ),
        (
            user("op.desa", Role::VillageOperator, "19.02.01.1001", "pendek"),
            "password",
        ),
        (user("warga1", Role::Citizen, "*", PASSWORD), "role"),
        (
            user("op.desa", Role::VillageOperator, "19.02.01.2999", PASSWORD),
            "region",
        ),
    ];
    for (u, field) in cases {
        let err = accounts::create_user(store, &grant, u).await.unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
    assert!(
        store.accounts().await.unwrap().is_empty(),
        "nothing half-made"
    );

    // An administrator of one regency manages accounts in it only.
    let regency_admin = accounts::create_user(
        store,
        &grant,
        user("admin.belitung", Role::Admin, "19.02", PASSWORD),
    )
    .await
    .unwrap();
    let clock = Clock::new();
    let auth = AuthService::new(db.store.clone(), policy()).with_clock(clock.source());
    let signed = auth
        .sign_in(&regency_admin.username, &Password::new(PASSWORD), None)
        .await
        .unwrap();
    let grant = signed.session.actor.may_anywhere::<Administer>().unwrap();
    let err = accounts::create_user(
        store,
        &grant,
        user("verif.babel", Role::Verifier, "19", PASSWORD),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AccountError::OutsideScope(_)), "{err}");
    accounts::create_user(
        store,
        &grant,
        user("op.desa", Role::VillageOperator, VILLAGE, PASSWORD),
    )
    .await
    .unwrap();
    let names: Vec<_> = accounts::list_users(store, &grant)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert_eq!(names, ["admin.belitung", "op.desa"]);
    let err = accounts::create_user(
        store,
        &grant,
        user("OP.DESA", Role::VillageOperator, VILLAGE, PASSWORD),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("exists already"), "{err}");
}

async fn a_locked_account_cannot_sign_in_and_loses_its_sessions(db: TestDb) {
    let (auth, _) = setup(&db).await;
    let signed = auth
        .sign_in("op.desa", &Password::new(PASSWORD), None)
        .await
        .unwrap();
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    let locked = accounts::set_locked(db.store.as_ref(), &grant, "op.desa", true)
        .await
        .unwrap();
    assert!(locked.disabled);
    assert!(auth.session(&signed.token).await.unwrap().is_none());
    assert!(matches!(
        auth.sign_in("op.desa", &Password::new(PASSWORD), None)
            .await,
        Err(SignInError::Refused(_))
    ));
    accounts::set_locked(db.store.as_ref(), &grant, "op.desa", false)
        .await
        .unwrap();
    accounts::set_password(
        db.store.as_ref(),
        &grant,
        "op.desa",
        Password::new("garam dan gula aren"),
    )
    .await
    .unwrap();
    auth.sign_in("op.desa", &Password::new("garam dan gula aren"), None)
        .await
        .unwrap();
    let err = accounts::set_locked(db.store.as_ref(), &grant, "nobody", true)
        .await
        .unwrap_err();
    assert!(matches!(err, AccountError::NoSuchUser(_)));
}

async fn a_hash_with_old_parameters_is_upgraded_at_sign_in(db: TestDb) {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let old = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(
        PASSWORD.as_bytes(),
        &SaltString::encode_b64(&[3u8; 16]).unwrap(),
    )
    .unwrap()
    .to_string();
    let account = db
        .store
        .create_account(
            &tepat_store::NewAccount {
                username: "lama".into(),
                display_name: "Akun lama".into(),
                role: Role::Verifier,
                scope: Scope::All,
                password_hash: old.clone(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let auth = AuthService::new(db.store.clone(), policy());
    auth.sign_in("lama", &Password::new(PASSWORD), None)
        .await
        .unwrap();
    let stored = db.store.account_by_id(account.id).await.unwrap().unwrap();
    assert_ne!(stored.password_hash, old);
    assert!(stored
        .password_hash
        .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    auth.sign_in("lama", &Password::new(PASSWORD), None)
        .await
        .expect("the same password still works");
}
