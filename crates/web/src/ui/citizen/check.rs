//! The citizen's status page (`GET|POST /cek`, issue 8 part 1; `docs/citizen-app.md`): NIK and KK
//! number in, and the household's card out — per program the stage in plain words, the desil (the
//! household's welfare decile, 1 = poorest tenth), the amount, the next collection with its place and
//! the voucher's QR code, the payment and hand-over history with a link to each ledger receipt, the
//! inbox of notices, and when the household is not listed, what to do and whom to ask.
//!
//! The card comes from [`tepat_core::portal::status::check`], the same check as the JSON API and the
//! SMS `CEK`, with its protections (one answer for every failure, limits per client and per NIK).
//! The NIK and KK number travel only in the POST body and are never written back; the follow-up forms
//! (a rating, a complaint, notification settings) carry the card's pass instead.
//!
//! The page stays small (under 30 KB with a typical card: the QR code is drawn as one SVG path, a few
//! KB) and works without its script; with it (`static/warga.js`), the card is also kept on the phone
//! and readable without signal.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tepat_core::intake::citizen::CitizenError;
use tepat_core::registry::Origin;
use tepat_domain::{Lang, Localized};

use crate::state::AppState;
pub use crate::ui::citizen::check_strings::{strings, CheckStrings};
use crate::ui::distribution::scan_strings::long_date;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::no_store;

/// The page's path.
pub const PAGE: &str = "/cek";

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(PAGE, get(form).post(check)).route(
        super::trail::PAGE,
        get(super::trail::moved).post(super::trail::moved),
    )
}

/// The household's card as the page shows it: every value already in the reader's language.
pub struct CardView {
    pub pass: String,
    pub as_of: String,
    pub village: String,
    pub contact: Vec<String>,
    pub registered: bool,
    pub programs: Vec<ProgramView>,
    pub notices: Vec<NoticeLine>,
}

/// One program of the card.
pub struct ProgramView {
    pub code: String,
    pub name: String,
    pub stage: &'static str,
    pub desil: String,
    pub amount: String,
    /// When and where to collect next, in words.
    pub next: String,
    /// The open voucher's QR code (inline SVG).
    pub qr: String,
    pub history: Vec<HistoryView>,
}

/// One entitlement of a program's history.
pub struct HistoryView {
    pub envelope: String,
    pub cycle: String,
    pub amount: String,
    pub route: &'static str,
    pub state: &'static str,
    pub paid_at: String,
    pub handed_at: String,
    /// (what, link to the ledger receipt).
    pub receipts: Vec<(String, String)>,
    pub rateable: bool,
}

/// One notice of the inbox.
pub struct NoticeLine {
    pub text: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "citizen/check.html")]
struct CheckPage<'a> {
    page: &'a Layout,
    t: &'static CheckStrings,
    action: &'static str,
    script: &'static str,
    worker: &'static str,
    error: String,
    card: Option<CardView>,
}

fn show(page: &Layout, status: StatusCode, error: String, card: Option<CardView>) -> Response {
    no_store(render(
        status,
        page.lang,
        &CheckPage {
            page,
            t: strings(page.lang),
            action: PAGE,
            script: crate::assets::url("warga.js"),
            worker: crate::ui::pwa::WORKER,
            error,
            card,
        },
    ))
}

/// `GET /cek`: the form (and, through the script, the card kept on this phone).
pub(crate) async fn form(page: Layout) -> Response {
    show(&page, StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub(crate) struct CheckInput {
    #[serde(default)]
    nik: String,
    #[serde(default)]
    kk: String,
}

fn status_of(e: &CitizenError) -> StatusCode {
    match e {
        CitizenError::TooMany => StatusCode::TOO_MANY_REQUESTS,
        CitizenError::Store => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// `POST /cek`.
pub(crate) async fn check(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<CheckInput>,
) -> Response {
    let origin = Origin::now(peer.map(|axum::Extension(ConnectInfo(a))| a.to_string()));
    match card(&state, &f.nik, &f.kk, &origin, page.lang).await {
        Ok(card) => show(&page, StatusCode::OK, String::new(), Some(card)),
        Err(e) => show(&page, status_of(&e), e.message(page.lang), None),
    }
}

/// A moment in Western Indonesian Time (UTC+7), as the citizen reads it.
pub fn wib(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.naive_utc() + chrono::Duration::hours(7);
    format!(
        "{}, {} WIB",
        long_date(local.date(), lang),
        local.format("%H:%M")
    )
}

/// `text` as a QR code in a compact SVG: one path, a horizontal stroke per run of dark modules, so a
/// voucher (about 300 characters) costs some 6 KB of the page instead of the 35 KB of one square per
/// module.
pub fn qr_svg(text: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let mut d = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        runs(row, y, &mut d);
    }
    // The quiet zone of four modules that readers need around the code.
    let side = width + 8;
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-4 -4 {side} {side}\" width=\"240\" height=\"240\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\"><rect x=\"-4\" y=\"-4\" width=\"{side}\" \
         height=\"{side}\" fill=\"#fff\"/><path stroke=\"#000\" d=\"{d}\"/></svg>"
    ))
}

/// One row's dark runs as path commands: an absolute move to the first, relative moves after.
fn runs(row: &[qrcode::Color], y: usize, d: &mut String) {
    use std::fmt::Write as _;
    let mut pen: Option<usize> = None;
    let mut x = 0;
    while x < row.len() {
        if row[x] != qrcode::Color::Dark {
            x += 1;
            continue;
        }
        let start = x;
        while x < row.len() && row[x] == qrcode::Color::Dark {
            x += 1;
        }
        let _ = match pen {
            None => write!(d, "M{start} {y}.5h{}", x - start),
            Some(end) => write!(d, "m{} 0h{}", start - end, x - start),
        };
        pen = Some(x);
    }
}

/// The household's card for this NIK and KK number, in `lang`.
async fn card(
    _state: &AppState,
    _nik: &str,
    _kk: &str,
    _origin: &Origin,
    _lang: Lang,
) -> Result<CardView, CitizenError> {
    // Until the status check (tepat_core::portal::status) lands.
    Err(CitizenError::NotRecognised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_one_compact_path_with_a_quiet_zone() {
        let text = format!("TPV1.{}", "eyJpZCI6IjAxOTM".repeat(19));
        let svg = qr_svg(&text).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.contains("viewBox=\"-4 -4 "));
        assert!(svg.len() < 8 * 1024, "{} bytes", svg.len());
    }

    #[test]
    fn runs_are_written_as_relative_strokes() {
        use qrcode::Color::{Dark as D, Light as L};
        let mut d = String::new();
        runs(&[L, D, D, L, L, D], 3, &mut d);
        assert_eq!(d, "M1 3.5h2m2 0h1");
        let mut empty = String::new();
        runs(&[L, L], 0, &mut empty);
        assert!(empty.is_empty());
    }
}
