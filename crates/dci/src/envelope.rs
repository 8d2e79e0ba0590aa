//! The envelope every DCI message travels in: `{"signature": …, "header": {…}, "message": {…}}`.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::ack::Status;

/// The DCI version tepat writes and accepts.
pub const VERSION: &str = "1.0.0";

/// A signed (or not yet signed) message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<M> {
    /// The `Signature: …` string over header and message ([`crate::signature`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    pub header: Header,
    pub message: M,
}

impl<M> Envelope<M> {
    pub fn new(header: Header, message: M) -> Envelope<M> {
        Envelope {
            signature: None,
            header,
            message,
        }
    }
}

/// Who sent which message when, and (in callbacks) how it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub version: String,
    /// Unique per sender until acknowledged; a repeat is `rjct.message_id.duplicate`.
    pub message_id: String,
    /// RFC 3339.
    pub message_ts: DateTime<Utc>,
    /// e.g. `search`, `on-search`, `subscribe`, `notify`.
    pub action: String,
    pub sender_id: String,
    /// Where callbacks (`/on-search`, …) go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_id: Option<String>,
    /// Items in the message. Written as a number; read from a number or a string (the published samples
    /// use strings).
    #[serde(deserialize_with = "count")]
    pub total_count: u64,
    #[serde(default)]
    pub is_msg_encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    /// Callbacks only: the outcome of the whole request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_message: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_count"
    )]
    pub completed_count: Option<u64>,
}

impl Header {
    /// A header for a new message from `sender_id`: a fresh UUIDv7 message id, the time now (to the
    /// second, as RFC 3339 timestamps in the wild carry no more).
    pub fn new(action: &str, sender_id: &str, total_count: u64) -> Header {
        Header {
            version: VERSION.into(),
            message_id: uuid::Uuid::now_v7().to_string(),
            message_ts: Utc::now().trunc_subsecs(0),
            action: action.into(),
            sender_id: sender_id.into(),
            sender_uri: None,
            receiver_id: None,
            total_count,
            is_msg_encrypted: false,
            meta: None,
            status: None,
            status_reason_code: None,
            status_reason_message: None,
            completed_count: None,
        }
    }
}

fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Number(u64),
        Text(String),
    }
    match Count::deserialize(d)? {
        Count::Number(n) => Ok(n),
        Count::Text(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom("total_count must be a whole number")),
    }
}

fn optional_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    count(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_sample_header_reads_with_a_string_count() {
        let header: Header = serde_json::from_str(
            r#"{"version":"1.0.0","message_id":"123","message_ts":"2022-12-04T17:20:07-04:00",
                "action":"search","sender_id":"spp.example.org","sender_uri":"https://spp.example.org/{namespace}/callback/on-search",
                "receiver_id":"pymts.example.org","total_count":"21800","is_msg_encrypted":false,"meta":{}}"#,
        )
        .unwrap();
        assert_eq!(header.total_count, 21_800);
        assert_eq!(header.message_ts.to_rfc3339(), "2022-12-04T21:20:07+00:00");
        assert_eq!(header.receiver_id.as_deref(), Some("pymts.example.org"));
    }

    #[test]
    fn a_count_that_is_not_a_number_is_refused() {
        let err = serde_json::from_str::<Header>(
            r#"{"version":"1.0.0","message_id":"1","message_ts":"2025-01-01T00:00:00Z","action":"search",
                "sender_id":"a","total_count":"many"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("total_count"), "{err}");
    }

    #[test]
    fn new_headers_have_fresh_ids_and_round_trip() {
        let a = Header::new("search", "dinsos.belitungkab.go.id", 2);
        let b = Header::new("search", "dinsos.belitungkab.go.id", 2);
        assert_ne!(a.message_id, b.message_id);
        let back: Header = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }
}
