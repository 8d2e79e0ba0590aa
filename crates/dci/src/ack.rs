//! The synchronous answer to every request, and the status of each item.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::reason::ReasonCode;

/// How a request was taken: `ACK` (valid, a callback follows), `NACK` (valid, no callback follows), `ERR`
/// (invalid; see the error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckStatus {
    #[serde(rename = "ACK")]
    Ack,
    #[serde(rename = "NACK")]
    Nack,
    #[serde(rename = "ERR")]
    Err,
}

/// The status of a request or of one item in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Received.
    Rcvd,
    /// Pending.
    Pdng,
    /// Succeeded.
    Succ,
    /// Rejected; a reason code says why.
    Rjct,
}

/// The body of the HTTP 200 answer: `{"message": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AckResponse {
    pub message: Ack,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub ack_status: AckStatus,
    pub timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AckError>,
    /// The receiver's id for the request, quoted again in callbacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AckError {
    /// A reason code such as `rjct.version.invalid`.
    pub code: String,
    /// In English: the partner's developers read it, not a citizen.
    pub message: String,
}

impl AckResponse {
    /// The request is valid; the result will come as a callback quoting `correlation_id`.
    pub fn ack(correlation_id: &str) -> AckResponse {
        AckResponse::with(AckStatus::Ack, None, Some(correlation_id.into()))
    }

    /// The request is invalid, for `reason` explained by `message`.
    pub fn err(reason: ReasonCode, message: impl Into<String>) -> AckResponse {
        let error = AckError {
            code: reason.code().into(),
            message: message.into(),
        };
        AckResponse::with(AckStatus::Err, Some(error), None)
    }

    fn with(
        ack_status: AckStatus,
        error: Option<AckError>,
        correlation_id: Option<String>,
    ) -> AckResponse {
        AckResponse {
            message: Ack {
                ack_status,
                timestamp: Utc::now().trunc_subsecs(0),
                error,
                correlation_id,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_ack_has_the_wire_shape_of_the_standard() {
        let body = AckResponse::err(ReasonCode::VersionInvalid, "version 2.0.0 is not supported");
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["message"]["ack_status"], "ERR");
        assert_eq!(json["message"]["error"]["code"], "rjct.version.invalid");
        assert!(json["message"].get("correlation_id").is_none());
        let ack = serde_json::to_value(AckResponse::ack("c-1")).unwrap();
        assert_eq!(ack["message"]["ack_status"], "ACK");
        assert_eq!(ack["message"]["correlation_id"], "c-1");
    }

    #[test]
    fn statuses_are_the_four_lowercase_words() {
        let all = [Status::Rcvd, Status::Pdng, Status::Succ, Status::Rjct];
        let words: Vec<String> = all
            .iter()
            .map(|s| {
                serde_json::to_value(s)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(words, ["rcvd", "pdng", "succ", "rjct"]);
        assert!(serde_json::from_str::<Status>(r#""done""#).is_err());
    }
}
