//! `tepat programs …`: programs as data from the command line (issue 6, part 1; `docs/programs.md`) —
//! list and show the stored versions, load a programs file (each changed program becomes its next
//! version), export the current set as a file. The command line acts as the local administrator.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use tepat_core::access::{Actor, ManagePrograms};
use tepat_core::registry::Origin;
use tepat_core::targeting::programs::{self, Loaded};
use tepat_domain::Lang;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum ProgramsCommand {
    /// The current version of every program: code, version, period, budget, rule
    List,
    /// One program's definition as TOML (the latest version, or --version N) and its version history
    Show(ShowArgs),
    /// Load a programs file (the format of programs/default.toml): every program that differs from its
    /// stored latest version is saved as the next version; nothing is saved if any program does not check
    Load(LoadArgs),
    /// Write the current version of every program as one programs file
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub code: String,
    #[arg(long)]
    pub version: Option<u32>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    pub file: PathBuf,
    /// Why, kept with every version saved (e.g. the decree or budget document behind the change)
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write (default: standard output)
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub async fn run(ctx: &Context, cmd: ProgramsCommand) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let store = store.as_ref();
    programs::seed_builtin(store, &Origin::now(None)).await?;
    match cmd {
        ProgramsCommand::List => {
            for p in programs::current(store).await?.iter() {
                let budget = p.budget.map_or("-".to_owned(), |b| b.to_string());
                println!(
                    "{:<16} v{:<3} {} – {}  budget {:<20} {}",
                    p.code,
                    p.version,
                    p.start,
                    p.end,
                    budget,
                    p.name(Lang::En)
                );
                println!("{:<21}rule: {}", "", p.rule);
            }
        }
        ProgramsCommand::Show(args) => {
            let program = match args.version {
                Some(v) => programs::get_version(store, &args.code, v).await?,
                None => programs::get(store, &args.code).await?,
            };
            print!("{}", program.def().to_toml());
            println!("\n# versions (newest first):");
            for v in programs::history(store, &args.code).await? {
                println!(
                    "#   v{} saved {} {}",
                    v.version,
                    v.saved_at.format("%Y-%m-%d %H:%M"),
                    v.note
                );
            }
        }
        ProgramsCommand::Load(args) => {
            let text = std::fs::read_to_string(&args.file)
                .with_context(|| format!("cannot read {}", args.file.display()))?;
            let admin = Actor::local_admin();
            let grant = admin.may_anywhere::<ManagePrograms>()?;
            let origin = Origin::now(None);
            let loaded = programs::load(store, &grant, &text, &args.note, &origin)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
            for l in loaded {
                match l {
                    Loaded::New { code } => println!("{code}: new, version 1"),
                    Loaded::Changed { code, version } => {
                        println!("{code}: changed, saved as version {version}")
                    }
                    Loaded::Unchanged { code, version } => {
                        println!("{code}: unchanged (version {version})")
                    }
                }
            }
        }
        ProgramsCommand::Export(args) => {
            let text = programs::current(store).await?.to_toml();
            match args.out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}
