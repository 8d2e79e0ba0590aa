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
/// The demo log's origin (its key's name) when the demo creates the key.
const DEMO_LOG_ORIGIN: &str = "dinsos.belitungkab.demo/ledger";
/// The demo's two witnesses, as two other agencies would run them.
const DEMO_WITNESSES: [&str; 2] = ["inspektorat.belitungkab.demo", "bappeda.belitungkab.demo"];
/// Where the demo's witnesses keep their keys and state, beside the database.
const DEMO_WITNESS_DIR: &str = "tepat-demo-witnesses";

pub async fn run(ctx: &Context, args: &DemoArgs) -> anyhow::Result<()> {
    if let Some(crate::cli::DemoAction::Samples(samples)) = &args.action {
        return super::demo_samples::run(ctx, samples).await;
    }
    let store = ctx.migrated_store().await?;
    let origin = tepat_core::registry::Origin::now(None);
    tepat_core::targeting::programs::seed_builtin(store.as_ref(), &origin).await?;
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
        let (deaths, moves) = super::registry::sync_after_import(store.as_ref(), &summary).await?;
        tracing::info!(deaths, moves, "registry tasks from the population extract");
    } else {
        tracing::info!(
            persons = totals.persons,
            households = totals.households,
            "the database already holds a population; serving it"
        );
    }
    // Officers to sign in as, with passwords printed on the first start only.
    super::admin::create_demo_accounts(store.as_ref(), &ctx.config.url()).await?;
    // Households at every stage of the registry's workflow, so every officer's queue has work in it.
    // Written beside the start-up (it takes a few Argon2id hashes), not in its way.
    let seeding = {
        let store = store.clone();
        let config = ctx.config.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match tepat_web::ui::registry::demo::seed_demo(store.clone()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    requests = n,
                    secs = started.elapsed().as_secs_f64(),
                    "seeded the demo registry"
                ),
                Err(error) => tracing::error!(%error, "cannot write the demo registry"),
            }
            // Targeting over the seeded registry: ranks and one draft run to look at and approve.
            let survey = std::path::Path::new(DEMO_DATA_DIR);
            if let Err(error) = super::targeting::demo_run(store.as_ref(), survey).await {
                tracing::error!(error = %format!("{error:#}"), "cannot make the demo targeting run");
            }
            // One cycle of each demo program paid: bank files, statuses, vouchers, hand-overs. The bank
            // files (account numbers) live in a scratch directory only while the simulated bank answers
            // them, not in the demo's data: officers download them from the payments page.
            let scratch =
                std::env::temp_dir().join(format!("tepat-demo-bank-{}", std::process::id()));
            if let Err(error) =
                super::distribution_demo::demo_cycles(store.clone(), &config, &scratch).await
            {
                tracing::error!(error = %format!("{error:#}"), "cannot run the demo distribution");
            }
            let _ = std::fs::remove_dir_all(&scratch);
            // Announcements, and the schedules of the demo cycle's envelopes (docs/information.md).
            super::info_demo::demo_announcements(store.as_ref()).await;
            // Complaints in several states and ratings of the cycle's hand-overs (docs/complaints.md).
            super::feedback_demo::demo_feedback(store.as_ref()).await;
        })
    };
    // The ledger, cosigned from the first start by two witnesses run beside it, as two other agencies
    // would: each with its own key and state directory, on its own loopback port. Witnesses configured
    // in the settings are used instead, if there are any.
    let mut ledger_config = ctx.config.ledger.clone();
    let mut witness_tasks = Vec::new();
    let (stop_witnesses, stopped) = tokio::sync::watch::channel(false);
    if ledger_config.witnesses.is_empty() {
        let signer = super::ledger::load_or_create_key(
            &ledger_config.key_file,
            DEMO_LOG_ORIGIN,
            tepat_ledger::KeyType::Ed25519,
        )?;
        for name in DEMO_WITNESSES {
            let dir = PathBuf::from(DEMO_WITNESS_DIR).join(name.split('.').next().unwrap_or(name));
            let log_key = signer.verifier();
            let (key_file, state_dir) = (dir.join("witness.key"), dir.join("state"));
            let witness = tokio::task::spawn_blocking(move || {
                super::witness::open(
                    &key_file,
                    &format!("{name}/witness"),
                    &state_dir,
                    vec![log_key],
                )
            })
            .await??;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}", listener.local_addr()?);
            tracing::info!(%url, key = %witness.verifier().to_vkey(), dir = %dir.display(), "demo witness");
            ledger_config
                .witnesses
                .push(tepat_web::config::WitnessConfig {
                    url,
                    key: witness.verifier().to_vkey(),
                });
            let mut stopped = stopped.clone();
            witness_tasks.push(tokio::spawn(super::witness::serve_on(
                listener,
                witness,
                async move {
                    let _ = stopped.wait_for(|s| *s).await;
                },
            )));
        }
        ledger_config.quorum = ledger_config.witnesses.len();
    }
    let log = super::ledger::RunningLog::start(&ctx.config, &ledger_config, true)?;
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
    let _ = stop_witnesses.send(true);
    for t in witness_tasks {
        let _ = t.await;
    }
    seeding.abort();
    served?;
    Ok(())
}
