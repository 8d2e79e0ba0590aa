//! The recipient's own trail (`GET|POST /warga/status/bantuan`, linked from `/warga/status`): after the
//! same NIK + KK check as a citizen's proposal ([`citizen::identify`]: the population extract, the same
//! answer for every failure, attempt limits per address and NIK), each entitlement of the household —
//! program, cycle, amount, route, the schedule (point, day, slot time), the payment's state, the
//! hand-over time and the transparency-ledger entries — from
//! [`tepat_core::distribution::trail::household_trail`], and the QR voucher of each cash or goods
//! entitlement not handed over yet, to show at the distribution point with the KTP.
//!
//! NIK and KK number travel only in the POST body and are not written back into the page.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::intake::citizen::{self, CitizenError, Proof};
use tepat_core::registry::Origin;
use tepat_domain::distribution::EntitlementState;
use tepat_domain::{Lang, Localized, Nik, Scope};
use tepat_store::TrailRow;
use uuid::Uuid;

use crate::state::AppState;
use crate::ui::distribution::scan::{qr_svg, voucher_text};
use crate::ui::distribution::scan_strings::long_date;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::no_store;

/// The page's path.
pub const PAGE: &str = "/warga/status/bantuan";

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The trail page's strings in one language.
        #[derive(Debug)]
        pub struct TrailStrings { $(pub $name: &'static str,)+ }
        static ID: TrailStrings = TrailStrings { $($name: $id,)+ };
        static EN: TrailStrings = TrailStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static TrailStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    title: "Cek bantuan keluarga saya", "Check my household's aid";
    link: "Cek bantuan keluarga saya (jadwal, pembayaran, penyerahan)", "Check my household's aid (schedule, payment, hand-over)";
    lead: "Masukkan NIK dan nomor KK Anda. Anda akan melihat setiap bantuan keluarga Anda: jumlahnya, cara penyalurannya, jadwal dan tempat pengambilan, status pembayaran, waktu penyerahan, dan nomor catatannya di buku besar transparansi.",
        "Enter your NIK and KK number. You will see each aid of your household: the amount, how it is paid, the schedule and place of collection, the payment's state, the hand-over time, and its entry numbers in the transparency ledger.";
    nik: "NIK", "NIK";
    kk: "Nomor KK", "KK number";
    check: "Cek", "Check";
    none: "Belum ada bantuan yang tercatat untuk keluarga Anda.", "No aid is recorded for your household yet.";
    amount: "Jumlah", "Amount";
    route: "Penyaluran", "Paid by";
    state: "Status", "State";
    schedule: "Jadwal pengambilan", "Collection";
    payment: "Pembayaran", "Payment";
    handed_at: "Diserahkan", "Handed over";
    ledger: "Catatan buku besar", "Ledger entries";
    ledger_entitlement: "hak", "entitlement";
    ledger_payment: "perintah bayar", "payment instruction";
    ledger_result: "hasil bayar", "payment result";
    ledger_handover: "penyerahan", "hand-over";
    voucher: "Voucher: tunjukkan kode QR ini bersama KTP di tempat pengambilan.", "Voucher: show this QR code with the KTP at the collection point.";
}

/// The link to this page from `/warga/status` (the template passes the language by reference).
pub fn link_label(lang: &Lang) -> &'static str {
    strings(*lang).link
}

/// One entitlement as the page shows it.
pub struct RowView {
    pub program: String,
    pub cycle: String,
    pub amount: String,
    pub route: &'static str,
    pub state: &'static str,
    pub schedule: String,
    pub payment: String,
    pub handed_at: String,
    pub ledger: String,
    /// The voucher's QR code (inline SVG), while it can still be handed over.
    pub qr: String,
}

#[derive(Template)]
#[template(path = "citizen/trail.html")]
struct TrailPage<'a> {
    page: &'a Layout,
    t: &'static TrailStrings,
    error: String,
    rows: Option<Vec<RowView>>,
}

fn show(page: &Layout, status: StatusCode, error: String, rows: Option<Vec<RowView>>) -> Response {
    no_store(render(
        status,
        page.lang,
        &TrailPage {
            page,
            t: strings(page.lang),
            error,
            rows,
        },
    ))
}

/// `GET /warga/status/bantuan`.
pub(crate) async fn form(page: Layout) -> Response {
    show(&page, StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub(crate) struct TrailInput {
    #[serde(default)]
    nik: String,
    #[serde(default)]
    kk: String,
}

/// `POST /warga/status/bantuan`.
pub(crate) async fn check(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<TrailInput>,
) -> Response {
    let origin = Origin::now(peer.map(|axum::Extension(ConnectInfo(a))| a.to_string()));
    let proof = Proof {
        nik: &f.nik,
        kk: &f.kk,
    };
    let failed = |e: CitizenError| {
        let status = match e {
            CitizenError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            CitizenError::Store => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        show(&page, status, e.message(page.lang), None)
    };
    let person =
        match citizen::identify(state.store(), state.citizen_limits(), &proof, &origin).await {
            Ok(p) => p,
            Err(e) => return failed(e),
        };
    let Ok(household) = household_of(&state, &person.record.nik).await else {
        return failed(CitizenError::Store);
    };
    let rows = match household {
        None => Vec::new(),
        Some(id) => {
            match tepat_core::distribution::trail::household_trail(state.store(), id).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = %e, "the citizen's trail could not be read");
                    return failed(CitizenError::Store);
                }
            }
        }
    };
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        let qr = voucher_qr(&state, &row).await;
        views.push(view(row, qr, page.lang));
    }
    show(&page, StatusCode::OK, String::new(), Some(views))
}

/// The registry household in which this NIK is an active member.
async fn household_of(state: &AppState, nik: &Nik) -> Result<Option<Uuid>, ()> {
    let hits = state
        .store()
        .registry_search_nik(nik, &Scope::All)
        .await
        .map_err(|_| ())?;
    Ok(hits
        .into_iter()
        .find(|h| h.member_status == "active")
        .map(|h| h.household))
}

/// The QR code of the row's voucher while it may still be handed over.
async fn voucher_qr(state: &AppState, row: &TrailRow) -> String {
    let open = matches!(
        row.state,
        EntitlementState::Pending | EntitlementState::Instructed
    );
    let Some(id) = row.voucher.filter(|_| open) else {
        return String::new();
    };
    let Ok(Some(ctx)) = state.store().voucher_context(id).await else {
        return String::new();
    };
    voucher_text(state, &ctx)
        .and_then(|text| qr_svg(&text))
        .unwrap_or_default()
}

/// A moment in Western Indonesian Time (UTC+7), as the recipient reads it.
fn wib(at: chrono::DateTime<chrono::Utc>, lang: Lang) -> String {
    let local = at.naive_utc() + chrono::Duration::hours(7);
    format!(
        "{}, {} WIB",
        long_date(local.date(), lang),
        local.format("%H:%M")
    )
}

fn view(row: TrailRow, qr: String, lang: Lang) -> RowView {
    let t = strings(lang);
    let schedule = match (&row.point_code, &row.point_name, row.day, row.slot_time) {
        (Some(code), name, Some(day), time) => format!(
            "{} ({code}), {}{}",
            name.as_deref().unwrap_or(""),
            long_date(day, lang),
            time.map(|t| format!(", {}", t.format("%H:%M")))
                .unwrap_or_default()
        ),
        _ => String::new(),
    };
    let ledger: Vec<String> = [
        (t.ledger_entitlement, row.entitlement_ledger),
        (t.ledger_payment, row.payment_ledger),
        (t.ledger_result, row.result_ledger),
        (t.ledger_handover, row.handover_ledger),
    ]
    .into_iter()
    .filter_map(|(what, index)| index.map(|i| format!("{what} #{i}")))
    .collect();
    RowView {
        program: row.program,
        cycle: row.cycle,
        amount: crate::ui::targeting::rupiah(row.amount, lang),
        route: row.route.label(lang),
        state: row.state.label(lang),
        schedule,
        payment: row
            .payment_state
            .map(|p| p.label(lang).to_owned())
            .unwrap_or_default(),
        handed_at: row.handed_at.map(|at| wib(at, lang)).unwrap_or_default(),
        ledger: ledger.join(" · "),
        qr,
    }
}
