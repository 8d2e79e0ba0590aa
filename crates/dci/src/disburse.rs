//! G2P Connect disbursement messages: a payer (tepat's social affairs office) asks a payment provider (an
//! e-wallet) to credit beneficiaries' financial addresses, and hears back item by item.
//!
//! - `POST {provider}/disburse` with [`DisburseRequest`]: a `transaction_id` and `disbursements[]`, each
//!   keyed by its `reference_id` (tepat: the payment id, so a repeat is recognised as
//!   `rjct.reference_id.duplicate` and not paid twice). The answer is the synchronous [`crate::Ack`].
//! - `POST {sender_uri}/on-disburse` with [`DisburseResponse`]: `disbursements_status[]`, one
//!   [`crate::Status`] per item (`succ`, `rjct` with a [`DisburseReason`], or still `pdng`).
//! - `POST {provider}/disburse/txn/status` with [`crate::registry::TxnStatusRequest`] (`txn_type`
//!   `disburse`), answered at `{sender_uri}/txn/on-status` with [`DisburseTxnStatusResponse`], or inline at
//!   `{provider}/disburse/sync/txn/status`.
//!
//! Amounts are whole rupiah written as a decimal string (`"300000"`): never a JSON float, so no amount
//! passes through floating point on either side.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::ack::Status;

/// `header.action` of a disbursement request.
pub const DISBURSE: &str = "disburse";
/// `header.action` of its callback.
pub const ON_DISBURSE: &str = "on-disburse";
/// `header.action` of a transaction status request (as tepat's registry writes it).
pub const TXN_STATUS: &str = "txn-status";
/// `header.action` of a transaction status answer.
pub const TXN_ON_STATUS: &str = "txn-on-status";
/// `txn_type` of a status request about a disbursement.
pub const TXN_TYPE: &str = "disburse";
/// Items per message: the batch size of OpenG2P's and OpenSPP's payment managers.
pub const MAX_BATCH: usize = 500;
/// The longest `note` the standard allows.
pub const MAX_NOTE: usize = 99;

/// An amount in whole units of the currency (IDR has no minor unit in practice), written as a string of
/// digits. Read from such a string or a JSON integer; a fraction, a sign or a float is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub u64);

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        let bad =
            || serde::de::Error::custom("amount must be a whole number of rupiah, e.g. \"300000\"");
        match Value::deserialize(d)? {
            Value::String(s)
                if !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()) =>
            {
                s.parse().map(Amount).map_err(|_| bad())
            }
            Value::Number(n) => n.as_u64().map(Amount).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

/// `message` of a `disburse` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisburseRequest {
    pub transaction_id: String,
    pub disbursements: Vec<Disbursement>,
}

/// One credit to one beneficiary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disbursement {
    /// Unique per payer and never reused: tepat writes the payment id (simple hex).
    pub reference_id: String,
    /// The payer's financial address (the office's account at the provider).
    pub payer_fa: String,
    /// The beneficiary's address, `mobile:08…@dana`. Personal data.
    pub payee_fa: String,
    pub amount: Amount,
    /// ISO 4217: `IDR`.
    pub currency_code: String,
    /// When to pay; absent means now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_timestamp: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_name: Option<String>,
    /// Shown to the beneficiary; at most [`MAX_NOTE`] characters. tepat: program and cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

/// `message` of an `on-disburse` callback: how each item went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisburseResponse {
    pub transaction_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub disbursements_status: Vec<DisbursementStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisbursementStatus {
    pub reference_id: String,
    pub timestamp: DateTime<Utc>,
    pub status: Status,
    /// A [`DisburseReason`] code when rejected (other codes are kept as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_fa: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_fa: Option<String>,
}

/// `message` of a `txn/on-status` answer about a disbursement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisburseTxnStatusResponse {
    pub transaction_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub txnstatus_response: DisburseTxnStatusItem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisburseTxnStatusItem {
    pub reference_id: String,
    pub txn_type: String,
    /// Whether the transaction asked about was found (`succ`) or not (`rjct`).
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_message: Option<String>,
    /// The transaction's items as the provider knows them now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txn_status: Option<DisburseResponse>,
}

/// Why the provider rejected a disbursement item: the codes of the G2P Connect disbursement API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisburseReason {
    ReferenceIdInvalid,
    /// The reference id was seen before: the item is not paid again (the first one's outcome stands).
    ReferenceIdDuplicate,
    TimestampInvalid,
    PayerFaInvalid,
    /// The beneficiary's wallet does not exist or cannot receive: the address must be fixed.
    PayeeFaInvalid,
    AmountInvalid,
    ScheduleTsInvalid,
    CurrencyCodeInvalid,
}

impl DisburseReason {
    pub const ALL: &'static [DisburseReason] = &[
        DisburseReason::ReferenceIdInvalid,
        DisburseReason::ReferenceIdDuplicate,
        DisburseReason::TimestampInvalid,
        DisburseReason::PayerFaInvalid,
        DisburseReason::PayeeFaInvalid,
        DisburseReason::AmountInvalid,
        DisburseReason::ScheduleTsInvalid,
        DisburseReason::CurrencyCodeInvalid,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DisburseReason::ReferenceIdInvalid => "rjct.reference_id.invalid",
            DisburseReason::ReferenceIdDuplicate => "rjct.reference_id.duplicate",
            DisburseReason::TimestampInvalid => "rjct.timestamp.invalid",
            DisburseReason::PayerFaInvalid => "rjct.payer_fa.invalid",
            DisburseReason::PayeeFaInvalid => "rjct.payee_fa.invalid",
            DisburseReason::AmountInvalid => "rjct.amount.invalid",
            DisburseReason::ScheduleTsInvalid => "rjct.schedule_ts.invalid",
            DisburseReason::CurrencyCodeInvalid => "rjct.currency_code.invalid",
        }
    }

    pub fn parse(code: &str) -> Option<DisburseReason> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }
}

impl DisbursementStatus {
    /// The item's reason, when it is one of the standard's.
    pub fn reason(&self) -> Option<DisburseReason> {
        self.status_reason_code
            .as_deref()
            .and_then(DisburseReason::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(reference_id: &str, amount: u64) -> Disbursement {
        Disbursement {
            reference_id: reference_id.into(),
            payer_fa: "account:1234567890@bri".into(),
            payee_fa: "mobile:081234567890@dana".into(),
            amount: Amount(amount),
            currency_code: "IDR".into(),
            scheduled_timestamp: None,
            payer_name: None,
            payee_name: None,
            note: Some("PKH 2027-T1".into()),
            purpose: None,
            instruction: None,
            locale: None,
            meta: None,
        }
    }

    #[test]
    fn amounts_are_written_as_strings_and_read_without_floats() {
        let json = serde_json::to_value(item("a", 750_000)).unwrap();
        assert_eq!(json["amount"], "750000");
        assert!(json.get("scheduled_timestamp").is_none());
        let back: Disbursement = serde_json::from_value(json).unwrap();
        assert_eq!(back.amount, Amount(750_000));
        assert_eq!(
            serde_json::from_str::<Amount>("300000").unwrap(),
            Amount(300_000)
        );
        for bad in [
            r#""300000.50""#,
            "300000.5",
            r#""-5""#,
            r#""""#,
            "-5",
            r#""1e5""#,
        ] {
            assert!(serde_json::from_str::<Amount>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_published_style_callback_reads_with_its_reasons() {
        let response: DisburseResponse = serde_json::from_str(
            r#"{"transaction_id":"t-1","correlation_id":"c-1","disbursements_status":[
                {"reference_id":"r1","timestamp":"2027-01-05T10:00:00Z","status":"succ","amount":"300000"},
                {"reference_id":"r2","timestamp":"2027-01-05T10:00:00+07:00","status":"rjct",
                 "status_reason_code":"rjct.payee_fa.invalid","status_reason_message":"no such wallet"},
                {"reference_id":"r3","timestamp":"2027-01-05T10:00:00Z","status":"rjct",
                 "status_reason_code":"rjct.something.else"}]}"#,
        )
        .unwrap();
        let items = &response.disbursements_status;
        assert_eq!(items[0].status, Status::Succ);
        assert_eq!(items[0].amount, Some(Amount(300_000)));
        assert_eq!(items[1].reason(), Some(DisburseReason::PayeeFaInvalid));
        assert_eq!(items[2].reason(), None);
        assert_eq!(
            items[2].status_reason_code.as_deref(),
            Some("rjct.something.else")
        );
    }

    #[test]
    fn every_reason_code_parses_back() {
        for reason in DisburseReason::ALL {
            assert_eq!(DisburseReason::parse(reason.code()), Some(*reason));
            assert!(reason.code().starts_with("rjct."));
        }
        assert_eq!(DisburseReason::parse("rjct.payee_fa"), None);
    }

    #[test]
    fn a_status_answer_carries_the_transaction_it_was_asked_about() {
        let answer = DisburseTxnStatusResponse {
            transaction_id: "q-1".into(),
            correlation_id: None,
            txnstatus_response: DisburseTxnStatusItem {
                reference_id: "q-1-0".into(),
                txn_type: TXN_TYPE.into(),
                status: Status::Succ,
                status_reason_code: None,
                status_reason_message: None,
                txn_status: Some(DisburseResponse {
                    transaction_id: "t-1".into(),
                    correlation_id: None,
                    disbursements_status: vec![],
                }),
            },
        };
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(json["txnstatus_response"]["txn_type"], "disburse");
        assert_eq!(
            json["txnstatus_response"]["txn_status"]["transaction_id"],
            "t-1"
        );
        let back: DisburseTxnStatusResponse = serde_json::from_value(json).unwrap();
        assert_eq!(back, answer);
    }
}
