//! Social Registry messages: search (and its callback), subscribe / notify for change events, with the
//! records tepat returns — a household (KK) as a DCI `Group` with its members.
//!
//! Identifier types tepat uses: `NIK` and `KK`. The poverty score is the household's desil (1–10) once
//! targeting has ranked it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ack::Status;

/// `message` of a `search` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub transaction_id: String,
    pub search_request: Vec<SearchRequestItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequestItem {
    /// The requester's id for this item; unique within the message.
    pub reference_id: String,
    pub timestamp: DateTime<Utc>,
    pub search_criteria: SearchCriteria,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchCriteria {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_sub_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_event_type: Option<String>,
    pub query_type: QueryType,
    /// Its shape depends on `query_type`: [`IdQuery`] for `idtype`.
    pub query: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<Sort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize: Option<Value>,
}

/// How `query` is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueryType {
    /// An identifier: `{"type": "NIK", "value": "…"}`.
    #[serde(rename = "idtype")]
    IdType,
    /// Conditions on attributes.
    #[serde(rename = "predicate")]
    Predicate,
    /// A query the registry publishes by name.
    #[serde(rename = "namedQuery")]
    NamedQuery,
    /// A NoSQL-style expression.
    #[serde(rename = "expression")]
    Expression,
}

/// The query of an `idtype` search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdQuery {
    #[serde(rename = "type")]
    pub id_type: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub attribute_name: String,
    pub sort_order: SortOrder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    pub page_size: u32,
    /// From 1.
    pub page_number: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

/// `message` of an `on-search` callback (or a `sync/search` answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    pub transaction_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub search_response: Vec<SearchResponseItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponseItem {
    pub reference_id: String,
    pub timestamp: DateTime<Utc>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<RegistryData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// Records of one registry type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub reg_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_event_type: Option<String>,
    /// `Group` for households.
    pub reg_record_type: String,
    pub reg_records: Vec<Group>,
}

/// A household (KK) as a DCI group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// `KK` and the family-card number.
    pub group_identifier: Vec<Identifier>,
    /// The desil (1 = poorest tenth), when ranked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poverty_score: Option<u8>,
    pub group_size: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_head_info: Option<Member>,
    pub member_list: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    /// `NIK` or `KK`.
    pub identifier_type: String,
    pub identifier_value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_identifier: Vec<Identifier>,
    /// The relationship to the head, as printed on the KK (`kepala_keluarga`, `anak`, …).
    pub relationship_head: String,
    #[serde(default)]
    pub is_disabled: bool,
    pub person: Person,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub name: PersonName,
    /// `male` or `female`.
    pub sex: String,
    pub birth_date: NaiveDate,
}

/// Name parts. Many Indonesians have one name, and family names are not the rule: tepat writes the full
/// name as written on the KK into `given_name` and leaves the other parts empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
}

/// `message` of a `subscribe` request: which change events the subscriber wants pushed to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribeRequest {
    pub transaction_id: String,
    pub subscribe_request: Vec<SubscribeRequestItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribeRequestItem {
    pub reference_id: String,
    pub timestamp: DateTime<Utc>,
    pub subscribe_criteria: SubscribeCriteria,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribeCriteria {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_type: Option<String>,
    /// e.g. `registration`, `update`, `death`, `move`.
    pub reg_event_type: String,
    /// Optional conditions, e.g. a region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize: Option<Value>,
}

/// `message` of an `on-subscribe` callback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribeResponse {
    pub transaction_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub subscribe_response: Vec<SubscribeResponseItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribeResponseItem {
    pub reference_id: String,
    pub timestamp: DateTime<Utc>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_message: Option<String>,
    /// Quoted to unsubscribe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_code: Option<String>,
}

/// `message` of a `notify` push: change events for a subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notify {
    pub transaction_id: String,
    pub notify_event: Vec<NotifyEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotifyEvent {
    pub reference_id: String,
    pub timestamp: DateTime<Utc>,
    pub data: RegistryData,
}

/// `message` of an `unsubscribe` request: the subscription codes to end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsubscribeRequest {
    pub transaction_id: String,
    pub timestamp: DateTime<Utc>,
    pub subscription_codes: Vec<String>,
}

/// `message` of an `on-unsubscribe` callback (or the inline answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsubscribeResponse {
    pub transaction_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_message: Option<String>,
    pub subscription_status: Vec<SubscriptionStatus>,
}

/// One code of an unsubscribe answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionStatus {
    pub subscription_code: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<String>,
}

/// `message` of a `txn/status` request: how did an earlier transaction go?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxnStatusRequest {
    pub transaction_id: String,
    pub txnstatus_request: TxnStatusRequestItem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxnStatusRequestItem {
    pub reference_id: String,
    /// The action asked about: `search`, `subscribe`, `unsubscribe`.
    pub txn_type: String,
    /// `transaction_id` (the only attribute tepat answers).
    pub attribute_type: String,
    pub attribute_value: String,
}

/// `message` of a `txn/on-status` callback (or a `sync/txn/status` answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxnStatusResponse {
    pub transaction_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub txnstatus_response: TxnStatusResponseItem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxnStatusResponseItem {
    pub reference_id: String,
    pub txn_type: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason_code: Option<String>,
    /// What tepat remembers of the transaction asked about: its id, correlation id and status (the
    /// records themselves are not sent again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txn_status: Option<TxnStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnStatus {
    pub transaction_id: String,
    pub correlation_id: String,
    pub status: Status,
    pub timestamp: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_search_request_reads_and_its_query_is_typed() {
        let request: SearchRequest = serde_json::from_str(
            r#"{"transaction_id":"123456789",
                "search_request":[{"reference_id":"12345678901234567890",
                  "timestamp":"2022-12-04T17:20:07-04:00",
                  "search_criteria":{"version":"1.0.0","reg_type":"ns:org:RegistryType:Social",
                    "query_type":"idtype","query":{"type":"NIK","value":"1902014501900001"},
                    "sort":[{"attribute_name":"birth_date","sort_order":"asc"}],
                    "pagination":{"page_size":10,"page_number":1}},
                  "locale":"id"}]}"#,
        )
        .unwrap();
        let item = &request.search_request[0];
        assert_eq!(item.search_criteria.query_type, QueryType::IdType);
        let query: IdQuery = serde_json::from_value(item.search_criteria.query.clone()).unwrap();
        assert_eq!(query.id_type, "NIK");
        assert_eq!(item.search_criteria.sort[0].sort_order, SortOrder::Asc);
        assert_eq!(item.search_criteria.pagination.unwrap().page_size, 10);
    }

    #[test]
    fn an_unknown_query_type_is_refused() {
        let err =
            serde_json::from_str::<SearchCriteria>(r#"{"query_type":"sql","query":"DROP TABLE"}"#)
                .unwrap_err();
        assert!(err.to_string().contains("unknown variant"), "{err}");
    }

    #[test]
    fn a_household_answer_has_the_group_shape() {
        let member = Member {
            member_identifier: vec![Identifier {
                identifier_type: "NIK".into(),
                identifier_value: "1902014501900001".into(),
            }],
            relationship_head: "kepala_keluarga".into(),
            is_disabled: false,
            person: Person {
                name: PersonName {
                    given_name: "Siti Aminah".into(),
                    second_name: None,
                    surname: None,
                },
                sex: "female".into(),
                birth_date: NaiveDate::from_ymd_opt(1990, 1, 5).unwrap(),
            },
        };
        let group = Group {
            group_identifier: vec![Identifier {
                identifier_type: "KK".into(),
                identifier_value: "1902010101200001".into(),
            }],
            poverty_score: Some(2),
            group_size: 1,
            group_head_info: Some(member.clone()),
            member_list: vec![member],
        };
        let json = serde_json::to_value(&group).unwrap();
        assert_eq!(json["group_identifier"][0]["identifier_type"], "KK");
        assert_eq!(json["member_list"][0]["person"]["birth_date"], "1990-01-05");
        assert_eq!(
            json["member_list"][0]["person"]["name"]["given_name"],
            "Siti Aminah"
        );
        assert!(json["member_list"][0]["person"]["name"]
            .get("surname")
            .is_none());
        let back: Group = serde_json::from_value(json).unwrap();
        assert_eq!(back, group);
    }
}
