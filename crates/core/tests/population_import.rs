//! The population import against real databases: a temporary SQLite file, and PostgreSQL when
//! `TEPAT_TEST_POSTGRES_URL` is set (required when `CI=true`).

mod common;

use chrono::NaiveDate;
use common::{report_entries, row, rows, set, write, Row};
use tepat_core::population::{import_population, ImportError, COLUMNS};
use tepat_domain::{RegionCode, Relationship};
use tepat_regions::RegionTable;
use tepat_store::testing::{sample, TestDb};
use tepat_store::PopulationTotals;

tepat_store::on_every_backend!(
    every_kind_of_bad_row_is_reported,
    reimport_changes_nothing,
    newer_extract_updates_deaths_and_moves,
    non_utf8_in_the_middle_leaves_the_database_unchanged,
    write_error_mid_file_leaves_the_database_unchanged,
    header_errors_name_the_file_and_column,
);

const KOTA: &str = "19.02.01.1001";
const PARIT: &str = "19.02.01.1002";
const SELAT_NASIK: &str = "19.02.03.2001";

fn regions() -> &'static RegionTable {
    RegionTable::embedded()
}

fn person(village: &str, family: u16, serial: u16, rel: Relationship) -> Row {
    row(&sample::person(village, family, serial, rel))
}

#[test]
fn the_documented_header() {
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.name()).collect();
    assert_eq!(names, common::HEADER);
}

async fn every_kind_of_bad_row_is_reported(db: TestDb) {
    use Relationship::*;
    let (_tmp, dir) = common::dir();
    let file = dir.join("penduduk.csv");
    // A valid head whose NIK we break in different ways on member rows of the same household.
    let head = person(KOTA, 1, 1, KepalaKeluarga);
    let member = |serial| person(KOTA, 1, serial, Anak);
    let mut spouse = person(KOTA, 1, 2, SuamiIstri);
    spouse = set(spouse, "address", "Jl. Melati, Gg. \"Buntu\" No. 3");
    let mut lines: Vec<(Row, Option<&str>)> = vec![
        (head.clone(), None),                               // 2
        (spouse, None),                                     // 3
        (set(member(3), "death_date", "2024-02-29"), None), // 4
        (
            set(member(4), "nik", "1902013201900004"),
            Some("nik_invalid_day"),
        ), // 5
        (set(member(5), "nik", "190201010190005"), Some("nik_length")), // 6
        (
            set(member(6), "nik", "19020101019o0006"),
            Some("nik_non_digit"),
        ), // 7
        (
            set(member(7), "nik", "9999990101900007"),
            Some("nik_unknown_district"),
        ), // 8
        (
            set(member(8), "nik", "1902010113900008"),
            Some("nik_invalid_month"),
        ), // 9
        (
            set(member(9), "nik", "1902013102900009"),
            Some("nik_impossible_date"),
        ), // 10
        (
            set(member(10), "nik", "1902010101900000"),
            Some("nik_serial_zero"),
        ), // 11
        (set(member(11), "nik", ""), Some("nik_empty")),    // 12
    ];
    // NIK and record disagree.
    let m = sample::person(KOTA, 1, 12, Anak); // even serial: a woman
    lines.push((set(row(&m), "sex", "L"), Some("nik_sex_mismatch"))); // 13
    let mut m = sample::person(KOTA, 1, 13, Anak);
    m.birth_date = NaiveDate::from_ymd_opt(1985, 3, 7).unwrap();
    m.nik = tepat_domain::Nik::from_parts(m.village.parent().unwrap(), m.sex, m.birth_date, 13)
        .unwrap();
    lines.push((
        set(row(&m), "birth_date", "1985-07-03"),
        Some("nik_birth_date_swapped"),
    )); // 14
    lines.push((
        set(member(14), "birth_date", "1901-01-01"),
        Some("nik_birth_date_mismatch"),
    )); // 15
    lines.push((
        set(member(15), "kk_number", "19020101012000"),
        Some("kk_length"),
    )); // 16
    lines.push((
        set(member(16), "kk_number", "9999990101200001"),
        Some("kk_unknown_district"),
    )); // 17
    lines.push((
        set(member(17), "village_code", "19.02.01.9999"),
        Some("village_code_unknown"),
    )); // 18
    lines.push((
        set(member(18), "village_code", "19.02.01"),
        Some("village_code_not_a_village"),
    )); // 19
    lines.push((
        set(member(19), "village_code", "19-02-01-1001"),
        Some("village_code_invalid"),
    )); // 20
    lines.push((head.clone(), Some("nik_duplicate"))); // 21
                                                       // A household without a head: both rows rejected.
    lines.push((person(PARIT, 2, 20, Anak), Some("household_no_head"))); // 22
    lines.push((person(PARIT, 2, 21, Anak), Some("household_no_head"))); // 23
    lines.push((
        set(member(22), "birth_date", "17-08-1985"),
        Some("birth_date_invalid"),
    )); // 24
    lines.push((set(member(23), "sex", "X"), Some("sex_invalid"))); // 25
    lines.push((
        set(member(24), "relationship", "tetangga"),
        Some("relationship_invalid"),
    )); // 26
    lines.push((set(member(25), "full_name", " "), Some("full_name_missing"))); // 27
    let mut short = member(26);
    short.truncate(14);
    lines.push((short, Some("row_field_count"))); // 28
    lines.push((
        set(member(27), "death_date", "2024-13-01"),
        Some("death_date_invalid"),
    )); // 29
    lines.push((
        set(member(28), "death_date", "1900-01-01"),
        Some("death_date_before_birth"),
    )); // 30
    lines.push((
        set(member(29), "religion", "jedi"),
        Some("religion_invalid"),
    )); // 31
        // Two heads on one card: the whole household is rejected.
    lines.push((
        person(PARIT, 3, 30, KepalaKeluarga),
        Some("household_several_heads"),
    )); // 32
    lines.push((
        person(PARIT, 3, 31, KepalaKeluarga),
        Some("household_several_heads"),
    )); // 33
        // A head rejected for its own fault leaves its members without a head.
    lines.push((
        set(
            person(PARIT, 4, 32, KepalaKeluarga),
            "birth_date",
            "2030-01-01",
        ),
        Some("birth_date_future"),
    )); // 34
    lines.push((person(PARIT, 4, 33, Anak), Some("household_no_head"))); // 35
    lines.push((
        set(member(34), "death_date", "2027-01-01"),
        Some("death_date_future"),
    )); // 36
    lines.push((set(member(35), "sex", ""), Some("sex_missing"))); // 37
    lines.push((
        set(member(36), "village_code", ""),
        Some("village_code_missing"),
    )); // 38
        // Labels are accepted for codes: a household of one, its head written as a label.
    lines.push((
        set(
            person(PARIT, 5, 37, Anak),
            "relationship",
            "Kepala Keluarga  ",
        ),
        None,
    )); // 39
    lines.push((
        set(member(38), "full_name", &"A".repeat(300)),
        Some("field_too_long"),
    )); // 40
    lines.push((
        set(
            set(member(39), "relationship", "Famili Lain"),
            "religion",
            "Kristen",
        ),
        None,
    )); // 41

    let all: Vec<Row> = lines.iter().map(|(r, _)| r.clone()).collect();
    write(&file, &all);
    let summary = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap();

    let expected: Vec<(u64, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, (_, code))| code.map(|c| (i as u64 + 2, c)))
        .collect();
    let reported = report_entries(&summary.report);
    let got: Vec<(u64, &str)> = reported.iter().map(|(l, _, c)| (*l, c.as_str())).collect();
    assert_eq!(got, expected, "report: {:#?}", reported);
    assert_eq!(summary.report, dir.join("penduduk.rejected.csv"));
    // Fields are named.
    assert!(reported.iter().any(|(l, f, _)| *l == 5 && f == "nik"));
    assert!(reported.iter().any(|(l, f, _)| *l == 28 && f == "row"));
    assert!(reported
        .iter()
        .any(|(l, f, _)| *l == 22 && f == "kk_number"));
    let valid = lines.iter().filter(|(_, c)| c.is_none()).count() as u64;
    assert_eq!(summary.rows, lines.len() as u64);
    assert_eq!(summary.valid, valid);
    assert_eq!(summary.rejected, summary.rows - valid);
    assert_eq!(summary.inserted, valid);
    assert_eq!(summary.rejected_by_reason["household_no_head"], 3);
    assert_eq!(
        db.store.population_totals().await.unwrap(),
        PopulationTotals {
            persons: valid as i64,
            households: 2,
            deceased: 1
        }
    );
    let stored = db
        .store
        .population_person_by_nik(&sample::person(KOTA, 1, 2, SuamiIstri).nik)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.record.address, "Jl. Melati, Gg. \"Buntu\" No. 3");
    let runs = db.store.import_runs(5).await.unwrap();
    assert_eq!(runs[0].rows_rejected as u64, summary.rejected);
    assert_eq!(runs[0].source_name, "penduduk.csv");
    assert_eq!(
        runs[0].source_sha256.as_deref(),
        Some(summary.source_sha256.as_str())
    );
}

/// `families` households of 4 in Tanjungpandan and of 3 in Selat Nasik (at most 2,249 families: NIK
/// serials stop at 9999 per district).
fn extract(families: u16) -> Vec<tepat_store::PopulationRecord> {
    let mut all = sample::households(KOTA, families, 4, 1000);
    all.extend(sample::households(SELAT_NASIK, families, 3, 1000));
    all
}

async fn reimport_changes_nothing(db: TestDb) {
    let (_tmp, dir) = common::dir();
    let file = dir.join("penduduk.csv");
    let records = extract(30);
    write(&file, &rows(&records));
    let first = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap();
    assert_eq!(
        (first.inserted, first.updated, first.unchanged),
        (210, 0, 0)
    );
    let before = db
        .store
        .population_person_by_nik(&records[5].nik)
        .await
        .unwrap()
        .unwrap();
    let again = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 210)
    );
    assert_eq!((again.deaths, again.moves, again.rejected), (0, 0, 0));
    let after = db
        .store
        .population_person_by_nik(&records[5].nik)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(again.source_sha256, first.source_sha256);
}

async fn newer_extract_updates_deaths_and_moves(db: TestDb) {
    let (_tmp, dir) = common::dir();
    let file = dir.join("penduduk-2025.csv");
    let records = extract(20);
    write(&file, &rows(&records));
    import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap();

    let mut newer = records.clone();
    newer[3].death_date = Some(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
    let mover = 10;
    newer[mover].village = RegionCode::parse("19.02.04.2001").unwrap_or(newer[mover].village);
    assert_ne!(
        newer[mover].village, records[mover].village,
        "19.02.04.2001 exists"
    );
    let file = dir.join("penduduk-2026.csv");
    write(&file, &rows(&newer));
    let summary = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap();
    assert_eq!(
        (
            summary.inserted,
            summary.updated,
            summary.unchanged,
            summary.deaths,
            summary.moves
        ),
        (0, 2, records.len() as u64 - 2, 1, 1)
    );
    let moved = db
        .store
        .population_person_by_nik(&records[mover].nik)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.record.village.dotted(), "19.02.04.2001");
    let died = db
        .store
        .population_person_by_nik(&records[3].nik)
        .await
        .unwrap()
        .unwrap();
    assert!(died.record.death_date.is_some());
    let untouched = db
        .store
        .population_person_by_nik(&records[4].nik)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched.updated_at, untouched.created_at);
    let by_district = db
        .store
        .population_by_district(&RegionCode::parse("19.02").unwrap())
        .await
        .unwrap();
    assert_eq!(by_district[3].district.dotted(), "19.02.04");
    assert_eq!(by_district[3].persons, 1);
}

async fn non_utf8_in_the_middle_leaves_the_database_unchanged(db: TestDb) {
    let (_tmp, dir) = common::dir();
    let file = dir.join("penduduk.csv");
    let records = extract(10);
    write(&file, &rows(&records));
    import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap();
    let before = db.store.population_totals().await.unwrap();

    let mut newer = extract(600);
    newer[2].death_date = Some(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
    write(&file, &rows(&newer));
    // Latin-1 "é" in the name on line 2,001 (row 2,000).
    let mut bytes = std::fs::read(&file).unwrap();
    let line_start = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1999)
        .unwrap()
        .0
        + 1;
    let comma = line_start + bytes[line_start..].iter().position(|b| *b == b',').unwrap();
    let comma = comma + 1 + bytes[comma + 1..].iter().position(|b| *b == b',').unwrap();
    bytes.insert(comma + 1, 0xE9);
    std::fs::write(&file, bytes).unwrap();

    let err = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, ImportError::NotUtf8 { line: 2001, .. }),
        "{text}"
    );
    assert!(
        text.contains("penduduk.csv") && text.contains("line 2001") && text.contains("full_name"),
        "{text}"
    );
    assert_eq!(db.store.population_totals().await.unwrap(), before);
    assert_eq!(db.store.import_runs(10).await.unwrap().len(), 1);
    let alive = db
        .store
        .population_person_by_nik(&records[2].nik)
        .await
        .unwrap()
        .unwrap();
    assert!(alive.record.death_date.is_none());
}

async fn write_error_mid_file_leaves_the_database_unchanged(db: TestDb) {
    let (_tmp, dir) = common::dir();
    let file = dir.join("penduduk.csv");
    let records = extract(10);
    write(&file, &rows(&records));
    import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap();
    let before = db.store.population_totals().await.unwrap();

    // The database refuses one name, as a full disk or a constraint would refuse a row.
    refuse_name(&db, "Gagal Tulis").await;
    let mut newer = extract(1200);
    assert!(
        newer.len() > 2 * 4000,
        "several batches are written before the failure"
    );
    let fail_at = newer.len() - 10;
    newer[fail_at].full_name = "Gagal Tulis".into();
    write(&file, &rows(&newer));
    let err = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ImportError::Store { .. }), "{text}");
    assert!(
        text.contains("rolled back") && text.contains("penduduk.csv"),
        "{text}"
    );
    assert!(
        !text.contains("Gagal"),
        "no personal data in errors: {text}"
    );
    assert_eq!(db.store.population_totals().await.unwrap(), before);
    assert_eq!(db.store.import_runs(10).await.unwrap().len(), 1);
    assert!(db
        .store
        .population_person_by_nik(&newer[8000].nik)
        .await
        .unwrap()
        .is_none());
}

/// Makes the database reject inserting a person called `name`.
async fn refuse_name(db: &TestDb, name: &str) {
    use sqlx::{Connection, Executor};
    if db.sqlite_path.is_some() {
        let sql = format!(
            "CREATE TRIGGER refuse BEFORE INSERT ON population_person \
             WHEN NEW.full_name = '{name}' BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        );
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        conn.execute(sql.as_str()).await.unwrap();
    } else {
        let sql = format!(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.full_name = '{name}' THEN RAISE EXCEPTION 'refused by test'; END IF; \
               RETURN NEW; END $$; \
             CREATE TRIGGER refuse BEFORE INSERT ON population_person \
               FOR EACH ROW EXECUTE FUNCTION refuse();"
        );
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        conn.execute(sql.as_str()).await.unwrap();
    }
}

async fn header_errors_name_the_file_and_column(db: TestDb) {
    let (_tmp, dir) = common::dir();
    let file = dir.join("kurang.csv");
    std::fs::write(&file, "nik,kk_number,full_name\n1,2,3\n").unwrap();
    let err = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("kurang.csv") && err.contains("line 1") && err.contains("village_code"),
        "{err}"
    );

    let mut header = common::HEADER.join(",");
    header.push_str(",telepon");
    std::fs::write(&file, format!("{header}\n")).unwrap();
    let err = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("`telepon`"), "{err}");

    std::fs::write(&file, "").unwrap();
    let err = import_population(&*db.store, regions(), &file, &common::options())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("empty"), "{err}");

    let err = import_population(
        &*db.store,
        regions(),
        &dir.join("missing.csv"),
        &common::options(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("missing.csv"), "{err}");
    assert_eq!(db.store.population_totals().await.unwrap().persons, 0);
    assert!(db.store.import_runs(10).await.unwrap().is_empty());
}
