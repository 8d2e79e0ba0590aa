use axum::http::StatusCode;
use serde_json::Value;

use crate::support::TestApp;

#[tokio::test]
async fn healthz_says_ok() {
    let app = TestApp::new().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, "ok");
    assert_eq!(response.header("cache-control"), "no-store");
}

#[tokio::test]
async fn readyz_is_ready_when_the_database_answers() {
    let app = TestApp::new().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(response
        .header("content-type")
        .starts_with("application/json"));
    let body: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"][0]["name"], "database");
    assert_eq!(body["checks"][0]["status"], "ok");
}

/// The database file is deleted under a running server (a wrong clean-up script, a volume that went
/// away): the process could go on reading its open handle and lose every later write at the next
/// restart, so it is not ready.
#[tokio::test]
async fn readyz_is_unavailable_when_the_database_file_is_gone() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    for suffix in ["", "-wal", "-shm"] {
        let mut path = app.db_path.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    let response = app.get("/readyz").await;
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.body
    );
    let body: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"][0]["name"], "database");
    assert_eq!(body["checks"][0]["status"], "failed");
    let reason = body["checks"][0]["reason"].as_str().unwrap();
    assert!(!reason.is_empty());
    assert!(
        !response.body.contains(app.db_path.to_str().unwrap()),
        "no paths: {}",
        response.body
    );
    assert!(!response.body.contains("panicked") && !response.body.contains("src/"));
}

/// PostgreSQL behind a TCP relay that is then cut: the server is unreachable, as when the database host
/// or the network goes down. Runs when `TEPAT_TEST_POSTGRES_URL` is set (always in CI).
#[tokio::test]
async fn readyz_is_unavailable_when_postgresql_is_unreachable() {
    let Some(url) = tepat_store::testing::postgres_url() else {
        return;
    };
    let relay = crate::support::Relay::start(&url).await;
    let store = tepat_store::connect(
        &relay.url,
        std::sync::Arc::new(tepat_crypto::Keyring::generate()),
    )
    .await
    .unwrap();
    let config = tepat_web::ServerConfig {
        database_url: relay.url.clone(),
        ..tepat_web::ServerConfig::default()
    };
    let app = tepat_web::router(tepat_web::AppState::new(config, store));
    let ready = crate::support::oneshot(&app, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);

    relay.cut().await;
    let started = std::time::Instant::now();
    let response = crate::support::oneshot(&app, "/readyz").await;
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.body
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let body: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(body["checks"][0]["name"], "database");
    assert_eq!(body["checks"][0]["status"], "failed");
    assert!(
        !response.body.contains("127.0.0.1"),
        "no hosts: {}",
        response.body
    );
}
