//! One module per subcommand.

pub(crate) mod admin;
pub(crate) mod agency;
mod demo;
mod generate;
mod import;
mod keys;
pub(crate) mod ledger;
mod linkage;
mod migrate;
mod serve;
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
