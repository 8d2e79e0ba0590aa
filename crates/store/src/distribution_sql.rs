//! The SQL of [`crate::DistributionStore`], shared by both backends, and `distribution_impl!`, which
//! implements the trait for a store type with the fields `pool: sqlx::Pool<$db>` and
//! `registry: RegistrySealer`, given its [`Placeholders`] (numbered on PostgreSQL, anonymous on SQLite,
//! which binds many named parameters in quadratic time) and `unnest` (PostgreSQL: entitlements as one
//! array per column) or `multirow` (SQLite).
//!
//! Statements with a list of values (ids, rows) are built with [`values`]; the rest use `$n`, which both
//! backends bind by number. Transactions start with a write, so that SQLite takes its write lock first
//! and a concurrent writer waits instead of failing on a lock upgrade.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tepat_domain::distribution::PaymentState;
use uuid::Uuid;

use crate::distribution::{AppliedStatus, StatusUpdate};
use crate::sql::Placeholders;

/// The SQLite-only bulk paths, through rusqlite (`distribution_sqlite.rs`).
#[path = "distribution_sqlite.rs"]
pub(crate) mod sqlite_bulk;

/// Rows per multi-row statement: 2,000 × at most 10 parameters stays inside SQLite's 32,766.
pub(crate) const ROWS_PER_STATEMENT: usize = 2000;
/// Rows per array statement on PostgreSQL.
pub(crate) const ROWS_PER_ARRAY: usize = 20_000;
const _: () = assert!(ROWS_PER_STATEMENT * 10 <= 32_766);

pub(crate) const ENVELOPE_COLUMNS: &str = "SELECT id, program, cycle, program_version, state, count, \
     amount, scheduled_date, prepared_by, prepared_at, approved_by, approved_at, released_at, closed_at, \
     cancelled_by, cancelled_at, cancel_reason, ledger_index FROM envelope";

pub(crate) const INSERT_ENVELOPE: &str =
    "INSERT INTO envelope (id, program, cycle, program_version, \
     state, count, amount, scheduled_date, prepared_by, prepared_at) \
     VALUES ($1, $2, $3, $4, 'prepared', $5, $6, $7, $8, $9)";

pub(crate) const ENVELOPE_BY_ID: &str = "WHERE id = $1";
pub(crate) const ENVELOPES_ALL: &str = "ORDER BY prepared_at DESC, id DESC LIMIT $1";
pub(crate) const ENVELOPES_OF_PROGRAM: &str =
    "WHERE program = $1 ORDER BY prepared_at DESC, id DESC LIMIT $2";

pub(crate) const ENTITLEMENT_UNNEST: &str = "INSERT INTO entitlement (envelope_id, household_id, \
     village_code, amount, parts, route, provider, state) \
     SELECT $1, h, v, a, p, r, pr, 'pending' FROM UNNEST($2::uuid[], $3::text[], $4::int8[], \
     $5::text[], $6::text[], $7::text[]) AS t (h, v, a, p, r, pr)";

pub(crate) const ENTITLEMENT_COLUMNS: &str = "SELECT household_id, village_code, amount, parts, \
     route, provider, state, reason FROM entitlement";

/// `$4` state or `''`, `$5` route or `''`; `($6, $7)` the last (village, household) of the previous page.
pub(crate) const ENTITLEMENT_PAGE: &str =
    "WHERE envelope_id = $1 AND village_code >= $2 AND village_code < $3 \
       AND ($4 = '' OR state = $4) AND ($5 = '' OR route = $5) \
       AND (village_code > $6 OR (village_code = $6 AND household_id > $7)) \
     ORDER BY village_code, household_id LIMIT $8";

pub(crate) const ENTITLEMENT_ONE: &str = "WHERE envelope_id = $1 AND household_id = $2";

pub(crate) const ENTITLEMENT_TOTALS: &str = "SELECT state, route, COUNT(*) AS n, \
     CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM entitlement WHERE envelope_id = $1 \
     GROUP BY state, route ORDER BY state, route";

pub(crate) const PAYMENT_TOTALS: &str = "SELECT state, route, provider, COUNT(*) AS n, \
     CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM payment WHERE envelope_id = $1 \
     GROUP BY state, route, provider ORDER BY state, route, provider";

pub(crate) const ENVELOPE_GUARD: &str = "SELECT state, prepared_by FROM envelope WHERE id = $1";

pub(crate) const APPROVE: &str = "UPDATE envelope SET state = 'approved', approved_by = $2, \
     approved_at = $3 WHERE id = $1 AND state = 'prepared' AND prepared_by <> $2";

pub(crate) const CANCEL: &str = "UPDATE envelope SET state = 'cancelled', cancelled_by = $2, \
     cancelled_at = $3, cancel_reason = $4 WHERE id = $1 AND state IN ('prepared', 'approved')";

pub(crate) const CANCEL_ENTITLEMENTS: &str =
    "UPDATE entitlement SET state = 'cancelled' WHERE envelope_id = $1";

pub(crate) const RELEASE: &str = "UPDATE envelope SET state = 'paying', released_at = $2 \
     WHERE id = $1 AND state = 'approved'";

pub(crate) const RELEASE_TOTALS: &str = "SELECT COUNT(*) AS n, \
     CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM entitlement \
     WHERE envelope_id = $1 AND route IN ('bank', 'ewallet', 'premium')";

/// The first payment of every bank, e-wallet and premium entitlement, made inside the database (a
/// million rows need not travel to the application and back). `id` is the backend's expression for
/// `$3` (the first 20 hex digits of a UUIDv7, see [`payment_id_prefix`]) followed by `n`, the row's
/// number in (route, provider, household) order. Ids then increase as rows are inserted, so the key
/// grows at its end, and each bank's payments sit side by side: a bank file's batch is one stretch of
/// the table, which its export and its status import rewrite without touching the rest.
pub(crate) fn release_payments(id: &str) -> String {
    format!(
        "INSERT INTO payment (id, envelope_id, household_id, attempt, route, provider, amount, state, \
         created_at, updated_at) SELECT {id}, envelope_id, household_id, 1, route, provider, amount, \
         'created', $2, $2 FROM (SELECT envelope_id, household_id, route, provider, amount, \
           row_number() OVER (ORDER BY route, provider, household_id) AS n FROM entitlement \
           WHERE envelope_id = $1 AND route IN ('bank', 'ewallet', 'premium')) AS t ORDER BY n"
    )
}

/// The first 20 hex digits of the UUIDv7s of one release: the time in milliseconds (12), the version
/// (`7`), 12 random bits, the variant and 12 more random bits. The last 12 digits are the row's number,
/// so the ids of one release are unique and ordered; `Uuid::now_v7` (retries) draws all 74 bits at
/// random, and a clash with a release's ids would need the same millisecond and 24 equal random bits.
pub(crate) fn payment_id_prefix(millis: i64, random: u32) -> String {
    let variant = 8 + (random >> 24) % 4;
    format!(
        "{:012x}7{:03x}{:x}{:03x}",
        millis.clamp(0, 0xffff_ffff_ffff),
        random & 0xfff,
        variant,
        (random >> 12) & 0xfff
    )
}

/// SQLite: the prefix and `n` in 12 hex digits, as 16 bytes.
pub(crate) const SQLITE_UUID_V7: &str = "unhex($3 || printf('%012x', n))";
/// PostgreSQL: the same digits cast to `uuid`.
pub(crate) const POSTGRES_UUID_V7: &str = "CAST($3 || lpad(to_hex(n), 12, '0') AS uuid)";

pub(crate) const VOUCHER_TOTALS: &str = "SELECT COUNT(*) AS n, \
     CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM entitlement \
     WHERE envelope_id = $1 AND route IN ('cash', 'goods') AND state = 'pending'";

pub(crate) const INSTRUCT_ALL: &str =
    "UPDATE entitlement SET state = 'instructed' WHERE envelope_id = $1 AND state = 'pending'";

pub(crate) const CLOSE: &str = "UPDATE envelope SET state = 'closed', closed_at = $2 \
     WHERE id = $1 AND state = 'paying' AND NOT EXISTS (SELECT 1 FROM entitlement e \
       WHERE e.envelope_id = $1 AND e.state NOT IN ('paid', 'handed_over', 'cancelled'))";

/// Takes the write lock and checks the envelope is paying: the first statement of retry and reroute.
pub(crate) const LOCK_PAYING: &str =
    "UPDATE envelope SET state = state WHERE id = $1 AND state = 'paying'";

pub(crate) const PAYMENT_COLUMNS: &str =
    "p.id, p.envelope_id, p.household_id, p.attempt, p.route, \
     p.provider, p.amount, p.state, p.reason, p.provider_ref, p.batch, p.created_at, p.updated_at";

pub(crate) const EXPORT_PROVIDERS: &str = "SELECT DISTINCT provider FROM payment \
     WHERE envelope_id = $1 AND route = 'bank' AND state IN ('created', 'sent') ORDER BY provider";

pub(crate) const BATCHES: &str = "SELECT batch, \
     CAST(SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END) AS BIGINT) AS waiting FROM payment \
     WHERE envelope_id = $1 AND provider = $2 AND route = 'bank' AND batch IS NOT NULL \
     GROUP BY batch ORDER BY batch";

pub(crate) const HOUSEHOLD_PAYMENTS: &str = "WHERE p.envelope_id = $1 AND p.household_id = $2 \
     ORDER BY p.attempt";

pub(crate) const RECORD_IMPORT: &str = "INSERT INTO status_import (sha256, kind, file_name, \
     imported_by, imported_at, summary) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING";

pub(crate) const STATUS_IMPORT: &str = "SELECT sha256, kind, file_name, imported_by, imported_at, \
     summary FROM status_import WHERE sha256 = $1";

/// A bank's account reject (`$1` household, `$2` reason) for a payment created at `$3`: only an account
/// recorded before that payment is the one rejected (a new one given since stays).
pub(crate) const INVALIDATE_REJECTED_LINK: &str = "UPDATE account_link SET state = 'invalid', \
     invalid_reason = $2 WHERE id = $1 AND requested_at <= $3";

pub(crate) const INVALIDATE_LINK: &str = "UPDATE account_link SET state = 'invalid', \
     invalid_reason = $2 WHERE id = $1";

/// Failed entitlements a retry pays again: premiums always, transfers through a verified link.
pub(crate) const RETRY_ROWS: &str =
    "SELECT e.household_id, e.route, e.amount, a.kind, a.provider, \
     (SELECT MAX(p.attempt) FROM payment p WHERE p.envelope_id = e.envelope_id \
        AND p.household_id = e.household_id) AS last_attempt \
     FROM entitlement e LEFT JOIN account_link a ON a.id = e.household_id \
     WHERE e.envelope_id = $1 AND e.state = 'failed' \
       AND (e.route = 'premium' OR (e.route IN ('bank', 'ewallet') AND a.state = 'verified')) \
     ORDER BY e.household_id";

pub(crate) const REROUTE_TOTALS: &str = "SELECT COUNT(*) AS n, \
     CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM entitlement \
     WHERE envelope_id = $1 AND state = 'failed'";

pub(crate) const REROUTE_ALL: &str = "UPDATE entitlement SET route = 'cash', provider = NULL, \
     state = 'pending' WHERE envelope_id = $1 AND state = 'failed'";

pub(crate) const REROUTE_ONE: &str = "UPDATE entitlement SET route = 'cash', provider = NULL, \
     state = 'pending' WHERE envelope_id = $1 AND household_id = $2 AND state = 'failed'";

pub(crate) const ENTITLEMENT_AMOUNT: &str =
    "SELECT amount FROM entitlement WHERE envelope_id = $1 AND household_id = $2 AND state = 'failed'";

pub(crate) const UPSERT_LINK: &str = "INSERT INTO account_link (id, village_code, \
     address_sealed, address_index, kind, provider, state, source, requested_at) \
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) \
     ON CONFLICT (id) DO UPDATE SET village_code = excluded.village_code, \
       address_sealed = excluded.address_sealed, address_index = excluded.address_index, \
       kind = excluded.kind, provider = excluded.provider, state = 'pending', source = excluded.source, \
       requested_at = excluded.requested_at, verified_by = NULL, verified_at = NULL, \
       invalid_reason = NULL";

/// Multi-row import of `rows` verified links (11 parameters each).
pub(crate) fn link_import(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO account_link (id, village_code, address_sealed, address_index, kind, \
         provider, state, source, requested_at, verified_by, verified_at) \
         SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9, \
         column10, column11 FROM (VALUES {}) AS v WHERE true \
         ON CONFLICT (id) DO UPDATE SET village_code = excluded.village_code, \
           address_sealed = excluded.address_sealed, address_index = excluded.address_index, \
           kind = excluded.kind, provider = excluded.provider, state = excluded.state, \
           source = excluded.source, requested_at = excluded.requested_at, \
           verified_by = excluded.verified_by, verified_at = excluded.verified_at, invalid_reason = NULL",
        values(ph, 1, rows, 11)
    )
}

pub(crate) const VERIFY_LINK: &str =
    "UPDATE account_link SET state = 'verified', verified_by = $2, \
     verified_at = $3 WHERE id = $1 AND state = 'pending'";

pub(crate) const LINK_COLUMNS: &str = "SELECT id AS household_id, village_code, address_sealed, \
     state, source, requested_at, verified_by, verified_at, invalid_reason FROM account_link";

pub(crate) const LINK_ONE: &str = "WHERE id = $1";
pub(crate) const LINK_QUEUE: &str =
    "WHERE state = $1 AND village_code >= $2 AND village_code < $3 \
     ORDER BY requested_at, id LIMIT $4";

pub(crate) const SHARING: &str = "SELECT COUNT(*) FROM account_link a \
     JOIN account_link b ON b.address_index = a.address_index WHERE a.id = $1";

/// Every verified route in the country: read in table order. Through the state index the rows come in
/// village order, each fetched from a random place in the table, which took seconds at a million
/// (`|| ''` keeps both backends off that index).
pub(crate) const VERIFIED_ROUTES_ALL: &str =
    "SELECT id AS household_id, kind, provider FROM account_link WHERE state || '' = 'verified'";

pub(crate) const VERIFIED_ROUTES: &str =
    "SELECT id AS household_id, kind, provider FROM account_link \
     WHERE state = 'verified' AND village_code >= $1 AND village_code < $2";

/// SQLite, per connection before a statement over a whole envelope: map the file and keep 256 MiB of
/// pages. Its tables outgrow the default 32 MiB cache at a million rows, and copying pages in by
/// `pread` showed in the profile of every step.
pub(crate) const SQLITE_BULK_PRAGMAS: [&str; 2] = [
    "PRAGMA mmap_size = 8589934592",
    "PRAGMA cache_size = -262144",
];

pub(crate) const INSERT_SALT: &str = "INSERT INTO beneficiary_salt (household_id, salt) \
     VALUES ($1, $2) ON CONFLICT (household_id) DO NOTHING";
pub(crate) const SALT: &str = "SELECT salt FROM beneficiary_salt WHERE household_id = $1";

/// `n` comma-separated placeholders numbered from `first` (or `?`s).
pub(crate) fn params(ph: Placeholders, first: usize, n: usize) -> String {
    let mut out = String::with_capacity(n * 6);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        match ph {
            Placeholders::Numbered => {
                out.push('$');
                out.push_str(&(first + i).to_string());
            }
            Placeholders::Anonymous => out.push('?'),
        }
    }
    out
}

/// `rows` tuples of `width` placeholders numbered from `first`.
pub(crate) fn values(ph: Placeholders, first: usize, rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * (width * 6 + 3));
    for r in 0..rows {
        if r > 0 {
            out.push(',');
        }
        out.push('(');
        out.push_str(&params(ph, first + r * width, width));
        out.push(')');
    }
    out
}

/// Multi-row insert of `rows` entitlements (9 parameters each).
pub(crate) fn entitlement_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO entitlement (envelope_id, household_id, village_code, amount, parts, route, \
         provider, state, reason) VALUES {}",
        values(ph, 1, rows, 9)
    )
}

/// Multi-row insert of `rows` payments in state created (9 parameters each).
pub(crate) fn payment_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO payment (id, envelope_id, household_id, attempt, route, provider, amount, \
         created_at, updated_at, state) SELECT column1, column2, column3, column4, column5, column6, \
         column7, column8, column9, 'created' FROM (VALUES {}) AS v",
        values(ph, 1, rows, 9)
    )
}

/// PostgreSQL names a VALUES list's columns `column1..`, SQLite too; both accept them in a SELECT.
/// The current state and entitlement of `n` payments.
pub(crate) fn payment_states(ph: Placeholders, n: usize) -> String {
    format!(
        "SELECT id, envelope_id, household_id, state, created_at FROM payment WHERE id IN ({})",
        params(ph, 1, n)
    )
}

/// Sets state, reason, provider reference and time of `rows` payments (5 parameters each: id, state,
/// reason, provider_ref, updated_at).
pub(crate) fn payment_update(ph: Placeholders, rows: usize) -> String {
    format!(
        "UPDATE payment SET state = v.column2, reason = COALESCE(v.column3, payment.reason), \
         provider_ref = COALESCE(v.column4, payment.provider_ref), updated_at = v.column5 \
         FROM (VALUES {}) AS v WHERE payment.id = v.column1",
        values(ph, 1, rows, 5)
    )
}

/// Sets state and reason of `rows` entitlements (4 parameters each: envelope, household, state,
/// reason).
pub(crate) fn entitlement_update(ph: Placeholders, rows: usize) -> String {
    format!(
        "UPDATE entitlement SET state = v.column3, reason = COALESCE(v.column4, entitlement.reason) \
         FROM (VALUES {}) AS v \
         WHERE entitlement.envelope_id = v.column1 AND entitlement.household_id = v.column2",
        values(ph, 1, rows, 4)
    )
}

/// Sets route, provider and state `instructed` of `rows` entitlements (4 parameters each: envelope,
/// household, route, provider).
pub(crate) fn entitlement_retry(ph: Placeholders, rows: usize) -> String {
    format!(
        "UPDATE entitlement SET route = v.column3, provider = v.column4, state = 'instructed' \
         FROM (VALUES {}) AS v \
         WHERE entitlement.envelope_id = v.column1 AND entitlement.household_id = v.column2",
        values(ph, 1, rows, 4)
    )
}

/// Marks `n` created payments sent (`$1` batch, `$2` time, then the ids).
pub(crate) fn mark_sent(ph: Placeholders, n: usize) -> String {
    let head = match ph {
        Placeholders::Numbered => "$1, updated_at = $2",
        Placeholders::Anonymous => "?, updated_at = ?",
    };
    format!(
        "UPDATE payment SET state = 'sent', batch = {head} WHERE state = 'created' AND id IN ({})",
        params(ph, 3, n)
    )
}

/// Payments with their address: `tail` is the WHERE/ORDER part over `p`.
pub(crate) fn export_rows(tail: &str) -> String {
    format!(
        "SELECT {PAYMENT_COLUMNS}, a.address_sealed, a.state AS link_state FROM payment p \
         LEFT JOIN account_link a ON a.id = p.household_id {tail}"
    )
}

pub(crate) const CREATED_PAGE: &str = "WHERE p.envelope_id = $1 AND p.provider = $2 \
     AND p.route = 'bank' AND p.state = 'created' AND p.id > $3 ORDER BY p.id LIMIT $4";
/// `$1` batch, `$2` time, `$3` envelope, `$4` bank, `$5` limit.
pub(crate) const SEND_NEXT_BATCH: &str = "UPDATE payment SET state = 'sent', batch = $1, \
     updated_at = $2 WHERE id IN (SELECT p.id FROM payment p JOIN account_link a \
       ON a.id = p.household_id AND a.state = 'verified' AND a.kind = 'account' \
          AND a.provider = $4 \
     WHERE p.envelope_id = $3 AND p.provider = $4 AND p.route = 'bank' AND p.state = 'created' \
     ORDER BY p.id LIMIT $5)";
pub(crate) const BATCH_IDS: &str = "SELECT id FROM payment WHERE batch = $1 ORDER BY id";
pub(crate) const BATCH_ROWS: &str = "WHERE p.batch = $1 ORDER BY p.id";

/// A payment's state and entitlement before a status file.
pub(crate) struct Current {
    pub envelope: Uuid,
    pub household: Uuid,
    pub state: PaymentState,
    pub created_at: DateTime<Utc>,
}

/// A payment's state after a file: the updates applied in file order, each only if allowed.
pub(crate) struct Final {
    pub state: PaymentState,
    pub reason: Option<String>,
    pub provider_ref: Option<String>,
}

/// What a status file does to the payments it names, given their `current` states: the outcome's
/// counts, and each changed payment's final state in the order of its first change.
pub(crate) fn plan_status(
    current: &HashMap<Uuid, Current>,
    updates: &[StatusUpdate],
) -> (AppliedStatus, Vec<(Uuid, Final)>) {
    let mut outcome = AppliedStatus::default();
    let mut finals: HashMap<Uuid, Final> = HashMap::new();
    let mut order: Vec<Uuid> = Vec::new();
    for u in updates {
        let Some(now) = current.get(&u.payment) else {
            outcome.unknown.push(u.payment);
            continue;
        };
        outcome.matched += 1;
        let state = finals.get(&u.payment).map_or(now.state, |f| f.state);
        if !state.may_become(u.state) {
            outcome.ignored += 1;
            continue;
        }
        if !finals.contains_key(&u.payment) {
            order.push(u.payment);
        }
        let previous_ref = finals.remove(&u.payment).and_then(|f| f.provider_ref);
        finals.insert(
            u.payment,
            Final {
                state: u.state,
                reason: u.reason.clone(),
                provider_ref: u.provider_ref.clone().or(previous_ref),
            },
        );
    }
    outcome.changed = order.len() as u64;
    let planned = order
        .into_iter()
        .filter_map(|id| finals.remove(&id).map(|f| (id, f)))
        .collect();
    (outcome, planned)
}

macro_rules! distribution_impl {
    ($db:ty, $store:ty, $ph:expr, $writer:ident) => {
        use std::collections::HashMap;

        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use tepat_domain::distribution::{
            AddressKind, ControlTotals, EntitlementState, EnvelopeState, FinancialAddress,
            PaymentState, Route,
        };
        use tepat_domain::registry::PaymentAccount;
        use tepat_domain::{RegionCode, Rupiah, Scope};
        use uuid::Uuid;

        use $crate::distribution::{
            AccountLink, AppliedStatus, DistributionStore, Entitlement, EntitlementFilter,
            EntitlementTotals, Envelope, ExportRow, LinkRoute, LinkSource, LinkState,
            NewAccountLink, NewEnvelope, Payment, PaymentTotals, Released, StatusImport,
            StatusUpdate, ACCOUNT_REASONS,
        };
        use $crate::distribution_sql as sql;
        use $crate::error::StoreError;
        use $crate::targeting_runs::{code_range, PageAfter};

        type DbRow = <$db as sqlx::Database>::Row;
        type Tx<'c> = sqlx::Transaction<'c, $db>;

        const PH: $crate::sql::Placeholders = $ph;
        const LINK: &str = "account_link";
        const ADDRESS: &str = "address_sealed";

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

        fn unsigned(n: i64, what: &str) -> Result<u64, StoreError> {
            u64::try_from(n).map_err(|_| corrupt(what))
        }

        fn totals(row: &DbRow) -> Result<ControlTotals, StoreError> {
            Ok(ControlTotals {
                count: unsigned(get(row, "n")?, "distribution count")?,
                amount: Rupiah::new(get(row, "total")?),
            })
        }

        fn route(code: &str) -> Result<Route, StoreError> {
            Route::from_code(code).ok_or_else(|| corrupt("distribution route"))
        }

        fn envelope(row: &DbRow) -> Result<Envelope, StoreError> {
            let state: String = get(row, "state")?;
            let version: i32 = get(row, "program_version")?;
            let ledger: Option<i64> = get(row, "ledger_index")?;
            Ok(Envelope {
                id: get(row, "id")?,
                program: get(row, "program")?,
                cycle: get(row, "cycle")?,
                program_version: u32::try_from(version)
                    .map_err(|_| corrupt("envelope program version"))?,
                state: EnvelopeState::from_code(&state).ok_or_else(|| corrupt("envelope state"))?,
                totals: ControlTotals {
                    count: unsigned(get(row, "count")?, "envelope count")?,
                    amount: Rupiah::new(get(row, "amount")?),
                },
                scheduled_date: get(row, "scheduled_date")?,
                prepared_by: get(row, "prepared_by")?,
                prepared_at: get(row, "prepared_at")?,
                approved_by: get(row, "approved_by")?,
                approved_at: get(row, "approved_at")?,
                released_at: get(row, "released_at")?,
                closed_at: get(row, "closed_at")?,
                cancelled_by: get(row, "cancelled_by")?,
                cancelled_at: get(row, "cancelled_at")?,
                cancel_reason: get(row, "cancel_reason")?,
                ledger_index: ledger
                    .map(|i| unsigned(i, "envelope ledger index"))
                    .transpose()?,
            })
        }

        fn entitlement(row: &DbRow) -> Result<Entitlement, StoreError> {
            let village: String = get(row, "village_code")?;
            let state: String = get(row, "state")?;
            let route_code: String = get(row, "route")?;
            Ok(Entitlement {
                household: get(row, "household_id")?,
                village: RegionCode::parse(&village)
                    .map_err(|_| corrupt("entitlement village code"))?,
                amount: Rupiah::new(get(row, "amount")?),
                parts: get(row, "parts")?,
                route: route(&route_code)?,
                provider: get(row, "provider")?,
                state: EntitlementState::from_code(&state)
                    .ok_or_else(|| corrupt("entitlement state"))?,
                reason: get(row, "reason")?,
            })
        }

        fn payment(row: &DbRow) -> Result<Payment, StoreError> {
            let state: String = get(row, "state")?;
            let route_code: String = get(row, "route")?;
            let attempt: i32 = get(row, "attempt")?;
            Ok(Payment {
                id: get(row, "id")?,
                envelope: get(row, "envelope_id")?,
                household: get(row, "household_id")?,
                attempt: u32::try_from(attempt).map_err(|_| corrupt("payment attempt"))?,
                route: route(&route_code)?,
                provider: get(row, "provider")?,
                amount: Rupiah::new(get(row, "amount")?),
                state: PaymentState::from_code(&state).ok_or_else(|| corrupt("payment state"))?,
                reason: get(row, "reason")?,
                provider_ref: get(row, "provider_ref")?,
                batch: get(row, "batch")?,
                created_at: get(row, "created_at")?,
                updated_at: get(row, "updated_at")?,
            })
        }

        fn link_state(code: &str) -> Result<LinkState, StoreError> {
            LinkState::parse(code).ok_or_else(|| corrupt("account link state"))
        }

        fn kind_code(kind: AddressKind) -> &'static str {
            match kind {
                AddressKind::Account => "account",
                AddressKind::Mobile => "mobile",
            }
        }

        fn kind_of(code: &str) -> Result<AddressKind, StoreError> {
            match code {
                "account" => Ok(AddressKind::Account),
                "mobile" => Ok(AddressKind::Mobile),
                _ => Err(corrupt("account link kind")),
            }
        }

        /// A payment row to insert (release and retry).
        struct NewPayment {
            household: Uuid,
            attempt: i32,
            route: Route,
            provider: String,
            amount: i64,
        }

        async fn insert_payments(
            tx: &mut Tx<'_>,
            envelope: Uuid,
            rows: &[NewPayment],
            at: DateTime<Utc>,
        ) -> Result<ControlTotals, StoreError> {
            let mut out = ControlTotals::default();
            for chunk in rows.chunks(sql::ROWS_PER_STATEMENT) {
                let text = sql::payment_insert(PH, chunk.len());
                let mut query = sqlx::query(&text);
                for r in chunk {
                    query = query
                        .bind(Uuid::now_v7())
                        .bind(envelope)
                        .bind(r.household)
                        .bind(r.attempt)
                        .bind(r.route.code())
                        .bind(r.provider.clone())
                        .bind(r.amount)
                        .bind(at)
                        .bind(at);
                    out.add(Rupiah::new(r.amount))
                        .map_err(|_| corrupt("payment amounts overflow"))?;
                }
                query
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db("creating payments"))?;
            }
            Ok(out)
        }

        fn is_unique_violation(e: &sqlx::Error) -> bool {
            e.as_database_error()
                .is_some_and(|d| d.is_unique_violation())
        }

        $crate::distribution_sql::entitlement_writer!($writer, $db, $store);

        impl $store {
            fn open_address(
                &self,
                household: Uuid,
                sealed: &[u8],
            ) -> Result<FinancialAddress, StoreError> {
                let plain =
                    self.registry
                        .open(LINK, ADDRESS, household, sealed, "account address")?;
                String::from_utf8(plain)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| corrupt("sealed account address does not parse"))
            }

            /// The sealed address and its blind index (provider and number, as registry accounts).
            fn seal_link(&self, link: &NewAccountLink) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
                let a = &link.address;
                let account = PaymentAccount::new(a.provider(), a.id())
                    .map_err(|_| corrupt("account address for the blind index"))?;
                let sealed =
                    self.registry
                        .seal(LINK, ADDRESS, link.household, a.to_string().as_bytes());
                Ok((sealed, self.registry.account_index(&account)))
            }

            fn export_row(&self, row: &DbRow) -> Result<ExportRow, StoreError> {
                let payment = payment(row)?;
                let sealed: Option<Vec<u8>> = get(row, "address_sealed")?;
                let state: Option<String> = get(row, "link_state")?;
                Ok(ExportRow {
                    address: sealed
                        .map(|s| self.open_address(payment.household, &s))
                        .transpose()?,
                    link_state: state.as_deref().map(link_state).transpose()?,
                    payment,
                })
            }

            fn account_link_row(&self, row: &DbRow) -> Result<AccountLink, StoreError> {
                let household: Uuid = get(row, "household_id")?;
                let sealed: Vec<u8> = get(row, "address_sealed")?;
                let village: String = get(row, "village_code")?;
                let state: String = get(row, "state")?;
                let source: String = get(row, "source")?;
                Ok(AccountLink {
                    household,
                    village: RegionCode::parse(&village)
                        .map_err(|_| corrupt("account link village"))?,
                    address: self.open_address(household, &sealed)?,
                    state: link_state(&state)?,
                    source: LinkSource::parse(&source)
                        .ok_or_else(|| corrupt("account link source"))?,
                    requested_at: get(row, "requested_at")?,
                    verified_by: get(row, "verified_by")?,
                    verified_at: get(row, "verified_at")?,
                    invalid_reason: get(row, "invalid_reason")?,
                })
            }

            /// Why an envelope update matched no row.
            async fn envelope_refusal(&self, id: Uuid, what: &'static str) -> StoreError {
                match sqlx::query(sql::ENVELOPE_GUARD)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                {
                    Ok(None) => StoreError::NotFound { what: "envelope" },
                    Ok(Some(_)) => StoreError::Conflict { what },
                    Err(e) => StoreError::db("reading an envelope")(e),
                }
            }

            async fn lock_paying(tx: &mut Tx<'_>, id: Uuid) -> Result<(), StoreError> {
                let done = sqlx::query(sql::LOCK_PAYING)
                    .bind(id)
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db("locking an envelope"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict {
                        what: "envelope (it is not being paid)",
                    });
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl DistributionStore for $store {
            async fn create_envelope(
                &self,
                e: &NewEnvelope,
                rows: &[Entitlement],
            ) -> Result<ControlTotals, StoreError> {
                const ACTION: &str = "preparing an envelope";
                let totals = ControlTotals::of(rows.iter().map(|r| r.amount)).map_err(|_| {
                    StoreError::Conflict {
                        what: "envelope (its amount overflows)",
                    }
                })?;
                let version =
                    i32::try_from(e.program_version).map_err(|_| StoreError::Conflict {
                        what: "envelope (program version out of range)",
                    })?;
                if let Some(path) = bulk_path(self) {
                    let sums = (totals.count as i64, totals.amount.amount());
                    sql::sqlite_bulk::create_envelope(path, e.clone(), sums, rows.to_vec()).await?;
                    return Ok(totals);
                }
                let mut conn = bulk_connection(&self.pool).await?;
                let mut tx = sqlx::Connection::begin(&mut *conn)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let inserted = sqlx::query(sql::INSERT_ENVELOPE)
                    .bind(e.id)
                    .bind(&e.program)
                    .bind(&e.cycle)
                    .bind(version)
                    .bind(totals.count as i64)
                    .bind(totals.amount.amount())
                    .bind(e.scheduled_date)
                    .bind(e.prepared_by)
                    .bind(e.prepared_at)
                    .execute(&mut *tx)
                    .await;
                match inserted {
                    Err(err) if is_unique_violation(&err) => {
                        return Err(StoreError::Conflict {
                            what: "envelope (this program and cycle has one already)",
                        })
                    }
                    other => other.map_err(StoreError::db(ACTION))?,
                };
                insert_entitlements(&mut tx, e.id, rows).await?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(totals)
            }

            async fn envelope(&self, id: Uuid) -> Result<Option<Envelope>, StoreError> {
                sqlx::query(&format!(
                    "{} {}",
                    sql::ENVELOPE_COLUMNS,
                    sql::ENVELOPE_BY_ID
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::db("reading an envelope"))?
                .as_ref()
                .map(envelope)
                .transpose()
            }

            async fn envelopes(
                &self,
                program: Option<&str>,
                limit: u32,
            ) -> Result<Vec<Envelope>, StoreError> {
                let rows = match program {
                    Some(p) => {
                        sqlx::query(&format!(
                            "{} {}",
                            sql::ENVELOPE_COLUMNS,
                            sql::ENVELOPES_OF_PROGRAM
                        ))
                        .bind(p)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                    }
                    None => {
                        sqlx::query(&format!("{} {}", sql::ENVELOPE_COLUMNS, sql::ENVELOPES_ALL))
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await
                    }
                }
                .map_err(StoreError::db("listing envelopes"))?;
                rows.iter().map(envelope).collect()
            }

            async fn entitlements(
                &self,
                envelope: Uuid,
                filter: &EntitlementFilter,
                after: Option<&PageAfter<Uuid>>,
                limit: u32,
            ) -> Result<Vec<Entitlement>, StoreError> {
                let (lo, hi) = code_range(&filter.within);
                let (village, household) = after
                    .map(|a| (a.village.plain().to_owned(), a.key))
                    .unwrap_or((String::new(), Uuid::nil()));
                sqlx::query(&format!(
                    "{} {}",
                    sql::ENTITLEMENT_COLUMNS,
                    sql::ENTITLEMENT_PAGE
                ))
                .bind(envelope)
                .bind(lo)
                .bind(hi)
                .bind(filter.state.map(|s| s.code()).unwrap_or(""))
                .bind(filter.route.map(|r| r.code()).unwrap_or(""))
                .bind(village)
                .bind(household)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::db("listing entitlements"))?
                .iter()
                .map(entitlement)
                .collect()
            }

            async fn entitlement(
                &self,
                envelope: Uuid,
                household: Uuid,
            ) -> Result<Option<Entitlement>, StoreError> {
                sqlx::query(&format!(
                    "{} {}",
                    sql::ENTITLEMENT_COLUMNS,
                    sql::ENTITLEMENT_ONE
                ))
                .bind(envelope)
                .bind(household)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::db("reading an entitlement"))?
                .as_ref()
                .map(entitlement)
                .transpose()
            }

            async fn entitlement_totals(
                &self,
                envelope: Uuid,
            ) -> Result<Vec<EntitlementTotals>, StoreError> {
                sqlx::query(sql::ENTITLEMENT_TOTALS)
                    .bind(envelope)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("adding up entitlements"))?
                    .iter()
                    .map(|row| {
                        let state: String = get(row, "state")?;
                        let r: String = get(row, "route")?;
                        Ok(EntitlementTotals {
                            state: EntitlementState::from_code(&state)
                                .ok_or_else(|| corrupt("entitlement state"))?,
                            route: route(&r)?,
                            totals: totals(row)?,
                        })
                    })
                    .collect()
            }

            async fn payment_totals(
                &self,
                envelope: Uuid,
            ) -> Result<Vec<PaymentTotals>, StoreError> {
                sqlx::query(sql::PAYMENT_TOTALS)
                    .bind(envelope)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("adding up payments"))?
                    .iter()
                    .map(|row| {
                        let state: String = get(row, "state")?;
                        let r: String = get(row, "route")?;
                        Ok(PaymentTotals {
                            state: PaymentState::from_code(&state)
                                .ok_or_else(|| corrupt("payment state"))?,
                            route: route(&r)?,
                            provider: get(row, "provider")?,
                            totals: totals(row)?,
                        })
                    })
                    .collect()
            }

            async fn approve_envelope(
                &self,
                id: Uuid,
                by: Uuid,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(sql::APPROVE)
                    .bind(id)
                    .bind(by)
                    .bind(at)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("approving an envelope"))?;
                if done.rows_affected() == 1 {
                    return Ok(());
                }
                let guard = sqlx::query(sql::ENVELOPE_GUARD)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an envelope"))?
                    .ok_or(StoreError::NotFound { what: "envelope" })?;
                let preparer: Uuid = get(&guard, "prepared_by")?;
                Err(StoreError::Conflict {
                    what: if preparer == by {
                        "envelope (whoever prepared it may not approve it)"
                    } else {
                        "envelope (it is not waiting for approval)"
                    },
                })
            }

            async fn cancel_envelope(
                &self,
                id: Uuid,
                by: Uuid,
                at: DateTime<Utc>,
                reason: &str,
            ) -> Result<(), StoreError> {
                const ACTION: &str = "cancelling an envelope";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let done = sqlx::query(sql::CANCEL)
                    .bind(id)
                    .bind(by)
                    .bind(at)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                if done.rows_affected() == 0 {
                    drop(tx);
                    return Err(self
                        .envelope_refusal(id, "envelope (it is being paid or closed)")
                        .await);
                }
                sqlx::query(sql::CANCEL_ENTITLEMENTS)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn release_envelope(
                &self,
                id: Uuid,
                at: DateTime<Utc>,
            ) -> Result<Released, StoreError> {
                const ACTION: &str = "releasing an envelope";
                let mut conn = bulk_connection(&self.pool).await?;
                let mut tx = sqlx::Connection::begin(&mut *conn)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let done = sqlx::query(sql::RELEASE)
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                if done.rows_affected() == 0 {
                    drop(tx);
                    return Err(self
                        .envelope_refusal(id, "envelope (it is not approved, or paid already)")
                        .await);
                }
                let row = sqlx::query(sql::RELEASE_TOTALS)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let payments = totals(&row)?;
                let made = sqlx::query(&sql::release_payments(PAYMENT_ID))
                    .bind(id)
                    .bind(at)
                    .bind(sql::payment_id_prefix(
                        at.timestamp_millis(),
                        rand::random(),
                    ))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                if made.rows_affected() != payments.count {
                    return Err(corrupt(
                        "release made a payment count other than its entitlements'",
                    ));
                }
                let vouchers = sqlx::query(sql::VOUCHER_TOTALS)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let vouchers_due = totals(&vouchers)?;
                sqlx::query(sql::INSTRUCT_ALL)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(Released {
                    payments,
                    vouchers_due,
                })
            }

            async fn close_envelope(
                &self,
                id: Uuid,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(sql::CLOSE)
                    .bind(id)
                    .bind(at)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("closing an envelope"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn export_providers(&self, envelope: Uuid) -> Result<Vec<String>, StoreError> {
                sqlx::query_scalar(sql::EXPORT_PROVIDERS)
                    .bind(envelope)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing banks to pay"))
            }

            async fn created_payments(
                &self,
                envelope: Uuid,
                provider: &str,
                after: Option<Uuid>,
                limit: u32,
            ) -> Result<Vec<ExportRow>, StoreError> {
                sqlx::query(&sql::export_rows(sql::CREATED_PAGE))
                    .bind(envelope)
                    .bind(provider)
                    .bind(after.unwrap_or(Uuid::nil()))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading payments to export"))?
                    .iter()
                    .map(|row| self.export_row(row))
                    .collect()
            }

            async fn batches(
                &self,
                envelope: Uuid,
                provider: &str,
            ) -> Result<Vec<(String, u64)>, StoreError> {
                sqlx::query(sql::BATCHES)
                    .bind(envelope)
                    .bind(provider)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing payment batches"))?
                    .iter()
                    .map(|row| {
                        Ok((
                            get(row, "batch")?,
                            unsigned(get(row, "waiting")?, "batch count")?,
                        ))
                    })
                    .collect()
            }

            async fn mark_sent(
                &self,
                payments: &[Uuid],
                batch: &str,
                at: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                const ACTION: &str = "marking payments sent";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let mut changed = 0;
                for chunk in payments.chunks(sql::ROWS_PER_STATEMENT * 10) {
                    let text = sql::mark_sent(PH, chunk.len());
                    let mut query = sqlx::query(&text).bind(batch).bind(at);
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    changed += query
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?
                        .rows_affected();
                }
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(changed)
            }

            async fn batch_payments(&self, batch: &str) -> Result<Vec<ExportRow>, StoreError> {
                if let Some(path) = bulk_path(self) {
                    return sql::sqlite_bulk::batch_rows(path, batch.to_owned())
                        .await?
                        .into_iter()
                        .map(|r| {
                            let household = r.payment.household;
                            Ok(ExportRow {
                                address: r
                                    .address_sealed
                                    .map(|s| self.open_address(household, &s))
                                    .transpose()?,
                                link_state: r.link_state.as_deref().map(link_state).transpose()?,
                                payment: r.payment,
                            })
                        })
                        .collect();
                }
                let mut conn = bulk_connection(&self.pool).await?;
                sqlx::query(&sql::export_rows(sql::BATCH_ROWS))
                    .bind(batch)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(StoreError::db("reading a payment batch"))?
                    .iter()
                    .map(|row| self.export_row(row))
                    .collect()
            }

            async fn send_next_batch(
                &self,
                envelope: Uuid,
                provider: &str,
                batch: &str,
                limit: u32,
                at: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let mut conn = bulk_connection(&self.pool).await?;
                Ok(sqlx::query(sql::SEND_NEXT_BATCH)
                    .bind(batch)
                    .bind(at)
                    .bind(envelope)
                    .bind(provider)
                    .bind(i64::from(limit))
                    .execute(&mut *conn)
                    .await
                    .map_err(StoreError::db("putting payments into a batch"))?
                    .rows_affected())
            }

            async fn batch_payment_ids(&self, batch: &str) -> Result<Vec<Uuid>, StoreError> {
                if let Some(path) = bulk_path(self) {
                    return sql::sqlite_bulk::batch_ids(path, batch.to_owned()).await;
                }
                sqlx::query_scalar(sql::BATCH_IDS)
                    .bind(batch)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a payment batch"))
            }

            async fn payment(&self, id: Uuid) -> Result<Option<Payment>, StoreError> {
                sqlx::query(&format!(
                    "SELECT {} FROM payment p WHERE p.id = $1",
                    sql::PAYMENT_COLUMNS
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::db("reading a payment"))?
                .as_ref()
                .map(payment)
                .transpose()
            }

            async fn household_payments(
                &self,
                envelope: Uuid,
                household: Uuid,
            ) -> Result<Vec<Payment>, StoreError> {
                sqlx::query(&format!(
                    "SELECT {} FROM payment p {}",
                    sql::PAYMENT_COLUMNS,
                    sql::HOUSEHOLD_PAYMENTS
                ))
                .bind(envelope)
                .bind(household)
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::db("reading a household's payments"))?
                .iter()
                .map(payment)
                .collect()
            }

            async fn apply_status(
                &self,
                import: &StatusImport,
                updates: &[StatusUpdate],
            ) -> Result<AppliedStatus, StoreError> {
                const ACTION: &str = "applying a status file";
                if let Some(path) = bulk_path(self) {
                    return sql::sqlite_bulk::apply_status(path, import.clone(), updates.to_vec())
                        .await;
                }
                let mut conn = bulk_connection(&self.pool).await?;
                let mut tx = sqlx::Connection::begin(&mut *conn)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let recorded = sqlx::query(sql::RECORD_IMPORT)
                    .bind(import.sha256.to_vec())
                    .bind(&import.kind)
                    .bind(&import.file_name)
                    .bind(import.imported_by)
                    .bind(import.imported_at)
                    .bind(&import.summary)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                if recorded.rows_affected() == 0 {
                    return Ok(AppliedStatus {
                        already_imported: true,
                        ..AppliedStatus::default()
                    });
                }
                let current = payment_states(&mut tx, updates).await?;
                let outcome = apply_updates(&mut tx, &current, updates, import.imported_at).await?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(outcome)
            }

            async fn status_import(
                &self,
                sha256: &[u8; 32],
            ) -> Result<Option<StatusImport>, StoreError> {
                let Some(row) = sqlx::query(sql::STATUS_IMPORT)
                    .bind(sha256.to_vec())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a status import"))?
                else {
                    return Ok(None);
                };
                let hash: Vec<u8> = get(&row, "sha256")?;
                Ok(Some(StatusImport {
                    sha256: <[u8; 32]>::try_from(hash.as_slice())
                        .map_err(|_| corrupt("status import hash"))?,
                    kind: get(&row, "kind")?,
                    file_name: get(&row, "file_name")?,
                    imported_by: get(&row, "imported_by")?,
                    imported_at: get(&row, "imported_at")?,
                    summary: get(&row, "summary")?,
                }))
            }

            async fn retry_failed(
                &self,
                envelope: Uuid,
                at: DateTime<Utc>,
            ) -> Result<ControlTotals, StoreError> {
                const ACTION: &str = "retrying failed payments";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                Self::lock_paying(&mut tx, envelope).await?;
                let found = sqlx::query(sql::RETRY_ROWS)
                    .bind(envelope)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let mut rows = Vec::with_capacity(found.len());
                for row in &found {
                    let r = route(&get::<String>(row, "route")?)?;
                    let last: Option<i32> = get(row, "last_attempt")?;
                    let (r, provider) = if r == Route::Premium {
                        (r, "bpjs".to_owned())
                    } else {
                        let kind: String = get(row, "kind")?;
                        let routed = match kind_of(&kind)? {
                            AddressKind::Account => Route::Bank,
                            AddressKind::Mobile => Route::EWallet,
                        };
                        (routed, get(row, "provider")?)
                    };
                    rows.push(NewPayment {
                        household: get(row, "household_id")?,
                        attempt: last.unwrap_or(0) + 1,
                        route: r,
                        provider,
                        amount: get(row, "amount")?,
                    });
                }
                let made = insert_payments(&mut tx, envelope, &rows, at).await?;
                for chunk in rows.chunks(sql::ROWS_PER_STATEMENT) {
                    let text = sql::entitlement_retry(PH, chunk.len());
                    let mut query = sqlx::query(&text);
                    for r in chunk {
                        query = query
                            .bind(envelope)
                            .bind(r.household)
                            .bind(r.route.code())
                            .bind(r.provider.clone());
                    }
                    query
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                }
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(made)
            }

            async fn reroute_to_cash(
                &self,
                envelope: Uuid,
                households: Option<&[Uuid]>,
            ) -> Result<ControlTotals, StoreError> {
                const ACTION: &str = "rerouting entitlements to cash";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                Self::lock_paying(&mut tx, envelope).await?;
                let mut moved = ControlTotals::default();
                match households {
                    None => {
                        let row = sqlx::query(sql::REROUTE_TOTALS)
                            .bind(envelope)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(StoreError::db(ACTION))?;
                        moved = totals(&row)?;
                        sqlx::query(sql::REROUTE_ALL)
                            .bind(envelope)
                            .execute(&mut *tx)
                            .await
                            .map_err(StoreError::db(ACTION))?;
                    }
                    Some(list) => {
                        for h in list {
                            let amount: Option<i64> = sqlx::query_scalar(sql::ENTITLEMENT_AMOUNT)
                                .bind(envelope)
                                .bind(*h)
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(StoreError::db(ACTION))?;
                            let Some(amount) = amount else { continue };
                            sqlx::query(sql::REROUTE_ONE)
                                .bind(envelope)
                                .bind(*h)
                                .execute(&mut *tx)
                                .await
                                .map_err(StoreError::db(ACTION))?;
                            moved
                                .add(Rupiah::new(amount))
                                .map_err(|_| corrupt("entitlement amounts overflow"))?;
                        }
                    }
                }
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(moved)
            }

            async fn upsert_account_link(&self, link: &NewAccountLink) -> Result<(), StoreError> {
                let a = &link.address;
                let (sealed, index) = self.seal_link(link)?;
                sqlx::query(sql::UPSERT_LINK)
                    .bind(link.household)
                    .bind(link.village.plain().to_owned())
                    .bind(sealed)
                    .bind(index)
                    .bind(kind_code(a.kind()))
                    .bind(a.provider().to_owned())
                    .bind(link.source.code())
                    .bind(link.requested_at)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording an account"))?;
                Ok(())
            }

            async fn import_account_links(
                &self,
                links: &[NewAccountLink],
                verified_by: Uuid,
                at: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                const ACTION: &str = "importing accounts";
                const ROWS: usize = 2_000;
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let mut written = 0;
                for chunk in links.chunks(ROWS) {
                    let text = sql::link_import(PH, chunk.len());
                    let mut query = sqlx::query(&text);
                    for link in chunk {
                        let (sealed, index) = self.seal_link(link)?;
                        let a = &link.address;
                        query = query
                            .bind(link.household)
                            .bind(link.village.plain().to_owned())
                            .bind(sealed)
                            .bind(index)
                            .bind(kind_code(a.kind()))
                            .bind(a.provider().to_owned())
                            .bind(LinkState::Verified.code())
                            .bind(link.source.code())
                            .bind(link.requested_at)
                            .bind(verified_by)
                            .bind(at);
                    }
                    written += query
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?
                        .rows_affected();
                }
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(written)
            }

            async fn verify_account_link(
                &self,
                household: Uuid,
                by: Uuid,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(sql::VERIFY_LINK)
                    .bind(household)
                    .bind(by)
                    .bind(at)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("verifying an account"))?;
                if done.rows_affected() == 1 {
                    return Ok(());
                }
                match self.account_link(household).await? {
                    None => Err(StoreError::NotFound {
                        what: "account link",
                    }),
                    Some(_) => Err(StoreError::Conflict {
                        what: "account link (it is not waiting for verification)",
                    }),
                }
            }

            async fn invalidate_account_link(
                &self,
                household: Uuid,
                reason: &str,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(sql::INVALIDATE_LINK)
                    .bind(household)
                    .bind(reason)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("marking an account invalid"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: "account link",
                    });
                }
                Ok(())
            }

            async fn account_link(
                &self,
                household: Uuid,
            ) -> Result<Option<AccountLink>, StoreError> {
                sqlx::query(&format!("{} {}", sql::LINK_COLUMNS, sql::LINK_ONE))
                    .bind(household)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an account"))?
                    .as_ref()
                    .map(|row| self.account_link_row(row))
                    .transpose()
            }

            async fn account_links(
                &self,
                within: &Scope,
                state: LinkState,
                limit: u32,
            ) -> Result<Vec<AccountLink>, StoreError> {
                let (lo, hi) = code_range(within);
                sqlx::query(&format!("{} {}", sql::LINK_COLUMNS, sql::LINK_QUEUE))
                    .bind(state.code())
                    .bind(lo)
                    .bind(hi)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing accounts"))?
                    .iter()
                    .map(|row| self.account_link_row(row))
                    .collect()
            }

            async fn households_sharing_account(&self, household: Uuid) -> Result<u64, StoreError> {
                let n: i64 = sqlx::query_scalar(sql::SHARING)
                    .bind(household)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::db("counting shared accounts"))?;
                unsigned(n, "shared account count")
            }

            async fn verified_link_routes(
                &self,
                within: &Scope,
            ) -> Result<Vec<LinkRoute>, StoreError> {
                let (lo, hi) = code_range(within);
                if let Some(path) = bulk_path(self) {
                    let range = matches!(within, Scope::Within(_)).then_some((lo, hi));
                    return sql::sqlite_bulk::verified_routes(path, range)
                        .await?
                        .into_iter()
                        .map(|(household, kind, provider)| {
                            Ok(LinkRoute {
                                household,
                                kind: kind_of(&kind)?,
                                provider,
                            })
                        })
                        .collect();
                }
                let query = match within {
                    Scope::All => sqlx::query(sql::VERIFIED_ROUTES_ALL),
                    Scope::Within(_) => sqlx::query(sql::VERIFIED_ROUTES).bind(lo).bind(hi),
                };
                let mut conn = bulk_connection(&self.pool).await?;
                query
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(StoreError::db("reading verified accounts"))?
                    .iter()
                    .map(|row| {
                        let kind: String = get(row, "kind")?;
                        Ok(LinkRoute {
                            household: get(row, "household_id")?,
                            kind: kind_of(&kind)?,
                            provider: get(row, "provider")?,
                        })
                    })
                    .collect()
            }

            async fn beneficiary_salt(&self, household: Uuid) -> Result<[u8; 32], StoreError> {
                let fresh: [u8; 32] = rand::random();
                sqlx::query(sql::INSERT_SALT)
                    .bind(household)
                    .bind(fresh.to_vec())
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("creating a ledger salt"))?;
                let salt: Vec<u8> = sqlx::query_scalar(sql::SALT)
                    .bind(household)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a ledger salt"))?;
                <[u8; 32]>::try_from(salt.as_slice()).map_err(|_| corrupt("ledger salt"))
            }
        }

        async fn payment_states(
            tx: &mut Tx<'_>,
            updates: &[StatusUpdate],
        ) -> Result<HashMap<Uuid, sql::Current>, StoreError> {
            let mut ids: Vec<Uuid> = updates.iter().map(|u| u.payment).collect();
            ids.sort_unstable();
            ids.dedup();
            let mut out = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(sql::ROWS_PER_STATEMENT * 5) {
                let text = sql::payment_states(PH, chunk.len());
                let mut query = sqlx::query(&text);
                for id in chunk {
                    query = query.bind(*id);
                }
                for row in query
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(StoreError::db("reading payment states"))?
                {
                    let state: String = get(&row, "state")?;
                    out.insert(
                        get(&row, "id")?,
                        sql::Current {
                            envelope: get(&row, "envelope_id")?,
                            household: get(&row, "household_id")?,
                            created_at: get(&row, "created_at")?,
                            state: PaymentState::from_code(&state)
                                .ok_or_else(|| corrupt("payment state"))?,
                        },
                    );
                }
            }
            Ok(out)
        }

        async fn apply_updates(
            tx: &mut Tx<'_>,
            current: &HashMap<Uuid, sql::Current>,
            updates: &[StatusUpdate],
            at: DateTime<Utc>,
        ) -> Result<AppliedStatus, StoreError> {
            const ACTION: &str = "applying a status file";
            let (mut outcome, planned) = sql::plan_status(current, updates);
            let order: Vec<Uuid> = planned.iter().map(|(id, _)| *id).collect();
            let finals: HashMap<Uuid, sql::Final> = planned.into_iter().collect();
            for chunk in order.chunks(sql::ROWS_PER_STATEMENT) {
                let text = sql::payment_update(PH, chunk.len());
                let mut query = sqlx::query(&text);
                for id in chunk {
                    let f = &finals[id];
                    query = query
                        .bind(*id)
                        .bind(f.state.code())
                        .bind(f.reason.clone())
                        .bind(f.provider_ref.clone())
                        .bind(at);
                }
                query
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
            }
            let followed: Vec<(&sql::Current, EntitlementState, Option<String>)> = order
                .iter()
                .filter_map(|id| {
                    let f = &finals[id];
                    let state = match f.state {
                        PaymentState::Settled => EntitlementState::Paid,
                        PaymentState::Rejected | PaymentState::Returned => EntitlementState::Failed,
                        _ => return None,
                    };
                    Some((&current[id], state, f.reason.clone()))
                })
                .collect();
            for chunk in followed.chunks(sql::ROWS_PER_STATEMENT) {
                let text = sql::entitlement_update(PH, chunk.len());
                let mut query = sqlx::query(&text);
                for (c, state, reason) in chunk {
                    query = query
                        .bind(c.envelope)
                        .bind(c.household)
                        .bind(state.code())
                        .bind(reason.clone());
                }
                query
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
            }
            for (c, state, reason) in &followed {
                let Some(reason) = reason else { continue };
                if *state != EntitlementState::Failed || !ACCOUNT_REASONS.contains(&reason.as_str())
                {
                    continue;
                }
                outcome.accounts_invalid += sqlx::query(sql::INVALIDATE_REJECTED_LINK)
                    .bind(c.household)
                    .bind(reason.as_str())
                    .bind(c.created_at)
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .rows_affected();
            }
            Ok(outcome)
        }
    };
}

macro_rules! entitlement_writer {
    (multirow, $db:ty, $store:ty) => {
        const PAYMENT_ID: &str = sql::SQLITE_UUID_V7;

        /// The database file: the bulk paths go through rusqlite (`sql::sqlite_bulk`).
        fn bulk_path(store: &$store) -> Option<std::path::PathBuf> {
            Some(store.path.clone())
        }

        async fn bulk_connection(
            pool: &sqlx::Pool<$db>,
        ) -> Result<sqlx::pool::PoolConnection<$db>, StoreError> {
            const ACTION: &str = "preparing a connection";
            let mut conn = pool.acquire().await.map_err(StoreError::db(ACTION))?;
            for pragma in sql::SQLITE_BULK_PRAGMAS {
                sqlx::query(pragma)
                    .execute(&mut *conn)
                    .await
                    .map_err(StoreError::db(ACTION))?;
            }
            Ok(conn)
        }

        async fn insert_entitlements(
            tx: &mut Tx<'_>,
            envelope: Uuid,
            rows: &[Entitlement],
        ) -> Result<(), StoreError> {
            let full = sql::entitlement_insert(PH, sql::ROWS_PER_STATEMENT);
            for chunk in rows.chunks(sql::ROWS_PER_STATEMENT) {
                let text = if chunk.len() == sql::ROWS_PER_STATEMENT {
                    std::borrow::Cow::Borrowed(full.as_str())
                } else {
                    std::borrow::Cow::Owned(sql::entitlement_insert(PH, chunk.len()))
                };
                let mut query = sqlx::query(&text);
                for r in chunk {
                    query = query
                        .bind(envelope)
                        .bind(r.household)
                        .bind(r.village.plain().to_owned())
                        .bind(r.amount.amount())
                        .bind(r.parts.clone())
                        .bind(r.route.code())
                        .bind(r.provider.clone())
                        .bind(EntitlementState::Pending.code())
                        .bind(Option::<String>::None);
                }
                query.execute(&mut **tx).await.map_err(entitlement_error)?;
            }
            Ok(())
        }

        fn entitlement_error(e: sqlx::Error) -> StoreError {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: "envelope (a household appears twice)",
                }
            } else {
                StoreError::db("writing entitlements")(e)
            }
        }
    };
    (unnest, $db:ty, $store:ty) => {
        const PAYMENT_ID: &str = sql::POSTGRES_UUID_V7;

        /// No bulk path: PostgreSQL takes arrays through sqlx.
        fn bulk_path(_: &$store) -> Option<std::path::PathBuf> {
            None
        }

        async fn bulk_connection(
            pool: &sqlx::Pool<$db>,
        ) -> Result<sqlx::pool::PoolConnection<$db>, StoreError> {
            pool.acquire()
                .await
                .map_err(StoreError::db("preparing a connection"))
        }

        async fn insert_entitlements(
            tx: &mut Tx<'_>,
            envelope: Uuid,
            rows: &[Entitlement],
        ) -> Result<(), StoreError> {
            for chunk in rows.chunks(sql::ROWS_PER_ARRAY) {
                sqlx::query(sql::ENTITLEMENT_UNNEST)
                    .bind(envelope)
                    .bind(chunk.iter().map(|r| r.household).collect::<Vec<_>>())
                    .bind(
                        chunk
                            .iter()
                            .map(|r| r.village.plain().to_owned())
                            .collect::<Vec<_>>(),
                    )
                    .bind(chunk.iter().map(|r| r.amount.amount()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.parts.clone()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.route.code()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.provider.clone()).collect::<Vec<_>>())
                    .execute(&mut **tx)
                    .await
                    .map_err(entitlement_error)?;
            }
            Ok(())
        }

        fn entitlement_error(e: sqlx::Error) -> StoreError {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: "envelope (a household appears twice)",
                }
            } else {
                StoreError::db("writing entitlements")(e)
            }
        }
    };
}

pub(crate) use distribution_impl;
pub(crate) use entitlement_writer;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_lists_number_or_anonymise_placeholders() {
        assert_eq!(values(Placeholders::Numbered, 1, 2, 2), "($1,$2),($3,$4)");
        assert_eq!(values(Placeholders::Anonymous, 1, 1, 3), "(?,?,?)");
        assert!(mark_sent(Placeholders::Numbered, 2).ends_with("IN ($3,$4)"));
        assert!(mark_sent(Placeholders::Anonymous, 1).contains("batch = ?, updated_at = ?"));
    }

    #[test]
    fn release_ids_are_version_7_in_row_order() {
        let prefix = payment_id_prefix(0x0190_0000_0001, 0x03ab_cdef);
        assert_eq!(prefix.len(), 20);
        let ids: Vec<uuid::Uuid> = [1u64, 2, 0x1000]
            .iter()
            .map(|n| uuid::Uuid::parse_str(&format!("{prefix}{n:012x}")).unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        for id in &ids {
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        }
        assert!(prefix.starts_with("019000000001"));
    }
}
