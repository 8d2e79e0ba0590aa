//! The method bodies the backends share, written once and instantiated per sqlx database type.
//!
//! Macros rather than generic code: sqlx's generic executor bounds (`for<'q> Encode<'q, DB>` for every
//! bound type, `IntoArguments`, `ColumnIndex`, ...) would drown the SQL.
//!
//! - `store_impl!` implements [`crate::Store`] for `$store`, which has fields `pool: sqlx::Pool<$db>` and
//!   `sealer: PopulationSealer` and inherent methods `run_migrations(&self)` and
//!   `begin_import(&self, ImportMeta)`.
//! - `import_impl!` provides that `begin_import` and the import transaction over sqlx. PostgreSQL uses it;
//!   SQLite has its own bulk writer (`sqlite_import`), because binding through sqlx's SQLite driver cost
//!   three times what the database itself spends on a row.

macro_rules! store_impl {
    ($db:ty, $store:ty, $backend:expr, $placeholders:expr) => {
        use sqlx::Row as _;
        use tepat_domain::{KkNumber, MaritalStatus, Nik, RegionCode, Relationship, Religion, Sex};
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::model::*;
        use $crate::sealing::PopulationSealer;
        use $crate::sql;
        use $crate::store::{PopulationImport, Store};

        type DbRow = <$db as sqlx::Database>::Row;

        /// Reads one column, mapping a decode failure to a message that names the column (never a value).
        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn region(row: &DbRow, column: &'static str) -> Result<RegionCode, StoreError> {
            let s: String = get(row, column)?;
            RegionCode::parse(&s).map_err(|_| StoreError::Corrupt {
                what: format!("column {column} is not a region code"),
            })
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

        fn optional_code<T>(
            row: &DbRow,
            column: &'static str,
            parse: fn(&str) -> Option<T>,
        ) -> Result<Option<T>, StoreError> {
            let s: Option<String> = get(row, column)?;
            s.map(|s| {
                parse(&s).ok_or_else(|| StoreError::Corrupt {
                    what: format!("column {column} holds an unknown code"),
                })
            })
            .transpose()
        }

        /// Decodes a row of [`sql::PERSON_SELECT`] and opens its identifiers.
        fn person_from_row(
            row: &DbRow,
            sealer: &PopulationSealer,
        ) -> Result<PopulationPerson, StoreError> {
            let id: Uuid = get(row, "id")?;
            let nik_sealed: Vec<u8> = get(row, "nik_sealed")?;
            let kk_sealed: Vec<u8> = get(row, "kk_sealed")?;
            let record = PopulationRecord {
                nik: sealer.open_nik(id, &nik_sealed)?,
                kk_number: sealer.open_kk(id, &kk_sealed)?,
                full_name: get(row, "full_name")?,
                sex: code(row, "sex", Sex::parse)?,
                birth_place: get(row, "birth_place")?,
                birth_date: get(row, "birth_date")?,
                religion: optional_code(row, "religion", Religion::parse)?,
                marital_status: optional_code(row, "marital_status", MaritalStatus::parse)?,
                relationship: code(row, "relationship", Relationship::parse)?,
                address: get(row, "address")?,
                rt: get(row, "rt")?,
                rw: get(row, "rw")?,
                village: region(row, "village_code")?,
                occupation: get(row, "occupation")?,
                death_date: get(row, "death_date")?,
            };
            Ok(PopulationPerson {
                id,
                record,
                created_at: get(row, "created_at")?,
                updated_at: get(row, "updated_at")?,
                import_run_id: get(row, "import_run_id")?,
            })
        }

        fn import_run_from_row(row: &DbRow) -> Result<ImportRun, StoreError> {
            Ok(ImportRun {
                id: get(row, "id")?,
                kind: get(row, "kind")?,
                source_name: get(row, "source_name")?,
                source_sha256: get(row, "source_sha256")?,
                started_at: get(row, "started_at")?,
                finished_at: get(row, "finished_at")?,
                rows_read: get(row, "rows_read")?,
                rows_valid: get(row, "rows_valid")?,
                rows_rejected: get(row, "rows_rejected")?,
                inserted: get(row, "inserted")?,
                updated: get(row, "updated")?,
                unchanged: get(row, "unchanged")?,
                deaths: get(row, "deaths")?,
                moves: get(row, "moves")?,
            })
        }

        /// Loads the embedded region table in one transaction, unless some regions are already there.
        async fn load_regions(pool: &sqlx::Pool<$db>) -> Result<(), StoreError> {
            const ACTION: &str = "loading the region table";
            let mut tx = pool.begin().await.map_err(StoreError::db(ACTION))?;
            let count: i64 = sqlx::query_scalar(sql::REGION_COUNT)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::db(ACTION))?;
            if count > 0 {
                return Ok(());
            }
            let regions: Vec<&tepat_regions::Region> =
                tepat_regions::RegionTable::embedded().iter().collect();
            for chunk in regions.chunks(sql::REGION_ROWS_PER_INSERT) {
                let text = sql::region_insert($placeholders, chunk.len());
                let mut q = sqlx::query(&text);
                for r in chunk {
                    q = q
                        .bind(r.code.plain())
                        .bind(i32::from(r.code.level().as_number()))
                        .bind(r.code.parent().map(|p| p.plain().to_owned()))
                        .bind(r.name.as_str());
                }
                q.execute(&mut *tx).await.map_err(StoreError::db(ACTION))?;
            }
            tx.commit().await.map_err(StoreError::db(ACTION))?;
            tracing::info!(regions = regions.len(), "region table loaded");
            Ok(())
        }

        fn district_summary(row: &DbRow) -> Result<DistrictSummary, StoreError> {
            Ok(DistrictSummary {
                district: region(row, "code")?,
                name: get(row, "name")?,
                households: get(row, "households")?,
                persons: get(row, "persons")?,
                deceased: get(row, "deceased")?,
            })
        }

        fn regency_summary(row: &DbRow) -> Result<RegencySummary, StoreError> {
            Ok(RegencySummary {
                regency: region(row, "code")?,
                name: get(row, "name")?,
                households: get(row, "households")?,
                persons: get(row, "persons")?,
                deceased: get(row, "deceased")?,
            })
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<(), StoreError> {
                self.run_migrations().await?;
                load_regions(&self.pool).await?;
                // A registry that had households before the targeting facts existed (migration 10)
                // gets its facts once; afterwards every registry save keeps them in step.
                if $crate::TargetingFactsStore::count_households(self, "TRUE").await? == 0 {
                    $crate::TargetingFactsStore::rebuild_targeting_facts(self, 1_000).await?;
                }
                Ok(())
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query(sql::PING)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("checking the database connection"))?;
                Ok(())
            }

            async fn region_counts(&self) -> Result<RegionCounts, StoreError> {
                let rows = sqlx::query(sql::REGION_COUNTS_BY_LEVEL)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("counting regions"))?;
                let mut counts = RegionCounts::default();
                for row in &rows {
                    let level: i32 = get(row, "level")?;
                    let n: i64 = get(row, "n")?;
                    match level {
                        1 => counts.provinces = n,
                        2 => counts.regencies = n,
                        3 => counts.districts = n,
                        4 => counts.villages = n,
                        _ => {}
                    }
                }
                Ok(counts)
            }

            async fn population_totals(&self) -> Result<PopulationTotals, StoreError> {
                let row = sqlx::query(sql::POPULATION_TOTALS)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::db("counting the population"))?;
                Ok(PopulationTotals {
                    persons: get(&row, "persons")?,
                    households: get(&row, "households")?,
                    deceased: get(&row, "deceased")?,
                })
            }

            async fn population_by_district(
                &self,
                within: &RegionCode,
            ) -> Result<Vec<DistrictSummary>, StoreError> {
                let (from, to) = sql::code_range(within.plain());
                sqlx::query(sql::POPULATION_BY_DISTRICT)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("counting the population per district"))?
                    .iter()
                    .map(district_summary)
                    .collect()
            }

            async fn populated_regencies(&self) -> Result<Vec<RegencySummary>, StoreError> {
                sqlx::query(sql::POPULATED_REGENCIES)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("counting the population per regency"))?
                    .iter()
                    .map(regency_summary)
                    .collect()
            }

            async fn population_person_by_nik(
                &self,
                nik: &Nik,
            ) -> Result<Option<PopulationPerson>, StoreError> {
                let text = format!("{} WHERE nik_index = $1", sql::PERSON_SELECT);
                let row = sqlx::query(&text)
                    .bind(&self.sealer.nik_index(nik)[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a population record"))?;
                row.map(|r| person_from_row(&r, &self.sealer)).transpose()
            }

            async fn population_household(
                &self,
                kk: &KkNumber,
            ) -> Result<Vec<PopulationPerson>, StoreError> {
                let text = format!("{} WHERE kk_index = $1", sql::PERSON_SELECT);
                let rows = sqlx::query(&text)
                    .bind(&self.sealer.kk_index(kk)[..])
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a household"))?;
                let mut members = rows
                    .iter()
                    .map(|r| person_from_row(r, &self.sealer))
                    .collect::<Result<Vec<_>, _>>()?;
                members.sort_by_key(|m| {
                    (
                        m.record.relationship != Relationship::KepalaKeluarga,
                        m.record.birth_date,
                    )
                });
                Ok(members)
            }

            async fn begin_population_import(
                &self,
                meta: ImportMeta,
            ) -> Result<Box<dyn PopulationImport>, StoreError> {
                self.begin_import(meta).await
            }

            async fn import_runs(&self, limit: u32) -> Result<Vec<ImportRun>, StoreError> {
                sqlx::query(sql::IMPORT_RUNS)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing imports"))?
                    .iter()
                    .map(import_run_from_row)
                    .collect()
            }
        }
    };
}

macro_rules! import_impl {
    ($db:ty, $store:ty, $import:ident, $placeholders:expr, $deferred_indexes:expr) => {
        use std::collections::HashMap;

        use chrono::{DateTime, NaiveDate, Utc};

        use $crate::plan::{self, Existing};
        use $crate::sealing::{SealedPopulationBatch, SealedRow, StoredIndex};

        /// The current time to the microsecond, the precision PostgreSQL keeps: both backends then store
        /// the same value (and SQLite's text form is shorter).
        fn now() -> DateTime<Utc> {
            let t = Utc::now();
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        fn to_i64(n: u64) -> i64 {
            i64::try_from(n).unwrap_or(i64::MAX)
        }

        impl $store {
                pub(crate) async fn begin_import(
                    &self,
                    meta: ImportMeta,
                ) -> Result<Box<dyn PopulationImport>, StoreError> {
                    const ACTION: &str = "starting the import";
                    let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                    let run_id = Uuid::now_v7();
                    let started_at = now();
                    sqlx::query(sql::INSERT_RUN)
                        .bind(run_id)
                        .bind("population")
                        .bind(meta.source_name.as_str())
                        .bind(started_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    let has_rows: i64 = sqlx::query_scalar(sql::PERSON_TABLE_HAS_ROWS)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    let table_was_empty = has_rows == 0;
                    if table_was_empty {
                        for (name, _) in $deferred_indexes {
                            sqlx::query(&format!("DROP INDEX {name}"))
                                .execute(&mut *tx)
                                .await
                                .map_err(StoreError::db(ACTION))?;
                        }
                    }
                    tracing::info!(run = %run_id, "population import started");
                    Ok(Box::new($import {
                        tx,
                        sealer: self.sealer.clone(),
                        run_id,
                        table_was_empty,
                        totals: BatchStats::default(),
                    }))
                }

        }

        /// The import transaction of this backend.
        pub(crate) struct $import {
            tx: sqlx::Transaction<'static, $db>,
            sealer: PopulationSealer,
            run_id: Uuid,
            /// When the table was empty at the start, no row of this import can exist already (NIKs are
            /// unique per import), so the lookups are skipped and the secondary indexes, dropped at the
            /// start, are built in `finish`: the first import is insert-only.
            table_was_empty: bool,
            totals: BatchStats,
        }

        impl $import {
            const WRITE: &'static str = "writing population rows";

            /// What is stored for the NIKs of `rows`: first only the content hashes (most rows of a
            /// re-import are unchanged), then the facts about the rows that changed.
            async fn stored(&mut self, rows: &[SealedRow]) -> Result<plan::Stored, StoreError> {
                let mut stored = plan::Stored::default();
                if self.table_was_empty {
                    return Ok(stored);
                }
                let hashes: HashMap<StoredIndex, [u8; 16]> =
                    rows.iter().map(|r| (r.nik_index, r.content_hash)).collect();
                let mut changed: Vec<StoredIndex> = Vec::new();
                for chunk in rows.chunks(sql::LOOKUP_CHUNK) {
                    let text = sql::lookup_hashes($placeholders, chunk.len());
                    let found = self.lookup(&text, chunk.iter().map(|r| r.nik_index)).await?;
                    for r in &found {
                        let index = stored_index(r)?;
                        let hash: Vec<u8> = get(r, "content_hash")?;
                        if hashes.get(&index).is_some_and(|h| h[..] == hash[..]) {
                            stored.same.insert(index);
                        } else {
                            changed.push(index);
                        }
                    }
                }
                for chunk in changed.chunks(sql::LOOKUP_CHUNK) {
                    let text = sql::lookup_existing($placeholders, chunk.len());
                    for r in &self.lookup(&text, chunk.iter().copied()).await? {
                        stored.changed.insert(stored_index(r)?, existing_from_row(r)?);
                    }
                }
                Ok(stored)
            }

            async fn lookup(
                &mut self,
                text: &str,
                indexes: impl Iterator<Item = StoredIndex>,
            ) -> Result<Vec<DbRow>, StoreError> {
                let mut q = sqlx::query(text);
                for index in indexes {
                    q = q.bind(index.to_vec());
                }
                q.fetch_all(&mut *self.tx)
                    .await
                    .map_err(StoreError::db(Self::WRITE))
            }

            async fn delete(&mut self, village: &str, id: Uuid) -> Result<(), StoreError> {
                sqlx::query(sql::DELETE_PERSON)
                    .bind(village)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(StoreError::db(Self::WRITE))?;
                Ok(())
            }

            /// Inserts `rows` in multi-row statements. While the database executes one statement, the
            /// next one's parameters are bound here (binding is a good part of the work).
            async fn insert(
                &mut self,
                mut rows: Vec<plan::Insert>,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let texts: Vec<std::borrow::Cow<'static, str>> = rows
                    .chunks(sql::PERSON_ROWS_PER_INSERT)
                    .map(|c| insert_sql(c.len()))
                    .collect();
                let run_id = self.run_id;
                let mut texts = texts.iter();
                let Some(first) = texts.next() else {
                    return Ok(());
                };
                let mut query = bind_persons(first, &mut rows, run_id, now);
                loop {
                    let execute = query.execute(&mut *self.tx);
                    let bind_next = async {
                        texts
                            .next()
                            .map(|text| bind_persons(text, &mut rows, run_id, now))
                    };
                    let (done, next) = tokio::join!(execute, bind_next);
                    done.map_err(StoreError::db(Self::WRITE))?;
                    match next {
                        Some(next) => query = next,
                        None => return Ok(()),
                    }
                }
            }

            /// Builds the indexes dropped when the import began (see `table_was_empty`).
            async fn build_indexes(&mut self) -> Result<(), StoreError> {
                for (_, create) in $deferred_indexes {
                    sqlx::query(*create)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(StoreError::db("building the population indexes"))?;
                }
                Ok(())
            }

            async fn update(&mut self, row: &SealedRow, now: DateTime<Utc>) -> Result<(), StoreError> {
                let r = &row.record;
                sqlx::query(sql::UPDATE_PERSON)
                    .bind(r.village.plain())
                    .bind(row.id)
                    .bind(&row.kk_index[..])
                    .bind(&row.kk_sealed[..])
                    .bind(r.full_name.as_str())
                    .bind(r.sex.letter())
                    .bind(r.birth_place.as_str())
                    .bind(r.birth_date)
                    .bind(r.religion.map(|x| x.code()))
                    .bind(r.marital_status.map(|x| x.code()))
                    .bind(r.relationship.code())
                    .bind(r.address.as_str())
                    .bind(r.rt.as_str())
                    .bind(r.rw.as_str())
                    .bind(r.occupation.as_str())
                    .bind(r.death_date)
                    .bind(&row.content_hash[..])
                    .bind(self.run_id)
                    .bind(now)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(StoreError::db(Self::WRITE))?;
                Ok(())
            }
        }

        /// The multi-row INSERT for `n` persons; the full-size one is built once per process.
        fn insert_sql(n: usize) -> std::borrow::Cow<'static, str> {
            static FULL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            if n == sql::PERSON_ROWS_PER_INSERT {
                std::borrow::Cow::Borrowed(
                    FULL.get_or_init(|| sql::person_insert($placeholders, n)),
                )
            } else {
                std::borrow::Cow::Owned(sql::person_insert($placeholders, n))
            }
        }

        /// Binds the first rows of `rows` (as many as `text` has tuples), moving their values in: the
        /// SQLite driver would copy borrowed ones anyway.
        fn bind_persons<'q>(
            text: &'q str,
            rows: &mut Vec<plan::Insert>,
            run_id: Uuid,
            now: DateTime<Utc>,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
            let n = rows.len().min(sql::PERSON_ROWS_PER_INSERT);
            let mut q = sqlx::query(text);
            for plan::Insert { row, created_at } in rows.drain(..n) {
                let r = row.record;
                q = q
                    .bind(run_id)
                    .bind(now)
                    .bind(r.village.plain().to_owned())
                    .bind(row.id)
                    .bind(row.nik_index.to_vec())
                    .bind(row.nik_sealed)
                    .bind(row.kk_index.to_vec())
                    .bind(row.kk_sealed)
                    .bind(r.full_name)
                    .bind(r.sex.letter())
                    .bind(r.birth_place)
                    .bind(r.birth_date)
                    .bind(r.religion.map(|x| x.code()))
                    .bind(r.marital_status.map(|x| x.code()))
                    .bind(r.relationship.code())
                    .bind(r.address)
                    .bind(r.rt)
                    .bind(r.rw)
                    .bind(r.occupation)
                    .bind(r.death_date)
                    .bind(row.content_hash.to_vec())
                    .bind(created_at);
            }
            q
        }

        fn stored_index(r: &DbRow) -> Result<StoredIndex, StoreError> {
            let index: Vec<u8> = get(r, "nik_index")?;
            index.try_into().map_err(|_| StoreError::Corrupt {
                what: "column nik_index has the wrong length".into(),
            })
        }

        fn existing_from_row(r: &DbRow) -> Result<Existing, StoreError> {
            Ok(Existing {
                village_code: get(r, "village_code")?,
                id: get(r, "id")?,
                kk_index: get(r, "kk_index")?,
                address: get(r, "address")?,
                rt: get(r, "rt")?,
                rw: get(r, "rw")?,
                death_date: get::<Option<NaiveDate>>(r, "death_date")?,
                created_at: get(r, "created_at")?,
            })
        }

        #[async_trait::async_trait]
        impl PopulationImport for $import {
            async fn write_batch(
                &mut self,
                rows: &[PopulationRecord],
            ) -> Result<BatchStats, StoreError> {
                let batch = PopulationImport::sealer(self).seal(rows.to_vec());
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
                let now = now();
                let stored = self.stored(&batch.rows).await?;
                let plan = plan::plan(&self.sealer, batch.rows, &stored, now);
                for (village, id) in &plan.deletes {
                    self.delete(village, *id).await?;
                }
                self.insert(plan.inserts, now).await?;
                for row in &plan.updates {
                    self.update(row, now).await?;
                }
                self.totals += plan.stats;
                Ok(plan.stats)
            }

            async fn finish(
                mut self: Box<Self>,
                summary: ImportSummaryForRun,
            ) -> Result<ImportRun, StoreError> {
                const ACTION: &str = "committing the import";
                if self.table_was_empty {
                    self.build_indexes().await?;
                }
                let t = self.totals;
                sqlx::query(sql::FINISH_RUN)
                    .bind(self.run_id)
                    .bind(now())
                    .bind(summary.source_sha256.as_deref())
                    .bind(to_i64(summary.rows_read))
                    .bind(to_i64(summary.rows_valid))
                    .bind(to_i64(summary.rows_rejected))
                    .bind(to_i64(t.inserted))
                    .bind(to_i64(t.updated))
                    .bind(to_i64(t.unchanged))
                    .bind(to_i64(t.deaths))
                    .bind(to_i64(t.moves))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let row = sqlx::query(sql::IMPORT_RUN_BY_ID)
                    .bind(self.run_id)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let run = import_run_from_row(&row)?;
                self.tx.commit().await.map_err(StoreError::db(ACTION))?;
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
    };
}

pub(crate) use import_impl;
pub(crate) use store_impl;
