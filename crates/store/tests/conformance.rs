//! One conformance suite for every backend: each case below runs against a real SQLite file and, when
//! `TEPAT_TEST_POSTGRES_URL` is set (required when `CI=true`), against a fresh PostgreSQL schema.

use chrono::NaiveDate;
use sqlx::Connection;
use tepat_domain::{RegionCode, Relationship};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    Backend, ImportMeta, ImportSummaryForRun, PopulationRecord, PopulationTotals, StoreError,
};

tepat_store::on_every_backend!(
    migrate_twice_is_a_no_op,
    region_table_is_complete,
    import_inserts_and_reads_back,
    reimport_changes_nothing,
    newer_extract_updates_deaths_and_moves,
    dropped_import_rolls_back,
    failed_import_rolls_back,
    duplicate_nik_in_one_import_is_refused,
    first_import_rebuilds_the_same_indexes,
    nik_and_kk_are_not_stored_in_plaintext,
    population_by_district_counts,
);

const TANJUNGPANDAN_KOTA: &str = "19.02.01.1001";
const TANJUNGPANDAN_PARIT: &str = "19.02.01.1002";
const MEMBALONG: &str = "19.02.02";
const SELAT_NASIK: &str = "19.02.03";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// The first village of a district in the region table.
fn first_village(district: &str) -> String {
    tepat_regions::RegionTable::embedded()
        .children(&code(district))
        .next()
        .unwrap()
        .code
        .dotted()
}

fn meta() -> ImportMeta {
    ImportMeta {
        source_name: "penduduk.csv".into(),
    }
}

fn summary(rows: &[PopulationRecord]) -> ImportSummaryForRun {
    ImportSummaryForRun {
        rows_read: rows.len() as u64,
        rows_valid: rows.len() as u64,
        rows_rejected: 0,
        source_sha256: Some("ab".repeat(32)),
    }
}

/// Imports `rows` in one run, in batches of 7 (so that batches split households), and returns the stats.
async fn import(db: &TestDb, rows: &[PopulationRecord]) -> tepat_store::BatchStats {
    let mut import = db.store.begin_population_import(meta()).await.unwrap();
    let mut total = tepat_store::BatchStats::default();
    for batch in rows.chunks(7) {
        total += import.write_batch(batch).await.unwrap();
    }
    import.finish(summary(rows)).await.unwrap();
    total
}

/// Two households in one Tanjungpandan village, one in another, one in Membalong: 12 persons.
fn extract() -> Vec<PopulationRecord> {
    let mut rows = sample::households(TANJUNGPANDAN_KOTA, 2, 3, 1);
    rows.extend(sample::households(TANJUNGPANDAN_PARIT, 1, 2, 100));
    rows.extend(sample::households(&first_village(MEMBALONG), 1, 4, 200));
    rows
}

async fn migrate_twice_is_a_no_op(db: TestDb) {
    let before = db.store.region_counts().await.unwrap();
    db.store.migrate().await.unwrap();
    db.reopen().await.migrate().await.unwrap();
    assert_eq!(db.store.region_counts().await.unwrap(), before);
    assert_eq!(
        db.store.population_totals().await.unwrap(),
        PopulationTotals::default()
    );
    db.store.ping().await.unwrap();
    let expected = if db.sqlite_path.is_some() {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    assert_eq!(db.store.backend(), expected);
}

async fn region_table_is_complete(db: TestDb) {
    let counts = db.store.region_counts().await.unwrap();
    assert_eq!(
        (
            counts.provinces,
            counts.regencies,
            counts.districts,
            counts.villages
        ),
        (38, 514, 7_285, 83_762)
    );
}

async fn import_inserts_and_reads_back(db: TestDb) {
    let rows = extract();
    let stats = import(&db, &rows).await;
    assert_eq!((stats.inserted, stats.updated, stats.unchanged), (12, 0, 0));
    let totals = db.store.population_totals().await.unwrap();
    assert_eq!(
        totals,
        PopulationTotals {
            persons: 12,
            households: 4,
            deceased: 0
        }
    );

    for row in &rows {
        let stored = db
            .store
            .population_person_by_nik(&row.nik)
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(&stored.record, row);
        assert_eq!(stored.created_at, stored.updated_at);
        assert_eq!(stored.id.get_version_num(), 7);
    }
    let household = db
        .store
        .population_household(&rows[0].kk_number)
        .await
        .unwrap();
    assert_eq!(household.len(), 3);
    assert_eq!(
        household[0].record.relationship,
        Relationship::KepalaKeluarga
    );

    let runs = db.store.import_runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!((run.rows_read, run.inserted, run.updated), (12, 12, 0));
    assert_eq!(run.kind, "population");
    assert_eq!(run.source_name, "penduduk.csv");
    assert_eq!(run.source_sha256.as_deref(), Some("ab".repeat(32).as_str()));
}

async fn reimport_changes_nothing(db: TestDb) {
    let rows = extract();
    import(&db, &rows).await;
    let before = db
        .store
        .population_person_by_nik(&rows[4].nik)
        .await
        .unwrap()
        .unwrap();
    let stats = import(&db, &rows).await;
    assert_eq!((stats.inserted, stats.updated, stats.unchanged), (0, 0, 12));
    let after = db
        .store
        .population_person_by_nik(&rows[4].nik)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, before, "an unchanged row is not rewritten");
    assert_eq!(db.store.import_runs(10).await.unwrap().len(), 2);
    assert_eq!(db.store.population_totals().await.unwrap().persons, 12);
}

async fn newer_extract_updates_deaths_and_moves(db: TestDb) {
    let rows = extract();
    import(&db, &rows).await;
    let first_run = db.store.import_runs(1).await.unwrap()[0].id;
    let mut newer = rows.clone();
    let died = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    newer[0].death_date = Some(died);
    // Moves to another village of another district.
    newer[6].village = code(&first_village(SELAT_NASIK));
    // Same village, another RT.
    newer[7].rt = "005".into();
    // Another family card (marriage, a split household).
    newer[8].kk_number = sample::family_card(&code("19.02.02"), 9000);
    // A newcomer.
    newer.push(sample::person(
        TANJUNGPANDAN_KOTA,
        1,
        500,
        Relationship::Anak,
    ));

    let before_moved = db
        .store
        .population_person_by_nik(&rows[6].nik)
        .await
        .unwrap()
        .unwrap();
    let stats = import(&db, &newer).await;
    assert_eq!(
        (
            stats.inserted,
            stats.updated,
            stats.unchanged,
            stats.deaths,
            stats.moves
        ),
        (1, 4, 8, 1, 3)
    );

    for (i, row) in newer.iter().enumerate() {
        let stored = db
            .store
            .population_person_by_nik(&row.nik)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&stored.record, row, "row {i}");
        let changed = [0, 6, 7, 8, 12].contains(&i);
        assert_eq!(
            stored.updated_at != stored.created_at,
            changed && i != 12,
            "row {i}"
        );
        assert_eq!(stored.import_run_id != first_run, changed, "row {i}");
    }
    let moved = db
        .store
        .population_person_by_nik(&rows[6].nik)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.id, before_moved.id, "a move keeps the person's id");
    assert_eq!(moved.created_at, before_moved.created_at);
    let totals = db.store.population_totals().await.unwrap();
    assert_eq!((totals.persons, totals.deceased), (13, 1));
    let run = &db.store.import_runs(1).await.unwrap()[0];
    assert_eq!((run.deaths, run.moves, run.updated), (1, 3, 4));
}

async fn dropped_import_rolls_back(db: TestDb) {
    let rows = extract();
    {
        let mut import = db.store.begin_population_import(meta()).await.unwrap();
        import.write_batch(&rows).await.unwrap();
        // Dropped here without finish.
    }
    assert_eq!(
        db.store.population_totals().await.unwrap(),
        PopulationTotals::default()
    );
    assert!(db.store.import_runs(10).await.unwrap().is_empty());
    // The database is usable afterwards (the transaction and its lock are gone).
    import(&db, &rows).await;
    assert_eq!(db.store.population_totals().await.unwrap().persons, 12);
}

async fn failed_import_rolls_back(db: TestDb) {
    let rows = extract();
    import(&db, &rows[..6]).await;
    let before = db.store.population_totals().await.unwrap();
    let mut import = db.store.begin_population_import(meta()).await.unwrap();
    import.write_batch(&rows[6..]).await.unwrap();
    // The same new NIK twice in one batch cannot be inserted: the write fails mid-import.
    let newcomer = sample::person(TANJUNGPANDAN_KOTA, 1, 700, Relationship::Anak);
    let mut again = newcomer.clone();
    again.full_name = "Nama Lain".into();
    assert!(import.write_batch(&[newcomer, again]).await.is_err());
    drop(import);
    assert_eq!(db.store.population_totals().await.unwrap(), before);
    assert_eq!(db.store.import_runs(10).await.unwrap().len(), 1);
}

async fn duplicate_nik_in_one_import_is_refused(db: TestDb) {
    let rows = extract();
    // Into the empty table (indexes built at the end, so the repeat is found when finishing) and into a
    // table with rows (found when writing).
    for _ in 0..2 {
        let mut import = db.store.begin_population_import(meta()).await.unwrap();
        import.write_batch(&rows).await.unwrap();
        let outcome = match import.write_batch(&rows[..1]).await {
            Ok(_) => import.finish(summary(&rows)).await.map(|_| ()),
            Err(e) => Err(e),
        };
        let err = outcome.unwrap_err();
        assert!(matches!(err, StoreError::DuplicateNik), "{err}");
        assert!(!err.to_string().contains(rows[0].nik.digits()));
        assert_eq!(db.store.population_totals().await.unwrap().persons, 0);
    }
    import(&db, &rows[..3]).await;
    let mut import = db.store.begin_population_import(meta()).await.unwrap();
    let twice = [rows[5].clone(), rows[5].clone()];
    let err = import.write_batch(&twice).await.unwrap_err();
    assert!(matches!(err, StoreError::DuplicateNik), "{err}");
}

/// The indexes an import into an empty table drops and builds again are the ones the migrations made.
async fn first_import_rebuilds_the_same_indexes(db: TestDb) {
    let before = person_indexes(&db).await;
    assert!(before.len() >= 2, "{before:?}");
    import(&db, &extract()).await;
    assert_eq!(person_indexes(&db).await, before);
}

/// (name, definition) of every index on population_person.
async fn person_indexes(db: &TestDb) -> Vec<(String, String)> {
    use sqlx::Row;
    let sql = if db.sqlite_path.is_some() {
        "SELECT name, COALESCE(sql, '') AS def FROM sqlite_master \
         WHERE type = 'index' AND tbl_name = 'population_person' ORDER BY name"
    } else {
        "SELECT indexname AS name, indexdef AS def FROM pg_indexes \
         WHERE tablename = 'population_person' AND schemaname = current_schema() ORDER BY indexname"
    };
    let rows = if db.sqlite_path.is_some() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<String, _>("name"), r.get::<String, _>("def")))
            .collect()
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<String, _>("name"), r.get::<String, _>("def")))
            .collect()
    };
    rows
}

async fn nik_and_kk_are_not_stored_in_plaintext(db: TestDb) {
    let rows = extract();
    import(&db, &rows).await;
    let mut secrets: Vec<String> = rows.iter().map(|r| r.nik.digits().to_owned()).collect();
    secrets.extend(rows.iter().map(|r| r.kk_number.digits().to_owned()));

    let mut stored: Vec<Vec<u8>> = Vec::new();
    if let Some(path) = &db.sqlite_path {
        // Everything SQLite wrote: the database file and its write-ahead log.
        for suffix in ["", "-wal"] {
            let file = format!("{}{suffix}", path.display());
            if let Ok(bytes) = std::fs::read(&file) {
                stored.push(bytes);
            }
        }
        assert!(!stored.is_empty());
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        for row in sqlx::query("SELECT * FROM population_person")
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            stored.push(raw_columns_sqlite(&row));
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        for row in sqlx::query("SELECT t::text AS whole, nik_sealed, kk_sealed, nik_index, kk_index, content_hash FROM population_person t")
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            use sqlx::Row;
            stored.push(row.get::<String, _>("whole").into_bytes());
            for col in ["nik_sealed", "kk_sealed", "nik_index", "kk_index", "content_hash"] {
                stored.push(row.get::<Vec<u8>, _>(col));
            }
        }
    }
    assert!(stored.len() > 1);
    for secret in &secrets {
        for blob in &stored {
            assert!(
                !blob.windows(16).any(|w| w == secret.as_bytes()),
                "an identifier was found in plaintext"
            );
        }
    }
}

/// Every column of an SQLite row as raw bytes, whatever its type.
fn raw_columns_sqlite(row: &sqlx::sqlite::SqliteRow) -> Vec<u8> {
    use sqlx::{Row, ValueRef};
    let mut out = Vec::new();
    for i in 0..row.len() {
        let value = row.try_get_raw(i).unwrap();
        if value.is_null() {
            continue;
        }
        if let Ok(bytes) = row.try_get::<Vec<u8>, _>(i) {
            out.extend(bytes);
        } else if let Ok(text) = row.try_get::<String, _>(i) {
            out.extend(text.into_bytes());
        }
    }
    out
}

async fn population_by_district_counts(db: TestDb) {
    let mut rows = extract();
    rows[0].death_date = Some(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap());
    import(&db, &rows).await;

    let belitung = db
        .store
        .population_by_district(&code("19.02"))
        .await
        .unwrap();
    let got: Vec<(String, &str, i64, i64, i64)> = belitung
        .iter()
        .map(|d| {
            (
                d.district.dotted(),
                d.name.as_str(),
                d.households,
                d.persons,
                d.deceased,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("19.02.01".to_owned(), "Tanjungpandan", 3, 8, 1),
            ("19.02.02".to_owned(), "Membalong", 1, 4, 0),
            ("19.02.03".to_owned(), "Selat Nasik", 0, 0, 0),
            ("19.02.04".to_owned(), "Sijuk", 0, 0, 0),
            ("19.02.05".to_owned(), "Badau", 0, 0, 0),
        ]
    );

    let province = db.store.population_by_district(&code("19")).await.unwrap();
    let in_table = tepat_regions::RegionTable::embedded()
        .subtree(&code("19"))
        .iter()
        .filter(|r| r.level() == tepat_domain::RegionLevel::Kecamatan)
        .count();
    assert_eq!(province.len(), in_table);
    assert_eq!(province.iter().map(|d| d.persons).sum::<i64>(), 12);
    assert!(province.windows(2).all(|w| w[0].district < w[1].district));

    let regencies = db.store.populated_regencies().await.unwrap();
    assert_eq!(regencies.len(), 1);
    assert_eq!(regencies[0].regency, code("19.02"));
    assert_eq!(regencies[0].name, "Kabupaten Belitung");
    assert_eq!(
        (
            regencies[0].households,
            regencies[0].persons,
            regencies[0].deceased
        ),
        (4, 12, 1)
    );
}
