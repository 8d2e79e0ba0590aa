//! Measures the population import: writes a synthetic extract of N rows (default 1,000,000) in Kabupaten
//! Belitung, imports it into a fresh SQLite file, then imports it again (every row unchanged).
//!
//! ```text
//! cargo run --release -p tepat-core --example population_bench -- [ROWS] [DIR]
//! ```
//! DIR (default: a temporary directory) receives `population.csv` and `tepat.db`. With
//! `BENCH_DATABASE_URL=postgres://…` the imports go to that (empty) database instead.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use tepat_core::population::{import_population, ImportOptions};
use tepat_domain::{Nik, RegionCode, RegionLevel, Sex};
use tepat_regions::RegionTable;

const NAMES: [&str; 12] = [
    "Ahmad Fauzi",
    "Siti Aminah",
    "Muhammad Rizki",
    "Nur Hasanah",
    "Sukarno",
    "Sumiyem",
    "I Made Suarta",
    "Ni Wayan Sari",
    "Hj. Rohani",
    "Joesoef Rahman",
    "Andi Baso",
    "Dewi Lestari",
];
const OCCUPATIONS: [&str; 6] = [
    "NELAYAN/PERIKANAN",
    "WIRASWASTA",
    "PETANI/PEKEBUN",
    "MENGURUS RUMAH TANGGA",
    "PELAJAR/MAHASISWA",
    "BURUH HARIAN LEPAS",
];
/// Birth dates are spread over 100 years; `i * STRIDE mod DAYS` visits each day once per block.
const DAYS: u64 = 36_500;
const STRIDE: u64 = 7_919;

fn main() {
    let rows: u64 = std::env::args()
        .nth(1)
        .map_or(1_000_000, |s| s.parse().expect("ROWS"));
    let keep = std::env::args().nth(2).map(PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("population.csv");
    let t = Instant::now();
    write_extract(&csv, rows);
    let size = std::fs::metadata(&csv).unwrap().len();
    eprintln!(
        "wrote {rows} rows ({:.0} MB) in {:.1?}",
        size as f64 / 1e6,
        t.elapsed()
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = dir.join("tepat.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let url = std::env::var("BENCH_DATABASE_URL")
            .unwrap_or_else(|_| format!("sqlite://{}", db.display()));
        let keyring = Arc::new(tepat_crypto::Keyring::generate());
        let store = tepat_store::connect(&url, keyring).await.unwrap();
        store.migrate().await.unwrap();
        let opts = ImportOptions {
            report: None,
            progress: false,
            today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        };
        let labels: &[&str] = if std::env::var("BENCH_ONCE").is_ok() {
            &["first import"]
        } else {
            &["first import", "re-import (unchanged)"]
        };
        for label in labels {
            let s = import_population(&*store, RegionTable::embedded(), &csv, &opts)
                .await
                .unwrap();
            println!("{label}: {s}");
            println!(
                "{label}: {} rows in {:.2} s = {:.0} rows/s",
                s.rows,
                s.elapsed.as_secs_f64(),
                s.rows_per_second()
            );
        }
        if let Ok(meta) = std::fs::metadata(&db) {
            println!("database file: {:.0} MB", meta.len() as f64 / 1e6);
        }
    });
    println!("peak memory (VmHWM): {}", peak_memory());
    println!("CPU seconds by thread: {}", thread_cpu());
}

/// User + system CPU seconds per thread name (threads that have ended are not counted).
fn thread_cpu() -> String {
    let tick = 100.0; // USER_HZ
    let mut by_name: std::collections::BTreeMap<String, f64> = Default::default();
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let cpu: f64 =
            fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
        *by_name.entry(name).or_default() += cpu / tick;
    }
    by_name
        .iter()
        .map(|(n, s)| format!("{n} {s:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A household-shaped extract: heads, spouses and children in Belitung's villages.
fn write_extract(path: &std::path::Path, rows: u64) {
    let table = RegionTable::embedded();
    let belitung = RegionCode::parse("19.02").unwrap();
    let villages: Vec<RegionCode> = table
        .subtree(&belitung)
        .iter()
        .filter(|r| r.level() == RegionLevel::DesaKelurahan)
        .map(|r| r.code)
        .collect();
    let base = NaiveDate::from_ymd_opt(1925, 1, 1).unwrap();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(out, "nik,kk_number,full_name,sex,birth_place,birth_date,religion,marital_status,relationship,address,rt,rw,village_code,occupation,death_date").unwrap();
    let (mut i, mut household) = (0u64, 0u64);
    while i < rows {
        household += 1;
        let village = villages[(household % villages.len() as u64) as usize];
        let district = village.parent().unwrap();
        let kk = format!("{}{:010}", district.plain(), household);
        let size = 1 + household % 5;
        for member in 0..size.min(rows - i) {
            let sex = if (i + member) % 2 == 0 {
                Sex::LakiLaki
            } else {
                Sex::Perempuan
            };
            let birth = base + Duration::days(((i * STRIDE) % DAYS) as i64);
            let serial = (i / DAYS + 1) as u16;
            let nik = Nik::from_parts(district, sex, birth, serial).unwrap();
            let relationship = match member {
                0 => "kepala_keluarga",
                1 => "suami_istri",
                _ => "anak",
            };
            writeln!(
                out,
                "{},{},{},{},Tanjungpandan,{},islam,kawin,{},\"Jl. Pelabuhan No. {}, Gg. Damai\",{:03},{:03},{},{},",
                nik.digits(),
                kk,
                NAMES[(i % 12) as usize],
                sex.letter(),
                birth,
                relationship,
                household % 200,
                household % 20 + 1,
                household % 7 + 1,
                village.dotted(),
                OCCUPATIONS[(i % 6) as usize],
            )
            .unwrap();
            i += 1;
        }
    }
    out.flush().unwrap();
}

fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unknown".into())
}
