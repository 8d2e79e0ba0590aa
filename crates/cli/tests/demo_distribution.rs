//! `tepat demo` pays one complete cycle of every demo program on its first start (issue 7): each of
//! programs/default.toml's programs ends with an envelope being paid (or closed) in which some
//! entitlements are settled — transferred, handed over or their premium paid — and the PBI-JK premiums
//! carry the demo's SP2D number. No household gets BLT-DD or BLT-DAERAH together with PKH or SEMBAKO
//! (the programs are exclusive).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{Connection, Row};

mod support;

use support::{free_port, run, stderr, stdout, verbose as tepat};

const PROGRAMS: [&str; 6] = [
    "PKH",
    "SEMBAKO",
    "BLT-DD",
    "BLT-DAERAH",
    "PBI-JK",
    "BANTUAN-NELAYAN",
];

/// Per program: envelope state and how many entitlements are paid or handed over.
async fn settled(db: &std::path::Path) -> Vec<(String, String, i64)> {
    let Ok(mut c) =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display())).await
    else {
        return Vec::new();
    };
    let rows = sqlx::query(
        "SELECT e.program, e.state, (SELECT COUNT(*) FROM entitlement t WHERE t.envelope_id = e.id \
         AND t.state IN ('paid', 'handed_over')) AS settled FROM envelope e \
         WHERE e.state <> 'cancelled'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap_or_default();
    rows.iter()
        .map(|r| (r.get("program"), r.get("state"), r.get("settled")))
        .collect()
}

async fn premium_envelope(db: &std::path::Path) -> String {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let row = sqlx::query("SELECT id FROM envelope WHERE program = 'PBI-JK'")
        .fetch_one(&mut c)
        .await
        .unwrap();
    uuid::Uuid::from_slice(&row.get::<Vec<u8>, _>("id"))
        .unwrap()
        .to_string()
}

async fn premium_references(db: &std::path::Path) -> Vec<String> {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    sqlx::query("SELECT DISTINCT provider_ref FROM payment WHERE route = 'premium'")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.get::<Option<String>, _>("provider_ref")
                .unwrap_or_default()
        })
        .collect()
}

/// Households with BLT-DD or BLT-DAERAH and also PKH or SEMBAKO: (active enrolments, entitlements).
async fn doubly_served(db: &std::path::Path) -> (i64, i64) {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let enrolled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM targeting_enrolment a JOIN targeting_enrolment b \
         ON b.household_id = a.household_id WHERE a.program IN ('BLT-DD', 'BLT-DAERAH') \
         AND b.program IN ('PKH', 'SEMBAKO') AND a.state = 'active' AND b.state = 'active'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    let entitled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM entitlement a JOIN envelope ea ON ea.id = a.envelope_id \
         JOIN entitlement b ON b.household_id = a.household_id \
         JOIN envelope eb ON eb.id = b.envelope_id \
         WHERE ea.program IN ('BLT-DD', 'BLT-DAERAH') AND eb.program IN ('PKH', 'SEMBAKO') \
         AND a.state <> 'cancelled' AND b.state <> 'cancelled'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    (enrolled, entitled)
}

/// Entitlements per program.
async fn entitlements(db: &std::path::Path, program: &str) -> i64 {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM entitlement t JOIN envelope e ON e.id = t.envelope_id \
         WHERE e.program = ?",
    )
    .bind(program)
    .fetch_one(&mut c)
    .await
    .unwrap()
}

fn all_paid(rows: &[(String, String, i64)]) -> bool {
    PROGRAMS.iter().all(|p| {
        rows.iter().any(|(program, state, n)| {
            program == p && (state == "paying" || state == "closed") && *n > 0
        })
    })
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_pays_a_cycle_of_every_program() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = tepat(dir.path())
        .args([
            "demo",
            "--persons",
            "3000",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = dir.path().join("tepat.db");
    // The demo pays in the background after the server is up; wait for it (not a timing assertion:
    // the limit only keeps a broken demo from hanging the test).
    let start = Instant::now();
    let mut rows = Vec::new();
    while start.elapsed() < Duration::from_secs(600) {
        rows = settled(&db).await;
        if all_paid(&rows) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let references = if all_paid(&rows) {
        premium_references(&db).await
    } else {
        Vec::new()
    };
    stop(child);
    for p in PROGRAMS {
        assert!(
            rows.iter().any(|(program, state, n)| program == p
                && (state == "paying" || state == "closed")
                && *n > 0),
            "{p} has no envelope being paid with settled entitlements: {rows:?}"
        );
    }
    assert_eq!(references, vec!["SP2D/DEMO/PBI-JK/2027-01".to_owned()]);
    // SEMBAKO's demo quota leaves desil 1–4 households to BLT-DD and BLT-DAERAH without anyone paid twice.
    assert_eq!(doubly_served(&db).await, (0, 0));
    for p in ["BLT-DD", "BLT-DAERAH", "SEMBAKO", "PKH"] {
        assert!(entitlements(&db, p).await > 0, "{p} has no entitlements");
    }

    // The command line: the demo's transfer again changes nothing; a bad number is refused.
    let envelope = premium_envelope(&db).await;
    let again = run(tepat(dir.path()).args([
        "payments",
        "premium-paid",
        "--envelope",
        &envelope,
        "--reference",
        "SP2D/DEMO/PBI-JK/2027-01",
    ]));
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("recorded before"),
        "{}",
        stdout(&again)
    );
    let bad = run(tepat(dir.path()).args([
        "payments",
        "premium-paid",
        "--envelope",
        &envelope,
        "--reference",
        "<x>",
    ]));
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("document number"), "{}", stderr(&bad));
}
