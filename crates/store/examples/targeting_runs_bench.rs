//! Speed of saving and approving a targeting run: N households spread over 100 villages (a third
//! selected, a third waitlisted, a third excluded), saved as a draft with all its rows in one
//! transaction, then approved (enrolments written in the same transaction). Three rounds, each a new
//! run of the same program, so rounds 2 and 3 also supersede, continue and graduate enrolments.
//!
//! ```sh
//! cargo run --release -p tepat-store --example targeting_runs_bench -- 100000
//! cargo run --release -p tepat-store --example targeting_runs_bench -- 100000 postgres://USER:PW@HOST/DB
//! ```
//!
//! Without a URL it uses a fresh SQLite file in a temporary directory. A PostgreSQL database must be
//! empty or hold tepat's schema; the bench leaves its rows behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use tepat_crypto::Keyring;
use tepat_domain::{RegionCode, RegionLevel, Rupiah};
use tepat_store::{Approval, CandidateRow, CandidateStatus, DecreeNumber, NewRun, Store};
use uuid::Uuid;

const ROUNDS: usize = 3;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: u32 = args
        .next()
        .map(|s| s.parse().expect("N: a number of households"))
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("tepat.db").display()));
    let keys = dir.path().join("tepat.keys");
    let store = tepat_store::connect(&url, Arc::new(Keyring::load_or_create(&keys).unwrap()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let villages = villages();
    let households: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    let (mut saves, mut approvals) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let rows = rows(&households, &villages, round);
        let run = new_run();
        let t = Instant::now();
        store.save_run(&run, &rows).await.unwrap();
        saves.push(t.elapsed());
        let t = Instant::now();
        let outcome = approve(store.as_ref(), &run, round).await;
        approvals.push(t.elapsed());
        println!(
            "round {}: save {:?}, approve {:?} ({} enrolled, {} graduated)",
            round + 1,
            saves[round],
            approvals[round],
            outcome.enrolled,
            outcome.graduated
        );
    }
    println!(
        "{n} households on {}: save run median {:?}, approve median {:?}",
        store.backend_name(),
        median(saves),
        median(approvals)
    );
}

trait BackendName {
    fn backend_name(&self) -> String;
}

impl BackendName for Arc<dyn Store> {
    fn backend_name(&self) -> String {
        format!("{:?}", self.backend())
    }
}

/// The first 100 villages of regency 19.02 (Belitung) in the embedded region table.
fn villages() -> Vec<RegionCode> {
    let within = RegionCode::parse("19.02").unwrap();
    let found: Vec<RegionCode> = tepat_regions::RegionTable::embedded()
        .subtree(&within)
        .iter()
        .filter(|r| r.level() == RegionLevel::DesaKelurahan)
        .map(|r| r.code)
        .take(100)
        .collect();
    assert!(!found.is_empty(), "no villages in 19.02");
    found
}

/// Each round shifts the statuses by one, so a third of the enrolled leave and a third arrive.
fn rows(households: &[Uuid], villages: &[RegionCode], round: usize) -> Vec<CandidateRow> {
    households
        .iter()
        .enumerate()
        .map(|(i, &household)| {
            let status = match (i + round) % 3 {
                0 => CandidateStatus::Candidate,
                1 => CandidateStatus::Waitlist,
                _ => CandidateStatus::Excluded,
            };
            CandidateRow {
                village: villages[i % villages.len()],
                household,
                status,
                rank: i as u32 + 1,
                village_rank: (i / villages.len()) as u32 + 1,
                benefit: Rupiah::new(750_000),
                reasons: r#"{"desil":2,"rule":["desil <= 4"]}"#.into(),
            }
        })
        .collect()
}

fn new_run() -> NewRun {
    NewRun {
        id: Uuid::now_v7(),
        program: "PKH".into(),
        program_version: 1,
        reference_date: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        period: "2026-Q3".into(),
        created_by: Uuid::now_v7(),
        created_at: Utc::now(),
        summary: "{}".into(),
    }
}

async fn approve(store: &dyn Store, run: &NewRun, round: usize) -> tepat_store::ApprovalOutcome {
    let approval = Approval {
        decree: DecreeNumber::parse(&format!("SK 400/{round}/2026")).unwrap(),
        by: Uuid::now_v7(),
        at: Utc::now(),
        list_hash: [round as u8; 32],
    };
    store.approve_run(run.id, &approval).await.unwrap()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
