//! The audit log for auditors (Inspektorat, BPK): querying it inside their scope, verifying its hash
//! chain, and its head for anchoring in the transparency ledger. Reading the log is itself audited.

use tepat_domain::Scope;
use tepat_store::{
    AuditAction, AuditCheck, AuditFilter, AuditPeriod, AuditRecord, ChainHead, ObjectKind, Store,
    StoreError,
};

use crate::access::{Denied, Grant, ReadAudit};
use crate::registry::{Origin, RegistryError};

/// Entries matching `filter`, which must lie inside the grant's scope (an auditor of one regency does
/// not see another's entries).
pub async fn query(
    store: &dyn Store,
    grant: &Grant<'_, ReadAudit>,
    filter: &AuditFilter,
    origin: &Origin,
) -> Result<Vec<AuditRecord>, RegistryError> {
    query_in(store, grant, filter, &AuditPeriod::ANY, origin).await
}

/// Like [`query`], only entries written inside `period` (`[from, until)`, UTC); `filter.limit` counts
/// those, so paging with `before_seq` continues inside the period.
pub async fn query_in(
    store: &dyn Store,
    grant: &Grant<'_, ReadAudit>,
    filter: &AuditFilter,
    period: &AuditPeriod,
    origin: &Origin,
) -> Result<Vec<AuditRecord>, RegistryError> {
    if !grant.scope().contains(&filter.within) {
        return Err(RegistryError::Denied(Denied::Region {
            action: <ReadAudit as crate::access::Action>::WHAT,
        }));
    }
    record_read(store, grant, "audit.query", origin).await?;
    Ok(store.audit_query_in(filter, period).await?)
}

/// Recomputes the whole chain (a regency-wide check: needs a grant for everything).
pub async fn verify(
    store: &dyn Store,
    grant: &Grant<'_, ReadAudit>,
    origin: &Origin,
) -> Result<AuditCheck, RegistryError> {
    require_all(grant)?;
    let check = store.audit_verify().await?;
    record_read(store, grant, "audit.verify", origin).await?;
    Ok(check)
}

/// The chain's head (entry count and last hash), to anchor in the transparency ledger.
pub async fn head(store: &dyn Store) -> Result<ChainHead, StoreError> {
    store.audit_head().await
}

fn require_all(grant: &Grant<'_, ReadAudit>) -> Result<(), Denied> {
    if grant.scope() == Scope::All {
        Ok(())
    } else {
        Err(Denied::Region {
            action: <ReadAudit as crate::access::Action>::WHAT,
        })
    }
}

async fn record_read(
    store: &dyn Store,
    grant: &Grant<'_, ReadAudit>,
    purpose: &str,
    origin: &Origin,
) -> Result<(), RegistryError> {
    let region = match grant.scope() {
        Scope::Within(r) => Some(r),
        Scope::All => None,
    };
    let entry = crate::registry::audit_entry(
        grant,
        AuditAction::ReadAudit,
        ObjectKind::AuditLog,
        None,
        region,
        purpose,
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(())
}
