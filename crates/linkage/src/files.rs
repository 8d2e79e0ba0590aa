//! File entry points for the CLI: `tepat dedupe` and `tepat link`.
//!
//! - Input: `persons.csv` with the header exactly `record_id,nik,kk_number,full_name,sex,birth_place,
//!   birth_date,address,village_code` (UTF-8; a byte-order mark is ignored). Empty or malformed *values* are
//!   input to match on. Malformed *rows* (wrong number of fields, bytes that are not UTF-8, an empty or
//!   repeated `record_id`) are reported with their line and skipped or rejected ([`BadRows`]); bytes that are
//!   not UTF-8 are never repaired or replaced.
//! - `clusters.csv`: `record_id,cluster_id`, every input record exactly once, in input order; the cluster id
//!   is the `record_id` of the cluster's first record.
//! - `pairs.csv`: `record_id_a,record_id_b,match_probability` for every compared pair at or above the
//!   threshold.
//! - `links.csv`: `record_id_left,record_id_right,match_probability`, strongest first.
//! - `review.csv` (optional): the uncertain band with explanations and an empty `decision` column; fill it
//!   with `accept` / `reject` and pass the file back as `decisions` on the next run.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use tepat_domain::{Lang, Localized};

use crate::block::CappedBlock;
use crate::model::Model;
use crate::pipeline::{deduplicate, link, Dataset, LinkageOptions};
use crate::progress::{Progress, Stage};
use crate::record::{NormaliseOptions, PersonRecord, PERSONS_HEADER};
use crate::review::{Decision, Decisions, ReviewItem, Verdict};

/// What to do with a malformed row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BadRows {
    /// Report the row and go on without it.
    #[default]
    Skip,
    /// Stop at the first malformed row.
    Reject,
}

/// Why a row was not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RowProblemKind {
    FieldCount {
        expected: usize,
        found: usize,
    },
    /// A field is not valid UTF-8 (the bytes are left as they are).
    NotUtf8 {
        column: String,
        byte_offset: usize,
    },
    EmptyRecordId,
    DuplicateRecordId {
        first_line: u64,
    },
    Csv {
        message: String,
    },
}

/// A malformed row: the file, its line (1-based, the header is line 1) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    pub file: PathBuf,
    pub line: u64,
    pub problem: RowProblemKind,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} line {}: {}",
            self.file.display(),
            self.line,
            self.problem.message(Lang::En)
        )
    }
}

impl Localized for RowProblemKind {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RowProblemKind::FieldCount { expected, found }, Lang::En) => {
                format!("{found} fields where {expected} are expected")
            }
            (RowProblemKind::FieldCount { expected, found }, Lang::Id) => {
                format!("{found} kolom, seharusnya {expected}")
            }
            (RowProblemKind::NotUtf8 { column, byte_offset }, Lang::En) => {
                format!("column {column} is not valid UTF-8 (byte {byte_offset} of the field); save the file as UTF-8")
            }
            (RowProblemKind::NotUtf8 { column, byte_offset }, Lang::Id) => format!(
                "kolom {column} bukan UTF-8 yang sah (byte ke-{byte_offset}); simpan berkas sebagai UTF-8"
            ),
            (RowProblemKind::EmptyRecordId, Lang::En) => "record_id is empty".into(),
            (RowProblemKind::EmptyRecordId, Lang::Id) => "record_id kosong".into(),
            (RowProblemKind::DuplicateRecordId { first_line }, Lang::En) => {
                format!("record_id already used on line {first_line}")
            }
            (RowProblemKind::DuplicateRecordId { first_line }, Lang::Id) => {
                format!("record_id sudah dipakai di baris {first_line}")
            }
            (RowProblemKind::Csv { message }, Lang::En) => format!("not a CSV row: {message}"),
            (RowProblemKind::Csv { message }, Lang::Id) => format!("bukan baris CSV yang sah: {message}"),
        }
    }
}

/// Errors of the file entry points.
#[derive(Debug, thiserror::Error)]
pub enum LinkageError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: the first line must be exactly `{}`, found `{found}`", path.display(), PERSONS_HEADER.join(","))]
    Header { path: PathBuf, found: String },
    #[error("{0}; fix the row, or skip bad rows instead of rejecting them")]
    BadRow(RowProblem),
    #[error("{}: {message}", path.display())]
    Decisions { path: PathBuf, message: String },
    #[error("{}: not a tepat linkage model: {message}", path.display())]
    Model { path: PathBuf, message: String },
    #[error("threshold must be a probability between 0 and 1, got {0}")]
    Threshold(f64),
}

impl Localized for LinkageError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            LinkageError::Read { path, source } => {
                format!("tidak dapat membaca {}: {source}", path.display())
            }
            LinkageError::Write { path, source } => {
                format!("tidak dapat menulis {}: {source}", path.display())
            }
            LinkageError::Header { path, found } => format!(
                "{}: baris pertama harus persis `{}`, tertulis `{found}`",
                path.display(),
                PERSONS_HEADER.join(",")
            ),
            LinkageError::BadRow(p) => format!(
                "{} baris {}: {}; perbaiki baris itu, atau lewati baris yang rusak",
                p.file.display(),
                p.line,
                p.problem.message(Lang::Id)
            ),
            LinkageError::Decisions { path, message } => format!("{}: {message}", path.display()),
            LinkageError::Model { path, message } => {
                format!("{}: bukan model linkage tepat: {message}", path.display())
            }
            LinkageError::Threshold(t) => {
                format!("ambang harus peluang antara 0 dan 1, tertulis {t}")
            }
        }
    }
}

/// Rows read in one batch before they are normalised (bounds memory for large files).
const BATCH: usize = 100_000;

/// Reads `persons.csv` into a [`Dataset`], reporting malformed rows.
pub fn read_persons(
    path: &Path,
    bad_rows: BadRows,
    normalise: &NormaliseOptions,
    progress: &dyn Progress,
) -> Result<(Dataset, Vec<RowProblem>), LinkageError> {
    let file = File::open(path).map_err(|source| LinkageError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let size = file.metadata().map(|m| m.len()).ok();
    progress.start(Stage::Reading, size);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, file));
    let mut row = csv::ByteRecord::new();
    let mut data = Dataset::default();
    let mut problems = Vec::new();
    let mut seen: FxHashMap<u64, (u32, u64)> = FxHashMap::default();
    let mut batch: Vec<PersonRecord> = Vec::with_capacity(BATCH);
    let mut header_done = false;
    let mut last_byte = 0u64;
    let report = |problems: &mut Vec<RowProblem>,
                  line: u64,
                  problem: RowProblemKind|
     -> Result<(), LinkageError> {
        let p = RowProblem {
            file: path.to_path_buf(),
            line,
            problem,
        };
        match bad_rows {
            BadRows::Reject => Err(LinkageError::BadRow(p)),
            BadRows::Skip => {
                problems.push(p);
                Ok(())
            }
        }
    };
    loop {
        let more = match reader.read_byte_record(&mut row) {
            Ok(m) => m,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(LinkageError::Read {
                        path: path.to_path_buf(),
                        source: std::io::Error::other(e.to_string()),
                    });
                }
                report(
                    &mut problems,
                    line,
                    RowProblemKind::Csv {
                        message: e.to_string(),
                    },
                )?;
                continue;
            }
        };
        if !more {
            break;
        }
        let line = row.position().map_or(0, |p| p.line());
        let byte = row.position().map_or(0, |p| p.byte());
        progress.advance(byte.saturating_sub(last_byte));
        last_byte = byte;
        if !header_done {
            header_done = true;
            let fields: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let f = if i == 0 {
                        f.strip_prefix(b"\xef\xbb\xbf").unwrap_or(f)
                    } else {
                        f
                    };
                    String::from_utf8_lossy(f).into_owned()
                })
                .collect();
            if fields != PERSONS_HEADER {
                return Err(LinkageError::Header {
                    path: path.to_path_buf(),
                    found: fields.join(","),
                });
            }
            continue;
        }
        if row.len() == 1 && row.get(0).is_some_and(|f| f.is_empty()) {
            continue; // a blank line
        }
        if row.len() != PERSONS_HEADER.len() {
            report(
                &mut problems,
                line,
                RowProblemKind::FieldCount {
                    expected: PERSONS_HEADER.len(),
                    found: row.len(),
                },
            )?;
            continue;
        }
        let mut fields: [String; 9] = Default::default();
        let mut bad = None;
        for (i, f) in row.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(s) => fields[i] = s.to_string(),
                Err(e) => {
                    bad = Some(RowProblemKind::NotUtf8 {
                        column: PERSONS_HEADER[i].to_string(),
                        byte_offset: e.valid_up_to(),
                    });
                    break;
                }
            }
        }
        if let Some(problem) = bad {
            report(&mut problems, line, problem)?;
            continue;
        }
        let [record_id, nik, kk_number, full_name, sex, birth_place, birth_date, address, village_code] =
            fields;
        let record_id = record_id.trim().to_string();
        if record_id.is_empty() {
            report(&mut problems, line, RowProblemKind::EmptyRecordId)?;
            continue;
        }
        let h = {
            use std::hash::{Hash, Hasher};
            let mut h = rustc_hash::FxHasher::default();
            record_id.hash(&mut h);
            h.finish()
        };
        // Duplicate ids: compare the actual strings (of this batch or of the records read before).
        let duplicate_of = seen.get(&h).and_then(|&(idx, first_line)| {
            let existing = if (idx as usize) < data.ids.len() {
                &data.ids[idx as usize]
            } else {
                &batch[idx as usize - data.ids.len()].record_id
            };
            (existing == &record_id).then_some(first_line)
        });
        if let Some(first_line) = duplicate_of {
            report(
                &mut problems,
                line,
                RowProblemKind::DuplicateRecordId { first_line },
            )?;
            continue;
        }
        seen.entry(h)
            .or_insert(((data.ids.len() + batch.len()) as u32, line));
        batch.push(PersonRecord {
            record_id,
            nik,
            kk_number,
            full_name,
            sex,
            birth_place,
            birth_date,
            address,
            village_code,
        });
        if batch.len() == BATCH {
            data.extend(&batch, normalise);
            batch.clear();
        }
    }
    if !header_done {
        return Err(LinkageError::Header {
            path: path.to_path_buf(),
            found: String::new(),
        });
    }
    data.extend(&batch, normalise);
    progress.finish();
    Ok((data, problems))
}

/// Reads remembered decisions: a CSV with columns `record_id_a`, `record_id_b`, `decision` (`accept` /
/// `reject`; empty rows are skipped) and optionally `fingerprint_a`, `fingerprint_b` (16 hex digits) —
/// the `review.csv` this module writes, filled in by a reviewer, is such a file.
pub fn read_decisions(path: &Path) -> Result<Decisions, LinkageError> {
    let err = |message: String| LinkageError::Decisions {
        path: path.to_path_buf(),
        message,
    };
    let file = File::open(path).map_err(|source| LinkageError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(BufReader::new(file));
    let headers = reader.headers().map_err(|e| err(e.to_string()))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
    };
    let (Some(ca), Some(cb), Some(cd)) = (col("record_id_a"), col("record_id_b"), col("decision"))
    else {
        return Err(err(
            "needs the columns record_id_a, record_id_b and decision".into(),
        ));
    };
    let (cfa, cfb) = (col("fingerprint_a"), col("fingerprint_b"));
    let mut out = Decisions::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| err(e.to_string()))?;
        let get = |c: usize| row.get(c).unwrap_or("").trim();
        let decision = get(cd);
        if decision.is_empty() {
            continue;
        }
        let verdict = Verdict::parse(decision).ok_or_else(|| {
            err(format!(
                "line {}: decision `{decision}` is neither accept nor reject",
                i + 2
            ))
        })?;
        let fp = |c: Option<usize>| -> Result<Option<u64>, LinkageError> {
            match c.map(get).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => u64::from_str_radix(s, 16).map(Some).map_err(|_| {
                    err(format!(
                        "line {}: fingerprint `{s}` is not 16 hex digits",
                        i + 2
                    ))
                }),
            }
        };
        out.insert(Decision {
            record_id_a: get(ca).to_string(),
            record_id_b: get(cb).to_string(),
            verdict,
            fingerprint_a: fp(cfa)?,
            fingerprint_b: fp(cfb)?,
        });
    }
    Ok(out)
}

fn create(path: &Path) -> Result<csv::Writer<BufWriter<File>>, LinkageError> {
    let file = File::create(path).map_err(|source| LinkageError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(csv::Writer::from_writer(BufWriter::with_capacity(
        1 << 20,
        file,
    )))
}

fn write_err(path: &Path) -> impl Fn(csv::Error) -> LinkageError + '_ {
    move |e| LinkageError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn finish(w: csv::Writer<BufWriter<File>>, path: &Path) -> Result<(), LinkageError> {
    let mut inner = w.into_inner().map_err(|e| LinkageError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    inner.flush().map_err(|source| LinkageError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn write_review(path: &Path, items: &[ReviewItem]) -> Result<(), LinkageError> {
    let mut w = create(path)?;
    let e = write_err(path);
    w.write_record([
        "record_id_a",
        "record_id_b",
        "match_probability",
        "linked",
        "stale_decision",
        "explanation",
        "fingerprint_a",
        "fingerprint_b",
        "decision",
    ])
    .map_err(&e)?;
    for it in items {
        w.write_record([
            it.record_id_a.as_str(),
            it.record_id_b.as_str(),
            &format!("{:.6}", it.probability),
            if it.linked { "true" } else { "false" },
            if it.stale_decision { "true" } else { "false" },
            &it.explanation,
            &format!("{:016x}", it.fingerprint_a),
            &format!("{:016x}", it.fingerprint_b),
            "",
        ])
        .map_err(&e)?;
    }
    finish(w, path)
}

fn load_model(path: &Path) -> Result<Model, LinkageError> {
    let text = std::fs::read_to_string(path).map_err(|source| LinkageError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| LinkageError::Model {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn save_model(path: &Path, model: &Model) -> Result<(), LinkageError> {
    let text = serde_json::to_string_pretty(model).expect("a model serialises");
    std::fs::write(path, text).map_err(|source| LinkageError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Peak resident memory of this process (VmHWM from `/proc/self/status`), if the system tells.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// `tepat dedupe`.
#[derive(Debug, Clone, Default)]
pub struct DedupeOptions {
    pub input: PathBuf,
    /// `clusters.csv`.
    pub out: PathBuf,
    /// `pairs.csv`, if wanted.
    pub pairs: Option<PathBuf>,
    /// Match probability at or above which pairs are links (default [`LinkageOptions::threshold`]).
    pub threshold: Option<f64>,
    pub bad_rows: BadRows,
    /// Remembered review decisions (see [`read_decisions`]).
    pub decisions: Option<PathBuf>,
    /// Where to write the review queue.
    pub review: Option<PathBuf>,
    /// Score with this saved model instead of training one.
    pub model_in: Option<PathBuf>,
    /// Save the trained model here (JSON).
    pub model_out: Option<PathBuf>,
    pub linkage: LinkageOptions,
}

/// What `tepat dedupe` did.
#[derive(Debug, Clone, Serialize)]
pub struct DedupeSummary {
    pub records: u64,
    pub rows_skipped: u64,
    /// Malformed rows (all of them).
    pub problems: Vec<RowProblem>,
    pub pairs_compared: u64,
    /// Pairs produced by each blocking rule (a pair counts for the first rule that found it).
    pub pairs_per_rule: Vec<(String, u64)>,
    /// Pairs at or above the threshold.
    pub pairs_linked: u64,
    pub clusters: u64,
    /// Clusters of two or more records, and the records in them.
    pub duplicate_clusters: u64,
    pub records_in_duplicate_clusters: u64,
    pub blocks_capped: Vec<CappedBlock>,
    /// Blocks over the limit in all (`blocks_capped` lists the 100 largest).
    pub blocks_capped_total: u64,
    /// Large blocks of name/address rules compared by sorted neighbourhood, and the pairs they skipped.
    pub blocks_windowed: u64,
    pub pairs_windowed_out: u64,
    /// Pairs above the threshold that a cannot-link rule kept apart.
    pub kept_apart: u64,
    pub review_queue: u64,
    pub decisions_applied: u64,
    pub decisions_stale: u64,
    pub threshold: f64,
    pub lambda: f64,
    pub elapsed: Duration,
    pub peak_memory_bytes: Option<u64>,
}

impl fmt::Display for DedupeSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "records            {}", self.records)?;
        if self.rows_skipped > 0 {
            writeln!(
                f,
                "rows skipped       {} (malformed; see the lines reported)",
                self.rows_skipped
            )?;
        }
        writeln!(f, "pairs compared     {}", self.pairs_compared)?;
        for (rule, n) in &self.pairs_per_rule {
            writeln!(f, "  by {rule:<28} {n}")?;
        }
        writeln!(
            f,
            "pairs linked       {} (match probability >= {})",
            self.pairs_linked, self.threshold
        )?;
        writeln!(
            f,
            "clusters           {} ({} with duplicates, holding {} records)",
            self.clusters, self.duplicate_clusters, self.records_in_duplicate_clusters
        )?;
        if self.kept_apart > 0 {
            writeln!(
                f,
                "kept apart         {} pairs by cannot-link rules",
                self.kept_apart
            )?;
        }
        writeln!(f, "review queue       {} pairs", self.review_queue)?;
        if self.blocks_windowed > 0 {
            writeln!(
                f,
                "blocks windowed    {} large name/address blocks, {} pairs not compared",
                self.blocks_windowed, self.pairs_windowed_out
            )?;
        }
        if self.blocks_capped_total > self.blocks_capped.len() as u64 {
            writeln!(
                f,
                "blocks capped      {} in all (largest listed)",
                self.blocks_capped_total
            )?;
        }
        if self.decisions_applied + self.decisions_stale > 0 {
            writeln!(
                f,
                "decisions          {} applied, {} stale (a record changed)",
                self.decisions_applied, self.decisions_stale
            )?;
        }
        for c in &self.blocks_capped {
            writeln!(
                f,
                "block capped       rule {}: {} records, {} pairs not compared",
                c.rule.name(),
                c.records,
                c.pairs_skipped
            )?;
        }
        writeln!(f, "time               {:.2?}", self.elapsed)?;
        match self.peak_memory_bytes {
            Some(b) => writeln!(
                f,
                "peak memory        {:.1} MiB",
                b as f64 / (1024.0 * 1024.0)
            ),
            None => writeln!(f, "peak memory        unknown"),
        }
    }
}

fn resolve_linkage(
    base: &LinkageOptions,
    threshold: Option<f64>,
    model_in: Option<&Path>,
) -> Result<LinkageOptions, LinkageError> {
    let mut opts = base.clone();
    if let Some(t) = threshold {
        if !(0.0..=1.0).contains(&t) || t.is_nan() {
            return Err(LinkageError::Threshold(t));
        }
        opts.threshold = t;
    }
    if let Some(p) = model_in {
        opts.model = Some(load_model(p)?);
    }
    Ok(opts)
}

/// Runs `tepat dedupe`: reads `persons.csv`, writes `clusters.csv` (and `pairs.csv`, `review.csv`, the
/// model if asked) and returns the summary.
pub fn dedupe_files(
    opts: &DedupeOptions,
    progress: &dyn Progress,
) -> Result<DedupeSummary, LinkageError> {
    let started = Instant::now();
    let linkage = resolve_linkage(&opts.linkage, opts.threshold, opts.model_in.as_deref())?;
    let decisions = match &opts.decisions {
        Some(p) => read_decisions(p)?,
        None => Decisions::new(),
    };
    let (data, problems) = read_persons(&opts.input, opts.bad_rows, &linkage.normalise, progress)?;
    let d = deduplicate(&data, &linkage, &decisions, None, progress);

    progress.start(Stage::Writing, Some(data.len() as u64));
    let mut w = create(&opts.out)?;
    let e = write_err(&opts.out);
    w.write_record(["record_id", "cluster_id"]).map_err(&e)?;
    for (i, c) in d.clusters.iter().enumerate() {
        w.write_record([data.ids[i].as_str(), data.ids[*c as usize].as_str()])
            .map_err(&e)?;
    }
    finish(w, &opts.out)?;
    let threshold_weight = crate::model::weight_of(linkage.threshold) as f32;
    let linked: Vec<&crate::pipeline::ScoredPair> = d
        .pairs
        .iter()
        .filter(|p| p.weight >= threshold_weight)
        .collect();
    if let Some(path) = &opts.pairs {
        let mut w = create(path)?;
        let e = write_err(path);
        w.write_record(["record_id_a", "record_id_b", "match_probability"])
            .map_err(&e)?;
        let mut sorted = linked.clone();
        sorted.sort_by_key(|p| (p.a, p.b));
        for p in sorted {
            w.write_record([
                data.ids[p.a as usize].as_str(),
                data.ids[p.b as usize].as_str(),
                &format!("{:.6}", p.probability()),
            ])
            .map_err(&e)?;
        }
        finish(w, path)?;
    }
    if let Some(path) = &opts.review {
        write_review(path, &d.review)?;
    }
    if let Some(path) = &opts.model_out {
        save_model(path, &d.scoring.model)?;
    }
    progress.finish();

    let mut sizes: FxHashMap<u32, u64> = FxHashMap::default();
    for &c in &d.clusters {
        *sizes.entry(c).or_insert(0) += 1;
    }
    Ok(DedupeSummary {
        records: data.len() as u64,
        rows_skipped: problems.len() as u64,
        problems,
        pairs_compared: d.blocking.total_pairs(),
        pairs_per_rule: d
            .blocking
            .pairs_per_rule
            .iter()
            .map(|(r, n)| (r.name().to_string(), *n))
            .collect(),
        pairs_linked: linked.len() as u64,
        clusters: sizes.len() as u64,
        duplicate_clusters: sizes.values().filter(|&&s| s > 1).count() as u64,
        records_in_duplicate_clusters: sizes.values().filter(|&&s| s > 1).sum(),
        blocks_capped: d.blocking.capped.clone(),
        blocks_capped_total: d.blocking.capped_total,
        blocks_windowed: d.blocking.windowed_blocks,
        pairs_windowed_out: d.blocking.windowed_pairs_skipped,
        kept_apart: d.kept_apart,
        review_queue: d.review.len() as u64,
        decisions_applied: d.decisions_applied as u64,
        decisions_stale: d.decisions_stale as u64,
        threshold: linkage.threshold,
        lambda: d.scoring.model.lambda,
        elapsed: started.elapsed(),
        peak_memory_bytes: peak_memory_bytes(),
    })
}

/// `tepat link`.
#[derive(Debug, Clone, Default)]
pub struct LinkOptions {
    pub left: PathBuf,
    pub right: PathBuf,
    /// `links.csv`.
    pub out: PathBuf,
    pub threshold: Option<f64>,
    pub bad_rows: BadRows,
    /// Each record linked to at most one record of the other file (best first).
    pub one_to_one: bool,
    pub decisions: Option<PathBuf>,
    pub review: Option<PathBuf>,
    pub model_in: Option<PathBuf>,
    pub model_out: Option<PathBuf>,
    pub linkage: LinkageOptions,
}

/// What `tepat link` did.
#[derive(Debug, Clone, Serialize)]
pub struct LinkSummary {
    pub left_records: u64,
    pub right_records: u64,
    pub rows_skipped: u64,
    pub problems: Vec<RowProblem>,
    pub pairs_compared: u64,
    pub links: u64,
    /// Left records with at least one link.
    pub left_linked: u64,
    pub blocks_capped: Vec<CappedBlock>,
    pub kept_apart: u64,
    pub review_queue: u64,
    pub decisions_applied: u64,
    pub decisions_stale: u64,
    pub threshold: f64,
    pub elapsed: Duration,
    pub peak_memory_bytes: Option<u64>,
}

impl fmt::Display for LinkSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "records            {} left, {} right",
            self.left_records, self.right_records
        )?;
        if self.rows_skipped > 0 {
            writeln!(
                f,
                "rows skipped       {} (malformed; see the lines reported)",
                self.rows_skipped
            )?;
        }
        writeln!(f, "pairs compared     {}", self.pairs_compared)?;
        writeln!(
            f,
            "links              {} (match probability >= {}); {} left records linked",
            self.links, self.threshold, self.left_linked
        )?;
        if self.kept_apart > 0 {
            writeln!(
                f,
                "kept apart         {} pairs by cannot-link rules",
                self.kept_apart
            )?;
        }
        writeln!(f, "review queue       {} pairs", self.review_queue)?;
        for c in &self.blocks_capped {
            writeln!(
                f,
                "block capped       rule {}: {} records, {} pairs not compared",
                c.rule.name(),
                c.records,
                c.pairs_skipped
            )?;
        }
        writeln!(f, "time               {:.2?}", self.elapsed)?;
        match self.peak_memory_bytes {
            Some(b) => writeln!(
                f,
                "peak memory        {:.1} MiB",
                b as f64 / (1024.0 * 1024.0)
            ),
            None => writeln!(f, "peak memory        unknown"),
        }
    }
}

/// Runs `tepat link`: reads two `persons.csv` files, writes `links.csv` and returns the summary.
pub fn link_files(
    opts: &LinkOptions,
    progress: &dyn Progress,
) -> Result<LinkSummary, LinkageError> {
    let started = Instant::now();
    let mut linkage = resolve_linkage(&opts.linkage, opts.threshold, opts.model_in.as_deref())?;
    linkage.one_to_one = opts.one_to_one || linkage.one_to_one;
    let decisions = match &opts.decisions {
        Some(p) => read_decisions(p)?,
        None => Decisions::new(),
    };
    let (left, mut problems) =
        read_persons(&opts.left, opts.bad_rows, &linkage.normalise, progress)?;
    let (right, more) = read_persons(&opts.right, opts.bad_rows, &linkage.normalise, progress)?;
    problems.extend(more);
    let k = link(&left, &right, &linkage, &decisions, None, progress);
    progress.start(Stage::Writing, Some(k.links.len() as u64));
    let mut w = create(&opts.out)?;
    let e = write_err(&opts.out);
    w.write_record(["record_id_left", "record_id_right", "match_probability"])
        .map_err(&e)?;
    for p in &k.links {
        w.write_record([
            left.ids[p.a as usize].as_str(),
            right.ids[p.b as usize].as_str(),
            &format!("{:.6}", p.probability()),
        ])
        .map_err(&e)?;
    }
    finish(w, &opts.out)?;
    if let Some(path) = &opts.review {
        write_review(path, &k.review)?;
    }
    if let Some(path) = &opts.model_out {
        save_model(path, &k.scoring.model)?;
    }
    progress.finish();
    let left_linked = k
        .links
        .iter()
        .map(|p| p.a)
        .collect::<rustc_hash::FxHashSet<_>>()
        .len() as u64;
    Ok(LinkSummary {
        left_records: left.len() as u64,
        right_records: right.len() as u64,
        rows_skipped: problems.len() as u64,
        problems,
        pairs_compared: k.pairs_compared,
        links: k.links.len() as u64,
        left_linked,
        blocks_capped: k.blocking.capped.clone(),
        kept_apart: k.kept_apart,
        review_queue: k.review.len() as u64,
        decisions_applied: k.decisions_applied as u64,
        decisions_stale: k.decisions_stale as u64,
        threshold: linkage.threshold,
        elapsed: started.elapsed(),
        peak_memory_bytes: peak_memory_bytes(),
    })
}

/// Writes records as `persons.csv` (for converters, tests and benchmarks).
pub fn write_persons(path: &Path, records: &[PersonRecord]) -> Result<(), LinkageError> {
    let mut w = create(path)?;
    let e = write_err(path);
    w.write_record(PERSONS_HEADER).map_err(&e)?;
    for r in records {
        w.write_record(r.fields()).map_err(&e)?;
    }
    finish(w, path)
}
