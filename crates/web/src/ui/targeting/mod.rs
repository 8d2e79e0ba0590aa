//! The officers' targeting pages (issue 6; `docs/targeting.md`, "Programs and targeting in the app"):
//! programs with their versions and the admin's editor (`/program…`), targeting runs with their
//! simulation, the candidate list by village and the approval form (`/penargetan…`), the appeals queue
//! and decision form (`/sanggahan…`), filing an appeal from the household page, and the household page's
//! targeting section.
//!
//! Every handler takes [`SignedIn`] and gets its grant from `actor.may…::<Action>()`; lists are read
//! inside the grant's scope, so a village operator sees only their village's candidates and appeals.
//! Candidate lists show household ids, never names or NIKs; the id links to the audited household page.
//!
//! - [`strings`]: these pages' strings, per language.
//! - `programs`, `runs`, `appeals`, `household`: the pages; `forecast`: the regional needs forecast
//!   (`/penargetan/{code}/perkiraan`).

pub mod strings;

mod appeals;
mod forecast;
pub(crate) mod household;
mod programs;
mod runs;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tepat_core::access::{Actor, ManagePrograms, ReadTargeting, ReviewAppeal};
use tepat_domain::{Lang, Localized};

use crate::auth::forbidden_page;
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::no_store;
pub use strings::{strings, TargetingStrings};

/// `/program…`, `/penargetan…`, `/sanggahan…` and the household's appeal form.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/program", get(programs::list))
        .route("/program/periksa-aturan", post(programs::check_rule))
        .route("/program/{code}", get(programs::detail))
        .route(
            "/program/{code}/ubah",
            get(programs::edit_form).post(programs::save),
        )
        .route("/penargetan/{code}", get(runs::list))
        .route("/penargetan/{code}/jalankan", post(runs::run_now))
        .route("/penargetan/{code}/perkiraan", get(forecast::page))
        .route("/penargetan/hasil/{id}", get(runs::page))
        .route("/penargetan/hasil/{id}/tetapkan", post(runs::approve))
        .route("/sanggahan", get(appeals::queue))
        .route(
            "/sanggahan/{village}/{id}",
            get(appeals::page).post(appeals::decide),
        )
        .route(
            "/registry/household/{id}/sanggahan",
            get(appeals::file_form).post(appeals::file),
        )
}

/// The targeting entries of the officer's menu, as far as their role may open them (the pages check
/// again).
pub fn menu(actor: &Actor, lang: Lang, out: &mut Vec<(&'static str, &'static str)>) {
    let t = strings(lang);
    if actor.can::<ReadTargeting>() || actor.can::<ManagePrograms>() {
        out.push(("/program", t.nav_programs));
    }
    if actor.can::<ReviewAppeal>() {
        out.push(("/sanggahan", t.nav_appeals));
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    page: &'a Layout,
    title: &'a str,
    body: String,
    request_id: Option<crate::telemetry::RequestId>,
}

/// A page with one message (a refusal the form cannot show, a missing record).
pub(crate) fn message(page: &Layout, status: StatusCode, body: String) -> Response {
    let title = if status == StatusCode::NOT_FOUND {
        page.t.not_found_title
    } else {
        strings(page.lang).errors_title
    };
    no_store(render(
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

/// How a service error of these pages answers: 403 for a refusal, 404 for a missing record, 500 (logged
/// by code, without personal data) for the database, and 422 with the message for the rest.
pub(crate) trait PageError: Localized {
    fn status(&self) -> PageStatus;
    fn code(&self) -> &'static str;
}

pub(crate) enum PageStatus {
    Denied(tepat_core::access::Denied),
    NotFound,
    Database,
    Unprocessable,
}

pub(crate) fn fail(page: &Layout, error: impl PageError) -> Response {
    match error.status() {
        PageStatus::Denied(denied) => forbidden_page(page, &denied),
        PageStatus::NotFound => message(page, StatusCode::NOT_FOUND, error.message(page.lang)),
        PageStatus::Database => {
            tracing::error!(
                code = error.code(),
                "a targeting page failed on the database"
            );
            crate::ui::errors::server_error(page)
        }
        PageStatus::Unprocessable => message(
            page,
            StatusCode::UNPROCESSABLE_ENTITY,
            error.message(page.lang),
        ),
    }
}

pub(crate) fn store_status(e: &tepat_store::StoreError) -> PageStatus {
    match e {
        tepat_store::StoreError::Conflict { .. } => PageStatus::Unprocessable,
        tepat_store::StoreError::NotFound { .. } => PageStatus::NotFound,
        _ => PageStatus::Database,
    }
}

impl PageError for tepat_core::targeting::programs::ProgramsError {
    fn status(&self) -> PageStatus {
        use tepat_core::targeting::programs::ProgramsError as E;
        match self {
            E::NotFound { .. } => PageStatus::NotFound,
            E::Store(e) => store_status(e),
            _ => PageStatus::Unprocessable,
        }
    }
    fn code(&self) -> &'static str {
        tepat_core::targeting::programs::ProgramsError::code(self)
    }
}

impl PageError for tepat_core::targeting::appeals::AppealError {
    fn status(&self) -> PageStatus {
        use tepat_core::targeting::appeals::AppealError as E;
        match self {
            E::Denied(d) => PageStatus::Denied(d.clone()),
            E::NotFound | E::NoHousehold => PageStatus::NotFound,
            E::Store(e) => store_status(e),
            _ => PageStatus::Unprocessable,
        }
    }
    fn code(&self) -> &'static str {
        tepat_core::targeting::appeals::AppealError::code(self)
    }
}

/// Rupiah the Indonesian or the English way (`Rp1.500.000` / `Rp1,500,000`).
pub(crate) fn rupiah(amount: tepat_domain::Rupiah, lang: Lang) -> String {
    format!("Rp{}", crate::ui::format::count(amount.amount(), lang))
}

/// A share as a percentage with one decimal.
pub(crate) fn percent(share: f64, lang: Lang) -> String {
    let s = format!("{:.1} %", share * 100.0);
    if lang == Lang::Id {
        s.replace('.', ",")
    } else {
        s
    }
}
