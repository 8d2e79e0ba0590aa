//! What every command needs: the settings (command line > environment > config file > defaults), the
//! keyring and the store.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tepat_crypto::Keyring;
use tepat_store::Store;
use tepat_web::{ConfigOverrides, ServerConfig};

use crate::cli::GlobalArgs;

/// The keyring's text (the key file's content) for deployments that pass secrets in the environment
/// rather than as files. When set, it wins over `--key-file`.
pub const KEYS_ENV: &str = "TEPAT_KEYS";

pub struct Context {
    pub config: ServerConfig,
}

impl Context {
    pub fn load(global: &GlobalArgs, listen: Option<SocketAddr>) -> anyhow::Result<Context> {
        let overrides = ConfigOverrides {
            listen,
            database_url: global.database.clone(),
            key_file: global.key_file.clone(),
            log_level: global.log.clone(),
            ..ConfigOverrides::default()
        };
        let config = ServerConfig::load(global.config.as_deref(), overrides)?;
        Ok(Context { config })
    }

    /// Sets up logging to stderr at the configured level.
    pub fn init_logging(&self) -> anyhow::Result<()> {
        tepat_web::init_tracing(&self.config.log.level, self.config.log.format)?;
        Ok(())
    }

    /// The keyring from `TEPAT_KEYS` if set, else from the key file, created (owner-readable only) on
    /// first use.
    pub fn keyring(&self) -> anyhow::Result<Arc<Keyring>> {
        if let Ok(text) = std::env::var(KEYS_ENV) {
            let ring = Keyring::from_toml(&text).map_err(|reason| {
                anyhow::anyhow!("{KEYS_ENV} does not hold a valid keyring: {reason}")
            })?;
            return Ok(Arc::new(ring));
        }
        let path = &self.config.key_file;
        let existed = path.exists();
        let ring = Keyring::load_or_create(path)?;
        if !existed {
            tracing::warn!(
                key_file = %path.display(),
                "created a new key file: back it up and keep it apart from database backups"
            );
        }
        Ok(Arc::new(ring))
    }

    /// Connects to the configured database (it is not migrated here).
    pub async fn store(&self) -> anyhow::Result<Arc<dyn Store>> {
        let keyring = self.keyring()?;
        tepat_store::connect(&self.config.database_url, keyring)
            .await
            .with_context(|| {
                format!(
                    "cannot open the database {}",
                    self.config.database_url_redacted()
                )
            })
    }

    /// Connects and brings the schema up to date.
    pub async fn migrated_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        let store = self.store().await?;
        store
            .migrate()
            .await
            .context("cannot migrate the database")?;
        Ok(store)
    }
}
