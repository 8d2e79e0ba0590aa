use axum::http::StatusCode;

use crate::support::TestApp;

fn assert_security_headers(response: &crate::support::Response, what: &str) {
    let csp = response.header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(
        response.header("x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(response.header("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(response.header("x-frame-options"), "DENY", "{what}");
    assert!(!response.header("x-request-id").is_empty(), "{what}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    let css = crate::support::oneshot(&app.router(), "/").await.body;
    let at = css.find("/static/tepat.").unwrap();
    let css_url = css[at..at + css[at..].find('"').unwrap()].to_owned();
    for url in [
        "/",
        "/healthz",
        "/readyz",
        "/nope",
        "/?lang=en",
        css_url.as_str(),
    ] {
        let response = app.get(url).await;
        assert_security_headers(&response, url);
        assert!(
            response.headers.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP: {url}"
        );
    }
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app = TestApp::builder()
        .config(|c| {
            c.public_url =
                Some(tepat_web::config::PublicUrl::parse("https://bansos.example.go.id").unwrap())
        })
        .build()
        .await;
    let response = app.get("/").await;
    assert_eq!(
        response.header("strict-transport-security"),
        "max-age=31536000"
    );
}

#[tokio::test]
async fn bodies_above_the_limit_are_refused() {
    let app = TestApp::builder()
        .config(|c| c.max_body_bytes = 1000)
        .extra_routes(axum::Router::new().route(
            "/echo",
            axum::routing::post(|body: String| async move { body.len().to_string() }),
        ))
        .build()
        .await;
    // A POST needs a page's CSRF token (auth::csrf); a browser gets one with the sign-in form.
    let browser = app.browser();
    browser.refresh_csrf("/signin").await;
    let token = browser.csrf();
    let post = |body: String| {
        let (browser, token) = (&browser, token.clone());
        async move {
            browser
                .send(
                    axum::http::Method::POST,
                    "/echo",
                    Some(body),
                    &[("content-type", "text/plain"), ("x-csrf-token", &token)],
                )
                .await
        }
    };
    let small = post("x".repeat(999)).await;
    assert_eq!(small.status, StatusCode::OK);
    assert_eq!(small.body, "999");
    let large = post("x".repeat(1001)).await;
    assert_eq!(large.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn slow_requests_time_out_with_503() {
    let app = TestApp::builder()
        .config(|c| c.request_timeout = std::time::Duration::from_millis(200))
        .extra_routes(axum::Router::new().route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                "too late"
            }),
        ))
        .build()
        .await;
    let started = std::time::Instant::now();
    let response = app.get("/slow").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_security_headers(&response, "/slow");
}
