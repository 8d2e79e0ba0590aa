//! The monitoring dashboard in a real headless Chromium at a phone's width: a verifier signs in, opens
//! it from the menu, sees the district's figures, and the figures fragment the page polls replaces
//! itself with new figures after a refresh (three hand-overs instead of one), without reloading the page.

use chrono::Utc;
use fantoccini::Locator;
use serde_json::json;
use sqlx::Connection as _;
use tepat_domain::Role;
use tepat_store::FlagRules;

use crate::browser::{fill, js, until, Browser};
use crate::monitoring::craft;
use crate::officer::PASSWORD;
use crate::support::TestApp;

#[tokio::test]
async fn the_dashboard_updates_itself_in_a_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    craft(&app).await;
    app.create_officer("pemantau", Role::Verifier, "19.02.01")
        .await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let base = format!("http://{addr}");
    let c = &browser.client;

    c.goto(&format!("{base}/signin")).await.unwrap();
    fill(c, "username", "pemantau").await;
    fill(c, "password", PASSWORD).await;
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("a[href=\"/pantau\"]"))
        .await
        .expect("the dashboard in the menu");
    c.find(Locator::Css("a[href=\"/pantau\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("monitor-pipeline-total"))
        .await
        .expect("the pipeline's total row");
    let total =
        "return document.querySelector('#monitor-pipeline-total td').firstChild.textContent;";
    until(c, total, json!("3"), "three planned entitlements").await;
    let received = "return document.querySelector('#monitor-pipeline-total td:nth-of-type(4)')\
                    .firstChild.textContent;";
    until(c, received, json!("1"), "one received").await;
    // Verifiers may open the list behind a flag.
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('a[href^=\"/pantau/tanda/\"]').length;"
        )
        .await,
        json!(5)
    );

    // New figures: the poll's request (made here at once rather than after 20 s) swaps them in.
    let url = format!("sqlite://{}", app.db_path.display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE entitlement SET state = 'handed_over'")
        .execute(&mut db)
        .await
        .unwrap();
    app.store
        .refresh_monitoring(&FlagRules::default(), Utc::now())
        .await
        .unwrap();
    js(
        c,
        "const el = document.getElementById('monitor-figures'); \
         htmx.ajax('GET', el.getAttribute('hx-get'), {target: el, swap: 'outerHTML'}); return 1;",
    )
    .await;
    until(c, received, json!("3"), "the figures after the refresh").await;
    assert!(c.current_url().await.unwrap().path().starts_with("/pantau"));

    let _ = stop.send(());
    let _ = server.await;
    browser.close().await;
}
