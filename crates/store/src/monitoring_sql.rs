//! The SQL of [`crate::MonitoringStore`], shared by both backends except for cutting a time to its
//! minute, and `monitoring_impl!`, which implements the trait for a store type with a field
//! `pool: sqlx::Pool<$db>` (the pattern of `announcement_sql.rs`).
//!
//! Region codes are compared as half-open text ranges ([`crate::monitoring::Area`]), which both
//! databases answer from the indexes that start with the region code.

/// Whether an entitlement got at least as far as the provider accepting its payment.
macro_rules! confirmed {
    () => {
        "(e.state IN ('paid', 'handed_over') OR (e.state = 'instructed' AND EXISTS (SELECT 1 \
         FROM payment p WHERE p.envelope_id = e.envelope_id AND p.household_id = e.household_id \
         AND p.state IN ('accepted', 'settled'))))"
    };
}

pub(crate) const PIPELINE_CLEAR: &str = "DELETE FROM monitor_pipeline";

/// Cancelled envelopes and entitlements are not planned any more.
pub(crate) const PIPELINE_FILL: &str = concat!(
    "INSERT INTO monitor_pipeline (program, cycle, village_code, planned, planned_amount, sent, \
     sent_amount, confirmed, confirmed_amount, received, received_amount, failed, failed_amount) \
     SELECT v.program, v.cycle, e.village_code, COUNT(*), SUM(e.amount), \
     SUM(CASE WHEN e.state <> 'pending' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN e.state <> 'pending' THEN e.amount ELSE 0 END), \
     SUM(CASE WHEN ",
    confirmed!(),
    " THEN 1 ELSE 0 END), SUM(CASE WHEN ",
    confirmed!(),
    " THEN e.amount ELSE 0 END), \
     SUM(CASE WHEN e.state IN ('paid', 'handed_over') THEN 1 ELSE 0 END), \
     SUM(CASE WHEN e.state IN ('paid', 'handed_over') THEN e.amount ELSE 0 END), \
     SUM(CASE WHEN e.state = 'failed' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN e.state = 'failed' THEN e.amount ELSE 0 END) \
     FROM envelope v JOIN entitlement e ON e.envelope_id = v.id \
     WHERE v.state <> 'cancelled' AND e.state <> 'cancelled' \
     GROUP BY v.program, v.cycle, e.village_code"
);

pub(crate) const RATINGS_CLEAR: &str = "DELETE FROM monitor_rating";

pub(crate) const RATINGS_FILL: &str =
    "INSERT INTO monitor_rating (program, cycle, village_code, ratings, stars, low) \
     SELECT program, cycle, village_code, COUNT(*), SUM(stars), \
     SUM(CASE WHEN stars <= 2 THEN 1 ELSE 0 END) FROM rating GROUP BY program, cycle, village_code";

pub(crate) const FLAGS_CLEAR: &str = "DELETE FROM monitor_flag WHERE rule = $1";

/// `$1` households per account. Accounts an officer found invalid are not paid into.
pub(crate) const SHARED_ACCOUNT: &str =
    "INSERT INTO monitor_flag (rule, region_code, subject, label, grp, value, extra) \
     SELECT 'shared_account', a.village_code, a.id, '', s.grp, s.n, 0 \
     FROM account_link a \
     JOIN (SELECT address_index, COUNT(*) AS n, DENSE_RANK() OVER (ORDER BY address_index) AS grp \
           FROM account_link WHERE state <> 'invalid' \
           GROUP BY address_index HAVING COUNT(*) >= $1) s ON s.address_index = a.address_index \
     WHERE a.state <> 'invalid'";

/// `$1` living persons per address. The registry's own addresses are sealed; the population extract's
/// (village, RW, RT, street address) are the plain ones, and registry members join it on the NIK's
/// blind index.
pub(crate) const CROWDED_ADDRESS: &str =
    "INSERT INTO monitor_flag (rule, region_code, subject, label, grp, value, extra) \
     SELECT 'crowded_address', h.village_code, h.id, '', MIN(c.grp), MAX(c.n), 0 \
     FROM (SELECT village_code, rw, rt, address, COUNT(*) AS n, \
                  DENSE_RANK() OVER (ORDER BY village_code, rw, rt, address) AS grp \
           FROM population_person WHERE death_date IS NULL \
           GROUP BY village_code, rw, rt, address HAVING COUNT(*) >= $1) c \
     JOIN population_person p ON p.village_code = c.village_code AND p.rw = c.rw AND p.rt = c.rt \
          AND p.address = c.address AND p.death_date IS NULL \
     JOIN registry_member m ON m.nik_index = p.nik_index AND m.state = 'active' \
     JOIN registry_household h ON h.id = m.household_id AND h.state = 'active' \
     GROUP BY h.village_code, h.id";

/// `$1` died before this day. Enrolled: an active enrolment, or an entitlement of a live envelope
/// that is not paid yet.
pub(crate) const DEAD_ENROLLED: &str =
    "INSERT INTO monitor_flag (rule, region_code, subject, label, grp, value, extra) \
     SELECT 'dead_enrolled', m.village_code, m.household_id, '', 0, COUNT(*), 0 \
     FROM population_person p \
     JOIN registry_member m ON m.nik_index = p.nik_index AND m.state = 'active' \
     WHERE p.death_date IS NOT NULL AND p.death_date < $1 \
       AND (EXISTS (SELECT 1 FROM targeting_enrolment t \
                    WHERE t.household_id = m.household_id AND t.state = 'active') \
            OR EXISTS (SELECT 1 FROM envelope v JOIN entitlement en ON en.envelope_id = v.id \
                       WHERE en.household_id = m.household_id \
                         AND v.state IN ('prepared', 'approved', 'paying') \
                         AND en.state IN ('pending', 'instructed', 'failed'))) \
     GROUP BY m.village_code, m.household_id";

/// `$1` hand-overs per minute, `$2` since; `{minute}` cuts `handed_at` to its minute. The device's
/// region is its account's scope.
const FAST_MERCHANT: &str =
    "INSERT INTO monitor_flag (rule, region_code, subject, label, grp, value, extra) \
     SELECT 'fast_merchant', COALESCE(a.scope_region, ''), b.officer, b.device, 0, MAX(b.n), COUNT(*) \
     FROM (SELECT officer, device, {minute} AS minute, COUNT(*) AS n FROM handover \
           WHERE status = 'accepted' AND handed_at >= $2 \
           GROUP BY officer, device, {minute} HAVING COUNT(*) >= $1) b \
     LEFT JOIN account a ON a.id = b.officer \
     GROUP BY COALESCE(a.scope_region, ''), b.officer, b.device";

/// SQLite keeps times as RFC 3339 text: the first 16 characters are the minute.
pub(crate) fn fast_merchant_sqlite() -> String {
    FAST_MERCHANT.replace("{minute}", "substr(handed_at, 1, 16)")
}

pub(crate) fn fast_merchant_postgres() -> String {
    FAST_MERCHANT.replace("{minute}", "date_trunc('minute', handed_at)")
}

/// `$1` since. Every step but proposing is a decision on someone else's request.
pub(crate) const OFFICER_DECISIONS: &str =
    "SELECT t.actor_user, t.actor_role, COALESCE(a.scope_region, '') AS region, \
     CAST(COUNT(*) AS BIGINT) AS decisions, \
     CAST(SUM(CASE WHEN t.event = 'reject' THEN 1 ELSE 0 END) AS BIGINT) AS rejections \
     FROM registry_transition t LEFT JOIN account a ON a.id = t.actor_user \
     WHERE t.event <> 'propose' AND t.at >= $1 \
     GROUP BY t.actor_user, t.actor_role, COALESCE(a.scope_region, '')";

pub(crate) const FLAG_INSERT: &str =
    "INSERT INTO monitor_flag (rule, region_code, subject, label, grp, value, extra) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const MARK_REFRESHED: &str =
    "INSERT INTO monitor_refresh (part, refreshed_at, millis) VALUES ($1, $2, $3) \
     ON CONFLICT (part) DO UPDATE SET refreshed_at = excluded.refreshed_at, millis = excluded.millis";

pub(crate) const REFRESHED: &str =
    "SELECT part, refreshed_at, millis FROM monitor_refresh ORDER BY part";

pub(crate) const CYCLES: &str =
    "SELECT DISTINCT program, cycle FROM monitor_pipeline ORDER BY cycle DESC, program";

/// `$1` program, `$2` cycle, `$3`–`$4` the region range, `$5` digits to group by.
pub(crate) const PIPELINE: &str = "SELECT substr(village_code, 1, $5) AS region, \
     CAST(SUM(planned) AS BIGINT) AS planned, CAST(SUM(planned_amount) AS BIGINT) AS planned_amount, \
     CAST(SUM(sent) AS BIGINT) AS sent, CAST(SUM(sent_amount) AS BIGINT) AS sent_amount, \
     CAST(SUM(confirmed) AS BIGINT) AS confirmed, \
     CAST(SUM(confirmed_amount) AS BIGINT) AS confirmed_amount, \
     CAST(SUM(received) AS BIGINT) AS received, \
     CAST(SUM(received_amount) AS BIGINT) AS received_amount, \
     CAST(SUM(failed) AS BIGINT) AS failed, CAST(SUM(failed_amount) AS BIGINT) AS failed_amount \
     FROM monitor_pipeline \
     WHERE program = $1 AND cycle = $2 AND village_code >= $3 AND village_code < $4 \
     GROUP BY 1 ORDER BY 1";

/// The same arguments as [`PIPELINE`].
pub(crate) const RATINGS: &str = "SELECT substr(village_code, 1, $5) AS region, \
     CAST(SUM(ratings) AS BIGINT) AS ratings, CAST(SUM(stars) AS BIGINT) AS stars, \
     CAST(SUM(low) AS BIGINT) AS low FROM monitor_rating \
     WHERE program = $1 AND cycle = $2 AND village_code >= $3 AND village_code < $4 \
     GROUP BY 1 ORDER BY 1";

/// `$1`–`$2` the region range, `$3` digits to group by. One index range per open stage.
pub(crate) const BACKLOG: &str = "SELECT substr(village_code, 1, $3) AS region, stage, \
     CAST(COUNT(*) AS BIGINT) AS waiting, MIN(created_at) AS oldest FROM registry_request \
     WHERE stage IN ('proposed', 'village_verified', 'district_reviewed', 'dinas_verified') \
       AND village_code >= $1 AND village_code < $2 \
     GROUP BY 1, 2 ORDER BY 1, 2";

/// `$1`–`$2` the region range, `$3` digits to group by, `$4` today, `$5` the last day of "soon", `$6`
/// whether to count reports of extortion and officers' behaviour (kept from those who may be reported,
/// as on their complaint desks).
pub(crate) const COMPLAINTS: &str = "SELECT substr(village_code, 1, $3) AS region, \
     CAST(SUM(CASE WHEN state IN ('open', 'acknowledged') THEN 1 ELSE 0 END) AS BIGINT) AS awaiting, \
     CAST(SUM(CASE WHEN state IN ('open', 'acknowledged') AND due_on < $4 THEN 1 ELSE 0 END) \
          AS BIGINT) AS overdue, \
     CAST(SUM(CASE WHEN state IN ('open', 'acknowledged') AND due_on >= $4 AND due_on <= $5 \
          THEN 1 ELSE 0 END) AS BIGINT) AS due_soon, \
     CAST(SUM(CASE WHEN state = 'answered' THEN 1 ELSE 0 END) AS BIGINT) AS answered, \
     MIN(CASE WHEN state IN ('open', 'acknowledged') THEN due_on END) AS earliest_due \
     FROM complaint \
     WHERE state IN ('open', 'acknowledged', 'answered') AND village_code >= $1 AND village_code < $2 \
       AND ($6 OR category NOT IN ('extortion', 'officer_behaviour')) \
     GROUP BY 1 ORDER BY 1";

pub(crate) const FLAG_COUNTS: &str =
    "SELECT rule, CAST(COUNT(*) AS BIGINT) AS n FROM monitor_flag \
     WHERE region_code >= $1 AND region_code < $2 GROUP BY rule";

pub(crate) const FLAGS: &str =
    "SELECT rule, region_code, subject, label, grp, value, extra FROM monitor_flag \
     WHERE rule = $1 AND region_code >= $2 AND region_code < $3 \
     ORDER BY value DESC, region_code, grp LIMIT $4";

macro_rules! monitoring_impl {
    ($db:ty, $store:ty, $fast_merchant:path) => {
        use std::time::Instant;

        use chrono::{DateTime, Duration, NaiveDate, Utc};
        use sqlx::Row as _;
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::monitoring::{
            officer_flags, Area, BacklogRow, ComplaintRow, FlagItem, FlagRule, FlagRules,
            MonitoringStore, OfficerDecisions, PipelineRow, RatingRow, Refreshed,
        };
        use $crate::monitoring_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn count(row: &DbRow, column: &'static str) -> Result<u64, StoreError> {
            let n: i64 = get(row, column)?;
            Ok(u64::try_from(n).unwrap_or(0))
        }

        fn pair(
            row: &DbRow,
            n: &'static str,
            amount: &'static str,
        ) -> Result<(u64, i64), StoreError> {
            Ok((count(row, n)?, get(row, amount)?))
        }

        fn digits(area: &Area) -> i32 {
            i32::from(area.group_digits)
        }

        /// One part: clear, refill with `fill` (which binds its own arguments), mark, commit.
        async fn replace<'q>(
            pool: &sqlx::Pool<$db>,
            part: &str,
            clear: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
            fills: Vec<sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>>,
            now: DateTime<Utc>,
        ) -> Result<Refreshed, StoreError> {
            let started = Instant::now();
            let what = "refreshing the monitoring figures";
            let mut tx = pool.begin().await.map_err(StoreError::db(what))?;
            clear
                .execute(&mut *tx)
                .await
                .map_err(StoreError::db(what))?;
            for fill in fills {
                fill.execute(&mut *tx).await.map_err(StoreError::db(what))?;
            }
            let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            sqlx::query(sql::MARK_REFRESHED)
                .bind(part)
                .bind(now)
                .bind(i64::try_from(millis).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::db(what))?;
            tx.commit().await.map_err(StoreError::db(what))?;
            Ok(Refreshed {
                part: part.to_owned(),
                at: now,
                millis,
            })
        }

        fn bound(n: u32) -> i64 {
            i64::from(n)
        }

        async fn officer_decisions(
            pool: &sqlx::Pool<$db>,
            since: DateTime<Utc>,
        ) -> Result<Vec<OfficerDecisions>, StoreError> {
            sqlx::query(sql::OFFICER_DECISIONS)
                .bind(since)
                .fetch_all(pool)
                .await
                .map_err(StoreError::db("counting officers' decisions"))?
                .iter()
                .map(|r| {
                    Ok(OfficerDecisions {
                        officer: get(r, "actor_user")?,
                        role: get(r, "actor_role")?,
                        region: get(r, "region")?,
                        decisions: count(r, "decisions")?,
                        rejections: count(r, "rejections")?,
                    })
                })
                .collect()
        }

        fn flag_insert<'q>(
            f: &'q FlagItem,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
            sqlx::query(sql::FLAG_INSERT)
                .bind(f.rule.code())
                .bind(f.region.as_str())
                .bind(f.subject)
                .bind(f.label.as_str())
                .bind(f.group)
                .bind(f.value)
                .bind(f.extra)
        }

        #[async_trait::async_trait]
        impl MonitoringStore for $store {
            async fn refresh_monitoring(
                &self,
                rules: &FlagRules,
                now: DateTime<Utc>,
            ) -> Result<Vec<Refreshed>, StoreError> {
                let pool = &self.pool;
                let mut out = Vec::new();
                out.push(
                    replace(
                        pool,
                        "pipeline",
                        sqlx::query(sql::PIPELINE_CLEAR),
                        vec![sqlx::query(sql::PIPELINE_FILL)],
                        now,
                    )
                    .await?,
                );
                out.push(
                    replace(
                        pool,
                        "ratings",
                        sqlx::query(sql::RATINGS_CLEAR),
                        vec![sqlx::query(sql::RATINGS_FILL)],
                        now,
                    )
                    .await?,
                );
                let clear = |rule: FlagRule| sqlx::query(sql::FLAGS_CLEAR).bind(rule.code());
                out.push(
                    replace(
                        pool,
                        FlagRule::SharedAccount.code(),
                        clear(FlagRule::SharedAccount),
                        vec![sqlx::query(sql::SHARED_ACCOUNT)
                            .bind(bound(rules.shared_account_households))],
                        now,
                    )
                    .await?,
                );
                out.push(
                    replace(
                        pool,
                        FlagRule::CrowdedAddress.code(),
                        clear(FlagRule::CrowdedAddress),
                        vec![sqlx::query(sql::CROWDED_ADDRESS).bind(bound(rules.address_persons))],
                        now,
                    )
                    .await?,
                );
                let died_before: NaiveDate =
                    now.date_naive() - Duration::days(i64::from(rules.death_grace_days));
                out.push(
                    replace(
                        pool,
                        FlagRule::DeadEnrolled.code(),
                        clear(FlagRule::DeadEnrolled),
                        vec![sqlx::query(sql::DEAD_ENROLLED).bind(died_before)],
                        now,
                    )
                    .await?,
                );
                let fast = $fast_merchant();
                let handed_since = now - Duration::days(i64::from(rules.handover_days));
                out.push(
                    replace(
                        pool,
                        FlagRule::FastMerchant.code(),
                        clear(FlagRule::FastMerchant),
                        vec![sqlx::query(&fast)
                            .bind(bound(rules.handovers_per_minute))
                            .bind(handed_since)],
                        now,
                    )
                    .await?,
                );
                let decided_since = now - Duration::days(i64::from(rules.officer_days));
                let officers = officer_flags(&officer_decisions(pool, decided_since).await?, rules);
                out.push(
                    replace(
                        pool,
                        FlagRule::OfficerRejections.code(),
                        clear(FlagRule::OfficerRejections),
                        officers.iter().map(flag_insert).collect(),
                        now,
                    )
                    .await?,
                );
                Ok(out)
            }

            async fn monitor_refreshed(&self) -> Result<Vec<Refreshed>, StoreError> {
                sqlx::query(sql::REFRESHED)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db(
                        "reading when the monitoring figures were made",
                    ))?
                    .iter()
                    .map(|r| {
                        Ok(Refreshed {
                            part: get(r, "part")?,
                            at: get(r, "refreshed_at")?,
                            millis: count(r, "millis")?,
                        })
                    })
                    .collect()
            }

            async fn monitor_cycles(&self) -> Result<Vec<(String, String)>, StoreError> {
                sqlx::query(sql::CYCLES)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing monitored program-cycles"))?
                    .iter()
                    .map(|r| Ok((get(r, "program")?, get(r, "cycle")?)))
                    .collect()
            }

            async fn monitor_pipeline(
                &self,
                area: &Area,
                program: &str,
                cycle: &str,
            ) -> Result<Vec<PipelineRow>, StoreError> {
                let (lo, hi) = area.bounds();
                sqlx::query(sql::PIPELINE)
                    .bind(program)
                    .bind(cycle)
                    .bind(lo)
                    .bind(hi)
                    .bind(digits(area))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the distribution pipeline"))?
                    .iter()
                    .map(|r| {
                        Ok(PipelineRow {
                            region: get(r, "region")?,
                            planned: pair(r, "planned", "planned_amount")?,
                            sent: pair(r, "sent", "sent_amount")?,
                            confirmed: pair(r, "confirmed", "confirmed_amount")?,
                            received: pair(r, "received", "received_amount")?,
                            failed: pair(r, "failed", "failed_amount")?,
                        })
                    })
                    .collect()
            }

            async fn monitor_ratings(
                &self,
                area: &Area,
                program: &str,
                cycle: &str,
            ) -> Result<Vec<RatingRow>, StoreError> {
                let (lo, hi) = area.bounds();
                sqlx::query(sql::RATINGS)
                    .bind(program)
                    .bind(cycle)
                    .bind(lo)
                    .bind(hi)
                    .bind(digits(area))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading ratings"))?
                    .iter()
                    .map(|r| {
                        Ok(RatingRow {
                            region: get(r, "region")?,
                            ratings: count(r, "ratings")?,
                            stars: count(r, "stars")?,
                            low: count(r, "low")?,
                        })
                    })
                    .collect()
            }

            async fn monitor_backlog(&self, area: &Area) -> Result<Vec<BacklogRow>, StoreError> {
                let (lo, hi) = area.bounds();
                sqlx::query(sql::BACKLOG)
                    .bind(lo)
                    .bind(hi)
                    .bind(digits(area))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the registration backlog"))?
                    .iter()
                    .map(|r| {
                        Ok(BacklogRow {
                            region: get(r, "region")?,
                            stage: get(r, "stage")?,
                            waiting: count(r, "waiting")?,
                            oldest: get(r, "oldest")?,
                        })
                    })
                    .collect()
            }

            async fn monitor_complaints(
                &self,
                area: &Area,
                today: NaiveDate,
                soon: NaiveDate,
                abuse: bool,
            ) -> Result<Vec<ComplaintRow>, StoreError> {
                let (lo, hi) = area.bounds();
                sqlx::query(sql::COMPLAINTS)
                    .bind(lo)
                    .bind(hi)
                    .bind(digits(area))
                    .bind(today)
                    .bind(soon)
                    .bind(abuse)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading complaint deadlines"))?
                    .iter()
                    .map(|r| {
                        Ok(ComplaintRow {
                            region: get(r, "region")?,
                            awaiting: count(r, "awaiting")?,
                            overdue: count(r, "overdue")?,
                            due_soon: count(r, "due_soon")?,
                            answered: count(r, "answered")?,
                            earliest_due: get(r, "earliest_due")?,
                        })
                    })
                    .collect()
            }

            async fn monitor_flag_counts(
                &self,
                area: &Area,
            ) -> Result<Vec<(FlagRule, u64)>, StoreError> {
                let (lo, hi) = area.bounds();
                let rows = sqlx::query(sql::FLAG_COUNTS)
                    .bind(lo)
                    .bind(hi)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("counting anomaly flags"))?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let code: String = get(r, "rule")?;
                    if let Some(rule) = FlagRule::parse(&code) {
                        out.push((rule, count(r, "n")?));
                    }
                }
                Ok(out)
            }

            async fn monitor_flags(
                &self,
                rule: FlagRule,
                area: &Area,
                limit: u32,
            ) -> Result<Vec<FlagItem>, StoreError> {
                let (lo, hi) = area.bounds();
                sqlx::query(sql::FLAGS)
                    .bind(rule.code())
                    .bind(lo)
                    .bind(hi)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing anomaly flags"))?
                    .iter()
                    .map(|r| {
                        let subject: Uuid = get(r, "subject")?;
                        Ok(FlagItem {
                            rule,
                            region: get(r, "region_code")?,
                            subject,
                            label: get(r, "label")?,
                            group: get(r, "grp")?,
                            value: get(r, "value")?,
                            extra: get(r, "extra")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use monitoring_impl;
