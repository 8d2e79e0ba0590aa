//! `tepat targeting …` and `tepat pmt rank`: the welfare ranking, targeting runs with their simulation,
//! approval by decree, the list file whose hash is in the transparency ledger, and the needs forecast
//! (issue 6; `docs/targeting.md`). The command line acts as `cli` in an office role
//! ([`Actor::local_officer`]): a verifier to rank and run, an approver to approve.
//!
//! Approved lists reach the ledger through [`publish_approved`], which `tepat targeting approve` calls
//! at once and `tepat serve` / `tepat demo` run periodically (lists approved in the browser).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use tepat_core::access::{
    Action, Actor, ApproveTargeting, Denied, Grant, ReadTargeting, RunTargeting,
};
use tepat_core::targeting::approve::{self, approve, list_file, list_hash};
use tepat_core::targeting::forecast::needs_forecast;
use tepat_core::targeting::rank::rank_households;
use tepat_core::targeting::run::{quarter_of, run_program, RunOptions, RunOutcome, RunSummary};
use tepat_domain::program::Programs;
use tepat_domain::{Lang, RegionCode, Role, Scope};
use tepat_ledger::entry::{AidEvent, EventBody, ParentRef};
use tepat_ledger::leaf_hash;
use tepat_store::{RunState, Store, TargetingRun};
use tepat_targeting::forecast::{read_indicators, render_text, Indicators};
use tepat_targeting::{pmt, survey_file};
use uuid::Uuid;

use crate::commands::ledger::{LogAppender, RunningLog};
use crate::context::Context;

/// How long `tepat targeting approve` waits for the ledger to start and publish.
const LEDGER_WAIT: Duration = Duration::from_secs(60);
/// How often `serve` and `demo` publish approved lists.
const PUBLISH_EVERY: Duration = Duration::from_secs(60);
/// Runs of a program looked at for publishing (newest first).
const RUNS_LOOKED_AT: u32 = 50;
/// Households written per transaction by `tepat targeting load`.
const LOAD_BATCH: usize = 50_000;

#[derive(Debug, Subcommand)]
pub enum TargetingCommand {
    /// Run a program over the households' targeting facts: candidates, waitlist, budget by region,
    /// inclusion and exclusion errors where observed consumption is known, Gini, shortfalls; stored as
    /// a draft unless --dry-run
    Run(RunArgs),
    /// A program's runs, newest first
    Runs(RunsArgs),
    /// Approve a draft run with a decree number (SK): enrols its candidates, graduates the households it
    /// leaves out, and writes the list's hash to the transparency ledger
    Approve(ApproveArgs),
    /// Write a run's list file (rank,village_code,household_id,benefit), whose SHA-256 is the hash in
    /// the ledger
    Export(ExportArgs),
    /// Expected eligible households next quarter per village and district, from the program's past runs
    /// and economic indicators (see docs/forecast.md)
    Forecast(ForecastArgs),
    /// Load a generated survey's households as targeting facts (test and benchmark data: households
    /// without registry records)
    #[command(hide = true)]
    Load(LoadArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Program code, e.g. SEMBAKO
    #[arg(long)]
    pub program: String,
    /// Compute and print the simulation only; store nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print the whole outcome as JSON (household ids only)
    #[arg(long)]
    pub json: bool,
    /// Reference date ages are counted to, YYYY-MM-DD (default: today)
    #[arg(long)]
    pub on: Option<NaiveDate>,
    /// The period the list is for, e.g. 2027Q1 (default: the quarter of --on)
    #[arg(long)]
    pub period: Option<String>,
    /// Only households of this region (default: everywhere)
    #[arg(long)]
    pub region: Option<RegionCode>,
    /// Evaluate the rule in Rust even when it compiles to SQL
    #[arg(long, hide = true)]
    pub rust: bool,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[arg(long)]
    pub program: String,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The run's id (from `tepat targeting runs`)
    pub run: Uuid,
    /// The decree number (nomor SK) that approves the list
    #[arg(long)]
    pub decree: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub run: Uuid,
    /// Write here (default: standard output)
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    #[arg(long)]
    pub program: String,
    /// Indicators CSV (period,region,indicator,value; see docs/forecast.md); default: [targeting]
    /// indicators_file
    #[arg(long)]
    pub indicators: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RankArgs {
    /// A fitted model (`tepat pmt fit --out`); default: the built-in model
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Reference date ages are counted to, YYYY-MM-DD (default: today)
    #[arg(long)]
    pub on: Option<NaiveDate>,
    /// Only households of this region (default: everywhere)
    #[arg(long)]
    pub region: Option<RegionCode>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Directory `tepat generate` wrote
    #[arg(long)]
    pub survey: PathBuf,
    /// Load this many households, repeating the survey's with fresh ids (default: the survey's own)
    #[arg(long)]
    pub households: Option<usize>,
}

pub async fn run(ctx: &Context, cmd: TargetingCommand) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let store = store.as_ref();
    match cmd {
        TargetingCommand::Run(args) => run_cmd(store, &args).await,
        TargetingCommand::Runs(args) => runs(store, &args.program).await,
        TargetingCommand::Approve(args) => approve_cmd(ctx, store, &args).await,
        TargetingCommand::Export(args) => export(store, &args).await,
        TargetingCommand::Forecast(args) => forecast(store, &args, &ctx.config).await,
        TargetingCommand::Load(args) => {
            let loaded = load(store, &args).await?;
            println!("loaded {loaded} households as targeting facts");
            Ok(())
        }
    }
}

/// The command line's grant for `A`, limited to `region` when given.
fn grant<A: Action>(actor: &Actor, region: Option<RegionCode>) -> Result<Grant<'_, A>, Denied> {
    match region {
        Some(r) => actor.may::<A>(&r),
        None => actor.may_anywhere::<A>(),
    }
}

/// `tepat pmt rank`.
pub async fn rank(ctx: &Context, args: &RankArgs) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let model = match &args.model {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the model {}", path.display()))?;
            serde_json::from_str::<pmt::Model>(&text).with_context(|| {
                format!("{} is not a model from `tepat pmt fit`", path.display())
            })?
        }
        None => pmt::Model::builtin(),
    };
    let on = args.on.unwrap_or_else(super::today);
    let actor = Actor::local_officer(Role::Verifier);
    let grant = grant::<RunTargeting>(&actor, args.region)?;
    let report = rank_households(store.as_ref(), &grant, &model, on).await?;
    println!(
        "ranked {} of {} households (reference date {on}); {} without a needs survey have no desil",
        report.ranked, report.households, report.without_survey
    );
    Ok(())
}

async fn run_cmd(store: &dyn Store, args: &RunArgs) -> anyhow::Result<()> {
    let on = args.on.unwrap_or_else(super::today);
    let options = RunOptions {
        on,
        dry_run: args.dry_run,
        period: args.period.clone().unwrap_or_else(|| quarter_of(on)),
        force_rust: args.rust,
    };
    let actor = Actor::local_officer(Role::Verifier);
    let grant = grant::<RunTargeting>(&actor, args.region)?;
    let outcome = run_program(store, &grant, &args.program.to_uppercase(), &options).await?;
    if args.json {
        println!("{}", serde_json::to_string(&outcome)?);
    } else {
        print!("{}", render(&outcome));
    }
    Ok(())
}

/// The plain-text report of a run.
fn render(o: &RunOutcome) -> String {
    let path = match &o.path {
        tepat_core::targeting::run::RulePath::Sql => "SQL, in the database".to_owned(),
        tepat_core::targeting::run::RulePath::Rust { why } => format!("Rust ({why})"),
    };
    let mut out = format!(
        "program {} version {}, period {}, reference date {}, area {}\nrule evaluated in {path}\n\
         households {}  eligible by the rule {}\n",
        o.program, o.program_version, o.period, o.on, o.area, o.households, o.eligible
    );
    out.push_str(&o.simulation.render());
    if !o.truth_known {
        out.push_str(
            "inclusion and exclusion errors: unknown (no observed consumption to compare with)\n",
        );
    }
    if o.shortfalls.is_empty() {
        out.push_str("shortfalls: none\n");
    }
    for s in &o.shortfalls {
        out.push_str(&format!("shortfall: {}\n", s.text(Lang::En)));
    }
    match o.run_id {
        Some(id) => out.push_str(&format!(
            "stored as draft run {id}; approve with `tepat targeting approve {id} --decree NO`\n"
        )),
        None => out.push_str("dry run: nothing stored\n"),
    }
    out
}

async fn runs(store: &dyn Store, program: &str) -> anyhow::Result<()> {
    let runs = store.runs(&program.to_uppercase(), 100).await?;
    if runs.is_empty() {
        println!("no runs of {program}");
    }
    for r in runs {
        let summary = RunSummary::parse(&r.summary);
        let candidates = summary
            .as_ref()
            .map_or(0, |s| s.simulation.totals.candidates);
        let budget = summary.as_ref().map_or(0, |s| s.budget_used.amount());
        println!(
            "{}  {:<10} v{} period {} on {}  candidates {candidates}  budget Rp{budget}{}{}",
            r.id,
            r.state.code(),
            r.program_version,
            r.period,
            r.reference_date,
            r.decree_number
                .as_ref()
                .map_or(String::new(), |d| format!("  SK {d}")),
            r.ledger_index
                .map_or(String::new(), |i| format!("  ledger entry {i}")),
        );
    }
    Ok(())
}

async fn approve_cmd(ctx: &Context, store: &dyn Store, args: &ApproveArgs) -> anyhow::Result<()> {
    let actor = Actor::local_officer(Role::Approver);
    let grant = actor.may_anywhere::<ApproveTargeting>()?;
    let approved = approve(store, &grant, args.run, &args.decree).await?;
    println!(
        "approved run {}: {} candidates enrolled (Rp{} over the period), {} graduated, {} earlier runs superseded",
        approved.run_id,
        approved.enrolled,
        approved.amount.amount(),
        approved.graduated.len(),
        approved.superseded
    );
    println!(
        "list hash (SHA-256 of `tepat targeting export {}`): {}",
        approved.run_id, approved.list_hash
    );
    match publish_now(ctx, store).await {
        Ok(Some(index)) => println!("written to the transparency ledger at entry {index}"),
        Ok(None) => println!("the ledger is not running: `tepat serve` will write the list's hash"),
        Err(error) => println!(
            "not written to the ledger yet ({error:#}); `tepat serve` will write the list's hash"
        ),
    }
    Ok(())
}

/// Starts the ledger, publishes approved lists, waits for the checkpoint; returns the last entry written.
async fn publish_now(ctx: &Context, store: &dyn Store) -> anyhow::Result<Option<u64>> {
    let log = RunningLog::start(&ctx.config, &ctx.config.ledger, false)?;
    let appender = log.appender();
    let result = async {
        let started = std::time::Instant::now();
        while !appender.is_running() {
            if started.elapsed() > LEDGER_WAIT {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let written = publish_approved(store, &appender).await?;
        let Some(last) = written.last().copied() else {
            return Ok(None);
        };
        let waiter = appender.clone();
        let published =
            tokio::task::spawn_blocking(move || waiter.wait_published(last + 1, LEDGER_WAIT))
                .await??;
        if !published {
            bail!("entry {last} was appended but not published within {LEDGER_WAIT:?}");
        }
        Ok(Some(last))
    }
    .await;
    tokio::task::spawn_blocking(move || log.shutdown()).await?;
    result
}

/// Writes every approved run not yet in the ledger: a Budget entry (the program's budget, or the list's
/// total when it has none; the decree number as document) and the BeneficiaryList entry under it (the
/// list file's hash, count and total), then records the list entry's index on the run. Returns the
/// indices written; nothing while the log is not running.
pub async fn publish_approved(store: &dyn Store, log: &LogAppender) -> anyhow::Result<Vec<u64>> {
    let mut codes: Vec<String> = store
        .programs()
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    codes.extend(Programs::builtin().iter().map(|p| p.code.clone()));
    codes.sort();
    codes.dedup();
    let mut written = Vec::new();
    for code in codes {
        for run in store.runs(&code, RUNS_LOOKED_AT).await? {
            if run.state != RunState::Approved || run.ledger_index.is_some() {
                continue;
            }
            let Some(index) = publish_run(store, log, &run).await? else {
                return Ok(written);
            };
            store.set_run_ledger_index(run.id, index).await?;
            written.push(index);
        }
    }
    Ok(written)
}

async fn publish_run(
    store: &dyn Store,
    log: &LogAppender,
    run: &TargetingRun,
) -> anyhow::Result<Option<u64>> {
    let Some(hash) = run.list_hash else {
        return Ok(None);
    };
    let summary = RunSummary::parse(&run.summary);
    let count = summary
        .as_ref()
        .map_or(0, |s| s.simulation.totals.candidates);
    let total = summary
        .as_ref()
        .map_or(0, |s| s.budget_used.amount())
        .max(0) as u64;
    let program =
        tepat_core::targeting::run::load_program_version(store, &run.program, run.program_version)
            .await
            .ok();
    let budget = program
        .and_then(|p| p.budget)
        .map_or(total, |b| b.amount().max(0) as u64);
    let region = match summary.as_ref().map(|s| s.area.as_str()) {
        Some(area) if area != "*" => area.to_owned(),
        _ => super::audit::anchor_region(store).await?,
    };
    let time = run.approved_at.map_or(0, |t| t.timestamp().max(0) as u64);
    let event = |id: String, parent, body| AidEvent {
        id,
        time,
        program: ledger_text(&run.program, 32),
        cycle: ledger_text(&run.period, 32),
        region: region.clone(),
        parent,
        body,
    };
    let budget_bytes = event(
        format!("{}:budget", run.id),
        None,
        EventBody::Budget {
            amount: budget,
            document: ledger_text(run.decree_number.as_deref().unwrap_or("-"), 64),
        },
    )
    .encode()?;
    let leaf = leaf_hash(&budget_bytes);
    let Some(budget_index) = log.submit(vec![budget_bytes])? else {
        return Ok(None);
    };
    let list_bytes = event(
        format!("{}:list", run.id),
        Some(ParentRef {
            index: budget_index,
            leaf_hash: leaf,
        }),
        EventBody::BeneficiaryList {
            list_hash: tepat_ledger::Hash(hash),
            count,
            amount: total,
        },
    )
    .encode()?;
    log.submit(vec![list_bytes])
}

/// `s` in the ledger's restricted alphabets: characters outside `A-Z a-z 0-9 - _ . :` become `-`, at
/// most `max` of them.
fn ledger_text(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.:".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(max)
        .collect()
}

/// The publishing job of `tepat serve` and `tepat demo`: approved lists into the ledger every minute.
pub async fn publishing(store: Arc<dyn Store>, log: LogAppender) {
    let mut tick = tokio::time::interval(PUBLISH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match publish_approved(store.as_ref(), &log).await {
            Ok(written) if !written.is_empty() => {
                tracing::info!(
                    lists = written.len(),
                    "ledger: published approved beneficiary lists"
                )
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), "cannot publish approved lists")
            }
        }
    }
}

/// The program `tepat demo` runs for its first draft.
const DEMO_PROGRAM: &str = "SEMBAKO";

/// Below this many households with targeting facts, the demo adds the generated survey's households.
const DEMO_MIN_HOUSEHOLDS: u64 = 1_000;

/// `tepat demo`, once the registry is seeded: when the program has no run yet, makes targeting worth
/// looking at and stores one draft run of [`DEMO_PROGRAM`] for the approver. The seeded registry holds a
/// handful of households, so the generated survey's households (`survey`: the demo's generated regency,
/// about 60,000 households with their true consumption) are added as **synthetic** targeting facts —
/// they have no registry record (their household links find nothing) — then every household is ranked
/// with the built-in model. The run's simulation then shows budget by district and, because the
/// generated consumption is the truth, inclusion and exclusion errors.
pub async fn demo_run(store: &dyn Store, survey: &std::path::Path) -> anyhow::Result<()> {
    if !store.runs(DEMO_PROGRAM, 1).await?.is_empty() {
        return Ok(());
    }
    if store.count_households("TRUE").await? < DEMO_MIN_HOUSEHOLDS && survey.is_dir() {
        let args = LoadArgs {
            survey: survey.to_path_buf(),
            households: None,
        };
        let loaded = load(store, &args).await?;
        tracing::info!(
            households = loaded,
            "demo targeting: the generated survey's households added as synthetic targeting facts"
        );
    }
    let verifier = Actor::local_officer(Role::Verifier);
    let grant = verifier.may_anywhere::<RunTargeting>()?;
    let on = super::today();
    let ranked = rank_households(store, &grant, &pmt::Model::builtin(), on).await?;
    let outcome = run_program(store, &grant, DEMO_PROGRAM, &RunOptions::new(on)).await?;
    tracing::info!(
        ranked = ranked.ranked,
        candidates = outcome.simulation.totals.candidates,
        "demo targeting: households ranked and a draft run of {DEMO_PROGRAM} stored"
    );
    Ok(())
}

async fn export(store: &dyn Store, args: &ExportArgs) -> anyhow::Result<()> {
    let run = approve::stored_run(store, args.run).await?;
    let rows = approve::run_rows(store, run.id, &Scope::All).await?;
    let file = list_file(&rows);
    let hash = approve::hex(&list_hash(&file));
    match &args.out {
        Some(path) => {
            std::fs::write(path, &file)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {} (SHA-256 {hash})", path.display());
        }
        None => print!("{file}"),
    }
    if run.list_hash.is_some_and(|h| approve::hex(&h) != hash) {
        bail!(
            "the list no longer matches the hash approved for run {}",
            run.id
        );
    }
    Ok(())
}

async fn forecast(
    store: &dyn Store,
    args: &ForecastArgs,
    config: &tepat_web::ServerConfig,
) -> anyhow::Result<()> {
    // The flag wins over `[targeting] indicators_file`.
    let file = args
        .indicators
        .as_ref()
        .or(config.targeting.indicators_file.as_ref());
    let indicators = match file {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            read_indicators(file).with_context(|| format!("in {}", path.display()))?
        }
        None => Indicators::new(),
    };
    let actor = Actor::local_officer(Role::Verifier);
    let grant = actor.may_anywhere::<ReadTargeting>()?;
    let forecast = needs_forecast(store, &grant, &args.program.to_uppercase(), &indicators).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&forecast)?);
    } else {
        print!("{}", render_text(&forecast));
    }
    Ok(())
}

async fn load(store: &dyn Store, args: &LoadArgs) -> anyhow::Result<u64> {
    let rows = survey_file::read_dir(&args.survey)
        .with_context(|| format!("cannot read the survey in {}", args.survey.display()))?;
    let base: Vec<_> = rows
        .into_iter()
        .map(|(mut f, consumption)| {
            if let Some(s) = f.survey.as_mut() {
                s.consumption_per_capita = consumption;
            }
            f
        })
        .collect();
    if base.is_empty() {
        bail!("{} holds no households", args.survey.display());
    }
    let n = args.households.unwrap_or(base.len());
    let mut loaded = 0u64;
    for start in (0..n).step_by(LOAD_BATCH) {
        let batch: Vec<_> = (start..(start + LOAD_BATCH).min(n))
            .map(|i| {
                let mut h = base[i % base.len()].clone();
                if i >= base.len() {
                    h.id = survey_file::household_id(&format!("copy-{i}"));
                }
                h
            })
            .collect();
        loaded += store.load_targeting_facts(&batch).await?;
    }
    Ok(loaded)
}
