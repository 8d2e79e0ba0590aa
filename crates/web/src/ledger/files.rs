//! The log's files as static files: `checkpoint`, `policy` and the tlog-tiles tree, plus HTML indexes
//! that let `wget --mirror` find every file.
//!
//! Only paths of the tlog-tiles layout are served, parsed strictly (so `.sequencer-checkpoint`, temporary
//! files and anything outside the directory cannot be named), and only tiles that the published
//! checkpoint covers: what lies beyond it may still change after a crash, and nobody needs it.

// Handlers return a ready `Response` as their error: it is what they send.
#![allow(clippy::result_large_err)]

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tepat_ledger::tiles::{entries_path, tile_path, TILE_HEIGHT, TILE_WIDTH};
use tepat_ledger::Fetcher;

use super::Ledger;
use crate::state::AppState;

/// Full tiles never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The checkpoint changes with every publication.
pub const NO_CACHE: &str = "no-cache";
/// Partial tiles are replaced by wider ones as the log grows.
pub const SHORT: &str = "public, max-age=60";

/// A parsed tile path (after `tile/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    /// `None` for an entry bundle, else the hash tile's level.
    pub level: Option<u8>,
    /// Tile index.
    pub index: u64,
    /// Width (256 for a full tile).
    pub width: u16,
}

impl TilePath {
    /// The path inside the log directory.
    pub fn storage_path(&self) -> String {
        match self.level {
            None => entries_path(self.index, self.width),
            Some(l) => tile_path(l, self.index, self.width),
        }
    }

    /// Whether a tree of `size` entries contains the whole of this tile.
    pub fn covered_by(&self, size: u64) -> bool {
        let level = u32::from(self.level.unwrap_or(0));
        let Some(unit) = 1u64.checked_shl(TILE_HEIGHT * level) else {
            return false;
        };
        let start = u128::from(self.index) * u128::from(TILE_WIDTH) * u128::from(unit);
        let end = start + u128::from(self.width) * u128::from(unit);
        end <= u128::from(size)
    }
}

/// Parses `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` (the part after `tile/`) exactly as tlog-tiles
/// writes it; anything else is `None`.
pub fn parse_tile_path(path: &str) -> Option<TilePath> {
    let (level, rest) = path.split_once('/')?;
    let level = if level == "entries" {
        None
    } else {
        let l = decimal(level)?;
        (l < 64).then_some(l as u8).map(Some)?
    };
    let (n, width) = match rest.split_once(".p/") {
        Some((n, w)) => {
            let w = decimal(w)?;
            if !(1..256).contains(&w) {
                return None;
            }
            (n, w as u16)
        }
        None => (rest, TILE_WIDTH as u16),
    };
    let groups: Vec<&str> = n.split('/').collect();
    let mut index: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let digits = if i + 1 < groups.len() {
            g.strip_prefix('x')?
        } else {
            g
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        index = index
            .checked_mul(1000)?
            .checked_add(digits.parse::<u64>().ok()?)?;
    }
    let parsed = TilePath {
        level,
        index,
        width,
    };
    // Only the canonical spelling (no superfluous leading `x000/` groups).
    (parsed.storage_path() == format!("tile/{path}")).then_some(parsed)
}

fn decimal(s: &str) -> Option<u64> {
    tepat_ledger::checkpoint::parse_decimal(s)
}

/// The ledger named in the path, or a 404 response.
pub(super) fn find(state: &AppState, name: &str) -> Result<std::sync::Arc<Ledger>, Response> {
    match state.ledger() {
        Some(l) if l.name == name => Ok(l.clone()),
        _ => Err(not_found("no such log")),
    }
}

pub(super) fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, HeaderValue::from_static(SHORT))],
        format!("{what}\n"),
    )
        .into_response()
}

pub(super) fn server_error(what: &str, error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "ledger: {what}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        format!("{what}\n"),
    )
        .into_response()
}

/// Runs blocking file work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| server_error("the ledger task failed", e))
}

fn bytes(content_type: &'static str, cache: &'static str, body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /ledger/<log>/checkpoint`.
pub(super) async fn checkpoint(State(state): State<AppState>, Path(log): Path<String>) -> Response {
    let ledger = match find(&state, &log) {
        Ok(l) => l,
        Err(r) => return r,
    };
    match blocking(move || ledger.storage.fetch(tepat_ledger::storage::CHECKPOINT_PATH)).await {
        Ok(Ok(Some(b))) => bytes("text/plain; charset=utf-8", NO_CACHE, b),
        Ok(Ok(None)) => not_found("the log has not published a checkpoint yet"),
        Ok(Err(e)) => server_error("cannot read the checkpoint", e),
        Err(r) => r,
    }
}

/// `GET /ledger/<log>/policy`: the C2SP tlog-policy text a verifier needs.
pub(super) async fn policy(State(state): State<AppState>, Path(log): Path<String>) -> Response {
    match find(&state, &log) {
        Ok(l) => bytes(
            "text/plain; charset=utf-8",
            SHORT,
            l.policy.to_text().into_bytes(),
        ),
        Err(r) => r,
    }
}

/// `GET /ledger/<log>/tile/{*path}`.
pub(super) async fn tile(
    State(state): State<AppState>,
    Path((log, path)): Path<(String, String)>,
) -> Response {
    let ledger = match find(&state, &log) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(tile) = parse_tile_path(&path) else {
        return not_found("not a tile path");
    };
    let result = blocking(move || -> std::io::Result<Option<Vec<u8>>> {
        let size = ledger.published()?.map_or(0, |(_, cp)| cp.size);
        if !tile.covered_by(size) {
            return Ok(None);
        }
        ledger.storage.fetch(&tile.storage_path())
    })
    .await;
    let cache = if tile.width == TILE_WIDTH as u16 {
        IMMUTABLE
    } else {
        SHORT
    };
    match result {
        Ok(Ok(Some(b))) => bytes("application/octet-stream", cache, b),
        Ok(Ok(None)) => not_found("no such tile in the published tree"),
        Ok(Err(e)) => server_error("cannot read a tile", e),
        Err(r) => r,
    }
}

fn html(body: String) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
        ],
        body,
    )
        .into_response()
}

/// `GET /ledger/`: links for mirrors.
pub(super) async fn root_index(State(state): State<AppState>) -> Response {
    let mut s = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tepat ledger</title></head><body>\n\
         <h1>Transparency ledger</h1>\n<p><a href=\"/ledger/logs.json\">logs.json</a> · \
         <a href=\"/ledger/receipt\">verify a receipt</a></p>\n<ul>\n",
    );
    if let Some(l) = state.ledger() {
        let _ = writeln!(s, "<li><a href=\"/ledger/{0}/\">{0}</a></li>", l.name);
    }
    s.push_str("</ul>\n</body></html>\n");
    html(s)
}

/// `GET /ledger/<log>/`: the checkpoint, the policy and every tile of the published tree, as links.
pub(super) async fn log_index(State(state): State<AppState>, Path(log): Path<String>) -> Response {
    let ledger = match find(&state, &log) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let name = ledger.name.clone();
    let size = match blocking(move || ledger.published()).await {
        Ok(Ok(p)) => p.map_or(0, |(_, cp)| cp.size),
        Ok(Err(e)) => return server_error("cannot read the checkpoint", e),
        Err(r) => return r,
    };
    let mut s = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}</title></head><body>\n\
         <h1>Log {name}: {size} entries</h1>\n<ul>\n\
         <li><a href=\"/ledger/{name}/checkpoint\">checkpoint</a></li>\n\
         <li><a href=\"/ledger/{name}/policy\">policy</a></li>\n"
    );
    for path in tile_paths(size) {
        let _ = writeln!(s, "<li><a href=\"/ledger/{name}/{path}\">{path}</a></li>");
    }
    s.push_str("</ul>\n</body></html>\n");
    html(s)
}

/// Every tile path of a tree of `size` entries: full tiles and the right edge's partial ones.
pub fn tile_paths(size: u64) -> Vec<String> {
    let mut out = Vec::new();
    let full = size / TILE_WIDTH;
    let partial = (size % TILE_WIDTH) as u16;
    for n in 0..full {
        out.push(entries_path(n, TILE_WIDTH as u16));
    }
    if partial > 0 {
        out.push(entries_path(full, partial));
    }
    let mut level: u8 = 0;
    loop {
        let count = size >> (TILE_HEIGHT * u32::from(level));
        if count == 0 {
            break;
        }
        for n in 0..count / TILE_WIDTH {
            out.push(tile_path(level, n, TILE_WIDTH as u16));
        }
        let w = (count % TILE_WIDTH) as u16;
        if w > 0 {
            out.push(tile_path(level, count / TILE_WIDTH, w));
        }
        level += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_parse_strictly() {
        let t = parse_tile_path("0/000").unwrap();
        assert_eq!((t.level, t.index, t.width), (Some(0), 0, 256));
        let t = parse_tile_path("2/x001/x234/067.p/17").unwrap();
        assert_eq!((t.level, t.index, t.width), (Some(2), 1_234_067, 17));
        let t = parse_tile_path("entries/005.p/3").unwrap();
        assert_eq!((t.level, t.index, t.width), (None, 5, 3));
        for bad in [
            "",
            "0",
            "0/0",
            "0/0000",
            "00/000",
            "64/000",
            "0/x000/001",
            "0/001/002",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/07",
            "0/../000",
            "../.sequencer-checkpoint",
            ".sequencer-checkpoint",
            "0/000.tmp-1-1",
            "entries/../../checkpoint",
            "0/000/",
        ] {
            assert_eq!(parse_tile_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn coverage() {
        let full0 = parse_tile_path("0/000").unwrap();
        assert!(!full0.covered_by(255));
        assert!(full0.covered_by(256));
        let p = parse_tile_path("0/001.p/3").unwrap();
        assert!(p.covered_by(259) && !p.covered_by(258));
        let l1 = parse_tile_path("1/000.p/1").unwrap();
        assert!(l1.covered_by(256) && !l1.covered_by(255));
    }

    #[test]
    fn all_tile_paths_of_a_tree() {
        assert!(tile_paths(0).is_empty());
        assert_eq!(
            tile_paths(3),
            vec!["tile/entries/000.p/3", "tile/0/000.p/3"]
        );
        assert_eq!(
            tile_paths(257),
            vec![
                "tile/entries/000",
                "tile/entries/001.p/1",
                "tile/0/000",
                "tile/0/001.p/1",
                "tile/1/000.p/1"
            ]
        );
    }
}
