//! Sending signed messages to agencies: callbacks (`{sender_uri}/on-search`, …) and notifications
//! (`{sender_uri}/notify`), to addresses checked by `ssrf`, with tepat's key.

use std::time::Duration;

use serde::Serialize;
use tepat_dci::{Envelope, Header, Signer, Status};

use chrono::Utc;
use tepat_store::{NewCallback, StoreError};
use uuid::Uuid;

use super::ssrf;
use crate::config::DciConfig;
use crate::state::AppState;

/// Attempts in all: the first and three retries, each waiting twice as long as the one before.
pub(crate) const ATTEMPTS: u32 = 4;

/// Why one attempt failed (for logs and the outbox; never the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendError {
    /// The address is refused (SSRF protection): retrying will not help.
    Refused(String),
    /// The receiver answered with this status, or could not be reached.
    Failed(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Refused(m) | SendError::Failed(m) => f.write_str(m),
        }
    }
}

/// The header of a message tepat sends to `receiver`.
pub(crate) fn header(
    signer: &Signer,
    action: &str,
    receiver: &str,
    total: u64,
    status: Option<Status>,
) -> Header {
    let mut header = Header::new(action, signer.sender_id(), total);
    header.receiver_id = Some(receiver.to_owned());
    header.status = status;
    if status.is_some() {
        header.completed_count = Some(total);
    }
    header
}

/// `{sender_uri}/{path}`.
pub(crate) fn url_of(sender_uri: &str, path: &str) -> String {
    format!("{}/{}", sender_uri.trim_end_matches('/'), path)
}

/// Signs `envelope` and posts it to `url` once.
pub(crate) async fn send_once<M: Serialize>(
    config: &DciConfig,
    signer: &Signer,
    url: &str,
    envelope: &mut Envelope<M>,
) -> Result<(), SendError> {
    let target = ssrf::resolve(url, config)
        .await
        .map_err(|r| SendError::Refused(r.message))?;
    signer.sign(envelope);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tepat/", env!("CARGO_PKG_VERSION")))
        .resolve_to_addrs(&target.host, &target.addrs)
        .build()
        .map_err(|e| SendError::Failed(format!("no HTTP client: {e}")))?;
    let body = serde_json::to_vec(envelope).expect("an envelope serialises");
    let response = client
        .post(target.url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| SendError::Failed(transport(&e)))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(SendError::Failed(format!(
            "HTTP {}",
            response.status().as_u16()
        )))
    }
}

/// The kind of transport failure, without the URL (which an agency chose).
fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        "transport error".into()
    }
}

/// How long to wait before retry `n` (1, 2, 3): `base`, `2 × base`, `4 × base`.
pub(crate) fn backoff(base: Duration, retry: u32) -> Duration {
    base.saturating_mul(1 << retry.saturating_sub(1).min(16))
}

/// Queues a callback in the durable outbox, then tries it at once in the background; retries are made
/// by the outbox worker ([`super::outbox::deliver_callbacks`]), so a restart loses none.
pub(crate) async fn queue<M: Serialize>(
    state: &AppState,
    agency: Uuid,
    url: String,
    envelope: Envelope<M>,
) -> Result<(), StoreError> {
    let new = NewCallback {
        agency,
        action: envelope.header.action.clone(),
        url,
        body: serde_json::json!({
            "header": serde_json::to_value(&envelope.header).expect("a header serialises"),
            "message": serde_json::to_value(&envelope.message).expect("a message serialises"),
        }),
    };
    state.store().enqueue_callback(&new, Utc::now()).await?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(error) = super::outbox::deliver_callbacks(&state, Utc::now()).await {
            tracing::warn!(%error, "agency callbacks: cannot read the outbox");
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 1), Duration::from_secs(2));
        assert_eq!(backoff(base, 2), Duration::from_secs(4));
        assert_eq!(backoff(base, 3), Duration::from_secs(8));
    }

    #[test]
    fn callback_urls_join_cleanly() {
        assert_eq!(
            url_of("https://a.example/dci/", "on-search"),
            "https://a.example/dci/on-search"
        );
        assert_eq!(
            url_of("https://a.example/dci", "txn/on-status"),
            "https://a.example/dci/txn/on-status"
        );
    }
}
