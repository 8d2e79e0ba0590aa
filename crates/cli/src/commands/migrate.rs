use crate::context::Context;

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let regions = store.region_counts().await?;
    println!(
        "database is up to date ({}); regions loaded: {} provinces, {} regencies/cities, {} districts, {} villages",
        ctx.config.database_url_redacted(),
        regions.provinces,
        regions.regencies,
        regions.districts,
        regions.villages
    );
    Ok(())
}
