//! The SQLite side of a population import: one transaction on a connection of its own, driven by
//! rusqlite on a dedicated thread.
//!
//! Why not sqlx here, as everywhere else: sqlx's SQLite driver hands every statement and each of its
//! values to a worker thread as owned copies, which SQLite then copies again. For the 22 values of a
//! person that cost about three times what SQLite itself spends on the row (300,000 rows: 3.0 s against
//! 1.0 s with a prepared single-row statement here). Reads, migrations and PostgreSQL stay on sqlx.
//!
//! The connection has a 256 MiB page cache and is closed when the import ends, so the memory goes with it.
//! Dropping the [`SqliteImport`] without `finish` closes the command channel; the thread then rolls back.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{params, params_from_iter, Connection, ErrorCode};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::error::StoreError;
use crate::model::{BatchStats, ImportMeta, ImportRun, ImportSummaryForRun, PopulationRecord};
use crate::plan::{self, Existing, Stored};
use crate::sealing::{new_id, PopulationSealer, SealedPopulationBatch, StoredIndex};
use crate::sql::{self, Placeholders};
use crate::sqlite::{SqliteStore, BUSY_TIMEOUT};
use crate::store::PopulationImport;

/// Page cache of the import's connection (negative = KiB): bounded, whatever the file size.
const IMPORT_CACHE_KIB: i64 = -262_144;
const WRITE: &str = "writing population rows";

/// SQLite-only statements with `?N` parameters (rusqlite binds by position, so `$n` would be numbered by
/// first appearance).
const INSERT_RUN: &str =
    "INSERT INTO import_run (id, kind, source_name, status, started_at, rows_read, \
     rows_valid, rows_rejected, inserted, updated, unchanged, deaths, moves) \
     VALUES (?1, 'population', ?2, 'running', ?3, 0, 0, 0, 0, 0, 0, 0, 0)";
const FINISH_RUN: &str = "UPDATE import_run SET status = 'completed', finished_at = ?2, \
     source_sha256 = ?3, rows_read = ?4, rows_valid = ?5, rows_rejected = ?6, inserted = ?7, \
     updated = ?8, unchanged = ?9, deaths = ?10, moves = ?11 WHERE id = ?1";
const INSERT_PERSON: &str = "INSERT INTO population_person (import_run_id, updated_at, village_code, id, \
     nik_index, nik_sealed, kk_index, kk_sealed, full_name, sex, birth_place, birth_date, religion, \
     marital_status, relationship, address, rt, rw, occupation, death_date, content_hash, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
     ?21, ?22)";
const UPDATE_PERSON: &str = "UPDATE population_person SET kk_index = ?3, kk_sealed = ?4, \
     full_name = ?5, sex = ?6, birth_place = ?7, birth_date = ?8, religion = ?9, marital_status = ?10, \
     relationship = ?11, address = ?12, rt = ?13, rw = ?14, occupation = ?15, death_date = ?16, \
     content_hash = ?17, import_run_id = ?18, updated_at = ?19 WHERE village_code = ?1 AND id = ?2";
const DELETE_PERSON: &str = "DELETE FROM population_person WHERE village_code = ?1 AND id = ?2";

enum Command {
    Write(
        SealedPopulationBatch,
        oneshot::Sender<Result<BatchStats, StoreError>>,
    ),
    Finish(
        ImportSummaryForRun,
        oneshot::Sender<Result<ImportRun, StoreError>>,
    ),
}

/// The import handle: sends batches to the writer thread.
pub(crate) struct SqliteImport {
    commands: mpsc::Sender<Command>,
    sealer: PopulationSealer,
    table_was_empty: bool,
}

impl SqliteStore {
    pub(crate) async fn begin_import(
        &self,
        meta: ImportMeta,
    ) -> Result<Box<dyn PopulationImport>, StoreError> {
        let (ready_tx, ready_rx) = oneshot::channel();
        let (commands, inbox) = mpsc::channel();
        let (path, sealer) = (self.path.clone(), self.sealer.clone());
        std::thread::Builder::new()
            .name("tepat-import".into())
            .spawn(move || run(path, sealer, meta, ready_tx, inbox))
            .map_err(|e| StoreError::SqliteWrite {
                action: "starting the import",
                reason: e.to_string(),
            })?;
        let table_was_empty = ready_rx.await.map_err(|_| gone())??;
        Ok(Box::new(SqliteImport {
            commands,
            sealer: self.sealer.clone(),
            table_was_empty,
        }))
    }
}

#[async_trait::async_trait]
impl PopulationImport for SqliteImport {
    async fn write_batch(&mut self, rows: &[PopulationRecord]) -> Result<BatchStats, StoreError> {
        let batch = self.sealer().seal(rows.to_vec());
        self.write_sealed(batch).await
    }

    fn sealer(&self) -> PopulationSealer {
        if self.table_was_empty {
            self.sealer.clone()
        } else {
            self.sealer.lazy()
        }
    }

    async fn write_sealed(
        &mut self,
        batch: SealedPopulationBatch,
    ) -> Result<BatchStats, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Write(batch, reply))
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    async fn finish(
        self: Box<Self>,
        summary: ImportSummaryForRun,
    ) -> Result<ImportRun, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Finish(summary, reply))
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// The writer thread: begins, serves commands, and rolls back unless told to finish.
fn run(
    path: PathBuf,
    sealer: PopulationSealer,
    meta: ImportMeta,
    ready: oneshot::Sender<Result<bool, StoreError>>,
    inbox: mpsc::Receiver<Command>,
) {
    let mut writer = match Writer::begin(&path, sealer, &meta) {
        Ok(w) => w,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(writer.table_was_empty));
    while let Ok(command) = inbox.recv() {
        match command {
            Command::Write(batch, reply) => {
                let _ = reply.send(writer.write(batch));
            }
            Command::Finish(summary, reply) => {
                let _ = reply.send(writer.finish(summary));
                return;
            }
        }
    }
    // The handle was dropped without `finish`: nothing of this import may remain.
    let _ = writer.conn.execute_batch("ROLLBACK");
}

struct Writer {
    conn: Connection,
    sealer: PopulationSealer,
    run_id: Uuid,
    source_name: String,
    started_at: DateTime<Utc>,
    /// As in the sqlx import: no lookups, and the indexes dropped here are built in `finish`.
    table_was_empty: bool,
    totals: BatchStats,
}

impl Writer {
    fn begin(
        path: &Path,
        sealer: PopulationSealer,
        meta: &ImportMeta,
    ) -> Result<Writer, StoreError> {
        const ACTION: &str = "starting the import";
        let conn = Connection::open(path).map_err(db(ACTION))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db(ACTION))?;
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = {IMPORT_CACHE_KIB}; BEGIN IMMEDIATE"
        ))
        .map_err(db(ACTION))?;
        let (run_id, started_at) = (new_id(), now());
        conn.execute(
            INSERT_RUN,
            params![
                &run_id.as_bytes()[..],
                meta.source_name,
                timestamp(started_at)
            ],
        )
        .map_err(db(ACTION))?;
        let rows: i64 = conn
            .query_row(sql::PERSON_TABLE_HAS_ROWS, [], |r| r.get(0))
            .map_err(db(ACTION))?;
        let table_was_empty = rows == 0;
        if table_was_empty {
            for (name, _) in sql::SQLITE_DEFERRED_INDEXES {
                conn.execute_batch(&format!("DROP INDEX {name}"))
                    .map_err(db(ACTION))?;
            }
        }
        Ok(Writer {
            conn,
            sealer,
            run_id,
            source_name: meta.source_name.clone(),
            started_at,
            table_was_empty,
            totals: BatchStats::default(),
        })
    }

    fn write(&mut self, batch: SealedPopulationBatch) -> Result<BatchStats, StoreError> {
        let now = now();
        let stored = self.stored(&batch)?;
        let plan = plan::plan(&self.sealer, batch.rows, &stored, now);
        let mut delete = self.conn.prepare_cached(DELETE_PERSON).map_err(db(WRITE))?;
        for (village, id) in &plan.deletes {
            delete
                .execute(params![village, &id.as_bytes()[..]])
                .map_err(db(WRITE))?;
        }
        let mut insert = self.conn.prepare_cached(INSERT_PERSON).map_err(db(WRITE))?;
        let (run_id, now_text) = (&self.run_id.as_bytes()[..], timestamp(now));
        for plan::Insert { row, created_at } in &plan.inserts {
            let r = &row.record;
            insert
                .execute(params![
                    run_id,
                    now_text,
                    r.village.plain(),
                    &row.id.as_bytes()[..],
                    &row.nik_index[..],
                    row.nik_sealed,
                    &row.kk_index[..],
                    row.kk_sealed,
                    r.full_name,
                    r.sex.letter(),
                    r.birth_place,
                    date(r.birth_date),
                    r.religion.map(|x| x.code()),
                    r.marital_status.map(|x| x.code()),
                    r.relationship.code(),
                    r.address,
                    r.rt,
                    r.rw,
                    r.occupation,
                    r.death_date.map(date),
                    &row.content_hash[..],
                    timestamp(*created_at),
                ])
                .map_err(db(WRITE))?;
        }
        let mut update = self.conn.prepare_cached(UPDATE_PERSON).map_err(db(WRITE))?;
        for row in &plan.updates {
            let r = &row.record;
            update
                .execute(params![
                    r.village.plain(),
                    &row.id.as_bytes()[..],
                    &row.kk_index[..],
                    row.kk_sealed,
                    r.full_name,
                    r.sex.letter(),
                    r.birth_place,
                    date(r.birth_date),
                    r.religion.map(|x| x.code()),
                    r.marital_status.map(|x| x.code()),
                    r.relationship.code(),
                    r.address,
                    r.rt,
                    r.rw,
                    r.occupation,
                    r.death_date.map(date),
                    &row.content_hash[..],
                    run_id,
                    now_text,
                ])
                .map_err(db(WRITE))?;
        }
        self.totals += plan.stats;
        Ok(plan.stats)
    }

    /// What is stored for the batch's NIKs: content hashes first, details only for rows that changed.
    fn stored(&self, batch: &SealedPopulationBatch) -> Result<Stored, StoreError> {
        let mut stored = Stored::default();
        if self.table_was_empty {
            return Ok(stored);
        }
        let mut changed: Vec<StoredIndex> = Vec::new();
        for chunk in batch.rows.chunks(sql::LOOKUP_CHUNK) {
            let text = sql::lookup_hashes(Placeholders::Anonymous, chunk.len());
            let mut query = self.conn.prepare_cached(&text).map_err(db(WRITE))?;
            let keys = chunk.iter().map(|r| r.nik_index.to_vec());
            let mut rows = query.query(params_from_iter(keys)).map_err(db(WRITE))?;
            let hashes: std::collections::HashMap<StoredIndex, &[u8]> = chunk
                .iter()
                .map(|r| (r.nik_index, &r.content_hash[..]))
                .collect();
            while let Some(row) = rows.next().map_err(db(WRITE))? {
                let index = stored_index(row.get(0).map_err(db(WRITE))?)?;
                let hash: Vec<u8> = row.get(1).map_err(db(WRITE))?;
                if hashes.get(&index).is_some_and(|h| *h == &hash[..]) {
                    stored.same.insert(index);
                } else {
                    changed.push(index);
                }
            }
        }
        for chunk in changed.chunks(sql::LOOKUP_CHUNK) {
            let text = sql::lookup_existing(Placeholders::Anonymous, chunk.len());
            let mut query = self.conn.prepare_cached(&text).map_err(db(WRITE))?;
            let mut rows = query
                .query(params_from_iter(chunk.iter().map(|k| k.to_vec())))
                .map_err(db(WRITE))?;
            while let Some(row) = rows.next().map_err(db(WRITE))? {
                let index = stored_index(row.get("nik_index").map_err(db(WRITE))?)?;
                stored.changed.insert(index, existing(row)?);
            }
        }
        Ok(stored)
    }

    fn finish(self, summary: ImportSummaryForRun) -> Result<ImportRun, StoreError> {
        const ACTION: &str = "committing the import";
        if self.table_was_empty {
            for (_, create) in sql::SQLITE_DEFERRED_INDEXES {
                self.conn
                    .execute_batch(create)
                    .map_err(db("building the population indexes"))?;
            }
        }
        let t = self.totals;
        let finished_at = now();
        let run = ImportRun {
            id: self.run_id,
            kind: "population".into(),
            source_name: self.source_name.clone(),
            source_sha256: summary.source_sha256.clone(),
            started_at: self.started_at,
            finished_at,
            rows_read: to_i64(summary.rows_read),
            rows_valid: to_i64(summary.rows_valid),
            rows_rejected: to_i64(summary.rows_rejected),
            inserted: to_i64(t.inserted),
            updated: to_i64(t.updated),
            unchanged: to_i64(t.unchanged),
            deaths: to_i64(t.deaths),
            moves: to_i64(t.moves),
        };
        self.conn
            .execute(
                FINISH_RUN,
                params![
                    &run.id.as_bytes()[..],
                    timestamp(finished_at),
                    run.source_sha256,
                    run.rows_read,
                    run.rows_valid,
                    run.rows_rejected,
                    run.inserted,
                    run.updated,
                    run.unchanged,
                    run.deaths,
                    run.moves,
                ],
            )
            .map_err(db(ACTION))?;
        self.conn.execute_batch("COMMIT").map_err(db(ACTION))?;
        tracing::info!(
            run = %run.id,
            inserted = t.inserted,
            updated = t.updated,
            unchanged = t.unchanged,
            "population import committed"
        );
        Ok(run)
    }
}

fn existing(row: &rusqlite::Row<'_>) -> Result<Existing, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt {
        what: format!("column {what}"),
    };
    let id: Vec<u8> = row.get("id").map_err(db(WRITE))?;
    let death: Option<String> = row.get("death_date").map_err(db(WRITE))?;
    let created: String = row.get("created_at").map_err(db(WRITE))?;
    Ok(Existing {
        village_code: row.get("village_code").map_err(db(WRITE))?,
        id: Uuid::from_slice(&id).map_err(|_| corrupt("id"))?,
        kk_index: row.get("kk_index").map_err(db(WRITE))?,
        address: row.get("address").map_err(db(WRITE))?,
        rt: row.get("rt").map_err(db(WRITE))?,
        rw: row.get("rw").map_err(db(WRITE))?,
        death_date: death
            .map(|d| d.parse::<NaiveDate>().map_err(|_| corrupt("death_date")))
            .transpose()?,
        created_at: DateTime::parse_from_rfc3339(&created)
            .map_err(|_| corrupt("created_at"))?
            .with_timezone(&Utc),
    })
}

fn stored_index(bytes: Vec<u8>) -> Result<StoredIndex, StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt {
        what: "column nik_index has the wrong length".into(),
    })
}

/// As sqlx writes a timestamp into SQLite, so that its reads decode ours.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The current time to the microsecond, as the sqlx import stores it.
fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn gone() -> StoreError {
    StoreError::SqliteWrite {
        action: WRITE,
        reason: "the import's database thread stopped".into(),
    }
}

/// Maps a rusqlite error met while doing `action`; like [`StoreError::db`], never with row values.
fn db(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            StoreError::Busy
        }
        rusqlite::Error::SqliteFailure(f, Some(message))
            if f.code == ErrorCode::ConstraintViolation && message.contains("nik") =>
        {
            StoreError::DuplicateNik
        }
        _ => StoreError::SqliteWrite {
            action,
            reason: e.to_string(),
        },
    }
}
