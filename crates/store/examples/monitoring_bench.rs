//! Monitoring dashboard speed on the embedded store: builds (once) a SQLite file with N households and
//! what they bring along, refreshes the dashboard's aggregates (timed) and times every dashboard query
//! at every level a viewer can look from, printing the median and the slowest of 21 runs.
//!
//! ```sh
//! cargo run -p tepat-store --example monitoring_bench -- /tmp/monitor-1m.db 1000000
//! ```
//!
//! SQLite is built optimised even in debug builds (`[profile.dev.package."*"]`), so a debug build of
//! this example measures the database, not Rust's debug code. The rows are written straight into the
//! tables with SQL (sealed columns hold a placeholder byte): what the queries read has the real shape
//! and volume, the import paths are measured elsewhere (BENCHMARKS.md). Per N households, over 2,000
//! villages of the embedded region table: N registry households with one member each and N persons of
//! the population extract (1 in 500 dead; in 25 villages one address of N/2,000 persons), one envelope of N entitlements
//! in every state, N account links (1 in 1,000 shared by 5), N approved and N/20 waiting registry
//! requests, N/2 decisions by 200 approvers (one rejecting everything, the others 1 in 10), N/5 hand-overs from 500 devices, N/5 ratings and N/50
//! complaints.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::Connection as _;
use tepat_crypto::Keyring;
use tepat_store::{Area, FlagRule, FlagRules, Store};

const RUNS: usize = 21;

fn area(within: Option<&str>, digits: u8) -> Area {
    Area {
        within: within.map(str::to_owned),
        group_digits: digits,
    }
}

/// The seeding statements, `{n}` = households.
const SEED: &[&str] = &[
    "CREATE TEMP TABLE bv AS SELECT ROW_NUMBER() OVER (ORDER BY code) - 1 AS n, code FROM \
     (SELECT code FROM region WHERE level = 4 AND code LIKE '19%' ORDER BY code LIMIT 2000)",
    "CREATE TEMP TABLE bh (n INTEGER PRIMARY KEY, id BLOB NOT NULL, village TEXT NOT NULL, \
     nik BLOB NOT NULL)",
    "INSERT INTO bh WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {n} - 1) \
     SELECT s.n, randomblob(16), bv.code, randomblob(32) FROM s \
     JOIN bv ON bv.n = s.n % (SELECT COUNT(*) FROM bv)",
    "INSERT INTO registry_household (village_code, id, state, kk_index, kk_sealed, account_index, \
     details_sealed, version, verified_at, created_at, updated_at) \
     SELECT village, id, 'active', randomblob(32), x'00', NULL, x'00', 1, NULL, \
     '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM bh",
    "INSERT INTO population_person (village_code, id, nik_index, nik_sealed, kk_index, kk_sealed, \
     full_name, sex, birth_place, birth_date, relationship, address, rt, rw, occupation, death_date, \
     content_hash, import_run_id, created_at, updated_at) \
     SELECT village, randomblob(16), nik, x'00', randomblob(32), x'00', 'X', 'L', 'X', '1980-01-01', \
     'head', CASE WHEN n % 2000 < 25 THEN 'Jl. Padat ' || (n % 2000 / 25) ELSE 'Jl. ' || n END, \
     '001', '002', 'x', CASE WHEN n % 500 = 7 THEN '2025-06-01' END, x'00', randomblob(16), \
     '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM bh",
    "INSERT INTO registry_member (village_code, id, household_id, position, state, nik_index, \
     nik_sealed, phone_index, full_name, name_key, sex, birth_date, relationship, details_sealed) \
     SELECT village, randomblob(16), id, 0, 'active', nik, x'00', NULL, 'X', 'x', 'L', '1980-01-01', \
     'head', x'00' FROM bh",
    "INSERT INTO targeting_enrolment (village_code, program, household_id, state, since) \
     SELECT village, 'PKH', id, 'active', '2026-01-01' FROM bh",
    "INSERT INTO envelope (id, program, cycle, program_version, state, count, amount, scheduled_date, \
     prepared_by, prepared_at) VALUES (x'0190000000007000800000000000e001', 'PKH', '2027-T1', 1, \
     'paying', {n}, {n} * 750000, '2027-01-05', randomblob(16), '2027-01-01T00:00:00+00:00')",
    "INSERT INTO entitlement (envelope_id, household_id, village_code, amount, parts, route, provider, \
     state) SELECT x'0190000000007000800000000000e001', id, village, 750000, '[]', \
     CASE WHEN n % 2 = 0 THEN 'bank' ELSE 'cash' END, NULL, \
     CASE n % 6 WHEN 0 THEN 'pending' WHEN 1 THEN 'instructed' WHEN 2 THEN 'paid' \
     WHEN 3 THEN 'handed_over' WHEN 4 THEN 'failed' ELSE 'paid' END FROM bh",
    "INSERT INTO account_link (id, village_code, address_sealed, address_index, kind, provider, state, \
     source, requested_at) SELECT id, village, x'00', \
     CASE WHEN n % 1000 < 5 THEN zeroblob(31) || char(n / 1000 % 200) ELSE randomblob(32) END, \
     'account', 'bri', 'verified', 'officer', '2026-01-01T00:00:00+00:00' FROM bh",
    "INSERT INTO registry_request (village_code, id, household_id, kind, stage, submission_sealed, \
     created_at, updated_at) SELECT village, randomblob(16), id, 'new', 'approved', x'00', \
     '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM bh",
    "INSERT INTO registry_request (village_code, id, household_id, kind, stage, submission_sealed, \
     created_at, updated_at) SELECT village, randomblob(16), id, 'change', \
     CASE n % 4 WHEN 0 THEN 'proposed' WHEN 1 THEN 'village_verified' WHEN 2 THEN 'district_reviewed' \
     ELSE 'dinas_verified' END, x'00', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || (n % 90) || ' days'), \
     '2026-01-01T00:00:00+00:00' FROM bh WHERE n % 20 = 0",
    "INSERT INTO registry_transition (village_code, request_id, seq, from_stage, to_stage, event, \
     actor_user, actor_role, at, reason, visited_on) SELECT village, id, 2, 'dinas_verified', 'x', \
     CASE WHEN n % 200 = 4 OR n / 200 % 10 = 0 THEN 'reject' ELSE 'approve' END, \
     unhex(printf('%032x', n % 200)), 'approver', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-3 days'), \
     '', NULL FROM bh WHERE n % 2 = 0",
    "INSERT INTO handover (id, voucher_id, officer, device, handed_at, synced_at, status) \
     SELECT randomblob(16), id, unhex(printf('%032x', n % 500)), 'hp-' || (n % 500), \
     strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || (n % 30) || ' days', '+' || (n / 500 % 1440) || ' minutes'), \
     '2026-01-01T00:00:00+00:00', 'accepted' FROM bh WHERE n % 5 = 3",
    "INSERT INTO rating (village_code, id, envelope_id, household_id, program, cycle, stars, \
     comment_sealed, rated_at) SELECT village, randomblob(16), x'0190000000007000800000000000e001', id, \
     'PKH', '2027-T1', 1 + n % 5, x'00', '2027-01-20T00:00:00+00:00' FROM bh WHERE n % 5 = 3",
    "INSERT INTO complaint (village_code, id, ticket_index, ticket_sealed, category, level, state, \
     person_id, household_id, text_sealed, contact_sealed, contact_kind, submitted_at, due_on, \
     updated_at) SELECT village, randomblob(16), randomblob(32), x'00', 'other', 'village', \
     CASE n % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'answered' ELSE 'resolved' END, NULL, NULL, x'00', \
     x'00', NULL, '2027-01-20T00:00:00+00:00', date('now', (n % 11 - 5) || ' days'), \
     '2027-01-20T00:00:00+00:00' FROM bh WHERE n % 50 = 1",
];

fn median_and_max(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() - 1])
}

async fn time<F, Fut, T>(label: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let _ = f().await;
        runs.push(t.elapsed());
    }
    let (median, max) = median_and_max(runs);
    println!(
        "{label:<44} median {:>7.1} ms   max {:>7.1} ms",
        median.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: monitoring_bench FILE [HOUSEHOLDS]");
    let households: u64 = args
        .next()
        .map_or(1_000_000, |s| s.parse().expect("a number"));
    let fresh = !std::path::Path::new(&path).exists();
    let url = format!("sqlite://{path}");
    // The rows hold no sealed values, so any key opens the file again later.
    let store: Arc<dyn Store> = tepat_store::connect(&url, Arc::new(Keyring::generate()))
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    if fresh {
        let t = Instant::now();
        let mut c = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("connect");
        for statement in SEED {
            let sql = statement.replace("{n}", &households.to_string());
            let s = Instant::now();
            sqlx::query(&sql).execute(&mut c).await.expect(statement);
            eprintln!("seed step {:>6.1} s", s.elapsed().as_secs_f64());
        }
        sqlx::query("ANALYZE")
            .execute(&mut c)
            .await
            .expect("analyze");
        println!(
            "built {households} households in {:.0} s",
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    let parts = store
        .refresh_monitoring(&FlagRules::default(), Utc::now())
        .await
        .expect("refresh");
    println!(
        "refresh (every part)                         {:>7.1} s",
        t.elapsed().as_secs_f64()
    );
    for p in &parts {
        println!("  refresh {:<36} {:>7} ms", p.part, p.millis);
    }
    let today = Utc::now().date_naive();
    let soon = today + chrono::Duration::days(2);
    let views = [
        ("country, by province", area(None, 2)),
        ("province 19, by regency", area(Some("19"), 4)),
        ("regency 1902, by district", area(Some("1902"), 6)),
        ("district 190201, by village", area(Some("190201"), 10)),
    ];
    for (name, a) in &views {
        println!("-- {name}");
        time("pipeline", || store.monitor_pipeline(a, "PKH", "2027-T1")).await;
        time("ratings", || store.monitor_ratings(a, "PKH", "2027-T1")).await;
        time("registration backlog (live)", || store.monitor_backlog(a)).await;
        time("complaint deadlines (live)", || {
            store.monitor_complaints(a, today, soon, true)
        })
        .await;
        time("flag counts", || store.monitor_flag_counts(a)).await;
        for rule in FlagRule::ALL {
            time(&format!("flag list {}", rule.code()), || {
                store.monitor_flags(rule, a, 2000)
            })
            .await;
        }
        time("program-cycles", || store.monitor_cycles()).await;
        time("refresh times", || store.monitor_refreshed()).await;
    }
}
