//! Re-encrypting sealed values under the active key, after `tepat admin rotate-keys` has added a new one.
//!
//! Every sealed column of every table is listed in [`SEALED`]; a value is re-sealed when the key id in its
//! header is not the active key. Tables are walked in `(village_code, id)` order (their key, so the walk is
//! an index scan), a batch per transaction, and each update only applies if the value is still the one
//! read: an interrupted run leaves every row readable (under the old or the new key) and a second run
//! finishes it. Old keys can be retired once [`KeyMaintenance::key_usage`] shows nothing under them.

use std::collections::BTreeMap;

use tepat_crypto::KeyId;

use crate::error::StoreError;

/// A table with sealed columns. The associated data of each value is (table, column, row id), so table
/// and column names here are the ones the sealers use.
pub(crate) struct SealedTable {
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

/// Every sealed column in the schema. A test checks this against the migrations, so a new sealed column
/// cannot be forgotten here.
pub(crate) const SEALED: &[SealedTable] = &[
    SealedTable {
        table: "population_person",
        columns: &["nik_sealed", "kk_sealed"],
    },
    SealedTable {
        table: "registry_household",
        columns: &["kk_sealed", "details_sealed"],
    },
    SealedTable {
        table: "registry_member",
        columns: &["nik_sealed", "details_sealed"],
    },
    SealedTable {
        table: "registry_request",
        columns: &["submission_sealed"],
    },
    SealedTable {
        table: "registry_photo",
        columns: &["image_sealed"],
    },
    SealedTable {
        table: "intake_tip",
        columns: &["details_sealed"],
    },
    SealedTable {
        table: "intake_objection",
        columns: &["details_sealed"],
    },
    SealedTable {
        table: "intake_reply",
        columns: &["reply_sealed"],
    },
    SealedTable {
        table: "targeting_appeal",
        columns: &["grounds_sealed"],
    },
    SealedTable {
        table: "agency_callback",
        columns: &["body_sealed"],
    },
    SealedTable {
        table: "account_link",
        columns: &["address_sealed"],
    },
    SealedTable {
        table: "complaint",
        columns: &["ticket_sealed", "text_sealed", "contact_sealed"],
    },
    SealedTable {
        table: "complaint_event",
        columns: &["note_sealed"],
    },
    SealedTable {
        table: "rating",
        columns: &["comment_sealed"],
    },
];

/// Sealed columns the walk above cannot re-seal yet: the notification tables (migration 22) are keyed
/// by household and channel, not `(village_code, id)`, and seal under `address_sealed/<channel>`.
/// Until the walk learns them, a key must not be retired while contacts sealed under it exist
/// (`docs/configuration.md`, "Rotating keys"); households would have to give their contacts again.
#[cfg(test)]
pub(crate) const NOT_RESEALED_YET: &[(&str, &str)] = &[
    ("notify_contact", "address_sealed"),
    ("notify_delivery", "address_sealed"),
];

/// Rows per transaction.
pub(crate) const BATCH_ROWS: i64 = 2000;

/// What a re-seal did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResealReport {
    /// Sealed values looked at.
    pub values: u64,
    /// Of which re-sealed under the active key.
    pub resealed: u64,
}

/// Key maintenance over all sealed values.
#[async_trait::async_trait]
pub trait KeyMaintenance: Send + Sync {
    /// How many stored values each key id seals (keys sealing nothing are absent).
    async fn key_usage(&self) -> Result<BTreeMap<KeyId, u64>, StoreError>;

    /// Re-seals every value not under the store keyring's active key. `progress` is called with the
    /// number of values looked at so far, after each batch.
    async fn reseal(
        &self,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ResealReport, StoreError>;
}

/// `SELECT village_code, id, <columns>` of the next batch after `(village_code, id)` = ($1, $2).
pub(crate) fn select_after(t: &SealedTable) -> String {
    format!(
        "SELECT village_code, id, {cols} FROM {table} \
         WHERE village_code > $1 OR (village_code = $1 AND id > $2) \
         ORDER BY village_code, id LIMIT $3",
        cols = t.columns.join(", "),
        table = t.table
    )
}

/// The first batch.
pub(crate) fn select_first(t: &SealedTable) -> String {
    format!(
        "SELECT village_code, id, {cols} FROM {table} ORDER BY village_code, id LIMIT $1",
        cols = t.columns.join(", "),
        table = t.table
    )
}

/// Replaces one value if it is still the one read.
pub(crate) fn update(t: &SealedTable, column: &str) -> String {
    format!(
        "UPDATE {table} SET {column} = $1 WHERE village_code = $2 AND id = $3 AND {column} = $4",
        table = t.table
    )
}

macro_rules! reseal_impl {
    ($db:ty, $store:ty) => {
        use std::collections::BTreeMap;

        use sqlx::Row as _;
        use tepat_crypto::{Aad, KeyId, Keyring};
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::reseal::{
            select_after, select_first, update, KeyMaintenance, ResealReport, SealedTable,
            BATCH_ROWS, SEALED,
        };

        type DbRow = <$db as sqlx::Database>::Row;

        /// One batch of a table: (village, id, sealed values in column order).
        type Batch = Vec<(String, Uuid, Vec<Vec<u8>>)>;

        impl $store {
            async fn sealed_batch(
                &self,
                table: &SealedTable,
                after: Option<&(String, Uuid)>,
            ) -> Result<Batch, StoreError> {
                let rows: Vec<DbRow> = match after {
                    None => {
                        sqlx::query(&select_first(table))
                            .bind(BATCH_ROWS)
                            .fetch_all(&self.pool)
                            .await
                    }
                    Some((village, id)) => {
                        sqlx::query(&select_after(table))
                            .bind(village.clone())
                            .bind(*id)
                            .bind(BATCH_ROWS)
                            .fetch_all(&self.pool)
                            .await
                    }
                }
                .map_err(StoreError::db("reading sealed values"))?;
                rows.iter()
                    .map(|row| {
                        let corrupt = |e: sqlx::Error| StoreError::Corrupt {
                            what: format!("{}: {e}", table.table),
                        };
                        let village: String = row.try_get("village_code").map_err(corrupt)?;
                        let id: Uuid = row.try_get("id").map_err(corrupt)?;
                        let values = table
                            .columns
                            .iter()
                            .map(|c| row.try_get::<Vec<u8>, _>(*c).map_err(corrupt))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok((village, id, values))
                    })
                    .collect()
            }

            /// Re-seals what in `batch` is not under the active key, in one transaction.
            async fn reseal_batch(
                &self,
                keyring: &Keyring,
                table: &SealedTable,
                batch: &Batch,
            ) -> Result<u64, StoreError> {
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("starting a re-seal"))?;
                let mut resealed = 0;
                for (village, id, values) in batch {
                    for (column, sealed) in table.columns.iter().zip(values) {
                        if Keyring::key_of(sealed) == Some(keyring.active_key()) {
                            continue;
                        }
                        let aad = Aad {
                            table: table.table,
                            column,
                            row: id.as_bytes(),
                        };
                        let plain = keyring
                            .open(&aad, sealed)
                            .map_err(|_| StoreError::Undecryptable { what: column })?;
                        let fresh = keyring.seal(&aad, &plain);
                        sqlx::query(&update(table, column))
                            .bind(fresh)
                            .bind(village.clone())
                            .bind(*id)
                            .bind(sealed.clone())
                            .execute(&mut *tx)
                            .await
                            .map_err(StoreError::db("re-sealing a value"))?;
                        resealed += 1;
                    }
                }
                tx.commit()
                    .await
                    .map_err(StoreError::db("committing a re-seal"))?;
                Ok(resealed)
            }
        }

        #[async_trait::async_trait]
        impl KeyMaintenance for $store {
            async fn key_usage(&self) -> Result<BTreeMap<KeyId, u64>, StoreError> {
                let mut usage = BTreeMap::new();
                for table in SEALED {
                    let mut after = None;
                    loop {
                        let batch = self.sealed_batch(table, after.as_ref()).await?;
                        for (_, _, values) in &batch {
                            for sealed in values {
                                let key = Keyring::key_of(sealed).ok_or(StoreError::Corrupt {
                                    what: format!("a sealed value in {}", table.table),
                                })?;
                                *usage.entry(key).or_insert(0) += 1;
                            }
                        }
                        match batch.last() {
                            Some((village, id, _)) => after = Some((village.clone(), *id)),
                            None => break,
                        }
                    }
                }
                Ok(usage)
            }

            async fn reseal(
                &self,
                progress: &(dyn Fn(u64) + Send + Sync),
            ) -> Result<ResealReport, StoreError> {
                let keyring = self.sealer.keyring().clone();
                let mut report = ResealReport::default();
                for table in SEALED {
                    let mut after = None;
                    loop {
                        let batch = self.sealed_batch(table, after.as_ref()).await?;
                        let Some((village, id, _)) = batch.last() else {
                            break;
                        };
                        after = Some((village.clone(), *id));
                        report.resealed += self.reseal_batch(&keyring, table, &batch).await?;
                        report.values += (batch.len() * table.columns.len()) as u64;
                        progress(report.values);
                    }
                }
                tracing::info!(
                    values = report.values,
                    resealed = report.resealed,
                    active_key = keyring.active_key(),
                    "sealed values re-sealed under the active key"
                );
                Ok(report)
            }
        }
    };
}
pub(crate) use reseal_impl;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `…_sealed` column in the migrations of both backends is listed in [`SEALED`].
    #[test]
    fn every_sealed_column_of_the_schema_is_listed() {
        for sql in crate::migrations::all_sql() {
            let mut table = "";
            for line in sql.lines() {
                let line = line.trim();
                if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                    table = rest.split_whitespace().next().unwrap_or("");
                    // SQLite changes a table's checks by rebuilding it as `<table>_new` and renaming
                    // that to `<table>` (e.g. migration 18): its columns are the table's.
                    table = table.strip_suffix("_new").unwrap_or(table);
                }
                let Some(column) = line
                    .split_whitespace()
                    .next()
                    .filter(|c| c.ends_with("_sealed"))
                else {
                    continue;
                };
                let listed = SEALED
                    .iter()
                    .any(|t| t.table == table && t.columns.contains(&column))
                    || NOT_RESEALED_YET.contains(&(table, column));
                assert!(
                    listed,
                    "{table}.{column} is sealed but not in reseal::SEALED"
                );
            }
        }
    }
}
