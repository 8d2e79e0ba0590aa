//! The voucher scan page in a real headless Chromium at 360 px: a distribution officer opens
//! `/penyaluran/pindai` online (the page caches the voucher keys and the points), the phone loses its
//! signal, a tampered voucher is refused with the reason an officer reads, a valid one is checked
//! against the recipient's NIK and its hand-over, with a photo downscaled on the phone, waits in the
//! IndexedDB outbox; the signal comes back,
//! the page syncs and the server has the hand-over. Then a second phone (another browser, another
//! officer) redeems the same voucher offline and is told at sync that it is a duplicate, flagged.

use std::time::Duration;

use chrono::{NaiveTime, Utc};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::{Lang, Localized, Role, Rupiah};
use tepat_payments::voucher::{recipient_commitment, Voucher, VoucherRefusal};
use tepat_store::{
    DistributionPoint, Entitlement, IssueBatch, NewEnvelope, PointKind, StoredVoucher,
};
use uuid::Uuid;

use crate::browser::{emulate_network, fill, js, until, Browser};
use crate::officer::PASSWORD;
use crate::registry::{code, A};
use crate::support::{belitung, TestApp};

/// The recipient's NIK, as on their KTP (synthetic).
pub const NIK: &str = "1902014107800001";

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

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .click()
        .await
        .unwrap();
}

/// A JPEG's width and height, from its start-of-frame segment.
fn jpeg_size(b: &[u8]) -> Option<(u16, u16)> {
    let mut i = 2;
    while i + 9 < b.len() {
        let marker = b[i + 1];
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if matches!(marker, 0xC0..=0xC2) {
            let h = u16::from_be_bytes([b[i + 5], b[i + 6]]);
            let w = u16::from_be_bytes([b[i + 7], b[i + 8]]);
            return Some((w, h));
        }
        i += 2 + len;
    }
    None
}

/// Waits (polling a bounded number of times) until `script` returns `want`.
/// A paying envelope with one cash entitlement, its voucher signed with the server's key, and a post
/// office in the village: the voucher's text and id.
pub async fn cash_voucher(app: &TestApp) -> (String, Uuid) {
    cash_voucher_in(app, Uuid::now_v7(), "2027-01", Some(NIK)).await
}

/// [`cash_voucher`] in the Sembako envelope of `cycle`, for `household`, committed to `nik` (all zeros
/// without one).
pub async fn cash_voucher_in(
    app: &TestApp,
    household: Uuid,
    cycle: &str,
    nik: Option<&str>,
) -> (String, Uuid) {
    let store = app.store.as_ref();
    let now = Utc::now();
    let today = now.date_naive();
    let envelope = Uuid::now_v7();
    store
        .create_envelope(
            &NewEnvelope {
                id: envelope,
                program: "sembako".into(),
                cycle: cycle.into(),
                program_version: 1,
                scheduled_date: today,
                prepared_by: Uuid::now_v7(),
                prepared_at: now,
            },
            &[Entitlement {
                household,
                village: code(A),
                amount: Rupiah::new(200_000),
                parts: "[]".into(),
                route: Route::Cash,
                provider: None,
                state: EntitlementState::Pending,
                reason: None,
            }],
        )
        .await
        .unwrap();
    store
        .approve_envelope(envelope, Uuid::now_v7(), now)
        .await
        .unwrap();
    store.release_envelope(envelope, now).await.unwrap();
    if store.point_by_code("KP-TDN-01").await.unwrap().is_none() {
        insert_point(store).await;
    }
    let signer = app.state().voucher_signer().unwrap();
    let id = Uuid::now_v7();
    let voucher = Voucher {
        id,
        program: "sembako".into(),
        cycle: cycle.into(),
        amount: Rupiah::new(200_000),
        goods: None,
        recipient: nik.map_or([0; 32], |nik| recipient_commitment(id, nik)),
        valid_from: today - chrono::Days::new(1),
        valid_until: today + chrono::Days::new(30),
        key_id: signer.key_id().to_owned(),
    };
    store
        .issue_vouchers(&IssueBatch {
            vouchers: vec![StoredVoucher {
                id,
                envelope,
                household,
                amount: voucher.amount,
                goods: None,
                recipient: voucher.recipient,
                valid_from: voucher.valid_from,
                valid_until: voucher.valid_until,
                key_id: voucher.key_id.clone(),
                issued_at: now,
            }],
            assignments: vec![],
            notices: vec![],
        })
        .await
        .unwrap();
    (signer.sign(&voucher).unwrap(), id)
}

async fn insert_point(store: &dyn tepat_store::Store) {
    store
        .insert_point(&DistributionPoint {
            id: Uuid::now_v7(),
            code: "KP-TDN-01".into(),
            name: "Kantor Pos Tanjung Pandan".into(),
            kind: PointKind::PostOffice,
            village: code(A),
            capacity_per_slot: 50,
            slots_per_day: 8,
            first_slot: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            slot_minutes: 30,
            active: true,
            merchant_account: None,
        })
        .await
        .unwrap();
}

/// The same text with one byte of the signed record changed (the amount's last byte).
pub fn tampered(text: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let mut bytes = URL_SAFE_NO_PAD
        .decode(text.strip_prefix("TPV1.").unwrap())
        .unwrap();
    // version (1) + id (16) + program (1 + 7) + cycle (1 + 7) + amount (8): its last byte.
    bytes[1 + 16 + 8 + 8 + 7] ^= 0x01;
    format!("TPV1.{}", URL_SAFE_NO_PAD.encode(bytes))
}

async fn sign_in(c: &Client, base: &str, username: &str) {
    c.goto(&format!("{base}/signin")).await.unwrap();
    fill(c, "username", username).await;
    fill(c, "password", PASSWORD).await;
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("#role")).await.unwrap();
}

/// Opens the scan page online and waits until it has cached the keys and its service worker runs.
async fn open_scan_page(browser: &Browser, base: &str) {
    let c = &browser.client;
    c.goto(&format!("{base}/penyaluran/pindai")).await.unwrap();
    until(
        c,
        "return document.getElementById('pindai').getAttribute('data-ready');",
        json!("1"),
        "the page starts",
    )
    .await;
    assert_eq!(browser.text_of("h1").await, "Pindai voucher");
    assert_eq!(
        browser.horizontal_overflow().await,
        0,
        "/penyaluran/pindai at 360 px"
    );
    assert_eq!(browser.text_of("#keys-count").await, "1", "the key is kept");
    until(
        c,
        "return navigator.serviceWorker.controller !== null;",
        json!(true),
        "service worker",
    )
    .await;
    // A reload without signal must still open the page, from the worker's cache.
    set_offline(c, true).await;
    c.refresh().await.unwrap();
    until(
        c,
        "return document.getElementById('pindai') && document.getElementById('pindai').getAttribute('data-ready');",
        json!("1"),
        "the page opens offline",
    )
    .await;
    assert_eq!(browser.text_of("#keys-count").await, "1");
}

/// Gives the photo field a picture as a phone camera would (a 1600 × 1200 PNG drawn here) and waits
/// until the page has made its downscaled JPEG: its size in bytes.
async fn take_photo(c: &Client) -> u64 {
    let script = "var cv = document.createElement('canvas'); cv.width = 1600; cv.height = 1200; \
        var x = cv.getContext('2d'); x.fillStyle = '#2a7'; x.fillRect(0, 0, 1600, 1200); \
        x.fillStyle = '#fff'; x.fillRect(200, 200, 600, 400); \
        return new Promise(function (done) { cv.toBlob(function (b) { \
          var dt = new DataTransfer(); dt.items.add(new File([b], 'foto.png', { type: 'image/png' })); \
          var input = document.getElementById('handover-photo'); input.files = dt.files; \
          input.dispatchEvent(new Event('change')); done(true); }, 'image/png'); });";
    js(c, script).await;
    let mut bytes = Value::Null;
    for _ in 0..300 {
        bytes = js(
            c,
            "return document.getElementById('photo-state').getAttribute('data-bytes');",
        )
        .await;
        if !bytes.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bytes
        .as_str()
        .and_then(|b| b.parse().ok())
        .unwrap_or_else(|| panic!("the page made no photo: {bytes}"))
}

/// Checks `text` on the page, matches the NIK and records the hand-over (all offline).
async fn hand_over(c: &Client, text: &str) {
    hand_over_with(c, text, false).await;
}

/// [`hand_over`], with a photo when `photo`.
async fn hand_over_with(c: &Client, text: &str, photo: bool) {
    fill(c, "voucher-text", text).await;
    click(c, "check").await;
    until(
        c,
        "return document.getElementById('voucher-view').hidden;",
        json!(false),
        "the voucher is shown",
    )
    .await;
    fill(c, "nik", NIK).await;
    click(c, "nik-check").await;
    until(
        c,
        "return document.getElementById('nik-state').getAttribute('data-match');",
        json!("1"),
        "the NIK matches",
    )
    .await;
    if photo {
        let bytes = take_photo(c).await;
        assert!(
            bytes > 0 && bytes <= 240 * 1024,
            "a small JPEG for a weak connection: {bytes}"
        );
    }
    click(c, "handover").await;
    until(
        c,
        "return document.getElementById('outbox-count').textContent;",
        json!("1"),
        "the hand-over waits in the outbox",
    )
    .await;
}

async fn outbox_state(c: &Client) -> Value {
    js(
        c,
        "var li = document.querySelector('#outbox li'); return li ? li.getAttribute('data-state') : null;",
    )
    .await
}

#[tokio::test]
async fn a_voucher_is_checked_offline_and_its_hand_over_syncs_once_and_a_second_phone_is_flagged() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().population(belitung(2, 0)).build().await;
    app.create_officer("petugas.satu", Role::DistributionOfficer, "19.02")
        .await;
    app.create_officer("petugas.dua", Role::DistributionOfficer, "19.02")
        .await;
    let (text, voucher) = cash_voucher(&app).await;
    let (no_nik, _) = cash_voucher_in(&app, Uuid::now_v7(), "2027-02", None).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async {
            let _ = stopped.await;
        })
        .await;
    let base = format!("http://{addr}");
    let c = &browser.client;

    sign_in(c, &base, "petugas.satu").await;
    set_offline(c, false).await;
    open_scan_page(&browser, &base).await;
    assert_eq!(
        browser.text_of("#net-state").await,
        "Tidak ada sinyal: penyerahan disimpan di ponsel"
    );

    // A tampered voucher: refused, with the reason the server would give.
    fill(c, "voucher-text", &tampered(&text)).await;
    click(c, "check").await;
    until(
        c,
        "return document.getElementById('check-state').getAttribute('data-refusal');",
        json!("bad_signature"),
        "the tampered voucher is refused",
    )
    .await;
    assert_eq!(
        browser.text_of("#check-state").await,
        VoucherRefusal::BadSignature.message(Lang::Id)
    );
    assert_eq!(
        js(c, "return document.getElementById('handover').disabled;").await,
        json!(true)
    );

    // A wrong NIK does not allow the hand-over.
    fill(c, "voucher-text", &text).await;
    click(c, "check").await;
    until(
        c,
        "return document.getElementById('voucher-view').hidden;",
        json!(false),
        "the valid voucher is shown",
    )
    .await;
    assert_eq!(browser.text_of("#v-what").await, "Rp200.000");
    assert_eq!(browser.text_of("#v-cycle").await, "2027-01");
    fill(c, "nik", "1902014107800002").await;
    click(c, "nik-check").await;
    until(
        c,
        "return document.getElementById('nik-state').getAttribute('data-match');",
        json!("0"),
        "a wrong NIK is told",
    )
    .await;
    assert_eq!(
        js(c, "return document.getElementById('handover').disabled;").await,
        json!(true)
    );

    hand_over_with(c, &text, true).await;
    assert_eq!(outbox_state(c).await, json!("waiting"));
    let ctx = app.store.voucher_context(voucher).await.unwrap().unwrap();
    assert_ne!(
        ctx.entitlement_state,
        EntitlementState::HandedOver,
        "nothing reached the server while offline"
    );

    // The signal comes back: the page sends by itself, and the server has the hand-over.
    set_offline(c, false).await;
    until(
        c,
        "var li = document.querySelector('#outbox li'); return li ? li.getAttribute('data-state') : null;",
        json!("accepted"),
        "synced on reconnect",
    )
    .await;
    assert_eq!(browser.text_of("#outbox-count").await, "0");
    let ctx = app.store.voucher_context(voucher).await.unwrap().unwrap();
    assert_eq!(ctx.entitlement_state, EntitlementState::HandedOver);
    // Its photo came with it: a JPEG of at most 800 px on its longest side, sealed with the household.
    let photo = ctx.handover_photo.expect("the hand-over's photo");
    let photo = app.store.photo(photo).await.unwrap().unwrap();
    assert_eq!(photo.meta.content_type, "image/jpeg");
    assert_eq!(jpeg_size(&photo.bytes), Some((800, 600)));

    // A voucher issued without the head's NIK: no NIK to match, the officer confirms the KK and KTP.
    fill(c, "voucher-text", &no_nik).await;
    click(c, "check").await;
    until(
        c,
        "return document.getElementById('no-nik').hidden;",
        json!(false),
        "the KK/KTP check is asked for",
    )
    .await;
    assert_eq!(
        js(c, "return [document.getElementById('nik-part').hidden, document.getElementById('handover').disabled];").await,
        json!([true, true])
    );
    click(c, "seen").await;
    assert_eq!(
        js(c, "return document.getElementById('handover').disabled;").await,
        json!(false)
    );
    browser.close().await;

    // A second phone, another officer, the same voucher, offline: flagged as a duplicate at sync.
    let second = Browser::start().await.expect("a second browser");
    let c = &second.client;
    sign_in(c, &base, "petugas.dua").await;
    open_scan_page(&second, &base).await;
    hand_over(c, &text).await;
    set_offline(c, false).await;
    until(
        c,
        "var li = document.querySelector('#outbox li'); return li ? li.getAttribute('data-state') : null;",
        json!("duplicate"),
        "the second redemption is caught at sync",
    )
    .await;
    let message = second.text_of("#outbox li .field-error").await;
    assert!(
        message.starts_with("Voucher ini sudah ditukarkan pada "),
        "{message}"
    );
    let flagged = app.store.flagged_handovers(10).await.unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].voucher, voucher);

    second.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
