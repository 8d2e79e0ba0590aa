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
    Ok(())
}
