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
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tepat_core::intake::citizen::{CitizenError, Proof};
use tepat_core::portal::notify::templates;
use tepat_core::portal::status::{
    self, HistoryItem, NextCollection, NoticeView, ProgramStatus, Stage, StatusCard,
};
use tepat_core::registry::Origin;
use tepat_domain::Lang;

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
    /// The household's desil (welfare decile), once ranked.
    pub desil: String,
    /// What to do next.
    pub advice: &'static str,
    pub programs: Vec<ProgramView>,
    pub notices: Vec<NoticeLine>,
}

/// One program of the card.
pub struct ProgramView {
    pub code: String,
    pub name: String,
    pub stage: String,
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
    /// The transfer's state (transfers only).
    pub payment: &'static str,
    pub handed_at: String,
    /// (what, link to the ledger receipt).
    pub receipts: Vec<(String, String)>,
    pub rateable: bool,
}

/// One notice of the inbox.
pub struct NoticeLine {
    pub title: String,
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
    headers: HeaderMap,
    Form(f): Form<CheckInput>,
) -> Response {
    let peer = peer.map(|axum::Extension(ConnectInfo(a))| a);
    let client = crate::api::status_check::client_of(&state, &headers, peer);
    let origin = Origin::now(Some(client));
    let proof = Proof {
        nik: &f.nik,
        kk: &f.kk,
    };
    match card(&state, &proof, &origin, page.lang).await {
        Ok(card) => show(&page, StatusCode::OK, String::new(), Some(card)),
        Err(e) => show(&page, status_of(&e), status::message(&e, page.lang), None),
    }
}

/// Signs the voucher of a card's open collection, so the page can draw it as a QR code: the server's
/// voucher key (`[payments] voucher_key_file`), read on first use like [`AppState::voucher_signer`]
/// (the file is created at most once: a second creator fails and tries again on the next card).
pub struct SignedVouchers {
    key_file: std::path::PathBuf,
    signer: std::sync::OnceLock<tepat_payments::voucher::VoucherSigner>,
}

impl SignedVouchers {
    pub fn new(key_file: std::path::PathBuf) -> SignedVouchers {
        SignedVouchers {
            key_file,
            signer: std::sync::OnceLock::new(),
        }
    }

    fn signer(&self) -> Option<&tepat_payments::voucher::VoucherSigner> {
        if let Some(signer) = self.signer.get() {
            return Some(signer);
        }
        let key = crate::api::keys::load_or_create_voucher_key(&self.key_file).ok()?;
        Some(
            self.signer
                .get_or_init(|| tepat_payments::voucher::VoucherSigner::new(key)),
        )
    }
}

impl status::VoucherTexts for SignedVouchers {
    fn text(&self, ctx: &tepat_store::VoucherContext) -> Option<String> {
        let v = &ctx.voucher;
        let voucher = tepat_payments::voucher::Voucher {
            id: v.id,
            program: ctx.program.clone(),
            cycle: ctx.cycle.clone(),
            amount: v.amount,
            goods: v.goods.clone(),
            recipient: v.recipient,
            valid_from: v.valid_from,
            valid_until: v.valid_until,
            key_id: v.key_id.clone(),
        };
        self.signer()?.sign(&voucher).ok()
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

/// The household's card for this NIK and KK number, in `lang`: the check of
/// [`tepat_core::portal::status`] (limits, one answer for every mismatch), then the view.
async fn card(
    state: &AppState,
    proof: &Proof<'_>,
    origin: &Origin,
    lang: Lang,
) -> Result<CardView, CitizenError> {
    let card = state
        .status()
        .check(state.store(), state.pass_key(), proof, origin)
        .await?;
    Ok(view(card, lang))
}

fn view(card: StatusCard, lang: Lang) -> CardView {
    let t = strings(lang);
    let mut contact = Vec::new();
    if !card.contact.operators.is_empty() {
        contact.push(format!(
            "{}: {}",
            t.operator,
            card.contact.operators.join(", ")
        ));
    }
    if !card.contact.office.is_empty() {
        contact.push(format!("{}: {}", t.office, card.contact.office));
    }
    CardView {
        as_of: wib(card.as_of, lang),
        village: format!("{} ({})", card.village_name, card.village.dotted()),
        contact,
        registered: card.registered,
        desil: card.desil.map(|d| d.to_string()).unwrap_or_default(),
        advice: card.advice.text(lang),
        programs: card
            .programs
            .into_iter()
            .map(|p| program(p, lang))
            .collect(),
        notices: card.notices.iter().map(|n| notice(n, lang)).collect(),
        pass: card.pass,
    }
}

fn program(p: ProgramStatus, lang: Lang) -> ProgramView {
    let stage = match (p.stage, p.waitlist_rank) {
        (Stage::Waitlisted, Some(rank)) => {
            format!("{} ({} {rank})", p.stage.label(lang), strings(lang).rank)
        }
        (stage, _) => stage.label(lang).to_owned(),
    };
    let qr = p
        .next
        .as_ref()
        .and_then(|n| n.voucher.as_deref())
        .and_then(qr_svg)
        .unwrap_or_default();
    ProgramView {
        name: match lang {
            Lang::Id => p.program_name,
            Lang::En => p.program_name_en,
        },
        code: p.program,
        stage,
        amount: p
            .amount_per_cycle
            .map(|a| crate::ui::targeting::rupiah(a, lang))
            .unwrap_or_default(),
        next: p.next.as_ref().map(|n| next(n, lang)).unwrap_or_default(),
        qr,
        history: p.history.into_iter().map(|h| history(h, lang)).collect(),
    }
}

/// Where and when, in words: `Balai Desa (KP-01), Senin, 1 Desember 2026, 08.00–09.00 · Rp200.000`.
fn next(n: &NextCollection, lang: Lang) -> String {
    let slot = match (n.slot_start, n.slot_end) {
        (Some(a), Some(b)) => format!(", {}–{} WIB", a.format("%H:%M"), b.format("%H:%M")),
        (Some(a), None) => format!(", {} WIB", a.format("%H:%M")),
        _ => String::new(),
    };
    format!(
        "{} ({}), {}{slot} · {} · {}",
        n.point_name,
        n.point_code,
        long_date(n.day, lang),
        crate::ui::targeting::rupiah(n.amount, lang),
        n.route.label(lang),
    )
}

fn history(h: HistoryItem, lang: Lang) -> HistoryView {
    HistoryView {
        envelope: h.envelope_id.to_string(),
        cycle: h.cycle,
        amount: crate::ui::targeting::rupiah(h.amount, lang),
        route: h.route.label(lang),
        state: h.state.label(lang),
        payment: h.payment_state.map(|p| p.label(lang)).unwrap_or_default(),
        handed_at: h.handed_over_at.map(|at| wib(at, lang)).unwrap_or_default(),
        receipts: h
            .ledger
            .iter()
            .map(|l| (format!("{} #{}", l.label(lang), l.index), l.href.clone()))
            .collect(),
        rateable: h.rateable,
    }
}

/// A notice of the inbox, worded by the notification templates (the same words as the SMS and
/// e-mail that carry it).
fn notice(n: &NoticeView, lang: Lang) -> NoticeLine {
    let params = templates::notice_params(&n.body.to_string(), &n.program, &n.cycle);
    let rendered = templates::render(n.kind, &params, lang);
    NoticeLine {
        title: rendered.title,
        text: rendered.body,
        at: wib(n.created_at, lang),
    }
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
