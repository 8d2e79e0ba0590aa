//! The envelope path at scale on a temporary SQLite file: prepare (entitlements from the facts, routes
//! from the mapper, control totals), approve, release (one payment per household), write every pain.001
//! file, and import the simulated bank's pain.002 answers. Set-up (facts, enrolments, verified accounts)
//! is not timed.
//!
//! `cargo run --release -p tepat-core --example distribution_envelope_bench -- 1000000`

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, Utc};
use tepat_core::access::{
    Actor, ApproveEnvelope, ManagePayments, PrepareEnvelope, ReleaseEnvelope,
};
use tepat_core::distribution::{
    approve_envelope, export_bank_files, import_status_file, prepare_envelope, reconcile,
    release_envelope, DebtorAccount,
};
use tepat_core::registry::Origin;
use tepat_domain::distribution::CycleCode;
use tepat_domain::program::Programs;
use tepat_domain::{
    HouseholdFacts, MemberFacts, RegionCode, RegionLevel, Relationship, Role, Scope, Sex,
};
use tepat_payments::iso20022::bank_sim::{respond, SimPlan};
use tepat_regions::RegionTable;
use tepat_store::{LinkSource, NewAccountLink, ProgramVersion, Store};
use uuid::Uuid;

const PROGRAM: &str = r#"
[[program]]
code = "BENCH-KKS"
version = 1
name_id = "Bantuan uji (transfer)"
name_en = "Benchmark transfer"
legal_basis = "-"
funding = "apbd"
start = "2027-01-01"
end = "2027-12-31"
cycle = "quarterly"
cycles = 4
channel = "kks_transfer"
rule = "desil <= 10"

[program.benefit]
kind = "flat"
per_cycle = 600000
"#;

const BANKS: [&str; 5] = ["bri", "bni", "mandiri", "btn", "bsi"];
const BATCH: usize = 50_000;

fn seconds(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// CPU seconds (user + system) this process has used so far, from `/proc/self/stat` (0 elsewhere):
/// on a shared machine the wall time of a step also holds other programs' work.
fn cpu() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces) start after its closing parenthesis.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name and state.
    (ticks(11) + ticks(12)) / 100.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = tepat_store::connect(&url, Arc::new(tepat_crypto::Keyring::generate())).await?;
    store.migrate().await?;
    let started = Instant::now();
    set_up(store.as_ref(), n).await?;
    println!("set-up of {n} households: {:.1} s", seconds(started));

    let origin = Origin::now(None);
    let verifier = Actor::for_tests(Role::Verifier, Scope::All);
    let approver = Actor::for_tests(Role::Approver, Scope::All);
    let cycle: CycleCode = "2027-T1".parse()?;
    let pay_day = NaiveDate::from_ymd_opt(2027, 1, 15).expect("a date");

    let (t, c) = (Instant::now(), cpu());
    let prepared = prepare_envelope(
        store.as_ref(),
        &verifier.may_anywhere::<PrepareEnvelope>()?,
        "BENCH-KKS",
        &cycle,
        pay_day,
        &origin,
    )
    .await?;
    let prepare = seconds(t);
    let prepare_cpu = cpu() - c;
    let (t, c) = (Instant::now(), cpu());
    approve_envelope(
        store.as_ref(),
        &approver.may_anywhere::<ApproveEnvelope>()?,
        prepared.envelope,
        &origin,
    )
    .await?;
    let approve = seconds(t);
    let approve_cpu = cpu() - c;
    let (t, c) = (Instant::now(), cpu());
    let released = release_envelope(
        store.as_ref(),
        &approver.may_anywhere::<ReleaseEnvelope>()?,
        prepared.envelope,
        &origin,
    )
    .await?;
    let release = seconds(t);
    let release_cpu = cpu() - c;
    let files_dir = dir.path().join("out");
    std::fs::create_dir_all(&files_dir)?;
    let debtors: HashMap<String, DebtorAccount> = BANKS
        .iter()
        .map(|b| {
            (
                (*b).to_owned(),
                DebtorAccount {
                    name: "Dinas Sosial".into(),
                    account: "0011223344".into(),
                },
            )
        })
        .collect();
    let manage = verifier.may_anywhere::<ManagePayments>()?;
    let (t, c) = (Instant::now(), cpu());
    let files = export_bank_files(store.as_ref(), &manage, &files_dir, &debtors, &origin).await?;
    let export = seconds(t);
    let export_cpu = cpu() - c;
    let answers: Vec<Vec<u8>> = files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(&f.path).expect("written file");
            respond(&bytes, &SimPlan::all_paid(Utc::now()))
                .expect("the bank reads our file")
                .pain002
        })
        .collect();
    let (t, c) = (Instant::now(), cpu());
    let mut changed = 0;
    for (i, answer) in answers.iter().enumerate() {
        let report = import_status_file(
            store.as_ref(),
            &manage,
            &format!("pain002-{i}.xml"),
            answer,
            &origin,
        )
        .await?;
        changed += report.changed;
    }
    let import = seconds(t);
    let import_cpu = cpu() - c;
    let check = reconcile(store.as_ref(), prepared.envelope).await?;
    assert!(check.balanced);
    println!(
        "{} entitlements, {}; {} payments; {} files",
        prepared.totals.count,
        prepared.totals.amount,
        released.payments.count,
        files.len()
    );
    println!("step                              wall s    CPU s");
    let steps = [
        ("prepare (entitlements + envelope)", prepare, prepare_cpu),
        ("approve", approve, approve_cpu),
        ("release (payments)", release, release_cpu),
        ("export (pain.001 files)", export, export_cpu),
        (
            "cycle total",
            prepare + approve + release + export,
            prepare_cpu + approve_cpu + release_cpu + export_cpu,
        ),
        ("import pain.002", import, import_cpu),
    ];
    for (name, wall, cpu) in steps {
        println!("{name:<34}{wall:>7.2}  {cpu:>7.2}");
    }
    println!("payments changed by the import: {changed}");
    Ok(())
}

async fn set_up(store: &dyn Store, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    for program in Programs::from_toml(PROGRAM)?.iter() {
        store
            .save_program_version(&ProgramVersion {
                code: program.code.clone(),
                version: 1,
                body: program.def().to_toml(),
                saved_by: Uuid::nil(),
                saved_at: Utc::now(),
                note: "benchmark".into(),
            })
            .await?;
    }
    let villages: Vec<RegionCode> = RegionTable::embedded()
        .subtree(&RegionCode::parse("19.02")?)
        .iter()
        .filter(|r| r.level() == RegionLevel::DesaKelurahan)
        .map(|r| r.code)
        .collect();
    let born = NaiveDate::from_ymd_opt(1980, 1, 1).expect("a date");
    for start in (0..n).step_by(BATCH) {
        let end = (start + BATCH).min(n);
        let facts: Vec<HouseholdFacts> = (start..end)
            .map(|i| HouseholdFacts {
                id: Uuid::now_v7(),
                village: villages[i % villages.len()],
                survey: None,
                members: vec![MemberFacts {
                    birth_date: born,
                    sex: Sex::Perempuan,
                    relationship: Relationship::KepalaKeluarga,
                    survey: None,
                }],
                desil: None,
                welfare: None,
                enrolled: vec!["BENCH-KKS".into()],
            })
            .collect();
        store.load_targeting_facts(&facts).await?;
        let links: Vec<NewAccountLink> = facts
            .iter()
            .enumerate()
            .map(|(k, f)| NewAccountLink {
                household: f.id,
                village: f.village,
                address: format!(
                    "account:{}@{}",
                    1_000_000_000 + start + k,
                    BANKS[(start + k) % BANKS.len()]
                )
                .parse()
                .expect("a valid address"),
                source: LinkSource::Import,
                requested_at: Utc::now(),
            })
            .collect();
        store
            .import_account_links(&links, Uuid::nil(), Utc::now())
            .await?;
    }
    Ok(())
}
