//! `GET /registry/queue/{level}`: the requests waiting for a level (`village`, `district`, `dinas`,
//! `decision`) inside the signed-in officer's scope, oldest first. Nothing personal is listed: kind,
//! village and date; the request page is the audited read. `GET /registry/queue` goes to one's own.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tepat_core::access::{Actor, Decide, ReviewInDistrict, VerifyAtDinas, VerifyInVillage};
use tepat_core::registry::{self, RegistryError, StepAction};
use tepat_domain::registry::Step;
use tepat_domain::Scope;
use tepat_store::{RequestSummary, Store};

use super::{fail, no_store, see_other, step_of, strings, Htmx, RegistryStrings};
use crate::auth::SignedIn;
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// Most requests a queue page lists.
const QUEUE_LIMIT: u32 = 200;

#[derive(Template)]
#[template(path = "registry/queue.html")]
struct QueuePage<'a> {
    page: &'a Layout,
    r: &'static RegistryStrings,
    htmx: Htmx,
    title: &'static str,
    scope: String,
    rows: Vec<Row>,
}

struct Row {
    id: uuid::Uuid,
    kind: &'static str,
    village: String,
    since: String,
}

/// `GET /registry/queue`: the signed-in officer's own level (a role without one gets the first
/// level's page, which answers 403 with the reason).
pub(crate) async fn mine(user: SignedIn) -> Response {
    let step = step_of(user.actor.role()).unwrap_or(Step::Village);
    see_other(&format!("/registry/queue/{}", step.code()))
}

async fn waiting<A: StepAction>(
    store: &dyn Store,
    actor: &Actor,
) -> Result<Vec<RequestSummary>, RegistryError> {
    let grant = actor.may_anywhere::<A>()?;
    registry::queue(store, &grant, QUEUE_LIMIT).await
}

/// `GET /registry/queue/{level}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(level): Path<String>,
) -> Response {
    let r = strings(page.lang);
    let Some(step) = Step::ALL.iter().copied().find(|s| s.code() == level) else {
        return crate::ui::errors::not_found(page).await;
    };
    let store = state.store();
    let actor = &user.actor;
    let (title, found) = match step {
        Step::Village => (
            r.queue_village,
            waiting::<VerifyInVillage>(store, actor).await,
        ),
        Step::District => (
            r.queue_district,
            waiting::<ReviewInDistrict>(store, actor).await,
        ),
        Step::Dinas => (r.queue_dinas, waiting::<VerifyAtDinas>(store, actor).await),
        Step::Decision => (r.queue_decision, waiting::<Decide>(store, actor).await),
    };
    let summaries = match found {
        Ok(s) => s,
        Err(e) => return fail(&page, e),
    };
    let rows = summaries
        .into_iter()
        .map(|s| Row {
            id: s.id,
            kind: s.kind.label(page.lang),
            village: format!(
                "{} ({})",
                state.regions().name_path(&s.village),
                s.village.dotted()
            ),
            since: s.updated_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let scope = match actor.scope() {
        Scope::All => actor.scope().describe(page.lang),
        Scope::Within(code) => format!("{} ({})", state.regions().name_path(&code), code.dotted()),
    };
    no_store(render(
        StatusCode::OK,
        page.lang,
        &QueuePage {
            page: &page,
            r,
            htmx: Htmx::new(),
            title,
            scope,
            rows,
        },
    ))
}
