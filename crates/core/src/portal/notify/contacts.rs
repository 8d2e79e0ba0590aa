//! Where a household wants its notices: one address per channel, registered after a status check
//! (the citizen's pass names the household), kept apart from the registry record.

use chrono::Utc;
use tepat_domain::Lang;
use tepat_store::{Channel, NotifyContact, Store};
use uuid::Uuid;

use super::config::NotifyConfig;
use super::push::Subscription;
use super::{normalise_email, normalise_phone, NotifyError};

/// A contact as the page shows it: the address masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    pub channel: Channel,
    pub masked: String,
    pub lang: Lang,
}

/// Why a contact was not saved.
#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("this channel is not offered on this server")]
    ChannelOff,
    #[error(transparent)]
    Invalid(#[from] NotifyError),
}

impl tepat_domain::Localized for ContactError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ContactError::ChannelOff, Lang::Id) => {
                "Saluran ini tidak tersedia di server ini.".into()
            }
            (ContactError::ChannelOff, Lang::En) => {
                "This channel is not available on this server.".into()
            }
            (ContactError::Invalid(e), lang) => e.message(lang),
        }
    }
}

/// Checks `raw` for `channel` and saves it as the household's address there (replacing any), with
/// the language its notices are written in.
pub async fn register(
    store: &dyn Store,
    config: &NotifyConfig,
    household: Uuid,
    channel: Channel,
    raw: &str,
    lang: Lang,
) -> Result<(), ContactError> {
    if !config.channels().contains(&channel) {
        return Err(ContactError::ChannelOff);
    }
    let address = match channel {
        Channel::Sms | Channel::Whatsapp => normalise_phone(raw)?,
        Channel::Email => normalise_email(raw)?,
        Channel::Push => Subscription::parse(raw)?.1,
    };
    store
        .set_contact(&NotifyContact {
            household,
            channel,
            address,
            lang,
            created_at: Utc::now(),
        })
        .await
        .map_err(NotifyError::from)?;
    Ok(())
}

/// Removes the household's address on `channel`; `false` if it had none.
pub async fn remove(
    store: &dyn Store,
    household: Uuid,
    channel: Channel,
) -> Result<bool, NotifyError> {
    Ok(store.remove_contact(household, channel).await?)
}

/// The household's contacts, masked for display.
pub async fn list(store: &dyn Store, household: Uuid) -> Result<Vec<ContactView>, NotifyError> {
    Ok(store
        .contacts_of_household(household)
        .await?
        .into_iter()
        .map(|c| ContactView {
            channel: c.channel,
            masked: mask(c.channel, &c.address),
            lang: c.lang,
        })
        .collect())
}

/// `0812****7890`, `s***@desa.id`; a push subscription shows its service's host.
pub fn mask(channel: Channel, address: &str) -> String {
    match channel {
        Channel::Sms | Channel::Whatsapp => {
            let n = address.chars().count();
            address
                .chars()
                .enumerate()
                .map(|(i, c)| if i < 4 || i + 4 >= n { c } else { '*' })
                .collect()
        }
        Channel::Email => match address.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".into(),
        },
        Channel::Push => serde_json::from_str::<Subscription>(address)
            .ok()
            .and_then(|s| {
                s.endpoint
                    .strip_prefix("https://")
                    .and_then(|r| r.split('/').next())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "browser".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked() {
        assert_eq!(mask(Channel::Sms, "081234567890"), "0812****7890");
        assert_eq!(mask(Channel::Email, "siti@desa.id"), "s***@desa.id");
        assert_eq!(
            mask(
                Channel::Push,
                r#"{"endpoint":"https://fcm.googleapis.com/fcm/send/x","keys":{"p256dh":"a","auth":"b"}}"#
            ),
            "fcm.googleapis.com"
        );
    }
}
