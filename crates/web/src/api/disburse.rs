//! The e-wallet providers' callbacks (G2P Connect disbursement API, `docs/distribution.md`):
//! `POST /api/v1/disburse/on-disburse` (how each item of a `disburse` went) and
//! `POST /api/v1/disburse/txn/on-status` (the answer to a transaction status request). tepat's
//! `sender_uri` in its requests is `…/api/v1/disburse`.
//!
//! Like the agency API these routes carry no session and no CSRF token: each message is authenticated
//! by its Ed25519 signature against the keys the provider published ([`AppState::ewallet_keys`]), and
//! only `Content-Type: application/json` is read. Unsigned, foreign (a sender that is not a registered
//! provider, or addressed to another receiver), expired and tampered messages are refused with `ERR`
//! and change nothing. A callback delivered twice is recognised by its SHA-256 and changes nothing the
//! second time, and a provider can only settle its own e-wallet payments for the amount sent.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;
use tepat_core::distribution::ewallet::apply_callback;
use tepat_dci::{AckResponse, ReasonCode};
use tepat_payments::ewallet::{verify_callback, Callback, CallbackError, ProviderKeys};

use crate::state::AppState;

/// Where providers call back; the `sender_uri` tepat puts in its requests is the server's public base
/// URL followed by this.
pub const CALLBACK_BASE: &str = "/api/v1/disburse";

/// The keys of the providers in `[[payments.ewallet]]`, by their DCI ids. A provider whose key set is
/// unusable is left out (its callbacks are refused) and logged.
pub fn provider_keys(config: &crate::config::PaymentsConfig) -> ProviderKeys {
    let mut keys = ProviderKeys::new();
    for p in &config.ewallets {
        if let Err(error) = keys.add(&p.provider, &p.receiver_id, p.keys.clone()) {
            tracing::warn!(provider = %p.provider, %error, "e-wallet provider keys not usable");
        }
    }
    keys
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    OnDisburse,
    OnStatus,
}

/// The two callback routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/disburse/on-disburse",
            post(|state, request| receive(state, request, Expect::OnDisburse)),
        )
        .route(
            "/api/v1/disburse/txn/on-status",
            post(|state, request| receive(state, request, Expect::OnStatus)),
        )
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refuse(status: StatusCode, reason: ReasonCode, message: impl Into<String>) -> Response {
    json(status, &AckResponse::err(reason, message))
}

async fn receive(State(state): State<AppState>, request: Request, expect: Expect) -> Response {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ReasonCode::ActionInvalid,
            "send the message as Content-Type: application/json",
        );
    }
    let limit = state.config().dci.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), limit).await else {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            ReasonCode::TotalCountLimitExceeded,
            format!("the body is larger than {limit} bytes; send fewer items per callback"),
        );
    };
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            ReasonCode::ActionInvalid,
            "the body is not a JSON object",
        );
    };
    let now = Utc::now();
    let keys = state.ewallet_keys();
    let verified =
        match verify_callback(&body, &keys, &state.config().dci.sender_id, now.timestamp()) {
            Ok(v) => v,
            Err(e) => return refused(&e),
        };
    let matches = matches!(
        (&verified.callback, expect),
        (Callback::Disburse(_), Expect::OnDisburse) | (Callback::Status(_), Expect::OnStatus)
    );
    if !matches {
        return refuse(
            StatusCode::BAD_REQUEST,
            ReasonCode::ActionInvalid,
            "header.action does not belong on this path: on-disburse to /on-disburse, \
             txn-on-status to /txn/on-status",
        );
    }
    let rate = state.config().dci.rate_per_minute;
    if !state
        .dci()
        .admit(&verified.header.sender_id, now.timestamp(), rate)
    {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            ReasonCode::SenderRateLimited,
            format!("more than {rate} messages this minute; send it again later"),
        );
    }
    match apply_callback(state.store(), &verified, &body, now).await {
        Ok(report) => {
            tracing::info!(
                provider = %verified.provider,
                changed = report.applied.changed,
                ignored = report.applied.ignored,
                duplicates = report.duplicates,
                refused = report.refused,
                repeated = report.applied.already_imported,
                "e-wallet callback applied"
            );
            json(
                StatusCode::OK,
                &AckResponse::ack(&uuid::Uuid::now_v7().to_string()),
            )
        }
        Err(error) => {
            tracing::error!(%error, provider = %verified.provider, "e-wallet callback: cannot store");
            // A server error: the provider retries the callback, which is then applied once.
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "30")],
                "the callback could not be stored; send it again later",
            )
                .into_response()
        }
    }
}

fn refused(e: &CallbackError) -> Response {
    let status = match e {
        CallbackError::NotJson | CallbackError::Shape { .. } | CallbackError::Action => {
            StatusCode::BAD_REQUEST
        }
        CallbackError::TooMany => StatusCode::PAYLOAD_TOO_LARGE,
        CallbackError::UnknownSender | CallbackError::NotForUs | CallbackError::Signature(_) => {
            StatusCode::UNAUTHORIZED
        }
    };
    tracing::warn!(reason = e.reason().code(), "e-wallet callback refused");
    refuse(status, e.reason(), e.to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use chrono::NaiveDate;
    use tepat_dci::disburse::{Amount, DisburseResponse, DisbursementStatus, ON_DISBURSE};
    use tepat_dci::{Envelope, Header, Jwks, Signer, Status};
    use tepat_domain::distribution::{EntitlementState, PaymentState, Route};
    use tepat_domain::{RegionCode, Rupiah};
    use tepat_store::{Entitlement, NewEnvelope, Store};
    use tower::ServiceExt as _;
    use uuid::Uuid;

    use super::*;
    use crate::config::ServerConfig;

    /// A released envelope with one e-wallet payment of 750,000 at `dana`, sent: its id.
    async fn sent_payment(store: &dyn Store) -> (Uuid, Uuid, Uuid) {
        let envelope = Uuid::now_v7();
        let household = Uuid::now_v7();
        let row = Entitlement {
            household,
            village: RegionCode::parse("19.02.01.2001").unwrap(),
            amount: Rupiah::new(750_000),
            parts: "[]".into(),
            route: Route::EWallet,
            provider: Some("dana".into()),
            state: EntitlementState::Pending,
            reason: None,
        };
        let new = NewEnvelope {
            id: envelope,
            program: "pkh".into(),
            cycle: "2027-T1".into(),
            program_version: 1,
            scheduled_date: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            prepared_by: Uuid::now_v7(),
            prepared_at: Utc::now(),
        };
        store.create_envelope(&new, &[row]).await.unwrap();
        store
            .approve_envelope(envelope, Uuid::now_v7(), Utc::now())
            .await
            .unwrap();
        store.release_envelope(envelope, Utc::now()).await.unwrap();
        let payment = store.household_payments(envelope, household).await.unwrap()[0].id;
        store.mark_sent(&[payment], "t1", Utc::now()).await.unwrap();
        (envelope, household, payment)
    }

    fn callback(signer: &Signer, receiver: &str, payment: Uuid, status: Status) -> Value {
        let response = DisburseResponse {
            transaction_id: "t1".into(),
            correlation_id: Some("c1".into()),
            disbursements_status: vec![DisbursementStatus {
                reference_id: payment.simple().to_string(),
                timestamp: Utc::now(),
                status,
                status_reason_code: None,
                status_reason_message: None,
                amount: Some(Amount(750_000)),
                payer_fa: None,
                payee_fa: None,
            }],
        };
        let mut header = Header::new(ON_DISBURSE, signer.sender_id(), 1);
        header.receiver_id = Some(receiver.into());
        let mut envelope = Envelope::new(header, response);
        signer.sign(&mut envelope);
        serde_json::to_value(envelope).unwrap()
    }

    async fn post_json(state: &AppState, path: &str, body: &Value) -> (StatusCode, Value) {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(body).unwrap()))
            .unwrap();
        let response = routes()
            .with_state(state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn with_provider(store: Arc<dyn Store>, provider: &Signer) -> AppState {
        let state = AppState::new(ServerConfig::default(), store);
        let mut keys = ProviderKeys::new();
        keys.add(
            "dana",
            provider.sender_id(),
            Jwks {
                keys: vec![provider.public_jwk()],
            },
        )
        .unwrap();
        state.set_ewallet_keys(keys);
        state
    }

    #[tokio::test]
    async fn a_signed_callback_settles_once_and_anything_else_is_refused() {
        tepat_store::testing::run_sqlite(callbacks).await;
    }

    async fn callbacks(db: tepat_store::testing::TestDb) {
        let provider = Signer::generate("dana.provider.test", "p1");
        let state = with_provider(db.store.clone(), &provider);
        let store = db.store.as_ref();
        let (envelope, household, payment) = sent_payment(store).await;
        let us = state.config().dci.sender_id.clone();
        let path = "/api/v1/disburse/on-disburse";

        // Refused, and nothing changes: unsigned, a stranger's key, tampered, wrong path.
        let good = callback(&provider, &us, payment, Status::Succ);
        let mut unsigned = good.clone();
        unsigned.as_object_mut().unwrap().remove("signature");
        let (status, body) = post_json(&state, path, &unsigned).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["message"]["ack_status"], "ERR");
        assert_eq!(body["message"]["error"]["code"], "rjct.signature.invalid");

        let stranger = Signer::generate("ovo.provider.test", "p1");
        let foreign = callback(&stranger, &us, payment, Status::Succ);
        let (status, body) = post_json(&state, path, &foreign).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["message"]["error"]["code"], "rjct.sender_id.invalid");

        let mut tampered = good.clone();
        tampered["message"]["disbursements_status"][0]["status"] = "rjct".into();
        let (status, _) = post_json(&state, path, &tampered).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let (status, _) = post_json(&state, "/api/v1/disburse/txn/on-status", &good).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let form = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("a=b"))
            .unwrap();
        let response = routes()
            .with_state(state.clone())
            .oneshot(form)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        let still = store.payment(payment).await.unwrap().unwrap();
        assert_eq!(still.state, PaymentState::Sent);

        // The real one settles the payment and pays the entitlement; a second delivery is
        // acknowledged and changes nothing.
        let (status, body) = post_json(&state, path, &good).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["message"]["ack_status"], "ACK");
        let settled = store.payment(payment).await.unwrap().unwrap();
        assert_eq!(settled.state, PaymentState::Settled);
        let entitlement = store
            .entitlement(envelope, household)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entitlement.state, EntitlementState::Paid);
        let (status, _) = post_json(&state, path, &good).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            store.payment(payment).await.unwrap().unwrap().updated_at,
            settled.updated_at
        );
    }
}
