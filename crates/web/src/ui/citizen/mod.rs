//! The citizens' public pages (`docs/citizen.md`), no account needed:
//!
//! - `GET|POST /warga/usulan`: a proposal (*usulan warga*) for one's own household or a neighbour's;
//! - `GET /warga/sanggahan?desa=CODE`: a village's masked list (households approved in the last 14
//!   days), `POST /warga/sanggahan`: an objection (*sanggahan*) to one of them;
//! - `GET|POST /warga/status`: a citizen types the receipt code they got on submitting (POST body, never
//!   in a URL) and reads the state and the officer's answer;
//! - `GET /registry/warga`: what arrived, for officers with the `Propose` permission, inside their scope,
//!   with answers and objections' deadlines; `POST /registry/warga/jawab`: closing one, once.
//!
//! NIK and KK number travel only in POST bodies; every failed identification gets the same answer; the
//! attempt limits are per client address and per NIK (`AppState::citizen_limits`).

pub mod strings;
// The recipient's trail of their own entitlements (issue 7), folded into the status page.
pub mod trail;
// The status page (`/cek`) and its strings (issue 8).
pub mod check;
pub mod check_strings;

// The household's notices and where else it wants them (issue 8).
pub mod notify;

// The recipient's bank account or e-wallet for payments (issue 7).
mod account;

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tepat_core::access::Propose;
use tepat_core::intake::citizen::{self, CitizenError, Listed, Proof, ReplySettings};
use tepat_core::registry::Origin;
use tepat_domain::{Localized, RegionCode, RegionLevel};
use tepat_store::{ReplyOutcome, SubmissionKind, SubmissionReply, SubmissionState, TipKind};
use uuid::Uuid;

use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, see_other};
pub use strings::{strings, CitizenStrings};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/warga/usulan", get(propose_form).post(propose))
        .route("/warga/sanggahan", get(list).post(object))
        .route("/warga/status", get(status_form).post(status_check))
        .merge(check::routes())
        .route("/warga/rekening", get(account::form).post(account::submit))
        .merge(notify::routes())
        .route("/registry/warga", get(inbox))
        .route("/registry/warga/jawab", post(close))
}

fn origin(peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>) -> Origin {
    Origin::now(peer.map(|axum::Extension(ConnectInfo(a))| a.to_string()))
}

#[derive(Template)]
#[template(path = "citizen/propose.html")]
struct ProposePage<'a> {
    page: &'a Layout,
    c: &'static CitizenStrings,
    f: ProposeInput,
    error: String,
    /// The receipt code of what was just received.
    receipt: Option<Uuid>,
}

#[derive(Deserialize, Default)]
struct ProposeInput {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    kk: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    reason: String,
}

fn status_of(e: &CitizenError) -> StatusCode {
    match e {
        CitizenError::TooMany => StatusCode::TOO_MANY_REQUESTS,
        CitizenError::Store => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn propose_form(page: Layout) -> Response {
    let f = ProposeInput {
        kind: "own".into(),
        ..ProposeInput::default()
    };
    show_propose(&page, StatusCode::OK, f, String::new(), None)
}

fn show_propose(
    page: &Layout,
    status: StatusCode,
    mut f: ProposeInput,
    error: String,
    receipt: Option<Uuid>,
) -> Response {
    // Never send the numbers back.
    f.nik.clear();
    f.kk.clear();
    no_store(render(
        status,
        page.lang,
        &ProposePage {
            page,
            c: strings(page.lang),
            f,
            error,
            receipt,
        },
    ))
}

async fn propose(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<ProposeInput>,
) -> Response {
    let origin = origin(peer);
    let proof = Proof {
        nik: &f.nik,
        kk: &f.kk,
    };
    let limits = state.citizen_limits();
    let result = if f.kind == "neighbour" {
        citizen::propose_neighbour(
            state.store(),
            limits,
            state.regions(),
            &proof,
            &f.village,
            &f.name,
            &f.address,
            &f.reason,
            &origin,
        )
        .await
    } else {
        citizen::propose_own(state.store(), limits, &proof, &f.reason, &origin).await
    };
    match result {
        Ok(tip) => show_propose(
            &page,
            StatusCode::OK,
            ProposeInput::default(),
            String::new(),
            Some(tip.id),
        ),
        Err(e) => {
            let status = status_of(&e);
            show_propose(&page, status, f, e.message(page.lang), None)
        }
    }
}

#[derive(Template)]
#[template(path = "citizen/list.html")]
struct ListPage<'a> {
    page: &'a Layout,
    c: &'static CitizenStrings,
    village: String,
    village_name: String,
    listed: Option<Vec<Listed>>,
    error: String,
    receipt: Option<Uuid>,
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    desa: String,
}

fn village_of(state: &AppState, code: &str) -> Option<RegionCode> {
    RegionCode::parse(code.trim())
        .ok()
        .filter(|c| c.level() == RegionLevel::DesaKelurahan && state.regions().get(c).is_some())
}

async fn show_list(
    state: &AppState,
    page: &Layout,
    status: StatusCode,
    code: &str,
    error: String,
    receipt: Option<Uuid>,
) -> Response {
    let village = village_of(state, code);
    let listed = match village {
        Some(v) => match citizen::public_list(state.store(), &v, Origin::now(None).now).await {
            Ok(l) => Some(l),
            Err(e) => {
                return no_store(render(
                    status_of(&e),
                    page.lang,
                    &ListPage {
                        page,
                        c: strings(page.lang),
                        village: code.to_owned(),
                        village_name: String::new(),
                        listed: None,
                        error: e.message(page.lang),
                        receipt: None,
                    },
                ))
            }
        },
        None => None,
    };
    no_store(render(
        status,
        page.lang,
        &ListPage {
            page,
            c: strings(page.lang),
            village: code.trim().to_owned(),
            village_name: village.map_or_else(String::new, |v| state.regions().name_path(&v)),
            listed,
            error,
            receipt,
        },
    ))
}

async fn list(State(state): State<AppState>, page: Layout, Query(q): Query<ListQuery>) -> Response {
    show_list(&state, &page, StatusCode::OK, &q.desa, String::new(), None).await
}

#[derive(Deserialize)]
struct ObjectInput {
    #[serde(default)]
    desa: String,
    #[serde(default)]
    household: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    kk: String,
    #[serde(default)]
    reason: String,
}

async fn object(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<ObjectInput>,
) -> Response {
    let (Some(village), Ok(household)) = (
        village_of(&state, &f.desa),
        uuid::Uuid::parse_str(&f.household),
    ) else {
        let e = CitizenError::NotListed;
        return show_list(
            &state,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            &f.desa,
            e.message(page.lang),
            None,
        )
        .await;
    };
    let proof = Proof {
        nik: &f.nik,
        kk: &f.kk,
    };
    let origin = origin(peer);
    match citizen::object(
        state.store(),
        state.citizen_limits(),
        &proof,
        &village,
        household,
        &f.reason,
        &origin,
    )
    .await
    {
        Ok(o) => {
            let receipt = Some(o.id);
            show_list(
                &state,
                &page,
                StatusCode::OK,
                &f.desa,
                String::new(),
                receipt,
            )
            .await
        }
        Err(e) => {
            show_list(
                &state,
                &page,
                status_of(&e),
                &f.desa,
                e.message(page.lang),
                None,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "citizen/inbox.html")]
struct InboxPage<'a> {
    page: &'a Layout,
    c: &'static CitizenStrings,
    tips: Vec<TipView>,
    objections: Vec<ObjectionView>,
    error: String,
    /// The answer form that failed, kept as typed.
    failed: CloseInput,
}

/// An answer as the officers' list and the citizen's status page show it.
struct ReplyView {
    outcome: &'static str,
    request: String,
    text: String,
    at: String,
}

fn reply_view(c: &CitizenStrings, r: SubmissionReply) -> ReplyView {
    ReplyView {
        outcome: outcome_label(c, r.outcome),
        request: r
            .outcome
            .request()
            .map_or_else(String::new, |u| u.to_string()),
        text: r.text,
        at: r.replied_at.format("%Y-%m-%d").to_string(),
    }
}

fn outcome_label(c: &CitizenStrings, o: ReplyOutcome) -> &'static str {
    match o {
        ReplyOutcome::Answered => c.outcome_answered,
        ReplyOutcome::Accepted { .. } => c.outcome_accepted,
        ReplyOutcome::Rejected => c.outcome_rejected,
    }
}

struct TipView {
    id: String,
    village: String,
    kind: &'static str,
    name: String,
    address: String,
    reason: String,
    proposer: String,
    at: String,
    reply: Option<ReplyView>,
}

struct ObjectionView {
    id: String,
    village: String,
    household: uuid::Uuid,
    reason: String,
    objector: String,
    at: String,
    reply: Option<ReplyView>,
    answer_by: String,
    overdue: bool,
}

async fn inbox(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    show_inbox(
        &state,
        &page,
        &user,
        peer,
        StatusCode::OK,
        String::new(),
        CloseInput::default(),
    )
    .await
}

async fn show_inbox(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    status: StatusCode,
    error: String,
    failed: CloseInput,
) -> Response {
    let grant = match user.actor.may_anywhere::<Propose>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(page, &denied),
    };
    let c = strings(page.lang);
    let origin = origin(peer);
    let Ok(found) = citizen::inbox(state.store(), &grant, &state.reply_settings(), &origin).await
    else {
        return crate::ui::errors::server_error(page);
    };
    no_store(render(
        status,
        page.lang,
        &InboxPage {
            page,
            c,
            tips: found
                .tips
                .into_iter()
                .map(|a| {
                    let t = a.item;
                    TipView {
                        id: t.id.to_string(),
                        village: t.village.dotted(),
                        kind: match t.kind {
                            TipKind::Own => c.own,
                            TipKind::Neighbour => c.neighbour,
                        },
                        name: t.details.name,
                        address: t.details.address,
                        reason: t.details.reason,
                        proposer: t.details.proposer,
                        at: t.created_at.format("%Y-%m-%d %H:%M").to_string(),
                        reply: a.reply.map(|r| reply_view(c, r)),
                    }
                })
                .collect(),
            objections: found
                .objections
                .into_iter()
                .map(|a| {
                    let o = a.item;
                    ObjectionView {
                        id: o.id.to_string(),
                        village: o.village.dotted(),
                        household: o.household,
                        reason: o.details.reason,
                        objector: o.details.objector,
                        at: o.created_at.format("%Y-%m-%d %H:%M").to_string(),
                        reply: a.reply.map(|r| reply_view(c, r)),
                        answer_by: a.answer_by.map_or_else(String::new, |d| d.to_string()),
                        overdue: a.overdue,
                    }
                })
                .collect(),
            error,
            failed,
        },
    ))
}

#[derive(Deserialize, Default)]
struct CloseInput {
    #[serde(default)]
    id: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    reply: String,
}

/// The outcome the form chose; `None` when accepting without a valid request id.
fn outcome_of(f: &CloseInput) -> Option<ReplyOutcome> {
    match f.outcome.as_str() {
        "answered" => Some(ReplyOutcome::Answered),
        "rejected" => Some(ReplyOutcome::Rejected),
        "accepted" => Uuid::parse_str(f.request.trim())
            .ok()
            .map(|request| ReplyOutcome::Accepted { request }),
        _ => None,
    }
}

async fn close(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<CloseInput>,
) -> Response {
    let grant = match user.actor.may_anywhere::<Propose>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let origin = origin(peer);
    let result = match (Uuid::parse_str(&f.id), outcome_of(&f)) {
        (Err(_), _) => Err(CitizenError::NoSuchSubmission),
        (Ok(_), None) => Err(CitizenError::UnknownRequest),
        (Ok(id), Some(outcome)) => {
            citizen::close(state.store(), &grant, id, outcome, &f.reply, &origin).await
        }
    };
    match result {
        Ok(_) => see_other("/registry/warga"),
        Err(e) => {
            let status = status_of(&e);
            let message = e.message(page.lang);
            show_inbox(&state, &page, &user, peer, status, message, f).await
        }
    }
}

#[derive(Template)]
#[template(path = "citizen/status.html")]
struct StatusPage<'a> {
    page: &'a Layout,
    c: &'static CitizenStrings,
    code: String,
    found: Option<StatusView>,
    error: String,
}

struct StatusView {
    kind: &'static str,
    submitted: String,
    answer_by: String,
    reply: Option<ReplyView>,
}

fn status_view(c: &CitizenStrings, s: SubmissionState, reply: &ReplySettings) -> StatusView {
    StatusView {
        kind: match s.kind {
            SubmissionKind::Tip => c.inbox_tips,
            SubmissionKind::Objection => c.inbox_objections,
        },
        submitted: s.submitted_at.format("%Y-%m-%d").to_string(),
        answer_by: match s.kind {
            SubmissionKind::Objection => reply.answer_by(s.submitted_at).to_string(),
            SubmissionKind::Tip => String::new(),
        },
        reply: s.reply.map(|r| reply_view(c, r)),
    }
}

async fn status_form(page: Layout) -> Response {
    show_status(&page, StatusCode::OK, String::new(), None, String::new())
}

fn show_status(
    page: &Layout,
    status: StatusCode,
    code: String,
    found: Option<StatusView>,
    error: String,
) -> Response {
    no_store(render(
        status,
        page.lang,
        &StatusPage {
            page,
            c: strings(page.lang),
            code,
            found,
            error,
        },
    ))
}

#[derive(Deserialize)]
struct StatusInput {
    #[serde(default)]
    kode: String,
}

async fn status_check(
    State(state): State<AppState>,
    page: Layout,
    Form(f): Form<StatusInput>,
) -> Response {
    let code = f.kode.trim().to_owned();
    match citizen::status(state.store(), &code).await {
        Ok(Some(s)) => {
            let view = status_view(strings(page.lang), s, &state.reply_settings());
            show_status(&page, StatusCode::OK, code, Some(view), String::new())
        }
        Ok(None) => {
            let e = CitizenError::NoSuchSubmission;
            show_status(
                &page,
                StatusCode::NOT_FOUND,
                code,
                None,
                e.message(page.lang),
            )
        }
        Err(e) => show_status(&page, status_of(&e), code, None, e.message(page.lang)),
    }
}
