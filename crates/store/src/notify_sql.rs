//! The SQL of [`crate::NotifyStore`], shared by both backends, and `notify_impl!`, which implements the
//! trait for a store type with fields `pool: sqlx::Pool<$db>` and `sealer: PopulationSealer` (whose
//! keyring seals the addresses).

pub(crate) const CONTACT: &str = "notify_contact";
pub(crate) const DELIVERY: &str = "notify_delivery";
/// Blind-index purpose of contact addresses (with the channel in the value).
pub(crate) const ADDRESS_PURPOSE: &str = "notify_address";

pub(crate) const UPSERT_CONTACT: &str = "INSERT INTO notify_contact (household_id, channel, \
     address_sealed, address_index, lang, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (household_id, channel) DO UPDATE SET address_sealed = excluded.address_sealed, \
     address_index = excluded.address_index, lang = excluded.lang, created_at = excluded.created_at";

pub(crate) const CONTACTS_OF: &str = "SELECT household_id, channel, address_sealed, lang, \
     created_at FROM notify_contact WHERE household_id = $1 ORDER BY channel";

/// Settled transfers (not premiums) of envelopes being paid, or closed within the last week, whose
/// household has no "payment sent" notice for that program and cycle. Closed envelopes are looked at
/// for a while only, so the query stays proportional to what is being paid now.
pub(crate) const SETTLED_WITHOUT_NOTICE: &str = "SELECT p.household_id, e.program, e.cycle, \
     p.amount, p.route, p.provider, p.updated_at FROM payment p JOIN envelope e ON e.id = p.envelope_id \
     WHERE p.state = 'settled' AND p.route IN ('bank', 'ewallet') \
     AND (e.state = 'paying' OR (e.state = 'closed' AND e.closed_at >= $1)) \
     AND NOT EXISTS (SELECT 1 FROM notice n WHERE n.household_id = p.household_id \
     AND n.kind = 'payment_sent' AND n.program = e.program AND n.cycle = e.cycle) LIMIT $2";

pub(crate) const INSERT_NOTICE: &str =
    "INSERT INTO notice (id, household_id, kind, program, cycle, \
     body, created_at, delivered_at) VALUES ($1, $2, 'payment_sent', $3, $4, $5, $6, NULL) \
     ON CONFLICT DO NOTHING";

pub(crate) const UNDELIVERED_NOTICES: &str = "SELECT id FROM notice WHERE delivered_at IS NULL \
     ORDER BY created_at, id LIMIT $1";

pub(crate) const INSERT_MESSAGE: &str = "INSERT INTO notify_message (id, household_id, template, \
     params, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

/// A message's deliveries to every channel of its household.
pub(crate) const MESSAGE_TO_HOUSEHOLD: &str = "INSERT INTO notify_delivery (source_id, channel, \
     household_id, address_sealed, lang, template, params, program, cycle, state, attempts, \
     next_attempt_at, created_at, updated_at) SELECT $1, c.channel, c.household_id, NULL, c.lang, $2, \
     $3, NULL, NULL, 'pending', 0, $4, $4, $4 FROM notify_contact c WHERE c.household_id = $5 \
     ON CONFLICT DO NOTHING";

pub(crate) const MESSAGE_TO_ADDRESS: &str = "INSERT INTO notify_delivery (source_id, channel, \
     household_id, address_sealed, lang, template, params, program, cycle, state, attempts, \
     next_attempt_at, created_at, updated_at) VALUES ($1, $2, NULL, $3, $4, $5, $6, NULL, NULL, \
     'pending', 0, $7, $7, $7) ON CONFLICT DO NOTHING";

pub(crate) const MESSAGES_OF: &str = "SELECT id, household_id, template, params, created_at \
     FROM notify_message WHERE household_id = $1 ORDER BY created_at, id";

pub(crate) const DUE: &str = "SELECT d.source_id, d.channel, d.household_id, d.address_sealed, \
     d.lang, d.template, d.params, d.program, d.cycle, d.attempts, d.next_attempt_at, \
     c.address_sealed AS contact_sealed FROM notify_delivery d LEFT JOIN notify_contact c \
     ON c.household_id = d.household_id AND c.channel = d.channel \
     WHERE d.state IN ('pending', 'sending') AND d.next_attempt_at <= $1 \
     ORDER BY d.next_attempt_at LIMIT $2";

/// Claims one due delivery if nobody claimed it since it was read.
pub(crate) const CLAIM: &str =
    "UPDATE notify_delivery SET state = 'sending', next_attempt_at = $1, \
     updated_at = $2 WHERE source_id = $3 AND channel = $4 AND state IN ('pending', 'sending') \
     AND next_attempt_at = $5";

pub(crate) const SENT: &str = "UPDATE notify_delivery SET state = 'sent', attempts = attempts + 1, \
     last_error = NULL, updated_at = $1 WHERE source_id = $2 AND channel = $3 AND state = 'sending'";

pub(crate) const FAILED: &str = "UPDATE notify_delivery SET state = $1, attempts = attempts + 1, \
     last_error = $2, next_attempt_at = $3, updated_at = $4 \
     WHERE source_id = $5 AND channel = $6 AND state = 'sending'";

pub(crate) const REPORT: &str = "UPDATE notify_delivery SET state = $1, last_error = $2, \
     updated_at = $3 WHERE source_id = $4 AND channel = $5 AND state IN ('sent', 'delivered')";

pub(crate) const ROW_COLUMNS: &str = "source_id, channel, household_id, lang, template, state, \
     attempts, next_attempt_at, last_error, updated_at";

pub(crate) const COUNTS: &str = "SELECT channel, state, COUNT(*) AS n FROM notify_delivery \
     GROUP BY channel, state ORDER BY channel, state";

pub(crate) const RETRY_FAILED: &str =
    "UPDATE notify_delivery SET state = 'pending', attempts = 0, \
     next_attempt_at = $1, updated_at = $1 WHERE state = 'failed'";

/// `$first, $first+1, …` for `n` values.
pub(crate) fn numbered(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! notify_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use tepat_crypto::Aad;
        use tepat_domain::Lang;
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::notify::{
            Channel, DeliveryCount, DeliveryKey, DeliveryRow, DeliveryState, DueDelivery, FanOut,
            MessageTo, NewMessage, NotifyContact, NotifyStore, StoredMessage,
        };
        use $crate::notify_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

        /// Ids per `IN (…)` list.
        const IDS_PER_STATEMENT: usize = 500;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn corrupt(what: &str) -> StoreError {
            StoreError::Corrupt { what: what.into() }
        }

        fn channel_of(row: &DbRow) -> Result<Channel, StoreError> {
            let code: String = get(row, "channel")?;
            Channel::parse(&code).ok_or_else(|| corrupt("notify channel"))
        }

        fn lang_of(row: &DbRow) -> Result<Lang, StoreError> {
            let code: String = get(row, "lang")?;
            Lang::from_tag(&code).ok_or_else(|| corrupt("notify language"))
        }

        /// Microseconds, the precision PostgreSQL keeps, so both backends return what was written.
        fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        fn column(channel: Channel) -> String {
            format!("address_sealed/{}", channel.code())
        }

        fn row_from(row: &DbRow) -> Result<DeliveryRow, StoreError> {
            let state: String = get(row, "state")?;
            let attempts: i32 = get(row, "attempts")?;
            Ok(DeliveryRow {
                key: DeliveryKey {
                    source: get(row, "source_id")?,
                    channel: channel_of(row)?,
                },
                household: get(row, "household_id")?,
                lang: lang_of(row)?,
                template: get(row, "template")?,
                state: DeliveryState::parse(&state).ok_or_else(|| corrupt("delivery state"))?,
                attempts: u32::try_from(attempts).unwrap_or(0),
                next_attempt_at: get(row, "next_attempt_at")?,
                last_error: get(row, "last_error")?,
                updated_at: get(row, "updated_at")?,
            })
        }

        impl $store {
            fn notify_seal(&self, table: &str, channel: Channel, row: Uuid, address: &str) -> Vec<u8> {
                let column = column(channel);
                let aad = Aad {
                    table,
                    column: &column,
                    row: row.as_bytes(),
                };
                self.sealer.keyring().seal(&aad, address.as_bytes())
            }

            fn notify_open(
                &self,
                table: &str,
                channel: Channel,
                row: Uuid,
                sealed: &[u8],
            ) -> Result<String, StoreError> {
                let column = column(channel);
                let aad = Aad {
                    table,
                    column: &column,
                    row: row.as_bytes(),
                };
                let plain = self
                    .sealer
                    .keyring()
                    .open(&aad, sealed)
                    .map_err(|_| StoreError::Undecryptable { what: "contact address" })?;
                String::from_utf8(plain)
                    .map_err(|_| StoreError::Undecryptable { what: "contact address" })
            }

            fn notify_index(&self, channel: Channel, address: &str) -> Vec<u8> {
                let value = format!("{}:{address}", channel.code());
                self.sealer
                    .keyring()
                    .blind_index(sql::ADDRESS_PURPOSE, value.as_bytes())[..16]
                    .to_vec()
            }

            fn notify_due_from(&self, row: &DbRow) -> Result<DueDelivery, StoreError> {
                let key = DeliveryKey {
                    source: get(row, "source_id")?,
                    channel: channel_of(row)?,
                };
                let household: Option<Uuid> = get(row, "household_id")?;
                let own: Option<Vec<u8>> = get(row, "address_sealed")?;
                let contact: Option<Vec<u8>> = get(row, "contact_sealed")?;
                let address = match (own, household, contact) {
                    (Some(sealed), _, _) => {
                        Some(self.notify_open(sql::DELIVERY, key.channel, key.source, &sealed)?)
                    }
                    (None, Some(h), Some(sealed)) => {
                        Some(self.notify_open(sql::CONTACT, key.channel, h, &sealed)?)
                    }
                    _ => None,
                };
                let attempts: i32 = get(row, "attempts")?;
                Ok(DueDelivery {
                    key,
                    household,
                    address,
                    lang: lang_of(row)?,
                    template: get(row, "template")?,
                    params: get(row, "params")?,
                    program: get(row, "program")?,
                    cycle: get(row, "cycle")?,
                    attempts: u32::try_from(attempts).unwrap_or(0),
                })
            }
        }

        #[async_trait::async_trait]
        impl NotifyStore for $store {
            async fn set_contact(&self, contact: &NotifyContact) -> Result<(), StoreError> {
                let sealed =
                    self.notify_seal(sql::CONTACT, contact.channel, contact.household, &contact.address);
                sqlx::query(sql::UPSERT_CONTACT)
                    .bind(contact.household)
                    .bind(contact.channel.code())
                    .bind(sealed)
                    .bind(self.notify_index(contact.channel, &contact.address))
                    .bind(contact.lang.tag())
                    .bind(micros(contact.created_at))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("saving a contact"))?;
                Ok(())
            }

            async fn remove_contact(
                &self,
                household: Uuid,
                channel: Channel,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM notify_contact WHERE household_id = $1 AND channel = $2",
                )
                .bind(household)
                .bind(channel.code())
                .execute(&self.pool)
                .await
                .map_err(StoreError::db("removing a contact"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn contacts_of_household(
                &self,
                household: Uuid,
            ) -> Result<Vec<NotifyContact>, StoreError> {
                let rows = sqlx::query(sql::CONTACTS_OF)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading contacts"))?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let channel = channel_of(row)?;
                    let sealed: Vec<u8> = get(row, "address_sealed")?;
                    out.push(NotifyContact {
                        household,
                        channel,
                        address: self.notify_open(sql::CONTACT, channel, household, &sealed)?,
                        lang: lang_of(row)?,
                        created_at: get(row, "created_at")?,
                    });
                }
                out.sort_by_key(|c| c.channel);
                Ok(out)
            }

            async fn remove_contacts_at(
                &self,
                channel: Channel,
                address: &str,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM notify_contact WHERE address_index = $1 AND channel = $2",
                )
                .bind(self.notify_index(channel, address))
                .bind(channel.code())
                .execute(&self.pool)
                .await
                .map_err(StoreError::db("removing contacts"))?;
                Ok(done.rows_affected())
            }

            async fn generate_payment_notices(
                &self,
                now: DateTime<Utc>,
                limit: u32,
            ) -> Result<u64, StoreError> {
                let rows = sqlx::query(sql::SETTLED_WITHOUT_NOTICE)
                    .bind(micros(now - chrono::Duration::days(7)))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("finding settled payments without a notice"))?;
                if rows.is_empty() {
                    return Ok(0);
                }
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("writing payment notices"))?;
                let mut written = 0;
                for row in &rows {
                    let household: Uuid = get(row, "household_id")?;
                    let amount: i64 = get(row, "amount")?;
                    let route: String = get(row, "route")?;
                    let provider: String = get(row, "provider")?;
                    let settled: DateTime<Utc> = get(row, "updated_at")?;
                    let body = serde_json::json!({
                        "amount": amount,
                        "route": route,
                        "provider": provider,
                        "settled_at": settled,
                    })
                    .to_string();
                    written += sqlx::query(sql::INSERT_NOTICE)
                        .bind(Uuid::now_v7())
                        .bind(household)
                        .bind(get::<String>(row, "program")?)
                        .bind(get::<String>(row, "cycle")?)
                        .bind(body)
                        .bind(micros(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db("writing payment notices"))?
                        .rows_affected();
                }
                tx.commit()
                    .await
                    .map_err(StoreError::db("writing payment notices"))?;
                Ok(written)
            }

            async fn fan_out_notices(
                &self,
                limit: u32,
                now: DateTime<Utc>,
            ) -> Result<FanOut, StoreError> {
                let now = micros(now);
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("fanning out notices"))?;
                let ids: Vec<Uuid> = sqlx::query(sql::UNDELIVERED_NOTICES)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::db("fanning out notices"))?
                    .iter()
                    .map(|r| get(r, "id"))
                    .collect::<Result<_, _>>()?;
                let mut done = FanOut::default();
                for chunk in ids.chunks(IDS_PER_STATEMENT) {
                    let list = sql::numbered(2, chunk.len());
                    let insert = format!(
                        "INSERT INTO notify_delivery (source_id, channel, household_id, \
                         address_sealed, lang, template, params, program, cycle, state, attempts, \
                         next_attempt_at, created_at, updated_at) SELECT n.id, c.channel, \
                         n.household_id, NULL, c.lang, n.kind, n.body, n.program, n.cycle, \
                         'pending', 0, $1, $1, $1 FROM notice n JOIN notify_contact c \
                         ON c.household_id = n.household_id WHERE n.id IN ({list}) \
                         ON CONFLICT DO NOTHING"
                    );
                    let mut q = sqlx::query(&insert).bind(now);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    done.deliveries += q
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db("fanning out notices"))?
                        .rows_affected();
                    let mark = format!(
                        "UPDATE notice SET delivered_at = $1 WHERE delivered_at IS NULL \
                         AND id IN ({list})"
                    );
                    let mut q = sqlx::query(&mark).bind(now);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    done.notices += q
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db("fanning out notices"))?
                        .rows_affected();
                }
                tx.commit()
                    .await
                    .map_err(StoreError::db("fanning out notices"))?;
                Ok(done)
            }

            async fn enqueue_message(&self, message: &NewMessage) -> Result<u64, StoreError> {
                let now = micros(message.created_at);
                let household = match &message.to {
                    MessageTo::Household(h) => Some(*h),
                    MessageTo::Address { .. } => None,
                };
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("writing a message"))?;
                let stored = sqlx::query(sql::INSERT_MESSAGE)
                    .bind(message.id)
                    .bind(household)
                    .bind(message.template.as_str())
                    .bind(message.params.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("writing a message"))?
                    .rows_affected();
                if stored == 0 {
                    return Ok(0);
                }
                let deliveries = match &message.to {
                    MessageTo::Household(h) => sqlx::query(sql::MESSAGE_TO_HOUSEHOLD)
                        .bind(message.id)
                        .bind(message.template.as_str())
                        .bind(message.params.as_str())
                        .bind(now)
                        .bind(*h),
                    MessageTo::Address {
                        channel,
                        address,
                        lang,
                    } => sqlx::query(sql::MESSAGE_TO_ADDRESS)
                        .bind(message.id)
                        .bind(channel.code())
                        .bind(self.notify_seal(sql::DELIVERY, *channel, message.id, address))
                        .bind(lang.tag())
                        .bind(message.template.as_str())
                        .bind(message.params.as_str())
                        .bind(now),
                }
                .execute(&mut *tx)
                .await
                .map_err(StoreError::db("writing a message"))?
                .rows_affected();
                tx.commit()
                    .await
                    .map_err(StoreError::db("writing a message"))?;
                Ok(deliveries)
            }

            async fn messages_of_household(
                &self,
                household: Uuid,
            ) -> Result<Vec<StoredMessage>, StoreError> {
                sqlx::query(sql::MESSAGES_OF)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading messages"))?
                    .iter()
                    .map(|row| {
                        Ok(StoredMessage {
                            id: get(row, "id")?,
                            household,
                            template: get(row, "template")?,
                            params: get(row, "params")?,
                            created_at: get(row, "created_at")?,
                        })
                    })
                    .collect()
            }

            async fn claim_deliveries(
                &self,
                now: DateTime<Utc>,
                claim_until: DateTime<Utc>,
                limit: u32,
            ) -> Result<Vec<DueDelivery>, StoreError> {
                let now = micros(now);
                let rows = sqlx::query(sql::DUE)
                    .bind(now)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading due deliveries"))?;
                let mut claimed = Vec::with_capacity(rows.len());
                for row in &rows {
                    let due = self.notify_due_from(row)?;
                    let was: DateTime<Utc> = get(row, "next_attempt_at")?;
                    let won = sqlx::query(sql::CLAIM)
                        .bind(micros(claim_until))
                        .bind(now)
                        .bind(due.key.source)
                        .bind(due.key.channel.code())
                        .bind(was)
                        .execute(&self.pool)
                        .await
                        .map_err(StoreError::db("claiming a delivery"))?
                        .rows_affected();
                    if won == 1 {
                        claimed.push(due);
                    }
                }
                Ok(claimed)
            }

            async fn delivery_sent(
                &self,
                key: DeliveryKey,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(sql::SENT)
                    .bind(micros(now))
                    .bind(key.source)
                    .bind(key.channel.code())
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording a sent delivery"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn delivery_failed(
                &self,
                key: DeliveryKey,
                error: &str,
                retry_at: Option<DateTime<Utc>>,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let state = match retry_at {
                    Some(_) => DeliveryState::Pending,
                    None => DeliveryState::Failed,
                };
                let done = sqlx::query(sql::FAILED)
                    .bind(state.code())
                    .bind(error)
                    .bind(micros(retry_at.unwrap_or(now)))
                    .bind(micros(now))
                    .bind(key.source)
                    .bind(key.channel.code())
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording a failed delivery"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn delivery_report(
                &self,
                key: DeliveryKey,
                delivered: bool,
                error: Option<&str>,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let state = if delivered {
                    DeliveryState::Delivered
                } else {
                    DeliveryState::Failed
                };
                let done = sqlx::query(sql::REPORT)
                    .bind(state.code())
                    .bind(error)
                    .bind(micros(now))
                    .bind(key.source)
                    .bind(key.channel.code())
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording a delivery report"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn delivery(&self, key: DeliveryKey) -> Result<Option<DeliveryRow>, StoreError> {
                let text = format!(
                    "SELECT {} FROM notify_delivery WHERE source_id = $1 AND channel = $2",
                    sql::ROW_COLUMNS
                );
                sqlx::query(&text)
                    .bind(key.source)
                    .bind(key.channel.code())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a delivery"))?
                    .map(|r| row_from(&r))
                    .transpose()
            }

            async fn deliveries_of(&self, source: Uuid) -> Result<Vec<DeliveryRow>, StoreError> {
                let text = format!(
                    "SELECT {} FROM notify_delivery WHERE source_id = $1 ORDER BY channel",
                    sql::ROW_COLUMNS
                );
                let mut rows = sqlx::query(&text)
                    .bind(source)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading deliveries"))?
                    .iter()
                    .map(row_from)
                    .collect::<Result<Vec<_>, _>>()?;
                rows.sort_by_key(|r| r.key.channel);
                Ok(rows)
            }

            async fn delivery_counts(&self) -> Result<Vec<DeliveryCount>, StoreError> {
                let rows = sqlx::query(sql::COUNTS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("counting deliveries"))?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let state: String = get(row, "state")?;
                    let n: i64 = get(row, "n")?;
                    out.push(DeliveryCount {
                        channel: channel_of(row)?,
                        state: DeliveryState::parse(&state)
                            .ok_or_else(|| corrupt("delivery state"))?,
                        count: u64::try_from(n).unwrap_or(0),
                    });
                }
                out.sort_by_key(|c| (c.channel, c.state));
                Ok(out)
            }

            async fn retry_failed_deliveries(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query(sql::RETRY_FAILED)
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("retrying failed deliveries"))?;
                Ok(done.rows_affected())
            }
        }
    };
}

pub(crate) use notify_impl;
