//! `GET /registry/new` and `POST /registry/new`: entering a new household proposal one by one.
//!
//! The form has three buttons (field `action`): `check` runs `check_household` and shows the findings
//! with their reasons without saving; `save` proposes and opens the household page, which shows the
//! same checks after saving; `more` adds member rows. Every input is kept when the page comes back.
//!
//! The household and member ids are made when the form is first shown (UUIDv7, hidden fields), so a
//! repeated `save` (a double click, a resent form) finds the household it already created and opens it
//! instead of creating a second one.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use tepat_core::access::{Actor, Propose};
use tepat_core::registry::{self, RegistryError};
use tepat_domain::registry::{check_name, MemberStatus, RegistryHousehold, RegistryMember};
use tepat_domain::{
    KkNumber, Lang, Localized, Nik, RegionCode, RegionLevel, Relationship, Scope, Sex,
};
use uuid::Uuid;

use super::form::{choices, date, required, Choice, Errors, Values};
use super::household::{bad_form, run_checks, FindingView};
use super::{fail, no_store, origin, see_other, strings, Htmx, RegistryStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// Member rows a fresh form has, and the most it can have.
const FIRST_ROWS: usize = 4;
const MAX_ROWS: usize = 20;

#[derive(Template)]
#[template(path = "registry/new.html")]
struct NewPage<'a> {
    page: &'a Layout,
    r: &'static RegistryStrings,
    htmx: Htmx,
    f: Values,
    err: Errors,
    rows: Vec<Row>,
    sexes: Vec<Choice>,
    relationships: Vec<Choice>,
    findings: Option<Vec<FindingView>>,
    /// The village is the operator's own and cannot be changed.
    village_fixed: bool,
}

/// The field names of member row `i`.
struct Row {
    id: String,
    nik: String,
    name: String,
    sex: String,
    birth: String,
    rel: String,
    number: usize,
}

impl Row {
    fn new(i: usize) -> Row {
        Row {
            id: format!("m{i}_id"),
            nik: format!("m{i}_nik"),
            name: format!("m{i}_name"),
            sex: format!("m{i}_sex"),
            birth: format!("m{i}_birth"),
            rel: format!("m{i}_rel"),
            number: i + 1,
        }
    }
}

/// The operator's village, when their scope is exactly one.
fn own_village(actor: &Actor) -> Option<RegionCode> {
    match actor.scope() {
        Scope::Within(code) if code.level() == RegionLevel::DesaKelurahan => Some(code),
        _ => None,
    }
}

fn row_count(f: &Values) -> usize {
    f.val("rows")
        .parse()
        .unwrap_or(FIRST_ROWS)
        .clamp(1, MAX_ROWS)
}

/// Gives every row without one a fresh member id, and the form a household id.
fn fill_ids(f: &mut Values, rows: usize) {
    if f.is_empty_at("household_id") {
        f.set("household_id", Uuid::now_v7().to_string());
    }
    for i in 0..rows {
        let field = format!("m{i}_id");
        if f.is_empty_at(&field) {
            f.set(field, Uuid::now_v7().to_string());
        }
    }
    f.set("rows", rows.to_string());
}

fn show(
    page: &Layout,
    user: &SignedIn,
    status: StatusCode,
    f: Values,
    err: Errors,
    findings: Option<Vec<FindingView>>,
) -> Response {
    let rows = (0..row_count(&f)).map(Row::new).collect();
    no_store(render(
        status,
        page.lang,
        &NewPage {
            page,
            r: strings(page.lang),
            htmx: Htmx::new(),
            village_fixed: own_village(&user.actor).is_some(),
            f,
            err,
            rows,
            sexes: [Sex::LakiLaki, Sex::Perempuan]
                .into_iter()
                .map(|s| Choice {
                    code: s.letter(),
                    label: s.label(page.lang),
                })
                .collect(),
            relationships: choices!(Relationship, page.lang),
            findings,
        },
    ))
}

/// `GET /registry/new`.
pub(crate) async fn form_page(page: Layout, user: SignedIn) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<Propose>() {
        return forbidden_page(&page, &denied);
    }
    let mut f = Values::default();
    if let Some(v) = own_village(&user.actor) {
        f.set("village", v.dotted());
    }
    fill_ids(&mut f, FIRST_ROWS);
    show(&page, &user, StatusCode::OK, f, Errors::default(), None)
}

/// `POST /registry/new` (field `action`: `check`, `save` or `more`).
pub(crate) async fn submit(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<Propose>() {
        return forbidden_page(&page, &denied);
    }
    // The village as sent: another village than the operator's own is refused by the grant (403).
    let mut f = Values::from_pairs(pairs);
    let rows = row_count(&f);
    if f.val("action") == "more" {
        fill_ids(&mut f, (rows + 2).min(MAX_ROWS));
        return show(&page, &user, StatusCode::OK, f, Errors::default(), None);
    }
    let r = strings(page.lang);
    let mut err = Errors::default();
    let Some(household) = read_household(&state, &f, rows, page.lang, r, &mut err) else {
        if err.is_empty() {
            return bad_form(&page);
        }
        return show(&page, &user, StatusCode::UNPROCESSABLE_ENTITY, f, err, None);
    };
    let grant = match user.actor.may::<Propose>(&household.village) {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let origin = origin(peer);
    if f.val("action") == "check" {
        return match run_checks(&state, &grant, &household, &origin).await {
            Ok(found) => {
                let views = found.views(&household, page.lang, r);
                show(&page, &user, StatusCode::OK, f, err, Some(views))
            }
            Err(e) => fail(&page, e),
        };
    }
    if let Some(existing) = already_saved(&state, &grant, household.id).await {
        return existing;
    }
    let id = household.id;
    let reason = f.val("reason").to_owned();
    match registry::propose_household(state.store(), &grant, household, &reason, &origin).await {
        Ok(_) => {
            state.reindex_household(id).await;
            see_other(&format!("/registry/household/{id}"))
        }
        Err(RegistryError::Workflow(e)) => {
            err.add("reason", r.field_reason, &e.message(page.lang));
            show(&page, &user, StatusCode::UNPROCESSABLE_ENTITY, f, err, None)
        }
        Err(RegistryError::Record(e)) => {
            err.add("members", r.field_members, &e.message(page.lang));
            show(&page, &user, StatusCode::UNPROCESSABLE_ENTITY, f, err, None)
        }
        Err(e) => match already_saved(&state, &grant, id).await {
            // Two submissions raced: the other one created it.
            Some(existing) => existing,
            None => fail(&page, e),
        },
    }
}

/// The household page, if a household with this id exists inside the grant (a repeated submission).
async fn already_saved(
    state: &AppState,
    grant: &tepat_core::access::Grant<'_, Propose>,
    id: Uuid,
) -> Option<Response> {
    let stored = state.store().registry_household(id).await.ok()??;
    Some(match grant.covers(&stored.household.village) {
        Ok(()) => see_other(&format!("/registry/household/{id}")),
        Err(_) => see_other("/registry/new"),
    })
}

/// The household as entered, or `None` with the problems in `err` (an empty `err` with `None`: the
/// hidden ids were forged).
fn read_household(
    state: &AppState,
    f: &Values,
    rows: usize,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
) -> Option<RegistryHousehold> {
    let id = Uuid::parse_str(f.val("household_id")).ok()?;
    let village = read_village(state, f, lang, r, err);
    let kk = required(f, "kk", r.field_kk, r, err).and_then(|s| {
        KkNumber::parse_structure(&digits(s))
            .map_err(|e| err.add("kk", r.field_kk, &e.message(lang)))
            .ok()
    });
    let address = required(f, "address", r.field_address, r, err).map(str::to_owned);
    let (rt, rw) = (f.val("rt").to_owned(), f.val("rw").to_owned());
    let mut members = Vec::new();
    for i in 0..rows {
        if let Some(Some(m)) = read_member(f, i, lang, r, err) {
            members.push(m);
        }
    }
    if members.is_empty() && err.is_empty() {
        err.add("m0_nik", r.field_members, r.err_no_members);
    }
    let household = RegistryHousehold {
        id,
        kk_number: kk?,
        village: village?,
        address: address?,
        rt,
        rw,
        location: None,
        survey: None,
        account: None,
        members,
    };
    if !err.is_empty() {
        return None;
    }
    if let Err(e) = household.validate() {
        let field = match e {
            tepat_domain::registry::RecordError::Address => ("address", r.field_address),
            tepat_domain::registry::RecordError::RtRw => ("rt", r.field_rt_rw),
            tepat_domain::registry::RecordError::NotAVillage => ("village", r.field_village),
            _ => ("members", r.field_members),
        };
        err.add(field.0, field.1, &e.message(lang));
        return None;
    }
    Some(household)
}

fn digits(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn read_village(
    state: &AppState,
    f: &Values,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
) -> Option<RegionCode> {
    let s = required(f, "village", r.field_village, r, err)?;
    match RegionCode::parse(s) {
        Ok(code)
            if code.level() == RegionLevel::DesaKelurahan
                && state.regions().get(&code).is_some() =>
        {
            Some(code)
        }
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
    }
}

/// Row `i`: `None` when it is empty, `Some(None)` when it has problems (in `err`), else the member.
fn read_member(
    f: &Values,
    i: usize,
    lang: Lang,
    r: &RegistryStrings,
    err: &mut Errors,
) -> Option<Option<RegistryMember>> {
    let row = Row::new(i);
    let typed = [&row.nik, &row.name, &row.birth]
        .iter()
        .filter(|n| !f.is_empty_at(n))
        .count();
    if typed == 0 {
        return None;
    }
    let label = |what: &str| format!("{what} ({} {})", r.member_n, row.number);
    let before = err.list.len();
    let Ok(id) = Uuid::parse_str(f.val(&row.id)) else {
        err.add(&row.nik, &label(r.member_n), r.err_forged);
        return Some(None);
    };
    let nik = required(f, &row.nik, &label(r.nik), r, err).and_then(|s| {
        Nik::parse_structure(&digits(s))
            .map_err(|e| err.add(&row.nik, &label(r.nik), &e.message(lang)))
            .ok()
    });
    let name = required(f, &row.name, &label(r.full_name), r, err).and_then(|s| {
        check_name(s)
            .map_err(|e| err.add(&row.name, &label(r.full_name), &e.message(lang)))
            .ok()
            .map(|()| s.to_owned())
    });
    let sex = Sex::parse(f.val(&row.sex));
    if sex.is_none() {
        err.add(&row.sex, &label(r.sex), r.err_choice);
    }
    let birth = date(f, &row.birth, &label(r.birth_date), r, err);
    let relationship = Relationship::parse(f.val(&row.rel));
    if relationship.is_none() {
        err.add(&row.rel, &label(r.relationship), r.err_choice);
    }
    if err.list.len() > before {
        return Some(None);
    }
    Some(Some(RegistryMember {
        id,
        nik: nik?,
        full_name: name?,
        sex: sex?,
        birth_date: birth?,
        relationship: relationship?,
        phone: None,
        survey: None,
        status: MemberStatus::Active,
    }))
}
