//! The scan page's server side without a browser: who may open it, the voucher keys and points it
//! caches, `POST /api/v1/handovers` (accepted once, the same id again, a second redemption flagged, a
//! forged voucher refused with its reason, a malformed element refused alone, a batch too large refused
//! whole), hand-over photos (stored sealed and linked; a bad one refused alone) and the voucher QR page.
//! (The recipient's trail after the NIK + KK check is now the status page `/cek`: `check.rs`.)

use axum::http::{Method, StatusCode};
use chrono::Utc;
use serde_json::{json, Value};
use tepat_domain::distribution::EntitlementState;
use tepat_domain::{Lang, Localized, Role};
use tepat_payments::voucher::{VoucherKeys, VoucherRefusal};
use uuid::Uuid;

use crate::officer::Officer;
use crate::registry::A;
use crate::scan_browser::{cash_voucher, tampered};
use crate::support::TestApp;

async fn sync(officer: &Officer<'_>, handovers: Value) -> (StatusCode, Value) {
    let csrf = officer.csrf();
    let response = officer
        .send(
            Method::POST,
            "/api/v1/handovers",
            Some(json!({ "handovers": handovers }).to_string()),
            &[
                ("content-type", "application/json"),
                ("x-csrf-token", &csrf),
            ],
        )
        .await;
    let body = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    (response.status, body)
}

fn claim(id: Uuid, voucher: &str, device: &str) -> Value {
    json!({
        "id": id,
        "voucher": voucher,
        "handed_at": Utc::now(),
        "device": device,
        "point": "KP-TDN-01",
    })
}

#[tokio::test]
async fn the_scan_page_is_for_distribution_officers_and_merchants_only() {
    let app = TestApp::new().await;
    let officer = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let page = officer.get("/penyaluran/pindai").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("data-ed25519=\"/static/noble-ed25519."));
    assert!(page.body.contains("refuse_bad_signature"));
    assert!(page.body.contains("data-merchant=\"0\""));
    // The language switch answers with a cookie and a redirect back.
    officer.get("/penyaluran/pindai?lang=en").await;
    let english = officer.get("/penyaluran/pindai").await;
    assert!(english.body.contains("<h1>Scan vouchers</h1>"));
    assert!(english
        .body
        .contains("The voucher's signature is not valid"));
    let merchant = app.sign_in_as(Role::Merchant, A).await;
    let page = merchant.get("/penyaluran/pindai").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-merchant=\"1\""));
    assert!(page.body.contains("refuse_not_your_point"));
    let operator = app.sign_in_as(Role::VillageOperator, A).await;
    assert_eq!(
        operator.get("/penyaluran/pindai").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        operator.get("/api/v1/distribution-points").await.status,
        StatusCode::FORBIDDEN
    );
    let worker = app.get("/sw-pindai.js").await;
    assert_eq!(
        worker.header("service-worker-allowed"),
        "/penyaluran/pindai"
    );
    assert!(worker.body.contains("/static/scan."));
}

#[tokio::test]
async fn the_page_caches_the_public_keys_the_points_and_the_cycles_being_paid() {
    let app = TestApp::new().await;
    let (_, _) = cash_voucher(&app).await;
    let keys = app.get("/api/v1/voucher-keys").await;
    assert_eq!(keys.status, StatusCode::OK);
    let parsed: VoucherKeys = serde_json::from_str(&keys.body).unwrap();
    let signer = app.state().voucher_signer().unwrap();
    assert!(parsed.get(signer.key_id()).is_some(), "{}", keys.body);
    assert!(!keys.body.contains("secret"));

    let officer = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let answer: Value =
        serde_json::from_str(&officer.get("/api/v1/distribution-points").await.body).unwrap();
    assert_eq!(answer["points"][0]["code"], "KP-TDN-01");
    assert_eq!(
        answer["cycles"],
        json!([{ "program": "sembako", "cycle": "2027-01" }])
    );
    // A merchant sees only the e-Warung that is theirs: none here.
    let merchant = app.sign_in_as(Role::Merchant, A).await;
    let answer: Value =
        serde_json::from_str(&merchant.get("/api/v1/distribution-points").await.body).unwrap();
    assert_eq!(answer["points"], json!([]));
}

#[tokio::test]
async fn a_hand_over_counts_once_and_a_second_redemption_is_flagged() {
    let app = TestApp::new().await;
    let (text, voucher) = cash_voucher(&app).await;
    let first = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let id = Uuid::now_v7();

    let (status, answer) = sync(&first, json!([claim(id, &text, "hp-satu")])).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["status"], "accepted", "{answer}");
    let ctx = app.store.voucher_context(voucher).await.unwrap().unwrap();
    assert_eq!(ctx.entitlement_state, EntitlementState::HandedOver);

    // The phone sends it again (it never heard the answer): nothing new.
    let (_, again) = sync(&first, json!([claim(id, &text, "hp-satu")])).await;
    assert_eq!(again["results"][0]["status"], "already_synced", "{again}");

    // Another phone, another id, the same voucher: stored as a duplicate, flagged, with the first time.
    let second = app.sign_in_as(Role::DistributionOfficer, "19.02.01").await;
    let other = Uuid::now_v7();
    let (_, dup) = sync(&second, json!([claim(other, &text, "hp-dua")])).await;
    assert_eq!(dup["results"][0]["status"], "duplicate", "{dup}");
    assert!(dup["results"][0]["first_at"].is_string(), "{dup}");
    let flagged = app.store.flagged_handovers(10).await.unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].id, other);

    // The verifier's list of second redemptions names the voucher and the second phone's officer;
    // an operator of another village sees none of it.
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let list = verifier.get("/penyaluran/ganda").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list
        .body
        .contains(&format!("/penyaluran/voucher/{voucher}")));
    assert!(list.body.contains(&second.username), "{}", list.body);
    assert!(list.body.contains("hp-dua"));
    let elsewhere = app.sign_in_as(Role::VillageOperator, "19.02.02.2001").await;
    let list = elsewhere.get("/penyaluran/ganda").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("id=\"flagged-none\""), "{}", list.body);
    assert_eq!(
        app.sign_in_as(Role::Merchant, A)
            .await
            .get("/penyaluran/ganda")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn forged_and_malformed_hand_overs_are_refused_each_alone() {
    let app = TestApp::new().await;
    let (text, voucher) = cash_voucher(&app).await;
    let officer = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let forged = Uuid::now_v7();
    let good = Uuid::now_v7();
    let (status, answer) = sync(
        &officer,
        json!([
            claim(forged, &tampered(&text), "hp"),
            { "id": "0193f1c6-7a2b-7c3d-8e4f-5a6b7c8d9e10", "voucher": text },
            claim(good, &text, "hp"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["id"], json!(forged));
    assert_eq!(results[0]["status"], "refused");
    assert_eq!(
        results[0]["message"],
        VoucherRefusal::BadSignature.message(Lang::Id)
    );
    assert_eq!(results[1]["status"], "refused");
    assert_eq!(results[1]["code"], "malformed");
    assert_eq!(results[2]["status"], "accepted");
    let ctx = app.store.voucher_context(voucher).await.unwrap().unwrap();
    assert_eq!(ctx.entitlement_state, EntitlementState::HandedOver);
}

#[tokio::test]
async fn a_batch_too_large_or_without_the_token_changes_nothing() {
    let app = TestApp::new().await;
    let (text, voucher) = cash_voucher(&app).await;
    let officer = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let many: Vec<Value> = (0..201)
        .map(|_| claim(Uuid::now_v7(), &text, "hp"))
        .collect();
    let (status, answer) = sync(&officer, Value::Array(many)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    let no_token = officer
        .send(
            Method::POST,
            "/api/v1/handovers",
            Some(json!({ "handovers": [claim(Uuid::now_v7(), &text, "hp")] }).to_string()),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{}", no_token.body);
    let ctx = app.store.voucher_context(voucher).await.unwrap().unwrap();
    assert_ne!(ctx.entitlement_state, EntitlementState::HandedOver);
}

#[tokio::test]
async fn the_voucher_page_draws_the_signed_text_as_a_qr_code() {
    let app = TestApp::new().await;
    let (text, voucher) = cash_voucher(&app).await;
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let page = verifier
        .get(&format!("/penyaluran/voucher/{voucher}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg"), "an inline QR code");
    assert!(page.body.contains(&text), "the same signed text");
    assert!(page.body.contains("Rp200.000"));
    assert_eq!(page.header("cache-control"), "no-store");
    let elsewhere = app.sign_in_as(Role::VillageOperator, "19.02.02.2001").await;
    assert_eq!(
        elsewhere
            .get(&format!("/penyaluran/voucher/{voucher}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        verifier
            .get(&format!("/penyaluran/voucher/{}", Uuid::now_v7()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_hand_over_dated_in_the_future_counts_as_made_at_the_sync() {
    let app = TestApp::new().await;
    let (text, _) = cash_voucher(&app).await;
    // The same voucher re-signed to start in ten days (the store does not compare dates).
    let keys = app.state().voucher_keys().unwrap();
    let today = Utc::now().date_naive();
    let mut later = tepat_payments::voucher::verify(&text, &keys, today, None).unwrap();
    later.valid_from = today + chrono::Days::new(10);
    later.valid_until = today + chrono::Days::new(40);
    let later = app.state().voucher_signer().unwrap().sign(&later).unwrap();
    let officer = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let mut early = claim(Uuid::now_v7(), &later, "hp");
    early["handed_at"] = json!(Utc::now() + chrono::Duration::days(12));
    let (_, answer) = sync(&officer, json!([early])).await;
    assert_eq!(answer["results"][0]["status"], "refused", "{answer}");
    assert_eq!(answer["results"][0]["code"], "not_yet_valid", "{answer}");
}

/// A small JPEG as a phone makes it: JFIF, then an EXIF segment with a position in it, then the scan.
fn phone_jpeg(fill: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let exif = b"Exif\0\0GPS -2.7412 107.6301";
    b.extend_from_slice(&[0xFF, 0xE1, 0x00, (exif.len() + 2) as u8]);
    b.extend_from_slice(exif);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend(vec![0x5Au8; fill]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn with_photo(mut claim: Value, bytes: &[u8]) -> Value {
    use base64::Engine;
    claim["photo"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
    claim
}

/// The hand-over row's photo and position, and the photo's sealed bytes, read from the database.
async fn stored_handover(app: &TestApp, id: Uuid) -> (Option<Uuid>, Option<f64>, Option<f64>) {
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.config.database_url)
        .await
        .unwrap();
    sqlx::query_as("SELECT photo_id, lat, lon FROM handover WHERE id = ?")
        .bind(id)
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

async fn sealed_photo(app: &TestApp, id: Uuid) -> Vec<u8> {
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.config.database_url)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT image_sealed FROM registry_photo WHERE id = ?")
        .bind(id)
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_hand_over_photo_is_stored_sealed_and_linked_and_its_position_kept() {
    let app = TestApp::new().await;
    let (text, voucher) = cash_voucher(&app).await;
    let household = app
        .store
        .voucher_context(voucher)
        .await
        .unwrap()
        .unwrap()
        .voucher
        .household;
    let officer = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let id = Uuid::now_v7();
    let jpeg = phone_jpeg(3000);
    let mut first = with_photo(claim(id, &text, "hp-satu"), &jpeg);
    first["lat"] = json!(-2.74123);
    first["lon"] = json!(107.63011);
    let (status, answer) = sync(&officer, json!([first.clone()])).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["status"], "accepted", "{answer}");

    let (photo, lat, lon) = stored_handover(&app, id).await;
    let photo = photo.expect("the hand-over names its photo");
    assert_eq!((lat, lon), (Some(-2.74123), Some(107.63011)));
    let meta = app.store.photo_meta(photo).await.unwrap().unwrap();
    assert_eq!(meta.kind, tepat_store::PhotoKind::HandOver);
    assert_eq!(meta.household, household);
    assert_eq!(meta.content_type, "image/jpeg");
    let opened = app.store.photo(photo).await.unwrap().unwrap();
    assert!(opened.bytes.starts_with(&[0xFF, 0xD8]));
    assert!(
        !opened.bytes.windows(4).any(|w| w == b"Exif"),
        "the camera's metadata (and position) is stripped"
    );
    let sealed = sealed_photo(&app, photo).await;
    assert!(
        !sealed
            .windows(64)
            .any(|w| opened.bytes.windows(64).any(|o| o == w)),
        "the database holds the photo sealed, not its bytes"
    );

    // Sent again (the phone missed the answer): the first photo stays the only one.
    let (_, again) = sync(&officer, json!([first])).await;
    assert_eq!(again["results"][0]["status"], "already_synced", "{again}");
    assert_eq!(
        app.store
            .photos_of_household(household)
            .await
            .unwrap()
            .len(),
        1
    );

    // The verifier opens it from the voucher page through the audited photo view.
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let page = verifier
        .get(&format!("/penyaluran/voucher/{voucher}"))
        .await;
    assert!(
        page.body.contains(&format!("/registry/photo/{photo}")),
        "{}",
        page.body
    );
    let view = verifier.get(&format!("/registry/photo/{photo}")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert_eq!(view.header("content-type"), "image/jpeg");

    // A second redemption with its own photo: flagged, and both photos shown on the review list.
    let second = app.sign_in_as(Role::DistributionOfficer, "19.02.01").await;
    let other = Uuid::now_v7();
    let (_, dup) = sync(
        &second,
        json!([with_photo(claim(other, &text, "hp-dua"), &phone_jpeg(2000))]),
    )
    .await;
    assert_eq!(dup["results"][0]["status"], "duplicate", "{dup}");
    let flagged = app.store.flagged_handovers(10).await.unwrap();
    let second_photo = flagged[0].photo.expect("the duplicate keeps its photo");
    assert_ne!(second_photo, photo);
    assert_eq!(flagged[0].first_photo, Some(photo));
    let list = verifier.get("/penyaluran/ganda").await;
    assert!(
        list.body
            .contains(&format!("/registry/photo/{second_photo}")),
        "{}",
        list.body
    );
    assert!(list.body.contains(&format!("/registry/photo/{photo}")));
    // Household photos of the survey cannot be given the hand-over's kind.
    let form = verifier
        .get(&format!("/registry/household/{household}/photos"))
        .await;
    assert!(!form.body.contains("value=\"handover\""));
}

#[tokio::test]
async fn a_photo_not_an_image_or_too_large_refuses_its_hand_over_alone() {
    let app = TestApp::new().await;
    let (text, voucher) = cash_voucher(&app).await;
    let household = app
        .store
        .voucher_context(voucher)
        .await
        .unwrap()
        .unwrap()
        .voucher
        .household;
    let officer = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let (not_image, too_large, not_base64, good) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let mut bad_text = claim(not_base64, &text, "hp");
    bad_text["photo"] = json!("this is not base64!");
    let (status, answer) = sync(
        &officer,
        json!([
            with_photo(claim(not_image, &text, "hp"), b"GIF89a not a photo we take"),
            with_photo(claim(too_large, &text, "hp"), &phone_jpeg(300 * 1024)),
            bad_text,
            with_photo(claim(good, &text, "hp"), &phone_jpeg(100)),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results[0]["code"], "photo_not_image", "{answer}");
    assert_eq!(results[1]["code"], "photo_too_large", "{answer}");
    assert!(results[1]["message"].as_str().unwrap().contains("256 KiB"));
    assert_eq!(results[2]["code"], "photo_not_image", "{answer}");
    assert_eq!(results[3]["id"], json!(good));
    assert_eq!(results[3]["status"], "accepted", "{answer}");
    let photos = app.store.photos_of_household(household).await.unwrap();
    assert_eq!(photos.len(), 1, "only the accepted hand-over's photo");
    assert_eq!(stored_handover(&app, good).await.0, Some(photos[0].id));

    // More photo bytes in one request than the cap: refused whole with a clear answer.
    let many: Vec<Value> = (0..21)
        .map(|_| with_photo(claim(Uuid::now_v7(), &text, "hp"), &vec![0u8; 200 * 1024]))
        .collect();
    let (status, answer) = sync(&officer, Value::Array(many)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(answer["error"], "photos_too_large", "{answer}");
    assert_eq!(
        app.store
            .photos_of_household(household)
            .await
            .unwrap()
            .len(),
        1
    );
}
