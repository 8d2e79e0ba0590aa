//! Passkeys in the web application (`tepat_core::auth::passkey` does the checks):
//!
//! - `POST /signin/passkey/options` → the options for `navigator.credentials.get`;
//!   `POST /signin/passkey` (the browser's answer, JSON) → the session cookie, like `POST /signin`.
//! - `GET /home/passkeys`: the officer's own passkeys, a form to add one (name + current password) and
//!   a button to remove each. `POST /home/passkeys/options` (JSON `{name, password}`) → the options for
//!   `navigator.credentials.create`; `POST /home/passkeys` (the answer) stores it;
//!   `POST /home/passkeys/remove` (form field `id`) removes one.
//!
//! The JSON requests come from `static/passkey.js` with the page's CSRF token in `X-CSRF-Token` (the CSRF
//! middleware checks them like every form). Passkeys are offered only when the page was reached at the
//! configured origin over HTTPS or `http://localhost` (WebAuthn's rules); otherwise the sign-in page says
//! why, in the visitor's language, and the password form works as before.

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::Deserialize;
use tepat_core::auth::passkey::{PasskeyError, Passkeys, Unavailable};
use tepat_core::auth::{Password, SessionToken};
use tepat_domain::{Lang, Localized};

use super::extract::safe_next;
use super::{cookie, session_cookie_name, set_cookie, SignedIn, HOME};
use crate::config::ServerConfig;
use crate::state::AppState;
use crate::ui::layout::{render, Layout};

/// The page of an officer's own passkeys.
pub const PAGE: &str = "/home/passkeys";

/// The site's relying party, or why there is none. One per application (an [`Extension`] of the
/// sign-in routes), so pending ceremonies are shared by all requests.
#[derive(Clone)]
pub(crate) struct PasskeySite(Arc<Result<Passkeys, Option<Unavailable>>>);

impl PasskeySite {
    /// From `[server] public_url` and `[auth] passkeys` / `passkey_rp_id`.
    pub(crate) fn from_config(config: &ServerConfig) -> PasskeySite {
        let site = if config.auth.passkeys {
            Passkeys::new(&config.url(), config.auth.passkey_rp_id.as_deref()).map_err(Some)
        } else {
            Err(None)
        };
        match &site {
            Ok(p) => tracing::info!(rp_id = p.rp_id(), origin = p.origin(), "passkeys offered"),
            Err(Some(why)) => tracing::info!(reason = %why, "passkeys not offered"),
            Err(None) => tracing::info!("passkeys turned off ([auth] passkeys = false)"),
        }
        PasskeySite(Arc::new(site))
    }

    fn passkeys(&self) -> Option<&Passkeys> {
        self.0.as_ref().as_ref().ok()
    }
}

/// Texts of the passkey parts of the pages.
pub(crate) struct Texts {
    pub signin_button: &'static str,
    pub unavailable_open_at: &'static str,
    pub unsupported: &'static str,
    pub cancelled: &'static str,
    pub exists: &'static str,
    pub failed: &'static str,
    pub waiting: &'static str,
    pub home_link: &'static str,
    pub title: &'static str,
    pub lead: &'static str,
    pub none: &'static str,
    pub name: &'static str,
    pub created: &'static str,
    pub last_used: &'static str,
    pub never: &'static str,
    pub remove: &'static str,
    pub add_title: &'static str,
    pub add_name: &'static str,
    pub add_password: &'static str,
    pub add_submit: &'static str,
    pub added: &'static str,
    pub removed: &'static str,
    pub turned_off: &'static str,
    pub back: &'static str,
}

static ID: Texts = Texts {
    signin_button: "Masuk dengan passkey",
    unavailable_open_at: "Untuk memakai passkey, buka situs ini di alamat",
    unsupported: "Peramban ini tidak mendukung passkey. Gunakan nama pengguna dan kata sandi.",
    cancelled: "Passkey dibatalkan atau waktunya habis. Silakan coba lagi.",
    exists: "Perangkat ini sudah menyimpan passkey untuk akun Anda.",
    failed: "Passkey tidak berhasil. Silakan coba lagi, atau gunakan kata sandi.",
    waiting: "Ikuti petunjuk di perangkat Anda (sidik jari, wajah atau PIN)…",
    home_link: "Passkey (masuk tanpa kata sandi)",
    title: "Passkey Anda",
    lead: "Dengan passkey Anda masuk memakai sidik jari, wajah atau PIN perangkat, tanpa mengetik kata \
           sandi. Passkey tersimpan di perangkat Anda dan hanya berlaku untuk situs ini. Kata sandi Anda \
           tetap berlaku.",
    none: "Belum ada passkey.",
    name: "Nama",
    created: "Dibuat",
    last_used: "Terakhir dipakai",
    never: "belum pernah",
    remove: "Hapus",
    add_title: "Tambah passkey",
    add_name: "Nama passkey (misalnya \u{201c}HP kantor\u{201d})",
    add_password: "Kata sandi Anda saat ini",
    add_submit: "Buat passkey",
    added: "Passkey ditambahkan. Lain kali pilih \u{201c}Masuk dengan passkey\u{201d}.",
    removed: "Passkey dihapus. Hapus juga dari perangkat jika tidak dipakai lagi.",
    turned_off: "Passkey dimatikan di server ini.",
    back: "Kembali ke halaman petugas",
};

static EN: Texts = Texts {
    signin_button: "Sign in with a passkey",
    unavailable_open_at: "To use a passkey, open this site at",
    unsupported: "This browser does not support passkeys. Use your username and password.",
    cancelled: "The passkey was cancelled or timed out. Please try again.",
    exists: "This device already holds a passkey for your account.",
    failed: "The passkey did not work. Please try again, or use your password.",
    waiting: "Follow your device's prompt (fingerprint, face or PIN)…",
    home_link: "Passkeys (sign in without a password)",
    title: "Your passkeys",
    lead: "With a passkey you sign in with your device's fingerprint, face or PIN instead of typing a \
           password. The passkey stays on your device and works only for this site. Your password keeps \
           working.",
    none: "No passkeys yet.",
    name: "Name",
    created: "Created",
    last_used: "Last used",
    never: "never",
    remove: "Remove",
    add_title: "Add a passkey",
    add_name: "Passkey name (e.g. \u{201c}office phone\u{201d})",
    add_password: "Your current password",
    add_submit: "Create passkey",
    added: "Passkey added. Next time choose \u{201c}Sign in with a passkey\u{201d}.",
    removed: "Passkey removed. Remove it from the device too if you no longer use it.",
    turned_off: "Passkeys are turned off on this server.",
    back: "Back to the officer page",
};

pub(crate) fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

/// What the sign-in page shows about passkeys.
pub(crate) struct Offer {
    /// The button works here.
    pub available: bool,
    /// Why it does not (shown instead of the button); `None` when passkeys are turned off.
    pub reason: Option<String>,
    /// The address that would work, when this one does not.
    pub open_at: Option<String>,
    pub script: &'static str,
    pub t: &'static Texts,
}

/// Whether this request can use passkeys: the site has a relying party and the browser came to its
/// origin (the `Host` header is the origin's host and port).
pub(crate) fn offer(site: &PasskeySite, headers: &HeaderMap, lang: Lang) -> Offer {
    let t = texts(lang);
    let script = crate::assets::url("passkey.js");
    let passkeys = match site.0.as_ref() {
        Ok(p) => p,
        Err(why) => {
            return Offer {
                available: false,
                reason: why.as_ref().map(|w| w.message(lang)),
                open_at: None,
                script,
                t,
            }
        }
    };
    let authority = passkeys.origin().split_once("://").map_or("", |(_, a)| a);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    if host.as_deref() == Some(authority) {
        return Offer {
            available: true,
            reason: None,
            open_at: None,
            script,
            t,
        };
    }
    Offer {
        available: false,
        reason: Some(t.unavailable_open_at.to_owned()),
        open_at: Some(passkeys.origin().to_owned()),
        script,
        t,
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A JSON answer for the script: the options as the library wrote them.
fn json_text(status: StatusCode, body: String) -> Response {
    no_store(
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
    )
}

/// `{"error": message}` in the user's language.
fn json_error(status: StatusCode, message: &str) -> Response {
    json_text(status, serde_json::json!({ "error": message }).to_string())
}

/// A passkey error as the script's JSON answer (and in the log, without the browser's data).
fn error_response(error: &PasskeyError, lang: Lang) -> Response {
    let status = match error {
        PasskeyError::WrongPassword | PasskeyError::BadName | PasskeyError::Rejected(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        PasskeyError::Expired => StatusCode::GONE,
        PasskeyError::AlreadyRegistered => StatusCode::CONFLICT,
        PasskeyError::SignInRefused => StatusCode::UNAUTHORIZED,
        PasskeyError::TooManyAttempts(_) | PasskeyError::Busy => StatusCode::TOO_MANY_REQUESTS,
        PasskeyError::NotFound => StatusCode::NOT_FOUND,
        PasskeyError::Store(e) => {
            tracing::error!(error = %e, "passkey request failed on the database");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    if let PasskeyError::Rejected(why) = error {
        tracing::info!(reason = %why, "passkey answer rejected");
    }
    json_error(status, &error.message(lang))
}

/// The relying party, or a JSON 404 saying passkeys are not available here.
fn usable<'a>(
    site: &'a PasskeySite,
    headers: &HeaderMap,
    lang: Lang,
) -> Result<&'a Passkeys, Box<Response>> {
    let offer = offer(site, headers, lang);
    match site.passkeys() {
        Some(p) if offer.available => Ok(p),
        _ => {
            let mut message = offer
                .reason
                .unwrap_or_else(|| offer.t.turned_off.to_owned());
            if let Some(at) = offer.open_at {
                message = format!("{message} {at}");
            }
            Err(Box::new(json_error(StatusCode::NOT_FOUND, &message)))
        }
    }
}

/// `POST /signin/passkey/options`.
async fn sign_in_options(
    State(state): State<AppState>,
    Extension(site): Extension<PasskeySite>,
    page: Layout,
    headers: HeaderMap,
) -> Response {
    let passkeys = match usable(&site, &headers, page.lang) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match passkeys.start_sign_in(state.auth()) {
        Ok(options) => json_text(StatusCode::OK, options),
        Err(e) => error_response(&e, page.lang),
    }
}

#[derive(Deserialize, Default)]
struct NextParam {
    next: Option<String>,
}

/// `POST /signin/passkey?next=…` (the browser's `PublicKeyCredential` as JSON): signs in, sets the
/// session cookie, answers `{"redirect": …}`.
async fn sign_in(
    State(state): State<AppState>,
    Extension(site): Extension<PasskeySite>,
    page: Layout,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Query(q): Query<NextParam>,
    answer: Bytes,
) -> Response {
    let passkeys = match usable(&site, &headers, page.lang) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let client =
        super::pages::client_address(&state, &headers, peer.map(|Extension(ConnectInfo(a))| a));
    match passkeys.finish_sign_in(state.auth(), &answer, client).await {
        Ok(signed) => {
            let secure = state.config().secure_cookies();
            let name = session_cookie_name(secure);
            if let Some(old) = cookie(&headers, name) {
                let _ = state.auth().sign_out(&SessionToken::from_cookie(old)).await;
            }
            let next = safe_next(q.next.as_deref()).unwrap_or_else(|| HOME.to_owned());
            let mut response = json_text(
                StatusCode::OK,
                serde_json::json!({ "redirect": next }).to_string(),
            );
            let c = set_cookie(name, signed.token.expose(), secure, None);
            if let Ok(v) = HeaderValue::from_str(&c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(e) => error_response(&e, page.lang),
    }
}

#[derive(Template)]
#[template(path = "passkey.html")]
struct PasskeyPage<'a> {
    page: &'a Layout,
    t: &'static Texts,
    username: &'a str,
    rows: Vec<Row>,
    available: bool,
    reason: Option<String>,
    open_at: Option<String>,
    script: &'static str,
    added: bool,
    removed: bool,
}

struct Row {
    id: String,
    name: String,
    created: String,
    last_used: Option<String>,
}

#[derive(Deserialize, Default)]
struct Done {
    added: Option<String>,
    removed: Option<String>,
}

/// `GET /home/passkeys`.
async fn list(
    State(state): State<AppState>,
    Extension(site): Extension<PasskeySite>,
    page: Layout,
    user: SignedIn,
    headers: HeaderMap,
    Query(done): Query<Done>,
) -> Response {
    let offer = offer(&site, &headers, page.lang);
    let stored = match state.store().passkeys_of(user.actor.user()).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(%error, "cannot list passkeys");
            return crate::ui::errors::server_error(&page);
        }
    };
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let rows = stored
        .into_iter()
        .map(|p| Row {
            id: B64.encode(&p.credential_id),
            name: p.name,
            created: when(p.created_at),
            last_used: p.last_used_at.map(when),
        })
        .collect();
    no_store(render(
        StatusCode::OK,
        page.lang,
        &PasskeyPage {
            page: &page,
            t: offer.t,
            username: user.actor.username(),
            rows,
            available: offer.available,
            reason: offer.reason,
            open_at: offer.open_at,
            script: offer.script,
            added: done.added.is_some(),
            removed: done.removed.is_some(),
        },
    ))
}

#[derive(Deserialize)]
struct AddRequest {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// `POST /home/passkeys/options` (JSON `{name, password}`).
async fn add_options(
    State(state): State<AppState>,
    Extension(site): Extension<PasskeySite>,
    page: Layout,
    user: SignedIn,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let passkeys = match usable(&site, &headers, page.lang) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Ok(request) = serde_json::from_slice::<AddRequest>(&body) else {
        return error_response(&PasskeyError::BadName, page.lang);
    };
    match passkeys
        .start_registration(
            state.auth(),
            &user.actor,
            &Password::new(request.password),
            &request.name,
        )
        .await
    {
        Ok(options) => json_text(StatusCode::OK, options),
        Err(e) => error_response(&e, page.lang),
    }
}

/// `POST /home/passkeys` (the browser's `PublicKeyCredential` as JSON).
async fn add(
    State(state): State<AppState>,
    Extension(site): Extension<PasskeySite>,
    page: Layout,
    user: SignedIn,
    headers: HeaderMap,
    answer: Bytes,
) -> Response {
    let passkeys = match usable(&site, &headers, page.lang) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match passkeys
        .finish_registration(state.auth(), &user.actor, &answer)
        .await
    {
        Ok(_) => json_text(
            StatusCode::OK,
            serde_json::json!({ "redirect": format!("{PAGE}?added=1") }).to_string(),
        ),
        Err(e) => error_response(&e, page.lang),
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    id: String,
}

/// `POST /home/passkeys/remove` (form field `id`: the credential id, base64url). Works without
/// JavaScript and wherever the site is reached (removing needs no authenticator).
async fn remove(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Form(form): Form<RemoveForm>,
) -> Response {
    let Ok(id) = B64.decode(form.id.trim()) else {
        return (
            StatusCode::NOT_FOUND,
            PasskeyError::NotFound.message(page.lang),
        )
            .into_response();
    };
    match state.store().remove_passkey(user.actor.user(), &id).await {
        Ok(true) => {
            tracing::info!(username = %user.actor.username(), "passkey removed");
            let mut response = (StatusCode::SEE_OTHER, ()).into_response();
            response.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_static("/home/passkeys?removed=1"),
            );
            no_store(response)
        }
        Ok(false) => (
            StatusCode::NOT_FOUND,
            PasskeyError::NotFound.message(page.lang),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot remove a passkey");
            crate::ui::errors::server_error(&page)
        }
    }
}

/// The passkey routes (merged into the sign-in routes, which carry the [`PasskeySite`] extension).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin/passkey/options", post(sign_in_options))
        .route("/signin/passkey", post(sign_in))
        .route(PAGE, get(list).post(add))
        .route("/home/passkeys/options", post(add_options))
        .route("/home/passkeys/remove", post(remove))
}
