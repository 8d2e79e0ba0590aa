//! Signing in and out in a real headless Chromium at a phone's width (360 px), Indonesian by default.

use fantoccini::Locator;
use tepat_domain::Role;

use crate::browser::Browser;
use crate::officer::PASSWORD;
use crate::support::TestApp;

#[tokio::test]
async fn an_officer_signs_in_on_a_phone_sees_their_role_and_signs_out() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::new().await;
    app.create_officer("op.tanjungpandan", Role::VillageOperator, "19.02.01.1001")
        .await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let c = &browser.client;

    // A protected page sends the browser to the sign-in form, which fits the screen.
    c.goto(&format!("http://{addr}/home")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/signin"));
    assert!(browser.text_of("main").await.contains("Masuk petugas"));
    assert_eq!(
        browser.horizontal_overflow().await,
        0,
        "sign-in page at 360 px"
    );

    // A wrong password: the message is in Indonesian and the username is still there.
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("op.tanjungpandan")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("bukan kata sandinya")
        .await
        .unwrap();
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("signin-error"))
        .await
        .expect("the error message");
    assert!(browser
        .text_of("#signin-error")
        .await
        .contains("Nama pengguna atau kata sandi salah"));
    let kept = c
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("op.tanjungpandan"));

    // The right one leads back to the page first asked for.
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("role"))
        .await
        .expect("the officers' page");
    assert_eq!(c.current_url().await.unwrap().path(), "/home");
    assert!(browser
        .text_of("#role")
        .await
        .contains("operator desa/kelurahan"));
    assert!(browser
        .text_of("header")
        .await
        .contains("Petugas op.tanjungpandan"));
    assert_eq!(
        browser.horizontal_overflow().await,
        0,
        "officer page at 360 px"
    );

    // Sign out from the header.
    c.find(Locator::Css("form.who button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("username"))
        .await
        .expect("the sign-in form");
    assert!(c.current_url().await.unwrap().path().starts_with("/signin"));
    c.goto(&format!("http://{addr}/home")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/signin"),
        "the session is gone"
    );

    browser.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
