//! The SQL of [`crate::AnnouncementStore`], shared by both backends, and `announcement_impl!`, which
//! implements the trait for a store type with a field `pool: sqlx::Pool<$db>` (the pattern of
//! `photo_sql.rs`).

pub(crate) const COLUMNS: &str = "id, region_code, program, title, body, title_en, body_en, \
     publish_at, created_by, created_at, source_envelope, source_point";

pub(crate) const INSERT: &str = "INSERT INTO announcement (id, region_code, program, title, body, \
     title_en, body_en, publish_at, created_by, created_at, source_envelope, source_point) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// A schedule is written once per point of an envelope, even if two writers race past the envelope mark.
pub(crate) const INSERT_SCHEDULE: &str =
    "INSERT INTO announcement (id, region_code, program, title, \
     body, title_en, body_en, publish_at, created_by, created_at, source_envelope, source_point) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING";

/// `$1` region (plain code) or NULL, `$2` program or NULL, `$3` published by, `$4` limit. Plain region
/// codes nest as prefixes (`19`, `1902`, `190201`, `1902011001`), so "covers" and "inside" are prefix
/// tests that both databases spell the same way.
pub(crate) const LIST: &str = "SELECT id, region_code, program, title, body, title_en, body_en, \
     publish_at, created_by, created_at, source_envelope, source_point FROM announcement \
     WHERE publish_at <= $3 \
       AND ($1 IS NULL OR region_code IS NULL \
            OR substr($1, 1, length(region_code)) = region_code \
            OR substr(region_code, 1, length($1)) = $1) \
       AND ($2 IS NULL OR program IS NULL OR program = $2) \
     ORDER BY publish_at DESC, id DESC LIMIT $4";

pub(crate) const SCHEDULES: &str = "SELECT e.id AS envelope_id, e.program, e.cycle, p.id AS point_id, \
     p.name AS point_name, p.kind AS point_kind, p.village_code, p.first_slot, \
     CAST(p.slot_minutes AS BIGINT) AS slot_minutes, a.day, \
     CAST(MIN(a.slot) AS BIGINT) AS first_slot_used, CAST(MAX(a.slot) AS BIGINT) AS last_slot_used, \
     CAST(COUNT(*) AS BIGINT) AS households \
     FROM envelope e \
     JOIN assignment a ON a.envelope_id = e.id \
     JOIN distribution_point p ON p.id = a.point_id \
     WHERE e.released_at IS NOT NULL AND e.state IN ('paying', 'closed') \
       AND NOT EXISTS (SELECT 1 FROM announced_envelope x WHERE x.envelope_id = e.id) \
     GROUP BY e.id, e.program, e.cycle, p.id, p.name, p.kind, p.village_code, p.first_slot, \
              p.slot_minutes, a.day \
     ORDER BY e.id, p.id, a.day";

pub(crate) const MARK: &str =
    "INSERT INTO announced_envelope (envelope_id, announced_at) VALUES ($1, $2) ON CONFLICT DO NOTHING";

macro_rules! announcement_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, NaiveDate, NaiveTime, SubsecRound as _, Utc};
        use sqlx::Row as _;
        use tepat_domain::RegionCode;
        use uuid::Uuid;

        use $crate::announcement::{
            Announcement, AnnouncementFilter, AnnouncementStore, ScheduleDay,
        };
        use $crate::announcement_sql as sql;
        use $crate::error::StoreError;
        use $crate::handover::PointKind;

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

        fn region(text: &str, what: &str) -> Result<RegionCode, StoreError> {
            RegionCode::parse(text).map_err(|_| corrupt(what))
        }

        fn from_row(row: &DbRow) -> Result<Announcement, StoreError> {
            let region_code: Option<String> = get(row, "region_code")?;
            let envelope: Option<Uuid> = get(row, "source_envelope")?;
            let point: Option<Uuid> = get(row, "source_point")?;
            Ok(Announcement {
                id: get(row, "id")?,
                region: region_code
                    .map(|c| region(&c, "announcement.region_code"))
                    .transpose()?,
                program: get(row, "program")?,
                title: get(row, "title")?,
                body: get(row, "body")?,
                title_en: get(row, "title_en")?,
                body_en: get(row, "body_en")?,
                publish_at: get(row, "publish_at")?,
                created_by: get(row, "created_by")?,
                created_at: get(row, "created_at")?,
                source: envelope.zip(point),
            })
        }

        /// Whole seconds: SQLite keeps times as text, which orders correctly only when every value
        /// has the same shape.
        fn second(t: DateTime<Utc>) -> DateTime<Utc> {
            t.trunc_subsecs(0)
        }

        fn schedule_from_row(row: &DbRow) -> Result<ScheduleDay, StoreError> {
            let kind: String = get(row, "point_kind")?;
            let village: String = get(row, "village_code")?;
            let first: String = get(row, "first_slot")?;
            let day: String = get(row, "day")?;
            let minutes: i64 = get(row, "slot_minutes")?;
            let first_used: i64 = get(row, "first_slot_used")?;
            let last_used: i64 = get(row, "last_slot_used")?;
            let households: i64 = get(row, "households")?;
            let start = NaiveTime::parse_from_str(&first, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(&first, "%H:%M:%S"))
                .map_err(|_| corrupt("distribution_point.first_slot"))?;
            let at = |slot: i64| start + chrono::Duration::minutes(minutes * slot);
            Ok(ScheduleDay {
                envelope: get(row, "envelope_id")?,
                program: get(row, "program")?,
                cycle: get(row, "cycle")?,
                point: get(row, "point_id")?,
                point_name: get(row, "point_name")?,
                point_kind: PointKind::parse(&kind)
                    .ok_or_else(|| corrupt("distribution_point.kind"))?,
                village: region(&village, "distribution_point.village_code")?,
                day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .map_err(|_| corrupt("assignment.day"))?,
                from: at(first_used),
                until: at(last_used + 1),
                households: u64::try_from(households).unwrap_or(0),
            })
        }

        async fn insert_one<'e, E>(
            executor: E,
            text: &'static str,
            a: &Announcement,
        ) -> Result<u64, StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            Ok(sqlx::query(text)
                .bind(a.id)
                .bind(a.region.as_ref().map(|r| r.plain().to_owned()))
                .bind(a.program.clone())
                .bind(a.title.as_str())
                .bind(a.body.as_str())
                .bind(a.title_en.clone())
                .bind(a.body_en.clone())
                .bind(second(a.publish_at))
                .bind(a.created_by)
                .bind(second(a.created_at))
                .bind(a.source.map(|(e, _)| e))
                .bind(a.source.map(|(_, p)| p))
                .execute(executor)
                .await
                .map_err(StoreError::db("storing an announcement"))?
                .rows_affected())
        }

        #[async_trait::async_trait]
        impl AnnouncementStore for $store {
            async fn insert_announcement(&self, a: &Announcement) -> Result<(), StoreError> {
                insert_one(&self.pool, sql::INSERT, a).await?;
                Ok(())
            }

            async fn announcement(&self, id: Uuid) -> Result<Option<Announcement>, StoreError> {
                let text = format!("SELECT {} FROM announcement WHERE id = $1", sql::COLUMNS);
                sqlx::query(&text)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an announcement"))?
                    .map(|r| from_row(&r))
                    .transpose()
            }

            async fn announcements(
                &self,
                filter: &AnnouncementFilter,
            ) -> Result<Vec<Announcement>, StoreError> {
                sqlx::query(sql::LIST)
                    .bind(filter.region.as_ref().map(|r| r.plain().to_owned()))
                    .bind(filter.program.clone())
                    .bind(second(filter.published_by))
                    .bind(i64::from(filter.limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing announcements"))?
                    .iter()
                    .map(from_row)
                    .collect()
            }

            async fn unannounced_schedules(&self) -> Result<Vec<ScheduleDay>, StoreError> {
                sqlx::query(sql::SCHEDULES)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading schedules to announce"))?
                    .iter()
                    .map(schedule_from_row)
                    .collect()
            }

            async fn publish_schedule(
                &self,
                envelope: Uuid,
                at: DateTime<Utc>,
                announcements: &[Announcement],
            ) -> Result<bool, StoreError> {
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("announcing a schedule"))?;
                let marked = sqlx::query(sql::MARK)
                    .bind(envelope)
                    .bind(second(at))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("announcing a schedule"))?
                    .rows_affected();
                if marked == 0 {
                    return Ok(false);
                }
                for a in announcements {
                    insert_one(&mut *tx, sql::INSERT_SCHEDULE, a).await?;
                }
                tx.commit()
                    .await
                    .map_err(StoreError::db("announcing a schedule"))?;
                Ok(true)
            }
        }
    };
}

pub(crate) use announcement_impl;
