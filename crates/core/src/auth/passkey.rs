//! Passkeys (WebAuthn) as a second way for officers to sign in, on top of the password.
//!
//! - An officer who is signed in adds a passkey to their **own** account after typing their password
//!   again ([`Passkeys::start_registration`], [`Passkeys::finish_registration`]), lists
//!   ([`Passkeys::list`]) and removes ([`Passkeys::remove`]) them.
//! - Anyone may start a passkey sign-in ([`Passkeys::start_sign_in`]); the browser asks the authenticator
//!   for a *discoverable* credential of this site, and [`Passkeys::finish_sign_in`] checks the signature
//!   and opens the same session a password sign-in opens (through [`AuthService`], the only place an
//!   [`Actor`] is made). A locked or disabled account cannot sign in with a passkey either.
//!
//! The relying-party checks are `webauthn_rp`'s (pure Rust, RustCrypto): origin, RP ID hash, challenge,
//! user presence and **user verification** (a PIN, fingerprint or face on the device: the passkey alone
//! is two factors), signature, counter. Algorithms offered: Ed25519, ES256 (P-256), ES384 (P-384). RS256
//! is **not** offered, so no RSA key is ever stored or used (see `docs/accounts.md`).
//!
//! Challenges live in memory in this process: each is single-use (taken out of its table by the answer,
//! whether the answer is valid or not) and expires after [`CEREMONY_TTL`] by the [`AuthService`]'s clock
//! (the library enforces its own timeout of the same length with the system clock as well). A server
//! restart forgets pending ceremonies; the officer simply presses the button again.
//!
//! Nothing secret is stored: the credential id, the public key and the counter. Challenges and the
//! browser's answers are never logged.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use tepat_domain::{Lang, Localized};
use tepat_store::{AuditAction, NewPasskey, Passkey, StoreError};
use uuid::Uuid;
use webauthn_rp::bin::{Decode as _, Encode as _};
use webauthn_rp::request::auth::AuthenticationVerificationOptions;
use webauthn_rp::request::register::{
    CoseAlgorithmIdentifier, CoseAlgorithmIdentifiers, CredProtect, PublicKeyCredentialUserEntity,
    RegistrationVerificationOptions, UserHandle16,
};
use webauthn_rp::request::{AsciiDomain, ExtensionInfo, PublicKeyCredentialDescriptor, RpId};
use webauthn_rp::response::register::{CompressedPubKey, DynamicState, StaticState};
use webauthn_rp::response::{AuthTransports, CredentialId, SentChallenge};
use webauthn_rp::{
    AuthenticatedCredential, DiscoverableAuthentication16, DiscoverableAuthenticationServerState,
    DiscoverableCredentialRequestOptions, PublicKeyCredentialCreationOptions, Registration,
    RegistrationServerState,
};

use super::audit::{Method, Refusal};
use super::{password, AuthService, Password, SignedIn};
use crate::access::Actor;

/// How long a challenge stays valid: the time an officer has to touch the authenticator.
pub const CEREMONY_TTL: Duration = Duration::minutes(5);

/// Pending ceremonies kept at most (each a few hundred bytes); beyond, new ones are refused until old
/// ones expire, so a flood of "start" requests cannot exhaust memory.
const MAX_PENDING: usize = 10_000;

/// The longest passkey name, in characters.
pub const MAX_NAME_CHARS: usize = 60;

/// A passkey name as the officer typed it, checked.
fn check_name(name: &str) -> Result<String, PasskeyError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(PasskeyError::BadName);
    }
    Ok(name.to_owned())
}

/// Why passkeys cannot be used with an address (WebAuthn's rules), shown on the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// Browsers allow WebAuthn only in secure contexts: `https://`, or `http://localhost`.
    #[error("passkeys need https:// (or http://localhost on this machine); this site is plain http at `{0}`")]
    NotSecure(String),
    /// An RP ID must be a domain name; an IP address (`127.0.0.1`) cannot have passkeys.
    #[error("passkeys need a domain name, not the IP address `{0}`; open the site as http://localhost or by its name")]
    IpAddress(String),
    /// The configured RP ID is not the origin's host or a parent domain of it.
    #[error("the passkey RP ID `{rp_id}` is not the host `{host}` or a parent domain of it")]
    RpIdMismatch { rp_id: String, host: String },
    /// Not a usable origin or RP ID.
    #[error("`{0}` is not a usable site address or RP ID for passkeys")]
    Invalid(String),
}

impl Localized for Unavailable {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Unavailable::NotSecure(_) | Unavailable::IpAddress(_), Lang::Id) => {
                "Passkey hanya bisa dipakai jika situs dibuka lewat https:// atau, di komputer ini, lewat \
                 http://localhost (bukan alamat IP seperti 127.0.0.1). Gunakan kata sandi, atau buka situs \
                 dengan alamat yang benar."
                    .into()
            }
            (Unavailable::NotSecure(_) | Unavailable::IpAddress(_), Lang::En) => {
                "Passkeys work only when the site is opened over https:// or, on this computer, as \
                 http://localhost (not an IP address such as 127.0.0.1). Use your password, or open the \
                 site by its proper address."
                    .into()
            }
            (_, Lang::Id) => {
                "Passkey belum diatur dengan benar di server ini; gunakan kata sandi dan beri tahu \
                 administrator."
                    .into()
            }
            (_, Lang::En) => {
                "Passkeys are not set up correctly on this server; use your password and tell your \
                 administrator."
                    .into()
            }
        }
    }
}

/// What went wrong with a passkey; every variant says what to do, in the user's language.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("the password is wrong")]
    WrongPassword,
    #[error("a passkey name must be 1 to {MAX_NAME_CHARS} characters without control characters")]
    BadName,
    /// The challenge is unknown, used already, expired, or belongs to another account.
    #[error("this passkey request has expired or was used already; start again")]
    Expired,
    /// The browser's answer did not verify (wrong origin, RP ID, signature, no user verification, an
    /// algorithm not offered, …). The detail is for the log, not for the user.
    #[error("the passkey answer was not accepted: {0}")]
    Rejected(String),
    #[error("this passkey is registered already")]
    AlreadyRegistered,
    /// Unknown passkey, bad signature, or a locked account: one answer for all.
    #[error("the passkey sign-in was refused")]
    SignInRefused,
    #[error("too many failed sign-ins from this address; try again after {0}")]
    TooManyAttempts(DateTime<Utc>),
    #[error("too many passkey requests are pending; try again in a few minutes")]
    Busy,
    #[error("no such passkey")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for PasskeyError {
    fn message(&self, lang: Lang) -> String {
        use PasskeyError as E;
        let id = matches!(lang, Lang::Id);
        match self {
            E::WrongPassword if id => "Kata sandi salah. Ketik kata sandi Anda saat ini untuk menambah passkey.".into(),
            E::WrongPassword => "The password is wrong. Type your current password to add a passkey.".into(),
            E::BadName if id => format!("Beri nama passkey, 1 sampai {MAX_NAME_CHARS} karakter (misalnya \"HP kantor\")."),
            E::BadName => format!("Give the passkey a name of 1 to {MAX_NAME_CHARS} characters (e.g. \"office phone\")."),
            E::Expired if id => "Permintaan passkey ini sudah kedaluwarsa atau sudah dipakai. Silakan ulangi.".into(),
            E::Expired => "This passkey request has expired or was used already. Please start again.".into(),
            E::Rejected(_) if id => "Jawaban perangkat tidak dapat diterima (passkey harus dibuat untuk situs ini dan dibuka dengan PIN, sidik jari atau wajah). Silakan ulangi.".into(),
            E::Rejected(_) => "The device's answer was not accepted (the passkey must be for this site and unlocked with a PIN, fingerprint or face). Please try again.".into(),
            E::AlreadyRegistered if id => "Passkey ini sudah terdaftar.".into(),
            E::AlreadyRegistered => "This passkey is registered already.".into(),
            E::SignInRefused if id => "Masuk dengan passkey ditolak: passkey tidak dikenal, atau akun sedang dikunci. Gunakan kata sandi atau hubungi administrator.".into(),
            E::SignInRefused => "The passkey sign-in was refused: the passkey is unknown, or the account is locked. Use your password or ask your administrator.".into(),
            E::TooManyAttempts(at) if id => format!("Terlalu banyak percobaan masuk yang gagal dari alamat ini. Coba lagi setelah pukul {} UTC.", at.format("%H:%M")),
            E::TooManyAttempts(at) => format!("Too many failed sign-ins from this address. Try again after {} UTC.", at.format("%H:%M")),
            E::Busy if id => "Terlalu banyak permintaan passkey sedang berjalan. Coba lagi beberapa menit lagi.".into(),
            E::Busy => "Too many passkey requests are pending. Try again in a few minutes.".into(),
            E::NotFound if id => "Passkey itu tidak ada (mungkin sudah dihapus).".into(),
            E::NotFound => "That passkey does not exist (perhaps it was removed already).".into(),
            E::Store(_) if id => "Sistem sedang terganggu; silakan coba lagi sebentar lagi.".into(),
            E::Store(_) => "The system has a problem right now; please try again shortly.".into(),
        }
    }
}

/// A ceremony waiting for the browser's answer.
struct Pending<S> {
    state: S,
    started: DateTime<Utc>,
    /// Registration: the account adding the passkey and the name it will have.
    owner: Option<(Uuid, String)>,
}

type Table<S> = Mutex<HashMap<SentChallenge, Pending<S>>>;

/// The site's relying party: RP ID, origin and the pending ceremonies. One per server process, beside
/// the [`AuthService`].
pub struct Passkeys {
    rp_id: RpId,
    origin: String,
    registrations: Table<RegistrationServerState<16>>,
    sign_ins: Table<DiscoverableAuthenticationServerState>,
}

impl std::fmt::Debug for Passkeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkeys")
            .field("rp_id", &self.rp_id.as_ref())
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// The host of an origin (`https://host[:port]`), without the port.
fn host_of(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    if let Some(bracketed) = authority.strip_prefix('[') {
        return bracketed.split(']').next();
    }
    Some(match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    })
}

impl Passkeys {
    /// The relying party of a site opened at `origin` (scheme, host and port, e.g.
    /// `https://bansos.example.go.id` or `http://localhost:8080`; a path is ignored). `rp_id`: the RP ID,
    /// by default the origin's host; it may be a parent domain of the host (passkeys then work on every
    /// subdomain). Refuses what browsers refuse: plain http other than `localhost`, IP addresses.
    pub fn new(origin: &str, rp_id: Option<&str>) -> Result<Passkeys, Unavailable> {
        let origin = origin.trim().trim_end_matches('/');
        let (scheme, rest) = origin
            .split_once("://")
            .ok_or_else(|| Unavailable::Invalid(origin.to_owned()))?;
        let scheme = scheme.to_ascii_lowercase();
        let authority = rest
            .split('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let origin = format!("{scheme}://{authority}");
        let host = host_of(&origin)
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Unavailable::Invalid(origin.clone()))?
            .to_owned();
        if host.parse::<IpAddr>().is_ok() || host.contains(':') {
            return Err(Unavailable::IpAddress(host));
        }
        match scheme.as_str() {
            "https" => {}
            "http" if host == "localhost" => {}
            "http" => return Err(Unavailable::NotSecure(origin)),
            _ => return Err(Unavailable::Invalid(origin)),
        }
        let rp_id = rp_id
            .map(|r| r.trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| host.clone());
        if rp_id != host && !host.ends_with(&format!(".{rp_id}")) {
            return Err(Unavailable::RpIdMismatch { rp_id, host });
        }
        let domain =
            AsciiDomain::try_from(rp_id.clone()).map_err(|_| Unavailable::Invalid(rp_id))?;
        Ok(Passkeys {
            rp_id: RpId::Domain(domain),
            origin,
            registrations: Mutex::default(),
            sign_ins: Mutex::default(),
        })
    }

    /// The RP ID (a domain name).
    pub fn rp_id(&self) -> &str {
        self.rp_id.as_ref()
    }

    /// The only origin answers are accepted from (`https://host[:port]` or `http://localhost:port`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Ceremonies waiting for an answer (registrations, sign-ins).
    pub fn pending(&self) -> (usize, usize) {
        (
            self.registrations.lock().map_or(0, |t| t.len()),
            self.sign_ins.lock().map_or(0, |t| t.len()),
        )
    }

    /// Starts adding a passkey to `actor`'s own account: checks the password again (a failure counts
    /// toward the account's lockout like a failed sign-in), then returns the options for
    /// `navigator.credentials.create` as JSON (`{"publicKey": …}`).
    pub async fn start_registration(
        &self,
        auth: &AuthService,
        actor: &Actor,
        current: &Password,
        name: &str,
    ) -> Result<String, PasskeyError> {
        let name = check_name(name)?;
        let account = auth
            .store
            .account_by_id(actor.user())
            .await?
            .ok_or(PasskeyError::WrongPassword)?;
        let (candidate, phc) = (current.clone(), account.password_hash.clone());
        let permit = auth.hashing.clone().acquire_owned().await;
        let matches = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            password::verify(&candidate, &phc)
        })
        .await
        .unwrap_or(false);
        let now = auth.now();
        if !matches {
            let unknown = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
            let store = auth.store.as_ref();
            super::audit::count_failure(store, account.id, now, auth.policy.lockout, unknown)
                .await?;
            tracing::info!(username = %account.username, "passkey registration: wrong password");
            return Err(PasskeyError::WrongPassword);
        }
        let existing = auth.store.passkeys_of(account.id).await?;
        let exclude = existing
            .iter()
            .filter_map(|p| {
                let id = CredentialId::<&[u8]>::decode(p.credential_id.as_slice()).ok()?;
                Some(PublicKeyCredentialDescriptor {
                    id: CredentialId::<Vec<u8>>::from(id),
                    transports: AuthTransports::decode(0).ok()?,
                })
            })
            .collect();
        let handle = user_handle(account.id);
        let username =
            webauthn_rp::request::register::Username::try_from(account.username.as_str())
                .map_err(|e| PasskeyError::Rejected(format!("username: {e}")))?;
        let display =
            webauthn_rp::request::register::Nickname::try_from(account.display_name.as_str()).ok();
        let mut options = PublicKeyCredentialCreationOptions::passkey(
            &self.rp_id,
            PublicKeyCredentialUserEntity {
                name: username,
                id: &handle,
                display_name: display,
            },
            exclude,
        );
        options.pub_key_cred_params = algorithms();
        options.timeout = timeout();
        // credProtect "user verification required" is asked for but not enforced: many platform
        // authenticators lack the extension, and an enforced request would make the browser refuse
        // to create the passkey there. User verification is required by every ceremony anyway.
        options.extensions.cred_protect =
            CredProtect::UserVerificationRequired(ExtensionInfo::AllowDontEnforceValue);
        let (server, client) = options
            .start_ceremony()
            .map_err(|e| PasskeyError::Rejected(format!("options: {e}")))?;
        let json = serde_json::to_string(&client)
            .map_err(|e| PasskeyError::Rejected(format!("options: {e}")))?;
        insert(
            &self.registrations,
            server,
            Pending {
                state: (),
                started: now,
                owner: Some((account.id, name)),
            },
            now,
        )?;
        Ok(json)
    }

    /// Finishes adding a passkey: `answer` is the browser's `PublicKeyCredential` as JSON
    /// (`RegistrationResponseJSON`). The challenge must be one this account started and still valid.
    pub async fn finish_registration(
        &self,
        auth: &AuthService,
        actor: &Actor,
        answer: &[u8],
    ) -> Result<Passkey, PasskeyError> {
        let registration = Registration::from_json_relaxed(answer)
            .map_err(|e| PasskeyError::Rejected(format!("not a registration: {e}")))?;
        let challenge = registration
            .challenge_relaxed()
            .map_err(|e| PasskeyError::Rejected(format!("client data: {e}")))?;
        let now = auth.now();
        let (state, pending) = take(&self.registrations, &challenge, now)?;
        let Some((owner, name)) = pending.owner else {
            return Err(PasskeyError::Expired);
        };
        if owner != actor.user() {
            return Err(PasskeyError::Expired);
        }
        let credential = state
            .verify(
                &self.rp_id,
                &registration,
                &RegistrationVerificationOptions::<&str, &str> {
                    allowed_origins: &[self.origin.as_str()],
                    ..RegistrationVerificationOptions::default()
                },
            )
            .map_err(|e| PasskeyError::Rejected(e.to_string()))?;
        let (id, _transports, handle, static_state, dynamic_state, _metadata) =
            credential.into_parts();
        if handle != user_handle(owner) {
            return Err(PasskeyError::Rejected("another user handle".into()));
        }
        let static_state = static_state
            .encode()
            .map_err(|e| PasskeyError::Rejected(format!("encoding: {e:?}")))?;
        let dynamic_state = dynamic_state
            .encode()
            .map_err(|e| PasskeyError::Rejected(format!("encoding: {e:?}")))?;
        let stored = auth
            .store
            .add_passkey(
                &NewPasskey {
                    credential_id: id.as_ref().to_vec(),
                    account_id: owner,
                    static_state,
                    dynamic_state: dynamic_state.to_vec(),
                    name,
                },
                now,
            )
            .await
            .map_err(|e| match e {
                StoreError::PasskeyTaken => PasskeyError::AlreadyRegistered,
                other => PasskeyError::Store(other),
            })?;
        super::audit::account_changed(
            auth.store.as_ref(),
            actor,
            &account_of(auth, owner).await?,
            AuditAction::PasskeyRegister,
            "passkey.register",
        )
        .await?;
        tracing::info!(username = %actor.username(), "passkey added");
        Ok(stored)
    }

    /// The passkeys of `actor`'s own account, oldest first.
    pub async fn list(
        &self,
        auth: &AuthService,
        actor: &Actor,
    ) -> Result<Vec<Passkey>, StoreError> {
        auth.store.passkeys_of(actor.user()).await
    }

    /// Removes one of `actor`'s own passkeys (by credential id); another account's is [`NotFound`].
    ///
    /// [`NotFound`]: PasskeyError::NotFound
    pub async fn remove(
        &self,
        auth: &AuthService,
        actor: &Actor,
        credential_id: &[u8],
    ) -> Result<(), PasskeyError> {
        if auth
            .store
            .remove_passkey(actor.user(), credential_id)
            .await?
        {
            super::audit::account_changed(
                auth.store.as_ref(),
                actor,
                &account_of(auth, actor.user()).await?,
                AuditAction::PasskeyRemove,
                "passkey.remove",
            )
            .await?;
            tracing::info!(username = %actor.username(), "passkey removed");
            Ok(())
        } else {
            Err(PasskeyError::NotFound)
        }
    }

    /// Starts a passkey sign-in: the options for `navigator.credentials.get` as JSON
    /// (`{"publicKey": …}`), with no account named (the authenticator offers this site's passkeys).
    pub fn start_sign_in(&self, auth: &AuthService) -> Result<String, PasskeyError> {
        let mut options = DiscoverableCredentialRequestOptions::passkey(&self.rp_id);
        options.0.timeout = timeout();
        let (server, client) = options
            .start_ceremony()
            .map_err(|e| PasskeyError::Rejected(format!("options: {e}")))?;
        let json = serde_json::to_string(&client)
            .map_err(|e| PasskeyError::Rejected(format!("options: {e}")))?;
        let now = auth.now();
        insert(
            &self.sign_ins,
            server,
            Pending {
                state: (),
                started: now,
                owner: None,
            },
            now,
        )?;
        Ok(json)
    }

    /// Finishes a passkey sign-in: `answer` is the browser's `PublicKeyCredential` as JSON
    /// (`AuthenticationResponseJSON`). On success the session is the one a password sign-in gives.
    /// Failures count toward the per-address throttle, and, when the passkey is known, toward its
    /// account's lockout.
    pub async fn finish_sign_in(
        &self,
        auth: &AuthService,
        answer: &[u8],
        client: Option<IpAddr>,
    ) -> Result<SignedIn, PasskeyError> {
        let now = auth.now();
        let client = client.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        if let Some(until) = auth.throttle.blocked_until(client, now) {
            return Err(PasskeyError::TooManyAttempts(until));
        }
        let result = self.check_assertion(auth, answer, now).await;
        match result {
            Ok(account) => {
                auth.store.record_sign_in(account.id, now).await?;
                super::audit::signed_in(auth.store.as_ref(), &account, Method::Passkey, client)
                    .await?;
                tracing::info!(username = %account.username, "passkey sign-in");
                Ok(auth.open_session(account, now).await?)
            }
            Err((error, account)) => {
                if !matches!(error, PasskeyError::Store(_)) {
                    auth.throttle.failed(client, now);
                }
                let store = auth.store.as_ref();
                match account {
                    Some(id) => {
                        let known = store.account_by_id(id).await?;
                        let why = Refusal::WrongSecret;
                        super::audit::refused(store, known.as_ref(), Method::Passkey, why, client)
                            .await?;
                        super::audit::count_failure(store, id, now, auth.policy.lockout, client)
                            .await?;
                    }
                    // A stale challenge is the browser's doing, not an attempt to get in.
                    None if !matches!(error, PasskeyError::Expired | PasskeyError::Store(_)) => {
                        let why = Refusal::NoAccount;
                        super::audit::refused(store, None, Method::Passkey, why, client).await?;
                    }
                    None => {}
                }
                tracing::info!(reason = %error, "passkey sign-in refused");
                Err(match error {
                    PasskeyError::Expired | PasskeyError::Store(_) => error,
                    _ => PasskeyError::SignInRefused,
                })
            }
        }
    }

    /// The account a valid assertion signs in, or why not (with the account to count a failure
    /// against, when the passkey is known and its account usable).
    async fn check_assertion(
        &self,
        auth: &AuthService,
        answer: &[u8],
        now: DateTime<Utc>,
    ) -> Result<tepat_store::Account, (PasskeyError, Option<Uuid>)> {
        let assertion = DiscoverableAuthentication16::from_json_relaxed(answer).map_err(|e| {
            (
                PasskeyError::Rejected(format!("not an assertion: {e}")),
                None,
            )
        })?;
        let challenge = assertion
            .challenge_relaxed()
            .map_err(|e| (PasskeyError::Rejected(format!("client data: {e}")), None))?;
        let (state, _) = take(&self.sign_ins, &challenge, now).map_err(|e| (e, None))?;
        let raw_id = assertion.raw_id();
        let Some((passkey, account)) = auth
            .store
            .passkey(raw_id.as_ref())
            .await
            .map_err(|e| (PasskeyError::Store(e), None))?
        else {
            return Err((PasskeyError::Rejected("unknown credential".into()), None));
        };
        if account.disabled || account.locked_until.is_some_and(|t| now < t) {
            return Err((PasskeyError::SignInRefused, None));
        }
        let corrupt = |what: &str| {
            (
                PasskeyError::Store(StoreError::Corrupt {
                    what: format!("passkey {what}"),
                }),
                None,
            )
        };
        let static_state =
            StaticState::<CompressedPubKey<[u8; 32], [u8; 32], [u8; 48], Vec<u8>>>::decode(
                passkey.static_state.as_slice(),
            )
            .map_err(|_| corrupt("static state"))?;
        let dynamic: [u8; 7] = passkey
            .dynamic_state
            .as_slice()
            .try_into()
            .map_err(|_| corrupt("dynamic state"))?;
        let dynamic_state = DynamicState::decode(dynamic).map_err(|_| corrupt("dynamic state"))?;
        let handle = user_handle(account.id);
        let mut credential =
            AuthenticatedCredential::new(raw_id, &handle, static_state, dynamic_state)
                .map_err(|e| (PasskeyError::Rejected(e.to_string()), Some(account.id)))?;
        let updated = state
            .verify(
                &self.rp_id,
                &assertion,
                &mut credential,
                &AuthenticationVerificationOptions::<&str, &str> {
                    allowed_origins: &[self.origin.as_str()],
                    ..AuthenticationVerificationOptions::default()
                },
            )
            .map_err(|e| (PasskeyError::Rejected(e.to_string()), Some(account.id)))?;
        let _ = updated;
        let dynamic_state = credential
            .dynamic_state()
            .encode()
            .map_err(|_| corrupt("dynamic state"))?;
        auth.store
            .record_passkey_use(&passkey.credential_id, &dynamic_state, now)
            .await
            .map_err(|e| (PasskeyError::Store(e), None))?;
        Ok(account)
    }
}

/// The account (for the audit entry's region) of a signed-in actor.
async fn account_of(auth: &AuthService, id: Uuid) -> Result<tepat_store::Account, PasskeyError> {
    auth.store
        .account_by_id(id)
        .await?
        .ok_or(PasskeyError::NotFound)
}

/// The WebAuthn user handle of an account: its UUID's 16 bytes (random-looking, no personal data).
fn user_handle(account: Uuid) -> UserHandle16 {
    match UserHandle16::decode(account.into_bytes()) {
        Ok(handle) => handle,
        Err(never) => match never {},
    }
}

/// Ed25519, ES256, ES384; not RS256 (see the module documentation).
fn algorithms() -> CoseAlgorithmIdentifiers {
    CoseAlgorithmIdentifiers::ALL.remove(CoseAlgorithmIdentifier::Rs256)
}

/// The browser's and the library's timeout: the same as ours.
fn timeout() -> NonZeroU32 {
    NonZeroU32::new(u32::try_from(CEREMONY_TTL.num_milliseconds()).unwrap_or(300_000))
        .unwrap_or(NonZeroU32::MIN)
}

/// Keeps a started ceremony (after dropping the expired ones), keyed by its challenge.
fn insert<S: std::borrow::Borrow<SentChallenge>>(
    table: &Table<S>,
    state: S,
    pending: Pending<()>,
    now: DateTime<Utc>,
) -> Result<(), PasskeyError> {
    let mut table = table
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if table.len() >= MAX_PENDING / 2 {
        table.retain(|_, p| now - p.started < CEREMONY_TTL);
    }
    if table.len() >= MAX_PENDING {
        return Err(PasskeyError::Busy);
    }
    let challenge = *state.borrow();
    table.insert(
        challenge,
        Pending {
            state,
            started: pending.started,
            owner: pending.owner,
        },
    );
    Ok(())
}

/// Takes a ceremony out of its table (so it is used once, whatever the answer's fate) if it is there and
/// has not expired.
fn take<S>(
    table: &Table<S>,
    challenge: &SentChallenge,
    now: DateTime<Utc>,
) -> Result<(S, Pending<()>), PasskeyError> {
    let pending = table
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(challenge)
        .ok_or(PasskeyError::Expired)?;
    if now - pending.started >= CEREMONY_TTL || now < pending.started {
        return Err(PasskeyError::Expired);
    }
    Ok((
        pending.state,
        Pending {
            state: (),
            started: pending.started,
            owner: pending.owner,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_secure_origins_with_a_domain_name_get_passkeys() {
        let ok = Passkeys::new("https://bansos.example.go.id/", None).unwrap();
        assert_eq!(ok.rp_id(), "bansos.example.go.id");
        assert_eq!(ok.origin(), "https://bansos.example.go.id");
        let local = Passkeys::new("http://localhost:8080", None).unwrap();
        assert_eq!(
            (local.rp_id(), local.origin()),
            ("localhost", "http://localhost:8080")
        );
        let parent = Passkeys::new(
            "https://bansos.belitungkab.go.id",
            Some("belitungkab.go.id"),
        );
        assert_eq!(parent.unwrap().rp_id(), "belitungkab.go.id");

        assert!(matches!(
            Passkeys::new("http://127.0.0.1:8080", None),
            Err(Unavailable::IpAddress(_))
        ));
        assert!(matches!(
            Passkeys::new("https://[::1]:8443", None),
            Err(Unavailable::IpAddress(_))
        ));
        assert!(matches!(
            Passkeys::new("http://bansos.example.go.id", None),
            Err(Unavailable::NotSecure(_))
        ));
        assert!(matches!(
            Passkeys::new("https://bansos.example.go.id", Some("other.go.id")),
            Err(Unavailable::RpIdMismatch { .. })
        ));
        assert!(matches!(
            Passkeys::new("https://evilexample.go.id", Some("example.go.id")),
            Err(Unavailable::RpIdMismatch { .. })
        ));
    }

    #[test]
    fn names_are_short_and_printable() {
        assert_eq!(check_name("  HP kantor ").unwrap(), "HP kantor");
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(check_name("a\u{7}b").is_err());
    }

    #[test]
    fn rsa_is_never_offered() {
        let algs = algorithms();
        assert!(!algs.contains(CoseAlgorithmIdentifier::Rs256));
        assert!(algs.contains(CoseAlgorithmIdentifier::Es256));
        assert!(algs.contains(CoseAlgorithmIdentifier::Eddsa));
    }
}
