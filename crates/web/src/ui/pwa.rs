//! The citizens' installable app (issue 8, part 8; `docs/citizen-app.md`): the web manifest
//! (`/manifest.webmanifest`), the citizens' service worker (`/warga-sw.js`, scope `/`) and the page it
//! shows when a page is asked for without signal and none is kept (`/warga/luring`).
//!
//! The worker keeps the status page, the offline page, the landing page and the information pages; it
//! answers for nothing else, so the officers' pages and their own workers (scopes `/lapangan` and
//! `/penyaluran/pindai`, more specific, so browsers prefer them there) are not touched.

use std::sync::LazyLock;

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;
use tepat_domain::Lang;

use crate::state::AppState;
use crate::ui::citizen::check::PAGE as CHECK;
use crate::ui::citizen::check_strings::{strings, CheckStrings};
use crate::ui::layout::{render, Layout};

/// The worker's address: at the root, so its scope can be `/`.
pub const WORKER: &str = "/warga-sw.js";
/// The page shown for a citizen page asked for without signal and not kept.
pub const FALLBACK: &str = "/warga/luring";
/// The manifest's address.
pub const MANIFEST: &str = "/manifest.webmanifest";
/// The installed app's colour (tepat.css's `--brand`).
pub const THEME_COLOUR: &str = "#0b6e4f";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(MANIFEST, get(manifest))
        .route(WORKER, get(service_worker))
        .route(FALLBACK, get(offline_page))
}

/// The information pages to keep on the phone (listed by the information pages themselves).
fn info_pages() -> &'static [&'static str] {
    crate::ui::info::OFFLINE_PAGES
}

/// The pages the worker keeps and serves without signal, the status page first.
pub fn offline_pages() -> Vec<&'static str> {
    let mut pages = vec![CHECK, FALLBACK, "/"];
    pages.extend_from_slice(info_pages());
    pages
}

/// The hashed assets the kept pages need.
fn offline_assets() -> [&'static str; 3] {
    [
        crate::assets::url("tepat.css"),
        crate::assets::url("favicon.svg"),
        crate::assets::url("warga.js"),
    ]
}

/// The worker, with the pages and assets it keeps written in; its version is derived from them, so a
/// new asset or page list makes a new worker (and the old cache is dropped).
static SERVICE_WORKER: LazyLock<String> = LazyLock::new(|| {
    let pages = offline_pages();
    let precache: Vec<&str> = pages.iter().copied().chain(offline_assets()).collect();
    let list = serde_json::to_string(&precache).unwrap_or_else(|_| "[]".into());
    let version = short_hash(&list);
    include_str!("../../static/warga-sw.js")
        .replace(
            "\"__PAGES__\"",
            &serde_json::to_string(&pages).unwrap_or_else(|_| "[]".into()),
        )
        .replace("\"__PRECACHE__\"", &list)
        .replace("__VERSION__", &version)
});

fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `GET /warga-sw.js`: never cached for long, so a new version is found on the next visit.
async fn service_worker() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        SERVICE_WORKER.as_str(),
    )
        .into_response()
}

/// The manifest in `lang`: browsers fetch it without cookies, so the language comes from
/// `Accept-Language` (Indonesian unless English is asked for).
pub fn manifest_json(lang: Lang) -> serde_json::Value {
    let t = strings(lang);
    json!({
        "id": CHECK,
        "name": t.app_name,
        "short_name": t.app_short,
        "description": t.app_description,
        "lang": lang.tag(),
        "dir": "ltr",
        "start_url": CHECK,
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            { "src": crate::assets::url("icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any" },
            { "src": crate::assets::url("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any" },
            { "src": crate::assets::url("icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable" },
            { "src": crate::assets::url("favicon.svg"), "sizes": "any", "type": "image/svg+xml" },
        ],
    })
}

/// `GET /manifest.webmanifest`.
async fn manifest(page: Layout) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/manifest+json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::VARY, HeaderValue::from_static("Accept-Language")),
        ],
        manifest_json(page.lang).to_string(),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "citizen/offline.html")]
struct OfflinePage<'a> {
    page: &'a Layout,
    t: &'static CheckStrings,
    check: &'static str,
}

/// `GET /warga/luring`: kept by the worker, shown for a page asked for without signal.
async fn offline_page(page: Layout) -> Response {
    render(
        StatusCode::OK,
        page.lang,
        &OfflinePage {
            page: &page,
            t: strings(page.lang),
            check: CHECK,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_keeps_the_status_page_and_its_assets() {
        let worker = SERVICE_WORKER.as_str();
        assert!(!worker.contains("__"), "every placeholder is written in");
        assert!(worker.contains("\"/cek\""));
        assert!(worker.contains(crate::assets::url("warga.js")));
        assert!(worker.contains("var CACHE = 'tepat-warga-"));
    }

    #[test]
    fn the_manifest_starts_at_the_status_page_with_a_maskable_icon() {
        let m = manifest_json(Lang::Id);
        assert_eq!(m["start_url"], "/cek");
        assert_eq!(m["lang"], "id");
        assert_eq!(m["display"], "standalone");
        let icons = m["icons"].as_array().unwrap();
        assert!(icons.iter().any(|i| i["purpose"] == "maskable"));
        assert!(icons.iter().any(|i| i["sizes"] == "512x512"));
        assert_eq!(manifest_json(Lang::En)["lang"], "en");
    }
}
