//! Officers' user accounts and their sign-in sessions: what is stored, and the [`AccountStore`] trait.
//!
//! The rules (who may create an account, password hashing, lockout, session expiry) live in
//! `tepat-core::auth`; this module only keeps the rows. A password exists here only as an Argon2id PHC
//! string, a session only as the SHA-256 of its token.

use std::fmt;

use chrono::{DateTime, Utc};
use tepat_domain::{Role, Scope};
use uuid::Uuid;

use crate::error::StoreError;

/// A user account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: Uuid,
    /// Unique, lower case (the core normalises it).
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// Argon2id, PHC string format (`$argon2id$v=19$m=…`).
    pub password_hash: String,
    /// Locked by an administrator (`tepat admin lock`): no sign-in, no session.
    pub disabled: bool,
    /// Failed sign-ins in a row since the last success or the last lockout.
    pub failed_sign_ins: u32,
    /// After too many failed sign-ins, the account refuses every sign-in until this time.
    pub locked_until: Option<DateTime<Utc>>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Never prints the password hash.
impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("scope", &self.scope)
            .field("disabled", &self.disabled)
            .field("failed_sign_ins", &self.failed_sign_ins)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

/// An account to create.
#[derive(Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub password_hash: String,
}

/// After how many failed sign-ins in a row an account is locked, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    pub after_failures: u32,
    pub duration: chrono::Duration,
}

/// A session found by its token hash, with its account.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub account: Account,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// The SHA-256 of a session token: what the database keeps instead of the token.
pub type TokenHash = [u8; 32];

/// Accounts and sessions. Part of [`crate::Store`]; both backends implement it with the same SQL.
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    /// Inserts an account. [`StoreError::UsernameTaken`] if the name exists,
    /// [`StoreError::UnknownRegion`] if the scope's region is not in the region table.
    async fn create_account(
        &self,
        new: &NewAccount,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError>;

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError>;

    async fn account_by_id(&self, id: Uuid) -> Result<Option<Account>, StoreError>;

    /// Every account, by username.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// Replaces the password hash, clears any lockout and ends every session of the account (sign-out
    /// everywhere), in one transaction. `false` if there is no such account.
    async fn set_password(
        &self,
        id: Uuid,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Replaces the password hash with an equivalent one (the same password hashed with newer
    /// parameters, at sign-in); sessions are not touched. `false` if there is no such account.
    async fn upgrade_password_hash(
        &self,
        id: Uuid,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Locks (`true`) or unlocks an account. Locking ends its sessions; unlocking also clears a lockout
    /// after failed sign-ins. `false` if there is no such account.
    async fn set_disabled(
        &self,
        id: Uuid,
        disabled: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Counts a failed sign-in; the one that reaches `lockout.after_failures` locks the account until
    /// `now + lockout.duration` and starts the count again. One statement, so concurrent failures all
    /// count.
    async fn record_failed_sign_in(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        lockout: Lockout,
    ) -> Result<(), StoreError>;

    /// A successful sign-in: clears the failure count and notes the time.
    async fn record_sign_in(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;

    async fn create_session(
        &self,
        token_hash: &TokenHash,
        account: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The session with this token hash and its account, if any (expiry is the caller's rule).
    async fn session(&self, token_hash: &TokenHash) -> Result<Option<StoredSession>, StoreError>;

    /// Notes activity on a session (for the idle timeout).
    async fn touch_session(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    async fn delete_session(&self, token_hash: &TokenHash) -> Result<(), StoreError>;

    /// Ends every session of an account; returns how many there were.
    async fn delete_sessions_of(&self, account: Uuid) -> Result<u64, StoreError>;

    /// Deletes sessions idle since before `idle_before` or created before `created_before`.
    async fn delete_stale_sessions(
        &self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
