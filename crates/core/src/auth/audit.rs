//! What signing in, passkeys and account changes write to the audit log (`docs/accounts.md`, "Audit").
//!
//! Recorded: successful sign-ins (by password or passkey), refused ones, lockouts after too many
//! failures, passkeys added and removed, and administrators' changes to accounts. A refused sign-in names the account only when the username
//! belongs to one (an officer's account name is not a beneficiary's personal data, and which account is
//! being tried is what an auditor needs); a username that matches no account is left out, since people
//! type their NIK, their name or their password there. Passwords never appear anywhere. Attempts
//! refused by the per-address throttle before any check are not written: each would be a write to the
//! log that a flood of requests could force, and the throttle's own limit is what stops them.
//!
//! Someone not (yet) signed in acts as [`PUBLIC_ACTOR`] with role `citizen`; the client address tells
//! attempts apart.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::{
    Account, AuditAction, AuditEntry, Lockout, ObjectKind, Store, StoreError, PUBLIC_ACTOR,
};
use uuid::Uuid;

use crate::access::Actor;

/// How a sign-in was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Password,
    Passkey,
}

impl Method {
    fn code(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::Passkey => "passkey",
        }
    }
}

/// Why a sign-in was refused (the purpose code says it; the answer to the user does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The username matches no account (the username itself is not kept).
    UnknownUser,
    /// The password (or the passkey's signature) was wrong.
    WrongSecret,
    /// Locked by an administrator or after failures.
    Locked,
    /// A passkey answer that names no usable account: an unknown passkey, a locked account's, or not
    /// a valid assertion at all.
    NoAccount,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Refusal::UnknownUser => "unknown_user",
            Refusal::WrongSecret => "wrong_secret",
            Refusal::Locked => "locked",
            Refusal::NoAccount => "no_account",
        }
    }
}

fn client_text(client: IpAddr) -> Option<String> {
    (!client.is_unspecified()).then(|| client.to_string())
}

fn region_of(scope: Scope) -> Option<RegionCode> {
    match scope {
        Scope::Within(r) => Some(r),
        Scope::All => None,
    }
}

fn entry(
    actor: (Uuid, Role),
    action: AuditAction,
    account: Option<&Account>,
    purpose: String,
    client: Option<String>,
) -> AuditEntry {
    AuditEntry {
        actor: actor.0,
        role: actor.1,
        action,
        object: ObjectKind::Account,
        object_id: account.map(|a| a.id),
        region: account.and_then(|a| region_of(a.scope)),
        purpose,
        client,
    }
}

/// A sign-in that worked: the account signs itself in.
pub(crate) async fn signed_in(
    store: &dyn Store,
    account: &Account,
    method: Method,
    client: IpAddr,
) -> Result<(), StoreError> {
    let e = entry(
        (account.id, account.role),
        AuditAction::SignIn,
        Some(account),
        format!("sign_in.{}", method.code()),
        client_text(client),
    );
    store.audit_record(&e).await.map(drop)
}

/// A refused sign-in, against `account` when the attempt named one.
pub(crate) async fn refused(
    store: &dyn Store,
    account: Option<&Account>,
    method: Method,
    why: Refusal,
    client: IpAddr,
) -> Result<(), StoreError> {
    let e = entry(
        (PUBLIC_ACTOR, Role::Citizen),
        AuditAction::SignInFailed,
        account,
        format!("sign_in.{}.{}", method.code(), why.code()),
        client_text(client),
    );
    store.audit_record(&e).await.map(drop)
}

/// Counts a failure against an account and, when this failure locked it, writes the lockout.
pub(crate) async fn count_failure(
    store: &dyn Store,
    account: Uuid,
    now: DateTime<Utc>,
    lockout: Lockout,
    client: IpAddr,
) -> Result<(), StoreError> {
    store.record_failed_sign_in(account, now, lockout).await?;
    let Some(after) = store.account_by_id(account).await? else {
        return Ok(());
    };
    // The store restarts the count when it locks, so a lock ending in the future with no failures
    // counted since is this failure's doing.
    let locked_now = after.locked_until.is_some_and(|t| t > now) && after.failed_sign_ins == 0;
    if locked_now {
        let e = entry(
            (PUBLIC_ACTOR, Role::Citizen),
            AuditAction::Lockout,
            Some(&after),
            "sign_in.lockout".into(),
            client_text(client),
        );
        store.audit_record(&e).await?;
    }
    Ok(())
}

/// A change to `account` by `actor`: a passkey added or removed (by its owner or an administrator), or
/// an administrator's change to the account itself.
pub(crate) async fn account_changed(
    store: &dyn Store,
    actor: &Actor,
    account: &Account,
    action: AuditAction,
    purpose: &str,
) -> Result<(), StoreError> {
    let e = entry(
        (actor.user(), actor.role()),
        action,
        Some(account),
        purpose.into(),
        None,
    );
    store.audit_record(&e).await.map(drop)
}
