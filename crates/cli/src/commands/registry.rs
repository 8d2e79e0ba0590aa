//! The registry's upkeep from the binary (issue 5, part 4): population-extract deaths and moves into
//! tasks after each import, re-verification flags daily in `tepat serve` / `tepat demo` and by hand
//! (`tepat registry flag-stale`), and the daily removal of household photos past their retention. See "Upkeep and anchoring" in `docs/registry.md`.

use std::sync::Arc;
use std::time::Duration;

use tepat_core::access::{Actor, Administer, FlagStale, Job};
use tepat_core::photos::{purge, PhotoSettings};
use tepat_core::registry::{flag_for_reverification, sync_population, Origin};
use tepat_store::Store;
use tepat_web::config::RegistryConfig;

use crate::cli::RegistryCommand;
use crate::context::Context;

/// How often the re-verification job runs.
const FLAG_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// After a population import: the deaths and moves it recorded become registry tasks (by the local
/// administrator, as the core requires). Returns (deaths, moves) tasks created.
pub async fn sync_after_import(
    store: &dyn Store,
    import: &tepat_core::population::ImportSummary,
) -> anyhow::Result<(u64, u64)> {
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>()?;
    let sync = sync_population(store, &grant, import.run_id, &Origin::now(None)).await?;
    Ok((sync.deaths, sync.moves))
}

/// Creates a re-verification task for every active household (anywhere) whose last verification is
/// older than `days`; returns how many tasks are new. Runs as the scheduled job's own actor
/// (`Actor::system(Job::Reverification)`, role `system`), through the core and its grant, so the audit
/// log names the job, whether `serve` or `tepat registry flag-stale` ran it.
pub async fn flag_stale(store: &dyn Store, days: u32) -> anyhow::Result<u64> {
    let job = Actor::system(Job::Reverification);
    let grant = job.may_anywhere::<FlagStale>()?;
    let period = chrono::Duration::days(i64::from(days));
    Ok(flag_for_reverification(store, &grant, period, &Origin::now(None)).await?)
}

/// The daily upkeep of `tepat serve` and `tepat demo` (first run at start): re-verification flags
/// and the photo retention purge, each as its own job (`Actor::system`), neither stopping the other.
pub async fn flagging(store: Arc<dyn Store>, config: RegistryConfig) {
    let mut tick = tokio::time::interval(FLAG_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let days = config.reverify_after_days;
    let photos = PhotoSettings {
        max_bytes: config.photo_max_bytes,
        retention_days: config.photo_retention_days,
    };
    loop {
        tick.tick().await;
        match flag_stale(store.as_ref(), days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                tasks = n,
                days,
                "registry: flagged households for re-verification"
            ),
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), "registry: cannot flag households for re-verification")
            }
        }
        // The purge logs what it removed itself; only a failure is reported here.
        if let Err(error) = purge(store.as_ref(), &photos, chrono::Utc::now()).await {
            tracing::error!(error = %error, "registry: cannot remove photos past their retention");
        }
    }
}

/// `tepat registry …`.
pub async fn run(ctx: &Context, cmd: RegistryCommand) -> anyhow::Result<()> {
    match cmd {
        RegistryCommand::FlagStale => {
            let store = ctx.migrated_store().await?;
            let days = ctx.config.registry.reverify_after_days;
            let n = flag_stale(store.as_ref(), days).await?;
            println!("{n} household(s) not verified for {days} days flagged for re-verification (new tasks)");
            Ok(())
        }
        RegistryCommand::PurgePhotos => {
            let store = ctx.migrated_store().await?;
            let r = &ctx.config.registry;
            let settings = PhotoSettings {
                max_bytes: r.photo_max_bytes,
                retention_days: r.photo_retention_days,
            };
            let report = purge(store.as_ref(), &settings, chrono::Utc::now()).await?;
            println!(
                "{} photo(s) past {} days after verification removed; {} household(s) held by an objection",
                report.removed.len(),
                settings.retention_days,
                report.held
            );
            Ok(())
        }
    }
}
