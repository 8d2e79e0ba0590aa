//! `/signin`, `/signout` and `/home`.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use tepat_core::access;
use tepat_core::auth::{Password, SessionToken, SignInError};
use tepat_domain::{Lang, Localized, Scope};

use super::extract::safe_next;
use super::passkey::{self, Offer, PasskeySite};
use super::{cookie, session_cookie_name, set_cookie, SignedIn, HOME, SIGN_IN};
use crate::auth::session::CurrentSession;
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    page: &'a Layout,
    username: &'a str,
    next: &'a str,
    error: Option<String>,
    passkey: Offer,
}

#[derive(Deserialize, Default)]
pub(crate) struct NextParam {
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn see_other(location: &str) -> Response {
    let mut response = (StatusCode::SEE_OTHER, ()).into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    no_store(response)
}

fn form(
    page: &Layout,
    status: StatusCode,
    username: &str,
    next: &str,
    error: Option<String>,
    passkey: Offer,
) -> Response {
    no_store(render(
        status,
        page.lang,
        &SignInPage {
            page,
            username,
            next,
            error,
            passkey,
        },
    ))
}

/// `GET /signin`: the form (or, when already signed in, the officers' page).
pub(crate) async fn sign_in_form(
    page: Layout,
    current: Option<axum::Extension<CurrentSession>>,
    Query(q): Query<NextParam>,
    axum::Extension(site): axum::Extension<PasskeySite>,
    headers: HeaderMap,
) -> Response {
    let next = safe_next(q.next.as_deref()).unwrap_or_default();
    if current.is_some_and(|c| c.session().is_some()) {
        return see_other(if next.is_empty() { HOME } else { &next });
    }
    let offer = passkey::offer(&site, &headers, page.lang);
    form(&page, StatusCode::OK, "", &next, None, offer)
}

/// The client's address: from the configured proxy header, else the TCP peer.
pub(super) fn client_address(
    state: &AppState,
    parts_headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Option<IpAddr> {
    if let Some(name) = &state.config().auth.client_ip_header {
        return parts_headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
    }
    peer.map(|p| p.ip())
}

/// `POST /signin` (fields `username`, `password`, `next`; the CSRF token is checked before this runs).
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    page: Layout,
    headers: HeaderMap,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    axum::Extension(site): axum::Extension<PasskeySite>,
    Form(input): Form<SignInForm>,
) -> Response {
    let offer = passkey::offer(&site, &headers, page.lang);
    let next = safe_next(Some(&input.next)).unwrap_or_default();
    let username = input.username.trim();
    if username.is_empty() || input.password.is_empty() {
        return form(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            username,
            &next,
            Some(page.t.signin_missing.to_owned()),
            offer,
        );
    }
    let client = client_address(
        &state,
        &headers,
        peer.map(|axum::Extension(ConnectInfo(a))| a),
    );
    let password = Password::new(input.password);
    match state.auth().sign_in(username, &password, client).await {
        Ok(signed) => {
            let secure = state.config().secure_cookies();
            let name = session_cookie_name(secure);
            // A session this browser had before ends: a new sign-in always gets a new token.
            if let Some(old) = cookie(&headers, name) {
                let _ = state.auth().sign_out(&SessionToken::from_cookie(old)).await;
            }
            let mut response = see_other(if next.is_empty() { HOME } else { &next });
            let c = set_cookie(name, signed.token.expose(), secure, None);
            if let Ok(v) = HeaderValue::from_str(&c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(error) => {
            let status = match &error {
                SignInError::Refused(_) => StatusCode::UNAUTHORIZED,
                SignInError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
                SignInError::Store(e) => {
                    tracing::error!(error = %e, "sign-in failed on the database");
                    StatusCode::SERVICE_UNAVAILABLE
                }
            };
            form(
                &page,
                status,
                username,
                &next,
                Some(error.message(page.lang)),
                offer,
            )
        }
    }
}

/// `POST /signout`: ends the session (if any) and deletes the cookie.
pub(crate) async fn sign_out(State(state): State<AppState>, parts: Parts) -> Response {
    let secure = state.config().secure_cookies();
    let name = session_cookie_name(secure);
    if let Some(token) = cookie(&parts.headers, name) {
        if let Err(error) = state
            .auth()
            .sign_out(&SessionToken::from_cookie(token))
            .await
        {
            tracing::error!(%error, "cannot end a session");
        }
    }
    let mut response = see_other(SIGN_IN);
    if let Ok(v) = HeaderValue::from_str(&set_cookie(name, "", secure, Some(0))) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    page: &'a Layout,
    display_name: &'a str,
    username: &'a str,
    role: &'static str,
    scope: String,
    may: Vec<&'static str>,
    passkey_link: &'static str,
}

/// What a role may do, in the page's language (from the permission table in `tepat-core::access`).
fn abilities(actor: &access::Actor, lang: Lang) -> Vec<&'static str> {
    use access::Action;
    fn one<A: Action>(actor: &access::Actor, lang: Lang, out: &mut Vec<&'static str>) {
        if actor.can::<A>() {
            out.push(match lang {
                Lang::Id => A::WHAT_ID,
                Lang::En => A::WHAT,
            });
        }
    }
    let mut out = Vec::new();
    one::<access::SearchRegistry>(actor, lang, &mut out);
    one::<access::ReadHousehold>(actor, lang, &mut out);
    one::<access::Propose>(actor, lang, &mut out);
    one::<access::ImportAgencyList>(actor, lang, &mut out);
    one::<access::VerifyInVillage>(actor, lang, &mut out);
    one::<access::ReviewInDistrict>(actor, lang, &mut out);
    one::<access::VerifyAtDinas>(actor, lang, &mut out);
    one::<access::Decide>(actor, lang, &mut out);
    one::<access::ReadAudit>(actor, lang, &mut out);
    one::<access::Administer>(actor, lang, &mut out);
    out
}

/// `GET /home`: who is signed in, with which role and working area. The registry pages hang off it.
pub(crate) async fn home(State(state): State<AppState>, page: Layout, user: SignedIn) -> Response {
    let actor = &user.actor;
    let scope = match actor.scope() {
        Scope::All => actor.scope().describe(page.lang),
        Scope::Within(code) => match state.regions().get(&code) {
            Some(_) => format!("{} ({})", state.regions().name_path(&code), code.dotted()),
            None => code.dotted(),
        },
    };
    no_store(render(
        StatusCode::OK,
        page.lang,
        &HomePage {
            page: &page,
            display_name: &user.display_name,
            username: actor.username(),
            role: actor.role().label(page.lang),
            scope,
            may: abilities(actor, page.lang),
            passkey_link: passkey::texts(page.lang).home_link,
        },
    ))
}

#[derive(Template)]
#[template(path = "home_password.html")]
struct PasswordPage<'a> {
    page: &'a Layout,
    username: &'a str,
    error: Option<String>,
    done: bool,
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

fn password_page(
    page: &Layout,
    status: StatusCode,
    user: &SignedIn,
    error: Option<String>,
    done: bool,
) -> Response {
    no_store(render(
        status,
        page.lang,
        &PasswordPage {
            page,
            username: user.actor.username(),
            error,
            done,
        },
    ))
}

#[derive(Deserialize, Default)]
pub(crate) struct Changed {
    changed: Option<String>,
}

/// `GET /home/password` (`?changed=1` after a change: says so).
pub(crate) async fn password_form(
    page: Layout,
    user: SignedIn,
    Query(q): Query<Changed>,
) -> Response {
    password_page(&page, StatusCode::OK, &user, None, q.changed.is_some())
}

/// `POST /home/password`: checks the current password, sets the new one, ends every session of the
/// account and signs this browser in again with a new session.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Form(input): Form<PasswordForm>,
) -> Response {
    use tepat_core::auth::accounts::AccountError;
    if input.new != input.repeat {
        let message = page.t.password_mismatch.to_owned();
        return password_page(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            &user,
            Some(message),
            false,
        );
    }
    let result = state
        .auth()
        .change_own_password(
            &user.actor,
            &Password::new(input.current),
            &Password::new(input.new),
        )
        .await;
    match result {
        Ok(signed) => {
            // A fresh page (Post/Redirect/Get), whose forms carry the new session's CSRF token.
            let secure = state.config().secure_cookies();
            let mut response = see_other("/home/password?changed=1");
            let c = set_cookie(
                session_cookie_name(secure),
                signed.token.expose(),
                secure,
                None,
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(AccountError::WrongPassword) => {
            let message = page.t.password_wrong.to_owned();
            password_page(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &user,
                Some(message),
                false,
            )
        }
        Err(AccountError::Password(problem)) => {
            let message = problem.message(page.lang);
            password_page(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &user,
                Some(message),
                false,
            )
        }
        Err(error) => {
            tracing::error!(%error, "cannot change a password");
            crate::ui::errors::server_error(&page)
        }
    }
}
