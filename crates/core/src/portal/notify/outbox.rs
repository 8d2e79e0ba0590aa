//! The outbox job: every pass writes "payment sent" notices for settled transfers, fans undelivered
//! notices out to their households' channels, and sends what is due. A failed attempt is retried after
//! an exponentially growing delay with jitter (30 s, 1 min, 2 min, … capped at 6 hours, each between
//! half and all of that), until `[notify] max_attempts`; a permanent refusal fails at once, and an
//! address the channel says is gone (a dropped push subscription, an unreachable number) is removed
//! from every household that gave it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use tepat_store::{Channel, DueDelivery, Store};

use super::config::NotifyConfig;
use super::email::Mailer;
use super::push::{Subscription, VapidKey};
use super::templates::{notice_params, render, Rendered};
use super::{gateway, push, NotifyError};

/// Rows per store call.
pub const BATCH: u32 = 2_000;
/// Deliveries sent per pass at most (the rest wait for the next pass).
const SENDS_PER_PASS: u32 = 500;
/// A claimed delivery returns to the queue after this long if its sender died.
const CLAIM: chrono::Duration = chrono::Duration::minutes(5);
const FIRST_RETRY_SECONDS: i64 = 30;
const MAX_RETRY_SECONDS: i64 = 6 * 3600;
/// Per request to the gateway or a push service.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Why one attempt failed. The text is stored as the delivery's last error: no address, no message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth another attempt later.
    Retry(String),
    /// Will not work however often it is tried.
    Permanent(String),
    /// The address no longer exists: the contact is removed.
    Gone(String),
}

/// A transport error without the URL's query or anything the peer sent.
pub(crate) fn http_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        "request failed".into()
    }
}

/// The delay before attempt `attempts + 1`, given `attempts` failures so far (at least 1).
pub fn backoff(attempts: u32, rng: &mut impl Rng) -> chrono::Duration {
    let exp = attempts.saturating_sub(1).min(20);
    let full = FIRST_RETRY_SECONDS
        .saturating_mul(1i64 << exp)
        .min(MAX_RETRY_SECONDS);
    let half = full / 2;
    chrono::Duration::seconds(half + rng.random_range(0..=full - half))
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub payment_notices: u64,
    pub fanned_out: u64,
    pub queued: u64,
    pub sent: u64,
    pub retrying: u64,
    pub failed: u64,
}

/// The channels configured on this server, ready to send.
pub struct Outbox {
    store: Arc<dyn Store>,
    config: NotifyConfig,
    http: reqwest::Client,
    mailer: Option<Mailer>,
    vapid: Option<VapidKey>,
}

impl Outbox {
    /// Builds the senders; creates the VAPID key file when push is configured and it is missing.
    pub fn new(store: Arc<dyn Store>, config: NotifyConfig) -> Result<Outbox, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let mailer = config.smtp.as_ref().map(Mailer::new).transpose()?;
        let vapid = config
            .push
            .as_ref()
            .map(|p| {
                VapidKey::load_or_create(&p.vapid_key_file)
                    .map_err(|e| format!("VAPID key {}: {e}", p.vapid_key_file.display()))
            })
            .transpose()?;
        Ok(Outbox {
            store,
            config,
            http,
            mailer,
            vapid,
        })
    }

    /// The VAPID public key for `PushManager.subscribe`, when push is configured.
    pub fn vapid_public_key(&self) -> Option<String> {
        self.vapid.as_ref().map(VapidKey::public_key)
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// One pass: generate, fan out, send what is due at `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<Pass, NotifyError> {
        let mut pass = Pass::default();
        loop {
            let n = self.store.generate_payment_notices(now, BATCH).await?;
            pass.payment_notices += n;
            if n < u64::from(BATCH) {
                break;
            }
        }
        loop {
            let f = self.store.fan_out_notices(BATCH, now).await?;
            pass.fanned_out += f.notices;
            pass.queued += f.deliveries;
            if f.notices < u64::from(BATCH) {
                break;
            }
        }
        let due = self
            .store
            .claim_deliveries(now, now + CLAIM, SENDS_PER_PASS)
            .await?;
        for delivery in due {
            match self.attempt(&delivery, now).await {
                Ok(()) => {
                    self.store.delivery_sent(delivery.key, now).await?;
                    pass.sent += 1;
                }
                Err(error) => {
                    if self.record_failure(&delivery, error, now).await? {
                        pass.retrying += 1;
                    } else {
                        pass.failed += 1;
                    }
                }
            }
        }
        Ok(pass)
    }

    /// Records a failed attempt; `true` when it will be retried.
    async fn record_failure(
        &self,
        delivery: &DueDelivery,
        error: SendError,
        now: DateTime<Utc>,
    ) -> Result<bool, NotifyError> {
        let attempts = delivery.attempts + 1;
        let (text, retry_at) = match error {
            SendError::Retry(text) if attempts < self.config.max_attempts => {
                let at = now + backoff(attempts, &mut rand::rng());
                (text, Some(at))
            }
            SendError::Retry(text) => (format!("{text} (gave up after {attempts} attempts)"), None),
            SendError::Permanent(text) => (text, None),
            SendError::Gone(text) => {
                if let Some(address) = &delivery.address {
                    self.store
                        .remove_contacts_at(delivery.key.channel, address)
                        .await?;
                }
                (text, None)
            }
        };
        let retry = retry_at.is_some();
        self.store
            .delivery_failed(delivery.key, &text, retry_at, now)
            .await?;
        tracing::info!(
            reference = %delivery.key.reference(),
            attempts,
            retry,
            error = %text,
            "notification attempt failed"
        );
        Ok(retry)
    }

    async fn attempt(&self, d: &DueDelivery, now: DateTime<Utc>) -> Result<(), SendError> {
        let address = d
            .address
            .as_deref()
            .ok_or_else(|| SendError::Permanent("the household removed this contact".into()))?;
        let rendered = rendered(d);
        match d.key.channel {
            Channel::Sms | Channel::Whatsapp => {
                let settings = self.config.gateway.as_ref().ok_or_else(not_configured)?;
                gateway::send(&self.http, settings, d.key, address, &rendered.short).await
            }
            Channel::Email => {
                let mailer = self.mailer.as_ref().ok_or_else(not_configured)?;
                mailer
                    .send(address, &rendered, d.lang, &d.key.reference())
                    .await
            }
            Channel::Push => {
                let (Some(key), Some(settings)) = (&self.vapid, &self.config.push) else {
                    return Err(not_configured());
                };
                let (sub, _) = Subscription::parse(address)
                    .map_err(|_| SendError::Gone("invalid subscription".into()))?;
                let payload = serde_json::json!({
                    "title": rendered.title,
                    "body": rendered.body,
                    "url": "/cek",
                    "tag": d.key.source,
                })
                .to_string();
                push::send(
                    &self.http,
                    key,
                    &settings.subject,
                    &sub,
                    payload.as_bytes(),
                    now,
                )
                .await
            }
        }
    }
}

fn not_configured() -> SendError {
    SendError::Permanent("this channel is not configured on the server".into())
}

/// The delivery's words in its language.
pub fn rendered(d: &DueDelivery) -> Rendered {
    let params = match (&d.program, &d.cycle) {
        (Some(program), Some(cycle)) => notice_params(&d.params, program, cycle),
        _ => serde_json::from_str(&d.params).unwrap_or(serde_json::Value::Null),
    };
    render(&d.template, &params, d.lang)
}

/// Runs [`Outbox::run_once`] every `[notify] every_seconds` until the task is dropped. Errors are
/// logged (they hold no personal data) and the next pass tries again.
pub async fn delivering(outbox: Outbox) {
    let mut tick = tokio::time::interval(outbox.config.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match outbox.run_once(Utc::now()).await {
            Ok(pass) if pass != Pass::default() => {
                tracing::info!(?pass, "notifications");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notification pass failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..100 {
            let first = backoff(1, &mut rng).num_seconds();
            assert!((15..=30).contains(&first), "{first}");
            let fourth = backoff(4, &mut rng).num_seconds();
            assert!((120..=240).contains(&fourth), "{fourth}");
            let late = backoff(30, &mut rng).num_seconds();
            assert!((3 * 3600..=6 * 3600).contains(&late), "{late}");
        }
        let spread: std::collections::BTreeSet<i64> = (0..50)
            .map(|_| backoff(3, &mut rng).num_seconds())
            .collect();
        assert!(spread.len() > 10, "jitter spreads retries: {spread:?}");
    }
}
