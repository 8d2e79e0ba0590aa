//! `GET /registry/household/{id}/change?kind=…` and `POST` to it: change requests for a household in
//! the registry — add or remove a member, a death, a member moving out, the household moving (with an
//! optional position), a survey update, a split (*pecah KK*), a merge (*gabung KK*), a member's phone
//! number and the household's payment account. The change is checked against the household by
//! `propose_change` and goes through the workflow like a new household.
//!
//! From a task: `?task=…` (a death, a move or a re-verification of this household) opens the form the
//! task calls for, prefilled from the task (the member, the extract's date of death), and the request
//! closes the task in the same transaction as it is entered.
//!
//! Double submission: the form carries the request's id (a UUIDv7 made when the form is shown), and
//! `propose_change` enters each id once — a repeat, also after a restart, opens the request entered
//! first. Phone and account numbers travel in the POST body only, never in a URL.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::access::{Actor, Propose, ReadHousehold, SearchRegistry};
use tepat_core::registry::{self, ChangeProposal, Origin, RegistryError};
use tepat_domain::registry::{
    Change, ChangeKind, MemberStatus, PaymentAccount, Phone, RecordError, RegistryHousehold,
    RegistryMember, SurveyAnswers,
};
use tepat_domain::{KkNumber, Lang, Localized, Nik, RegionCode, Relationship, Sex};
use tepat_store::{HouseholdState, Task, TaskKind, TaskState};
use uuid::Uuid;

use super::form::{choices, date, required, Choice, Errors, Values};
use super::household::bad_form;
use super::request::location;
use super::survey::{self, SurveyForm};
use super::{fail, no_store, origin, see_other, strings, Htmx, RegistryStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// Payment providers offered as suggestions (any short code is accepted; the payments crate decides
/// which it can pay to).
const PROVIDERS: [&str; 8] = ["bri", "bni", "mandiri", "bsi", "btn", "pos", "gopay", "ovo"];

#[derive(Template)]
#[template(path = "registry/change.html")]
struct ChangePage<'a> {
    page: &'a Layout,
    r: &'static RegistryStrings,
    htmx: Htmx,
    h: &'a RegistryHousehold,
    kind: &'static str,
    kind_label: &'static str,
    f: Values,
    err: Errors,
    members: Vec<(Uuid, String, usize)>,
    sexes: Vec<Choice>,
    relationships: Vec<Choice>,
    survey: SurveyForm,
    providers: &'static [&'static str],
}

#[derive(Deserialize, Default)]
pub(crate) struct KindParam {
    #[serde(default)]
    kind: String,
    /// The task the form does (its id only; no personal data in the URL).
    #[serde(default)]
    task: String,
}

fn kind_of(code: &str) -> Option<ChangeKind> {
    ChangeKind::ALL
        .iter()
        .copied()
        .find(|k| k.code() == code && *k != ChangeKind::NewHousehold)
}

/// The household (an audited read) and the grant to propose there.
async fn load(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    origin: &Origin,
) -> Result<RegistryHousehold, RegistryError> {
    let read = actor.may_anywhere::<ReadHousehold>()?;
    let (stored, _) =
        registry::open_household(state.store(), &read, id, "change_form", origin).await?;
    actor.may::<Propose>(&stored.household.village)?;
    if stored.state != HouseholdState::Active {
        return Err(RegistryError::Change(
            tepat_domain::registry::ChangeError::NoHousehold,
        ));
    }
    Ok(stored.household)
}

fn show(
    page: &Layout,
    h: &RegistryHousehold,
    kind: ChangeKind,
    status: StatusCode,
    f: Values,
    err: Errors,
) -> Response {
    let active: Vec<&RegistryMember> = h.active_members().collect();
    no_store(render(
        status,
        page.lang,
        &ChangePage {
            page,
            r: strings(page.lang),
            htmx: Htmx::new(),
            h,
            kind: kind.code(),
            kind_label: kind.label(page.lang),
            f,
            err,
            members: active
                .iter()
                .enumerate()
                .map(|(i, m)| (m.id, m.full_name.clone(), i))
                .collect(),
            sexes: [Sex::LakiLaki, Sex::Perempuan]
                .into_iter()
                .map(|s| Choice {
                    code: s.letter(),
                    label: s.label(page.lang),
                })
                .collect(),
            relationships: choices!(Relationship, page.lang),
            survey: SurveyForm::new(page.lang, &active),
            providers: &PROVIDERS,
        },
    ))
}

/// `GET /registry/household/{id}/change?kind=…[&task=…]`.
pub(crate) async fn form_page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Query(q): Query<KindParam>,
) -> Response {
    let origin = origin(peer);
    let h = match load(&state, &user.actor, id, &origin).await {
        Ok(h) => h,
        Err(e) => return fail(&page, e),
    };
    let mut f = Values::default();
    let task = if q.task.is_empty() {
        None
    } else {
        match task_of(&state, &user.actor, &h, &q.task).await {
            Ok(t) => Some(t),
            Err(e) => return fail(&page, e),
        }
    };
    let kind = kind_of(&q.kind).or_else(|| task.as_ref().map(|t| task_kinds(t.kind)[0]));
    let Some(kind) = kind else {
        return crate::ui::errors::not_found(page).await;
    };
    if let Some(task) = &task {
        if let Err(e) = prefill_from_task(&state, &user.actor, task, &mut f, &origin).await {
            return fail(&page, e);
        }
    }
    f.set("kind", kind.code());
    f.set("request_id", Uuid::now_v7().to_string());
    f.set("new_member_id", Uuid::now_v7().to_string());
    f.set("new_household_id", Uuid::now_v7().to_string());
    let active: Vec<&RegistryMember> = h.active_members().collect();
    survey::prefill(&mut f, h.survey.as_ref(), &active);
    show(&page, &h, kind, StatusCode::OK, f, Errors::default())
}

/// The change-request kinds that do a task's work, the first being the form it opens by default.
pub(crate) fn task_kinds(kind: TaskKind) -> &'static [ChangeKind] {
    match kind {
        TaskKind::Death => &[ChangeKind::Death],
        TaskKind::Moved => &[ChangeKind::MemberMovedOut, ChangeKind::HouseholdMoved],
        TaskKind::Reverify => &[ChangeKind::SurveyUpdate],
    }
}

/// An open task of `h` named by the form or the link.
async fn task_of(
    state: &AppState,
    actor: &Actor,
    h: &RegistryHousehold,
    raw: &str,
) -> Result<Task, RegistryError> {
    let not_found = RegistryError::NotFound { what: "task" };
    let id = Uuid::parse_str(raw).map_err(|_| RegistryError::NotFound { what: "task" })?;
    let grant = actor.may::<Propose>(&h.village)?;
    let task = registry::open_task(state.store(), &grant, &h.village, id).await?;
    if task.household != h.id {
        return Err(not_found);
    }
    if task.state != TaskState::Open {
        return Err(RegistryError::TaskClosed);
    }
    Ok(task)
}

/// Fills the form with what the task knows: its member and, for a death, the extract's date.
async fn prefill_from_task(
    state: &AppState,
    actor: &Actor,
    task: &Task,
    f: &mut Values,
    origin: &Origin,
) -> Result<(), RegistryError> {
    f.set("task", task.id.to_string());
    if let Some(m) = task.member {
        f.set("member", m.to_string());
    }
    let grant = actor.may::<Propose>(&task.village)?;
    let suggested = match task.kind {
        // Only a death needs the extract (its date); reading it is audited, so only then.
        TaskKind::Death => registry::suggested_change(state.store(), &grant, task, origin).await,
        _ => Ok(None),
    };
    match suggested {
        Ok(Some(Change::Death { date, .. })) => f.set("date", date.to_string()),
        // The extract may no longer hold the date: the officer enters it.
        Ok(_) | Err(RegistryError::NotFound { .. }) => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

/// `POST /registry/household/{id}/change`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let origin = origin(peer);
    let h = match load(&state, &user.actor, id, &origin).await {
        Ok(h) => h,
        Err(e) => return fail(&page, e),
    };
    let f = Values::from_pairs(pairs);
    let (Some(kind), Ok(request_id)) =
        (kind_of(f.val("kind")), Uuid::parse_str(f.val("request_id")))
    else {
        return bad_form(&page);
    };
    let task = match f.val("task") {
        "" => None,
        raw => match Uuid::parse_str(raw) {
            Ok(t) => Some(t),
            Err(_) => return bad_form(&page),
        },
    };
    let grant = match user.actor.may::<Propose>(&h.village) {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    // A repeat is answered before the form is read again: the household may have changed since.
    match registry::proposed_earlier(state.store(), &grant, id, request_id).await {
        Ok(Some(earlier)) => return see_other(&done_url(earlier.id, true)),
        Ok(None) => {}
        Err(RegistryError::RequestId) => return bad_form(&page),
        Err(e) => return fail(&page, e),
    }
    let r = strings(page.lang);
    let mut err = Errors::default();
    let change = read_change(
        &state,
        &user.actor,
        &h,
        kind,
        &f,
        page.lang,
        r,
        &mut err,
        &origin,
    )
    .await;
    let Some(change) = change else {
        return show(&page, &h, kind, StatusCode::UNPROCESSABLE_ENTITY, f, err);
    };
    let proposal = ChangeProposal {
        id: request_id,
        household: id,
        change,
        reason: f.val("reason").to_owned(),
        task,
    };
    match registry::propose_change(state.store(), &grant, proposal, &origin).await {
        Ok(p) => see_other(&done_url(p.request.id, p.earlier)),
        Err(e) => {
            let field = match &e {
                RegistryError::Workflow(_) => ("reason", r.field_reason),
                RegistryError::Record(RecordError::RtRw) => ("rt", r.field_rt_rw),
                RegistryError::Record(RecordError::Address) => ("address", r.field_address),
                RegistryError::Change(_)
                | RegistryError::Record(_)
                | RegistryError::TaskClosed
                | RegistryError::TaskMismatch => ("kind", r.field_kind),
                RegistryError::RequestId => return bad_form(&page),
                _ => return fail(&page, e),
            };
            err.add(field.0, field.1, &e.message(page.lang));
            show(&page, &h, kind, StatusCode::UNPROCESSABLE_ENTITY, f, err)
        }
    }
}

fn done_url(request: Uuid, earlier: bool) -> String {
    let done = if earlier { "already" } else { "saved" };
    format!("/registry/request/{request}?done={done}")
}

/// An active member of `h` chosen in field `field`.
fn member(
    h: &RegistryHousehold,
    f: &Values,
    field: &str,
    r: &RegistryStrings,
    err: &mut Errors,
) -> Option<Uuid> {
    let id = Uuid::parse_str(f.val(field)).ok();
    let found = id.filter(|id| h.member(*id).is_some_and(|m| m.status.is_active()));
    if found.is_none() {
        err.add(field, r.field_member, r.err_choice);
    }
    found
}

/// The change the form asks for, or `None` with the problems in `err`.
#[allow(clippy::too_many_arguments)]
async fn read_change(
    state: &AppState,
    actor: &Actor,
    h: &RegistryHousehold,
    kind: ChangeKind,
    f: &Values,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
    origin: &Origin,
) -> Option<Change> {
    let active: Vec<&RegistryMember> = h.active_members().collect();
    let change = match kind {
        ChangeKind::AddMember => Change::AddMember {
            member: new_member(f, lang, r, err)?,
        },
        ChangeKind::RemoveMember => Change::RemoveMember {
            member: member(h, f, "member", r, err)?,
        },
        ChangeKind::MemberMovedOut => Change::MemberMovedOut {
            member: member(h, f, "member", r, err)?,
        },
        ChangeKind::Death => {
            let m = member(h, f, "member", r, err);
            let d = date(f, "date", r.death_date, r, err);
            Change::Death {
                member: m?,
                date: d?,
            }
        }
        ChangeKind::HouseholdMoved => moved(state, f, lang, r, err)?,
        ChangeKind::SurveyUpdate => {
            let answers: SurveyAnswers = survey::read(f, &active, r, err);
            Change::SurveyUpdate { survey: answers }
        }
        ChangeKind::Split => split(h, f, lang, r, err)?,
        ChangeKind::Merge => merge(state, actor, h, f, lang, r, err, origin).await?,
        ChangeKind::MemberPhone => {
            let m = member(h, f, "member", r, err);
            let phone = required(f, "phone", r.phone, r, err).and_then(|s| {
                Phone::parse(s)
                    .map_err(|e| err.add("phone", r.phone, &e.message(lang)))
                    .ok()
            });
            Change::MemberPhone {
                member: m?,
                phone: phone?,
            }
        }
        ChangeKind::PaymentAccount => Change::PaymentAccount {
            account: account(f, lang, r, err)?,
        },
        ChangeKind::NewHousehold => return None,
    };
    err.is_empty().then_some(change)
}

fn new_member(
    f: &Values,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
) -> Option<RegistryMember> {
    let id = Uuid::parse_str(f.val("new_member_id")).ok();
    let nik = required(f, "nik", r.nik, r, err).and_then(|s| {
        Nik::parse_structure(s.trim())
            .map_err(|e| err.add("nik", r.nik, &e.message(lang)))
            .ok()
    });
    let name = required(f, "full_name", r.full_name, r, err).and_then(|s| {
        tepat_domain::registry::check_name(s)
            .map_err(|e| err.add("full_name", r.full_name, &e.message(lang)))
            .ok()
            .map(|()| s.to_owned())
    });
    let sex = Sex::parse(f.val("sex"));
    let birth = date(f, "birth_date", r.birth_date, r, err);
    let relationship = Relationship::parse(f.val("relationship"));
    if relationship.is_none() {
        err.add("relationship", r.relationship, r.err_choice);
    }
    if sex.is_none() {
        err.add("sex", r.sex, r.err_choice);
    }
    Some(RegistryMember {
        id: id?,
        nik: nik?,
        full_name: name?,
        sex: sex?,
        birth_date: birth?,
        relationship: relationship?,
        phone: None,
        survey: None,
        status: MemberStatus::Active,
    })
}

fn moved(
    state: &AppState,
    f: &Values,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
) -> Option<Change> {
    let village =
        required(f, "village", r.field_village, r, err).and_then(|s| match RegionCode::parse(s) {
            Ok(c) if state.regions().get(&c).is_some() => Some(c),
            Ok(_) => {
                err.add(
                    "village",
                    r.field_village,
                    &tepat_domain::registry::RecordError::NotAVillage.message(lang),
                );
                None
            }
            Err(e) => {
                err.add("village", r.field_village, &e.message(lang));
                None
            }
        });
    let address = required(f, "address", r.field_address, r, err).map(str::to_owned);
    let location = location(f, r, lang, err);
    Some(Change::HouseholdMoved {
        village: village?,
        address: address?,
        rt: f.val("rt").to_owned(),
        rw: f.val("rw").to_owned(),
        location: location?,
    })
}

/// The payment account: each part's problem beside its own field.
fn account(
    f: &Values,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
) -> Option<PaymentAccount> {
    let provider = required(f, "provider", r.account_provider, r, err);
    let number = required(f, "account_number", r.account_number, r, err);
    match PaymentAccount::new(provider?, number?) {
        Ok(a) => Some(a),
        Err(e) => {
            let (field, label) = match e {
                RecordError::AccountProvider => ("provider", r.account_provider),
                _ => ("account_number", r.account_number),
            };
            err.add(field, label, &e.message(lang));
            None
        }
    }
}

fn split(
    h: &RegistryHousehold,
    f: &Values,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
) -> Option<Change> {
    let new_kk = required(f, "new_kk", r.new_kk, r, err).and_then(|s| {
        KkNumber::parse_structure(s.trim())
            .map_err(|e| err.add("new_kk", r.new_kk, &e.message(lang)))
            .ok()
    });
    let members: Vec<Uuid> = h
        .active_members()
        .enumerate()
        .filter(|(i, _)| f.checked(format!("leave_{i}")))
        .map(|(_, m)| m.id)
        .collect();
    let new_head = member(h, f, "new_head", r, err);
    Some(Change::Split {
        new_household: Uuid::parse_str(f.val("new_household_id")).ok()?,
        new_kk: new_kk?,
        members,
        new_head: new_head?,
    })
}

/// A merge names the other household by its KK number, found with a search inside the officer's scope.
#[allow(clippy::too_many_arguments)]
async fn merge(
    state: &AppState,
    actor: &Actor,
    h: &RegistryHousehold,
    f: &Values,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
    origin: &Origin,
) -> Option<Change> {
    let kk = required(f, "absorbed_kk", r.absorbed_kk, r, err)?;
    let kk = match KkNumber::parse_structure(kk.trim()) {
        Ok(kk) => kk,
        Err(e) => {
            err.add("absorbed_kk", r.absorbed_kk, &e.message(lang));
            return None;
        }
    };
    let grant = actor.may_anywhere::<SearchRegistry>().ok()?;
    let hits = registry::search(state.store(), &grant, kk.digits(), origin)
        .await
        .unwrap_or_default();
    let other = hits
        .iter()
        .find(|hit| hit.household != h.id && hit.household_state == HouseholdState::Active);
    match other {
        Some(hit) => Some(Change::Merge {
            absorbed: hit.household,
        }),
        None => {
            err.add("absorbed_kk", r.absorbed_kk, r.search_none);
            None
        }
    }
}
