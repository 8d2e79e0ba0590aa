//! `GET /penyaluran/ganda`: second redemptions of a voucher (*penyerahan ganda*), newest sync first,
//! for whoever may read distribution: the voucher (linked to its QR page), when each phone says it
//! handed the aid over and when it synced, the officer and the device, and links to the photos taken
//! at both hand-overs for readers who may see household photos. Only those of households inside
//! the reader's region; ids, never names or NIKs.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tepat_core::access::ReadDistribution;
use tepat_core::distribution::handovers;
use uuid::Uuid;

use super::scan_strings::{strings, ScanStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// The page's path.
pub const PAGE: &str = "/penyaluran/ganda";
/// Most rows read (the newest).
const LIMIT: u32 = 200;

pub struct FlaggedView {
    pub voucher: Uuid,
    pub household: Uuid,
    pub officer: String,
    pub device: String,
    pub handed_at: String,
    pub synced_at: String,
    /// Photos of this hand-over and of the first, shown to readers who may see household photos.
    pub photo: Option<Uuid>,
    pub first_photo: Option<Uuid>,
}

#[derive(Template)]
#[template(path = "distribution/scan_flagged.html")]
struct FlaggedPage<'a> {
    page: &'a Layout,
    s: &'static ScanStrings,
    rows: Vec<FlaggedView>,
}

fn wib(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(7))
        .format("%Y-%m-%d %H:%M WIB")
        .to_string()
}

pub(crate) async fn page(State(state): State<AppState>, page: Layout, user: SignedIn) -> Response {
    let grant = match user.actor.may_anywhere::<ReadDistribution>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let store = state.store();
    let Ok(flagged) = handovers::flagged(store, &grant, LIMIT).await else {
        return crate::ui::errors::server_error(&page);
    };
    let mut rows = Vec::with_capacity(flagged.len());
    for f in flagged {
        let ctx = match store.voucher_context(f.voucher).await {
            Ok(Some(ctx)) if grant.covers(&ctx.village).is_ok() => ctx,
            Ok(_) => continue,
            Err(_) => return crate::ui::errors::server_error(&page),
        };
        let photos = super::scan::may_see_photos(&user, &ctx);
        let officer = match store.account_by_id(f.officer).await {
            Ok(Some(a)) => a.username,
            _ => f.officer.to_string(),
        };
        rows.push(FlaggedView {
            voucher: f.voucher,
            household: f.household,
            officer,
            device: f.device,
            handed_at: wib(f.handed_at),
            synced_at: wib(f.synced_at),
            photo: f.photo.filter(|_| photos),
            first_photo: f.first_photo.filter(|_| photos),
        });
    }
    crate::ui::registry::no_store(render(
        StatusCode::OK,
        page.lang,
        &FlaggedPage {
            page: &page,
            s: strings(page.lang),
            rows,
        },
    ))
}
