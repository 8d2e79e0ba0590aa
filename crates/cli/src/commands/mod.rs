//! One module per subcommand.

pub(crate) mod admin;
pub(crate) mod agency;
pub(crate) mod audit;
mod demo;
mod demo_samples;
pub(crate) mod distribution;
mod distribution_bench;
mod distribution_demo;
pub(crate) mod distribution_ledger;
mod feedback_demo;
mod generate;
mod import;
mod info_demo;
mod keys;
pub(crate) mod ledger;
mod linkage;
mod migrate;
pub(crate) mod notify;
pub(crate) mod opendata_bench;
pub(crate) mod payments;
pub(crate) mod pmt;
pub(crate) mod programs;
pub(crate) mod registry;
mod serve;
pub(crate) mod targeting;
mod witness;

use crate::cli::{Cli, Command, ImportCommand};
use crate::context::Context;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Command::Serve(a) => a.listen,
        Command::Demo(a) => a.serve.listen,
        _ => None,
    };
    let ctx = Context::load(&cli.global, listen)?;
    ctx.init_logging()?;
    match cli.command {
        Command::Serve(_) => serve::run(&ctx).await,
        Command::Demo(args) => demo::run(&ctx, &args).await,
        Command::Migrate => migrate::run(&ctx).await,
        Command::Generate(args) => generate::run(&args),
        Command::Import(ImportCommand::Population(args)) => import::population(&ctx, &args).await,
        Command::Ledger(cmd) => ledger::command(cmd, &ctx).await,
        Command::Witness(args) => witness::run(args).await,
        Command::Admin(cmd) => admin::run(&ctx, cmd).await,
        Command::Dedupe(args) => linkage::dedupe(&args),
        Command::Link(args) => linkage::link(&args),
        Command::Audit(cmd) => audit::run(&ctx, cmd).await,
        Command::Registry(cmd) => registry::run(&ctx, cmd).await,
        Command::Pmt(pmt::PmtCommand::Rank(args)) => targeting::rank(&ctx, &args).await,
        Command::Pmt(cmd) => pmt::run(cmd),
        Command::Targeting(cmd) => targeting::run(&ctx, cmd).await,
        Command::Programs(cmd) => programs::run(&ctx, cmd).await,
        Command::Distribution(cmd) => distribution::run(&ctx, cmd).await,
        Command::OpenData(cmd) => opendata_bench::run(&ctx, cmd).await,
        Command::Payments(cmd) => payments::run(&ctx, cmd).await,
        Command::Notify(cmd) => notify::run(&ctx, cmd).await,
    }
}

/// True when standard error is a terminal: progress bars are drawn only then.
fn interactive() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Today's date, for rules that depend on it (NIK century, ages).
fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// The background upkeep of `serve` and `demo`: the audit log's head anchored in the ledger every
/// `[audit] anchor_minutes` (and at shutdown; never when it is 0), the registry's re-verification flags
/// and photo purge daily, approved beneficiary lists and distribution steps into the ledger every minute.
pub(crate) struct Upkeep {
    stop: tokio::sync::watch::Sender<bool>,
    anchoring: Option<tokio::task::JoinHandle<()>>,
    flagging: tokio::task::JoinHandle<()>,
    publishing: tokio::task::JoinHandle<()>,
    distributing: tokio::task::JoinHandle<()>,
    /// Overdue complaints moved up a level (`docs/complaints.md`).
    escalating: tokio::task::JoinHandle<()>,
    /// The notification outbox (`docs/notifications.md`), when `[notify]` could be set up.
    notifying: Option<tokio::task::JoinHandle<()>>,
}

pub(crate) fn start_upkeep(
    config: &tepat_web::ServerConfig,
    store: std::sync::Arc<dyn tepat_store::Store>,
    log: ledger::LogAppender,
) -> Upkeep {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let minutes = config.audit.anchor_minutes;
    let publishing = tokio::spawn(targeting::publishing(store.clone(), log.clone()));
    let distributing = tokio::spawn(distribution_ledger::publishing(store.clone(), log.clone()));
    let escalating = tokio::spawn(feedback_demo::escalating(store.clone()));
    let anchoring = (minutes > 0).then(|| {
        let every = std::time::Duration::from_secs(minutes.saturating_mul(60));
        tokio::spawn(audit::anchoring(store.clone(), log, every, stopped))
    });
    let notifying = notify::start(config, store.clone());
    let flagging = tokio::spawn(registry::flagging(store, config.registry.clone()));
    Upkeep {
        stop,
        anchoring,
        flagging,
        publishing,
        distributing,
        escalating,
        notifying,
    }
}

impl Upkeep {
    /// Anchors a changed head once more, then stops both jobs.
    pub(crate) async fn stop(self) {
        self.flagging.abort();
        self.publishing.abort();
        self.distributing.abort();
        self.escalating.abort();
        if let Some(notifying) = &self.notifying {
            notifying.abort();
        }
        let _ = self.stop.send(true);
        if let Some(anchoring) = self.anchoring {
            let _ = anchoring.await;
        }
    }
}
