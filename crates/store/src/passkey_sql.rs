//! The SQL of [`crate::PasskeyStore`], shared by both backends, and `passkey_impl!`, which implements the
//! trait for a store type with a field `pool: sqlx::Pool<$db>` (the pattern of `account_sql.rs`).

pub(crate) const PASSKEY_COLUMNS: &str =
    "credential_id, account_id, static_state, dynamic_state, name, created_at, last_used_at";

pub(crate) const INSERT_PASSKEY: &str = "INSERT INTO account_passkey (credential_id, account_id, \
     static_state, dynamic_state, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const RECORD_USE: &str =
    "UPDATE account_passkey SET dynamic_state = $2, last_used_at = $3 WHERE credential_id = $1";

pub(crate) const REMOVE: &str =
    "DELETE FROM account_passkey WHERE account_id = $1 AND credential_id = $2";

pub(crate) const REMOVE_ALL: &str = "DELETE FROM account_passkey WHERE account_id = $1";

macro_rules! passkey_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use uuid::Uuid;

        use $crate::account::{Account, AccountStore as _};
        use $crate::error::StoreError;
        use $crate::passkey::{NewPasskey, Passkey, PasskeyStore};
        use $crate::passkey_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn passkey_from_row(row: &DbRow) -> Result<Passkey, StoreError> {
            Ok(Passkey {
                credential_id: get(row, "credential_id")?,
                account_id: get(row, "account_id")?,
                static_state: get(row, "static_state")?,
                dynamic_state: get(row, "dynamic_state")?,
                name: get(row, "name")?,
                created_at: get(row, "created_at")?,
                last_used_at: get(row, "last_used_at")?,
            })
        }

        /// Microseconds, the precision PostgreSQL keeps, so both backends return what was written.
        fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        #[async_trait::async_trait]
        impl PasskeyStore for $store {
            async fn add_passkey(
                &self,
                new: &NewPasskey,
                now: DateTime<Utc>,
            ) -> Result<Passkey, StoreError> {
                let now = micros(now);
                let result = sqlx::query(sql::INSERT_PASSKEY)
                    .bind(new.credential_id.as_slice())
                    .bind(new.account_id)
                    .bind(new.static_state.as_slice())
                    .bind(new.dynamic_state.as_slice())
                    .bind(new.name.as_str())
                    .bind(now)
                    .execute(&self.pool)
                    .await;
                if let Err(sqlx::Error::Database(db)) = &result {
                    if db.is_unique_violation() {
                        return Err(StoreError::PasskeyTaken);
                    }
                }
                result.map_err(StoreError::db("adding a passkey"))?;
                Ok(Passkey {
                    credential_id: new.credential_id.clone(),
                    account_id: new.account_id,
                    static_state: new.static_state.clone(),
                    dynamic_state: new.dynamic_state.clone(),
                    name: new.name.clone(),
                    created_at: now,
                    last_used_at: None,
                })
            }

            async fn passkeys_of(&self, account: Uuid) -> Result<Vec<Passkey>, StoreError> {
                let text = format!(
                    "SELECT {} FROM account_passkey WHERE account_id = $1 \
                     ORDER BY created_at, credential_id",
                    sql::PASSKEY_COLUMNS
                );
                sqlx::query(&text)
                    .bind(account)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing passkeys"))?
                    .iter()
                    .map(passkey_from_row)
                    .collect()
            }

            async fn passkey(
                &self,
                credential_id: &[u8],
            ) -> Result<Option<(Passkey, Account)>, StoreError> {
                let text = format!(
                    "SELECT {} FROM account_passkey WHERE credential_id = $1",
                    sql::PASSKEY_COLUMNS
                );
                let Some(passkey) = sqlx::query(&text)
                    .bind(credential_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a passkey"))?
                    .map(|r| passkey_from_row(&r))
                    .transpose()?
                else {
                    return Ok(None);
                };
                let account = self
                    .account_by_id(passkey.account_id)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt {
                        what: "a passkey belongs to no account".into(),
                    })?;
                Ok(Some((passkey, account)))
            }

            async fn record_passkey_use(
                &self,
                credential_id: &[u8],
                dynamic_state: &[u8],
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(sql::RECORD_USE)
                    .bind(credential_id)
                    .bind(dynamic_state)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording a passkey sign-in"))?
                    .rows_affected()
                    > 0)
            }

            async fn remove_passkey(
                &self,
                account: Uuid,
                credential_id: &[u8],
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(sql::REMOVE)
                    .bind(account)
                    .bind(credential_id)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("removing a passkey"))?
                    .rows_affected()
                    > 0)
            }

            async fn remove_passkeys_of(&self, account: Uuid) -> Result<u64, StoreError> {
                Ok(sqlx::query(sql::REMOVE_ALL)
                    .bind(account)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("removing passkeys"))?
                    .rows_affected())
            }
        }
    };
}

pub(crate) use passkey_impl;
