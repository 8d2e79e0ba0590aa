//! A provider's callbacks (`on-disburse`, `txn/on-status`): checked against the provider's published
//! keys, then read into what happened to each payment.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use tepat_dci::disburse::{
    DisburseReason, DisburseResponse, DisburseTxnStatusResponse, MAX_BATCH, ON_DISBURSE,
    TXN_ON_STATUS,
};
use tepat_dci::{Header, Jwks, KeyError, KeyLookup, ReasonCode, SignatureError, Status};
use tepat_domain::distribution::PaymentState;
use tepat_domain::Rupiah;
use uuid::Uuid;

use super::payment_of;

/// The registered e-wallet providers' public keys, by the provider's DCI sender id.
#[derive(Debug, Clone, Default)]
pub struct ProviderKeys {
    by_sender: HashMap<String, (String, Jwks)>,
}

impl ProviderKeys {
    pub fn new() -> ProviderKeys {
        ProviderKeys::default()
    }

    /// Registers provider `code` (as in addresses, `dana`), which signs as `sender_id` with `jwks`.
    /// A broken key set is refused now rather than at the first callback.
    pub fn add(&mut self, code: &str, sender_id: &str, jwks: Jwks) -> Result<(), KeyError> {
        jwks.check()?;
        self.by_sender
            .insert(sender_id.to_owned(), (code.to_owned(), jwks));
        Ok(())
    }

    /// The provider code of a sender id.
    pub fn provider_of(&self, sender_id: &str) -> Option<&str> {
        self.by_sender.get(sender_id).map(|(code, _)| code.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.by_sender.is_empty()
    }
}

impl KeyLookup for ProviderKeys {
    fn key(&self, sender_id: &str, key_id: &str) -> Option<VerifyingKey> {
        self.by_sender.get(sender_id)?.1.find(key_id)
    }
}

/// What a provider told us.
#[derive(Debug, Clone, PartialEq)]
pub enum Callback {
    /// `on-disburse`: the items of one transaction.
    Disburse(DisburseResponse),
    /// `txn/on-status`: the answer to a status request.
    Status(DisburseTxnStatusResponse),
}

/// A callback whose signature checked out, from a registered provider.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedCallback {
    /// The provider's code (`dana`): only payments through it may be changed by this callback.
    pub provider: String,
    pub header: Header,
    pub callback: Callback,
}

impl VerifiedCallback {
    /// The disbursement items the callback reports, if any.
    pub fn response(&self) -> Option<&DisburseResponse> {
        match &self.callback {
            Callback::Disburse(r) => Some(r),
            Callback::Status(s) => s.txnstatus_response.txn_status.as_ref(),
        }
    }
}

/// Why a callback is refused. In English, for the provider's developers; never quotes the content.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallbackError {
    #[error("the body is not a JSON object")]
    NotJson,
    #[error("the sender is not a registered e-wallet provider")]
    UnknownSender,
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("the message is addressed to another receiver than this server")]
    NotForUs,
    #[error("header.action must be on-disburse or txn-on-status")]
    Action,
    #[error("the message does not have the shape of {what}: {detail}")]
    Shape { what: &'static str, detail: String },
    #[error("at most {MAX_BATCH} items per callback")]
    TooMany,
}

impl CallbackError {
    /// The reason code to answer with.
    pub fn reason(&self) -> ReasonCode {
        match self {
            CallbackError::NotJson | CallbackError::Shape { .. } => ReasonCode::ActionInvalid,
            CallbackError::UnknownSender | CallbackError::NotForUs => ReasonCode::SenderUnknown,
            CallbackError::Signature(e) => e.reason(),
            CallbackError::Action => ReasonCode::ActionNotSupported,
            CallbackError::TooMany => ReasonCode::TotalCountLimitExceeded,
        }
    }
}

/// Checks a callback body as received: from a registered provider, signed with one of its keys (at
/// `now`, Unix seconds), addressed to `our_id` (when it names a receiver), and of a known action.
pub fn verify_callback(
    body: &Value,
    keys: &ProviderKeys,
    our_id: &str,
    now: i64,
) -> Result<VerifiedCallback, CallbackError> {
    if !body.is_object() {
        return Err(CallbackError::NotJson);
    }
    let sender = body
        .pointer("/header/sender_id")
        .and_then(Value::as_str)
        .ok_or(CallbackError::UnknownSender)?;
    let provider = keys
        .provider_of(sender)
        .ok_or(CallbackError::UnknownSender)?
        .to_owned();
    tepat_dci::verify(body, keys, now)?;
    let header: Header = shape("a DCI header", body.get("header"))?;
    if header.receiver_id.as_deref().is_some_and(|r| r != our_id) {
        return Err(CallbackError::NotForUs);
    }
    let callback = match header.action.as_str() {
        ON_DISBURSE => Callback::Disburse(shape("an on-disburse message", body.get("message"))?),
        TXN_ON_STATUS | "txn/on-status" => {
            Callback::Status(shape("a txn/on-status message", body.get("message"))?)
        }
        _ => return Err(CallbackError::Action),
    };
    let verified = VerifiedCallback {
        provider,
        header,
        callback,
    };
    if verified
        .response()
        .is_some_and(|r| r.disbursements_status.len() > MAX_BATCH)
    {
        return Err(CallbackError::TooMany);
    }
    Ok(verified)
}

fn shape<T: serde::de::DeserializeOwned>(
    what: &'static str,
    value: Option<&Value>,
) -> Result<T, CallbackError> {
    serde_json::from_value(value.cloned().unwrap_or(Value::Null)).map_err(|e| {
        CallbackError::Shape {
            what,
            // serde's message names the field and the problem, never the value.
            detail: e.to_string(),
        }
    })
}

/// What a provider says happened to one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub payment_id: Uuid,
    /// `Settled` (succ), `Rejected` (rjct) or `Accepted` (received or pending at the provider).
    pub state: PaymentState,
    /// The reason code of a rejection, e.g. `rjct.payee_fa.invalid`.
    pub reason: Option<String>,
    /// The amount the provider reports, to be compared with the payment's.
    pub amount: Option<Rupiah>,
    pub at: DateTime<Utc>,
}

impl Outcome {
    /// The wallet must be fixed before paying again (the household's mapper link is wrong).
    pub fn needs_new_address(&self) -> bool {
        self.reason.as_deref() == Some(DisburseReason::PayeeFaInvalid.code())
    }
}

/// Every item of a callback, sorted into what changes payments and what does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub results: Vec<Outcome>,
    /// `rjct.reference_id.duplicate`: a resent payment the provider recognised. Changes nothing — the
    /// first transaction's outcome stands.
    pub duplicates: Vec<Uuid>,
    /// Items whose `reference_id` is not a payment id of ours.
    pub foreign: usize,
}

/// Reads a provider's items into outcomes.
pub fn outcomes(response: &DisburseResponse) -> Outcomes {
    let mut out = Outcomes::default();
    for item in &response.disbursements_status {
        let Some(payment_id) = payment_of(&item.reference_id) else {
            out.foreign += 1;
            continue;
        };
        if item.reason() == Some(DisburseReason::ReferenceIdDuplicate) {
            out.duplicates.push(payment_id);
            continue;
        }
        let state = match item.status {
            Status::Succ => PaymentState::Settled,
            Status::Rjct => PaymentState::Rejected,
            Status::Rcvd | Status::Pdng => PaymentState::Accepted,
        };
        let reason = (state == PaymentState::Rejected).then(|| {
            item.status_reason_code
                .as_deref()
                .map(clean_code)
                .unwrap_or_else(|| "rjct.other.error".into())
        });
        out.results.push(Outcome {
            payment_id,
            state,
            reason,
            // Beyond i64 it cannot equal any payment's amount, and the comparison then refuses it.
            amount: item
                .amount
                .map(|a| Rupiah::new(i64::try_from(a.0).unwrap_or(i64::MAX))),
            at: item.timestamp,
        });
    }
    out
}

/// A provider's reason code as stored and shown: short, and only the characters codes are made of.
fn clean_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tepat_dci::disburse::{Amount, DisbursementStatus};

    fn status(reference_id: &str, status: Status, code: Option<&str>) -> DisbursementStatus {
        DisbursementStatus {
            reference_id: reference_id.into(),
            timestamp: Utc::now(),
            status,
            status_reason_code: code.map(Into::into),
            status_reason_message: None,
            amount: Some(Amount(300_000)),
            payer_fa: None,
            payee_fa: None,
        }
    }

    #[test]
    fn items_become_payment_outcomes_and_duplicates_change_nothing() {
        let [a, b, c, d] = [(); 4].map(|_| Uuid::now_v7());
        let hex = |u: Uuid| u.simple().to_string();
        let response = DisburseResponse {
            transaction_id: "t".into(),
            correlation_id: None,
            disbursements_status: vec![
                status(&hex(a), Status::Succ, None),
                status(&hex(b), Status::Rjct, Some("rjct.payee_fa.invalid")),
                status(&hex(c), Status::Rjct, Some("rjct.reference_id.duplicate")),
                status(&hex(d), Status::Pdng, None),
                status("someone-elses", Status::Succ, None),
                status(&hex(Uuid::now_v7()), Status::Rjct, Some("<script>\u{0}x")),
            ],
        };
        let out = outcomes(&response);
        assert_eq!(out.duplicates, vec![c]);
        assert_eq!(out.foreign, 1);
        let states: Vec<_> = out
            .results
            .iter()
            .map(|o| (o.payment_id, o.state))
            .collect();
        assert_eq!(
            states[..3],
            [
                (a, PaymentState::Settled),
                (b, PaymentState::Rejected),
                (d, PaymentState::Accepted)
            ]
        );
        assert!(out.results[1].needs_new_address());
        assert!(!out.results[0].needs_new_address());
        assert_eq!(out.results[0].amount, Some(Rupiah::new(300_000)));
        assert_eq!(out.results[3].reason.as_deref(), Some("scriptx"));
    }
}
