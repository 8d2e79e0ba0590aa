//! `GET /program`: the programs; `GET /program/{code}`: one program with its version history;
//! `GET|POST /program/{code}/ubah`: the admin's editor (main fields and the full TOML); `POST
//! /program/periksa-aturan`: the rule checked as it is typed (htmx), its error under a caret.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;
use tepat_core::access::{ManagePrograms, ReadTargeting};
use tepat_core::registry::Origin;
use tepat_core::targeting::programs::{self, Edit, ProgramsError};
use tepat_domain::program::{Program, ProgramDef, ProgramErrorKind, Quota};
use tepat_domain::rules::Rule;
use tepat_domain::{Lang, Localized, RegionCode, Rupiah};

use super::{fail, rupiah, strings, TargetingStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::form::Values;
use crate::ui::registry::{no_store, origin, see_other, Htmx};

#[derive(Template)]
#[template(path = "targeting/programs.html")]
struct ListPage<'a> {
    page: &'a Layout,
    t: &'static TargetingStrings,
    htmx: Htmx,
    rows: Vec<ProgramRow>,
}

struct ProgramRow {
    code: String,
    name: String,
    version: u32,
    period: String,
    budget: String,
}

/// Admins see programs to edit them; the other officers who read targeting results see them too.
fn refused(page: &Layout, user: &SignedIn) -> Option<Response> {
    match user.actor.may_anywhere::<ReadTargeting>() {
        Err(_) if user.actor.can::<ManagePrograms>() => None,
        Err(denied) => Some(forbidden_page(page, &denied)),
        Ok(_) => None,
    }
}

/// `GET /program`.
pub(crate) async fn list(State(state): State<AppState>, page: Layout, user: SignedIn) -> Response {
    if let Some(refusal) = refused(&page, &user) {
        return refusal;
    }
    let current = match programs::current(state.store()).await {
        Ok(p) => p,
        Err(e) => return fail(&page, e),
    };
    let rows = current
        .iter()
        .map(|p| ProgramRow {
            code: p.code.clone(),
            name: p.name(page.lang).to_owned(),
            version: p.version,
            period: format!("{} – {}", p.start, p.end),
            budget: budget_text(p, page.lang),
        })
        .collect();
    no_store(render(
        StatusCode::OK,
        page.lang,
        &ListPage {
            page: &page,
            t: strings(page.lang),
            htmx: Htmx::new(),
            rows,
        },
    ))
}

fn budget_text(p: &Program, lang: Lang) -> String {
    p.budget
        .map_or_else(|| strings(lang).none.to_owned(), |b| rupiah(b, lang))
}

#[derive(Template)]
#[template(path = "targeting/program.html")]
struct DetailPage<'a> {
    page: &'a Layout,
    t: &'static TargetingStrings,
    htmx: Htmx,
    p: &'a Program,
    name: &'a str,
    budget: String,
    cycle: String,
    channel: &'static str,
    quotas: Vec<String>,
    exclusive: String,
    /// The whole definition (benefit formula and components included), read-only.
    toml: String,
    history: Vec<VersionRow>,
    may_edit: bool,
    may_run: bool,
    notice: &'static str,
}

struct VersionRow {
    version: u32,
    saved_at: String,
    by: String,
    note: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

/// `GET /program/{code}`.
pub(crate) async fn detail(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(code): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    if let Some(refusal) = refused(&page, &user) {
        return refusal;
    }
    let store = state.store();
    let p = match programs::get(store, &code).await {
        Ok(p) => p,
        Err(e) => return fail(&page, e),
    };
    let versions = match programs::history(store, &code).await {
        Ok(v) => v,
        Err(e) => return fail(&page, e),
    };
    let mut names = crate::ui::registry::household::Names::default();
    let mut history = Vec::new();
    for v in versions {
        let by = if v.saved_by.is_nil() {
            "tepat".to_owned()
        } else {
            names.of(store, v.saved_by).await
        };
        history.push(VersionRow {
            version: v.version,
            saved_at: v.saved_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            by,
            note: v.note,
        });
    }
    let t = strings(page.lang);
    let view = DetailPage {
        page: &page,
        t,
        htmx: Htmx::new(),
        name: p.name(page.lang),
        budget: budget_text(&p, page.lang),
        cycle: format!("{} × {}", p.cycles, p.cycle.name(page.lang)),
        channel: p.channel.name(page.lang),
        quotas: p
            .quotas
            .iter()
            .map(|q| format!("{}: {}", q.region.dotted(), q.households))
            .collect(),
        exclusive: if p.exclusive_with.is_empty() {
            t.none.to_owned()
        } else {
            p.exclusive_with.join(", ")
        },
        toml: p.def().to_toml(),
        history,
        may_edit: user.actor.can::<ManagePrograms>(),
        may_run: user.actor.can::<ReadTargeting>(),
        notice: if q.done == "saved" { t.saved } else { "" },
        p: &p,
    };
    no_store(render(StatusCode::OK, page.lang, &view))
}

#[derive(Template)]
#[template(path = "targeting/edit.html")]
struct EditPage<'a> {
    page: &'a Layout,
    t: &'static TargetingStrings,
    htmx: Htmx,
    code: &'a str,
    v: Values,
    errors: Vec<String>,
    rule_error: String,
}

/// The form's values for a program as stored.
fn values_of(p: &Program) -> Values {
    let mut v = Values::default();
    v.set("version", p.version.to_string());
    v.set("name_id", p.name_id.clone());
    v.set("name_en", p.name_en.clone());
    v.set("start", p.start.to_string());
    v.set("end", p.end.to_string());
    v.set(
        "budget",
        p.budget.map(|b| b.amount().to_string()).unwrap_or_default(),
    );
    v.set(
        "quotas",
        p.quotas
            .iter()
            .map(|q| format!("{} {}", q.region.dotted(), q.households))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    v.set("exclusive_with", p.exclusive_with.join(", "));
    v.set("rule", p.rule.clone());
    v.set("toml", p.def().to_toml());
    v
}

/// `GET /program/{code}/ubah` (admins).
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(code): Path<String>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ManagePrograms>() {
        return forbidden_page(&page, &denied);
    }
    let p = match programs::get(state.store(), &code).await {
        Ok(p) => p,
        Err(e) => return fail(&page, e),
    };
    edit_page(
        &page,
        &code,
        values_of(&p),
        Vec::new(),
        String::new(),
        StatusCode::OK,
    )
}

fn edit_page(
    page: &Layout,
    code: &str,
    v: Values,
    errors: Vec<String>,
    rule_error: String,
    status: StatusCode,
) -> Response {
    no_store(render(
        status,
        page.lang,
        &EditPage {
            page,
            t: strings(page.lang),
            htmx: Htmx::new(),
            code,
            v,
            errors,
            rule_error,
        },
    ))
}

/// `POST /program/{code}/ubah`: saves the next version, or shows the form again with what was typed.
pub(crate) async fn save(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(code): Path<String>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePrograms>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let v = Values::from_pairs(pairs);
    let def = match def_from_form(&v, page.lang) {
        Ok(def) => def,
        Err(errors) => {
            let rule = rule_problem(v.val("rule"), page.lang);
            return edit_page(
                &page,
                &code,
                v,
                errors,
                rule,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let expected: u32 = v.val("version").parse().unwrap_or(0);
    let origin: Origin = origin(peer);
    let saved = programs::save(
        state.store(),
        &grant,
        &code,
        expected,
        Edit::Def(Box::new(def)),
        v.val("note"),
        &origin,
    )
    .await;
    match saved {
        Ok(_) => see_other(&format!("/program/{code}?done=saved")),
        Err(ProgramsError::Store(e)) => fail(&page, ProgramsError::Store(e)),
        Err(e) => {
            let rule_error = match &e {
                ProgramsError::Invalid(pe) => match &pe.kind {
                    ProgramErrorKind::Rule { text, error } if pe.field == "rule" => {
                        error.render(text, page.lang)
                    }
                    _ => String::new(),
                },
                _ => String::new(),
            };
            edit_page(
                &page,
                &code,
                v,
                vec![e.message(page.lang)],
                rule_error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// The full TOML with the main fields written over it; every field's problem, by field.
fn def_from_form(v: &Values, lang: Lang) -> Result<ProgramDef, Vec<String>> {
    let t = strings(lang);
    let mut errors = Vec::new();
    let mut def = match ProgramDef::from_toml(v.val("toml")) {
        Ok(def) => def,
        Err(e) => return Err(vec![format!("{}: {}", t.field_toml, e.message(lang))]),
    };
    def.name_id = v.val("name_id").to_owned();
    def.name_en = v.val("name_en").to_owned();
    match NaiveDate::parse_from_str(v.val("start"), "%Y-%m-%d") {
        Ok(d) => def.start = d,
        Err(_) => errors.push(format!("{}: {}", t.field_start, t.bad_date)),
    }
    match NaiveDate::parse_from_str(v.val("end"), "%Y-%m-%d") {
        Ok(d) => def.end = d,
        Err(_) => errors.push(format!("{}: {}", t.field_end, t.bad_date)),
    }
    let budget = v.val("budget").replace(['.', ',', ' '], "");
    if budget.is_empty() {
        def.budget = None;
    } else {
        match budget.parse::<i64>() {
            Ok(n) => def.budget = Some(Rupiah::new(n)),
            Err(_) => errors.push(format!("{}: {}", t.field_budget, t.bad_budget)),
        }
    }
    match quotas(v.val("quotas")) {
        Some(q) => def.quotas = q,
        None => errors.push(format!("{}: {}", t.field_quotas, t.bad_quota)),
    }
    def.exclusive_with = v
        .val("exclusive_with")
        .split(',')
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    def.rule = v.val("rule").to_owned();
    if errors.is_empty() {
        Ok(def)
    } else {
        Err(errors)
    }
}

fn quotas(text: &str) -> Option<Vec<Quota>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (region, n) = line.split_once(char::is_whitespace)?;
            Some(Quota {
                region: RegionCode::parse(region.trim()).ok()?,
                households: n.trim().parse().ok()?,
            })
        })
        .collect()
}

/// The rule's error drawn under the rule, or "" when it checks.
fn rule_problem(rule: &str, lang: Lang) -> String {
    match Rule::compile(rule, &tepat_domain::targeting::schema()) {
        Ok(_) => String::new(),
        Err(e) => e.render(rule, lang),
    }
}

#[derive(Template)]
#[template(path = "targeting/rule_check.html")]
struct RuleCheck<'a> {
    t: &'static TargetingStrings,
    problem: &'a str,
}

#[derive(Deserialize)]
pub(crate) struct RuleForm {
    #[serde(default)]
    rule: String,
}

/// `POST /program/periksa-aturan`: the live check's fragment (admins).
pub(crate) async fn check_rule(
    page: Layout,
    user: SignedIn,
    Form(input): Form<RuleForm>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ManagePrograms>() {
        return forbidden_page(&page, &denied);
    }
    let problem = rule_problem(input.rule.trim(), page.lang);
    let status = if problem.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    no_store(render(
        status,
        page.lang,
        &RuleCheck {
            t: strings(page.lang),
            problem: &problem,
        },
    ))
}
