//! Notifications to citizens (issue 8, `docs/notifications.md`): the in-app inbox, and an outbox that
//! delivers the same notices by SMS and WhatsApp (an HTTP gateway), e-mail (SMTP) and web push.
//!
//! - Distribution notices (schedule and place, payment sent, hand-over recorded, fix your account) are
//!   rows of the `notice` table; issue 7 writes most of them, [`outbox`] generates "payment sent" for
//!   settled transfers and fans every notice out to the household's channels.
//! - Other parts send a [`Message`] (a template id and parameters) with [`enqueue`]: to a household
//!   ([`Recipient::Household`]: its inbox and channels) or to an address given with, say, a complaint
//!   ([`Recipient::Contact`]).
//! - [`contacts`]: a household registers where it wants its notices, after a status check.
//! - [`templates`]: the words, in Bahasa Indonesia and English ([`render`]).
//! - [`outbox`]: the delivery job, retries with exponential backoff and jitter, delivery reports;
//!   [`email`], [`gateway`] and [`push`] are its channels; [`NotifyConfig`] their settings.
//!
//! Nothing sent or logged carries a NIK, KK number or name: templates read only their parameters,
//! addresses are sealed at rest and never written to errors.
pub mod config;
pub mod contacts;
pub mod email;
pub mod gateway;
pub mod outbox;
pub mod push;
pub mod templates;

use std::collections::BTreeMap;

use chrono::Utc;
use tepat_domain::registry::Phone;
use tepat_domain::Lang;
use tepat_store::{Channel, MessageTo, NewMessage, Store, StoreError};
use uuid::Uuid;

pub use config::{NotifyConfig, NotifyConfigError};
pub use outbox::{delivering, Outbox, Pass};
pub use templates::{render, render_message, render_notice, Rendered};

/// Whom a message goes to.
#[derive(Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A household in the registry: its inbox and every channel it registered.
    Household(Uuid),
    /// One address (left with a complaint, say), outside any household's contacts.
    Contact(ContactAddress),
}

/// An address given for one message. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub enum ContactAddress {
    /// A mobile number (`08…`, `+628…`): sent by SMS.
    Phone(String),
    Email(String),
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recipient::Household(h) => write!(f, "Household({h})"),
            Recipient::Contact(ContactAddress::Phone(_)) => f.write_str("Contact(Phone(..))"),
            Recipient::Contact(ContactAddress::Email(_)) => f.write_str("Contact(Email(..))"),
        }
    }
}

/// A template id and its parameters. Parameters must not hold a NIK, KK number, name, phone number
/// or address: a message is stored, rendered and sent as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub template: String,
    pub params: BTreeMap<String, String>,
    /// The language for a [`Recipient::Contact`]; a household's channels use the language it chose.
    pub lang: Lang,
}

impl Message {
    pub fn new(template: &str) -> Message {
        Message {
            template: template.to_owned(),
            params: BTreeMap::new(),
            lang: Lang::Id,
        }
    }

    pub fn param(mut self, key: &str, value: impl ToString) -> Message {
        self.params.insert(key.to_owned(), value.to_string());
        self
    }

    pub fn lang(mut self, lang: Lang) -> Message {
        self.lang = lang;
        self
    }

    /// A complaint was received under `ticket`.
    pub fn complaint_received(ticket: &str) -> Message {
        Message::new(templates::id::COMPLAINT_RECEIVED).param("ticket", ticket)
    }

    /// The complaint `ticket` moved to `state` (a complaint state code such as `resolved`).
    pub fn complaint_update(ticket: &str, state: &str) -> Message {
        Message::new(templates::id::COMPLAINT_UPDATE)
            .param("ticket", ticket)
            .param("state", state)
    }
}

/// Why a notification could not be queued. Messages hold no address or personal data.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the phone number is not an Indonesian mobile number (08…, +628…)")]
    InvalidPhone,
    #[error("the e-mail address is not valid")]
    InvalidEmail,
    #[error("the web push subscription is not valid: {0}")]
    InvalidSubscription(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl tepat_domain::Localized for NotifyError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (NotifyError::InvalidPhone, Lang::Id) => {
                "Nomor HP tidak valid. Tulis nomor seluler Indonesia, misalnya 0812 3456 7890.".into()
            }
            (NotifyError::InvalidPhone, Lang::En) => {
                "The phone number is not valid. Enter an Indonesian mobile number, e.g. 0812 3456 7890."
                    .into()
            }
            (NotifyError::InvalidEmail, Lang::Id) => {
                "Alamat e-mail tidak valid. Contoh: nama@contoh.id.".into()
            }
            (NotifyError::InvalidEmail, Lang::En) => {
                "The e-mail address is not valid. Example: name@example.id.".into()
            }
            (NotifyError::InvalidSubscription(_), Lang::Id) => {
                "Peramban ini tidak memberikan langganan notifikasi yang valid. Coba lagi.".into()
            }
            (NotifyError::InvalidSubscription(_), Lang::En) => {
                "This browser did not give a valid notification subscription. Please try again."
                    .into()
            }
            (NotifyError::Store(_), Lang::Id) => {
                "Pemberitahuan tidak dapat disimpan saat ini. Coba lagi nanti.".into()
            }
            (NotifyError::Store(_), Lang::En) => {
                "The notification cannot be saved right now. Please try again later.".into()
            }
        }
    }
}

/// Queues `message` for `recipient`: to a household, it joins its inbox and gets a delivery per
/// channel the household registered; to an address, one delivery (SMS for a phone number, e-mail for
/// an e-mail address). Delivery happens in the [`outbox`] job.
pub async fn enqueue(
    store: &dyn Store,
    recipient: Recipient,
    message: Message,
) -> Result<(), NotifyError> {
    let to = match recipient {
        Recipient::Household(h) => MessageTo::Household(h),
        Recipient::Contact(ContactAddress::Phone(p)) => MessageTo::Address {
            channel: Channel::Sms,
            address: normalise_phone(&p)?,
            lang: message.lang,
        },
        Recipient::Contact(ContactAddress::Email(e)) => MessageTo::Address {
            channel: Channel::Email,
            address: normalise_email(&e)?,
            lang: message.lang,
        },
    };
    let params =
        serde_json::to_string(&message.params).expect("a map of strings serialises as JSON");
    store
        .enqueue_message(&NewMessage {
            id: Uuid::now_v7(),
            to,
            template: message.template,
            params,
            created_at: Utc::now(),
        })
        .await?;
    Ok(())
}

/// `08…` digits, as stored and sent.
pub fn normalise_phone(raw: &str) -> Result<String, NotifyError> {
    Phone::parse(raw)
        .map(|p| p.digits().to_owned())
        .map_err(|_| NotifyError::InvalidPhone)
}

/// Trimmed, the domain in lower case; refuses what cannot be an address (no `@`, spaces, control
/// characters, no dot in the domain, over 254 characters).
pub fn normalise_email(raw: &str) -> Result<String, NotifyError> {
    let raw = raw.trim();
    let (local, domain) = raw.rsplit_once('@').ok_or(NotifyError::InvalidEmail)?;
    let ok_char = |c: char| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | ',');
    if raw.len() > 254
        || local.is_empty()
        || local.len() > 64
        || local.contains('@')
        || !local.chars().all(ok_char)
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || !domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
    {
        return Err(NotifyError::InvalidEmail);
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_normalised() {
        assert_eq!(
            normalise_phone("+62 812-3456-7890").unwrap(),
            "081234567890"
        );
        assert!(matches!(
            normalise_phone("12345"),
            Err(NotifyError::InvalidPhone)
        ));
        assert_eq!(
            normalise_email(" Siti@Desa.Example.ID ").unwrap(),
            "Siti@desa.example.id"
        );
        for bad in [
            "no-at", "a@b", "a b@c.id", "@c.id", "a@.c.id", "a@c.id.", "x@c_d.id",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_name_no_address() {
        let e = normalise_phone("0812 999 ABC").unwrap_err();
        assert!(!e.to_string().contains("0812"));
        let e = normalise_email("secret@nowhere").unwrap_err();
        assert!(!e.to_string().contains("secret"));
        let debug = format!(
            "{:?}",
            Recipient::Contact(ContactAddress::Phone("081234567890".into()))
        );
        assert!(!debug.contains("0812"), "{debug}");
    }
}
