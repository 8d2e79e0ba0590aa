//! `tepat-generate`: a synthetic regency — the population-registry extract, the social-registry list
//! with the faults real registries have, the needs survey with a ground-truth consumption figure, and the
//! truth files that let record linkage and targeting be measured. Deterministic from a seed.
//!
//! - [`generate`] writes the files (see `docs/generate.md` for every column); [`GenerateOptions`] says
//!   what to generate, [`GenerateSummary`] reports what was written, [`GenerateError`] why not.
//! - [`plan`] decides the size (persons, households, per village) without generating anything.
//! - [`PERSON_FAULTS`] and [`POPULATION_FAULTS`] list the fault kinds `--errors` injects.
//!
//! How it works: households are generated in chunks of [`CHUNK_HOUSEHOLDS`], in parallel, each chunk
//! from its own ChaCha8 stream derived from the seed and the chunk's index; NIK and KK serials are then
//! handed out in one sequential pass in file order; chunks are formatted into byte buffers in parallel
//! and written in order by a writer thread. The output depends on the seed and the options only, not on
//! the number of threads.
//!
//! Modules: `plan` (sizes), `geo` (districts, villages, streets, migrants' origins), `family` (household
//! make-up, ages, occupations, deaths), `names` (Indonesian names and their variants), `survey` (welfare,
//! needs survey, registry selection), `ids` (NIK and KK numbers), `faults` (what `--errors` does),
//! `rows` (CSV rows), `output` (temporary files renamed at the end), `rng` (seeded streams).
#![forbid(unsafe_code)]

mod family;
mod faults;
mod geo;
mod ids;
mod names;
pub mod occupation;
mod output;
mod plan;
mod rng;
mod rows;
mod survey;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rayon::prelude::*;
use tepat_domain::{Lang, Localized, RegionCode};
use tepat_regions::RegionTable;

pub use faults::{PERSON_FAULTS, POPULATION_FAULTS};
pub use geo::BELITUNG;
pub use output::{
    PERSONS, PERSONS_HEADER, PERSONS_TRUTH, PERSONS_TRUTH_HEADER, POPULATION, POPULATION_HEADER,
    POPULATION_TRUTH, POPULATION_TRUTH_HEADER, SURVEY_HOUSEHOLDS, SURVEY_HOUSEHOLDS_HEADER,
    SURVEY_MEMBERS, SURVEY_MEMBERS_HEADER,
};
pub use plan::{plan, Plan, VillagePlan, BELITUNG_PERSONS, MAX_PERSONS, PERSONS_PER_VILLAGE};

/// Households per chunk: the unit of parallel work and of random streams. Fixed, so that the output
/// does not depend on the number of threads.
pub const CHUNK_HOUSEHOLDS: usize = 1024;
/// Chunks generated before their rows are written (bounds memory to a few batches).
const BATCH_CHUNKS: usize = 64;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Directory to write into (created if missing). Existing files of the same names are replaced.
    pub out: PathBuf,
    pub seed: u64,
    /// Number of persons; `None` for the regency's default (190,000 for Belitung, otherwise
    /// [`PERSONS_PER_VILLAGE`] per village).
    pub persons: Option<usize>,
    /// A kabupaten/kota code; default 19.02 (Kabupaten Belitung).
    pub regency: RegionCode,
    /// Inject registry and population faults and write their ground truth.
    pub errors: bool,
    /// The date ages and recent deaths are counted from. Part of the input: the same seed with another
    /// `today` gives other files.
    pub today: NaiveDate,
}

impl GenerateOptions {
    /// Belitung at its default size, no faults.
    pub fn new(out: impl Into<PathBuf>, seed: u64, today: NaiveDate) -> GenerateOptions {
        GenerateOptions {
            out: out.into(),
            seed,
            persons: None,
            regency: default_regency(),
            errors: false,
            today,
        }
    }
}

/// 19.02, Kabupaten Belitung.
pub fn default_regency() -> RegionCode {
    RegionCode::parse(BELITUNG).expect("valid code")
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub persons: u64,
    pub households: u64,
    /// Rows of persons.csv, duplicates included.
    pub registry_records: u64,
    /// Of which extra records of persons already listed (0 without `--errors`).
    pub duplicate_records: u64,
    /// The files written, in a fixed order.
    pub files: Vec<PathBuf>,
    /// Faults in persons.csv by kind (a record can carry several).
    pub person_faults: BTreeMap<String, u64>,
    /// Faulty rows in population.csv by kind.
    pub population_faults: BTreeMap<String, u64>,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0} is not a regency or city code; use the form PP.KK, e.g. 19.02")]
    NotARegency(String),
    #[error("regency {0} is not in the region table; check the code (e.g. 19.02 for Kabupaten Belitung)")]
    UnknownRegency(String),
    #[error("regency {0} has no villages in the region table; choose another regency")]
    NoVillages(String),
    #[error("the number of persons must be at least 1")]
    NoPersons,
    #[error("{0} persons is more than the generator accepts (at most 50,000,000)")]
    TooManyPersons(usize),
    #[error("NIK or KK serials ran out (more than 9,999 for one date) in district {0}; generate fewer persons")]
    SerialsExhausted(String),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Localized for GenerateError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            GenerateError::NotARegency(c) => {
                format!("{c} bukan kode kabupaten/kota; gunakan bentuk PP.KK, misalnya 19.02")
            }
            GenerateError::UnknownRegency(c) => format!(
                "kabupaten/kota {c} tidak ada di tabel wilayah; periksa kodenya (misalnya 19.02 untuk Kabupaten Belitung)"
            ),
            GenerateError::NoVillages(c) => format!(
                "kabupaten/kota {c} tidak memiliki desa/kelurahan di tabel wilayah; pilih kabupaten/kota lain"
            ),
            GenerateError::NoPersons => "jumlah penduduk paling sedikit 1".into(),
            GenerateError::TooManyPersons(n) => format!(
                "{n} penduduk melebihi batas pembangkit data (paling banyak 50.000.000)"
            ),
            GenerateError::SerialsExhausted(d) => format!(
                "nomor urut NIK atau KK habis (lebih dari 9.999 untuk satu tanggal) di kecamatan {d}; kurangi jumlah penduduk"
            ),
            GenerateError::Io { path, source } => {
                format!("tidak dapat menulis {}: {source}", path.display())
            }
        }
    }
}

/// Generates the regency and writes the files into `opts.out`. `progress(done, total)` is called with
/// persons generated so far, a few times per second at most.
pub fn generate(
    opts: &GenerateOptions,
    regions: &RegionTable,
    progress: &dyn Fn(u64, u64),
) -> Result<GenerateSummary, GenerateError> {
    let started = Instant::now();
    let geo = geo::Geo::build(regions, opts.regency)?;
    let plan = plan::plan_with(opts, &geo)?;
    let out = output::Outputs::create(&opts.out)?;
    let ctx = rows::Ctx {
        geo: &geo,
        seed: opts.seed,
        errors: opts.errors,
        today: opts.today,
    };
    let (out, run) = run(&ctx, &plan, out, progress);
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            out.abandon();
            return Err(e);
        }
    };
    let files = out.commit()?;
    Ok(GenerateSummary {
        persons: plan.persons as u64,
        households: plan.households as u64,
        registry_records: run.records,
        duplicate_records: run.duplicates,
        files,
        person_faults: run
            .person_faults
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        population_faults: run
            .population_faults
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        elapsed: started.elapsed(),
    })
}

struct Run {
    records: u64,
    duplicates: u64,
    person_faults: rows::Counts,
    population_faults: rows::Counts,
}

fn merge(into: &mut rows::Counts, from: &rows::Counts) {
    for (k, v) in from {
        *into.entry(k).or_default() += v;
    }
}

/// Generates, numbers, formats and writes every chunk. Returns the outputs (for commit or abandon)
/// together with the result.
fn run(
    ctx: &rows::Ctx,
    plan: &Plan,
    mut out: output::Outputs,
    progress: &dyn Fn(u64, u64),
) -> (output::Outputs, Result<Run, GenerateError>) {
    let chunks = plan.homes.len().div_ceil(CHUNK_HOUSEHOLDS);
    let total = plan.persons as u64;
    let mut numbering = ids::Numbering::default();
    let mut offsets = rows::Offsets::default();
    let mut duplicates: Vec<rows::Record> = Vec::new();
    let mut person_faults = rows::Counts::new();
    let mut population_faults = rows::Counts::new();

    let (out, generated) = std::thread::scope(|scope| {
        // The writer also frees each batch's households, off the critical path.
        let (tx, rx) = mpsc::sync_channel::<(Vec<rows::ChunkOut>, Vec<Vec<family::Home>>)>(1);
        let writer = scope.spawn(move || {
            let mut result = Ok(());
            for (batch, homes) in rx {
                drop(homes);
                if result.is_err() {
                    continue; // drain so the sender never blocks
                }
                result = write_batch(&mut out, &batch).and_then(|()| out.sync());
            }
            (out, result)
        });
        let generated = (|| -> Result<(), GenerateError> {
            let mut done = 0u64;
            for first in (0..chunks).step_by(BATCH_CHUNKS) {
                let last = (first + BATCH_CHUNKS).min(chunks);
                let mut homes: Vec<Vec<family::Home>> = (first..last)
                    .into_par_iter()
                    .map(|c| generate_chunk(ctx, plan, c))
                    .collect();
                let mut starts = Vec::with_capacity(homes.len());
                for chunk in &mut homes {
                    numbering.assign(chunk)?;
                    starts.push(offsets);
                    let persons: u64 = chunk.iter().map(|h| h.members.len() as u64).sum();
                    offsets.rows += persons;
                    offsets.records += rows::registry_originals(chunk, ctx.errors);
                    done += persons;
                }
                let mut formatted: Vec<rows::ChunkOut> = homes
                    .par_iter()
                    .zip(starts.par_iter())
                    .enumerate()
                    .map(|(i, (chunk, start))| {
                        rows::format_chunk(ctx, (first + i) as u64, chunk, *start)
                    })
                    .collect();
                for f in &mut formatted {
                    duplicates.append(&mut f.duplicates);
                    merge(&mut person_faults, &f.person_faults);
                    merge(&mut population_faults, &f.population_faults);
                }
                if tx.send((formatted, homes)).is_err() {
                    break; // the writer stopped; its error is reported below
                }
                progress(done, total);
            }
            Ok(())
        })();
        drop(tx);
        let (out, written) = writer.join().expect("writer thread does not panic");
        (out, generated.and(written))
    });
    let mut out = out;
    if let Err(e) = generated {
        return (out, Err(e));
    }
    // Duplicates go after every first record, as later registrations would.
    let (persons, truth) = rows::format_duplicates(&duplicates, offsets.records + 1);
    let written = out
        .write(output::F_PERSONS, &persons)
        .and_then(|()| out.write(output::F_PERSONS_TRUTH, &truth));
    if let Err(e) = written {
        return (out, Err(e));
    }
    let run = Run {
        records: offsets.records + duplicates.len() as u64,
        duplicates: duplicates.len() as u64,
        person_faults,
        population_faults,
    };
    (out, Ok(run))
}

fn write_batch(out: &mut output::Outputs, batch: &[rows::ChunkOut]) -> Result<(), GenerateError> {
    for c in batch {
        out.write(output::F_POPULATION, &c.population)?;
        out.write(output::F_POPULATION_TRUTH, &c.population_truth)?;
        out.write(output::F_PERSONS, &c.persons)?;
        out.write(output::F_PERSONS_TRUTH, &c.persons_truth)?;
        out.write(output::F_HOUSEHOLDS, &c.households)?;
        out.write(output::F_MEMBERS, &c.members)?;
    }
    Ok(())
}

fn generate_chunk(ctx: &rows::Ctx, plan: &Plan, chunk: usize) -> Vec<family::Home> {
    let mut rng = rng::stream(ctx.seed, rng::Phase::Households, chunk as u64);
    let start = chunk * CHUNK_HOUSEHOLDS;
    let end = (start + CHUNK_HOUSEHOLDS).min(plan.homes.len());
    plan.homes[start..end]
        .iter()
        .map(|&(village, size)| family::generate_home(&mut rng, ctx.geo, village, size, ctx.today))
        .collect()
}
