//! What the base layout (`templates/base.html`) shows on every page.

use std::convert::Infallible;
use std::sync::LazyLock;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tepat_domain::Lang;

use crate::assets;
use crate::auth::csrf::CsrfToken;
use crate::auth::CurrentSession;
use crate::state::AppState;
use crate::telemetry::RequestId;
use crate::ui::format::{linkify, TextPart};
use crate::ui::i18n::{strings, Strings};
use crate::ui::lang;

/// The part of every page that comes from the request, not from the page: language, strings, asset
/// URLs, language-switch links and footer. Handlers take it as an extractor.
pub struct Layout {
    pub lang: Lang,
    pub lang_is_id: bool,
    pub t: &'static Strings,
    pub css_url: &'static str,
    pub favicon_url: &'static str,
    /// This page in Bahasa Indonesia / in English.
    pub switch_id: String,
    pub switch_en: String,
    /// The region data's ODbL notice in this language, with its addresses as links.
    pub attribution: &'static [TextPart],
    pub source_url: &'static str,
    pub licence: &'static str,
    pub version: &'static str,
    /// For error pages, so a user can quote it.
    pub request_id: Option<RequestId>,
    /// The signed-in officer, for the header.
    pub user: Option<HeaderUser>,
    /// This request's CSRF token (see [`Layout::csrf`]).
    csrf: Option<CsrfToken>,
}

/// Who the header says is signed in.
pub struct HeaderUser {
    pub display_name: String,
    pub username: String,
    pub role: &'static str,
    /// The officer's menu (address, label): the registry and audit pages their role may open.
    pub menu: Vec<(&'static str, &'static str)>,
}

static ATTRIBUTION_ID: LazyLock<Vec<TextPart>> =
    LazyLock::new(|| linkify(tepat_regions::ATTRIBUTION_ID));
static ATTRIBUTION_EN: LazyLock<Vec<TextPart>> =
    LazyLock::new(|| linkify(tepat_regions::ATTRIBUTION_EN));

impl Layout {
    pub fn new(lang: Lang, path: &str, query: Option<&str>) -> Layout {
        Layout {
            lang,
            lang_is_id: lang == Lang::Id,
            t: strings(lang),
            css_url: assets::url("tepat.css"),
            favicon_url: assets::url("favicon.svg"),
            switch_id: lang::switch_url(path, query, Lang::Id),
            switch_en: lang::switch_url(path, query, Lang::En),
            attribution: match lang {
                Lang::Id => &ATTRIBUTION_ID,
                Lang::En => &ATTRIBUTION_EN,
            },
            source_url: env!("CARGO_PKG_REPOSITORY"),
            licence: env!("CARGO_PKG_LICENSE"),
            version: env!("CARGO_PKG_VERSION"),
            request_id: None,
            user: None,
            csrf: None,
        }
    }

    /// The CSRF token for a form on this page: `<input type="hidden" name="csrf" value="{{ page.csrf() }}">`.
    pub fn csrf(&self) -> &str {
        self.csrf.as_ref().map_or("", CsrfToken::value)
    }

    /// The layout for a request: its negotiated language and its address.
    pub fn for_request(parts: &Parts, default: Lang) -> Layout {
        let lang = lang::negotiate(&parts.headers, default);
        let mut layout = Layout::new(lang, parts.uri.path(), parts.uri.query());
        layout.request_id = parts.extensions.get::<RequestId>().copied();
        layout.csrf = parts.extensions.get::<CsrfToken>().cloned();
        layout.user = parts
            .extensions
            .get::<CurrentSession>()
            .and_then(CurrentSession::session)
            .map(|s| HeaderUser {
                display_name: s.display_name.clone(),
                username: s.actor.username().to_owned(),
                role: s.actor.role().label(lang),
                menu: crate::ui::registry::menu(&s.actor, lang),
            });
        layout
    }
}

impl FromRequestParts<AppState> for Layout {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Layout, Infallible> {
        Ok(Layout::for_request(parts, state.config().default_lang))
    }
}

/// A rendered page as a response: HTML, its language, and caching that respects the language choice.
pub(crate) fn render(status: StatusCode, lang: Lang, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (
            status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (
                    header::CONTENT_LANGUAGE,
                    HeaderValue::from_static(lang.tag()),
                ),
                (
                    header::VARY,
                    HeaderValue::from_static("Cookie, Accept-Language"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "a page template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}
