//! `/warga/pemberitahuan` (the inbox and a household's channels, reached with the status page's pass),
//! the gateway's signed delivery reports at `POST /api/v1/notify/delivery`, and the VAPID key and push
//! scripts (issue 8, part 6).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use tepat_core::portal::notify::config::{GatewaySettings, PushSettings};
use tepat_core::portal::notify::gateway::sign_report;
use tepat_core::portal::notify::{enqueue, Message, Recipient};
use tepat_domain::{Lang, RegionCode};
use tepat_store::{Channel, DeliveryKey, DeliveryState, Notice, NoticeKind, NotifyContact};
use uuid::Uuid;

use crate::support::TestApp;

const SECRET: &[u8] = b"report-secret";

fn schedule(household: Uuid) -> Notice {
    Notice {
        id: Uuid::now_v7(),
        household,
        kind: NoticeKind::Schedule,
        program: "PKH".into(),
        cycle: "2027-T1".into(),
        body: serde_json::json!({
            "point_code": "KPOS-TJP", "point_name": "Kantor Pos Tanjung Pandan", "day": "2027-02-03",
            "slot_time": "09:00", "amount": 600000, "route": "cash",
        })
        .to_string(),
        created_at: Utc::now(),
        delivered_at: None,
    }
}

async fn app_with_channels(dir: &std::path::Path) -> TestApp {
    let vapid = dir.join("vapid.key");
    TestApp::builder()
        .config(move |c| {
            c.notify.gateway = Some(GatewaySettings {
                url: "http://127.0.0.1:9/send".into(),
                token: "t".into(),
                sender: "DINSOS".into(),
                whatsapp: true,
                report_secret: Some(SECRET.to_vec()),
            });
            c.notify.push = Some(PushSettings {
                vapid_key_file: vapid,
                subject: "mailto:admin@dinsos.example.id".into(),
            });
        })
        .build()
        .await
}

fn pass_for(app: &TestApp, household: Option<Uuid>) -> String {
    app.state().pass_key().issue(
        Uuid::now_v7(),
        household,
        RegionCode::parse("19.02.01.2001").unwrap(),
        Utc::now(),
    )
}

#[tokio::test]
async fn the_inbox_and_channels_open_with_the_pass() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_channels(dir.path()).await;
    let store = app.store.as_ref();
    let h = Uuid::now_v7();
    store.insert_notices(&[schedule(h)]).await.unwrap();
    enqueue(
        store,
        Recipient::Household(h),
        Message::complaint_update("ADU-7Q2K", "resolved"),
    )
    .await
    .unwrap();
    let pass = pass_for(&app, Some(h));

    let citizen = app.browser();
    let form = citizen.refresh_csrf("/warga/pemberitahuan").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"notify-open\"") && form.body.contains("name=\"kk\""));

    let page = citizen
        .post_form("/warga/pemberitahuan", &[("pass", &pass)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(
        page.body.contains("Jadwal pengambilan bantuan PKH"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Kantor Pos Tanjung Pandan"));
    assert!(page.body.contains("Pengaduan ADU-7Q2K diperbarui"));
    for channel in ["sms", "whatsapp", "push"] {
        assert!(
            page.body.contains(&format!("id=\"channel-{channel}\"")),
            "{channel}"
        );
    }
    assert!(
        !page.body.contains("id=\"channel-email\""),
        "SMTP is not configured"
    );
    let vapid = app.get("/api/v1/notify/vapid").await;
    assert_eq!(vapid.status, StatusCode::OK);
    let key: serde_json::Value = serde_json::from_str(&vapid.body).unwrap();
    let key = key["public_key"].as_str().unwrap();
    assert_eq!(key.len(), 87, "base64url of a 65-byte point");
    assert!(page.body.contains(&format!("data-vapid=\"{key}\"")));
    assert!(page.body.contains("/warga/pemberitahuan/push.js"));
    for script in [
        "/warga/pemberitahuan/push.js",
        "/warga/pemberitahuan/push-sw.js",
    ] {
        let js = app.get(script).await;
        assert_eq!(js.status, StatusCode::OK);
        assert!(js.header("content-type").starts_with("text/javascript"));
    }

    // A number for SMS, in English: saved, shown masked, never echoed whole.
    let saved = citizen
        .post_form(
            "/warga/pemberitahuan",
            &[
                ("pass", &pass),
                ("action", "add"),
                ("channel", "sms"),
                ("address", "0812-3456-7890"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("id=\"notify-done\""));
    assert!(saved.body.contains("0812****7890"), "{}", saved.body);
    assert!(!saved.body.contains("081234567890"));
    let contacts = store.contacts_of_household(h).await.unwrap();
    assert_eq!(
        contacts
            .iter()
            .map(|c| (c.channel, c.address.as_str(), c.lang))
            .collect::<Vec<_>>(),
        [(Channel::Sms, "081234567890", Lang::En)]
    );

    // A bad number: refused in the reader's language, nothing saved.
    let bad = citizen
        .post_form(
            "/warga/pemberitahuan",
            &[
                ("pass", &pass),
                ("action", "add"),
                ("channel", "whatsapp"),
                ("address", "12345"),
                ("lang", "id"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Nomor HP tidak valid"), "{}", bad.body);
    // A channel the server does not offer.
    let off = citizen
        .post_form(
            "/warga/pemberitahuan",
            &[
                ("pass", &pass),
                ("action", "add"),
                ("channel", "email"),
                ("address", "siti@desa.example.id"),
            ],
        )
        .await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.contacts_of_household(h).await.unwrap().len(), 1);

    let removed = citizen
        .post_form(
            "/warga/pemberitahuan",
            &[("pass", &pass), ("action", "remove"), ("channel", "sms")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert!(store.contacts_of_household(h).await.unwrap().is_empty());

    // A forged pass opens nothing; a person without a registry household gets the explanation.
    let forged = citizen
        .post_form("/warga/pemberitahuan", &[("pass", "TPP1.abc.def")])
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!forged.body.contains("Jadwal pengambilan"));
    let unregistered = citizen
        .post_form("/warga/pemberitahuan", &[("pass", &pass_for(&app, None))])
        .await;
    assert_eq!(unregistered.status, StatusCode::OK);
    assert!(unregistered.body.contains("id=\"notify-not-registered\""));
}

async fn report(
    app: &TestApp,
    body: &str,
    timestamp: i64,
    signature: &str,
) -> crate::support::Response {
    app.request(
        Request::post("/api/v1/notify/delivery")
            .header("content-type", "application/json")
            .header("x-tepat-timestamp", timestamp.to_string())
            .header("x-tepat-signature", signature)
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_gateway_reports_deliveries_signed() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_channels(dir.path()).await;
    let store = app.store.as_ref();
    let h = Uuid::now_v7();
    store
        .set_contact(&NotifyContact {
            household: h,
            channel: Channel::Sms,
            address: "081234567890".into(),
            lang: Lang::Id,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let notice = schedule(h);
    store
        .insert_notices(std::slice::from_ref(&notice))
        .await
        .unwrap();
    let now = Utc::now();
    store.fan_out_notices(10, now).await.unwrap();
    let claimed = store
        .claim_deliveries(now, now + Duration::minutes(5), 10)
        .await
        .unwrap();
    let key = DeliveryKey {
        source: notice.id,
        channel: Channel::Sms,
    };
    assert_eq!(claimed[0].key, key);
    store.delivery_sent(key, now).await.unwrap();

    let body = format!(
        r#"{{"reference":"{}","status":"failed","error":"EXPIRED for 6281234567890"}}"#,
        key.reference()
    );
    let ts = Utc::now().timestamp();
    let wrong = report(&app, &body, ts, &sign_report(b"other", ts, body.as_bytes())).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let stale = ts - 3600;
    let old = report(
        &app,
        &body,
        stale,
        &sign_report(SECRET, stale, body.as_bytes()),
    )
    .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        store.delivery(key).await.unwrap().unwrap().state,
        DeliveryState::Sent
    );
    let ok = report(&app, &body, ts, &sign_report(SECRET, ts, body.as_bytes())).await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let row = store.delivery(key).await.unwrap().unwrap();
    assert_eq!(row.state, DeliveryState::Failed);
    assert_eq!(row.last_error.as_deref(), Some("EXPIRED for #"));

    let unknown = format!(
        r#"{{"reference":"{}.sms","status":"delivered"}}"#,
        Uuid::now_v7().simple()
    );
    let missing = report(
        &app,
        &unknown,
        ts,
        &sign_report(SECRET, ts, unknown.as_bytes()),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let form = app
        .send(
            axum::http::Method::POST,
            "/api/v1/notify/delivery",
            "application/x-www-form-urlencoded",
            "reference=x",
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn without_notify_settings_only_the_inbox_works() {
    let app = TestApp::new().await;
    let h = Uuid::now_v7();
    app.store.insert_notices(&[schedule(h)]).await.unwrap();
    let citizen = app.browser();
    citizen.refresh_csrf("/warga/pemberitahuan").await;
    let page = citizen
        .post_form(
            "/warga/pemberitahuan",
            &[("pass", &pass_for(&app, Some(h)))],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"notify-only-inbox\""));
    assert!(page.body.contains("Jadwal pengambilan bantuan PKH"));
    assert!(!page.body.contains("id=\"channel-"));
    assert_eq!(
        app.get("/api/v1/notify/vapid").await.status,
        StatusCode::NOT_FOUND
    );
    let ts = Utc::now().timestamp();
    let body = r#"{"reference":"x.sms","status":"delivered"}"#;
    let off = report(&app, body, ts, &sign_report(SECRET, ts, body.as_bytes())).await;
    assert_eq!(off.status, StatusCode::SERVICE_UNAVAILABLE);
}
