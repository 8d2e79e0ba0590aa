//! What each enrolled household receives in one cycle, and how it gets there.
//!
//! The amount is the program's benefit formula on the household's *current* targeting facts (members
//! are born, start school, turn 60), with ages counted on the cycle's first day, capped by the
//! program's maximum per cycle. Member counts are taken in SQL
//! ([`Program::benefit_counts_sql`]) as a targeting run does; a formula the compiler cannot express
//! falls back to reading the facts ([`Program::benefit`]). Both give the same amount.

use std::collections::HashMap;

use chrono::NaiveDate;
use tepat_domain::distribution::{AddressKind, Route};
use tepat_domain::program::{Channel, Program};
use tepat_domain::targeting_sql::TargetingColumns;
use tepat_domain::{Rupiah, Scope};
use tepat_payments::iso20022;
use tepat_store::{CountedRow, Entitlement, LinkRoute, Store};
use uuid::Uuid;

use super::DistributionError;

/// The provider code of premiums paid to BPJS Kesehatan.
pub const BPJS: &str = "bpjs";

/// Households whose facts are read per call on the fallback path.
const FACTS_BATCH: usize = 5_000;

/// The entitlements of a program's active enrolments inside a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// One per household with something to pay, in (village, household) order.
    pub rows: Vec<Entitlement>,
    /// Enrolled households whose benefit comes to zero this cycle (left out).
    pub zero: u64,
    /// Whether member counts were taken in SQL (else from the facts).
    pub counted_in_sql: bool,
}

/// The route of one household: the program's channel and, for transfers, its verified account.
/// A transfer without a verified account, or to a bank tepat has no file profile for, goes as cash
/// at a distribution point, so nobody is left unpaid for want of an account.
pub fn route_for(channel: Channel, link: Option<&LinkRoute>) -> (Route, Option<String>) {
    match channel {
        Channel::KksTransfer => match link {
            Some(l) if l.kind == AddressKind::Mobile => (Route::EWallet, Some(l.provider.clone())),
            Some(l) if iso20022::bank(&l.provider).is_some() => {
                (Route::Bank, Some(l.provider.clone()))
            }
            _ => (Route::Cash, None),
        },
        Channel::Pos | Channel::VillageCash => (Route::Cash, None),
        Channel::EWarong | Channel::Goods => (Route::Goods, None),
        Channel::BpjsPremium => (Route::Premium, Some(BPJS.to_owned())),
    }
}

/// The SQL condition for "actively enrolled in `program`, inside `scope`". The program code and region
/// code are validated identifiers (letters, digits, `-`), never free text.
fn enrolled_within(program: &str, scope: &Scope) -> String {
    let enrolled = format!(
        "h.id IN (SELECT e.household_id FROM targeting_enrolment e \
         WHERE e.program = '{program}' AND e.state = 'active')"
    );
    match scope {
        Scope::All => enrolled,
        Scope::Within(region) => format!(
            "h.village_code >= '{0}' AND h.village_code < '{0}:' AND {enrolled}",
            region.plain()
        ),
    }
}

/// Every actively enrolled household's entitlement inside `scope` for the cycle starting `on`.
pub async fn compute_entitlements(
    store: &dyn Store,
    program: &Program,
    scope: &Scope,
    on: NaiveDate,
) -> Result<Computed, DistributionError> {
    if !program
        .code
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(DistributionError::UnknownProgram {
            code: program.code.clone(),
        });
    }
    let condition = enrolled_within(&program.code, scope);
    let counts = program.benefit_counts_sql(&TargetingColumns::new(on)).ok();
    let asked = counts.clone().unwrap_or_default();
    let selected = store.select_counted(&condition, &asked, false).await?;
    // Only a transfer program routes by account; the others need not read a million links.
    let links: HashMap<Uuid, LinkRoute> = if program.channel == Channel::KksTransfer {
        store
            .verified_link_routes(scope)
            .await?
            .into_iter()
            .map(|l| (l.household, l))
            .collect()
    } else {
        HashMap::new()
    };
    let counted_in_sql = counts.is_some();
    let amounts = match counts {
        Some(_) => amounts_from_counts(program, &selected),
        None => amounts_from_facts(store, program, &selected, on).await?,
    };
    let mut out = Computed {
        rows: Vec::with_capacity(selected.len()),
        zero: 0,
        counted_in_sql,
    };
    for (row, (amount, parts)) in selected.iter().zip(amounts) {
        if amount <= Rupiah::ZERO {
            out.zero += 1;
            continue;
        }
        let (route, provider) = route_for(program.channel, links.get(&row.row.id));
        out.rows.push(Entitlement {
            household: row.row.id,
            village: row.row.village,
            amount,
            parts,
            route,
            provider,
            state: tepat_domain::distribution::EntitlementState::Pending,
            reason: None,
        });
    }
    Ok(out)
}

fn parts_json(parts: &[tepat_domain::program::BenefitPart]) -> String {
    serde_json::to_string(parts).expect("benefit parts serialise")
}

/// The benefit of each row from its member counts. Households with the same counts get the same
/// benefit, so each distinct count list is computed (and its parts written as JSON) once: at a million
/// households that JSON was most of the time spent here.
fn amounts_from_counts(program: &Program, rows: &[CountedRow]) -> Vec<(Rupiah, String)> {
    let mut known: HashMap<&[i64], (Rupiah, String)> = HashMap::new();
    rows.iter()
        .map(|r| {
            known
                .entry(r.counts.as_slice())
                .or_insert_with(|| {
                    let counts: Vec<usize> = r
                        .counts
                        .iter()
                        .map(|c| usize::try_from(*c).unwrap_or(0))
                        .collect();
                    let benefit = program.benefit_from_counts(&counts);
                    (benefit.per_cycle, parts_json(&benefit.parts))
                })
                .clone()
        })
        .collect()
}

async fn amounts_from_facts(
    store: &dyn Store,
    program: &Program,
    rows: &[CountedRow],
    on: NaiveDate,
) -> Result<Vec<(Rupiah, String)>, DistributionError> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(FACTS_BATCH) {
        let ids: Vec<Uuid> = chunk.iter().map(|r| r.row.id).collect();
        let facts: HashMap<Uuid, _> = store
            .targeting_facts(&ids)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
        for id in &ids {
            out.push(match facts.get(id) {
                Some(f) => {
                    let b = program.benefit(f, on);
                    (b.per_cycle, parts_json(&b.parts))
                }
                None => (Rupiah::ZERO, "[]".to_owned()),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(kind: AddressKind, provider: &str) -> LinkRoute {
        LinkRoute {
            household: Uuid::nil(),
            kind,
            provider: provider.into(),
        }
    }

    #[test]
    fn routes_follow_the_channel_and_the_verified_account() {
        let bri = link(AddressKind::Account, "bri");
        let dana = link(AddressKind::Mobile, "dana");
        let unknown_bank = link(AddressKind::Account, "bankx");
        assert_eq!(
            route_for(Channel::KksTransfer, Some(&bri)),
            (Route::Bank, Some("bri".into()))
        );
        assert_eq!(
            route_for(Channel::KksTransfer, Some(&dana)),
            (Route::EWallet, Some("dana".into()))
        );
        assert_eq!(
            route_for(Channel::KksTransfer, Some(&unknown_bank)),
            (Route::Cash, None)
        );
        assert_eq!(route_for(Channel::KksTransfer, None), (Route::Cash, None));
        assert_eq!(route_for(Channel::Pos, Some(&bri)), (Route::Cash, None));
        assert_eq!(route_for(Channel::EWarong, None), (Route::Goods, None));
        assert_eq!(route_for(Channel::Goods, None), (Route::Goods, None));
        assert_eq!(
            route_for(Channel::BpjsPremium, None),
            (Route::Premium, Some(BPJS.into()))
        );
    }

    #[test]
    fn the_enrolment_condition_stays_inside_the_scope() {
        let scope = Scope::Within(tepat_domain::RegionCode::parse("19.02").unwrap());
        let sql = enrolled_within("PKH", &scope);
        assert!(sql.starts_with("h.village_code >= '1902' AND h.village_code < '1902:'"));
        assert!(sql.contains("e.program = 'PKH' AND e.state = 'active'"));
        assert!(!enrolled_within("PKH", &Scope::All).contains("village_code"));
    }
}
