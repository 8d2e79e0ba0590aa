//! A citizen's proposal in a real headless Chromium at a phone's width (360 px): the public form filled
//! and sent, then the village operator signs in and finds it at `/registry/warga`.

use fantoccini::{Client, Locator};
use tepat_domain::Role;

use crate::browser::Browser;
use crate::officer::PASSWORD;
use crate::registry::A;
use crate::support::{belitung, TestApp};

async fn fill(c: &Client, id: &str, text: &str) {
    let field = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn wait_for(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

#[tokio::test]
async fn a_citizens_proposal_from_the_public_page_reaches_the_village_operator() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let pop = belitung(2, 0);
    let head = pop
        .iter()
        .find(|r| r.village.dotted() == A)
        .unwrap()
        .clone();
    let app = TestApp::builder().population(pop).build().await;
    app.create_officer("operator.a", Role::VillageOperator, A)
        .await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let base = format!("http://{addr}");
    let c = &browser.client;

    c.goto(&format!("{base}/warga/usulan")).await.unwrap();
    fill(c, "nik", head.nik.digits()).await;
    fill(c, "kk", head.kk_number.digits()).await;
    fill(c, "reason", "rumah rusak setelah banjir").await;
    click(c, "main form button[type=submit]").await;
    wait_for(c, "#received").await;
    assert_eq!(browser.horizontal_overflow().await, 0, "the form at 360 px");
    let url = c.current_url().await.unwrap();
    assert!(
        !url.as_str().contains(head.nik.digits()),
        "the NIK is never in a URL"
    );

    c.goto(&format!("{base}/signin")).await.unwrap();
    fill(c, "username", "operator.a").await;
    fill(c, "password", PASSWORD).await;
    click(c, "main button[type=submit]").await;
    wait_for(c, "#role").await;
    c.goto(&format!("{base}/registry/warga")).await.unwrap();
    wait_for(c, "#tips").await;
    let tips = browser.text_of("#tips").await;
    assert!(tips.contains("rumah rusak setelah banjir"), "{tips}");
    assert!(tips.contains(&head.full_name));

    browser.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
