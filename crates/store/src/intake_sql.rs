//! The SQL of [`crate::IntakeStore`], shared by both backends, and `intake_impl!`, which implements the
//! trait for a store type with the fields `pool: sqlx::Pool<$db>` and `registry: RegistrySealer`.

pub(crate) const INSERT_TIP: &str =
    "INSERT INTO intake_tip (village_code, id, kind, details_sealed, \
     created_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const INSERT_OBJECTION: &str = "INSERT INTO intake_objection (village_code, id, \
     household_id, details_sealed, created_at) VALUES ($1, $2, $3, $4, $5)";

/// `$1`: the scope's plain code prefix followed by `%` (`%` for everywhere).
pub(crate) const TIPS: &str =
    "SELECT village_code, id, kind, details_sealed, created_at FROM intake_tip \
     WHERE village_code LIKE $1 ORDER BY created_at DESC LIMIT $2";

pub(crate) const OBJECTIONS: &str =
    "SELECT village_code, id, household_id, details_sealed, created_at \
     FROM intake_objection WHERE village_code LIKE $1 ORDER BY created_at DESC LIMIT $2";

pub(crate) const PUBLISHED: &str = "SELECT h.id AS household_id, m.full_name, t.at AS approved_at \
     FROM registry_household h \
     JOIN registry_request r ON r.village_code = h.village_code AND r.household_id = h.id \
          AND r.kind = 'new_household' \
     JOIN registry_transition t ON t.village_code = r.village_code AND t.request_id = r.id \
          AND t.to_stage = 'approved' \
     JOIN registry_member m ON m.village_code = h.village_code AND m.household_id = h.id \
          AND m.relationship = 'kepala_keluarga' AND m.state = 'active' \
     WHERE h.village_code = $1 AND h.state = 'active' AND t.at >= $2 \
     ORDER BY t.at, h.id";

pub(crate) const INSERT_REPLY: &str = "INSERT INTO intake_reply (village_code, id, kind, \
     outcome, request_id, reply_sealed, submitted_at, replied_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (village_code, id) DO NOTHING \
     RETURNING id";

pub(crate) const TIP_BY_ID: &str = "SELECT village_code, created_at FROM intake_tip WHERE id = $1";

pub(crate) const OBJECTION_BY_ID: &str =
    "SELECT village_code, created_at FROM intake_objection WHERE id = $1";

const REPLY_COLUMNS: &str = "village_code, id, kind, outcome, request_id, reply_sealed, \
     submitted_at, replied_at";

pub(crate) fn reply_by_id() -> String {
    format!("SELECT {REPLY_COLUMNS} FROM intake_reply WHERE id = $1")
}

/// `$1` as in [`TIPS`]; `$2`: the oldest submission time wanted.
pub(crate) fn replies() -> String {
    format!(
        "SELECT {REPLY_COLUMNS} FROM intake_reply \
         WHERE village_code LIKE $1 AND submitted_at >= $2"
    )
}

pub(crate) const OPEN_OBJECTION_HOUSEHOLDS: &str = "SELECT DISTINCT o.household_id \
     FROM intake_objection o WHERE NOT EXISTS \
     (SELECT 1 FROM intake_reply r WHERE r.village_code = o.village_code AND r.id = o.id) ORDER BY o.household_id";

pub(crate) const CLAIM_UPLOAD: &str = "INSERT INTO intake_upload_claim (village_code, kk_index, \
     household_id, claimed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (village_code, kk_index) \
     DO UPDATE SET household_id = $3, claimed_at = $4 WHERE intake_upload_claim.claimed_at < $5 \
     RETURNING household_id";

pub(crate) const RELEASE_UPLOAD: &str = "DELETE FROM intake_upload_claim \
     WHERE village_code = $1 AND kk_index = $2 AND household_id = $3";

macro_rules! intake_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use tepat_domain::{KkNumber, RegionCode, Scope};
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::intake::{
            CitizenTip, IntakeStore, Objection, ObjectionDetails, Published, ReplyOutcome,
            SubmissionKind, SubmissionReply, SubmissionState, TipDetails, TipKind,
        };
        use $crate::intake_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn village(row: &DbRow) -> Result<RegionCode, StoreError> {
            let code: String = get(row, "village_code")?;
            RegionCode::parse(&code).map_err(|_| StoreError::Corrupt {
                what: "intake village code".into(),
            })
        }

        fn prefix(within: &Scope) -> String {
            match within {
                Scope::All => "%".into(),
                Scope::Within(code) => format!("{}%", code.plain()),
            }
        }

        fn reply_of(
            sealer: &$crate::registry::sealing::RegistrySealer,
            row: &DbRow,
        ) -> Result<SubmissionReply, StoreError> {
            let corrupt = |what: &str| StoreError::Corrupt { what: what.into() };
            let id: Uuid = get(row, "id")?;
            let kind: String = get(row, "kind")?;
            let outcome: String = get(row, "outcome")?;
            let request: Option<Uuid> = get(row, "request_id")?;
            let sealed: Vec<u8> = get(row, "reply_sealed")?;
            Ok(SubmissionReply {
                submission: id,
                kind: SubmissionKind::parse(&kind).ok_or_else(|| corrupt("intake reply kind"))?,
                village: village(row)?,
                outcome: ReplyOutcome::parse(&outcome, request)
                    .ok_or_else(|| corrupt("intake reply outcome"))?,
                text: sealer.open_json::<String>(
                    "intake_reply",
                    "reply_sealed",
                    id,
                    &sealed,
                    "answer to a citizen",
                )?,
                submitted_at: get(row, "submitted_at")?,
                replied_at: get(row, "replied_at")?,
            })
        }

        #[async_trait::async_trait]
        impl IntakeStore for $store {
            async fn intake_claim_upload(
                &self,
                village: &RegionCode,
                kk: &KkNumber,
                household: Uuid,
                now: DateTime<Utc>,
                stale_before: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let row = sqlx::query(sql::CLAIM_UPLOAD)
                    .bind(village.plain())
                    .bind(self.registry.kk_index(kk))
                    .bind(household)
                    .bind(now)
                    .bind(stale_before)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("claiming an uploaded household"))?;
                Ok(row.is_some())
            }

            async fn intake_release_upload(
                &self,
                village: &RegionCode,
                kk: &KkNumber,
                household: Uuid,
            ) -> Result<(), StoreError> {
                sqlx::query(sql::RELEASE_UPLOAD)
                    .bind(village.plain())
                    .bind(self.registry.kk_index(kk))
                    .bind(household)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("releasing an uploaded household"))?;
                Ok(())
            }

            async fn intake_add_reply(&self, r: &SubmissionReply) -> Result<bool, StoreError> {
                let sealed =
                    self.registry
                        .seal_json("intake_reply", "reply_sealed", r.submission, &r.text);
                let row = sqlx::query(sql::INSERT_REPLY)
                    .bind(r.village.plain())
                    .bind(r.submission)
                    .bind(r.kind.code())
                    .bind(r.outcome.code())
                    .bind(r.outcome.request())
                    .bind(sealed)
                    .bind(r.submitted_at)
                    .bind(r.replied_at)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("answering a citizen"))?;
                Ok(row.is_some())
            }

            async fn intake_submission(
                &self,
                id: Uuid,
            ) -> Result<Option<SubmissionState>, StoreError> {
                const ACTION: &str = "finding a citizen's submission";
                let mut found = None;
                for (query, kind) in [
                    (sql::TIP_BY_ID, SubmissionKind::Tip),
                    (sql::OBJECTION_BY_ID, SubmissionKind::Objection),
                ] {
                    let row = sqlx::query(query)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    if let Some(row) = row {
                        found = Some((kind, village(&row)?, get(&row, "created_at")?));
                        break;
                    }
                }
                let Some((kind, village, submitted_at)) = found else {
                    return Ok(None);
                };
                let reply = sqlx::query(&sql::reply_by_id())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db(ACTION))?;
                Ok(Some(SubmissionState {
                    id,
                    kind,
                    village,
                    submitted_at,
                    reply: reply.map(|r| reply_of(&self.registry, &r)).transpose()?,
                }))
            }

            async fn intake_replies(
                &self,
                within: &Scope,
                since: DateTime<Utc>,
            ) -> Result<Vec<SubmissionReply>, StoreError> {
                let rows = sqlx::query(&sql::replies())
                    .bind(prefix(within))
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading answers to citizens"))?;
                rows.iter().map(|r| reply_of(&self.registry, r)).collect()
            }

            async fn intake_open_objection_households(&self) -> Result<Vec<Uuid>, StoreError> {
                let rows = sqlx::query(sql::OPEN_OBJECTION_HOUSEHOLDS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading open objections"))?;
                rows.iter().map(|r| get(r, "household_id")).collect()
            }

            async fn intake_add_tip(&self, tip: &CitizenTip) -> Result<(), StoreError> {
                let sealed =
                    self.registry
                        .seal_json("intake_tip", "details_sealed", tip.id, &tip.details);
                sqlx::query(sql::INSERT_TIP)
                    .bind(tip.village.plain())
                    .bind(tip.id)
                    .bind(tip.kind.code())
                    .bind(sealed)
                    .bind(tip.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording a citizen's proposal"))?;
                Ok(())
            }

            async fn intake_add_objection(&self, o: &Objection) -> Result<(), StoreError> {
                let sealed =
                    self.registry
                        .seal_json("intake_objection", "details_sealed", o.id, &o.details);
                sqlx::query(sql::INSERT_OBJECTION)
                    .bind(o.village.plain())
                    .bind(o.id)
                    .bind(o.household)
                    .bind(sealed)
                    .bind(o.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("recording an objection"))?;
                Ok(())
            }

            async fn intake_tips(
                &self,
                within: &Scope,
                limit: u32,
            ) -> Result<Vec<CitizenTip>, StoreError> {
                let rows = sqlx::query(sql::TIPS)
                    .bind(prefix(within))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading citizens' proposals"))?;
                rows.iter()
                    .map(|row| {
                        let id: Uuid = get(row, "id")?;
                        let sealed: Vec<u8> = get(row, "details_sealed")?;
                        let kind: String = get(row, "kind")?;
                        Ok(CitizenTip {
                            id,
                            village: village(row)?,
                            kind: TipKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                                what: "intake tip kind".into(),
                            })?,
                            details: self.registry.open_json::<TipDetails>(
                                "intake_tip",
                                "details_sealed",
                                id,
                                &sealed,
                                "citizen proposal",
                            )?,
                            created_at: get(row, "created_at")?,
                        })
                    })
                    .collect()
            }

            async fn intake_objections(
                &self,
                within: &Scope,
                limit: u32,
            ) -> Result<Vec<Objection>, StoreError> {
                let rows = sqlx::query(sql::OBJECTIONS)
                    .bind(prefix(within))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading objections"))?;
                rows.iter()
                    .map(|row| {
                        let id: Uuid = get(row, "id")?;
                        let sealed: Vec<u8> = get(row, "details_sealed")?;
                        Ok(Objection {
                            id,
                            village: village(row)?,
                            household: get(row, "household_id")?,
                            details: self.registry.open_json::<ObjectionDetails>(
                                "intake_objection",
                                "details_sealed",
                                id,
                                &sealed,
                                "objection",
                            )?,
                            created_at: get(row, "created_at")?,
                        })
                    })
                    .collect()
            }

            async fn intake_published(
                &self,
                village: &RegionCode,
                since: DateTime<Utc>,
            ) -> Result<Vec<Published>, StoreError> {
                let rows = sqlx::query(sql::PUBLISHED)
                    .bind(village.plain())
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the village's public list"))?;
                rows.iter()
                    .map(|row| {
                        Ok(Published {
                            household: get(row, "household_id")?,
                            head_name: get(row, "full_name")?,
                            approved_at: get(row, "approved_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use intake_impl;
