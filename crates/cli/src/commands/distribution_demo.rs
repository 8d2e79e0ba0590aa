//! `tepat demo`, first start: one complete cycle of each demo program, so every distribution screen,
//! the ledger and the portals show data (issue 7).
//!
//! Each program's latest draft run is approved or, when it has none, a run made here and approved;
//! SEMBAKO first gets a regency quota and a fresh run (see [`CYCLES`] and [`quota_sembako`]),
//! distribution points are generated from the region table, and some PKH households get verified
//! accounts: two in five at one of the five banks, one in ten an e-wallet, the rest cash. Each
//! program's first cycle is prepared by `cli`, approved by the demo approver, released, and paid by
//! its route:
//!
//! - PKH: bank files to a simulated bank whose status reports (a few `AC04` rejects and one returned
//!   transfer) are imported; e-wallet payments to a provider simulated in-process
//!   (`tepat_payments::ewallet::sim`; one wallet does not exist there); cash vouchers for the rest.
//! - SEMBAKO and BANTUAN-NELAYAN: goods vouchers at an e-Warung; BLT-DD: cash at the village hall;
//!   BLT-DAERAH: cash at the post office, one recipient rescheduled.
//! - PBI-JK: the premiums settled by a demo treasury transfer to BPJS Kesehatan.
//!
//! Vouchers get a point, day and slot; a few are handed over, one of them twice (flagged). The
//! publishing job writes it all to the ledger within a minute or two.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{NaiveDate, TimeZone as _, Utc};
use tepat_core::access::{
    Actor, ApproveEnvelope, ApproveTargeting, HandOver, ManagePayments, ManagePoints,
    ManagePrograms, PrepareEnvelope, ReleaseEnvelope, RunTargeting,
};
use tepat_core::distribution::bank::{self, DebtorAccount};
use tepat_core::distribution::handovers::{self, HandoverClaim};
use tepat_core::distribution::{envelope, ewallet, premium, vouchers};
use tepat_core::registry::Origin;
use tepat_core::targeting::programs;
use tepat_core::targeting::run::{run_program, RunOptions};
use tepat_domain::distribution::{CycleCode, EntitlementState, FinancialAddress, Route};
use tepat_domain::program::Quota;
use tepat_domain::{RegionCode, RegionLevel, Role, Scope};
use tepat_payments::iso20022::bank_sim::{respond, SimPlan};
use tepat_payments::iso20022::read::read_pain001;
use tepat_regions::RegionTable;
use tepat_store::{
    EnrolmentState, EntitlementFilter, LinkSource, NewAccountLink, PageAfter, RunState, Store,
};
use uuid::Uuid;

use crate::commands::distribution::handover_days;

const BANKS: [&str; 5] = ["bri", "bni", "mandiri", "btn", "bsi"];
/// The programs and first cycles the demo pays, in this order. BLT-DD and BLT-DAERAH are for desil 1–4
/// households in neither PKH nor SEMBAKO, so their runs come after PKH's and SEMBAKO's approval (the
/// exclusivity is checked against active enrolments). SEMBAKO's rule alone takes every desil 1–4
/// household; its quota ([`quota_sembako`]) is what leaves some for them, as a real budget would.
const CYCLES: [(&str, &str); 6] = [
    ("PKH", "2027-T1"),
    ("SEMBAKO", "2027-01"),
    ("BLT-DD", "2027-01"),
    ("BLT-DAERAH", "2027-04"),
    ("PBI-JK", "2027-01"),
    ("BANTUAN-NELAYAN", "2027-SEKALI"),
];
/// The demo treasury transfer (SP2D) that pays the PBI-JK premiums.
const PREMIUM_REFERENCE: &str = "SP2D/DEMO/PBI-JK/2027-01";
/// SEMBAKO's demo quota in each regency: this share, in per cent, of the households its rule selects.
const SEMBAKO_QUOTA_PERCENT: u32 = 80;
/// Vouchers handed over per envelope (one more is handed over a second time, and flagged).
const HANDED_OVER: usize = 12;

/// Runs the demo cycles once: nothing when an envelope exists already. `scratch`: where the bank files
/// are written for the simulated bank.
pub async fn demo_cycles(
    store: Arc<dyn Store>,
    config: &tepat_web::ServerConfig,
    scratch: &Path,
) -> anyhow::Result<()> {
    if !store.envelopes(None, 1).await?.is_empty() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let s = store.as_ref();
    let origin = Origin::now(None);
    let approver = demo_approver(s).await?;
    for regency in s.populated_regencies().await? {
        super::distribution_bench::add_points(s, RegionTable::embedded(), &regency.regency).await?;
    }
    let state = tepat_web::AppState::new(config.clone(), store.clone());
    let signer = state.voucher_signer()?;
    for (program, cycle) in CYCLES {
        if let Err(error) = demo_cycle(s, &signer, &approver, program, cycle, &origin).await {
            // One program's failure (no household matches its rule) leaves the others paid.
            tracing::error!(%program, error = %format!("{error:#}"), "demo distribution failed");
        }
    }
    pay_by_bank(s, config, scratch, &origin).await?;
    tracing::info!(
        secs = started.elapsed().as_secs_f64(),
        "demo distribution: one cycle of each program (bank files and statuses, vouchers, hand-overs)"
    );
    Ok(())
}

/// One program's cycle: approved run, envelope prepared, approved, released and paid by its route.
async fn demo_cycle(
    s: &dyn Store,
    signer: &tepat_payments::voucher::VoucherSigner,
    approver: &Actor,
    program: &str,
    cycle: &str,
    origin: &Origin,
) -> anyhow::Result<()> {
    approve_a_run(s, approver, program, origin).await?;
    if program == "PKH" {
        link_accounts(s, program, origin).await?;
    }
    let cycle: CycleCode = cycle.parse()?;
    let id = cycle_envelope(s, approver, program, &cycle, origin).await?;
    let e = s.envelope(id).await?.context("the demo envelope")?;
    let days = handover_days(e.scheduled_date);
    let issued = vouchers::issue_and_assign(s, signer, id, &days, origin.now).await?;
    let payments = Actor::local_officer(Role::Verifier);
    let grant = payments.may_anywhere::<ManagePayments>()?;
    ewallet::pay_simulated(s, &grant, id, origin.now).await?;
    let premiums = premium::settle_premiums(s, &grant, id, PREMIUM_REFERENCE, origin).await?;
    hand_over(s, signer, id, origin).await?;
    if program == "BLT-DAERAH" {
        reschedule_one(s, id, origin).await?;
    }
    tracing::info!(
        %program,
        cycle = %cycle,
        households = e.totals.count,
        vouchers = issued.vouchers,
        premiums = premiums.count,
        "demo distribution: envelope prepared, approved, released and paid"
    );
    Ok(())
}

/// The first voucher holder of the envelope moved to a slot two days later (a recipient who cannot come
/// on their day), so the schedule shows a rescheduled assignment and its second notice.
async fn reschedule_one(s: &dyn Store, id: Uuid, origin: &Origin) -> anyhow::Result<()> {
    let filter = EntitlementFilter {
        within: Scope::All,
        state: Some(EntitlementState::Instructed),
        route: Some(Route::Cash),
    };
    let rows = s.entitlements(id, &filter, None, 1).await?;
    let Some(row) = rows.first() else {
        return Ok(());
    };
    let Some(current) = s.assignment(id, row.household).await? else {
        return Ok(());
    };
    let officer = Actor::local_officer(Role::Verifier);
    let grant = officer.may_anywhere::<ManagePoints>()?;
    let from = current.day + chrono::Duration::days(2);
    vouchers::reschedule(s, &grant, id, row.household, None, from, origin.now).await?;
    Ok(())
}

/// The demo's approver account (maker-checker: not `cli`, who prepares).
async fn demo_approver(store: &dyn Store) -> anyhow::Result<Actor> {
    let account = store
        .accounts()
        .await?
        .into_iter()
        .find(|a| a.role == Role::Approver && !a.disabled)
        .context("the demo has no approver account")?;
    Ok(Actor::local_as(&account))
}

/// Approves the program's latest draft run, or runs and approves it when it has none. SEMBAKO always
/// gets a fresh run, with the quota [`quota_sembako`] saves (its targeting draft predates the quota).
async fn approve_a_run(
    store: &dyn Store,
    approver: &Actor,
    program: &str,
    origin: &Origin,
) -> anyhow::Result<()> {
    let runs = store.runs(program, 10).await?;
    if runs.iter().any(|r| r.state == RunState::Approved) {
        return Ok(());
    }
    let draft = match runs.iter().find(|r| r.state == RunState::Draft) {
        Some(_) if program == "SEMBAKO" => {
            quota_sembako(store, origin).await?;
            None
        }
        draft => draft.map(|r| r.id),
    };
    let run = match draft {
        Some(run) => run,
        None => {
            let verifier = Actor::local_officer(Role::Verifier);
            let grant = verifier.may_anywhere::<RunTargeting>()?;
            let options = RunOptions::new(origin.now.date_naive());
            run_program(store, &grant, program, &options)
                .await?
                .run_id
                .context("the demo run was not stored")?
        }
    };
    let grant = approver.may_anywhere::<ApproveTargeting>()?;
    tepat_core::targeting::approve::approve(store, &grant, run, &format!("DEMO/{program}/2027"))
        .await?;
    Ok(())
}

/// Saves a SEMBAKO version whose quota in each regency is [`SEMBAKO_QUOTA_PERCENT`] of the households
/// its rule selects there now, so the least poor of desil 1–4 are left for BLT-DD and BLT-DAERAH
/// (which may not pay a SEMBAKO household). Nothing when SEMBAKO has a quota already.
async fn quota_sembako(store: &dyn Store, origin: &Origin) -> anyhow::Result<()> {
    let current = programs::get(store, "SEMBAKO").await?;
    if !current.def().quotas.is_empty() {
        return Ok(());
    }
    let verifier = Actor::local_officer(Role::Verifier);
    let grant = verifier.may_anywhere::<RunTargeting>()?;
    let mut options = RunOptions::new(origin.now.date_naive());
    options.dry_run = true;
    let outcome = run_program(store, &grant, "SEMBAKO", &options).await?;
    let mut per_regency: BTreeMap<RegionCode, u32> = BTreeMap::new();
    for d in outcome.candidates() {
        if let Some(regency) = d.village.ancestor(RegionLevel::KabupatenKota) {
            *per_regency.entry(regency).or_default() += 1;
        }
    }
    let mut def = current.def().clone();
    def.quotas = per_regency
        .into_iter()
        .map(|(region, n)| Quota {
            region,
            households: n * SEMBAKO_QUOTA_PERCENT / 100,
        })
        .collect();
    let admin = Actor::local_officer(Role::Admin);
    programs::save(
        store,
        &admin.may_anywhere::<ManagePrograms>()?,
        "SEMBAKO",
        current.version,
        programs::Edit::Def(Box::new(def)),
        "demo: regency quota, so that BLT-DD and BLT-DAERAH have households",
        origin,
    )
    .await?;
    Ok(())
}

/// Verified accounts for some of the program's enrolled households: two in five a bank account,
/// one in ten an e-wallet.
async fn link_accounts(store: &dyn Store, program: &str, origin: &Origin) -> anyhow::Result<()> {
    let mut after: Option<PageAfter<Uuid>> = None;
    let mut i = 0usize;
    loop {
        let page = store
            .enrolments(
                program,
                &Scope::All,
                Some(EnrolmentState::Active),
                after.as_ref(),
                1_000,
            )
            .await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(PageAfter {
            village: last.village,
            key: last.household,
        });
        let mut links = Vec::new();
        for e in &page {
            i += 1;
            let address = match i % 10 {
                0..=3 => format!(
                    "account:{:010}@{}",
                    3_100_000_000u64 + i as u64,
                    BANKS[i % 5]
                ),
                // The first wallet does not exist at the provider: one e-wallet payment is rejected.
                4 if i == 4 => "mobile:081299990000@dana".to_owned(),
                4 => format!("mobile:0812{:08}@dana", i),
                _ => continue,
            };
            let address: FinancialAddress = address
                .parse()
                .map_err(|e| anyhow::anyhow!("demo account: {e}"))?;
            links.push(NewAccountLink {
                household: e.household,
                village: e.village,
                address,
                source: LinkSource::Import,
                requested_at: origin.now,
            });
        }
        store
            .import_account_links(&links, Uuid::nil(), origin.now)
            .await?;
    }
}

async fn cycle_envelope(
    store: &dyn Store,
    approver: &Actor,
    program: &str,
    cycle: &CycleCode,
    origin: &Origin,
) -> anyhow::Result<Uuid> {
    let verifier = Actor::local_officer(Role::Verifier);
    let (first, _) = cycle.period();
    let prepared = envelope::prepare_envelope(
        store,
        &verifier.may_anywhere::<PrepareEnvelope>()?,
        program,
        cycle,
        first.max(origin.now.date_naive()),
        origin,
    )
    .await?;
    let id = prepared.envelope;
    envelope::approve_envelope(
        store,
        &approver.may_anywhere::<ApproveEnvelope>()?,
        id,
        origin,
    )
    .await?;
    envelope::release_envelope(
        store,
        &verifier.may_anywhere::<ReleaseEnvelope>()?,
        id,
        origin,
    )
    .await?;
    Ok(id)
}

/// The first vouchers of the envelope handed over on their first valid day, and the first of them
/// once more from another device (a second redemption: stored and flagged).
async fn hand_over(
    store: &dyn Store,
    signer: &tepat_payments::voucher::VoucherSigner,
    id: Uuid,
    origin: &Origin,
) -> anyhow::Result<()> {
    let filter = EntitlementFilter::within(Scope::All);
    let rows = store.entitlements(id, &filter, None, 200).await?;
    let mut claims = Vec::new();
    for row in rows
        .iter()
        .filter(|r| matches!(r.route, Route::Cash | Route::Goods))
    {
        if claims.len() == HANDED_OVER {
            break;
        }
        let Some(voucher) = store.voucher_of(id, row.household).await? else {
            continue;
        };
        let text = vouchers::render(
            &voucher,
            &voucher_program(store, id).await?,
            &voucher_cycle(store, id).await?,
            signer,
        )?;
        claims.push(HandoverClaim {
            id: Uuid::now_v7(),
            voucher: text,
            handed_at: at_nine(voucher.valid_from),
            device: "demo-hp-1".into(),
            point: None,
            lat: None,
            lon: None,
            photo: None,
        });
    }
    if let Some(first) = claims.first().cloned() {
        claims.push(HandoverClaim {
            id: Uuid::now_v7(),
            device: "demo-hp-2".into(),
            handed_at: first.handed_at + chrono::Duration::hours(2),
            ..first
        });
    }
    let mut keys = tepat_payments::voucher::VoucherKeys::new();
    keys.insert(signer.verifying_key());
    let officer = Actor::local_officer(Role::DistributionOfficer);
    let grant = officer.may_anywhere::<HandOver>()?;
    handovers::record_handovers(store, &grant, &keys, claims, origin.now).await?;
    Ok(())
}

async fn voucher_program(store: &dyn Store, id: Uuid) -> anyhow::Result<String> {
    Ok(store.envelope(id).await?.context("envelope")?.program)
}

async fn voucher_cycle(store: &dyn Store, id: Uuid) -> anyhow::Result<String> {
    Ok(store.envelope(id).await?.context("envelope")?.cycle)
}

fn at_nine(day: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).expect("02:00 UTC is 09:00 WIB"))
}

/// The bank files of every released envelope, answered by the simulated bank (three `AC04`
/// rejects and one returned transfer in the first file) and imported.
async fn pay_by_bank(
    store: &dyn Store,
    config: &tepat_web::ServerConfig,
    dir: &Path,
    origin: &Origin,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut debtors: HashMap<String, DebtorAccount> = BANKS
        .iter()
        .map(|b| {
            (
                b.to_string(),
                DebtorAccount {
                    name: "Dinas Sosial Kabupaten Belitung".into(),
                    account: "1902000001".into(),
                },
            )
        })
        .collect();
    for b in &config.payments.banks {
        debtors.insert(
            b.code.clone(),
            DebtorAccount {
                name: b.debtor_name.clone(),
                account: b.debtor_account.clone(),
            },
        );
    }
    let verifier = Actor::local_officer(Role::Verifier);
    let grant = verifier.may_anywhere::<ManagePayments>()?;
    let files = bank::export_bank_files(store, &grant, dir, &debtors, origin).await?;
    for (n, f) in files.iter().enumerate() {
        let bytes = std::fs::read(&f.path)?;
        let order = read_pain001(&bytes)?;
        let mut plan = SimPlan::all_paid(origin.now);
        if n == 0 {
            let mut ids = order.transfers.iter().map(|t| t.end_to_end_id.clone());
            for id in ids.by_ref().take(3) {
                plan.rejects.insert(id, "AC04".into());
            }
            if let Some(id) = ids.next() {
                plan.returns.insert(id, "MD07".into());
            }
        }
        let answer = respond(&bytes, &plan)?;
        let stem = f
            .path
            .file_stem()
            .map_or_else(|| format!("file-{n}"), |s| s.to_string_lossy().into_owned());
        for (kind, body) in [("pain002", &answer.pain002), ("camt054", &answer.camt054)] {
            let path = dir.join(format!("{stem}.{kind}.xml"));
            std::fs::write(&path, body)?;
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            bank::import_status_file(store, &grant, &name, body, origin).await?;
        }
    }
    Ok(())
}
