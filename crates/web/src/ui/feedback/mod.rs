//! Complaints (*pengaduan*) and ratings (issue 8; `docs/complaints.md`).
//!
//! Citizens, without an account:
//! - `GET|POST /warga/pengaduan`: file a complaint, anonymously (abuse reports only), with the pass of a
//!   status check (`?pass=TPP1…` from `/cek`, then a hidden field), or with NIK and KK number in the
//!   POST body; answered with the ticket number;
//! - `GET|POST /warga/pengaduan/lacak`: track by ticket, which travels in the POST body only (a bearer
//!   secret);
//! - `POST /warga/penilaian` (fields `pass`, `envelope`, `stars`, `comment`): rate a paid or handed-over
//!   entitlement of the pass's household, once; `GET` explains where ratings start.
//!
//! Officers (`ReadComplaints`, `HandleComplaints`): `/pengaduan` (their desk's inbox with filters),
//! `/pengaduan/{id}` (history and actions), `/pengaduan/penilaian` (ratings and their summary).
//!
//! - [`strings`]: these pages' strings, per language.

pub mod strings;

mod citizen;
mod officer;

use axum::routing::{get, post};
use axum::Router;
use tepat_core::access::{Actor, ReadComplaints};

use crate::state::AppState;
pub use strings::{strings, FeedbackStrings};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/warga/pengaduan", get(citizen::form).post(citizen::submit))
        .route(
            "/warga/pengaduan/lacak",
            get(citizen::track_form).post(citizen::track),
        )
        .route(
            "/warga/penilaian",
            get(citizen::rate_info).post(citizen::rate),
        )
        .route("/pengaduan", get(officer::inbox))
        .route("/pengaduan/penilaian", get(officer::ratings_page))
        .route("/pengaduan/{id}", get(officer::detail))
        .route("/pengaduan/{id}/tindak", post(officer::act))
        .route("/pengaduan/{id}/kontak", post(officer::contact))
}

/// The officers' menu entries of these pages.
pub fn menu(actor: &Actor, lang: tepat_domain::Lang, out: &mut Vec<(&'static str, &'static str)>) {
    if actor.can::<ReadComplaints>() {
        let s = strings(lang);
        out.push(("/pengaduan", s.nav_complaints));
        out.push(("/pengaduan/penilaian", s.nav_ratings));
    }
}
