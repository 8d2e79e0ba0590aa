//! `/pengumuman`: announcements for the public, newest first, filtered by region and program; one
//! announcement at `/pengumuman/{id}`; the Atom feed at `/pengumuman.atom` (same filters); and the
//! officers' form at `/pengumuman/baru` (`Announce`, inside their scope).
//!
//! Reading the list or the feed first publishes the schedules of envelopes released since
//! ([`announcements::publish_schedules`]): nothing has to remember to, and each envelope is announced
//! once whoever gets there first.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Deserialize;
use tepat_core::access::Announce;
use tepat_core::portal::announcements::{self, AnnounceError, Block, Draft};
use tepat_domain::{Lang, Localized, RegionCode};
use tepat_store::{Announcement, AnnouncementFilter};
use uuid::Uuid;

use super::{atom, InfoNav};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::errors::server_error;
use crate::ui::format::{linkify, TextPart};
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, see_other};

/// How many announcements the page and the feed show.
const SHOWN: u32 = 100;
const IN_FEED: u32 = 50;
/// Western Indonesian Time, the time citizens of the regency read.
const WIB_HOURS: i64 = 7;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/pengumuman", get(list))
        .route("/pengumuman.atom", get(feed))
        .route("/pengumuman/baru", get(form).post(submit))
        .route("/pengumuman/{id}", get(one))
}

#[derive(Deserialize, Default)]
pub(super) struct Filter {
    #[serde(default)]
    wilayah: String,
    #[serde(default)]
    program: String,
}

/// An announcement in the reader's language, ready for the page.
pub(super) struct Shown {
    pub id: Uuid,
    pub title: String,
    pub blocks: Vec<ShownBlock>,
    pub published: String,
    pub region: String,
    pub program: Option<String>,
    /// Written by tepat from a released envelope.
    pub schedule: bool,
}

pub(super) struct ShownBlock {
    pub list: bool,
    pub lines: Vec<Vec<TextPart>>,
}

/// The text in `lang`: English when the author gave it, else the Indonesian original.
pub(super) fn text_in(a: &Announcement, lang: Lang) -> (&str, &str) {
    match (lang, &a.title_en, &a.body_en) {
        (Lang::En, Some(t), Some(b)) => (t, b),
        _ => (&a.title, &a.body),
    }
}

fn shown(state: &AppState, a: &Announcement, lang: Lang) -> Shown {
    let (title, body) = text_in(a, lang);
    Shown {
        id: a.id,
        title: title.to_owned(),
        blocks: announcements::blocks(body)
            .into_iter()
            .map(|b| match b {
                Block::Paragraph(lines) => ShownBlock {
                    list: false,
                    lines: lines.iter().map(|l| linkify(l)).collect(),
                },
                Block::List(items) => ShownBlock {
                    list: true,
                    lines: items.iter().map(|l| linkify(l)).collect(),
                },
            })
            .collect(),
        published: wib(a.publish_at, lang),
        region: region_name(state, a.region.as_ref(), lang),
        program: a.program.clone(),
        schedule: a.source.is_some(),
    }
}

pub(super) fn wib(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.naive_utc() + Duration::hours(WIB_HOURS);
    let time = match lang {
        Lang::Id => local.format("%H.%M"),
        Lang::En => local.format("%H:%M"),
    };
    format!("{} {time} WIB", announcements::date(local.date(), lang))
}

pub(super) fn region_name(state: &AppState, region: Option<&RegionCode>, lang: Lang) -> String {
    match region {
        None => super::strings(lang).ann_everywhere.to_owned(),
        Some(code) => state
            .regions()
            .get(code)
            .map(|r| format!("{} ({})", r.name, code.dotted()))
            .unwrap_or_else(|| code.dotted()),
    }
}

/// The filter from the query: an unknown region is `Err`, to be said rather than ignored.
fn filter_of(state: &AppState, f: &Filter, limit: u32) -> Result<AnnouncementFilter, ()> {
    let region = match f.wilayah.trim() {
        "" => None,
        text => Some(
            RegionCode::parse(text)
                .ok()
                .filter(|c| state.regions().get(c).is_some())
                .ok_or(())?,
        ),
    };
    let program = Some(f.program.trim())
        .filter(|p| !p.is_empty() && p.len() <= 32)
        .map(str::to_owned);
    Ok(AnnouncementFilter {
        region,
        program,
        published_by: Utc::now(),
        limit,
    })
}

/// Publishes pending schedules; a failure is logged and the page shows what is there.
async fn catch_up(state: &AppState) {
    let names = |code: &RegionCode| state.regions().get(code).map(|r| r.name.clone());
    if let Err(error) = announcements::publish_schedules(state.store(), &names, Utc::now()).await {
        tracing::error!(%error, "announcements: cannot publish distribution schedules");
    }
}

#[derive(Template)]
#[template(path = "info/announcements.html")]
struct ListPage<'a> {
    page: &'a Layout,
    nav: InfoNav,
    wilayah: String,
    program: String,
    programs: Vec<(String, String)>,
    error: String,
    items: Vec<Shown>,
    feed: String,
}

/// `GET /pengumuman`.
async fn list(State(state): State<AppState>, page: Layout, Query(f): Query<Filter>) -> Response {
    catch_up(&state).await;
    let nav = InfoNav::new(&page, "/pengumuman");
    let (status, error, items) = match filter_of(&state, &f, SHOWN) {
        Err(()) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            nav.s.ann_bad_region.to_owned(),
            Vec::new(),
        ),
        Ok(filter) => match state.store().announcements(&filter).await {
            Ok(found) => (
                StatusCode::OK,
                String::new(),
                found.iter().map(|a| shown(&state, a, page.lang)).collect(),
            ),
            Err(error) => {
                tracing::error!(%error, "announcements: cannot list");
                return server_error(&page);
            }
        },
    };
    let programs = tepat_core::targeting::programs::current(state.store())
        .await
        .map(|p| {
            p.iter()
                .map(|p| (p.code.clone(), p.name(page.lang).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let feed = feed_url(&f);
    render(
        status,
        page.lang,
        &ListPage {
            page: &page,
            nav,
            wilayah: f.wilayah.trim().to_owned(),
            program: f.program.trim().to_owned(),
            programs,
            error,
            items,
            feed,
        },
    )
}

/// The feed's address with the same filters (region codes and program codes only: nothing personal).
fn feed_url(f: &Filter) -> String {
    let mut query = Vec::new();
    let keep = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    if !f.wilayah.trim().is_empty() && keep(f.wilayah.trim()) {
        query.push(format!("wilayah={}", f.wilayah.trim()));
    }
    if !f.program.trim().is_empty() && keep(f.program.trim()) {
        query.push(format!("program={}", f.program.trim()));
    }
    if query.is_empty() {
        "/pengumuman.atom".into()
    } else {
        format!("/pengumuman.atom?{}", query.join("&"))
    }
}

#[derive(Template)]
#[template(path = "info/announcement.html")]
struct OnePage<'a> {
    page: &'a Layout,
    nav: InfoNav,
    item: Shown,
}

/// `GET /pengumuman/{id}`: only once published.
async fn one(State(state): State<AppState>, page: Layout, Path(id): Path<String>) -> Response {
    let found = match Uuid::parse_str(&id) {
        Ok(id) => state.store().announcement(id).await,
        Err(_) => Ok(None),
    };
    match found {
        Ok(Some(a)) if a.publish_at <= Utc::now() => {
            let nav = InfoNav::new(&page, "/pengumuman");
            let item = shown(&state, &a, page.lang);
            render(
                StatusCode::OK,
                page.lang,
                &OnePage {
                    page: &page,
                    nav,
                    item,
                },
            )
        }
        Ok(_) => crate::ui::errors::not_found(page).await,
        Err(error) => {
            tracing::error!(%error, "announcements: cannot read one");
            server_error(&page)
        }
    }
}

/// `GET /pengumuman.atom`: the same list as an Atom feed (RFC 4287), in the request's language.
async fn feed(
    State(state): State<AppState>,
    page: Layout,
    headers: axum::http::HeaderMap,
    Query(f): Query<Filter>,
) -> Response {
    catch_up(&state).await;
    let Ok(filter) = filter_of(&state, &f, IN_FEED) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            super::strings(page.lang).ann_bad_region,
        )
            .into_response();
    };
    let items = match state.store().announcements(&filter).await {
        Ok(items) => items,
        Err(error) => {
            tracing::error!(%error, "announcements: cannot build the feed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let base = base_url(&state, &headers);
    let xml = atom::feed(
        &atom::FeedInfo {
            base: &base,
            self_path: &feed_url(&f),
            title: super::strings(page.lang).announcements_title,
            lang: page.lang,
            region: |a: &Announcement| region_name(&state, a.region.as_ref(), page.lang),
        },
        &items,
    );
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/atom+xml; charset=utf-8"),
            ),
            (
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(page.lang.tag()),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        xml,
    )
        .into_response()
}

/// Atom wants absolute addresses: the configured public address, else the request's host.
fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(public) = &state.config().public_url {
        return public.as_str().trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[derive(Template)]
#[template(path = "info/announce_form.html")]
struct FormPage<'a> {
    page: &'a Layout,
    nav: InfoNav,
    f: FormInput,
    programs: Vec<(String, String)>,
    error: String,
}

#[derive(Deserialize, Default)]
pub(super) struct FormInput {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    body_en: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    program: String,
    #[serde(default)]
    publish_at: String,
}

async fn show_form(
    state: &AppState,
    page: &Layout,
    status: StatusCode,
    f: FormInput,
    error: String,
) -> Response {
    let programs = tepat_core::targeting::programs::current(state.store())
        .await
        .map(|p| {
            p.iter()
                .map(|p| (p.code.clone(), p.name(page.lang).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    no_store(render(
        status,
        page.lang,
        &FormPage {
            page,
            nav: InfoNav::new(page, "/pengumuman"),
            f,
            programs,
            error,
        },
    ))
}

/// `GET /pengumuman/baru`.
async fn form(State(state): State<AppState>, page: Layout, user: SignedIn) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<Announce>() {
        return forbidden_page(&page, &denied);
    }
    let f = FormInput {
        region: user.actor.scope().code(),
        ..FormInput::default()
    };
    show_form(&state, &page, StatusCode::OK, f, String::new()).await
}

/// `POST /pengumuman/baru`: published, then the announcement's page; else the form again with why.
async fn submit(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Form(f): Form<FormInput>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<Announce>() {
        return forbidden_page(&page, &denied);
    }
    let s = super::strings(page.lang);
    let region = match f.region.trim() {
        "" | "*" => None,
        text => match RegionCode::parse(text)
            .ok()
            .filter(|c| state.regions().get(c).is_some())
        {
            Some(c) => Some(c),
            None => {
                let error = s.ann_bad_region.to_owned();
                return show_form(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, f, error).await;
            }
        },
    };
    let publish_at = match parse_wib(&f.publish_at) {
        Ok(t) => t,
        Err(()) => {
            let error = s.form_bad_time.to_owned();
            return show_form(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, f, error).await;
        }
    };
    let draft = Draft {
        title: f.title.clone(),
        body: f.body.clone(),
        title_en: f.title_en.clone(),
        body_en: f.body_en.clone(),
        region,
        program: Some(f.program.trim())
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        publish_at,
    };
    match announcements::publish(state.store(), &user.actor, draft, Utc::now()).await {
        Ok(a) => see_other(&format!("/pengumuman/{}", a.id)),
        Err(e) => {
            let status = match e {
                AnnounceError::Denied(_) => StatusCode::FORBIDDEN,
                AnnounceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            show_form(&state, &page, status, f, e.message(page.lang)).await
        }
    }
}

/// `2027-02-03 08:00` in WIB; empty: now (`None`).
fn parse_wib(text: &str) -> Result<Option<DateTime<Utc>>, ()> {
    let text = text.trim().replace('T', " ");
    if text.is_empty() {
        return Ok(None);
    }
    let local = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M").map_err(|_| ())?;
    Ok(Some((local - Duration::hours(WIB_HOURS)).and_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publication_times_are_read_in_wib() {
        let t = parse_wib("2027-02-03 08:00").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2027-02-03T01:00:00+00:00");
        assert_eq!(parse_wib("2027-02-03T08:00").unwrap(), Some(t));
        assert_eq!(parse_wib("  ").unwrap(), None);
        assert!(parse_wib("besok").is_err());
        assert_eq!(wib(t, Lang::Id), "Rabu, 3 Februari 2027 08.00 WIB");
    }

    #[test]
    fn the_feed_address_keeps_only_codes() {
        let f = Filter {
            wilayah: "19.02".into(),
            program: "PKH".into(),
        };
        assert_eq!(feed_url(&f), "/pengumuman.atom?wilayah=19.02&program=PKH");
        let odd = Filter {
            wilayah: "<script>".into(),
            program: String::new(),
        };
        assert_eq!(feed_url(&odd), "/pengumuman.atom");
    }
}
