use anyhow::Context as _;
use tepat_core::population::{import_population, ImportOptions};
use tepat_regions::RegionTable;

use crate::cli::ImportPopulationArgs;
use crate::context::Context;

pub async fn population(ctx: &Context, args: &ImportPopulationArgs) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let opts = ImportOptions {
        report: args.report.clone(),
        progress: super::interactive(),
        today: super::today(),
    };
    let summary = import_population(store.as_ref(), RegionTable::embedded(), &args.file, &opts)
        .await
        .with_context(|| {
            format!(
                "import of {} failed; the database is unchanged",
                args.file.display()
            )
        })?;
    println!("{}", summary.to_string().trim_end());
    // Deaths and moves of persons in the registry become tasks for the officers (docs/registry.md,
    // "Upkeep and anchoring"); the import itself is committed whatever happens here.
    let (deaths, moves) = super::registry::sync_after_import(store.as_ref(), &summary)
        .await
        .context(
            "the import is committed, but its deaths and moves could not be passed to the registry",
        )?;
    println!(
        "registry tasks: {} ({deaths} death(s), {moves} move(s) of registered persons)",
        deaths + moves
    );
    Ok(())
}
