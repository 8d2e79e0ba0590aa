use crate::commands::ledger::RunningLog;
use crate::context::Context;

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    // The office's transparency ledger: opened (created on first start), published with the configured
    // witness quorum. `serve` never appends sample data; only `tepat demo` does.
    let log = RunningLog::start(&ctx.config, &ctx.config.ledger, false)?;
    let upkeep = super::start_upkeep(&ctx.config, store.clone(), log.appender());
    let served = tepat_web::serve_ledger(
        &ctx.config,
        store,
        Some(log.ledger.clone()),
        tepat_web::shutdown_signal(),
    )
    .await;
    upkeep.stop().await;
    tokio::task::spawn_blocking(move || log.shutdown()).await?;
    served?;
    Ok(())
}
