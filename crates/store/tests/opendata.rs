//! The open-data aggregates on both backends: only ledger-logged steps count (entitlements, payment
//! results, reversals, hand-overs), ratings and complaints are summed per village, a refresh replaces
//! what the previous one wrote, and a village's recipients come with their head of family's name.

use tepat_domain::RegionCode;
use tepat_store::testing::{run_postgres, run_sqlite, TestDb};
use uuid::Uuid;

/// Two villages of the first district of Belitung (real codes: ratings and complaints reference the
/// region table).
fn villages() -> (String, String) {
    let table = tepat_regions::RegionTable::embedded();
    let district = table
        .children(&RegionCode::parse("19.02").unwrap())
        .next()
        .unwrap()
        .code;
    let mut v = table.children(&district).map(|r| r.code.plain().to_owned());
    (v.next().unwrap(), v.next().unwrap())
}
const AMOUNT: i64 = 600_000;

/// Literals both databases read: UUIDs and bytes differ (BLOB in SQLite, UUID and BYTEA in PostgreSQL).
struct Sql {
    pg: bool,
}

impl Sql {
    fn id(&self, u: Uuid) -> String {
        if self.pg {
            format!("'{u}'")
        } else {
            format!("x'{}'", u.simple())
        }
    }

    fn bytes(&self) -> String {
        if self.pg {
            "decode('00112233', 'hex')".into()
        } else {
            "x'00112233'".into()
        }
    }
}

fn seed_sql(s: &Sql) -> Vec<String> {
    let (a, b_village) = villages();
    let (va, vb) = (a.as_str(), b_village.as_str());
    let env = Uuid::now_v7();
    let b = s.bytes();
    let e = s.id(env);
    let mut out = vec![format!(
        "INSERT INTO envelope (id, program, cycle, program_version, state, count, amount, scheduled_date, \
         prepared_by, prepared_at, ledger_index) VALUES ({e}, 'PKH', '2027-T1', 1, 'paying', 4, {}, \
         '2027-01-15', {}, '2027-01-01T00:00:00Z', 1)",
        4 * AMOUNT,
        s.id(Uuid::now_v7())
    )];
    // Village A: three entitlements, two logged. Payments: settled (logged), returned (logged, its
    // reversal logged), settled but its result not logged yet.
    let households: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    for (i, h) in households.iter().enumerate() {
        let village = if i < 3 { va } else { vb };
        let route = if i < 3 { "bank" } else { "cash" };
        let logged = if i == 2 {
            "NULL".to_owned()
        } else {
            format!("{}", 10 + i)
        };
        out.push(format!(
            "INSERT INTO entitlement (envelope_id, household_id, village_code, amount, parts, route, state, \
             ledger_index, ledger_leaf) VALUES ({e}, {}, '{village}', {AMOUNT}, '[]', '{route}', 'paid', \
             {logged}, {b})",
            s.id(*h)
        ));
    }
    let returned = Uuid::now_v7();
    for (h, id, state, result) in [
        (households[0], Uuid::now_v7(), "settled", "20"),
        (households[1], returned, "returned", "21"),
        (households[2], Uuid::now_v7(), "settled", "NULL"),
    ] {
        out.push(format!(
            "INSERT INTO payment (id, envelope_id, household_id, attempt, route, provider, amount, state, \
             created_at, updated_at, ledger_index, ledger_leaf, result_ledger_index, result_ledger_leaf) \
             VALUES ({}, {e}, {}, 1, 'bank', 'BRI', {AMOUNT}, '{state}', '2027-01-15T00:00:00Z', \
             '2027-01-16T00:00:00Z', 5, {b}, {result}, {b})",
            s.id(id),
            s.id(h)
        ));
    }
    out.push(format!(
        "INSERT INTO ledger_step (object_id, step, ledger_index, ledger_leaf) VALUES ({}, 'reversal', 30, {b})",
        s.id(returned)
    ));
    // Village B: cash, a voucher handed over (logged) and a duplicate hand-over (never counted).
    let voucher = Uuid::now_v7();
    out.push(format!(
        "INSERT INTO voucher (id, envelope_id, household_id, amount, recipient, valid_from, valid_until, \
         key_id, issued_at) VALUES ({}, {e}, {}, {AMOUNT}, {b}, '2027-01-15', '2027-02-15', 'k', \
         '2027-01-10T00:00:00Z')",
        s.id(voucher),
        s.id(households[3])
    ));
    for (status, logged) in [("accepted", "40"), ("duplicate", "NULL")] {
        out.push(format!(
            "INSERT INTO handover (id, voucher_id, officer, device, handed_at, synced_at, status, \
             ledger_index, ledger_leaf) VALUES ({}, {}, {}, 'd', '2027-01-20T00:00:00Z', \
             '2027-01-20T00:00:00Z', '{status}', {logged}, {b})",
            s.id(Uuid::now_v7()),
            s.id(voucher),
            s.id(Uuid::now_v7())
        ));
    }
    out.push(format!(
        "INSERT INTO rating (village_code, id, envelope_id, household_id, program, cycle, stars, \
         comment_sealed, rated_at) VALUES ('{va}', {}, {e}, {}, 'PKH', '2027-T1', 5, {b}, \
         '2027-01-21T00:00:00Z')",
        s.id(Uuid::now_v7()),
        s.id(households[0])
    ));
    for state in ["open", "resolved"] {
        out.push(format!(
            "INSERT INTO complaint (village_code, id, ticket_index, ticket_sealed, category, level, state, \
             text_sealed, contact_sealed, submitted_at, due_on, updated_at) VALUES ('{va}', {}, {}, {b}, \
             'other', 'village', '{state}', {b}, {b}, '2027-01-22T00:00:00Z', '2027-02-05', \
             '2027-01-22T00:00:00Z')",
            s.id(Uuid::now_v7()),
            if s.pg {
                format!("decode('{}', 'hex')", Uuid::now_v7().simple())
            } else {
                format!("x'{}'", Uuid::now_v7().simple())
            }
        ));
    }
    out.push(format!(
        "INSERT INTO registry_member (village_code, id, household_id, position, state, nik_index, nik_sealed, \
         full_name, name_key, sex, birth_date, relationship, details_sealed) VALUES ('{va}', {}, {}, 1, \
         'active', {b}, {b}, 'Siti Nurhaliza', 'siti', 'P', '1980-01-01', 'kepala_keluarga', {b})",
        s.id(Uuid::now_v7()),
        s.id(households[0])
    ));
    out
}

async fn seed(db: &TestDb) {
    let pg = db.sqlite_path.is_none();
    let statements = seed_sql(&Sql { pg });
    if pg {
        let c = sqlx::PgPool::connect(&db.url).await.unwrap();
        for s in &statements {
            sqlx::raw_sql(s)
                .execute(&c)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    } else {
        let c = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        for s in &statements {
            sqlx::raw_sql(s)
                .execute(&c)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }
}

async fn aggregates_count_only_what_the_ledger_holds(db: TestDb) {
    let (a_code, b_code) = villages();
    let (va, vb) = (a_code.as_str(), b_code.as_str());
    let store = db.store.clone();
    assert_eq!(store.open_data_refreshed().await.unwrap(), None);
    seed(&db).await;
    let now = chrono::Utc::now();
    for _ in 0..2 {
        let done = store.refresh_open_data(now).await.unwrap();
        assert_eq!(done.cells, 2, "a second refresh replaces the first");
    }
    let stored = store.open_data_refreshed().await.unwrap().unwrap();
    assert!((stored - now).num_seconds().abs() <= 1, "{stored} vs {now}");
    assert_eq!(
        store.open_data_series().await.unwrap(),
        vec![("PKH".to_owned(), "2027-T1".to_owned())]
    );
    let cells = store.open_data_cells("PKH", "2027-T1").await.unwrap();
    assert_eq!(cells.len(), 2);
    let a = &cells[0];
    assert_eq!(a.village, RegionCode::parse(va).unwrap());
    assert_eq!(
        (a.households, a.entitled, a.paid, a.reversed, a.handed_over),
        (2, 2 * AMOUNT, 2 * AMOUNT, AMOUNT, 0),
        "the unlogged entitlement and result are not counted"
    );
    assert_eq!((a.ratings, a.stars), (1, 5));
    let b = &cells[1];
    assert_eq!(
        (b.households, b.paid, b.handed_over),
        (1, 0, AMOUNT),
        "the duplicate hand-over is not counted"
    );
    assert!(store
        .open_data_cells("PKH", "2027-T2")
        .await
        .unwrap()
        .is_empty());
    let complaints = store.open_data_complaints().await.unwrap();
    assert_eq!(complaints.len(), 1);
    assert_eq!((complaints[0].complaints, complaints[0].closed), (2, 1));
    // The list reads the live envelope's entitlements, logged or not.
    let mut list = store
        .open_data_recipients("PKH", "2027-T1", &RegionCode::parse(va).unwrap())
        .await
        .unwrap();
    list.sort_by(|x, y| y.head_name.cmp(&x.head_name));
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].head_name, "Siti Nurhaliza");
    assert!(list[0].delivered);
    assert_eq!(list[1].head_name, "", "no head of family in the registry");
    assert!(
        !format!("{:?}", list[0]).contains("Siti"),
        "names stay out of Debug"
    );
    let b_list = store
        .open_data_recipients("PKH", "2027-T1", &RegionCode::parse(vb).unwrap())
        .await
        .unwrap();
    assert_eq!(b_list.len(), 1);
}

#[tokio::test]
async fn sqlite_aggregates_count_only_what_the_ledger_holds() {
    run_sqlite(aggregates_count_only_what_the_ledger_holds).await;
}

#[tokio::test]
async fn postgres_aggregates_count_only_what_the_ledger_holds() {
    run_postgres(aggregates_count_only_what_the_ledger_holds).await;
}
