//! Officers' passkeys (WebAuthn credentials): what is stored, and the [`PasskeyStore`] trait.
//!
//! The ceremonies (challenges, signature checks, which account may sign in) live in
//! `tepat-core::auth::passkey`; this module only keeps the rows. Everything here is public: a credential
//! id, a public key and the state the relying-party library keeps between sign-ins, each as the bytes that
//! library encodes. No secret is stored, so a copy of the table does not let anyone sign in.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::account::Account;
use crate::error::StoreError;

/// A passkey as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    /// Chosen by the authenticator (1–1023 bytes); unique for the whole site.
    pub credential_id: Vec<u8>,
    pub account_id: Uuid,
    /// The public key and the static extension outputs, as the relying-party library encodes them.
    pub static_state: Vec<u8>,
    /// The signature counter and the backup / user-verified flags, as the library encodes them.
    pub dynamic_state: Vec<u8>,
    /// The name the officer gave it ("HP kantor").
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A passkey to add.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub credential_id: Vec<u8>,
    pub account_id: Uuid,
    pub static_state: Vec<u8>,
    pub dynamic_state: Vec<u8>,
    pub name: String,
}

/// Passkeys of accounts. Part of [`crate::Store`]; both backends implement it with the same SQL.
#[async_trait::async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Adds a passkey. [`StoreError::PasskeyTaken`] if the credential id is stored already (for any
    /// account).
    async fn add_passkey(
        &self,
        new: &NewPasskey,
        now: DateTime<Utc>,
    ) -> Result<Passkey, StoreError>;

    /// The passkeys of an account, oldest first.
    async fn passkeys_of(&self, account: Uuid) -> Result<Vec<Passkey>, StoreError>;

    /// The passkey with this credential id and its account, if any.
    async fn passkey(&self, credential_id: &[u8])
        -> Result<Option<(Passkey, Account)>, StoreError>;

    /// After a sign-in with it: the new dynamic state (counter, flags) and the time. `false` if there is
    /// no such passkey.
    async fn record_passkey_use(
        &self,
        credential_id: &[u8],
        dynamic_state: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Removes a passkey of `account` (only of that account). `false` if it has no such passkey.
    async fn remove_passkey(&self, account: Uuid, credential_id: &[u8])
        -> Result<bool, StoreError>;

    /// Removes every passkey of an account (a lost phone); returns how many there were.
    async fn remove_passkeys_of(&self, account: Uuid) -> Result<u64, StoreError>;
}
