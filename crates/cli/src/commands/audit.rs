//! The audit log's head in the transparency ledger (issue 5, part 9): the anchoring job of `tepat serve`
//! and `tepat demo`, `tepat audit anchor` (one anchor now) and `tepat audit verify` (the audit chain
//! against the latest anchor). See "Upkeep and anchoring" in `docs/registry.md`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use tepat_ledger::entry::audit_anchor;
use tepat_ledger::{FsStorage, Hash, LogPolicy, NoteSigner, VerifyOptions};
use tepat_store::{ChainHead, ChainProblem, Store};

use crate::cli::AuditCommand;
use crate::commands::ledger::{LogAppender, RunningLog};
use crate::context::Context;

/// The anchors' region when no population is imported yet (a valid ledger region code).
const NO_REGION: &str = "00";

/// How long `tepat audit anchor` waits for the log to start and publish.
const ANCHOR_WAIT: Duration = Duration::from_secs(120);

/// The region code written on anchors: the regency of the imported population (its province when the
/// database holds several regencies; `00` before any import).
pub async fn anchor_region(store: &dyn Store) -> anyhow::Result<String> {
    let regencies = store.populated_regencies().await?;
    Ok(match regencies.as_slice() {
        [] => NO_REGION.to_owned(),
        [one] => one.regency.to_string(),
        [first, ..] => first
            .regency
            .plain()
            .get(..2)
            .unwrap_or(NO_REGION)
            .to_owned(),
    })
}

/// Appends the audit log's head as an anchor when it changed since `last`; returns the head anchored.
async fn anchor_if_changed(
    store: &dyn Store,
    log: &LogAppender,
    last: Option<ChainHead>,
) -> anyhow::Result<Option<ChainHead>> {
    let head = tepat_core::audit::head(store).await?;
    if head.count == 0 || Some(head) == last {
        return Ok(None);
    }
    let region = anchor_region(store).await?;
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let bytes = audit_anchor(now, &region, head.count, Hash(head.hash)).encode()?;
    match log.submit(vec![bytes])? {
        Some(index) => {
            tracing::info!(
                index,
                audit_entries = head.count,
                "ledger: anchored the audit log's head"
            );
            Ok(Some(head))
        }
        None => Ok(None),
    }
}

/// The anchoring job: every `every` (the first time `every` after the start: the previous run anchored
/// at its shutdown), the head if it changed; once more when `stop` fires. Runs until then.
pub async fn anchoring(
    store: Arc<dyn Store>,
    log: LogAppender,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut last = None;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            _ = tick.tick() => false,
            _ = stop.wait_for(|s| *s) => true,
        };
        match anchor_if_changed(store.as_ref(), &log, last).await {
            Ok(Some(head)) => last = Some(head),
            Ok(None) => {}
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), "cannot anchor the audit log")
            }
        }
        if stopping {
            return;
        }
    }
}

/// `tepat audit …`.
pub async fn run(ctx: &Context, cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Anchor => anchor_now(ctx).await,
        AuditCommand::Verify => verify(ctx).await,
    }
}

async fn anchor_now(ctx: &Context) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    let log = RunningLog::start(&ctx.config, &ctx.config.ledger, false)?;
    let appender = log.appender();
    let result = async {
        let started = std::time::Instant::now();
        while !appender.is_running() {
            if started.elapsed() > ANCHOR_WAIT {
                bail!("the ledger did not start within {ANCHOR_WAIT:?} (are its witnesses reachable?)");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let head = tepat_core::audit::head(store.as_ref()).await?;
        if head.count == 0 {
            println!("the audit log is empty: nothing to anchor");
            return Ok(());
        }
        let region = anchor_region(store.as_ref()).await?;
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let bytes = audit_anchor(now, &region, head.count, Hash(head.hash)).encode()?;
        let index = appender
            .submit(vec![bytes])?
            .ok_or_else(|| anyhow!("the ledger stopped"))?;
        let waiter = appender.clone();
        let published =
            tokio::task::spawn_blocking(move || waiter.wait_published(index + 1, ANCHOR_WAIT))
                .await??;
        if !published {
            bail!("the anchor was appended at entry {index} but not published within {ANCHOR_WAIT:?}");
        }
        println!(
            "anchored the audit log's head ({} entries) at ledger entry {index}, region {region}",
            head.count
        );
        Ok(())
    }
    .await;
    tokio::task::spawn_blocking(move || log.shutdown()).await?;
    result
}

/// The log's own key, read (never created) from the key file: the anchors are checked against the
/// log's signature only; `tepat ledger verify` checks the witnesses too.
fn log_policy(key_file: &Path) -> anyhow::Result<LogPolicy> {
    let text = std::fs::read_to_string(key_file)
        .with_context(|| format!("cannot read the ledger key {}", key_file.display()))?;
    let signer = NoteSigner::from_skey(text.trim())
        .with_context(|| format!("{} is not a signing key", key_file.display()))?;
    Ok(LogPolicy::new(signer.verifier(), Vec::new(), 0))
}

async fn verify(ctx: &Context) -> anyhow::Result<()> {
    let store = ctx.migrated_store().await?;
    // The operator at the shell holds the database and its keys: the store is read directly.
    let check = store.audit_verify().await?;
    match check.problem {
        None => println!(
            "audit log: {} entries, the hash chain is intact",
            check.checked
        ),
        Some(problem) => bail!(
            "the audit log is broken: {}",
            match problem {
                ChainProblem::Gap { expected, found } =>
                    format!("entry {expected} is missing (the next is {found})"),
                ChainProblem::Altered { seq } => format!("entry {seq} was altered"),
                ChainProblem::Head { head_count, rows } =>
                    format!("the head counts {head_count} entries but the chain ends after {rows}"),
            }
        ),
    }
    let ledger = ctx.config.ledger.clone();
    if !ledger.key_file.exists()
        || !ledger
            .dir
            .join(tepat_ledger::storage::CHECKPOINT_PATH)
            .exists()
    {
        println!(
            "ledger: none at {} yet: nothing anchored, the audit log is checked against its own chain only",
            ledger.dir.display()
        );
        return Ok(());
    }
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let policy = log_policy(&ledger.key_file)?;
        let storage = FsStorage::existing(&ledger.dir)
            .with_context(|| format!("cannot read the ledger {}", ledger.dir.display()))?;
        Ok(tepat_ledger::verify_log(
            &storage,
            &policy,
            &VerifyOptions::default(),
        ))
    })
    .await??;
    if !report.is_ok() {
        print!("{}", report.render_text());
        bail!("the ledger itself does not verify (see above)");
    }
    let Some((region, anchor)) = report.audit_anchors.iter().max_by_key(|(_, a)| a.index) else {
        println!("ledger: no audit anchor yet (tepat serve anchors every [audit] anchor_minutes)");
        return Ok(());
    };
    if anchor.entries > check.checked {
        bail!(
            "the audit log holds {} entries but {} were anchored at ledger entry {}: entries were removed",
            check.checked,
            anchor.entries,
            anchor.index
        );
    }
    match store.audit_hash_at(anchor.entries).await? {
        Some(hash) if hash == anchor.head.0 => {
            println!(
                "ledger: the anchor at entry {} (region {region}) covers the first {} audit entries, \
                 which match it",
                anchor.index, anchor.entries
            );
            println!("OK");
            Ok(())
        }
        _ => bail!(
            "the audit log's first {} entries do not match the anchor at ledger entry {}: \
             the audit log was rewritten",
            anchor.entries,
            anchor.index
        ),
    }
}
