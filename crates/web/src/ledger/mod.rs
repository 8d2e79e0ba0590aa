//! The transparency ledger over HTTP (`docs/ledger.md`).
//!
//! Everything here is a plain `GET`, so `wget --mirror` of `/ledger/` is a verifiable copy:
//!
//! | route | what |
//! |---|---|
//! | `/ledger/` | HTML index linking `logs.json` and each log's index |
//! | `/ledger/logs.json` | every log: origin, public key (C2SP vkey), witnesses' keys and URLs, quorum |
//! | `/ledger/<log>/` | HTML index linking the checkpoint, the policy and every tile (for mirrors) |
//! | `/ledger/<log>/checkpoint` | the published, cosigned checkpoint (`no-cache`) |
//! | `/ledger/<log>/policy` | the C2SP tlog-policy text: log key, witness keys, quorum |
//! | `/ledger/<log>/tile/<L>/<N>[.p/<W>]`, `…/tile/entries/<N>[.p/<W>]` | tlog-tiles, static files |
//! | `/ledger/<log>/entry/<index>` | one entry, decoded as JSON, with its raw bytes in base64 |
//! | `/ledger/<log>/proof/inclusion?leaf_hash=<hex>&size=<n>` | inclusion proof by leaf hash |
//! | `/ledger/<log>/proof/consistency?from=<m>&to=<n>` | consistency proof between two sizes |
//! | `/ledger/<log>/receipt/<index>` | the entry's receipt (C2SP tlog-proof text) |
//! | `/ledger/receipt` | a page that verifies a pasted receipt |
//!
//! The witness side (`POST /add-checkpoint`, C2SP tlog-witness) is a separate router, [`witness_router`],
//! served by `tepat witness`.

mod api;
mod files;
mod index;
pub(crate) mod page;
mod witness;

use std::path::PathBuf;
use std::sync::Mutex;

use axum::routing::get;
use axum::Router;
use tepat_ledger::{Fetcher, FsStorage, LogPolicy, Note, NoteVerifier, TileCache};

pub use files::{parse_tile_path, TilePath};
pub use index::{AnySize, LeafIndex};
pub use witness::{serve_witness, witness_router};

use crate::state::AppState;

/// The one log of the office is served under this name: `/ledger/bansos/…`.
pub const LOG_NAME: &str = "bansos";

/// A log the web layer serves (read only: the sequencer runs in the binary that appends).
pub struct Ledger {
    /// Name in URLs.
    pub name: String,
    /// The log's directory.
    pub storage: FsStorage,
    /// Trusted keys and quorum.
    pub policy: LogPolicy,
    /// Witness URLs by witness name (for `logs.json`).
    pub witness_urls: Vec<(String, String)>,
    /// Cosignatures a published checkpoint carries at least.
    pub quorum: usize,
    /// The log holds a synthetic sample (`tepat demo`), said on its pages.
    pub synthetic: bool,
    index: Mutex<LeafIndex>,
    cache: TileCache,
}

impl Ledger {
    /// A log served from `dir` (created if missing), signed with `log_key`, cosigned by `witnesses`
    /// (key and URL) of which `quorum` must cosign.
    pub fn new(
        dir: impl Into<PathBuf>,
        log_key: NoteVerifier,
        witnesses: Vec<(NoteVerifier, String)>,
        quorum: usize,
    ) -> std::io::Result<Ledger> {
        let witness_urls = witnesses
            .iter()
            .map(|(k, u)| (k.name().to_owned(), u.clone()))
            .collect();
        let policy = LogPolicy::new(
            log_key,
            witnesses.into_iter().map(|(k, _)| k).collect(),
            quorum,
        );
        Ok(Ledger {
            name: LOG_NAME.to_owned(),
            storage: FsStorage::open(dir)?,
            policy,
            witness_urls,
            quorum,
            synthetic: false,
            index: Mutex::new(LeafIndex::default()),
            cache: TileCache::new(4096),
        })
    }

    /// Marks the log as holding synthetic sample data.
    pub fn synthetic(mut self, yes: bool) -> Ledger {
        self.synthetic = yes;
        self
    }

    /// The published checkpoint note and its size, if the log has published one.
    pub fn published(&self) -> std::io::Result<Option<(Note, tepat_ledger::Checkpoint)>> {
        let Some(bytes) = self.storage.fetch(tepat_ledger::storage::CHECKPOINT_PATH)? else {
            return Ok(None);
        };
        let note = Note::parse(&bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        let cp = tepat_ledger::Checkpoint::parse(&note.text)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Some((note, cp)))
    }

    /// The index of the entry with this leaf hash, among the first `size` entries.
    pub fn find_leaf(&self, leaf: &tepat_ledger::Hash, size: u64) -> std::io::Result<Option<u64>> {
        let mut index = self.index.lock().unwrap_or_else(|e| e.into_inner());
        index.refresh(&AnySize(&self.storage), size)?;
        index.find(&AnySize(&self.storage), leaf, size)
    }

    fn cache(&self) -> &TileCache {
        &self.cache
    }
}

/// The ledger's routes (empty when no ledger is configured, except the receipt page, which says so).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ledger", get(files::root_index))
        .route("/ledger/", get(files::root_index))
        .route("/ledger/logs.json", get(api::logs))
        .route("/ledger/{log}", get(files::log_index))
        .route("/ledger/{log}/", get(files::log_index))
        .route("/ledger/{log}/checkpoint", get(files::checkpoint))
        .route("/ledger/{log}/policy", get(files::policy))
        .route("/ledger/{log}/tile/{*path}", get(files::tile))
        .route("/ledger/{log}/entry/{index}", get(api::entry))
        .route("/ledger/{log}/proof/inclusion", get(api::inclusion))
        .route("/ledger/{log}/proof/consistency", get(api::consistency))
        .route("/ledger/{log}/receipt/{index}", get(api::receipt))
}
