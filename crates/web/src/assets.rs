//! Static files compiled into the binary and served under `/static/NAME.HASH.EXT`.
//!
//! The hash is the start of the file's SHA-256, so a URL always means the same bytes: browsers may keep
//! them for a year without asking again, and a new release changes the URLs of what it changed. Templates
//! get the URLs from [`url`]; a name not listed in [`FILES`] is a bug caught by the tests.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Where the files are served.
pub const PREFIX: &str = "/static/";

/// One embedded file.
pub struct Asset {
    /// The name in `crates/web/static/`, e.g. `tepat.css`.
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// Every file under `crates/web/static/`.
pub const FILES: &[Asset] = &[
    Asset {
        name: "tepat.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../static/tepat.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../static/favicon.svg"),
    },
    // htmx 2.0.11 (npm `htmx.org`, dist/htmx.min.js unchanged; 0BSD, see htmx.LICENSE.txt and NOTICE).
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/htmx.min.js"),
    },
    // The offline field-entry page's script (ui::offline).
    Asset {
        name: "offline.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/offline.js"),
    },
    // Passkey sign-in and registration (auth::passkey): our own, no library.
    Asset {
        name: "passkey.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/passkey.js"),
    },
    Asset {
        name: "htmx.LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../static/htmx.LICENSE.txt"),
    },
    // The voucher scan page's script (ui::distribution::scan).
    Asset {
        name: "scan.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/scan.js"),
    },
    // @noble/ed25519 3.2.0 (npm, index.js unchanged, an ES module; MIT, see noble-ed25519.LICENSE.txt
    // and NOTICE): the scan page verifies voucher signatures with it, offline.
    Asset {
        name: "noble-ed25519.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/noble-ed25519.js"),
    },
    Asset {
        name: "noble-ed25519.LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../static/noble-ed25519.LICENSE.txt"),
    },
    // jsQR 1.4.0 (npm `jsqr`, dist/jsQR.js unchanged; Apache-2.0, see jsQR.LICENSE.txt and NOTICE): the
    // scan page reads voucher QR codes from the camera with it.
    Asset {
        name: "jsQR.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/jsQR.js"),
    },
    Asset {
        name: "jsQR.LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../static/jsQR.LICENSE.txt"),
    },
    // The citizens' pages' script (ui::pwa, ui::citizen::check): the service worker's registration and
    // the last status card kept on the phone.
    Asset {
        name: "warga.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/warga.js"),
    },
    // The installable citizens' app's icons (ui::pwa's manifest); the maskable one keeps its drawing
    // inside the safe circle.
    Asset {
        name: "icon-192.png",
        content_type: "image/png",
        bytes: include_bytes!("../static/icon-192.png"),
    },
    Asset {
        name: "icon-512.png",
        content_type: "image/png",
        bytes: include_bytes!("../static/icon-512.png"),
    },
    Asset {
        name: "icon-maskable-512.png",
        content_type: "image/png",
        bytes: include_bytes!("../static/icon-maskable-512.png"),
    },
    // The information pages and illustrated guides (ui::info): layout and a print stylesheet.
    Asset {
        name: "info.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../static/info.css"),
    },
];

struct Served {
    asset: &'static Asset,
    /// `tepat.3f2a9c1b0d4e.css`.
    file_name: String,
    /// `/static/tepat.3f2a9c1b0d4e.css`.
    url: String,
    etag: HeaderValue,
}

static SERVED: LazyLock<Vec<Served>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.bytes);
            let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            let file_name = match asset.name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{}.{hash}", asset.name),
            };
            Served {
                asset,
                url: format!("{PREFIX}{file_name}"),
                etag: HeaderValue::from_str(&format!("\"{hash}\"")).expect("hex is a valid header"),
                file_name,
            }
        })
        .collect()
});

/// The URL of the embedded file `name` (as in `crates/web/static/`).
///
/// # Panics
/// If there is no such file: asset names are fixed at compile time, and the tests render every page.
pub fn url(name: &str) -> &'static str {
    SERVED
        .iter()
        .find(|s| s.asset.name == name)
        .map(|s| s.url.as_str())
        .unwrap_or_else(|| panic!("no embedded asset named {name}"))
}

/// `GET /static/{file}`.
pub(crate) async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(served) = SERVED.iter().find(|s| s.file_name == file) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, "no-store")],
            "not found",
        )
            .into_response();
    };
    let cache = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ),
        (header::ETAG, served.etag.clone()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == served.etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(served.asset.content_type),
        )],
        served.asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_a_content_hash() {
        let css = url("tepat.css");
        assert!(css.starts_with("/static/tepat."), "{css}");
        assert!(css.ends_with(".css"), "{css}");
        assert_eq!(css.len(), "/static/tepat..css".len() + 12, "{css}");
        assert_ne!(url("favicon.svg"), css);
    }

    #[test]
    #[should_panic(expected = "no embedded asset named nope.js")]
    fn unknown_names_are_a_bug() {
        url("nope.js");
    }
}
