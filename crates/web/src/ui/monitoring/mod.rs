//! The officials' monitoring dashboard (issue 9; `docs/monitoring.md`):
//!
//! - `GET /pantau`: the dashboard of the officer's region (or a region inside it, `?wilayah=`) for a
//!   program-cycle (`?program=&siklus=`, the newest by default);
//! - `GET /pantau/angka`: the same figures as a fragment, which the page polls every 20 seconds
//!   (htmx; without JavaScript the page is still whole, only not live);
//! - `GET /pantau/csv/{view}`: every view as CSV (`pipeline`, `complaints`, `ratings`, `backlog`,
//!   `flags`);
//! - `GET /pantau/tanda/{rule}` and `…/csv`: the subjects behind one anomaly flag, for roles that may
//!   inspect them: household ids linking to the audited registry page, officer accounts by name.
//!
//! The distribution, rating and flag figures are aggregates; when they are older than
//! [`monitoring::MAX_AGE`] a page view starts one recomputation in the background (one at a time per
//! process) and shows the previous figures with their time. Region codes are the only thing in URLs.

pub mod strings;

use std::sync::atomic::{AtomicBool, Ordering};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tepat_core::access::{Actor, InspectAnomalies, Monitor};
use tepat_core::monitoring::{self, csv, Dashboard, MonitoringError};
use tepat_domain::{Lang, RegionCode};
use tepat_store::{FlagItem, FlagRule};

use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, Htmx};
pub use strings::{strings, MonitoringStrings};

/// The dashboard's path.
pub const PAGE: &str = "/pantau";

/// `/pantau…`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page))
        .route("/pantau/angka", get(figures_fragment))
        .route("/pantau/csv/{view}", get(view_csv))
        .route("/pantau/tanda/{rule}", get(flag_page))
        .route("/pantau/tanda/{rule}/csv", get(flag_csv))
}

/// The dashboard's menu entry, for roles that may open it (the page checks again).
pub fn menu(actor: &Actor, lang: Lang, out: &mut Vec<(&'static str, &'static str)>) {
    if actor.can::<Monitor>() {
        out.push((PAGE, strings(lang).nav));
    }
}

/// `?wilayah=&program=&siklus=`: all optional.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    wilayah: String,
    #[serde(default)]
    program: String,
    #[serde(default)]
    siklus: String,
    /// The dashboard's chooser sends both as one field, `PROGRAM|CYCLE`.
    #[serde(default)]
    pc: String,
}

impl Params {
    /// The region asked for: `Ok(None)` when none, `Err` when the code is not a region code.
    fn region(&self) -> Result<Option<RegionCode>, ()> {
        let w = self.wilayah.trim();
        if w.is_empty() {
            return Ok(None);
        }
        RegionCode::parse(w).map(Some).map_err(|_| ())
    }

    fn program_cycle(&self) -> Option<(String, String)> {
        let (p, c) = self
            .pc
            .split_once('|')
            .unwrap_or((self.program.as_str(), self.siklus.as_str()));
        let (p, c) = (p.trim(), c.trim());
        (!p.is_empty() && !c.is_empty()).then(|| (p.to_owned(), c.to_owned()))
    }
}

/// The query string that keeps region and program-cycle, for links and the poll.
fn query(region: Option<&RegionCode>, program_cycle: Option<&(String, String)>) -> String {
    let mut parts = Vec::new();
    if let Some(r) = region {
        parts.push(format!("wilayah={}", r.plain()));
    }
    if let Some((p, c)) = program_cycle {
        parts.push(format!("program={}&siklus={}", enc(p), enc(c)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Program codes and cycles are short codes; anything else is percent-encoded byte by byte.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One recomputation at a time per process.
static REFRESHING: AtomicBool = AtomicBool::new(false);

/// Starts a recomputation in the background if the figures are stale and none is running.
fn refresh_if_stale(state: &AppState, d: &Dashboard, now: DateTime<Utc>) {
    if !monitoring::is_stale(&d.refreshed, now) || REFRESHING.swap(true, Ordering::SeqCst) {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = monitoring::refresh(state.store(), Utc::now()).await {
            tracing::warn!(error = %e, "monitoring refresh failed");
        }
        REFRESHING.store(false, Ordering::SeqCst);
    });
}

fn failure(page: &Layout, e: MonitoringError) -> Response {
    match e {
        MonitoringError::Denied(d) => forbidden_page(page, &d),
        MonitoringError::Store(e) => {
            tracing::error!(error = %e, "monitoring read failed");
            crate::ui::errors::server_error(page)
        }
    }
}

fn not_found(page: &Layout) -> Response {
    crate::ui::targeting::message(
        page,
        StatusCode::NOT_FOUND,
        page.t.not_found_body.to_owned(),
    )
}

fn bad_region(page: &Layout) -> Response {
    crate::ui::targeting::message(
        page,
        StatusCode::BAD_REQUEST,
        strings(page.lang).bad_region.to_owned(),
    )
}

/// The dashboard for the request, or the page to answer instead.
async fn load(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    params: &Params,
) -> Result<Dashboard, Response> {
    let grant = user
        .actor
        .may_anywhere::<Monitor>()
        .map_err(|d| forbidden_page(page, &d))?;
    let region = params.region().map_err(|()| bad_region(page))?;
    let now = Utc::now();
    let d = monitoring::dashboard(state.store(), &grant, region, params.program_cycle(), now)
        .await
        .map_err(|e| failure(page, e))?;
    refresh_if_stale(state, &d, now);
    Ok(d)
}

#[derive(Template)]
#[template(path = "monitoring/dashboard.html")]
struct DashboardPage<'a> {
    page: &'a Layout,
    s: &'static MonitoringStrings,
    htmx: Htmx,
    region_name: String,
    up: Option<String>,
    region_plain: String,
    cycles: Vec<(String, String, bool)>,
    f: Figures,
}

#[derive(Template)]
#[template(path = "monitoring/figures.html")]
struct FiguresFragment {
    f: Figures,
}

/// What the figures fragment shows, formatted.
struct Figures {
    s: &'static MonitoringStrings,
    query: String,
    as_of: Option<String>,
    cycle_label: Option<String>,
    pipeline: Vec<PipelineView>,
    pipeline_total: Option<PipelineView>,
    complaints: Vec<Vec<String>>,
    ratings: Vec<Vec<String>>,
    backlog: Vec<Vec<String>>,
    flags: Vec<FlagView>,
    may_inspect: bool,
}

struct PipelineView {
    /// The link to this region's own dashboard, `None` for the total row or a village.
    link: Option<String>,
    region: String,
    cells: Vec<(String, String)>,
    share: String,
}

struct FlagView {
    code: &'static str,
    name: &'static str,
    rule: &'static str,
    count: String,
}

fn wib(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(7))
        .format("%Y-%m-%d %H:%M:%S WIB")
        .to_string()
}

/// A row's region as "name (code)".
fn region_label(state: &AppState, plain: &str) -> String {
    match RegionCode::parse(plain) {
        Ok(code) => match state.regions().get(&code) {
            Some(r) => format!("{} ({})", r.name, code.dotted()),
            None => code.dotted(),
        },
        Err(_) => plain.to_owned(),
    }
}

fn n(v: u64, lang: Lang) -> String {
    crate::ui::format::count(i64::try_from(v).unwrap_or(i64::MAX), lang)
}

fn rp(v: i64, lang: Lang) -> String {
    crate::ui::targeting::rupiah(tepat_domain::Rupiah::new(v), lang)
}

fn pipeline_view(
    state: &AppState,
    r: &tepat_store::PipelineRow,
    link: Option<String>,
    lang: Lang,
) -> PipelineView {
    let cells = [r.planned, r.sent, r.confirmed, r.received, r.failed]
        .into_iter()
        .map(|(c, a)| (n(c, lang), rp(a, lang)))
        .collect();
    let share = if r.planned.0 == 0 {
        "–".to_owned()
    } else {
        format!("{:.1}", r.received.0 as f64 * 100.0 / r.planned.0 as f64)
    };
    PipelineView {
        link,
        region: if r.region.is_empty() {
            strings(lang).total.to_owned()
        } else {
            region_label(state, &r.region)
        },
        cells,
        share,
    }
}

fn figures(state: &AppState, d: &Dashboard, user: &SignedIn, lang: Lang) -> Figures {
    let s = strings(lang);
    let query = query(d.region.as_ref(), d.program_cycle.as_ref());
    let drill = |plain: &str| -> Option<String> {
        (plain.len() < 10).then(|| {
            let pc = d.program_cycle.as_ref();
            let code = RegionCode::parse(plain).ok();
            format!("{PAGE}{}", self::query(code.as_ref(), pc))
        })
    };
    let pipeline: Vec<PipelineView> = d
        .pipeline
        .iter()
        .map(|r| pipeline_view(state, r, drill(&r.region), lang))
        .collect();
    let pipeline_total =
        (!pipeline.is_empty()).then(|| pipeline_view(state, &d.pipeline_total(), None, lang));
    let complaints = d
        .complaints
        .iter()
        .map(|c| {
            vec![
                region_label(state, &c.region),
                n(c.awaiting, lang),
                n(c.overdue, lang),
                n(c.due_soon, lang),
                n(c.answered, lang),
                c.earliest_due.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let ratings = d
        .ratings
        .iter()
        .map(|r| {
            vec![
                region_label(state, &r.region),
                n(r.ratings, lang),
                csv::average(r.stars, r.ratings),
                n(r.low, lang),
            ]
        })
        .collect();
    let backlog = d
        .backlog
        .iter()
        .map(|b| {
            let stage = tepat_domain::registry::workflow::Stage::parse(&b.stage)
                .map(|st| st.label(lang).to_owned())
                .unwrap_or_else(|| b.stage.clone());
            vec![
                region_label(state, &b.region),
                stage,
                n(b.waiting, lang),
                (d.today - b.oldest.date_naive()).num_days().to_string(),
            ]
        })
        .collect();
    let flags = d
        .flags
        .iter()
        .map(|(rule, count)| {
            let (name, text) = monitoring::rule_text(*rule, lang);
            FlagView {
                code: rule.code(),
                name,
                rule: text,
                count: n(*count, lang),
            }
        })
        .collect();
    Figures {
        s,
        query,
        as_of: d.as_of().map(wib),
        cycle_label: d.program_cycle.as_ref().map(|(p, c)| format!("{p} {c}")),
        pipeline,
        pipeline_total,
        complaints,
        ratings,
        backlog,
        flags,
        may_inspect: user.actor.can::<InspectAnomalies>(),
    }
}

/// `GET /pantau`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Query(params): Query<Params>,
) -> Response {
    let d = match load(&state, &page, &user, &params).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let lang = page.lang;
    let s = strings(lang);
    let region_name = match &d.region {
        Some(r) => region_label(&state, r.plain()),
        None => s.whole_country.to_owned(),
    };
    // One level up, if the officer's scope reaches it.
    let up = d
        .region
        .and_then(|r| match r.parent() {
            Some(p) if user.actor.scope().covers(&p) => Some(Some(p)),
            None if user.actor.scope() == tepat_domain::Scope::All => Some(None),
            _ => None,
        })
        .map(|p| format!("{PAGE}{}", query(p.as_ref(), d.program_cycle.as_ref())));
    let cycles = d
        .cycles
        .iter()
        .map(|pc| {
            (
                pc.0.clone(),
                pc.1.clone(),
                Some(pc) == d.program_cycle.as_ref(),
            )
        })
        .collect();
    let f = figures(&state, &d, &user, lang);
    no_store(render(
        StatusCode::OK,
        lang,
        &DashboardPage {
            page: &page,
            s,
            htmx: Htmx::new(),
            region_name,
            up,
            region_plain: d.region.map(|r| r.plain().to_owned()).unwrap_or_default(),
            cycles,
            f,
        },
    ))
}

/// `GET /pantau/angka`: the fragment the page polls.
pub(crate) async fn figures_fragment(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Query(params): Query<Params>,
) -> Response {
    let d = match load(&state, &page, &user, &params).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let f = figures(&state, &d, &user, page.lang);
    no_store(render(StatusCode::OK, page.lang, &FiguresFragment { f }))
}

/// A CSV download named `name`.
fn csv_response(name: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut r = (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    no_store(r)
}

/// `GET /pantau/csv/{view}`.
pub(crate) async fn view_csv(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(view): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let d = match load(&state, &page, &user, &params).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match csv::view(&d, &view) {
        Some(body) => csv_response(&file_name(&view, &d), body),
        None => not_found(&page),
    }
}

/// `pantau-<view>-<region>-<program>-<cycle>.csv`.
fn file_name(view: &str, d: &Dashboard) -> String {
    let region = d
        .region
        .map(|r| r.plain().to_owned())
        .unwrap_or_else(|| "id".into());
    let mut name = format!("pantau-{view}-{region}");
    if let Some((p, c)) = &d.program_cycle {
        name.push_str(&format!("-{}-{}", enc(p), enc(c)));
    }
    name.push_str(".csv");
    name
}

#[derive(Template)]
#[template(path = "monitoring/flags.html")]
struct FlagPage<'a> {
    page: &'a Layout,
    s: &'static MonitoringStrings,
    name: &'static str,
    rule_text: &'static str,
    code: &'static str,
    query: String,
    back: String,
    value_label: &'static str,
    extra_label: &'static str,
    group_label: &'static str,
    rows: Vec<FlagRow>,
}

struct FlagRow {
    /// A household's id (linked to its registry page) or an officer's account name.
    household: Option<String>,
    officer: Option<String>,
    region: String,
    label: String,
    group: String,
    value: String,
    extra: String,
}

/// What a rule's value, extra and group columns hold.
fn flag_columns(rule: FlagRule, lang: Lang) -> (&'static str, &'static str, &'static str) {
    let id = lang == Lang::Id;
    match rule {
        FlagRule::SharedAccount => (
            if id {
                "Keluarga per rekening"
            } else {
                "Households per account"
            },
            "",
            if id { "Rekening #" } else { "Account #" },
        ),
        FlagRule::CrowdedAddress => (
            if id {
                "Orang hidup di alamat"
            } else {
                "Living persons at the address"
            },
            "",
            if id { "Alamat #" } else { "Address #" },
        ),
        FlagRule::DeadEnrolled => (
            if id {
                "Anggota meninggal masih aktif"
            } else {
                "Dead members still active"
            },
            "",
            "",
        ),
        FlagRule::FastMerchant => (
            if id {
                "Paling banyak per menit"
            } else {
                "Most in one minute"
            },
            if id {
                "Menit di atas batas"
            } else {
                "Minutes over the limit"
            },
            "",
        ),
        FlagRule::OfficerRejections => (
            if id {
                "Penolakan (‰)"
            } else {
                "Rejections (‰)"
            },
            if id { "Keputusan" } else { "Decisions" },
            if id {
                "Median peran (‰)"
            } else {
                "Role median (‰)"
            },
        ),
    }
}

async fn flag_items(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    rule: &str,
    params: &Params,
) -> Result<(FlagRule, Option<RegionCode>, Vec<FlagItem>), Response> {
    let grant = user
        .actor
        .may_anywhere::<InspectAnomalies>()
        .map_err(|d| forbidden_page(page, &d))?;
    let Some(rule) = FlagRule::parse(rule) else {
        return Err(not_found(page));
    };
    let region = params.region().map_err(|()| bad_region(page))?;
    let items = monitoring::flagged(state.store(), &grant, rule, region)
        .await
        .map_err(|e| failure(page, e))?;
    let region = monitoring::focus(&grant, region).map_err(|d| forbidden_page(page, &d))?;
    Ok((rule, region, items))
}

/// `GET /pantau/tanda/{rule}`.
pub(crate) async fn flag_page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(rule): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let (rule, region, items) = match flag_items(&state, &page, &user, &rule, &params).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = page.lang;
    let (name, rule_text) = monitoring::rule_text(rule, lang);
    let (value_label, extra_label, group_label) = flag_columns(rule, lang);
    let officers = matches!(rule, FlagRule::FastMerchant | FlagRule::OfficerRejections);
    let mut rows = Vec::with_capacity(items.len());
    for f in &items {
        let officer = if officers {
            Some(match state.store().account_by_id(f.subject).await {
                Ok(Some(a)) => a.username,
                _ => f.subject.to_string(),
            })
        } else {
            None
        };
        rows.push(FlagRow {
            household: (!officers).then(|| f.subject.to_string()),
            officer,
            region: if f.region.is_empty() {
                strings(lang).whole_country.to_owned()
            } else {
                region_label(&state, &f.region)
            },
            label: f.label.clone(),
            group: f.group.to_string(),
            value: f.value.to_string(),
            extra: f.extra.to_string(),
        });
    }
    let q = query(region.as_ref(), None);
    no_store(render(
        StatusCode::OK,
        lang,
        &FlagPage {
            page: &page,
            s: strings(lang),
            name,
            rule_text,
            code: rule.code(),
            back: format!("{PAGE}{q}"),
            query: q,
            value_label,
            extra_label,
            group_label,
            rows,
        },
    ))
}

/// `GET /pantau/tanda/{rule}/csv`.
pub(crate) async fn flag_csv(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(rule): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    match flag_items(&state, &page, &user, &rule, &params).await {
        Ok((rule, region, items)) => {
            let region = region
                .map(|r| r.plain().to_owned())
                .unwrap_or_else(|| "id".into());
            csv_response(
                &format!("pantau-tanda-{}-{region}.csv", rule.code()),
                csv::flag_list(&items),
            )
        }
        Err(r) => r,
    }
}
