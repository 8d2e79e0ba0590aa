//! `tepat distribution …`: a program cycle's envelope (*amplop*) from preparation to release, the
//! distribution points and the assignment of cash and goods recipients to them (issue 7,
//! `docs/distribution.md`). Payments themselves are `tepat payments …` (`commands/payments.rs`).
//!
//! The command line acts as `cli` in an office role ([`Actor::local_officer`]): a verifier prepares,
//! releases and manages points. **Maker-checker on the command line:** `cli` is one identity, so it may
//! not approve what it prepared; `tepat distribution approve ID --as USERNAME` names the approver's own
//! account (an active account with the approver role), which is recorded as the approver and must differ
//! from the preparer — checked by the core and by the store. Whoever holds the server's key file could
//! forge this anyway; the rule makes the second person's part a record, not a secret.

use std::sync::Arc;

use anyhow::{bail, Context as _};
use chrono::{Datelike as _, NaiveDate};
use clap::{Args, Subcommand};
use tepat_core::access::{
    Actor, ApproveEnvelope, ManagePoints, PrepareEnvelope, ReadDistribution, ReleaseEnvelope,
};
use tepat_core::distribution::{envelope, points, vouchers};
use tepat_core::registry::Origin;
use tepat_domain::distribution::{ControlTotals, CycleCode};
use tepat_domain::Role;
use tepat_store::Store;
use uuid::Uuid;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum DistributionCommand {
    /// Prepare a program cycle's envelope: every household with an active enrolment gets its
    /// entitlement (the program's benefit per cycle, capped) and its route (bank, e-wallet, cash, goods,
    /// premium); control totals are stored with it
    Prepare(PrepareArgs),
    /// Approve a prepared envelope as an approver who did not prepare it (maker-checker)
    Approve(ApproveArgs),
    /// Cancel a prepared or approved envelope
    Cancel(CancelArgs),
    /// Release an approved envelope, once: payment instructions for bank, e-wallet and premium
    /// entitlements, vouchers for cash and goods
    Release(EnvelopeArg),
    /// Envelopes, newest first, with their control totals
    List(ListArgs),
    /// One envelope: control totals by route and state, payments by provider and state
    Show(EnvelopeArg),
    /// Distribution points (post offices, village halls, e-Warung)
    #[command(subcommand)]
    Points(PointsCommand),
    /// Assign a released envelope's cash and goods recipients to points, days and slots, issue their
    /// signed vouchers and the schedule notices
    Assign(EnvelopeArg),
    /// Write the distribution steps not yet in the transparency ledger (`tepat serve` does this every
    /// minute)
    Publish,
    /// Measure a large cycle on a temporary SQLite file (entitlements, envelope and pain.001 files;
    /// status reconciliation; assignment to points); prints medians of 3
    #[command(hide = true)]
    Bench(BenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum PointsCommand {
    /// Add or update points from a CSV file (code,name,kind,village_code,capacity_per_slot,
    /// slots_per_day,first_slot,slot_minutes[,active]; see docs/distribution.md)
    Import(PointsImportArgs),
    /// The points, by code
    List,
}

#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// Program code, e.g. PKH
    #[arg(long)]
    pub program: String,
    /// Cycle code: 2027-T1 (quarterly), 2027-03 (monthly) or 2027 (yearly), as the program pays
    #[arg(long)]
    pub cycle: String,
    /// When payment should start, YYYY-MM-DD (default: the first day of the cycle, or today if later)
    #[arg(long)]
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The envelope's id (from `tepat distribution list`)
    pub envelope: Uuid,
    /// The approver's own account (an approver who did not prepare the envelope)
    #[arg(long = "as", value_name = "USERNAME")]
    pub as_user: String,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    pub envelope: Uuid,
    /// Why (kept with the envelope; no personal data)
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct EnvelopeArg {
    pub envelope: Uuid,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this program's envelopes
    #[arg(long)]
    pub program: Option<String>,
}

#[derive(Debug, Args)]
pub struct PointsImportArgs {
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Recipients in the cycle
    #[arg(long, default_value_t = 1_000_000)]
    pub households: u32,
    /// Repetitions (the median is printed)
    #[arg(long, default_value_t = 3)]
    pub runs: u32,
    /// Keep the temporary database here instead of a temporary directory
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

pub async fn run(ctx: &Context, cmd: DistributionCommand) -> anyhow::Result<()> {
    if let DistributionCommand::Bench(args) = &cmd {
        return super::distribution_bench::run(args).await;
    }
    let store_arc = ctx.migrated_store().await?;
    let store = store_arc.as_ref();
    let origin = Origin::now(None);
    match cmd {
        DistributionCommand::Prepare(args) => prepare(store, &args, &origin).await?,
        DistributionCommand::Approve(args) => approve(store, &args, &origin).await?,
        DistributionCommand::Cancel(args) => {
            let actor = Actor::local_officer(Role::Verifier);
            let grant = actor.may_anywhere::<ReleaseEnvelope>()?;
            envelope::cancel_envelope(store, &grant, args.envelope, &args.reason, &origin).await?;
            println!("cancelled envelope {}", args.envelope);
        }
        DistributionCommand::Release(args) => {
            release(ctx, &store_arc, args.envelope, &origin).await?
        }
        DistributionCommand::List(args) => list(store, args.program.as_deref()).await?,
        DistributionCommand::Show(args) => show(store, args.envelope).await?,
        DistributionCommand::Points(PointsCommand::Import(args)) => {
            let bytes = std::fs::read(&args.file)
                .with_context(|| format!("cannot read {}", args.file.display()))?;
            let rows = points::parse_points_csv(&bytes)
                .with_context(|| format!("in {}", args.file.display()))?;
            let actor = Actor::local_officer(Role::Verifier);
            let grant = actor.may_anywhere::<ManagePoints>()?;
            let done = points::import_points(store, &grant, rows).await?;
            println!(
                "distribution points: {} created, {} updated",
                done.created, done.updated
            );
        }
        DistributionCommand::Points(PointsCommand::List) => {
            let actor = Actor::local_officer(Role::Verifier);
            let grant = actor.may_anywhere::<ReadDistribution>()?;
            for p in points::list_points(store, &grant, false).await? {
                println!(
                    "{:<16} {:<12} {:<14} {} x {} slots of {} min from {}{}  {}",
                    p.code,
                    p.kind.code(),
                    p.village.to_string(),
                    p.capacity_per_slot,
                    p.slots_per_day,
                    p.slot_minutes,
                    p.first_slot.format("%H:%M"),
                    if p.active { "" } else { " (inactive)" },
                    p.name
                );
            }
        }
        DistributionCommand::Assign(args) => {
            let e = store
                .envelope(args.envelope)
                .await?
                .with_context(|| format!("no envelope {}", args.envelope))?;
            let report = assign(ctx, &store_arc, &e, &origin).await?;
            println!("{report}");
        }
        DistributionCommand::Publish => {
            let published = super::payments::publish_now(ctx, store).await?;
            println!("{published}");
        }
        DistributionCommand::Bench(_) => unreachable!("handled above"),
    }
    Ok(())
}

/// Days a cycle's cash and goods are handed over on, from the envelope's payment date.
pub const HANDOVER_DAYS: usize = 10;

/// The first [`HANDOVER_DAYS`] days from `from` that are not Sundays.
pub fn handover_days(from: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .filter(|d| d.weekday() != chrono::Weekday::Sun)
        .take(HANDOVER_DAYS)
        .collect()
}

async fn prepare(store: &dyn Store, args: &PrepareArgs, origin: &Origin) -> anyhow::Result<()> {
    let cycle: CycleCode = args
        .cycle
        .parse()
        .with_context(|| format!("--cycle {}", args.cycle))?;
    let (first, _) = cycle.period();
    let scheduled = args
        .date
        .unwrap_or_else(|| first.max(origin.now.date_naive()));
    let actor = Actor::local_officer(Role::Verifier);
    let grant = actor.may_anywhere::<PrepareEnvelope>()?;
    let p = envelope::prepare_envelope(
        store,
        &grant,
        &args.program.to_uppercase(),
        &cycle,
        scheduled,
        origin,
    )
    .await?;
    println!(
        "prepared envelope {} ({} {cycle}, program version {}): {}",
        p.envelope,
        args.program.to_uppercase(),
        p.program_version,
        totals(&p.totals)
    );
    for (route, t) in &p.by_route {
        println!("  {:<8} {}", route.code(), totals(t));
    }
    if p.zero > 0 {
        println!(
            "  {} enrolled households have nothing to pay this cycle",
            p.zero
        );
    }
    println!(
        "approve it as a second person: `tepat distribution approve {} --as USERNAME`",
        p.envelope
    );
    Ok(())
}

/// The approver's own account, for maker-checker on the command line (see the module documentation).
async fn approver(store: &dyn Store, username: &str) -> anyhow::Result<Actor> {
    let account = store
        .account_by_username(&username.trim().to_lowercase())
        .await?
        .with_context(|| {
            format!("no account {username}; create it with `tepat admin create-user`")
        })?;
    if account.disabled {
        bail!("the account {username} is locked");
    }
    if account.role != Role::Approver {
        bail!(
            "the account {username} is a {}, not an approver",
            account.role.code()
        );
    }
    Ok(Actor::local_as(&account))
}

async fn approve(store: &dyn Store, args: &ApproveArgs, origin: &Origin) -> anyhow::Result<()> {
    let actor = approver(store, &args.as_user).await?;
    let grant = actor.may_anywhere::<ApproveEnvelope>()?;
    let e = envelope::approve_envelope(store, &grant, args.envelope, origin).await?;
    println!(
        "approved envelope {} ({} {}) as {}: {}",
        e.id,
        e.program,
        e.cycle,
        args.as_user,
        totals(&e.totals)
    );
    Ok(())
}

async fn release(
    ctx: &Context,
    store: &Arc<dyn Store>,
    id: Uuid,
    origin: &Origin,
) -> anyhow::Result<()> {
    let actor = Actor::local_officer(Role::Verifier);
    let grant = actor.may_anywhere::<ReleaseEnvelope>()?;
    let out = envelope::release_envelope(store.as_ref(), &grant, id, origin).await?;
    println!(
        "released envelope {id}: {} payment instructions ({}), {} for vouchers ({})",
        out.payments.count,
        rupiah(out.payments.amount.amount()),
        out.vouchers_due.count,
        rupiah(out.vouchers_due.amount.amount())
    );
    if out.vouchers_due.count > 0 {
        let e = store
            .envelope(id)
            .await?
            .with_context(|| format!("no envelope {id}"))?;
        println!("{}", assign(ctx, store, &e, origin).await?);
    }
    println!(
        "next: `tepat payments export --dir DIR` for the banks, `tepat payments ewallet-send` for \
         e-wallets"
    );
    Ok(())
}

/// Vouchers, points, days and slots, and schedule notices for the envelope's cash and goods
/// entitlements that have none yet.
pub async fn assign(
    ctx: &Context,
    store: &Arc<dyn Store>,
    e: &tepat_store::Envelope,
    origin: &Origin,
) -> anyhow::Result<String> {
    let state = tepat_web::AppState::new(ctx.config.clone(), store.clone());
    let signer = state
        .voucher_signer()
        .context("cannot open the voucher signing key ([payments] voucher_key_file)")?;
    let days = handover_days(e.scheduled_date);
    let r = vouchers::issue_and_assign(store.as_ref(), &signer, e.id, &days, origin.now).await?;
    let mut out = format!(
        "vouchers: {} issued with a point, day and slot ({} schedule notices) over {} days from {}",
        r.vouchers,
        r.notices,
        days.len(),
        e.scheduled_date
    );
    if r.without_nik > 0 {
        out.push_str(&format!(
            "\n  {} vouchers have no NIK to check at hand-over (no head of family in the registry)",
            r.without_nik
        ));
    }
    if r.no_point > 0 {
        out.push_str(&format!(
            "\n  {} left without voucher: no active point of the right kind in their regency \
             (`tepat distribution points import`)",
            r.no_point
        ));
    }
    if r.all_full > 0 {
        out.push_str(&format!(
            "\n  {} left without voucher: every near point is full on every day",
            r.all_full
        ));
    }
    Ok(out)
}

/// `Rp1.234.567` — thousands with dots, as Indonesian amounts are written.
pub fn rupiah(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{}Rp{out}", if amount < 0 { "-" } else { "" })
}

fn totals(t: &ControlTotals) -> String {
    format!("{} households, {}", t.count, rupiah(t.amount.amount()))
}

async fn list(store: &dyn Store, program: Option<&str>) -> anyhow::Result<()> {
    let program = program.map(str::to_uppercase);
    let envelopes = store.envelopes(program.as_deref(), 200).await?;
    if envelopes.is_empty() {
        println!("no envelopes");
    }
    for e in envelopes {
        println!(
            "{}  {:<10} {:<8} {:<9} {}  from {}{}",
            e.id,
            e.program,
            e.cycle,
            e.state.code(),
            totals(&e.totals),
            e.scheduled_date,
            e.ledger_index
                .map_or(String::new(), |i| format!("  ledger entry {i}")),
        );
    }
    Ok(())
}

async fn show(store: &dyn Store, id: Uuid) -> anyhow::Result<()> {
    let e = store
        .envelope(id)
        .await?
        .with_context(|| format!("no envelope {id}"))?;
    println!(
        "envelope {}\nprogram {} version {}, cycle {}, state {}\ncontrol totals: {}\npayment from {}",
        e.id,
        e.program,
        e.program_version,
        e.cycle,
        e.state.code(),
        totals(&e.totals),
        e.scheduled_date
    );
    println!("prepared at {} by {}", e.prepared_at, e.prepared_by);
    if let (Some(at), Some(by)) = (e.approved_at, e.approved_by) {
        println!("approved at {at} by {by}");
    }
    if let Some(at) = e.released_at {
        println!("released at {at}");
    }
    if let Some(at) = e.closed_at {
        println!("closed at {at}");
    }
    if let Some(at) = e.cancelled_at {
        println!(
            "cancelled at {at}: {}",
            e.cancel_reason.as_deref().unwrap_or("-")
        );
    }
    if let Some(i) = e.ledger_index {
        println!("transparency ledger entry {i}");
    }
    println!("\nentitlements by route and state:");
    for t in store.entitlement_totals(id).await? {
        println!(
            "  {:<8} {:<12} {}",
            t.route.code(),
            t.state.code(),
            totals(&t.totals)
        );
    }
    let payments = store.payment_totals(id).await?;
    if !payments.is_empty() {
        println!("\npayments by provider and state:");
    }
    for t in payments {
        println!(
            "  {:<8} {:<8} {:<9} {}",
            t.route.code(),
            t.provider,
            t.state.code(),
            totals(&t.totals)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::rupiah;

    #[test]
    fn rupiah_is_written_with_dots() {
        assert_eq!(rupiah(0), "Rp0");
        assert_eq!(rupiah(750), "Rp750");
        assert_eq!(rupiah(750_000), "Rp750.000");
        assert_eq!(rupiah(1_234_567), "Rp1.234.567");
        assert_eq!(rupiah(-1_000), "-Rp1.000");
    }
}
