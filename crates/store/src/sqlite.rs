//! The embedded backend: one SQLite file (bundled SQLite), write-ahead log, foreign keys on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tepat_crypto::Keyring;

use crate::error::StoreError;
use crate::migrations;
use crate::registry::sealing::RegistrySealer;
use crate::sealing::PopulationSealer;

/// How long a writer waits for another writer's lock before giving up with [`StoreError::Busy`].
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Page cache per connection (negative = KiB): 32 MiB serves the web pages' queries.
const CACHE_KIB: &str = "-32768";
/// Readers run beside the one writer in WAL mode; a handful of connections is plenty for one office.
const MAX_CONNECTIONS: u32 = 4;

pub(crate) struct SqliteStore {
    pool: SqlitePool,
    /// The database file, for imports: they run on a connection of their own (see `sqlite_import`).
    pub(crate) path: PathBuf,
    pub(crate) sealer: PopulationSealer,
    /// Seals and indexes registry rows (`crate::registry`).
    registry: RegistrySealer,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path`.
    pub(crate) async fn open(
        path: &Path,
        keyring: Arc<Keyring>,
    ) -> Result<SqliteStore, StoreError> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(StoreError::SqliteOpen {
                    path: shown,
                    reason: format!("directory {} does not exist", dir.display()),
                });
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the
            // last commits, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("cache_size", CACHE_KIB)
            .page_size(8192);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::SqliteOpen {
                path: shown,
                reason: open_reason(&e),
            })?;
        Ok(SqliteStore {
            pool,
            path: path.to_owned(),
            registry: RegistrySealer::new(keyring.clone()),
            sealer: PopulationSealer::new(keyring),
        })
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        migrations::sqlite()
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migrate {
                reason: e.to_string(),
            })
    }
}

/// The driver's words for why a file did not open, without the SQL error-code noise.
fn open_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

mod accounts {
    crate::account_sql::account_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod intake {
    crate::intake_sql::intake_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod passkeys {
    crate::passkey_sql::passkey_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod photos {
    crate::photo_sql::photo_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod opendata {
    crate::opendata_sql::opendata_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod announcements {
    crate::announcement_sql::announcement_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod portal_status {
    crate::portal_status_sql::portal_status_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod agencies {
    crate::agency_sql::agency_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod reseal {
    crate::reseal::reseal_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod registry {
    crate::registry::backend::registry_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod targeting {
    crate::targeting_facts_sql::targeting_impl!(
        sqlx::Sqlite,
        super::SqliteStore,
        crate::sql::Placeholders::Anonymous,
        |s: &super::SqliteStore| Some(s.path.clone())
    );
}

mod distribution {
    crate::distribution_sql::distribution_impl!(
        sqlx::Sqlite,
        super::SqliteStore,
        crate::sql::Placeholders::Anonymous,
        multirow
    );
}

mod targeting_runs {
    crate::targeting_runs_sql::targeting_runs_impl!(sqlx::Sqlite, super::SqliteStore, false);
}

mod handovers {
    crate::handover_sql::handover_impl!(
        sqlx::Sqlite,
        super::SqliteStore,
        crate::sql::Placeholders::Anonymous
    );
}

mod distribution_ledger {
    crate::distribution_ledger::distribution_ledger_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod distribution_premium {
    crate::distribution_premium::distribution_premium_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod feedback {
    crate::feedback_sql::feedback_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod notify {
    crate::notify_sql::notify_impl!(sqlx::Sqlite, super::SqliteStore);
}

mod monitoring {
    crate::monitoring_sql::monitoring_impl!(
        sqlx::Sqlite,
        super::SqliteStore,
        crate::monitoring_sql::fast_merchant_sqlite
    );
}

mod shared {
    crate::shared::store_impl!(
        sqlx::Sqlite,
        super::SqliteStore,
        Backend::Sqlite,
        crate::sql::Placeholders::Anonymous
    );
}
