//! Open data (issue 9, `docs/open-data.md`): the public transparency portal's figures.
//!
//! - [`suppress`]: small-cell and complementary suppression over the region hierarchy.
//! - [`publication`]: the published tables (aid by program, cycle and region; complaints by region),
//!   built from the store's aggregates ([`tepat_store::OpenDataStore`]).
//! - [`recipients`]: village recipient lists, masked, when the office turns them on.
//! - [`datasets`]: the datasets, their data dictionaries and their CSV form.
//! - [`catalog`]: DCAT (JSON-LD) and the CKAN `package_list` / `package_show` subset.
//! - [`OpenData`]: the service the web layer holds: settings, the refresh job, and the publication
//!   kept in memory until the aggregates change.
//!
//! Every amount published is one the transparency ledger holds: the aggregates count only steps with
//! a ledger entry, so the verifier's totals (`tepat ledger verify`) give the same figures.

pub mod catalog;
pub mod datasets;
pub mod publication;
pub mod recipients;
pub mod suppress;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use tepat_regions::RegionTable;
use tepat_store::{OpenDataRefresh, Store, StoreError};

pub use publication::{ComplaintRow, DistributionRow, Level, Publication, Series};

/// The office's choices for publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenDataSettings {
    /// Cells counting fewer than `k` households (or ratings, or complaints) are suppressed.
    pub k: u64,
    /// Publish masked recipient lists per village.
    pub recipient_lists: bool,
    /// Aggregates older than this are refreshed (in the background) when the portal is read.
    pub refresh_every: Duration,
}

/// The default threshold: at least five households per published cell (`docs/open-data.md`).
pub const DEFAULT_K: u64 = 5;

impl Default for OpenDataSettings {
    fn default() -> OpenDataSettings {
        OpenDataSettings {
            k: DEFAULT_K,
            recipient_lists: false,
            refresh_every: Duration::minutes(10),
        }
    }
}

/// `[opendata]` of the config file (`docs/configuration.md`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenDataFile {
    k: Option<u64>,
    recipient_lists: Option<bool>,
    refresh_minutes: Option<u64>,
}

/// A bad `[opendata]` value: which key, and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDataConfigError {
    pub key: &'static str,
    pub message: String,
}

impl OpenDataSettings {
    /// Checks the section: `k` 2 to 100 (1 would publish single households), `refresh_minutes` 1 to
    /// 1440.
    pub fn from_file(file: OpenDataFile) -> Result<OpenDataSettings, OpenDataConfigError> {
        let defaults = OpenDataSettings::default();
        let k = match file.k {
            None => defaults.k,
            Some(k @ 2..=100) => k,
            Some(_) => {
                return Err(OpenDataConfigError {
                    key: "[opendata] k",
                    message: "must be 2 to 100 (households per published cell)".into(),
                })
            }
        };
        let refresh_every = match file.refresh_minutes {
            None => defaults.refresh_every,
            Some(m @ 1..=1440) => Duration::minutes(m as i64),
            Some(_) => {
                return Err(OpenDataConfigError {
                    key: "[opendata] refresh_minutes",
                    message: "must be 1 to 1440".into(),
                })
            }
        };
        Ok(OpenDataSettings {
            k,
            recipient_lists: file.recipient_lists.unwrap_or(defaults.recipient_lists),
            refresh_every,
        })
    }
}

/// The publication service: one per server.
pub struct OpenData {
    store: Arc<dyn Store>,
    settings: OpenDataSettings,
    regions: &'static RegionTable,
    cached: Mutex<Option<Arc<Publication>>>,
    refreshing: Arc<AtomicBool>,
}

impl OpenData {
    pub fn new(
        store: Arc<dyn Store>,
        settings: OpenDataSettings,
        regions: &'static RegionTable,
    ) -> OpenData {
        OpenData {
            store,
            settings,
            regions,
            cached: Mutex::new(None),
            refreshing: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn settings(&self) -> &OpenDataSettings {
        &self.settings
    }

    /// The store it reads (for the masked lists, which are read per request).
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Rewrites the aggregates now (the job; also `tepat` benchmarks and tests).
    pub async fn refresh(&self, now: DateTime<Utc>) -> Result<OpenDataRefresh, StoreError> {
        let done = self.store.refresh_open_data(now).await?;
        self.forget();
        Ok(done)
    }

    fn forget(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The current publication. Built from the aggregates once per refresh (whoever refreshed: this
    /// server, another one, the CLI); aggregates never computed are computed first; stale ones are
    /// refreshed in the background while the current figures are served.
    pub async fn publication(&self, now: DateTime<Utc>) -> Result<Arc<Publication>, StoreError> {
        let store = self.store.as_ref();
        let refreshed = match store.open_data_refreshed().await? {
            Some(t) => t,
            None => self.refresh(now).await?.refreshed_at,
        };
        if now - refreshed > self.settings.refresh_every {
            self.refresh_in_background(now);
        }
        if let Some(p) = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            if p.as_of == Some(refreshed) {
                return Ok(p);
            }
        }
        let built = Arc::new(publication::publish(store, self.regions, self.settings.k).await?);
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(built.clone());
        Ok(built)
    }

    fn refresh_in_background(&self, now: DateTime<Utc>) {
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let flag = self.refreshing.clone();
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(error) = store.refresh_open_data(now).await {
                tracing::error!(%error, "open data: refreshing the aggregates failed");
            }
            flag.store(false, Ordering::Release);
        });
    }
}
