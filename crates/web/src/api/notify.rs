//! The notification endpoints outside the session (`docs/notifications.md`):
//!
//! - `POST /api/v1/notify/delivery`: the SMS/WhatsApp gateway's delivery reports, JSON only, signed
//!   with the shared secret (`[notify.gateway] report_secret_file`): `X-Tepat-Timestamp` (Unix
//!   seconds, within five minutes) and `X-Tepat-Signature: sha256=<hex HMAC-SHA256(secret,
//!   timestamp.body)>`. Answers 204 when recorded, 404 for an unknown reference, 401 for a bad
//!   signature, 400 for a body that is not a report.
//! - `GET /api/v1/notify/vapid`: `{"public_key": "…"}`, the `applicationServerKey` for
//!   `PushManager.subscribe` (404 when web push is not configured).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use tepat_core::portal::notify::gateway::{self, ReportError};
use tepat_core::portal::notify::push::VapidKey;

use crate::state::AppState;

pub const DELIVERY_PATH: &str = "/api/v1/notify/delivery";
pub const VAPID_PATH: &str = "/api/v1/notify/vapid";
/// A report is a few hundred bytes.
const MAX_BODY: usize = 4096;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(DELIVERY_PATH, post(delivery_report))
        .route(VAPID_PATH, get(vapid))
}

fn problem(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": code, "message": message })),
    )
        .into_response()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn delivery_report(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body): (_, Body) = request.into_parts();
    let json = header_text(&parts.headers, header::CONTENT_TYPE.as_str())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_json",
            "send the report as application/json",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "a delivery report is at most 4096 bytes",
        );
    };
    let secret = state
        .config()
        .notify
        .gateway
        .as_ref()
        .and_then(|g| g.report_secret.as_deref());
    let report = match gateway::verify_report(
        secret,
        header_text(&parts.headers, gateway::TIMESTAMP_HEADER),
        header_text(&parts.headers, gateway::SIGNATURE_HEADER),
        &bytes,
        Utc::now(),
    ) {
        Ok(report) => report,
        Err(ReportError::NotEnabled) => {
            return problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "reports_off",
                &ReportError::NotEnabled.to_string(),
            )
        }
        Err(e) if e.is_auth() => {
            return problem(StatusCode::UNAUTHORIZED, "unauthorised", &e.to_string())
        }
        Err(e) => return problem(StatusCode::BAD_REQUEST, "malformed", &e.to_string()),
    };
    match state
        .store()
        .delivery_report(
            report.key,
            report.delivered,
            report.error.as_deref(),
            Utc::now(),
        )
        .await
    {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => problem(
            StatusCode::NOT_FOUND,
            "unknown_reference",
            "no sent message has this reference",
        ),
        Err(e) => {
            tracing::error!(error = %e, "recording a delivery report failed");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store",
                "the report could not be recorded; send it again later",
            )
        }
    }
}

/// Public keys already read, per key file (a server reads its one file once).
static VAPID_KEYS: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);

/// The VAPID public key of this server, when web push is configured (the key file is created on
/// first use).
pub fn vapid_public_key(state: &AppState) -> Option<String> {
    let path = state.config().notify.push.as_ref()?.vapid_key_file.clone();
    let mut keys = VAPID_KEYS.lock().unwrap_or_else(|e| e.into_inner());
    let keys = keys.get_or_insert_with(HashMap::new);
    if let Some(key) = keys.get(&path) {
        return Some(key.clone());
    }
    match VapidKey::load_or_create(&path) {
        Ok(key) => {
            let public = key.public_key();
            keys.insert(path, public.clone());
            Some(public)
        }
        Err(e) => {
            tracing::error!(error = %e, "the VAPID key cannot be read or created; web push off");
            None
        }
    }
}

async fn vapid(State(state): State<AppState>) -> Response {
    match vapid_public_key(&state) {
        Some(key) => Json(serde_json::json!({ "public_key": key })).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "push_off",
            "web push is not configured on this server ([notify.push])",
        ),
    }
}
