//! The officers' pages for the social registry (`/registry/…`): search-first, the household page with
//! its history, queues per level, the workflow's action forms, new proposals one by one, change
//! requests and duplicate decisions. See `docs/registry.md`, section "The officers' app".
//!
//! Every handler takes [`SignedIn`] and gets its grant from `actor.may…::<Action>()`; the services of
//! `tepat_core::registry` then check the record's region against it, so an operator of one village
//! gets `403` on another village's ids. NIK and KK numbers travel only in POST bodies, never in URLs.
//!
//! - [`strings`]: these pages' strings, per language.
//! - `form`: reading submitted forms, field errors that name the field, choices for `<select>`.
//! - `search`, `household`, `queue`, `request`, `propose`, `change`: the pages.

pub mod strings;

mod change;
/// Demo data for `tepat demo`.
pub mod demo;
pub(crate) mod form;
pub(crate) mod household;
mod propose;
mod queue;
mod request;
mod search;
mod survey;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tepat_core::access::{
    Actor, Decide, ImportAgencyList, Propose, ReadAudit, ReviewInDistrict, SearchRegistry,
    VerifyAtDinas, VerifyInVillage,
};
use tepat_core::registry::{Origin, RegistryError};
use tepat_domain::registry::Step;
use tepat_domain::{Localized, Role};

use crate::auth::forbidden_page;
use crate::state::AppState;
use crate::ui::layout::Layout;
pub use strings::{strings, RegistryStrings};

/// `/registry/…` routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/registry", get(search::page))
        .route("/registry/search", post(search::results))
        .route(
            "/registry/new",
            get(propose::form_page).post(propose::submit),
        )
        .route("/registry/household/{id}", get(household::page))
        .route(
            "/registry/household/{id}/change",
            get(change::form_page).post(change::submit),
        )
        .route(
            "/registry/household/{id}/duplicate",
            post(household::decide_duplicate),
        )
        .route("/registry/queue", get(queue::mine))
        .route("/registry/queue/{level}", get(queue::page))
        .route("/registry/request/{id}", get(request::page))
        .route("/registry/request/{id}/verify", post(request::verify))
        .route("/registry/request/{id}/act", post(request::act))
}

/// The officer's menu in the page header: the registry pages and the audit log, as far as their role
/// may open them (the pages check again; this only hides what would answer 403).
pub fn menu(actor: &Actor, lang: tepat_domain::Lang) -> Vec<(&'static str, &'static str)> {
    let r = strings(lang);
    let mut out = Vec::new();
    if actor.can::<SearchRegistry>() {
        out.push(("/registry", r.nav_search));
    }
    if actor.can::<Propose>() {
        out.push(("/registry/new", r.nav_new));
    }
    if actor.can::<Propose>() || actor.can::<ImportAgencyList>() {
        out.push(("/registry/upload", r.nav_upload));
    }
    if actor.can::<Propose>() {
        out.push(("/registry/warga", r.nav_citizen));
    }
    if actor.can::<VerifyInVillage>() {
        out.push(("/lapangan", r.nav_offline));
    }
    if let Some(step) = step_of(actor.role()) {
        out.push((queue_path(step), r.nav_queue));
    }
    if actor.can::<ReadAudit>() {
        out.push(("/audit", r.nav_audit));
    }
    crate::ui::targeting::menu(actor, lang, &mut out);
    crate::ui::distribution::menu(actor, lang, &mut out);
    crate::ui::monitoring::menu(actor, lang, &mut out);
    crate::ui::feedback::menu(actor, lang, &mut out);
    out
}

fn queue_path(step: Step) -> &'static str {
    match step {
        Step::Village => "/registry/queue/village",
        Step::District => "/registry/queue/district",
        Step::Dinas => "/registry/queue/dinas",
        Step::Decision => "/registry/queue/decision",
    }
}

/// The workflow level a role acts at, if any (the permission table decides: one level per role).
pub(crate) fn step_of(role: Role) -> Option<Step> {
    let actor_can = |step| match step {
        Step::Village => VerifyInVillage::permitted_role(role),
        Step::District => ReviewInDistrict::permitted_role(role),
        Step::Dinas => VerifyAtDinas::permitted_role(role),
        Step::Decision => Decide::permitted_role(role),
    };
    Step::ALL.iter().copied().find(|s| actor_can(*s))
}

/// `Action::permitted` under a name that reads well at the call site.
trait PermittedRole {
    fn permitted_role(role: Role) -> bool;
}

impl<A: tepat_core::access::Action> PermittedRole for A {
    fn permitted_role(role: Role) -> bool {
        A::permitted(role)
    }
}

/// Where the request comes from, for the audit log ("from where").
pub(crate) fn origin(peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>) -> Origin {
    Origin::now(peer.map(|axum::Extension(ConnectInfo(a))| a.to_string()))
}

/// The answer to a service error that no form can show: refused (403), not there (404), or the
/// database (500, logged without personal data). Workflow and record errors get 422 with the message.
pub(crate) fn fail(page: &Layout, error: RegistryError) -> Response {
    match error {
        RegistryError::Denied(denied) => forbidden_page(page, &denied),
        RegistryError::NotFound { .. } => {
            message(page, StatusCode::NOT_FOUND, page.t.not_found_title, error)
        }
        RegistryError::Store(ref e) if !matches!(e, tepat_store::StoreError::Conflict { .. }) => {
            tracing::error!(
                code = error.code(),
                "a registry page failed on the database"
            );
            crate::ui::errors::server_error(page)
        }
        other => message(
            page,
            StatusCode::UNPROCESSABLE_ENTITY,
            strings(page.lang).errors_title,
            other,
        ),
    }
}

#[derive(askama::Template)]
#[template(path = "message.html")]
struct Message<'a> {
    page: &'a Layout,
    title: &'a str,
    body: String,
    request_id: Option<crate::telemetry::RequestId>,
}

fn message(page: &Layout, status: StatusCode, title: &str, error: RegistryError) -> Response {
    let body = error.message(page.lang);
    no_store(crate::ui::layout::render(
        status,
        page.lang,
        &Message {
            page,
            title,
            body,
            request_id: None,
        },
    ))
}

/// Pages with personal data are never kept by caches.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Post/Redirect/Get: `303` to `location`.
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    no_store(response)
}

/// The htmx script's URL and configuration, for pages that use it.
pub struct Htmx {
    pub url: &'static str,
}

impl Htmx {
    pub fn new() -> Htmx {
        Htmx::default()
    }
}

impl Default for Htmx {
    fn default() -> Htmx {
        Htmx {
            url: crate::assets::url("htmx.min.js"),
        }
    }
}
