//! `GET /registry`: the search box; `POST /registry/search`: masked results. The query (a NIK, a KK
//! number or a name) travels in the body only, so it is in no URL, browser history or access log.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::access::SearchRegistry;
use tepat_core::registry::{self, RegistryError, SearchResult};
use tepat_domain::{Lang, Localized};

use super::{fail, no_store, origin, strings, Htmx, RegistryStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

#[derive(Template)]
#[template(path = "registry/search.html")]
struct SearchPage<'a> {
    page: &'a Layout,
    r: &'static RegistryStrings,
    htmx: Htmx,
    query: &'a str,
    error: String,
    results: Option<Vec<Hit>>,
}

/// One masked result line, ready to show.
struct Hit {
    household: uuid::Uuid,
    full_name: String,
    nik_masked: String,
    sex: &'static str,
    birth_year: i32,
    relationship: &'static str,
    village: String,
    member_status: &'static str,
    state: &'static str,
}

fn hit(h: SearchResult, lang: Lang) -> Hit {
    let r = strings(lang);
    Hit {
        household: h.household,
        full_name: h.full_name,
        nik_masked: h.nik_masked,
        sex: h.sex.letter(),
        birth_year: h.birth_year,
        relationship: h.relationship.label(lang),
        village: h.village.dotted(),
        member_status: member_status_label(r, &h.member_status),
        state: super::household::state_label(r, h.household_state),
    }
}

pub(crate) fn member_status_label(r: &RegistryStrings, code: &str) -> &'static str {
    match code {
        "active" => r.member_status_active,
        "deceased" => r.member_status_deceased,
        "moved_out" => r.member_status_moved_out,
        _ => r.member_status_removed,
    }
}

fn show(
    page: &Layout,
    status: StatusCode,
    query: &str,
    error: String,
    results: Option<Vec<Hit>>,
) -> Response {
    no_store(render(
        status,
        page.lang,
        &SearchPage {
            page,
            r: strings(page.lang),
            htmx: Htmx::new(),
            query,
            error,
            results,
        },
    ))
}

/// `GET /registry`.
pub(crate) async fn page(page: Layout, user: SignedIn) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<SearchRegistry>() {
        return forbidden_page(&page, &denied);
    }
    show(&page, StatusCode::OK, "", String::new(), None)
}

#[derive(Deserialize)]
pub(crate) struct Query {
    #[serde(default)]
    q: String,
}

/// `POST /registry/search` (field `q`).
pub(crate) async fn results(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(input): Form<Query>,
) -> Response {
    let grant = match user.actor.may_anywhere::<SearchRegistry>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let query = input.q.trim();
    match registry::search(state.store(), &grant, query, &origin(peer)).await {
        Ok(found) => {
            let hits = found.into_iter().map(|h| hit(h, page.lang)).collect();
            show(&page, StatusCode::OK, query, String::new(), Some(hits))
        }
        Err(RegistryError::Query) => {
            let r = strings(page.lang);
            let error = format!(
                "{}: {}",
                r.field_query,
                RegistryError::Query.message(page.lang)
            );
            show(&page, StatusCode::UNPROCESSABLE_ENTITY, query, error, None)
        }
        Err(other) => fail(&page, other),
    }
}
