//! `tepat distribution bench` (hidden) and what the demo shares with it: a large cycle measured on a
//! temporary SQLite file, and distribution points generated from the region table.
//!
//! Set-up (not timed): a generated survey's households repeated to `--households` with fresh ids,
//! loaded as targeting facts already enrolled in two bench programs (a flat transfer through the KKS
//! bank account, and flat village cash), each with a verified bank account at one of the five banks,
//! and distribution points for every village. Then, per run, on a fresh cycle of the programs:
//!
//! 1. **cycle**: prepare the envelope (every entitlement computed, control totals stored), approve,
//!    release (one payment per household) and write every pain.001 file;
//! 2. **reconcile**: the simulated bank's pain.002 for every file (made before the clock starts),
//!    imported and applied per payment;
//! 3. **assign**: the cash program's envelope (prepared, approved and released before the clock starts)
//!    assigned to points, days and slots in memory (`tepat_payments::schedule::assign`), and then
//!    through the whole store path (`issue_and_assign`: a signed voucher, an assignment and a notice
//!    per household), timed apart.
//!
//! Medians of the runs are printed; BENCHMARKS.md ("Distribution") has the figures.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use chrono::{NaiveDate, NaiveTime};
use tepat_core::access::{
    Actor, ApproveEnvelope, ManagePayments, ManagePoints, PrepareEnvelope, ReleaseEnvelope,
};
use tepat_core::distribution::bank::{self, DebtorAccount};
use tepat_core::distribution::points::{self, PointInput};
use tepat_core::distribution::{envelope, vouchers};
use tepat_core::registry::Origin;
use tepat_domain::distribution::{CycleCode, FinancialAddress};
use tepat_domain::program::Programs;
use tepat_domain::{RegionCode, RegionLevel, Role, Scope};
use tepat_payments::iso20022::bank_sim::{respond, SimPlan};
use tepat_payments::schedule;
use tepat_regions::RegionTable;
use tepat_store::{LinkSource, NewAccount, NewAccountLink, PointKind, ProgramVersion, Store};
use uuid::Uuid;

use crate::commands::distribution::{handover_days, BenchArgs};

/// A flat transfer through the KKS bank account, quarterly, and flat village cash, monthly: every
/// enrolled household gets something, so the cycle has exactly `--households` recipients.
const BENCH_PROGRAMS: &str = r#"
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

[[program]]
code = "BENCH-CASH"
version = 1
name_id = "Bantuan uji (tunai)"
name_en = "Benchmark cash"
legal_basis = "-"
funding = "apbd"
start = "2027-01-01"
end = "2027-12-31"
cycle = "monthly"
cycles = 12
channel = "village_cash"
rule = "desil <= 10"

[program.benefit]
kind = "flat"
per_cycle = 300000
"#;

const BANKS: [&str; 5] = ["bri", "bni", "mandiri", "btn", "bsi"];
/// Persons in the generated regency whose households are repeated.
const SEED_PERSONS: usize = 20_000;
const LOAD_BATCH: usize = 50_000;

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let tmp = tempdir_in(args.dir.as_deref())?;
    let db = tmp.join("bench.db");
    let keyring = Arc::new(tepat_crypto::Keyring::generate());
    let store = tepat_store::connect(&format!("sqlite://{}", db.display()), keyring).await?;
    store.migrate().await?;
    let n = args.households as usize;
    let started = Instant::now();
    set_up(store.as_ref(), &tmp, n).await?;
    println!(
        "set-up: {n} households enrolled with verified accounts, points for every village, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // In the order measured, so the parts follow their whole.
    let mut times: Vec<(&str, Vec<Duration>)> = Vec::new();
    for run in 0..args.runs {
        let t = one_run(store.as_ref(), &tmp, run).await?;
        for (name, d) in t {
            println!("run {}: {name:<34} {:>8.2} s", run + 1, d.as_secs_f64());
            match times.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => v.push(d),
                None => times.push((name, vec![d])),
            }
        }
    }
    println!("\nmedians of {} runs, {n} recipients:", args.runs);
    for (name, mut v) in times {
        v.sort();
        println!("  {name:<34} {:>8.2} s", v[v.len() / 2].as_secs_f64());
    }
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

fn tempdir_in(dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let base = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("tepat-distribution-bench-{}", Uuid::now_v7())),
    };
    std::fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    Ok(base)
}

async fn set_up(store: &dyn Store, tmp: &Path, n: usize) -> anyhow::Result<()> {
    save_programs(store, BENCH_PROGRAMS).await?;
    let survey = tmp.join("survey");
    let opts = tepat_generate::GenerateOptions {
        persons: Some(SEED_PERSONS),
        ..tepat_generate::GenerateOptions::new(
            &survey,
            7,
            NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date"),
        )
    };
    tokio::task::spawn_blocking(move || {
        tepat_generate::generate(&opts, RegionTable::embedded(), &|_, _| {})
    })
    .await??;
    let base = tepat_targeting::survey_file::read_dir(&survey)?;
    let origin = Origin::now(None);
    let mut households = Vec::with_capacity(n);
    for start in (0..n).step_by(LOAD_BATCH) {
        let batch: Vec<_> = (start..(start + LOAD_BATCH).min(n))
            .map(|i| {
                let mut h = base[i % base.len()].0.clone();
                h.id = Uuid::now_v7();
                h.enrolled = vec!["BENCH-KKS".into(), "BENCH-CASH".into()];
                households.push((h.id, h.village));
                h
            })
            .collect();
        store.load_targeting_facts(&batch).await?;
    }
    for (chunk, start) in households.chunks(LOAD_BATCH).zip((0..).step_by(LOAD_BATCH)) {
        let mut links = Vec::with_capacity(chunk.len());
        for (i, (household, village)) in chunk.iter().enumerate() {
            let bank = BANKS[(start + i) % BANKS.len()];
            let address: FinancialAddress =
                format!("account:{:010}@{bank}", 1_000_000_000 + start + i)
                    .parse()
                    .map_err(|e| anyhow::anyhow!("bench account: {e}"))?;
            links.push(NewAccountLink {
                household: *household,
                village: *village,
                address,
                source: LinkSource::Import,
                requested_at: origin.now,
            });
        }
        store
            .import_account_links(&links, Uuid::nil(), origin.now)
            .await?;
    }
    let regencies: Vec<RegionCode> = {
        let mut r: Vec<RegionCode> = households
            .iter()
            .filter_map(|(_, v)| v.parent().and_then(|d| d.parent()))
            .collect();
        r.sort();
        r.dedup();
        r
    };
    for regency in regencies {
        add_points(store, RegionTable::embedded(), &regency).await?;
    }
    Ok(())
}

/// Saves the programs of a programs file (their first versions) as the built-in ones are seeded.
pub async fn save_programs(store: &dyn Store, text: &str) -> anyhow::Result<()> {
    let programs = Programs::from_toml(text)?;
    for program in programs.iter() {
        if store.program(&program.code).await?.is_some() {
            continue;
        }
        store
            .save_program_version(&ProgramVersion {
                code: program.code.clone(),
                version: 1,
                body: program.def().to_toml(),
                saved_by: Uuid::nil(),
                saved_at: chrono::Utc::now(),
                note: "benchmark".into(),
            })
            .await?;
    }
    Ok(())
}

/// Distribution points for a regency from the region table, as an office would list them: the village
/// hall of every village (cash), the post office of every district (cash) and one e-Warung per district
/// (goods). Capacities are the demo's: 40 per 30-minute slot, 12 slots from 08:00.
pub fn generated_points(table: &RegionTable, regency: &RegionCode) -> Vec<PointInput> {
    let slot =
        |code: String, name: String, kind: PointKind, village: RegionCode, cap: u32| PointInput {
            code,
            name,
            kind,
            village,
            capacity_per_slot: cap,
            slots_per_day: 12,
            first_slot: NaiveTime::from_hms_opt(8, 0, 0).expect("08:00"),
            slot_minutes: 30,
            active: true,
            merchant_account: None,
        };
    let mut out = Vec::new();
    for district in table.children(regency) {
        let villages: Vec<_> = table.children(&district.code).collect();
        let Some(first) = villages.first() else {
            continue;
        };
        let d = district.code.plain().replace('.', "");
        out.push(slot(
            format!("POS-{d}"),
            format!("Kantor Pos {}", district.name),
            PointKind::PostOffice,
            first.code,
            60,
        ));
        out.push(slot(
            format!("EWR-{d}"),
            format!("e-Warung {}", district.name),
            PointKind::EWarung,
            first.code,
            40,
        ));
        for v in villages {
            out.push(slot(
                format!("BD-{}", v.code.plain().replace('.', "")),
                format!("Balai Desa {}", v.name),
                PointKind::VillageHall,
                v.code,
                40,
            ));
        }
    }
    out
}

/// Stores [`generated_points`] of `regency` (existing codes are updated).
pub async fn add_points(
    store: &dyn Store,
    table: &RegionTable,
    regency: &RegionCode,
) -> anyhow::Result<u64> {
    if regency.level() != RegionLevel::KabupatenKota {
        bail!("{regency} is not a regency code");
    }
    let actor = Actor::local_officer(Role::Verifier);
    let grant = actor.may_anywhere::<ManagePoints>()?;
    let done = points::import_points(store, &grant, generated_points(table, regency)).await?;
    Ok(done.created + done.updated)
}

async fn one_run(
    store: &dyn Store,
    tmp: &Path,
    run: u32,
) -> anyhow::Result<Vec<(&'static str, Duration)>> {
    let mut out = Vec::new();
    let origin = Origin::now(None);
    let verifier = Actor::local_officer(Role::Verifier);
    let approver = bench_approver(store).await?;
    let dir = tmp.join(format!("files-{run}"));
    std::fs::create_dir_all(&dir)?;
    let debtors: HashMap<String, DebtorAccount> = BANKS
        .iter()
        .map(|b| {
            (
                b.to_string(),
                DebtorAccount {
                    name: "Dinas Sosial".into(),
                    account: "1234567890".into(),
                },
            )
        })
        .collect();

    // 1. The transfer cycle.
    let cycle: CycleCode = format!("2027-T{}", run % 4 + 1).parse()?;
    let t = Instant::now();
    let (id, steps) =
        prepare_approve_release(store, &verifier, &approver, "BENCH-KKS", &cycle, &origin).await?;
    let payments = verifier.may_anywhere::<ManagePayments>()?;
    let export = Instant::now();
    let files = bank::export_bank_files(store, &payments, &dir, &debtors, &origin).await?;
    out.push(("cycle: entitlements..pain.001", t.elapsed()));
    out.extend(steps);
    out.push(("  of which export pain.001", export.elapsed()));
    let written: u64 = files.iter().map(|f| f.count).sum();
    if written == 0 {
        bail!("envelope {id}: no pain.001 payments written");
    }

    // 2. Reconciliation of the bank's status reports.
    let plan = SimPlan {
        seed: u64::from(run),
        reject_per_mille: 5,
        ..SimPlan::all_paid(origin.now)
    };
    let mut reports = Vec::new();
    for f in &files {
        let bytes = std::fs::read(&f.path)?;
        reports.push((f.batch.clone(), respond(&bytes, &plan)?.pain002));
    }
    let t = Instant::now();
    let mut lines = 0;
    for (name, bytes) in &reports {
        let r = bank::import_status_file(store, &payments, name, bytes, &origin).await?;
        lines += r.lines;
    }
    out.push(("reconcile: pain.002 status lines", t.elapsed()));
    if lines < written {
        bail!("{lines} status lines for {written} payments");
    }

    // 3. Assignment of the cash program's recipients.
    let cash_cycle: CycleCode = format!("2027-{:02}", run % 12 + 1).parse()?;
    let (cash, _) = prepare_approve_release(
        store,
        &verifier,
        &approver,
        "BENCH-CASH",
        &cash_cycle,
        &origin,
    )
    .await?;
    let e = store.envelope(cash).await?.context("the cash envelope")?;
    let days = handover_days(e.scheduled_date);
    let candidates = store.voucher_candidates(cash).await?;
    let all_points = store.points(true).await?;
    let sched_points: Vec<schedule::Point> = all_points
        .iter()
        .map(|p| schedule::Point {
            village: p.village.plain().to_owned(),
            capacity_per_slot: p.capacity_per_slot,
            slots_per_day: p.slots_per_day,
        })
        .collect();
    let recipients: Vec<schedule::Recipient> = candidates
        .iter()
        .map(|c| schedule::Recipient {
            key: vouchers::schedule_key(cash, c.household),
            village: c.village.plain().to_owned(),
        })
        .collect();
    let t = Instant::now();
    let placed = schedule::assign(&sched_points, &recipients, &days)?;
    out.push(("assign: points and slots (memory)", t.elapsed()));
    if placed.summary.assigned == 0 {
        bail!("nobody placed");
    }
    let signer = tepat_payments::voucher::VoucherSigner::new(
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
    );
    let t = Instant::now();
    let issued = vouchers::issue_and_assign(store, &signer, cash, &days, origin.now).await?;
    out.push(("assign: vouchers+slots+notices", t.elapsed()));
    if issued.vouchers == 0 {
        bail!("no vouchers issued");
    }
    Ok(out)
}

/// An approver account of the bench database: maker-checker needs a second person.
async fn bench_approver(store: &dyn Store) -> anyhow::Result<Actor> {
    const NAME: &str = "bench.approver";
    let account = match store.account_by_username(NAME).await? {
        Some(a) => a,
        None => {
            let new = NewAccount {
                username: NAME.into(),
                display_name: "Bench approver".into(),
                role: Role::Approver,
                scope: Scope::All,
                // Nobody signs in to the bench database.
                password_hash: "-".into(),
            };
            store.create_account(&new, chrono::Utc::now()).await?
        }
    };
    Ok(Actor::local_as(&account))
}

async fn prepare_approve_release(
    store: &dyn Store,
    verifier: &Actor,
    approver: &Actor,
    program: &str,
    cycle: &CycleCode,
    origin: &Origin,
) -> anyhow::Result<(Uuid, Vec<(&'static str, Duration)>)> {
    let (first, _) = cycle.period();
    let mut steps = Vec::new();
    let t = Instant::now();
    let prepared = envelope::prepare_envelope(
        store,
        &verifier.may_anywhere::<PrepareEnvelope>()?,
        program,
        cycle,
        first.max(origin.now.date_naive()),
        origin,
    )
    .await?;
    steps.push(("  of which prepare (entitlements)", t.elapsed()));
    let t = Instant::now();
    envelope::approve_envelope(
        store,
        &approver.may_anywhere::<ApproveEnvelope>()?,
        prepared.envelope,
        origin,
    )
    .await?;
    steps.push(("  of which approve", t.elapsed()));
    let t = Instant::now();
    envelope::release_envelope(
        store,
        &verifier.may_anywhere::<ReleaseEnvelope>()?,
        prepared.envelope,
        origin,
    )
    .await?;
    steps.push(("  of which release (payments)", t.elapsed()));
    Ok((prepared.envelope, steps))
}
