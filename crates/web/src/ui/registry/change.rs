//! `GET /registry/household/{id}/change?kind=…` and `POST` to it: change requests for a household in
//! the registry — add or remove a member, a death, a member moving out, the household moving, a survey
//! update, a split (*pecah KK*) or a merge (*gabung KK*). The change is checked against the household by
//! `propose_change` and goes through the workflow like a new household.
//!
//! Double submission: the form carries a token made when it was shown. The first `POST` with a token
//! reserves it; a repeat finds the request it created (or the one still being created) and opens it.
//! The tokens live in this process's memory (the last [`MAX_TOKENS`]): `propose_change` makes the
//! request id itself, so there is no stored id to find a repeat by — see the notes in docs/registry.md.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{LazyLock, Mutex};

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::access::{Actor, Propose, ReadHousehold, SearchRegistry};
use tepat_core::registry::{self, Origin, RegistryError};
use tepat_domain::registry::{
    Change, ChangeKind, MemberStatus, RegistryHousehold, RegistryMember, SurveyAnswers,
};
use tepat_domain::{KkNumber, Lang, Localized, Nik, RegionCode, Relationship, Sex};
use tepat_store::HouseholdState;
use uuid::Uuid;

use super::form::{choices, date, required, Choice, Errors, Values};
use super::household::bad_form;
use super::survey::{self, SurveyForm};
use super::{fail, no_store, origin, see_other, strings, Htmx, RegistryStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// Submission tokens remembered per process.
const MAX_TOKENS: usize = 10_000;

/// Token → the request it created (`None` while it is being created).
struct Tokens {
    map: HashMap<Uuid, Option<Uuid>>,
    order: VecDeque<Uuid>,
}

static TOKENS: LazyLock<Mutex<Tokens>> = LazyLock::new(|| {
    Mutex::new(Tokens {
        map: HashMap::new(),
        order: VecDeque::new(),
    })
});

/// Reserves `token`; if it was seen before, what it led to.
fn reserve(token: Uuid) -> Result<(), Option<Uuid>> {
    let mut t = TOKENS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(seen) = t.map.get(&token) {
        return Err(*seen);
    }
    t.map.insert(token, None);
    t.order.push_back(token);
    while t.order.len() > MAX_TOKENS {
        if let Some(old) = t.order.pop_front() {
            t.map.remove(&old);
        }
    }
    Ok(())
}

fn settle(token: Uuid, request: Option<Uuid>) {
    let mut t = TOKENS.lock().unwrap_or_else(|p| p.into_inner());
    match request {
        Some(id) => {
            t.map.insert(token, Some(id));
        }
        // Nothing was created: the corrected form may be sent again with the same token.
        None => {
            t.map.remove(&token);
        }
    }
}

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
}

#[derive(Deserialize, Default)]
pub(crate) struct KindParam {
    #[serde(default)]
    kind: String,
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
        },
    ))
}

/// `GET /registry/household/{id}/change?kind=…`.
pub(crate) async fn form_page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Query(q): Query<KindParam>,
) -> Response {
    let h = match load(&state, &user.actor, id, &origin(peer)).await {
        Ok(h) => h,
        Err(e) => return fail(&page, e),
    };
    let Some(kind) = kind_of(&q.kind) else {
        return crate::ui::errors::not_found(page).await;
    };
    let mut f = Values::default();
    f.set("kind", kind.code());
    f.set("token", Uuid::now_v7().to_string());
    f.set("new_member_id", Uuid::now_v7().to_string());
    f.set("new_household_id", Uuid::now_v7().to_string());
    let active: Vec<&RegistryMember> = h.active_members().collect();
    survey::prefill(&mut f, h.survey.as_ref(), &active);
    show(&page, &h, kind, StatusCode::OK, f, Errors::default())
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
    let (Some(kind), Ok(token)) = (kind_of(f.val("kind")), Uuid::parse_str(f.val("token"))) else {
        return bad_form(&page);
    };
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
    if let Err(seen) = reserve(token) {
        return match seen {
            Some(request) => see_other(&format!("/registry/request/{request}?done=already")),
            None => see_other(&format!("/registry/household/{id}")),
        };
    }
    let grant = match user.actor.may::<Propose>(&h.village) {
        Ok(g) => g,
        Err(denied) => {
            settle(token, None);
            return forbidden_page(&page, &denied);
        }
    };
    let reason = f.val("reason").to_owned();
    match registry::propose_change(state.store(), &grant, id, change, &reason, &origin).await {
        Ok(request) => {
            settle(token, Some(request.id));
            see_other(&format!("/registry/request/{}?done=saved", request.id))
        }
        Err(e) => {
            settle(token, None);
            let field = match &e {
                RegistryError::Workflow(_) => ("reason", r.field_reason),
                RegistryError::Change(_) | RegistryError::Record(_) => ("kind", r.field_kind),
                RegistryError::Denied(_)
                | RegistryError::NotFound { .. }
                | RegistryError::Store(_) => return fail(&page, e),
                _ => ("kind", r.field_kind),
            };
            err.add(field.0, field.1, &e.message(page.lang));
            show(&page, &h, kind, StatusCode::UNPROCESSABLE_ENTITY, f, err)
        }
    }
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
    Some(Change::HouseholdMoved {
        village: village?,
        address: address?,
        rt: f.val("rt").to_owned(),
        rw: f.val("rw").to_owned(),
        location: None,
    })
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
