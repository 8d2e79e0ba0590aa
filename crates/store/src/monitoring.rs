//! What the officials' monitoring dashboard reads (issue 9, `docs/monitoring.md`): the distribution
//! pipeline per program, cycle and village, ratings, complaint deadlines, the registration backlog and
//! the anomaly flags.
//!
//! The pipeline, the ratings and the flags are aggregates (migration 26) that [`MonitoringStore::refresh_monitoring`]
//! recomputes from the base tables; the backlog and the complaint deadlines are read live (their
//! indexes make them small reads). Every read is limited to an [`Area`] (a region code prefix) and
//! grouped by region codes cut to one level, so a dashboard query reads a few thousand rows at most.
//! Nothing here is personal data: ids, region codes, counts.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::error::StoreError;

/// Where to read and how finely to group: region codes are plain digits that nest as prefixes
/// (`19`, `1902`, `190201`, `1902011001`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// Only rows whose region code starts with this (plain digits); `None`: everywhere.
    pub within: Option<String>,
    /// Group by the first this many digits: 2 (provinces), 4 (regencies), 6 (districts) or 10 (villages).
    pub group_digits: u8,
}

impl Area {
    /// The half-open range of region codes inside the area: codes are digits, and ':' sorts right
    /// after '9', so `[prefix, prefix + ":")` holds exactly the codes that start with the prefix.
    pub(crate) fn bounds(&self) -> (String, String) {
        match &self.within {
            Some(p) => (p.clone(), format!("{p}:")),
            None => (String::new(), "~".into()),
        }
    }
}

/// The anomaly rules (`docs/monitoring.md` gives each one's reasoning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagRule {
    /// Several households paid into one account (the account mapper's blind index).
    SharedAccount,
    /// Many living persons at one address of the population extract; flags the registry households
    /// with a member there.
    CrowdedAddress,
    /// A person dead according to the population extract, still an active member of a household that
    /// is enrolled or has an open entitlement.
    DeadEnrolled,
    /// A device (an e-Warung merchant's or an officer's phone) recording hand-overs faster than a
    /// hand-over can be done.
    FastMerchant,
    /// An officer whose share of rejections differs much from the median of their role.
    OfficerRejections,
}

impl FlagRule {
    pub const ALL: [FlagRule; 5] = [
        FlagRule::SharedAccount,
        FlagRule::CrowdedAddress,
        FlagRule::DeadEnrolled,
        FlagRule::FastMerchant,
        FlagRule::OfficerRejections,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FlagRule::SharedAccount => "shared_account",
            FlagRule::CrowdedAddress => "crowded_address",
            FlagRule::DeadEnrolled => "dead_enrolled",
            FlagRule::FastMerchant => "fast_merchant",
            FlagRule::OfficerRejections => "officer_rejections",
        }
    }

    pub fn parse(code: &str) -> Option<FlagRule> {
        FlagRule::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The thresholds of the rules. The defaults are documented in `docs/monitoring.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagRules {
    /// Households sharing one account from which they are flagged.
    pub shared_account_households: u32,
    /// Living persons at one address (same village, RW, RT and street address) from which it is flagged.
    pub address_persons: u32,
    /// Days after a death before a still-active member is flagged (the registry's death task needs time).
    pub death_grace_days: u32,
    /// Hand-overs within one clock minute from one device from which the device is flagged.
    pub handovers_per_minute: u32,
    /// Only hand-overs of the last this many days count.
    pub handover_days: u32,
    /// Decisions an officer must have made (in the window) before their rate is compared.
    pub officer_min_decisions: u32,
    /// How far (as a share, 0.25 = 25 percentage points) an officer's rejection rate may differ from
    /// the median of their role before they are flagged.
    pub officer_rate_margin: f64,
    /// Only decisions of the last this many days count.
    pub officer_days: u32,
}

impl Default for FlagRules {
    fn default() -> FlagRules {
        FlagRules {
            shared_account_households: 4,
            address_persons: 20,
            death_grace_days: 30,
            handovers_per_minute: 6,
            handover_days: 90,
            officer_min_decisions: 20,
            officer_rate_margin: 0.25,
            officer_days: 90,
        }
    }
}

/// One region's entitlements of a program-cycle, by how far they got (count and rupiah each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineRow {
    /// The region code cut to [`Area::group_digits`].
    pub region: String,
    pub planned: (u64, i64),
    pub sent: (u64, i64),
    pub confirmed: (u64, i64),
    pub received: (u64, i64),
    pub failed: (u64, i64),
}

/// Ratings of a program-cycle in one region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatingRow {
    pub region: String,
    pub ratings: u64,
    /// The sum of stars.
    pub stars: u64,
    /// Ratings of one or two stars.
    pub low: u64,
}

/// Registry requests waiting at one stage in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogRow {
    pub region: String,
    /// The workflow stage code (`proposed`, `village_verified`, …).
    pub stage: String,
    pub waiting: u64,
    /// When the oldest waiting request was made.
    pub oldest: DateTime<Utc>,
}

/// Complaints of one region that are not closed, by their deadline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintRow {
    pub region: String,
    /// Still waiting for an answer (open or acknowledged).
    pub awaiting: u64,
    /// Waiting, and the deadline has passed.
    pub overdue: u64,
    /// Waiting, due today or within the next days (see [`MonitoringStore::monitor_complaints`]).
    pub due_soon: u64,
    /// Answered, not yet resolved.
    pub answered: u64,
    /// The earliest deadline of those waiting.
    pub earliest_due: Option<NaiveDate>,
}

/// One flagged subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagItem {
    pub rule: FlagRule,
    /// Where it belongs (plain code), empty when nowhere in particular.
    pub region: String,
    /// A household, or an officer's account (fast devices, rejection rates).
    pub subject: Uuid,
    /// The device (fast devices) or the role (rejection rates); empty otherwise.
    pub label: String,
    /// The group the subject is in (households sharing one account, persons at one address); for
    /// rejection rates the median rate of the officer's role in per mille; 0 otherwise.
    pub group: i64,
    /// Shared account: households in the group. Crowded address: living persons at the address. Dead
    /// member: dead members still active. Fast device: most hand-overs in one minute. Rejections: the
    /// officer's rejection rate in per mille.
    pub value: i64,
    /// Fast device: minutes at or above the threshold. Rejections: decisions counted. Otherwise 0.
    pub extra: i64,
}

/// When one part of the aggregates was last recomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// `pipeline`, `ratings` or a [`FlagRule`] code.
    pub part: String,
    pub at: DateTime<Utc>,
    pub millis: u64,
}

/// An officer's decisions on registry requests in the window (for the rejection-rate rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OfficerDecisions {
    pub officer: Uuid,
    pub role: String,
    /// The officer's account scope (plain code), empty for every region.
    pub region: String,
    pub decisions: u64,
    pub rejections: u64,
}

/// Fewer officers of a role than this with enough decisions, and their median says little: none is
/// flagged.
pub const MIN_PEERS: usize = 3;

/// The officers whose rejection rate is at least `officer_rate_margin` away from the median of the
/// officers of their role (both ways: rejecting much more than peers, or rubber-stamping), among those
/// with at least `officer_min_decisions` decisions.
pub(crate) fn officer_flags(rows: &[OfficerDecisions], rules: &FlagRules) -> Vec<FlagItem> {
    let counted: Vec<&OfficerDecisions> = rows
        .iter()
        .filter(|r| r.decisions >= u64::from(rules.officer_min_decisions))
        .collect();
    let mut roles: Vec<&str> = counted.iter().map(|r| r.role.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    let mut out = Vec::new();
    for role in roles {
        let peers: Vec<&&OfficerDecisions> = counted.iter().filter(|r| r.role == role).collect();
        if peers.len() < MIN_PEERS {
            continue;
        }
        let mut rates: Vec<f64> = peers.iter().map(|r| rate(r)).collect();
        rates.sort_by(f64::total_cmp);
        let median = median_of_sorted(&rates);
        for r in peers {
            if (rate(r) - median).abs() >= rules.officer_rate_margin {
                out.push(FlagItem {
                    rule: FlagRule::OfficerRejections,
                    region: r.region.clone(),
                    subject: r.officer,
                    label: r.role.clone(),
                    group: per_mille(median),
                    value: per_mille(rate(r)),
                    extra: i64::try_from(r.decisions).unwrap_or(i64::MAX),
                });
            }
        }
    }
    out
}

fn rate(r: &OfficerDecisions) -> f64 {
    // Decisions are counts of a few thousand at most: exact in f64.
    r.rejections as f64 / r.decisions.max(1) as f64
}

fn median_of_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn per_mille(share: f64) -> i64 {
    (share * 1000.0).round() as i64
}

/// The monitoring reads and the refresh. Part of [`crate::Store`]; both backends share the SQL.
#[async_trait::async_trait]
pub trait MonitoringStore: Send + Sync {
    /// Recomputes the pipeline, the ratings and every flag rule, one part per transaction (readers keep
    /// seeing the previous figures of a part until its new ones are committed).
    async fn refresh_monitoring(
        &self,
        rules: &FlagRules,
        now: DateTime<Utc>,
    ) -> Result<Vec<Refreshed>, StoreError>;

    /// When each part was last recomputed.
    async fn monitor_refreshed(&self) -> Result<Vec<Refreshed>, StoreError>;

    /// The program-cycles of the pipeline, newest cycle first.
    async fn monitor_cycles(&self) -> Result<Vec<(String, String)>, StoreError>;

    async fn monitor_pipeline(
        &self,
        area: &Area,
        program: &str,
        cycle: &str,
    ) -> Result<Vec<PipelineRow>, StoreError>;

    async fn monitor_ratings(
        &self,
        area: &Area,
        program: &str,
        cycle: &str,
    ) -> Result<Vec<RatingRow>, StoreError>;

    /// Open registry requests per region and stage, live.
    async fn monitor_backlog(&self, area: &Area) -> Result<Vec<BacklogRow>, StoreError>;

    /// Complaints not closed per region, live; "due soon" means due from `today` to `soon` inclusive.
    /// Reports of extortion and officers' behaviour count only with `abuse` (for those whose complaint
    /// desk shows them).
    async fn monitor_complaints(
        &self,
        area: &Area,
        today: NaiveDate,
        soon: NaiveDate,
        abuse: bool,
    ) -> Result<Vec<ComplaintRow>, StoreError>;

    /// Flagged subjects per rule inside the area (rules without any are missing).
    async fn monitor_flag_counts(&self, area: &Area) -> Result<Vec<(FlagRule, u64)>, StoreError>;

    /// The flagged subjects of one rule inside the area, highest value first.
    async fn monitor_flags(
        &self,
        rule: FlagRule,
        area: &Area,
        limit: u32,
    ) -> Result<Vec<FlagItem>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer(role: &str, decisions: u64, rejections: u64) -> OfficerDecisions {
        OfficerDecisions {
            officer: Uuid::now_v7(),
            role: role.into(),
            region: "19".into(),
            decisions,
            rejections,
        }
    }

    #[test]
    fn officers_far_from_their_roles_median_are_flagged_both_ways() {
        let rows = vec![
            officer("approver", 100, 10),
            officer("approver", 100, 12),
            officer("approver", 100, 8),
            officer("approver", 100, 60),
            officer("approver", 10, 10), // too few decisions to count
            officer("verifier", 50, 30),
            officer("verifier", 50, 28),
            officer("verifier", 50, 0),
            officer("verifier", 50, 29),
        ];
        let flags = officer_flags(&rows, &FlagRules::default());
        let flagged: Vec<(u64, i64, i64)> = flags
            .iter()
            .map(|f| {
                let r = rows.iter().find(|r| r.officer == f.subject).unwrap();
                (r.rejections, f.value, f.group)
            })
            .collect();
        // approver median 0.11: 0.60 is 0.49 away; verifier median 0.57: 0.0 is 0.57 away.
        assert_eq!(flagged, vec![(60, 600, 110), (0, 0, 570)]);
    }

    #[test]
    fn a_role_with_too_few_officers_is_not_judged() {
        let rows = vec![officer("approver", 100, 90), officer("approver", 100, 0)];
        assert!(officer_flags(&rows, &FlagRules::default()).is_empty());
    }

    #[test]
    fn an_area_is_a_half_open_range_of_codes() {
        let area = Area {
            within: Some("1902".into()),
            group_digits: 6,
        };
        let (lo, hi) = area.bounds();
        assert!("1902011001".as_bytes() >= lo.as_bytes() && "1902011001" < hi.as_str());
        assert!("1903" >= hi.as_str());
        assert!("1901999999" < lo.as_str());
    }
}
