//! The server-rendered user interface: askama templates in `crates/web/templates/`, one small stylesheet,
//! no JavaScript needed.
//!
//! - [`i18n`]: every UI string, per language.
//! - [`lang`]: which language a request gets, and the `?lang=` switch.
//! - [`layout`]: what the base layout (`base.html`) needs; every page embeds a [`Layout`].
//! - [`format`]: numbers the Indonesian or the English way.
//! - `landing`: `/`, what is loaded.
//! - `errors`: the 404 and 500 pages.

pub mod format;
pub mod i18n;
pub mod lang;
pub mod layout;

pub(crate) mod errors;
mod landing;
mod multipart;
pub mod offline;
// The officers' registry pages and the auditors' log (issue 5).
mod audit;
pub mod registry;
// The proposals CSV upload and agency lists (issue 5, part 2).
pub mod upload;
// Citizens' proposals and objections (issue 5, part 2).
pub mod citizen;
// Household photos from the field visit (issue 5, photos).
pub mod photos;
// Programs, targeting runs and appeals (issue 6).
pub mod targeting;
// Envelopes, payments, distribution points, account changes, the voucher scan page (issue 7).
pub mod distribution;
// Complaints (pengaduan) and ratings of distributions (issue 8).
pub mod feedback;
// The citizens' installable app: manifest, service worker, offline page (issue 8).
pub mod pwa;
// The officials' monitoring dashboard (issue 9).
pub mod monitoring;
// The public transparency portal `/data` (issue 9).
pub mod opendata;
// Information for citizens, illustrated guides, announcements and their Atom feed (issue 8).
pub mod info;

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub use layout::Layout;

/// The UI's routes and the 404 page for every unknown path, with the language switch in front of them
/// (so `?lang=en` works on any page, the 404 page too).
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(landing::page))
        .route(
            "/ledger/receipt",
            get(crate::ledger::page::form).post(crate::ledger::page::verify),
        )
        .merge(registry::routes())
        .merge(audit::routes())
        .merge(offline::routes())
        .merge(upload::routes())
        .merge(citizen::routes())
        .merge(photos::routes())
        .merge(targeting::routes())
        .merge(distribution::routes())
        .merge(feedback::routes())
        .merge(pwa::routes())
        .merge(monitoring::routes())
        .merge(opendata::routes())
        .merge(info::routes())
        .fallback(errors::not_found)
        .layer(from_fn_with_state(state, lang::switch))
}
