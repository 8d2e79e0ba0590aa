//! What every handler can reach.

use std::sync::Arc;

use tepat_regions::RegionTable;
use tepat_store::Store;

use crate::config::ServerConfig;

/// The shared state of the web application: cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    store: Arc<dyn Store>,
    regions: &'static RegionTable,
}

impl AppState {
    /// Parses the embedded region table if nothing has yet (a fraction of a second, once per process).
    pub fn new(config: ServerConfig, store: Arc<dyn Store>) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                config,
                store,
                regions: RegionTable::embedded(),
            }),
        }
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The official region codes and names (kode wilayah).
    pub fn regions(&self) -> &'static RegionTable {
        self.inner.regions
    }
}
