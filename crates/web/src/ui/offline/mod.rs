//! Offline field entry for village operators (`/lapangan`): one page that works without signal, its
//! service worker (`/sw.js`), the list of households the operator may survey offline
//! (`GET /api/lapangan/households`) and the sync endpoint (`POST /api/lapangan/sync`).
//!
//! The page's script (`static/offline.js`) keeps an outbox of records in IndexedDB, each with an id
//! the phone generates (UUIDv7); the sync endpoint enters each through
//! [`tepat_core::offline::submit`], which makes the id the request's id, so a record counts once
//! however often it is sent. Both API routes sit behind the session (401 JSON without one) and the
//! CSRF check (the `X-CSRF-Token` header). See `docs/registry.md`, section "Offline field entry".

mod record;
pub mod strings;

use std::net::SocketAddr;
use std::sync::LazyLock;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tepat_core::access::{Actor, Denied, Propose, ReadHousehold, VerifyInVillage};
use tepat_core::offline::{self, Outcome, MAX_BATCH};
use tepat_core::registry::{self, Origin};
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, IncomeBand, Roof, Sanitation, SchoolLevel, Sector,
    Wall, Water,
};
use tepat_domain::{Lang, RegionCode, RegionLevel, Relationship, Scope, Sex};
use tepat_store::{TaskKind, TaskState};

use crate::auth::{forbidden_json, forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::form::Choice;
use strings::{strings, OfflineStrings};

/// The page's path (the service worker's scope).
pub const PAGE: &str = "/lapangan";
/// Most households the phone keeps for offline surveys.
pub const MAX_CACHED_HOUSEHOLDS: u32 = 100;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page))
        .route("/sw.js", get(service_worker))
        .route("/api/lapangan/households", get(households))
        .route("/api/lapangan/sync", post(sync))
}

/// The village a village operator works in: their scope, if it is one village.
fn village_of(actor: &Actor) -> Result<RegionCode, Denied> {
    match actor.scope() {
        Scope::Within(code) if code.level() == RegionLevel::DesaKelurahan => {
            actor.may::<Propose>(&code).map(|_| code)
        }
        _ => Err(Denied::Region {
            action: <Propose as tepat_core::access::Action>::WHAT,
        }),
    }
}

fn origin(peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>) -> Origin {
    Origin::now(peer.map(|axum::Extension(ConnectInfo(a))| a.to_string()))
}

fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

/// A `<select>` question of the survey form.
struct Question {
    field: &'static str,
    label: &'static str,
    options: Vec<Choice>,
}

macro_rules! choices {
    ($ty:ty, $lang:expr) => {
        <$ty>::ALL
            .iter()
            .map(|v| Choice {
                code: v.code(),
                label: v.label($lang),
            })
            .collect::<Vec<_>>()
    };
}

#[derive(Template)]
#[template(path = "offline/page.html")]
struct Page<'a> {
    page: &'a Layout,
    s: &'static OfflineStrings,
    strings_json: String,
    script: &'static str,
    user: String,
    village: String,
    member_rows: Vec<usize>,
    sexes: Vec<Choice>,
    relationships: Vec<Choice>,
    questions: Vec<Question>,
    numbers: Vec<(&'static str, &'static str)>,
    checks: Vec<(&'static str, &'static str)>,
    /// Each member's questions, as the online survey form asks them.
    members_label: &'static str,
    member_questions: Vec<Question>,
    member_checks: Vec<(&'static str, &'static str)>,
}

/// `GET /lapangan`: the page shell (cached by the service worker; the data lives in IndexedDB).
async fn page(page: Layout, user: SignedIn) -> Response {
    let village = match village_of(&user.actor) {
        Ok(v) => v,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let lang = page.lang;
    let s = strings(lang);
    let r = crate::ui::registry::strings(lang);
    let view = Page {
        page: &page,
        s,
        strings_json: serde_json::to_string(s)
            .unwrap_or_default()
            .replace('<', "\\u003c"),
        script: crate::assets::url("offline.js"),
        user: user.actor.user().to_string(),
        village: village.dotted(),
        member_rows: (1..=4).collect(),
        sexes: [Sex::LakiLaki, Sex::Perempuan]
            .iter()
            .map(|v| Choice {
                code: v.letter(),
                label: v.label(lang),
            })
            .collect(),
        relationships: choices!(Relationship, lang),
        questions: vec![
            question("floor", r.floor, choices!(Floor, lang)),
            question("wall", r.wall, choices!(Wall, lang)),
            question("roof", r.roof, choices!(Roof, lang)),
            question("water", r.water, choices!(Water, lang)),
            question("sanitation", r.sanitation, choices!(Sanitation, lang)),
            question("electricity", r.electricity, choices!(Electricity, lang)),
            question("cooking_fuel", r.cooking_fuel, choices!(CookingFuel, lang)),
            question("income_band", r.income_band, choices!(IncomeBand, lang)),
        ],
        numbers: vec![
            ("floor_area_m2", r.floor_area),
            ("livestock_units", r.livestock),
            ("land_m2", r.land),
        ],
        checks: vec![
            ("owns_house", r.owns_house),
            ("has_motorcycle", r.has_motorcycle),
            ("has_car", r.has_car),
            ("has_refrigerator", r.has_refrigerator),
            ("has_boat", r.has_boat),
        ],
        members_label: r.survey_members,
        member_questions: vec![
            question("sector", r.sector, choices!(Sector, lang)),
            question("disability", r.disability, choices!(Disability, lang)),
            question("school_level", r.school_level, choices!(SchoolLevel, lang)),
        ],
        member_checks: vec![
            ("chronic_illness", r.chronic_illness),
            ("pregnant", r.pregnant),
        ],
    };
    render(StatusCode::OK, lang, &view)
}

fn question(field: &'static str, label: &'static str, options: Vec<Choice>) -> Question {
    Question {
        field,
        label,
        options,
    }
}

/// The service worker, with the URLs it keeps (the page and its hashed assets) written in, so that a
/// new asset makes a new worker.
static SERVICE_WORKER: LazyLock<String> = LazyLock::new(|| {
    let urls = [
        PAGE,
        crate::assets::url("tepat.css"),
        crate::assets::url("favicon.svg"),
        crate::assets::url("offline.js"),
    ];
    let list = serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into());
    let version: String = urls
        .iter()
        .filter_map(|u| u.rsplit('.').nth(1))
        .collect::<Vec<_>>()
        .join("-");
    include_str!("../../../static/sw.js")
        .replace("\"__PRECACHE__\"", &list)
        .replace("__VERSION__", &version)
});

/// `GET /sw.js`: at the root so that its scope can cover `/lapangan`; never cached for long, so a new
/// version is found on the next visit.
async fn service_worker() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                HeaderValue::from_static(PAGE),
            ),
        ],
        SERVICE_WORKER.as_str(),
    )
        .into_response()
}

/// `GET /api/lapangan/households`: the households of the operator's village with an open task
/// (re-verification, population updates): what the survey form needs to name them and nothing more —
/// the id, the head's name, RT/RW, the last four digits of the KK number, the active members (id,
/// name, relationship) for their answers, and the open re-verification task the survey closes. Each
/// is a full read, audited with the purpose `offline.cache`.
async fn households(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let lang = crate::ui::lang::negotiate(&headers, state.config().default_lang);
    let village = match village_of(&user.actor) {
        Ok(v) => v,
        Err(denied) => return forbidden_json(&denied, lang),
    };
    let (tasks, read) = match (
        user.actor.may::<VerifyInVillage>(&village),
        user.actor.may::<ReadHousehold>(&village),
    ) {
        (Ok(t), Ok(r)) => (t, r),
        (Err(denied), _) | (_, Err(denied)) => return forbidden_json(&denied, lang),
    };
    let origin = origin(peer);
    let open = match registry::tasks(
        state.store(),
        &tasks,
        TaskState::Open,
        MAX_CACHED_HOUSEHOLDS * 4,
    )
    .await
    {
        Ok(t) => t,
        Err(e) => return store_failed(e.code()),
    };
    let mut ids: Vec<uuid::Uuid> = Vec::new();
    let mut reverify: Vec<(uuid::Uuid, uuid::Uuid)> = Vec::new();
    for t in open {
        if t.kind == TaskKind::Reverify && !reverify.iter().any(|(h, _)| *h == t.household) {
            reverify.push((t.household, t.id));
        }
        if !ids.contains(&t.household) && ids.len() < MAX_CACHED_HOUSEHOLDS as usize {
            ids.push(t.household);
        }
    }
    let mut out = Vec::new();
    for id in ids {
        let (stored, _) = match registry::open_household(
            state.store(),
            &read,
            id,
            "offline.cache",
            &origin,
        )
        .await
        {
            Ok(h) => h,
            Err(registry::RegistryError::NotFound { .. }) => continue,
            Err(e) => return store_failed(e.code()),
        };
        let h = &stored.household;
        let head = h
            .members
            .iter()
            .find(|m| m.status.is_active() && m.relationship == Relationship::KepalaKeluarga)
            .map(|m| m.full_name.clone())
            .unwrap_or_default();
        let kk = h.kk_number.digits();
        let members: Vec<Value> = h
            .members
            .iter()
            .filter(|m| m.status.is_active())
            .map(|m| {
                json!({
                    "id": m.id,
                    "name": m.full_name,
                    "relationship": m.relationship.label(lang),
                })
            })
            .collect();
        let task = reverify.iter().find(|(hh, _)| *hh == h.id).map(|(_, t)| t);
        out.push(json!({
            "id": h.id,
            "head": head,
            "rt": h.rt,
            "rw": h.rw,
            "kk_end": &kk[kk.len().saturating_sub(4)..],
            "members": members,
            "task": task,
        }));
    }
    (no_store(), Json(json!({ "households": out }))).into_response()
}

fn store_failed(code: &'static str) -> Response {
    tracing::error!(code, "offline field entry failed on the database");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        no_store(),
        Json(json!({
            "error": "store",
            "message": "the database could not answer; nothing more was written, try again",
        })),
    )
        .into_response()
}

fn bad_batch(status: StatusCode, code: &str, lang: Lang) -> Response {
    let message = match (code, lang) {
        ("batch_too_large", Lang::Id) => {
            format!("paling banyak {MAX_BATCH} catatan per pengiriman; tidak ada yang disimpan")
        }
        ("batch_too_large", Lang::En) => {
            format!("at most {MAX_BATCH} records per sync; nothing was saved")
        }
        (_, Lang::Id) => {
            "kiriman harus JSON {\"records\": [...]}; tidak ada yang disimpan".to_owned()
        }
        (_, Lang::En) => "the body must be JSON {\"records\": [...]}; nothing was saved".to_owned(),
    };
    (
        status,
        no_store(),
        Json(json!({ "error": code, "message": message })),
    )
        .into_response()
}

/// `POST /api/lapangan/sync`: enters each record once and answers per record, in the batch's order:
/// `accepted` (with the request id), `duplicate` (entered by an earlier sync) or `rejected` (with
/// reason codes and messages in the user's language). A batch that is not `{"records": [...]}` or has
/// more than [`MAX_BATCH`] records is refused whole before anything is written.
async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    body: Bytes,
) -> Response {
    let lang = crate::ui::lang::negotiate(&headers, state.config().default_lang);
    if let Err(denied) = user.actor.may_anywhere::<Propose>() {
        return forbidden_json(&denied, lang);
    }
    let Ok(batch) = serde_json::from_slice::<Value>(&body) else {
        return bad_batch(StatusCode::BAD_REQUEST, "malformed_batch", lang);
    };
    let Some(records) = batch.get("records").and_then(Value::as_array) else {
        return bad_batch(StatusCode::BAD_REQUEST, "malformed_batch", lang);
    };
    if records.len() > MAX_BATCH {
        return bad_batch(StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large", lang);
    }
    let origin = origin(peer);
    let mut results = Vec::with_capacity(records.len());
    for value in records {
        let id = record::id_of(value);
        let entry = match record::read(value) {
            Ok(e) => e,
            Err(m) => {
                results.push(json!({
                    "id": id,
                    "status": "rejected",
                    "reasons": [{ "code": "malformed", "message": m.message(lang) }],
                }));
                continue;
            }
        };
        match offline::submit(state.store(), &user.actor, state.regions(), entry, &origin).await {
            Ok(Outcome::Accepted { request }) => {
                reindex_request(&state, request).await;
                results.push(json!({ "id": id, "status": "accepted", "request": request }))
            }
            Ok(Outcome::Duplicate { request }) => {
                results.push(json!({ "id": id, "status": "duplicate", "request": request }))
            }
            Ok(Outcome::Rejected(why)) => {
                let reasons: Vec<Value> = why
                    .codes()
                    .into_iter()
                    .zip(why.messages(lang))
                    .map(|(code, message)| json!({ "code": code, "message": message }))
                    .collect();
                results.push(json!({ "id": id, "status": "rejected", "reasons": reasons }));
            }
            Err(e) => {
                tracing::error!(error = %e, "offline sync failed on the database");
                // What was entered before this record stays entered; the phone sends the whole
                // outbox again later and gets `duplicate` for those.
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    no_store(),
                    Json(json!({
                        "error": "store",
                        "message": "the database could not answer; send again later",
                        "results": results,
                    })),
                )
                    .into_response();
            }
        }
    }
    (no_store(), Json(json!({ "results": results }))).into_response()
}

/// Signing out clears what this site keeps in the browser (the offline page's IndexedDB, its caches
/// and its service worker): `Clear-Site-Data` on the answer to `POST /signout`. The page's script also
/// clears them itself, for browsers without the header.
pub(crate) async fn clear_on_sign_out(request: Request, next: Next) -> Response {
    let sign_out = request.method() == Method::POST && request.uri().path() == "/signout";
    let mut response = next.run(request).await;
    if sign_out {
        response.headers_mut().insert(
            header::HeaderName::from_static("clear-site-data"),
            HeaderValue::from_static("\"cache\", \"storage\""),
        );
    }
    response
}

/// Keeps the duplicate index current with the household a synced record entered or changed.
async fn reindex_request(state: &AppState, request: uuid::Uuid) {
    if let Ok(Some(stored)) = state.store().registry_request(request).await {
        state.reindex_household(stored.request.household).await;
    }
}
