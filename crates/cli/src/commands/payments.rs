//! `tepat payments …`: the money of released envelopes (issue 7, `docs/distribution.md`): pain.001
//! credit-transfer files per bank written to a directory, bank status files (pain.002, camt.053,
//! camt.054) imported and reconciled per payment, failed payments retried or rerouted to cash, e-wallet
//! disbursements sent. The command line acts as `cli` in the verifier role
//! ([`Actor::local_officer`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use tepat_core::access::{Actor, Grant, ManagePayments};
use tepat_core::distribution::bank::{self, DebtorAccount};
use tepat_core::distribution::{ewallet, premium};
use tepat_core::registry::Origin;
use tepat_domain::distribution::{EnvelopeState, FinancialAddress};
use tepat_domain::{RegionCode, Role};
use tepat_payments::ewallet::{Client, Provider};
use tepat_store::{LinkSource, NewAccountLink, Store};
use uuid::Uuid;

use super::distribution::rupiah;

use crate::commands::distribution_ledger::{publish_distribution, Published};
use crate::commands::ledger::RunningLog;
use crate::context::Context;

/// How long a command waits for the ledger to start and publish what it wrote.
const LEDGER_WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// Write the pain.001 credit-transfer files of released envelopes to a directory, one per
    /// envelope, bank and batch; payments not yet sent are marked sent. Files already written are
    /// written again byte for byte (same MsgId, PmtInfId, EndToEndId), so a bank recognises a resubmission
    Export(ExportArgs),
    /// Import bank status files (pain.002, camt.053, camt.054) and reconcile each payment; a file
    /// imported before changes nothing; a malformed or foreign file is refused whole with its line
    /// (exit status 1)
    Import(ImportArgs),
    /// New attempts for failed transfers whose household has a verified account (sent at the next
    /// export or e-wallet send)
    Retry(EnvelopeOpt),
    /// Failed transfers to cash at a distribution point (then `tepat distribution assign`)
    Reroute(RerouteArgs),
    /// Send the e-wallet payments not yet sent as G2P Connect `disburse` requests to each provider
    EwalletSend(EnvelopeOpt),
    /// Record households' checked accounts in bulk (CSV: household_id,village_code,address with
    /// addresses like account:0123456789@bri or mobile:081234567890@dana), verified at once
    LinkAccounts(LinkAccountsArgs),
    /// Record the treasury's transfer that paid an envelope's premiums to BPJS Kesehatan (PBI-JK):
    /// every premium payment still waiting becomes settled with the document number; the same
    /// number again changes nothing
    PremiumPaid(PremiumPaidArgs),
    /// Answer pain.001 files as a bank would (tests and demos): a pain.002 and a camt.054 per file
    #[command(hide = true)]
    SimulateBank(SimulateBankArgs),
}

#[derive(Debug, Args)]
pub struct SimulateBankArgs {
    /// Where the pain.001 files are
    #[arg(long)]
    pub dir: PathBuf,
    /// Where to write the answers (created if missing)
    #[arg(long)]
    pub out: PathBuf,
    /// Reject the first N transfers of each file with AC04 (account closed)
    #[arg(long, default_value_t = 0)]
    pub reject: usize,
    /// Return the next N transfers of each file after booking (MD07)
    #[arg(long, default_value_t = 0)]
    pub r#return: usize,
}

#[derive(Debug, Args)]
pub struct PremiumPaidArgs {
    /// The envelope whose premiums the transfer paid
    #[arg(long)]
    pub envelope: Uuid,
    /// The transfer's document number (an SP2D number), kept as each payment's reference
    #[arg(long)]
    pub reference: String,
}

#[derive(Debug, Args)]
pub struct LinkAccountsArgs {
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Directory to write the files into (created if missing)
    #[arg(long)]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The status files
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EnvelopeOpt {
    /// Only this envelope (default: every envelope being paid)
    #[arg(long)]
    pub envelope: Option<Uuid>,
}

#[derive(Debug, Args)]
pub struct RerouteArgs {
    /// The envelope whose failed transfers become cash
    #[arg(long)]
    pub envelope: Uuid,
}

pub async fn run(ctx: &Context, cmd: PaymentsCommand) -> anyhow::Result<()> {
    let store_arc = ctx.migrated_store().await?;
    let store = store_arc.as_ref();
    let origin = Origin::now(None);
    let actor = Actor::local_officer(Role::Verifier);
    let grant = actor.may_anywhere::<ManagePayments>()?;
    match cmd {
        PaymentsCommand::Export(args) => export(ctx, store, &grant, &args, &origin).await,
        PaymentsCommand::Import(args) => import(store, &grant, &args.files, &origin).await,
        PaymentsCommand::Retry(args) => {
            for id in paying(store, args.envelope).await? {
                let made = bank::retry_failed(store, &grant, id, &origin).await?;
                println!(
                    "envelope {id}: {} new attempts ({})",
                    made.count,
                    rupiah(made.amount.amount())
                );
            }
            Ok(())
        }
        PaymentsCommand::Reroute(args) => {
            let moved = bank::reroute_to_cash(store, &grant, args.envelope, None, &origin).await?;
            println!(
                "envelope {}: {} failed transfers rerouted to cash ({})",
                args.envelope,
                moved.count,
                rupiah(moved.amount.amount())
            );
            let e = store
                .envelope(args.envelope)
                .await?
                .with_context(|| format!("no envelope {}", args.envelope))?;
            if moved.count > 0 {
                println!(
                    "{}",
                    super::distribution::assign(ctx, &store_arc, &e, &origin).await?
                );
            }
            Ok(())
        }
        PaymentsCommand::EwalletSend(args) => {
            ewallet_send(ctx, &store_arc, &grant, args.envelope, &origin).await
        }
        PaymentsCommand::LinkAccounts(args) => link_accounts(store, &args.file, &origin).await,
        PaymentsCommand::PremiumPaid(args) => premium_paid(store, &grant, &args, &origin).await,
        PaymentsCommand::SimulateBank(args) => simulate_bank(&args, &origin),
    }
}

async fn premium_paid(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    args: &PremiumPaidArgs,
    origin: &Origin,
) -> anyhow::Result<()> {
    let id = args.envelope;
    let r = premium::settle_premiums(store, grant, id, &args.reference, origin).await?;
    if r.already_recorded {
        println!("envelope {id}: this transfer was recorded before; nothing changed");
    } else {
        println!(
            "envelope {id}: {} premiums settled ({})",
            r.count,
            rupiah(r.amount.amount())
        );
    }
    Ok(())
}

/// The envelopes being paid: `only`, or every one in state paying.
async fn paying(store: &dyn Store, only: Option<Uuid>) -> anyhow::Result<Vec<Uuid>> {
    if let Some(id) = only {
        return Ok(vec![id]);
    }
    Ok(store
        .envelopes(None, 1_000)
        .await?
        .into_iter()
        .filter(|e| e.state == EnvelopeState::Paying)
        .map(|e| e.id)
        .collect())
}

async fn export(
    ctx: &Context,
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    args: &ExportArgs,
    origin: &Origin,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let debtors: HashMap<String, DebtorAccount> = ctx
        .config
        .payments
        .banks
        .iter()
        .map(|b| {
            (
                b.code.clone(),
                DebtorAccount {
                    name: b.debtor_name.clone(),
                    account: b.debtor_account.clone(),
                },
            )
        })
        .collect();
    let files = bank::export_bank_files(store, grant, &args.dir, &debtors, origin).await?;
    if files.is_empty() {
        println!("no bank payments to send");
    }
    for f in &files {
        println!(
            "{}  {:<8} {} payments, {}{}",
            f.path.display(),
            f.bank,
            f.count,
            rupiah(f.amount.amount()),
            if f.again {
                "  (written again: waiting for its status)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// Imports every file, reporting each; a refused file changes nothing, and any refusal makes the
/// command fail after the others are imported.
async fn import(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    files: &[PathBuf],
    origin: &Origin,
) -> anyhow::Result<()> {
    let mut refused = 0;
    for path in files {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: cannot read: {e}", path.display());
                refused += 1;
                continue;
            }
        };
        match bank::import_status_file(store, grant, &name, &bytes, origin).await {
            Ok(r) if r.already_imported => {
                println!("{}: imported before; nothing changed", path.display())
            }
            Ok(r) => {
                println!(
                    "{}: {} with {} status lines: {} matched a payment, {} changed, {} ignored \
                     (late or repeated), {} unmatched, {} accounts marked invalid",
                    path.display(),
                    r.kind,
                    r.lines,
                    r.matched,
                    r.changed,
                    r.ignored,
                    r.unmatched.len(),
                    r.accounts_invalid
                );
                for u in r.unmatched.iter().take(20) {
                    println!("  line {}: {}", u.line, u.reason);
                }
            }
            Err(e) => {
                eprintln!("{}: refused, nothing changed: {e}", path.display());
                refused += 1;
            }
        }
    }
    if refused > 0 {
        bail!("{refused} of {} files refused", files.len());
    }
    Ok(())
}

async fn ewallet_send(
    ctx: &Context,
    store: &Arc<dyn Store>,
    grant: &Grant<'_, ManagePayments>,
    only: Option<Uuid>,
    origin: &Origin,
) -> anyhow::Result<()> {
    let config = &ctx.config;
    let Some(payer_fa) = config.payments.payer_fa.clone() else {
        bail!("set [payments] payer_fa, the office's own account, to send e-wallet payments");
    };
    let state = tepat_web::AppState::new(config.clone(), store.clone());
    let signer = state
        .dci()
        .signer(config)
        .context("cannot open the DCI signing key ([dci] key_file)")?;
    let callback = format!("{}/api/v1/disburse", config.url().trim_end_matches('/'));
    let mut clients: HashMap<String, Arc<Client>> = HashMap::new();
    for p in &config.payments.ewallets {
        let provider = Provider {
            code: p.provider.clone(),
            url: p.url.clone(),
            receiver_id: p.receiver_id.clone(),
            payer_fa: payer_fa.clone(),
        };
        clients.insert(
            p.provider.clone(),
            Arc::new(Client::new(provider, signer.clone(), &callback)?),
        );
    }
    for id in paying(store.as_ref(), only).await? {
        let r = ewallet::send_envelope_payments(
            store.as_ref(),
            grant,
            |code| clients.get(code).cloned(),
            id,
            origin.now,
        )
        .await?;
        println!(
            "envelope {id}: {} e-wallet payments sent in {} requests ({}), {} left unsent",
            r.sent.count,
            r.batches.len(),
            rupiah(r.sent.amount.amount()),
            r.unsent_count()
        );
        for (why, t) in &r.unsent {
            println!(
                "  unsent {why:?}: {} ({})",
                t.count,
                rupiah(t.amount.amount())
            );
        }
    }
    Ok(())
}

/// Answers every pain.001 file of `args.dir` (sorted by name) with the simulated bank.
fn simulate_bank(args: &SimulateBankArgs, origin: &Origin) -> anyhow::Result<()> {
    use tepat_payments::iso20022::bank_sim::{respond, SimPlan};
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.dir)
        .with_context(|| format!("cannot read {}", args.dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    for path in files {
        let bytes = std::fs::read(&path)?;
        let order = tepat_payments::iso20022::read::read_pain001(&bytes)
            .with_context(|| format!("{} is not a pain.001 file", path.display()))?;
        let mut plan = SimPlan::all_paid(origin.now);
        let mut ids = order.transfers.iter().map(|t| t.end_to_end_id.clone());
        for id in ids.by_ref().take(args.reject) {
            plan.rejects.insert(id, "AC04".into());
        }
        for id in ids.take(args.r#return) {
            plan.returns.insert(id, "MD07".into());
        }
        let answer = respond(&bytes, &plan)?;
        let stem = path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        for (kind, body) in [("pain002", &answer.pain002), ("camt054", &answer.camt054)] {
            let out = args.out.join(format!("{stem}.{kind}.xml"));
            std::fs::write(&out, body)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", out.display());
        }
    }
    Ok(())
}

/// Reads `household_id,village_code,address` lines (header first) and records each address as the
/// household's verified account (source `import`): an office's bulk load of accounts it has checked,
/// e.g. the banks' KKS account list.
async fn link_accounts(store: &dyn Store, file: &Path, origin: &Origin) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut links = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let [household, village, address] = cols[..] else {
            bail!(
                "{} line {n}: expected household_id,village_code,address",
                file.display()
            );
        };
        let household = Uuid::parse_str(household)
            .with_context(|| format!("{} line {n}: household_id", file.display()))?;
        let village = RegionCode::parse(village)
            .map_err(|_| anyhow::anyhow!("{} line {n}: village_code", file.display()))?;
        // The address is personal data: its error names the line, not the value.
        let address: FinancialAddress = address
            .parse()
            .map_err(|e| anyhow::anyhow!("{} line {n}: address: {e}", file.display()))?;
        links.push(NewAccountLink {
            household,
            village,
            address,
            source: LinkSource::Import,
            requested_at: origin.now,
        });
    }
    store
        .import_account_links(&links, Uuid::nil(), origin.now)
        .await?;
    println!("{} verified accounts recorded", links.len());
    Ok(())
}

impl std::fmt::Display for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "transparency ledger: {} envelopes, {} entitlements, {} payment instructions, {} results, \
             {} reversals, {} hand-overs written",
            self.envelopes,
            self.entitlements,
            self.instructions,
            self.results,
            self.reversals,
            self.hand_overs
        )
    }
}

/// Starts the ledger (not while `tepat serve` holds it), writes every distribution step it can (a
/// parent first committed lets its children follow, so it passes until nothing more is written) and
/// waits until the entries are published.
pub async fn publish_now(ctx: &Context, store: &dyn Store) -> anyhow::Result<Published> {
    let log = RunningLog::start(&ctx.config, &ctx.config.ledger, false)?;
    let appender = log.appender();
    let result = async {
        let started = std::time::Instant::now();
        while !appender.is_running() {
            if started.elapsed() > LEDGER_WAIT {
                bail!("the ledger did not start within {LEDGER_WAIT:?} (no witness quorum?)");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Lists approved but not yet written come first: envelopes hang under them.
        super::targeting::publish_approved(store, &appender).await?;
        let mut total = Published::default();
        loop {
            let size = wait_committed(&appender).await?;
            let pass = publish_distribution(store, &appender).await?;
            if pass.total() == 0 {
                let _ = size;
                break;
            }
            total.envelopes += pass.envelopes;
            total.entitlements += pass.entitlements;
            total.instructions += pass.instructions;
            total.results += pass.results;
            total.reversals += pass.reversals;
            total.hand_overs += pass.hand_overs;
        }
        Ok(total)
    }
    .await;
    tokio::task::spawn_blocking(move || log.shutdown()).await?;
    result
}

/// Waits until everything submitted so far is published; returns the log's size.
async fn wait_committed(appender: &crate::commands::ledger::LogAppender) -> anyhow::Result<u64> {
    let Some(next) = appender.submit(Vec::new())? else {
        return Ok(0);
    };
    let waiter = appender.clone();
    let published =
        tokio::task::spawn_blocking(move || waiter.wait_published(next, LEDGER_WAIT)).await??;
    if !published {
        bail!("the ledger did not publish {next} entries within {LEDGER_WAIT:?}");
    }
    Ok(next)
}
