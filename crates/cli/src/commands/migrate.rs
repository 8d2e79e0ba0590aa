use crate::context::Context;

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let origin = tepat_core::registry::Origin::now(None);
    let seeded = tepat_core::targeting::programs::seed_builtin(store.as_ref(), &origin).await?;
    if seeded > 0 {
        println!("stored the {seeded} built-in programs as version 1 (programs/default.toml)");
    }
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
