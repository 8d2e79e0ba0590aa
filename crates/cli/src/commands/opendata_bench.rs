//! `tepat opendata refresh` (rewrite the open-data aggregates now) and `tepat opendata bench` (hidden):
//! the public portal's queries timed on a temporary SQLite file holding a cycle of a 1,000,000-household
//! registry.
//!
//! Set-up (not timed): the villages of one province; a tenth of them get 1 to 4 households (so
//! suppression has work), the rest share the remainder. Written straight in SQL, as the distribution
//! path would leave them once the ledger has logged everything: one transfer program (every household,
//! a settled or rejected payment each, a few returned) and one cash program (a third of the
//! households, vouchers, most handed over), ratings for a tenth, complaints. Then, timed:
//!
//! 1. **refresh**: the job that rewrites the aggregates (not a query; reported apart);
//! 2. **publication (cold)**: every program-cycle's table at every level with suppression, plus the
//!    complaints table, from the aggregates;
//! 3. **publication (cached)**: what each request does between refreshes;
//! 4. **CSV of every row**, **DCAT catalogue**, **one village's masked list**.
//!
//! Medians of the runs are printed; BENCHMARKS.md ("Open data") has the figures.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use clap::{Args, Subcommand};
use sqlx::Connection as _;
use tepat_core::opendata::catalog::{self, CatalogSite};
use tepat_core::opendata::datasets;
use tepat_core::opendata::recipients::recipient_list;
use tepat_core::opendata::{OpenData, OpenDataSettings};
use tepat_domain::RegionCode;
use tepat_regions::RegionTable;
use uuid::Uuid;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum OpenDataCommand {
    /// Rewrite the open-data aggregates now (the server also does it every [opendata]
    /// refresh_minutes when the portal is read)
    Refresh,
    /// Time the portal's queries on a generated registry (a temporary database)
    #[command(hide = true)]
    Bench(OpenDataBenchArgs),
}

#[derive(Debug, Args)]
pub struct OpenDataBenchArgs {
    /// Households in the registry (all in the transfer program)
    #[arg(long, default_value_t = 1_000_000)]
    pub households: u32,
    /// Repetitions (the median is printed)
    #[arg(long, default_value_t = 5)]
    pub runs: u32,
    /// The province whose villages the households live in
    #[arg(long, default_value = "32")]
    pub province: String,
    /// Keep the temporary database here instead of a temporary directory
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub async fn run(ctx: &Context, cmd: OpenDataCommand) -> anyhow::Result<()> {
    match cmd {
        OpenDataCommand::Refresh => {
            let store = ctx.migrated_store().await?;
            let done = store.refresh_open_data(Utc::now()).await?;
            println!(
                "open data refreshed at {}: {} program-cycle-village rows",
                done.refreshed_at.to_rfc3339(),
                done.cells
            );
            Ok(())
        }
        OpenDataCommand::Bench(args) => bench(&args).await,
    }
}

async fn bench(args: &OpenDataBenchArgs) -> anyhow::Result<()> {
    let tmp = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("tepat-opendata-bench-{}", Uuid::now_v7())),
    };
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let db = tmp.join("bench.db");
    let keyring = Arc::new(tepat_crypto::Keyring::generate());
    let store = tepat_store::connect(&format!("sqlite://{}", db.display()), keyring).await?;
    store.migrate().await?;
    let province = RegionCode::parse(&args.province).context("--province is a province code")?;
    let villages: Vec<String> = RegionTable::embedded()
        .subtree(&province)
        .iter()
        .filter(|r| r.code.level() == tepat_domain::RegionLevel::DesaKelurahan)
        .map(|r| r.code.plain().to_owned())
        .collect();
    anyhow::ensure!(!villages.is_empty(), "no villages under {}", args.province);
    let n = u64::from(args.households);
    let started = Instant::now();
    seed(&db, &villages, n).await?;
    println!(
        "set-up: {n} households in {} villages of {}, in {:.1} s",
        villages.len(),
        province.dotted(),
        started.elapsed().as_secs_f64()
    );
    let opendata = OpenData::new(
        store.clone(),
        OpenDataSettings::default(),
        RegionTable::embedded(),
    );
    let site = CatalogSite {
        base: "https://bansos.example.go.id".into(),
        publisher: "Dinas Sosial".into(),
        lists_on: true,
    };
    let mut times: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut record =
        |name: &'static str, d: Duration| match times.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(d),
            None => times.push((name, vec![d])),
        };
    let mut published = 0;
    for run in 0..args.runs {
        let t = Instant::now();
        let refreshed = opendata.refresh(Utc::now()).await?;
        record("refresh (job, not a query)", t.elapsed());
        let t = Instant::now();
        let p = opendata.publication(Utc::now()).await?;
        record("publication, cold", t.elapsed());
        let t = Instant::now();
        let p2 = opendata.publication(Utc::now()).await?;
        record("publication, cached", t.elapsed());
        anyhow::ensure!(Arc::ptr_eq(&p, &p2), "the publication was not cached");
        let t = Instant::now();
        let csv = datasets::distribution_csv(p.distribution.iter());
        record("CSV of every row", t.elapsed());
        let t = Instant::now();
        let dcat = catalog::dcat(&site, &p);
        record("DCAT catalogue", t.elapsed());
        let village = p
            .distribution
            .iter()
            .filter(|r| r.level == tepat_core::opendata::Level::Village && r.households.is_some())
            .max_by_key(|r| r.households)
            .and_then(|r| r.region_code.as_deref())
            .and_then(|c| RegionCode::parse(c).ok())
            .context("no published village")?;
        let t = Instant::now();
        let list = recipient_list(store.as_ref(), &p, true, "BENCH-KKS", "2027-T1", &village)
            .await?
            .map_err(|_| anyhow::anyhow!("the largest village's list is not published"))?;
        record("one village's masked list", t.elapsed());
        published = p.distribution.len();
        if run == 0 {
            println!(
                "{} aggregate rows, {} published rows ({} hidden household cells), CSV {} KB, catalogue {} KB, largest village list {} lines",
                refreshed.cells,
                p.distribution.len(),
                p.distribution.iter().filter(|r| r.households.is_none()).count(),
                csv.len() / 1024,
                dcat.to_string().len() / 1024,
                list.len()
            );
        }
    }
    println!(
        "\nmedians of {} runs, {n} households, {published} published rows:",
        args.runs
    );
    for (name, mut v) in times {
        v.sort();
        println!(
            "  {name:<30} {:>9.1} ms",
            v[v.len() / 2].as_secs_f64() * 1000.0
        );
    }
    drop(store);
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

/// Households per village: a tenth of the villages get 1 to 4, the rest share what is left.
fn village_counts(villages: usize, n: u64) -> Vec<u64> {
    let small: Vec<u64> = (0..villages)
        .map(|i| {
            if i % 10 == 3 {
                1 + (i as u64 / 10) % 4
            } else {
                0
            }
        })
        .collect();
    let rest = n.saturating_sub(small.iter().sum());
    let big = small.iter().filter(|&&c| c == 0).count().max(1) as u64;
    let mut left = rest;
    let mut seen = 0;
    small
        .iter()
        .map(|&c| {
            if c > 0 {
                return c;
            }
            seen += 1;
            let share = if seen == big { left } else { rest / big };
            left -= share;
            share
        })
        .collect()
}

/// The rows the distribution path and the ledger publisher would leave, written in bulk.
async fn seed(db: &std::path::Path, villages: &[String], n: u64) -> anyhow::Result<()> {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
    let mut tx = c.begin().await?;
    sqlx::query("CREATE TEMP TABLE bench_village (start INTEGER PRIMARY KEY, code TEXT NOT NULL)")
        .execute(&mut *tx)
        .await?;
    let mut start = 0u64;
    for (code, count) in villages.iter().zip(village_counts(villages.len(), n)) {
        if count == 0 {
            continue;
        }
        sqlx::query("INSERT INTO bench_village (start, code) VALUES ($1, $2)")
            .bind(start as i64)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        start += count;
    }
    let envelope = "INSERT INTO envelope (id, program, cycle, program_version, state, count, amount, \
         scheduled_date, prepared_by, prepared_at, ledger_index) \
         VALUES ($1, $2, '2027-T1', 1, 'paying', $3, $4, '2027-01-15', randomblob(16), '2027-01-01T00:00:00Z', 1)";
    let transfer = Uuid::now_v7();
    let cash = Uuid::now_v7();
    for (id, program, count, amount) in [
        (transfer, "BENCH-KKS", n, 600_000i64),
        (cash, "BENCH-CASH", n / 3, 300_000),
    ] {
        sqlx::query(envelope)
            .bind(id)
            .bind(program)
            .bind(count as i64)
            .bind(count as i64 * amount)
            .execute(&mut *tx)
            .await?;
    }
    // Entitlements: household n lives in the village whose range holds n.
    let entitlements = "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < $2) \
         INSERT INTO entitlement (envelope_id, household_id, village_code, amount, parts, route, state, \
           ledger_index, ledger_leaf) \
         SELECT $1, randomblob(16), \
           (SELECT code FROM bench_village WHERE start <= seq.n * $4 ORDER BY start DESC LIMIT 1), \
           $3, '[]', $5, $6, seq.n + 10, randomblob(32) FROM seq";
    for (id, count, amount, stride, route, state) in [
        (transfer, n, 600_000i64, 1u64, "bank", "paid"),
        (cash, n / 3, 300_000, 3, "cash", "handed_over"),
    ] {
        sqlx::query(entitlements)
            .bind(id)
            .bind(count as i64)
            .bind(amount)
            .bind(stride as i64)
            .bind(route)
            .bind(state)
            .execute(&mut *tx)
            .await?;
    }
    // A payment per transfer: 2 % rejected, 0.5 % returned (and reversed), the rest settled.
    sqlx::query(
        "INSERT INTO payment (id, envelope_id, household_id, attempt, route, provider, amount, state, \
           created_at, updated_at, ledger_index, ledger_leaf, result_ledger_index, result_ledger_leaf) \
         SELECT randomblob(16), envelope_id, household_id, 1, 'bank', 'BRI', amount, \
           CASE WHEN ledger_index % 50 = 0 THEN 'rejected' WHEN ledger_index % 200 = 1 THEN 'returned' \
                ELSE 'settled' END, \
           '2027-01-15T00:00:00Z', '2027-01-16T00:00:00Z', 1, randomblob(32), 1, randomblob(32) \
         FROM entitlement WHERE envelope_id = $1",
    )
    .bind(transfer)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO ledger_step (object_id, step, ledger_index, ledger_leaf) \
         SELECT id, 'reversal', 1, randomblob(32) FROM payment WHERE state = 'returned'",
    )
    .execute(&mut *tx)
    .await?;
    // Cash: a voucher each, nine in ten handed over.
    sqlx::query(
        "INSERT INTO voucher (id, envelope_id, household_id, amount, recipient, valid_from, valid_until, \
           key_id, issued_at) \
         SELECT randomblob(16), envelope_id, household_id, amount, randomblob(32), '2027-01-15', \
           '2027-02-15', 'bench', '2027-01-10T00:00:00Z' FROM entitlement WHERE envelope_id = $1",
    )
    .bind(cash)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO handover (id, voucher_id, officer, device, handed_at, synced_at, status, \
           ledger_index, ledger_leaf) \
         SELECT randomblob(16), id, randomblob(16), 'bench', '2027-01-20T00:00:00Z', \
           '2027-01-20T00:00:00Z', 'accepted', 1, randomblob(32) \
         FROM voucher WHERE envelope_id = $1 AND abs(random()) % 10 <> 0",
    )
    .bind(cash)
    .execute(&mut *tx)
    .await?;
    // Ratings from a tenth of the transfer households, and complaints.
    sqlx::query(
        "INSERT INTO rating (village_code, id, envelope_id, household_id, program, cycle, stars, \
           comment_sealed, rated_at) \
         SELECT village_code, randomblob(16), envelope_id, household_id, 'BENCH-KKS', '2027-T1', \
           1 + abs(random()) % 5, x'', '2027-01-21T00:00:00Z' \
         FROM entitlement WHERE envelope_id = $1 AND ledger_index % 10 = 0",
    )
    .bind(transfer)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO complaint (village_code, id, ticket_index, ticket_sealed, category, level, state, \
           text_sealed, contact_sealed, submitted_at, due_on, updated_at) \
         SELECT village_code, randomblob(16), randomblob(32), x'', 'not_received', 'village', \
           CASE WHEN ledger_index % 3 = 0 THEN 'resolved' ELSE 'open' END, x'', x'', \
           '2027-01-22T00:00:00Z', '2027-02-05', '2027-01-22T00:00:00Z' \
         FROM entitlement WHERE envelope_id = $1 AND ledger_index % 100 = 7",
    )
    .bind(transfer)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::village_counts;

    #[test]
    fn counts_add_up_and_a_tenth_of_villages_are_small() {
        let c = village_counts(100, 10_000);
        assert_eq!(c.iter().sum::<u64>(), 10_000);
        assert_eq!(c.iter().filter(|&&x| x < 5).count(), 10);
    }
}
