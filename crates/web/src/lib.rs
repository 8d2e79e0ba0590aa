//! `tepat-web`: the HTTP layer of tepat.
//!
//! - [`config`]: [`ServerConfig`], loaded from defaults, a TOML file, `TEPAT_…` variables and the
//!   command line (`docs/configuration.md`).
//! - [`router`] ([`router_with`] to add routes) and [`AppState`]: the application; [`serve`] /
//!   [`serve_with`] run it until a shutdown future completes ([`shutdown_signal`]: Ctrl-C or SIGTERM),
//!   then let requests in flight finish.
//! - [`health`]: `/healthz` and `/readyz`.
//! - [`telemetry`]: [`init_tracing`] and the per-request span (method, matched route, status, latency;
//!   never bodies, query strings or personal data).
//! - [`security`]: the security headers on every response.
//! - [`assets`]: static files embedded in the binary, under content-hashed URLs.
//! - [`ledger`]: the transparency ledger's read API (`/ledger/…`), receipt page and witness endpoint.
//! - [`auth`]: officers' sign-in: sessions, the [`auth::SignedIn`] extractor for protected handlers,
//!   CSRF protection of every state-changing request, `/signin`, `/signout`, `/home`.
//! - [`api`]: the agency API (DCI Social Registry: search, subscribe, notify) under `/api/dci/…`,
//!   authenticated by message signatures; outside the session and CSRF middleware (see [`api`]).
//! - [`ui`]: the server-rendered pages (askama), Bahasa Indonesia by default with an English switch.
//!
//! Routes today: `GET /`, `GET /healthz`, `GET /readyz`, `GET /static/{file}`, `/ledger/…`. What later issues add goes
//! in its own module: `api` (`/api/v1/…`, JSON), further `ui` pages, the citizen portal and open data.
#![forbid(unsafe_code)]

pub mod api;
pub mod assets;
pub mod auth;
pub mod config;
pub mod health;
pub mod ledger;
pub mod security;
pub mod telemetry;
pub mod ui;

mod server;
mod state;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use config::{ConfigError, ConfigOverrides, LogFormat, ServerConfig};
pub use ledger::Ledger;
pub use server::{serve, serve_ledger, serve_with, shutdown_signal, WebError};
pub use state::AppState;
pub use telemetry::{init_tracing, TracingError};

/// The whole application. Middleware, outermost first: request span and log line, security headers,
/// request timeout, the signed-in session ([`auth::session`]), the CSRF check of every state-changing
/// request ([`auth::csrf`]), body size limit.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// [`router`] with `extra` routes behind the same middleware (for tests, and for programs that embed
/// tepat and add their own pages). Unknown paths fall through to the UI's 404 page.
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let config = state.config();
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/{file}", get(assets::serve))
        .merge(ledger::routes())
        .merge(auth::routes(state.clone()))
        .merge(extra)
        .merge(ui::routes(state.clone()))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(from_fn_with_state(state.clone(), auth::csrf::protect))
        .layer(from_fn_with_state(state.clone(), auth::session::resolve))
        .layer(from_fn(ui::offline::clear_on_sign_out))
        // Signed JSON only, no cookies: outside the session and CSRF layers (see `api`).
        .merge(api::routes())
        .layer(from_fn_with_state(state.clone(), request_timeout))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(from_fn(telemetry::trace_requests))
        .with_state(state)
}

/// Middleware: a request without a response after `request_timeout` gets 503 (what it was doing is
/// dropped; database transactions roll back).
async fn request_timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config().request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_secs = limit.as_secs(), "request timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::RETRY_AFTER, "5"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                "the server took too long to answer; try again",
            )
                .into_response()
        }
    }
}
