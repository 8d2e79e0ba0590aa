//! The answer when a signed-in user may not do what they asked: `403`, saying what and why in their
//! language (from [`Denied`]), never which record.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tepat_core::access::Denied;
use tepat_domain::{Lang, Localized};

use crate::ui::layout::{render, Layout};

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    page: &'a Layout,
    title: &'static str,
    body: String,
    request_id: Option<crate::telemetry::RequestId>,
}

/// `403` as a page: for handlers whose `actor.may::<Action>(region)` said no.
pub fn forbidden_page(page: &Layout, denied: &Denied) -> Response {
    let message = Message {
        page,
        title: page.t.forbidden_title,
        body: format!("{}.", capitalised(&denied.message(page.lang))),
        request_id: None,
    };
    let mut response = render(StatusCode::FORBIDDEN, page.lang, &message);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `403` as JSON, for `/api/…`: `{"error":"forbidden","message":…}`.
pub fn forbidden_json(denied: &Denied, lang: Lang) -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(serde_json::json!({
            "error": "forbidden",
            "message": denied.message(lang),
        })),
    )
        .into_response()
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
