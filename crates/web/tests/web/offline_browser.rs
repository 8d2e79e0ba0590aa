//! Offline field entry in a real headless Chromium at 360 px: a village operator opens `/lapangan`,
//! the phone loses its signal (chromedriver's network emulation), the operator saves a proposal that
//! waits in the IndexedDB outbox, the signal comes back, the page syncs by itself, and the server has
//! the household exactly once — also after sending the same record again.

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use tepat_domain::Role;
use uuid::Uuid;

use crate::browser::{emulate_network, fill, until, Browser};
use crate::officer::PASSWORD;
use crate::registry::{household, A};
use crate::support::{belitung, TestApp};

/// The records of the page's outbox, read from IndexedDB.
async fn outbox(c: &Client) -> Vec<Value> {
    let value = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const req = indexedDB.open('tepat-lapangan');
             req.onsuccess = () => {
               const get = req.result.transaction('outbox').objectStore('outbox').getAll();
               get.onsuccess = () => { done(get.result); req.result.close(); };
             };",
            vec![],
        )
        .await
        .unwrap();
    value.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_offline_entry_waits_in_the_outbox_and_syncs_once_on_reconnect() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().population(belitung(2, 0)).build().await;
    app.create_officer("desa.lapangan", Role::VillageOperator, A)
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
    fill(c, "username", "desa.lapangan").await;
    fill(c, "password", PASSWORD).await;
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("#role")).await.unwrap();

    c.goto(&format!("{base}/lapangan")).await.unwrap();
    until(
        c,
        "return document.getElementById('lapangan').getAttribute('data-ready');",
        json!("1"),
        "the page starts",
    )
    .await;
    assert_eq!(browser.text_of("h1").await, "Entri lapangan");
    assert_eq!(
        browser.horizontal_overflow().await,
        0,
        "/lapangan at 360 px"
    );
    // The service worker takes the page under its wing (so it opens without signal next time).
    until(
        c,
        "return navigator.serviceWorker.controller !== null;",
        json!(true),
        "service worker",
    )
    .await;

    // No signal.
    emulate_network(c, true).await;
    until(c, "return navigator.onLine;", json!(false), "offline").await;
    assert_eq!(
        browser.text_of("#net-state").await,
        "Tidak ada sinyal: catatan disimpan di ponsel"
    );

    let h = household(A, 71, "Siti Lapangan");
    let head = &h.members[0];
    fill(c, "nh-kk", h.kk_number.digits()).await;
    fill(c, "nh-address", "Dusun Tanjung").await;
    fill(c, "nh-rt", "003").await;
    fill(c, "nh-rw", "001").await;
    fill(c, "nh-nik-1", head.nik.digits()).await;
    fill(c, "nh-name-1", &head.full_name).await;
    c.execute(
        "document.getElementById('nh-sex-1').value = arguments[0];
         document.getElementById('nh-birth-1').value = arguments[1];",
        vec![json!(head.sex.letter()), json!(head.birth_date.to_string())],
    )
    .await
    .unwrap();
    fill(c, "nh-reason", "keluarga miskin, rumah tidak layak").await;
    c.find(Locator::Id("nh-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "return document.getElementById('outbox-count').textContent;",
        json!("1"),
        "the record waits",
    )
    .await;
    let waiting = outbox(c).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["state"], "waiting");
    let payload = waiting[0]["payload"].clone();
    let id: Uuid = payload["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(id.get_version_num(), 7, "the phone makes UUIDv7 ids");
    let household_id: Uuid = payload["household"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Sending while offline fails and keeps the record.
    c.find(Locator::Id("sync-now"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "return document.getElementById('sync-state').textContent;",
        json!("Belum terkirim; dicoba lagi saat tersambung."),
        "offline sync fails",
    )
    .await;
    assert_eq!(outbox(c).await.len(), 1);
    assert!(app.store.registry_request(id).await.unwrap().is_none());

    // The signal comes back: the page sends by itself.
    emulate_network(c, false).await;
    until(
        c,
        "return document.getElementById('outbox-count').textContent;",
        json!("0"),
        "synced on reconnect",
    )
    .await;
    until(
        c,
        "return document.querySelectorAll('#outbox li').length;",
        json!(0),
        "outbox empty",
    )
    .await;
    let stored = app
        .store
        .registry_request(id)
        .await
        .unwrap()
        .expect("on the server");
    assert_eq!(stored.request.household, household_id);
    let once = app
        .store
        .registry_requests_of_household(household_id)
        .await
        .unwrap();
    assert_eq!(once.len(), 1);

    // Sync again, and send the very same record again from the page: still once.
    c.find(Locator::Id("sync-now"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let answer = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const root = document.getElementById('lapangan');
             fetch('/api/lapangan/sync', {method: 'POST', credentials: 'same-origin',
               headers: {'Content-Type': 'application/json', 'X-CSRF-Token': root.getAttribute('data-csrf')},
               body: JSON.stringify({records: [arguments[0]]})})
               .then(r => r.json()).then(done, e => done(String(e)));",
            vec![payload],
        )
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["status"], "duplicate", "{answer}");
    let still = app
        .store
        .registry_requests_of_household(household_id)
        .await
        .unwrap();
    assert_eq!(still.len(), 1, "exactly once");

    browser.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
