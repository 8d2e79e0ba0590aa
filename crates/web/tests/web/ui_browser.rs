//! The public pages in a real headless Chromium at a phone's width.

use fantoccini::Locator;

use crate::browser::Browser;
use crate::support::{belitung, TestApp};

#[tokio::test]
async fn the_landing_page_fits_a_phone_and_switches_to_english() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().population(belitung(50, 1)).build().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;

    browser
        .client
        .goto(&format!("http://{addr}/"))
        .await
        .expect("open the landing page");
    let lang = browser
        .client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("id"));
    assert!(browser
        .text_of("main")
        .await
        .contains("Penduduk per kecamatan"));
    assert_eq!(
        browser.horizontal_overflow().await,
        0,
        "the page scrolls sideways at 360 px"
    );

    // The language switch is a plain link; the choice sticks through the cookie it sets.
    browser
        .client
        .find(Locator::Css(r#"a[hreflang="en"]"#))
        .await
        .expect("the English link")
        .click()
        .await
        .unwrap();
    assert!(browser
        .text_of("main")
        .await
        .contains("Population by district"));
    browser
        .client
        .goto(&format!("http://{addr}/"))
        .await
        .unwrap();
    assert!(browser
        .text_of("main")
        .await
        .contains("Population by district"));

    browser.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
