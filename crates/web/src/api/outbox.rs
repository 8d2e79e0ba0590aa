//! Notifications to subscribed agencies: the registry's change feed (approved requests) is turned into
//! outbox rows ([`tepat_core::agency::queue_changes`]), and [`deliver_due`] sends each due row as a
//! signed `notify` to `{sender_uri}/notify`, retrying three times with exponential backoff
//! (`[dci]` retry base, doubled each time) before giving up. The outbox is in the database, so a
//! restart loses nothing; the message is built at delivery (a full read, audited with the agency as
//! actor), so the outbox holds no personal data.
//!
//! `tepat serve` runs [`run`] in the background; tests call [`pump`] with the time they choose.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tepat_core::agency::{self, AuthenticatedAgency};
use tepat_core::registry::Origin;
use tepat_dci::registry::{Notify, NotifyEvent};
use tepat_dci::Envelope;
use tepat_store::{Delivery, OutboxItem, StoreError};

use super::callback::{self, SendError, ATTEMPTS};
use crate::state::AppState;

/// What one pump did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PumpReport {
    pub queued: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Queues the registry's new changes, then delivers every notification due at `now`.
pub async fn pump(state: &AppState, now: DateTime<Utc>) -> Result<PumpReport, StoreError> {
    let queued = agency::queue_changes(state.store(), now).await?;
    let mut report = deliver_due(state, now).await?;
    report.queued = queued;
    Ok(report)
}

/// Delivers the notifications due at `now`.
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> Result<PumpReport, StoreError> {
    let mut report = PumpReport::default();
    for item in state.store().due_notifications(now, 100).await? {
        let outcome = match deliver(state, &item).await {
            Ok(()) => Delivery::Delivered,
            Err(SendError::Refused(error)) => Delivery::GiveUp { error },
            Err(SendError::Failed(error)) => {
                if item.attempts + 1 >= ATTEMPTS {
                    Delivery::GiveUp { error }
                } else {
                    let wait = callback::backoff(state.config().dci.retry_base, item.attempts + 1);
                    Delivery::Retry {
                        at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX),
                        error,
                    }
                }
            }
        };
        match &outcome {
            Delivery::Delivered => report.delivered += 1,
            Delivery::Retry { .. } => report.retrying += 1,
            Delivery::GiveUp { error } => {
                tracing::warn!(notification = %item.id, error = %error, "notification given up");
                report.failed += 1;
            }
        }
        state
            .store()
            .record_delivery(item.id, &outcome, now)
            .await?;
    }
    Ok(report)
}

async fn deliver(state: &AppState, item: &OutboxItem) -> Result<(), SendError> {
    let store = state.store();
    let failed = |e: StoreError| SendError::Failed(format!("database: {e}"));
    let Some(agency) = store.agency_by_id(item.agency).await.map_err(failed)? else {
        return Err(SendError::Refused("the agency is gone".into()));
    };
    let subscriptions = store.subscriptions_of(agency.id).await.map_err(failed)?;
    let Some(subscription) = subscriptions.iter().find(|s| s.id == item.subscription) else {
        return Err(SendError::Refused("the subscription ended".into()));
    };
    let Some(agency) = AuthenticatedAgency::subscribed(agency) else {
        return Err(SendError::Refused(
            "the agency is disabled or may not subscribe".into(),
        ));
    };
    let origin = Origin::now(None);
    let Some(group) = agency::read_group(store, &agency, item.household, "dci.notify", &origin)
        .await
        .map_err(failed)?
    else {
        return Err(SendError::Refused(
            "the household is outside the agency's scope".into(),
        ));
    };
    let signer = state
        .dci()
        .signer(state.config())
        .map_err(|e| SendError::Failed(format!("the DCI key file: {e}")))?;
    let mut header = callback::header(&signer, "notify", agency.sender_id(), 1, None);
    header.message_id = item.message_id.clone();
    let message = Notify {
        transaction_id: item.id.to_string(),
        notify_event: vec![NotifyEvent {
            reference_id: item.id.to_string(),
            timestamp: origin.now,
            data: agency::registry_data(Some(&item.event_type), vec![group]),
        }],
    };
    let url = callback::url_of(&subscription.sender_uri, "notify");
    callback::send_once(
        &state.config().dci,
        &signer,
        &url,
        &mut Envelope::new(header, message),
    )
    .await
}

/// The background worker of `tepat serve`: every few seconds, queue and deliver.
pub async fn run(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        every.tick().await;
        match pump(&state, Utc::now()).await {
            Ok(r) if r == PumpReport::default() => {}
            Ok(r) => tracing::info!(
                queued = r.queued,
                delivered = r.delivered,
                retrying = r.retrying,
                failed = r.failed,
                "agency notifications"
            ),
            Err(error) => tracing::warn!(%error, "agency notifications: cannot read the outbox"),
        }
    }
}
