//! `GET /registry/request/{id}`: a request (an audited read) with what it changes, its history and —
//! when it is the officer's turn — the action form of their level:
//!
//! - the village: field verification with the visit date, optional location and the needs survey
//!   (`POST …/verify`), or rejection;
//! - the district, Dinas Sosial and the approver: forward, reject or send back, each with its reason
//!   (`POST …/act`, field `action` = `forward` | `reject` | `return`).
//!
//! Each form carries the stage it was shown at: a repeated submission (a double click, a resent form)
//! finds the request already moved on by the same officer and answers with the request page instead of
//! acting twice.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::access::{
    Actor, Decide, ReadHousehold, ReviewInDistrict, VerifyAtDinas, VerifyInVillage,
};
use tepat_core::registry::{self, Origin, RegistryError, StepAction};
use tepat_domain::registry::{
    Change, FieldVisit, Location, RegistryHousehold, RegistryMember, Stage, Step, WorkflowError,
};
use tepat_domain::{Lang, Localized};
use tepat_store::StoredRequest;
use uuid::Uuid;

use super::form::{date, Errors, Values};
use super::household::{request_view, Names, RequestView};
use super::survey::{self, SurveyForm};
use super::{fail, no_store, origin, see_other, step_of, strings, Htmx, RegistryStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

#[derive(Template)]
#[template(path = "registry/request.html")]
struct RequestPage<'a> {
    page: &'a Layout,
    r: &'static RegistryStrings,
    htmx: Htmx,
    q: RequestView,
    household: Uuid,
    change: Vec<(String, String)>,
    /// `verify`, `act`, or "" (not this officer's turn, or closed).
    form: &'static str,
    waiting_for: &'static str,
    closed: bool,
    can_return: bool,
    forward_label: &'static str,
    stage: &'static str,
    f: Values,
    err: Errors,
    survey: SurveyForm,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

/// What a request page shows, read once.
struct Loaded {
    stored: StoredRequest,
    /// The household as it is now (for a new household: as proposed).
    household: RegistryHousehold,
}

async fn load(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    origin: &Origin,
) -> Result<Loaded, RegistryError> {
    let grant = actor.may_anywhere::<ReadHousehold>()?;
    let stored = registry::open_request(state.store(), &grant, id, origin).await?;
    let household = match &stored.submission.change {
        Change::NewHousehold { household } => household.clone(),
        _ => {
            let h = stored.request.household;
            registry::open_household(state.store(), &grant, h, "request_page", origin)
                .await?
                .0
                .household
        }
    };
    Ok(Loaded { stored, household })
}

/// The members a field visit asks about: those the household will have after the change.
fn survey_members(l: &Loaded) -> Vec<&RegistryMember> {
    let mut members: Vec<&RegistryMember> = l.household.active_members().collect();
    if let Change::AddMember { member } = &l.stored.submission.change {
        members.push(member);
    }
    members
}

/// `GET /registry/request/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Query(q): Query<Done>,
) -> Response {
    let loaded = match load(&state, &user.actor, id, &origin(peer)).await {
        Ok(l) => l,
        Err(e) => return fail(&page, e),
    };
    let mut f = Values::default();
    if let Some(visit) = &loaded.stored.submission.field_visit {
        f.set("visited_on", visit.visited_on.to_string());
    }
    let members = survey_members(&loaded);
    survey::prefill(&mut f, loaded.household.survey.as_ref(), &members);
    let r = strings(page.lang);
    let notice = match q.done.as_str() {
        "already" => r.already_done,
        "saved" => r.saved,
        _ => "",
    };
    show(
        &state,
        &page,
        &user,
        &loaded,
        StatusCode::OK,
        f,
        Errors::default(),
        notice,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    l: &Loaded,
    status: StatusCode,
    f: Values,
    err: Errors,
    notice: &'static str,
) -> Response {
    let r = strings(page.lang);
    let request = &l.stored.request;
    let turn = request.stage.turn();
    let mine = turn.is_some()
        && turn == step_of(user.actor.role())
        && user.actor.scope().covers(&request.village);
    let form = match (mine, turn) {
        (true, Some(Step::Village)) => "verify",
        (true, Some(_)) => "act",
        _ => "",
    };
    let mut names = Names::default();
    let view = RequestPage {
        page,
        r,
        htmx: Htmx::new(),
        q: request_view(state.store(), &mut names, request, page.lang).await,
        household: request.household,
        change: describe(&l.stored.submission.change, &l.household, page.lang, r),
        form,
        waiting_for: turn.map_or("", |t| t.label(page.lang)),
        closed: request.stage.is_closed(),
        can_return: matches!(
            request.stage,
            Stage::VillageVerified | Stage::DistrictReviewed | Stage::DinasVerified
        ),
        forward_label: match turn {
            Some(Step::District) => r.review_submit,
            Some(Step::Dinas) => r.dinas_submit,
            _ => r.approve_submit,
        },
        stage: request.stage.code(),
        f,
        err,
        survey: SurveyForm::new(page.lang, &survey_members(l)),
        notice,
    };
    no_store(render(status, page.lang, &view))
}

/// What the request changes, in words (names are shown: this page is an audited read).
fn describe(
    change: &Change,
    h: &RegistryHousehold,
    lang: Lang,
    r: &RegistryStrings,
) -> Vec<(String, String)> {
    let name = |id: &Uuid| {
        h.member(*id)
            .map_or_else(|| id.to_string(), |m| m.full_name.clone())
    };
    let kind = (
        r.change_kind.to_owned(),
        change.kind().label(lang).to_owned(),
    );
    let mut lines = vec![kind];
    match change {
        Change::NewHousehold { household } => {
            lines.push((r.kk.into(), household.kk_number.digits().into()));
            lines.push((
                r.address.into(),
                format!(
                    "{}, RT {} / RW {}",
                    household.address, household.rt, household.rw
                ),
            ));
            for m in &household.members {
                lines.push((
                    r.member.into(),
                    format!(
                        "{} · {} · {} · {}",
                        m.full_name,
                        m.nik.digits(),
                        m.birth_date,
                        m.relationship.label(lang)
                    ),
                ));
            }
        }
        Change::AddMember { member } => lines.push((
            r.member.into(),
            format!(
                "{} · {} · {}",
                member.full_name,
                member.nik.digits(),
                member.birth_date
            ),
        )),
        Change::RemoveMember { member } | Change::MemberMovedOut { member } => {
            lines.push((r.member.into(), name(member)))
        }
        Change::Death { member, date } => {
            lines.push((r.member.into(), name(member)));
            lines.push((r.death_date.into(), date.to_string()));
        }
        Change::HouseholdMoved {
            village,
            address,
            rt,
            rw,
            location,
        } => {
            lines.push((
                r.address.into(),
                format!("{address}, RT {rt} / RW {rw}, {}", village.dotted()),
            ));
            if let Some(l) = location {
                lines.push((
                    r.field_location.into(),
                    format!("{:.6}, {:.6}", l.latitude(), l.longitude()),
                ));
            }
        }
        Change::SurveyUpdate { .. } => lines.push((r.survey.into(), r.saved.into())),
        Change::Split {
            new_kk,
            members,
            new_head,
            ..
        } => {
            lines.push((r.new_kk.into(), new_kk.digits().into()));
            lines.push((r.new_head.into(), name(new_head)));
            let leaving: Vec<String> = members.iter().map(name).collect();
            lines.push((r.leaving.into(), leaving.join(", ")));
        }
        Change::Merge { absorbed } => lines.push((r.dup_other.into(), absorbed.to_string())),
        Change::MemberPhone { member, phone } => {
            lines.push((r.member.into(), name(member)));
            lines.push((r.phone.into(), phone.digits().into()));
        }
        Change::PaymentAccount { account } => {
            lines.push((r.account_provider.into(), account.provider.clone()));
            lines.push((r.account_number.into(), account.number().into()));
        }
    }
    lines
}

/// A repeated submission: the request has moved on from the stage the form was shown at, and the last
/// step was this officer's.
fn already_done(stored: &StoredRequest, shown_at: &str, actor: &Actor) -> bool {
    let req = &stored.request;
    req.stage.code() != shown_at
        && req
            .history
            .last()
            .is_some_and(|t| t.by.user == actor.user() && t.from.map(Stage::code) == Some(shown_at))
}

/// `POST /registry/request/{id}/verify`: the village's field verification.
pub(crate) async fn verify(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let grant = match user.actor.may_anywhere::<VerifyInVillage>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let origin = origin(peer);
    let loaded = match load(&state, &user.actor, id, &origin).await {
        Ok(l) => l,
        Err(e) => return fail(&page, e),
    };
    let f = Values::from_pairs(pairs);
    if already_done(&loaded.stored, f.val("stage"), &user.actor) {
        return see_other(&format!("/registry/request/{id}?done=already"));
    }
    let r = strings(page.lang);
    let mut err = Errors::default();
    let visited_on = date(&f, "visited_on", r.visited_on, r, &mut err);
    let location = location(&f, r, page.lang, &mut err);
    let answers = survey::read(&f, &survey_members(&loaded), r, &mut err);
    let reason = f.val("reason").to_owned();
    let (Some(visited_on), Some(location), true) = (visited_on, location, err.is_empty()) else {
        return show(
            &state,
            &page,
            &user,
            &loaded,
            StatusCode::UNPROCESSABLE_ENTITY,
            f,
            err,
            "",
        )
        .await;
    };
    let visit = FieldVisit {
        visited_on,
        survey: answers,
        location,
    };
    let result = registry::verify(state.store(), &grant, id, visit, &reason, &origin).await;
    after(&state, &page, &user, &loaded, f, result).await
}

/// Optional coordinates: both or neither.
pub(crate) fn location(
    f: &Values,
    r: &RegistryStrings,
    lang: Lang,
    err: &mut Errors,
) -> Option<Option<Location>> {
    let (lat, lon) = (f.val("latitude"), f.val("longitude"));
    if lat.is_empty() && lon.is_empty() {
        return Some(None);
    }
    match (lat.replace(',', ".").parse(), lon.replace(',', ".").parse()) {
        (Ok(lat), Ok(lon)) => match Location::new(lat, lon) {
            Ok(l) => Some(Some(l)),
            Err(e) => {
                err.add("latitude", r.field_location, &e.message(lang));
                None
            }
        },
        _ => {
            err.add("latitude", r.field_location, r.err_coordinates);
            None
        }
    }
}

/// The answer to a workflow step: the request page again (303), or the form with the service's
/// message beside the field it is about.
async fn after(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    loaded: &Loaded,
    f: Values,
    result: Result<tepat_domain::registry::Request, RegistryError>,
) -> Response {
    let id = loaded.stored.request.id;
    let r = strings(page.lang);
    let (field, label) = match &result {
        Ok(req) => {
            state.reindex_household(req.household).await;
            return see_other(&format!("/registry/request/{id}?done=saved"));
        }
        Err(RegistryError::Workflow(
            WorkflowError::ReasonMissing
            | WorkflowError::ReasonTooLong
            | WorkflowError::ReasonControl,
        )) => ("reason", r.field_reason),
        Err(RegistryError::Workflow(WorkflowError::VisitDate)) => ("visited_on", r.field_visit),
        Err(RegistryError::Change(_) | RegistryError::Record(_)) => ("survey", r.field_survey),
        Err(RegistryError::Workflow(_)) => ("stage", r.col_stage),
        Err(_) => ("", ""),
    };
    let error = result.expect_err("an error");
    if field.is_empty() {
        return fail(page, error);
    }
    let mut err = Errors::default();
    err.add(field, label, &error.message(page.lang));
    show(
        state,
        page,
        user,
        loaded,
        StatusCode::UNPROCESSABLE_ENTITY,
        f,
        err,
        "",
    )
    .await
}

/// What `POST …/act` asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Act {
    Forward,
    Reject,
    Return,
}

/// Rejects or sends back at `A`'s level.
async fn reject_or_return<A: StepAction>(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    act: Act,
    reason: &str,
    origin: &Origin,
) -> Result<tepat_domain::registry::Request, RegistryError> {
    let grant = actor.may_anywhere::<A>()?;
    if act == Act::Reject {
        registry::reject(state.store(), &grant, id, reason, origin).await
    } else {
        registry::send_back(state.store(), &grant, id, reason, origin).await
    }
}

/// The forward step of a level: each has its own service and grant type. The village's forward step is
/// the field verification, which has its own form.
async fn forward(
    state: &AppState,
    actor: &Actor,
    step: Step,
    id: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<tepat_domain::registry::Request, RegistryError> {
    let store = state.store();
    match step {
        Step::District => {
            let g = actor.may_anywhere::<ReviewInDistrict>()?;
            registry::review(store, &g, id, reason, origin).await
        }
        Step::Dinas => {
            let g = actor.may_anywhere::<VerifyAtDinas>()?;
            registry::verify_at_dinas(store, &g, id, reason, origin).await
        }
        Step::Decision => {
            let g = actor.may_anywhere::<Decide>()?;
            registry::approve(store, &g, id, reason, origin).await
        }
        Step::Village => Err(RegistryError::Workflow(WorkflowError::NotAllowed {
            stage: Stage::Proposed,
            event: tepat_domain::registry::EventKind::Review,
        })),
    }
}

/// `POST /registry/request/{id}/act` (fields `action`, `reason`, `stage`).
pub(crate) async fn act(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Some(step) = step_of(user.actor.role()) else {
        // No level: the village grant's refusal says why.
        let denied = user.actor.may_anywhere::<VerifyInVillage>().unwrap_err();
        return forbidden_page(&page, &denied);
    };
    let origin = origin(peer);
    let loaded = match load(&state, &user.actor, id, &origin).await {
        Ok(l) => l,
        Err(e) => return fail(&page, e),
    };
    let f = Values::from_pairs(pairs);
    let act = match f.val("action") {
        "forward" => Act::Forward,
        "reject" => Act::Reject,
        "return" => Act::Return,
        _ => return super::household::bad_form(&page),
    };
    if already_done(&loaded.stored, f.val("stage"), &user.actor) {
        return see_other(&format!("/registry/request/{id}?done=already"));
    }
    let reason = f.val("reason").to_owned();
    let actor = &user.actor;
    let (s, o) = (&state, &origin);
    let result = match (act, step) {
        (Act::Forward, _) => forward(s, actor, step, id, &reason, o).await,
        (_, Step::Village) => {
            reject_or_return::<VerifyInVillage>(s, actor, id, act, &reason, o).await
        }
        (_, Step::District) => {
            reject_or_return::<ReviewInDistrict>(s, actor, id, act, &reason, o).await
        }
        (_, Step::Dinas) => reject_or_return::<VerifyAtDinas>(s, actor, id, act, &reason, o).await,
        (_, Step::Decision) => reject_or_return::<Decide>(s, actor, id, act, &reason, o).await,
    };
    after(&state, &page, &user, &loaded, f, result).await
}
