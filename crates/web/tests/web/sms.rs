//! The SMS gateway's webhook, `POST /api/v1/sms/inbound`: a signed `CEK <NIK> <KK>` (any case, extra
//! spaces) gets the household's status as a short Indonesian reply; a wrong pair the one answer; other
//! text the help; a missing or wrong signature, a stale timestamp, or no configured secret is refused;
//! a sender over its limit is told to wait while another sender is served.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use serde_json::Value;
use tepat_core::portal::status::sms;

use crate::status_check::registered_app;
use crate::support::{Response, TestApp};

const PATH: &str = "/api/v1/sms/inbound";
const SECRET: &[u8] = b"rahasia-gateway-uji";

async fn inbound(app: &TestApp, from: &str, text: &str) -> Response {
    let body = serde_json::json!({ "from": from, "text": text }).to_string();
    let ts = Utc::now().timestamp().to_string();
    let signature = sms::sign(SECRET, &ts, body.as_bytes());
    signed(app, &body, &ts, &signature).await
}

async fn signed(app: &TestApp, body: &str, ts: &str, signature: &str) -> Response {
    app.request(
        Request::post(PATH)
            .header("content-type", "application/json")
            .header("x-tepat-timestamp", ts)
            .header("x-tepat-signature", signature)
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

fn reply(r: &Response) -> String {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let segments = v["segments"].as_u64().unwrap();
    assert!((1..=3).contains(&segments), "{segments} segments");
    v["reply"].as_str().unwrap().to_owned()
}

async fn app_with_secret(
    per_client: u32,
) -> (TestApp, tepat_store::PopulationRecord, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sms.secret");
    std::fs::write(&file, [SECRET, b"\n"].concat()).unwrap();
    let (app, head, _, _) = registered_app(move |c| {
        c.citizen.sms_secret_file = Some(file);
        c.citizen.per_client_per_hour = per_client;
    })
    .await;
    (app, head, dir)
}

#[tokio::test]
async fn cek_answers_with_the_status_and_anything_else_with_help() {
    let (app, head, _dir) = app_with_secret(20).await;
    let text = format!(
        "  cek   {}  {} ",
        head.nik.digits(),
        head.kk_number.digits()
    );
    let answer = reply(&inbound(&app, "+6281234567890", &text).await);
    assert!(answer.starts_with("BANSOS "), "{answer}");
    assert!(answer.contains("terdaftar di data sosial"), "{answer}");
    assert!(answer.contains("PKH"), "{answer}");
    assert!(!answer.contains(head.nik.digits()));
    assert!(answer.is_ascii());

    let wrong = reply(
        &inbound(
            &app,
            "+6281234567890",
            &format!("CEK {} 1902010000009999", head.nik.digits()),
        )
        .await,
    );
    assert!(wrong.contains("tidak cocok"), "{wrong}");
    let unknown = reply(
        &inbound(
            &app,
            "+6281234567890",
            "CEK 1902015003800099 1902010000009999",
        )
        .await,
    );
    assert_eq!(wrong, unknown, "the one answer for every mismatch");
    let malformed = reply(&inbound(&app, "+6281234567890", "CEK 123 456").await);
    assert!(malformed.contains("16 angka"), "{malformed}");
    assert_eq!(
        reply(&inbound(&app, "+6281234567890", "halo, bantuan apa?").await),
        sms::HELP
    );
    assert_eq!(
        reply(&inbound(&app, "+6281234567890", "CEK").await),
        sms::HELP
    );
}

#[tokio::test]
async fn unsigned_forged_or_stale_calls_are_refused() {
    let (app, head, _dir) = app_with_secret(20).await;
    let body = serde_json::json!({
        "from": "+6281234567890",
        "text": format!("CEK {} {}", head.nik.digits(), head.kk_number.digits()),
    })
    .to_string();
    let now = Utc::now().timestamp().to_string();
    let good = sms::sign(SECRET, &now, body.as_bytes());
    assert_eq!(
        signed(&app, &body, &now, &good).await.status,
        StatusCode::OK
    );
    let forged = sms::sign(b"another secret", &now, body.as_bytes());
    assert_eq!(
        signed(&app, &body, &now, &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        signed(&app, &body, &now, "").await.status,
        StatusCode::UNAUTHORIZED
    );
    let old = (Utc::now().timestamp() - 3600).to_string();
    let stale = sms::sign(SECRET, &old, body.as_bytes());
    let refused = signed(&app, &body, &old, &stale).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(!refused.body.contains(head.nik.digits()));
    let tampered = body.replace("CEK", "cek");
    assert_eq!(
        signed(&app, &tampered, &now, &good).await.status,
        StatusCode::UNAUTHORIZED
    );

    let off = TestApp::new().await;
    let r = signed(&off, &body, &now, &good).await;
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "no secret configured"
    );
}

#[tokio::test]
async fn a_sender_over_its_limit_waits_and_another_is_answered() {
    let (app, head, _dir) = app_with_secret(2).await;
    let text = format!("CEK {} {}", head.nik.digits(), head.kk_number.digits());
    for _ in 0..2 {
        assert!(reply(&inbound(&app, "+628111", &text).await).starts_with("BANSOS"));
    }
    let over = reply(&inbound(&app, "+628111", &text).await);
    assert!(over.contains("Terlalu banyak"), "{over}");
    let other = reply(&inbound(&app, "+628222", &text).await);
    assert!(other.starts_with("BANSOS"), "{other}");
}
