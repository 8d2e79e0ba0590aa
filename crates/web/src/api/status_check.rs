//! `POST /api/v1/status-check`: the citizen status check as JSON, for the SMS gateway and partner
//! apps (`docs/status-check.md`). Body `{"nik": "...", "kk_number": "..."}` → 200 with the
//! [`StatusCard`](tepat_core::portal::status::StatusCard), or the one `not_recognised` answer (404,
//! the same bytes for every mismatch), 422 naming a malformed field, 400 for a body that is not JSON,
//! 413 over [`MAX_BODY`], 415 without `Content-Type: application/json`, 429 over the limits.
//!
//! Outside the session and CSRF layers like the rest of `/api/`: it changes nothing, uses no cookie,
//! and a cross-site form cannot send `application/json` (see `crate::api`). Messages follow
//! `Accept-Language` (Indonesian unless English is asked for).

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use tepat_core::intake::citizen::{CitizenError, Proof};
use tepat_core::portal::status::{self, StatusService, StatusSettings};
use tepat_core::registry::Origin;
use tepat_domain::Lang;
use tepat_regions::RegionTable;

use crate::config::ServerConfig;
use crate::state::AppState;

/// The route.
pub const PATH: &str = "/api/v1/status-check";

/// The largest body accepted: two 16-digit numbers need far less.
pub const MAX_BODY: usize = 1024;

/// The server's status-check service, from `[citizen]`.
pub(crate) fn service(
    config: &ServerConfig,
    regions: &'static RegionTable,
) -> std::sync::Arc<StatusService> {
    let c = &config.citizen;
    let settings = StatusSettings {
        limits: status::LimitSettings {
            per_client: c.per_client_per_hour,
            per_nik: c.per_nik_per_hour,
        },
        card_ttl: c.card_ttl,
        office_contact: c.office_contact.clone(),
        ledger_log: crate::ledger::LOG_NAME.to_owned(),
        ..StatusSettings::default()
    };
    std::sync::Arc::new(StatusService::new(settings, regions))
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(PATH, post(check))
}

#[derive(Deserialize)]
struct Input {
    nik: String,
    kk_number: String,
}

/// The language the caller asks for.
pub(crate) fn lang_of(headers: &HeaderMap) -> Lang {
    let english = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en"));
    if english {
        Lang::En
    } else {
        Lang::Id
    }
}

/// The client's address: the configured proxy header's last hop, else the TCP peer.
pub(crate) fn client_of(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if let Some(name) = &state.config().auth.client_ip_header {
        if let Some(ip) = headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
        {
            return ip.to_string();
        }
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "-".into())
}

/// A JSON error: a stable code, a message in the caller's language, the field if one is wrong.
pub(crate) fn error(
    status: StatusCode,
    code: &str,
    field: Option<&str>,
    message: &str,
) -> Response {
    let body = serde_json::json!({ "error": code, "field": field, "message": message });
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
    }
    response
}

fn refused(lang: Lang, e: &CitizenError) -> Response {
    let message = status::message(e, lang);
    match e {
        CitizenError::TooMany => error(StatusCode::TOO_MANY_REQUESTS, "too_many", None, &message),
        CitizenError::Field { field, .. } => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Some(field),
            &message,
        ),
        CitizenError::Store => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            None,
            &message,
        ),
        _ => error(StatusCode::NOT_FOUND, "not_recognised", None, &message),
    }
}

/// Reads at most `max` bytes of the body; `None` if there are more.
pub(crate) async fn body_within(body: Body, max: usize) -> Option<Bytes> {
    axum::body::to_bytes(body, max).await.ok()
}

pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// `POST /api/v1/status-check`.
async fn check(
    State(state): State<AppState>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let lang = lang_of(&parts.headers);
    let en = lang == Lang::En;
    if !is_json(&parts.headers) {
        let msg = if en {
            "send the body as JSON with Content-Type: application/json"
        } else {
            "kirim isi permintaan sebagai JSON dengan Content-Type: application/json"
        };
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_json", None, msg);
    }
    let Some(bytes) = body_within(body, MAX_BODY).await else {
        let msg = if en {
            "the body is larger than 1024 bytes; send only nik and kk_number"
        } else {
            "isi permintaan lebih dari 1024 byte; kirim hanya nik dan kk_number"
        };
        return error(StatusCode::PAYLOAD_TOO_LARGE, "too_large", None, msg);
    };
    let input = match parse(&bytes, en) {
        Ok(i) => i,
        Err(response) => return *response,
    };
    let client = client_of(&state, &parts.headers, peer.map(|p| p.0 .0));
    let origin = Origin::now(Some(client));
    let proof = Proof {
        nik: &input.nik,
        kk: &input.kk_number,
    };
    match state
        .status()
        .check_json(state.store(), state.pass_key(), &proof, &origin)
        .await
    {
        Ok(json) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            json,
        )
            .into_response(),
        Err(e) => refused(lang, &e),
    }
}

/// The body as [`Input`], or the 400/422 that says what is wrong with it.
fn parse(bytes: &[u8], en: bool) -> Result<Input, Box<Response>> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| {
        let msg = if en {
            "the body is not valid JSON; send {\"nik\": \"…\", \"kk_number\": \"…\"}"
        } else {
            "isi permintaan bukan JSON yang sah; kirim {\"nik\": \"…\", \"kk_number\": \"…\"}"
        };
        Box::new(error(StatusCode::BAD_REQUEST, "malformed_json", None, msg))
    })?;
    for field in ["nik", "kk_number"] {
        if !value.get(field).is_some_and(|v| v.is_string()) {
            let msg = if en {
                format!("{field}: required, as a string of 16 digits")
            } else {
                format!("{field}: wajib diisi, berupa teks 16 angka")
            };
            return Err(Box::new(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                Some(field),
                &msg,
            )));
        }
    }
    serde_json::from_value(value).map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            None,
            "the body is not an object with nik and kk_number",
        ))
    })
}
