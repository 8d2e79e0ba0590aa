//! What every handler can reach.

use std::sync::Arc;

use uuid::Uuid;

use tepat_core::auth::{AuthPolicy, AuthService, RateLimit};
use tepat_core::registry::{DuplicateIndex, ModelSource};
use tepat_domain::registry::RegistryHousehold;
use tepat_regions::RegionTable;
use tepat_store::HouseholdState;
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
    /// Signs the passes a citizen's NIK + KK check issues (`tepat_core::portal::pass`).
    pass_key: tepat_core::portal::PassKey,
    /// The status check: limits, identity index, card cache (`tepat_core::portal::status`).
    status: Arc<tepat_core::portal::status::StatusService>,
    /// The SMS gateway's shared secret (`[citizen] sms_secret_file`), if the SMS webhook is on.
    sms_secret: Option<Vec<u8>>,
    /// The public transparency portal's publication (`tepat_core::opendata`).
    opendata: Arc<tepat_core::opendata::OpenData>,
    /// Attempts per client address at filing complaints, tracking tickets and rating.
    feedback_limits: tepat_core::portal::complaints::FeedbackLimits,
    /// The fuzzy duplicate index (`None` until [`AppState::start_duplicate_index`] has built it).
    duplicates: Duplicates,
    /// The e-wallet providers' published keys, which their callbacks are verified with.
    ewallet_keys: std::sync::RwLock<Arc<tepat_payments::ewallet::ProviderKeys>>,
    /// The vouchers' signing key, read from (or created in) `[payments] voucher_key_file` on first use.
    voucher_signer: std::sync::Mutex<Option<Arc<tepat_payments::voucher::VoucherSigner>>>,
}

/// The duplicate index behind its lock, with the households saved while it was being built.
#[derive(Default)]
pub struct DuplicateSlot {
    pub index: Option<DuplicateIndex>,
    /// Saved before the index was ready: applied when it is (the build may have read them already).
    pending: Vec<Uuid>,
}

/// Readers hold it across the store calls of a check, so it is an async lock.
pub type Duplicates = tokio::sync::RwLock<DuplicateSlot>;

impl AppState {
    /// The public transparency portal's publication service.
    pub fn opendata(&self) -> &tepat_core::opendata::OpenData {
        &self.inner.opendata
    }

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
        let ewallet_keys = crate::api::disburse::provider_keys(&config.payments);
        let status = crate::api::status_check::service(&config, RegionTable::embedded());
        // The status card's open voucher, signed with the server's voucher key (the page draws its QR).
        status.set_vouchers(Arc::new(crate::ui::citizen::check::SignedVouchers::new(
            config.payments.voucher_key_file.clone(),
        )));
        let sms_secret = crate::api::sms::read_secret(&config.citizen);
        let citizen_limits =
            tepat_core::intake::citizen::Limits::new(tepat_core::intake::citizen::LimitSettings {
                per_client: config.citizen.per_client_per_hour,
                per_nik: config.citizen.per_nik_per_hour,
            });
        let opendata = Arc::new(tepat_core::opendata::OpenData::new(
            store.clone(),
            config.opendata,
            RegionTable::embedded(),
        ));
        AppState {
            inner: Arc::new(Inner {
                auth: Arc::new(AuthService::new(store.clone(), auth_policy(&config))),
                config,
                store,
                regions: RegionTable::embedded(),
                ledger,
                dci: Arc::default(),
                citizen_limits,
                pass_key: tepat_core::portal::PassKey::random(),
                status,
                sms_secret,
                opendata,
                feedback_limits: tepat_core::portal::complaints::FeedbackLimits::default(),
                duplicates: Duplicates::default(),
                ewallet_keys: std::sync::RwLock::new(Arc::new(ewallet_keys)),
                voucher_signer: std::sync::Mutex::new(None),
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

    /// The key of citizens' passes (random per process: a restart asks citizens to check again).
    pub fn pass_key(&self) -> &tepat_core::portal::PassKey {
        &self.inner.pass_key
    }

    /// Attempt counters of complaints, ticket tracking and ratings (`crate::ui::feedback`).
    pub fn feedback_limits(&self) -> &tepat_core::portal::complaints::FeedbackLimits {
        &self.inner.feedback_limits
    }

    /// The citizen status check (`tepat_core::portal::status`; `/cek`, the JSON API, SMS).
    pub fn status(&self) -> &tepat_core::portal::status::StatusService {
        &self.inner.status
    }

    /// The SMS gateway's shared secret, if the SMS webhook is configured.
    pub fn sms_secret(&self) -> Option<&[u8]> {
        self.inner.sms_secret.as_deref()
    }

    /// Loads the status check's identity index on a background task, so the first checks do not
    /// wait for it.
    pub fn start_status_index(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            if let Err(e) = state.status().refresh(state.store()).await {
                tracing::error!(error = %e, "status-check identity index not loaded");
            }
        })
    }

    /// The fuzzy duplicate index; `index` is `None` while it is being prepared.
    pub fn duplicates(&self) -> &Duplicates {
        &self.inner.duplicates
    }

    /// Trains the duplicate model on the registry and builds the index on a background task, so the
    /// server answers at once (pages say the index is being prepared until it is ready).
    pub fn start_duplicate_index(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match DuplicateIndex::build_trained(state.store()).await {
                Ok((index, source)) => {
                    log_source(source, index.len(), started.elapsed());
                    state.install_duplicates(index).await;
                }
                Err(e) => tracing::error!(error = %e, "duplicate index not built"),
            }
        })
    }

    /// Puts a built index in place, with the households saved meanwhile.
    pub async fn install_duplicates(&self, mut index: DuplicateIndex) {
        let mut slot = self.inner.duplicates.write().await;
        for id in std::mem::take(&mut slot.pending) {
            if let Ok(Some(stored)) = self.store().registry_household(id).await {
                reindex(&mut index, &stored.household, stored.state);
            }
        }
        slot.index = Some(index);
    }

    /// Brings the index up to date with a household just saved through the web or offline sync.
    pub async fn reindex_household(&self, id: Uuid) {
        // Read before locking, so checks are not held up by the store.
        let stored = match self.store().registry_household(id).await {
            Ok(Some(s)) => s,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "household not re-indexed for duplicates");
                return;
            }
        };
        let mut slot = self.inner.duplicates.write().await;
        match slot.index.as_mut() {
            Some(index) => reindex(index, &stored.household, stored.state),
            None => slot.pending.push(id),
        }
    }

    /// The vouchers' signer (`[payments] voucher_key_file`, created on first use).
    pub fn voucher_signer(
        &self,
    ) -> Result<Arc<tepat_payments::voucher::VoucherSigner>, std::io::Error> {
        let mut slot = self
            .inner
            .voucher_signer
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(signer) = slot.as_ref() {
            return Ok(signer.clone());
        }
        let key = crate::api::keys::load_or_create_voucher_key(
            &self.inner.config.payments.voucher_key_file,
        )?;
        let signer = Arc::new(tepat_payments::voucher::VoucherSigner::new(key));
        *slot = Some(signer.clone());
        Ok(signer)
    }

    /// The public keys vouchers are verified with (today: the one signing key's).
    pub fn voucher_keys(&self) -> Result<tepat_payments::voucher::VoucherKeys, std::io::Error> {
        let mut keys = tepat_payments::voucher::VoucherKeys::new();
        keys.insert(self.voucher_signer()?.verifying_key());
        Ok(keys)
    }

    /// The e-wallet providers' keys: `[[payments.ewallet]]`, or [`AppState::set_ewallet_keys`].
    pub fn ewallet_keys(&self) -> Arc<tepat_payments::ewallet::ProviderKeys> {
        self.inner
            .ewallet_keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the e-wallet providers whose callbacks are accepted.
    pub fn set_ewallet_keys(&self, keys: tepat_payments::ewallet::ProviderKeys) {
        *self
            .inner
            .ewallet_keys
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// How long officers have to answer citizens' objections (`[registry] objection_answer_days`).
    pub fn reply_settings(&self) -> tepat_core::intake::citizen::ReplySettings {
        tepat_core::intake::citizen::ReplySettings {
            answer_within_days: self.inner.config.registry.objection_answer_days.into(),
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The official region codes and names (kode wilayah).
    pub fn regions(&self) -> &'static RegionTable {
        self.inner.regions
    }
}

/// Only proposed and active households can be someone's duplicate.
fn reindex(index: &mut DuplicateIndex, h: &RegistryHousehold, state: HouseholdState) {
    match state {
        HouseholdState::Proposed | HouseholdState::Active => index.upsert(h),
        _ => index.remove(h),
    }
}

/// Counts only: no personal data in the log.
fn log_source(source: ModelSource, members: usize, took: std::time::Duration) {
    match source {
        ModelSource::Registry { trained_on } => tracing::info!(
            members,
            trained_on,
            seconds = took.as_secs_f64(),
            "duplicate index ready, model trained on the registry"
        ),
        ModelSource::Builtin { members: active } => tracing::info!(
            members,
            seconds = took.as_secs_f64(),
            "duplicate index ready with the builtin model: {active} active members are too few to train on"
        ),
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
