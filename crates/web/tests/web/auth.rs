//! Officers' sign-in through the real router: pages, cookies, CSRF, lockout, throttling, sign-out.

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use tepat_domain::Role;
use tepat_web::auth::SignedIn;
use tepat_web::AppState;

use crate::officer::PASSWORD;
use crate::support::TestApp;

const VILLAGE: &str = "19.02.01.1001";

/// A state-changing API route as a later issue would add it: it takes the signed-in user and nothing
/// about CSRF. The middleware must protect it anyway.
fn api_routes() -> Router<AppState> {
    async fn echo(user: SignedIn) -> axum::Json<serde_json::Value> {
        axum::Json(serde_json::json!({ "username": user.actor.username() }))
    }
    Router::new().route("/api/v1/echo", post(echo))
}

fn error_text(body: &str) -> &str {
    let at = body.find("id=\"signin-error\"").expect("an error message");
    let rest = &body[at..];
    let start = rest.find("<p>").unwrap() + 3;
    &rest[start..rest.find("</p>").unwrap()]
}

#[tokio::test]
async fn the_sign_in_page_is_indonesian_by_default_with_english_available() {
    let app = TestApp::new().await;
    let browser = app.browser();
    let page = browser.get("/signin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<html lang=\"id\">"));
    assert!(page.body.contains("Nama pengguna"));
    assert!(page.body.contains("autocomplete=\"current-password\""));
    assert!(crate::officer::csrf_of(&page.body).is_some_and(|t| t.len() == 43));
    assert_eq!(page.header("cache-control"), "no-store");
    let cookie = page.header("set-cookie");
    assert!(cookie.starts_with("tepat_csrf="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http on 127.0.0.1: {cookie}"
    );

    let english = app.get_with("/signin", &[("cookie", "lang=en")]).await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("Officer sign-in"));
    // The landing page links to it, and shows no one signed in.
    let landing = app.get("/").await;
    assert!(landing.body.contains("href=\"/signin\""));
}

#[tokio::test]
async fn signing_in_leads_to_the_officers_page_with_role_scope_and_header() {
    let app = TestApp::new().await;
    let op = app.sign_in_as(Role::VillageOperator, VILLAGE).await;
    let cookies = op.cookie_header();
    assert!(cookies.contains("tepat_session="), "{cookies}");
    let home = op.get("/home").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("operator desa/kelurahan"),
        "role in Indonesian"
    );
    assert!(home.body.contains("19.02.01.1001"), "scope code");
    assert!(
        home.body.contains("memasukkan usulan"),
        "what the role may do"
    );
    assert!(
        !home.body.contains("menyetujui atau menolak"),
        "not what it may not"
    );
    assert!(
        home.body.contains("action=\"/signout\""),
        "header has sign-out"
    );
    assert!(
        home.body.contains(&format!("Petugas {}", op.username)),
        "header shows who"
    );
    assert_eq!(home.header("cache-control"), "no-store");
    // Signed in, the sign-in page sends the officer on.
    assert_eq!(op.get("/signin").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_secure_behind_https() {
    let app = TestApp::builder()
        .config(|c| {
            c.public_url =
                Some(tepat_web::config::PublicUrl::parse("https://bansos.example.go.id").unwrap())
        })
        .build()
        .await;
    app.create_officer("verif", Role::Verifier, "*").await;
    let browser = app.browser();
    let form = browser.refresh_csrf("/signin").await;
    assert!(form.header("set-cookie").starts_with("__Host-tepat_csrf="));
    let response = browser
        .post_raw(
            "/signin",
            &format!(
                "csrf={}&username=verif&password={}",
                browser.csrf(),
                PASSWORD.replace(' ', "+")
            ),
            &[("origin", "https://bansos.example.go.id")],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let cookie = response.header("set-cookie");
    assert!(cookie.starts_with("__Host-tepat_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert_eq!(token.len(), 43, "256 bits, base64url");
    // Only the token's hash is in the database.
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.config.database_url)
        .await
        .unwrap();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM account_session")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(token));
}

#[tokio::test]
async fn a_wrong_password_keeps_the_username_and_says_why_in_the_users_language() {
    let app = TestApp::new().await;
    app.create_officer("op.desa", Role::VillageOperator, VILLAGE)
        .await;
    let browser = app.browser();
    let wrong = browser.sign_in("op.desa", "salah sama sekali").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("value=\"op.desa\""), "username kept");
    assert!(error_text(&wrong.body).contains("Nama pengguna atau kata sandi salah"));
    assert!(
        !wrong.body.contains("salah sama sekali"),
        "the password is not echoed"
    );
    let unknown = browser.sign_in("tidak.ada", "salah sama sekali").await;
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(
        error_text(&unknown.body),
        error_text(&wrong.body),
        "no hint whether the account exists"
    );
    let empty = browser.sign_in("op.desa", "").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_text(&empty.body).contains("Isi nama pengguna dan kata sandi"));

    let english = app.browser();
    english.get("/signin?lang=en").await;
    let wrong = english.sign_in("op.desa", "wrong entirely").await;
    assert!(
        error_text(&wrong.body).contains("The username or password is wrong"),
        "{}",
        wrong.body
    );
}

#[tokio::test]
async fn protected_pages_send_browsers_to_sign_in_and_api_clients_get_401() {
    let app = TestApp::builder().extra_routes(api_routes()).build().await;
    let page = app.get("/home").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/signin?next=/home");
    let browser = app.browser();
    let api = browser
        .send(
            axum::http::Method::POST,
            "/api/v1/echo",
            None,
            &[("x-csrf-token", "whatever")],
        )
        .await;
    // Without a session and without a token the CSRF check answers first; with a valid anonymous token
    // the extractor does.
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    browser.refresh_csrf("/signin").await;
    let api = browser
        .send(
            axum::http::Method::POST,
            "/api/v1/echo",
            None,
            &[("x-csrf-token", &browser.csrf())],
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(
        api.body.contains("\"error\":\"not_signed_in\""),
        "{}",
        api.body
    );

    // After signing in, the officer goes back where they were sent from.
    app.create_officer("auditor", Role::Auditor, "*").await;
    let browser = app.browser();
    let form = browser.refresh_csrf("/signin?next=/home").await;
    assert!(form.body.contains("name=\"next\" value=\"/home\""));
    let signed = browser
        .post_form(
            "/signin",
            &[
                ("username", "auditor"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(signed.header("location"), "/home", "never another site");
}

#[tokio::test]
async fn every_state_changing_request_needs_the_pages_token_and_this_sites_origin() {
    let app = TestApp::builder().extra_routes(api_routes()).build().await;
    let op = app.sign_in_as(Role::Verifier, "*").await;
    let token = op.csrf();
    assert_eq!(token.len(), 43);

    // A route added without any thought of CSRF is protected: no token, a wrong one, another site.
    let no_token = op.post_raw("/api/v1/echo", "", &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(no_token.body.contains("\"error\":\"csrf\""));
    let wrong = op
        .send(
            axum::http::Method::POST,
            "/api/v1/echo",
            None,
            &[("x-csrf-token", "AAAA")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let cross = op
        .send(
            axum::http::Method::POST,
            "/api/v1/echo",
            None,
            &[("x-csrf-token", &token), ("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let fetch_meta = op
        .send(
            axum::http::Method::POST,
            "/api/v1/echo",
            None,
            &[("x-csrf-token", &token), ("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(fetch_meta.status, StatusCode::FORBIDDEN);
    let ok = op
        .send(
            axum::http::Method::POST,
            "/api/v1/echo",
            None,
            &[
                ("x-csrf-token", &token),
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080"),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains(&op.username));
    // What browsers send for forms of a page with `Referrer-Policy: no-referrer`.
    let null_origin = op
        .send(
            axum::http::Method::POST,
            "/api/v1/echo",
            None,
            &[
                ("x-csrf-token", &token),
                ("origin", "null"),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(null_origin.status, StatusCode::OK, "{}", null_origin.body);

    // Forms: sign-out without the token is refused (in the user's language) and the session survives.
    let refused = op.post_raw("/signout", "", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("Formulir tidak dapat diterima"));
    let refused = op.post_raw("/signout", "csrf=bukan-tokennya", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(op.get("/home").await.status, StatusCode::OK);

    // The token of one session is worth nothing in another.
    let other = app.sign_in_as(Role::Auditor, "*").await;
    assert_ne!(other.csrf(), token);
    let stolen = other
        .send(
            axum::http::Method::POST,
            "/api/v1/echo",
            None,
            &[("x-csrf-token", &token)],
        )
        .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);

    // The sign-in form itself needs its token (no login CSRF).
    let fresh = app.browser();
    let response = fresh
        .post_raw(
            "/signin",
            &format!("username={}&password=x", op.username),
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    let op = app.sign_in_as(Role::DistrictOperator, "19.02.01").await;
    let session_cookie = op.cookie_header();
    let out = op.post_form("/signout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    // The old cookie, replayed, no longer opens anything.
    let replay = app
        .get_with("/home", &[("cookie", session_cookie.as_str())])
        .await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
    assert!(
        replay.header("set-cookie").starts_with("tepat_session=;"),
        "the dead cookie is deleted"
    );
}

#[tokio::test]
async fn an_account_is_locked_after_repeated_failures_with_the_same_answer() {
    let app = TestApp::builder()
        .config(|c| {
            c.auth.lockout_failures = 3;
            c.auth.client_ip_header = Some("x-forwarded-for".into());
        })
        .build()
        .await;
    app.create_officer("approver", Role::Approver, "*").await;
    let browser = app.browser();
    browser.refresh_csrf("/signin").await;
    let attempt = |password: &'static str, from: &'static str| {
        let browser = &browser;
        async move {
            browser
                .post_raw(
                    "/signin",
                    &format!(
                        "csrf={}&username=approver&password={}",
                        browser.csrf(),
                        password
                    ),
                    &[("x-forwarded-for", from)],
                )
                .await
        }
    };
    for from in ["10.1.0.1", "10.1.0.2", "10.1.0.3"] {
        assert_eq!(
            attempt("salah", from).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = attempt("kata+sandi+uji+coba", "10.1.0.4").await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "right password, locked account"
    );
    let unknown = browser.sign_in("tidak.ada", "apa saja").await;
    assert_eq!(error_text(&locked.body), error_text(&unknown.body));
}

#[tokio::test]
async fn one_address_failing_too_often_is_throttled_others_are_not() {
    let app = TestApp::builder()
        .config(|c| {
            c.auth.client_max_failures = 4;
            c.auth.client_ip_header = Some("x-forwarded-for".into());
        })
        .build()
        .await;
    app.create_officer("op.kec", Role::DistrictOperator, "19.02.01")
        .await;
    let browser = app.browser();
    browser.refresh_csrf("/signin").await;
    let body = |user: &str, password: &str| {
        format!(
            "csrf={}&username={user}&password={password}",
            browser.csrf()
        )
    };
    for i in 0..4 {
        let r = browser
            .post_raw(
                "/signin",
                &body(&format!("tebak{i}"), "x"),
                &[("x-forwarded-for", "192.0.2.1, 10.0.0.9")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = browser
        .post_raw(
            "/signin",
            &body("op.kec", "kata+sandi+uji+coba"),
            &[("x-forwarded-for", "192.0.2.1, 10.0.0.9")],
        )
        .await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(error_text(&throttled.body).contains("Terlalu banyak percobaan"));
    let other = browser
        .post_raw(
            "/signin",
            &body("op.kec", "kata+sandi+uji+coba"),
            &[("x-forwarded-for", "10.0.0.10")],
        )
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.body);
}

#[tokio::test]
async fn every_role_can_sign_in_in_one_line() {
    let app = TestApp::new().await;
    for (role, scope) in [
        (Role::VillageOperator, VILLAGE),
        (Role::DistrictOperator, "19.02.01"),
        (Role::AgencyOfficer, "19.02"),
        (Role::Verifier, "19.02"),
        (Role::Approver, "19.02"),
        (Role::DistributionOfficer, "19.02"),
        (Role::Merchant, VILLAGE),
        (Role::Auditor, "*"),
        (Role::Admin, "*"),
    ] {
        let officer = app.sign_in_as(role, scope).await;
        let home = officer.get("/home").await;
        assert_eq!(home.status, StatusCode::OK, "{role:?}");
        assert!(
            home.body.contains(role.label(tepat_domain::Lang::Id)),
            "{role:?}"
        );
    }
}

#[tokio::test]
async fn changing_the_password_on_the_web_signs_out_every_other_device() {
    let app = TestApp::new().await;
    let phone = app.sign_in_as(Role::VillageOperator, VILLAGE).await;
    let laptop = app.browser();
    assert_eq!(
        laptop.sign_in(&phone.username, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(laptop.get("/home").await.status, StatusCode::OK);

    let form = phone.refresh_csrf("/home/password").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Ganti kata sandi"));
    let new = "angin laut sore hari";
    let wrong = phone
        .post_form(
            "/home/password",
            &[("current", "bukan yang ini"), ("new", new), ("repeat", new)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Kata sandi sekarang salah"));
    let differ = phone
        .post_form(
            "/home/password",
            &[
                ("current", PASSWORD),
                ("new", new),
                ("repeat", "angin laut pagi hari"),
            ],
        )
        .await;
    assert!(differ.body.contains("tidak sama"));
    let short = phone
        .post_form(
            "/home/password",
            &[
                ("current", PASSWORD),
                ("new", "pendek"),
                ("repeat", "pendek"),
            ],
        )
        .await;
    assert!(
        short.body.contains("sedikitnya 12 karakter"),
        "{}",
        short.body
    );

    let done = phone
        .post_form(
            "/home/password",
            &[("current", PASSWORD), ("new", new), ("repeat", new)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.header("location"), "/home/password?changed=1");
    let page = phone.refresh_csrf("/home/password?changed=1").await;
    assert!(
        page.body.contains("id=\"password-done\""),
        "this browser stays signed in"
    );
    assert_eq!(
        laptop.get("/home").await.status,
        StatusCode::SEE_OTHER,
        "the other is out"
    );
    let again = app.browser();
    assert_eq!(
        again.sign_in(&phone.username, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again.sign_in(&phone.username, new).await.status,
        StatusCode::SEE_OTHER
    );
}

/// A route as the registry will write them: the signed-in actor, then the role and scope check that
/// hands out the grant.
fn village_routes() -> Router<AppState> {
    use axum::extract::Path;
    use axum::response::{IntoResponse, Response};
    use tepat_core::access::Propose;
    use tepat_domain::RegionCode;
    async fn propose(
        page: tepat_web::ui::Layout,
        user: SignedIn,
        Path(code): Path<String>,
    ) -> Response {
        let Ok(village) = RegionCode::parse(&code) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        match user.actor.may::<Propose>(&village) {
            Ok(grant) => format!("granted in {}", grant.scope().code()).into_response(),
            Err(denied) => tepat_web::auth::forbidden_page(&page, &denied),
        }
    }
    Router::new().route("/test/villages/{code}/propose", axum::routing::get(propose))
}

#[tokio::test]
async fn scope_checks_are_one_line_per_role_and_region() {
    let app = TestApp::builder()
        .extra_routes(village_routes())
        .build()
        .await;
    let own = "/test/villages/19.02.01.1001/propose";
    let neighbour = "/test/villages/19.02.01.1002/propose";
    let op = app.sign_in_as(Role::VillageOperator, VILLAGE).await;
    assert_eq!(op.get(own).await.status, StatusCode::OK);
    let refused = op.get(neighbour).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("di luar wilayah kerja"),
        "{}",
        refused.body
    );
    let main = &refused.body[refused.body.find("<main").unwrap()..];
    let message = &main[..main.find("</main>").unwrap()];
    assert!(message.contains("Tidak diizinkan"), "{message}");
    assert!(
        !message.contains("19.02.01.1002"),
        "never which record: {message}"
    );

    let district = app.sign_in_as(Role::DistrictOperator, "19.02.01").await;
    assert_eq!(district.get(neighbour).await.status, StatusCode::OK);
    let auditor = app.sign_in_as(Role::Auditor, "*").await;
    let refused = auditor.get(own).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("tidak berhak memasukkan usulan"),
        "{}",
        refused.body
    );
    assert_eq!(
        app.get(own).await.status,
        StatusCode::SEE_OTHER,
        "anonymous: sign in first"
    );
}
