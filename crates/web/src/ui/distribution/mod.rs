//! The officers' distribution pages (issue 7; `docs/distribution.md`): envelopes (*amplop*) per
//! program-cycle with their control totals at every stage (`/penyaluran…`), the maker-checker approval,
//! release and cancellation, the entitlement list; bank files and status imports (`…/pembayaran`);
//! distribution points and the collection schedule (`/penyaluran/titik…`, `…/jadwal`); the queue of
//! recipients' account changes (`/penyaluran/rekening`).
//!
//! Every handler takes [`SignedIn`] and gets its grant from `actor.may…::<Action>()`. Lists show
//! household ids, never names, NIKs or account numbers (an account shows its last four digits); the id
//! links to the audited household page. Nothing personal goes into a URL: forms post their fields.
//!
//! - [`strings`]: these pages' strings, per language.
//! - `envelopes`, `payments`, `points`, `accounts`: the pages; [`scan`]: the voucher scan page.

pub mod strings;

mod accounts;
mod envelopes;
mod payments;
mod points;
// The voucher scan page, its hand-over sync and the voucher QR page (W2).
pub mod scan;
pub mod scan_flagged;
pub mod scan_strings;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tepat_core::access::{Actor, ManagePoints, ReadDistribution, VerifyAccount};
use tepat_core::distribution::DistributionError;
use tepat_domain::{Lang, Localized};

use crate::state::AppState;
use crate::ui::layout::Layout;
use crate::ui::targeting::{PageError, PageStatus};
pub use strings::{strings, DistributionStrings};

/// `/penyaluran…`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/penyaluran", get(envelopes::list))
        .route("/penyaluran/siapkan", post(envelopes::prepare))
        .route("/penyaluran/amplop/{id}", get(envelopes::page))
        .route("/penyaluran/amplop/{id}/setujui", post(envelopes::approve))
        .route("/penyaluran/amplop/{id}/batalkan", post(envelopes::cancel))
        .route("/penyaluran/amplop/{id}/salurkan", post(envelopes::release))
        .route("/penyaluran/amplop/{id}/voucher", post(envelopes::issue))
        .route("/penyaluran/amplop/{id}/pembayaran", get(payments::page))
        .route(
            "/penyaluran/amplop/{id}/pembayaran/berkas",
            post(payments::export),
        )
        .route(
            "/penyaluran/amplop/{id}/pembayaran/berkas/{name}",
            get(payments::download),
        )
        .route(
            "/penyaluran/amplop/{id}/pembayaran/status",
            post(payments::import),
        )
        .route(
            "/penyaluran/amplop/{id}/pembayaran/ulang",
            post(payments::retry),
        )
        .route(
            "/penyaluran/amplop/{id}/pembayaran/alihkan",
            post(payments::reroute),
        )
        .route(
            "/penyaluran/amplop/{id}/pembayaran/premi",
            post(payments::settle_premiums),
        )
        .route(
            "/penyaluran/amplop/{id}/pembayaran/dompet",
            post(payments::send_ewallet),
        )
        .route("/penyaluran/amplop/{id}/jadwal", get(points::schedule))
        .route(
            "/penyaluran/amplop/{id}/jadwal/ulang",
            post(points::reschedule),
        )
        .route("/penyaluran/titik", get(points::list).post(points::create))
        .route(
            "/penyaluran/titik/{id}",
            get(points::edit_form).post(points::save),
        )
        .route("/penyaluran/rekening", get(accounts::queue))
        .route("/penyaluran/rekening/putuskan", post(accounts::decide))
        .route("/penyaluran/rekening/ajukan", post(accounts::request))
        .merge(scan::routes())
        .merge(crate::api::handovers::routes())
}

/// The distribution entries of the officer's menu, as far as their role may open them (the pages check
/// again).
pub fn menu(actor: &Actor, lang: Lang, out: &mut Vec<(&'static str, &'static str)>) {
    let t = strings(lang);
    if actor.can::<ReadDistribution>() {
        out.push(("/penyaluran", t.nav_envelopes));
    }
    if actor.can::<ManagePoints>() {
        out.push(("/penyaluran/titik", t.nav_points));
    }
    if actor.can::<VerifyAccount>() {
        out.push(("/penyaluran/rekening", t.nav_accounts));
    }
    if actor.can::<tepat_core::access::HandOver>() {
        out.push((scan::PAGE, scan_strings::strings(lang).title));
    }
    if actor.can::<ReadDistribution>() {
        out.push((
            scan_flagged::PAGE,
            scan_strings::strings(lang).flagged_title,
        ));
    }
}

/// A distribution error with its message in the reader's language and its page status.
pub(crate) struct Failure(pub DistributionError);

impl Localized for Failure {
    fn message(&self, lang: Lang) -> String {
        self.0.message(lang)
    }
}

impl PageError for Failure {
    fn status(&self) -> PageStatus {
        distribution_status(&self.0)
    }
    fn code(&self) -> &'static str {
        "distribution"
    }
}

impl From<tepat_store::StoreError> for Failure {
    fn from(e: tepat_store::StoreError) -> Failure {
        Failure(DistributionError::from(e))
    }
}

fn distribution_status(e: &DistributionError) -> PageStatus {
    use DistributionError as E;
    match e {
        E::Denied(d) => PageStatus::Denied(d.clone()),
        E::EnvelopeNotFound | E::UnknownHousehold => PageStatus::NotFound,
        E::Store(e) => crate::ui::targeting::store_status(e),
        E::Io { .. } | E::BankFile(_) => PageStatus::Database,
        _ => PageStatus::Unprocessable,
    }
}

/// The page for a failure: refusals 403, missing records 404, the database 500 (logged by code only).
pub(crate) fn fail(page: &Layout, error: impl Into<Failure>) -> Response {
    crate::ui::targeting::fail(page, error.into())
}

impl From<DistributionError> for Failure {
    fn from(e: DistributionError) -> Failure {
        Failure(e)
    }
}

/// A page with one message, such as "nothing here" (shared with the targeting pages' look).
pub(crate) fn message(page: &Layout, status: StatusCode, body: String) -> Response {
    crate::ui::targeting::message(page, status, body)
}

/// Rupiah the Indonesian or the English way.
pub(crate) fn rupiah(amount: tepat_domain::Rupiah, lang: Lang) -> String {
    crate::ui::targeting::rupiah(amount, lang)
}

/// The client's address, when the server knows it (for the audit entries of actions).
pub(crate) type Peer = Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>;

pub(crate) fn origin(peer: Peer) -> tepat_core::registry::Origin {
    tepat_core::registry::Origin::now(
        peer.map(|axum::Extension(axum::extract::ConnectInfo(a))| a.to_string()),
    )
}

/// A count the Indonesian or the English way.
pub(crate) fn count(n: u64, lang: Lang) -> String {
    crate::ui::format::count(i64::try_from(n).unwrap_or(i64::MAX), lang)
}
