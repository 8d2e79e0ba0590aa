//! The status page in a real headless Chromium at a phone's width (360 px): the check submitted with
//! the keyboard only, the card kept on the phone and read again without signal, deleted on request;
//! a wrong KK and an unknown NIK answered alike.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{emulate_network, fill, js, until, Browser};
use crate::check::{fixture, unknown_nik};

/// Presses Tab until the element with id `id` has the focus: it must be reachable by keyboard.
async fn tab_to(c: &Client, id: &str) {
    for _ in 0..30 {
        if js(
            c,
            "return document.activeElement && document.activeElement.id;",
        )
        .await
            == json!(id)
        {
            return;
        }
        c.active_element()
            .await
            .unwrap()
            .send_keys(&Key::Tab.to_string())
            .await
            .unwrap();
    }
    panic!("#{id} is not reachable with the Tab key");
}

async fn type_keys(c: &Client, text: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn set_offline(c: &Client, offline: bool) {
    emulate_network(c, offline).await;
    until(
        c,
        "return navigator.onLine;",
        json!(!offline),
        "the page sees the network change",
    )
    .await;
}

async fn visible(c: &Client, id: &str) -> bool {
    js(
        c,
        &format!("var e = document.getElementById('{id}'); return !!e && !e.hidden && e.offsetHeight > 0;"),
    )
    .await
        == json!(true)
}

#[tokio::test]
async fn a_status_checked_by_keyboard_stays_readable_offline_until_deleted() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let f = fixture().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = f
        .app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let base = format!("http://{addr}");
    let c = &browser.client;

    c.goto(&format!("{base}/cek")).await.unwrap();
    assert_eq!(browser.horizontal_overflow().await, 0, "/cek at 360 px");
    until(
        c,
        "return navigator.serviceWorker.controller !== null;",
        json!(true),
        "the citizens' service worker controls the page",
    )
    .await;
    assert_eq!(
        js(c, "return document.documentElement.lang;").await,
        json!("id")
    );

    // Keyboard only: Tab to the NIK, type, Tab to the KK number, type, Enter.
    tab_to(c, "nik").await;
    type_keys(c, f.head.nik.digits()).await;
    tab_to(c, "kk").await;
    type_keys(c, &format!("{}{}", f.head.kk_number.digits(), Key::Enter)).await;
    c.wait().for_element(Locator::Id("card")).await.unwrap();
    assert_eq!(browser.horizontal_overflow().await, 0, "the card at 360 px");
    assert!(browser
        .text_of("#programs")
        .await
        .contains("Kantor Pos Tanjung Pandan"));
    let url = c.current_url().await.unwrap();
    assert!(!url.as_str().contains(f.head.nik.digits()));

    // Kept on the phone: the card without the forms, the pass or the numbers.
    until(
        c,
        "return !!localStorage.getItem('tepat.cek.terakhir');",
        json!(true),
        "the card is kept",
    )
    .await;
    assert!(visible(c, "saved").await, "the page says the card is kept");
    let kept = js(c, "return localStorage.getItem('tepat.cek.terakhir');")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert!(kept.contains("Kantor Pos Tanjung Pandan"), "{kept}");
    assert!(
        kept.contains("<svg"),
        "the voucher's QR code, for the point"
    );
    for never in [
        f.head.nik.digits(),
        f.head.kk_number.digits(),
        "TPP1.",
        "<form",
    ] {
        assert!(!kept.contains(never), "{never} is not kept");
    }

    // Without signal: the status page opens from the worker's cache with the last card. Chromium's
    // network emulation does not reach the service worker's own fetches, so the server stops too.
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    set_offline(c, true).await;
    c.goto(&format!("{base}/cek")).await.unwrap();
    until(
        c,
        "var k = document.getElementById('kept'); return !!k && !k.hidden;",
        json!(true),
        "the last card is shown offline",
    )
    .await;
    let offline = browser.text_of("#kept").await;
    assert!(offline.contains("Kantor Pos Tanjung Pandan"), "{offline}");
    assert!(offline.contains("Dicek pada"), "{offline}");
    until(
        c,
        "var n = document.querySelector('#kept [data-offline]'); return !!n && !n.hidden;",
        json!(true),
        "the page says it is offline",
    )
    .await;
    assert_eq!(browser.horizontal_overflow().await, 0, "offline at 360 px");
    // A page that was never kept: the offline page rather than the browser's error.
    c.goto(&format!("{base}/warga/usulan")).await.unwrap();
    c.wait().for_element(Locator::Css("h1")).await.unwrap();
    assert_eq!(browser.text_of("h1").await, "Tidak ada sinyal");

    // Deleted on request, by keyboard.
    c.goto(&format!("{base}/cek")).await.unwrap();
    until(
        c,
        "var k = document.getElementById('kept'); return !!k && !k.hidden;",
        json!(true),
        "the last card again",
    )
    .await;
    c.find(Locator::Css("#kept button[data-forget]"))
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    until(
        c,
        "return localStorage.getItem('tepat.cek.terakhir');",
        json!(null),
        "the card is deleted",
    )
    .await;
    assert!(visible(c, "forgotten").await);
    assert!(!visible(c, "kept").await);

    browser.close().await;
}

#[tokio::test]
async fn a_wrong_kk_and_an_unknown_nik_read_the_same_in_the_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let f = fixture().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = f
        .app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let base = format!("http://{addr}");
    let c = &browser.client;

    let mut messages = Vec::new();
    for (nik, kk) in [
        (
            f.head.nik.digits().to_owned(),
            f.outsider.kk_number.digits(),
        ),
        (unknown_nik().digits().to_owned(), f.head.kk_number.digits()),
    ] {
        c.goto(&format!("{base}/cek")).await.unwrap();
        fill(c, "nik", &nik).await;
        fill(c, "kk", kk).await;
        c.find(Locator::Css("#check-form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Id("check-error"))
            .await
            .unwrap();
        messages.push(browser.text_of("#check-error").await);
        assert!(c.find(Locator::Id("card")).await.is_err(), "no card");
        assert_eq!(
            js(
                c,
                "return document.getElementById('nik').getAttribute('aria-describedby');"
            )
            .await,
            json!("check-error")
        );
        assert_eq!(
            browser.horizontal_overflow().await,
            0,
            "the error at 360 px"
        );
        // Nothing is kept for a failed check.
        assert_eq!(
            js(c, "return localStorage.getItem('tepat.cek.terakhir');").await,
            json!(null)
        );
    }
    assert_eq!(messages[0], messages[1]);
    assert!(messages[0].contains("tidak cocok"), "{}", messages[0]);

    browser.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
