//! [`SignedIn`]: the extractor that gives a handler the signed-in [`Actor`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tepat_core::access::Actor;

use crate::auth::session::CurrentSession;
use crate::state::AppState;

/// The signed-in user of this request. A handler that takes it is not reached without a valid session:
/// browsers are sent to the sign-in page (and back here afterwards), API clients get `401` with a JSON
/// body.
///
/// ```text
/// async fn page(user: SignedIn, ...) -> Response {
///     let grant = user.actor.may::<Propose>(&village)?; // the role and scope check
///     ...
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub actor: Actor,
    pub display_name: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<SignedIn, Response> {
        if let Some(session) = parts
            .extensions
            .get::<CurrentSession>()
            .and_then(CurrentSession::session)
        {
            return Ok(SignedIn {
                actor: session.actor.clone(),
                display_name: session.display_name.clone(),
            });
        }
        let path = parts.uri.path();
        if path.starts_with("/api/") {
            return Err((
                StatusCode::UNAUTHORIZED,
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
                axum::Json(serde_json::json!({
                    "error": "not_signed_in",
                    "message": "sign in first: this request needs a session",
                })),
            )
                .into_response());
        }
        // Back to this page after signing in: its path only (a query string could hold anything).
        let location = format!("{}?next={}", super::SIGN_IN, encode_path(path));
        let mut response = (
            StatusCode::SEE_OTHER,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        Err(response)
    }
}

/// Percent-encodes what a query value must not contain raw.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `next` address to go to after sign-in, if it is a path on this site (never another host).
pub(crate) fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic())
        && next != super::SIGN_IN;
    ok.then(|| next.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/home")), Some("/home".into()));
        assert_eq!(
            safe_next(Some("/registry/queue")),
            Some("/registry/queue".into())
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "home",
            "/signin",
            "/a b",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
        assert_eq!(encode_path("/a b?c"), "/a%20b%3Fc");
    }
}
