//! Passkeys: registration and sign-in driven by a software authenticator (an Ed25519 key; attestation
//! objects and assertions built byte by byte as a real authenticator does, CBOR by hand), on every
//! backend. Refusals: replayed and expired challenges, locked accounts, another account's challenge or
//! credential, a wrong origin, a counter that goes backwards.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signer as _, SigningKey};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use tepat_core::access::{Actor, Administer};
use tepat_core::auth::accounts::{self, NewUser};
use tepat_core::auth::passkey::{PasskeyError, Passkeys};
use tepat_core::auth::{AuthPolicy, AuthService, Password, RateLimit};
use tepat_domain::{Lang, Localized, RegionCode, Role, Scope};
use tepat_store::testing::TestDb;
use tepat_store::Lockout;

tepat_store::on_every_backend!(
    a_registered_passkey_signs_in_to_the_same_session_as_the_password,
    registration_needs_the_current_password_and_a_name,
    a_challenge_is_used_once,
    a_challenge_expires_after_five_minutes,
    a_locked_account_cannot_sign_in_with_its_passkey,
    another_accounts_challenge_or_credential_is_refused,
    answers_for_another_origin_or_rp_are_refused,
    a_counter_that_goes_backwards_is_refused,
    passkeys_are_removed_only_by_their_owner,
);

const ORIGIN: &str = "https://bansos.example.go.id";
const RP_ID: &str = "bansos.example.go.id";
const PASSWORD: &str = "pantai tanjung tinggi";
const VILLAGE: &str = "19.02.01.1001";

struct Clock(Arc<Mutex<DateTime<Utc>>>);

impl Clock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
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
            failures: 50,
            window: Duration::minutes(15),
        },
    }
}

fn ip() -> Option<IpAddr> {
    Some("10.0.0.7".parse().unwrap())
}

struct Setup {
    auth: AuthService,
    passkeys: Passkeys,
    clock: Clock,
}

async fn setup(db: &TestDb) -> Setup {
    for (username, role, scope) in [
        (
            "op.desa",
            Role::VillageOperator,
            Scope::Within(RegionCode::parse(VILLAGE).unwrap()),
        ),
        ("verifikator", Role::Verifier, Scope::All),
    ] {
        let admin = Actor::local_admin();
        let grant = admin.may_anywhere::<Administer>().unwrap();
        accounts::create_user(
            db.store.as_ref(),
            &grant,
            NewUser {
                username: username.into(),
                display_name: format!("Petugas {username}"),
                role,
                scope,
                password: Password::new(PASSWORD),
            },
        )
        .await
        .unwrap();
    }
    let now = Arc::new(Mutex::new(Utc::now()));
    let source = now.clone();
    let auth = AuthService::new(db.store.clone(), policy())
        .with_clock(Arc::new(move || *source.lock().unwrap()));
    Setup {
        auth,
        passkeys: Passkeys::new(ORIGIN, None).unwrap(),
        clock: Clock(now),
    }
}

async fn actor(s: &Setup, username: &str) -> Actor {
    s.auth
        .sign_in(username, &Password::new(PASSWORD), ip())
        .await
        .unwrap()
        .session
        .actor
}

// ---- a software authenticator ------------------------------------------------------------------

/// CBOR: a head with major type `major` and argument `n`.
fn head(major: u8, n: usize) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=0xff => vec![m | 24, n as u8],
        0x100..=0xffff => {
            let mut v = vec![m | 25];
            v.extend_from_slice(&(n as u16).to_be_bytes());
            v
        }
        _ => panic!("too long for this test"),
    }
}

fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    let mut v = head(2, b.len());
    v.extend_from_slice(b);
    v
}

fn cbor_text(s: &str) -> Vec<u8> {
    let mut v = head(3, s.len());
    v.extend_from_slice(s.as_bytes());
    v
}

/// One discoverable credential, as a platform authenticator with user verification keeps it.
struct Authenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    user_handle: Vec<u8>,
    counter: u32,
    origin: String,
    rp_id: String,
}

fn options(json: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v.get("publicKey").cloned().unwrap_or(v)
}

impl Authenticator {
    fn new() -> Authenticator {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        let mut credential_id = vec![0u8; 32];
        rand::rng().fill_bytes(&mut credential_id);
        Authenticator {
            key: SigningKey::from_bytes(&seed),
            credential_id,
            user_handle: Vec::new(),
            counter: 0,
            origin: ORIGIN.into(),
            rp_id: RP_ID.into(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        format!(
            r#"{{"type":"{kind}","challenge":"{challenge}","origin":"{}","crossOrigin":false}}"#,
            self.origin
        )
        .into_bytes()
    }

    /// `navigator.credentials.create` → `PublicKeyCredential.toJSON()`.
    fn register(&mut self, options_json: &str) -> Vec<u8> {
        let o = options(options_json);
        let challenge = o["challenge"].as_str().expect("a challenge").to_owned();
        assert_eq!(o["rp"]["id"], RP_ID, "{o}");
        assert_eq!(o["authenticatorSelection"]["userVerification"], "required");
        assert_eq!(o["authenticatorSelection"]["residentKey"], "required");
        // Asked for, not enforced (platform authenticators without credProtect must still work).
        assert_eq!(
            o["extensions"]["enforceCredentialProtectionPolicy"], false,
            "{o}"
        );
        let algs: Vec<i64> = o["pubKeyCredParams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["alg"].as_i64().unwrap())
            .collect();
        assert!(algs.contains(&-8) && !algs.contains(&-257), "{algs:?}");
        self.user_handle = B64.decode(o["user"]["id"].as_str().unwrap()).unwrap();
        let client_data = self.client_data("webauthn.create", &challenge);

        let mut auth_data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        auth_data.push(0x45); // UP | UV | AT
        auth_data.extend_from_slice(&self.counter.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID
        auth_data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        // COSE_Key: {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}
        auth_data.extend_from_slice(&[0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21]);
        auth_data.extend(cbor_bytes(self.key.verifying_key().as_bytes()));

        let mut attestation = vec![0xa3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&auth_data));

        let id = B64.encode(&self.credential_id);
        serde_json::to_vec(&serde_json::json!({
            "id": id, "rawId": id, "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&client_data),
                "attestationObject": B64.encode(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }))
        .unwrap()
    }

    /// `navigator.credentials.get` → `PublicKeyCredential.toJSON()`, counter `counter`.
    fn assert_with(&mut self, options_json: &str, counter: u32) -> Vec<u8> {
        let o = options(options_json);
        let challenge = o["challenge"].as_str().expect("a challenge").to_owned();
        assert_eq!(o["userVerification"], "required", "{o}");
        let client_data = self.client_data("webauthn.get", &challenge);
        let mut auth_data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        auth_data.push(0x05); // UP | UV
        auth_data.extend_from_slice(&counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature = self.key.sign(&signed);
        self.counter = counter;
        let id = B64.encode(&self.credential_id);
        serde_json::to_vec(&serde_json::json!({
            "id": id, "rawId": id, "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&client_data),
                "authenticatorData": B64.encode(&auth_data),
                "signature": B64.encode(signature.to_bytes()),
                "userHandle": B64.encode(&self.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }))
        .unwrap()
    }

    fn assert(&mut self, options_json: &str) -> Vec<u8> {
        let next = self.counter + 1;
        self.assert_with(options_json, next)
    }
}

/// Registers a new software passkey for `username`.
async fn register(s: &Setup, username: &str, name: &str) -> Authenticator {
    let who = actor(s, username).await;
    let mut device = Authenticator::new();
    let options = s
        .passkeys
        .start_registration(&s.auth, &who, &Password::new(PASSWORD), name)
        .await
        .unwrap();
    let answer = device.register(&options);
    let stored = s
        .passkeys
        .finish_registration(&s.auth, &who, &answer)
        .await
        .unwrap();
    assert_eq!(stored.credential_id, device.credential_id);
    device
}

// ---- the tests -----------------------------------------------------------------------------------

async fn a_registered_passkey_signs_in_to_the_same_session_as_the_password(db: TestDb) {
    let s = setup(&db).await;
    let mut device = register(&s, "op.desa", "HP kantor").await;
    let by_password = actor(&s, "op.desa").await;
    let listed = s.passkeys.list(&s.auth, &by_password).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "HP kantor");
    assert_eq!(listed[0].last_used_at, None);
    assert_eq!(device.user_handle, by_password.user().as_bytes().to_vec());

    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let signed = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .unwrap();
    let actor = &signed.session.actor;
    assert_eq!(actor.user(), by_password.user());
    assert_eq!(actor.username(), "op.desa");
    assert_eq!(actor.role(), Role::VillageOperator);
    assert_eq!(actor.scope(), by_password.scope());
    assert_eq!(signed.session.display_name, "Petugas op.desa");
    // A real session: the cookie's token finds it, sign-out ends it.
    let session = s.auth.session(&signed.token).await.unwrap().unwrap();
    assert_eq!(session.actor.user(), by_password.user());
    let used = s.passkeys.list(&s.auth, &by_password).await.unwrap();
    assert!(used[0].last_used_at.is_some());
    assert_ne!(
        used[0].dynamic_state, listed[0].dynamic_state,
        "the counter is kept"
    );
    s.auth.sign_out(&signed.token).await.unwrap();
    assert!(s.auth.session(&signed.token).await.unwrap().is_none());

    // Again, with the next counter value.
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    assert!(s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .is_ok());
    assert_eq!(s.passkeys.pending(), (0, 0));
}

async fn registration_needs_the_current_password_and_a_name(db: TestDb) {
    let s = setup(&db).await;
    let who = actor(&s, "op.desa").await;
    let wrong = s
        .passkeys
        .start_registration(&s.auth, &who, &Password::new("bukan kata sandinya"), "HP")
        .await
        .unwrap_err();
    assert!(matches!(wrong, PasskeyError::WrongPassword), "{wrong}");
    assert!(wrong.message(Lang::Id).contains("Kata sandi salah"));
    assert!(wrong.message(Lang::En).contains("password is wrong"));
    // A wrong password here counts toward the lockout like a failed sign-in.
    let account = db.store.account_by_id(who.user()).await.unwrap().unwrap();
    assert_eq!(account.failed_sign_ins, 1);
    let unnamed = s
        .passkeys
        .start_registration(&s.auth, &who, &Password::new(PASSWORD), "  ")
        .await
        .unwrap_err();
    assert!(matches!(unnamed, PasskeyError::BadName), "{unnamed}");
    assert_eq!(s.passkeys.pending(), (0, 0));
    assert!(s.passkeys.list(&s.auth, &who).await.unwrap().is_empty());
}

async fn a_challenge_is_used_once(db: TestDb) {
    let s = setup(&db).await;
    let who = actor(&s, "op.desa").await;
    let mut device = Authenticator::new();
    let options = s
        .passkeys
        .start_registration(&s.auth, &who, &Password::new(PASSWORD), "HP")
        .await
        .unwrap();
    let answer = device.register(&options);
    s.passkeys
        .finish_registration(&s.auth, &who, &answer)
        .await
        .unwrap();
    let again = s
        .passkeys
        .finish_registration(&s.auth, &who, &answer)
        .await
        .unwrap_err();
    assert!(matches!(again, PasskeyError::Expired), "{again}");

    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let answer = device.assert(&options);
    let first = s.passkeys.finish_sign_in(&s.auth, &answer, ip()).await;
    assert!(first.is_ok());
    let replay = s
        .passkeys
        .finish_sign_in(&s.auth, &answer, ip())
        .await
        .unwrap_err();
    assert!(matches!(replay, PasskeyError::Expired), "{replay}");
    assert!(replay.message(Lang::Id).contains("kedaluwarsa"));

    // A bad answer uses the challenge up too: it cannot be tried again with a good one.
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let good = device.assert(&options);
    let mut bad: serde_json::Value = serde_json::from_slice(&good).unwrap();
    bad["response"]["signature"] = B64.encode([7u8; 64]).into();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &serde_json::to_vec(&bad).unwrap(), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
    let late = s
        .passkeys
        .finish_sign_in(&s.auth, &good, ip())
        .await
        .unwrap_err();
    assert!(matches!(late, PasskeyError::Expired), "{late}");
}

async fn a_challenge_expires_after_five_minutes(db: TestDb) {
    let s = setup(&db).await;
    let mut device = register(&s, "op.desa", "HP").await;
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    s.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let late = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .unwrap_err();
    assert!(matches!(late, PasskeyError::Expired), "{late}");

    let who = actor(&s, "op.desa").await;
    let options = s
        .passkeys
        .start_registration(&s.auth, &who, &Password::new(PASSWORD), "Kunci USB")
        .await
        .unwrap();
    s.clock.advance(Duration::minutes(6));
    let late = s
        .passkeys
        .finish_registration(&s.auth, &who, &Authenticator::new().register(&options))
        .await
        .unwrap_err();
    assert!(matches!(late, PasskeyError::Expired), "{late}");
    assert_eq!(s.passkeys.list(&s.auth, &who).await.unwrap().len(), 1);

    // Within the time it works.
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    s.clock.advance(Duration::minutes(4));
    assert!(s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .is_ok());
}

async fn a_locked_account_cannot_sign_in_with_its_passkey(db: TestDb) {
    let s = setup(&db).await;
    let mut device = register(&s, "op.desa", "HP").await;
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    accounts::set_locked(db.store.as_ref(), &grant, "op.desa", true)
        .await
        .unwrap();
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
    assert!(refused.message(Lang::Id).contains("dikunci"));

    accounts::set_locked(db.store.as_ref(), &grant, "op.desa", false)
        .await
        .unwrap();
    // Locked after failed password sign-ins: the passkey is refused too until the lockout ends.
    for _ in 0..3 {
        let _ = s
            .auth
            .sign_in("op.desa", &Password::new("salah salah salah"), ip())
            .await;
    }
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
    s.clock.advance(Duration::minutes(16));
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    assert!(s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .is_ok());
}

async fn another_accounts_challenge_or_credential_is_refused(db: TestDb) {
    let s = setup(&db).await;
    let (op, verifier) = (actor(&s, "op.desa").await, actor(&s, "verifikator").await);
    // A registration started by one account cannot be finished by another.
    let options = s
        .passkeys
        .start_registration(&s.auth, &op, &Password::new(PASSWORD), "HP")
        .await
        .unwrap();
    let answer = Authenticator::new().register(&options);
    let stolen = s
        .passkeys
        .finish_registration(&s.auth, &verifier, &answer)
        .await
        .unwrap_err();
    assert!(matches!(stolen, PasskeyError::Expired), "{stolen}");
    assert!(s
        .passkeys
        .list(&s.auth, &verifier)
        .await
        .unwrap()
        .is_empty());
    assert!(s.passkeys.list(&s.auth, &op).await.unwrap().is_empty());

    // The operator's credential presented with the verifier's user handle signs nobody in.
    let mut device = register(&s, "op.desa", "HP").await;
    device.user_handle = verifier.user().as_bytes().to_vec();
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");

    // A credential nobody registered signs nobody in.
    let mut stranger = Authenticator::new();
    stranger.user_handle = op.user().as_bytes().to_vec();
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &stranger.assert(&options), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
}

async fn answers_for_another_origin_or_rp_are_refused(db: TestDb) {
    let s = setup(&db).await;
    let who = actor(&s, "op.desa").await;
    let mut phished = Authenticator::new();
    phished.origin = "https://bansos-example.go.id".into();
    let options = s
        .passkeys
        .start_registration(&s.auth, &who, &Password::new(PASSWORD), "HP")
        .await
        .unwrap();
    let refused = s
        .passkeys
        .finish_registration(&s.auth, &who, &phished.register(&options))
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::Rejected(_)), "{refused}");

    let mut device = register(&s, "op.desa", "HP").await;
    device.origin = "http://bansos.example.go.id".into();
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
    device.origin = ORIGIN.into();
    device.rp_id = "example.go.id".into();
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
    // Garbage is refused, not a crash.
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let _ = options;
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, b"{\"id\":1}", ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
}

async fn a_counter_that_goes_backwards_is_refused(db: TestDb) {
    let s = setup(&db).await;
    let mut device = register(&s, "op.desa", "HP").await;
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    s.passkeys
        .finish_sign_in(&s.auth, &device.assert_with(&options, 10), ip())
        .await
        .unwrap();
    // A clone of the authenticator, still at an older counter.
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert_with(&options, 4), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    assert!(s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert_with(&options, 11), ip())
        .await
        .is_ok());
}

async fn passkeys_are_removed_only_by_their_owner(db: TestDb) {
    let s = setup(&db).await;
    let mut device = register(&s, "op.desa", "HP").await;
    let (op, verifier) = (actor(&s, "op.desa").await, actor(&s, "verifikator").await);
    let id = device.credential_id.clone();
    let not_yours = s
        .passkeys
        .remove(&s.auth, &verifier, &id)
        .await
        .unwrap_err();
    assert!(matches!(not_yours, PasskeyError::NotFound), "{not_yours}");
    assert_eq!(s.passkeys.list(&s.auth, &op).await.unwrap().len(), 1);
    s.passkeys.remove(&s.auth, &op, &id).await.unwrap();
    assert!(s.passkeys.list(&s.auth, &op).await.unwrap().is_empty());
    // A removed passkey signs nobody in.
    let options = s.passkeys.start_sign_in(&s.auth).unwrap();
    let refused = s
        .passkeys
        .finish_sign_in(&s.auth, &device.assert(&options), ip())
        .await
        .unwrap_err();
    assert!(matches!(refused, PasskeyError::SignInRefused), "{refused}");
}
