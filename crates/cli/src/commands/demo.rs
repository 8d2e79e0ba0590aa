//! `tepat demo`: from nothing to a served regency in one command. On a database that already holds a
//! population it serves at once.

use std::path::PathBuf;

use anyhow::Context as _;
use tepat_core::population::{import_population, ImportOptions};
use tepat_generate::{generate, GenerateOptions};
use tepat_regions::RegionTable;

use crate::cli::DemoArgs;
use crate::context::Context;

/// Where the demo's generated CSV files are kept (beside the database, for trying the other commands).
const DEMO_DATA_DIR: &str = "tepat-demo-data";
const DEMO_SEED: u64 = 2020;

pub async fn run(ctx: &Context, args: &DemoArgs) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let totals = store.population_totals().await?;
    if totals.persons == 0 {
        let dir = PathBuf::from(DEMO_DATA_DIR);
        tracing::info!(dir = %dir.display(), "generating the demo regency, Kabupaten Belitung");
        let opts = GenerateOptions {
            errors: true,
            persons: args.persons,
            ..GenerateOptions::new(&dir, DEMO_SEED, super::today())
        };
        let generated = tokio::task::spawn_blocking(move || {
            generate(&opts, RegionTable::embedded(), &|_, _| {})
        })
        .await
        .context("the generator stopped unexpectedly")?
        .context("cannot generate the demo regency")?;
        tracing::info!(
            persons = generated.persons,
            households = generated.households,
            secs = generated.elapsed.as_secs_f64(),
            "generated"
        );
        let import = ImportOptions {
            report: None,
            progress: false,
            today: super::today(),
        };
        let population = dir.join(tepat_generate::POPULATION);
        let summary = import_population(
            store.as_ref(),
            RegionTable::embedded(),
            &population,
            &import,
        )
        .await
        .context("cannot import the demo population")?;
        tracing::info!(
            valid = summary.valid,
            rejected = summary.rejected,
            report = %summary.report.display(),
            secs = summary.elapsed.as_secs_f64(),
            "imported the population extract"
        );
    } else {
        tracing::info!(
            persons = totals.persons,
            households = totals.households,
            "the database already holds a population; serving it"
        );
    }
    tepat_web::serve(&ctx.config, store, tepat_web::shutdown_signal()).await?;
    Ok(())
}
