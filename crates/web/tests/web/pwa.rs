//! The citizens' installable app without a browser: the manifest and its icons, the citizens' service
//! worker (what it keeps, that it leaves the officers' pages alone), the offline page, the landing
//! page's link to the status check, and the old trail page's redirect.

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::TestApp;

#[tokio::test]
async fn the_manifest_makes_the_status_page_an_installable_app() {
    let app = TestApp::new().await;
    let landing = app.get("/").await;
    assert!(landing
        .body
        .contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">"));
    assert!(landing
        .body
        .contains("<meta name=\"theme-color\" content=\"#0b6e4f\">"));

    let response = app.get("/manifest.webmanifest").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), "application/manifest+json");
    let manifest: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(manifest["start_url"], "/cek");
    assert_eq!(manifest["scope"], "/");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["lang"], "id");
    assert_eq!(manifest["short_name"], "Cek bansos");
    assert_eq!(manifest["theme_color"], "#0b6e4f");
    let icons = manifest["icons"].as_array().unwrap();
    let mut sizes = Vec::new();
    for icon in icons {
        let src = icon["src"].as_str().unwrap();
        let file = app.get(src).await;
        assert_eq!(file.status, StatusCode::OK, "{src}");
        assert_eq!(file.header("content-type"), icon["type"].as_str().unwrap());
        if icon["type"] == "image/png" {
            // The body is read as (lossy) text: the signature's first byte is not UTF-8.
            assert!(file.body.starts_with("\u{FFFD}PNG\r\n"), "{src}");
            sizes.push((
                icon["sizes"].as_str().unwrap().to_owned(),
                icon["purpose"].as_str().unwrap().to_owned(),
            ));
        }
    }
    for want in [
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    ] {
        assert!(
            sizes.iter().any(|(s, p)| s == want.0 && p == want.1),
            "{want:?} in {sizes:?}"
        );
    }

    let english = app
        .get_with("/manifest.webmanifest", &[("accept-language", "en")])
        .await;
    let english: Value = serde_json::from_str(&english.body).unwrap();
    assert_eq!(english["lang"], "en");
}

#[tokio::test]
async fn the_citizens_worker_keeps_the_citizen_pages_and_nothing_of_the_officers() {
    let app = TestApp::new().await;
    let worker = app.get("/warga-sw.js").await;
    assert_eq!(worker.status, StatusCode::OK);
    assert_eq!(
        worker.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(worker.header("cache-control"), "no-cache");
    let body = &worker.body;
    assert!(!body.contains("__"), "every placeholder is written in");
    let list = |name: &str| -> Vec<String> {
        let at = body.find(&format!("var {name} = ")).unwrap() + name.len() + 7;
        let end = at + body[at..].find(";\n").unwrap();
        serde_json::from_str(&body[at..end]).unwrap()
    };
    let pages = list("PAGES");
    let precache = list("PRECACHE");
    assert_eq!(pages[0], "/cek", "{pages:?}");
    assert!(pages.contains(&"/warga/luring".to_owned()));
    assert!(
        pages.contains(&"/info".to_owned()),
        "the information pages: {pages:?}"
    );
    for url in &precache {
        assert_eq!(app.get(url).await.status, StatusCode::OK, "{url} is kept");
        assert!(
            !url.starts_with("/lapangan")
                && !url.starts_with("/penyaluran")
                && !url.starts_with("/registry")
                && !url.starts_with("/api/"),
            "{url}"
        );
    }
    // The officers' workers are still their own, with their narrower scopes.
    assert_eq!(
        app.get("/sw.js").await.header("service-worker-allowed"),
        "/lapangan"
    );

    let offline = app.get("/warga/luring").await;
    assert_eq!(offline.status, StatusCode::OK);
    assert!(offline.body.contains("<h1>Tidak ada sinyal</h1>"));
    assert!(offline.body.contains("href=\"/cek\""));
}

#[tokio::test]
async fn the_landing_page_offers_the_status_check_first_and_stays_script_free() {
    let app = TestApp::new().await;
    let landing = app.get("/").await.body;
    let main = landing.find("<main").unwrap();
    let first_link = main + landing[main..].find("<a ").unwrap();
    assert!(
        landing[first_link..].starts_with("<a id=\"check-link\" href=\"/cek\">"),
        "the first link of the page's content: {}",
        &landing[first_link..first_link + 60]
    );
    assert!(landing.contains("Cek status bansos"));
    assert!(!landing.contains("<script"));
    let status = app.get("/warga/status").await.body;
    assert!(status.contains("id=\"trail-link\" href=\"/cek\""));
}

#[tokio::test]
async fn the_old_trail_address_leads_to_the_status_page() {
    let app = TestApp::new().await;
    let get = app.get("/warga/status/bantuan").await;
    assert_eq!(get.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(get.header("location"), "/cek");
    // A form posted from an old copy of the page keeps its method (308) and so reaches the check.
    let citizen = app.browser();
    citizen.refresh_csrf("/cek").await;
    let post = citizen
        .post_form("/warga/status/bantuan", &[("nik", "1"), ("kk", "2")])
        .await;
    assert_eq!(post.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(post.header("location"), "/cek");
}
