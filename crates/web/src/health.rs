//! `/healthz` (the process answers) and `/readyz` (it can do its work: the database answers).
//!
//! Both are for load balancers, orchestrators and monitoring. `/readyz` names a failing check and a
//! short reason in JSON, never the error itself (which may name internal hosts); the error goes to the
//! log.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tepat_store::DatabaseUrl;

use crate::state::AppState;

/// How long the database may take to answer a readiness ping.
pub const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// `GET /healthz`: `200 ok` while the process serves requests.
pub(crate) async fn healthz() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], "ok").into_response()
}

/// The body of `/readyz`.
#[derive(Debug, Serialize)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: &'static str,
    pub checks: Vec<Check>,
}

/// One readiness check.
#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    /// `ok` or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// `GET /readyz`: 200 when every check passes, else 503; the JSON body lists the checks.
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    let checks = vec![database(&state).await];
    let ready = checks.iter().all(|c| c.status == "ok");
    let (status, word) = if ready {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(Readiness {
            status: word,
            checks,
        }),
    )
        .into_response()
}

/// The database answers a query; for SQLite, its file is also still where the configuration says. (A
/// deleted or unmounted file stays readable through the open handle, so a query alone would not notice,
/// and everything written from then on would be lost at the next start.)
async fn database(state: &AppState) -> Check {
    if let Ok(DatabaseUrl::Sqlite(path)) = DatabaseUrl::parse(&state.config().database_url) {
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
            tracing::warn!(path = %path.display(), "readiness: the SQLite database file is missing");
            return Check {
                name: "database",
                status: "failed",
                reason: Some("the database file is missing"),
            };
        }
    }
    match tokio::time::timeout(PING_TIMEOUT, state.store().ping()).await {
        Ok(Ok(())) => Check {
            name: "database",
            status: "ok",
            reason: None,
        },
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database did not answer");
            Check {
                name: "database",
                status: "failed",
                reason: Some("the database did not answer"),
            }
        }
        Err(_) => {
            tracing::warn!(
                timeout_secs = PING_TIMEOUT.as_secs(),
                "readiness: the database ping timed out"
            );
            Check {
                name: "database",
                status: "failed",
                reason: Some("the database did not answer in time"),
            }
        }
    }
}
