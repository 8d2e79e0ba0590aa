use axum::http::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn choosing_a_language_sets_the_cookie_and_redirects_without_the_parameter() {
    let app = TestApp::new().await;
    let response = app.get("/?lang=en").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), "/");
    let cookie = response.header("set-cookie");
    assert!(cookie.starts_with("lang=en;"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("Max-Age="), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP: no Secure flag: {cookie}"
    );
    assert_eq!(response.header("cache-control"), "no-store");

    let response = app.get("/?lang=id").await;
    assert!(response.header("set-cookie").starts_with("lang=id;"));

    // Following the redirect with the cookie gives the page in the chosen language.
    let page = app.get_with("/", &[("cookie", "lang=en")]).await;
    assert!(page.body.contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn other_parameters_are_kept_and_unknown_languages_ignored() {
    let app = TestApp::new().await;
    let response = app.get("/?a=1&lang=en&b=x%20y").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), "/?a=1&b=x%20y");

    let response = app.get("/?lang=fr").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), "/");
    assert!(
        response.headers.get("set-cookie").is_none(),
        "no cookie for an unknown language"
    );

    // The switch works on every UI address, the 404 page included.
    let response = app.get("/nope?lang=en").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), "/nope");
}

#[tokio::test]
async fn the_redirect_never_leaves_the_site() {
    let app = TestApp::new().await;
    let response = app.get("//evil.example/?lang=en").await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let location = response.header("location");
    assert!(
        location.starts_with('/') && !location.starts_with("//"),
        "{location}"
    );
}

#[tokio::test]
async fn the_cookie_is_secure_behind_https() {
    let app = TestApp::builder()
        .config(|c| {
            c.public_url =
                Some(tepat_web::config::PublicUrl::parse("https://bansos.example.go.id").unwrap())
        })
        .build()
        .await;
    let response = app.get("/?lang=en").await;
    assert!(response.header("set-cookie").contains("; Secure"));
}

#[tokio::test]
async fn the_page_links_to_itself_in_the_other_language() {
    let app = TestApp::new().await;
    let page = app.get("/").await;
    assert!(page.body.contains(r#"href="/?lang=en""#), "{}", page.body);
    let page = app.get_with("/", &[("cookie", "lang=en")]).await;
    assert!(page.body.contains(r#"href="/?lang=id""#), "{}", page.body);
}
