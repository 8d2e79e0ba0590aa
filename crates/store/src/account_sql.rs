//! The SQL of [`crate::AccountStore`], shared by both backends, and `account_impl!`, which implements the
//! trait for a store type with a field `pool: sqlx::Pool<$db>` (the same pattern as `shared.rs`).

pub(crate) const ACCOUNT_COLUMNS: &str = "id, username, display_name, role, scope_region, \
     password_hash, disabled, failed_sign_ins, locked_until, last_sign_in_at, created_at, updated_at";

pub(crate) const INSERT_ACCOUNT: &str = "INSERT INTO account (id, username, display_name, role, \
     scope_region, password_hash, disabled, failed_sign_ins, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8)";

pub(crate) const SET_PASSWORD: &str =
    "UPDATE account SET password_hash = $2, failed_sign_ins = 0, \
     locked_until = NULL, updated_at = $3 WHERE id = $1";

pub(crate) const UPGRADE_HASH: &str =
    "UPDATE account SET password_hash = $2, updated_at = $3 WHERE id = $1";

pub(crate) const LOCK: &str = "UPDATE account SET disabled = $2, updated_at = $3 WHERE id = $1";

pub(crate) const UNLOCK: &str = "UPDATE account SET disabled = $2, failed_sign_ins = 0, \
     locked_until = NULL, updated_at = $3 WHERE id = $1";

/// Both dialects evaluate every right-hand side against the row as it was, so the two `CASE`s agree.
pub(crate) const FAILED_SIGN_IN: &str = "UPDATE account SET \
     failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $2 THEN 0 ELSE failed_sign_ins + 1 END, \
     locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until END \
     WHERE id = $1";

pub(crate) const SIGNED_IN: &str = "UPDATE account SET failed_sign_ins = 0, locked_until = NULL, \
     last_sign_in_at = $2 WHERE id = $1";

pub(crate) const INSERT_SESSION: &str = "INSERT INTO account_session \
     (token_hash, account_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)";

pub(crate) const SESSION: &str = "SELECT s.created_at AS session_created_at, \
     s.last_seen_at AS session_last_seen_at, a.id, a.username, a.display_name, a.role, a.scope_region, \
     a.password_hash, a.disabled, a.failed_sign_ins, a.locked_until, a.last_sign_in_at, a.created_at, \
     a.updated_at FROM account_session s JOIN account a ON a.id = s.account_id WHERE s.token_hash = $1";

pub(crate) const TOUCH_SESSION: &str =
    "UPDATE account_session SET last_seen_at = $2 WHERE token_hash = $1";

pub(crate) const DELETE_SESSION: &str = "DELETE FROM account_session WHERE token_hash = $1";

pub(crate) const DELETE_SESSIONS_OF: &str = "DELETE FROM account_session WHERE account_id = $1";

pub(crate) const DELETE_STALE_SESSIONS: &str =
    "DELETE FROM account_session WHERE last_seen_at < $1 OR created_at < $2";

macro_rules! account_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use tepat_domain::{RegionCode, Role, Scope};
        use uuid::Uuid;

        use $crate::account::{
            Account, AccountStore, Lockout, NewAccount, StoredSession, TokenHash,
        };
        use $crate::account_sql as sql;
        use $crate::error::StoreError;

        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn account_from_row(row: &DbRow) -> Result<Account, StoreError> {
            let role: String = get(row, "role")?;
            let scope: Option<String> = get(row, "scope_region")?;
            let scope = match scope {
                None => Scope::All,
                Some(code) => {
                    Scope::Within(RegionCode::parse(&code).map_err(|_| StoreError::Corrupt {
                        what: "column scope_region is not a region code".into(),
                    })?)
                }
            };
            let failed: i32 = get(row, "failed_sign_ins")?;
            Ok(Account {
                id: get(row, "id")?,
                username: get(row, "username")?,
                display_name: get(row, "display_name")?,
                role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                    what: "column role holds an unknown role".into(),
                })?,
                scope,
                password_hash: get(row, "password_hash")?,
                disabled: get(row, "disabled")?,
                failed_sign_ins: u32::try_from(failed).unwrap_or(0),
                locked_until: get(row, "locked_until")?,
                last_sign_in_at: get(row, "last_sign_in_at")?,
                created_at: get(row, "created_at")?,
                updated_at: get(row, "updated_at")?,
            })
        }

        /// Microseconds, the precision PostgreSQL keeps, so both backends return what was written.
        fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        fn scope_column(scope: &Scope) -> Option<String> {
            match scope {
                Scope::All => None,
                Scope::Within(region) => Some(region.plain().to_owned()),
            }
        }

        #[async_trait::async_trait]
        impl AccountStore for $store {
            async fn create_account(
                &self,
                new: &NewAccount,
                now: DateTime<Utc>,
            ) -> Result<Account, StoreError> {
                let id = Uuid::now_v7();
                let now = micros(now);
                let result = sqlx::query(sql::INSERT_ACCOUNT)
                    .bind(id)
                    .bind(new.username.as_str())
                    .bind(new.display_name.as_str())
                    .bind(new.role.code())
                    .bind(scope_column(&new.scope))
                    .bind(new.password_hash.as_str())
                    .bind(false)
                    .bind(now)
                    .execute(&self.pool)
                    .await;
                if let Err(sqlx::Error::Database(db)) = &result {
                    if db.is_unique_violation() {
                        return Err(StoreError::UsernameTaken {
                            username: new.username.clone(),
                        });
                    }
                    if db.is_foreign_key_violation() {
                        return Err(StoreError::UnknownRegion {
                            region: new.scope.code(),
                        });
                    }
                }
                result.map_err(StoreError::db("creating an account"))?;
                self.account_by_id(id)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt {
                        what: "the account just created cannot be read back".into(),
                    })
            }

            async fn account_by_username(
                &self,
                username: &str,
            ) -> Result<Option<Account>, StoreError> {
                let text = format!(
                    "SELECT {} FROM account WHERE username = $1",
                    sql::ACCOUNT_COLUMNS
                );
                sqlx::query(&text)
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an account"))?
                    .map(|r| account_from_row(&r))
                    .transpose()
            }

            async fn account_by_id(&self, id: Uuid) -> Result<Option<Account>, StoreError> {
                let text = format!("SELECT {} FROM account WHERE id = $1", sql::ACCOUNT_COLUMNS);
                sqlx::query(&text)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an account"))?
                    .map(|r| account_from_row(&r))
                    .transpose()
            }

            async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
                let text = format!(
                    "SELECT {} FROM account ORDER BY username",
                    sql::ACCOUNT_COLUMNS
                );
                sqlx::query(&text)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing accounts"))?
                    .iter()
                    .map(account_from_row)
                    .collect()
            }

            async fn set_password(
                &self,
                id: Uuid,
                password_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                const ACTION: &str = "changing a password";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let changed = sqlx::query(sql::SET_PASSWORD)
                    .bind(id)
                    .bind(password_hash)
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .rows_affected();
                sqlx::query(sql::DELETE_SESSIONS_OF)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(changed > 0)
            }

            async fn upgrade_password_hash(
                &self,
                id: Uuid,
                password_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(sql::UPGRADE_HASH)
                    .bind(id)
                    .bind(password_hash)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("upgrading a password hash"))?
                    .rows_affected()
                    > 0)
            }

            async fn set_disabled(
                &self,
                id: Uuid,
                disabled: bool,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                const ACTION: &str = "locking or unlocking an account";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let changed = sqlx::query(if disabled { sql::LOCK } else { sql::UNLOCK })
                    .bind(id)
                    .bind(disabled)
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .rows_affected();
                if disabled {
                    sqlx::query(sql::DELETE_SESSIONS_OF)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                }
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(changed > 0)
            }

            async fn record_failed_sign_in(
                &self,
                id: Uuid,
                now: DateTime<Utc>,
                lockout: Lockout,
            ) -> Result<(), StoreError> {
                let after = i32::try_from(lockout.after_failures.max(1)).unwrap_or(i32::MAX);
                sqlx::query(sql::FAILED_SIGN_IN)
                    .bind(id)
                    .bind(after)
                    .bind(micros(now + lockout.duration))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("counting a failed sign-in"))?;
                Ok(())
            }

            async fn record_sign_in(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query(sql::SIGNED_IN)
                    .bind(id)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording a sign-in"))?;
                Ok(())
            }

            async fn create_session(
                &self,
                token_hash: &TokenHash,
                account: Uuid,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(sql::INSERT_SESSION)
                    .bind(&token_hash[..])
                    .bind(account)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("starting a session"))?;
                Ok(())
            }

            async fn session(
                &self,
                token_hash: &TokenHash,
            ) -> Result<Option<StoredSession>, StoreError> {
                let Some(row) = sqlx::query(sql::SESSION)
                    .bind(&token_hash[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a session"))?
                else {
                    return Ok(None);
                };
                Ok(Some(StoredSession {
                    account: account_from_row(&row)?,
                    created_at: get(&row, "session_created_at")?,
                    last_seen_at: get(&row, "session_last_seen_at")?,
                }))
            }

            async fn touch_session(
                &self,
                token_hash: &TokenHash,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(sql::TOUCH_SESSION)
                    .bind(&token_hash[..])
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("updating a session"))?;
                Ok(())
            }

            async fn delete_session(&self, token_hash: &TokenHash) -> Result<(), StoreError> {
                sqlx::query(sql::DELETE_SESSION)
                    .bind(&token_hash[..])
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("ending a session"))?;
                Ok(())
            }

            async fn delete_sessions_of(&self, account: Uuid) -> Result<u64, StoreError> {
                Ok(sqlx::query(sql::DELETE_SESSIONS_OF)
                    .bind(account)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("ending sessions"))?
                    .rows_affected())
            }

            async fn delete_stale_sessions(
                &self,
                idle_before: DateTime<Utc>,
                created_before: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                Ok(sqlx::query(sql::DELETE_STALE_SESSIONS)
                    .bind(micros(idle_before))
                    .bind(micros(created_before))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("deleting expired sessions"))?
                    .rows_affected())
            }
        }
    };
}

pub(crate) use account_impl;
