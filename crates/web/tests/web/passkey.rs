//! Passkeys over HTTP: where they are offered and why not, their routes' protections. The ceremonies
//! themselves are tested in `tepat-core` (software authenticator) and in `passkey_browser` (Chromium's
//! virtual authenticator).

use axum::http::{Method, StatusCode};
use tepat_domain::Role;

use crate::support::TestApp;

const LOCAL: &str = "http://localhost:8080";

async fn app_at(public_url: Option<&str>) -> TestApp {
    let url = public_url.map(|u| tepat_web::config::PublicUrl::parse(u).unwrap());
    TestApp::builder()
        .config(move |c| c.public_url = url)
        .build()
        .await
}

#[tokio::test]
async fn over_plain_http_at_an_ip_address_the_sign_in_page_says_why_there_are_no_passkeys() {
    let app = app_at(None).await;
    let page = app.get("/signin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("id=\"passkey-signin\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("passkey."),
        "no script where it cannot work"
    );
    assert!(
        page.body.contains("Passkey hanya bisa dipakai") && page.body.contains("http://localhost"),
        "{}",
        page.body
    );
    let english = app.get_with("/signin", &[("accept-language", "en")]).await;
    assert!(english
        .body
        .contains("Passkeys work only when the site is opened over"));
    // The password form is there as always.
    assert!(page.body.contains("name=\"password\""));
    // The endpoints answer in the user's language that passkeys are not available here.
    let browser = app.browser();
    browser.refresh_csrf("/signin").await;
    let token = browser.csrf();
    let options = browser
        .send(
            Method::POST,
            "/signin/passkey/options",
            Some("{}".into()),
            &[
                ("content-type", "application/json"),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    assert_eq!(options.status, StatusCode::NOT_FOUND);
    assert!(
        options.body.contains("Passkey hanya bisa dipakai"),
        "{}",
        options.body
    );
}

#[tokio::test]
async fn at_localhost_the_button_and_our_script_are_offered_and_the_options_need_the_csrf_token() {
    let app = app_at(Some(LOCAL)).await;
    let browser = app.browser();
    let host = [("host", "localhost:8080")];
    let page = browser.send(Method::GET, "/signin", None, &host).await;
    assert!(page.body.contains("id=\"passkey-signin\""), "{}", page.body);
    assert!(page.body.contains("Masuk dengan passkey"));
    let script = tepat_web::assets::url("passkey.js");
    assert!(page
        .body
        .contains(&format!("<script src=\"{script}\" defer>")));
    let js = app.get(script).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("navigator.credentials.get"));
    assert!(js.body.contains("navigator.credentials.create"));

    // The same server reached at 127.0.0.1 points to the address that works.
    let elsewhere = browser
        .send(Method::GET, "/signin", None, &[("host", "127.0.0.1:8080")])
        .await;
    assert!(!elsewhere.body.contains("id=\"passkey-signin\""));
    assert!(
        elsewhere.body.contains("buka situs ini di alamat"),
        "{}",
        elsewhere.body
    );
    assert!(elsewhere
        .body
        .contains("href=\"http://localhost:8080/signin\""));

    let token = crate::officer::csrf_of(&page.body).unwrap();
    let without = browser
        .send(
            Method::POST,
            "/signin/passkey/options",
            Some("{}".into()),
            &[
                ("host", "localhost:8080"),
                ("content-type", "application/json"),
            ],
        )
        .await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    let options = browser
        .send(
            Method::POST,
            "/signin/passkey/options",
            Some("{}".into()),
            &[
                ("host", "localhost:8080"),
                ("content-type", "application/json"),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    assert_eq!(options.status, StatusCode::OK, "{}", options.body);
    let json: serde_json::Value = serde_json::from_str(&options.body).unwrap();
    let public_key = json.get("publicKey").unwrap_or(&json);
    assert_eq!(public_key["rpId"], "localhost", "{json}");
    assert_eq!(public_key["userVerification"], "required");
    assert!(public_key["challenge"].as_str().unwrap().len() >= 16);
    assert_eq!(options.header("cache-control"), "no-store");

    // An answer that is not a passkey assertion is refused with a message in Indonesian.
    let refused = browser
        .send(
            Method::POST,
            "/signin/passkey",
            Some("{\"id\":\"x\"}".into()),
            &[
                ("host", "localhost:8080"),
                ("content-type", "application/json"),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(
        refused.body.contains("Masuk dengan passkey ditolak"),
        "{}",
        refused.body
    );
    assert!(refused
        .headers
        .get_all("set-cookie")
        .iter()
        .all(|v| !v.to_str().unwrap().contains("tepat_session")));
}

#[tokio::test]
async fn the_passkey_page_is_the_officers_own_and_needs_the_password_to_add_one() {
    let app = app_at(Some(LOCAL)).await;
    let anonymous = app.browser().get("/home/passkeys").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);

    let op = app.sign_in_as(Role::VillageOperator, "19.02.01.1001").await;
    let home = op.get("/home").await;
    assert!(home.body.contains("href=\"/home/passkeys\""));
    let page = op
        .send(
            Method::GET,
            "/home/passkeys",
            None,
            &[("host", "localhost:8080")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Belum ada passkey"), "{}", page.body);
    assert!(page.body.contains("id=\"passkey-add\""));
    let token = crate::officer::csrf_of(&page.body).unwrap();
    let wrong = op
        .send(
            Method::POST,
            "/home/passkeys/options",
            Some(r#"{"name":"HP","password":"salah sekali ini"}"#.into()),
            &[
                ("host", "localhost:8080"),
                ("content-type", "application/json"),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Kata sandi salah"), "{}", wrong.body);
    let right = op
        .send(
            Method::POST,
            "/home/passkeys/options",
            Some(format!(
                r#"{{"name":"HP kantor","password":"{}"}}"#,
                crate::officer::PASSWORD
            )),
            &[
                ("host", "localhost:8080"),
                ("content-type", "application/json"),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let json: serde_json::Value = serde_json::from_str(&right.body).unwrap();
    let public_key = json.get("publicKey").unwrap_or(&json);
    assert_eq!(public_key["rp"]["id"], "localhost");
    assert_eq!(public_key["user"]["name"], op.username.as_str());
    // Removing a passkey that is not one's own (or does not exist) changes nothing.
    let missing = op
        .post_form("/home/passkeys/remove", &[("id", "AAAAAAAAAAAAAAAAAAAAAA")])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
