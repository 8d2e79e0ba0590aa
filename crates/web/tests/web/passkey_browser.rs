//! Passkeys in a real headless Chromium with Chrome's virtual authenticator (WebDriver's WebAuthn
//! extension: `POST /session/{id}/webauthn/authenticator`), at `http://localhost:PORT` as WebAuthn
//! requires: an officer adds a passkey on `/home/passkeys`, signs out, and signs in with it. At
//! `http://127.0.0.1:PORT` the sign-in page says why passkeys are not available there.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use tepat_domain::Role;

use crate::browser::Browser;
use crate::officer::PASSWORD;
use crate::support::TestApp;

/// A WebDriver WebAuthn extension command (`session/{id}/webauthn/…`).
#[derive(Debug)]
struct WebAuthn {
    path: String,
    method: axum::http::Method,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for WebAuthn {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
    }
}

/// Adds a platform authenticator with resident keys and user verification (a phone with a
/// fingerprint reader), as the passkey options require. Returns its id.
async fn add_virtual_authenticator(c: &Client) -> String {
    let answer = c
        .issue_cmd(WebAuthn {
            path: "authenticator".into(),
            method: axum::http::Method::POST,
            body: Some(json!({
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserConsenting": true,
                "isUserVerified": true,
            })),
        })
        .await
        .expect("add a virtual authenticator");
    answer
        .as_str()
        .or_else(|| answer["authenticatorId"].as_str())
        .unwrap_or_else(|| panic!("an authenticator id: {answer}"))
        .to_owned()
}

async fn credentials(c: &Client, authenticator: &str) -> Vec<Value> {
    let answer = c
        .issue_cmd(WebAuthn {
            path: format!("authenticator/{authenticator}/credentials"),
            method: axum::http::Method::GET,
            body: None,
        })
        .await
        .expect("list the authenticator's credentials");
    answer.as_array().cloned().unwrap_or_default()
}

async fn fill(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits until the browser's address contains `part` (the page's script navigates when done) and
/// returns it; fails with the page's text if an error shows instead.
async fn wait_for_url(c: &Client, part: &str) -> String {
    let mut step = 0;
    loop {
        let url = c.current_url().await.unwrap().to_string();
        if url.contains(part) {
            return url;
        }
        if let Ok(error) = c.find(Locator::Css("#passkey-error:not([hidden])")).await {
            panic!(
                "passkey error shown: {}",
                error.text().await.unwrap_or_default()
            );
        }
        step += 1;
        assert!(step < 600, "never reached {part}; at {url}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_officer_adds_a_passkey_and_signs_in_with_it_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    // WebAuthn needs a secure context: http://localhost is one, http://127.0.0.1 is not for an RP ID.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let site = format!("http://localhost:{port}");
    let public = tepat_web::config::PublicUrl::parse(&site).unwrap();
    let app = TestApp::builder()
        .config(move |c| c.public_url = Some(public))
        .build()
        .await;
    app.create_officer("siti.desa", Role::VillageOperator, "19.02.01.1001")
        .await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = app.state().config().clone();
    let router = app.router();
    let server = tokio::spawn(async move {
        tepat_web::serve_with(listener, router, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    let c = &browser.client;

    // At the IP address: no button, and the reason.
    c.goto(&format!("http://127.0.0.1:{port}/signin"))
        .await
        .unwrap();
    assert!(c.find(Locator::Css("#passkey-signin")).await.is_err());
    let why = browser.text_of("#passkey-unavailable").await;
    assert!(why.contains(&site), "{why}");

    let authenticator = add_virtual_authenticator(c).await;

    // Sign in with the password, then add a passkey.
    c.goto(&format!("{site}/signin")).await.unwrap();
    fill(c, "#username", "siti.desa").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form[action='/signin'] button[type=submit]").await;
    wait_for_url(c, "/home").await;
    click(c, "#passkeys-link").await;
    wait_for_url(c, "/home/passkeys").await;
    assert!(browser
        .text_of("#passkey-none")
        .await
        .contains("Belum ada passkey"));
    fill(c, "#passkey-name", "HP dinas").await;
    fill(c, "#passkey-password", PASSWORD).await;
    click(c, "#passkey-create").await;
    wait_for_url(c, "added=1").await;
    assert!(browser.text_of("#passkeys").await.contains("HP dinas"));
    assert_eq!(
        browser.horizontal_overflow().await,
        0,
        "the passkey page scrolls sideways at 360 px"
    );
    let stored = credentials(c, &authenticator).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        stored[0]["isResidentCredential"], true,
        "a discoverable credential"
    );
    assert_eq!(stored[0]["rpId"], "localhost");

    // Sign out, then sign in with the passkey alone.
    click(c, "form.who button[type=submit]").await;
    wait_for_url(c, "/signin").await;
    c.goto(&format!("{site}/signin")).await.unwrap();
    assert!(browser
        .text_of("#passkey-signin")
        .await
        .contains("Masuk dengan passkey"));
    click(c, "#passkey-signin").await;
    wait_for_url(c, "/home").await;
    let who = browser.text_of("#who").await;
    assert!(who.contains("siti.desa"), "{who}");
    assert!(browser.text_of("#role").await.contains("operator desa"));
    let used = credentials(c, &authenticator).await;
    assert!(used[0]["signCount"].as_u64().unwrap_or(0) >= 1, "{used:?}");
    c.goto(&format!("{site}/home/passkeys")).await.unwrap();
    let used_at = browser.text_of(".passkey-used").await;
    assert!(!used_at.contains("belum pernah"), "{used_at}");

    // Removed, the passkey signs nobody in any more; the page says so in Indonesian.
    click(c, "#passkeys form[action='/home/passkeys/remove'] button").await;
    wait_for_url(c, "removed=1").await;
    assert!(c.find(Locator::Css("#passkey-none")).await.is_ok());
    click(c, "form.who button[type=submit]").await;
    wait_for_url(c, "/signin").await;
    c.goto(&format!("{site}/signin")).await.unwrap();
    click(c, "#passkey-signin").await;
    let error = c
        .wait()
        .for_element(Locator::Css("#passkey-error:not([hidden])"))
        .await
        .expect("an error after signing in with a removed passkey");
    let message = error.text().await.unwrap();
    assert!(message.contains("ditolak"), "{message}");
    assert!(c.current_url().await.unwrap().as_str().ends_with("/signin"));

    browser.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
