//! The targeting section of the household page: the stored welfare rank (desil and the PMT's predicted
//! consumption), the built-in PMT's largest contributions for this household's survey, its enrolments,
//! and the link to file an appeal.

use chrono::Utc;
use tepat_core::access::{Actor, FileAppeal, ReadTargeting};
use tepat_core::targeting::programs;
use tepat_domain::registry::RegistryHousehold;
use tepat_domain::{HouseholdFacts, Lang};
use tepat_store::{EnrolmentState, Store};
use tepat_targeting::pmt::Model;

use super::{rupiah, strings, TargetingStrings};

/// How many of the PMT's contributions the page shows (the largest, either sign).
const TOP_CONTRIBUTIONS: usize = 5;

/// What the household page's targeting section shows; `shown` is false for roles that do not read
/// targeting results.
pub(crate) struct HouseholdTargeting {
    pub shown: bool,
    pub t: &'static TargetingStrings,
    pub desil: String,
    pub welfare: String,
    /// (feature, effect in log points), largest first; empty without a survey.
    pub contributions: Vec<(String, String)>,
    pub enrolments: Vec<EnrolmentView>,
    pub may_appeal: bool,
}

pub(crate) struct EnrolmentView {
    pub program: String,
    pub state: &'static str,
    pub since: String,
    pub benefit: String,
}

/// The section for `h` as `actor` may see it. A failed read leaves the part empty rather than failing
/// the household page, whose record was already read and audited.
pub(crate) async fn section(
    store: &dyn Store,
    actor: &Actor,
    h: &RegistryHousehold,
    lang: Lang,
) -> HouseholdTargeting {
    let t = strings(lang);
    let mut out = HouseholdTargeting {
        shown: actor.may::<ReadTargeting>(&h.village).is_ok(),
        t,
        desil: t.hh_unranked.to_owned(),
        welfare: t.none.to_owned(),
        contributions: Vec::new(),
        enrolments: Vec::new(),
        may_appeal: actor.may::<FileAppeal>(&h.village).is_ok(),
    };
    if !out.shown {
        return out;
    }
    if let Ok(Some(stored)) = store
        .targeting_facts(&[h.id])
        .await
        .map(|f| f.into_iter().next())
    {
        if let Some(d) = stored.desil {
            out.desil = d.get().to_string();
        }
        if let Some(w) = stored.welfare {
            out.welfare = rupiah(w, lang);
        }
    }
    let facts = HouseholdFacts::from_registry(h);
    out.contributions = Model::builtin()
        .explain(&facts, Utc::now().date_naive())
        .into_iter()
        .take(TOP_CONTRIBUTIONS)
        .map(|c| (c.feature, format!("{:+.3}", c.effect)))
        .collect();
    out.enrolments = enrolments(store, h, t, lang).await;
    out
}

async fn enrolments(
    store: &dyn Store,
    h: &RegistryHousehold,
    t: &TargetingStrings,
    lang: Lang,
) -> Vec<EnrolmentView> {
    let Ok(current) = programs::current(store).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in current.iter() {
        let Ok(Some(e)) = store.enrolment(&p.code, h.id).await else {
            continue;
        };
        out.push(EnrolmentView {
            program: format!("{} · {}", p.code, p.name(lang)),
            state: match e.state {
                EnrolmentState::Active => t.enrol_active,
                EnrolmentState::Suspended => t.enrol_suspended,
                EnrolmentState::Graduated => t.enrol_graduated,
            },
            since: e.since.to_string(),
            benefit: e.benefit.map(|b| rupiah(b, lang)).unwrap_or_default(),
        });
    }
    out
}
