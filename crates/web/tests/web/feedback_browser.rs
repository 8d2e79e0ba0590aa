//! Complaints and ratings in a real headless Chromium at a phone's width (360 px): an anonymous report
//! filed and tracked by its ticket, then a rating of a handed-over entitlement from the form the status
//! page carries (driven here on the rating form's own page when `/cek` has nothing to rate).

use chrono::Utc;
use fantoccini::Locator;
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::{RegionCode, Rupiah};
use tepat_store::{Entitlement, NewEnvelope};
use uuid::Uuid;

use crate::browser::{fill, js, Browser};
use crate::registry::A;
use crate::support::{belitung, TestApp};

async fn click(c: &fantoccini::Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn wait_for(c: &fantoccini::Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

#[tokio::test]
async fn a_complaint_is_filed_and_tracked_and_a_distribution_rated_in_a_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().population(belitung(2, 0)).build().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let base = format!("http://{addr}");
    let c = &browser.client;

    c.goto(&format!("{base}/warga/pengaduan")).await.unwrap();
    let select = c.find(Locator::Id("category")).await.unwrap();
    select.select_by_value("extortion").await.unwrap();
    fill(c, "text", "Petugas minta uang administrasi 25 ribu").await;
    click(c, "input[name=who][value=anonymous]").await;
    fill(c, "village", A).await;
    click(c, "#complaint-form button[type=submit]").await;
    wait_for(c, "#ticket").await;
    let ticket = browser.text_of("#ticket").await;
    assert!(ticket.starts_with("ADU-"), "{ticket}");
    assert_eq!(browser.horizontal_overflow().await, 0, "the form at 360 px");

    c.goto(&format!("{base}/warga/pengaduan/lacak"))
        .await
        .unwrap();
    fill(c, "ticket", &ticket).await;
    click(c, "main form button[type=submit]").await;
    wait_for(c, "#tracked").await;
    assert!(browser.text_of("#tracked-state").await.contains("menunggu"));
    let url = c.current_url().await.unwrap();
    assert!(
        !url.as_str().contains(&ticket[4..8]),
        "the ticket is never in a URL"
    );

    // A handed-over entitlement, and the rating form as the status page renders it.
    let household = Uuid::now_v7();
    let envelope = Uuid::now_v7();
    app.state()
        .store()
        .create_envelope(
            &NewEnvelope {
                id: envelope,
                program: "SEMBAKO".into(),
                cycle: "2027-01".into(),
                program_version: 1,
                scheduled_date: Utc::now().date_naive(),
                prepared_by: Uuid::now_v7(),
                prepared_at: Utc::now(),
            },
            &[Entitlement {
                household,
                village: RegionCode::parse(A).unwrap(),
                amount: Rupiah::new(200_000),
                parts: "[]".into(),
                route: Route::Goods,
                provider: None,
                state: EntitlementState::HandedOver,
                reason: None,
            }],
        )
        .await
        .unwrap();
    crate::feedback::set_state(&app, envelope, EntitlementState::HandedOver).await;
    let pass = app.state().pass_key().issue(
        Uuid::now_v7(),
        Some(household),
        RegionCode::parse(A).unwrap(),
        Utc::now(),
    );
    c.goto(&format!("{base}/warga/pengaduan?pass={pass}"))
        .await
        .unwrap();
    wait_for(c, "#complaint-form").await;
    // The same form the status page renders for each rateable entitlement.
    js(
        c,
        &format!(
            "const f = document.createElement('form'); f.method = 'post'; f.action = '/warga/penilaian'; \
             f.id = 'rate-form'; \
             const add = (n, v) => {{ const i = document.createElement('input'); i.name = n; i.value = v; f.appendChild(i); }}; \
             add('csrf', document.querySelector('input[name=csrf]').value); add('pass', '{pass}'); \
             add('envelope', '{envelope}'); add('stars', '5'); add('comment', 'cepat dan ramah'); \
             document.body.appendChild(f); return true;"
        ),
    )
    .await;
    js(
        c,
        "document.getElementById('rate-form').submit(); return true;",
    )
    .await;
    wait_for(c, "#rated, #rate-error").await;
    let shown = browser.text_of("main").await;
    assert!(shown.contains("Terima kasih"), "{shown}");
    assert_eq!(browser.text_of("#stars").await, "5");
    let stored = app
        .state()
        .store()
        .ratings_of_household(household)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].comment.as_deref(), Some("cepat dan ramah"));

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    browser.close().await;
}
