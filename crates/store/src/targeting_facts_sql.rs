//! The SQL of [`crate::TargetingFactsStore`], shared by both backends, the conversions between
//! [`HouseholdFacts`] and rows, and `targeting_impl!`, which implements the trait for a store type with a
//! field `pool: sqlx::Pool<$db>` (the pattern of `photo_sql.rs`). `targeting_impl!` also defines
//! `sync_household`, which the registry's save path calls inside its transaction.

use std::collections::HashMap;

use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, IncomeBand, Roof, Sanitation, SchoolLevel, Sector,
    Wall, Water,
};
use tepat_domain::{
    Desil, HouseholdFacts, HouseholdSurvey, MemberFacts, MemberSurvey, RegionCode, Relationship,
    Rupiah, Sex,
};
use uuid::Uuid;

use crate::error::StoreError;
use crate::sql::Placeholders;
use crate::targeting_facts::CountedRow;

/// The household columns a load writes, in bind order (then `updated_at`).
pub(crate) const HOUSEHOLD_COLUMNS: &str = "village_code, id, size, desil, welfare, consumption, \
     sector, floor, wall, roof, floor_area, water, sanitation, electricity, cooking_fuel, income_band, \
     owns_house, has_motorcycle, has_car, has_refrigerator, has_boat, livestock, land";
const HOUSEHOLD_PARAMS: usize = 24;
pub(crate) const MEMBER_COLUMNS: &str = "village_code, household_id, position, birth, sex, \
     relationship, sector, disability, chronic_illness, pregnant, school";
const MEMBER_PARAMS: usize = 11;
const ENROLMENT_PARAMS: usize = 4;

/// Rows per multi-row INSERT: 1,000 households × 24 parameters and 2,500 members × 11 stay inside
/// SQLite's 32,766 bound parameters.
pub(crate) const HOUSEHOLDS_PER_INSERT: usize = 1000;
pub(crate) const MEMBERS_PER_INSERT: usize = 2500;
pub(crate) const ENROLMENTS_PER_INSERT: usize = 5000;
/// Ids per `IN (..)` list and ranks per `UPDATE .. FROM`.
pub(crate) const IDS_PER_QUERY: usize = 1000;
const _: () = assert!(HOUSEHOLDS_PER_INSERT * HOUSEHOLD_PARAMS <= 32_766);
const _: () = assert!(MEMBERS_PER_INSERT * MEMBER_PARAMS <= 32_766);

pub(crate) const RANK_OF: &str = "SELECT desil, welfare FROM targeting_household WHERE id = $1";
pub(crate) const DELETE_MEMBERS: &str = "DELETE FROM targeting_member WHERE household_id = $1";
pub(crate) const DELETE_HOUSEHOLD: &str = "DELETE FROM targeting_household WHERE id = $1";
pub(crate) const ACTIVE_HOUSEHOLDS_AFTER: &str = "SELECT id FROM registry_household \
     WHERE state = 'active' AND id > $1 ORDER BY id LIMIT $2";

pub(crate) fn household_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO targeting_household ({HOUSEHOLD_COLUMNS}, updated_at) VALUES {}",
        ph.tuples(rows, HOUSEHOLD_PARAMS)
    )
}

pub(crate) fn member_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO targeting_member ({MEMBER_COLUMNS}) VALUES {}",
        ph.tuples(rows, MEMBER_PARAMS)
    )
}

pub(crate) fn enrolment_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO targeting_enrolment (village_code, program, household_id, since, state) \
         VALUES {}",
        ph.tuples(rows, ENROLMENT_PARAMS).replace(')', ",'active')")
    )
}

/// Ranks in one statement: a CTE of `(id, welfare, desil)` tuples joined to the households.
pub(crate) fn rank_update(ph: Placeholders, rows: usize) -> String {
    format!(
        "WITH v (id, welfare, desil) AS (VALUES {}) \
         UPDATE targeting_household SET welfare = v.welfare, desil = v.desil \
         FROM v WHERE targeting_household.id = v.id",
        ph.tuples(rows, 3)
    )
}

/// `SELECT .. WHERE id IN (..)` over `table`'s `key` column for `n` ids.
pub(crate) fn by_ids(ph: Placeholders, columns: &str, table: &str, key: &str, n: usize) -> String {
    format!(
        "SELECT {columns} FROM {table} WHERE {key} IN {}",
        ph.tuples(1, n)
    )
}

pub(crate) fn eligible(condition: &str) -> String {
    eligible_with("h.welfare", condition)
}

/// [`eligible`] with `welfare` read from another column (observed consumption for the truth).
pub(crate) fn eligible_with(welfare: &str, condition: &str) -> String {
    counted(welfare, condition, &[])
}

/// [`eligible_with`] with extra integer columns after `size`, one per count expression.
pub(crate) fn counted(welfare: &str, condition: &str, counts: &[String]) -> String {
    let extra: String = counts
        .iter()
        .enumerate()
        .map(|(i, c)| format!(", ({c}) AS c{i}"))
        .collect();
    format!(
        "SELECT h.id, h.village_code, {welfare} AS welfare, h.desil, h.size{extra} \
         FROM targeting_household h WHERE ({condition})"
    )
}

/// Key order, sorted here: an `ORDER BY` made PostgreSQL walk the primary key and visit the heap at
/// random (6.1 s instead of 1.1 s for a rule at 1M households, BENCHMARKS.md).
pub(crate) fn in_key_order(mut rows: Vec<CountedRow>) -> Vec<CountedRow> {
    rows.sort_unstable_by(|a, b| {
        (a.row.village.plain(), a.row.id).cmp(&(b.row.village.plain(), b.row.id))
    });
    rows
}

pub(crate) fn count(condition: &str) -> String {
    format!("SELECT COUNT(*) FROM targeting_household h WHERE ({condition})")
}

/// One page of a region's households in key order, after the key `($3, $4)`.
pub(crate) const PAGE: &str = "SELECT village_code, id FROM targeting_household \
     WHERE village_code >= $1 AND village_code < $2 \
     AND (village_code > $3 OR (village_code = $3 AND id > $4)) \
     ORDER BY village_code, id LIMIT $5";

/// A household's row, as bound and as read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HouseholdValues {
    pub village_code: String,
    pub id: Uuid,
    pub size: i64,
    pub desil: Option<i64>,
    pub welfare: Option<i64>,
    pub consumption: Option<i64>,
    pub sector: Option<String>,
    pub floor: Option<String>,
    pub wall: Option<String>,
    pub roof: Option<String>,
    pub floor_area: Option<i64>,
    pub water: Option<String>,
    pub sanitation: Option<String>,
    pub electricity: Option<String>,
    pub cooking_fuel: Option<String>,
    pub income_band: Option<String>,
    pub owns_house: Option<bool>,
    pub has_motorcycle: Option<bool>,
    pub has_car: Option<bool>,
    pub has_refrigerator: Option<bool>,
    pub has_boat: Option<bool>,
    pub livestock: Option<i64>,
    pub land: Option<i64>,
}

/// A member's row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MemberValues {
    pub village_code: String,
    pub household_id: Uuid,
    pub position: i64,
    pub birth: i64,
    pub sex: String,
    pub relationship: String,
    pub sector: Option<String>,
    pub disability: Option<String>,
    pub chronic_illness: Option<bool>,
    pub pregnant: Option<bool>,
    pub school: Option<String>,
}

fn text(code: &'static str) -> Option<String> {
    Some(code.to_owned())
}

pub(crate) fn household_values(f: &HouseholdFacts) -> HouseholdValues {
    let s = f.survey.as_ref();
    let int = |v: Option<u32>| v.map(i64::from);
    HouseholdValues {
        village_code: f.village.plain().to_owned(),
        id: f.id,
        size: f.members.len() as i64,
        desil: f.desil.map(|d| i64::from(d.get())),
        welfare: f.welfare.map(Rupiah::amount),
        consumption: s.and_then(|s| s.consumption_per_capita).map(Rupiah::amount),
        sector: f
            .head()
            .and_then(|h| h.survey.as_ref())
            .and_then(|m| text(m.sector.code())),
        floor: s.and_then(|s| text(s.floor.code())),
        wall: s.and_then(|s| text(s.wall.code())),
        roof: s.and_then(|s| text(s.roof.code())),
        floor_area: int(s.map(|s| s.floor_area_m2)),
        water: s.and_then(|s| text(s.water.code())),
        sanitation: s.and_then(|s| text(s.sanitation.code())),
        electricity: s.and_then(|s| text(s.electricity.code())),
        cooking_fuel: s.and_then(|s| text(s.cooking_fuel.code())),
        income_band: s.and_then(|s| text(s.income_band.code())),
        owns_house: s.map(|s| s.owns_house),
        has_motorcycle: s.map(|s| s.has_motorcycle),
        has_car: s.map(|s| s.has_car),
        has_refrigerator: s.map(|s| s.has_refrigerator),
        has_boat: s.map(|s| s.has_boat),
        livestock: int(s.map(|s| s.livestock_units)),
        land: int(s.map(|s| s.land_m2)),
    }
}

pub(crate) fn member_values(f: &HouseholdFacts) -> impl Iterator<Item = MemberValues> + '_ {
    f.members.iter().enumerate().map(|(i, m)| {
        let s = m.survey.as_ref();
        MemberValues {
            village_code: f.village.plain().to_owned(),
            household_id: f.id,
            position: i as i64,
            birth: tepat_domain::targeting::date_number(m.birth_date),
            sex: m.sex.letter().to_owned(),
            relationship: m.relationship.code().to_owned(),
            sector: s.and_then(|s| text(s.sector.code())),
            disability: s.and_then(|s| text(s.disability.code())),
            chronic_illness: s.map(|s| s.chronic_illness),
            pregnant: s.map(|s| s.pregnant),
            school: s.and_then(|s| text(s.school_level.code())),
        }
    })
}

fn corrupt(column: &str) -> StoreError {
    StoreError::Corrupt {
        what: format!("targeting facts column {column}"),
    }
}

/// The value whose code is `s` (exact: the store writes codes only).
fn code<T: Copy>(
    all: &[T],
    code_of: fn(T) -> &'static str,
    s: &str,
    column: &str,
) -> Result<T, StoreError> {
    all.iter()
        .copied()
        .find(|v| code_of(*v) == s)
        .ok_or_else(|| corrupt(column))
}

fn required<T>(v: Option<T>, column: &str) -> Result<T, StoreError> {
    v.ok_or_else(|| corrupt(column))
}

fn count_of(v: Option<i64>, column: &str) -> Result<u32, StoreError> {
    u32::try_from(required(v, column)?).map_err(|_| corrupt(column))
}

/// The survey columns are written together: a household has all of them or none.
fn household_survey(v: &HouseholdValues) -> Result<Option<HouseholdSurvey>, StoreError> {
    let Some(floor) = v.floor.as_deref() else {
        return Ok(None);
    };
    let req = |o: &Option<String>, c: &str| required(o.clone(), c);
    Ok(Some(HouseholdSurvey {
        floor: code(Floor::ALL, Floor::code, floor, "floor")?,
        wall: code(Wall::ALL, Wall::code, &req(&v.wall, "wall")?, "wall")?,
        roof: code(Roof::ALL, Roof::code, &req(&v.roof, "roof")?, "roof")?,
        floor_area_m2: count_of(v.floor_area, "floor_area")?,
        water: code(Water::ALL, Water::code, &req(&v.water, "water")?, "water")?,
        sanitation: code(
            Sanitation::ALL,
            Sanitation::code,
            &req(&v.sanitation, "sanitation")?,
            "sanitation",
        )?,
        electricity: code(
            Electricity::ALL,
            Electricity::code,
            &req(&v.electricity, "electricity")?,
            "electricity",
        )?,
        cooking_fuel: code(
            CookingFuel::ALL,
            CookingFuel::code,
            &req(&v.cooking_fuel, "cooking_fuel")?,
            "cooking_fuel",
        )?,
        income_band: code(
            IncomeBand::ALL,
            IncomeBand::code,
            &req(&v.income_band, "income_band")?,
            "income_band",
        )?,
        owns_house: required(v.owns_house, "owns_house")?,
        has_motorcycle: required(v.has_motorcycle, "has_motorcycle")?,
        has_car: required(v.has_car, "has_car")?,
        has_refrigerator: required(v.has_refrigerator, "has_refrigerator")?,
        has_boat: required(v.has_boat, "has_boat")?,
        livestock_units: count_of(v.livestock, "livestock")?,
        land_m2: count_of(v.land, "land")?,
        consumption_per_capita: v.consumption.map(Rupiah::new),
    }))
}

fn member_facts(v: &MemberValues) -> Result<MemberFacts, StoreError> {
    let birth = NaiveDateNumber(v.birth)
        .date()
        .ok_or_else(|| corrupt("birth"))?;
    let survey = match v.sector.as_deref() {
        None => None,
        Some(sector) => Some(MemberSurvey {
            sector: code(Sector::ALL, Sector::code, sector, "sector")?,
            disability: code(
                Disability::ALL,
                Disability::code,
                v.disability
                    .as_deref()
                    .ok_or_else(|| corrupt("disability"))?,
                "disability",
            )?,
            chronic_illness: required(v.chronic_illness, "chronic_illness")?,
            pregnant: required(v.pregnant, "pregnant")?,
            school_level: code(
                SchoolLevel::ALL,
                SchoolLevel::code,
                v.school.as_deref().ok_or_else(|| corrupt("school"))?,
                "school",
            )?,
        }),
    };
    Ok(MemberFacts {
        birth_date: birth,
        sex: match v.sex.as_str() {
            "L" => Sex::LakiLaki,
            "P" => Sex::Perempuan,
            _ => return Err(corrupt("sex")),
        },
        relationship: code(
            Relationship::ALL,
            Relationship::code,
            &v.relationship,
            "relationship",
        )?,
        survey,
    })
}

/// A `yyyymmdd` integer back to its date.
struct NaiveDateNumber(i64);

impl NaiveDateNumber {
    fn date(self) -> Option<chrono::NaiveDate> {
        let n = self.0;
        let (y, m, d) = (n / 10_000, (n / 100) % 100, n % 100);
        chrono::NaiveDate::from_ymd_opt(
            i32::try_from(y).ok()?,
            u32::try_from(m).ok()?,
            u32::try_from(d).ok()?,
        )
    }
}

/// Facts from a household's row, its members (any order) and its active enrolments.
pub(crate) fn facts_from(
    h: &HouseholdValues,
    mut members: Vec<MemberValues>,
    enrolled: Vec<String>,
) -> Result<HouseholdFacts, StoreError> {
    members.sort_by_key(|m| m.position);
    Ok(HouseholdFacts {
        id: h.id,
        village: RegionCode::parse(&h.village_code).map_err(|_| corrupt("village_code"))?,
        survey: household_survey(h)?,
        members: members.iter().map(member_facts).collect::<Result<_, _>>()?,
        desil: h
            .desil
            .map(|d| {
                u8::try_from(d)
                    .ok()
                    .and_then(Desil::new)
                    .ok_or_else(|| corrupt("desil"))
            })
            .transpose()?,
        welfare: h.welfare.map(Rupiah::new),
        enrolled,
    })
}

/// Groups rows by household id.
pub(crate) fn by_household<T>(rows: Vec<(Uuid, T)>) -> HashMap<Uuid, Vec<T>> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for (id, v) in rows {
        out.entry(id).or_default().push(v);
    }
    out
}

/// Rule selections on the embedded store read through rusqlite on a read-only connection of their own
/// with the file memory-mapped: sqlx's SQLite driver hands each row to another thread, which cost more
/// than the query itself at 100,000 rows (BENCHMARKS.md, "Targeting at scale"). WAL mode lets this reader
/// run beside the writer.
pub(crate) mod sqlite_reader {
    use std::path::PathBuf;

    use rusqlite::{Connection, OpenFlags};
    use tepat_domain::{Desil, RegionCode, Rupiah};
    use uuid::Uuid;

    use crate::error::StoreError;
    use crate::targeting_facts::{CountedRow, EligibleRow};

    /// Bytes of the file mapped into memory (reads without a system call per page).
    const MMAP_BYTES: i64 = 8 << 30;

    fn failed(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |e| match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                StoreError::Busy
            }
            _ => StoreError::SqliteWrite {
                action,
                reason: e.to_string(),
            },
        }
    }

    fn open(path: &PathBuf, action: &'static str) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(failed(action))?;
        conn.busy_timeout(crate::sqlite::BUSY_TIMEOUT)
            .map_err(failed(action))?;
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)
            .map_err(failed(action))?;
        Ok(conn)
    }

    async fn blocking<T: Send + 'static>(
        action: &'static str,
        f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| StoreError::SqliteWrite {
                action,
                reason: e.to_string(),
            })?
    }

    fn corrupt(column: &str) -> StoreError {
        StoreError::Corrupt {
            what: format!("targeting_household.{column}"),
        }
    }

    /// The rows of a `counted` query with `counts` count columns after the household's.
    pub(crate) async fn counted(
        path: PathBuf,
        text: String,
        counts: usize,
    ) -> Result<Vec<CountedRow>, StoreError> {
        const ACTION: &str = "selecting households by a rule";
        blocking(ACTION, move || {
            let conn = open(&path, ACTION)?;
            let mut statement = conn.prepare(&text).map_err(failed(ACTION))?;
            let mut rows = statement.query([]).map_err(failed(ACTION))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(failed(ACTION))? {
                let id: Vec<u8> = row.get(0).map_err(failed(ACTION))?;
                let village: String = row.get(1).map_err(failed(ACTION))?;
                let welfare: Option<i64> = row.get(2).map_err(failed(ACTION))?;
                let desil: Option<i64> = row.get(3).map_err(failed(ACTION))?;
                let size: i64 = row.get(4).map_err(failed(ACTION))?;
                let counts = (0..counts)
                    .map(|i| row.get::<_, i64>(5 + i))
                    .collect::<Result<Vec<i64>, _>>()
                    .map_err(failed(ACTION))?;
                let row = EligibleRow {
                    id: Uuid::from_slice(&id).map_err(|_| corrupt("id"))?,
                    village: RegionCode::parse(&village).map_err(|_| corrupt("village_code"))?,
                    welfare: welfare.map(Rupiah::new),
                    desil: desil
                        .and_then(|d| u8::try_from(d).ok())
                        .and_then(Desil::new),
                    size: u32::try_from(size).map_err(|_| corrupt("size"))?,
                };
                out.push(CountedRow { row, counts });
            }
            Ok(out)
        })
        .await
    }

    pub(crate) async fn count(path: PathBuf, text: String) -> Result<u64, StoreError> {
        const ACTION: &str = "counting households by a rule";
        blocking(ACTION, move || {
            let conn = open(&path, ACTION)?;
            let n: i64 = conn
                .query_row(&text, [], |r| r.get(0))
                .map_err(failed(ACTION))?;
            Ok(n.max(0) as u64)
        })
        .await
    }
}

macro_rules! targeting_impl {
    ($db:ty, $store:ty, $ph:expr) => {
        $crate::targeting_facts_sql::targeting_impl!($db, $store, $ph, |_: &$store| -> Option<
            std::path::PathBuf,
        > { None });
    };
    ($db:ty, $store:ty, $ph:expr, $sqlite_file:expr) => {
        use chrono::Utc;
        use sqlx::Row as _;
        use tepat_domain::{Desil, HouseholdFacts, RegionCode, Rupiah};
        use uuid::Uuid;

        use $crate::error::StoreError;
        use $crate::registry::{HouseholdState, RegistryStore, SaveHousehold};
        use $crate::targeting_facts::{CountedRow, EligibleRow, TargetingFactsStore, WelfareRank};
        use $crate::targeting_facts_sql as sql;
        use $crate::targeting_facts_sql::{HouseholdValues, MemberValues};

        type DbRow = <$db as sqlx::Database>::Row;
        type Conn = <$db as sqlx::Database>::Connection;
        type Tx<'c> = sqlx::Transaction<'c, $db>;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn household_from_row(row: &DbRow) -> Result<HouseholdValues, StoreError> {
            Ok(HouseholdValues {
                village_code: get(row, "village_code")?,
                id: get(row, "id")?,
                size: get(row, "size")?,
                desil: get(row, "desil")?,
                welfare: get(row, "welfare")?,
                consumption: get(row, "consumption")?,
                sector: get(row, "sector")?,
                floor: get(row, "floor")?,
                wall: get(row, "wall")?,
                roof: get(row, "roof")?,
                floor_area: get(row, "floor_area")?,
                water: get(row, "water")?,
                sanitation: get(row, "sanitation")?,
                electricity: get(row, "electricity")?,
                cooking_fuel: get(row, "cooking_fuel")?,
                income_band: get(row, "income_band")?,
                owns_house: get(row, "owns_house")?,
                has_motorcycle: get(row, "has_motorcycle")?,
                has_car: get(row, "has_car")?,
                has_refrigerator: get(row, "has_refrigerator")?,
                has_boat: get(row, "has_boat")?,
                livestock: get(row, "livestock")?,
                land: get(row, "land")?,
            })
        }

        fn member_from_row(row: &DbRow) -> Result<MemberValues, StoreError> {
            Ok(MemberValues {
                village_code: get(row, "village_code")?,
                household_id: get(row, "household_id")?,
                position: get(row, "position")?,
                birth: get(row, "birth")?,
                sex: get(row, "sex")?,
                relationship: get(row, "relationship")?,
                sector: get(row, "sector")?,
                disability: get(row, "disability")?,
                chronic_illness: get(row, "chronic_illness")?,
                pregnant: get(row, "pregnant")?,
                school: get(row, "school")?,
            })
        }

        /// Inserts the facts (households, members, active enrolments) with multi-row statements.
        async fn insert_facts(conn: &mut Conn, facts: &[HouseholdFacts]) -> Result<(), StoreError> {
            const ACTION: &str = "writing targeting facts";
            let at = Utc::now();
            for chunk in facts.chunks(sql::HOUSEHOLDS_PER_INSERT) {
                let text = sql::household_insert($ph, chunk.len());
                let mut q = sqlx::query(&text);
                for f in chunk {
                    let v = sql::household_values(f);
                    q = q
                        .bind(v.village_code)
                        .bind(v.id)
                        .bind(v.size)
                        .bind(v.desil)
                        .bind(v.welfare)
                        .bind(v.consumption)
                        .bind(v.sector)
                        .bind(v.floor)
                        .bind(v.wall)
                        .bind(v.roof)
                        .bind(v.floor_area)
                        .bind(v.water)
                        .bind(v.sanitation)
                        .bind(v.electricity)
                        .bind(v.cooking_fuel)
                        .bind(v.income_band)
                        .bind(v.owns_house)
                        .bind(v.has_motorcycle)
                        .bind(v.has_car)
                        .bind(v.has_refrigerator)
                        .bind(v.has_boat)
                        .bind(v.livestock)
                        .bind(v.land)
                        .bind(at);
                }
                q.execute(&mut *conn)
                    .await
                    .map_err(StoreError::db(ACTION))?;
            }
            let members: Vec<MemberValues> = facts.iter().flat_map(sql::member_values).collect();
            for chunk in members.chunks(sql::MEMBERS_PER_INSERT) {
                let text = sql::member_insert($ph, chunk.len());
                let mut q = sqlx::query(&text);
                for m in chunk {
                    q = q
                        .bind(m.village_code.as_str())
                        .bind(m.household_id)
                        .bind(m.position)
                        .bind(m.birth)
                        .bind(m.sex.as_str())
                        .bind(m.relationship.as_str())
                        .bind(m.sector.as_deref())
                        .bind(m.disability.as_deref())
                        .bind(m.chronic_illness)
                        .bind(m.pregnant)
                        .bind(m.school.as_deref());
                }
                q.execute(&mut *conn)
                    .await
                    .map_err(StoreError::db(ACTION))?;
            }
            let today = at.date_naive();
            let enrolments: Vec<(&HouseholdFacts, &String)> = facts
                .iter()
                .flat_map(|f| f.enrolled.iter().map(move |p| (f, p)))
                .collect();
            for chunk in enrolments.chunks(sql::ENROLMENTS_PER_INSERT) {
                let text = sql::enrolment_insert($ph, chunk.len());
                let mut q = sqlx::query(&text);
                for (f, program) in chunk {
                    q = q
                        .bind(f.village.plain().to_owned())
                        .bind(program.as_str())
                        .bind(f.id)
                        .bind(today);
                }
                q.execute(&mut *conn)
                    .await
                    .map_err(StoreError::db(ACTION))?;
            }
            Ok(())
        }

        /// Replaces one household's facts (none unless `active`), keeping the rank it had.
        async fn replace_facts(
            conn: &mut Conn,
            facts: Option<HouseholdFacts>,
            id: Uuid,
        ) -> Result<(), StoreError> {
            const ACTION: &str = "updating targeting facts";
            let rank = sqlx::query(sql::RANK_OF)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(StoreError::db(ACTION))?;
            for statement in [sql::DELETE_MEMBERS, sql::DELETE_HOUSEHOLD] {
                sqlx::query(statement)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map_err(StoreError::db(ACTION))?;
            }
            let Some(mut facts) = facts else {
                return Ok(());
            };
            if let Some(row) = rank {
                let desil: Option<i64> = get(&row, "desil")?;
                let welfare: Option<i64> = get(&row, "welfare")?;
                facts.desil = desil
                    .and_then(|d| u8::try_from(d).ok())
                    .and_then(Desil::new);
                facts.welfare = welfare.map(Rupiah::new);
            }
            insert_facts(conn, std::slice::from_ref(&facts)).await
        }

        /// The registry's save path calls this in its transaction: the household's facts follow it.
        pub(crate) async fn sync_household(
            tx: &mut Tx<'_>,
            save: &SaveHousehold,
        ) -> Result<(), StoreError> {
            let facts = (save.state == HouseholdState::Active)
                .then(|| HouseholdFacts::from_registry(&save.household));
            replace_facts(&mut **tx, facts, save.household.id).await
        }

        impl $store {
            /// Facts of up to [`sql::IDS_PER_QUERY`] households, in the order of `ids`.
            async fn facts_chunk(&self, ids: &[Uuid]) -> Result<Vec<HouseholdFacts>, StoreError> {
                const ACTION: &str = "reading targeting facts";
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut conn = self.pool.acquire().await.map_err(StoreError::db(ACTION))?;
                let households_sql = sql::by_ids(
                    $ph,
                    &format!("{}, updated_at", sql::HOUSEHOLD_COLUMNS),
                    "targeting_household",
                    "id",
                    ids.len(),
                );
                let members_sql = sql::by_ids(
                    $ph,
                    sql::MEMBER_COLUMNS,
                    "targeting_member",
                    "household_id",
                    ids.len(),
                );
                let enrolments_sql = format!(
                    "{} AND state = 'active' ORDER BY program",
                    sql::by_ids(
                        $ph,
                        "household_id, program",
                        "targeting_enrolment",
                        "household_id",
                        ids.len()
                    )
                );
                let mut households = Vec::new();
                let mut members = Vec::new();
                let mut enrolled = Vec::new();
                for (text, which) in [
                    (&households_sql, 0),
                    (&members_sql, 1),
                    (&enrolments_sql, 2),
                ] {
                    let mut q = sqlx::query(text);
                    for id in ids {
                        q = q.bind(*id);
                    }
                    let rows = q
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    for row in &rows {
                        match which {
                            0 => households.push(household_from_row(row)?),
                            1 => {
                                let m = member_from_row(row)?;
                                members.push((m.household_id, m));
                            }
                            _ => enrolled.push((
                                get::<Uuid>(row, "household_id")?,
                                get::<String>(row, "program")?,
                            )),
                        }
                    }
                }
                let mut members = sql::by_household(members);
                let mut enrolled = sql::by_household(enrolled);
                let mut found: std::collections::HashMap<Uuid, HouseholdFacts> = households
                    .iter()
                    .map(|h| {
                        let f = sql::facts_from(
                            h,
                            members.remove(&h.id).unwrap_or_default(),
                            enrolled.remove(&h.id).unwrap_or_default(),
                        )?;
                        Ok((h.id, f))
                    })
                    .collect::<Result<_, StoreError>>()?;
                Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
            }
        }

        impl $store {
            /// The households an `eligible` query (`sql::eligible*`) returns, in key order.
            async fn eligible_rows(&self, text: String) -> Result<Vec<EligibleRow>, StoreError> {
                let rows = self.counted_rows(text, 0).await?;
                Ok(rows.into_iter().map(|r| r.row).collect())
            }

            /// The households a `sql::counted` query with `counts` count columns returns, in key order.
            async fn counted_rows(
                &self,
                text: String,
                counts: usize,
            ) -> Result<Vec<CountedRow>, StoreError> {
                const ACTION: &str = "selecting households by a rule";
                if let Some(file) = ($sqlite_file)(self) {
                    return sql::sqlite_reader::counted(file, text, counts)
                        .await
                        .map(sql::in_key_order);
                }
                sqlx::query(&text)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db(ACTION))?
                    .iter()
                    .map(|row| {
                        let village: String = get(row, "village_code")?;
                        let desil: Option<i64> = get(row, "desil")?;
                        let size: i64 = get(row, "size")?;
                        // The count columns follow the household's five.
                        let counts = (0..counts)
                            .map(|i| row.try_get::<i64, _>(5 + i))
                            .collect::<Result<Vec<i64>, _>>()
                            .map_err(|e| StoreError::Corrupt {
                                what: format!("a member count: {e}"),
                            })?;
                        let row = EligibleRow {
                            id: get(row, "id")?,
                            village: RegionCode::parse(&village).map_err(|_| {
                                StoreError::Corrupt {
                                    what: "targeting_household.village_code".into(),
                                }
                            })?,
                            welfare: get::<Option<i64>>(row, "welfare")?.map(Rupiah::new),
                            desil: desil
                                .and_then(|d| u8::try_from(d).ok())
                                .and_then(Desil::new),
                            size: u32::try_from(size).unwrap_or(0),
                        };
                        Ok(CountedRow { row, counts })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
                    .map(sql::in_key_order)
            }
        }

        #[async_trait::async_trait]
        impl TargetingFactsStore for $store {
            async fn load_targeting_facts(
                &self,
                facts: &[HouseholdFacts],
            ) -> Result<u64, StoreError> {
                const ACTION: &str = "loading targeting facts";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                insert_facts(&mut *tx, facts).await?;
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(facts.len() as u64)
            }

            async fn select_households(
                &self,
                condition_sql: &str,
            ) -> Result<Vec<EligibleRow>, StoreError> {
                self.eligible_rows(sql::eligible(condition_sql)).await
            }

            async fn select_observed(
                &self,
                condition_sql: &str,
            ) -> Result<Vec<EligibleRow>, StoreError> {
                let condition = format!("h.consumption IS NOT NULL AND ({condition_sql})");
                self.eligible_rows(sql::eligible_with("h.consumption", &condition))
                    .await
            }

            async fn select_counted(
                &self,
                condition_sql: &str,
                counts_sql: &[String],
                observed: bool,
            ) -> Result<Vec<CountedRow>, StoreError> {
                let text = match observed {
                    true => sql::counted(
                        "h.consumption",
                        &format!("h.consumption IS NOT NULL AND ({condition_sql})"),
                        counts_sql,
                    ),
                    false => sql::counted("h.welfare", condition_sql, counts_sql),
                };
                self.counted_rows(text, counts_sql.len()).await
            }

            async fn count_households(&self, condition_sql: &str) -> Result<u64, StoreError> {
                if let Some(file) = ($sqlite_file)(self) {
                    return sql::sqlite_reader::count(file, sql::count(condition_sql)).await;
                }
                let n: i64 = sqlx::query_scalar(&sql::count(condition_sql))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::db("counting households by a rule"))?;
                Ok(n.max(0) as u64)
            }

            async fn targeting_facts(
                &self,
                ids: &[Uuid],
            ) -> Result<Vec<HouseholdFacts>, StoreError> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(sql::IDS_PER_QUERY) {
                    out.extend(self.facts_chunk(chunk).await?);
                }
                Ok(out)
            }

            async fn for_each_targeting_facts(
                &self,
                regency: &RegionCode,
                batch: u32,
                each: &mut (dyn FnMut(Vec<HouseholdFacts>) + Send),
            ) -> Result<u64, StoreError> {
                let (from, to) = $crate::sql::code_range(regency.plain());
                let mut after = (String::new(), Uuid::nil());
                let mut total = 0u64;
                loop {
                    let keys: Vec<(String, Uuid)> = sqlx::query(sql::PAGE)
                        .bind(from.as_str())
                        .bind(to.as_str())
                        .bind(after.0.as_str())
                        .bind(after.1)
                        .bind(i64::from(batch.max(1)))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(StoreError::db("paging targeting facts"))?
                        .iter()
                        .map(|row| Ok((get(row, "village_code")?, get(row, "id")?)))
                        .collect::<Result<_, StoreError>>()?;
                    let Some(last) = keys.last().cloned() else {
                        return Ok(total);
                    };
                    let ids: Vec<Uuid> = keys.iter().map(|(_, id)| *id).collect();
                    let facts = self.targeting_facts(&ids).await?;
                    total += facts.len() as u64;
                    each(facts);
                    after = last;
                }
            }

            async fn set_welfare(&self, ranks: &[WelfareRank]) -> Result<u64, StoreError> {
                const ACTION: &str = "storing welfare ranks";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                let mut changed = 0;
                for chunk in ranks.chunks(sql::IDS_PER_QUERY) {
                    let text = sql::rank_update($ph, chunk.len());
                    let mut q = sqlx::query(&text);
                    for r in chunk {
                        q = q
                            .bind(r.household)
                            .bind(r.welfare.amount())
                            .bind(i64::from(r.desil.get()));
                    }
                    changed += q
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?
                        .rows_affected();
                }
                tx.commit().await.map_err(StoreError::db(ACTION))?;
                Ok(changed)
            }

            async fn rebuild_targeting_facts(&self, batch: u32) -> Result<u64, StoreError> {
                const ACTION: &str = "rebuilding targeting facts";
                let mut after = Uuid::nil();
                let mut total = 0u64;
                loop {
                    let ids: Vec<Uuid> = sqlx::query_scalar(sql::ACTIVE_HOUSEHOLDS_AFTER)
                        .bind(after)
                        .bind(i64::from(batch.max(1)))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                    let Some(last) = ids.last().copied() else {
                        return Ok(total);
                    };
                    let mut households = Vec::with_capacity(ids.len());
                    for id in &ids {
                        if let Some(stored) = self.registry_household(*id).await? {
                            households.push(HouseholdFacts::from_registry(&stored.household));
                        }
                    }
                    let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                    for facts in households {
                        let id = facts.id;
                        replace_facts(&mut *tx, Some(facts), id).await?;
                        total += 1;
                    }
                    tx.commit().await.map_err(StoreError::db(ACTION))?;
                    after = last;
                }
            }
        }
    };
}
pub(crate) use targeting_impl;
