//! The envelope (*amplop*) of one program-cycle: prepare → approve (someone else) → release (once) →
//! close, or cancel before release. Every step is audited; control totals are checked at each.

use chrono::NaiveDate;
use tepat_domain::distribution::{
    ControlTotals, CycleCode, EnvelopeAction, EnvelopeState, EnvelopeTransitionError, Route,
};
use tepat_domain::{RegionCode, Scope};
use tepat_store::{
    AuditAction, EntitlementTotals, Envelope, NewEnvelope, ObjectKind, PaymentTotals, Store,
    StoreError,
};
use uuid::Uuid;

use super::entitlements::compute_entitlements;
use super::DistributionError;
use crate::access::{Action, ApproveEnvelope, Grant, PrepareEnvelope, ReleaseEnvelope};
use crate::registry::{audit_entry, Origin};
use crate::targeting::run::load_program;

/// Envelopes looked at when checking for a live one of the same program-cycle.
const RECENT: u32 = 500;
/// The longest cancel reason.
const MAX_REASON: usize = 200;

/// What [`prepare_envelope`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub envelope: Uuid,
    pub program_version: u32,
    /// Count and amount of its entitlements.
    pub totals: ControlTotals,
    /// The same per route, in route order.
    pub by_route: Vec<(Route, ControlTotals)>,
    /// Enrolled households with nothing to pay this cycle.
    pub zero: u64,
}

/// What [`release_envelope`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseOutcome {
    /// Payment instructions created (bank, e-wallet, premium).
    pub payments: ControlTotals,
    /// Cash and goods entitlements waiting for their vouchers.
    pub vouchers_due: ControlTotals,
}

/// An envelope's control totals against its entitlements and payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    pub envelope: Envelope,
    /// Every entitlement, whatever its state.
    pub entitlements: ControlTotals,
    pub by_state: Vec<EntitlementTotals>,
    pub payments: Vec<PaymentTotals>,
    /// The envelope's totals equal its entitlements'.
    pub balanced: bool,
}

fn scope_region(scope: Scope) -> Option<RegionCode> {
    match scope {
        Scope::Within(r) => Some(r),
        Scope::All => None,
    }
}

async fn audit<A: Action>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    envelope: Uuid,
    purpose: &str,
    origin: &Origin,
) -> Result<(), DistributionError> {
    let entry = audit_entry(
        grant,
        AuditAction::Advance,
        ObjectKind::Registry,
        Some(envelope),
        scope_region(grant.scope()),
        purpose,
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(())
}

pub(crate) async fn load(store: &dyn Store, id: Uuid) -> Result<Envelope, DistributionError> {
    store
        .envelope(id)
        .await?
        .ok_or(DistributionError::EnvelopeNotFound)
}

/// Prepares the envelope of `program` for `cycle` inside the grant's scope: every actively enrolled
/// household's entitlement, its route, and the control totals. Refused for a cycle outside the
/// program's kind or period, a payment date in the past, or a program-cycle that has a live envelope.
pub async fn prepare_envelope(
    store: &dyn Store,
    grant: &Grant<'_, PrepareEnvelope>,
    program: &str,
    cycle: &CycleCode,
    scheduled: NaiveDate,
    origin: &Origin,
) -> Result<Prepared, DistributionError> {
    let program = load_program(store, program).await?;
    cycle.check_for(program.cycle, program.start, program.end)?;
    if scheduled < origin.now.date_naive() {
        return Err(DistributionError::ScheduledInPast { date: scheduled });
    }
    let exists = || DistributionError::EnvelopeExists {
        program: program.code.clone(),
        cycle: cycle.to_string(),
    };
    let live = store
        .envelopes(Some(&program.code), RECENT)
        .await?
        .into_iter()
        .any(|e| e.cycle == cycle.to_string() && e.state != EnvelopeState::Cancelled);
    if live {
        return Err(exists());
    }
    let (first_day, _) = cycle.period();
    let computed = compute_entitlements(store, &program, &grant.scope(), first_day).await?;
    if computed.rows.is_empty() {
        return Err(DistributionError::NothingToPay {
            program: program.code.clone(),
        });
    }
    let expected = ControlTotals::of(computed.rows.iter().map(|r| r.amount))
        .map_err(|_| DistributionError::Overflow)?;
    let envelope = NewEnvelope {
        id: Uuid::now_v7(),
        program: program.code.clone(),
        cycle: cycle.to_string(),
        program_version: program.version,
        scheduled_date: scheduled,
        prepared_by: grant.actor().user(),
        prepared_at: origin.now,
    };
    let totals = match store.create_envelope(&envelope, &computed.rows).await {
        Err(StoreError::Conflict { what }) if what.contains("has one already") => {
            return Err(exists())
        }
        other => other?,
    };
    debug_assert_eq!(totals, expected, "the store adds up what core computed");
    audit(
        store,
        grant,
        envelope.id,
        "distribution.envelope.prepare",
        origin,
    )
    .await?;
    Ok(Prepared {
        envelope: envelope.id,
        program_version: program.version,
        totals,
        by_route: by_route(&computed.rows),
        zero: computed.zero,
    })
}

fn by_route(rows: &[tepat_store::Entitlement]) -> Vec<(Route, ControlTotals)> {
    Route::ALL
        .iter()
        .filter_map(|route| {
            let amounts = rows.iter().filter(|r| r.route == *route).map(|r| r.amount);
            let t = ControlTotals::of(amounts).ok()?;
            (t.count > 0).then_some((*route, t))
        })
        .collect()
}

/// The refusal for `action` on an envelope the store would not change: re-read, so the message says
/// the state it is in now.
async fn refused(
    store: &dyn Store,
    id: Uuid,
    action: EnvelopeAction,
) -> Result<DistributionError, DistributionError> {
    let now = load(store, id).await?;
    Ok(match now.state.after(action) {
        Err(e) => DistributionError::State(e),
        // The state allows it, so the store refused for another reason: a concurrent change.
        Ok(_) => DistributionError::State(EnvelopeTransitionError {
            from: now.state,
            action,
        }),
    })
}

/// Approves an envelope prepared by someone else (maker-checker), after checking its control totals
/// against its entitlements.
pub async fn approve_envelope(
    store: &dyn Store,
    grant: &Grant<'_, ApproveEnvelope>,
    id: Uuid,
    origin: &Origin,
) -> Result<Envelope, DistributionError> {
    let envelope = load(store, id).await?;
    if envelope.prepared_by == grant.actor().user() {
        return Err(DistributionError::SamePerson);
    }
    envelope.state.after(EnvelopeAction::Approve)?;
    let check = reconcile(store, id).await?;
    if !check.balanced {
        return Err(DistributionError::Store(StoreError::Corrupt {
            what: "envelope control totals differ from its entitlements".into(),
        }));
    }
    match store
        .approve_envelope(id, grant.actor().user(), origin.now)
        .await
    {
        Err(StoreError::Conflict { .. }) => {
            return Err(refused(store, id, EnvelopeAction::Approve).await?)
        }
        other => other?,
    }
    audit(store, grant, id, "distribution.envelope.approve", origin).await?;
    load(store, id).await
}

/// Cancels a prepared or approved envelope (its entitlements too), with a short reason without
/// personal data.
pub async fn cancel_envelope(
    store: &dyn Store,
    grant: &Grant<'_, ReleaseEnvelope>,
    id: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<(), DistributionError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(DistributionError::BadReason);
    }
    let envelope = load(store, id).await?;
    envelope.state.after(EnvelopeAction::Cancel)?;
    match store
        .cancel_envelope(id, grant.actor().user(), origin.now, reason)
        .await
    {
        Err(StoreError::Conflict { .. }) => {
            return Err(refused(store, id, EnvelopeAction::Cancel).await?)
        }
        other => other?,
    }
    audit(store, grant, id, "distribution.envelope.cancel", origin).await
}

/// Releases an approved envelope for payment, once: payment instructions for transfers and premiums,
/// every entitlement instructed. A second (or concurrent) release is refused by the store's state
/// guard and changes nothing.
///
/// The sequence: (1) the store's release, (2) vouchers for cash and goods and their distribution
/// points (issued by the hand-over code after this), (3) the audit entry.
pub async fn release_envelope(
    store: &dyn Store,
    grant: &Grant<'_, ReleaseEnvelope>,
    id: Uuid,
    origin: &Origin,
) -> Result<ReleaseOutcome, DistributionError> {
    let envelope = load(store, id).await?;
    envelope.state.after(EnvelopeAction::Release)?;
    let released = match store.release_envelope(id, origin.now).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(refused(store, id, EnvelopeAction::Release).await?)
        }
        other => other?,
    };
    audit(store, grant, id, "distribution.envelope.release", origin).await?;
    Ok(ReleaseOutcome {
        payments: released.payments,
        vouchers_due: released.vouchers_due,
    })
}

/// Closes a paying envelope once every entitlement is settled; `false` while some are not.
pub async fn close_envelope<A: Action>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    id: Uuid,
    origin: &Origin,
) -> Result<bool, DistributionError> {
    let envelope = load(store, id).await?;
    envelope.state.after(EnvelopeAction::Close)?;
    let closed = store.close_envelope(id, origin.now).await?;
    if closed {
        audit(store, grant, id, "distribution.envelope.close", origin).await?;
    }
    Ok(closed)
}

/// The envelope's control totals against its entitlements (by state and route) and payments.
pub async fn reconcile(store: &dyn Store, id: Uuid) -> Result<Reconciliation, DistributionError> {
    let envelope = load(store, id).await?;
    let by_state = store.entitlement_totals(id).await?;
    let mut entitlements = ControlTotals::default();
    for t in &by_state {
        entitlements.count += t.totals.count;
        entitlements.amount = entitlements
            .amount
            .checked_add(t.totals.amount)
            .map_err(|_| DistributionError::Overflow)?;
    }
    let payments = store.payment_totals(id).await?;
    Ok(Reconciliation {
        balanced: entitlements == envelope.totals,
        envelope,
        entitlements,
        by_state,
        payments,
    })
}
