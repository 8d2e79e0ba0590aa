//! `GET /penargetan/{code}`: a program's runs and the verifier's "run now"; `POST
//! /penargetan/{code}/jalankan`: a draft run; `GET /penargetan/hasil/{id}`: the run's simulation and its
//! list, one village at a time (`?desa=`, paged with `?setelah=` rank); `POST
//! /penargetan/hasil/{id}/tetapkan`: the approver's decree.
//!
//! Everything regional is cut to the reader's scope: the summary's district and village rows and the
//! list. Regency-wide totals are aggregates and stay visible to every reader of targeting results.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use tepat_core::access::{ApproveTargeting, FileAppeal, ReadTargeting, RunTargeting};
use tepat_core::targeting::approve;
use tepat_core::targeting::run::{self, Reasons, RulePath, RunOptions, RunSummary, TargetingError};
use tepat_domain::{Lang, Localized, RegionCode, Scope};
use tepat_store::{CandidateRow, PageAfter, RunState, TargetingRun};
use tepat_targeting::simulate::Counts;
use uuid::Uuid;

use super::{fail, percent, rupiah, strings, PageError, PageStatus, TargetingStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::format::count;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, see_other, Htmx};

/// Most runs listed for a program.
const RUNS_LIMIT: u32 = 50;
/// Households per page of a village's list.
const PAGE_SIZE: u32 = 100;

/// A targeting error with its message in the reader's language.
pub(crate) struct Targeting(pub TargetingError);

impl Localized for Targeting {
    fn message(&self, lang: Lang) -> String {
        self.0.message(lang)
    }
}

impl PageError for Targeting {
    fn status(&self) -> PageStatus {
        use TargetingError as E;
        match &self.0 {
            E::Denied(d) => PageStatus::Denied(d.clone()),
            E::RunNotFound | E::UnknownProgram { .. } => PageStatus::NotFound,
            E::Store(e) => super::store_status(e),
            _ => PageStatus::Unprocessable,
        }
    }
    fn code(&self) -> &'static str {
        "targeting"
    }
}

fn state_label(t: &TargetingStrings, s: RunState) -> &'static str {
    match s {
        RunState::Draft => t.state_draft,
        RunState::Approved => t.state_approved,
        RunState::Discarded => t.state_discarded,
        RunState::Superseded => t.state_superseded,
    }
}

#[derive(Template)]
#[template(path = "targeting/runs.html")]
struct RunsPage<'a> {
    page: &'a Layout,
    t: &'static TargetingStrings,
    htmx: Htmx,
    code: &'a str,
    name: String,
    runs: Vec<RunRow>,
    may_run: bool,
    today: String,
}

struct RunRow {
    id: Uuid,
    created: String,
    period: String,
    state: &'static str,
    decree: String,
}

/// `GET /penargetan/{code}`.
pub(crate) async fn list(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(code): Path<String>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ReadTargeting>() {
        return forbidden_page(&page, &denied);
    }
    let store = state.store();
    let program = match tepat_core::targeting::programs::get(store, &code).await {
        Ok(p) => p,
        Err(e) => return fail(&page, e),
    };
    let t = strings(page.lang);
    let runs = match store.runs(&code, RUNS_LIMIT).await {
        Ok(r) => r,
        Err(e) => return fail(&page, Targeting(e.into())),
    };
    let runs = runs
        .into_iter()
        .map(|r| RunRow {
            id: r.id,
            created: r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            period: r.period,
            state: state_label(t, r.state),
            decree: r.decree_number.unwrap_or_default(),
        })
        .collect();
    no_store(render(
        StatusCode::OK,
        page.lang,
        &RunsPage {
            page: &page,
            t,
            htmx: Htmx::new(),
            code: &code,
            name: program.name(page.lang).to_owned(),
            runs,
            may_run: user.actor.can::<RunTargeting>(),
            today: Utc::now().date_naive().to_string(),
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct RunForm {
    #[serde(default)]
    on: String,
}

/// `POST /penargetan/{code}/jalankan`: computes and stores a draft over the verifier's area.
pub(crate) async fn run_now(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(code): Path<String>,
    Form(input): Form<RunForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<RunTargeting>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let on = NaiveDate::parse_from_str(input.on.trim(), "%Y-%m-%d")
        .unwrap_or_else(|_| Utc::now().date_naive());
    match run::run_program(state.store(), &grant, &code, &RunOptions::new(on)).await {
        Ok(outcome) => match outcome.run_id {
            Some(id) => see_other(&format!("/penargetan/hasil/{id}")),
            None => see_other(&format!("/penargetan/{code}")),
        },
        Err(e) => fail(&page, Targeting(e)),
    }
}

#[derive(Template)]
#[template(path = "targeting/run.html")]
struct RunPage<'a> {
    page: &'a Layout,
    t: &'static TargetingStrings,
    htmx: Htmx,
    run: &'a TargetingRun,
    state: &'static str,
    summary: Option<SummaryView>,
    villages: Vec<RegionView>,
    village: Option<VillageList>,
    may_approve: bool,
    notice: &'static str,
    list_hash: String,
}

struct SummaryView {
    households: String,
    eligible: String,
    totals: RegionView,
    budget_used: String,
    gini: String,
    concentration: String,
    inclusion: String,
    exclusion: String,
    path: String,
    districts: Vec<RegionView>,
    shortfalls: Vec<String>,
}

struct RegionView {
    code: String,
    name: String,
    candidates: String,
    waitlist: String,
    excluded: String,
    budget: String,
}

struct VillageList {
    code: String,
    name: String,
    rows: Vec<CandidateView>,
    next: Option<u32>,
    /// The appeal form's address for a household of this village left out, when the reader may file.
    appeal: Option<String>,
}

struct CandidateView {
    household: Uuid,
    status: &'static str,
    /// Waitlisted or excluded: what an appeal is against.
    left_out: bool,
    rank: u32,
    village_rank: u32,
    desil: String,
    benefit: String,
    selection: String,
    rule: Vec<(String, &'static str)>,
}

#[derive(Deserialize, Default)]
pub(crate) struct RunQuery {
    #[serde(default)]
    desa: String,
    #[serde(default)]
    setelah: Option<u32>,
    #[serde(default)]
    done: String,
}

/// `GET /penargetan/hasil/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    Query(q): Query<RunQuery>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadTargeting>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let scope = grant.scope();
    let store = state.store();
    let run = match approve::stored_run(store, id).await {
        Ok(r) => r,
        Err(e) => return fail(&page, Targeting(e)),
    };
    let t = strings(page.lang);
    let lang = page.lang;
    let summary = RunSummary::parse(&run.summary);
    let region_view = |region: &RegionCode, c: &Counts| {
        counts_view(region.dotted(), state.regions().name_path(region), c, lang)
    };
    let villages: Vec<RegionView> = summary
        .iter()
        .flat_map(|s| s.simulation.by_village.iter())
        .filter(|r| scope.covers(&r.region))
        .map(|r| region_view(&r.region, &r.counts))
        .collect();
    let summary_view = summary
        .as_ref()
        .map(|s| summary_view(s, &scope, t, lang, &region_view));
    let chosen = match chosen_village(&q.desa, &scope) {
        Ok(v) => v,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let village = match chosen {
        Some(v) => match village_list(&state, id, v, q.setelah, t, lang).await {
            Ok(mut list) => {
                if user.actor.may::<FileAppeal>(&v).is_ok() {
                    list.appeal = Some(format!("?program={}&run={id}", run.program));
                }
                Some(list)
            }
            Err(e) => return fail(&page, Targeting(e)),
        },
        None => None,
    };
    let view = RunPage {
        page: &page,
        t,
        htmx: Htmx::new(),
        state: state_label(t, run.state),
        summary: summary_view,
        villages,
        village,
        may_approve: run.state == RunState::Draft && user.actor.can::<ApproveTargeting>(),
        notice: if q.done == "approved" {
            t.approved_notice
        } else {
            ""
        },
        list_hash: run.list_hash.as_ref().map(approve::hex).unwrap_or_default(),
        run: &run,
    };
    no_store(render(StatusCode::OK, page.lang, &view))
}

fn summary_view(
    s: &RunSummary,
    scope: &Scope,
    t: &TargetingStrings,
    lang: Lang,
    region_view: &dyn Fn(&RegionCode, &Counts) -> RegionView,
) -> SummaryView {
    let sim = &s.simulation;
    let share =
        |x: Option<f64>| x.map_or_else(|| t.errors_unknown.to_owned(), |v| percent(v, lang));
    let errors = sim.errors.as_ref();
    SummaryView {
        households: count(s.households.into(), lang),
        eligible: count(s.eligible.into(), lang),
        totals: counts_view(String::new(), String::new(), &sim.totals, lang),
        budget_used: rupiah(s.budget_used, lang),
        gini: sim
            .gini
            .map_or_else(|| t.none.to_owned(), |g| format!("{g:.3}")),
        concentration: sim
            .concentration
            .map_or_else(|| t.none.to_owned(), |c| format!("{c:.3}")),
        inclusion: share(errors.and_then(|e| e.inclusion)),
        exclusion: share(errors.and_then(|e| e.exclusion)),
        path: match &s.path {
            RulePath::Sql => t.path_sql.to_owned(),
            RulePath::Rust { why } => format!("{} ({why})", t.path_rust),
        },
        districts: sim
            .by_district
            .iter()
            .filter(|r| scope.covers(&r.region))
            .map(|r| region_view(&r.region, &r.counts))
            .collect(),
        shortfalls: s.shortfalls.iter().map(|f| f.text(lang)).collect(),
    }
}

fn counts_view(code: String, name: String, c: &Counts, lang: Lang) -> RegionView {
    RegionView {
        code,
        name,
        candidates: count(c.candidates.into(), lang),
        waitlist: count(c.waitlist.into(), lang),
        excluded: count(c.excluded.into(), lang),
        budget: rupiah(c.budget, lang),
    }
}

/// The village whose list to show: the one asked for (inside the scope), or the reader's own village.
fn chosen_village(
    asked: &str,
    scope: &Scope,
) -> Result<Option<RegionCode>, tepat_core::access::Denied> {
    let denied = tepat_core::access::Denied::Region {
        action: <ReadTargeting as tepat_core::access::Action>::WHAT,
    };
    match RegionCode::parse(asked.trim()) {
        Ok(code) if scope.covers(&code) => Ok(Some(code)),
        Ok(_) => Err(denied),
        Err(_) => Ok(match scope {
            Scope::Within(code) if code.level() == tepat_domain::RegionLevel::DesaKelurahan => {
                Some(*code)
            }
            _ => None,
        }),
    }
}

async fn village_list(
    state: &AppState,
    run_id: Uuid,
    village: RegionCode,
    after: Option<u32>,
    t: &TargetingStrings,
    lang: Lang,
) -> Result<VillageList, TargetingError> {
    let after = after.map(|rank| PageAfter { village, key: rank });
    let rows = state
        .store()
        .candidates(
            run_id,
            &Scope::Within(village),
            None,
            after.as_ref(),
            PAGE_SIZE,
        )
        .await?;
    let next = (rows.len() as u32 == PAGE_SIZE)
        .then(|| rows.last().map(|r| r.rank))
        .flatten();
    Ok(VillageList {
        code: village.dotted(),
        name: state.regions().name_path(&village),
        rows: rows.iter().map(|r| candidate_view(r, t, lang)).collect(),
        next,
        appeal: None,
    })
}

fn candidate_view(r: &CandidateRow, t: &TargetingStrings, lang: Lang) -> CandidateView {
    let reasons: Option<Reasons> = serde_json::from_str(&r.reasons).ok();
    let status = match r.status {
        tepat_store::CandidateStatus::Candidate => t.candidates,
        tepat_store::CandidateStatus::Waitlist => t.waitlist,
        tepat_store::CandidateStatus::Excluded => t.excluded,
    };
    CandidateView {
        household: r.household,
        status,
        left_out: r.status != tepat_store::CandidateStatus::Candidate,
        rank: r.rank,
        village_rank: r.village_rank,
        desil: reasons
            .as_ref()
            .and_then(|x| x.desil)
            .map_or_else(|| t.none.to_owned(), |d| d.get().to_string()),
        benefit: rupiah(r.benefit, lang),
        selection: reasons
            .as_ref()
            .map(|x| x.selection.text(lang))
            .unwrap_or_default(),
        rule: reasons
            .map(|x| {
                x.rule
                    .into_iter()
                    .map(|p| {
                        let outcome = match p.outcome {
                            Some(true) => t.rule_passed,
                            Some(false) => t.rule_failed,
                            None => t.rule_unknown,
                        };
                        (p.part, outcome)
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub(crate) struct ApproveForm {
    #[serde(default)]
    decree: String,
}

/// `POST /penargetan/hasil/{id}/tetapkan`.
pub(crate) async fn approve(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    Form(input): Form<ApproveForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ApproveTargeting>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    match approve::approve(state.store(), &grant, id, &input.decree).await {
        Ok(_) => see_other(&format!("/penargetan/hasil/{id}?done=approved")),
        Err(e) => fail(&page, Targeting(e)),
    }
}
