//! The registry's upkeep from the command line on a real SQLite file: a newer population extract with a
//! death of a registered person gives the officers a task (`tepat import population`), and households not
//! verified for too long are flagged (`tepat registry flag-stale`).

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use sqlx::Connection;
use tepat_domain::{Nik, RegionCode, Scope, Sex};
use tepat_store::{Store, TaskKind, TaskState};

mod support;
use support::{ok_text, tepat, text};

/// Mbah Karto, the eldest member of the demo registry's approved household (`seed_demo`: district
/// 19.02.01, serial 9169), and its head; `death` dates Mbah Karto's death.
fn extract(path: &Path, death: Option<&str>) {
    let district = RegionCode::parse("19.02.01").unwrap();
    let nik = |sex, (y, m, d), serial| {
        Nik::from_parts(
            district,
            sex,
            NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            serial,
        )
        .unwrap()
        .digits()
        .to_owned()
    };
    let head = nik(Sex::LakiLaki, (1970, 7, 7), 9401);
    let elder = nik(Sex::LakiLaki, (1941, 1, 5), 9169);
    let kk = "1902019900000005";
    let mut csv = String::from(
        "nik,kk_number,full_name,sex,birth_place,birth_date,religion,marital_status,relationship,\
         address,rt,rw,village_code,occupation,death_date\n",
    );
    csv.push_str(&format!(
        "{head},{kk},Bambang Sutrisno,L,Tanjung Pandan,1970-07-07,,,kepala_keluarga,Jalan Merdeka Gg. 5,001,002,19.02.01.1001,Buruh,\n"
    ));
    csv.push_str(&format!(
        "{elder},{kk},Mbah Karto,L,Tanjung Pandan,1941-01-05,,,orang_tua,Jalan Merdeka Gg. 5,001,002,19.02.01.1001,,{}\n",
        death.unwrap_or("")
    ));
    std::fs::write(path, csv).unwrap();
}

async fn store(dir: &Path) -> Arc<dyn Store> {
    let keyring = tepat_crypto::Keyring::load_or_create(&dir.join("tepat.keys")).unwrap();
    tepat_store::connect(
        &format!("sqlite://{}", dir.join("tepat.db").display()),
        Arc::new(keyring),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_death_in_a_newer_extract_and_an_old_verification_become_tasks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok_text(dir, &["migrate"]);
    extract(&dir.join("v1.csv"), None);
    let out = ok_text(dir, &["import", "population", "v1.csv"]);
    assert!(out.contains("registry tasks: 0"), "{out}");

    // The demo registry: one household approved, its members the persons above.
    let s = store(dir).await;
    assert!(
        tepat_web::ui::registry::demo::seed_demo(s.clone())
            .await
            .unwrap()
            > 0
    );
    let open = |s: Arc<dyn Store>| async move {
        s.registry_tasks(TaskState::Open, &Scope::All, 100)
            .await
            .unwrap()
    };
    assert!(open(s.clone()).await.is_empty());

    extract(&dir.join("v2.csv"), Some("2026-10-01"));
    let out = ok_text(dir, &["import", "population", "v2.csv"]);
    assert!(
        out.contains("registry tasks: 1 (1 death(s), 0 move(s)"),
        "{out}"
    );
    let tasks = open(s.clone()).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].kind, TaskKind::Death);
    assert!(tasks[0].member.is_some());

    // Verified just now: nothing is stale.
    let out = ok_text(dir, &["registry", "flag-stale"]);
    assert!(out.starts_with("0 household(s)"), "{out}");
    // The approval two years back: stale by the default 365 days, not by 1,000.
    let mut c =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.join("tepat.db").display()))
            .await
            .unwrap();
    let moved = sqlx::query(
        "UPDATE registry_household SET verified_at = '2024' || substr(verified_at, 5) \
         WHERE verified_at IS NOT NULL",
    )
    .execute(&mut c)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(moved, 1);
    let o = tepat(dir)
        .args(["registry", "flag-stale"])
        .env("TEPAT_REGISTRY_REVERIFY_AFTER_DAYS", "1000")
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.starts_with("0 household(s) not verified for 1000 days"),
        "{out}"
    );
    let out = ok_text(dir, &["registry", "flag-stale"]);
    assert!(
        out.starts_with("1 household(s) not verified for 365 days"),
        "{out}"
    );
    let tasks = open(s.clone()).await;
    assert_eq!(
        tasks
            .iter()
            .filter(|t| t.kind == TaskKind::Reverify)
            .count(),
        1,
        "{tasks:?}"
    );
    // Twice is once.
    let out = ok_text(dir, &["registry", "flag-stale"]);
    assert!(out.starts_with("0 household(s)"), "{out}");
}
