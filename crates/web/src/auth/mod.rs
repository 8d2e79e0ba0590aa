//! Officers' sign-in in the web application: the session cookie, the [`SignedIn`] extractor every
//! protected handler takes, CSRF protection of every state-changing request, and the pages
//! (`/signin`, `/signout`, `/home`).
//!
//! - [`session`]: middleware that finds the session of the request's cookie once
//!   ([`tepat_core::auth::AuthService::session`]) and leaves it in the request's extensions.
//! - [`SignedIn`]: the extractor. A handler that takes it runs only for a signed-in user; others get a
//!   redirect to `/signin` (HTML) or `401` with a JSON body (`/api/…`). Data access then goes through
//!   `signed_in.actor.may::<Action>(region)`, which hands out the grant the store requires.
//! - [`csrf`]: middleware on the whole application: a `POST`/`PUT`/`PATCH`/`DELETE` without the page's
//!   token, or from another site's page, is refused before any handler runs. There is nothing to
//!   remember when adding a route; exemptions are a short list in that module, each with its reason.
//! - [`forbidden_page`] / [`forbidden_json`]: `403` with the reason of a
//!   [`Denied`](tepat_core::access::Denied), in the user's language.
//! - `pages`: the sign-in form, sign-out, and the officers' landing page.
//! - `passkey`: passkeys (WebAuthn) as a second way to sign in, and `/home/passkeys`.
//!
//! See `docs/accounts.md`.

pub mod csrf;
mod denied;
mod extract;
mod pages;
pub(crate) mod passkey;
pub mod session;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub use denied::{forbidden_json, forbidden_page};
pub use extract::SignedIn;
pub use session::CurrentSession;

/// The cookie that holds the session token (`__Host-` when cookies are `Secure`: then browsers accept it
/// only from this exact host, over HTTPS, for path `/`).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-tepat_session"
    } else {
        "tepat_session"
    }
}

/// The page officers land on after signing in.
pub const HOME: &str = "/home";
/// The sign-in page.
pub const SIGN_IN: &str = "/signin";

/// `/signin` (GET, POST), `/signout` (POST), `/home` (GET), `/home/password` (GET, POST), with the `?lang=` switch of the UI.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route(SIGN_IN, get(pages::sign_in_form).post(pages::sign_in))
        .route("/signout", post(pages::sign_out))
        .route(HOME, get(pages::home))
        .route(
            "/home/password",
            get(pages::password_form).post(pages::change_password),
        )
        .merge(passkey::routes())
        .layer(axum::Extension(passkey::PasskeySite::from_config(
            state.config(),
        )))
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::ui::lang::switch,
        ))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, path `/`, `Secure` when `secure`. `max_age`
/// `None` makes a cookie that ends with the browser session; `Some(0)` deletes it.
pub(crate) fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}
