use crate::context::Context;

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    tepat_web::serve(&ctx.config, store, tepat_web::shutdown_signal()).await?;
    Ok(())
}
