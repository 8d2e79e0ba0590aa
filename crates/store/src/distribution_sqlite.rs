//! The bulk paths of [`crate::DistributionStore`] on the embedded store, driven by rusqlite on a
//! blocking thread with a connection of their own: writing an envelope's entitlements, reading the
//! verified account routes, reading a bank file's payments, and applying a status file.
//!
//! Why not sqlx here: its SQLite driver hands every value of every row to a worker thread as an owned
//! copy, which cost more than SQLite's own work at a million rows (BENCHMARKS.md, "Distribution": a
//! batch's read took 0.27 s of sqlx row handling for 22,700 payments). Values are encoded as sqlx
//! encodes them (UUIDs as 16 bytes, times as RFC 3339), so the sqlx reads elsewhere decode these rows.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, Row};
use tepat_domain::distribution::{EntitlementState, PaymentState, Route};
use tepat_domain::Rupiah;
use uuid::Uuid;

use crate::distribution::{
    AppliedStatus, Entitlement, NewEnvelope, Payment, StatusImport, StatusUpdate, ACCOUNT_REASONS,
};
use crate::distribution_sql::{plan_status, Current, Final};
use crate::error::StoreError;
use crate::sqlite::BUSY_TIMEOUT;

/// Page cache of a bulk connection (negative = KiB) and bytes of the file mapped for reading: the
/// tables of a million-household envelope outgrow the default cache.
const CACHE_KIB: i64 = -262_144;
const MMAP_BYTES: i64 = 8 << 30;

const INSERT_ENVELOPE: &str = "INSERT INTO envelope (id, program, cycle, program_version, state, \
     count, amount, scheduled_date, prepared_by, prepared_at) \
     VALUES (?1, ?2, ?3, ?4, 'prepared', ?5, ?6, ?7, ?8, ?9)";
const INSERT_ENTITLEMENT: &str =
    "INSERT INTO entitlement (envelope_id, household_id, village_code, \
     amount, parts, route, provider, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')";
const ROUTES_ALL: &str =
    "SELECT id, kind, provider FROM account_link WHERE state || '' = 'verified'";
const ROUTES_WITHIN: &str = "SELECT id, kind, provider FROM account_link \
     WHERE state = 'verified' AND village_code >= ?1 AND village_code < ?2";
const BATCH_ROWS: &str = "SELECT p.id, p.envelope_id, p.household_id, p.attempt, p.route, \
     p.provider, p.amount, p.state, p.reason, p.provider_ref, p.batch, p.created_at, p.updated_at, \
     a.address_sealed, a.state FROM payment p LEFT JOIN account_link a ON a.id = p.household_id \
     WHERE p.batch = ?1 ORDER BY p.id";
const BATCH_IDS: &str = "SELECT id FROM payment WHERE batch = ?1 ORDER BY id";
const RECORD_IMPORT: &str = "INSERT INTO status_import (sha256, kind, file_name, imported_by, \
     imported_at, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (sha256) DO NOTHING";
const PAYMENT_STATE: &str =
    "SELECT envelope_id, household_id, state, created_at FROM payment WHERE id = ?1";
const UPDATE_PAYMENT: &str = "UPDATE payment SET state = ?2, reason = COALESCE(?3, reason), \
     provider_ref = COALESCE(?4, provider_ref), updated_at = ?5 WHERE id = ?1";
const UPDATE_ENTITLEMENT: &str = "UPDATE entitlement SET state = ?3, \
     reason = COALESCE(?4, reason) WHERE envelope_id = ?1 AND household_id = ?2";
const INVALIDATE_REJECTED_LINK: &str = "UPDATE account_link SET state = 'invalid', \
     invalid_reason = ?2 WHERE id = ?1 AND requested_at <= ?3";

/// A verified account's route: household, kind code, provider.
pub(crate) type RouteRow = (Uuid, String, String);

/// A payment of a batch with its sealed address and link state, not yet opened.
pub(crate) struct SealedExportRow {
    pub payment: Payment,
    pub address_sealed: Option<Vec<u8>>,
    pub link_state: Option<String>,
}

/// What went wrong in a statement; like [`StoreError::db`], never with row values.
fn db(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            StoreError::Busy
        }
        _ => StoreError::SqliteWrite {
            action,
            reason: e.to_string(),
        },
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt {
        what: format!("distribution: {what}"),
    }
}

fn open(path: &Path, write: bool, action: &'static str) -> Result<Connection, StoreError> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(db(action))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db(action))?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
         PRAGMA cache_size = {CACHE_KIB}; PRAGMA mmap_size = {MMAP_BYTES}"
    ))
    .map_err(db(action))?;
    Ok(conn)
}

async fn blocking<T: Send + 'static>(
    action: &'static str,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::SqliteWrite {
            action,
            reason: e.to_string(),
        })?
}

/// As sqlx writes a timestamp into SQLite, so that its reads decode ours.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_time(text: &str, what: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt(what))
}

fn uuid(bytes: &[u8], what: &str) -> Result<Uuid, StoreError> {
    Uuid::from_slice(bytes).map_err(|_| corrupt(what))
}

/// Inserts the envelope (state prepared) and its entitlements (state pending) in one transaction;
/// the same conflicts as the sqlx path.
pub(crate) async fn create_envelope(
    path: PathBuf,
    e: NewEnvelope,
    totals: (i64, i64),
    mut rows: Vec<Entitlement>,
) -> Result<(), StoreError> {
    const ACTION: &str = "preparing an envelope";
    // In key order the table grows at its end instead of splitting pages all over.
    rows.sort_unstable_by_key(|r| r.household);
    blocking(ACTION, move || {
        let mut conn = open(&path, true, ACTION)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db(ACTION))?;
        let version = i64::from(e.program_version);
        let inserted = tx.execute(
            INSERT_ENVELOPE,
            params![
                &e.id.as_bytes()[..],
                e.program,
                e.cycle,
                version,
                totals.0,
                totals.1,
                date(e.scheduled_date),
                &e.prepared_by.as_bytes()[..],
                timestamp(e.prepared_at),
            ],
        );
        match inserted {
            Err(err) if is_unique_violation(&err) => {
                return Err(StoreError::Conflict {
                    what: "envelope (this program and cycle has one already)",
                })
            }
            other => other.map_err(db(ACTION))?,
        };
        {
            let mut insert = tx.prepare(INSERT_ENTITLEMENT).map_err(db(ACTION))?;
            let envelope = &e.id.as_bytes()[..];
            for r in &rows {
                let done = insert.execute(params![
                    envelope,
                    &r.household.as_bytes()[..],
                    r.village.plain(),
                    r.amount.amount(),
                    r.parts,
                    r.route.code(),
                    r.provider,
                ]);
                match done {
                    Err(err) if is_unique_violation(&err) => {
                        return Err(StoreError::Conflict {
                            what: "envelope (a household appears twice)",
                        })
                    }
                    other => other.map_err(db("writing entitlements"))?,
                };
            }
        }
        tx.commit().map_err(db(ACTION))
    })
    .await
}

/// Verified links' routes: every one (`within` None) or those in a village code range.
pub(crate) async fn verified_routes(
    path: PathBuf,
    within: Option<(String, String)>,
) -> Result<Vec<RouteRow>, StoreError> {
    const ACTION: &str = "reading verified accounts";
    blocking(ACTION, move || {
        let conn = open(&path, false, ACTION)?;
        let decode = |row: &Row<'_>| -> rusqlite::Result<(Vec<u8>, String, String)> {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        };
        let raw: Vec<(Vec<u8>, String, String)> = match &within {
            None => {
                let mut s = conn.prepare(ROUTES_ALL).map_err(db(ACTION))?;
                let rows = s.query_map([], decode).map_err(db(ACTION))?;
                rows.collect::<rusqlite::Result<_>>().map_err(db(ACTION))?
            }
            Some((lo, hi)) => {
                let mut s = conn.prepare(ROUTES_WITHIN).map_err(db(ACTION))?;
                let rows = s.query_map([lo, hi], decode).map_err(db(ACTION))?;
                rows.collect::<rusqlite::Result<_>>().map_err(db(ACTION))?
            }
        };
        raw.into_iter()
            .map(|(id, kind, provider)| Ok((uuid(&id, "account link id")?, kind, provider)))
            .collect()
    })
    .await
}

fn payment_row(row: &Row<'_>) -> Result<Payment, StoreError> {
    const ACTION: &str = "reading a payment batch";
    let id: Vec<u8> = row.get(0).map_err(db(ACTION))?;
    let envelope: Vec<u8> = row.get(1).map_err(db(ACTION))?;
    let household: Vec<u8> = row.get(2).map_err(db(ACTION))?;
    let attempt: i64 = row.get(3).map_err(db(ACTION))?;
    let route: String = row.get(4).map_err(db(ACTION))?;
    let state: String = row.get(7).map_err(db(ACTION))?;
    let created: String = row.get(11).map_err(db(ACTION))?;
    let updated: String = row.get(12).map_err(db(ACTION))?;
    Ok(Payment {
        id: uuid(&id, "payment id")?,
        envelope: uuid(&envelope, "payment envelope")?,
        household: uuid(&household, "payment household")?,
        attempt: u32::try_from(attempt).map_err(|_| corrupt("payment attempt"))?,
        route: Route::from_code(&route).ok_or_else(|| corrupt("payment route"))?,
        provider: row.get(5).map_err(db(ACTION))?,
        amount: Rupiah::new(row.get(6).map_err(db(ACTION))?),
        state: PaymentState::from_code(&state).ok_or_else(|| corrupt("payment state"))?,
        reason: row.get(8).map_err(db(ACTION))?,
        provider_ref: row.get(9).map_err(db(ACTION))?,
        batch: row.get(10).map_err(db(ACTION))?,
        created_at: parse_time(&created, "payment created_at")?,
        updated_at: parse_time(&updated, "payment updated_at")?,
    })
}

/// The payments of `batch` by id, with their sealed addresses.
pub(crate) async fn batch_rows(
    path: PathBuf,
    batch: String,
) -> Result<Vec<SealedExportRow>, StoreError> {
    const ACTION: &str = "reading a payment batch";
    blocking(ACTION, move || {
        let conn = open(&path, false, ACTION)?;
        let mut statement = conn.prepare(BATCH_ROWS).map_err(db(ACTION))?;
        let mut rows = statement.query([&batch]).map_err(db(ACTION))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db(ACTION))? {
            out.push(SealedExportRow {
                payment: payment_row(row)?,
                address_sealed: row.get(13).map_err(db(ACTION))?,
                link_state: row.get(14).map_err(db(ACTION))?,
            });
        }
        Ok(out)
    })
    .await
}

/// The ids of the payments of `batch`, sorted.
pub(crate) async fn batch_ids(path: PathBuf, batch: String) -> Result<Vec<Uuid>, StoreError> {
    const ACTION: &str = "reading a payment batch";
    blocking(ACTION, move || {
        let conn = open(&path, false, ACTION)?;
        let mut statement = conn.prepare(BATCH_IDS).map_err(db(ACTION))?;
        let ids = statement
            .query_map([&batch], |r| r.get::<_, Vec<u8>>(0))
            .map_err(db(ACTION))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db(ACTION))?;
        ids.iter().map(|id| uuid(id, "payment id")).collect()
    })
    .await
}

/// Applies a status file in one transaction, as the sqlx path does (see
/// [`crate::DistributionStore::apply_status`]): the states are read and written a row at a time
/// through prepared statements, in id order, so each page of the payment table is visited once.
pub(crate) async fn apply_status(
    path: PathBuf,
    import: StatusImport,
    updates: Vec<StatusUpdate>,
) -> Result<AppliedStatus, StoreError> {
    const ACTION: &str = "applying a status file";
    blocking(ACTION, move || {
        let mut conn = open(&path, true, ACTION)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db(ACTION))?;
        let recorded = tx
            .execute(
                RECORD_IMPORT,
                params![
                    &import.sha256[..],
                    import.kind,
                    import.file_name,
                    &import.imported_by.as_bytes()[..],
                    timestamp(import.imported_at),
                    import.summary,
                ],
            )
            .map_err(db(ACTION))?;
        if recorded == 0 {
            return Ok(AppliedStatus {
                already_imported: true,
                ..AppliedStatus::default()
            });
        }
        let current = current_states(&tx, &updates)?;
        let (mut outcome, finals) = plan_status(&current, &updates);
        let at = timestamp(import.imported_at);
        {
            let mut update = tx.prepare(UPDATE_PAYMENT).map_err(db(ACTION))?;
            let mut sorted: Vec<&(Uuid, Final)> = finals.iter().collect();
            sorted.sort_unstable_by_key(|(id, _)| *id);
            for (id, f) in sorted {
                update
                    .execute(params![
                        &id.as_bytes()[..],
                        f.state.code(),
                        f.reason,
                        f.provider_ref,
                        at
                    ])
                    .map_err(db(ACTION))?;
            }
        }
        let mut followed: Vec<(&Current, EntitlementState, Option<&str>)> = finals
            .iter()
            .filter_map(|(id, f)| {
                let state = match f.state {
                    PaymentState::Settled => EntitlementState::Paid,
                    PaymentState::Rejected | PaymentState::Returned => EntitlementState::Failed,
                    _ => return None,
                };
                Some((&current[id], state, f.reason.as_deref()))
            })
            .collect();
        // Stable: two attempts of one entitlement in a file keep their order, the later one wins.
        followed.sort_by_key(|(c, _, _)| (c.envelope, c.household));
        let mut entitlement = tx.prepare(UPDATE_ENTITLEMENT).map_err(db(ACTION))?;
        let mut invalidate = tx.prepare(INVALIDATE_REJECTED_LINK).map_err(db(ACTION))?;
        for (c, state, reason) in &followed {
            entitlement
                .execute(params![
                    &c.envelope.as_bytes()[..],
                    &c.household.as_bytes()[..],
                    state.code(),
                    reason
                ])
                .map_err(db(ACTION))?;
            let Some(reason) = reason else { continue };
            if *state == EntitlementState::Failed && ACCOUNT_REASONS.contains(reason) {
                outcome.accounts_invalid += invalidate
                    .execute(params![
                        &c.household.as_bytes()[..],
                        reason,
                        timestamp(c.created_at)
                    ])
                    .map_err(db(ACTION))? as u64;
            }
        }
        drop((entitlement, invalidate));
        tx.commit().map_err(db(ACTION))?;
        Ok(outcome)
    })
    .await
}

/// The current state of every payment the updates name, read in id order.
fn current_states(
    conn: &Connection,
    updates: &[StatusUpdate],
) -> Result<HashMap<Uuid, Current>, StoreError> {
    const ACTION: &str = "reading payment states";
    let mut ids: Vec<Uuid> = updates.iter().map(|u| u.payment).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut statement = conn.prepare(PAYMENT_STATE).map_err(db(ACTION))?;
    let mut out = HashMap::with_capacity(ids.len());
    for id in ids {
        let found = statement
            .query_row([&id.as_bytes()[..]], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, Vec<u8>>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .optional()
            .map_err(db(ACTION))?;
        let Some((envelope, household, state, created)) = found else {
            continue;
        };
        out.insert(
            id,
            Current {
                envelope: uuid(&envelope, "payment envelope")?,
                household: uuid(&household, "payment household")?,
                state: PaymentState::from_code(&state).ok_or_else(|| corrupt("payment state"))?,
                created_at: parse_time(&created, "payment created_at")?,
            },
        );
    }
    Ok(out)
}
