//! The SQL of [`crate::OpenDataStore`], shared by both backends, and `opendata_impl!`, which implements
//! the trait for a store type with a field `pool: sqlx::Pool<$db>` (the pattern of `photo_sql.rs`).

/// Every step counted only once its ledger entry is recorded (`ledger_index`, `result_ledger_index`,
/// a `ledger_step` row): the verifier sums the same entries. Ratings are not in the ledger.
pub(crate) const REFRESH_CELLS: &str = "INSERT INTO opendata_cell (program, cycle, village_code, \
     households, entitled, paid, reversed, handed_over, ratings, stars) \
     SELECT program, cycle, village_code, SUM(households), SUM(entitled), SUM(paid), SUM(reversed), \
            SUM(handed_over), SUM(ratings), SUM(stars) FROM ( \
       SELECT e.program, e.cycle, t.village_code, 1 AS households, t.amount AS entitled, \
              0 AS paid, 0 AS reversed, 0 AS handed_over, 0 AS ratings, 0 AS stars \
         FROM entitlement t JOIN envelope e ON e.id = t.envelope_id WHERE t.ledger_index IS NOT NULL \
       UNION ALL \
       SELECT e.program, e.cycle, t.village_code, 0, 0, p.amount, 0, 0, 0, 0 \
         FROM payment p JOIN envelope e ON e.id = p.envelope_id \
         JOIN entitlement t ON t.envelope_id = p.envelope_id AND t.household_id = p.household_id \
         WHERE p.result_ledger_index IS NOT NULL AND p.state IN ('settled', 'returned') \
       UNION ALL \
       SELECT e.program, e.cycle, t.village_code, 0, 0, 0, p.amount, 0, 0, 0 \
         FROM ledger_step s JOIN payment p ON p.id = s.object_id \
         JOIN envelope e ON e.id = p.envelope_id \
         JOIN entitlement t ON t.envelope_id = p.envelope_id AND t.household_id = p.household_id \
         WHERE s.step = 'reversal' \
       UNION ALL \
       SELECT e.program, e.cycle, t.village_code, 0, 0, 0, 0, v.amount, 0, 0 \
         FROM handover h JOIN voucher v ON v.id = h.voucher_id \
         JOIN envelope e ON e.id = v.envelope_id \
         JOIN entitlement t ON t.envelope_id = v.envelope_id AND t.household_id = v.household_id \
         WHERE h.status = 'accepted' AND h.ledger_index IS NOT NULL \
       UNION ALL \
       SELECT program, cycle, village_code, 0, 0, 0, 0, 0, 1, stars FROM rating \
     ) x GROUP BY program, cycle, village_code";

pub(crate) const REFRESH_COMPLAINTS: &str =
    "INSERT INTO opendata_complaint (village_code, complaints, closed) \
     SELECT village_code, COUNT(*), SUM(CASE WHEN state IN ('resolved', 'rejected') THEN 1 ELSE 0 END) \
     FROM complaint GROUP BY village_code";

pub(crate) const MARK_REFRESH: &str =
    "INSERT INTO opendata_refresh (id, refreshed_at) VALUES (1, $1) \
     ON CONFLICT (id) DO UPDATE SET refreshed_at = excluded.refreshed_at";

pub(crate) const CELLS: &str = "SELECT program, cycle, village_code, \
     CAST(households AS BIGINT) AS households, CAST(entitled AS BIGINT) AS entitled, \
     CAST(paid AS BIGINT) AS paid, CAST(reversed AS BIGINT) AS reversed, \
     CAST(handed_over AS BIGINT) AS handed_over, CAST(ratings AS BIGINT) AS ratings, \
     CAST(stars AS BIGINT) AS stars \
     FROM opendata_cell WHERE program = $1 AND cycle = $2 ORDER BY village_code";

pub(crate) const SERIES: &str =
    "SELECT DISTINCT program, cycle FROM opendata_cell ORDER BY program, cycle";

pub(crate) const COMPLAINTS: &str =
    "SELECT village_code, CAST(complaints AS BIGINT) AS complaints, \
     CAST(closed AS BIGINT) AS closed FROM opendata_complaint ORDER BY village_code";

/// The head of family by the lowest position among active heads: one name per household.
pub(crate) const RECIPIENTS: &str = "SELECT t.state, \
     (SELECT m.full_name FROM registry_member m \
       WHERE m.village_code = t.village_code AND m.household_id = t.household_id \
         AND m.relationship = 'kepala_keluarga' AND m.state = 'active' \
       ORDER BY m.position LIMIT 1) AS head_name \
     FROM entitlement t JOIN envelope e ON e.id = t.envelope_id \
     WHERE e.program = $1 AND e.cycle = $2 AND e.state <> 'cancelled' AND t.village_code = $3 \
       AND t.state <> 'cancelled'";

macro_rules! opendata_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, SubsecRound as _, Utc};
        use sqlx::Row as _;
        use tepat_domain::RegionCode;

        use $crate::error::StoreError;
        use $crate::opendata::{
            OpenDataCell, OpenDataComplaints, OpenDataRecipient, OpenDataRefresh, OpenDataStore,
        };
        use $crate::opendata_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn village(row: &DbRow, table: &'static str) -> Result<RegionCode, StoreError> {
            let code: String = get(row, "village_code")?;
            RegionCode::parse(&code).map_err(|_| StoreError::Corrupt {
                what: format!("{table}.village_code"),
            })
        }

        fn count(row: &DbRow, column: &'static str) -> Result<u64, StoreError> {
            let n: i64 = get(row, column)?;
            Ok(u64::try_from(n).unwrap_or(0))
        }

        #[async_trait::async_trait]
        impl OpenDataStore for $store {
            async fn refresh_open_data(
                &self,
                now: DateTime<Utc>,
            ) -> Result<OpenDataRefresh, StoreError> {
                let now = now.trunc_subsecs(0);
                let what = "refreshing the open-data aggregates";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(what))?;
                for text in [
                    "DELETE FROM opendata_cell",
                    "DELETE FROM opendata_complaint",
                ] {
                    sqlx::query(text)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(what))?;
                }
                let cells = sqlx::query(sql::REFRESH_CELLS)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(what))?
                    .rows_affected();
                sqlx::query(sql::REFRESH_COMPLAINTS)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(what))?;
                sqlx::query(sql::MARK_REFRESH)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(what))?;
                tx.commit().await.map_err(StoreError::db(what))?;
                Ok(OpenDataRefresh {
                    refreshed_at: now,
                    cells,
                })
            }

            async fn open_data_refreshed(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
                let row = sqlx::query("SELECT refreshed_at FROM opendata_refresh WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the open-data refresh time"))?;
                row.map(|r| get(&r, "refreshed_at")).transpose()
            }

            async fn open_data_series(&self) -> Result<Vec<(String, String)>, StoreError> {
                sqlx::query(sql::SERIES)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing the open-data program-cycles"))?
                    .iter()
                    .map(|r| Ok((get(r, "program")?, get(r, "cycle")?)))
                    .collect()
            }

            async fn open_data_cells(
                &self,
                program: &str,
                cycle: &str,
            ) -> Result<Vec<OpenDataCell>, StoreError> {
                sqlx::query(sql::CELLS)
                    .bind(program)
                    .bind(cycle)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the open-data figures"))?
                    .iter()
                    .map(|r| {
                        Ok(OpenDataCell {
                            program: get(r, "program")?,
                            cycle: get(r, "cycle")?,
                            village: village(r, "opendata_cell")?,
                            households: count(r, "households")?,
                            entitled: get(r, "entitled")?,
                            paid: get(r, "paid")?,
                            reversed: get(r, "reversed")?,
                            handed_over: get(r, "handed_over")?,
                            ratings: count(r, "ratings")?,
                            stars: count(r, "stars")?,
                        })
                    })
                    .collect()
            }

            async fn open_data_complaints(&self) -> Result<Vec<OpenDataComplaints>, StoreError> {
                sqlx::query(sql::COMPLAINTS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the open-data complaint counts"))?
                    .iter()
                    .map(|r| {
                        Ok(OpenDataComplaints {
                            village: village(r, "opendata_complaint")?,
                            complaints: count(r, "complaints")?,
                            closed: count(r, "closed")?,
                        })
                    })
                    .collect()
            }

            async fn open_data_recipients(
                &self,
                program: &str,
                cycle: &str,
                village: &RegionCode,
            ) -> Result<Vec<OpenDataRecipient>, StoreError> {
                sqlx::query(sql::RECIPIENTS)
                    .bind(program)
                    .bind(cycle)
                    .bind(village.plain())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a village's recipients"))?
                    .iter()
                    .map(|r| {
                        let state: String = get(r, "state")?;
                        let name: Option<String> = get(r, "head_name")?;
                        Ok(OpenDataRecipient {
                            head_name: name.unwrap_or_default(),
                            delivered: state == "paid" || state == "handed_over",
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use opendata_impl;
