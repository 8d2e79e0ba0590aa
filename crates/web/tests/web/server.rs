use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;

use crate::support::{raw_get, TestApp};

fn slow_routes() -> Router<tepat_web::AppState> {
    Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(600)).await;
                "done"
            }),
        )
        .route(
            "/forever",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(120)).await;
                "never"
            }),
        )
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish_then_stops_listening() {
    let app = TestApp::builder().extra_routes(slow_routes()).build().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async move {
            let _ = stopped.await;
        })
        .await;
    assert_eq!(
        raw_get(addr, "/healthz").await.unwrap(),
        (200, "ok".to_owned())
    );

    let in_flight = tokio::spawn(raw_get(addr, "/slow"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();

    let (status, body) = in_flight.await.unwrap().unwrap();
    assert_eq!(
        (status, body.as_str()),
        (200, "done"),
        "the request in flight finished"
    );
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops once the request is answered")
        .unwrap()
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn shutdown_gives_up_on_requests_after_the_shutdown_timeout() {
    let app = TestApp::builder()
        .config(|c| c.shutdown_timeout = Duration::from_millis(300))
        .extra_routes(slow_routes())
        .build()
        .await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = app
        .spawn(async move {
            let _ = stopped.await;
        })
        .await;
    let stuck = tokio::spawn(raw_get(addr, "/forever"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops after the shutdown timeout")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    stuck.abort();
}

#[tokio::test]
async fn an_address_in_use_is_a_clear_error() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = TestApp::builder()
        .config(|c| c.listen = taken.local_addr().unwrap())
        .build()
        .await;
    let error = tepat_web::serve(&app.config, app.store.clone(), std::future::pending())
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, tepat_web::WebError::Bind { .. }),
        "{message}"
    );
    assert!(
        message.contains(&taken.local_addr().unwrap().to_string()),
        "{message}"
    );
    assert!(
        message.contains("TEPAT_LISTEN"),
        "says what to do: {message}"
    );
}

#[tokio::test]
async fn serve_binds_the_configured_address_and_serves_the_app() {
    // Find a free port, release it, and let `serve` bind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::builder()
        .config(|c| c.listen = ([127, 0, 0, 1], port).into())
        .build()
        .await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = app.config.clone();
    let store = app.store.clone();
    let server = tokio::spawn(async move {
        tepat_web::serve(&config, store, async move {
            let _ = stopped.await;
        })
        .await
    });
    let addr = app.config.listen;
    let mut answer = None;
    for _ in 0..100 {
        if let Ok(a) = raw_get(addr, "/readyz").await {
            answer = Some(a);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = answer.expect("serve listens on the configured address");
    assert_eq!(status, 200, "{body}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
