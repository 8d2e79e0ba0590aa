//! Cross-site request forgery protection for the whole application, as a middleware: a request that can
//! change something (`POST`, `PUT`, `PATCH`, `DELETE`, anything but `GET`/`HEAD`/`OPTIONS`) is refused
//! with `403` before any handler runs unless
//!
//! 1. its `Origin` header, when sent, is this site (and `Sec-Fetch-Site`, when sent, is `same-origin` or
//!    `none`; pages here are served with `Referrer-Policy: no-referrer`, so browsers send their forms with
//!    `Origin: null`, which says nothing either way), and
//! 2. it carries this page's token: the form field `csrf` (URL-encoded or multipart forms) or the header
//!    `X-CSRF-Token` (htmx, `fetch`).
//!
//! The token is a per-session synchronizer token derived from the session's secret:
//! `SHA-256("tepat csrf session" ‖ session token)`; the database stores neither. Before sign-in (the
//! sign-in form itself) it is derived the same way from a random value in a separate `HttpOnly`
//! cookie, set when a page first shows a form. Another site can neither read the token (it is in the
//! page, which the same-origin policy keeps from it) nor compute it (it never sees the cookie).
//!
//! Templates put `<input type="hidden" name="csrf" value="{{ page.csrf() }}">` in every form. A route
//! that must accept requests without a token goes in [`EXEMPT`] with its reason; nothing else can
//! forget the check.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::{cookie, session::CurrentSession, set_cookie};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// The form field that carries the token.
pub const FIELD: &str = "csrf";
/// The header that carries the token (for scripts).
pub const HEADER: &str = "x-csrf-token";

/// Routes that take state-changing methods without a token, and why. Keep it short.
pub const EXEMPT: &[(&str, &str)] = &[(
    "/ledger/receipt",
    "checks pasted receipt text against public keys: it reads nothing private and changes nothing",
)];

/// The cookie that carries the pre-sign-in secret.
fn anon_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-tepat_csrf"
    } else {
        "tepat_csrf"
    }
}

/// This request's token, for the page's forms. Handlers and [`Layout`] read it from the request's
/// extensions.
#[derive(Clone)]
pub struct CsrfToken {
    value: Arc<str>,
    /// Set when a page showed the token: only then is a new pre-sign-in cookie worth sending.
    shown: Arc<AtomicBool>,
}

impl CsrfToken {
    /// The token, to put in a form (marks it as shown).
    pub fn value(&self) -> &str {
        self.shown.store(true, Ordering::Relaxed);
        &self.value
    }
}

fn derive(kind: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tepat csrf ");
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a request was refused (logged; the user sees one message).
#[derive(Debug, Clone, Copy)]
enum Refusal {
    CrossSite,
    MissingToken,
    WrongToken,
    TooLarge,
}

/// Middleware: see the module documentation. Runs inside the session middleware.
pub(crate) async fn protect(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let secure = state.config().secure_cookies();
    let signed_in = request
        .extensions()
        .get::<CurrentSession>()
        .is_some_and(|c| c.session().is_some());
    let (expected, new_anon) = if signed_in {
        let session = cookie(request.headers(), super::session_cookie_name(secure)).unwrap_or("");
        (derive("session", session), None)
    } else {
        match cookie(request.headers(), anon_cookie_name(secure)).filter(|v| v.len() >= 32) {
            Some(secret) => (derive("anon", secret), None),
            None => {
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
                (derive("anon", &secret), Some(secret))
            }
        }
    };

    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let exempt = EXEMPT.iter().any(|(path, _)| request.uri().path() == *path);
    let request = if unsafe_method && !exempt {
        match check(&state, request, &expected, new_anon.is_some()).await {
            Ok(request) => request,
            Err((refusal, parts)) => return refused(&state, &parts, refusal),
        }
    } else {
        request
    };

    let token = CsrfToken {
        value: expected.into(),
        shown: Arc::new(AtomicBool::new(false)),
    };
    let shown = token.shown.clone();
    let mut request = request;
    request.extensions_mut().insert(token);
    let mut response = next.run(request).await;
    if let Some(secret) = new_anon {
        if shown.load(Ordering::Relaxed) {
            let c = set_cookie(anon_cookie_name(secure), &secret, secure, None);
            if let Ok(v) = HeaderValue::from_str(&c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    response
}

type Parts = axum::http::request::Parts;

/// Checks origin and token; gives the request back (its body re-assembled) when both are right.
async fn check(
    state: &AppState,
    request: Request,
    expected: &str,
    no_secret: bool,
) -> Result<Request, (Refusal, Parts)> {
    let (parts, body) = request.into_parts();
    if !same_origin(state, &parts.headers) {
        return Err((Refusal::CrossSite, parts));
    }
    if let Some(h) = parts.headers.get(HEADER) {
        return if !no_secret && same(h.as_bytes(), expected.as_bytes()) {
            Ok(Request::from_parts(parts, body))
        } else {
            Err((Refusal::WrongToken, parts))
        };
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = match axum::body::to_bytes(body, state.config().max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return Err((Refusal::TooLarge, parts)),
    };
    let presented = if content_type.starts_with("application/x-www-form-urlencoded") {
        form_field(&bytes)
    } else if content_type.starts_with("multipart/form-data") {
        multipart_field(&bytes)
    } else {
        None
    };
    match presented {
        None => Err((Refusal::MissingToken, parts)),
        Some(t) if !no_secret && same(t, expected.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        Some(_) => Err((Refusal::WrongToken, parts)),
    }
}

/// The `csrf` field of a URL-encoded body (the token needs no percent-decoding: it is base64url).
fn form_field(body: &[u8]) -> Option<&[u8]> {
    body.split(|&b| b == b'&').find_map(|pair| {
        let mut kv = pair.splitn(2, |&b| b == b'=');
        (kv.next()? == FIELD.as_bytes()).then(|| kv.next().unwrap_or_default())
    })
}

/// The `csrf` part of a multipart body.
fn multipart_field(body: &[u8]) -> Option<&[u8]> {
    let marker = b"name=\"csrf\"";
    let at = body.windows(marker.len()).position(|w| w == marker)?;
    let rest = &body[at..];
    let start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let value = &rest[start..];
    let end = value.windows(2).position(|w| w == b"\r\n")?;
    Some(&value[..end])
}

/// `Origin` (when sent) names this site; `Sec-Fetch-Site` (when sent) says the request came from it.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    // Browsers send `Origin: null` for forms of pages with `Referrer-Policy: no-referrer` (ours, see
    // `security`): then `Sec-Fetch-Site`, checked above, and the token are what count.
    let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
    else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    if let Some(public) = &state.config().public_url {
        // The public URL may carry a path; its origin is scheme://host[:port].
        let url = public.as_str();
        let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
        let host = rest.split('/').next().unwrap_or_default();
        return origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"));
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin.eq_ignore_ascii_case(&format!("http://{host}"))
        || origin.eq_ignore_ascii_case(&format!("https://{host}"))
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    page: &'a Layout,
    title: &'static str,
    body: &'static str,
    request_id: Option<crate::telemetry::RequestId>,
}

fn refused(state: &AppState, parts: &Parts, refusal: Refusal) -> Response {
    tracing::warn!(?refusal, method = %parts.method, "state-changing request refused (CSRF check)");
    if matches!(refusal, Refusal::TooLarge) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    if parts.uri.path().starts_with("/api/") {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "error": "csrf",
                "message": "the request has no valid CSRF token or comes from another site; send the page's \
                            token in the X-CSRF-Token header",
            })),
        )
            .into_response();
    }
    let page = Layout::for_request(parts, state.config().default_lang);
    let message = Message {
        page: &page,
        title: page.t.csrf_title,
        body: page.t.csrf_body,
        request_id: page.request_id,
    };
    let mut response = render(StatusCode::FORBIDDEN, page.lang, &message);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_in_forms() {
        assert_eq!(form_field(b"username=a&csrf=abc&x=1"), Some(&b"abc"[..]));
        assert_eq!(form_field(b"csrf="), Some(&b""[..]));
        assert_eq!(form_field(b"xcsrf=abc"), None);
        let multipart =
            b"--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n--b\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx\r\n--b--\r\n";
        assert_eq!(multipart_field(multipart), Some(&b"tok123"[..]));
        assert_eq!(multipart_field(b"--b\r\n\r\n"), None);
    }

    #[test]
    fn tokens_differ_per_secret_and_kind() {
        assert_ne!(derive("session", "a"), derive("session", "b"));
        assert_ne!(derive("session", "a"), derive("anon", "a"));
        assert_eq!(derive("anon", "a"), derive("anon", "a"));
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
