//! `/registry/upload`: operators upload a CSV of proposals, sector-agency officers import their list
//! (`docs/proposals-csv.md`). The page shows the row-level report and offers it as a CSV download.
//!
//! - `GET /registry/upload`: the form (file, kind, sector, "check only" or "check and propose").
//! - `POST /registry/upload` (multipart, CSRF token in the form): runs
//!   [`tepat_core::intake::upload_proposals`] with the `Propose` grant over the operator's scope, or
//!   [`tepat_core::intake::import_agency_list`] with the `ImportAgencyList` grant; households outside the
//!   scope are refused per household, in the report.
//! - `GET /registry/upload/report/{id}`: the report as CSV, only for the account that uploaded the file.
//! - `GET /registry/upload/sample.csv`: a sample file with synthetic people.
//!
//! Nothing from the file reaches a URL or a log: the file travels in the POST body, the report id is
//! random.

pub mod strings;

mod reports;

use std::net::SocketAddr;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tepat_core::access::{ImportAgencyList, Propose};
use tepat_core::intake::{
    import_agency_list, upload_proposals, Mode, Severity, UploadError, UploadReport,
};
use tepat_core::registry::Origin;
use tepat_domain::survey::Sector;
use tepat_domain::{Lang, Localized};
use uuid::Uuid;

use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::multipart;
use crate::ui::registry::no_store;
pub use strings::{strings, UploadStrings};

/// Problems shown on the page; the downloaded report has them all.
const SHOWN: usize = 500;

/// The sample file offered for download (synthetic people).
const SAMPLE: &str = "kk_number,village_code,address,rt,rw,nik,full_name,sex,birth_date,relationship,phone,sector,reason\n\
1902011203150007,19.02.01.1001,\"Jl. Pelabuhan No. 3, Gg. Damai\",003,001,1902010101850001,Ahmad Fauzi,L,1985-01-01,kepala_keluarga,081234567890,nelayan,penghasilan melaut turun\n\
1902011203150007,19.02.01.1001,\"Jl. Pelabuhan No. 3, Gg. Damai\",003,001,1902015708870002,Siti Aminah,P,1987-08-17,suami_istri,,,\n\
1902011203150007,19.02.01.1001,\"Jl. Pelabuhan No. 3, Gg. Damai\",003,001,1902010305120003,Muhammad Rizki,L,2012-05-03,anak,,,\n";

/// The sectors an agency list may be for.
const AGENCY_SECTORS: [Sector; 4] = [
    Sector::Nelayan,
    Sector::Kukm,
    Sector::Phk,
    Sector::Dirumahkan,
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/registry/upload", get(form_page).post(submit))
        .route("/registry/upload/sample.csv", get(sample))
        .route("/registry/upload/report/{id}", get(download))
}

#[derive(Template)]
#[template(path = "upload/upload.html")]
struct UploadPage<'a> {
    page: &'a Layout,
    u: &'static UploadStrings,
    may_operator: bool,
    may_agency: bool,
    sectors: Vec<(&'static str, &'static str)>,
    kind: String,
    sector: String,
    error: String,
    report: Option<ReportView>,
}

struct ReportView {
    id: Uuid,
    checked_only: bool,
    rows: usize,
    households: usize,
    proposed: usize,
    already: usize,
    refused: usize,
    problems: Vec<ProblemView>,
    more: bool,
}

struct ProblemView {
    line: u64,
    column: &'static str,
    code: &'static str,
    severity: &'static str,
    class: &'static str,
    reason: String,
    value: String,
}

fn view(report: &UploadReport, id: Uuid, mode: Mode, lang: Lang) -> ReportView {
    let u = strings(lang);
    ReportView {
        id,
        checked_only: mode == Mode::Check,
        rows: report.rows,
        households: report.households.len(),
        proposed: report.proposed(),
        already: report.already(),
        refused: report.refused(),
        problems: report
            .problems
            .iter()
            .take(SHOWN)
            .map(|p| ProblemView {
                line: p.line,
                column: p.column,
                code: p.code,
                severity: match p.severity {
                    Severity::Error => u.sev_error,
                    Severity::Warning => u.sev_warning,
                    Severity::Info => u.sev_info,
                },
                class: p.severity.code(),
                reason: p.reason(lang).to_owned(),
                value: p.value.clone(),
            })
            .collect(),
        more: report.problems.len() > SHOWN,
    }
}

fn show(
    page: &Layout,
    user: &SignedIn,
    status: StatusCode,
    kind: &str,
    sector: &str,
    error: String,
    report: Option<ReportView>,
) -> Response {
    let lang = page.lang;
    no_store(render(
        status,
        lang,
        &UploadPage {
            page,
            u: strings(lang),
            may_operator: user.actor.can::<Propose>(),
            may_agency: user.actor.can::<ImportAgencyList>(),
            sectors: AGENCY_SECTORS
                .iter()
                .map(|s| (s.code(), s.label(lang)))
                .collect(),
            kind: kind.to_owned(),
            sector: sector.to_owned(),
            error,
            report,
        },
    ))
}

/// `GET /registry/upload`.
async fn form_page(page: Layout, user: SignedIn) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<Propose>() {
        if user.actor.may_anywhere::<ImportAgencyList>().is_err() {
            return forbidden_page(&page, &denied);
        }
    }
    let kind = if user.actor.can::<Propose>() {
        "operator"
    } else {
        "agency"
    };
    show(&page, &user, StatusCode::OK, kind, "", String::new(), None)
}

/// `POST /registry/upload`.
async fn submit(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let u = strings(page.lang);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(parts) = multipart::parse(content_type, &body) else {
        return show(
            &page,
            &user,
            StatusCode::BAD_REQUEST,
            "operator",
            "",
            u.error_form.into(),
            None,
        );
    };
    let text = |name: &str| {
        parts
            .get(name)
            .map(|v| String::from_utf8_lossy(v).trim().to_owned())
            .unwrap_or_default()
    };
    let kind = text("kind");
    let sector_code = text("sector");
    let mode = if text("action") == "propose" {
        Mode::Propose
    } else {
        Mode::Check
    };
    let bad = |status, error: String| show(&page, &user, status, &kind, &sector_code, error, None);
    let file = match parts.get("file") {
        Some(f) if !f.is_empty() => f.as_slice(),
        _ => return bad(StatusCode::UNPROCESSABLE_ENTITY, u.error_no_file.into()),
    };
    let origin = Origin::now(peer.map(|axum::Extension(ConnectInfo(a))| a.to_string()));
    let store = state.store();
    let regions = state.regions();
    let slot = state.duplicates().read().await;
    let index = slot.index.as_ref();
    let result = if kind == "agency" {
        let grant = match user.actor.may_anywhere::<ImportAgencyList>() {
            Ok(g) => g,
            Err(denied) => return forbidden_page(&page, &denied),
        };
        let Some(sector) = AGENCY_SECTORS
            .iter()
            .copied()
            .find(|s| s.code() == sector_code)
        else {
            return bad(StatusCode::UNPROCESSABLE_ENTITY, u.error_sector.into());
        };
        import_agency_list(store, &grant, sector, file, mode, regions, index, &origin).await
    } else {
        let grant = match user.actor.may_anywhere::<Propose>() {
            Ok(g) => g,
            Err(denied) => return forbidden_page(&page, &denied),
        };
        upload_proposals(store, &grant, file, mode, regions, index, &origin).await
    };
    drop(slot);
    match result {
        Ok(report) => {
            reindex_proposed(&state, &report).await;
            let id = reports::keep(user.actor.user(), report.to_csv());
            let v = view(&report, id, mode, page.lang);
            show(
                &page,
                &user,
                StatusCode::OK,
                &kind,
                &sector_code,
                String::new(),
                Some(v),
            )
        }
        Err(UploadError::Denied(denied)) => forbidden_page(&page, &denied),
        Err(e) => bad(StatusCode::UNPROCESSABLE_ENTITY, e.message(page.lang)),
    }
}

/// `GET /registry/upload/report/{id}`.
async fn download(page: Layout, user: SignedIn, Path(id): Path<String>) -> Response {
    let found = Uuid::parse_str(&id)
        .ok()
        .and_then(|id| reports::take(user.actor.user(), id));
    match found {
        Some(csv) => attachment(csv, "laporan-unggahan.csv"),
        None => no_store((StatusCode::NOT_FOUND, strings(page.lang).report_gone).into_response()),
    }
}

/// `GET /registry/upload/sample.csv`.
async fn sample(_user: SignedIn) -> Response {
    attachment(SAMPLE.as_bytes().to_vec(), "contoh-usulan.csv")
}

fn attachment(csv: Vec<u8>, name: &'static str) -> Response {
    let mut r = (StatusCode::OK, csv).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    no_store(r)
}

/// Keeps the duplicate index current with the households an upload proposed.
async fn reindex_proposed(state: &AppState, report: &UploadReport) {
    for h in &report.households {
        if let tepat_core::intake::Outcome::Proposed {
            request: Some(_),
            household,
        } = h.outcome
        {
            state.reindex_household(household).await;
        }
    }
}
