//! Middleware: finds the signed-in session of the request's cookie, once per request, for the
//! [`SignedIn`](super::SignedIn) extractor, the CSRF check and the page header.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tepat_core::auth::{Session, SessionToken};

use crate::auth::{cookie, session_cookie_name, set_cookie};
use crate::state::AppState;

/// The request's session, if its cookie names one that is valid (put in the request's extensions).
#[derive(Clone, Default)]
pub struct CurrentSession(Option<Arc<Session>>);

impl CurrentSession {
    pub fn session(&self) -> Option<&Session> {
        self.0.as_deref()
    }
}

/// Middleware: see the module documentation. A cookie whose session has ended (expired, signed out
/// elsewhere, password changed) is deleted from the browser.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/static/") {
        return next.run(request).await;
    }
    let secure = state.config().secure_cookies();
    let name = session_cookie_name(secure);
    let token = cookie(request.headers(), name).map(SessionToken::from_cookie);
    let session = match &token {
        None => None,
        Some(token) => match state.auth().session(token).await {
            Ok(s) => s,
            Err(error) => {
                tracing::error!(%error, "cannot read the session; treating the request as signed out");
                None
            }
        },
    };
    let stale = token.is_some() && session.is_none();
    request
        .extensions_mut()
        .insert(CurrentSession(session.map(Arc::new)));
    let mut response = next.run(request).await;
    let handler_set_it = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()));
    if stale && !handler_set_it {
        if let Ok(v) = HeaderValue::from_str(&set_cookie(name, "", secure, Some(0))) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}
