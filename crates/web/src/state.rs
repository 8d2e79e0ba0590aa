//! What every handler can reach.

use std::sync::Arc;

use tepat_core::auth::{AuthPolicy, AuthService, RateLimit};
use tepat_regions::RegionTable;
use tepat_store::Store;

use crate::config::ServerConfig;
use crate::ledger::Ledger;

/// The shared state of the web application: cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    store: Arc<dyn Store>,
    regions: &'static RegionTable,
    ledger: Option<Arc<Ledger>>,
    auth: Arc<AuthService>,
    /// The agency API's signing key and rate counters.
    dci: Arc<crate::api::DciRuntime>,
    /// Citizens' attempt counters (per client address and per NIK; `crate::ui::citizen`).
    citizen_limits: tepat_core::intake::citizen::Limits,
}

impl AppState {
    /// Parses the embedded region table if nothing has yet (a fraction of a second, once per process).
    pub fn new(config: ServerConfig, store: Arc<dyn Store>) -> AppState {
        AppState::with_ledger(config, store, None)
    }

    /// [`AppState::new`] serving a transparency ledger under `/ledger/`.
    pub fn with_ledger(
        config: ServerConfig,
        store: Arc<dyn Store>,
        ledger: Option<Arc<Ledger>>,
    ) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                auth: Arc::new(AuthService::new(store.clone(), auth_policy(&config))),
                config,
                store,
                regions: RegionTable::embedded(),
                ledger,
                dci: Arc::default(),
                citizen_limits: tepat_core::intake::citizen::Limits::default(),
            }),
        }
    }

    /// The transparency ledger, if this server serves one.
    pub fn ledger(&self) -> Option<&Arc<Ledger>> {
        self.inner.ledger.as_ref()
    }

    /// Sign-in, sessions and the per-address throttle (one per application, so the throttle is shared).
    pub fn auth(&self) -> &AuthService {
        &self.inner.auth
    }

    /// The agency API's runtime (`crate::api`).
    pub fn dci(&self) -> &crate::api::DciRuntime {
        &self.inner.dci
    }

    /// Citizens' attempt counters (`crate::ui::citizen`).
    pub fn citizen_limits(&self) -> &tepat_core::intake::citizen::Limits {
        &self.inner.citizen_limits
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

/// The sign-in rules from the settings.
fn auth_policy(config: &ServerConfig) -> AuthPolicy {
    let a = &config.auth;
    let minutes =
        |d: std::time::Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    AuthPolicy {
        idle_timeout: minutes(a.session_idle),
        absolute_timeout: minutes(a.session_max),
        lockout: tepat_store::Lockout {
            after_failures: a.lockout_failures,
            duration: minutes(a.lockout),
        },
        per_client: RateLimit {
            failures: a.client_max_failures,
            window: minutes(a.client_window),
        },
    }
}
