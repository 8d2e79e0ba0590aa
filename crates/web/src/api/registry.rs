//! The handlers of the Social Registry API. Every POST goes through [`dispatch`]: JSON only, size
//! limit, signature and replay check (`tepat_core::agency::authenticate`), rate limit, then the action.
//!
//! HTTP statuses: 200 with the DCI answer (`ACK`, an inline result, or `ERR` for a refused request whose
//! signature verified); 400 for a message that cannot be read; 401 for an unknown sender or a bad
//! signature; 403 for a disabled agency or a missing permission; 409 for a repeated `message_id`;
//! 413, 415, 429 as usual. The body is always a DCI `{"message": {"ack_status": "ERR", "error": …}}`
//! when refused.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{SubsecRound, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tepat_core::agency::{
    self, AgencyError, AuthenticatedAgency, Refusal, SearchRecords, Subscribe,
};
use tepat_core::registry::Origin;
use tepat_dci::registry::{
    SearchRequest, SearchResponse, SubscribeRequest, SubscribeResponse, SubscribeResponseItem,
    SubscriptionStatus, TxnStatus, TxnStatusRequest, TxnStatusResponse, TxnStatusResponseItem,
    UnsubscribeRequest, UnsubscribeResponse,
};
use tepat_dci::{AckResponse, Envelope, Header, ReasonCode, Signer, Status};
use tepat_domain::{RegionCode, Scope};
use tepat_store::AgencyTransaction;

use super::callback;
use super::{ssrf, Endpoint};
use crate::state::AppState;

/// A refusal with its HTTP status.
fn refused(refusal: &Refusal) -> Response {
    let status = match refusal.reason {
        ReasonCode::SignatureInvalid | ReasonCode::SenderUnknown => StatusCode::UNAUTHORIZED,
        ReasonCode::SenderNotAuthorized => StatusCode::FORBIDDEN,
        ReasonCode::MessageIdDuplicate => StatusCode::CONFLICT,
        ReasonCode::SenderRateLimited => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::BAD_REQUEST,
    };
    json(
        status,
        &AckResponse::err(refusal.reason, refusal.message.clone()),
    )
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn server_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "agency API: internal error");
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &AckResponse::err(
            ReasonCode::ActionNotSupported,
            "tepat could not process the message; try again later",
        ),
    )
}

fn from_agency_error(e: AgencyError) -> Response {
    match e {
        AgencyError::Refused(r) => refused(&r),
        AgencyError::Store(e) => server_error(e),
    }
}

/// GET routes.
pub(crate) fn serve_get(State(state): State<AppState>, endpoint: Endpoint) -> Response {
    match endpoint {
        Endpoint::Jwks => match state.dci().jwks(state.config()) {
            Ok(jwks) => json(StatusCode::OK, &jwks),
            Err(e) => server_error(e),
        },
        _ => {
            let mut response = (StatusCode::OK, super::OPENAPI).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
    }
}

/// A message that passed every check.
struct Accepted {
    agency: AuthenticatedAgency,
    header: Header,
    body: Value,
    origin: Origin,
}

impl Accepted {
    fn message<M: DeserializeOwned>(&self) -> Result<M, Refusal> {
        let message = self.body.get("message").cloned().unwrap_or(Value::Null);
        serde_json::from_value(message).map_err(|e| {
            let text = e.to_string();
            let text = text.split(" at line ").next().unwrap_or("").to_owned();
            Refusal::new(
                ReasonCode::SearchCriteriaInvalid,
                format!("the message cannot be read: {text}"),
            )
        })
    }

    fn sender_uri(&self, state: &AppState) -> Result<String, Refusal> {
        let uri = self.header.sender_uri.clone().ok_or_else(|| {
            Refusal::new(
                ReasonCode::SenderUriInvalid,
                "this action answers by callback: header.sender_uri is required",
            )
        })?;
        ssrf::check_form(&uri, &state.config().dci)?;
        Ok(uri)
    }
}

/// Every POST route.
pub(crate) async fn dispatch(
    State(state): State<AppState>,
    request: Request,
    endpoint: Endpoint,
) -> Response {
    let accepted = match accept(&state, request, action_of(endpoint)).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let outcome = match endpoint {
        Endpoint::SyncSearch => sync_search(&state, &accepted).await,
        Endpoint::Search => search(&state, accepted).await,
        Endpoint::Subscribe => subscribe(&state, accepted).await,
        Endpoint::Unsubscribe => unsubscribe(&state, accepted).await,
        Endpoint::TxnStatus => txn_status(&state, accepted, false).await,
        Endpoint::SyncTxnStatus => txn_status(&state, accepted, true).await,
        Endpoint::Notify => notify(&state, &accepted).await,
        Endpoint::Jwks | Endpoint::OpenApi => {
            return StatusCode::METHOD_NOT_ALLOWED.into_response()
        }
    };
    outcome.unwrap_or_else(from_agency_error)
}

fn action_of(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::SyncSearch | Endpoint::Search => "search",
        Endpoint::Subscribe => "subscribe",
        Endpoint::Unsubscribe => "unsubscribe",
        Endpoint::TxnStatus | Endpoint::SyncTxnStatus => "txn-status",
        Endpoint::Notify => "notify",
        Endpoint::Jwks | Endpoint::OpenApi => "",
    }
}

async fn accept(state: &AppState, request: Request, action: &str) -> Result<Accepted, Response> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(json(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &AckResponse::err(
                ReasonCode::ActionInvalid,
                "send the message as Content-Type: application/json",
            ),
        ));
    }
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string());
    let limit = state.config().dci.max_body_bytes;
    let bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| {
            json(
                StatusCode::PAYLOAD_TOO_LARGE,
                &AckResponse::err(
                    ReasonCode::TotalCountLimitExceeded,
                    format!("the body is larger than {limit} bytes; send fewer items per message"),
                ),
            )
        })?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| {
        refused(&Refusal::new(
            ReasonCode::ActionInvalid,
            "the body is not a JSON object",
        ))
    })?;
    let origin = Origin::now(client);
    let (agency, header) = agency::authenticate(state.store(), &body, action, origin.now)
        .await
        .map_err(from_agency_error)?;
    if !state.dci().admit(
        agency.sender_id(),
        origin.now.timestamp(),
        state.config().dci.rate_per_minute,
    ) {
        return Err(refused(&Refusal::new(
            ReasonCode::SenderRateLimited,
            format!(
                "more than {} messages this minute; wait and send again with a new message_id",
                state.config().dci.rate_per_minute
            ),
        )));
    }
    if header.total_count as usize > agency::MAX_ITEMS {
        return Err(refused(&Refusal::new(
            ReasonCode::TotalCountLimitExceeded,
            format!("at most {} items per message", agency::MAX_ITEMS),
        )));
    }
    Ok(Accepted {
        agency,
        header,
        body,
        origin,
    })
}

fn signer(state: &AppState) -> Result<Arc<Signer>, AgencyError> {
    state.dci().signer(state.config()).map_err(|e| {
        AgencyError::Store(tepat_store::StoreError::Corrupt {
            what: format!("the DCI key file cannot be used: {e}"),
        })
    })
}

/// Answers the search items of a message.
async fn answer_search(
    state: &AppState,
    accepted: &Accepted,
    request: &SearchRequest,
) -> Result<SearchResponse, AgencyError> {
    let grant = accepted.agency.may::<SearchRecords>()?;
    check_items(request.search_request.len(), accepted.header.total_count)?;
    let mut seen = std::collections::HashSet::new();
    let mut items = Vec::new();
    for item in &request.search_request {
        if !seen.insert(item.reference_id.as_str()) {
            items.push(tepat_dci::registry::SearchResponseItem {
                reference_id: item.reference_id.clone(),
                timestamp: accepted.origin.now,
                status: Status::Rjct,
                status_reason_code: Some(ReasonCode::ReferenceIdDuplicate.code().into()),
                status_reason_message: Some(
                    "this reference_id appears twice in the message".into(),
                ),
                data: None,
                pagination: None,
                locale: None,
            });
            continue;
        }
        items.push(agency::search_item(state.store(), &grant, item, &accepted.origin).await?);
    }
    Ok(SearchResponse {
        transaction_id: request.transaction_id.clone(),
        correlation_id: Some(uuid::Uuid::now_v7().to_string()),
        search_response: items,
    })
}

fn check_items(len: usize, total: u64) -> Result<(), Refusal> {
    if len == 0 || len > agency::MAX_ITEMS {
        return Err(Refusal::new(
            ReasonCode::TotalCountLimitExceeded,
            format!("send 1 to {} items per message", agency::MAX_ITEMS),
        ));
    }
    if len as u64 != total {
        return Err(Refusal::new(
            ReasonCode::TotalCountInvalid,
            "header.total_count must equal the number of items",
        ));
    }
    Ok(())
}

fn overall(statuses: impl Iterator<Item = Status>) -> Status {
    let all: Vec<Status> = statuses.collect();
    if all.iter().all(|s| *s == Status::Succ) {
        Status::Succ
    } else if all.iter().all(|s| *s == Status::Rjct) {
        Status::Rjct
    } else {
        // Some items succeeded: the callback says so item by item.
        Status::Succ
    }
}

fn code_of(status: Status) -> &'static str {
    match status {
        Status::Rcvd => "rcvd",
        Status::Pdng => "pdng",
        Status::Succ => "succ",
        Status::Rjct => "rjct",
    }
}

async fn record(
    state: &AppState,
    accepted: &Accepted,
    transaction_id: &str,
    action: &str,
    correlation_id: &str,
    status: Status,
) -> Result<(), AgencyError> {
    state
        .store()
        .record_transaction(&AgencyTransaction {
            agency: accepted.agency.id(),
            transaction_id: transaction_id.to_owned(),
            action: action.to_owned(),
            correlation_id: correlation_id.to_owned(),
            status: code_of(status).to_owned(),
            created_at: accepted.origin.now,
        })
        .await?;
    Ok(())
}

/// `sync/search`: the answer inline, signed by tepat.
async fn sync_search(state: &AppState, accepted: &Accepted) -> Result<Response, AgencyError> {
    let request: SearchRequest = accepted.message()?;
    let response = answer_search(state, accepted, &request).await?;
    let status = overall(response.search_response.iter().map(|i| i.status));
    let correlation = response.correlation_id.clone().unwrap_or_default();
    record(
        state,
        accepted,
        &request.transaction_id,
        "search",
        &correlation,
        status,
    )
    .await?;
    let signer = signer(state)?;
    let header = callback::header(
        &signer,
        "on-search",
        accepted.agency.sender_id(),
        response.search_response.len() as u64,
        Some(status),
    );
    let mut envelope = Envelope::new(header, response);
    signer.sign(&mut envelope);
    Ok(json(StatusCode::OK, &envelope))
}

/// `notify` from the population office: each event (a death or a move) becomes registry tasks for
/// the village officers; answered inline with an `on-notify` envelope, one status per event.
async fn notify(state: &AppState, accepted: &Accepted) -> Result<Response, AgencyError> {
    let request: tepat_dci::registry::Notify = accepted.message()?;
    let grant = accepted.agency.may::<agency::ReportPopulation>()?;
    check_items(request.notify_event.len(), accepted.header.total_count)?;
    let mut answers = Vec::new();
    for event in &request.notify_event {
        answers
            .push(agency::report_population(state.store(), &grant, event, &accepted.origin).await?);
    }
    let status = overall(answers.iter().map(|a| a.status));
    let correlation = uuid::Uuid::now_v7().to_string();
    record(
        state,
        accepted,
        &request.transaction_id,
        "notify",
        &correlation,
        status,
    )
    .await?;
    let items: Vec<Value> = answers
        .iter()
        .map(|a| {
            serde_json::json!({
                "reference_id": a.reference_id,
                "timestamp": accepted.origin.now,
                "status": code_of(a.status),
                "status_reason_code": a.refusal.as_ref().map(|r| r.reason.code()),
                "status_reason_message": a.refusal.as_ref().map(|r| r.message.as_str()),
                "tasks_created": a.tasks_created,
            })
        })
        .collect();
    let signer = signer(state)?;
    let header = callback::header(
        &signer,
        "on-notify",
        accepted.agency.sender_id(),
        items.len() as u64,
        Some(status),
    );
    let message = serde_json::json!({
        "transaction_id": request.transaction_id,
        "correlation_id": correlation,
        "notify_response": items,
    });
    let mut envelope = Envelope::new(header, message);
    signer.sign(&mut envelope);
    Ok(json(StatusCode::OK, &envelope))
}

/// `search`: ACK now, the answer to `{sender_uri}/on-search`.
async fn search(state: &AppState, accepted: Accepted) -> Result<Response, AgencyError> {
    let request: SearchRequest = accepted.message()?;
    accepted.agency.may::<SearchRecords>()?;
    check_items(request.search_request.len(), accepted.header.total_count)?;
    let uri = accepted.sender_uri(state)?;
    let signer = signer(state)?;
    let correlation = uuid::Uuid::now_v7().to_string();
    record(
        state,
        &accepted,
        &request.transaction_id,
        "search",
        &correlation,
        Status::Pdng,
    )
    .await?;
    let state2 = state.clone();
    let correlation2 = correlation.clone();
    tokio::spawn(async move {
        let outcome = async {
            let mut response = answer_search(&state2, &accepted, &request).await?;
            response.correlation_id = Some(correlation2.clone());
            let status = overall(response.search_response.iter().map(|i| i.status));
            record(
                &state2,
                &accepted,
                &request.transaction_id,
                "search",
                &correlation2,
                status,
            )
            .await?;
            let header = callback::header(
                &signer,
                "on-search",
                accepted.agency.sender_id(),
                response.search_response.len() as u64,
                Some(status),
            );
            let url = callback::url_of(&uri, "on-search");
            callback::queue(
                &state2,
                accepted.agency.id(),
                url,
                Envelope::new(header, response),
            )
            .await?;
            Ok::<(), AgencyError>(())
        };
        if let Err(e) = outcome.await {
            tracing::warn!(error = %e, "async search failed");
        }
    });
    Ok(json(StatusCode::OK, &AckResponse::ack(&correlation)))
}

/// `subscribe`: subscriptions are made at once; ACK, then `{sender_uri}/on-subscribe` with the codes.
async fn subscribe(state: &AppState, accepted: Accepted) -> Result<Response, AgencyError> {
    let request: SubscribeRequest = accepted.message()?;
    let grant = accepted.agency.may::<Subscribe>()?;
    check_items(request.subscribe_request.len(), accepted.header.total_count)?;
    let uri = accepted.sender_uri(state)?;
    let signer = signer(state)?;
    let mut items = Vec::new();
    for item in &request.subscribe_request {
        let criteria = &item.subscribe_criteria;
        let region = match region_filter(criteria.filter.as_ref()) {
            Ok(r) => r,
            Err(refusal) => {
                items.push(subscribe_item(item, &accepted, Err(refusal)));
                continue;
            }
        };
        let made = agency::subscribe(
            state.store(),
            &grant,
            &criteria.reg_event_type,
            region,
            &uri,
            accepted.origin.now,
        )
        .await;
        let made = match made {
            Ok(s) => Ok(s.code),
            Err(AgencyError::Refused(r)) => Err(r),
            Err(e) => return Err(e),
        };
        items.push(subscribe_item(item, &accepted, made));
    }
    let correlation = uuid::Uuid::now_v7().to_string();
    let status = overall(items.iter().map(|i| i.status));
    record(
        state,
        &accepted,
        &request.transaction_id,
        "subscribe",
        &correlation,
        status,
    )
    .await?;
    let response = SubscribeResponse {
        transaction_id: request.transaction_id.clone(),
        correlation_id: Some(correlation.clone()),
        subscribe_response: items,
    };
    let header = callback::header(
        &signer,
        "on-subscribe",
        accepted.agency.sender_id(),
        response.subscribe_response.len() as u64,
        Some(status),
    );
    callback::queue(
        state,
        accepted.agency.id(),
        callback::url_of(&uri, "on-subscribe"),
        Envelope::new(header, response),
    )
    .await?;
    Ok(json(StatusCode::OK, &AckResponse::ack(&correlation)))
}

fn subscribe_item(
    item: &tepat_dci::registry::SubscribeRequestItem,
    accepted: &Accepted,
    made: Result<String, Refusal>,
) -> SubscribeResponseItem {
    match made {
        Ok(code) => SubscribeResponseItem {
            reference_id: item.reference_id.clone(),
            timestamp: accepted.origin.now,
            status: Status::Succ,
            status_reason_code: None,
            status_reason_message: None,
            subscription_code: Some(code),
        },
        Err(r) => SubscribeResponseItem {
            reference_id: item.reference_id.clone(),
            timestamp: accepted.origin.now,
            status: Status::Rjct,
            status_reason_code: Some(r.reason.code().into()),
            status_reason_message: Some(r.message),
            subscription_code: None,
        },
    }
}

/// `filter`: `{"region": "19.02.01"}` narrows a subscription to a region (inside the agency's scope).
fn region_filter(filter: Option<&Value>) -> Result<Option<Scope>, Refusal> {
    let Some(filter) = filter else {
        return Ok(None);
    };
    let bad = || {
        Refusal::new(
            ReasonCode::NotifyDetailsInvalid,
            "filter is {\"region\": \"<Kemendagri region code>\"}",
        )
    };
    let object = filter.as_object().ok_or_else(bad)?;
    if object.keys().any(|k| k != "region") {
        return Err(bad());
    }
    match object.get("region") {
        None => Ok(None),
        Some(Value::String(code)) => RegionCode::parse(code)
            .map(|r| Some(Scope::Within(r)))
            .map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// `unsubscribe`: ended at once; ACK, then `{sender_uri}/on-unsubscribe`.
async fn unsubscribe(state: &AppState, accepted: Accepted) -> Result<Response, AgencyError> {
    let request: UnsubscribeRequest = accepted.message()?;
    let grant = accepted.agency.may::<Subscribe>()?;
    check_items(
        request.subscription_codes.len(),
        accepted.header.total_count,
    )?;
    let uri = accepted.sender_uri(state)?;
    let signer = signer(state)?;
    let mut statuses = Vec::new();
    for code in &request.subscription_codes {
        let status =
            match agency::unsubscribe(state.store(), &grant, code, accepted.origin.now).await {
                Ok(()) => SubscriptionStatus {
                    subscription_code: code.clone(),
                    status: Status::Succ,
                    status_reason_code: None,
                },
                Err(AgencyError::Refused(r)) => SubscriptionStatus {
                    subscription_code: code.clone(),
                    status: Status::Rjct,
                    status_reason_code: Some(r.reason.code().into()),
                },
                Err(e) => return Err(e),
            };
        statuses.push(status);
    }
    let correlation = uuid::Uuid::now_v7().to_string();
    let status = overall(statuses.iter().map(|s| s.status));
    record(
        state,
        &accepted,
        &request.transaction_id,
        "unsubscribe",
        &correlation,
        status,
    )
    .await?;
    let response = UnsubscribeResponse {
        transaction_id: request.transaction_id.clone(),
        correlation_id: Some(correlation.clone()),
        timestamp: Utc::now().trunc_subsecs(0),
        status,
        status_reason_code: None,
        status_reason_message: None,
        subscription_status: statuses,
    };
    let header = callback::header(
        &signer,
        "on-unsubscribe",
        accepted.agency.sender_id(),
        response.subscription_status.len() as u64,
        Some(status),
    );
    callback::queue(
        state,
        accepted.agency.id(),
        callback::url_of(&uri, "on-unsubscribe"),
        Envelope::new(header, response),
    )
    .await?;
    Ok(json(StatusCode::OK, &AckResponse::ack(&correlation)))
}

/// `txn/status` (ACK, then `{sender_uri}/txn/on-status`) and `sync/txn/status` (inline): how an
/// earlier transaction of the same agency went. Only the agency's own transactions are found.
async fn txn_status(
    state: &AppState,
    accepted: Accepted,
    inline: bool,
) -> Result<Response, AgencyError> {
    let request: TxnStatusRequest = accepted.message()?;
    let item = &request.txnstatus_request;
    let uri = if inline {
        None
    } else {
        Some(accepted.sender_uri(state)?)
    };
    let signer = signer(state)?;
    let found = if item.attribute_type == "transaction_id"
        && ["search", "subscribe", "unsubscribe"].contains(&item.txn_type.as_str())
    {
        state
            .store()
            .agency_transaction(accepted.agency.id(), &item.attribute_value, &item.txn_type)
            .await?
    } else {
        return Err(Refusal::new(
            ReasonCode::SearchCriteriaInvalid,
            "txn_type must be search, subscribe or unsubscribe and attribute_type transaction_id",
        )
        .into());
    };
    let answer = match found {
        Some(t) => TxnStatusResponseItem {
            reference_id: item.reference_id.clone(),
            txn_type: item.txn_type.clone(),
            status: Status::Succ,
            status_reason_code: None,
            txn_status: Some(TxnStatus {
                transaction_id: t.transaction_id,
                correlation_id: t.correlation_id,
                status: serde_json::from_value(Value::String(t.status)).unwrap_or(Status::Rcvd),
                timestamp: t.created_at,
            }),
        },
        None => TxnStatusResponseItem {
            reference_id: item.reference_id.clone(),
            txn_type: item.txn_type.clone(),
            status: Status::Rjct,
            status_reason_code: Some(ReasonCode::ReferenceIdInvalid.code().into()),
            txn_status: None,
        },
    };
    let correlation = uuid::Uuid::now_v7().to_string();
    let status = answer.status;
    let response = TxnStatusResponse {
        transaction_id: request.transaction_id.clone(),
        correlation_id: Some(correlation.clone()),
        txnstatus_response: answer,
    };
    let header = callback::header(
        &signer,
        "txn-on-status",
        accepted.agency.sender_id(),
        1,
        Some(status),
    );
    let mut envelope = Envelope::new(header, response);
    match uri {
        None => {
            signer.sign(&mut envelope);
            Ok(json(StatusCode::OK, &envelope))
        }
        Some(uri) => {
            callback::queue(
                state,
                accepted.agency.id(),
                callback::url_of(&uri, "txn/on-status"),
                envelope,
            )
            .await?;
            Ok(json(StatusCode::OK, &AckResponse::ack(&correlation)))
        }
    }
}
