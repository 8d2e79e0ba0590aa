//! The distribution steps into the transparency ledger (issue 7, `docs/ledger.md`): every approved
//! envelope under its program's beneficiary list, then its entitlements (salted commitments to the
//! head of family's NIK), payment instructions (bank and e-wallet payments, cash and goods vouchers),
//! payment results, hand-overs, and a reversal under the result of a returned transfer. Each step is
//! written only once its parent's entry is recorded, thousands of entries per submit, and its entry's
//! index and leaf hash are recorded on its row so it is written once.
//!
//! `tepat serve` and `tepat demo` run [`publishing`] every minute; the distribution commands call
//! [`publish_distribution`] once before they return when the ledger can start.

use std::sync::Arc;

use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use tepat_domain::distribution::Route;
use tepat_ledger::entry::{AidEvent, Channel, EventBody, ParentRef, PaymentStatus};
use tepat_ledger::{beneficiary_commitment, leaf_hash, Hash};
use tepat_store::{
    EntitlementToPublish, LedgerMark, LedgerRef, LedgerStep, RunState, StepToPublish, Store,
};

use crate::commands::ledger::LogAppender;

/// Entries per submit (and rows read per query).
pub const BATCH: u32 = 5_000;
/// How often `serve` and `demo` publish distribution steps.
const PUBLISH_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// Runs of a program looked at for the envelope's parent list (newest first).
const RUNS_LOOKED_AT: u32 = 50;

/// What one publishing pass wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Published {
    pub envelopes: u64,
    pub entitlements: u64,
    pub instructions: u64,
    pub results: u64,
    pub reversals: u64,
    pub hand_overs: u64,
}

impl Published {
    pub fn total(&self) -> u64 {
        self.envelopes
            + self.entitlements
            + self.instructions
            + self.results
            + self.reversals
            + self.hand_overs
    }
}

/// Writes every distribution step not yet in the ledger whose parent is; nothing while the log is not
/// running. Steps whose parent was submitted in this pass but is not committed yet follow next pass.
pub async fn publish_distribution(
    store: &dyn Store,
    log: &LogAppender,
) -> anyhow::Result<Published> {
    let mut done = Published::default();
    if !log.is_running() {
        return Ok(done);
    }
    done.envelopes = publish_envelopes(store, log).await?;
    done.entitlements = drain(|| publish_entitlements(store, log)).await?;
    done.instructions = drain(|| async {
        let rows = store.payment_instructions_to_publish(BATCH).await?;
        publish_steps(store, log, rows, Step::PaymentInstruction).await
    })
    .await?;
    done.instructions += drain(|| async {
        let rows = store.voucher_instructions_to_publish(BATCH).await?;
        publish_steps(store, log, rows, Step::VoucherInstruction).await
    })
    .await?;
    done.results = drain(|| async {
        let rows = store.payment_results_to_publish(BATCH).await?;
        publish_steps(store, log, rows, Step::Result).await
    })
    .await?;
    done.reversals = drain(|| async {
        let rows = store.reversals_to_publish(BATCH).await?;
        publish_steps(store, log, rows, Step::Reversal).await
    })
    .await?;
    done.hand_overs = drain(|| async {
        let rows = store.handovers_to_publish(BATCH).await?;
        publish_steps(store, log, rows, Step::HandOver).await
    })
    .await?;
    Ok(done)
}

/// Runs `pass` until it writes nothing (each pass reads at most [`BATCH`] rows).
async fn drain<F, Fut>(mut pass: F) -> anyhow::Result<u64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<u64>>,
{
    let mut total = 0;
    loop {
        let n = pass().await?;
        total += n;
        if n < u64::from(BATCH) {
            return Ok(total);
        }
    }
}

/// Envelopes under the beneficiary list of their program's approved run (once that list's entry is
/// committed).
async fn publish_envelopes(store: &dyn Store, log: &LogAppender) -> anyhow::Result<u64> {
    let envelopes = store.envelopes_to_publish(1_000).await?;
    if envelopes.is_empty() {
        return Ok(0);
    }
    let region = super::audit::anchor_region(store).await?;
    let mut written = 0;
    for env in envelopes {
        let Some(list) = list_entry(store, log, &env.program).await? else {
            continue;
        };
        let lines = store.envelope_lines(env.id).await?;
        let mut hash = Sha256::new();
        for l in &lines {
            hash.update(format!(
                "{},{},{},{}\n",
                l.household,
                l.village,
                l.amount.amount(),
                l.route
            ));
        }
        let event = AidEvent {
            id: format!("env-{}", env.id.simple()),
            time: env.approved_at.map_or(0, |t| t.timestamp().max(0) as u64),
            program: env.program.clone(),
            cycle: env.cycle.clone(),
            region: region.clone(),
            parent: Some(list),
            body: EventBody::Envelope {
                count: u32::try_from(env.count)?,
                amount: env.amount.amount().max(0) as u64,
                envelope_hash: Hash(hash.finalize().into()),
            },
        };
        let bytes = event.encode()?;
        let leaf = leaf_hash(&bytes);
        let Some(index) = log.submit(vec![bytes])? else {
            return Ok(written);
        };
        store
            .record_ledger(
                LedgerStep::Envelope,
                &[LedgerMark {
                    id: env.id,
                    household: None,
                    entry: LedgerRef {
                        index,
                        leaf: leaf.0,
                    },
                }],
            )
            .await?;
        written += 1;
    }
    Ok(written)
}

/// The committed beneficiary-list entry of the program's latest approved run.
async fn list_entry(
    store: &dyn Store,
    log: &LogAppender,
    program: &str,
) -> anyhow::Result<Option<ParentRef>> {
    let runs = store.runs(program, RUNS_LOOKED_AT).await?;
    let Some(index) = runs
        .iter()
        .find(|r| r.state == RunState::Approved && r.ledger_index.is_some())
        .and_then(|r| r.ledger_index)
    else {
        return Ok(None);
    };
    Ok(log
        .leaf_at(index)?
        .map(|leaf_hash| ParentRef { index, leaf_hash }))
}

async fn publish_entitlements(store: &dyn Store, log: &LogAppender) -> anyhow::Result<u64> {
    let mut rows = store.entitlements_to_publish(BATCH).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    give_salts(store, &mut rows).await?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut marks = Vec::with_capacity(rows.len());
    for r in &rows {
        let salt = r.salt.expect("every row was given a salt");
        // A household without a head of family in the registry (synthetic targeting facts) is
        // committed to by its id: nobody can present a NIK for it.
        let who = r.head_nik.as_ref().map_or_else(
            || r.household.simple().to_string(),
            |n| n.digits().to_owned(),
        );
        let event = AidEvent {
            id: format!("ent-{}", r.household.simple()),
            time: r.time.map_or(0, |t| t.timestamp().max(0) as u64),
            program: r.program.clone(),
            cycle: r.cycle.clone(),
            region: region_text(&r.village),
            parent: Some(parent_ref(r.parent)),
            body: EventBody::Entitlement {
                beneficiary: beneficiary_commitment(&salt, &who, &r.program, &r.cycle),
                amount: r.amount.amount().max(0) as u64,
            },
        };
        let bytes = event.encode()?;
        marks.push((r.envelope, Some(r.household), leaf_hash(&bytes)));
        entries.push(bytes);
    }
    submit_and_record(store, log, LedgerStep::Entitlement, entries, marks).await
}

/// Salts for households that have none yet: random, kept by the store (an existing one wins).
async fn give_salts(store: &dyn Store, rows: &mut [EntitlementToPublish]) -> anyhow::Result<()> {
    let mut new = Vec::new();
    for r in rows.iter_mut().filter(|r| r.salt.is_none()) {
        let mut salt = [0u8; 32];
        rand::rng().fill_bytes(&mut salt);
        new.push((r.household, salt));
    }
    if new.is_empty() {
        return Ok(());
    }
    store.add_beneficiary_salts(&new).await?;
    // Read back: a salt stored meanwhile by someone else is the one that counts.
    let fresh = store.entitlements_to_publish(BATCH).await?;
    for r in rows.iter_mut() {
        r.salt = fresh
            .iter()
            .find(|f| f.household == r.household)
            .and_then(|f| f.salt)
            .or(r.salt);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    PaymentInstruction,
    VoucherInstruction,
    Result,
    Reversal,
    HandOver,
}

async fn publish_steps(
    store: &dyn Store,
    log: &LogAppender,
    rows: Vec<StepToPublish>,
    step: Step,
) -> anyhow::Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut entries = Vec::with_capacity(rows.len());
    let mut marks = Vec::with_capacity(rows.len());
    for r in &rows {
        let bytes = step_event(r, step)?.encode()?;
        marks.push((r.id, None, leaf_hash(&bytes)));
        entries.push(bytes);
    }
    let ledger_step = match step {
        Step::PaymentInstruction => LedgerStep::PaymentInstruction,
        Step::VoucherInstruction => LedgerStep::VoucherInstruction,
        Step::Result => LedgerStep::PaymentResult,
        Step::Reversal => LedgerStep::Reversal,
        Step::HandOver => LedgerStep::HandOver,
    };
    submit_and_record(store, log, ledger_step, entries, marks).await
}

fn step_event(r: &StepToPublish, step: Step) -> anyhow::Result<AidEvent> {
    let amount = r.amount.amount().max(0) as u64;
    let id = r.id.simple();
    let (id, body) = match step {
        Step::PaymentInstruction | Step::VoucherInstruction => (
            format!(
                "{}-{id}",
                if step == Step::VoucherInstruction {
                    "vou"
                } else {
                    "pay"
                }
            ),
            EventBody::PaymentInstruction {
                amount,
                channel: channel(r.route),
                // The EndToEndId / reference_id of a payment, the voucher's id.
                reference: id.to_string(),
            },
        ),
        Step::Result => (
            format!("res-{id}"),
            EventBody::PaymentResult {
                // A returned transfer was credited first; its reversal follows.
                status: match r.state.as_str() {
                    "settled" | "returned" => PaymentStatus::Success,
                    _ => PaymentStatus::Failed,
                },
                amount,
                reference: reference_text(r.provider_ref.as_deref().unwrap_or(&id.to_string())),
            },
        ),
        Step::Reversal => (
            format!("rev-{id}"),
            EventBody::Reversal {
                amount,
                reason: "RETURNED".into(),
            },
        ),
        Step::HandOver => {
            let mut evidence = Sha256::new();
            evidence.update(format!(
                "tepat/handover/v1\n{}\n{}",
                r.id,
                r.time.to_rfc3339()
            ));
            (
                format!("ho-{id}"),
                EventBody::HandOver {
                    amount,
                    channel: channel(r.route),
                    evidence: Hash(evidence.finalize().into()),
                },
            )
        }
    };
    Ok(AidEvent {
        id,
        time: r.time.timestamp().max(0) as u64,
        program: r.program.clone(),
        cycle: r.cycle.clone(),
        region: region_text(&r.village),
        parent: Some(parent_ref(r.parent)),
        body,
    })
}

/// The ledger's channel of a route. A premium is a transfer to BPJS Kesehatan: `Bank`.
fn channel(route: Route) -> Channel {
    match route {
        Route::Bank | Route::Premium => Channel::Bank,
        Route::EWallet => Channel::EWallet,
        Route::Cash => Channel::Cash,
        Route::Goods => Channel::Goods,
    }
}

/// A provider's reference in the ledger's alphabet: printable ASCII without spaces, at most 64.
fn reference_text(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
}

/// A village code as the ledger's region, dotted as Kemendagri writes it (`19.02.01.2001`); a value
/// that is not a region code is cut to the digits and dots the ledger allows.
fn region_text(village: &str) -> String {
    match tepat_domain::RegionCode::parse(village) {
        Ok(code) => code.to_string(),
        Err(_) => village
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .take(13)
            .collect(),
    }
}

fn parent_ref(r: LedgerRef) -> ParentRef {
    ParentRef {
        index: r.index,
        leaf_hash: Hash(r.leaf),
    }
}

async fn submit_and_record(
    store: &dyn Store,
    log: &LogAppender,
    step: LedgerStep,
    entries: Vec<Vec<u8>>,
    marks: Vec<(uuid::Uuid, Option<uuid::Uuid>, Hash)>,
) -> anyhow::Result<u64> {
    let Some(first) = log.submit(entries)? else {
        return Ok(0);
    };
    let marks: Vec<LedgerMark> = marks
        .into_iter()
        .zip(first..)
        .map(|((id, household, leaf), index)| LedgerMark {
            id,
            household,
            entry: LedgerRef {
                index,
                leaf: leaf.0,
            },
        })
        .collect();
    store.record_ledger(step, &marks).await?;
    Ok(marks.len() as u64)
}

/// The publishing job of `tepat serve` and `tepat demo`: distribution steps into the ledger every
/// minute.
pub async fn publishing(store: Arc<dyn Store>, log: LogAppender) {
    let mut tick = tokio::time::interval(PUBLISH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match publish_distribution(store.as_ref(), &log).await {
            Ok(p) if p.total() > 0 => tracing::info!(
                envelopes = p.envelopes,
                entitlements = p.entitlements,
                instructions = p.instructions,
                results = p.results,
                reversals = p.reversals,
                hand_overs = p.hand_overs,
                "ledger: published distribution steps"
            ),
            Ok(_) => {}
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), "cannot publish distribution steps")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tepat_domain::Rupiah;

    fn step(state: &str, route: Route) -> StepToPublish {
        StepToPublish {
            id: uuid::Uuid::nil(),
            program: "PKH".into(),
            cycle: "2027-T1".into(),
            village: "1902012001".into(),
            route,
            amount: Rupiah::new(750_000),
            state: state.into(),
            reason: None,
            provider_ref: Some("BANK REF 1".into()),
            parent: LedgerRef {
                index: 4,
                leaf: [1; 32],
            },
            time: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn regions_are_dotted_kemendagri_codes() {
        assert_eq!(region_text("1902012001"), "19.02.01.2001");
        assert_eq!(region_text("19.02.01.2001"), "19.02.01.2001");
        assert_eq!(region_text("19.02"), "19.02");
    }

    #[test]
    fn a_returned_transfer_was_paid_first_and_a_rejected_one_failed() {
        for (state, status) in [
            ("settled", PaymentStatus::Success),
            ("returned", PaymentStatus::Success),
            ("rejected", PaymentStatus::Failed),
        ] {
            let ev = step_event(&step(state, Route::Bank), Step::Result).unwrap();
            match ev.body {
                EventBody::PaymentResult {
                    status: s,
                    amount,
                    ref reference,
                } => {
                    assert_eq!(s, status, "{state}");
                    assert_eq!(amount, 750_000);
                    // Spaces are not allowed in references.
                    assert_eq!(reference, "BANKREF1");
                }
                other => panic!("{other:?}"),
            }
            assert!(ev.encode().is_ok());
        }
    }

    #[test]
    fn steps_name_their_parent_and_their_channel() {
        let ev = step_event(&step("", Route::Goods), Step::VoucherInstruction).unwrap();
        assert_eq!(ev.parent.unwrap().index, 4);
        assert!(ev.id.starts_with("vou-"));
        assert!(matches!(
            ev.body,
            EventBody::PaymentInstruction {
                channel: Channel::Goods,
                ..
            }
        ));
        assert_eq!(channel(Route::Premium), Channel::Bank);
        let rev = step_event(&step("returned", Route::Bank), Step::Reversal).unwrap();
        assert!(matches!(rev.body, EventBody::Reversal { ref reason, .. } if reason == "RETURNED"));
        assert!(rev.encode().is_ok());
    }
}
