//! The SQL of [`crate::PortalStatusStore`], shared by both backends, and `portal_status_impl!`, which
//! implements the trait for a store type with the fields `pool: sqlx::Pool<$db>` and
//! `sealer: PopulationSealer`.

pub(crate) const IDENTITIES: &str = "SELECT nik_index, kk_index, id, village_code \
     FROM population_person WHERE death_date IS NULL";

/// Completed imports: their number and the last one's end change whenever the extract does.
pub(crate) const MARK: &str = "SELECT COUNT(*) AS n, CAST(MAX(finished_at) AS TEXT) AS last \
     FROM import_run WHERE status = 'completed'";

pub(crate) const HOUSEHOLD: &str = "SELECT h.id, h.village_code, h.state, h.verified_at, t.desil \
     FROM registry_member m \
     JOIN registry_household h ON h.id = m.household_id AND h.village_code = m.village_code \
     LEFT JOIN targeting_household t ON t.id = h.id AND t.village_code = h.village_code \
     WHERE m.nik_index = $1 AND m.state = 'active' AND h.state IN ('proposed', 'active') \
     ORDER BY h.updated_at DESC LIMIT 1";

pub(crate) const ENROLMENTS: &str =
    "SELECT program, state, CAST(since AS TEXT) AS since, benefit, \
     ended_at, end_reason FROM targeting_enrolment WHERE household_id = $1 ORDER BY program";

pub(crate) const WAITLISTS: &str =
    "SELECT r.program, CAST(c.village_rank AS BIGINT) AS village_rank, c.benefit \
     FROM targeting_run r \
     JOIN targeting_candidate c ON c.run_id = r.id AND c.village_code = $1 AND c.household_id = $2 \
     WHERE r.state = 'approved' AND c.status = 'waitlist' ORDER BY r.program";

macro_rules! portal_status_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, NaiveDate, Utc};
        use sqlx::Row as _;
        use tepat_domain::{RegionCode, Rupiah};
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::portal_status::{
            Blind, PortalStatusStore, StatusBlinder, StatusEnrolment, StatusHousehold,
            StatusIdentity, StatusWaitlist,
        };
        use $crate::portal_status_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

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

        fn blind(row: &DbRow, column: &'static str) -> Result<Blind, StoreError> {
            let bytes: Vec<u8> = get(row, column)?;
            bytes.try_into().map_err(|_| StoreError::Corrupt {
                what: format!("column {column} is not a 16-byte blind index"),
            })
        }

        #[async_trait::async_trait]
        impl PortalStatusStore for $store {
            fn status_blinder(&self) -> StatusBlinder {
                StatusBlinder::new(self.sealer.clone())
            }

            async fn status_identities(&self) -> Result<Vec<StatusIdentity>, StoreError> {
                let rows = sqlx::query(sql::IDENTITIES)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db(
                        "reading the identities for the status check",
                    ))?;
                rows.iter()
                    .map(|r| {
                        Ok(StatusIdentity {
                            nik_index: blind(r, "nik_index")?,
                            kk_index: blind(r, "kk_index")?,
                            person: get(r, "id")?,
                            village: region(r, "village_code")?,
                        })
                    })
                    .collect()
            }

            async fn status_mark(&self) -> Result<String, StoreError> {
                let row = sqlx::query(sql::MARK)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the population imports"))?;
                let n: i64 = get(&row, "n")?;
                let last: Option<String> = get(&row, "last")?;
                Ok(format!("{n}/{}", last.unwrap_or_default()))
            }

            async fn status_household(
                &self,
                nik_index: &Blind,
            ) -> Result<Option<StatusHousehold>, StoreError> {
                let row = sqlx::query(sql::HOUSEHOLD)
                    .bind(&nik_index[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a household for the status check"))?;
                let Some(r) = row else { return Ok(None) };
                let desil: Option<i64> = get(&r, "desil")?;
                Ok(Some(StatusHousehold {
                    id: get(&r, "id")?,
                    village: region(&r, "village_code")?,
                    state: get(&r, "state")?,
                    verified_at: get(&r, "verified_at")?,
                    desil: desil.and_then(|d| u8::try_from(d).ok()),
                }))
            }

            async fn status_enrolments(
                &self,
                household: Uuid,
            ) -> Result<Vec<StatusEnrolment>, StoreError> {
                let rows = sqlx::query(sql::ENROLMENTS)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a household's enrolments"))?;
                rows.iter()
                    .map(|r| {
                        let since: String = get(r, "since")?;
                        let benefit: Option<i64> = get(r, "benefit")?;
                        let ended_at: Option<DateTime<Utc>> = get(r, "ended_at")?;
                        Ok(StatusEnrolment {
                            program: get(r, "program")?,
                            state: get(r, "state")?,
                            since: NaiveDate::parse_from_str(
                                &since[..10.min(since.len())],
                                "%Y-%m-%d",
                            )
                            .map_err(|_| StoreError::Corrupt {
                                what: "column since is not a date".into(),
                            })?,
                            benefit: benefit.map(Rupiah::new),
                            ended_at,
                            end_reason: get(r, "end_reason")?,
                        })
                    })
                    .collect()
            }

            async fn status_waitlists(
                &self,
                village: &RegionCode,
                household: Uuid,
            ) -> Result<Vec<StatusWaitlist>, StoreError> {
                let rows = sqlx::query(sql::WAITLISTS)
                    .bind(village.to_string())
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a household's waitlist places"))?;
                rows.iter()
                    .map(|r| {
                        let rank: i64 = get(r, "village_rank")?;
                        let benefit: i64 = get(r, "benefit")?;
                        Ok(StatusWaitlist {
                            program: get(r, "program")?,
                            village_rank: u32::try_from(rank).unwrap_or(u32::MAX),
                            benefit: Rupiah::new(benefit),
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use portal_status_impl;
