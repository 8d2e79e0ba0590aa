//! `registry_impl!` implements [`crate::RegistryStore`] and [`crate::AuditStore`] for a backend whose
//! struct has fields `pool: sqlx::Pool<$db>` and `registry: RegistrySealer`. One body for both databases,
//! like `crate::shared`.
//!
//! Every write transaction starts by appending its audit entry: the first statement updates the one-row
//! `audit_head`, which takes the write lock at once (SQLite) or locks the row (PostgreSQL), so appends are
//! serialised and the chain has no forks.

macro_rules! registry_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, NaiveDate, Utc};
        use sqlx::Row as _;
        use tepat_domain::registry::{
            ChangeKind, EventKind, Request, Stage, Submission, Transition, Who,
        };
        use tepat_domain::{KkNumber, Nik, RegionCode, Relationship, Role, Scope, Sex};
        use uuid::Uuid;

        use $crate::audit::{
            chain_hash, AuditAction, AuditCheck, AuditEntry, AuditFilter, AuditRecord, AuditStore,
            ChainChecker, ChainHash, ChainHead, ObjectKind,
        };
        use $crate::error::StoreError;
        use $crate::registry::rows::{self, RawMember};
        use $crate::registry::sealing::REQUEST;
        use $crate::registry::sql as q;
        use $crate::registry::{
            check_prefix, ordered, scope_range, Advance, DuplicateDecision, DuplicateVerdict,
            HouseholdState, LinkageRow, NewTask, PopulationSync, RegistryStore, RequestSummary,
            SaveHousehold, SearchHit, StoredHousehold, StoredRequest, Task, TaskKind, TaskState,
        };

        type DbRow = <$db as sqlx::Database>::Row;
        type Tx<'c> = sqlx::Transaction<'c, $db>;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn parsed<T>(
            row: &DbRow,
            column: &'static str,
            parse: impl Fn(&str) -> Option<T>,
        ) -> Result<T, StoreError> {
            let s: String = get(row, column)?;
            parse(&s).ok_or_else(|| rows::corrupt(column))
        }

        fn region(row: &DbRow, column: &'static str) -> Result<RegionCode, StoreError> {
            parsed(row, column, |s| RegionCode::parse(s).ok())
        }

        /// Microsecond precision, what PostgreSQL keeps: both backends store the same instant, and
        /// the audit hash over it is reproducible from either.
        fn now() -> DateTime<Utc> {
            let t = Utc::now();
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        /// A database error, with unique-key violations reported as a conflict on `what`.
        fn write_err(
            action: &'static str,
            what: &'static str,
        ) -> impl FnOnce(sqlx::Error) -> StoreError {
            move |e| match e.as_database_error() {
                Some(db) if db.is_unique_violation() => StoreError::Conflict { what },
                _ => StoreError::db(action)(e),
            }
        }

        async fn append_audit(tx: &mut Tx<'_>, e: &AuditEntry) -> Result<u64, StoreError> {
            const ACTION: &str = "writing the audit log";
            e.validate()?;
            let head = sqlx::query(q::AUDIT_BUMP)
                .fetch_one(&mut **tx)
                .await
                .map_err(StoreError::db(ACTION))?;
            let seq: i64 = get(&head, "seq")?;
            let prev: Vec<u8> = get(&head, "hash")?;
            let prev: ChainHash = prev.try_into().map_err(|_| StoreError::Corrupt {
                what: "audit_head.hash has the wrong length".into(),
            })?;
            let at = now();
            let hash = chain_hash(&prev, seq as u64, at, e);
            sqlx::query(q::AUDIT_INSERT)
                .bind(seq)
                .bind(at)
                .bind(e.actor)
                .bind(e.role.code())
                .bind(e.action.code())
                .bind(e.object.code())
                .bind(e.object_id)
                .bind(e.region.map(|r| r.plain().to_owned()))
                .bind(e.purpose.as_str())
                .bind(e.client.as_deref())
                .bind(&hash[..])
                .execute(&mut **tx)
                .await
                .map_err(StoreError::db(ACTION))?;
            sqlx::query(q::AUDIT_SET_HASH)
                .bind(&hash[..])
                .execute(&mut **tx)
                .await
                .map_err(StoreError::db(ACTION))?;
            Ok(seq as u64)
        }

        fn audit_from_row(row: &DbRow) -> Result<AuditRecord, StoreError> {
            let seq: i64 = get(row, "seq")?;
            let hash: Vec<u8> = get(row, "hash")?;
            let region: Option<String> = get(row, "region_code")?;
            Ok(AuditRecord {
                seq: seq as u64,
                at: get(row, "at")?,
                entry: AuditEntry {
                    actor: get(row, "actor_user")?,
                    role: parsed(row, "actor_role", Role::parse)?,
                    action: parsed(row, "action", AuditAction::parse)?,
                    object: parsed(row, "object_kind", ObjectKind::parse)?,
                    object_id: get(row, "object_id")?,
                    region: region
                        .map(|r| RegionCode::parse(&r).map_err(|_| rows::corrupt("region_code")))
                        .transpose()?,
                    purpose: get(row, "purpose")?,
                    client: get(row, "client")?,
                },
                hash: hash
                    .try_into()
                    .map_err(|_| rows::corrupt("audit_log.hash"))?,
            })
        }

        async fn insert_transition(
            tx: &mut Tx<'_>,
            request: &Request,
            seq: usize,
            t: &Transition,
        ) -> Result<(), StoreError> {
            sqlx::query(q::TRANSITION_INSERT)
                .bind(request.village.plain())
                .bind(request.id)
                .bind(seq as i64)
                .bind(t.from.map(|s| s.code()))
                .bind(t.to.code())
                .bind(t.event.code())
                .bind(t.by.user)
                .bind(t.by.role.code())
                .bind(t.at)
                .bind(t.reason.as_str())
                .bind(t.visited_on)
                .execute(&mut **tx)
                .await
                .map_err(write_err("recording a workflow step", "request history"))?;
            Ok(())
        }

        /// Writes a household and all its members (members are rewritten: a split or merge moves
        /// them between households, which a delete and insert per household expresses simply).
        async fn save_household(
            tx: &mut Tx<'_>,
            sealer: &$crate::registry::sealing::RegistrySealer,
            save: &SaveHousehold,
        ) -> Result<(), StoreError> {
            const ACTION: &str = "saving a household";
            let h = &save.household;
            let at = now();
            let (version, created_at, verified_at) = match save.expected_version {
                None => {
                    let n: i64 = sqlx::query_scalar(q::HOUSEHOLD_EXISTS)
                        .bind(h.id)
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    if n > 0 {
                        return Err(StoreError::Conflict { what: "household" });
                    }
                    (1, at, None)
                }
                Some(v) => {
                    let old = sqlx::query(q::HOUSEHOLD_TAKE)
                        .bind(h.id)
                        .bind(v)
                        .fetch_optional(&mut **tx)
                        .await
                        .map_err(StoreError::db(ACTION))?
                        .ok_or(StoreError::Conflict { what: "household" })?;
                    let created: DateTime<Utc> = get(&old, "created_at")?;
                    let verified: Option<DateTime<Utc>> = get(&old, "verified_at")?;
                    (v + 1, created, verified)
                }
            };
            let verified_at = if save.verified { Some(at) } else { verified_at };
            let r = rows::household_row(sealer, h);
            sqlx::query(q::HOUSEHOLD_INSERT)
                .bind(r.village_code.as_str())
                .bind(r.id)
                .bind(save.state.code())
                .bind(r.kk_index)
                .bind(r.kk_sealed)
                .bind(r.account_index)
                .bind(r.details_sealed)
                .bind(version)
                .bind(verified_at)
                .bind(created_at)
                .bind(at)
                .execute(&mut **tx)
                .await
                .map_err(write_err(ACTION, "household"))?;
            sqlx::query(q::MEMBERS_DELETE)
                .bind(h.id)
                .execute(&mut **tx)
                .await
                .map_err(StoreError::db(ACTION))?;
            for m in rows::member_rows(sealer, h) {
                sqlx::query(q::MEMBER_INSERT)
                    .bind(m.village_code)
                    .bind(m.id)
                    .bind(m.household_id)
                    .bind(m.position)
                    .bind(m.state)
                    .bind(m.nik_index)
                    .bind(m.nik_sealed)
                    .bind(m.phone_index)
                    .bind(m.full_name)
                    .bind(m.name_key)
                    .bind(m.sex)
                    .bind(m.birth_date)
                    .bind(m.relationship)
                    .bind(m.details_sealed)
                    .execute(&mut **tx)
                    .await
                    .map_err(write_err(ACTION, "member"))?;
            }
            // The targeting facts follow the household in the same transaction.
            super::targeting::sync_household(tx, save).await
        }

        fn transition_from_row(row: &DbRow) -> Result<Transition, StoreError> {
            let from: Option<String> = get(row, "from_stage")?;
            Ok(Transition {
                from: from
                    .map(|s| Stage::parse(&s).ok_or_else(|| rows::corrupt("from_stage")))
                    .transpose()?,
                to: parsed(row, "to_stage", Stage::parse)?,
                event: parsed(row, "event", EventKind::parse)?,
                by: Who {
                    user: get(row, "actor_user")?,
                    role: parsed(row, "actor_role", Role::parse)?,
                },
                at: get(row, "at")?,
                reason: get(row, "reason")?,
                visited_on: get(row, "visited_on")?,
            })
        }

        fn summary_from_row(row: &DbRow) -> Result<RequestSummary, StoreError> {
            Ok(RequestSummary {
                id: get(row, "id")?,
                village: region(row, "village_code")?,
                household: get(row, "household_id")?,
                kind: parsed(row, "kind", ChangeKind::parse)?,
                stage: parsed(row, "stage", Stage::parse)?,
                created_at: get(row, "created_at")?,
                updated_at: get(row, "updated_at")?,
            })
        }

        fn hit_from_row(
            row: &DbRow,
            sealer: &$crate::registry::sealing::RegistrySealer,
        ) -> Result<SearchHit, StoreError> {
            let member: Uuid = get(row, "id")?;
            let nik_sealed: Vec<u8> = get(row, "nik_sealed")?;
            Ok(SearchHit {
                member,
                household: get(row, "household_id")?,
                village: region(row, "village_code")?,
                nik: sealer.open_nik(member, &nik_sealed)?,
                full_name: get(row, "full_name")?,
                sex: parsed(row, "sex", Sex::parse)?,
                birth_date: get::<NaiveDate>(row, "birth_date")?,
                relationship: parsed(row, "relationship", Relationship::parse)?,
                member_status: get(row, "state")?,
                household_state: parsed(row, "household_state", HouseholdState::parse)?,
            })
        }

        fn task_from_row(row: &DbRow) -> Result<Task, StoreError> {
            let member: Uuid = get(row, "member_id")?;
            Ok(Task {
                id: get(row, "id")?,
                village: region(row, "village_code")?,
                household: get(row, "household_id")?,
                member: (!member.is_nil()).then_some(member),
                kind: parsed(row, "kind", TaskKind::parse)?,
                state: parsed(row, "state", TaskState::parse)?,
                source: get(row, "source")?,
                created_at: get(row, "created_at")?,
                closed_at: get(row, "closed_at")?,
                closed_by: get(row, "closed_by")?,
            })
        }

        /// The request row and its history (the proposal).
        async fn insert_request(
            tx: &mut Tx<'_>,
            sealer: &$crate::registry::sealing::RegistrySealer,
            request: &Request,
            submission: &Submission,
        ) -> Result<(), StoreError> {
            const ACTION: &str = "entering a request";
            let first = request.history.first().ok_or(StoreError::Conflict {
                what: "request history",
            })?;
            let sealed = sealer.seal_json(REQUEST, "submission_sealed", request.id, submission);
            sqlx::query(q::REQUEST_INSERT)
                .bind(request.village.plain())
                .bind(request.id)
                .bind(request.household)
                .bind(request.kind.code())
                .bind(request.stage.code())
                .bind(sealed)
                .bind(first.at)
                .bind(first.at)
                .execute(&mut **tx)
                .await
                .map_err(write_err(ACTION, "request"))?;
            for (i, t) in request.history.iter().enumerate() {
                insert_transition(tx, request, i + 1, t).await?;
            }
            Ok(())
        }

        /// Creates the tasks not open already; a new death or move task suspends the household's active
        /// enrolments in the same transaction ([`q::ENROLMENTS_SUSPEND`]).
        async fn insert_tasks(tx: &mut Tx<'_>, tasks: &[NewTask]) -> Result<u64, StoreError> {
            let mut created = 0;
            let at = now();
            for t in tasks {
                let new = sqlx::query(q::TASK_INSERT)
                    .bind(t.village.plain())
                    .bind($crate::sealing::new_id())
                    .bind(t.household)
                    .bind(t.member.unwrap_or(Uuid::nil()))
                    .bind(t.kind.code())
                    .bind(t.source.as_str())
                    .bind(at)
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db("creating a task"))?
                    .rows_affected();
                let suspends = match t.kind {
                    TaskKind::Death => Some("death_reported"),
                    TaskKind::Moved => Some("move_reported"),
                    TaskKind::Reverify => None,
                };
                if let (1, Some(reason)) = (new, suspends) {
                    sqlx::query(q::ENROLMENTS_SUSPEND)
                        .bind(t.household)
                        .bind(reason)
                        .execute(&mut **tx)
                        .await
                        .map_err(StoreError::db("suspending enrolments"))?;
                }
                created += new;
            }
            Ok(created)
        }

        impl $store {
            async fn hits(
                &self,
                text: &str,
                binds: (Vec<u8>, String, String),
            ) -> Result<Vec<SearchHit>, StoreError> {
                sqlx::query(text)
                    .bind(binds.0)
                    .bind(binds.1)
                    .bind(binds.2)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("searching the registry"))?
                    .iter()
                    .map(|r| hit_from_row(r, &self.registry))
                    .collect()
            }

            /// Name search inside one village: the village equality lets SQLite's planner (which keeps
            /// no statistics) seek `(village_code, name_key)`.
            async fn names_in_village(
                &self,
                village: &str,
                prefix: &str,
                limit: u32,
            ) -> Result<Vec<SearchHit>, StoreError> {
                sqlx::query(&q::search_by_name_in_village())
                    .bind(village)
                    .bind(prefix)
                    .bind(format!("{prefix}~"))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("searching the registry"))?
                    .iter()
                    .map(|r| hit_from_row(r, &self.registry))
                    .collect()
            }

            /// Name search inside a kecamatan: the first `limit` of each of its villages, merged (one
            /// statement). A range over both the name and the village code has no good single index;
            /// this costs a few short seeks whatever the names' distribution, where walking the name
            /// index could pass every person in the regency with that prefix.
            async fn names_in_district(
                &self,
                district: &str,
                prefix: &str,
                limit: u32,
            ) -> Result<Vec<SearchHit>, StoreError> {
                let (from, to) = $crate::sql::code_range(district);
                let villages: Vec<String> = sqlx::query_scalar(q::VILLAGES_OF)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("searching the registry"))?;
                if villages.is_empty() {
                    return Ok(Vec::new());
                }
                let text = q::search_by_name_in_villages(villages.len());
                let mut query = sqlx::query(&text);
                for v in &villages {
                    query = query
                        .bind(v.as_str())
                        .bind(prefix)
                        .bind(format!("{prefix}~"))
                        .bind(i64::from(limit));
                }
                query
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("searching the registry"))?
                    .iter()
                    .map(|r| hit_from_row(r, &self.registry))
                    .collect()
            }

            async fn population_candidates(
                tx: &mut Tx<'_>,
                text: &str,
                run: Uuid,
                kind: TaskKind,
            ) -> Result<Vec<NewTask>, StoreError> {
                sqlx::query(text)
                    .bind(run)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(StoreError::db("matching the population extract"))?
                    .iter()
                    .map(|r| {
                        Ok(NewTask {
                            village: region(r, "village_code")?,
                            household: get(r, "household_id")?,
                            member: Some(get(r, "id")?),
                            kind,
                            source: format!("population:{run}"),
                        })
                    })
                    .collect()
            }
        }

        #[async_trait::async_trait]
        impl RegistryStore for $store {
            async fn registry_propose(
                &self,
                request: &Request,
                submission: &Submission,
                household: Option<SaveHousehold>,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                const ACTION: &str = "entering a request";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                append_audit(&mut tx, audit).await?;
                insert_request(&mut tx, &self.registry, request, submission).await?;
                if let Some(save) = &household {
                    save_household(&mut tx, &self.registry, save).await?;
                }
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn registry_propose_for_task(
                &self,
                request: &Request,
                submission: &Submission,
                task: Uuid,
                audit: &AuditEntry,
                task_audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                const ACTION: &str = "entering a request for a task";
                let by = request
                    .history
                    .first()
                    .ok_or(StoreError::Conflict {
                        what: "request history",
                    })?
                    .by
                    .user;
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                append_audit(&mut tx, audit).await?;
                insert_request(&mut tx, &self.registry, request, submission).await?;
                append_audit(&mut tx, task_audit).await?;
                let closed = sqlx::query(q::TASK_CLOSE_OPEN)
                    .bind(request.village.plain())
                    .bind(task)
                    .bind(now())
                    .bind(by)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .rows_affected();
                if closed != 1 {
                    return Err(StoreError::Conflict { what: "task" });
                }
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn registry_task(
                &self,
                village: &RegionCode,
                id: Uuid,
            ) -> Result<Option<Task>, StoreError> {
                sqlx::query(q::TASK_BY_ID)
                    .bind(village.plain())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a task"))?
                    .as_ref()
                    .map(task_from_row)
                    .transpose()
            }

            async fn registry_advance(
                &self,
                advance: Advance<'_>,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                const ACTION: &str = "moving a request on";
                let Advance {
                    request,
                    transition,
                    submission,
                    saves,
                } = advance;
                if transition.from != Some(request.stage) {
                    return Err(StoreError::Conflict { what: "request" });
                }
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                append_audit(&mut tx, audit).await?;
                let sealed = submission.map(|s| {
                    self.registry
                        .seal_json(REQUEST, "submission_sealed", request.id, s)
                });
                let moved = sqlx::query(q::REQUEST_ADVANCE)
                    .bind(request.village.plain())
                    .bind(request.id)
                    .bind(transition.to.code())
                    .bind(transition.at)
                    .bind(sealed)
                    .bind(request.stage.code())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .rows_affected();
                if moved != 1 {
                    return Err(StoreError::Conflict { what: "request" });
                }
                insert_transition(&mut tx, request, request.history.len() + 1, transition).await?;
                for save in &saves {
                    save_household(&mut tx, &self.registry, save).await?;
                }
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn registry_request(
                &self,
                id: Uuid,
            ) -> Result<Option<StoredRequest>, StoreError> {
                const ACTION: &str = "reading a request";
                let Some(row) = sqlx::query(q::REQUEST_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db(ACTION))?
                else {
                    return Ok(None);
                };
                let village = region(&row, "village_code")?;
                let sealed: Vec<u8> = get(&row, "submission_sealed")?;
                let submission: Submission = self.registry.open_json(
                    REQUEST,
                    "submission_sealed",
                    id,
                    &sealed,
                    "request",
                )?;
                let history = sqlx::query(q::TRANSITIONS)
                    .bind(village.plain())
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .iter()
                    .map(transition_from_row)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some(StoredRequest {
                    request: Request {
                        id,
                        kind: parsed(&row, "kind", ChangeKind::parse)?,
                        household: get(&row, "household_id")?,
                        village,
                        stage: parsed(&row, "stage", Stage::parse)?,
                        history,
                    },
                    submission,
                    created_at: get(&row, "created_at")?,
                    updated_at: get(&row, "updated_at")?,
                }))
            }

            async fn registry_requests_of_household(
                &self,
                household: Uuid,
            ) -> Result<Vec<RequestSummary>, StoreError> {
                let text = format!(
                    "{} WHERE household_id = $1 ORDER BY created_at, id",
                    q::REQUEST_SUMMARY
                );
                sqlx::query(&text)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing a household's requests"))?
                    .iter()
                    .map(summary_from_row)
                    .collect()
            }

            async fn registry_queue(
                &self,
                stage: Stage,
                within: &Scope,
                limit: u32,
            ) -> Result<Vec<RequestSummary>, StoreError> {
                let (from, to) = scope_range(within);
                let text = format!(
                    "{} WHERE stage = $1 AND village_code >= $2 AND village_code < $3 \
                     ORDER BY created_at, id LIMIT $4",
                    q::REQUEST_SUMMARY
                );
                sqlx::query(&text)
                    .bind(stage.code())
                    .bind(from)
                    .bind(to)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing a queue"))?
                    .iter()
                    .map(summary_from_row)
                    .collect()
            }

            async fn registry_household(
                &self,
                id: Uuid,
            ) -> Result<Option<StoredHousehold>, StoreError> {
                const ACTION: &str = "reading a household";
                let Some(row) = sqlx::query(q::HOUSEHOLD_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db(ACTION))?
                else {
                    return Ok(None);
                };
                let village = region(&row, "village_code")?;
                let members = sqlx::query(q::MEMBERS_OF)
                    .bind(village.plain())
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .iter()
                    .map(|m| {
                        Ok(RawMember {
                            id: get(m, "id")?,
                            nik_sealed: get(m, "nik_sealed")?,
                            full_name: get(m, "full_name")?,
                            sex: get(m, "sex")?,
                            birth_date: get(m, "birth_date")?,
                            relationship: get(m, "relationship")?,
                            details_sealed: get(m, "details_sealed")?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let kk_sealed: Vec<u8> = get(&row, "kk_sealed")?;
                let details_sealed: Vec<u8> = get(&row, "details_sealed")?;
                let household = rows::household_from_rows(
                    &self.registry,
                    id,
                    village,
                    &kk_sealed,
                    &details_sealed,
                    members,
                )?;
                Ok(Some(StoredHousehold {
                    household,
                    state: parsed(&row, "state", HouseholdState::parse)?,
                    version: get(&row, "version")?,
                    verified_at: get(&row, "verified_at")?,
                    created_at: get(&row, "created_at")?,
                    updated_at: get(&row, "updated_at")?,
                }))
            }

            async fn registry_search_nik(
                &self,
                nik: &Nik,
                within: &Scope,
            ) -> Result<Vec<SearchHit>, StoreError> {
                let (from, to) = scope_range(within);
                self.hits(
                    &q::search_by_nik(),
                    (self.registry.nik_index(nik), from, to),
                )
                .await
            }

            async fn registry_search_kk(
                &self,
                kk: &KkNumber,
                within: &Scope,
            ) -> Result<Vec<SearchHit>, StoreError> {
                let (from, to) = scope_range(within);
                self.hits(&q::search_by_kk(), (self.registry.kk_index(kk), from, to))
                    .await
            }

            async fn registry_search_name(
                &self,
                prefix: &str,
                within: &Scope,
                limit: u32,
            ) -> Result<Vec<SearchHit>, StoreError> {
                use tepat_domain::RegionLevel;
                check_prefix(prefix)?;
                let limit = limit.min(q::MAX_HITS);
                match within {
                    Scope::Within(v) if v.level() == RegionLevel::DesaKelurahan => {
                        self.names_in_village(v.plain(), prefix, limit).await
                    }
                    Scope::Within(d) if d.level() == RegionLevel::Kecamatan => {
                        self.names_in_district(d.plain(), prefix, limit).await
                    }
                    _ => {
                        let (from, to) = scope_range(within);
                        sqlx::query(&q::search_by_name())
                            .bind(prefix)
                            .bind(format!("{prefix}~"))
                            .bind(from)
                            .bind(to)
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await
                            .map_err(StoreError::db("searching the registry"))?
                            .iter()
                            .map(|r| hit_from_row(r, &self.registry))
                            .collect()
                    }
                }
            }

            async fn registry_due_for_reverification(
                &self,
                verified_before: DateTime<Utc>,
                within: &Scope,
                limit: u32,
            ) -> Result<Vec<(RegionCode, Uuid)>, StoreError> {
                let (from, to) = scope_range(within);
                sqlx::query(q::DUE_FOR_REVERIFICATION)
                    .bind(verified_before)
                    .bind(from)
                    .bind(to)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("finding households due for re-verification"))?
                    .iter()
                    .map(|r| Ok((region(r, "village_code")?, get(r, "id")?)))
                    .collect()
            }

            async fn registry_add_tasks(
                &self,
                tasks: &[NewTask],
                audit: &AuditEntry,
            ) -> Result<u64, StoreError> {
                const ACTION: &str = "creating tasks";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                append_audit(&mut tx, audit).await?;
                let created = insert_tasks(&mut tx, tasks).await?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(created)
            }

            async fn registry_sync_population(
                &self,
                run: Uuid,
                audit: &AuditEntry,
            ) -> Result<PopulationSync, StoreError> {
                const ACTION: &str = "syncing population changes into the registry";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                append_audit(&mut tx, audit).await?;
                let deaths = Self::population_candidates(
                    &mut tx,
                    q::POPULATION_DEATHS,
                    run,
                    TaskKind::Death,
                )
                .await?;
                let moves =
                    Self::population_candidates(&mut tx, q::POPULATION_MOVES, run, TaskKind::Moved)
                        .await?;
                let sync = PopulationSync {
                    deaths: insert_tasks(&mut tx, &deaths).await?,
                    moves: insert_tasks(&mut tx, &moves).await?,
                };
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(sync)
            }

            async fn registry_tasks(
                &self,
                state: TaskState,
                within: &Scope,
                limit: u32,
            ) -> Result<Vec<Task>, StoreError> {
                let (from, to) = scope_range(within);
                sqlx::query(q::TASKS)
                    .bind(state.code())
                    .bind(from)
                    .bind(to)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing tasks"))?
                    .iter()
                    .map(task_from_row)
                    .collect()
            }

            async fn registry_set_task_state(
                &self,
                village: &RegionCode,
                id: Uuid,
                state: TaskState,
                by: Uuid,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                const ACTION: &str = "changing a task";
                let done = state == TaskState::Done;
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                append_audit(&mut tx, audit).await?;
                let changed = sqlx::query(q::TASK_SET_STATE)
                    .bind(village.plain())
                    .bind(id)
                    .bind(state.code())
                    .bind(done.then(now))
                    .bind(done.then_some(by))
                    .execute(&mut *tx)
                    .await
                    .map_err(write_err(ACTION, "task"))?
                    .rows_affected();
                if changed != 1 {
                    return Err(StoreError::NotFound { what: "task" });
                }
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn registry_decide_duplicate(
                &self,
                d: &DuplicateDecision,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                const ACTION: &str = "recording a duplicate decision";
                let (low, high) = ordered(d.a, d.b);
                if low == high {
                    return Err(StoreError::Conflict {
                        what: "duplicate pair",
                    });
                }
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                append_audit(&mut tx, audit).await?;
                sqlx::query(q::DUPLICATE_UPSERT)
                    .bind(low)
                    .bind(high)
                    .bind(d.verdict.code())
                    .bind(d.actor)
                    .bind(d.at)
                    .bind(d.reason.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn registry_linkage_rows(
                &self,
                after: Option<(RegionCode, Uuid)>,
                limit: u32,
            ) -> Result<Vec<LinkageRow>, StoreError> {
                let (village, id) = after
                    .map(|(v, id)| (v.plain().to_owned(), id))
                    .unwrap_or((String::new(), Uuid::nil()));
                sqlx::query(q::LINKAGE_ROWS)
                    .bind(village)
                    .bind(id)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading members for the duplicate index"))?
                    .iter()
                    .map(|r| linkage_from_row(r, &self.registry))
                    .collect()
            }

            async fn registry_duplicate_decision(
                &self,
                a: Uuid,
                b: Uuid,
            ) -> Result<Option<DuplicateDecision>, StoreError> {
                let (low, high) = ordered(a, b);
                let row = sqlx::query(q::DUPLICATE_BY_PAIR)
                    .bind(low)
                    .bind(high)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a duplicate decision"))?;
                row.map(|r| {
                    Ok(DuplicateDecision {
                        a: get(&r, "member_low")?,
                        b: get(&r, "member_high")?,
                        verdict: parsed(&r, "verdict", DuplicateVerdict::parse)?,
                        actor: get(&r, "actor_user")?,
                        at: get(&r, "at")?,
                        reason: get(&r, "reason")?,
                    })
                })
                .transpose()
            }
        }

        fn linkage_from_row(
            row: &DbRow,
            sealer: &$crate::registry::sealing::RegistrySealer,
        ) -> Result<LinkageRow, StoreError> {
            let member: Uuid = get(row, "id")?;
            let household: Uuid = get(row, "household_id")?;
            let nik_sealed: Vec<u8> = get(row, "nik_sealed")?;
            let kk_sealed: Vec<u8> = get(row, "kk_sealed")?;
            let details: Vec<u8> = get(row, "details_sealed")?;
            Ok(LinkageRow {
                member,
                household,
                village: region(row, "village_code")?,
                nik: sealer.open_nik(member, &nik_sealed)?,
                kk_number: sealer.open_kk(household, &kk_sealed)?,
                full_name: get(row, "full_name")?,
                sex: parsed(row, "sex", Sex::parse)?,
                birth_date: get(row, "birth_date")?,
                address: rows::address_of(sealer, household, &details)?,
            })
        }

        #[async_trait::async_trait]
        impl AuditStore for $store {
            async fn audit_record(&self, entry: &AuditEntry) -> Result<u64, StoreError> {
                const ACTION: &str = "writing the audit log";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let seq = append_audit(&mut tx, entry).await?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(seq)
            }

            async fn audit_query_in(
                &self,
                filter: &AuditFilter,
                period: &$crate::audit::AuditPeriod,
            ) -> Result<Vec<AuditRecord>, StoreError> {
                let mut text = format!("{} WHERE 1 = 1", q::AUDIT_COLUMNS);
                let mut n = 0;
                let mut next = || {
                    n += 1;
                    format!("${n}")
                };
                let range = match &filter.within {
                    Scope::All => None,
                    Scope::Within(r) => {
                        let (a, b) = (next(), next());
                        text += &format!(" AND region_code >= {a} AND region_code < {b}");
                        Some($crate::sql::code_range(r.plain()))
                    }
                };
                if filter.actor.is_some() {
                    text += &format!(" AND actor_user = {}", next());
                }
                if filter.object_id.is_some() {
                    text += &format!(" AND object_id = {}", next());
                }
                if filter.before_seq.is_some() {
                    text += &format!(" AND seq < {}", next());
                }
                if period.from.is_some() {
                    text += &format!(" AND at >= {}", next());
                }
                if period.until.is_some() {
                    text += &format!(" AND at < {}", next());
                }
                text += &format!(" ORDER BY seq DESC LIMIT {}", next());
                let mut query = sqlx::query(&text);
                if let Some((a, b)) = range {
                    query = query.bind(a).bind(b);
                }
                if let Some(actor) = filter.actor {
                    query = query.bind(actor);
                }
                if let Some(object) = filter.object_id {
                    query = query.bind(object);
                }
                if let Some(before) = filter.before_seq {
                    query = query.bind(before as i64);
                }
                // SQLite keeps `at` as RFC 3339 text in UTC (`+00:00`), which sorts as the time does.
                for bound in [period.from, period.until].into_iter().flatten() {
                    query = query.bind(bound);
                }
                query
                    .bind(i64::from(filter.limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the audit log"))?
                    .iter()
                    .map(audit_from_row)
                    .collect()
            }

            async fn audit_verify(&self) -> Result<AuditCheck, StoreError> {
                const ACTION: &str = "verifying the audit log";
                // The head first: rows appended while we read are after it and not checked.
                let head = self.audit_head().await?;
                let mut checker = ChainChecker::new();
                let mut after = 0i64;
                loop {
                    let page = sqlx::query(q::AUDIT_PAGE_AFTER)
                        .bind(after)
                        .bind(head.count as i64)
                        .bind(q::AUDIT_PAGE)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    for row in &page {
                        let seq: i64 = get(row, "seq")?;
                        match audit_from_row(row) {
                            Ok(record) => checker.feed(&record),
                            // A value that no longer decodes was edited: the chain is broken there.
                            Err(_) => checker.altered(seq as u64),
                        }
                        after = seq;
                    }
                    if (page.len() as i64) < q::AUDIT_PAGE {
                        break;
                    }
                }
                Ok(checker.finish(head))
            }

            async fn audit_head(&self) -> Result<ChainHead, StoreError> {
                let row = sqlx::query(q::AUDIT_HEAD)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the audit head"))?;
                let seq: i64 = get(&row, "seq")?;
                let hash: Vec<u8> = get(&row, "hash")?;
                Ok(ChainHead {
                    count: seq as u64,
                    hash: hash
                        .try_into()
                        .map_err(|_| rows::corrupt("audit_head.hash"))?,
                })
            }

            async fn audit_hash_at(&self, count: u64) -> Result<Option<ChainHash>, StoreError> {
                if count == 0 {
                    return Ok(Some($crate::audit::GENESIS));
                }
                let Ok(seq) = i64::try_from(count) else {
                    return Ok(None);
                };
                let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an audit entry's hash"))?;
                match row {
                    None => Ok(None),
                    Some(row) => {
                        let hash: Vec<u8> = get(&row, "hash")?;
                        Ok(Some(
                            hash.try_into()
                                .map_err(|_| rows::corrupt("audit_log.hash"))?,
                        ))
                    }
                }
            }
        }
    };
}

pub(crate) use registry_impl;
