//! Assembles a person's status card from the database: the registry household, its enrolments and
//! waitlist places, its entitlements (the same rows as the recipient's trail), its notices, the
//! village's operators. A handful of queries; the result is cached ([`super::StatusService`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::program::ProgramDef;
use tepat_domain::{RegionCode, Role, Scope};
use tepat_regions::RegionTable;
use tepat_store::{
    Blind, Notice, StatusEnrolment, StatusHousehold, StatusWaitlist, Store, StoreError, TrailRow,
    VoucherContext,
};
use uuid::Uuid;

use super::card::{
    Advice, HistoryItem, LedgerLink, NextCollection, NoticeView, ProgramStatus, RegistryStage,
    Stage, StatusCard, VillageContact,
};
use super::index::Known;

/// Notices shown in the card's inbox.
pub const INBOX_SIZE: usize = 10;

/// Signs the voucher of a collection still open (the web layer holds the signing key).
pub trait VoucherTexts: Send + Sync {
    fn text(&self, ctx: &VoucherContext) -> Option<String>;
}

/// What a card needs besides the database.
pub(crate) struct Context<'a> {
    pub regions: &'a RegionTable,
    pub office: &'a str,
    /// The ledger's log name, for receipt links (`/ledger/{log}/receipt/{index}`).
    pub ledger_log: &'a str,
    pub vouchers: Option<&'a dyn VoucherTexts>,
}

/// The card of `known` (pass empty: the caller issues one per check), with the registry household.
pub(crate) async fn card(
    store: &dyn Store,
    ctx: &Context<'_>,
    known: Known,
    nik_index: &Blind,
    now: DateTime<Utc>,
) -> Result<(StatusCard, Option<Uuid>), StoreError> {
    let household = store.status_household(nik_index).await?;
    let (enrolments, waitlists, trail, notices) = match &household {
        Some(h) => (
            store.status_enrolments(h.id).await?,
            store.status_waitlists(&h.village, h.id).await?,
            store.household_trail(h.id).await?,
            store.notices_of_household(h.id).await?,
        ),
        None => Default::default(),
    };
    let registry = match household.as_ref().map(|h| h.state.as_str()) {
        None => RegistryStage::NotListed,
        Some("active") => RegistryStage::Verified,
        Some(_) => RegistryStage::Proposed,
    };
    let mut names = program_names(store).await?;
    // Programs the household has something in are listed even without a stored definition.
    let codes = enrolments
        .iter()
        .map(|e| &e.program)
        .chain(waitlists.iter().map(|w| &w.program))
        .chain(trail.iter().map(|r| &r.program));
    for code in codes {
        names
            .entry(code.clone())
            .or_insert_with(|| (code.clone(), code.clone()));
    }
    let mut programs = Vec::new();
    for (code, (name_id, name_en)) in names {
        let rows: Vec<&TrailRow> = trail.iter().filter(|r| r.program == code).collect();
        programs.push(
            program_status(
                store,
                ctx,
                &code,
                (name_id, name_en),
                registry,
                enrolments.iter().find(|e| e.program == code),
                waitlists.iter().find(|w| w.program == code),
                &rows,
            )
            .await?,
        );
    }
    let card = StatusCard {
        pass: String::new(),
        village: known.village,
        village_name: ctx
            .regions
            .get(&known.village)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        contact: VillageContact {
            operators: operators(store, &known.village).await?,
            office: ctx.office.to_owned(),
        },
        registered: registry == RegistryStage::Verified,
        registry,
        desil: household.as_ref().and_then(|h: &StatusHousehold| h.desil),
        advice: advice(registry, &programs),
        programs,
        notices: inbox(notices),
        as_of: now,
    };
    Ok((card, household.map(|h| h.id)))
}

/// Every program's code and names (Indonesian, English), by code.
async fn program_names(
    store: &dyn Store,
) -> Result<BTreeMap<String, (String, String)>, StoreError> {
    let mut names = BTreeMap::new();
    for version in store.programs().await? {
        let (id, en) = match ProgramDef::from_toml(&version.body) {
            Ok(def) => (def.name_id, def.name_en),
            Err(_) => (version.code.clone(), version.code.clone()),
        };
        names.insert(version.code, (id, en));
    }
    Ok(names)
}

#[allow(clippy::too_many_arguments)]
async fn program_status(
    store: &dyn Store,
    ctx: &Context<'_>,
    code: &str,
    (name_id, name_en): (String, String),
    registry: RegistryStage,
    enrolment: Option<&StatusEnrolment>,
    waitlist: Option<&StatusWaitlist>,
    rows: &[&TrailRow],
) -> Result<ProgramStatus, StoreError> {
    let stage = stage(registry, enrolment, waitlist);
    let amount_per_cycle = match stage {
        Stage::Enrolled | Stage::Suspended => enrolment.and_then(|e| e.benefit),
        Stage::Waitlisted => waitlist.map(|w| w.benefit),
        _ => None,
    };
    Ok(ProgramStatus {
        program: code.to_owned(),
        program_name: name_id,
        program_name_en: name_en,
        stage,
        waitlist_rank: waitlist
            .filter(|_| stage == Stage::Waitlisted)
            .map(|w| w.village_rank),
        amount_per_cycle,
        next: next_collection(store, ctx, rows).await?,
        history: rows.iter().map(|r| history_item(ctx, r)).collect(),
    })
}

fn stage(
    registry: RegistryStage,
    enrolment: Option<&StatusEnrolment>,
    waitlist: Option<&StatusWaitlist>,
) -> Stage {
    match (enrolment.map(|e| e.state.as_str()), waitlist) {
        (Some("active"), _) => Stage::Enrolled,
        (Some("suspended"), _) => Stage::Suspended,
        (_, Some(_)) => Stage::Waitlisted,
        (Some(_), None) => Stage::Graduated,
        (None, None) => match registry {
            RegistryStage::NotListed => Stage::NotListed,
            RegistryStage::Proposed => Stage::Proposed,
            RegistryStage::Verified => Stage::Verified,
        },
    }
}

fn advice(registry: RegistryStage, programs: &[ProgramStatus]) -> Advice {
    let any = |s: Stage| programs.iter().any(|p| p.stage == s);
    if any(Stage::Enrolled) || any(Stage::Suspended) {
        Advice::Collect
    } else if any(Stage::Waitlisted) {
        Advice::Wait
    } else {
        match registry {
            RegistryStage::NotListed => Advice::Propose,
            RegistryStage::Proposed => Advice::AwaitVerification,
            RegistryStage::Verified => Advice::AskOperator,
        }
    }
}

/// The earliest scheduled collection still open.
async fn next_collection(
    store: &dyn Store,
    ctx: &Context<'_>,
    rows: &[&TrailRow],
) -> Result<Option<NextCollection>, StoreError> {
    let open = rows
        .iter()
        .filter(|r| {
            r.route.needs_voucher()
                && matches!(
                    r.state,
                    EntitlementState::Pending | EntitlementState::Instructed
                )
        })
        .filter_map(|r| Some((r, r.point_code.as_ref()?, r.day?)))
        .min_by_key(|(_, _, day)| *day);
    let Some((row, code, day)) = open else {
        return Ok(None);
    };
    let slot_end = match (row.slot_time, store.point_by_code(code).await?) {
        (Some(start), Some(point)) => {
            Some(start + Duration::minutes(i64::from(point.slot_minutes)))
        }
        _ => None,
    };
    let voucher = match (row.voucher, ctx.vouchers) {
        (Some(id), Some(signer)) => store
            .voucher_context(id)
            .await?
            .and_then(|c| signer.text(&c)),
        _ => None,
    };
    Ok(Some(NextCollection {
        envelope_id: row.envelope,
        cycle: row.cycle.clone(),
        route: row.route,
        point_code: code.clone(),
        point_name: row.point_name.clone().unwrap_or_default(),
        day,
        slot_start: row.slot_time,
        slot_end,
        amount: row.amount,
        voucher,
    }))
}

fn history_item(ctx: &Context<'_>, row: &TrailRow) -> HistoryItem {
    let ledger = crate::distribution::trail::ledger_steps(row)
        .into_iter()
        .map(|(step, index)| LedgerLink {
            step,
            index,
            href: format!("/ledger/{}/receipt/{index}", ctx.ledger_log),
        })
        .collect();
    HistoryItem {
        envelope_id: row.envelope,
        cycle: row.cycle.clone(),
        amount: row.amount,
        route: row.route,
        state: row.state,
        payment_state: row.payment_state.filter(|_| row.route != Route::Cash),
        handed_over_at: row.handed_at,
        ledger,
        rateable: matches!(
            row.state,
            EntitlementState::Paid | EntitlementState::HandedOver
        ),
    }
}

/// The public display names of the village's active operators.
async fn operators(store: &dyn Store, village: &RegionCode) -> Result<Vec<String>, StoreError> {
    let mut names: Vec<String> = store
        .accounts()
        .await?
        .into_iter()
        .filter(|a| {
            a.role == Role::VillageOperator
                && !a.disabled
                && matches!(a.scope, Scope::Within(v) if v == *village)
        })
        .map(|a| a.display_name)
        .collect();
    names.sort();
    Ok(names)
}

fn inbox(mut notices: Vec<Notice>) -> Vec<NoticeView> {
    notices.sort_by_key(|n| std::cmp::Reverse(n.created_at));
    notices
        .into_iter()
        .take(INBOX_SIZE)
        .map(|n| NoticeView {
            id: n.id,
            kind: n.kind.code(),
            program: n.program,
            cycle: n.cycle,
            body: serde_json::from_str(&n.body).unwrap_or(serde_json::Value::Null),
            created_at: n.created_at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enrolment(state: &str) -> StatusEnrolment {
        StatusEnrolment {
            program: "PKH".into(),
            state: state.into(),
            since: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            benefit: None,
            ended_at: None,
            end_reason: None,
        }
    }

    #[test]
    fn stage_follows_enrolment_then_waitlist_then_registry() {
        let w = StatusWaitlist {
            program: "PKH".into(),
            village_rank: 2,
            benefit: tepat_domain::Rupiah::new(1),
        };
        let v = RegistryStage::Verified;
        assert_eq!(
            stage(v, Some(&enrolment("active")), Some(&w)),
            Stage::Enrolled
        );
        assert_eq!(
            stage(v, Some(&enrolment("suspended")), None),
            Stage::Suspended
        );
        assert_eq!(
            stage(v, Some(&enrolment("graduated")), Some(&w)),
            Stage::Waitlisted
        );
        assert_eq!(
            stage(v, Some(&enrolment("graduated")), None),
            Stage::Graduated
        );
        assert_eq!(stage(v, None, None), Stage::Verified);
        assert_eq!(stage(RegistryStage::Proposed, None, None), Stage::Proposed);
        assert_eq!(
            stage(RegistryStage::NotListed, None, None),
            Stage::NotListed
        );
    }
}
