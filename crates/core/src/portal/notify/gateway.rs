//! SMS and WhatsApp through an HTTP gateway, in the protocol of `docs/notifications.md`:
//!
//! - tepat POSTs `{"to": "+62812…", "text": "…", "channel": "sms" | "whatsapp", "sender": "DINSOS",
//!   "reference": "<delivery reference>"}` as JSON with `Authorization: Bearer <token>`; any 2xx means
//!   accepted, 429 and 5xx mean "try later", 404 and 410 mean the number cannot be reached, other 4xx
//!   a permanent refusal.
//! - The gateway reports each message's fate to `POST /api/v1/notify/delivery` with
//!   `{"reference": "…", "status": "delivered" | "failed", "error": "<code>"}`, signed:
//!   `X-Tepat-Timestamp: <unix seconds>` and `X-Tepat-Signature: sha256=<hex HMAC-SHA256(secret,
//!   timestamp + "." + body)>`. Reports older than five minutes are refused (replays).
//!
//! Neither errors nor logs carry the number or the text: a failure is recorded as the HTTP status.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tepat_store::{Channel, DeliveryKey};

use super::config::GatewaySettings;
use super::outbox::SendError;

/// How far a report's timestamp may be from now.
pub const REPORT_WINDOW_SECONDS: i64 = 300;
pub const SIGNATURE_HEADER: &str = "X-Tepat-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Tepat-Timestamp";

/// The request body tepat sends.
#[derive(Debug, Serialize, Deserialize)]
pub struct GatewayMessage {
    pub to: String,
    pub text: String,
    pub channel: String,
    pub sender: String,
    pub reference: String,
}

/// `08…` as `+628…`.
pub fn international(phone: &str) -> String {
    match phone.strip_prefix('0') {
        Some(rest) => format!("+62{rest}"),
        None => format!("+{}", phone.trim_start_matches('+')),
    }
}

/// Sends one message through the gateway.
pub async fn send(
    http: &reqwest::Client,
    settings: &GatewaySettings,
    key: DeliveryKey,
    phone: &str,
    text: &str,
) -> Result<(), SendError> {
    let channel = match key.channel {
        Channel::Whatsapp => "whatsapp",
        _ => "sms",
    };
    let body = GatewayMessage {
        to: international(phone),
        text: text.to_owned(),
        channel: channel.into(),
        sender: settings.sender.clone(),
        reference: key.reference(),
    };
    let response = http
        .post(&settings.url)
        .bearer_auth(&settings.token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&body).expect("a gateway message serialises"))
        .send()
        .await
        .map_err(|e| SendError::Retry(super::outbox::http_error(&e)))?;
    let status = response.status().as_u16();
    match status {
        200..=299 => Ok(()),
        404 | 410 => Err(SendError::Gone(format!(
            "gateway answered {status}: number unreachable"
        ))),
        408 | 429 | 500..=599 => Err(SendError::Retry(format!("gateway answered {status}"))),
        _ => Err(SendError::Permanent(format!("gateway answered {status}"))),
    }
}

/// A delivery report, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub key: DeliveryKey,
    pub delivered: bool,
    /// The gateway's error code, cleaned of anything that could be a number or a name.
    pub error: Option<String>,
}

/// Why a report was refused (the webhook answers 401 or 400 with this text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("delivery reports are not enabled: [notify.gateway] report_secret_file is not set")]
    NotEnabled,
    #[error("missing or wrong signature")]
    BadSignature,
    #[error("the timestamp is missing or more than five minutes off")]
    Stale,
    #[error("the body is not a delivery report")]
    Malformed,
}

impl ReportError {
    pub fn is_auth(self) -> bool {
        !matches!(self, ReportError::Malformed)
    }
}

/// The signature header's value for `body` sent at `timestamp` (what a gateway computes).
pub fn sign_report(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Checks a report's signature and age, then parses it.
pub fn verify_report(
    secret: Option<&[u8]>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<DeliveryReport, ReportError> {
    let secret = secret.ok_or(ReportError::NotEnabled)?;
    let timestamp: i64 = timestamp
        .and_then(|t| t.trim().parse().ok())
        .ok_or(ReportError::Stale)?;
    if (now.timestamp() - timestamp).abs() > REPORT_WINDOW_SECONDS {
        return Err(ReportError::Stale);
    }
    let given = signature
        .and_then(|s| s.trim().strip_prefix("sha256="))
        .and_then(decode_hex)
        .ok_or(ReportError::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given)
        .map_err(|_| ReportError::BadSignature)?;
    #[derive(Deserialize)]
    struct Raw {
        reference: String,
        status: String,
        error: Option<String>,
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|_| ReportError::Malformed)?;
    let key = DeliveryKey::parse_reference(&raw.reference).ok_or(ReportError::Malformed)?;
    let delivered = match raw.status.as_str() {
        "delivered" => true,
        "failed" | "undelivered" | "rejected" => false,
        _ => return Err(ReportError::Malformed),
    };
    Ok(DeliveryReport {
        key,
        delivered,
        error: raw
            .error
            .as_deref()
            .map(clean_error)
            .filter(|e| !e.is_empty()),
    })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A gateway's error code as stored: letters, short digit groups, `_ - .` and spaces, 60 characters
/// at most; any run of five or more digits (a phone number, an account) becomes `#`.
pub fn clean_error(raw: &str) -> String {
    let kept: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        .take(60)
        .collect();
    let mut out = String::with_capacity(kept.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 5 {
            out.push('#');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in kept.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn reports_are_verified() {
        let secret = b"shared-secret";
        let now = Utc::now();
        let key = DeliveryKey {
            source: Uuid::now_v7(),
            channel: Channel::Sms,
        };
        let body = format!(
            r#"{{"reference":"{}","status":"failed","error":"ABSENT 081234567890"}}"#,
            key.reference()
        );
        let ts = now.timestamp();
        let sig = sign_report(secret, ts, body.as_bytes());
        let report = verify_report(
            Some(secret),
            Some(&ts.to_string()),
            Some(&sig),
            body.as_bytes(),
            now,
        )
        .unwrap();
        assert_eq!(report.key, key);
        assert!(!report.delivered);
        assert_eq!(report.error.as_deref(), Some("ABSENT #"));

        let check = |secret: Option<&[u8]>, ts: i64, sig: &str, body: &str| {
            verify_report(
                secret,
                Some(&ts.to_string()),
                Some(sig),
                body.as_bytes(),
                now,
            )
        };
        assert_eq!(
            check(Some(b"other"), ts, &sig, &body).unwrap_err(),
            ReportError::BadSignature
        );
        assert_eq!(
            check(Some(secret), ts, &sig, &body.replace("failed", "delivered")).unwrap_err(),
            ReportError::BadSignature
        );
        let old = ts - 600;
        assert_eq!(
            check(
                Some(secret),
                old,
                &sign_report(secret, old, body.as_bytes()),
                &body
            )
            .unwrap_err(),
            ReportError::Stale
        );
        assert_eq!(
            check(None, ts, &sig, &body).unwrap_err(),
            ReportError::NotEnabled
        );
        let junk = r#"{"reference":"x","status":"delivered"}"#;
        assert_eq!(
            check(
                Some(secret),
                ts,
                &sign_report(secret, ts, junk.as_bytes()),
                junk
            )
            .unwrap_err(),
            ReportError::Malformed
        );
    }

    #[test]
    fn numbers_are_international_and_errors_clean() {
        assert_eq!(international("081234567890"), "+6281234567890");
        assert_eq!(
            clean_error("<b>NO ROUTE</b> to 6281234567890!"),
            "bNO ROUTEb to #"
        );
        assert_eq!(clean_error("ERR-42"), "ERR-42");
    }
}
