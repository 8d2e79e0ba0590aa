//! Notifications to subscribed agencies, and callbacks (answers to asynchronous requests): the
//! registry's change feed (approved requests) is turned into outbox rows
//! ([`tepat_core::agency::queue_changes`]), and [`deliver_due`] sends each due row as a signed `notify`
//! to `{sender_uri}/notify`; [`deliver_callbacks`] sends the queued callbacks. Both retry three times with
//! exponential backoff (`[dci]` retry base, doubled each time) before giving up. Both outboxes are in the
//! database, so a restart loses nothing; a notification is built at delivery (a full read, audited
//! with the agency as actor), so it holds no personal data; a callback's message is sealed at rest.
//!
//! Each process claims the rows it sends with a lease (`DciRuntime::lease`), so several `tepat serve`
//! on one database never send the same row at the same time, and the rows of one that died are taken
//! over when its lease runs out.
//!
//! `tepat serve` runs [`run`] in the background; tests call [`pump`] and [`deliver_callbacks`] with the
//! time they choose.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tepat_core::agency::{self, AuthenticatedAgency};
use tepat_core::registry::Origin;
use tepat_dci::registry::{Notify, NotifyEvent};
use tepat_dci::Envelope;
use tepat_store::{Callback, Delivery, OutboxItem, StoreError};

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

/// How many rows one claim takes: sent one after another within the lease.
const BATCH: u32 = 10;

/// Delivers the notifications due at `now`, claimed by this process (several `tepat serve` on one
/// database never send one at the same time).
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> Result<PumpReport, StoreError> {
    let mut report = PumpReport::default();
    loop {
        let lease = state.dci().lease(now);
        let items = state
            .store()
            .claim_notifications(&lease, now, BATCH)
            .await?;
        let claimed = items.len();
        for item in items {
            let outcome = outcome(state, item.attempts, now, deliver(state, &item).await);
            if let Delivery::GiveUp { error } = &outcome {
                tracing::warn!(notification = %item.id, error = %error, "notification given up");
            }
            report.count(&outcome);
            state
                .store()
                .record_delivery(item.id, &outcome, now)
                .await?;
        }
        if claimed < BATCH as usize {
            return Ok(report);
        }
    }
}

/// Delivers the callbacks (answers to asynchronous requests) due at `now`, claimed like
/// notifications; a callback is retried on the same schedule.
pub async fn deliver_callbacks(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<PumpReport, StoreError> {
    let mut report = PumpReport::default();
    loop {
        let lease = state.dci().lease(now);
        let items = state.store().claim_callbacks(&lease, now, BATCH).await?;
        let claimed = items.len();
        for item in items {
            let outcome = outcome(state, item.attempts, now, send_callback(state, &item).await);
            if let Delivery::GiveUp { error } = &outcome {
                tracing::warn!(callback = %item.id, action = %item.action, error = %error, "callback given up");
            }
            report.count(&outcome);
            state
                .store()
                .record_callback(item.id, &outcome, now)
                .await?;
        }
        if claimed < BATCH as usize {
            return Ok(report);
        }
    }
}

impl PumpReport {
    fn count(&mut self, outcome: &Delivery) {
        match outcome {
            Delivery::Delivered => self.delivered += 1,
            Delivery::Retry { .. } => self.retrying += 1,
            Delivery::GiveUp { .. } => self.failed += 1,
        }
    }
}

/// What to record after an attempt (the `attempts` before it): retries wait the retry base, then twice
/// and four times as long; a refused address is not retried.
fn outcome(
    state: &AppState,
    attempts: u32,
    now: DateTime<Utc>,
    sent: Result<(), SendError>,
) -> Delivery {
    match sent {
        Ok(()) => Delivery::Delivered,
        Err(SendError::Refused(error)) => Delivery::GiveUp { error },
        Err(SendError::Failed(error)) if attempts + 1 >= ATTEMPTS => Delivery::GiveUp { error },
        Err(SendError::Failed(error)) => {
            let wait = callback::backoff(state.config().dci.retry_base, attempts + 1);
            Delivery::Retry {
                at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX),
                error,
            }
        }
    }
}

/// One attempt at a stored callback, signed afresh.
async fn send_callback(state: &AppState, item: &Callback) -> Result<(), SendError> {
    let failed = |e: StoreError| SendError::Failed(format!("database: {e}"));
    match state
        .store()
        .agency_by_id(item.agency)
        .await
        .map_err(failed)?
    {
        Some(agency) if !agency.disabled => {}
        _ => return Err(SendError::Refused("the agency is gone or disabled".into())),
    }
    let mut envelope: Envelope<serde_json::Value> = serde_json::from_value(item.body.clone())
        .map_err(|_| SendError::Refused("the stored callback is not an envelope".into()))?;
    let signer = state
        .dci()
        .signer(state.config())
        .map_err(|e| SendError::Failed(format!("the DCI key file: {e}")))?;
    callback::send_once(&state.config().dci, &signer, &item.url, &mut envelope).await
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

/// The background worker of `tepat serve`: every few seconds, queue and deliver notifications, and
/// deliver (or retry) callbacks.
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
        match deliver_callbacks(&state, Utc::now()).await {
            Ok(r) if r == PumpReport::default() => {}
            Ok(r) => tracing::info!(
                delivered = r.delivered,
                retrying = r.retrying,
                failed = r.failed,
                "agency callbacks"
            ),
            Err(error) => tracing::warn!(%error, "agency callbacks: cannot read the outbox"),
        }
    }
}
