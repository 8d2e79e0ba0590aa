//! The SQL of [`crate::AgencyStore`], shared by both backends, and `agency_impl!`, which implements the
//! trait for a store type with a field `pool: sqlx::Pool<$db>` (the pattern of `account_sql.rs`).

pub(crate) const AGENCY_COLUMNS: &str = "id, sender_id, name, jwks, scope_region, may_search, \
     may_subscribe, disabled, created_at, updated_at";

pub(crate) const SUBSCRIPTION_COLUMNS: &str =
    "id, agency_id, code, event_type, region, sender_uri, created_at";

pub(crate) const OUTBOX_COLUMNS: &str = "id, agency_id, subscription_id, message_id, event_type, \
     household_id, village_code, attempts, next_attempt_at, state, last_error, created_at, delivered_at";

pub(crate) const INSERT_AGENCY: &str =
    "INSERT INTO agency (id, sender_id, name, jwks, scope_region, \
     may_search, may_subscribe, disabled, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";

pub(crate) const SET_KEYS: &str =
    "UPDATE agency SET jwks = $2, updated_at = $3 WHERE sender_id = $1";

pub(crate) const TOUCH_AGENCY: &str = "UPDATE agency SET updated_at = $2 WHERE sender_id = $1";

pub(crate) const SET_DISABLED: &str =
    "UPDATE agency SET disabled = $2, updated_at = $3 WHERE sender_id = $1";

pub(crate) const GRANT_PERMISSION: &str = "INSERT INTO agency_permission (agency_id, permission) \
     SELECT id, $2 FROM agency WHERE sender_id = $1 ON CONFLICT (agency_id, permission) DO NOTHING";

pub(crate) const WITHDRAW_PERMISSION: &str = "DELETE FROM agency_permission \
     WHERE permission = $2 AND agency_id IN (SELECT id FROM agency WHERE sender_id = $1)";

pub(crate) const PERMISSIONS: &str =
    "SELECT permission FROM agency_permission WHERE agency_id = $1 ORDER BY permission";

pub(crate) const FORGET_MESSAGES: &str = "DELETE FROM agency_message WHERE keep_until < $1";

pub(crate) const REMEMBER_MESSAGE: &str = "INSERT INTO agency_message (sender_id, message_id, \
     keep_until) VALUES ($1, $2, $3) ON CONFLICT (sender_id, message_id) DO NOTHING";

pub(crate) const INSERT_SUBSCRIPTION: &str =
    "INSERT INTO agency_subscription (id, agency_id, code, \
     event_type, region, sender_uri, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const END_SUBSCRIPTION: &str = "UPDATE agency_subscription SET ended_at = $3 \
     WHERE agency_id = $1 AND code = $2 AND ended_at IS NULL";

pub(crate) const FEED_CURSOR: &str =
    "SELECT after_at, after_id FROM agency_feed WHERE name = 'registry'";

pub(crate) const SET_FEED_CURSOR: &str = "INSERT INTO agency_feed (name, after_at, after_id) \
     VALUES ('registry', $1, $2) ON CONFLICT (name) DO UPDATE SET after_at = $1, after_id = $2";

pub(crate) const START_FEED_CURSOR: &str = "INSERT INTO agency_feed (name, after_at, after_id) \
     VALUES ('registry', $1, $2) ON CONFLICT (name) DO NOTHING";

pub(crate) const MOVE_FEED_CURSOR: &str = "UPDATE agency_feed SET after_at = $1, after_id = $2 \
     WHERE name = 'registry' AND after_at = $3 AND after_id = $4";

pub(crate) const CHANGES_FROM_START: &str =
    "SELECT id, household_id, village_code, kind, updated_at \
     FROM registry_request WHERE stage = 'approved' ORDER BY updated_at, id LIMIT $1";

pub(crate) const CHANGES_AFTER: &str = "SELECT id, household_id, village_code, kind, updated_at \
     FROM registry_request WHERE stage = 'approved' \
     AND (updated_at > $1 OR (updated_at = $1 AND id > $2)) ORDER BY updated_at, id LIMIT $3";

pub(crate) const INSERT_OUTBOX: &str = "INSERT INTO agency_outbox (id, agency_id, subscription_id, \
     message_id, event_type, household_id, village_code, attempts, next_attempt_at, state, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, 'pending', $8)";

/// The lease released with every recorded attempt (`{}`: the table).
const RELEASE: &str = "claimed_by = NULL, claimed_until = NULL";

pub(crate) fn delivered(table: &str) -> String {
    format!(
        "UPDATE {table} SET state = 'delivered', attempts = attempts + 1, delivered_at = $2, \
         last_error = NULL, {RELEASE} WHERE id = $1"
    )
}

pub(crate) fn retry(table: &str) -> String {
    format!(
        "UPDATE {table} SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
         {RELEASE} WHERE id = $1"
    )
}

pub(crate) fn give_up(table: &str) -> String {
    format!(
        "UPDATE {table} SET state = 'failed', attempts = attempts + 1, last_error = $2, \
         {RELEASE} WHERE id = $1"
    )
}

/// Claims due rows of `table` in one UPDATE: $1 holder, $2 lease end, $3 now, $4 limit. The rows are
/// picked once in a CTE (PostgreSQL does not inline a CTE that locks rows; an `IN (subquery … LIMIT)`
/// may be rescanned and claim more than the limit); the claim condition is in the outer WHERE too, so
/// a row claimed meanwhile by a transaction that committed is not taken again. PostgreSQL skips rows
/// another claim has locked; SQLite has one writer at a time.
pub(crate) fn claim(table: &str, columns: &str, postgres: bool) -> String {
    let free = "state = 'pending' AND next_attempt_at <= $3 \
                AND (claimed_until IS NULL OR claimed_until <= $3)";
    let lock = if postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    format!(
        "WITH picked AS (SELECT id FROM {table} WHERE {free} \
         ORDER BY next_attempt_at, id LIMIT $4{lock}) \
         UPDATE {table} SET claimed_by = $1, claimed_until = $2 \
         WHERE {free} AND id IN (SELECT id FROM picked) RETURNING {columns}"
    )
}

pub(crate) const CALLBACK_COLUMNS: &str = "id, agency_id, action, url, body_sealed, attempts, \
     next_attempt_at, state, last_error, created_at, delivered_at";

/// The row takes the agency's scope as its `village_code` (the key-rotation walk's order).
pub(crate) const INSERT_CALLBACK: &str =
    "INSERT INTO agency_callback (id, village_code, agency_id, \
     action, url, body_sealed, attempts, next_attempt_at, state, created_at) \
     SELECT $1, COALESCE(scope_region, ''), id, $3, $4, $5, 0, $6, 'pending', $6 \
     FROM agency WHERE id = $2";

pub(crate) const UPSERT_TRANSACTION: &str = "INSERT INTO agency_transaction (agency_id, \
     transaction_id, action, correlation_id, status, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (agency_id, transaction_id, action) DO UPDATE SET status = $5";

pub(crate) const TRANSACTION: &str = "SELECT agency_id, transaction_id, action, correlation_id, \
     status, created_at FROM agency_transaction \
     WHERE agency_id = $1 AND transaction_id = $2 AND action = $3";

macro_rules! agency_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use tepat_domain::registry::ChangeKind;
        use tepat_domain::{RegionCode, Scope};
        use uuid::Uuid;

        use $crate::agency::{
            Agency, AgencyStore, AgencyTransaction, Callback, Delivery, FeedCursor, Lease,
            NewAgency, NewCallback, NewOutboxItem, OutboxItem, OutboxState, RegistryChange,
            Subscription,
        };
        use $crate::agency_sql as sql;
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

        fn region(code: &str, column: &'static str) -> Result<RegionCode, StoreError> {
            RegionCode::parse(code).map_err(|_| StoreError::Corrupt {
                what: format!("column {column} is not a region code"),
            })
        }

        fn scope_of(row: &DbRow, column: &'static str) -> Result<Scope, StoreError> {
            let code: Option<String> = get(row, column)?;
            Ok(match code {
                None => Scope::All,
                Some(code) => Scope::Within(region(&code, column)?),
            })
        }

        fn scope_column(scope: &Scope) -> Option<String> {
            match scope {
                Scope::All => None,
                Scope::Within(region) => Some(region.plain().to_owned()),
            }
        }

        /// Microseconds, the precision PostgreSQL keeps, so both backends return what was written.
        fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        fn agency_from_row(row: &DbRow) -> Result<Agency, StoreError> {
            Ok(Agency {
                id: get(row, "id")?,
                sender_id: get(row, "sender_id")?,
                name: get(row, "name")?,
                jwks: get(row, "jwks")?,
                scope: scope_of(row, "scope_region")?,
                may_search: get(row, "may_search")?,
                may_subscribe: get(row, "may_subscribe")?,
                disabled: get(row, "disabled")?,
                created_at: get(row, "created_at")?,
                updated_at: get(row, "updated_at")?,
            })
        }

        fn subscription_from_row(row: &DbRow) -> Result<Subscription, StoreError> {
            Ok(Subscription {
                id: get(row, "id")?,
                agency: get(row, "agency_id")?,
                code: get(row, "code")?,
                event_type: get(row, "event_type")?,
                region: scope_of(row, "region")?,
                sender_uri: get(row, "sender_uri")?,
                created_at: get(row, "created_at")?,
            })
        }

        fn outbox_from_row(row: &DbRow) -> Result<OutboxItem, StoreError> {
            let village: String = get(row, "village_code")?;
            let state: String = get(row, "state")?;
            let attempts: i32 = get(row, "attempts")?;
            Ok(OutboxItem {
                id: get(row, "id")?,
                agency: get(row, "agency_id")?,
                subscription: get(row, "subscription_id")?,
                message_id: get(row, "message_id")?,
                event_type: get(row, "event_type")?,
                household: get(row, "household_id")?,
                village: region(&village, "village_code")?,
                attempts: u32::try_from(attempts).unwrap_or(0),
                next_attempt_at: get(row, "next_attempt_at")?,
                state: OutboxState::parse(&state).ok_or_else(|| StoreError::Corrupt {
                    what: "column state holds an unknown outbox state".into(),
                })?,
                last_error: get(row, "last_error")?,
                created_at: get(row, "created_at")?,
                delivered_at: get(row, "delivered_at")?,
            })
        }

        fn is_postgres() -> bool {
            <$db as sqlx::Database>::NAME == "PostgreSQL"
        }

        async fn claim_rows(
            pool: &sqlx::Pool<$db>,
            text: &str,
            lease: &Lease,
            now: DateTime<Utc>,
            limit: u32,
            action: &'static str,
        ) -> Result<Vec<DbRow>, StoreError> {
            sqlx::query(text)
                .bind(lease.holder.as_str())
                .bind(micros(lease.until))
                .bind(micros(now))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::db(action))
        }

        async fn record(
            pool: &sqlx::Pool<$db>,
            table: &str,
            id: Uuid,
            outcome: &Delivery,
            now: DateTime<Utc>,
            action: &'static str,
        ) -> Result<(), StoreError> {
            let text = match outcome {
                Delivery::Delivered => sql::delivered(table),
                Delivery::Retry { .. } => sql::retry(table),
                Delivery::GiveUp { .. } => sql::give_up(table),
            };
            let query = match outcome {
                Delivery::Delivered => sqlx::query(&text).bind(id).bind(micros(now)),
                Delivery::Retry { at, error } => sqlx::query(&text)
                    .bind(id)
                    .bind(micros(*at))
                    .bind(error.clone()),
                Delivery::GiveUp { error } => sqlx::query(&text).bind(id).bind(error.clone()),
            };
            query.execute(pool).await.map_err(StoreError::db(action))?;
            Ok(())
        }

        fn callback_from_row(
            sealer: &$crate::registry::sealing::RegistrySealer,
            row: &DbRow,
        ) -> Result<Callback, StoreError> {
            let id: Uuid = get(row, "id")?;
            let sealed: Vec<u8> = get(row, "body_sealed")?;
            let state: String = get(row, "state")?;
            let attempts: i32 = get(row, "attempts")?;
            Ok(Callback {
                id,
                agency: get(row, "agency_id")?,
                action: get(row, "action")?,
                url: get(row, "url")?,
                body: sealer.open_json("agency_callback", "body_sealed", id, &sealed, "a callback")?,
                attempts: u32::try_from(attempts).unwrap_or(0),
                next_attempt_at: get(row, "next_attempt_at")?,
                state: OutboxState::parse(&state).ok_or_else(|| StoreError::Corrupt {
                    what: "column state holds an unknown callback state".into(),
                })?,
                last_error: get(row, "last_error")?,
                created_at: get(row, "created_at")?,
                delivered_at: get(row, "delivered_at")?,
            })
        }

        #[async_trait::async_trait]
        impl AgencyStore for $store {
            async fn create_agency(
                &self,
                new: &NewAgency,
                now: DateTime<Utc>,
            ) -> Result<Agency, StoreError> {
                let id = Uuid::now_v7();
                let result = sqlx::query(sql::INSERT_AGENCY)
                    .bind(id)
                    .bind(new.sender_id.as_str())
                    .bind(new.name.as_str())
                    .bind(new.jwks.as_str())
                    .bind(scope_column(&new.scope))
                    .bind(new.may_search)
                    .bind(new.may_subscribe)
                    .bind(false)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await;
                if let Err(sqlx::Error::Database(db)) = &result {
                    if db.is_unique_violation() {
                        return Err(StoreError::SenderTaken {
                            sender_id: new.sender_id.clone(),
                        });
                    }
                    if db.is_foreign_key_violation() {
                        return Err(StoreError::UnknownRegion {
                            region: new.scope.code(),
                        });
                    }
                }
                result.map_err(StoreError::db("registering an agency"))?;
                self.agency_by_id(id)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt {
                        what: "the agency just registered cannot be read back".into(),
                    })
            }

            async fn agency_by_sender(
                &self,
                sender_id: &str,
            ) -> Result<Option<Agency>, StoreError> {
                let text = format!(
                    "SELECT {} FROM agency WHERE sender_id = $1",
                    sql::AGENCY_COLUMNS
                );
                let row = sqlx::query(&text)
                    .bind(sender_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an agency"))?;
                row.as_ref().map(agency_from_row).transpose()
            }

            async fn agency_by_id(&self, id: Uuid) -> Result<Option<Agency>, StoreError> {
                let text = format!("SELECT {} FROM agency WHERE id = $1", sql::AGENCY_COLUMNS);
                let row = sqlx::query(&text)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an agency"))?;
                row.as_ref().map(agency_from_row).transpose()
            }

            async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
                let text = format!(
                    "SELECT {} FROM agency ORDER BY sender_id",
                    sql::AGENCY_COLUMNS
                );
                let rows = sqlx::query(&text)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing agencies"))?;
                rows.iter().map(agency_from_row).collect()
            }

            async fn set_agency_keys(
                &self,
                sender_id: &str,
                jwks: &str,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(sql::SET_KEYS)
                    .bind(sender_id)
                    .bind(jwks)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("setting an agency's keys"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_agency_disabled(
                &self,
                sender_id: &str,
                disabled: bool,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(sql::SET_DISABLED)
                    .bind(sender_id)
                    .bind(disabled)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("disabling an agency"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_agency_permission(
                &self,
                sender_id: &str,
                permission: &str,
                granted: bool,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                const ACTION: &str = "changing an agency's permissions";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let touched = sqlx::query(sql::TOUCH_AGENCY)
                    .bind(sender_id)
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                if touched.rows_affected() == 0 {
                    return Ok(false);
                }
                let text = if granted {
                    sql::GRANT_PERMISSION
                } else {
                    sql::WITHDRAW_PERMISSION
                };
                sqlx::query(text)
                    .bind(sender_id)
                    .bind(permission)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(true)
            }

            async fn agency_permissions(&self, agency: Uuid) -> Result<Vec<String>, StoreError> {
                sqlx::query_scalar(sql::PERMISSIONS)
                    .bind(agency)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an agency's permissions"))
            }

            async fn remember_message(
                &self,
                sender_id: &str,
                message_id: &str,
                keep_until: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                const ACTION: &str = "remembering a message id";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                sqlx::query(sql::FORGET_MESSAGES)
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let done = sqlx::query(sql::REMEMBER_MESSAGE)
                    .bind(sender_id)
                    .bind(message_id)
                    .bind(micros(keep_until))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(done.rows_affected() > 0)
            }

            async fn create_subscription(
                &self,
                agency: Uuid,
                event_type: &str,
                region: &Scope,
                sender_uri: &str,
                now: DateTime<Utc>,
            ) -> Result<Subscription, StoreError> {
                let id = Uuid::now_v7();
                let code = Uuid::now_v7().to_string();
                let now = micros(now);
                let result = sqlx::query(sql::INSERT_SUBSCRIPTION)
                    .bind(id)
                    .bind(agency)
                    .bind(code.as_str())
                    .bind(event_type)
                    .bind(scope_column(region))
                    .bind(sender_uri)
                    .bind(now)
                    .execute(&self.pool)
                    .await;
                if let Err(sqlx::Error::Database(db)) = &result {
                    if db.is_foreign_key_violation() {
                        return Err(StoreError::UnknownRegion {
                            region: region.code(),
                        });
                    }
                }
                result.map_err(StoreError::db("subscribing"))?;
                Ok(Subscription {
                    id,
                    agency,
                    code,
                    event_type: event_type.to_owned(),
                    region: *region,
                    sender_uri: sender_uri.to_owned(),
                    created_at: now,
                })
            }

            async fn subscriptions_of(
                &self,
                agency: Uuid,
            ) -> Result<Vec<Subscription>, StoreError> {
                let text = format!(
                    "SELECT {} FROM agency_subscription WHERE agency_id = $1 AND ended_at IS NULL \
                     ORDER BY created_at, id",
                    sql::SUBSCRIPTION_COLUMNS
                );
                let rows = sqlx::query(&text)
                    .bind(agency)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing subscriptions"))?;
                rows.iter().map(subscription_from_row).collect()
            }

            async fn end_subscription(
                &self,
                agency: Uuid,
                code: &str,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(sql::END_SUBSCRIPTION)
                    .bind(agency)
                    .bind(code)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("unsubscribing"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn active_subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
                let text = format!(
                    "SELECT s.id, s.agency_id, s.code, s.event_type, s.region, s.sender_uri, \
                     s.created_at FROM agency_subscription s JOIN agency a ON a.id = s.agency_id \
                     WHERE s.ended_at IS NULL AND a.disabled = $1 ORDER BY s.created_at, s.id"
                );
                let rows = sqlx::query(&text)
                    .bind(false)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing subscriptions"))?;
                rows.iter().map(subscription_from_row).collect()
            }

            async fn feed_cursor(&self) -> Result<Option<FeedCursor>, StoreError> {
                let row = sqlx::query(sql::FEED_CURSOR)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the change feed"))?;
                row.map(|row| {
                    Ok(FeedCursor {
                        at: get(&row, "after_at")?,
                        request: get(&row, "after_id")?,
                    })
                })
                .transpose()
            }

            async fn registry_changes(
                &self,
                after: Option<FeedCursor>,
                limit: u32,
            ) -> Result<Vec<RegistryChange>, StoreError> {
                let limit = i64::from(limit);
                let query = match after {
                    None => sqlx::query(sql::CHANGES_FROM_START).bind(limit),
                    Some(c) => sqlx::query(sql::CHANGES_AFTER)
                        .bind(c.at)
                        .bind(c.request)
                        .bind(limit),
                };
                let rows = query
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the change feed"))?;
                rows.iter()
                    .map(|row| {
                        let village: String = get(row, "village_code")?;
                        let kind: String = get(row, "kind")?;
                        Ok(RegistryChange {
                            request: get(row, "id")?,
                            household: get(row, "household_id")?,
                            village: region(&village, "village_code")?,
                            kind: ChangeKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                                what: "column kind holds an unknown change kind".into(),
                            })?,
                            at: get(row, "updated_at")?,
                        })
                    })
                    .collect()
            }

            async fn enqueue_notifications(
                &self,
                items: &[NewOutboxItem],
                cursor: FeedCursor,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                const ACTION: &str = "queueing notifications";
                let now = micros(now);
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                for item in items {
                    sqlx::query(sql::INSERT_OUTBOX)
                        .bind(Uuid::now_v7())
                        .bind(item.agency)
                        .bind(item.subscription)
                        .bind(Uuid::now_v7().to_string())
                        .bind(item.event_type.as_str())
                        .bind(item.household)
                        .bind(item.village.plain())
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                }
                sqlx::query(sql::SET_FEED_CURSOR)
                    .bind(cursor.at)
                    .bind(cursor.request)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn enqueue_notifications_from(
                &self,
                from: Option<FeedCursor>,
                items: &[NewOutboxItem],
                cursor: FeedCursor,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                const ACTION: &str = "queueing notifications";
                let now = micros(now);
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                // The cursor moves first: on SQLite the transaction takes the write lock at once, on
                // PostgreSQL the row lock makes a second mover wait and then find the cursor moved.
                let moved = match from {
                    None => sqlx::query(sql::START_FEED_CURSOR)
                        .bind(cursor.at)
                        .bind(cursor.request)
                        .execute(&mut *tx)
                        .await,
                    Some(from) => sqlx::query(sql::MOVE_FEED_CURSOR)
                        .bind(cursor.at)
                        .bind(cursor.request)
                        .bind(from.at)
                        .bind(from.request)
                        .execute(&mut *tx)
                        .await,
                }
                .map_err(StoreError::db(ACTION))?;
                if moved.rows_affected() != 1 {
                    tx.rollback().await.map_err(StoreError::db(ACTION))?;
                    return Ok(false);
                }
                for item in items {
                    sqlx::query(sql::INSERT_OUTBOX)
                        .bind(Uuid::now_v7())
                        .bind(item.agency)
                        .bind(item.subscription)
                        .bind(Uuid::now_v7().to_string())
                        .bind(item.event_type.as_str())
                        .bind(item.household)
                        .bind(item.village.plain())
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                }
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(true)
            }

            async fn due_notifications(
                &self,
                now: DateTime<Utc>,
                limit: u32,
            ) -> Result<Vec<OutboxItem>, StoreError> {
                let text = format!(
                    "SELECT {} FROM agency_outbox WHERE state = 'pending' AND next_attempt_at <= $1 \
                     ORDER BY next_attempt_at, id LIMIT $2",
                    sql::OUTBOX_COLUMNS
                );
                let rows = sqlx::query(&text)
                    .bind(micros(now))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the outbox"))?;
                rows.iter().map(outbox_from_row).collect()
            }

            async fn claim_notifications(
                &self,
                lease: &Lease,
                now: DateTime<Utc>,
                limit: u32,
            ) -> Result<Vec<OutboxItem>, StoreError> {
                let text = sql::claim("agency_outbox", sql::OUTBOX_COLUMNS, is_postgres());
                let rows = claim_rows(&self.pool, &text, lease, now, limit, "claiming notifications")
                    .await?;
                let mut items = rows.iter().map(outbox_from_row).collect::<Result<Vec<_>, _>>()?;
                items.sort_by_key(|i| (i.next_attempt_at, i.id));
                Ok(items)
            }

            async fn record_delivery(
                &self,
                id: Uuid,
                outcome: &Delivery,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                record(&self.pool, "agency_outbox", id, outcome, now, "recording a delivery").await
            }

            async fn enqueue_callback(
                &self,
                new: &NewCallback,
                now: DateTime<Utc>,
            ) -> Result<Uuid, StoreError> {
                let id = Uuid::now_v7();
                let sealed = self
                    .registry
                    .seal_json("agency_callback", "body_sealed", id, &new.body);
                let done = sqlx::query(sql::INSERT_CALLBACK)
                    .bind(id)
                    .bind(new.agency)
                    .bind(new.action.as_str())
                    .bind(new.url.as_str())
                    .bind(sealed)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("queueing a callback"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound { what: "agency" });
                }
                Ok(id)
            }

            async fn claim_callbacks(
                &self,
                lease: &Lease,
                now: DateTime<Utc>,
                limit: u32,
            ) -> Result<Vec<Callback>, StoreError> {
                let text = sql::claim("agency_callback", sql::CALLBACK_COLUMNS, is_postgres());
                let rows =
                    claim_rows(&self.pool, &text, lease, now, limit, "claiming callbacks").await?;
                let mut items = rows
                    .iter()
                    .map(|r| callback_from_row(&self.registry, r))
                    .collect::<Result<Vec<_>, _>>()?;
                items.sort_by_key(|i| (i.next_attempt_at, i.id));
                Ok(items)
            }

            async fn record_callback(
                &self,
                id: Uuid,
                outcome: &Delivery,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                record(&self.pool, "agency_callback", id, outcome, now, "recording a callback").await
            }

            async fn callbacks_of(
                &self,
                agency: Uuid,
                limit: u32,
            ) -> Result<Vec<Callback>, StoreError> {
                let text = format!(
                    "SELECT {} FROM agency_callback WHERE agency_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2",
                    sql::CALLBACK_COLUMNS
                );
                let rows = sqlx::query(&text)
                    .bind(agency)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading callbacks"))?;
                rows.iter()
                    .map(|r| callback_from_row(&self.registry, r))
                    .collect()
            }

            async fn notifications_of(
                &self,
                agency: Uuid,
                limit: u32,
            ) -> Result<Vec<OutboxItem>, StoreError> {
                let text = format!(
                    "SELECT {} FROM agency_outbox WHERE agency_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2",
                    sql::OUTBOX_COLUMNS
                );
                let rows = sqlx::query(&text)
                    .bind(agency)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the outbox"))?;
                rows.iter().map(outbox_from_row).collect()
            }

            async fn record_transaction(&self, txn: &AgencyTransaction) -> Result<(), StoreError> {
                sqlx::query(sql::UPSERT_TRANSACTION)
                    .bind(txn.agency)
                    .bind(txn.transaction_id.as_str())
                    .bind(txn.action.as_str())
                    .bind(txn.correlation_id.as_str())
                    .bind(txn.status.as_str())
                    .bind(micros(txn.created_at))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording a transaction"))?;
                Ok(())
            }

            async fn agency_transaction(
                &self,
                agency: Uuid,
                transaction_id: &str,
                action: &str,
            ) -> Result<Option<AgencyTransaction>, StoreError> {
                let row = sqlx::query(sql::TRANSACTION)
                    .bind(agency)
                    .bind(transaction_id)
                    .bind(action)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a transaction"))?;
                row.map(|row| {
                    Ok(AgencyTransaction {
                        agency: get(&row, "agency_id")?,
                        transaction_id: get(&row, "transaction_id")?,
                        action: get(&row, "action")?,
                        correlation_id: get(&row, "correlation_id")?,
                        status: get(&row, "status")?,
                        created_at: get(&row, "created_at")?,
                    })
                })
                .transpose()
            }
        }
    };
}

pub(crate) use agency_impl;
