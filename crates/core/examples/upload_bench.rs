//! Measures the proposals CSV upload (`tepat_core::intake`): generates a synthetic Belitung with the
//! generator crate, imports its population extract into a fresh SQLite file, proposes a first file of
//! ROWS rows (so that the registry and its duplicate index are not empty), builds the linkage duplicate
//! index over the registry, then times a second file of ROWS other rows:
//!
//! - **check**: every row read and validated, every household checked with `check_household`
//!   (population extract, same NIK in the registry, possible duplicates from the linkage index, the
//!   KK already in the registry) — nothing written but the audit entries of the extract reads;
//! - **propose**: the same and every valid household proposed, one transaction each;
//! - **re-upload**: the same file again (every household already in the registry, nothing created).
//!
//! ```text
//! cargo run --release -p tepat-core --example upload_bench -- [ROWS]     # default 10000
//! ```
//! With `BENCH_DATABASE_URL=postgres://…` the store is that (empty) database instead.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use tepat_core::access::{Actor, Propose};
use tepat_core::intake::{upload_proposals, Mode, UploadReport};
use tepat_core::population::{import_population, ImportOptions};
use tepat_core::registry::{DuplicateIndex, Origin};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_generate::{generate, GenerateOptions};
use tepat_regions::RegionTable;

const HEADER: &str =
    "kk_number,village_code,address,rt,rw,nik,full_name,sex,birth_date,relationship,phone,sector,reason";

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .map_or(10_000, |s| s.parse().expect("ROWS"));
    let dir = tempfile::tempdir().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let regions = RegionTable::embedded();
    let mut opts = GenerateOptions::new(dir.path(), 7, today);
    opts.persons = Some(rows * 4);
    let t = Instant::now();
    generate(&opts, regions, &|_, _| {}).unwrap();
    eprintln!("generated {} persons in {:.1?}", rows * 4, t.elapsed());
    let population = dir.path().join(tepat_generate::POPULATION);
    let (first, second) = proposal_files(&population, rows);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = dir.path().join("tepat.db");
        let url = std::env::var("BENCH_DATABASE_URL")
            .unwrap_or_else(|_| format!("sqlite://{}", db.display()));
        let store = tepat_store::connect(&url, Arc::new(tepat_crypto::Keyring::generate()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let t = Instant::now();
        let import = ImportOptions {
            report: Some(dir.path().join("rejected.csv")),
            progress: false,
            today,
        };
        let s = import_population(&*store, regions, &population, &import)
            .await
            .unwrap();
        eprintln!("population extract: {} rows in {:.1?}", s.rows, t.elapsed());

        let belitung = RegionCode::parse("19.02").unwrap();
        let officer = Actor::for_tests(Role::Verifier, Scope::Within(belitung));
        let grant = officer.may::<Propose>(&belitung).unwrap();
        let (r, secs) = run(&*store, &grant, &first, Mode::Propose, None).await;
        println!("seed registry: {} in {secs:.2} s", summary(&r));
        let t = Instant::now();
        let index = DuplicateIndex::build(&*store, febrl_model()).await.unwrap();
        println!(
            "duplicate index over {} registry members built in {:.2} s",
            index.len(),
            t.elapsed().as_secs_f64()
        );
        let (r, secs) = run(&*store, &grant, &second, Mode::Check, Some(&index)).await;
        println!("check {rows} rows: {} in {secs:.2} s", summary(&r));
        let (r, secs) = run(&*store, &grant, &second, Mode::Propose, Some(&index)).await;
        println!(
            "check + propose {rows} rows: {} in {secs:.2} s",
            summary(&r)
        );
        let (r, secs) = run(&*store, &grant, &second, Mode::Propose, Some(&index)).await;
        println!("re-upload {rows} rows: {} in {secs:.2} s", summary(&r));
    });
}

async fn run(
    store: &dyn tepat_store::Store,
    grant: &tepat_core::access::Grant<'_, Propose>,
    file: &[u8],
    mode: Mode,
    index: Option<&DuplicateIndex>,
) -> (UploadReport, f64) {
    let t = Instant::now();
    let origin = Origin::now(None);
    let r = upload_proposals(
        store,
        grant,
        file,
        mode,
        RegionTable::embedded(),
        index,
        &origin,
    )
    .await
    .unwrap();
    (r, t.elapsed().as_secs_f64())
}

fn summary(r: &UploadReport) -> String {
    let mut codes: HashMap<&str, usize> = HashMap::new();
    for p in &r.problems {
        *codes.entry(p.code).or_default() += 1;
    }
    let mut codes: Vec<_> = codes.into_iter().collect();
    codes.sort();
    format!(
        "{} rows, {} households: {} proposed, {} already in registry, {} refused; findings {:?}",
        r.rows,
        r.households.len(),
        r.proposed(),
        r.already(),
        r.refused(),
        codes
    )
}

/// Two proposals files of about `rows` rows each (whole households, in the extract's order), made from
/// the generated population extract.
fn proposal_files(population: &std::path::Path, rows: usize) -> (Vec<u8>, Vec<u8>) {
    let mut reader = csv::Reader::from_path(population).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let cols = [
        col("kk_number"),
        col("village_code"),
        col("address"),
        col("rt"),
        col("rw"),
        col("nik"),
        col("full_name"),
        col("sex"),
        col("birth_date"),
        col("relationship"),
    ];
    let death = col("death_date");
    let mut households: Vec<Vec<csv::StringRecord>> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        if !rec[death].is_empty() {
            continue;
        }
        let kk = rec[cols[0]].to_owned();
        let i = *at.entry(kk).or_insert_with(|| {
            households.push(Vec::new());
            households.len() - 1
        });
        households[i].push(rec);
    }
    let mut files = [String::from(HEADER), String::from(HEADER)];
    let mut counts = [0usize; 2];
    let mut which = 0;
    for h in households {
        if which == 2 {
            break;
        }
        for rec in &h {
            files[which].push('\n');
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .terminator(csv::Terminator::Any(b' '))
                .from_writer(Vec::new());
            let fields: Vec<&str> = cols.iter().map(|&c| &rec[c]).collect();
            let mut all = fields.clone();
            all.extend(["", "", ""]);
            w.write_record(&all).unwrap();
            let line = String::from_utf8(w.into_inner().unwrap()).unwrap();
            files[which].push_str(line.trim_end_matches(' '));
        }
        counts[which] += h.len();
        if counts[which] >= rows {
            which += 1;
        }
    }
    eprintln!("proposal files: {} and {} rows", counts[0], counts[1]);
    let [a, b] = files;
    (a.into_bytes(), b.into_bytes())
}

fn febrl_model() -> tepat_linkage::Model {
    use tepat_linkage::*;
    let (records, _) = febrl::dataset(3).unwrap();
    let data = Dataset::from_records(&records, &NormaliseOptions::default());
    deduplicate(
        &data,
        &LinkageOptions::default(),
        &Decisions::new(),
        None,
        &NoProgress,
    )
    .scoring
    .model
}
