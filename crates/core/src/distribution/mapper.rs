//! The ID-to-account mapper: where a household is paid (`account:…@bank` or `mobile:…@wallet`), kept
//! apart from program data and sealed at rest.
//!
//! A change — from the recipient in the portal, an officer, or a bank's list — is *pending* until an
//! officer verifies it (a pending account is never paid: the household gets cash meanwhile). A bank's
//! reject for a wrong account (AC01, AC04, AC06) makes it *invalid*, and the household is asked for a
//! new one. An address shared by several households is shown to the verifying officer, since one
//! account collecting many households' aid is the classic diversion.

use chrono::{DateTime, Utc};
use tepat_domain::distribution::{AddressKind, FinancialAddress};
use tepat_domain::RegionCode;
use tepat_store::{AuditAction, LinkSource, LinkState, NewAccountLink, ObjectKind, Store};
use uuid::Uuid;

use super::DistributionError;
use crate::access::{Grant, VerifyAccount};
use crate::registry::{audit_entry, Origin};

/// An account waiting for verification, as the officer's list shows it: masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAccount {
    pub household: Uuid,
    pub village: RegionCode,
    /// E.g. `account:••••••••8901@bri`.
    pub masked: String,
    pub kind: AddressKind,
    pub provider: String,
    pub source: LinkSource,
    pub requested_at: DateTime<Utc>,
    /// Households with a link to the same address (this one included).
    pub shared_by: u64,
}

/// Records a new account for a household, pending verification (it replaces the earlier one, which is
/// no longer paid to). The caller has authenticated the recipient or holds an officer's grant.
pub async fn request_account_change(
    store: &dyn Store,
    household: Uuid,
    address: FinancialAddress,
    source: LinkSource,
    origin: &Origin,
) -> Result<(), DistributionError> {
    let stored = store
        .registry_household(household)
        .await?
        .ok_or(DistributionError::UnknownHousehold)?;
    store
        .upsert_account_link(&NewAccountLink {
            household,
            village: stored.household.village,
            address,
            source,
            requested_at: origin.now,
        })
        .await?;
    Ok(())
}

/// Verifies a pending account inside the grant's area. Returns how many households share its address.
pub async fn verify_account(
    store: &dyn Store,
    grant: &Grant<'_, VerifyAccount>,
    household: Uuid,
    origin: &Origin,
) -> Result<u64, DistributionError> {
    let link = store
        .account_link(household)
        .await?
        .ok_or(DistributionError::NoAccount)?;
    grant.covers(&link.village)?;
    if link.state != LinkState::Pending {
        return Err(DistributionError::AccountNotPending);
    }
    store
        .verify_account_link(household, grant.actor().user(), origin.now)
        .await?;
    audit(
        store,
        grant,
        household,
        link.village,
        "distribution.account.verify",
        origin,
    )
    .await?;
    Ok(store.households_sharing_account(household).await?)
}

/// Marks an account invalid (an officer found it wrong), with a reason code such as `AC04` or
/// `officer`.
pub async fn mark_account_invalid(
    store: &dyn Store,
    grant: &Grant<'_, VerifyAccount>,
    household: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<(), DistributionError> {
    let link = store
        .account_link(household)
        .await?
        .ok_or(DistributionError::NoAccount)?;
    grant.covers(&link.village)?;
    let code: String = reason
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(20)
        .collect();
    if code.is_empty() {
        return Err(DistributionError::BadReason);
    }
    store.invalidate_account_link(household, &code).await?;
    audit(
        store,
        grant,
        household,
        link.village,
        "distribution.account.invalid",
        origin,
    )
    .await
}

/// Accounts waiting for verification inside the grant's area, oldest first, masked (an audited read:
/// the list ties households to providers).
pub async fn accounts_pending(
    store: &dyn Store,
    grant: &Grant<'_, VerifyAccount>,
    limit: u32,
    origin: &Origin,
) -> Result<Vec<PendingAccount>, DistributionError> {
    let links = store
        .account_links(&grant.scope(), LinkState::Pending, limit)
        .await?;
    let mut out = Vec::with_capacity(links.len());
    for l in links {
        out.push(PendingAccount {
            shared_by: store.households_sharing_account(l.household).await?,
            household: l.household,
            village: l.village,
            masked: l.address.masked(),
            kind: l.address.kind(),
            provider: l.address.provider().to_owned(),
            source: l.source,
            requested_at: l.requested_at,
        });
    }
    let entry = audit_entry(
        grant,
        AuditAction::Read,
        ObjectKind::Registry,
        None,
        match grant.scope() {
            tepat_domain::Scope::Within(r) => Some(r),
            tepat_domain::Scope::All => None,
        },
        "distribution.account.queue",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(out)
}

async fn audit(
    store: &dyn Store,
    grant: &Grant<'_, VerifyAccount>,
    household: Uuid,
    village: RegionCode,
    purpose: &str,
    origin: &Origin,
) -> Result<(), DistributionError> {
    let entry = audit_entry(
        grant,
        AuditAction::Advance,
        ObjectKind::Household,
        Some(household),
        Some(village),
        purpose,
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(())
}
