use axum::http::StatusCode;

use crate::support::TestApp;

/// The `href` of the stylesheet link on the landing page.
fn stylesheet_url(html: &str) -> String {
    let at = html
        .find(r#"rel="stylesheet" href=""#)
        .expect("a stylesheet link");
    let rest = &html[at + r#"rel="stylesheet" href=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn the_stylesheet_is_served_from_a_hashed_url_with_long_caching() {
    let app = TestApp::new().await;
    let url = stylesheet_url(&app.get("/").await.body);
    assert!(
        url.starts_with("/static/tepat.") && url.ends_with(".css"),
        "{url}"
    );
    let css = app.get(&url).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(
        css.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(
        css.body.contains("font-family") || css.body.contains("font:"),
        "the real file"
    );
    assert!(
        !css.body.contains("@import") && !css.body.contains("url(http"),
        "no web fonts, no CDN"
    );

    let etag = css.header("etag").to_owned();
    let again = app.get_with(&url, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
}

#[tokio::test]
async fn the_favicon_is_svg() {
    let app = TestApp::new().await;
    let html = app.get("/").await.body;
    let at = html.find(r#"rel="icon" href=""#).expect("a favicon link");
    let rest = &html[at + r#"rel="icon" href=""#.len()..];
    let url = &rest[..rest.find('"').unwrap()];
    let icon = app.get(url).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("content-type"), "image/svg+xml");
    assert!(icon.body.starts_with("<svg"));
}

#[tokio::test]
async fn unknown_and_outdated_assets_are_404() {
    let app = TestApp::new().await;
    for url in [
        "/static/nope.css",
        "/static/tepat.css",
        "/static/tepat.000000000000.css",
        "/static/..%2fCargo.toml",
        "/static/",
    ] {
        let response = app.get(url).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{url}");
    }
}

#[tokio::test]
async fn pages_need_no_javascript_and_stay_small() {
    let app = TestApp::builder()
        .population(crate::support::belitung(50, 1))
        .build()
        .await;
    let html = app.get("/").await.body;
    assert!(
        !html.contains("<script"),
        "no JavaScript on the landing page"
    );
    assert!(
        !html.contains(" style="),
        "no inline styles (the CSP forbids them)"
    );
    assert!(
        html.len() < 16 * 1024,
        "landing page is {} bytes",
        html.len()
    );
    let css = app.get(&stylesheet_url(&html)).await.body;
    assert!(css.len() < 8 * 1024, "stylesheet is {} bytes", css.len());
    assert!(html.contains(r#"name="viewport" content="width=device-width, initial-scale=1""#));
}
