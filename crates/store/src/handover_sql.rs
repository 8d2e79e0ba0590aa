//! The SQL of [`crate::HandoverStore`], shared by both backends, and `handover_impl!`, which implements
//! the trait for a store type with the fields `pool: sqlx::Pool<$db>` and `registry: RegistrySealer`,
//! given the backend's [`crate::sql::Placeholders`] for the bulk inserts.
//!
//! Days and slot times are text (`YYYY-MM-DD`, `HH:MM`) on both backends, so they compare and sort the
//! same way everywhere.

/// Rows per multi-row INSERT: 1,000 × at most 10 parameters, inside SQLite's 32,766.
pub(crate) const ROWS_PER_INSERT: usize = 1000;
pub(crate) const VOUCHER_PARAMS: usize = 10;
pub(crate) const ASSIGNMENT_PARAMS: usize = 7;
pub(crate) const NOTICE_PARAMS: usize = 8;
const _: () = assert!(ROWS_PER_INSERT * VOUCHER_PARAMS <= 32_766);

pub(crate) const POINT_COLUMNS: &str = "id, code, name, kind, village_code, capacity_per_slot, \
     slots_per_day, first_slot, slot_minutes, active, merchant_account";

pub(crate) const INSERT_POINT: &str = "INSERT INTO distribution_point (id, code, name, kind, \
     village_code, capacity_per_slot, slots_per_day, first_slot, slot_minutes, active, \
     merchant_account) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

pub(crate) const UPDATE_POINT: &str =
    "UPDATE distribution_point SET code = $2, name = $3, kind = $4, \
     village_code = $5, capacity_per_slot = $6, slots_per_day = $7, first_slot = $8, \
     slot_minutes = $9, active = $10, merchant_account = $11 WHERE id = $1";

pub(crate) const VOUCHER_COLUMNS: &str = "v.id, v.envelope_id, v.household_id, v.amount, v.goods, \
     v.recipient, v.valid_from, v.valid_until, v.key_id, v.issued_at";

pub(crate) const ASSIGNMENT_COLUMNS: &str =
    "envelope_id, household_id, point_id, day, slot, assigned_at, version";

pub(crate) const NOTICE_COLUMNS: &str =
    "id, household_id, kind, program, cycle, body, created_at, delivered_at";

pub(crate) const VOUCHER_ENVELOPE: &str =
    "SELECT id, program, cycle, state, CAST(scheduled_date AS TEXT) AS scheduled_date FROM envelope \
     WHERE id = $1";

/// Cash and goods entitlements without a voucher, each with its active head of family's sealed NIK
/// (a household has exactly one active head; a second row, should data ever hold one, is skipped).
pub(crate) const VOUCHER_CANDIDATES: &str = "SELECT e.household_id, e.village_code, e.amount, \
     e.route, e.state, m.id AS head_id, m.nik_sealed AS head_nik \
     FROM entitlement e \
     LEFT JOIN voucher v ON v.envelope_id = e.envelope_id AND v.household_id = e.household_id \
     LEFT JOIN registry_member m ON m.household_id = e.household_id \
          AND m.relationship = 'kepala_keluarga' AND m.state = 'active' \
     WHERE e.envelope_id = $1 AND e.route IN ('cash', 'goods') \
       AND e.state IN ('pending', 'instructed') AND v.id IS NULL \
     ORDER BY e.household_id";

pub(crate) const POINT_LOADS: &str = "SELECT point_id, day, slot, COUNT(*) AS n FROM assignment \
     WHERE day >= $1 AND day <= $2 GROUP BY point_id, day, slot ORDER BY point_id, day, slot";

/// After vouchers are written: their entitlements are instructed (a voucher is the instruction).
pub(crate) const INSTRUCT_WITH_VOUCHER: &str = "UPDATE entitlement SET state = 'instructed' \
     WHERE envelope_id = $1 AND state = 'pending' AND route IN ('cash', 'goods') \
       AND EXISTS (SELECT 1 FROM voucher v WHERE v.envelope_id = entitlement.envelope_id \
                   AND v.household_id = entitlement.household_id)";

pub(crate) const RESCHEDULE: &str = "UPDATE assignment SET point_id = $3, day = $4, slot = $5, \
     assigned_at = $6, version = version + 1 \
     WHERE envelope_id = $1 AND household_id = $2 AND version = $7";

pub(crate) const VOUCHER_CONTEXT: &str = "SELECT v.id, v.envelope_id, v.household_id, v.amount, \
     v.goods, v.recipient, v.valid_from, v.valid_until, v.key_id, v.issued_at, \
     env.program, env.cycle, env.state AS envelope_state, e.village_code, e.route, \
     e.state AS entitlement_state, a.point_id, \
     (SELECT h.photo_id FROM handover h WHERE h.voucher_id = v.id AND h.status = 'accepted') \
     AS handover_photo \
     FROM voucher v \
     JOIN envelope env ON env.id = v.envelope_id \
     JOIN entitlement e ON e.envelope_id = v.envelope_id AND e.household_id = v.household_id \
     LEFT JOIN assignment a ON a.envelope_id = v.envelope_id AND a.household_id = v.household_id \
     WHERE v.id = $1";

pub(crate) const LOCK_VOUCHER: &str = "UPDATE voucher SET key_id = key_id WHERE id = $1";

pub(crate) const HANDOVER_BY_ID: &str = "SELECT status FROM handover WHERE id = $1";

pub(crate) const HANDOVER_ACCEPTED: &str =
    "SELECT id, handed_at FROM handover WHERE voucher_id = $1 AND status = 'accepted'";

pub(crate) const INSERT_HANDOVER: &str = "INSERT INTO handover (id, voucher_id, officer, device, \
     handed_at, point_id, lat, lon, photo_id, synced_at, status, first_handover) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// An entitlement handed over: from any state that still waits for it.
pub(crate) const HAND_OVER_ENTITLEMENT: &str = "UPDATE entitlement SET state = 'handed_over' \
     WHERE envelope_id = $1 AND household_id = $2 AND state IN ('pending', 'instructed', 'failed')";

pub(crate) const FLAGGED: &str = "SELECT h.id, h.voucher_id, v.envelope_id, v.household_id, \
     h.officer, h.device, h.handed_at, h.synced_at, h.first_handover, h.photo_id, \
     f.photo_id AS first_photo_id \
     FROM handover h JOIN voucher v ON v.id = h.voucher_id \
     LEFT JOIN handover f ON f.id = h.first_handover \
     WHERE h.status = 'duplicate' ORDER BY h.synced_at DESC, h.id DESC LIMIT $1";

pub(crate) const UNDELIVERED: &str = "WHERE delivered_at IS NULL ORDER BY created_at, id LIMIT $1";

pub(crate) const DELIVER: &str =
    "UPDATE notice SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL";

/// Every entitlement of a household with its schedule, latest payment attempt and accepted hand-over.
pub(crate) const TRAIL: &str = "SELECT e.envelope_id, env.program, env.cycle, \
     env.state AS envelope_state, e.amount, e.route, e.state, \
     p.code AS point_code, p.name AS point_name, p.first_slot, p.slot_minutes, a.day, a.slot, \
     pm.state AS payment_state, pm.ledger_index AS payment_ledger, \
     pm.result_ledger_index AS result_ledger, v.id AS voucher_id, h.handed_at, \
     h.ledger_index AS handover_ledger, e.ledger_index AS entitlement_ledger \
     FROM entitlement e \
     JOIN envelope env ON env.id = e.envelope_id \
     LEFT JOIN assignment a ON a.envelope_id = e.envelope_id AND a.household_id = e.household_id \
     LEFT JOIN distribution_point p ON p.id = a.point_id \
     LEFT JOIN voucher v ON v.envelope_id = e.envelope_id AND v.household_id = e.household_id \
     LEFT JOIN handover h ON h.voucher_id = v.id AND h.status = 'accepted' \
     LEFT JOIN payment pm ON pm.envelope_id = e.envelope_id AND pm.household_id = e.household_id \
          AND pm.attempt = (SELECT MAX(q.attempt) FROM payment q \
                            WHERE q.envelope_id = e.envelope_id AND q.household_id = e.household_id) \
     WHERE e.household_id = $1 \
     ORDER BY env.prepared_at DESC, e.envelope_id DESC";

use crate::sql::Placeholders;

pub(crate) fn voucher_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO voucher (id, envelope_id, household_id, amount, goods, recipient, valid_from, \
         valid_until, key_id, issued_at) VALUES {} ON CONFLICT DO NOTHING",
        ph.tuples(rows, VOUCHER_PARAMS)
    )
}

pub(crate) fn assignment_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO assignment ({ASSIGNMENT_COLUMNS}) VALUES {} ON CONFLICT DO NOTHING",
        ph.tuples(rows, ASSIGNMENT_PARAMS)
    )
}

pub(crate) fn notice_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO notice ({NOTICE_COLUMNS}) VALUES {} ON CONFLICT DO NOTHING",
        ph.tuples(rows, NOTICE_PARAMS)
    )
}

macro_rules! handover_impl {
    ($db:ty, $store:ty, $ph:expr) => {
        use std::borrow::Cow;

        use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
        use sqlx::Row as _;
        use tepat_domain::distribution::{EntitlementState, EnvelopeState, PaymentState, Route};
        use tepat_domain::{RegionCode, Rupiah};
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::handover::{
            Assignment, DistributionPoint, FlaggedHandover, HandoverStatus, HandoverStore,
            HandoverWrite, IssueBatch, IssueCounts, NewHandover, Notice, NoticeKind, PointKind,
            PointLoad, StoredVoucher, TrailRow, VoucherCandidate, VoucherContext, VoucherEnvelope,
        };
        use $crate::handover_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn corrupt(what: &'static str) -> StoreError {
            StoreError::Corrupt { what: what.into() }
        }

        fn code<T>(
            row: &DbRow,
            column: &'static str,
            parse: fn(&str) -> Option<T>,
        ) -> Result<T, StoreError> {
            let s: String = get(row, column)?;
            parse(&s).ok_or_else(|| StoreError::Corrupt {
                what: format!("column {column} holds an unknown code"),
            })
        }

        fn region(row: &DbRow, column: &'static str) -> Result<RegionCode, StoreError> {
            let s: String = get(row, column)?;
            RegionCode::parse(&s).map_err(|_| StoreError::Corrupt {
                what: format!("column {column} is not a region code"),
            })
        }

        fn day(row: &DbRow, column: &'static str) -> Result<NaiveDate, StoreError> {
            let s: String = get(row, column)?;
            s.parse().map_err(|_| StoreError::Corrupt {
                what: format!("column {column} is not a date"),
            })
        }

        fn optional_day(
            row: &DbRow,
            column: &'static str,
        ) -> Result<Option<NaiveDate>, StoreError> {
            let s: Option<String> = get(row, column)?;
            s.map(|s| {
                s.parse().map_err(|_| StoreError::Corrupt {
                    what: format!("column {column} is not a date"),
                })
            })
            .transpose()
        }

        fn hhmm(s: &str) -> Result<NaiveTime, StoreError> {
            NaiveTime::parse_from_str(s, "%H:%M")
                .map_err(|_| corrupt("distribution_point.first_slot"))
        }

        fn uint(row: &DbRow, column: &'static str) -> Result<u32, StoreError> {
            let n: i32 = get(row, column)?;
            u32::try_from(n).map_err(|_| StoreError::Corrupt {
                what: format!("column {column} is negative"),
            })
        }

        fn ledger(row: &DbRow, column: &'static str) -> Result<Option<u64>, StoreError> {
            let n: Option<i64> = get(row, column)?;
            Ok(n.and_then(|n| u64::try_from(n).ok()))
        }

        fn int(n: u32, what: &'static str) -> Result<i32, StoreError> {
            i32::try_from(n).map_err(|_| StoreError::Corrupt {
                what: format!("{what} is too large"),
            })
        }

        /// Microseconds, the precision PostgreSQL keeps, so both backends return what was written.
        fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        fn point_from_row(row: &DbRow) -> Result<DistributionPoint, StoreError> {
            let first: String = get(row, "first_slot")?;
            Ok(DistributionPoint {
                id: get(row, "id")?,
                code: get(row, "code")?,
                name: get(row, "name")?,
                kind: code(row, "kind", PointKind::parse)?,
                village: region(row, "village_code")?,
                capacity_per_slot: uint(row, "capacity_per_slot")?,
                slots_per_day: uint(row, "slots_per_day")?,
                first_slot: hhmm(&first)?,
                slot_minutes: uint(row, "slot_minutes")?,
                active: get(row, "active")?,
                merchant_account: get(row, "merchant_account")?,
            })
        }

        fn voucher_from_row(row: &DbRow) -> Result<StoredVoucher, StoreError> {
            let recipient: Vec<u8> = get(row, "recipient")?;
            Ok(StoredVoucher {
                id: get(row, "id")?,
                envelope: get(row, "envelope_id")?,
                household: get(row, "household_id")?,
                amount: Rupiah::new(get(row, "amount")?),
                goods: get(row, "goods")?,
                recipient: recipient
                    .try_into()
                    .map_err(|_| corrupt("voucher.recipient"))?,
                valid_from: day(row, "valid_from")?,
                valid_until: day(row, "valid_until")?,
                key_id: get(row, "key_id")?,
                issued_at: get(row, "issued_at")?,
            })
        }

        fn assignment_from_row(row: &DbRow) -> Result<Assignment, StoreError> {
            let slot: i32 = get(row, "slot")?;
            Ok(Assignment {
                envelope: get(row, "envelope_id")?,
                household: get(row, "household_id")?,
                point: get(row, "point_id")?,
                day: day(row, "day")?,
                slot: u16::try_from(slot).map_err(|_| corrupt("assignment.slot"))?,
                assigned_at: get(row, "assigned_at")?,
                version: uint(row, "version")?,
            })
        }

        fn notice_from_row(row: &DbRow) -> Result<Notice, StoreError> {
            Ok(Notice {
                id: get(row, "id")?,
                household: get(row, "household_id")?,
                kind: code(row, "kind", NoticeKind::parse)?,
                program: get(row, "program")?,
                cycle: get(row, "cycle")?,
                body: get(row, "body")?,
                created_at: get(row, "created_at")?,
                delivered_at: get(row, "delivered_at")?,
            })
        }

        fn trail_from_row(row: &DbRow) -> Result<TrailRow, StoreError> {
            let slot: Option<i32> = get(row, "slot")?;
            let first: Option<String> = get(row, "first_slot")?;
            let minutes: Option<i32> = get(row, "slot_minutes")?;
            let slot_time = match (slot, first, minutes) {
                (Some(slot), Some(first), Some(minutes)) => Some(
                    hhmm(&first)? + chrono::Duration::minutes(i64::from(minutes) * i64::from(slot)),
                ),
                _ => None,
            };
            let payment: Option<String> = get(row, "payment_state")?;
            Ok(TrailRow {
                envelope: get(row, "envelope_id")?,
                program: get(row, "program")?,
                cycle: get(row, "cycle")?,
                envelope_state: code(row, "envelope_state", EnvelopeState::from_code)?,
                amount: Rupiah::new(get(row, "amount")?),
                route: code(row, "route", Route::from_code)?,
                state: code(row, "state", EntitlementState::from_code)?,
                point_code: get(row, "point_code")?,
                point_name: get(row, "point_name")?,
                day: optional_day(row, "day")?,
                slot_time,
                payment_state: payment
                    .map(|p| PaymentState::from_code(&p).ok_or_else(|| corrupt("payment.state")))
                    .transpose()?,
                voucher: get(row, "voucher_id")?,
                handed_at: get(row, "handed_at")?,
                entitlement_ledger: ledger(row, "entitlement_ledger")?,
                payment_ledger: ledger(row, "payment_ledger")?,
                result_ledger: ledger(row, "result_ledger")?,
                handover_ledger: ledger(row, "handover_ledger")?,
            })
        }

        fn unique_violation(e: &sqlx::Error) -> bool {
            e.as_database_error()
                .is_some_and(|d| d.is_unique_violation())
        }

        fn point_error(e: sqlx::Error) -> StoreError {
            if unique_violation(&e) {
                StoreError::Conflict {
                    what: "a distribution point with this code",
                }
            } else {
                StoreError::db("saving a distribution point")(e)
            }
        }

        fn chunk_sql(
            full: &str,
            len: usize,
            make: fn($crate::sql::Placeholders, usize) -> String,
        ) -> Cow<'_, str> {
            if len == sql::ROWS_PER_INSERT {
                Cow::Borrowed(full)
            } else {
                Cow::Owned(make($ph, len))
            }
        }

        async fn insert_vouchers(
            tx: &mut sqlx::Transaction<'_, $db>,
            rows: &[StoredVoucher],
        ) -> Result<u64, StoreError> {
            let full = sql::voucher_insert($ph, sql::ROWS_PER_INSERT);
            let mut written = 0;
            for chunk in rows.chunks(sql::ROWS_PER_INSERT) {
                let text = chunk_sql(&full, chunk.len(), sql::voucher_insert);
                let mut query = sqlx::query(&text);
                for v in chunk {
                    query = query
                        .bind(v.id)
                        .bind(v.envelope)
                        .bind(v.household)
                        .bind(v.amount.amount())
                        .bind(v.goods.clone())
                        .bind(v.recipient.to_vec())
                        .bind(v.valid_from.to_string())
                        .bind(v.valid_until.to_string())
                        .bind(v.key_id.clone())
                        .bind(micros(v.issued_at));
                }
                let n = query
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db("writing vouchers"))?
                    .rows_affected();
                if n != chunk.len() as u64 {
                    return Err(StoreError::Conflict {
                        what: "a voucher for one of these entitlements",
                    });
                }
                written += n;
            }
            Ok(written)
        }

        async fn insert_assignments(
            tx: &mut sqlx::Transaction<'_, $db>,
            rows: &[Assignment],
        ) -> Result<u64, StoreError> {
            let full = sql::assignment_insert($ph, sql::ROWS_PER_INSERT);
            let mut written = 0;
            for chunk in rows.chunks(sql::ROWS_PER_INSERT) {
                let text = chunk_sql(&full, chunk.len(), sql::assignment_insert);
                let mut query = sqlx::query(&text);
                for a in chunk {
                    query = query
                        .bind(a.envelope)
                        .bind(a.household)
                        .bind(a.point)
                        .bind(a.day.to_string())
                        .bind(i32::from(a.slot))
                        .bind(micros(a.assigned_at))
                        .bind(int(a.version, "an assignment version")?);
                }
                written += query
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db("writing assignments"))?
                    .rows_affected();
            }
            Ok(written)
        }

        async fn write_notices(
            tx: &mut sqlx::Transaction<'_, $db>,
            rows: &[Notice],
        ) -> Result<u64, StoreError> {
            let full = sql::notice_insert($ph, sql::ROWS_PER_INSERT);
            let mut written = 0;
            for chunk in rows.chunks(sql::ROWS_PER_INSERT) {
                let text = chunk_sql(&full, chunk.len(), sql::notice_insert);
                let mut query = sqlx::query(&text);
                for n in chunk {
                    query = query
                        .bind(n.id)
                        .bind(n.household)
                        .bind(n.kind.code())
                        .bind(n.program.clone())
                        .bind(n.cycle.clone())
                        .bind(n.body.clone())
                        .bind(micros(n.created_at))
                        .bind(n.delivered_at.map(micros));
                }
                written += query
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db("writing notices"))?
                    .rows_affected();
            }
            Ok(written)
        }

        impl $store {
            /// One attempt at [`HandoverStore::record_handover`]; `Ok(None)` when a concurrent sync of
            /// the same voucher or id won the race (the caller tries again and finds it).
            async fn try_record_handover(
                &self,
                h: &NewHandover,
                notice: &Notice,
            ) -> Result<Option<HandoverWrite>, StoreError> {
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("recording a hand-over"))?;
                // Writing first takes SQLite's write lock (waiting with the busy timeout) and locks the
                // voucher's row on PostgreSQL, so concurrent syncs of one voucher take turns.
                sqlx::query(sql::LOCK_VOUCHER)
                    .bind(h.voucher)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("recording a hand-over"))?;
                if let Some(row) = sqlx::query(sql::HANDOVER_BY_ID)
                    .bind(h.id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::db("recording a hand-over"))?
                {
                    let status = code(&row, "status", HandoverStatus::parse)?;
                    return Ok(Some(HandoverWrite::AlreadySynced { status }));
                }
                let first = sqlx::query(sql::HANDOVER_ACCEPTED)
                    .bind(h.voucher)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::db("recording a hand-over"))?;
                let (status, first) = match &first {
                    Some(row) => {
                        let id: Uuid = get(row, "id")?;
                        let at: DateTime<Utc> = get(row, "handed_at")?;
                        (HandoverStatus::Duplicate, Some((id, at)))
                    }
                    None => (HandoverStatus::Accepted, None),
                };
                let inserted = sqlx::query(sql::INSERT_HANDOVER)
                    .bind(h.id)
                    .bind(h.voucher)
                    .bind(h.officer)
                    .bind(h.device.clone())
                    .bind(micros(h.handed_at))
                    .bind(h.point)
                    .bind(h.lat)
                    .bind(h.lon)
                    .bind(h.photo)
                    .bind(micros(h.synced_at))
                    .bind(status.code())
                    .bind(first.map(|(id, _)| id))
                    .execute(&mut *tx)
                    .await;
                match inserted {
                    Err(e) if unique_violation(&e) => return Ok(None),
                    other => other.map_err(StoreError::db("recording a hand-over"))?,
                };
                let outcome = match first {
                    Some((first, first_at)) => HandoverWrite::Duplicate { first, first_at },
                    None => {
                        let voucher = sqlx::query(
                            "SELECT envelope_id, household_id FROM voucher WHERE id = $1",
                        )
                        .bind(h.voucher)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(StoreError::db("recording a hand-over"))?
                        .ok_or(StoreError::NotFound { what: "voucher" })?;
                        let envelope: Uuid = get(&voucher, "envelope_id")?;
                        let household: Uuid = get(&voucher, "household_id")?;
                        sqlx::query(sql::HAND_OVER_ENTITLEMENT)
                            .bind(envelope)
                            .bind(household)
                            .execute(&mut *tx)
                            .await
                            .map_err(StoreError::db("recording a hand-over"))?;
                        write_notices(&mut tx, std::slice::from_ref(notice)).await?;
                        HandoverWrite::Accepted
                    }
                };
                tx.commit()
                    .await
                    .map_err(StoreError::db("recording a hand-over"))?;
                Ok(Some(outcome))
            }
        }

        #[async_trait::async_trait]
        impl HandoverStore for $store {
            async fn insert_point(&self, p: &DistributionPoint) -> Result<(), StoreError> {
                sqlx::query(sql::INSERT_POINT)
                    .bind(p.id)
                    .bind(p.code.clone())
                    .bind(p.name.clone())
                    .bind(p.kind.code())
                    .bind(p.village.plain().to_owned())
                    .bind(int(p.capacity_per_slot, "a capacity")?)
                    .bind(int(p.slots_per_day, "slots per day")?)
                    .bind(p.first_slot.format("%H:%M").to_string())
                    .bind(int(p.slot_minutes, "a slot length")?)
                    .bind(p.active)
                    .bind(p.merchant_account)
                    .execute(&self.pool)
                    .await
                    .map_err(point_error)?;
                Ok(())
            }

            async fn update_point(&self, p: &DistributionPoint) -> Result<bool, StoreError> {
                Ok(sqlx::query(sql::UPDATE_POINT)
                    .bind(p.id)
                    .bind(p.code.clone())
                    .bind(p.name.clone())
                    .bind(p.kind.code())
                    .bind(p.village.plain().to_owned())
                    .bind(int(p.capacity_per_slot, "a capacity")?)
                    .bind(int(p.slots_per_day, "slots per day")?)
                    .bind(p.first_slot.format("%H:%M").to_string())
                    .bind(int(p.slot_minutes, "a slot length")?)
                    .bind(p.active)
                    .bind(p.merchant_account)
                    .execute(&self.pool)
                    .await
                    .map_err(point_error)?
                    .rows_affected()
                    > 0)
            }

            async fn points(
                &self,
                active_only: bool,
            ) -> Result<Vec<DistributionPoint>, StoreError> {
                // Bound rather than written as a literal: SQLite stores booleans as integers.
                let text = format!(
                    "SELECT {} FROM distribution_point WHERE active = $1 OR active = $2 \
                     ORDER BY code",
                    sql::POINT_COLUMNS
                );
                sqlx::query(&text)
                    .bind(true)
                    .bind(active_only)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing distribution points"))?
                    .iter()
                    .map(point_from_row)
                    .collect()
            }

            async fn point(&self, id: Uuid) -> Result<Option<DistributionPoint>, StoreError> {
                let text = format!(
                    "SELECT {} FROM distribution_point WHERE id = $1",
                    sql::POINT_COLUMNS
                );
                sqlx::query(&text)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a distribution point"))?
                    .map(|r| point_from_row(&r))
                    .transpose()
            }

            async fn point_by_code(
                &self,
                point_code: &str,
            ) -> Result<Option<DistributionPoint>, StoreError> {
                let text = format!(
                    "SELECT {} FROM distribution_point WHERE code = $1",
                    sql::POINT_COLUMNS
                );
                sqlx::query(&text)
                    .bind(point_code.to_owned())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a distribution point"))?
                    .map(|r| point_from_row(&r))
                    .transpose()
            }

            async fn voucher_envelope(
                &self,
                envelope: Uuid,
            ) -> Result<Option<VoucherEnvelope>, StoreError> {
                let Some(row) = sqlx::query(sql::VOUCHER_ENVELOPE)
                    .bind(envelope)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an envelope"))?
                else {
                    return Ok(None);
                };
                Ok(Some(VoucherEnvelope {
                    id: get(&row, "id")?,
                    program: get(&row, "program")?,
                    cycle: get(&row, "cycle")?,
                    state: code(&row, "state", EnvelopeState::from_code)?,
                    scheduled_date: day(&row, "scheduled_date")?,
                }))
            }

            async fn voucher_candidates(
                &self,
                envelope: Uuid,
            ) -> Result<Vec<VoucherCandidate>, StoreError> {
                let rows = sqlx::query(sql::VOUCHER_CANDIDATES)
                    .bind(envelope)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading entitlements for vouchers"))?;
                let mut out: Vec<VoucherCandidate> = Vec::with_capacity(rows.len());
                for row in &rows {
                    let household: Uuid = get(row, "household_id")?;
                    if out.last().is_some_and(|c| c.household == household) {
                        continue;
                    }
                    let head: Option<Uuid> = get(row, "head_id")?;
                    let sealed: Option<Vec<u8>> = get(row, "head_nik")?;
                    let head_nik = match (head, sealed) {
                        (Some(id), Some(sealed)) => Some(self.registry.open_nik(id, &sealed)?),
                        _ => None,
                    };
                    out.push(VoucherCandidate {
                        household,
                        village: region(row, "village_code")?,
                        amount: Rupiah::new(get(row, "amount")?),
                        route: code(row, "route", Route::from_code)?,
                        state: code(row, "state", EntitlementState::from_code)?,
                        head_nik,
                    });
                }
                Ok(out)
            }

            async fn point_loads(
                &self,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<PointLoad>, StoreError> {
                sqlx::query(sql::POINT_LOADS)
                    .bind(from.to_string())
                    .bind(to.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading point loads"))?
                    .iter()
                    .map(|row| {
                        let slot: i32 = get(row, "slot")?;
                        let n: i64 = get(row, "n")?;
                        Ok(PointLoad {
                            point: get(row, "point_id")?,
                            day: day(row, "day")?,
                            slot: u16::try_from(slot).map_err(|_| corrupt("assignment.slot"))?,
                            count: u32::try_from(n).unwrap_or(u32::MAX),
                        })
                    })
                    .collect()
            }

            async fn issue_vouchers(&self, batch: &IssueBatch) -> Result<IssueCounts, StoreError> {
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("writing vouchers"))?;
                let mut counts = IssueCounts {
                    vouchers: insert_vouchers(&mut tx, &batch.vouchers).await?,
                    assignments: insert_assignments(&mut tx, &batch.assignments).await?,
                    notices: write_notices(&mut tx, &batch.notices).await?,
                    instructed: 0,
                };
                let mut envelopes: Vec<Uuid> = batch.vouchers.iter().map(|v| v.envelope).collect();
                envelopes.sort_unstable();
                envelopes.dedup();
                for envelope in envelopes {
                    counts.instructed += sqlx::query(sql::INSTRUCT_WITH_VOUCHER)
                        .bind(envelope)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db("writing vouchers"))?
                        .rows_affected();
                }
                tx.commit()
                    .await
                    .map_err(StoreError::db("writing vouchers"))?;
                Ok(counts)
            }

            async fn assignment(
                &self,
                envelope: Uuid,
                household: Uuid,
            ) -> Result<Option<Assignment>, StoreError> {
                let text = format!(
                    "SELECT {} FROM assignment WHERE envelope_id = $1 AND household_id = $2",
                    sql::ASSIGNMENT_COLUMNS
                );
                sqlx::query(&text)
                    .bind(envelope)
                    .bind(household)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an assignment"))?
                    .map(|r| assignment_from_row(&r))
                    .transpose()
            }

            async fn reschedule(
                &self,
                to: &Assignment,
                expected_version: u32,
                notice: &Notice,
            ) -> Result<Option<Assignment>, StoreError> {
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("rescheduling"))?;
                let moved = sqlx::query(sql::RESCHEDULE)
                    .bind(to.envelope)
                    .bind(to.household)
                    .bind(to.point)
                    .bind(to.day.to_string())
                    .bind(i32::from(to.slot))
                    .bind(micros(to.assigned_at))
                    .bind(int(expected_version, "an assignment version")?)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("rescheduling"))?
                    .rows_affected();
                if moved == 0 {
                    return Ok(None);
                }
                write_notices(&mut tx, std::slice::from_ref(notice)).await?;
                tx.commit().await.map_err(StoreError::db("rescheduling"))?;
                self.assignment(to.envelope, to.household).await
            }

            async fn voucher(&self, id: Uuid) -> Result<Option<StoredVoucher>, StoreError> {
                let text = format!(
                    "SELECT {} FROM voucher v WHERE v.id = $1",
                    sql::VOUCHER_COLUMNS
                );
                sqlx::query(&text)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a voucher"))?
                    .map(|r| voucher_from_row(&r))
                    .transpose()
            }

            async fn voucher_of(
                &self,
                envelope: Uuid,
                household: Uuid,
            ) -> Result<Option<StoredVoucher>, StoreError> {
                let text = format!(
                    "SELECT {} FROM voucher v WHERE v.envelope_id = $1 AND v.household_id = $2",
                    sql::VOUCHER_COLUMNS
                );
                sqlx::query(&text)
                    .bind(envelope)
                    .bind(household)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a voucher"))?
                    .map(|r| voucher_from_row(&r))
                    .transpose()
            }

            async fn voucher_context(
                &self,
                id: Uuid,
            ) -> Result<Option<VoucherContext>, StoreError> {
                let Some(row) = sqlx::query(sql::VOUCHER_CONTEXT)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a voucher"))?
                else {
                    return Ok(None);
                };
                Ok(Some(VoucherContext {
                    voucher: voucher_from_row(&row)?,
                    program: get(&row, "program")?,
                    cycle: get(&row, "cycle")?,
                    envelope_state: code(&row, "envelope_state", EnvelopeState::from_code)?,
                    village: region(&row, "village_code")?,
                    route: code(&row, "route", Route::from_code)?,
                    entitlement_state: code(
                        &row,
                        "entitlement_state",
                        EntitlementState::from_code,
                    )?,
                    point: get(&row, "point_id")?,
                    handover_photo: get(&row, "handover_photo")?,
                }))
            }

            async fn record_handover(
                &self,
                handover: &NewHandover,
                notice: &Notice,
            ) -> Result<HandoverWrite, StoreError> {
                // A concurrent sync of the same voucher (or id) makes the insert fail on a unique
                // index; the next attempt reads what won.
                // On SQLite the loser of two concurrent syncs may instead find its snapshot stale
                // (busy); trying again reads the winner too.
                for _ in 0..5 {
                    match self.try_record_handover(handover, notice).await {
                        Ok(Some(outcome)) => return Ok(outcome),
                        Ok(None) | Err(StoreError::Busy) => continue,
                        Err(e) => return Err(e),
                    }
                }
                Err(StoreError::Conflict {
                    what: "a hand-over of this voucher synced at the same moment",
                })
            }

            async fn flagged_handovers(
                &self,
                limit: u32,
            ) -> Result<Vec<FlaggedHandover>, StoreError> {
                sqlx::query(sql::FLAGGED)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing flagged hand-overs"))?
                    .iter()
                    .map(|row| {
                        Ok(FlaggedHandover {
                            id: get(row, "id")?,
                            voucher: get(row, "voucher_id")?,
                            envelope: get(row, "envelope_id")?,
                            household: get(row, "household_id")?,
                            officer: get(row, "officer")?,
                            device: get(row, "device")?,
                            handed_at: get(row, "handed_at")?,
                            synced_at: get(row, "synced_at")?,
                            first_handover: get(row, "first_handover")?,
                            photo: get(row, "photo_id")?,
                            first_photo: get(row, "first_photo_id")?,
                        })
                    })
                    .collect()
            }

            async fn insert_notices(&self, notices: &[Notice]) -> Result<u64, StoreError> {
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("writing notices"))?;
                let n = write_notices(&mut tx, notices).await?;
                tx.commit()
                    .await
                    .map_err(StoreError::db("writing notices"))?;
                Ok(n)
            }

            async fn undelivered_notices(&self, limit: u32) -> Result<Vec<Notice>, StoreError> {
                let text = format!(
                    "SELECT {} FROM notice {}",
                    sql::NOTICE_COLUMNS,
                    sql::UNDELIVERED
                );
                sqlx::query(&text)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing notices"))?
                    .iter()
                    .map(notice_from_row)
                    .collect()
            }

            async fn mark_notices_delivered(
                &self,
                ids: &[Uuid],
                at: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("marking notices delivered"))?;
                let mut n = 0;
                for id in ids {
                    n += sqlx::query(sql::DELIVER)
                        .bind(*id)
                        .bind(micros(at))
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db("marking notices delivered"))?
                        .rows_affected();
                }
                tx.commit()
                    .await
                    .map_err(StoreError::db("marking notices delivered"))?;
                Ok(n)
            }

            async fn notices_of_household(
                &self,
                household: Uuid,
            ) -> Result<Vec<Notice>, StoreError> {
                let text = format!(
                    "SELECT {} FROM notice WHERE household_id = $1 ORDER BY created_at, id",
                    sql::NOTICE_COLUMNS
                );
                sqlx::query(&text)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing notices"))?
                    .iter()
                    .map(notice_from_row)
                    .collect()
            }

            async fn household_trail(&self, household: Uuid) -> Result<Vec<TrailRow>, StoreError> {
                sqlx::query(sql::TRAIL)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a household's trail"))?
                    .iter()
                    .map(trail_from_row)
                    .collect()
            }
        }
    };
}

pub(crate) use handover_impl;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_inserts_number_or_anonymise_placeholders() {
        assert!(voucher_insert(Placeholders::Numbered, 2)
            .contains("($1,$2,$3,$4,$5,$6,$7,$8,$9,$10),($11,"));
        assert!(assignment_insert(Placeholders::Anonymous, 1)
            .ends_with("VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"));
        assert!(notice_insert(Placeholders::Numbered, 1).contains("($1,$2,$3,$4,$5,$6,$7,$8)"));
    }
}
