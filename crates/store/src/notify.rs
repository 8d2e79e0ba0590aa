//! Notifications to citizens (issue 8, `docs/notifications.md`): the channels a household registered,
//! messages that are not distribution notices (complaint updates), and the outbox of deliveries.
//!
//! Distribution notices live in the `notice` table ([`crate::HandoverStore`]); [`NotifyStore::fan_out_notices`]
//! turns each undelivered one into a delivery per channel the household registered and marks it
//! delivered (to the outbox: the in-app inbox shows every notice anyway). A delivery is keyed by its
//! source (notice or message id) and channel, so fanning out twice writes it once.
//!
//! Addresses (phone numbers, e-mail addresses, web push subscriptions) are personal data: sealed, bound
//! to table, column (with the channel) and row, and blind-indexed; they leave the store only opened for
//! the sender, never in errors.

use chrono::{DateTime, Utc};
use tepat_domain::Lang;
use uuid::Uuid;

use crate::error::StoreError;

/// Where a notice can go besides the in-app inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// A text message through the HTTP gateway.
    Sms,
    /// A WhatsApp message through the same gateway.
    Whatsapp,
    /// E-mail over SMTP.
    Email,
    /// Web push (RFC 8030, 8291, 8292) to the browser that subscribed.
    Push,
}

impl Channel {
    pub const ALL: &'static [Channel] = &[
        Channel::Sms,
        Channel::Whatsapp,
        Channel::Email,
        Channel::Push,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Email => "email",
            Channel::Push => "push",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.iter().copied().find(|c| c.code() == s)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// Claimed by a sender; back to due when the claim lapses (a crash mid-send).
    Sending,
    /// Handed to the SMTP server, gateway or push service.
    Sent,
    /// The gateway reported it delivered to the phone.
    Delivered,
    /// Given up: too many attempts, a permanent refusal, or the contact is gone.
    Failed,
}

impl DeliveryState {
    pub const ALL: &'static [DeliveryState] = &[
        DeliveryState::Pending,
        DeliveryState::Sending,
        DeliveryState::Sent,
        DeliveryState::Delivered,
        DeliveryState::Failed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sending => "sending",
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.iter().copied().find(|c| c.code() == s)
    }
}

/// A household's contact on one channel, opened. `Debug` hides the address.
#[derive(Clone, PartialEq, Eq)]
pub struct NotifyContact {
    pub household: Uuid,
    pub channel: Channel,
    /// A phone number (`08…`), an e-mail address, or a web push subscription as JSON.
    pub address: String,
    /// The language the household reads its notices in.
    pub lang: Lang,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for NotifyContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyContact")
            .field("household", &self.household)
            .field("channel", &self.channel)
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

/// A message to write: to a household, or to one address.
#[derive(Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub id: Uuid,
    pub to: MessageTo,
    /// A template id of `tepat_core::portal::notify` (`complaint_update`, …).
    pub template: String,
    /// The template's parameters, JSON, without personal data.
    pub params: String,
    pub created_at: DateTime<Utc>,
}

/// Whom a [`NewMessage`] goes to.
#[derive(Clone, PartialEq, Eq)]
pub enum MessageTo {
    /// The household's inbox and every channel it registered.
    Household(Uuid),
    /// One address on one channel (a complaint's contact), in `lang`.
    Address {
        channel: Channel,
        address: String,
        lang: Lang,
    },
}

impl std::fmt::Debug for NewMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = match &self.to {
            MessageTo::Household(h) => format!("household {h}"),
            MessageTo::Address { channel, .. } => format!("an address ({})", channel.code()),
        };
        f.debug_struct("NewMessage")
            .field("id", &self.id)
            .field("to", &to)
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

/// A message to a household as its inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: Uuid,
    pub household: Uuid,
    pub template: String,
    pub params: String,
    pub created_at: DateTime<Utc>,
}

/// A delivery's key: its notice or message, and the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryKey {
    pub source: Uuid,
    pub channel: Channel,
}

impl DeliveryKey {
    /// The reference sent to the gateway and reported back in its delivery reports: no personal data.
    pub fn reference(&self) -> String {
        format!("{}.{}", self.source.simple(), self.channel.code())
    }

    pub fn parse_reference(s: &str) -> Option<DeliveryKey> {
        let (id, channel) = s.split_once('.')?;
        Some(DeliveryKey {
            source: Uuid::try_parse(id).ok()?,
            channel: Channel::parse(channel)?,
        })
    }
}

/// A delivery claimed for sending, with its address opened (`None` when the household removed its
/// contact on this channel meanwhile). `Debug` hides the address.
#[derive(Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub key: DeliveryKey,
    pub household: Option<Uuid>,
    pub address: Option<String>,
    pub lang: Lang,
    pub template: String,
    pub params: String,
    pub program: Option<String>,
    pub cycle: Option<String>,
    /// Attempts made before this one.
    pub attempts: u32,
}

impl std::fmt::Debug for DueDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueDelivery")
            .field("key", &self.key)
            .field("household", &self.household)
            .field("address", &self.address.is_some())
            .field("template", &self.template)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// A delivery's row without its address (status pages, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub key: DeliveryKey,
    pub household: Option<Uuid>,
    pub lang: Lang,
    pub template: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// How many deliveries are in one state on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryCount {
    pub channel: Channel,
    pub state: DeliveryState,
    pub count: u64,
}

/// What one [`NotifyStore::fan_out_notices`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    /// Notices marked delivered to the outbox.
    pub notices: u64,
    /// Deliveries written for them.
    pub deliveries: u64,
}

/// Contacts, messages and the outbox. Part of [`crate::Store`]; both backends implement it with the
/// same SQL.
#[async_trait::async_trait]
pub trait NotifyStore: Send + Sync {
    /// Registers (or replaces) the household's address on `contact.channel`.
    async fn set_contact(&self, contact: &NotifyContact) -> Result<(), StoreError>;

    /// Removes the household's contact on `channel`; `false` if it had none.
    async fn remove_contact(&self, household: Uuid, channel: Channel) -> Result<bool, StoreError>;

    /// The household's contacts, opened, in channel order.
    async fn contacts_of_household(
        &self,
        household: Uuid,
    ) -> Result<Vec<NotifyContact>, StoreError>;

    /// Removes every household's contact with this address on `channel` (found by its blind index):
    /// a push subscription the browser dropped, a number the gateway says is gone.
    async fn remove_contacts_at(&self, channel: Channel, address: &str) -> Result<u64, StoreError>;

    /// Writes a "payment sent" notice (body: amount, route, provider) for each settled transfer whose
    /// household has none for that program and cycle, at most `limit`, set-based; returns how many.
    async fn generate_payment_notices(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<u64, StoreError>;

    /// Takes up to `limit` undelivered notices, oldest first, writes a pending delivery for each
    /// channel their household registered (due at `now`), and marks them delivered, in one
    /// transaction.
    async fn fan_out_notices(&self, limit: u32, now: DateTime<Utc>) -> Result<FanOut, StoreError>;

    /// Stores a message and its pending deliveries (one per channel of the household, or the one
    /// address), in one transaction; returns how many deliveries. The same id twice is stored once.
    async fn enqueue_message(&self, message: &NewMessage) -> Result<u64, StoreError>;

    /// A household's messages, oldest first.
    async fn messages_of_household(
        &self,
        household: Uuid,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Claims up to `limit` deliveries due at `now` (pending, or sending with a lapsed claim), oldest
    /// due first: they become `sending` until `claim_until`.
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        claim_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// A claimed delivery was handed over: `sent`, attempts + 1. `false` if it was not `sending`.
    async fn delivery_sent(&self, key: DeliveryKey, now: DateTime<Utc>)
        -> Result<bool, StoreError>;

    /// A claimed delivery's attempt failed: attempts + 1, `error` kept (it must hold no personal
    /// data), and `pending` again until `retry_at`, or `failed` when it is `None`.
    async fn delivery_failed(
        &self,
        key: DeliveryKey,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The gateway's delivery report: `delivered`, or `failed` with `error`. Only a `sent` delivery
    /// (or a delivered one reported again) moves; `false` otherwise.
    async fn delivery_report(
        &self,
        key: DeliveryKey,
        delivered: bool,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    async fn delivery(&self, key: DeliveryKey) -> Result<Option<DeliveryRow>, StoreError>;

    /// The deliveries of a notice or message.
    async fn deliveries_of(&self, source: Uuid) -> Result<Vec<DeliveryRow>, StoreError>;

    /// Counts per channel and state (only those that have any).
    async fn delivery_counts(&self) -> Result<Vec<DeliveryCount>, StoreError>;

    /// Makes every failed delivery pending again, due at `now`, with its attempts reset; returns how
    /// many.
    async fn retry_failed_deliveries(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
