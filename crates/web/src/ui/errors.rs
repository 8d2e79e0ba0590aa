//! The pages shown when something is not there or went wrong, in the visitor's language.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use crate::telemetry::RequestId;
use crate::ui::layout::{render, Layout};

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    page: &'a Layout,
    title: &'static str,
    body: &'static str,
    request_id: Option<RequestId>,
}

/// The fallback of the whole application: 404 with a page in the visitor's language.
pub(crate) async fn not_found(page: Layout) -> Response {
    let message = Message {
        page: &page,
        title: page.t.not_found_title,
        body: page.t.not_found_body,
        request_id: None,
    };
    render(StatusCode::NOT_FOUND, page.lang, &message)
}

/// 500 with the request id, for a handler that could not do its work (the cause is already logged).
pub(crate) fn server_error(page: &Layout) -> Response {
    let message = Message {
        page,
        title: page.t.server_error_title,
        body: page.t.server_error_body,
        request_id: page.request_id,
    };
    render(StatusCode::INTERNAL_SERVER_ERROR, page.lang, &message)
}
