use axum::http::StatusCode;

use crate::support::{belitung, TestApp};

#[tokio::test]
async fn an_empty_database_says_how_to_load_data() {
    let app = TestApp::new().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.body.contains(r#"<html lang="id">"#), "{}", page.body);
    assert!(page.body.contains("Belum ada data"), "{}", page.body);
    assert!(
        page.body.contains("tepat import population"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<table"), "no table without data");
}

#[tokio::test]
async fn the_landing_page_is_in_indonesian_by_default() {
    // 300 households of 4 in each of two kecamatan: 2.400 persons, 600 KK, 7 deceased.
    let app = TestApp::builder()
        .population(belitung(300, 7))
        .build()
        .await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    assert!(html.contains(r#"<html lang="id">"#), "{html}");
    assert_eq!(page.header("content-language"), "id");
    assert!(html.contains("Data yang dimuat"), "{html}");
    assert!(
        html.contains("Penduduk per kecamatan: Kabupaten Belitung"),
        "{html}"
    );
    assert!(
        html.contains("<dd>2.400</dd>"),
        "persons, Indonesian grouping: {html}"
    );
    assert!(html.contains("<dd>600</dd>"), "households: {html}");
    assert!(html.contains("<dd>7</dd>"), "deceased: {html}");
    // Every kecamatan of the regency, with its name from the region table, in code order.
    let tanjungpandan = html.find("Tanjungpandan").expect("Tanjungpandan listed");
    let membalong = html.find("Membalong").expect("Membalong listed");
    assert!(tanjungpandan < membalong);
    assert!(
        html.contains("19.02.01") && html.contains("19.02.02"),
        "{html}"
    );
    assert!(
        html.contains(r#"<td class="num">1.200</td>"#),
        "per-district persons: {html}"
    );
    // The footer: region-data attribution and the source licence.
    assert!(html.contains(tepat_regions::SOURCE_URL), "{html}");
    assert!(html.contains(tepat_regions::DATA_LICENSE_URL), "{html}");
    assert!(html.contains("Open Database License (ODbL) v1.0"), "{html}");
    assert!(
        html.contains("Memuat informasi dari idn-area-data"),
        "{html}"
    );
    assert!(html.contains(env!("CARGO_PKG_LICENSE")), "{html}");
    // Personal data never reaches the landing page.
    assert!(!html.contains("Warga 1"), "no names on the landing page");
}

#[tokio::test]
async fn the_landing_page_is_in_english_with_the_cookie() {
    let app = TestApp::builder()
        .population(belitung(300, 7))
        .build()
        .await;
    let page = app.get_with("/", &[("cookie", "theme=x; lang=en")]).await;
    let html = &page.body;
    assert!(html.contains(r#"<html lang="en">"#), "{html}");
    assert_eq!(page.header("content-language"), "en");
    assert!(html.contains("What is loaded"), "{html}");
    assert!(html.contains("<dd>2,400</dd>"), "English grouping: {html}");
    assert!(html.contains(r#"<td class="num">1,200</td>"#), "{html}");
    assert!(
        html.contains("Contains information from idn-area-data"),
        "{html}"
    );
    assert!(page.header("vary").contains("Cookie"));
}

#[tokio::test]
async fn the_landing_page_is_in_english_when_the_browser_asks() {
    let app = TestApp::new().await;
    let page = app
        .get_with("/", &[("accept-language", "en-US,en;q=0.9,id;q=0.5")])
        .await;
    assert!(page.body.contains(r#"<html lang="en">"#), "{}", page.body);
    assert!(page.body.contains("No data yet"), "{}", page.body);
    assert!(page.header("vary").contains("Accept-Language"));

    // The cookie, a visitor's own choice, beats the browser's.
    let page = app
        .get_with("/", &[("accept-language", "en"), ("cookie", "lang=id")])
        .await;
    assert!(page.body.contains(r#"<html lang="id">"#));

    // A browser asking for neither language gets the configured default.
    let page = app
        .get_with("/", &[("accept-language", "fr-FR,fr;q=0.9")])
        .await;
    assert!(page.body.contains(r#"<html lang="id">"#));
}

#[tokio::test]
async fn the_default_language_is_configurable() {
    let app = TestApp::builder()
        .config(|c| c.default_lang = tepat_domain::Lang::En)
        .build()
        .await;
    let page = app.get("/").await;
    assert!(page.body.contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn unknown_pages_get_a_404_page_in_the_visitors_language() {
    let app = TestApp::new().await;
    let page = app.get("/tidak-ada").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("Halaman tidak ditemukan"),
        "{}",
        page.body
    );
    let page = app.get_with("/nope", &[("cookie", "lang=en")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found"), "{}", page.body);
}

/// The database is there but broken (a table renamed by a botched manual repair): the visitor gets an
/// error page in their language with a request id to quote, never the database's error.
#[tokio::test]
async fn a_broken_database_gives_an_error_page_with_the_request_id() {
    use sqlx::Connection;

    let app = TestApp::builder().population(belitung(10, 1)).build().await;
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    let mut conn = sqlx::SqliteConnection::connect(&app.config.database_url)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE population_person RENAME TO population_person_gone")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let page = app.get("/").await;
    assert_eq!(
        page.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        page.body
    );
    assert!(page.body.contains("Terjadi gangguan"), "{}", page.body);
    let id = page.header("x-request-id");
    assert!(
        page.body.contains(id),
        "the page shows the request id {id}: {}",
        page.body
    );
    assert!(
        !page.body.contains("population_person"),
        "no database details: {}",
        page.body
    );
    assert!(!page.body.to_lowercase().contains("sql"), "{}", page.body);
}
