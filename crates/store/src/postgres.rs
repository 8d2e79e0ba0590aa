//! The production backend: PostgreSQL (or a PostgreSQL-compatible distributed engine).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::Connection;
use tepat_crypto::Keyring;

use crate::error::StoreError;
use crate::migrations;
use crate::registry::sealing::RegistrySealer;
use crate::sealing::PopulationSealer;

const MAX_CONNECTIONS: u32 = 16;
/// How long to wait for the server before saying it is unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct PostgresStore {
    pool: PgPool,
    sealer: PopulationSealer,
    /// Seals and indexes registry rows (`crate::registry`).
    registry: RegistrySealer,
}

impl PostgresStore {
    pub(crate) async fn connect(
        url: &str,
        keyring: Arc<Keyring>,
    ) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::InvalidUrl {
            reason: without_url(&e),
        })?;
        let target = format!("{}:{}", options.get_host(), options.get_port());
        // One direct connection first: the pool would retry a refused connection until its timeout,
        // while a single attempt says at once that nobody is listening.
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| connect_error(target.clone(), sqlx::Error::PoolTimedOut))?
            .map_err(|e| connect_error(target.clone(), e))?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| connect_error(target, e))?;
        Ok(PostgresStore {
            pool,
            registry: RegistrySealer::new(keyring.clone()),
            sealer: PopulationSealer::new(keyring),
        })
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        migrations::postgres()
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migrate {
                reason: e.to_string(),
            })
    }
}

/// A URL parse error's message; sqlx's own messages do not repeat the URL, but be sure.
fn without_url(e: &sqlx::Error) -> String {
    let text = e.to_string();
    if text.contains("://") {
        "it cannot be parsed".into()
    } else {
        text
    }
}

/// Tells "nobody answers" (start the server, fix host/port) from "the server said no" (fix credentials).
fn connect_error(target: String, e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(db) => StoreError::PostgresRefused {
            target,
            reason: db.message().to_owned(),
        },
        sqlx::Error::Io(io) => StoreError::PostgresUnreachable {
            target,
            reason: io.to_string(),
        },
        sqlx::Error::PoolTimedOut => StoreError::PostgresUnreachable {
            target,
            reason: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
        },
        other => StoreError::PostgresUnreachable {
            target,
            reason: other.to_string(),
        },
    }
}

mod accounts {
    crate::account_sql::account_impl!(sqlx::Postgres, super::PostgresStore);
}

mod intake {
    crate::intake_sql::intake_impl!(sqlx::Postgres, super::PostgresStore);
}

mod passkeys {
    crate::passkey_sql::passkey_impl!(sqlx::Postgres, super::PostgresStore);
}

mod photos {
    crate::photo_sql::photo_impl!(sqlx::Postgres, super::PostgresStore);
}

mod opendata {
    crate::opendata_sql::opendata_impl!(sqlx::Postgres, super::PostgresStore);
}

mod announcements {
    crate::announcement_sql::announcement_impl!(sqlx::Postgres, super::PostgresStore);
}

mod portal_status {
    crate::portal_status_sql::portal_status_impl!(sqlx::Postgres, super::PostgresStore);
}

mod agencies {
    crate::agency_sql::agency_impl!(sqlx::Postgres, super::PostgresStore);
}

mod reseal {
    crate::reseal::reseal_impl!(sqlx::Postgres, super::PostgresStore);
}

mod registry {
    crate::registry::backend::registry_impl!(sqlx::Postgres, super::PostgresStore);
}

mod targeting {
    crate::targeting_facts_sql::targeting_impl!(
        sqlx::Postgres,
        super::PostgresStore,
        crate::sql::Placeholders::Numbered
    );
}

mod distribution {
    crate::distribution_sql::distribution_impl!(
        sqlx::Postgres,
        super::PostgresStore,
        crate::sql::Placeholders::Numbered,
        unnest
    );
}

mod targeting_runs {
    crate::targeting_runs_sql::targeting_runs_impl!(sqlx::Postgres, super::PostgresStore, true);
}

mod handovers {
    crate::handover_sql::handover_impl!(
        sqlx::Postgres,
        super::PostgresStore,
        crate::sql::Placeholders::Numbered
    );
}

mod distribution_ledger {
    crate::distribution_ledger::distribution_ledger_impl!(sqlx::Postgres, super::PostgresStore);
}

mod distribution_premium {
    crate::distribution_premium::distribution_premium_impl!(sqlx::Postgres, super::PostgresStore);
}

mod feedback {
    crate::feedback_sql::feedback_impl!(sqlx::Postgres, super::PostgresStore);
}

mod notify {
    crate::notify_sql::notify_impl!(sqlx::Postgres, super::PostgresStore);
}

mod monitoring {
    crate::monitoring_sql::monitoring_impl!(
        sqlx::Postgres,
        super::PostgresStore,
        crate::monitoring_sql::fast_merchant_postgres
    );
}

mod shared {
    crate::shared::store_impl!(
        sqlx::Postgres,
        super::PostgresStore,
        Backend::Postgres,
        crate::sql::Placeholders::Numbered
    );
    crate::shared::import_impl!(
        sqlx::Postgres,
        super::PostgresStore,
        PostgresImport,
        crate::sql::Placeholders::Numbered,
        crate::sql::POSTGRES_DEFERRED_INDEXES
    );
}
