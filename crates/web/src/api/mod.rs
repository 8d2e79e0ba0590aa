//! The agency API: the DCI Social Registry API under `/api/dci/…` for partner agencies (the population
//! office, BPJS, education), with signed messages, per-agency keys, scopes and permissions
//! (`docs/agency-api.md`; the OpenAPI document is [`OPENAPI`], served at `/api/dci/openapi.json`).
//!
//! - [`ENDPOINTS`]: every route, the one table the router and the OpenAPI test both read.
//! - `registry`: the handlers — `sync/search`, `search`, `subscribe`, `unsubscribe`, `txn/status`,
//!   `sync/txn/status`, and `notify` (deaths and moves from the population office, as registry tasks).
//! - `callback`: signed callbacks to `{sender_uri}/on-…` with retries; `ssrf`: where tepat will call.
//! - [`outbox`]: the change feed turned into notifications, delivered with retries.
//! - [`disburse`]: the e-wallet providers' signed callbacks, `/api/v1/disburse/on-disburse` and
//!   `/api/v1/disburse/txn/on-status`.
//! - [`status_check`]: `POST /api/v1/status-check`, the citizen status check as JSON (JSON only,
//!   no cookies: a cross-site form cannot send it); [`sms`]: `POST /api/v1/sms/inbound`, the SMS
//!   gateway's webhook (`CEK <NIK> <KK>`), authenticated by an HMAC of the shared secret.
//! - `keys`: tepat's own signing key (a key file like the ledger's) and its public JWKS.
//!
//! **No cookies, no CSRF token.** These routes are merged outside the session and CSRF middleware
//! (see [`crate::router_with`]). That is safe because every handler here authenticates each message by
//! its Ed25519 signature, not by anything a browser attaches, and refuses any body that is not
//! `Content-Type: application/json` — which a cross-site form cannot send (a script can only after a
//! CORS preflight, which tepat never grants). A form put under `/api/dci/` by mistake would therefore be
//! refused with 415, not exempted.

mod callback;
pub mod disburse;
// The scan page's hand-over sync: session and CSRF like the UI, merged there (not signed messages).
pub(crate) mod handovers;
pub(crate) mod keys;
// The gateway's delivery reports and the VAPID key (issue 8, docs/notifications.md).
pub mod notify;
// The public open-data downloads, catalogue and CKAN subset: GET only, nothing to sign.
pub(crate) mod opendata;
pub mod outbox;
mod registry;
mod runtime;
pub mod sms;
mod ssrf;
pub mod status_check;

use axum::http::Method;
use axum::routing::{get, post};
use axum::Router;

pub use runtime::DciRuntime;
pub use ssrf::is_public;

use crate::state::AppState;

/// The OpenAPI 3.1 document of these routes (hand-written).
pub const OPENAPI: &str = include_str!("openapi.json");

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    SyncSearch,
    Search,
    Subscribe,
    Unsubscribe,
    TxnStatus,
    SyncTxnStatus,
    /// Deaths and moves from the population office, answered inline.
    Notify,
    Jwks,
    OpenApi,
}

/// Every route of the agency API: method, path, what it does.
pub const ENDPOINTS: &[(Method, &str, Endpoint)] = &[
    (
        Method::POST,
        "/api/dci/registry/sync/search",
        Endpoint::SyncSearch,
    ),
    (Method::POST, "/api/dci/registry/search", Endpoint::Search),
    (
        Method::POST,
        "/api/dci/registry/subscribe",
        Endpoint::Subscribe,
    ),
    (
        Method::POST,
        "/api/dci/registry/unsubscribe",
        Endpoint::Unsubscribe,
    ),
    (
        Method::POST,
        "/api/dci/registry/txn/status",
        Endpoint::TxnStatus,
    ),
    (
        Method::POST,
        "/api/dci/registry/sync/txn/status",
        Endpoint::SyncTxnStatus,
    ),
    (Method::POST, "/api/dci/registry/notify", Endpoint::Notify),
    (
        Method::GET,
        "/api/dci/.well-known/jwks.json",
        Endpoint::Jwks,
    ),
    (Method::GET, "/api/dci/openapi.json", Endpoint::OpenApi),
];

/// The routes, built from [`ENDPOINTS`].
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for (method, path, endpoint) in ENDPOINTS {
        let endpoint = *endpoint;
        router = if *method == Method::GET {
            router.route(
                path,
                get(move |state| async move { registry::serve_get(state, endpoint) }),
            )
        } else {
            router.route(
                path,
                post(move |state, request| registry::dispatch(state, request, endpoint)),
            )
        };
    }
    // The e-wallet providers' signed callbacks (`disburse`): outside the session like the rest.
    // The citizen status check and the SMS gateway's webhook: JSON only, no cookies (their modules).
    router
        .merge(disburse::routes())
        .merge(notify::routes())
        .merge(status_check::routes())
        .merge(sms::routes())
        .merge(opendata::routes())
}
