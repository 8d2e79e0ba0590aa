//! The SQL of [`crate::FeedbackStore`], shared by both backends, and `feedback_impl!`, which implements
//! the trait for a store type with fields `pool: sqlx::Pool<$db>`, `registry: RegistrySealer` and
//! `sealer: PopulationSealer` (the pattern of `photo_sql.rs`).

use tepat_domain::Scope;

use crate::feedback::ComplaintFilter;
use crate::sql::code_range;

/// Sealing table and column names: the associated data of each sealed value names them.
pub(crate) const COMPLAINT: &str = "complaint";
pub(crate) const EVENT: &str = "complaint_event";
pub(crate) const RATING: &str = "rating";
/// The ticket's blind-index purpose, fixed: changing it orphans every stored ticket.
pub(crate) const TICKET_PURPOSE: &str = "complaint_ticket";

pub(crate) const COMPLAINT_COLUMNS: &str =
    "village_code, id, ticket_sealed, category, level, state, \
     person_id, household_id, text_sealed, contact_kind, submitted_at, due_on, updated_at";

pub(crate) const INSERT_COMPLAINT: &str = "INSERT INTO complaint (village_code, id, ticket_index, \
     ticket_sealed, category, level, state, person_id, household_id, text_sealed, contact_sealed, \
     contact_kind, submitted_at, due_on, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";

pub(crate) const EVENT_COLUMNS: &str =
    "village_code, id, complaint_id, kind, actor, role, level, state, note_sealed, at";

pub(crate) const INSERT_EVENT: &str =
    "INSERT INTO complaint_event (village_code, id, complaint_id, \
     kind, actor, role, level, state, note_sealed, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

pub(crate) const CHANGE: &str = "UPDATE complaint SET state = $3, level = $4, updated_at = $5 \
     WHERE village_code = $1 AND id = $2 AND state = $6 AND level = $7";

pub(crate) const RATING_COLUMNS: &str =
    "village_code, id, envelope_id, household_id, program, cycle, stars, comment_sealed, rated_at";

pub(crate) const INSERT_RATING: &str = "INSERT INTO rating (village_code, id, envelope_id, \
     household_id, program, cycle, stars, comment_sealed, rated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (envelope_id, household_id) DO NOTHING";

/// A bound value of a dynamically built query.
pub(crate) enum Param {
    Text(String),
    Date(chrono::NaiveDate),
    Uuid(uuid::Uuid),
}

/// `WHERE …` over `village_code` for a scope, numbering parameters from `next`.
fn scope_clause(within: &Scope, next: &mut usize, params: &mut Vec<Param>) -> Vec<String> {
    match within {
        Scope::All => Vec::new(),
        Scope::Within(region) => {
            let (lo, hi) = code_range(region.plain());
            let clause = format!(
                "village_code >= ${} AND village_code < ${}",
                *next,
                *next + 1
            );
            *next += 2;
            params.push(Param::Text(lo));
            params.push(Param::Text(hi));
            vec![clause]
        }
    }
}

const ABUSE: &str = "category NOT IN ('extortion', 'officer_behaviour')";
const AWAITING: &str = "state IN ('open', 'acknowledged')";

/// The list query of a filter, and its parameters (the limit comes last).
pub(crate) fn complaints_query(filter: &ComplaintFilter) -> (String, Vec<Param>) {
    let mut params = Vec::new();
    let mut next = 1;
    let mut clauses = scope_clause(&filter.within, &mut next, &mut params);
    if !filter.levels.is_empty() {
        let list: Vec<String> = filter
            .levels
            .iter()
            .map(|l| format!("'{}'", l.code()))
            .collect();
        clauses.push(format!("level IN ({})", list.join(", ")));
    }
    if !filter.abuse {
        clauses.push(ABUSE.into());
    }
    if let Some(state) = filter.state {
        clauses.push(format!("state = ${next}"));
        next += 1;
        params.push(Param::Text(state.code().into()));
    }
    if let Some(category) = filter.category {
        clauses.push(format!("category = ${next}"));
        next += 1;
        params.push(Param::Text(category.code().into()));
    }
    if let Some(day) = filter.overdue_on {
        clauses.push(format!("{AWAITING} AND due_on < ${next}"));
        next += 1;
        params.push(Param::Date(day));
    }
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (
        format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaint{filter_sql} \
             ORDER BY submitted_at DESC, id DESC LIMIT ${next}"
        ),
        params,
    )
}

/// Ratings inside a scope (and of one envelope), newest first; the limit comes last.
pub(crate) fn ratings_query(within: &Scope, envelope: Option<uuid::Uuid>) -> (String, Vec<Param>) {
    let mut params = Vec::new();
    let mut next = 1;
    let mut clauses = scope_clause(within, &mut next, &mut params);
    if let Some(e) = envelope {
        clauses.push(format!("envelope_id = ${next}"));
        next += 1;
        params.push(Param::Uuid(e));
    }
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (
        format!(
            "SELECT {RATING_COLUMNS} FROM rating{filter_sql} \
             ORDER BY rated_at DESC, id DESC LIMIT ${next}"
        ),
        params,
    )
}

/// Counts per program, cycle, village and number of stars inside a scope (and of one program).
pub(crate) fn groups_query(within: &Scope, program: Option<&str>) -> (String, Vec<Param>) {
    let mut params = Vec::new();
    let mut next = 1;
    let mut clauses = scope_clause(within, &mut next, &mut params);
    if let Some(p) = program {
        clauses.push(format!("program = ${next}"));
        params.push(Param::Text(p.to_owned()));
    }
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (
        format!(
            "SELECT program, cycle, village_code, stars, COUNT(*) AS n FROM rating{filter_sql} \
             GROUP BY program, cycle, village_code, stars \
             ORDER BY program, cycle, village_code, stars"
        ),
        params,
    )
}

macro_rules! feedback_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use tepat_domain::{RegionCode, Role, Scope};
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::feedback::{
            Complaint, ComplaintCategory, ComplaintChange, ComplaintEvent, ComplaintFilter,
            ComplaintState, Contact, EventKind, FeedbackStore, Level, NewComplaint, Rating,
            RatingGroup, Ticket,
        };
        use $crate::feedback_sql as sql;

        type DbRow = <$db as sqlx::Database>::Row;
        type Query<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>;

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

        fn region(row: &DbRow, table: &str) -> Result<RegionCode, StoreError> {
            let code: String = get(row, "village_code")?;
            RegionCode::parse(&code).map_err(|_| corrupt(&format!("{table}.village_code")))
        }

        /// Microseconds, the precision PostgreSQL keeps, so both backends return what was written.
        fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
            DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
        }

        fn bind_all<'q>(mut q: Query<'q>, params: Vec<sql::Param>) -> Query<'q> {
            for p in params {
                q = match p {
                    sql::Param::Text(s) => q.bind(s),
                    sql::Param::Date(d) => q.bind(d),
                    sql::Param::Uuid(u) => q.bind(u),
                };
            }
            q
        }

        impl $store {
            fn feedback_ticket_index(&self, ticket: &Ticket) -> Vec<u8> {
                self.sealer
                    .keyring()
                    .blind_index(sql::TICKET_PURPOSE, ticket.body().as_bytes())[..16]
                    .to_vec()
            }

            fn feedback_seal(&self, table: &str, column: &str, id: Uuid, text: &str) -> Vec<u8> {
                self.registry.seal(table, column, id, text.as_bytes())
            }

            fn feedback_open(
                &self,
                table: &str,
                column: &str,
                id: Uuid,
                sealed: &[u8],
                what: &'static str,
            ) -> Result<String, StoreError> {
                let plain = self.registry.open(table, column, id, sealed, what)?;
                String::from_utf8(plain).map_err(|_| StoreError::Undecryptable { what })
            }

            fn complaint_from_row(&self, row: &DbRow) -> Result<Complaint, StoreError> {
                let id: Uuid = get(row, "id")?;
                let ticket_sealed: Vec<u8> = get(row, "ticket_sealed")?;
                let ticket = self.feedback_open(
                    sql::COMPLAINT,
                    "ticket_sealed",
                    id,
                    &ticket_sealed,
                    "complaint ticket",
                )?;
                let text_sealed: Vec<u8> = get(row, "text_sealed")?;
                let category: String = get(row, "category")?;
                let level: String = get(row, "level")?;
                let state: String = get(row, "state")?;
                Ok(Complaint {
                    id,
                    village: region(row, "complaint")?,
                    ticket: Ticket::parse(&ticket).ok_or_else(|| corrupt("complaint ticket"))?,
                    category: ComplaintCategory::parse(&category)
                        .ok_or_else(|| corrupt("complaint.category"))?,
                    level: Level::parse(&level).ok_or_else(|| corrupt("complaint.level"))?,
                    state: ComplaintState::parse(&state)
                        .ok_or_else(|| corrupt("complaint.state"))?,
                    person: get(row, "person_id")?,
                    household: get(row, "household_id")?,
                    text: self.feedback_open(
                        sql::COMPLAINT,
                        "text_sealed",
                        id,
                        &text_sealed,
                        "complaint text",
                    )?,
                    has_contact: get::<Option<String>>(row, "contact_kind")?.is_some(),
                    submitted_at: get(row, "submitted_at")?,
                    due_on: get(row, "due_on")?,
                    updated_at: get(row, "updated_at")?,
                })
            }

            fn complaint_event_from_row(&self, row: &DbRow) -> Result<ComplaintEvent, StoreError> {
                let id: Uuid = get(row, "id")?;
                let kind: String = get(row, "kind")?;
                let role: String = get(row, "role")?;
                let level: String = get(row, "level")?;
                let state: String = get(row, "state")?;
                let note: Vec<u8> = get(row, "note_sealed")?;
                let note = self.feedback_open(sql::EVENT, "note_sealed", id, &note, "complaint note")?;
                Ok(ComplaintEvent {
                    id,
                    complaint: get(row, "complaint_id")?,
                    kind: EventKind::parse(&kind).ok_or_else(|| corrupt("complaint_event.kind"))?,
                    actor: get(row, "actor")?,
                    role: Role::parse(&role).ok_or_else(|| corrupt("complaint_event.role"))?,
                    level: Level::parse(&level)
                        .ok_or_else(|| corrupt("complaint_event.level"))?,
                    state: ComplaintState::parse(&state)
                        .ok_or_else(|| corrupt("complaint_event.state"))?,
                    note: (!note.is_empty()).then_some(note),
                    at: get(row, "at")?,
                })
            }

            fn rating_from_row(&self, row: &DbRow) -> Result<Rating, StoreError> {
                let id: Uuid = get(row, "id")?;
                let stars: i32 = get(row, "stars")?;
                let comment: Vec<u8> = get(row, "comment_sealed")?;
                let comment =
                    self.feedback_open(sql::RATING, "comment_sealed", id, &comment, "rating comment")?;
                Ok(Rating {
                    id,
                    village: region(row, "rating")?,
                    envelope: get(row, "envelope_id")?,
                    household: get(row, "household_id")?,
                    program: get(row, "program")?,
                    cycle: get(row, "cycle")?,
                    stars: u8::try_from(stars).map_err(|_| corrupt("rating.stars"))?,
                    comment: (!comment.is_empty()).then_some(comment),
                    rated_at: get(row, "rated_at")?,
                })
            }

            fn complaint_event_query<'q>(&self, village: &RegionCode, e: &'q ComplaintEvent) -> Query<'q> {
                let note = self.feedback_seal(
                    sql::EVENT,
                    "note_sealed",
                    e.id,
                    e.note.as_deref().unwrap_or_default(),
                );
                sqlx::query(sql::INSERT_EVENT)
                    .bind(village.plain().to_owned())
                    .bind(e.id)
                    .bind(e.complaint)
                    .bind(e.kind.code())
                    .bind(e.actor)
                    .bind(e.role.code())
                    .bind(e.level.code())
                    .bind(e.state.code())
                    .bind(note)
                    .bind(micros(e.at))
            }
        }

        #[async_trait::async_trait]
        impl FeedbackStore for $store {
            async fn insert_complaint(
                &self,
                new: &NewComplaint,
                submitted: &ComplaintEvent,
            ) -> Result<(), StoreError> {
                let c = &new.complaint;
                let json = serde_json::to_vec(&new.contact).expect("a contact serialises");
                let contact = self
                    .registry
                    .seal(sql::COMPLAINT, "contact_sealed", c.id, &json);
                let contact_kind = new.contact.as_ref().map(|c| match c {
                    Contact::Phone(_) => "phone",
                    Contact::Email(_) => "email",
                });
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("storing a complaint"))?;
                let inserted = sqlx::query(sql::INSERT_COMPLAINT)
                    .bind(c.village.plain().to_owned())
                    .bind(c.id)
                    .bind(self.feedback_ticket_index(&c.ticket))
                    .bind(self.feedback_seal(sql::COMPLAINT, "ticket_sealed", c.id, c.ticket.body()))
                    .bind(c.category.code())
                    .bind(c.level.code())
                    .bind(c.state.code())
                    .bind(c.person)
                    .bind(c.household)
                    .bind(self.feedback_seal(sql::COMPLAINT, "text_sealed", c.id, &c.text))
                    .bind(contact)
                    .bind(contact_kind)
                    .bind(micros(c.submitted_at))
                    .bind(c.due_on)
                    .bind(micros(c.updated_at))
                    .execute(&mut *tx)
                    .await;
                if let Err(e) = inserted {
                    if e.as_database_error()
                        .is_some_and(|d| d.is_unique_violation())
                    {
                        return Err(StoreError::Conflict {
                            what: "complaint ticket",
                        });
                    }
                    return Err(StoreError::db("storing a complaint")(e));
                }
                self.complaint_event_query(&c.village, submitted)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("storing a complaint's history"))?;
                tx.commit()
                    .await
                    .map_err(StoreError::db("storing a complaint"))?;
                Ok(())
            }

            async fn complaint(&self, id: Uuid) -> Result<Option<Complaint>, StoreError> {
                let text = format!(
                    "SELECT {} FROM complaint WHERE id = $1",
                    sql::COMPLAINT_COLUMNS
                );
                sqlx::query(&text)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a complaint"))?
                    .map(|r| self.complaint_from_row(&r))
                    .transpose()
            }

            async fn complaint_by_ticket(
                &self,
                ticket: &Ticket,
            ) -> Result<Option<Complaint>, StoreError> {
                let text = format!(
                    "SELECT {} FROM complaint WHERE ticket_index = $1",
                    sql::COMPLAINT_COLUMNS
                );
                sqlx::query(&text)
                    .bind(self.feedback_ticket_index(ticket))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a complaint"))?
                    .map(|r| self.complaint_from_row(&r))
                    .transpose()
            }

            async fn complaints(
                &self,
                filter: &ComplaintFilter,
                limit: u32,
            ) -> Result<Vec<Complaint>, StoreError> {
                let (text, params) = sql::complaints_query(filter);
                bind_all(sqlx::query(&text), params)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing complaints"))?
                    .iter()
                    .map(|r| self.complaint_from_row(r))
                    .collect()
            }

            async fn complaint_events(
                &self,
                complaint: Uuid,
            ) -> Result<Vec<ComplaintEvent>, StoreError> {
                let text = format!(
                    "SELECT {} FROM complaint_event WHERE complaint_id = $1",
                    sql::EVENT_COLUMNS
                );
                let mut events = sqlx::query(&text)
                    .bind(complaint)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a complaint's history"))?
                    .iter()
                    .map(|r| self.complaint_event_from_row(r))
                    .collect::<Result<Vec<_>, _>>()?;
                // Sorted here: SQLite's time text does not order reliably within a second.
                events.sort_by_key(|e| (e.at, e.id));
                Ok(events)
            }

            async fn complaint_contact(
                &self,
                complaint: Uuid,
            ) -> Result<Option<Contact>, StoreError> {
                let row = sqlx::query("SELECT contact_sealed FROM complaint WHERE id = $1")
                    .bind(complaint)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a complaint's contact"))?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let sealed: Vec<u8> = get(&row, "contact_sealed")?;
                let plain = self.registry.open(
                    sql::COMPLAINT,
                    "contact_sealed",
                    complaint,
                    &sealed,
                    "complaint contact",
                )?;
                serde_json::from_slice(&plain)
                    .map_err(|_| corrupt("sealed complaint contact does not decode"))
            }

            async fn change_complaint(
                &self,
                change: &ComplaintChange,
            ) -> Result<bool, StoreError> {
                let e = &change.event;
                let mut tx = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::db("changing a complaint"))?;
                let changed = sqlx::query(sql::CHANGE)
                    .bind(change.village.plain().to_owned())
                    .bind(e.complaint)
                    .bind(e.state.code())
                    .bind(e.level.code())
                    .bind(micros(e.at))
                    .bind(change.from_state.code())
                    .bind(change.from_level.code())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("changing a complaint"))?
                    .rows_affected();
                if changed == 0 {
                    return Ok(false);
                }
                self.complaint_event_query(&change.village, e)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("storing a complaint's history"))?;
                tx.commit()
                    .await
                    .map_err(StoreError::db("changing a complaint"))?;
                Ok(true)
            }

            async fn insert_rating(&self, r: &Rating) -> Result<bool, StoreError> {
                let comment = self.feedback_seal(
                    sql::RATING,
                    "comment_sealed",
                    r.id,
                    r.comment.as_deref().unwrap_or_default(),
                );
                Ok(sqlx::query(sql::INSERT_RATING)
                    .bind(r.village.plain().to_owned())
                    .bind(r.id)
                    .bind(r.envelope)
                    .bind(r.household)
                    .bind(r.program.as_str())
                    .bind(r.cycle.as_str())
                    .bind(i32::from(r.stars))
                    .bind(comment)
                    .bind(micros(r.rated_at))
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::db("storing a rating"))?
                    .rows_affected()
                    > 0)
            }

            async fn ratings_of_household(
                &self,
                household: Uuid,
            ) -> Result<Vec<Rating>, StoreError> {
                let text = format!(
                    "SELECT {} FROM rating WHERE household_id = $1 ORDER BY rated_at DESC, id DESC",
                    sql::RATING_COLUMNS
                );
                sqlx::query(&text)
                    .bind(household)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading ratings"))?
                    .iter()
                    .map(|r| self.rating_from_row(r))
                    .collect()
            }

            async fn ratings(
                &self,
                within: &Scope,
                envelope: Option<Uuid>,
                limit: u32,
            ) -> Result<Vec<Rating>, StoreError> {
                let (text, params) = sql::ratings_query(within, envelope);
                bind_all(sqlx::query(&text), params)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing ratings"))?
                    .iter()
                    .map(|r| self.rating_from_row(r))
                    .collect()
            }

            async fn rating_groups(
                &self,
                within: &Scope,
                program: Option<&str>,
            ) -> Result<Vec<RatingGroup>, StoreError> {
                let (text, params) = sql::groups_query(within, program);
                let rows = bind_all(sqlx::query(&text), params)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("summarising ratings"))?;
                let mut out: Vec<RatingGroup> = Vec::new();
                for row in &rows {
                    let program: String = get(row, "program")?;
                    let cycle: String = get(row, "cycle")?;
                    let village = region(row, "rating")?;
                    let stars: i32 = get(row, "stars")?;
                    let n: i64 = get(row, "n")?;
                    let slot = usize::try_from(stars - 1)
                        .ok()
                        .filter(|s| *s < 5)
                        .ok_or_else(|| corrupt("rating.stars"))?;
                    let n = u64::try_from(n).unwrap_or(0);
                    let same = out.last().is_some_and(|g| {
                        g.program == program && g.cycle == cycle && g.village == village
                    });
                    if !same {
                        out.push(RatingGroup {
                            program,
                            cycle,
                            village,
                            count: 0,
                            stars: 0,
                            by_stars: [0; 5],
                        });
                    }
                    let group = out.last_mut().expect("pushed above");
                    group.count += n;
                    group.stars += n * (slot as u64 + 1);
                    group.by_stars[slot] += n;
                }
                Ok(out)
            }
        }
    };
}

pub(crate) use feedback_impl;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feedback::{ComplaintState, Level};
    use tepat_domain::RegionCode;

    #[test]
    fn a_filter_numbers_its_parameters_in_order() {
        let mut f = ComplaintFilter::within(Scope::Within(RegionCode::parse("19.02").unwrap()));
        f.levels = vec![Level::Regency];
        f.abuse = false;
        f.state = Some(ComplaintState::Open);
        f.overdue_on = Some(chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap());
        let (sql, params) = complaints_query(&f);
        assert!(
            sql.contains("village_code >= $1 AND village_code < $2"),
            "{sql}"
        );
        assert!(sql.contains("state = $3"), "{sql}");
        assert!(sql.contains("due_on < $4"), "{sql}");
        assert!(sql.ends_with("LIMIT $5"), "{sql}");
        assert!(sql.contains("level IN ('regency')"), "{sql}");
        assert!(sql.contains("NOT IN ('extortion'"), "{sql}");
        assert_eq!(params.len(), 4);
        let (all, none) = complaints_query(&ComplaintFilter::within(Scope::All));
        assert!(!all.contains("WHERE") && none.is_empty(), "{all}");
        assert!(all.ends_with("LIMIT $1"));
    }
}
