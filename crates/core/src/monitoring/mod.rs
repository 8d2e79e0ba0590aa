//! The officials' monitoring dashboard (issue 9, `docs/monitoring.md`): for one's region and a
//! program-cycle, entitlements planned vs sent vs confirmed vs received, complaint deadlines, ratings,
//! the registration backlog and the anomaly flags, grouped by the regions one level below the one
//! looked at.
//!
//! Reading the dashboard takes a [`Grant`] of [`Monitor`]; the list behind a flag one of
//! [`InspectAnomalies`]. Both stay inside the grant's scope. The lists hold household and officer ids,
//! never names or numbers; full records open only through the registry's audited pages.
//!
//! - [`csv`]: every view as CSV.

pub mod csv;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tepat_domain::{Lang, Localized, RegionCode, RegionLevel, Scope};
use tepat_store::{
    Area, BacklogRow, ComplaintRow, FlagItem, FlagRule, FlagRules, PipelineRow, RatingRow,
    Refreshed, Store, StoreError,
};

use crate::access::{Action, Denied, Grant, InspectAnomalies, Monitor};

/// Complaints due within this many days count as "due soon".
pub const DUE_SOON_DAYS: i64 = 2;
/// Figures older than this are recomputed when the dashboard is opened.
pub const MAX_AGE: Duration = Duration::minutes(5);
/// Most subjects listed behind one flag (the CSV export too).
pub const FLAG_LIST_LIMIT: u32 = 2000;

/// What went wrong, without personal data.
#[derive(Debug, thiserror::Error)]
pub enum MonitoringError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for MonitoringError {
    fn message(&self, lang: Lang) -> String {
        match self {
            MonitoringError::Denied(d) => d.message(lang),
            MonitoringError::Store(e) => match lang {
                Lang::En => format!("the monitoring figures could not be read: {e}"),
                Lang::Id => "angka pemantauan tidak dapat dibaca; coba lagi nanti".into(),
            },
        }
    }
}

/// Everything the dashboard shows for one region and program-cycle.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The region looked at; `None`: the whole country.
    pub region: Option<RegionCode>,
    /// The level the rows are grouped by.
    pub rows_level: RegionLevel,
    /// Every program-cycle with figures, newest first.
    pub cycles: Vec<(String, String)>,
    /// The one shown (the newest, unless asked for another).
    pub program_cycle: Option<(String, String)>,
    pub pipeline: Vec<PipelineRow>,
    pub ratings: Vec<RatingRow>,
    pub backlog: Vec<BacklogRow>,
    pub complaints: Vec<ComplaintRow>,
    /// Every rule with its count inside the region (0 when nothing is flagged).
    pub flags: Vec<(FlagRule, u64)>,
    /// When the aggregates were recomputed (the backlog and complaints are live).
    pub refreshed: Vec<Refreshed>,
    pub today: NaiveDate,
}

impl Dashboard {
    /// The oldest refresh of any part, `None` before the first one.
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        self.refreshed.iter().map(|r| r.at).min()
    }

    /// The pipeline's totals over every row.
    pub fn pipeline_total(&self) -> PipelineRow {
        let mut t = PipelineRow {
            region: String::new(),
            ..PipelineRow::default()
        };
        for r in &self.pipeline {
            for (into, add) in [
                (&mut t.planned, r.planned),
                (&mut t.sent, r.sent),
                (&mut t.confirmed, r.confirmed),
                (&mut t.received, r.received),
                (&mut t.failed, r.failed),
            ] {
                into.0 += add.0;
                into.1 = into.1.saturating_add(add.1);
            }
        }
        t
    }
}

/// The region to look at: `asked` if the grant covers it, else the grant's own region.
pub fn focus<A: Action>(
    grant: &Grant<'_, A>,
    asked: Option<RegionCode>,
) -> Result<Option<RegionCode>, Denied> {
    match asked {
        Some(r) => {
            grant.covers(&r)?;
            Ok(Some(r))
        }
        None => Ok(match grant.scope() {
            Scope::All => None,
            Scope::Within(r) => Some(r),
        }),
    }
}

/// The store's area for a region: its code as the prefix, rows one level below it (villages stay
/// villages).
pub fn area(region: Option<&RegionCode>) -> (Area, RegionLevel) {
    let level = match region.map(|r| r.level()) {
        None => RegionLevel::Provinsi,
        Some(RegionLevel::Provinsi) => RegionLevel::KabupatenKota,
        Some(RegionLevel::KabupatenKota) => RegionLevel::Kecamatan,
        Some(RegionLevel::Kecamatan | RegionLevel::DesaKelurahan) => RegionLevel::DesaKelurahan,
    };
    (
        Area {
            within: region.map(|r| r.plain().to_owned()),
            group_digits: u8::try_from(level.digits()).unwrap_or(10),
        },
        level,
    )
}

/// The dashboard of `region` (or the grant's own) for `program_cycle` (or the newest).
pub async fn dashboard(
    store: &dyn Store,
    grant: &Grant<'_, Monitor>,
    region: Option<RegionCode>,
    program_cycle: Option<(String, String)>,
    now: DateTime<Utc>,
) -> Result<Dashboard, MonitoringError> {
    let region = focus(grant, region)?;
    let (area, rows_level) = area(region.as_ref());
    let cycles = store.monitor_cycles().await?;
    let program_cycle = program_cycle
        .filter(|pc| cycles.contains(pc))
        .or_else(|| cycles.first().cloned());
    let (pipeline, ratings) = match &program_cycle {
        Some((p, c)) => (
            store.monitor_pipeline(&area, p, c).await?,
            store.monitor_ratings(&area, p, c).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let today = now.date_naive();
    let abuse = crate::portal::complaints::desk(grant.actor().role()).is_some_and(|d| d.abuse);
    let complaints = store
        .monitor_complaints(&area, today, today + Duration::days(DUE_SOON_DAYS), abuse)
        .await?;
    let counted = store.monitor_flag_counts(&area).await?;
    let flags = FlagRule::ALL
        .iter()
        .map(|rule| {
            let n = counted
                .iter()
                .find(|(r, _)| r == rule)
                .map_or(0, |(_, n)| *n);
            (*rule, n)
        })
        .collect();
    Ok(Dashboard {
        region,
        rows_level,
        cycles,
        program_cycle,
        pipeline,
        ratings,
        backlog: store.monitor_backlog(&area).await?,
        complaints,
        flags,
        refreshed: store.monitor_refreshed().await?,
        today,
    })
}

/// The subjects behind one flag inside `region` (or the grant's own), highest value first.
pub async fn flagged(
    store: &dyn Store,
    grant: &Grant<'_, InspectAnomalies>,
    rule: FlagRule,
    region: Option<RegionCode>,
) -> Result<Vec<FlagItem>, MonitoringError> {
    let region = focus(grant, region)?;
    let (area, _) = area(region.as_ref());
    Ok(store.monitor_flags(rule, &area, FLAG_LIST_LIMIT).await?)
}

/// Recomputes the aggregates and flags with the default thresholds.
pub async fn refresh(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Vec<Refreshed>, MonitoringError> {
    Ok(store.refresh_monitoring(&FlagRules::default(), now).await?)
}

/// Whether the figures should be recomputed: never made, or a part older than [`MAX_AGE`].
pub fn is_stale(refreshed: &[Refreshed], now: DateTime<Utc>) -> bool {
    refreshed.len() < 2 + FlagRule::ALL.len() || refreshed.iter().any(|r| now - r.at > MAX_AGE)
}

/// A rule's name, and what it flags, for people.
pub fn rule_text(rule: FlagRule, lang: Lang) -> (&'static str, &'static str) {
    // The thresholds in the texts are the defaults; a test keeps them in step.
    match (rule, lang) {
        (FlagRule::SharedAccount, Lang::Id) => (
            "Satu rekening untuk banyak keluarga",
            "4 keluarga atau lebih dibayar ke rekening atau dompet elektronik yang sama.",
        ),
        (FlagRule::SharedAccount, Lang::En) => (
            "One account, many households",
            "4 or more households paid into the same bank account or e-wallet.",
        ),
        (FlagRule::CrowdedAddress, Lang::Id) => (
            "Banyak orang di satu alamat",
            "20 orang hidup atau lebih tercatat di satu alamat (desa, RW, RT, alamat) menurut data \
             kependudukan; ditandai keluarga DTSEN yang anggotanya tinggal di sana.",
        ),
        (FlagRule::CrowdedAddress, Lang::En) => (
            "Many persons at one address",
            "20 or more living persons at one address (village, RW, RT, street) of the population \
             extract; flags the registry households with a member there.",
        ),
        (FlagRule::DeadEnrolled, Lang::Id) => (
            "Anggota meninggal masih terdaftar",
            "Menurut data kependudukan meninggal lebih dari 30 hari lalu, tetapi masih anggota aktif \
             keluarga yang menjadi KPM atau punya hak bantuan yang belum dibayar.",
        ),
        (FlagRule::DeadEnrolled, Lang::En) => (
            "Dead persons still enrolled",
            "Dead for more than 30 days according to the population extract, yet still an active \
             member of a household that is enrolled or has an unpaid entitlement.",
        ),
        (FlagRule::FastMerchant, Lang::Id) => (
            "Penyerahan terlalu cepat",
            "Satu perangkat (e-Warung atau petugas) mencatat 6 penyerahan atau lebih dalam satu \
             menit, dalam 90 hari terakhir.",
        ),
        (FlagRule::FastMerchant, Lang::En) => (
            "Hand-overs too fast",
            "One device (an e-Warung's or an officer's) recorded 6 or more hand-overs within one \
             minute, in the last 90 days.",
        ),
        (FlagRule::OfficerRejections, Lang::Id) => (
            "Tingkat penolakan petugas tidak wajar",
            "Dalam 90 hari terakhir, dari 20 keputusan atau lebih, porsi penolakan seorang petugas \
             berbeda 25 poin persen atau lebih dari median petugas dengan peran yang sama.",
        ),
        (FlagRule::OfficerRejections, Lang::En) => (
            "Unusual rejection rates",
            "In the last 90 days, with 20 decisions or more, an officer's share of rejections is 25 \
             percentage points or more away from the median of officers of the same role.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Actor;
    use tepat_domain::Role;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn the_rule_texts_name_the_default_thresholds() {
        let d = FlagRules::default();
        let en = |r| rule_text(r, Lang::En).1;
        assert!(en(FlagRule::SharedAccount).starts_with(&d.shared_account_households.to_string()));
        assert!(en(FlagRule::CrowdedAddress).starts_with(&d.address_persons.to_string()));
        assert!(en(FlagRule::DeadEnrolled).contains(&format!("{} days", d.death_grace_days)));
        assert!(en(FlagRule::FastMerchant).contains(&format!("{} or more", d.handovers_per_minute)));
        assert!(en(FlagRule::FastMerchant).contains(&format!("{} days", d.handover_days)));
        assert!(en(FlagRule::OfficerRejections)
            .contains(&format!("{} decisions", d.officer_min_decisions)));
        assert!(en(FlagRule::OfficerRejections).contains(&format!(
            "{} percentage points",
            (d.officer_rate_margin * 100.0).round()
        )));
    }

    #[test]
    fn an_officer_looks_at_their_region_or_inside_it_only() {
        let op = Actor::for_tests(Role::DistrictOperator, Scope::Within(code("19.02.01")));
        let grant = op.may_anywhere::<Monitor>().unwrap();
        assert_eq!(focus(&grant, None).unwrap(), Some(code("19.02.01")));
        assert_eq!(
            focus(&grant, Some(code("19.02.01.2003"))).unwrap(),
            Some(code("19.02.01.2003"))
        );
        assert!(focus(&grant, Some(code("19.02"))).is_err());
        assert!(focus(&grant, Some(code("19.02.02.2001"))).is_err());
        let national = Actor::for_tests(Role::Auditor, Scope::All);
        let grant = national.may_anywhere::<Monitor>().unwrap();
        assert_eq!(focus(&grant, None).unwrap(), None);
    }

    #[test]
    fn rows_are_one_level_below_the_region() {
        assert_eq!(area(None).0.group_digits, 2);
        let (a, level) = area(Some(&code("19.02")));
        assert_eq!(
            (a.within.as_deref(), a.group_digits, level),
            (Some("1902"), 6, RegionLevel::Kecamatan)
        );
        assert_eq!(area(Some(&code("19.02.01.2003"))).0.group_digits, 10);
    }

    #[test]
    fn village_operators_do_not_inspect_flags() {
        let op = Actor::for_tests(Role::VillageOperator, Scope::Within(code("19.02.01.2003")));
        assert!(op.may_anywhere::<Monitor>().is_ok());
        assert!(op.may_anywhere::<InspectAnomalies>().is_err());
    }
}
