//! Fresh databases for tests (feature `testing`): a real SQLite file in a temporary directory, or a fresh
//! schema in the PostgreSQL database named by `TEPAT_TEST_POSTGRES_URL`.
//!
//! Each PostgreSQL test gets its own schema (`search_path` set through the connection options), so tests
//! run in parallel and drop their schema afterwards, also when they fail. When `CI=true` and
//! `TEPAT_TEST_POSTGRES_URL` is unset, PostgreSQL tests fail instead of skipping: CI must not pass
//! without having run them.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use sqlx::Connection;
use tepat_crypto::Keyring;

use crate::connect::connect;
use crate::store::Store;

/// The environment variable naming the PostgreSQL database tests may create schemas in.
pub const POSTGRES_URL_VAR: &str = "TEPAT_TEST_POSTGRES_URL";

/// One test's database, migrated.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub keyring: Arc<Keyring>,
    /// The URL the store was opened with (for raw connections that inspect what is stored).
    pub url: String,
    /// The SQLite file, for the SQLite backend.
    pub sqlite_path: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Opens the same database again (as a second process would), with the same keys.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        connect(&self.url, self.keyring.clone())
            .await
            .expect("reopen test database")
    }
}

/// Runs `test` against a fresh, migrated SQLite file.
pub async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("tepat.db");
    let url = format!("sqlite://{}", path.display());
    let db = open(url, Some(path), Some(dir)).await;
    test(db).await;
}

/// Runs `test` against a fresh, migrated schema in the PostgreSQL test database, then drops the schema
/// (also when the test panics). Skips, or fails in CI, when no database is configured.
pub async fn run_postgres<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let schema = format!("tepat_test_{}", uuid::Uuid::now_v7().simple());
    admin(&admin_url, &format!("CREATE SCHEMA {schema}")).await;
    let url = with_search_path(&admin_url, &schema);
    let outcome = tokio::spawn(async move {
        let db = open(url, None, None).await;
        test(db).await;
    })
    .await;
    admin(&admin_url, &format!("DROP SCHEMA {schema} CASCADE")).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The PostgreSQL test URL, `None` to skip; panics in CI when it is missing.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "CI=true but {POSTGRES_URL_VAR} is not set: the PostgreSQL tests must run in CI. Set it, e.g. \
             {POSTGRES_URL_VAR}=postgres://tepat:tepat@127.0.0.1:5432/tepat_test"
        ),
        _ => {
            eprintln!("{POSTGRES_URL_VAR} is not set: skipping a PostgreSQL test");
            None
        }
    }
}

async fn open(url: String, sqlite_path: Option<PathBuf>, dir: Option<tempfile::TempDir>) -> TestDb {
    let keyring = Arc::new(Keyring::generate());
    let store = connect(&url, keyring.clone())
        .await
        .expect("open test database");
    store.migrate().await.expect("migrate test database");
    TestDb {
        store,
        keyring,
        url,
        sqlite_path,
        _dir: dir,
    }
}

async fn admin(url: &str, statement: &str) {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL_VAR}: {e}"));
    sqlx::query(statement)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    let _ = conn.close().await;
}

/// The URL with `search_path` set to `schema` for every connection.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options[search_path]={schema}")
}

/// Synthetic population records for tests: valid NIKs and KK numbers made from the village's district.
pub mod sample {
    use chrono::NaiveDate;
    use tepat_domain::{KkNumber, MaritalStatus, Nik, RegionCode, Relationship, Religion, Sex};

    use tepat_domain::registry::{MemberStatus, RegistryHousehold, RegistryMember};

    use crate::model::PopulationRecord;

    /// A person numbered `serial` (1–9999) in family `family` (1–9999) of `village` (a real village code).
    /// Odd serials are men, even serials women; the birth date follows from the serial.
    pub fn person(
        village: &str,
        family: u16,
        serial: u16,
        relationship: Relationship,
    ) -> PopulationRecord {
        let village = RegionCode::parse(village).expect("test village code");
        let district = village.parent().expect("a village has a district");
        let sex = if serial % 2 == 1 {
            Sex::LakiLaki
        } else {
            Sex::Perempuan
        };
        let birth = NaiveDate::from_ymd_opt(
            1950 + i32::from(serial % 60),
            1 + u32::from(serial % 12),
            1 + u32::from(serial % 28),
        )
        .expect("valid date");
        PopulationRecord {
            nik: Nik::from_parts(district, sex, birth, serial).expect("test NIK"),
            kk_number: family_card(&district, family),
            full_name: format!("Warga Nomor {serial}"),
            sex,
            birth_place: "Tanjungpandan".into(),
            birth_date: birth,
            religion: Some(Religion::Islam),
            marital_status: Some(MaritalStatus::Kawin),
            relationship,
            address: format!("Jl. Contoh No. {family}"),
            rt: "001".into(),
            rw: "002".into(),
            village,
            occupation: "NELAYAN/PERIKANAN".into(),
            death_date: None,
        }
    }

    /// The KK number of family `family` issued in `district`.
    pub fn family_card(district: &RegionCode, family: u16) -> KkNumber {
        KkNumber::parse_structure(&format!("{}010120{family:04}", district.plain()))
            .expect("test KK number")
    }

    /// A registry member made from a population record (same NIK, name, sex, birth date and
    /// relationship), active, without phone or survey, with a fresh id.
    pub fn registry_member(r: &PopulationRecord) -> RegistryMember {
        RegistryMember {
            id: uuid::Uuid::now_v7(),
            nik: r.nik,
            full_name: r.full_name.clone(),
            sex: r.sex,
            birth_date: r.birth_date,
            relationship: r.relationship,
            phone: None,
            survey: None,
            status: MemberStatus::Active,
        }
    }

    /// A registry household of one family's population records (KK number, village and address of the
    /// first), so that NIKs and KK numbers match the extract; fresh ids, no survey, location or account.
    pub fn registry_household(records: &[PopulationRecord]) -> RegistryHousehold {
        let first = &records[0];
        RegistryHousehold {
            id: uuid::Uuid::now_v7(),
            kk_number: first.kk_number,
            village: first.village,
            address: first.address.clone(),
            rt: first.rt.clone(),
            rw: first.rw.clone(),
            location: None,
            survey: None,
            account: None,
            members: records.iter().map(registry_member).collect(),
        }
    }

    /// `families` households of `size` persons each in `village`, serials from `first_serial`.
    pub fn households(
        village: &str,
        families: u16,
        size: u16,
        first_serial: u16,
    ) -> Vec<PopulationRecord> {
        let mut out = Vec::new();
        let mut serial = first_serial;
        for family in 1..=families {
            for member in 0..size {
                let relationship = match member {
                    0 => Relationship::KepalaKeluarga,
                    1 => Relationship::SuamiIstri,
                    _ => Relationship::Anak,
                };
                out.push(person(village, first_serial + family, serial, relationship));
                serial += 1;
            }
        }
        out
    }
}

/// Generates `sqlite::case` and `postgres::case` tests for each async case function
/// `async fn case(db: TestDb)`, so one suite runs against both backends.
#[macro_export]
macro_rules! on_every_backend {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::testing::run_sqlite(super::$case).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::testing::run_postgres(super::$case).await;
            })*
        }
    };
}
