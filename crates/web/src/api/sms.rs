//! `POST /api/v1/sms/inbound`: the SMS gateway's webhook (`docs/status-check.md`, "SMS"). The gateway
//! posts each incoming message as `{"from": "+628…", "text": "CEK <NIK> <KK>"}`, signed with the
//! shared secret (`[citizen] sms_secret_file`):
//!
//! - `X-Tepat-Timestamp`: Unix seconds (within five minutes of the server's clock);
//! - `X-Tepat-Signature`: `sha256=` + hex HMAC-SHA256(secret, timestamp + `.` + body).
//!
//! The answer is `200 {"reply": "…", "segments": n}`: the text for the gateway to send back to the
//! sender (Indonesian, at most three segments). `CEK` is limited per sender and per NIK like the web
//! check; the sender's number is neither logged nor stored (its keyed hash counts attempts).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use serde::Deserialize;
use tepat_core::portal::status::sms;

use super::status_check::{body_within, error, is_json};
use crate::config::CitizenConfig;
use crate::state::AppState;

/// The route.
pub const PATH: &str = "/api/v1/sms/inbound";
/// The largest webhook body accepted (a concatenated SMS is a few hundred characters).
pub const MAX_BODY: usize = 4096;
pub const TIMESTAMP_HEADER: &str = "x-tepat-timestamp";
pub const SIGNATURE_HEADER: &str = "x-tepat-signature";

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(PATH, post(inbound))
}

/// The secret from `[citizen] sms_secret_file` (surrounding whitespace dropped), or `None` (webhook
/// off) if unset, unreadable or empty; the latter two are logged without the content.
pub(crate) fn read_secret(config: &CitizenConfig) -> Option<Vec<u8>> {
    let path = config.sms_secret_file.as_ref()?;
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let secret = text.trim().as_bytes().to_vec();
            if secret.is_empty() {
                tracing::error!(file = %path.display(), "the SMS gateway's secret file is empty; SMS webhook off");
                None
            } else {
                Some(secret)
            }
        }
        Err(e) => {
            tracing::error!(file = %path.display(), error = %e, "the SMS gateway's secret file cannot be read; SMS webhook off");
            None
        }
    }
}

#[derive(Deserialize)]
struct Inbound {
    from: String,
    text: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// `POST /api/v1/sms/inbound`.
async fn inbound(State(state): State<AppState>, request: Request) -> Response {
    let Some(secret) = state.sms_secret() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "sms_off",
            None,
            "the SMS webhook is not configured ([citizen] sms_secret_file)",
        );
    };
    let (parts, body) = request.into_parts();
    if !is_json(&parts.headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_json",
            None,
            "send the message as JSON with Content-Type: application/json",
        );
    }
    let Some(bytes) = body_within(body, MAX_BODY).await else {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            None,
            "the body is larger than 4096 bytes",
        );
    };
    let now = Utc::now();
    let signed = sms::verify_signature(
        secret,
        header(&parts.headers, TIMESTAMP_HEADER),
        &bytes,
        header(&parts.headers, SIGNATURE_HEADER),
        now,
    );
    if !signed {
        return error(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            None,
            "the X-Tepat-Signature does not match the body and X-Tepat-Timestamp (or the timestamp is more than 5 minutes off)",
        );
    }
    let Ok(message) = serde_json::from_slice::<Inbound>(&bytes) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            None,
            "the body must be {\"from\": \"<sender>\", \"text\": \"<message>\"}",
        );
    };
    let reply = sms::answer(
        state.status(),
        state.store(),
        &message.from,
        &message.text,
        now,
    )
    .await;
    let segments = segments(&reply);
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({ "reply": reply, "segments": segments })),
    )
        .into_response()
}

/// SMS segments a GSM-7 text takes: one up to 160 characters, else 153 per segment.
fn segments(text: &str) -> usize {
    let n = text.chars().count();
    if n <= 160 {
        1
    } else {
        n.div_ceil(153)
    }
}
