//! The public open-data API (no sign-in; `docs/open-data.md`), described by its own OpenAPI document
//! at `/data/openapi.json` (the officers' and agencies' API has `/api/v1/openapi.json`; harvesters and
//! journalists need only this one):
//!
//! | route | what |
//! |---|---|
//! | `/data/penyaluran.csv`, `.json` | aid by program, cycle and region (`?program=&cycle=&level=`) |
//! | `/data/pengaduan.csv`, `.json` | complaints by region (`?level=`) |
//! | `/data/penerima.csv`, `.json` | one village's masked recipient list (`?program=&cycle=&village=`), when turned on |
//! | `/data/catalog.jsonld` | the DCAT catalogue |
//! | `/data/openapi.json` | this API's OpenAPI description |
//! | `/api/3/action/package_list`, `/api/3/action/package_show?id=` | the CKAN subset harvesters call |
//!
//! Every table is the suppressed publication: the same values as the portal's pages.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use tepat_core::opendata::catalog::{self, CatalogSite};
use tepat_core::opendata::datasets::{self, COMPLAINTS, DISTRIBUTION, RECIPIENTS};
use tepat_core::opendata::recipients::{recipient_list, NoList};
use tepat_core::opendata::{Level, Publication};
use tepat_domain::RegionCode;

use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/data/catalog.jsonld", get(dcat))
        .route("/data/openapi.json", get(openapi))
        .route("/data/{file}", get(download))
        .route("/api/3/action/package_list", get(package_list))
        .route("/api/3/action/package_show", get(package_show))
}

/// Filters of a download: all optional, none personal.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filter {
    program: Option<String>,
    cycle: Option<String>,
    level: Option<String>,
    village: Option<String>,
}

pub(crate) async fn current(state: &AppState) -> Result<Arc<Publication>, Response> {
    state
        .opendata()
        .publication(Utc::now())
        .await
        .map_err(|error| {
            tracing::error!(%error, "open data: cannot build the publication");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "the figures cannot be read right now; try again in a minute",
            )
        })
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}

/// The portal's absolute address: the configured public URL, else the request's host.
pub(crate) fn site(state: &AppState, headers: &HeaderMap) -> CatalogSite {
    let base = match &state.config().public_url {
        Some(public) => public.as_str().trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| {
                    h.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                    })
                })
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    CatalogSite {
        base,
        publisher: "Dinas Sosial".to_owned(),
        lists_on: state.opendata().settings().recipient_lists,
    }
}

fn with_type(body: String, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Open data may be fetched by any site's script.
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            ),
        ],
        body,
    )
        .into_response()
}

fn json_body(value: &Value, content_type: &'static str) -> Response {
    with_type(
        serde_json::to_string_pretty(value).unwrap_or_default(),
        content_type,
    )
}

/// `GET /data/<dataset>.<csv|json>`.
async fn download(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return problem(
            StatusCode::NOT_FOUND,
            "no such file; see /data/catalog.jsonld",
        );
    };
    let lists_on = state.opendata().settings().recipient_lists;
    let (Some(dataset), true) = (
        datasets::dataset(stem, lists_on),
        ext == "csv" || ext == "json",
    ) else {
        return problem(
            StatusCode::NOT_FOUND,
            "no such file; see /data/catalog.jsonld",
        );
    };
    let level = match filter.level.as_deref().map(Level::parse) {
        Some(None) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "level must be total, province, regency, district or village",
            )
        }
        Some(l) => l,
        None => None,
    };
    let publication = match current(&state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let csv = ext == "csv";
    if dataset.id == DISTRIBUTION.id {
        let rows: Vec<_> = publication
            .distribution
            .iter()
            .filter(|r| filter.program.as_deref().is_none_or(|p| p == r.program))
            .filter(|r| filter.cycle.as_deref().is_none_or(|c| c == r.cycle))
            .filter(|r| level.is_none_or(|l| l == r.level))
            .collect();
        if csv {
            return with_type(
                datasets::distribution_csv(rows.iter().copied()),
                "text/csv; charset=utf-8",
            );
        }
        return json_body(
            &envelope(&publication, DISTRIBUTION.id, json!(rows)),
            "application/json",
        );
    }
    if dataset.id == COMPLAINTS.id {
        let rows: Vec<_> = publication
            .complaints
            .iter()
            .filter(|r| level.is_none_or(|l| l == r.level))
            .collect();
        if csv {
            return with_type(
                datasets::complaints_csv(rows.iter().copied()),
                "text/csv; charset=utf-8",
            );
        }
        return json_body(
            &envelope(&publication, COMPLAINTS.id, json!(rows)),
            "application/json",
        );
    }
    recipients(&state, &publication, &filter, csv).await
}

fn envelope(p: &Publication, dataset: &str, rows: Value) -> Value {
    json!({
        "dataset": dataset,
        "as_of": p.as_of.map(|t| t.to_rfc3339()),
        "k": p.k,
        "license": catalog::LICENSE_URL,
        "rows": rows,
    })
}

async fn recipients(
    state: &AppState,
    publication: &Publication,
    filter: &Filter,
    csv: bool,
) -> Response {
    let (Some(program), Some(cycle), Some(village)) = (
        filter.program.as_deref(),
        filter.cycle.as_deref(),
        filter
            .village
            .as_deref()
            .and_then(|v| RegionCode::parse(v).ok()),
    ) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "give program, cycle and village (a village code, e.g. 19.02.01.2001)",
        );
    };
    let list = recipient_list(
        state.opendata().store(),
        publication,
        state.opendata().settings().recipient_lists,
        program,
        cycle,
        &village,
    )
    .await;
    match list {
        Ok(Ok(list)) if csv => with_type(
            datasets::recipients_csv(program, cycle, &village.dotted(), &list),
            "text/csv; charset=utf-8",
        ),
        Ok(Ok(list)) => json_body(
            &json!({
                "dataset": RECIPIENTS.id,
                "program": program,
                "cycle": cycle,
                "village": village.dotted(),
                "rows": list,
            }),
            "application/json",
        ),
        Ok(Err(NoList::Off)) => problem(
            StatusCode::NOT_FOUND,
            "this office does not publish recipient lists",
        ),
        Ok(Err(NoList::Suppressed)) => problem(
            StatusCode::NOT_FOUND,
            "this village's count is suppressed in this program-cycle, so its list is not published",
        ),
        Err(error) => {
            tracing::error!(%error, "open data: cannot read a recipient list");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "the list cannot be read right now",
            )
        }
    }
}

/// `GET /data/catalog.jsonld`.
async fn dcat(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match current(&state).await {
        Ok(p) => json_body(
            &catalog::dcat(&site(&state, &headers), &p),
            "application/ld+json",
        ),
        Err(r) => r,
    }
}

/// `GET /api/3/action/package_list`.
async fn package_list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    json_body(
        &catalog::ckan_package_list(&site(&state, &headers)),
        "application/json",
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct PackageId {
    id: Option<String>,
}

/// `GET /api/3/action/package_show?id=…`.
async fn package_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PackageId>,
) -> Response {
    let site = site(&state, &headers);
    let p = match current(&state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match catalog::ckan_package_show(&site, &p, q.id.as_deref().unwrap_or_default()) {
        Some(v) => json_body(&v, "application/json"),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(catalog::ckan_not_found(&site)),
        )
            .into_response(),
    }
}

/// `GET /data/openapi.json`.
async fn openapi() -> Response {
    with_type(OPENAPI.to_owned(), "application/json")
}

/// The public API's description (OpenAPI 3.1).
const OPENAPI: &str = include_str!("opendata_openapi.json");
