//! Scanning vouchers offline (`docs/distribution.md`, "Scanning vouchers offline"):
//!
//! - `GET /penyaluran/pindai`: the scan page for distribution officers and e-Warung merchants
//!   (`HandOver`). Its script (`static/scan.js`) keeps the voucher public keys, the distribution points
//!   and the cycles being paid in IndexedDB, checks a voucher with no network (layout, Ed25519
//!   signature with the vendored @noble/ed25519, dates, cycle, the recipient's NIK against the voucher's
//!   commitment), and keeps each hand-over in an outbox until `POST /api/v1/handovers`
//!   ([`crate::api::handovers`]) has it.
//! - `GET /sw-pindai.js`: the page's service worker (the page and its assets, nothing else).
//! - `GET /api/v1/voucher-keys`: `{"keys":[{"kid","x"}]}`, the public keys vouchers are checked with.
//! - `GET /api/v1/distribution-points`: the points the user may hand over at (a merchant: their own)
//!   and the program cycles being paid, for the page to cache.
//! - `GET /penyaluran/voucher/{id}`: one voucher as a QR code (SVG drawn here) and as text, for
//!   officers who may read its village's distribution.
//! - `GET /penyaluran/ganda`: second redemptions, flagged at sync ([`super::scan_flagged`]).

use std::sync::LazyLock;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tepat_core::access::{Actor, HandOver, ReadDistribution};
use tepat_domain::distribution::EnvelopeState;
use tepat_domain::Role;
use tepat_payments::voucher::Voucher;
use tepat_store::{DistributionPoint, VoucherContext};
use uuid::Uuid;

use super::scan_strings::{long_date, script_json, strings, ScanStrings};
use crate::auth::{forbidden_json, forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// The page's path (its service worker's scope).
pub const PAGE: &str = "/penyaluran/pindai";
const WORKER: &str = "/sw-pindai.js";
/// Most envelopes looked at for the cycles being paid.
const ENVELOPES: u32 = 200;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page))
        .route(WORKER, get(service_worker))
        .route("/api/v1/voucher-keys", get(voucher_keys))
        .route("/api/v1/distribution-points", get(points))
        .route("/penyaluran/voucher/{id}", get(voucher_page))
        .route(super::scan_flagged::PAGE, get(super::scan_flagged::page))
}

fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

#[derive(Template)]
#[template(path = "distribution/scan.html")]
struct Page<'a> {
    page: &'a Layout,
    s: &'static ScanStrings,
    strings_json: String,
    script: &'static str,
    ed25519: &'static str,
    jsqr: &'static str,
    worker: &'static str,
    scope: &'static str,
    user: String,
    /// An e-Warung's merchant hands over goods only.
    merchant: bool,
}

/// `GET /penyaluran/pindai`: the page shell (kept by the service worker; the data lives in IndexedDB).
async fn page(page: Layout, user: SignedIn) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<HandOver>() {
        return forbidden_page(&page, &denied);
    }
    let view = Page {
        page: &page,
        s: strings(page.lang),
        strings_json: script_json(page.lang),
        script: crate::assets::url("scan.js"),
        ed25519: crate::assets::url("noble-ed25519.js"),
        jsqr: crate::assets::url("jsQR.js"),
        worker: WORKER,
        scope: PAGE,
        user: user.actor.user().to_string(),
        merchant: user.actor.role() == Role::Merchant,
    };
    render(StatusCode::OK, page.lang, &view)
}

/// The service worker with the URLs it keeps written in, so that a new asset makes a new worker.
static SERVICE_WORKER: LazyLock<String> = LazyLock::new(|| {
    let urls = [
        PAGE,
        crate::assets::url("tepat.css"),
        crate::assets::url("favicon.svg"),
        crate::assets::url("scan.js"),
        crate::assets::url("noble-ed25519.js"),
        crate::assets::url("jsQR.js"),
    ];
    let list = serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into());
    let version: String = urls
        .iter()
        .filter_map(|u| u.rsplit('.').nth(1))
        .collect::<Vec<_>>()
        .join("-");
    include_str!("../../../static/scan-sw.js")
        .replace("\"__PRECACHE__\"", &list)
        .replace("__VERSION__", &version)
});

/// `GET /sw-pindai.js`: at the root so that its scope can be the page's path; never cached for long.
async fn service_worker() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                HeaderValue::from_static(PAGE),
            ),
        ],
        SERVICE_WORKER.as_str(),
    )
        .into_response()
}

fn unavailable(what: &'static str) -> Response {
    tracing::error!(what, "the voucher scan data could not be read");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        no_store(),
        Json(json!({
            "error": "unavailable",
            "message": "the server could not read what the scan page needs; try again",
        })),
    )
        .into_response()
}

/// `GET /api/v1/voucher-keys`: public keys only, so anyone may fetch them (a key rotated in later
/// reaches the phones on their next refresh).
async fn voucher_keys(State(state): State<AppState>) -> Response {
    match state.voucher_keys() {
        Ok(keys) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
            Json(keys),
        )
            .into_response(),
        Err(_) => unavailable("voucher keys"),
    }
}

/// The points `actor` hands over at: a merchant's own e-Warung, anyone else's active points within
/// their scope.
fn points_of(actor: &Actor, all: Vec<DistributionPoint>) -> Vec<DistributionPoint> {
    all.into_iter()
        .filter(|p| p.active && actor.scope().covers(&p.village))
        .filter(|p| actor.role() != Role::Merchant || p.merchant_account == Some(actor.user()))
        .collect()
}

/// `GET /api/v1/distribution-points`: `{"points":[{code,name,kind,village}],"cycles":[{program,cycle}]}`.
async fn points(State(state): State<AppState>, headers: HeaderMap, user: SignedIn) -> Response {
    let lang = crate::ui::lang::negotiate(&headers, state.config().default_lang);
    if let Err(denied) = user.actor.may_anywhere::<HandOver>() {
        return forbidden_json(&denied, lang);
    }
    let store = state.store();
    let (Ok(all), Ok(envelopes)) = (
        store.points(true).await,
        store.envelopes(None, ENVELOPES).await,
    ) else {
        return unavailable("points");
    };
    let points: Vec<_> = points_of(&user.actor, all)
        .into_iter()
        .map(|p| {
            json!({
                "code": p.code,
                "name": p.name,
                "kind": p.kind.code(),
                "village": p.village.dotted(),
            })
        })
        .collect();
    let cycles: Vec<_> = envelopes
        .into_iter()
        .filter(|e| e.state == EnvelopeState::Paying)
        .map(|e| json!({ "program": e.program, "cycle": e.cycle }))
        .collect();
    (
        no_store(),
        Json(json!({ "points": points, "cycles": cycles })),
    )
        .into_response()
}

/// A QR code of `text` as an inline SVG element (black on white, with its quiet zone).
pub fn qr_svg(text: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .build();
    // The XML declaration has no place inside HTML.
    svg.find("<svg").map(|at| svg[at..].to_owned())
}

/// The voucher's text, signed again from what is stored (Ed25519 signatures are deterministic, so
/// with the same key it is the very text the recipient was given).
pub fn voucher_text(state: &AppState, ctx: &VoucherContext) -> Option<String> {
    let v = &ctx.voucher;
    let voucher = Voucher {
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
    state.voucher_signer().ok()?.sign(&voucher).ok()
}

#[derive(Template)]
#[template(path = "distribution/scan_voucher.html")]
struct VoucherPage<'a> {
    page: &'a Layout,
    s: &'static ScanStrings,
    program: String,
    cycle: String,
    what: String,
    valid: String,
    qr: String,
    text: String,
    /// The accepted hand-over's photo, when there is one and the reader may see household photos.
    photo: Option<Uuid>,
}

/// `GET /penyaluran/voucher/{id}`: for officers who may read the distribution of the voucher's
/// village; 404 alike for a voucher that does not exist and one outside the scope is not needed,
/// since ids are random UUIDs and the page names no one.
async fn voucher_page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let s = strings(page.lang);
    let ctx = match Uuid::parse_str(&id) {
        Ok(id) => match state.store().voucher_context(id).await {
            Ok(ctx) => ctx,
            Err(_) => return unavailable("voucher"),
        },
        Err(_) => None,
    };
    let Some(ctx) = ctx else {
        return crate::ui::errors::not_found(page).await;
    };
    if let Err(denied) = user.actor.may::<ReadDistribution>(&ctx.village) {
        return forbidden_page(&page, &denied);
    }
    let Some(text) = voucher_text(&state, &ctx) else {
        return unavailable("voucher key");
    };
    let view = VoucherPage {
        page: &page,
        s,
        what: what_of(&ctx, page.lang),
        valid: format!(
            "{} – {}",
            long_date(ctx.voucher.valid_from, page.lang),
            long_date(ctx.voucher.valid_until, page.lang)
        ),
        qr: qr_svg(&text).unwrap_or_default(),
        program: ctx.program.clone(),
        cycle: ctx.cycle.clone(),
        text,
        photo: ctx.handover_photo.filter(|_| may_see_photos(&user, &ctx)),
    };
    crate::ui::registry::no_store(render(StatusCode::OK, page.lang, &view))
}

/// Whether the reader may open the household's photos (`/registry/photo/{id}`, audited there).
pub fn may_see_photos(user: &SignedIn, ctx: &VoucherContext) -> bool {
    user.actor
        .may::<tepat_core::access::ReadHousehold>(&ctx.village)
        .is_ok()
}

/// "Rp600.000", the goods' name, or both.
pub fn what_of(ctx: &VoucherContext, lang: tepat_domain::Lang) -> String {
    let cash = crate::ui::targeting::rupiah(ctx.voucher.amount, lang);
    match &ctx.voucher.goods {
        Some(goods) if ctx.voucher.amount.amount() == 0 => goods.clone(),
        Some(goods) => format!("{goods} + {cash}"),
        None => cash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_an_svg_element_without_the_xml_declaration() {
        let svg = qr_svg("TPV1.AQIDBA").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("<path"));
        assert!(!svg.contains("<?xml"));
    }

    #[test]
    fn the_worker_keeps_the_page_and_the_verifier() {
        assert!(SERVICE_WORKER.contains(PAGE));
        assert!(SERVICE_WORKER.contains(crate::assets::url("noble-ed25519.js")));
        assert!(!SERVICE_WORKER.contains("__PRECACHE__"));
    }
}
