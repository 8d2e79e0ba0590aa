//! `GET /sanggahan`: the review queue; `GET|POST /sanggahan/{village}/{id}`: one appeal (an audited
//! read) and the reviewer's decision; `GET|POST /registry/household/{id}/sanggahan`: filing an appeal
//! for a household (linked from the household page).
//!
//! Grounds are the household's words: shown escaped, never in a URL or a log.

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use std::net::SocketAddr;
use tepat_core::access::{FileAppeal, ReviewAppeal};
use tepat_core::targeting::appeals::{self, AppealError, Decision, Filing};
use tepat_core::targeting::programs;
use tepat_domain::{Lang, Localized, RegionCode};
use tepat_store::{Appeal, AppealState};
use uuid::Uuid;

use super::{fail, strings, TargetingStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, origin, see_other, Htmx};

type Peer = Option<axum::Extension<ConnectInfo<SocketAddr>>>;

fn state_label(t: &TargetingStrings, s: AppealState) -> &'static str {
    match s {
        AppealState::Open => t.appeal_open,
        AppealState::Upheld => t.appeal_upheld,
        AppealState::Rejected => t.appeal_rejected,
    }
}

#[derive(Template)]
#[template(path = "targeting/appeals.html")]
struct QueuePage<'a> {
    page: &'a Layout,
    t: &'static TargetingStrings,
    htmx: Htmx,
    rows: Vec<QueueRow>,
}

struct QueueRow {
    href: String,
    program: String,
    village: String,
    filed: String,
}

/// `GET /sanggahan`.
pub(crate) async fn queue(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReviewAppeal>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let found = appeals::queue(state.store(), &grant, AppealState::Open, &origin(peer)).await;
    let list = match found {
        Ok(l) => l,
        Err(e) => return fail(&page, e),
    };
    let rows = list
        .iter()
        .map(|a| QueueRow {
            href: format!("/sanggahan/{}/{}", a.village.dotted(), a.id),
            program: a.program.clone(),
            village: format!(
                "{} ({})",
                state.regions().name_path(&a.village),
                a.village.dotted()
            ),
            filed: a.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    no_store(render(
        StatusCode::OK,
        page.lang,
        &QueuePage {
            page: &page,
            t: strings(page.lang),
            htmx: Htmx::new(),
            rows,
        },
    ))
}

#[derive(Template)]
#[template(path = "targeting/appeal.html")]
struct AppealPage<'a> {
    page: &'a Layout,
    t: &'static TargetingStrings,
    htmx: Htmx,
    a: &'a Appeal,
    state: &'static str,
    is_open: bool,
    village: String,
    filed: String,
    decided: String,
    error: String,
    reason: String,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

fn parse_path(village: &str, id: &str) -> Option<(RegionCode, Uuid)> {
    Some((RegionCode::parse(village).ok()?, Uuid::parse_str(id).ok()?))
}

/// `GET /sanggahan/{village}/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path((village, id)): Path<(String, String)>,
    Query(q): Query<Done>,
    peer: Peer,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReviewAppeal>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let Some((village, id)) = parse_path(&village, &id) else {
        return fail(&page, AppealError::NotFound);
    };
    let appeal = match appeals::open(state.store(), &grant, &village, id, &origin(peer)).await {
        Ok(a) => a,
        Err(e) => return fail(&page, e),
    };
    let t = strings(page.lang);
    let notice = if q.done == "decided" {
        t.decided_notice
    } else {
        ""
    };
    appeal_page(
        &state,
        &page,
        &appeal,
        String::new(),
        String::new(),
        notice,
        StatusCode::OK,
    )
}

fn appeal_page(
    state: &AppState,
    page: &Layout,
    a: &Appeal,
    error: String,
    reason: String,
    notice: &'static str,
    status: StatusCode,
) -> Response {
    let t = strings(page.lang);
    let view = AppealPage {
        page,
        t,
        htmx: Htmx::new(),
        state: state_label(t, a.state),
        is_open: a.state == AppealState::Open,
        village: format!(
            "{} ({})",
            state.regions().name_path(&a.village),
            a.village.dotted()
        ),
        filed: a.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        decided: a
            .decided_at
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default(),
        error,
        reason,
        notice,
        a,
    };
    no_store(render(status, page.lang, &view))
}

#[derive(Deserialize)]
pub(crate) struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /sanggahan/{village}/{id}`: upheld or rejected, with a reason; once.
pub(crate) async fn decide(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path((village, id)): Path<(String, String)>,
    peer: Peer,
    Form(input): Form<DecideForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReviewAppeal>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let Some((village, id)) = parse_path(&village, &id) else {
        return fail(&page, AppealError::NotFound);
    };
    let upheld = match input.decision.as_str() {
        "upheld" => true,
        "rejected" => false,
        _ => return crate::ui::registry::household::bad_form(&page),
    };
    let origin = origin(peer);
    let decision = Decision {
        upheld,
        reason: &input.reason,
    };
    let store = state.store();
    match appeals::decide(store, &grant, &village, id, &decision, &origin).await {
        Ok(_) => see_other(&format!(
            "/sanggahan/{}/{id}?done=decided",
            village.dotted()
        )),
        Err(
            e @ (AppealError::EmptyReason
            | AppealError::ReasonTooLong
            | AppealError::AlreadyDecided),
        ) => {
            let appeal = match appeals::open(store, &grant, &village, id, &origin).await {
                Ok(a) => a,
                Err(e) => return fail(&page, e),
            };
            appeal_page(
                &state,
                &page,
                &appeal,
                e.message(page.lang),
                input.reason.clone(),
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => fail(&page, e),
    }
}

#[derive(Template)]
#[template(path = "targeting/file_appeal.html")]
struct FilePage<'a> {
    page: &'a Layout,
    t: &'static TargetingStrings,
    htmx: Htmx,
    household: Uuid,
    programs: Vec<(String, String)>,
    program: String,
    run: String,
    grounds: String,
    error: String,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
pub(crate) struct FileQuery {
    #[serde(default)]
    program: String,
    #[serde(default)]
    run: String,
    #[serde(default)]
    done: String,
}

/// The household's village, if the household exists (its record is not shown here).
async fn village_of(state: &AppState, household: Uuid) -> Result<RegionCode, AppealError> {
    match state.store().registry_household(household).await? {
        Some(h) => Ok(h.household.village),
        None => Err(AppealError::NoHousehold),
    }
}

async fn program_choices(state: &AppState, lang: Lang) -> Vec<(String, String)> {
    match programs::current(state.store()).await {
        Ok(all) => all
            .iter()
            .map(|p| (p.code.clone(), format!("{} · {}", p.code, p.name(lang))))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// `GET /registry/household/{id}/sanggahan`.
pub(crate) async fn file_form(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(household): Path<Uuid>,
    Query(q): Query<FileQuery>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<FileAppeal>() {
        return forbidden_page(&page, &denied);
    }
    let village = match village_of(&state, household).await {
        Ok(v) => v,
        Err(e) => return fail(&page, e),
    };
    if let Err(denied) = user.actor.may::<FileAppeal>(&village) {
        return forbidden_page(&page, &denied);
    }
    let t = strings(page.lang);
    let view = FilePage {
        page: &page,
        t,
        htmx: Htmx::new(),
        household,
        programs: program_choices(&state, page.lang).await,
        program: q.program,
        run: q.run,
        grounds: String::new(),
        error: String::new(),
        notice: if q.done == "filed" {
            t.filed_notice
        } else {
            ""
        },
    };
    no_store(render(StatusCode::OK, page.lang, &view))
}

#[derive(Deserialize)]
pub(crate) struct FileForm {
    #[serde(default)]
    program: String,
    #[serde(default)]
    run: String,
    #[serde(default)]
    grounds: String,
}

/// `POST /registry/household/{id}/sanggahan`.
pub(crate) async fn file(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(household): Path<Uuid>,
    peer: Peer,
    Form(input): Form<FileForm>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<FileAppeal>() {
        return forbidden_page(&page, &denied);
    }
    let village = match village_of(&state, household).await {
        Ok(v) => v,
        Err(e) => return fail(&page, e),
    };
    let grant = match user.actor.may::<FileAppeal>(&village) {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let filing = Filing {
        village,
        household,
        program: input.program.trim(),
        run_id: Uuid::parse_str(input.run.trim()).ok(),
        grounds: &input.grounds,
    };
    match appeals::file(state.store(), &grant, &filing, &origin(peer)).await {
        Ok(_) => see_other(&format!(
            "/registry/household/{household}/sanggahan?done=filed"
        )),
        Err(
            e @ (AppealError::EmptyGrounds
            | AppealError::GroundsTooLong
            | AppealError::UnknownProgram(_)),
        ) => {
            let view = FilePage {
                page: &page,
                t: strings(page.lang),
                htmx: Htmx::new(),
                household,
                programs: program_choices(&state, page.lang).await,
                program: input.program.clone(),
                run: input.run.clone(),
                grounds: input.grounds.clone(),
                error: e.message(page.lang),
                notice: "",
            };
            no_store(render(StatusCode::UNPROCESSABLE_ENTITY, page.lang, &view))
        }
        Err(e) => fail(&page, e),
    }
}
