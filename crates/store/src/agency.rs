//! Partner agencies that use the DCI Social Registry API (`docs/agency-api.md`): who they are, their
//! public keys, region scope and permissions; the message ids they sent (a repeat is refused), their
//! subscriptions to registry changes, the durable outbox of notifications to deliver to them, and the
//! transactions they can ask the status of.
//!
//! The rules (signatures, scopes, what a notification holds) live in `tepat-core::agency`; this module
//! only keeps the rows. Nothing here is personal data: the outbox holds household ids and event codes,
//! the message is built (and its read audited) when it is delivered.

use chrono::{DateTime, Utc};
use tepat_domain::registry::ChangeKind;
use tepat_domain::{RegionCode, Scope};
use uuid::Uuid;

use crate::error::StoreError;

/// A registered agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: Uuid,
    /// The DCI `sender_id`, e.g. `dukcapil.belitungkab.go.id`; unique.
    pub sender_id: String,
    pub name: String,
    /// Its public keys, a JWKS as JSON text (checked by the core when set).
    pub jwks: String,
    /// The regions whose records it may read.
    pub scope: Scope,
    pub may_search: bool,
    pub may_subscribe: bool,
    /// Disabled by an administrator: every message is refused.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An agency to register.
#[derive(Debug, Clone)]
pub struct NewAgency {
    pub sender_id: String,
    pub name: String,
    pub jwks: String,
    pub scope: Scope,
    pub may_search: bool,
    pub may_subscribe: bool,
}

/// A subscription to registry change events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: Uuid,
    pub agency: Uuid,
    /// Quoted by the agency to unsubscribe.
    pub code: String,
    /// `registration`, `update`, `death` or `move`.
    pub event_type: String,
    /// Only changes inside this region (always inside the agency's scope).
    pub region: Scope,
    /// Where notifications go: `{sender_uri}/notify`.
    pub sender_uri: String,
    pub created_at: DateTime<Utc>,
}

/// A change to the registry that subscribers may be told about: an approved request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryChange {
    pub request: Uuid,
    pub household: Uuid,
    pub village: RegionCode,
    pub kind: ChangeKind,
    /// When it was approved.
    pub at: DateTime<Utc>,
}

/// Where the change feed has been read up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedCursor {
    pub at: DateTime<Utc>,
    pub request: Uuid,
}

/// A notification to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: Uuid,
    pub agency: Uuid,
    pub subscription: Uuid,
    /// The same on every attempt, so the receiver can drop a repeat.
    pub message_id: String,
    pub event_type: String,
    pub household: Uuid,
    pub village: RegionCode,
    /// Attempts made so far.
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub state: OutboxState,
    /// Why the last attempt failed (status code or transport error; no personal data).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    Pending,
    Delivered,
    /// Given up after the last retry.
    Failed,
}

impl OutboxState {
    pub fn code(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Delivered => "delivered",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        [
            OutboxState::Pending,
            OutboxState::Delivered,
            OutboxState::Failed,
        ]
        .into_iter()
        .find(|o| o.code() == s)
    }
}

/// A notification to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxItem {
    pub agency: Uuid,
    pub subscription: Uuid,
    pub event_type: String,
    pub household: Uuid,
    pub village: RegionCode,
}

/// How one delivery attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// Failed; try again at this time.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Failed for the last time.
    GiveUp {
        error: String,
    },
}

/// A hold on outbox rows: `holder` (one `tepat serve` process) may send them until `until`. Another
/// process takes a row only once its lease ran out, so two processes never send it at the same time,
/// and a row of a process that died is sent by another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub until: DateTime<Utc>,
}

/// An answer to an asynchronous request, to deliver to the agency's callback address.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCallback {
    pub agency: Uuid,
    /// `on-search`, `on-subscribe`, `on-unsubscribe`, `txn/on-status`.
    pub action: String,
    /// `{sender_uri}/{action}`, checked against SSRF when sent.
    pub url: String,
    /// The unsigned envelope (`header` and `message`; personal data: sealed at rest). It is signed
    /// afresh at each attempt, so a retry after a long wait is not refused as expired.
    pub body: serde_json::Value,
}

/// A callback in the durable outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    pub id: Uuid,
    pub agency: Uuid,
    pub action: String,
    pub url: String,
    pub body: serde_json::Value,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub state: OutboxState,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A request an agency made, for `txn/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyTransaction {
    pub agency: Uuid,
    pub transaction_id: String,
    /// `search`, `subscribe`, `unsubscribe`.
    pub action: String,
    pub correlation_id: String,
    /// `rcvd`, `pdng`, `succ` or `rjct`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// Agencies, replay protection, subscriptions, the change feed and the outbox. Part of
/// [`crate::Store`]; both backends implement it with the same SQL.
#[async_trait::async_trait]
pub trait AgencyStore: Send + Sync {
    /// [`StoreError::SenderTaken`] if the sender id is registered, [`StoreError::UnknownRegion`] if the
    /// scope's region is not in the region table.
    async fn create_agency(
        &self,
        new: &NewAgency,
        now: DateTime<Utc>,
    ) -> Result<Agency, StoreError>;

    async fn agency_by_sender(&self, sender_id: &str) -> Result<Option<Agency>, StoreError>;

    async fn agency_by_id(&self, id: Uuid) -> Result<Option<Agency>, StoreError>;

    /// Every agency, by sender id.
    async fn agencies(&self) -> Result<Vec<Agency>, StoreError>;

    /// Replaces the JWKS. `false` if there is no such agency.
    async fn set_agency_keys(
        &self,
        sender_id: &str,
        jwks: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Disables (`true`) or enables an agency. `false` if there is no such agency.
    async fn set_agency_disabled(
        &self,
        sender_id: &str,
        disabled: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Grants (`true`) or withdraws a permission beyond search and subscribe (`population`). `false`
    /// if there is no such agency.
    async fn set_agency_permission(
        &self,
        sender_id: &str,
        permission: &str,
        granted: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The agency's permissions beyond search and subscribe, sorted.
    async fn agency_permissions(&self, agency: Uuid) -> Result<Vec<String>, StoreError>;

    /// Remembers `message_id` of `sender_id` until `keep_until`; `false` if it was already remembered (a
    /// replay). Forgets ids whose time has passed.
    async fn remember_message(
        &self,
        sender_id: &str,
        message_id: &str,
        keep_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    async fn create_subscription(
        &self,
        agency: Uuid,
        event_type: &str,
        region: &Scope,
        sender_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<Subscription, StoreError>;

    /// The agency's active subscriptions.
    async fn subscriptions_of(&self, agency: Uuid) -> Result<Vec<Subscription>, StoreError>;

    /// Ends a subscription. `false` if the agency has no active subscription with this code.
    async fn end_subscription(
        &self,
        agency: Uuid,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Every active subscription of an enabled agency.
    async fn active_subscriptions(&self) -> Result<Vec<Subscription>, StoreError>;

    /// Where the change feed was read up to (`None`: from the beginning).
    async fn feed_cursor(&self) -> Result<Option<FeedCursor>, StoreError>;

    /// Approved requests after `after`, oldest first.
    async fn registry_changes(
        &self,
        after: Option<FeedCursor>,
        limit: u32,
    ) -> Result<Vec<RegistryChange>, StoreError>;

    /// Queues `items` and moves the feed cursor to `cursor`, in one transaction.
    async fn enqueue_notifications(
        &self,
        items: &[NewOutboxItem],
        cursor: FeedCursor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Queues `items` and moves the feed cursor from `from` to `cursor`, in one transaction, only if the
    /// cursor is still at `from`; `false` (nothing queued) if another process moved it first, so two
    /// processes reading the same changes queue them once.
    async fn enqueue_notifications_from(
        &self,
        from: Option<FeedCursor>,
        items: &[NewOutboxItem],
        cursor: FeedCursor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Pending notifications due at `now`, oldest first.
    async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxItem>, StoreError>;

    /// Claims up to `limit` pending notifications due at `now` whose lease (if any) ran out, for
    /// `lease`, in one statement; oldest first. Two claimers never get the same row while a lease runs.
    async fn claim_notifications(
        &self,
        lease: &Lease,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxItem>, StoreError>;

    /// Records an attempt (and releases the row's lease).
    async fn record_delivery(
        &self,
        id: Uuid,
        outcome: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The agency's notifications, newest first (for operators and tests).
    async fn notifications_of(
        &self,
        agency: Uuid,
        limit: u32,
    ) -> Result<Vec<OutboxItem>, StoreError>;

    /// Queues a callback, due at once. Its id.
    async fn enqueue_callback(
        &self,
        new: &NewCallback,
        now: DateTime<Utc>,
    ) -> Result<Uuid, StoreError>;

    /// Claims due callbacks as [`AgencyStore::claim_notifications`] claims notifications.
    async fn claim_callbacks(
        &self,
        lease: &Lease,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Callback>, StoreError>;

    /// Records an attempt at a callback (and releases its lease).
    async fn record_callback(
        &self,
        id: Uuid,
        outcome: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The agency's callbacks, newest first (for operators and tests).
    async fn callbacks_of(&self, agency: Uuid, limit: u32) -> Result<Vec<Callback>, StoreError>;

    /// Records (or updates the status of) a transaction.
    async fn record_transaction(&self, txn: &AgencyTransaction) -> Result<(), StoreError>;

    async fn agency_transaction(
        &self,
        agency: Uuid,
        transaction_id: &str,
        action: &str,
    ) -> Result<Option<AgencyTransaction>, StoreError>;
}
