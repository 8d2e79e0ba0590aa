//! `tepat admin rotate-keys`: a new encryption key becomes active, every sealed value (NIK, KK number,
//! phone, account, survey details) is re-sealed under it, and with `--retire` the old keys leave the key
//! file once nothing uses them.
//!
//! Order matters for safety: the key file with the new key is written (durably) before any value is
//! sealed under it, and a key is retired only after counting that no stored value uses it.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use clap::Args;
use tepat_crypto::{KeyId, Keyring};
use tepat_store::Store;

use crate::context::{Context, KEYS_ENV};

#[derive(Debug, Args)]
pub struct RotateKeysArgs {
    /// Do not add a key: finish re-sealing under the current active key (after an interrupted run, or
    /// after a server that still had the old key file wrote new values)
    #[arg(long)]
    pub resume: bool,
    /// Afterwards remove the old keys from the key file, if no stored value uses them any more. Database
    /// backups made before then need the old key file: keep it with them
    #[arg(long)]
    pub retire: bool,
}

pub async fn rotate(ctx: &Context, args: &RotateKeysArgs) -> anyhow::Result<()> {
    if std::env::var_os(KEYS_ENV).is_some() {
        bail!(
            "the keys come from the environment ({KEYS_ENV}); rotate them with a key file \
             (--key-file), then put the new file's content into the secret"
        );
    }
    let path = &ctx.config.key_file;
    let mut ring = Keyring::load(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    if !args.resume {
        let id = ring.rotate();
        save(&ring, path)?;
        println!(
            "key {id} is now the active key; the key file {} was updated: back it up now",
            path.display()
        );
    }
    let active = ring.active_key();
    let store = connect(ctx, &ring).await?;
    let report = reseal(store.as_ref()).await?;
    println!(
        "{} sealed values checked, {} re-sealed under key {active}",
        report.values, report.resealed
    );
    let old: Vec<KeyId> = ring
        .key_ids()
        .into_iter()
        .filter(|id| *id != active)
        .collect();
    if args.retire {
        retire(store.as_ref(), &mut ring, &old, path).await?;
    } else if !old.is_empty() {
        println!(
            "old keys {} stay in the key file; `tepat admin rotate-keys --resume --retire` removes them",
            list(&old)
        );
    }
    Ok(())
}

async fn connect(ctx: &Context, ring: &Keyring) -> anyhow::Result<Arc<dyn Store>> {
    let store = tepat_store::connect(&ctx.config.database_url, Arc::new(ring.clone()))
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                ctx.config.database_url_redacted()
            )
        })?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    Ok(store)
}

async fn reseal(store: &dyn Store) -> anyhow::Result<tepat_store::ResealReport> {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("re-sealing");
    let report = store
        .reseal(&|n| bar.set_message(format!("re-sealing: {n} values checked")))
        .await
        .context("re-sealing stopped; run `tepat admin rotate-keys --resume` to finish")?;
    bar.finish_and_clear();
    Ok(report)
}

/// Removes `old` keys from the ring and the file, after checking that no value uses them.
async fn retire(
    store: &dyn Store,
    ring: &mut Keyring,
    old: &[KeyId],
    path: &Path,
) -> anyhow::Result<()> {
    let usage = store.key_usage().await?;
    if let Some((id, n)) = old.iter().find_map(|id| usage.get(id).map(|n| (id, n))) {
        bail!(
            "key {id} still seals {n} values (written meanwhile by a server with the old key file?); \
             restart the servers with the new key file, then run `tepat admin rotate-keys --resume --retire`"
        );
    }
    for id in old {
        ring.retire(*id)?;
    }
    save(ring, path)?;
    if old.is_empty() {
        println!("no old keys to retire");
    } else {
        println!(
            "retired keys {}; the key file holds only key {}",
            list(old),
            ring.active_key()
        );
    }
    Ok(())
}

fn save(ring: &Keyring, path: &Path) -> anyhow::Result<()> {
    ring.save(path)
        .with_context(|| format!("cannot write the key file {}", path.display()))
}

fn list(ids: &[KeyId]) -> String {
    ids.iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
