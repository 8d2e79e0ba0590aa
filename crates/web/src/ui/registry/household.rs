//! `GET /registry/household/{id}`: the full record (an audited read) with members, survey, status, the
//! requests with their history (who, when, why), open tasks, the checks and possible duplicates.
//! `POST /registry/household/{id}/duplicate`: a Dinas verifier's decision on a pair (same / distinct).

use std::collections::HashMap;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::access::{
    Actor, Decide, Propose, ReadHousehold, ReviewInDistrict, VerifyAtDinas, VerifyInVillage,
};
use tepat_core::registry::{
    self, check_household, open_request, Finding, Origin, RegistryError, Severity, StepAction,
};
use tepat_domain::registry::{ChangeKind, RegistryHousehold};
use tepat_domain::{Lang, Localized};
use tepat_store::{
    AuditAction, AuditEntry, DuplicateDecision, DuplicateVerdict, HouseholdState, ObjectKind,
    Store, Task, TaskKind, TaskState,
};
use uuid::Uuid;

use super::search::member_status_label;
use super::{fail, no_store, origin, see_other, step_of, strings, Htmx, RegistryStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// Most requests whose history the page shows (the newest).
const MAX_REQUESTS: usize = 20;

pub(crate) fn state_label(r: &RegistryStrings, s: HouseholdState) -> &'static str {
    match s {
        HouseholdState::Proposed => r.state_proposed,
        HouseholdState::Active => r.state_active,
        HouseholdState::Rejected => r.state_rejected,
        HouseholdState::Merged => r.state_merged,
    }
}

#[derive(Template)]
#[template(path = "registry/household.html")]
struct HouseholdPage<'a> {
    page: &'a Layout,
    r: &'static RegistryStrings,
    htmx: Htmx,
    h: &'a RegistryHousehold,
    village_name: String,
    state: &'static str,
    members: Vec<MemberRow>,
    survey: Vec<(&'static str, String)>,
    requests: Vec<RequestView>,
    tasks: Vec<TaskView>,
    findings: Vec<FindingView>,
    duplicates: Vec<DuplicateView>,
    /// Change requests the officer may enter (kind code, label).
    changes: Vec<(&'static str, &'static str)>,
    notice: &'static str,
    /// Desil, PMT explanation, enrolments and the appeal link (issue 6).
    tg: crate::ui::targeting::household::HouseholdTargeting,
}

/// An open task, with the change requests that do its work when the officer may enter them.
struct TaskView {
    label: String,
    /// (label, link to the prefilled change form); the link carries the task's id only.
    actions: Vec<(&'static str, String)>,
}

struct MemberRow {
    name: String,
    nik: String,
    sex: &'static str,
    birth_date: String,
    relationship: &'static str,
    status: &'static str,
}

/// A request with its history.
pub(crate) struct RequestView {
    pub id: Uuid,
    pub kind: &'static str,
    pub stage: &'static str,
    pub history: Vec<TransitionView>,
}

pub(crate) struct TransitionView {
    pub at: String,
    pub event: &'static str,
    pub who: String,
    pub reason: String,
    pub visited_on: String,
}

pub(crate) struct FindingView {
    pub severity: &'static str,
    pub severity_class: &'static str,
    pub member: String,
    pub message: String,
}

struct DuplicateView {
    member: Uuid,
    member_name: String,
    other_member: Uuid,
    other_household: Uuid,
    message: String,
    may_decide: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    #[serde(default)]
    done: String,
}

/// `GET /registry/household/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    axum::extract::Query(q): axum::extract::Query<Notice>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadHousehold>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let origin = origin(peer);
    let store = state.store();
    let (stored, summaries) =
        match registry::open_household(store, &grant, id, "household_page", &origin).await {
            Ok(found) => found,
            Err(e) => return fail(&page, e),
        };
    let r = strings(page.lang);
    let mut names = Names::default();
    let mut requests = Vec::new();
    for s in summaries.iter().rev().take(MAX_REQUESTS) {
        match open_request(store, &grant, s.id, &origin).await {
            Ok(req) => {
                requests.push(request_view(store, &mut names, &req.request, page.lang).await)
            }
            Err(e) => return fail(&page, e),
        }
    }
    let h = &stored.household;
    let findings = match checks(&state, &user.actor, &stored, &origin).await {
        Ok(f) => f,
        Err(e) => return fail(&page, e),
    };
    let may_decide = user.actor.may::<VerifyAtDinas>(&h.village).is_ok();
    let may_change = !change_kinds(&user.actor, h, stored.state, page.lang).is_empty();
    let tasks = match open_tasks(store, &user.actor, id).await {
        Ok(t) => task_views(&t, may_change, page.lang, r),
        Err(e) => return fail(&page, e),
    };
    let view = HouseholdPage {
        page: &page,
        r,
        htmx: Htmx::new(),
        village_name: state.regions().name_path(&h.village),
        state: state_label(r, stored.state),
        members: member_rows(h, page.lang, r),
        survey: survey_rows(h, r, page.lang),
        requests,
        tasks,
        duplicates: duplicate_views(h, &findings.findings, page.lang, may_decide),
        findings: findings.views(h, page.lang, r),
        changes: change_kinds(&user.actor, h, stored.state, page.lang),
        tg: crate::ui::targeting::household::section(store, &user.actor, h, page.lang).await,
        notice: if q.done == "duplicate" {
            r.dup_decided
        } else {
            ""
        },
        h,
    };
    no_store(render(StatusCode::OK, page.lang, &view))
}

fn member_rows(h: &RegistryHousehold, lang: Lang, r: &RegistryStrings) -> Vec<MemberRow> {
    h.members
        .iter()
        .map(|m| MemberRow {
            name: m.full_name.clone(),
            nik: m.nik.digits().to_owned(),
            sex: m.sex.label(lang),
            birth_date: m.birth_date.to_string(),
            relationship: m.relationship.label(lang),
            status: member_status_label(r, m.status.code()),
        })
        .collect()
}

fn survey_rows(
    h: &RegistryHousehold,
    r: &RegistryStrings,
    lang: Lang,
) -> Vec<(&'static str, String)> {
    let Some(s) = &h.survey else {
        return Vec::new();
    };
    let yn = |b: bool| if b { r.yes } else { r.no }.to_owned();
    vec![
        (r.floor, s.floor.label(lang).to_owned()),
        (r.wall, s.wall.label(lang).to_owned()),
        (r.roof, s.roof.label(lang).to_owned()),
        (r.floor_area, s.floor_area_m2.to_string()),
        (r.water, s.water.label(lang).to_owned()),
        (r.sanitation, s.sanitation.label(lang).to_owned()),
        (r.electricity, s.electricity.label(lang).to_owned()),
        (r.cooking_fuel, s.cooking_fuel.label(lang).to_owned()),
        (r.income_band, s.income_band.label(lang).to_owned()),
        (r.owns_house, yn(s.owns_house)),
        (r.has_motorcycle, yn(s.has_motorcycle)),
        (r.has_car, yn(s.has_car)),
        (r.has_refrigerator, yn(s.has_refrigerator)),
        (r.has_boat, yn(s.has_boat)),
        (r.livestock, s.livestock_units.to_string()),
        (r.land, s.land_m2.to_string()),
    ]
}

/// Officers' usernames by account id, looked up once per page.
#[derive(Default)]
pub(crate) struct Names(HashMap<Uuid, String>);

impl Names {
    pub(crate) async fn of(&mut self, store: &dyn Store, id: Uuid) -> String {
        if let Some(n) = self.0.get(&id) {
            return n.clone();
        }
        let name = match store.account_by_id(id).await {
            Ok(Some(a)) => a.username,
            _ => id.to_string()[..8].to_owned(),
        };
        self.0.insert(id, name.clone());
        name
    }
}

pub(crate) async fn request_view(
    store: &dyn Store,
    names: &mut Names,
    req: &tepat_domain::registry::Request,
    lang: Lang,
) -> RequestView {
    let mut history = Vec::new();
    for t in &req.history {
        history.push(TransitionView {
            at: t.at.format("%Y-%m-%d %H:%M UTC").to_string(),
            event: t.event.label(lang),
            who: format!(
                "{} ({})",
                names.of(store, t.by.user).await,
                t.by.role.label(lang)
            ),
            reason: t.reason.clone(),
            visited_on: t.visited_on.map(|d| d.to_string()).unwrap_or_default(),
        });
    }
    RequestView {
        id: req.id,
        kind: req.kind.label(lang),
        stage: req.stage.label(lang),
        history,
    }
}

/// The checks of `check_household`, for officers who may enter proposals here (the same findings the
/// operator saw when entering it). Others see the record without them.
async fn checks(
    state: &AppState,
    actor: &Actor,
    stored: &tepat_store::StoredHousehold,
    origin: &Origin,
) -> Result<Checked, RegistryError> {
    let live = matches!(
        stored.state,
        HouseholdState::Proposed | HouseholdState::Active
    );
    let Ok(grant) = actor.may::<Propose>(&stored.household.village) else {
        return Ok(Checked::none());
    };
    if !live {
        return Ok(Checked::none());
    }
    run_checks(state, &grant, &stored.household, origin).await
}

/// `check_household` with the server's duplicate index; `ready` is false while the index is still being
/// prepared (the fuzzy part is then left out, and the page says so).
pub(crate) async fn run_checks(
    state: &AppState,
    grant: &tepat_core::access::Grant<'_, Propose>,
    h: &RegistryHousehold,
    origin: &Origin,
) -> Result<Checked, RegistryError> {
    let slot = state.duplicates().read().await;
    let findings = check_household(
        state.store(),
        grant,
        h,
        state.regions(),
        slot.index.as_ref(),
        origin,
    )
    .await?;
    let ready = slot.index.is_some();
    drop(slot);
    // A fuzzy match is a guess about someone in another place: only officers whose scope covers that
    // place see it (Dinas verifiers resolve the pairs across villages).
    let scope = grant.actor().scope();
    let findings = findings
        .into_iter()
        .filter(|f| match f {
            Finding::PossibleDuplicate { village, .. } => scope.covers(village),
            _ => true,
        })
        .collect();
    Ok(Checked { findings, ready })
}

pub(crate) struct Checked {
    pub findings: Vec<Finding>,
    /// The duplicate index was ready.
    pub ready: bool,
}

impl Checked {
    fn none() -> Checked {
        Checked {
            findings: Vec::new(),
            ready: true,
        }
    }

    /// The findings as shown, with a line saying the duplicate search is not ready yet.
    pub(crate) fn views(
        &self,
        h: &RegistryHousehold,
        lang: Lang,
        r: &RegistryStrings,
    ) -> Vec<FindingView> {
        let mut views = finding_views(h, &self.findings, lang, r);
        if !self.ready {
            views.push(FindingView {
                severity: r.severity_info,
                severity_class: "info",
                member: r.kk.to_owned(),
                message: match lang {
                    Lang::Id => "indeks duplikat sedang disiapkan: kemungkinan data ganda dengan NIK lain belum diperiksa".into(),
                    Lang::En => "the duplicate index is being prepared: possible duplicates under another NIK are not checked yet".into(),
                },
            });
        }
        views
    }
}

pub(crate) fn finding_views(
    h: &RegistryHousehold,
    findings: &[Finding],
    lang: Lang,
    r: &RegistryStrings,
) -> Vec<FindingView> {
    findings
        .iter()
        .map(|f| {
            let (severity, severity_class) = match f.severity() {
                Severity::Info => (r.severity_info, "info"),
                Severity::Warning => (r.severity_warning, "warning"),
                Severity::Problem => (r.severity_problem, "problem"),
            };
            FindingView {
                severity,
                severity_class,
                member: f
                    .member()
                    .and_then(|m| h.member(m))
                    .map(|m| m.full_name.clone())
                    .unwrap_or_else(|| r.kk.to_owned()),
                message: f.message(lang),
            }
        })
        .collect()
}

fn duplicate_views(
    h: &RegistryHousehold,
    findings: &[Finding],
    lang: Lang,
    may_decide: bool,
) -> Vec<DuplicateView> {
    findings
        .iter()
        .filter_map(|f| {
            let (member, other_member, other_household) = match f {
                Finding::AlreadyRegistered {
                    member,
                    other_member,
                    other_household,
                    ..
                }
                | Finding::PossibleDuplicate {
                    member,
                    other_member,
                    other_household,
                    ..
                } => (*member, *other_member, *other_household),
                _ => return None,
            };
            Some(DuplicateView {
                member,
                member_name: h.member(member).map(|m| m.full_name.clone())?,
                other_member,
                other_household,
                message: f.message(lang),
                may_decide,
            })
        })
        .collect()
}

/// The open tasks of this household at the officer's level (a role without a level sees none).
async fn open_tasks(
    store: &dyn Store,
    actor: &Actor,
    household: Uuid,
) -> Result<Vec<Task>, RegistryError> {
    async fn at<A: StepAction>(
        store: &dyn Store,
        actor: &Actor,
    ) -> Result<Vec<Task>, RegistryError> {
        let grant = actor.may_anywhere::<A>()?;
        registry::tasks(store, &grant, TaskState::Open, 500).await
    }
    let all = match step_of(actor.role()) {
        Some(tepat_domain::registry::Step::Village) => at::<VerifyInVillage>(store, actor).await?,
        Some(tepat_domain::registry::Step::District) => {
            at::<ReviewInDistrict>(store, actor).await?
        }
        Some(tepat_domain::registry::Step::Dinas) => at::<VerifyAtDinas>(store, actor).await?,
        Some(tepat_domain::registry::Step::Decision) => at::<Decide>(store, actor).await?,
        None => Vec::new(),
    };
    Ok(all
        .into_iter()
        .filter(|t| t.household == household)
        .collect())
}

fn task_views(tasks: &[Task], may_change: bool, lang: Lang, r: &RegistryStrings) -> Vec<TaskView> {
    tasks
        .iter()
        .map(|t| {
            let what = match t.kind {
                TaskKind::Death => r.task_death,
                TaskKind::Moved => r.task_moved,
                TaskKind::Reverify => r.task_reverify,
            };
            let actions = if may_change {
                super::change::task_kinds(t.kind)
                    .iter()
                    .map(|k| {
                        let href = format!(
                            "/registry/household/{}/change?kind={}&task={}",
                            t.household,
                            k.code(),
                            t.id
                        );
                        (k.label(lang), href)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            TaskView {
                label: format!("{what} · {}", t.created_at.date_naive()),
                actions,
            }
        })
        .collect()
}

fn change_kinds(
    actor: &Actor,
    h: &RegistryHousehold,
    state: HouseholdState,
    lang: Lang,
) -> Vec<(&'static str, &'static str)> {
    if state != HouseholdState::Active || actor.may::<Propose>(&h.village).is_err() {
        return Vec::new();
    }
    ChangeKind::ALL
        .iter()
        .filter(|k| **k != ChangeKind::NewHousehold)
        .map(|k| (k.code(), k.label(lang)))
        .collect()
}

#[derive(Deserialize)]
pub(crate) struct DuplicateForm {
    #[serde(default)]
    member: String,
    #[serde(default)]
    other_member: String,
    #[serde(default)]
    other_household: String,
    #[serde(default)]
    verdict: String,
}

/// `POST /registry/household/{id}/duplicate`: remembers a Dinas verifier's decision on a pair. Both
/// households must lie inside the verifier's grant; the decision and its audit entry are one write.
pub(crate) async fn decide_duplicate(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(input): Form<DuplicateForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<VerifyAtDinas>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let parsed = (
        Uuid::parse_str(&input.member),
        Uuid::parse_str(&input.other_member),
        Uuid::parse_str(&input.other_household),
        DuplicateVerdict::parse(&input.verdict),
    );
    let (Ok(member), Ok(other_member), Ok(other_household), Some(verdict)) = parsed else {
        return bad_form(&page);
    };
    let store = state.store();
    let mut villages = Vec::new();
    for (household, m) in [(id, member), (other_household, other_member)] {
        let found = match store.registry_household(household).await {
            Ok(Some(h)) => h.household,
            Ok(None) => return fail(&page, RegistryError::NotFound { what: "household" }),
            Err(e) => return fail(&page, e.into()),
        };
        if let Err(denied) = grant.covers(&found.village) {
            return forbidden_page(&page, &denied);
        }
        // A forged pair (a member who is not in the household named) is refused, not remembered.
        if found.member(m).is_none() {
            return bad_form(&page);
        }
        villages.push(found.village);
    }
    let origin = origin(peer);
    let decision = DuplicateDecision {
        a: member,
        b: other_member,
        verdict,
        actor: user.actor.user(),
        at: origin.now,
        reason: "officer_review".into(),
    };
    let entry = AuditEntry {
        actor: user.actor.user(),
        role: user.actor.role(),
        action: AuditAction::Duplicate,
        object: ObjectKind::Member,
        object_id: Some(member),
        region: villages.first().copied(),
        purpose: format!("duplicate.{}", verdict.code()),
        client: origin.client.clone(),
    };
    match store.registry_decide_duplicate(&decision, &entry).await {
        Ok(()) => see_other(&format!("/registry/household/{id}?done=duplicate")),
        Err(e) => fail(&page, e.into()),
    }
}

/// A form whose hidden fields were not what the page sent: 422 without details.
pub(crate) fn bad_form(page: &Layout) -> Response {
    #[derive(Template)]
    #[template(path = "message.html")]
    struct Message<'a> {
        page: &'a Layout,
        title: &'a str,
        body: &'a str,
        request_id: Option<crate::telemetry::RequestId>,
    }
    let r = strings(page.lang);
    no_store(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        page.lang,
        &Message {
            page,
            title: r.errors_title,
            body: r.err_forged,
            request_id: None,
        },
    ))
}
