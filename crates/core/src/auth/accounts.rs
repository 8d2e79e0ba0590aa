//! Managing accounts: create, list, lock, unlock, set a password. Each operation takes a
//! [`Grant`] for [`Administer`], so only an administrator (or the server's command line, through
//! [`Actor::local_admin`](crate::access::Actor::local_admin)) can call it, and only inside their scope.

use chrono::Utc;
use tepat_domain::{Role, Scope};
use tepat_store::{Account, AuditAction, NewAccount, Passkey, Store, StoreError};

use super::password::{self, Password, PasswordProblem};
use crate::access::{Administer, Grant};

/// The longest username.
pub const USERNAME_MAX: usize = 32;
/// The longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 100;

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub password: Password,
}

/// What was wrong with an account operation. Each message names the field.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(
        "username `{0}` is not valid: use 3 to {USERNAME_MAX} lower-case letters, digits, `.`, `_` or `-`, \
         starting with a letter or digit (e.g. op.tanjungpandan)"
    )]
    Username(String),
    #[error("display name is not valid: give 1 to {DISPLAY_NAME_MAX} characters, without control characters")]
    DisplayName,
    #[error("password: {0}")]
    Password(#[from] PasswordProblem),
    #[error("the current password is wrong")]
    WrongPassword,
    #[error(
        "scope: a {role} works in one {level}; give its region code with that many parts (e.g. {example})"
    )]
    ScopeLevel {
        role: &'static str,
        level: &'static str,
        example: &'static str,
    },
    #[error(
        "role: citizens do not have accounts here; they check their status with their NIK and KK number"
    )]
    CitizenAccount,
    #[error(
        "role: `system` is the server's scheduled jobs, not a person; choose an officer's role"
    )]
    SystemAccount,
    #[error("scope: {0} lies outside your own scope, so you may not create or change it")]
    OutsideScope(String),
    #[error("no account is named `{0}`")]
    NoSuchUser(String),
    #[error(
        "passkey id `{0}` does not name exactly one passkey of this account; give at least \
         {MIN_ID_PREFIX} characters of an id from `tepat admin list-passkeys`, or --all"
    )]
    PasskeyId(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Usernames are compared without case and surrounding spaces.
pub fn normalise_username(username: &str) -> String {
    username.trim().to_lowercase()
}

fn check_username(username: &str) -> Result<(), AccountError> {
    let ok = (3..=USERNAME_MAX).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
        && username
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(AccountError::Username(username.to_owned()))
    }
}

fn check_display_name(name: &str) -> Result<String, AccountError> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > DISPLAY_NAME_MAX || name.chars().any(char::is_control) {
        return Err(AccountError::DisplayName);
    }
    Ok(name.to_owned())
}

/// The scope a role needs: operators and merchants are bound to one region of their level.
fn check_scope(role: Role, scope: &Scope) -> Result<(), AccountError> {
    use tepat_domain::RegionLevel;
    if role == Role::Citizen {
        return Err(AccountError::CitizenAccount);
    }
    if role == Role::System {
        return Err(AccountError::SystemAccount);
    }
    let Some(level) = role.natural_level() else {
        return Ok(());
    };
    let right = matches!(scope, Scope::Within(r) if r.level() == level);
    if right {
        return Ok(());
    }
    let (level, example) = match level {
        RegionLevel::DesaKelurahan => ("desa/kelurahan", "19.02.01.2001"),
        RegionLevel::Kecamatan => ("kecamatan", "19.02.01"),
        RegionLevel::KabupatenKota => ("kabupaten/kota", "19.02"),
        RegionLevel::Provinsi => ("provinsi", "19"),
    };
    Err(AccountError::ScopeLevel {
        role: role.label(tepat_domain::Lang::En),
        level,
        example,
    })
}

fn inside(grant: &Grant<'_, Administer>, scope: &Scope) -> Result<(), AccountError> {
    if grant.scope().contains(scope) {
        Ok(())
    } else {
        Err(AccountError::OutsideScope(scope.code()))
    }
}

/// Creates an account after checking every field; the region must be in the region table.
pub async fn create_user(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    user: NewUser,
) -> Result<Account, AccountError> {
    let username = normalise_username(&user.username);
    check_username(&username)?;
    let display_name = check_display_name(&user.display_name)?;
    check_scope(user.role, &user.scope)?;
    inside(grant, &user.scope)?;
    password::check_new(&user.password, &username)?;
    let pw = user.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|_| AccountError::DisplayName)?;
    let account = store
        .create_account(
            &NewAccount {
                username,
                display_name,
                role: user.role,
                scope: user.scope,
                password_hash,
            },
            Utc::now(),
        )
        .await?;
    tracing::info!(
        username = %account.username,
        role = account.role.code(),
        by = grant.actor().username(),
        "account created"
    );
    audit_change(store, grant, &account, "account.create").await?;
    Ok(account)
}

/// Every account inside the grant's scope, by username.
pub async fn list_users(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
) -> Result<Vec<Account>, AccountError> {
    let mut all = store.accounts().await?;
    all.retain(|a| grant.scope().contains(&a.scope));
    Ok(all)
}

async fn find(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    username: &str,
) -> Result<Account, AccountError> {
    let username = normalise_username(username);
    let account = store
        .account_by_username(&username)
        .await?
        .ok_or_else(|| AccountError::NoSuchUser(username.clone()))?;
    inside(grant, &account.scope)?;
    Ok(account)
}

/// Sets a new password (e.g. when a user forgot theirs), clears a lockout and ends every session of the
/// account.
pub async fn set_password(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    username: &str,
    new: Password,
) -> Result<(), AccountError> {
    let account = find(store, grant, username).await?;
    password::check_new(&new, &account.username)?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(|_| AccountError::WrongPassword)?;
    store.set_password(account.id, &hash, Utc::now()).await?;
    audit_change(store, grant, &account, "account.set_password").await?;
    tracing::info!(username = %account.username, by = grant.actor().username(), "password set; sessions ended");
    Ok(())
}

/// Locks an account (no sign-in; its sessions end) or unlocks it (also clearing a lockout after failed
/// sign-ins).
pub async fn set_locked(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    username: &str,
    locked: bool,
) -> Result<Account, AccountError> {
    let account = find(store, grant, username).await?;
    store.set_disabled(account.id, locked, Utc::now()).await?;
    let purpose = if locked {
        "account.lock"
    } else {
        "account.unlock"
    };
    audit_change(store, grant, &account, purpose).await?;
    tracing::info!(username = %account.username, locked, by = grant.actor().username(), "account lock changed");
    store
        .account_by_id(account.id)
        .await?
        .ok_or_else(|| AccountError::NoSuchUser(account.username))
}

/// An administrator's change to an account, in the audit log. Written after the change, in its own
/// transaction (the account store has no audited write); an error here is returned to the caller.
async fn audit_change(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    account: &Account,
    purpose: &str,
) -> Result<(), AccountError> {
    super::audit::account_changed(
        store,
        grant.actor(),
        account,
        AuditAction::AccountChange,
        purpose,
    )
    .await?;
    Ok(())
}

/// The passkeys of an account (for an administrator helping an officer who lost their device), oldest
/// first, with the account.
pub async fn list_passkeys(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    username: &str,
) -> Result<(Account, Vec<Passkey>), AccountError> {
    let account = find(store, grant, username).await?;
    let keys = store.passkeys_of(account.id).await?;
    Ok((account, keys))
}

/// Which of an account's passkeys to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhichPasskeys {
    /// The one whose credential id ([`passkey_id`]) starts with this (at least [`MIN_ID_PREFIX`]
    /// characters, and matching only one).
    Id(String),
    All,
}

/// Shortest credential-id prefix accepted, so that a typo does not remove a passkey by chance.
pub const MIN_ID_PREFIX: usize = 8;

/// A passkey's credential id as shown to administrators: base64url without padding.
pub fn passkey_id(p: &Passkey) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&p.credential_id)
}

/// Removes passkeys of an account (a lost or stolen device), each written to the audit log as removed
/// by the administrator. Returns those removed. Sessions are not ended: a passkey is only a way in,
/// and `set_locked` ends them when that is wanted.
pub async fn remove_passkeys(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    username: &str,
    which: &WhichPasskeys,
) -> Result<Vec<Passkey>, AccountError> {
    let (account, keys) = list_passkeys(store, grant, username).await?;
    let chosen: Vec<Passkey> = match which {
        WhichPasskeys::All => keys,
        WhichPasskeys::Id(prefix) => {
            let prefix = prefix.trim();
            if prefix.len() < MIN_ID_PREFIX {
                return Err(AccountError::PasskeyId(prefix.to_owned()));
            }
            let found: Vec<Passkey> = keys
                .into_iter()
                .filter(|p| passkey_id(p).starts_with(prefix))
                .collect();
            if found.len() != 1 {
                return Err(AccountError::PasskeyId(prefix.to_owned()));
            }
            found
        }
    };
    for p in &chosen {
        if store.remove_passkey(account.id, &p.credential_id).await? {
            super::audit::account_changed(
                store,
                grant.actor(),
                &account,
                AuditAction::PasskeyRemove,
                "passkey.remove_by_admin",
            )
            .await?;
        }
    }
    tracing::info!(username = %account.username, removed = chosen.len(), by = grant.actor().username(), "passkeys removed");
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tepat_domain::RegionCode;

    #[test]
    fn usernames_and_scopes_are_checked() {
        assert!(check_username("op.tanjungpandan").is_ok());
        assert!(check_username("ab").is_err());
        assert!(check_username("-op").is_err());
        assert!(
            check_username("Budi").is_err(),
            "normalised before the check"
        );
        assert_eq!(normalise_username("  Budi.S "), "budi.s");
        let village = Scope::Within(RegionCode::parse("19.02.01.2001").unwrap());
        let district = Scope::Within(RegionCode::parse("19.02.01").unwrap());
        assert!(check_scope(Role::VillageOperator, &village).is_ok());
        let err = check_scope(Role::VillageOperator, &district).unwrap_err();
        assert!(err.to_string().starts_with("scope:"), "{err}");
        assert!(check_scope(Role::DistrictOperator, &district).is_ok());
        assert!(check_scope(Role::VillageOperator, &Scope::All).is_err());
        assert!(check_scope(Role::Verifier, &Scope::All).is_ok());
        assert!(matches!(
            check_scope(Role::Citizen, &Scope::All),
            Err(AccountError::CitizenAccount)
        ));
        assert!(matches!(
            check_scope(Role::System, &Scope::All),
            Err(AccountError::SystemAccount)
        ));
        assert!(check_display_name(" Budi Santoso ").is_ok());
        assert!(check_display_name("a\u{7}b").is_err());
    }
}
