//! Signing in as an officer through the real sign-in form, for tests of protected routes:
//!
//! ```ignore
//! let op = app.sign_in_as(Role::VillageOperator, "19.02.01.1001").await;
//! assert_eq!(op.get("/registry/household/…").await.status, StatusCode::FORBIDDEN);
//! ```
//!
//! The account is created with `tepat_core::auth::accounts` (as `tepat admin create-user` does), then the
//! browser's steps are replayed: `GET /signin` (cookie and CSRF token), `POST /signin`, and every later
//! request carries the cookies and, for forms, the page's CSRF token.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tepat_core::access::{Actor, Administer};
use tepat_core::auth::accounts::{self, NewUser};
use tepat_core::auth::Password;
use tepat_domain::{Role, Scope};

use crate::support::{Response, TestApp};

/// The password every test officer gets.
pub const PASSWORD: &str = "kata sandi uji coba";

/// A browser signed in as one officer: its cookies and the current CSRF token.
pub struct Officer<'a> {
    app: &'a TestApp,
    pub username: String,
    jar: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<String>,
}

impl TestApp {
    /// Creates an account with `role` and `scope` (`*` or a dotted region code) and signs in as it.
    pub async fn sign_in_as(&self, role: Role, scope: &str) -> Officer<'_> {
        let username = format!(
            "{}.{}",
            role.code().replace('_', "-"),
            scope.replace(['.', '*'], "")
        );
        let username = username.trim_end_matches('.').to_owned();
        self.create_officer(&username, role, scope).await;
        let officer = self.browser();
        let response = officer.sign_in(&username, PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "sign-in as {username}: {}",
            response.body
        );
        officer.refresh_csrf("/home").await;
        Officer {
            username,
            ..officer
        }
    }

    /// Creates an officer's account (password [`PASSWORD`]).
    pub async fn create_officer(&self, username: &str, role: Role, scope: &str) {
        let admin = Actor::local_admin();
        let grant = admin.may_anywhere::<Administer>().unwrap();
        accounts::create_user(
            self.store.as_ref(),
            &grant,
            NewUser {
                username: username.into(),
                display_name: format!("Petugas {username}"),
                role,
                scope: Scope::parse(scope).expect("test scope"),
                password: Password::new(PASSWORD),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("create {username}: {e}"));
    }

    /// A browser without a session (it keeps cookies like one).
    pub fn browser(&self) -> Officer<'_> {
        Officer {
            app: self,
            username: String::new(),
            jar: Mutex::new(BTreeMap::new()),
            csrf: Mutex::new(String::new()),
        }
    }
}

impl Officer<'_> {
    /// Opens the sign-in form (for its cookie and token) and submits it.
    pub async fn sign_in(&self, username: &str, password: &str) -> Response {
        self.refresh_csrf("/signin").await;
        self.post_form("/signin", &[("username", username), ("password", password)])
            .await
    }

    /// GETs `uri` and keeps the CSRF token of the page's forms.
    pub async fn refresh_csrf(&self, uri: &str) -> Response {
        let response = self.get(uri).await;
        if let Some(token) = csrf_of(&response.body) {
            *self.csrf.lock().unwrap() = token;
        }
        response
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().unwrap().clone()
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        self.jar
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(Method::GET, uri, None, &[]).await
    }

    /// POSTs a URL-encoded form with the current CSRF token added.
    pub async fn post_form(&self, uri: &str, fields: &[(&str, &str)]) -> Response {
        let mut body = format!("csrf={}", self.csrf());
        for (k, v) in fields {
            body.push('&');
            body.push_str(k);
            body.push('=');
            body.push_str(&urlencode(v));
        }
        self.post_raw(uri, &body, &[]).await
    }

    /// POSTs a URL-encoded body as given (no token added), with extra headers.
    pub async fn post_raw(&self, uri: &str, body: &str, headers: &[(&str, &str)]) -> Response {
        let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        self.send(Method::POST, uri, Some(body.to_owned()), &all)
            .await
    }

    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = Request::builder().method(method).uri(uri);
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = self
            .app
            .request(
                request
                    .body(body.map_or_else(Body::empty, Body::from))
                    .unwrap(),
            )
            .await;
        let mut jar = self.jar.lock().unwrap();
        for set in response.headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        response
    }
}

/// The value of the first `name="csrf"` hidden input of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..at + html[at..].find('"')?].to_owned())
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
