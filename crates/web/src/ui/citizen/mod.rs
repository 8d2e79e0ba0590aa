//! The citizens' public pages (`docs/citizen.md`), no account needed:
//!
//! - `GET|POST /warga/usulan`: a proposal (*usulan warga*) for one's own household or a neighbour's;
//! - `GET /warga/sanggahan?desa=CODE`: a village's masked list (households approved in the last 14
//!   days), `POST /warga/sanggahan`: an objection (*sanggahan*) to one of them;
//! - `GET /registry/warga`: what arrived, for officers with the `Propose` permission, inside their scope.
//!
//! NIK and KK number travel only in POST bodies; every failed identification gets the same answer; the
//! attempt limits are per client address and per NIK (`AppState::citizen_limits`).

pub mod strings;

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use tepat_core::access::Propose;
use tepat_core::intake::citizen::{self, CitizenError, Listed, Proof};
use tepat_core::registry::Origin;
use tepat_domain::{Localized, RegionCode, RegionLevel};
use tepat_store::TipKind;

use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::no_store;
pub use strings::{strings, CitizenStrings};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/warga/usulan", get(propose_form).post(propose))
        .route("/warga/sanggahan", get(list).post(object))
        .route("/registry/warga", get(inbox))
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
    done: bool,
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
    show_propose(&page, StatusCode::OK, f, String::new(), false)
}

fn show_propose(
    page: &Layout,
    status: StatusCode,
    mut f: ProposeInput,
    error: String,
    done: bool,
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
            done,
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
        Ok(_) => show_propose(
            &page,
            StatusCode::OK,
            ProposeInput::default(),
            String::new(),
            true,
        ),
        Err(e) => {
            let status = status_of(&e);
            show_propose(&page, status, f, e.message(page.lang), false)
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
    done: bool,
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
    done: bool,
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
                        done: false,
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
            done,
        },
    ))
}

async fn list(State(state): State<AppState>, page: Layout, Query(q): Query<ListQuery>) -> Response {
    show_list(&state, &page, StatusCode::OK, &q.desa, String::new(), false).await
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
            false,
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
        Ok(_) => show_list(&state, &page, StatusCode::OK, &f.desa, String::new(), true).await,
        Err(e) => {
            show_list(
                &state,
                &page,
                status_of(&e),
                &f.desa,
                e.message(page.lang),
                false,
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
}

struct TipView {
    village: String,
    kind: &'static str,
    name: String,
    address: String,
    reason: String,
    proposer: String,
    at: String,
}

struct ObjectionView {
    village: String,
    household: uuid::Uuid,
    reason: String,
    objector: String,
    at: String,
}

async fn inbox(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let grant = match user.actor.may_anywhere::<Propose>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let c = strings(page.lang);
    let origin = origin(peer);
    let tips = citizen::tips(state.store(), &grant, &origin).await;
    let objections = citizen::objections(state.store(), &grant, &origin).await;
    let (Ok(tips), Ok(objections)) = (tips, objections) else {
        return crate::ui::errors::server_error(&page);
    };
    no_store(render(
        StatusCode::OK,
        page.lang,
        &InboxPage {
            page: &page,
            c,
            tips: tips
                .into_iter()
                .map(|t| TipView {
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
                })
                .collect(),
            objections: objections
                .into_iter()
                .map(|o| ObjectionView {
                    village: o.village.dotted(),
                    household: o.household,
                    reason: o.details.reason,
                    objector: o.details.objector,
                    at: o.created_at.format("%Y-%m-%d %H:%M").to_string(),
                })
                .collect(),
        },
    ))
}
