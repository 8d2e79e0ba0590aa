//! Household photos through the real router: upload, list, view and delete by the village's operator;
//! a village-A operator refused on village-B photos (view, upload, delete, list); oversized and
//! non-image uploads refused with a message naming the field; the served photo is not cacheable.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tepat_domain::Role;

use crate::officer::Officer;
use crate::registry::{household, propose, A, B};
use crate::support::{Response, TestApp};

const BOUNDARY: &str = "----tepat-photo-boundary";

/// A small JPEG skeleton with EXIF GPS data.
fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let exif = b"Exif\0\0MM\0*GPSLatitude-LOKASI";
    b.extend_from_slice(&[0xFF, 0xE1]);
    b.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(exif);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
    b.extend_from_slice(b"PIXELS-OF-THE-HOUSE");
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn multipart(csrf: &str, kind: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in [("csrf", csrf), ("kind", kind)] {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"rumah.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    app: &TestApp,
    op: &Officer<'_>,
    household: uuid::Uuid,
    kind: &str,
    file: &[u8],
) -> Response {
    op.refresh_csrf("/home").await;
    let request = Request::post(format!("/registry/household/{household}/photos"))
        .header("cookie", op.cookie_header())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(&op.csrf(), kind, file)))
        .unwrap();
    app.request(request).await
}

/// The photo ids on a household's photo page.
fn photo_ids(html: &str) -> Vec<String> {
    html.match_indices("id=\"photo-")
        .filter_map(|(at, m)| {
            let rest = &html[at + m.len()..];
            let id = &rest[..rest.find('"')?];
            (id != "error").then(|| id.to_owned())
        })
        .collect()
}

async fn setup() -> (TestApp, uuid::Uuid, uuid::Uuid) {
    let app = TestApp::builder()
        .config(|c| c.registry.photo_max_bytes = 2048)
        .build()
        .await;
    let in_a = household(A, 61, "Ahmad Foto");
    let in_b = household(B, 62, "Budi Foto");
    let (a, b) = (in_a.id, in_b.id);
    propose(app.state().store(), in_a).await;
    propose(app.state().store(), in_b).await;
    (app, a, b)
}

#[tokio::test]
async fn an_operator_uploads_views_and_deletes_a_photo() {
    let (app, h, _) = setup().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let page = op.get(&format!("/registry/household/{h}/photos")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(photo_ids(&page.body).is_empty());

    let r = upload(&app, &op, h, "house_front", &jpeg()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/registry/household/{h}/photos")
    );
    let page = op.get(&format!("/registry/household/{h}/photos")).await;
    let ids = photo_ids(&page.body);
    assert_eq!(ids.len(), 1, "{}", page.body);
    assert!(page.body.contains("Tampak depan rumah"));

    let photo = op.get(&format!("/registry/photo/{}", ids[0])).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(photo.header("content-type"), "image/jpeg");
    assert_eq!(photo.header("cache-control"), "private, no-store");
    assert_eq!(photo.header("x-content-type-options"), "nosniff");
    assert!(photo.body.contains("PIXELS-OF-THE-HOUSE"));
    assert!(!photo.body.contains("GPS"), "metadata was stripped");

    let r = op
        .post_form(&format!("/registry/photo/{}/delete", ids[0]), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let photo = op.get(&format!("/registry/photo/{}", ids[0])).await;
    assert_eq!(photo.status, StatusCode::NOT_FOUND);
    let page = op.get(&format!("/registry/household/{h}/photos")).await;
    assert!(photo_ids(&page.body).is_empty());
}

#[tokio::test]
async fn a_village_a_operator_is_refused_on_village_b_photos() {
    let (app, _, b) = setup().await;
    let op_b = app.sign_in_as(Role::VillageOperator, B).await;
    let r = upload(&app, &op_b, b, "floor", &jpeg()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = op_b.get(&format!("/registry/household/{b}/photos")).await;
    let id = photo_ids(&page.body).remove(0);

    let op_a = app.sign_in_as(Role::VillageOperator, A).await;
    let view = op_a.get(&format!("/registry/photo/{id}")).await;
    assert_eq!(view.status, StatusCode::FORBIDDEN);
    assert!(!view.body.contains("PIXELS"));
    let list = op_a.get(&format!("/registry/household/{b}/photos")).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    let up = upload(&app, &op_a, b, "floor", &jpeg()).await;
    assert_eq!(up.status, StatusCode::FORBIDDEN);
    let del = op_a
        .post_form(&format!("/registry/photo/{id}/delete"), &[])
        .await;
    assert_eq!(del.status, StatusCode::FORBIDDEN);
    // B's photo is still there, alone.
    let page = op_b.get(&format!("/registry/household/{b}/photos")).await;
    assert_eq!(photo_ids(&page.body), vec![id]);
}

#[tokio::test]
async fn oversized_and_non_image_uploads_are_refused_naming_the_field() {
    let (app, h, _) = setup().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let mut big = jpeg();
    big.extend(std::iter::repeat_n(b'x', 4096));
    let r = upload(&app, &op, h, "floor", &big).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("foto: berkas lebih besar dari 2 KiB"),
        "{}",
        r.body
    );
    assert!(r.body.contains("data-field=\"photo\""));

    let r = upload(&app, &op, h, "floor", b"<svg onload=alert(1)></svg>").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("foto: hanya gambar JPEG, PNG atau WebP yang diterima"),
        "{}",
        r.body
    );
    let r = upload(&app, &op, h, "selfie", &jpeg()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"kind\""), "{}", r.body);
    // In English on request.
    op.get("/home?lang=en").await;
    let r = upload(&app, &op, h, "floor", b"GIF89a").await;
    assert!(
        r.body
            .contains("photo: only JPEG, PNG or WebP images are accepted"),
        "{}",
        r.body
    );
    let page = op.get(&format!("/registry/household/{h}/photos")).await;
    assert!(photo_ids(&page.body).is_empty(), "nothing was stored");
}
