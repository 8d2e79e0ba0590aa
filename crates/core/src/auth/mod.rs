//! Signing in: password → session, session token → [`Actor`]. The only place (besides
//! [`Actor::local_admin`] and tests) where an [`Actor`] is made.
//!
//! - [`password`]: the rules for a new password; Argon2id hashing (OWASP parameters, PHC strings).
//! - [`accounts`]: creating, listing, locking accounts and setting passwords, each with a
//!   [`Grant`](crate::access::Grant) for [`Administer`](crate::access::Administer).
//! - [`passkey`]: passkeys (WebAuthn) as a second way to sign in; the session is the same.
//! - [`AuthService`]: sign-in with throttling (per client address, in memory) and lockout (per account,
//!   in the database), sessions with idle and absolute expiry, sign-out.
//! - `audit`: sign-ins (successful and refused, without the username typed unless it is an account's),
//!   lockouts and passkey changes, in the audit log.
//!
//! A session is a random 256-bit [`SessionToken`] that only the browser holds (in an `HttpOnly` cookie);
//! the database keeps its SHA-256. Every failed sign-in gets the same answer
//! ([`SignInError::Refused`]) after the same work (an Argon2id verification, against a dummy hash when the
//! username does not exist), so the answer does not tell whether an account exists or is locked.
//! See `docs/accounts.md`.

pub mod accounts;
mod audit;
pub mod passkey;
pub mod password;
mod throttle;

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tepat_domain::{Lang, Localized};
use tepat_store::{Account, Lockout, Store, StoreError, TokenHash};

use crate::access::Actor;
use audit::{Method, Refusal};
pub use password::{Password, PasswordProblem};
use throttle::ClientThrottle;
pub use throttle::RateLimit;

/// How sessions expire and when sign-ins are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthPolicy {
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute_timeout: Duration,
    /// Failed sign-ins in a row that lock an account, and for how long.
    pub lockout: Lockout,
    /// Failed sign-ins per client address per window.
    pub per_client: RateLimit,
}

impl Default for AuthPolicy {
    fn default() -> AuthPolicy {
        AuthPolicy {
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(12),
            lockout: Lockout {
                after_failures: 5,
                duration: Duration::minutes(15),
            },
            per_client: RateLimit {
                failures: 30,
                window: Duration::minutes(15),
            },
        }
    }
}

/// Activity is written to a session at most this often (every request would be a write).
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// The secret a browser holds for its session: 32 random bytes, base64url without padding (43
/// characters). Never logged (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> SessionToken {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        SessionToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token as it came back from a cookie (any string; a malformed one finds no session).
    pub fn from_cookie(value: &str) -> SessionToken {
        SessionToken(value.to_owned())
    }

    /// The value to put in the cookie.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database stores: SHA-256 of the token. `None` if it is not a token we could have made.
    fn hash(&self) -> Option<TokenHash> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.0)
            .ok()
            .filter(|b| b.len() == 32)?;
        Some(Sha256::digest(bytes).into())
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// A signed-in session: who, and what the page header shows.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub display_name: String,
}

/// A sign-in that worked: the token for the cookie and the session.
#[derive(Debug)]
pub struct SignedIn {
    pub token: SessionToken,
    pub session: Session,
}

/// Why a sign-in did not work. Deliberately coarse: see the module documentation.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown username, wrong password, account locked by an administrator or after failures: one
    /// answer for all.
    #[error(
        "the username or password is wrong, or the account is locked; after {0} failed attempts an \
         account is locked for a while"
    )]
    Refused(u32),
    /// This client address failed too often; it may try again at the time given.
    #[error("too many failed sign-ins from this address; try again after {0}")]
    TooManyAttempts(DateTime<Utc>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for SignInError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (SignInError::Refused(n), Lang::Id) => format!(
                "Nama pengguna atau kata sandi salah, atau akun sedang dikunci. Setelah {n} kali gagal, \
                 akun dikunci untuk sementara waktu; jika perlu, hubungi administrator."
            ),
            (SignInError::Refused(n), Lang::En) => format!(
                "The username or password is wrong, or the account is locked. After {n} failed attempts \
                 an account is locked for a while; if you need help, ask your administrator."
            ),
            (SignInError::TooManyAttempts(at), Lang::Id) => format!(
                "Terlalu banyak percobaan masuk yang gagal dari alamat ini. Coba lagi setelah pukul {} UTC.",
                at.format("%H:%M")
            ),
            (SignInError::TooManyAttempts(at), Lang::En) => format!(
                "Too many failed sign-ins from this address. Try again after {} UTC.",
                at.format("%H:%M")
            ),
            (SignInError::Store(_), Lang::Id) => {
                "Sistem sedang terganggu; silakan coba lagi sebentar lagi.".into()
            }
            (SignInError::Store(_), Lang::En) => {
                "The system has a problem right now; please try again shortly.".into()
            }
        }
    }
}

/// The source of the current time (a test can move it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Signs users in and out and finds the [`Actor`] of a session. One per server process.
pub struct AuthService {
    store: Arc<dyn Store>,
    policy: AuthPolicy,
    throttle: ClientThrottle,
    /// A hash of nothing anyone knows, verified against when the username does not exist.
    dummy_hash: String,
    clock: Clock,
    /// Argon2id verifications running at once: each holds 19 MiB and a core for tens of milliseconds, so
    /// a flood of sign-in requests queues here instead of exhausting memory and the blocking threads.
    hashing: Arc<tokio::sync::Semaphore>,
}

impl AuthService {
    /// Computes one Argon2id hash (the dummy for unknown usernames), so call it at start-up.
    pub fn new(store: Arc<dyn Store>, policy: AuthPolicy) -> AuthService {
        let mut dummy = [0u8; 24];
        rand::rng().fill_bytes(&mut dummy);
        let dummy = base64::engine::general_purpose::STANDARD.encode(dummy);
        AuthService {
            store,
            policy,
            throttle: ClientThrottle::new(policy.per_client),
            dummy_hash: password::hash(&Password::new(dummy)),
            clock: Arc::new(Utc::now),
            hashing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
            )),
        }
    }

    /// The same service with another clock (tests of expiry and lockout).
    pub fn with_clock(mut self, clock: Clock) -> AuthService {
        self.clock = clock;
        self
    }

    pub fn policy(&self) -> &AuthPolicy {
        &self.policy
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Checks the password and starts a session. `client` is the address the request came from, for
    /// the per-address limit (`None` when unknown: then all such requests share one limit).
    pub async fn sign_in(
        &self,
        username: &str,
        password: &Password,
        client: Option<IpAddr>,
    ) -> Result<SignedIn, SignInError> {
        let now = self.now();
        let client = client.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        if let Some(until) = self.throttle.blocked_until(client, now) {
            return Err(SignInError::TooManyAttempts(until));
        }
        let refused = SignInError::Refused(self.policy.lockout.after_failures);
        let username = accounts::normalise_username(username);
        let account = self.store.account_by_username(&username).await?;
        let phc = account
            .as_ref()
            .map_or_else(|| self.dummy_hash.clone(), |a| a.password_hash.clone());
        let candidate = password.clone();
        let permit = self.hashing.clone().acquire_owned().await;
        let matches = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            password::verify(&candidate, &phc)
        })
        .await
        .unwrap_or(false);
        let store = self.store.as_ref();
        let Some(account) = account else {
            self.throttle.failed(client, now);
            audit::refused(store, None, Method::Password, Refusal::UnknownUser, client).await?;
            return Err(refused);
        };
        let locked = account.disabled || account.locked_until.is_some_and(|t| now < t);
        if locked || !matches {
            self.throttle.failed(client, now);
            let why = if locked {
                Refusal::Locked
            } else {
                Refusal::WrongSecret
            };
            audit::refused(store, Some(&account), Method::Password, why, client).await?;
            if !locked {
                audit::count_failure(store, account.id, now, self.policy.lockout, client).await?;
            }
            tracing::info!(username = %account.username, locked, "sign-in refused");
            return Err(refused);
        }
        self.store.record_sign_in(account.id, now).await?;
        audit::signed_in(store, &account, Method::Password, client).await?;
        if password::needs_rehash(&account.password_hash) {
            let (candidate, permit) =
                (password.clone(), self.hashing.clone().acquire_owned().await);
            if let Ok(upgraded) = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                password::hash(&candidate)
            })
            .await
            {
                self.store
                    .upgrade_password_hash(account.id, &upgraded, now)
                    .await?;
                tracing::info!(username = %account.username, "password hash upgraded to the current parameters");
            }
        }
        Ok(self.open_session(account, now).await?)
    }

    /// Starts a session for an account whose credentials were just checked (a password here, a passkey
    /// in [`passkey`]): the only way a sign-in makes a session.
    /// The caller has recorded the sign-in ([`Store::record_sign_in`]).
    async fn open_session(
        &self,
        account: Account,
        now: DateTime<Utc>,
    ) -> Result<SignedIn, StoreError> {
        let token = SessionToken::generate();
        let hash = token.hash().expect("a generated token decodes");
        self.store.create_session(&hash, account.id, now).await?;
        tracing::info!(username = %account.username, "signed in");
        Ok(SignedIn {
            token,
            session: session_of(account),
        })
    }

    /// The session of `token`, if it exists and has not expired (an expired one is deleted). Notes the
    /// activity for the idle timeout.
    pub async fn session(&self, token: &SessionToken) -> Result<Option<Session>, StoreError> {
        let Some(hash) = token.hash() else {
            return Ok(None);
        };
        let Some(stored) = self.store.session(&hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        let expired = now - stored.last_seen_at >= self.policy.idle_timeout
            || now - stored.created_at >= self.policy.absolute_timeout;
        if expired || stored.account.disabled {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        if now - stored.last_seen_at >= TOUCH_EVERY {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Some(session_of(stored.account)))
    }

    /// Ends the session of `token` (nothing happens if there is none).
    pub async fn sign_out(&self, token: &SessionToken) -> Result<(), StoreError> {
        if let Some(hash) = token.hash() {
            self.store.delete_session(&hash).await?;
        }
        Ok(())
    }

    /// Changes the signed-in user's own password after checking the current one, and ends every session
    /// of the account (sign-out everywhere). Returns a new session for the browser that asked.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: &Password,
        new: &Password,
    ) -> Result<SignedIn, accounts::AccountError> {
        password::check_new(new, actor.username())?;
        let account = self
            .store
            .account_by_id(actor.user())
            .await?
            .ok_or_else(|| accounts::AccountError::NoSuchUser(actor.username().to_owned()))?;
        let (phc, candidate, new_pw) =
            (account.password_hash.clone(), current.clone(), new.clone());
        let (matches, new_hash) = tokio::task::spawn_blocking(move || {
            (password::verify(&candidate, &phc), password::hash(&new_pw))
        })
        .await
        .map_err(|_| accounts::AccountError::WrongPassword)?;
        if !matches {
            return Err(accounts::AccountError::WrongPassword);
        }
        let now = self.now();
        self.store.set_password(account.id, &new_hash, now).await?;
        let token = SessionToken::generate();
        let hash = token.hash().expect("a generated token decodes");
        self.store.create_session(&hash, account.id, now).await?;
        tracing::info!(username = %account.username, "password changed; other sessions ended");
        Ok(SignedIn {
            token,
            session: session_of(account),
        })
    }

    /// Deletes expired sessions (run now and then; expired ones are refused anyway).
    pub async fn sweep(&self) -> Result<u64, StoreError> {
        let now = self.now();
        self.store
            .delete_stale_sessions(
                now - self.policy.idle_timeout,
                now - self.policy.absolute_timeout,
            )
            .await
    }
}

fn session_of(account: Account) -> Session {
    Session {
        actor: Actor::new(account.id, account.username, account.role, account.scope),
        display_name: account.display_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_random_bits_and_only_their_hash_is_kept() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        let hash = a.hash().unwrap();
        assert_ne!(&hash[..], a.expose().as_bytes());
        assert_eq!(SessionToken::from_cookie("not a token").hash(), None);
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
