//! `tepat witness`: a witness for another agency (C2SP tlog-witness). It has its own key and state, trusts
//! the log keys it is given, and cosigns only checkpoints consistent with what it cosigned before.
//! `tepat witness init` creates its key and prints the public key the log's operator configures.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use tepat_ledger::{KeyType, LogPolicy, NoteVerifier, Witness};

use crate::cli::{WitnessArgs, WitnessCommand};
use crate::commands::ledger::load_or_create_key;

pub async fn run(args: WitnessArgs) -> anyhow::Result<()> {
    match args.command {
        Some(WitnessCommand::Init(init)) => {
            if init.key_file.exists() {
                bail!(
                    "{} already exists; its public key is printed by `tepat witness key --key-file {}`",
                    init.key_file.display(),
                    init.key_file.display()
                );
            }
            let signer = load_or_create_key(&init.key_file, &init.name, KeyType::CosignatureV1)?;
            println!("{}", signer.verifier().to_vkey());
            Ok(())
        }
        Some(WitnessCommand::Key(key)) => {
            let text = std::fs::read_to_string(&key.key_file)
                .with_context(|| format!("cannot read {}", key.key_file.display()))?;
            let signer = tepat_ledger::NoteSigner::from_skey(text.trim())?;
            println!("{}", signer.verifier().to_vkey());
            Ok(())
        }
        None => serve(args).await,
    }
}

/// The log keys to trust: `--log-key` values and the `log` line of each `--policy` file.
fn log_keys(keys: &[String], policies: &[PathBuf]) -> anyhow::Result<Vec<NoteVerifier>> {
    let mut out = Vec::new();
    for k in keys {
        let v = NoteVerifier::from_vkey(k).with_context(|| format!("--log-key {k}"))?;
        if v.key_type() != KeyType::Ed25519 {
            bail!("--log-key {k} is not an Ed25519 log key");
        }
        out.push(v);
    }
    for p in policies {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        out.push(
            LogPolicy::parse(&text)
                .with_context(|| format!("{}", p.display()))?
                .log,
        );
    }
    if out.is_empty() {
        bail!("name at least one log to witness with --log-key VKEY or --policy FILE");
    }
    Ok(out)
}

/// Opens a witness (creating its key if missing) with its state in `state_dir`.
pub fn open(
    key_file: &Path,
    name: &str,
    state_dir: &Path,
    logs: Vec<NoteVerifier>,
) -> anyhow::Result<Arc<Witness>> {
    let signer = load_or_create_key(key_file, name, KeyType::CosignatureV1)?;
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("cannot create {}", state_dir.display()))?;
    let witness = Witness::open(signer, logs, state_dir.join("state"))
        .with_context(|| format!("cannot open the witness state in {}", state_dir.display()))?;
    Ok(Arc::new(witness))
}

/// Serves `witness` on `listener` until `shutdown` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    tepat_web::ledger::serve_witness(listener, witness, shutdown).await?;
    Ok(())
}

async fn serve(args: WitnessArgs) -> anyhow::Result<()> {
    let r = args.run;
    let logs = log_keys(&r.log_key, &r.policy)?;
    let witness = {
        let (key_file, state_dir, name) = (r.key_file.clone(), r.state_dir.clone(), r.name.clone());
        tokio::task::spawn_blocking(move || open(&key_file, &name, &state_dir, logs)).await??
    };
    let listen: SocketAddr = r.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        key = %witness.verifier().to_vkey(),
        state = %r.state_dir.display(),
        "tepat witness is serving POST /add-checkpoint"
    );
    serve_on(listener, witness, tepat_web::shutdown_signal()).await
}
