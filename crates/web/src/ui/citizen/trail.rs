//! The recipient's trail page of issue 7 (`/warga/status/bantuan`) now lives in the status page
//! ([`super::check`], `/cek`), which shows the same entitlements, schedule, vouchers and ledger entries
//! together with the household's programs and notices. The old address answers with a permanent
//! redirect that keeps the method (`308`), so bookmarks and a form posted from an old copy of the page
//! still arrive.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tepat_domain::Lang;

use super::check;

/// The old page's path.
pub const PAGE: &str = "/warga/status/bantuan";

/// The link to the status page from `/warga/status` (the template passes the language by reference).
pub fn link_label(lang: &Lang) -> &'static str {
    check::strings(*lang).link
}

/// `GET|POST /warga/status/bantuan`.
pub(crate) async fn moved() -> Response {
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, HeaderValue::from_static(check::PAGE))],
    )
        .into_response()
}
