//! The SQL of [`crate::TargetingRunStore`], shared by both backends, and `targeting_runs_impl!`, which
//! implements the trait for a store type with the fields `pool: sqlx::Pool<$db>` and
//! `registry: RegistrySealer`, given `true` for PostgreSQL (numbered placeholders, arrays) or `false`
//! for SQLite.
//!
//! Region scopes are code ranges (`village_code >= lo AND village_code < hi`, see
//! [`crate::targeting_runs::code_range`]); an absent filter is bound as `''` so that no statement needs a
//! typed NULL.

/// Rows per multi-row INSERT of candidates: 1,000 × 8 parameters, well inside SQLite's 32,766.
pub(crate) const CANDIDATE_ROWS_PER_INSERT: usize = 1000;
pub(crate) const CANDIDATE_PARAMS: usize = 8;
const _: () = assert!(CANDIDATE_ROWS_PER_INSERT * CANDIDATE_PARAMS <= 32_766);

/// Rows per array statement on PostgreSQL.
pub(crate) const CANDIDATE_ROWS_PER_ARRAY: usize = 20_000;

/// PostgreSQL: a run's rows as one array per column.
pub(crate) const CANDIDATE_UNNEST: &str = "INSERT INTO targeting_candidate (run_id, village_code, \
     household_id, status, rank, village_rank, benefit, reasons) \
     SELECT $1, v, h, s, r, vr, b, re FROM UNNEST($2::text[], $3::uuid[], $4::text[], $5::int4[], \
     $6::int4[], $7::int8[], $8::text[]) AS t (v, h, s, r, vr, b, re)";

pub(crate) const PROGRAM_COLUMNS: &str =
    "SELECT code, version, body, saved_by, saved_at, note FROM program_version";

pub(crate) const PROGRAM_LATEST_VERSION: &str =
    "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM program_version WHERE code = $1";

pub(crate) const INSERT_PROGRAM: &str = "INSERT INTO program_version \
     (code, version, body, saved_by, saved_at, note) VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const PROGRAM_LATEST: &str = "WHERE code = $1 ORDER BY version DESC LIMIT 1";
pub(crate) const PROGRAM_AT: &str = "WHERE code = $1 AND version = $2";
pub(crate) const PROGRAM_HISTORY: &str = "WHERE code = $1 ORDER BY version DESC";
pub(crate) const PROGRAMS_LATEST: &str = "p WHERE version = \
     (SELECT MAX(q.version) FROM program_version q WHERE q.code = p.code) ORDER BY code";

pub(crate) const INSERT_RUN: &str = "INSERT INTO targeting_run (id, program, program_version, \
     reference_date, period, created_by, created_at, state, summary) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8)";

pub(crate) const RUN_COLUMNS: &str = "SELECT id, program, program_version, reference_date, period, \
     created_by, created_at, state, decree_number, approved_by, approved_at, list_hash, ledger_index, \
     summary FROM targeting_run";

pub(crate) const RUN_BY_ID: &str = "WHERE id = $1";
pub(crate) const RUNS_OF_PROGRAM: &str =
    "WHERE program = $1 ORDER BY created_at DESC, id DESC LIMIT $2";

pub(crate) const RUN_STATE: &str = "SELECT program, state FROM targeting_run WHERE id = $1";

/// `$4`: status or `''`; `($5, $6)`: the last (village, rank) of the previous page, `('', 0)` first.
pub(crate) const CANDIDATES: &str =
    "SELECT village_code, household_id, status, rank, village_rank, \
     benefit, reasons FROM targeting_candidate \
     WHERE run_id = $1 AND village_code >= $2 AND village_code < $3 AND ($4 = '' OR status = $4) \
       AND (village_code > $5 OR (village_code = $5 AND rank > $6)) \
     ORDER BY village_code, rank LIMIT $7";

pub(crate) const DISCARD_RUN: &str =
    "UPDATE targeting_run SET state = 'discarded' WHERE id = $1 AND state = 'draft'";

pub(crate) const APPROVE_RUN: &str = "UPDATE targeting_run SET state = 'approved', \
     decree_number = $2, approved_by = $3, approved_at = $4, list_hash = $5 \
     WHERE id = $1 AND state = 'draft'";

pub(crate) const SUPERSEDE_RUNS: &str = "UPDATE targeting_run SET state = 'superseded' \
     WHERE program = $1 AND state = 'approved' AND id <> $2";

pub(crate) const SET_LEDGER_INDEX: &str = "UPDATE targeting_run SET ledger_index = $2 \
     WHERE id = $1 AND state IN ('approved', 'superseded')";

/// Enrols a run's `candidate` rows (`$1` run, `$2` program, `$3` since), continuing an enrolment that
/// has not ended (its `since` stays) and restarting a graduated one. The SELECT has a WHERE clause, which
/// SQLite needs to parse `ON CONFLICT` after it.
const ENROL: &str = "INSERT INTO targeting_enrolment \
     (village_code, program, household_id, state, since, run_id, benefit) \
     SELECT c.village_code, $2, c.household_id, 'active', $3, c.run_id, c.benefit \
     FROM targeting_candidate c WHERE c.run_id = $1 AND c.status = 'candidate'";

const ENROL_CONFLICT: &str = " ON CONFLICT (program, household_id) DO UPDATE SET \
     village_code = excluded.village_code, state = 'active', \
     since = CASE WHEN targeting_enrolment.state = 'graduated' THEN excluded.since \
                  ELSE targeting_enrolment.since END, \
     run_id = excluded.run_id, benefit = excluded.benefit, \
     ended_at = NULL, end_reason = NULL, notice = NULL";

pub(crate) fn enrol_run() -> String {
    format!("{ENROL}{ENROL_CONFLICT}")
}

/// One household of a run (`$4` village, `$5` household).
pub(crate) fn enrol_one() -> String {
    format!("{ENROL} AND c.village_code = $4 AND c.household_id = $5{ENROL_CONFLICT}")
}

/// After [`enrol_run`]: every unended enrolment of the program (`$1`) in a village the run (`$2`) covers
/// that this run did not enrol.
pub(crate) const GRADUATE_LEFT_OUT: &str = "UPDATE targeting_enrolment SET state = 'graduated', \
     ended_at = $3, end_reason = $4, notice = $5 \
     WHERE program = $1 AND state IN ('active', 'suspended') \
       AND (run_id IS NULL OR run_id <> $2) \
       AND village_code IN (SELECT DISTINCT village_code FROM targeting_candidate WHERE run_id = $2)";

pub(crate) const NEXT_WAITLISTED: &str = "SELECT household_id FROM targeting_candidate \
     WHERE run_id = $1 AND village_code = $2 AND status = 'waitlist' ORDER BY rank LIMIT $3";

pub(crate) const PROMOTE: &str = "UPDATE targeting_candidate SET status = 'candidate' \
     WHERE run_id = $1 AND village_code = $2 AND household_id = $3 AND status = 'waitlist'";

pub(crate) const GRADUATE: &str = "UPDATE targeting_enrolment SET state = 'graduated', \
     ended_at = $3, end_reason = $4, notice = $5 \
     WHERE program = $1 AND household_id = $2 AND state IN ('active', 'suspended')";

pub(crate) const ENROLMENT_COLUMNS: &str = "SELECT village_code, program, household_id, state, \
     since, run_id, benefit, ended_at, end_reason, notice FROM targeting_enrolment";

pub(crate) const ENROLMENT_ONE: &str = "WHERE program = $1 AND household_id = $2";

/// `$4`: state or `''`; `($5, $6)`: the last (village, household) of the previous page.
pub(crate) const ENROLMENT_PAGE: &str =
    "WHERE program = $1 AND village_code >= $2 AND village_code < $3 \
       AND ($4 = '' OR state = $4) \
       AND (village_code > $5 OR (village_code = $5 AND household_id > $6)) \
     ORDER BY village_code, household_id LIMIT $7";

pub(crate) const ACTIVE_PROGRAMS: &str = "SELECT program FROM targeting_enrolment \
     WHERE household_id = $1 AND state = 'active' ORDER BY program";

pub(crate) const INSERT_APPEAL: &str = "INSERT INTO targeting_appeal (village_code, id, \
     household_id, program, run_id, grounds_sealed, state, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)";

pub(crate) const APPEAL_COLUMNS: &str = "SELECT village_code, id, household_id, program, run_id, \
     grounds_sealed, state, created_at, decided_by, decided_at, decision_reason FROM targeting_appeal";

pub(crate) const APPEAL_ONE: &str = "WHERE village_code = $1 AND id = $2";
pub(crate) const APPEAL_QUEUE: &str =
    "WHERE state = $1 AND village_code >= $2 AND village_code < $3 \
     ORDER BY created_at, id LIMIT $4";

pub(crate) const DECIDE_APPEAL: &str = "UPDATE targeting_appeal SET state = $3, decided_by = $4, \
     decided_at = $5, decision_reason = $6 WHERE village_code = $1 AND id = $2 AND state = 'open'";

/// `INSERT INTO targeting_candidate .. VALUES (..), (..)` for `rows` rows; `?` placeholders unless
/// `numbered` (SQLite binds many named parameters in quadratic time).
pub(crate) fn candidate_insert(numbered: bool, rows: usize) -> String {
    let mut out = String::with_capacity(rows * CANDIDATE_PARAMS * 6 + 120);
    out.push_str(
        "INSERT INTO targeting_candidate (run_id, village_code, household_id, status, rank, \
         village_rank, benefit, reasons) VALUES ",
    );
    let mut n = 1;
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..CANDIDATE_PARAMS {
            if c > 0 {
                out.push(',');
            }
            if numbered {
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push('?');
            }
            n += 1;
        }
        out.push(')');
    }
    out
}

macro_rules! targeting_runs_impl {
    ($db:ty, $store:ty, true) => {
        $crate::targeting_runs_sql::targeting_runs_impl!(@body $db, $store, unnest);
    };
    ($db:ty, $store:ty, false) => {
        $crate::targeting_runs_sql::targeting_runs_impl!(@body $db, $store, multirow);
    };
    (@body $db:ty, $store:ty, $writer:ident) => {
        $crate::targeting_runs_sql::candidate_writer!($writer, $db);

        use chrono::{DateTime, NaiveDate, Utc};
        use sqlx::Row as _;
        use tepat_domain::{RegionCode, Rupiah, Scope};
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::targeting_runs::{
            code_range, Appeal, AppealDecision, AppealState, Approval, ApprovalOutcome,
            CandidateRow, CandidateStatus, Enrolment, EnrolmentState, Graduation, NewAppeal,
            NewRun, PageAfter, ProgramVersion, RunState, TargetingRun, TargetingRunStore,
            NOT_RESELECTED, NOT_RESELECTED_NOTICE,
        };
        use $crate::targeting_runs_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

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

        fn village(row: &DbRow) -> Result<RegionCode, StoreError> {
            let code: String = get(row, "village_code")?;
            RegionCode::parse(&code).map_err(|_| corrupt("targeting village code"))
        }

        fn unsigned(n: i64, what: &str) -> Result<u32, StoreError> {
            u32::try_from(n).map_err(|_| corrupt(what))
        }

        fn program_version(row: &DbRow) -> Result<ProgramVersion, StoreError> {
            Ok(ProgramVersion {
                code: get(row, "code")?,
                version: unsigned(get::<i32>(row, "version")?.into(), "program version")?,
                body: get(row, "body")?,
                saved_by: get(row, "saved_by")?,
                saved_at: get(row, "saved_at")?,
                note: get(row, "note")?,
            })
        }

        fn run(row: &DbRow) -> Result<TargetingRun, StoreError> {
            let state: String = get(row, "state")?;
            let hash: Option<Vec<u8>> = get(row, "list_hash")?;
            let ledger: Option<i64> = get(row, "ledger_index")?;
            Ok(TargetingRun {
                id: get(row, "id")?,
                program: get(row, "program")?,
                program_version: unsigned(
                    get::<i32>(row, "program_version")?.into(),
                    "run program version",
                )?,
                reference_date: get(row, "reference_date")?,
                period: get(row, "period")?,
                created_by: get(row, "created_by")?,
                created_at: get(row, "created_at")?,
                state: RunState::parse(&state).ok_or_else(|| corrupt("targeting run state"))?,
                decree_number: get(row, "decree_number")?,
                approved_by: get(row, "approved_by")?,
                approved_at: get(row, "approved_at")?,
                list_hash: hash
                    .map(|h| <[u8; 32]>::try_from(h.as_slice()))
                    .transpose()
                    .map_err(|_| corrupt("targeting run list hash"))?,
                ledger_index: ledger
                    .map(u64::try_from)
                    .transpose()
                    .map_err(|_| corrupt("targeting run ledger index"))?,
                summary: get(row, "summary")?,
            })
        }

        fn candidate(row: &DbRow) -> Result<CandidateRow, StoreError> {
            let status: String = get(row, "status")?;
            Ok(CandidateRow {
                village: village(row)?,
                household: get(row, "household_id")?,
                status: CandidateStatus::parse(&status)
                    .ok_or_else(|| corrupt("targeting candidate status"))?,
                rank: unsigned(get::<i32>(row, "rank")?.into(), "candidate rank")?,
                village_rank: unsigned(
                    get::<i32>(row, "village_rank")?.into(),
                    "candidate village rank",
                )?,
                benefit: Rupiah::new(get(row, "benefit")?),
                reasons: get(row, "reasons")?,
            })
        }

        fn enrolment(row: &DbRow) -> Result<Enrolment, StoreError> {
            let state: String = get(row, "state")?;
            let benefit: Option<i64> = get(row, "benefit")?;
            Ok(Enrolment {
                program: get(row, "program")?,
                village: village(row)?,
                household: get(row, "household_id")?,
                state: EnrolmentState::parse(&state).ok_or_else(|| corrupt("enrolment state"))?,
                since: get(row, "since")?,
                run_id: get(row, "run_id")?,
                benefit: benefit.map(Rupiah::new),
                ended_at: get(row, "ended_at")?,
                end_reason: get(row, "end_reason")?,
                notice: get(row, "notice")?,
            })
        }

        fn rank(n: u32) -> Result<i32, StoreError> {
            i32::try_from(n).map_err(|_| StoreError::Conflict {
                what: "targeting run (a rank is too large)",
            })
        }

        fn status_filter<T: Copy>(value: Option<T>, code: fn(T) -> &'static str) -> &'static str {
            value.map(code).unwrap_or("")
        }

        fn is_unique_violation(e: &sqlx::Error) -> bool {
            e.as_database_error()
                .is_some_and(|d| d.is_unique_violation())
        }

        fn candidate_error(e: sqlx::Error) -> StoreError {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: "targeting run (a household appears twice)",
                }
            } else {
                StoreError::db("saving a targeting run")(e)
            }
        }

        impl $store {
            fn open_appeal(&self, row: &DbRow) -> Result<Appeal, StoreError> {
                let id: Uuid = get(row, "id")?;
                let sealed: Vec<u8> = get(row, "grounds_sealed")?;
                let state: String = get(row, "state")?;
                Ok(Appeal {
                    id,
                    village: village(row)?,
                    household: get(row, "household_id")?,
                    program: get(row, "program")?,
                    run_id: get(row, "run_id")?,
                    grounds: self.registry.open_json::<String>(
                        "targeting_appeal",
                        "grounds_sealed",
                        id,
                        &sealed,
                        "appeal grounds",
                    )?,
                    state: AppealState::parse(&state).ok_or_else(|| corrupt("appeal state"))?,
                    created_at: get(row, "created_at")?,
                    decided_by: get(row, "decided_by")?,
                    decided_at: get(row, "decided_at")?,
                    decision_reason: get(row, "decision_reason")?,
                })
            }

            /// The program and state of a run, or NotFound.
            async fn run_state<'c, E>(
                executor: E,
                run_id: Uuid,
            ) -> Result<(String, RunState), StoreError>
            where
                E: sqlx::Executor<'c, Database = $db>,
            {
                let row = sqlx::query(sql::RUN_STATE)
                    .bind(run_id)
                    .fetch_optional(executor)
                    .await
                    .map_err(StoreError::db("reading a targeting run"))?
                    .ok_or(StoreError::NotFound {
                        what: "targeting run",
                    })?;
                let state: String = get(&row, "state")?;
                Ok((
                    get(&row, "program")?,
                    RunState::parse(&state).ok_or_else(|| corrupt("targeting run state"))?,
                ))
            }
        }

        #[async_trait::async_trait]
        impl TargetingRunStore for $store {
            async fn save_program_version(&self, v: &ProgramVersion) -> Result<(), StoreError> {
                const ACTION: &str = "saving a program version";
                let stale = StoreError::Conflict {
                    what: "program (a newer version was saved)",
                };
                let version = i32::try_from(v.version).map_err(|_| StoreError::Conflict {
                    what: "program (version number out of range)",
                })?;
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let latest: i64 = sqlx::query_scalar(sql::PROGRAM_LATEST_VERSION)
                    .bind(&v.code)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                if i64::from(version) != latest + 1 {
                    return Err(stale);
                }
                let inserted = sqlx::query(sql::INSERT_PROGRAM)
                    .bind(&v.code)
                    .bind(version)
                    .bind(&v.body)
                    .bind(v.saved_by)
                    .bind(v.saved_at)
                    .bind(&v.note)
                    .execute(&mut *tx)
                    .await;
                match inserted {
                    // Another admin's save of the same version won the race.
                    Err(e) if is_unique_violation(&e) => return Err(stale),
                    other => other.map_err(StoreError::db(ACTION))?,
                };
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn program(&self, code: &str) -> Result<Option<ProgramVersion>, StoreError> {
                sqlx::query(&format!("{} {}", sql::PROGRAM_COLUMNS, sql::PROGRAM_LATEST))
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a program"))?
                    .as_ref()
                    .map(program_version)
                    .transpose()
            }

            async fn program_at(
                &self,
                code: &str,
                version: u32,
            ) -> Result<Option<ProgramVersion>, StoreError> {
                let Ok(version) = i32::try_from(version) else {
                    return Ok(None);
                };
                sqlx::query(&format!("{} {}", sql::PROGRAM_COLUMNS, sql::PROGRAM_AT))
                    .bind(code)
                    .bind(version)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a program version"))?
                    .as_ref()
                    .map(program_version)
                    .transpose()
            }

            async fn programs(&self) -> Result<Vec<ProgramVersion>, StoreError> {
                sqlx::query(&format!(
                    "{} {}",
                    sql::PROGRAM_COLUMNS,
                    sql::PROGRAMS_LATEST
                ))
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::db("reading programs"))?
                .iter()
                .map(program_version)
                .collect()
            }

            async fn program_history(&self, code: &str) -> Result<Vec<ProgramVersion>, StoreError> {
                sqlx::query(&format!(
                    "{} {}",
                    sql::PROGRAM_COLUMNS,
                    sql::PROGRAM_HISTORY
                ))
                .bind(code)
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::db("reading a program's history"))?
                .iter()
                .map(program_version)
                .collect()
            }

            async fn save_run(
                &self,
                run: &NewRun,
                rows: &[CandidateRow],
            ) -> Result<(), StoreError> {
                const ACTION: &str = "saving a targeting run";
                let version =
                    i32::try_from(run.program_version).map_err(|_| StoreError::Conflict {
                        what: "targeting run (program version out of range)",
                    })?;
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let inserted = sqlx::query(sql::INSERT_RUN)
                    .bind(run.id)
                    .bind(&run.program)
                    .bind(version)
                    .bind(run.reference_date)
                    .bind(&run.period)
                    .bind(run.created_by)
                    .bind(run.created_at)
                    .bind(&run.summary)
                    .execute(&mut *tx)
                    .await;
                match inserted {
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::Conflict {
                            what: "targeting run",
                        })
                    }
                    other => other.map_err(StoreError::db(ACTION))?,
                };
                insert_candidates(&mut tx, run.id, rows).await?;
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn run(&self, id: Uuid) -> Result<Option<TargetingRun>, StoreError> {
                sqlx::query(&format!("{} {}", sql::RUN_COLUMNS, sql::RUN_BY_ID))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a targeting run"))?
                    .as_ref()
                    .map(run)
                    .transpose()
            }

            async fn runs(
                &self,
                program: &str,
                limit: u32,
            ) -> Result<Vec<TargetingRun>, StoreError> {
                sqlx::query(&format!("{} {}", sql::RUN_COLUMNS, sql::RUNS_OF_PROGRAM))
                    .bind(program)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading targeting runs"))?
                    .iter()
                    .map(run)
                    .collect()
            }

            async fn candidates(
                &self,
                run_id: Uuid,
                within: &Scope,
                status: Option<CandidateStatus>,
                after: Option<&PageAfter<u32>>,
                limit: u32,
            ) -> Result<Vec<CandidateRow>, StoreError> {
                let (lo, hi) = code_range(within);
                let (after_village, after_rank) = match after {
                    Some(a) => (a.village.plain().to_owned(), rank(a.key)?),
                    None => (String::new(), 0),
                };
                sqlx::query(sql::CANDIDATES)
                    .bind(run_id)
                    .bind(lo)
                    .bind(hi)
                    .bind(status_filter(status, CandidateStatus::code))
                    .bind(after_village)
                    .bind(after_rank)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a targeting run's households"))?
                    .iter()
                    .map(candidate)
                    .collect()
            }

            async fn discard_run(&self, run_id: Uuid) -> Result<(), StoreError> {
                const ACTION: &str = "discarding a targeting run";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let done = sqlx::query(sql::DISCARD_RUN)
                    .bind(run_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                if done.rows_affected() == 0 {
                    Self::run_state(&mut *tx, run_id).await?;
                    return Err(StoreError::Conflict {
                        what: "targeting run (only a draft can be discarded)",
                    });
                }
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn approve_run(
                &self,
                run_id: Uuid,
                approval: &Approval,
            ) -> Result<ApprovalOutcome, StoreError> {
                const ACTION: &str = "approving a targeting run";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let approved = sqlx::query(sql::APPROVE_RUN)
                    .bind(run_id)
                    .bind(approval.decree.as_str())
                    .bind(approval.by)
                    .bind(approval.at)
                    .bind(approval.list_hash.to_vec())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let (program, _) = Self::run_state(&mut *tx, run_id).await?;
                if approved.rows_affected() == 0 {
                    return Err(StoreError::Conflict {
                        what: "targeting run (it is approved, discarded or superseded already)",
                    });
                }
                let superseded = sqlx::query(sql::SUPERSEDE_RUNS)
                    .bind(&program)
                    .bind(run_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .rows_affected();
                let enrolled = sqlx::query(&sql::enrol_run())
                    .bind(run_id)
                    .bind(&program)
                    .bind(approval.at.date_naive())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .rows_affected();
                let graduated = sqlx::query(sql::GRADUATE_LEFT_OUT)
                    .bind(&program)
                    .bind(run_id)
                    .bind(approval.at)
                    .bind(NOT_RESELECTED)
                    .bind(NOT_RESELECTED_NOTICE)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .rows_affected();
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(ApprovalOutcome {
                    enrolled,
                    graduated,
                    superseded,
                })
            }

            async fn set_run_ledger_index(
                &self,
                run_id: Uuid,
                index: u64,
            ) -> Result<(), StoreError> {
                let index = i64::try_from(index).map_err(|_| StoreError::Conflict {
                    what: "targeting run (ledger index out of range)",
                })?;
                let done = sqlx::query(sql::SET_LEDGER_INDEX)
                    .bind(run_id)
                    .bind(index)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording a run's ledger entry"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: "approved targeting run",
                    });
                }
                Ok(())
            }

            async fn promote_from_waitlist(
                &self,
                run_id: Uuid,
                village: &RegionCode,
                n: u32,
                at: DateTime<Utc>,
            ) -> Result<Vec<Uuid>, StoreError> {
                const ACTION: &str = "enrolling from the waitlist";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let (program, state) = Self::run_state(&mut *tx, run_id).await?;
                if state != RunState::Approved {
                    return Err(StoreError::Conflict {
                        what: "targeting run (only the approved run's waitlist can be used)",
                    });
                }
                let next: Vec<Uuid> = sqlx::query_scalar(sql::NEXT_WAITLISTED)
                    .bind(run_id)
                    .bind(village.plain())
                    .bind(i64::from(n))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                let since: NaiveDate = at.date_naive();
                let enrol = sql::enrol_one();
                let mut promoted = Vec::with_capacity(next.len());
                for household in next {
                    let changed = sqlx::query(sql::PROMOTE)
                        .bind(run_id)
                        .bind(village.plain())
                        .bind(household)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    // Zero when a concurrent promotion took it first.
                    if changed.rows_affected() == 0 {
                        continue;
                    }
                    sqlx::query(&enrol)
                        .bind(run_id)
                        .bind(&program)
                        .bind(since)
                        .bind(village.plain())
                        .bind(household)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    promoted.push(household);
                }
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(promoted)
            }

            async fn graduate(
                &self,
                program: &str,
                household: Uuid,
                g: &Graduation,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(sql::GRADUATE)
                    .bind(program)
                    .bind(household)
                    .bind(g.at)
                    .bind(&g.reason)
                    .bind(&g.notice)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("ending an enrolment"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: "active enrolment",
                    });
                }
                Ok(())
            }

            async fn enrolment(
                &self,
                program: &str,
                household: Uuid,
            ) -> Result<Option<Enrolment>, StoreError> {
                sqlx::query(&format!(
                    "{} {}",
                    sql::ENROLMENT_COLUMNS,
                    sql::ENROLMENT_ONE
                ))
                .bind(program)
                .bind(household)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::db("reading an enrolment"))?
                .as_ref()
                .map(enrolment)
                .transpose()
            }

            async fn enrolments(
                &self,
                program: &str,
                within: &Scope,
                state: Option<EnrolmentState>,
                after: Option<&PageAfter<Uuid>>,
                limit: u32,
            ) -> Result<Vec<Enrolment>, StoreError> {
                let (lo, hi) = code_range(within);
                let (after_village, after_household) = match after {
                    Some(a) => (a.village.plain().to_owned(), a.key),
                    None => (String::new(), Uuid::nil()),
                };
                sqlx::query(&format!(
                    "{} {}",
                    sql::ENROLMENT_COLUMNS,
                    sql::ENROLMENT_PAGE
                ))
                .bind(program)
                .bind(lo)
                .bind(hi)
                .bind(status_filter(state, EnrolmentState::code))
                .bind(after_village)
                .bind(after_household)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::db("reading enrolments"))?
                .iter()
                .map(enrolment)
                .collect()
            }

            async fn active_programs(&self, household: Uuid) -> Result<Vec<String>, StoreError> {
                sqlx::query_scalar(sql::ACTIVE_PROGRAMS)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a household's programs"))
            }

            async fn add_appeal(&self, a: &NewAppeal) -> Result<(), StoreError> {
                let sealed =
                    self.registry
                        .seal_json("targeting_appeal", "grounds_sealed", a.id, &a.grounds);
                sqlx::query(sql::INSERT_APPEAL)
                    .bind(a.village.plain())
                    .bind(a.id)
                    .bind(a.household)
                    .bind(&a.program)
                    .bind(a.run_id)
                    .bind(sealed)
                    .bind(a.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording an appeal"))?;
                Ok(())
            }

            async fn appeal(
                &self,
                village: &RegionCode,
                id: Uuid,
            ) -> Result<Option<Appeal>, StoreError> {
                sqlx::query(&format!("{} {}", sql::APPEAL_COLUMNS, sql::APPEAL_ONE))
                    .bind(village.plain())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an appeal"))?
                    .as_ref()
                    .map(|row| self.open_appeal(row))
                    .transpose()
            }

            async fn appeals(
                &self,
                within: &Scope,
                state: AppealState,
                limit: u32,
            ) -> Result<Vec<Appeal>, StoreError> {
                let (lo, hi) = code_range(within);
                sqlx::query(&format!("{} {}", sql::APPEAL_COLUMNS, sql::APPEAL_QUEUE))
                    .bind(state.code())
                    .bind(lo)
                    .bind(hi)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the appeal queue"))?
                    .iter()
                    .map(|row| self.open_appeal(row))
                    .collect()
            }

            async fn decide_appeal(
                &self,
                village: &RegionCode,
                id: Uuid,
                d: &AppealDecision,
            ) -> Result<Appeal, StoreError> {
                let state = if d.upheld {
                    AppealState::Upheld
                } else {
                    AppealState::Rejected
                };
                let done = sqlx::query(sql::DECIDE_APPEAL)
                    .bind(village.plain())
                    .bind(id)
                    .bind(state.code())
                    .bind(d.by)
                    .bind(d.at)
                    .bind(&d.reason)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("deciding an appeal"))?;
                let stored = self
                    .appeal(village, id)
                    .await?
                    .ok_or(StoreError::NotFound { what: "appeal" })?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict {
                        what: "appeal (it was decided already)",
                    });
                }
                Ok(stored)
            }
        }
    };
}

/// `insert_candidates(tx, run, rows)`: `multirow` (SQLite: multi-row VALUES with `?` placeholders) or
/// `unnest` (PostgreSQL: one array per column, several times faster than 8 parameters per row).
macro_rules! candidate_writer {
    (multirow, $db:ty) => {
        async fn insert_candidates(
            tx: &mut sqlx::Transaction<'_, $db>,
            run: Uuid,
            rows: &[CandidateRow],
        ) -> Result<(), StoreError> {
            let full = sql::candidate_insert(false, sql::CANDIDATE_ROWS_PER_INSERT);
            for chunk in rows.chunks(sql::CANDIDATE_ROWS_PER_INSERT) {
                let text = if chunk.len() == sql::CANDIDATE_ROWS_PER_INSERT {
                    std::borrow::Cow::Borrowed(full.as_str())
                } else {
                    std::borrow::Cow::Owned(sql::candidate_insert(false, chunk.len()))
                };
                let mut query = sqlx::query(&text);
                for r in chunk {
                    query = query
                        .bind(run)
                        .bind(r.village.plain().to_owned())
                        .bind(r.household)
                        .bind(r.status.code())
                        .bind(rank(r.rank)?)
                        .bind(rank(r.village_rank)?)
                        .bind(r.benefit.amount())
                        .bind(r.reasons.clone());
                }
                query.execute(&mut **tx).await.map_err(candidate_error)?;
            }
            Ok(())
        }
    };
    (unnest, $db:ty) => {
        async fn insert_candidates(
            tx: &mut sqlx::Transaction<'_, $db>,
            run: Uuid,
            rows: &[CandidateRow],
        ) -> Result<(), StoreError> {
            for chunk in rows.chunks(sql::CANDIDATE_ROWS_PER_ARRAY) {
                let ranks = chunk
                    .iter()
                    .map(|r| rank(r.rank))
                    .collect::<Result<Vec<i32>, _>>()?;
                let village_ranks = chunk
                    .iter()
                    .map(|r| rank(r.village_rank))
                    .collect::<Result<Vec<i32>, _>>()?;
                sqlx::query(sql::CANDIDATE_UNNEST)
                    .bind(run)
                    .bind(
                        chunk
                            .iter()
                            .map(|r| r.village.plain().to_owned())
                            .collect::<Vec<_>>(),
                    )
                    .bind(chunk.iter().map(|r| r.household).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.status.code()).collect::<Vec<_>>())
                    .bind(ranks)
                    .bind(village_ranks)
                    .bind(chunk.iter().map(|r| r.benefit.amount()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.reasons.clone()).collect::<Vec<_>>())
                    .execute(&mut **tx)
                    .await
                    .map_err(candidate_error)?;
            }
            Ok(())
        }
    };
}

pub(crate) use candidate_writer;
pub(crate) use targeting_runs_impl;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_inserts_number_or_anonymise_placeholders() {
        let numbered = candidate_insert(true, 2);
        assert!(numbered.ends_with("($1,$2,$3,$4,$5,$6,$7,$8),($9,$10,$11,$12,$13,$14,$15,$16)"));
        let anonymous = candidate_insert(false, 1);
        assert!(anonymous.ends_with("VALUES (?,?,?,?,?,?,?,?)"));
    }

    #[test]
    fn enrolling_one_household_narrows_the_run_statement() {
        let one = enrol_one();
        assert!(one.contains("c.household_id = $5 ON CONFLICT"));
        assert!(enrol_run().contains("c.status = 'candidate' ON CONFLICT"));
    }
}
