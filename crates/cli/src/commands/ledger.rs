//! The transparency ledger in the binary: opening the office's log (key, sequencer, witnesses), and the
//! `tepat ledger …` commands (`verify`, `receipt verify`), which need no database.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use tepat_ledger::entry::{sample_cycle, ChainBuilder};
use tepat_ledger::Fetcher as _;
use tepat_ledger::{
    FsStorage, KeyType, LogPolicy, LogService, NoteSigner, NoteVerifier, QuorumPublisher, Receipt,
    Sequencer, VerifyOptions, WitnessEndpoint,
};
use tepat_web::config::LedgerConfig;
use tepat_web::{Ledger, ServerConfig};

use crate::cli::{LedgerCommand, ReceiptCommand};
use crate::http::{HttpFetcher, HttpWitness};

/// Reads a Go `sumdb/note` private key file, or creates one (owner-readable only) named `name`.
pub fn load_or_create_key(
    path: &Path,
    name: &str,
    key_type: KeyType,
) -> anyhow::Result<NoteSigner> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let signer = NoteSigner::from_skey(text.trim())
                .with_context(|| format!("{} is not a signing key", path.display()))?;
            if signer.key_type() != key_type {
                bail!(
                    "{} holds a {:?} key; a {:?} key is needed here",
                    path.display(),
                    signer.key_type(),
                    key_type
                );
            }
            Ok(signer)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let signer = NoteSigner::generate(name, key_type)
                .with_context(|| format!("cannot make a key named {name:?}"))?;
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options
                .open(path)
                .with_context(|| format!("cannot create the key file {}", path.display()))?;
            writeln!(f, "{}", signer.to_skey())?;
            f.sync_all()?;
            tracing::warn!(
                key_file = %path.display(),
                key = %signer.verifier().to_vkey(),
                "created a new signing key: back it up; losing it means starting a new log"
            );
            Ok(signer)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read the key file {}", path.display())),
    }
}

/// The log's origin when its key is created: the public URL's host and path + `/ledger`.
pub fn origin_for(config: &ServerConfig) -> String {
    match &config.public_url {
        Some(url) => {
            let s = url.as_str();
            let rest = s.split_once("://").map_or(s, |(_, r)| r);
            format!("{}/ledger", rest.trim_end_matches('/'))
        }
        None => "tepat.localhost/ledger".to_owned(),
    }
}

/// The synthetic sample the demo appends: program `DEMO`, monthly cycles from 2026-01, Kabupaten
/// Belitung (19.02), 25 beneficiaries of Rp 600.000 each: 102 entries per cycle.
const SAMPLE_PROGRAM: &str = "DEMO";
const SAMPLE_REGION: &str = "19.02";
const SAMPLE_BENEFICIARIES: u32 = 25;
const SAMPLE_AMOUNT: u64 = 600_000;
const SAMPLE_ENTRIES: u64 = 2 + 4 * SAMPLE_BENEFICIARIES as u64;

/// The office's log, running: appends go through the [`LogService`] once it has started (it starts
/// only with the witness quorum; until then a background thread retries).
pub struct RunningLog {
    pub ledger: Arc<Ledger>,
    service: Arc<Mutex<Option<LogService<FsStorage>>>>,
}

impl RunningLog {
    /// Opens the log of `config` (creating its directory and key on first use), serves it read-only
    /// through [`Ledger`], and starts the sequencer and publication in the background. With
    /// `sample_cycle`, one more synthetic cycle is appended once the log runs (`tepat demo` only).
    pub fn start(
        config: &ServerConfig,
        ledger_config: &LedgerConfig,
        synthetic_sample: bool,
    ) -> anyhow::Result<RunningLog> {
        lock_dir(&ledger_config.dir)?;
        let signer = load_or_create_key(
            &ledger_config.key_file,
            &origin_for(config),
            KeyType::Ed25519,
        )?;
        let mut witnesses = Vec::new();
        for w in &ledger_config.witnesses {
            witnesses.push((NoteVerifier::from_vkey(&w.key)?, w.url.clone()));
        }
        let ledger = Arc::new(
            Ledger::new(
                &ledger_config.dir,
                signer.verifier(),
                witnesses.clone(),
                ledger_config.quorum,
            )
            .with_context(|| {
                format!(
                    "cannot open the ledger directory {}",
                    ledger_config.dir.display()
                )
            })?
            .synthetic(synthetic_sample),
        );
        let service = Arc::new(Mutex::new(None));
        let dir = ledger_config.dir.clone();
        let quorum = ledger_config.quorum;
        let slot = service.clone();
        std::thread::Builder::new()
            .name("ledger-start".into())
            .spawn(move || run(dir, signer, witnesses, quorum, slot, synthetic_sample))?;
        tracing::info!(
            dir = %ledger_config.dir.display(),
            witnesses = ledger_config.witnesses.len(),
            quorum,
            "transparency ledger at /ledger/"
        );
        Ok(RunningLog { ledger, service })
    }

    /// A handle that appends entries while the log runs (for the audit anchoring job).
    pub fn appender(&self) -> LogAppender {
        LogAppender {
            service: self.service.clone(),
        }
    }

    /// Stops the committer (what is queued is committed first).
    pub fn shutdown(self) {
        let service = self
            .service
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(s) = service {
            let _ = std::thread::spawn(move || s.shutdown()).join();
        }
    }
}

/// Appends to the running log from other tasks.
#[derive(Clone)]
pub struct LogAppender {
    service: Arc<Mutex<Option<LogService<FsStorage>>>>,
}

impl LogAppender {
    /// Queues `entries`; `Ok(None)` while the log has not started (no witness quorum yet) or has
    /// stopped. Returns the index of the first entry.
    pub fn submit(&self, entries: Vec<Vec<u8>>) -> anyhow::Result<Option<u64>> {
        let guard = self.service.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            None => Ok(None),
            Some(s) => Ok(Some(s.submit(entries)?)),
        }
    }

    /// Waits (at most `limit`) until the log has published a checkpoint of at least `size` entries.
    pub fn wait_published(&self, size: u64, limit: Duration) -> anyhow::Result<bool> {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            {
                let guard = self.service.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(s) = guard.as_ref() {
                    if s.wait_for_timeout(size, Duration::from_millis(200))?
                        .is_some()
                    {
                        return Ok(true);
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(false)
    }

    /// The leaf hash of entry `index` once committed (`None` while the log is not running or the entry
    /// is not committed yet): how a child names a parent written by an earlier job.
    pub fn leaf_at(&self, index: u64) -> anyhow::Result<Option<tepat_ledger::Hash>> {
        use tepat_ledger::NodeSource as _;
        let guard = self.service.lock().unwrap_or_else(|e| e.into_inner());
        let Some(s) = guard.as_ref() else {
            return Ok(None);
        };
        s.with_sequencer(|seq| {
            let size = seq.size();
            if index >= size {
                return Ok(None);
            }
            let reader = tepat_ledger::TileReader::new(seq.storage(), size);
            Ok(Some(reader.subtree(0, index)?))
        })
    }

    /// Whether the log runs (started with its witness quorum).
    pub fn is_running(&self) -> bool {
        self.service
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }
}

/// One writer per log: a second process appending to the same directory could sign a fork. The lock file
/// `<dir>/.lock` (a dotfile: never served) names the process holding it; a lock whose process is gone
/// (after a crash or kill) is taken over.
fn lock_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(".lock");
    let me = std::process::id();
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(pid) = text.trim().parse::<u32>() {
            if pid != me && Path::new(&format!("/proc/{pid}")).exists() {
                bail!(
                    "the ledger {} is already open in process {pid} (another tepat serve or demo?); \
                     stop it first, or remove {} if that process is not tepat",
                    dir.display(),
                    path.display()
                );
            }
        }
    }
    std::fs::write(&path, format!("{me}\n"))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn publisher(
    witnesses: &[(NoteVerifier, String)],
    quorum: usize,
) -> anyhow::Result<QuorumPublisher> {
    let mut endpoints = Vec::new();
    for (key, url) in witnesses {
        endpoints.push(WitnessEndpoint::new(
            key.clone(),
            Box::new(HttpWitness::new(url)?),
        ));
    }
    Ok(QuorumPublisher::new(endpoints, quorum))
}

/// At start the service publishes its last signed checkpoint; when that one is already published (a
/// restart), its cosigned note is reused instead of asking the witnesses again, so the log starts, and
/// keeps signing, while witnesses are away (publication then waits for them).
struct AlreadyPublished {
    published: Option<tepat_ledger::Note>,
    witnesses: QuorumPublisher,
}

impl tepat_ledger::Publisher for AlreadyPublished {
    fn cosign(
        &mut self,
        signed: &tepat_ledger::SignedCheckpoint,
        consistency: &dyn Fn(u64) -> Result<Vec<tepat_ledger::Hash>, String>,
    ) -> Result<tepat_ledger::Note, String> {
        if let Some(note) = self.published.take() {
            if note.text == signed.note.text {
                return Ok(note);
            }
        }
        self.witnesses.cosign(signed, consistency)
    }
}

/// Opens the sequencer and starts the service, retrying while the witnesses are short of a quorum;
/// then appends the demo's sample cycle if asked.
fn run(
    dir: PathBuf,
    signer: NoteSigner,
    witnesses: Vec<(NoteVerifier, String)>,
    quorum: usize,
    slot: Arc<Mutex<Option<LogService<FsStorage>>>>,
    synthetic_sample: bool,
) {
    let mut delay = Duration::from_millis(500);
    let service = loop {
        let attempt = (|| -> anyhow::Result<LogService<FsStorage>> {
            let storage = FsStorage::open(&dir)?;
            let seq = Sequencer::open(storage, signer.clone())?;
            if seq.recovered() > 0 {
                tracing::warn!(
                    entries = seq.recovered(),
                    "ledger: recovered entries written before a crash"
                );
            }
            let published = seq
                .storage()
                .fetch(tepat_ledger::storage::CHECKPOINT_PATH)?
                .and_then(|b| tepat_ledger::Note::parse(&b).ok());
            let publisher = AlreadyPublished {
                published,
                witnesses: publisher(&witnesses, quorum)?,
            };
            Ok(LogService::start(seq, Box::new(publisher))?)
        })();
        match attempt {
            Ok(s) => break s,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), retry_secs = delay.as_secs_f64(), "ledger: cannot publish yet");
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    };
    let size = service.checkpoint().checkpoint.size;
    tracing::info!(size, "ledger: published checkpoint with the witness quorum");
    let mut pending = None;
    if synthetic_sample {
        let n = size / SAMPLE_ENTRIES;
        let cycle = format!("{}-{:02}", 2026 + n / 12, n % 12 + 1);
        let mut chain = ChainBuilder::new(size);
        match sample_cycle(
            &mut chain,
            SAMPLE_PROGRAM,
            &cycle,
            SAMPLE_REGION,
            SAMPLE_BENEFICIARIES,
            SAMPLE_AMOUNT,
            n,
        ) {
            Ok(()) => {
                let entries = chain.take();
                let count = entries.len() as u64;
                match service.submit(entries) {
                    Ok(first) => {
                        tracing::info!(
                            cycle,
                            entries = count,
                            "ledger: appending a synthetic sample cycle (demo only)"
                        );
                        pending = Some(first + count);
                    }
                    Err(e) => tracing::error!(error = %e, "ledger: cannot append the sample"),
                }
            }
            Err(e) => tracing::error!(error = %e, "ledger: cannot build the sample"),
        }
    }
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(service);
    if let Some(target) = pending {
        // Report when the sample is published (it waits for the witness quorum).
        loop {
            let guard = slot.lock().unwrap_or_else(|e| e.into_inner());
            let Some(s) = guard.as_ref() else { return };
            match s.wait_for_timeout(target, Duration::from_millis(200)) {
                Ok(Some(cp)) => {
                    tracing::info!(size = cp.checkpoint.size, "ledger: sample cycle published");
                    return;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, "ledger stopped");
                    return;
                }
            }
            drop(guard);
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// `tepat ledger …`.
pub async fn command(cmd: LedgerCommand, ctx: &crate::context::Context) -> anyhow::Result<()> {
    let config = ctx.config.clone();
    tokio::task::spawn_blocking(move || match cmd {
        LedgerCommand::Key => {
            let signer = load_or_create_key(
                &config.ledger.key_file,
                &origin_for(&config),
                KeyType::Ed25519,
            )?;
            println!("{}", signer.verifier().to_vkey());
            Ok(())
        }
        LedgerCommand::Verify(args) => verify(&args),
        LedgerCommand::Receipt(ReceiptCommand::Verify(args)) => receipt_verify(&args),
    })
    .await
    .context("the ledger command stopped unexpectedly")?
}

fn read_policy(path: &Path) -> anyhow::Result<LogPolicy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the policy file {}", path.display()))?;
    LogPolicy::parse(&text).with_context(|| format!("policy file {}", path.display()))
}

fn policy_from(
    fetcher: &dyn tepat_ledger::Fetcher,
    file: Option<&Path>,
    source: &str,
) -> anyhow::Result<LogPolicy> {
    if let Some(path) = file {
        return read_policy(path);
    }
    let bytes = fetcher
        .fetch("policy")?
        .ok_or_else(|| anyhow!("{source} has no policy file; pass --policy FILE (the log key, witness keys and quorum)"))?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{source}/policy is not text"))?;
    eprintln!(
        "note: the keys come from {source}/policy itself; pass --policy FILE with keys obtained independently \
         for a check that does not trust the source"
    );
    LogPolicy::parse(&text).with_context(|| format!("{source}/policy"))
}

fn verify(args: &crate::cli::LedgerVerifyArgs) -> anyhow::Result<()> {
    let (fetcher, source): (Box<dyn tepat_ledger::Fetcher>, String) = match (&args.url, &args.dir) {
        (Some(url), None) => {
            let f = HttpFetcher::new(url)?;
            let base = f.base().to_owned();
            (Box::new(f), base)
        }
        (None, Some(dir)) => (
            Box::new(
                FsStorage::existing(dir)
                    .with_context(|| format!("cannot read {}", dir.display()))?,
            ),
            dir.display().to_string(),
        ),
        _ => bail!("give exactly one of --url URL or --dir DIR"),
    };
    let policy = policy_from(fetcher.as_ref(), args.policy.as_deref(), &source)?;
    let report = tepat_ledger::verify_log(fetcher.as_ref(), &policy, &VerifyOptions::default());
    print!("{}", report.render_text());
    if !report.is_ok() {
        bail!("the ledger at {source} is not consistent (see the report above)");
    }
    Ok(())
}

fn receipt_verify(args: &crate::cli::ReceiptVerifyArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read the receipt {}", args.file.display()))?;
    let policy = match (&args.policy, &args.url) {
        (Some(p), _) => read_policy(p)?,
        (None, Some(url)) => {
            let f = HttpFetcher::new(url)?;
            policy_from(&f, None, url)?
        }
        (None, None) => {
            bail!("give --policy FILE (or --url URL of the log to take its policy from)")
        }
    };
    let receipt = Receipt::decode(&bytes).context("the receipt is malformed")?;
    let v = receipt
        .verify(&policy)
        .with_context(|| format!("the receipt {} does not verify", args.file.display()))?;
    println!("valid receipt");
    println!(
        "log:        {} (size {})",
        v.checkpoint.origin, v.checkpoint.size
    );
    println!("index:      {}", v.index);
    println!("kind:       {}", v.event.kind().name());
    println!("event id:   {}", v.event.id);
    println!(
        "program:    {}  cycle: {}  region: {}",
        v.event.program, v.event.cycle, v.event.region
    );
    println!("amount:     Rp {}", v.event.amount());
    println!(
        "witnesses:  {}",
        v.cosignatures
            .iter()
            .map(|c| c.witness.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
