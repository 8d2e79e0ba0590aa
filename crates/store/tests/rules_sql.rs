//! A rule compiled to SQL selects exactly the households the same rule selects in Rust, on SQLite and on
//! PostgreSQL: random households (missing answers, no members, heads, children, pregnancies, disabilities,
//! enrolments in every state) and many random well-typed rules over the real targeting schema, plus a few
//! rules whose answers are reasoned out by hand.
//!
//! The tables are the targeting contract's (migration 0010), created here so that this test pins the
//! contract rather than whichever migration is current; only the foreign key to `region` is left out.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, PgConnection};
use tepat_domain::person::{Relationship, Sex};
use tepat_domain::rules::{FieldType, Rule, Schema, Scope, Subject, Value, MAX_DEPTH};
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, IncomeBand, Roof, Sanitation, SchoolLevel, Sector,
    Wall, Water,
};
use tepat_domain::targeting::{date_number, schema, NATIONAL_PROGRAMS};
use tepat_domain::targeting_sql::TargetingColumns;
use tepat_domain::{
    Desil, HouseholdFacts, HouseholdSurvey, MemberFacts, MemberSurvey, RegionCode, Rupiah,
};
use uuid::Uuid;

const HOUSEHOLDS: usize = 300;
const RULES: usize = 400;

fn on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The contract's tables in SQLite's form; PostgreSQL's replaces the types (see [`postgres_ddl`]).
const SQLITE_DDL: &str = "
CREATE TABLE targeting_household (
    village_code TEXT NOT NULL, id BLOB NOT NULL, size INTEGER NOT NULL, desil INTEGER, welfare INTEGER,
    consumption INTEGER, sector TEXT, floor TEXT, wall TEXT, roof TEXT, floor_area INTEGER, water TEXT,
    sanitation TEXT, electricity TEXT, cooking_fuel TEXT, income_band TEXT, owns_house INTEGER,
    has_motorcycle INTEGER, has_car INTEGER, has_refrigerator INTEGER, has_boat INTEGER,
    livestock INTEGER, land INTEGER, updated_at TEXT NOT NULL,
    PRIMARY KEY (village_code, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX targeting_household_id ON targeting_household (id);
CREATE TABLE targeting_member (
    village_code TEXT NOT NULL, household_id BLOB NOT NULL, position INTEGER NOT NULL,
    birth INTEGER NOT NULL, sex TEXT NOT NULL, relationship TEXT NOT NULL, sector TEXT, disability TEXT,
    chronic_illness INTEGER, pregnant INTEGER, school TEXT,
    PRIMARY KEY (household_id, position)
) WITHOUT ROWID;
CREATE TABLE targeting_enrolment (
    village_code TEXT NOT NULL, program TEXT NOT NULL, household_id BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'graduated')),
    PRIMARY KEY (program, household_id)
);";

fn postgres_ddl() -> String {
    SQLITE_DDL
        .replace(") WITHOUT ROWID;", ");")
        .replace("BLOB", "UUID")
        .replace("INTEGER", "BIGINT")
        .replace(
            "owns_house BIGINT,\n    has_motorcycle BIGINT, has_car BIGINT, has_refrigerator BIGINT, has_boat BIGINT",
            "owns_house BOOLEAN,\n    has_motorcycle BOOLEAN, has_car BOOLEAN, has_refrigerator BOOLEAN, has_boat BOOLEAN",
        )
        .replace(
            "chronic_illness BIGINT, pregnant BIGINT",
            "chronic_illness BOOLEAN, pregnant BOOLEAN",
        )
}

/// One value to store, typed so that PostgreSQL gets a typed NULL.
#[derive(Debug, Clone)]
enum Cell {
    Id(Uuid),
    Int(Option<i64>),
    Bool(Option<bool>),
    Text(Option<String>),
}

/// A row: its table, columns and values.
struct Row {
    table: &'static str,
    cells: Vec<(&'static str, Cell)>,
}

impl Row {
    fn insert(&self, placeholder: impl Fn(usize) -> String) -> String {
        let names: Vec<&str> = self.cells.iter().map(|(n, _)| *n).collect();
        let marks: Vec<String> = (1..=names.len()).map(placeholder).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.table,
            names.join(", "),
            marks.join(", ")
        )
    }
}

/// The rows that store a household: its row (from what the rule subject reads, so that the columns
/// hold exactly the facts), its members in order, and its enrolments, with `extra` enrolments that are
/// not active (which no rule may count).
fn rows(h: &HouseholdFacts, extra: &[(&str, &str)]) -> Vec<Row> {
    let facts = h.on(on());
    let village = Cell::Text(Some(h.village.to_string()));
    let mut cells = vec![
        ("village_code", village.clone()),
        ("id", Cell::Id(h.id)),
        ("consumption", Cell::Int(None)),
        (
            "updated_at",
            Cell::Text(Some("2026-11-23T00:00:00Z".into())),
        ),
    ];
    let schema = schema();
    for (i, f) in schema.fields().iter().enumerate() {
        let is_program = NATIONAL_PROGRAMS.iter().any(|(name, _)| *name == f.name);
        if f.scope == Scope::Household && !is_program {
            cells.push((f.name, cell(f.ty, facts.value(i))));
        }
    }
    let mut out = vec![Row {
        table: "targeting_household",
        cells,
    }];
    for (position, m) in h.members.iter().enumerate() {
        let s = m.survey.as_ref();
        out.push(Row {
            table: "targeting_member",
            cells: vec![
                ("village_code", village.clone()),
                ("household_id", Cell::Id(h.id)),
                ("position", Cell::Int(Some(position as i64))),
                ("birth", Cell::Int(Some(date_number(m.birth_date)))),
                ("sex", Cell::Text(Some(m.sex.letter().into()))),
                (
                    "relationship",
                    Cell::Text(Some(m.relationship.code().into())),
                ),
                ("sector", Cell::Text(s.map(|s| s.sector.code().into()))),
                (
                    "disability",
                    Cell::Text(s.map(|s| s.disability.code().into())),
                ),
                ("chronic_illness", Cell::Bool(s.map(|s| s.chronic_illness))),
                ("pregnant", Cell::Bool(s.map(|s| s.pregnant))),
                (
                    "school",
                    Cell::Text(s.map(|s| s.school_level.code().into())),
                ),
            ],
        });
    }
    let enrolments = h.enrolled.iter().map(|p| (p.as_str(), "active"));
    for (program, state) in enrolments.chain(extra.iter().copied()) {
        out.push(Row {
            table: "targeting_enrolment",
            cells: vec![
                ("village_code", village.clone()),
                ("program", Cell::Text(Some(program.into()))),
                ("household_id", Cell::Id(h.id)),
                ("state", Cell::Text(Some(state.into()))),
            ],
        });
    }
    out
}

fn cell(ty: FieldType, v: Option<Value<'_>>) -> Cell {
    match ty {
        FieldType::Int => Cell::Int(v.map(|v| match v {
            Value::Int(n) => n,
            other => panic!("{other:?} for a number"),
        })),
        FieldType::Bool => Cell::Bool(v.map(|v| v == Value::Bool(true))),
        FieldType::Code(_) => Cell::Text(v.map(|v| match v {
            Value::Text(t) => t.to_owned(),
            other => panic!("{other:?} for a code"),
        })),
    }
}

// ---------------------------------------------------------------------------------------------------
// Random households

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn survey(rng: &mut StdRng) -> HouseholdSurvey {
    HouseholdSurvey {
        floor: pick(rng, Floor::ALL),
        wall: pick(rng, Wall::ALL),
        roof: pick(rng, Roof::ALL),
        floor_area_m2: pick(rng, &[0, 18, 36, 54, 120, u32::MAX]),
        water: pick(rng, Water::ALL),
        sanitation: pick(rng, Sanitation::ALL),
        electricity: pick(rng, Electricity::ALL),
        cooking_fuel: pick(rng, CookingFuel::ALL),
        income_band: pick(rng, IncomeBand::ALL),
        owns_house: rng.random(),
        has_motorcycle: rng.random(),
        has_car: rng.random_bool(0.2),
        has_refrigerator: rng.random(),
        has_boat: rng.random_bool(0.2),
        livestock_units: pick(rng, &[0, 0, 1, 3, 10]),
        land_m2: pick(rng, &[0, 0, 500, 2_000, 10_000, u32::MAX]),
        consumption_per_capita: None,
    }
}

fn member(rng: &mut StdRng, relationship: Relationship) -> MemberFacts {
    let birth = if rng.random_bool(0.25) {
        // Children, some around their sixth birthday on the reference date.
        date(rng.random_range(2016..=2026), rng.random_range(1..=12), 28)
    } else {
        date(
            rng.random_range(1930..=2010),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
        )
    };
    MemberFacts {
        birth_date: birth,
        sex: if rng.random() {
            Sex::LakiLaki
        } else {
            Sex::Perempuan
        },
        relationship,
        survey: rng.random_bool(0.7).then(|| MemberSurvey {
            sector: pick(rng, Sector::ALL),
            disability: pick(
                rng,
                &[
                    Disability::Tidak,
                    Disability::Tidak,
                    Disability::Ringan,
                    Disability::Berat,
                ],
            ),
            chronic_illness: rng.random_bool(0.2),
            pregnant: rng.random_bool(0.15),
            school_level: pick(rng, SchoolLevel::ALL),
        }),
    }
}

fn household(rng: &mut StdRng) -> (HouseholdFacts, Vec<(&'static str, &'static str)>) {
    let size = if rng.random_bool(0.1) {
        0
    } else {
        rng.random_range(1..=7)
    };
    let mut members = Vec::new();
    for i in 0..size {
        let relationship = if i == 0 && rng.random_bool(0.85) {
            Relationship::KepalaKeluarga
        } else {
            pick(rng, &Relationship::ALL[1..])
        };
        members.push(member(rng, relationship));
    }
    let mut enrolled = Vec::new();
    let mut inactive = Vec::new();
    for (_, program) in NATIONAL_PROGRAMS {
        match rng.random_range(0..6) {
            0 | 1 => enrolled.push(program.to_owned()),
            2 => inactive.push((program, pick(rng, &["suspended", "graduated"]))),
            _ => {}
        }
    }
    let facts = HouseholdFacts {
        id: Uuid::from_u128(rng.random()),
        village: RegionCode::parse(pick(rng, &["3201010001", "3201010002"])).unwrap(),
        survey: rng.random_bool(0.8).then(|| survey(rng)),
        members,
        desil: rng
            .random_bool(0.8)
            .then(|| Desil::new(rng.random_range(1..=10)).unwrap()),
        welfare: rng.random_bool(0.7).then(|| {
            Rupiah::new(pick(
                rng,
                &[0, 350_000, 600_000, 900_000, 1_500_000, 10_000_000_000_000],
            ))
        }),
        enrolled,
    };
    (facts, inactive)
}

// ---------------------------------------------------------------------------------------------------
// Random rules, as the text an officer would type

struct RuleGen {
    rng: StdRng,
    schema: Schema,
}

impl RuleGen {
    fn fields(&self, member: bool, want: impl Fn(FieldType) -> bool) -> Vec<usize> {
        let schema = &self.schema;
        (0..schema.fields().len())
            .filter(|&i| {
                let f = &schema.fields()[i];
                want(f.ty) && (f.scope == Scope::Household || member)
            })
            .filter(|&i| {
                // Inside a quantifier a member field hides the household field of the same name.
                let f = &schema.fields()[i];
                !(member
                    && f.scope == Scope::Household
                    && schema
                        .fields()
                        .iter()
                        .any(|g| g.scope == Scope::Member && g.name == f.name))
            })
            .collect()
    }

    fn field(&mut self, member: bool, want: impl Fn(FieldType) -> bool) -> usize {
        let mut fields = self.fields(member, want);
        // Inside a quantifier, mostly the member's own fields.
        let own: Vec<usize> = fields
            .iter()
            .copied()
            .filter(|&i| self.schema.fields()[i].scope == Scope::Member)
            .collect();
        if !own.is_empty() && self.rng.random_bool(0.7) {
            fields = own;
        }
        fields[self.rng.random_range(0..fields.len())]
    }

    fn literal(&mut self, field: Option<&str>) -> i64 {
        let typical: &[i64] = match field {
            Some("desil") => &[1, 3, 4, 5, 8],
            Some("welfare") => &[400_000, 700_000, 1_000_000],
            Some("size") => &[0, 1, 3, 5],
            Some("age") => &[6, 18, 60, 0],
            Some("floor_area" | "land") => &[8, 40, 1_000],
            _ => &[0, 1, 2, 3, 6, 10, 1_000_000, i64::MAX],
        };
        pick(&mut self.rng, typical)
    }

    fn boolean(&mut self, depth: u32, member: bool) -> String {
        let choice = if depth == 0 {
            self.rng.random_range(0..4)
        } else {
            self.rng.random_range(0..12)
        };
        match choice {
            0 => self.field_name(member, |t| t == FieldType::Bool),
            1 => self.code_test(member),
            2 | 3 => self.int_test(depth, member),
            4 => format!("not ({})", self.boolean(depth - 1, member)),
            5 | 6 => format!(
                "({}) and ({})",
                self.boolean(depth - 1, member),
                self.boolean(depth - 1, member)
            ),
            7 | 8 => format!(
                "({}) or ({})",
                self.boolean(depth - 1, member),
                self.boolean(depth - 1, member)
            ),
            9 if !member => {
                let q = pick(&mut self.rng, &["any", "all"]);
                format!("{q}(member, {})", self.boolean(depth - 1, true))
            }
            10 => format!(
                "({}) {} ({})",
                self.boolean(depth - 1, member),
                pick(&mut self.rng, &["==", "!="]),
                self.boolean(depth - 1, member)
            ),
            11 => pick(&mut self.rng, &["true", "false"]).to_owned(),
            _ => self.int_test(depth, member),
        }
    }

    fn field_name(&mut self, member: bool, want: impl Fn(FieldType) -> bool) -> String {
        let index = self.field(member, want);
        self.name(index)
    }

    fn name(&self, index: usize) -> String {
        self.schema.fields()[index].name.to_owned()
    }

    fn code_test(&mut self, member: bool) -> String {
        let index = self.field(member, |t| matches!(t, FieldType::Code(_)));
        let FieldType::Code(codes) = self.schema.fields()[index].ty else {
            unreachable!()
        };
        let name = self.name(index);
        let code = |rng: &mut StdRng| format!("\"{}\"", pick(rng, codes));
        match self.rng.random_range(0..3) {
            0 => format!(
                "{name} {} {}",
                pick(&mut self.rng, &["==", "!="]),
                code(&mut self.rng)
            ),
            _ => {
                let n = self.rng.random_range(0..4);
                let items: Vec<String> = (0..n).map(|_| code(&mut self.rng)).collect();
                let not = if self.rng.random() { "not " } else { "" };
                format!("{name} {not}in [{}]", items.join(", "))
            }
        }
    }

    fn int_test(&mut self, depth: u32, member: bool) -> String {
        match self.rng.random_range(0..4) {
            // Field against a typical value: the rules that split households.
            0 | 1 => {
                let index = self.field(member, |t| t == FieldType::Int);
                let name = self.name(index);
                let op = pick(&mut self.rng, &["<", "<=", ">", ">=", "==", "!="]);
                format!("{name} {op} {}", self.literal(Some(&name)))
            }
            2 => {
                let index = self.field(member, |t| t == FieldType::Int);
                let name = self.name(index);
                let n = self.rng.random_range(0..4);
                let mut items: Vec<String> = (0..n)
                    .map(|_| self.literal(Some(&name)).to_string())
                    .collect();
                if self.rng.random_bool(0.4) {
                    let other = self.field(member, |t| t == FieldType::Int);
                    items.push(format!("-{}", self.name(other)));
                }
                let not = if self.rng.random() { "not " } else { "" };
                format!("{name} {not}in [{}]", items.join(", "))
            }
            _ => {
                let op = pick(&mut self.rng, &["<", "<=", ">", ">=", "==", "!="]);
                format!(
                    "({}) {op} ({})",
                    self.int(depth.saturating_sub(1), member),
                    self.int(depth.saturating_sub(1), member)
                )
            }
        }
    }

    fn int(&mut self, depth: u32, member: bool) -> String {
        let choice = if depth == 0 {
            self.rng.random_range(0..2)
        } else {
            self.rng.random_range(0..7)
        };
        match choice {
            0 => self.field_name(member, |t| t == FieldType::Int),
            1 => self.literal(None).to_string(),
            2..=4 => format!(
                "({}) {} ({})",
                self.int(depth - 1, member),
                pick(&mut self.rng, &["+", "-", "*"]),
                self.int(depth - 1, member)
            ),
            5 => format!("-({})", self.int(depth - 1, member)),
            _ if member => self.field_name(member, |t| t == FieldType::Int),
            _ => match self.rng.random_range(0..2) {
                0 => "count(member)".to_owned(),
                _ => format!("count(member, {})", self.boolean(depth - 1, true)),
            },
        }
    }
}

fn random_rules() -> Vec<Rule> {
    let mut generator = RuleGen {
        rng: StdRng::seed_from_u64(6),
        schema: schema(),
    };
    (0..RULES)
        .map(|_| {
            let depth = generator.rng.random_range(1..=4);
            let text = generator.boolean(depth, false);
            Rule::compile(&text, &generator.schema)
                .unwrap_or_else(|e| panic!("the generator wrote an ill-typed rule {text:?}: {e:?}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Hand-written households and rules whose answers are reasoned out

fn known_households() -> Vec<(HouseholdFacts, Vec<(&'static str, &'static str)>)> {
    let village = RegionCode::parse("3201010003").unwrap();
    let plain = |relationship, birth| MemberFacts {
        birth_date: birth,
        sex: Sex::Perempuan,
        relationship,
        survey: None,
    };
    // A: ranked poor, a head of 46 and a child of 4, enrolled in PKH.
    let a = HouseholdFacts {
        id: Uuid::from_u128(0xA),
        village,
        survey: None,
        members: vec![
            plain(Relationship::KepalaKeluarga, date(1980, 5, 1)),
            plain(Relationship::Anak, date(2022, 1, 1)),
        ],
        desil: Desil::new(2),
        welfare: None,
        enrolled: vec!["PKH".into()],
    };
    // B: not ranked, nobody active, no survey.
    let b = HouseholdFacts {
        id: Uuid::from_u128(0xB),
        village,
        survey: None,
        members: vec![],
        desil: None,
        welfare: None,
        enrolled: vec![],
    };
    // C: desil 7, one head of 76 with a severe disability; graduated from PKH (not active).
    let mut head = plain(Relationship::KepalaKeluarga, date(1950, 1, 1));
    head.survey = Some(MemberSurvey {
        sector: Sector::TidakBekerja,
        disability: Disability::Berat,
        chronic_illness: true,
        pregnant: false,
        school_level: SchoolLevel::TidakSekolah,
    });
    let c = HouseholdFacts {
        id: Uuid::from_u128(0xC),
        village,
        survey: None,
        members: vec![head],
        desil: Desil::new(7),
        welfare: None,
        enrolled: vec![],
    };
    vec![(a, vec![]), (b, vec![]), (c, vec![("PKH", "graduated")])]
}

/// Rules over A, B, C (above) and which of them each selects.
const KNOWN: &[(&str, &str)] = &[
    ("desil <= 4 and any(member, age < 6)", "A"),
    ("all(member, age >= 60)", "BC"), // B vacuously
    ("not receives_pkh", "BC"),       // C's PKH is graduated
    ("count(member) == 0", "B"),
    ("desil > 4 or size == 0", "BC"), // B: unknown or true
    ("not (desil <= 4)", "C"),        // B: not unknown is unknown
    ("any(member, disability == \"berat\")", "C"),
    ("desil in [2, 7]", "AC"),
    ("desil not in [2]", "C"),
    ("size in [-desil, 2]", "A"),
    // B: size 0 is neither -desil (unknown, so not equal) nor 2: true, where SQL's NOT IN would be unknown.
    ("size not in [-desil, 2]", "BC"),
    ("count(member, age >= 18) * 2 == size", "AB"), // A: one adult of two; B: 0 == 0; C: 2 != 1
];

fn letter(id: Uuid) -> Option<char> {
    match id.as_u128() {
        0xA => Some('A'),
        0xB => Some('B'),
        0xC => Some('C'),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------------
// The databases

fn sqlite_bind(cell: &Cell) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match cell {
        Cell::Id(id) => V::Blob(id.as_bytes().to_vec()),
        Cell::Int(n) => n.map_or(V::Null, V::Integer),
        Cell::Bool(b) => b.map_or(V::Null, |b| V::Integer(i64::from(b))),
        Cell::Text(t) => t.clone().map_or(V::Null, V::Text),
    }
}

fn sqlite_database(rows: &[Row]) -> (tempfile::TempDir, rusqlite::Connection) {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = rusqlite::Connection::open(dir.path().join("rules.db")).unwrap();
    conn.execute_batch(SQLITE_DDL).unwrap();
    let tx = conn.transaction().unwrap();
    for row in rows {
        let values: Vec<rusqlite::types::Value> =
            row.cells.iter().map(|(_, c)| sqlite_bind(c)).collect();
        tx.execute(
            &row.insert(|_| "?".into()),
            rusqlite::params_from_iter(values),
        )
        .unwrap();
    }
    tx.commit().unwrap();
    (dir, conn)
}

fn sqlite_select(conn: &rusqlite::Connection, sql: &str) -> BTreeSet<Uuid> {
    let query = format!("SELECT h.id FROM targeting_household h WHERE {sql}");
    let mut stmt = conn
        .prepare(&query)
        .unwrap_or_else(|e| panic!("SQLite rejects {query}: {e}"));
    let ids = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap_or_else(|e| panic!("SQLite fails on {query}: {e}"));
    ids.map(|id| Uuid::from_slice(&id.unwrap()).unwrap())
        .collect()
}

async fn postgres_fill(conn: &mut PgConnection, rows: &[Row]) {
    for statement in postgres_ddl().split(';').filter(|s| !s.trim().is_empty()) {
        sqlx::query(statement).execute(&mut *conn).await.unwrap();
    }
    let mut tx = conn.begin().await.unwrap();
    for row in rows {
        let sql = row.insert(|i| format!("${i}"));
        let mut q = sqlx::query(&sql);
        for (_, c) in &row.cells {
            q = match c {
                Cell::Id(id) => q.bind(*id),
                Cell::Int(n) => q.bind(*n),
                Cell::Bool(b) => q.bind(*b),
                Cell::Text(t) => q.bind(t.clone()),
            };
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn postgres_select(conn: &mut PgConnection, sql: &str) -> BTreeSet<Uuid> {
    let query = format!("SELECT h.id FROM targeting_household h WHERE {sql}");
    sqlx::query_scalar::<_, Uuid>(&query)
        .fetch_all(conn)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL fails on {query}: {e}"))
        .into_iter()
        .collect()
}

// ---------------------------------------------------------------------------------------------------

struct Data {
    households: Vec<HouseholdFacts>,
    rows: Vec<Row>,
}

fn data() -> Data {
    let mut rng = StdRng::seed_from_u64(2026);
    let mut all: Vec<_> = (0..HOUSEHOLDS).map(|_| household(&mut rng)).collect();
    all.extend(known_households());
    let rows = all.iter().flat_map(|(h, extra)| rows(h, extra)).collect();
    Data {
        households: all.into_iter().map(|(h, _)| h).collect(),
        rows,
    }
}

/// Panics, naming the rule, its SQL and a few households it disagrees on, unless the sets are equal.
fn same(database: &str, rule: &Rule, sql: &str, got: &BTreeSet<Uuid>, rust: &BTreeSet<Uuid>) {
    let differ: Vec<&Uuid> = got.symmetric_difference(rust).take(3).collect();
    assert!(
        differ.is_empty(),
        "{database} and Rust disagree on {} households (e.g. {differ:?}) for {}\n{sql}",
        got.symmetric_difference(rust).count(),
        rule.source()
    );
}

fn rust_select(rule: &Rule, households: &[HouseholdFacts]) -> BTreeSet<Uuid> {
    households
        .iter()
        .filter(|h| rule.selects(&h.on(on())))
        .map(|h| h.id)
        .collect()
}

#[tokio::test]
async fn sql_and_rust_select_the_same_households() {
    let url = std::env::var("TEPAT_TEST_POSTGRES_URL").expect(
        "TEPAT_TEST_POSTGRES_URL names the PostgreSQL database this test creates a schema in",
    );
    let schema_name = format!("rules_sql_{}", Uuid::now_v7().simple());
    let mut admin = PgConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema_name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let outcome = tokio::spawn(compare(url, schema_name.clone())).await;
    sqlx::query(&format!("DROP SCHEMA {schema_name} CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn compare(url: String, schema_name: String) {
    let data = data();
    let (_dir, sqlite) = sqlite_database(&data.rows);
    let mut pg = PgConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("SET search_path TO {schema_name}"))
        .execute(&mut pg)
        .await
        .unwrap();
    postgres_fill(&mut pg, &data.rows).await;
    let columns = TargetingColumns::new(on());
    let schema = schema();

    for (text, expected) in KNOWN {
        let rule = Rule::compile(text, &schema).unwrap();
        let sql = rule.to_sql(&columns).unwrap();
        let known =
            |ids: BTreeSet<Uuid>| -> String { ids.into_iter().filter_map(letter).collect() };
        assert_eq!(
            known(rust_select(&rule, &data.households)),
            *expected,
            "Rust: {text}"
        );
        assert_eq!(
            known(sqlite_select(&sqlite, &sql)),
            *expected,
            "SQLite: {text}"
        );
        assert_eq!(
            known(postgres_select(&mut pg, &sql).await),
            *expected,
            "PostgreSQL: {text}"
        );
    }

    // The deepest rules that still compile run on both databases (SQLite stops at 1000 levels).
    let deepest = [
        format!("{}desil > 3", "not ".repeat(MAX_DEPTH - 2)),
        format!(
            "{}any(member, age in [{}])",
            "not ".repeat(MAX_DEPTH / 2),
            vec!["-size"; MAX_DEPTH / 2 - 4].join(", ")
        ),
    ];
    for text in &deepest {
        let rule = Rule::compile(text, &schema).unwrap();
        let sql = rule.to_sql(&columns).unwrap();
        let rust = rust_select(&rule, &data.households);
        same("SQLite", &rule, &sql, &sqlite_select(&sqlite, &sql), &rust);
        same(
            "PostgreSQL",
            &rule,
            &sql,
            &postgres_select(&mut pg, &sql).await,
            &rust,
        );
    }

    let total = data.households.len();
    let (mut compiled, mut splitting) = (0, 0);
    for rule in random_rules() {
        let rust = rust_select(&rule, &data.households);
        if (1..total).contains(&rust.len()) {
            splitting += 1;
        }
        let Ok(sql) = rule.to_sql(&columns) else {
            continue;
        };
        compiled += 1;
        same("SQLite", &rule, &sql, &sqlite_select(&sqlite, &sql), &rust);
        same(
            "PostgreSQL",
            &rule,
            &sql,
            &postgres_select(&mut pg, &sql).await,
            &rust,
        );
    }
    assert!(
        compiled * 10 >= RULES * 9,
        "only {compiled} of {RULES} rules compiled to SQL"
    );
    assert!(
        splitting * 3 >= RULES,
        "only {splitting} of {RULES} rules select some but not all"
    );
    let _ = pg.close().await;
}
